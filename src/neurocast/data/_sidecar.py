"""Metadata kept beside a matrix file: its JSON sidecar (private; used by ``load_matrix``).

Labs and BIDS datasets keep the sampling rate beside the data, not in it: ``rec.csv`` with
``rec.json`` holding ``{"SamplingFrequency": 30.0}``, or BIDS's
``sub-01_task-x_physio.tsv.gz`` with ``sub-01_task-x_physio.json`` (``SamplingFrequency``,
``StartTime``, ``Columns``). A data file's sidecar is the ``.json`` file of the same name
without the data's extension (``sidecar_path``; both suffixes of a ``.tsv.gz``), if it is one:
a JSON object naming at least one of a sidecar's keys at its top level (a frame interval or
rate, ``StartTime``, ``Columns``, a settings group) and holding no data array. Another JSON of
that name (a WormWideWeb export of traces, a list) is passed over with a note
(``not_a_sidecar``), and a sidecar given in place of its data file is refused, naming the data
file (``refuse_sidecar``).

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

from neurocast.data._loading import GZIP_TABLES, MATRIX_SUFFIXES, data_extension
from neurocast.data._matrix_files import _Unread, json_arrays, json_kind, load_json
from neurocast.data._matrix_keys import (
    DT_KEYS,
    DT_MIN_KEYS,
    RATE_KEYS,
    SETTINGS_GROUPS,
    FrameTiming,
    _pick,
    _time_base,
    frame_timing,
    scalar_value,
)
from neurocast.errors import FormatError

__all__ = ["SIDECAR_MAX_VALUES", "SIDECAR_RTOL", "Sidecar", "not_a_sidecar", "read_sidecar",
           "refuse_sidecar", "sidecar_path", "sidecar_timing"]

#: The sidecar's seconds per frame and another source's (the file's timestamps, its own
#: interval or rate) disagree when they differ by more than this fraction: a nominal rate and
#: the measured one agree (30 Hz against 29.97 Hz, or 30.9 Hz on a resonant scanner), another
#: recording's rate or a unit misread do not.
SIDECAR_RTOL = 0.05
#: Names of the time (s) of the first frame in a sidecar: BIDS's StartTime.
START_KEYS = ("starttime", "start_time", "start_time_s")
#: A JSON holding an array of more numbers than this is a data export, not a sidecar: a
#: sidecar's lists are short (BIDS's SliceTiming, one time per slice; a 4 × 4 transform; ids
#: of a few hundred neurons), a recording's traces and timestamps run to thousands of values.
#: Lists of text (``Columns``) are not counted.
SIDECAR_MAX_VALUES = 1000
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
        k = _pick([k for k in self.meta if "/" not in str(k)], START_KEYS)
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
    """True if a top-level JSON key is one a sidecar gives: a frame rate (``RATE_KEYS``), a
    frame interval (``DT_KEYS``, with a unit after the name too: 'dt_ms'; ``DT_MIN_KEYS``),
    ``START_KEYS``, ``Columns`` or a settings group (``SETTINGS_GROUPS``)."""
    low = name.lower().strip()
    return (low in (*RATE_KEYS, *DT_MIN_KEYS, *START_KEYS, *SETTINGS_GROUPS, "columns")
            or _time_base(low)[0] in DT_KEYS)


def not_a_sidecar(arrays: dict) -> str | None:
    """Why a JSON object (its entries as ``json_arrays`` gives them) named as a data file's
    sidecar is not one, or None if it is: it holds an array of more than
    ``SIDECAR_MAX_VALUES`` numbers (or a ragged list that long: traces), or none of its
    top-level keys is a sidecar's (``_sidecar_key``)."""
    data = [str(k) for k, v in arrays.items() if (isinstance(v, _Unread) or (
        isinstance(v, np.ndarray) and v.dtype.kind in "fiub")) and v.size > SIDECAR_MAX_VALUES]
    if data:
        return f"it holds data arrays: {', '.join(map(repr, data[:3]))}"
    if not any(_sidecar_key(str(k).split("/")[0]) for k in arrays):
        return ("none of its keys is a sidecar's: a frame rate (SamplingFrequency, fps, ...), "
                "a frame interval (dt, ...), StartTime, Columns or a settings group")
    return None


def read_sidecar(path: Path, what: str) -> tuple[Sidecar | None, str | None]:
    """The sidecar of the data file ``path`` (``what`` names it in messages), or None; and a
    note when a JSON file of the sidecar's name is passed over (``not_a_sidecar``), or None.

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
        return None, f"'{side}' beside '{path}' is not a sidecar ({why}): not read"
    # the recording's own entries: at the top, or in a settings group ('imaging/fs'); not a
    # stimulus's or a camera's ('stimulus/dt', 'stim/StartTime')
    arrays = {k: v for k, v in arrays.items() if "/" not in str(k)
              or (str(k).count("/") == 1 and str(k).split("/")[0].lower() in SETTINGS_GROUPS)}
    k = _pick([k for k in arrays if "/" not in str(k)], ("columns",))
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
