"""Metadata kept beside a matrix file: its JSON sidecar (private; used by ``load_matrix``).

Labs and BIDS datasets keep the sampling rate beside the data, not in it: ``rec.csv`` with
``rec.json`` holding ``{"SamplingFrequency": 30.0}``, or BIDS's
``sub-01_task-x_physio.tsv.gz`` with ``sub-01_task-x_physio.json`` (``SamplingFrequency``,
``StartTime``, ``Columns``). A data file's sidecar is the ``.json`` file of the same name
without the data's extension (``sidecar_path``; both suffixes of a ``.tsv.gz``), if it is one:
a JSON object that does not look like data (``not_a_sidecar``: no array under a trace's name,
and, without a frame rate or interval beside it, no 2-D matrix of numbers as its largest
array). Another JSON of that name (a WormWideWeb export of traces, a small JSON recording, a
list) is passed over with a note (``PassedOver``), named again if the import then finds no
timing; a sidecar given in place of its data file is refused, naming the data file
(``refuse_sidecar``).

Its frame interval or rate is found by the names and checks of a file's own scalars
(``_matrix_keys.frame_timing``: ``fps``, ``frame_rate``, ``sampling_rate``,
``SamplingFrequency``, ``dt``, ``frame_interval``, ``dt_ms``, ...) and used only when the file
gives no usable timing of its own (a file's ``fps = 0`` gives way to it, with a note);
``sidecar_timing`` checks it against whatever else does.
``StartTime`` (s) is kept as the recording's start; ``Columns`` names the columns of a table
without a header row.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurocast.data._container_files import Unread
from neurocast.data._json_files import json_arrays, json_kind, load_json
from neurocast.data._loading import GZIP_TABLES, MATRIX_SUFFIXES, data_extension
from neurocast.data._matrix_keys import (
    DT_KEYS,
    DT_MIN_KEYS,
    RATE_KEYS,
    SETTINGS_GROUPS,
    TRACE_KEYS,
    FrameTiming,
    _time_base,
    frame_timing,
    lower_leaf,
    pick_key,
    scalar_value,
)
from neurocast.errors import FormatError

__all__ = ["SIDECAR_RTOL", "PassedOver", "Sidecar", "not_a_sidecar", "read_sidecar",
           "refuse_sidecar", "sidecar_path", "sidecar_timing"]

#: The sidecar's seconds per frame and another source's (the file's timestamps, its own
#: interval or rate) disagree when they differ by more than this fraction: a nominal rate and
#: the measured one agree (30 Hz against 29.97 Hz, or 30.9 Hz on a resonant scanner), another
#: recording's rate or a unit misread do not.
SIDECAR_RTOL = 0.05
#: Names of the time (s) of the first frame in a sidecar: BIDS's StartTime.
START_KEYS = ("starttime", "start_time", "start_time_s")
#: A 2-D array of numbers with an axis at least this long (and both at least 2) that is the
#: JSON's largest array is a matrix of data, unless one of a sidecar's own keys sits beside it
#: at the top level (a sidecar's per-neuron positions, 400 × 3, beside StartTime).
DATA_MIN_AXIS = 10
_HINT = ('a sidecar holds one JSON object of metadata, e.g. {"SamplingFrequency": 30.0}; '
         "`python -m json.tool FILE` shows where it breaks; fix it, or move it away and give "
         "the seconds per frame with --dt-s")


@dataclass(frozen=True)
class Sidecar:
    """A data file's JSON sidecar. path: the sidecar; meta: its top-level scalars, key -> value,
    and those of a settings group (``SETTINGS_GROUPS``) under 'group/key' (other nested objects,
    a stimulus's or a camera's, are not read); columns: BIDS's ``Columns``, the names of the
    columns of a table without a header row, or None."""

    path: Path
    meta: dict
    columns: list[str] | None

    @property
    def source(self) -> str:
        """How notes and errors name it: "its sidecar 'rec.json'"."""
        return f"its sidecar '{self.path}'"

    @property
    def start_s(self) -> float | None:
        """The time of the first frame (s) it gives (BIDS's ``StartTime``), or None."""
        k = pick_key([k for k in self.meta if "/" not in str(k)], START_KEYS)
        return scalar_value(self.meta[k]) if k is not None else None


def sidecar_path(path: Path) -> Path | None:
    """Where the sidecar of the data file ``path`` is, if it has one: 'rec.csv' -> 'rec.json',
    'sub-01_physio.tsv.gz' -> 'sub-01_physio.json'. None for a folder and for a .json file
    (its metadata is inside it)."""
    ext = data_extension(path)
    if path.is_dir() or ext in (".json", ""):
        return None
    return path.with_name(path.name[:-len(ext)] + ".json")


def _sidecar_key(name: str) -> bool:
    """True if a top-level JSON key is one only a sidecar gives: a frame rate (``RATE_KEYS``),
    a frame interval (``DT_KEYS``, with a unit after the name too: 'dt_ms'; ``DT_MIN_KEYS``),
    ``START_KEYS``, ``Columns`` or a settings group (``SETTINGS_GROUPS``)."""
    low = name.lower().strip()
    return (low in (*RATE_KEYS, *DT_MIN_KEYS, *START_KEYS, *SETTINGS_GROUPS, "columns")
            or _time_base(low)[0] in DT_KEYS)


def _numbers(v) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind in "fiub" and v.size > 1


def not_a_sidecar(arrays: dict) -> str | None:
    """Why a JSON object (its entries as ``json_arrays`` gives them) named as a data file's
    sidecar is not one but data, or None if it is one: it holds an array of numbers (or a
    ragged list) under a trace's name (``TRACE_KEYS``, the names ``load_matrix`` reads traces
    under: a WormWideWeb export's 'trace_array', a small JSON recording's 'traces', 'data',
    'F', 'dff', 'activity', 'calcium', ...), or, with none of a sidecar's own keys at its top
    level (``_sidecar_key``: a rate, an interval, StartTime, Columns, a settings group), its
    largest array is a 2-D matrix of numbers (``DATA_MIN_AXIS``). Long lists of metadata (1,200
    neuron ids, 400 × 3 positions, a BIDS SliceTiming) beside such a key keep it a sidecar."""
    data = [str(k) for k, v in arrays.items() if (_numbers(v) or isinstance(v, Unread))
            and lower_leaf(k) in TRACE_KEYS]
    if not data and not any(_sidecar_key(str(k).split("/")[0]) for k in arrays):
        sizes = {str(k): v.size for k, v in arrays.items() if _numbers(v)}
        biggest = max(sizes, key=sizes.get, default=None)
        shape = np.shape(arrays[biggest]) if biggest is not None else ()
        if len(shape) == 2 and min(shape) >= 2 and max(shape) >= DATA_MIN_AXIS:
            data = [biggest]
    if data:
        return f"it holds data arrays: {', '.join(map(repr, data[:3]))}"
    return None


@dataclass(frozen=True)
class PassedOver:
    """A JSON file of a sidecar's name that is not read as one (``read_sidecar``). path: the
    JSON; why: the reason, "it holds data arrays: 'traces'" (``not_a_sidecar``)."""

    path: Path
    why: str

    def note(self, data: Path) -> str:
        """The import note: "'rec.json' beside 'rec.csv' is not a sidecar (...): not read"."""
        return f"'{self.path}' beside '{data}' is not a sidecar ({self.why}): not read"

    @property
    def said(self) -> str:
        """How a refusal for lack of timing names it."""
        return f"'{self.path.name}' beside it was not read as a sidecar: {self.why}"


def read_sidecar(path: Path, what: str) -> tuple[Sidecar | None, PassedOver | None]:
    """The sidecar of the data file ``path`` (``what`` names it in messages), or None; and the
    JSON file of the sidecar's name passed over (``not_a_sidecar``, or not a JSON object), or
    None.

    Raises FormatError naming the sidecar if it is not valid JSON, or if its ``Columns`` is
    not a list of names.
    """
    side = sidecar_path(path)
    if side is None or not side.is_file():
        return None, None
    try:
        doc = load_json(side, f"sidecar '{side}' of {what}")
    except FormatError as exc:
        raise FormatError(exc.message, _HINT) from None
    if isinstance(doc, dict):
        arrays = json_arrays(doc)
        why = not_a_sidecar(arrays)
    else:
        why = f"it holds a {json_kind(doc)}, not an object of metadata"
    if why is not None:
        return None, PassedOver(side, why)
    # the recording's own entries: at the top, or in a settings group ('imaging/fs'); not a
    # stimulus's or a camera's ('stimulus/dt', 'stim/StartTime')
    arrays = {k: v for k, v in arrays.items() if "/" not in str(k)
              or (str(k).count("/") == 1 and str(k).split("/")[0].lower() in SETTINGS_GROUPS)}
    k = pick_key([k for k in arrays if "/" not in str(k)], ("columns",))
    columns = arrays.pop(k) if k is not None else None
    if columns is not None and not (isinstance(columns, np.ndarray) and columns.ndim == 1
                                    and columns.dtype.kind == "U"):
        raise FormatError(f"{what}: 'Columns' in its sidecar '{side}' is not a list of names",
                          'give one name per column of the table, e.g. "Columns": ["AVAL", '
                          '"AVAR"], or leave it out')
    meta = {k: v for k, v in arrays.items() if isinstance(v, np.ndarray) and v.size == 1}
    return Sidecar(side, meta, None if columns is None else [str(c) for c in columns]), None


def refuse_sidecar(path: Path, arrays: dict, what: str) -> None:
    """Raise FormatError if the JSON file ``path`` (its entries: ``arrays``) is the sidecar of
    a data file beside it ('rec.json' beside 'rec.csv', ``sidecar_path``), naming that file:
    it is imported with it, not in its place."""
    if not_a_sidecar(arrays) is not None:
        return
    stem = path.name[:-len(".json")]
    data = next((p for p in sorted(path.parent.glob(glob.escape(stem) + ".*"))
                 if p.is_file() and data_extension(p) in (*MATRIX_SUFFIXES, *GZIP_TABLES)
                 and data_extension(p) != ".json" and sidecar_path(p) == path), None)
    if data is not None:
        keys = sorted({str(k).split("/")[0] for k in arrays})
        raise FormatError(f"{what} is the sidecar of '{data}' (metadata: "
                          f"{', '.join(keys[:6])}{', ...' if len(keys) > 6 else ''}), not a "
                          "recording", f"import '{data}': its sidecar is read with it")


def _differ(a_s: float, b_s: float) -> bool:
    """True if two frame intervals (s) differ by more than ``SIDECAR_RTOL``."""
    return abs(a_s / b_s - 1.0) > SIDECAR_RTOL


def sidecar_timing(sidecar: Sidecar, what: str, notes: list[str], *, dt_s: float | None,
                   stamps: tuple[str | None, float] | None,
                   own: FrameTiming) -> FrameTiming | None:
    """The sidecar's frame timing for the recording ``what`` when nothing else gives it (its
    ``dt_s`` None if the sidecar gives none either; then its ``skipped`` says what was named
    like a rate but not read); a note naming the sidecar and its key is added to ``notes``.

    dt_s: --dt-s, which wins (a note says so when the sidecar disagrees); stamps: the name and
    median spacing (s) of the file's timestamps, or None; own: the file's own frame interval
    or rate (``frame_timing``; dt_s None if it gives none). Returns None when one of these
    gives the timing. A file's own value that is not a positive number (``own.unusable``:
    'fps' = 0) gives way to a usable sidecar, named in the note. Raises FormatError, naming
    both values, when the sidecar disagrees (``SIDECAR_RTOL``) with the timestamps or the
    file's own interval or rate, and when the timing rests on a sidecar value that is not a
    positive number (naming the file's own unusable one too).
    """
    needed = dt_s is None and stamps is None and own.dt_s is None
    side = frame_timing(sidecar.meta, None, what, needed, source=sidecar.source)
    if side.unusable:
        raise side.refusal(f"{what} ({sidecar.source})", also=own.unusable)
    if side.dt_s is None:
        return side if needed else None
    theirs = f"{side.shown} in {sidecar.source} ({side.dt_s:.4g} s per frame)"
    if dt_s is not None:
        if _differ(dt_s, side.dt_s):
            notes.append(f"{what}: --dt-s {dt_s:g} is used, not {theirs}")
        return None
    if stamps is not None and stamps[1] > 0 and _differ(stamps[1], side.dt_s):
        named = f"the timestamps {stamps[0]!r}" if stamps[0] else "the timestamps"
        raise FormatError(f"{what}: {named} are {stamps[1]:.4g} s apart, but {theirs}",
                          "if the sidecar describes another recording, fix or move it; if the "
                          "timestamps are in another unit than seconds, name it ('time_ms', "
                          "'time (ms)'); --dt-s S replaces both")
    if own.dt_s is not None and _differ(own.dt_s, side.dt_s):
        raise FormatError(f"{what}: its own {own.shown} ({own.dt_s:.4g} s per frame) disagrees "
                          f"with {theirs}", "fix the one that is wrong, or give the seconds per "
                          "frame with --dt-s, which replaces both")
    if needed:
        notes.append(side.said if not own.unusable else  # said names the recording first
                     f"{what}: its own {own.unusable}, not a positive number, so the sidecar's "
                     f"timing is used: {side.said.removeprefix(f'{what}: ')}")
        return side
    return None
