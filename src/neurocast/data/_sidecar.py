"""Metadata kept beside a matrix file: its JSON sidecar (private; used by ``load_matrix``).

Labs and BIDS datasets keep the sampling rate beside the data, not in it: ``rec.csv`` with
``rec.json`` holding ``{"SamplingFrequency": 30.0}``, or BIDS's
``sub-01_task-x_physio.tsv.gz`` with ``sub-01_task-x_physio.json`` (``SamplingFrequency``,
``StartTime``, ``Columns``). A data file's sidecar is the ``.json`` file of the same name
without the data's extension (``sidecar_path``; both suffixes of a ``.tsv.gz``).

Its frame interval or rate is found by the names and checks of a file's own scalars
(``_matrix_keys.frame_timing``: ``fps``, ``frame_rate``, ``sampling_rate``,
``SamplingFrequency``, ``dt``, ``frame_interval``, ``dt_ms``, ...) and used only when the file
gives no timing of its own; ``sidecar_timing`` checks it against whatever else does.
``StartTime`` (s) is kept as the recording's start; ``Columns`` names the columns of a table
without a header row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurocast.data._loading import data_extension
from neurocast.data._matrix_files import _read_json
from neurocast.data._matrix_keys import (
    SETTINGS_GROUPS,
    FrameTiming,
    _pick,
    frame_timing,
    scalar_value,
)
from neurocast.errors import FormatError

__all__ = ["SIDECAR_RTOL", "Sidecar", "read_sidecar", "sidecar_path", "sidecar_timing"]

#: The sidecar's seconds per frame and another source's (the file's timestamps, its own
#: interval or rate) disagree when they differ by more than this fraction: a nominal rate and
#: the measured one agree (30 Hz against 29.97 Hz, or 30.9 Hz on a resonant scanner), another
#: recording's rate or a unit misread do not.
SIDECAR_RTOL = 0.05
#: Names of the time (s) of the first frame in a sidecar: BIDS's StartTime.
START_KEYS = ("starttime", "start_time", "start_time_s")
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


def read_sidecar(path: Path, what: str) -> Sidecar | None:
    """The sidecar of the data file ``path`` (``what`` names it in messages), or None.

    Raises FormatError naming the sidecar if it is not a JSON object, or if its ``Columns`` is
    not a list of names.
    """
    side = sidecar_path(path)
    if side is None or not side.is_file():
        return None
    try:
        arrays = _read_json(side, f"sidecar '{side}' of {what}")
    except FormatError as exc:
        raise FormatError(exc.message, _HINT) from None
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
    return Sidecar(side, meta, None if columns is None else [str(c) for c in columns])


def _differ(a_s: float, b_s: float) -> bool:
    """True if two frame intervals (s) differ by more than ``SIDECAR_RTOL``."""
    return abs(a_s / b_s - 1.0) > SIDECAR_RTOL


def sidecar_timing(sidecar: Sidecar, what: str, notes: list[str], *, dt_s: float | None,
                   stamps: tuple[str | None, float] | None,
                   own: FrameTiming | None) -> FrameTiming | None:
    """The sidecar's frame timing for the recording ``what`` when nothing else gives it (its
    ``dt_s`` None if the sidecar gives none either; then its ``skipped`` says what was named
    like a rate but not read); a note naming the sidecar and its key is added to ``notes``.

    dt_s: --dt-s, which wins (a note says so when the sidecar disagrees); stamps: the name and
    median spacing (s) of the file's timestamps, or None; own: the file's own frame interval
    or rate, or None. Returns None when one of these gives the timing. Raises FormatError,
    naming both values, when the sidecar disagrees (``SIDECAR_RTOL``) with the timestamps or
    the file's own interval or rate, and (``frame_timing``) when the timing rests on a
    sidecar value that is not a positive number.
    """
    needed = dt_s is None and stamps is None and own is None
    side = frame_timing(sidecar.meta, None, what, needed, source=sidecar.source)
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
    if own is not None and _differ(own.dt_s, side.dt_s):
        raise FormatError(f"{what}: its own {own.shown} ({own.dt_s:.4g} s per frame) disagrees "
                          f"with {theirs}", "fix the one that is wrong, or give the seconds per "
                          "frame with --dt-s, which replaces both")
    if needed:
        notes.append(side.said)
        return side
    return None
