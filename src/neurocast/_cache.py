"""The user cache directory (built-in data generated once, e.g. fly-synth, demo recordings).

Location: ``$NEUROCAST_CACHE`` if set, else the platform's user cache folder
(``~/.cache/neurocast`` on Linux). Never inside the installed package.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from neurocast.errors import WriteError


def cache_dir() -> Path:
    """Return the cache folder, creating it on first use (not at import).

    Raises WriteError (a NeurocastError and an OSError) if it cannot be created.
    """
    root = os.environ.get("NEUROCAST_CACHE")
    if root:
        path = Path(root)
    else:
        path = Path(platformdirs.user_cache_dir("neurocast"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create the cache folder '{path}': {exc.strerror or exc}",
                         "set NEUROCAST_CACHE to a writable folder") from exc
    return path
