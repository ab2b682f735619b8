"""Plain-text figures: every label neurocast draws is shown as written.

Neuron names, condition names and titles come from users' files; matplotlib would read a pair of
'$' in them as a mathematical formula (drawing ``$x^2$`` as x², or failing on a formula it cannot
parse). ``plain_text`` turns that off while a figure is built and saved.
"""

from __future__ import annotations

import contextlib

__all__ = ["plain_text"]


@contextlib.contextmanager
def plain_text():
    """Context manager (or decorator) in which matplotlib draws every text without math."""
    import matplotlib  # heavy: imported on use

    with matplotlib.rc_context({"text.parse_math": False}):
        yield
