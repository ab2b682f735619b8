"""Tables whose rows are neurons: a first column of labels, a header of frame times (private).

``rows.index.name = 'neuron'; rows.to_csv()`` writes one row per neuron: its label, then its
trace, below a header of the frame times (``neuron,0.733,1.336,...``). ``neuron_rows`` reads
such a table as (neuron × time) and turns it into the (time × neuron) table the rest of the
table reader expects, with a note.

It does so only when nothing else can be meant: the first header cell names neuron labels
(``_long_tables.id_named``: ``neuron``, ``cell``, ``roi``, ``name``, ...), every other
header cell is a number and they increase strictly, and the first column below holds text in
every row, with no label twice (labels of frames, such as conditions, repeat), above numbers.
The header must read as frames (``_frames_or_times``: frame numbers counting up by one from 0
or 1, or near-evenly spaced times; not neuron ids such as 3, 7, 12, 15), and under a generic
first cell (``name``, ``label``, ``id``: not ``neuron``, ``cell``, ``roi``, ...) there must be
more frames than rows: a (time × neuron) table of neurons numbered 0, 1, 2, 3 beside an image
name per frame has more rows than columns. Header numbers counting up by one are frame numbers
(the frame interval then comes from ``--dt-s``); others are the frame times in seconds. Other tables with a first column of labels are left to the reader, which refuses them
with the hint to save the table transposed; so is one whose first header cell is empty
(``,0,1,2``: an unnamed index, which could as well be a per-frame label column).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from neurocast.data._long_tables import id_named

__all__ = ["neuron_rows"]

#: First header cells that name neurons themselves (not any label: 'name', 'label', 'id').
_NEURONS = re.compile(r"(?:neuron|cell|roi|unit|component)s?"
                      r"(?:ids?|names?|labels?|index|idx|numbers?|no)?")


def _frames_or_times(frames: np.ndarray) -> bool:
    """True if header numbers read as frames: frame numbers counting up by one from 0 or 1, or
    near-evenly spaced times (every step within half and one and a half times the median; whole
    numbers, such as milliseconds, steps differing by at most 1 or a median step of 10 or more).
    Neuron ids (3, 7, 12, 15) are neither."""
    steps = np.diff(frames)
    if frames[0] in (0, 1) and np.all(steps == 1):
        return True
    median = float(np.median(steps))
    if np.all(frames == np.round(frames)) and steps.max() - steps.min() > 1 and median < 10:
        return False
    return bool(np.all((steps >= 0.5 * median) & (steps <= 1.5 * median)))


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def neuron_rows(cells: Sequence[str], table: pd.DataFrame, notes: list[str]
                ) -> tuple[list[str], pd.DataFrame] | None:
    """A table whose rows are neurons (see the module doc), header row ``cells`` and rows of
    values ``table``, as a (time × neuron) table: its header cells (the frame column, 'time' or
    'frame', then the labels) and its rows of numbers; a note is appended to ``notes``. None
    for other tables."""
    cells = [str(c).strip() for c in cells]
    body = table
    if len(cells) < 3 or body.shape[0] < 1 or not id_named(cells[0]):
        return None
    stamps = [_number(c) for c in cells[1:]]
    if any(s is None for s in stamps):
        return None
    frames = np.asarray(stamps, dtype=np.float64)
    labels = body.iloc[:, 0]
    if (not (np.all(np.isfinite(frames)) and np.all(np.diff(frames) > 0))
            or labels.isna().any() or pd.to_numeric(labels, errors="coerce").notna().any()):
        return None  # not increasing; a label missing or a number
    numbers = body.iloc[:, 1:].apply(pd.to_numeric, errors="coerce")
    if numbers.isna().sum().sum() != body.iloc[:, 1:].isna().sum().sum():
        return None  # text among the values: the reader refuses, naming the cell
    labels = labels.astype(str).str.strip()
    if labels.duplicated().any() or (labels == "").any():
        return None
    if not _frames_or_times(frames):
        return None  # neuron ids, not frames
    first = re.sub(r"[_\s-]", "", cells[0].lower())
    if frames.size <= len(labels) and _NEURONS.fullmatch(first) is None:
        return None  # 'name', 'label' above fewer columns than rows: a label per frame, maybe
    counted = frames[0] in (0, 1) and np.all(np.diff(frames) == 1)
    column = "frame" if counted else "time"
    notes.append(f"the first column {cells[0]!r} holds a text label in every row and the header after it numbers "
                 f"that increase ({cells[1]}, {cells[2]}, ...): the rows are neurons, read as "
                 f"(neuron × time): {len(labels):,} neurons named by those labels, "
                 f"{frames.size:,} frames "
                 + ("numbered by the header (give the frame interval with --dt-s)" if counted
                    else "at the times in the header (s)"))
    values = np.column_stack([frames, numbers.to_numpy(np.float64).T])
    return [column, *labels.tolist()], pd.DataFrame(values)
