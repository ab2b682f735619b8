"""Plain-text figures: every label neurocast draws is shown as written.

Neuron names, condition names, model names and titles come from users' files; matplotlib would
read a pair of '$' in them as a mathematical formula (drawing ``$x^2$`` as x², or failing on a
formula it cannot parse). ``plain_text(fig)`` marks each text of a figure as literal
(``Text.set_parse_math(False)``), except the tick labels matplotlib's own formatters write
(a log axis labels its ticks ``$\\mathdefault{10^{-1}}$``, which must stay a formula). Call it on
a finished figure before it is saved or returned; the marks stay with the Text objects it has
then (a text added to a returned figure afterwards is drawn as matplotlib draws it).
"""

from __future__ import annotations

__all__ = ["plain_text"]


def _formatter_labels(fig) -> set[int]:
    """ids of the tick labels that matplotlib's number formatters write (not users' names)."""
    from matplotlib.category import StrCategoryFormatter  # heavy: imported on use
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    # labels given as names: ``set_xticks(locs, names)`` (a FuncFormatter or FixedFormatter)
    # or a category axis (``ax.bar(names, ...)``)
    names = FixedFormatter | FuncFormatter | StrCategoryFormatter
    own: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            major = axis.get_major_formatter()
            if not isinstance(major, names):
                own.add(id(axis.offsetText))  # '×10⁻⁶' of a number axis
            for ticks, formatter in ((axis.majorTicks, major),
                                     (axis.minorTicks, axis.get_minor_formatter())):
                if not isinstance(formatter, names):
                    own.update(id(label) for tick in ticks for label in (tick.label1, tick.label2))
    return own


def plain_text(fig):
    """Mark every text of ``fig`` literal (no math), except numeric tick labels; returns ``fig``.

    Titles, axis labels, legend entries, annotations and tick labels given as names are drawn
    exactly as written, '$' included; tick labels of number formatters (log axes, colour bars)
    keep matplotlib's formatting.
    """
    from matplotlib.text import Text  # heavy: imported on use

    texts = fig.findobj(Text)  # first: listing an axis' children makes its ticks
    own = _formatter_labels(fig)
    for text in texts:
        if id(text) not in own:
            text.set_parse_math(False)
    return fig
