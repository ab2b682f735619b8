"""The names a matrix file's metadata is known by, and how its timestamps are read (private).

``load_matrix`` (``_matrix.py``) and the file readers (``_matrix_files.py``) share these: the
names of a container's arrays and of a table's columns (traces, timestamps, frame interval or
rate, neuron names and ids, frame indices, stimulus or behaviour columns), compared on a key's
last part ignoring case (``_pick``); the unit in a timestamps' name (``_time_base``, seconds or
milliseconds: ``SECONDS_PER_UNIT``); and the check every timestamp vector passes
(``check_timestamps``, also used by the NWB loader). A JSON object that names neurons by their
row number (WormWideWeb's ``labeled``) is read here too (``IndexedNames``, ``indexed_labels``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurocast.errors import FormatError

__all__ = ["COUNT_KEYS", "COVARIATE_KEYS", "DT_KEYS", "DT_MIN_KEYS", "FRAME_KEYS", "ID_KEYS",
           "NAME_KEYS", "NEURON_MAJOR_KEYS", "RATE_KEYS", "SECONDS_PER_UNIT", "TIME_KEYS",
           "TRACE_KEYS", "IndexedNames", "check_timestamps"]

#: Names of a trace array, best first (compared on the key's last part, lower case). The
#: bleach-corrected ΔF/F of the Zimmer lab's wbData files (``deltaFOverF_bc``) comes before
#: the uncorrected ``deltaFOverF`` beside it: bleaching is a slow drift of the indicator, not
#: activity to forecast (their own analyses use the corrected one).
TRACE_KEYS = ("traces", "trace", "dff", "deltaff", "df_f", "dfof", "f_dff", "deltafoverf_bc",
              "deltafoverf", "activity", "calcium", "data", "f", "signal", "signals", "trace_array",
              "neural_activity")
TIME_KEYS = ("time", "times", "timestamps", "timestamp", "t", "frame_times",
             "timevectorseconds", "tvec", "tv")  # tv: the Zimmer lab's wbData time vector
#: A table column with one of these names that counts up by one is a frame index, not a neuron.
FRAME_KEYS = ("frame", "frames", "frame_index", "frame_idx", "frame_number", "index")
#: A table column with one of these names (unit removed, case ignored) is probably not a neuron:
#: ``load_matrix`` keeps it as one but says so (an import note).
COVARIATE_KEYS = ("stim", "stimulus", "stimuli", "condition", "conditions", "trial", "trials",
                  "behavior", "behaviour", "velocity", "speed", "running", "lick", "licks",
                  "reward", "laser", "pupil", "motion", "temperature", "odor", "odour")
#: Seconds per unit of the timestamps' units that are read ('Time (ms)', 'time_ms').
SECONDS_PER_UNIT = {"s": 1.0, "sec": 1.0, "secs": 1.0, "seconds": 1.0,
                    "ms": 1e-3, "msec": 1e-3, "milliseconds": 1e-3}
_UNIT = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]$|_(s|ms|sec|msec|min|us)$")
DT_KEYS = ("dt_s", "dt", "frame_time", "frame_time_s", "frame_period", "frame_interval", "frame_dt")
RATE_KEYS = ("fps", "frame_rate", "rate_hz", "sampling_rate", "sampling_hz", "volume_rate", "hz",
             "fr")  # fr: CaImAn's params/data/fr
#: Names of a scalar frame interval in **minutes**: WormWideWeb's ``avg_timestep``, the mean
#: duration of one confocal volume (0.01 min = 0.6 s). Read after ``DT_KEYS``, before ``RATE_KEYS``.
DT_MIN_KEYS = ("avg_timestep",)
#: Names of scalars counting the neurons and the frames (WormWideWeb's ``num_neurons`` and
#: ``max_t``): they tell which axis of the trace matrix is time when nothing else does.
COUNT_KEYS = {"neuron": ("num_neurons", "n_neurons"), "time": ("max_t", "n_frames", "num_frames")}
#: Container keys of trace arrays known to be stored (neuron, time): CaImAn's HDF5 estimates.
NEURON_MAJOR_KEYS = ("estimates/f_dff", "estimates/c", "estimates/s", "estimates/yra")
#: Names of a 1-D array of whole-number neuron (ROI) ids, used as the names. Like
#: ``NAME_KEYS``, compared ignoring case, underscores, spaces and hyphens (``_loose``).
ID_KEYS = ("neuron_ids", "neuron_id", "ids", "id", "roi_ids", "roi_id", "cell_ids", "cell_id")
#: Names of a 1-D array of neuron names (strings, or a MATLAB cell array), best first; compared
#: ignoring case, underscores, spaces and hyphens: 'NeuronIds', 'neuronID', 'ROInames' match.
NAME_KEYS = ("neuron_names", "neuron_name", "names", "name", "labels", "label", "neuron_ids",
             "neuron_id", "ids", "id", "neurons", "neuron", "cell_names", "roi_names", "regions",
             "region_names")


def _pick(arrays, wanted: Sequence[str], loose: bool = False):
    """The key of ``arrays`` (or of an iterable of names) whose last part is the first of
    ``wanted`` found, compared in lower case, or with ``loose`` also without underscores,
    spaces and hyphens (``_loose``: 'NeuronIds' is 'neuron_ids'); None if there is none."""
    norm = _loose if loose else _leaf
    found = {norm(k): k for k in arrays}
    for w in wanted:
        if norm(w) in found:
            return found[norm(w)]
    return None


def _leaf(key) -> str:
    """The last part of a container key, lower case: 'gcamp/Trace_array' -> 'trace_array'."""
    return str(key).lower().strip().rsplit("/", 1)[-1]


def _loose(key) -> str:
    """A key's last part in lower case without underscores, spaces and hyphens:
    'wbData/NeuronIds' -> 'neuronids'."""
    return re.sub(r"[_\s-]", "", _leaf(key))


def _time_base(name) -> tuple[str, str | None]:
    """A name's last part in lower case without a trailing unit, and that unit (or None).

    'Time (ms)' -> ('time', 'ms'), 'rec/time [s]' -> ('time', 's'), 'time_ms' -> ('time', 'ms');
    after an underscore s, ms, sec, msec, min and us are units ('time_x' has none;
    only s and ms are read, see ``SECONDS_PER_UNIT``).
    """
    base = str(name).lower().strip().rsplit("/", 1)[-1]
    m = _UNIT.search(base)
    if m is None:
        return base, None
    return base[:m.start()].strip(), (m.group(1) if m.group(1) is not None else m.group(2)).strip()


def _time_keys(keys: Sequence) -> list:
    """Every key naming timestamps (``_time_base``), best first: those named one of
    ``TIME_KEYS`` (in that order), then those containing "timestamp"."""
    bases = [_time_base(k)[0] for k in keys]
    out = [k for w in TIME_KEYS for k, b in zip(keys, bases, strict=True) if b == w]
    return out + [k for k, b in zip(keys, bases, strict=True) if "timestamp" in b and k not in out]


def _time_key(keys: Sequence):
    """The key naming timestamps (the first of ``_time_keys``), or None."""
    return next(iter(_time_keys(keys)), None)


def _seconds_per_unit(key, what: str) -> float:
    """Seconds per unit of the timestamps named ``key`` (seconds unless the name says ms)."""
    unit = _time_base(key)[1]
    if unit is None:
        return 1.0
    if unit not in SECONDS_PER_UNIT:
        raise FormatError(f"{what}: timestamps {str(key)!r} are in {unit!r}, which is not read",
                          "give them in seconds or milliseconds, named e.g. 'time (s)' or "
                          "'time (ms)', or remove them and give --dt-s")
    return SECONDS_PER_UNIT[unit]


def check_timestamps(time_s: np.ndarray, what: str) -> None:
    """Raise FormatError naming the first row (counted from 1) where the timestamps are not
    finite or do not increase."""
    bad = ~np.isfinite(time_s)
    bad[1:] |= ~(np.diff(time_s) > 0)
    if bad.any():
        k = int(np.argmax(bad))
        if not np.isfinite(time_s[k]):
            raise FormatError(f"{what} are not a number at row {k + 1}",
                              "give every frame its time, or leave the timestamps out and give "
                              "--dt-s (row 1 is the first frame)")
        steps = np.diff(time_s[:k])
        if k > 1 and time_s[k] < time_s[k - 1] and time_s[k] <= time_s[0] + np.median(steps):
            raise FormatError(f"{what} are not increasing at row {k + 1}: they start again "
                              f"({time_s[k]:g} after {time_s[k - 1]:g}), as times counted from "
                              "each trial's start do", "sorting would interleave the trials: give "
                              "every frame its time from the start of the recording, or import "
                              "each trial as its own file (row 1 is the first frame)")
        raise FormatError(f"{what} are not increasing at row {k + 1} ({time_s[k]:g} after "
                          f"{time_s[k - 1]:g})", "sort the frames by time and drop repeated ones "
                          "(row 1 is the first frame)")


def _timing_key(meta: dict) -> tuple[object, float | None]:
    """The key among ``meta``'s scalars giving the frame timing, and the seconds per frame one
    unit of its value stands for: a frame interval in seconds (``DT_KEYS``: 1.0), else one in
    minutes (``DT_MIN_KEYS``: 60.0), else a frame rate (``RATE_KEYS``: None, its value is Hz);
    (None, None) if there is none."""
    for keys, seconds in ((DT_KEYS, 1.0), (DT_MIN_KEYS, 60.0), (RATE_KEYS, None)):
        if (k := _pick(meta, keys)) is not None:
            return k, seconds
    return None, None


def _counts(meta: dict) -> tuple[int | None, int | None]:
    """The number of neurons and of frames the file's scalars (``COUNT_KEYS``) say, each None
    when not said (or not a positive whole number)."""
    out = []
    for keys in (COUNT_KEYS["neuron"], COUNT_KEYS["time"]):
        k = _pick(meta, keys)
        try:
            x = float(np.asarray(meta[k], dtype=np.float64).reshape(-1)[0]) if k is not None else None
        except (TypeError, ValueError, IndexError):
            x = None
        out.append(int(x) if x is not None and x > 0 and x == int(x) else None)
    return out[0], out[1]


# ---------------------------------------------------------------------- names keyed by row

#: Index-keyed name objects named so are preferred when a file holds several.
_INDEXED_NAME_KEYS = ("labeled", "labelled", *NAME_KEYS)


@dataclass(frozen=True)
class IndexedNames:
    """Neuron names a JSON object gives by row number, as WormWideWeb's ``labeled`` does:
    ``{"17": {"label": "AVAL", "roi_id": 17, ...}, ...}`` for the identified neurons only.
    key: where the object sits in the file; rows: each key's number -> its label ('' if
    blank). The rows are counted from 1 (the lab's Julia convention) unless a key "0" is
    present; ``indexed_labels`` turns them into one label per neuron."""

    key: str
    rows: dict

    def count_from(self) -> int:
        return 0 if 0 in self.rows else 1


def index_keyed_names(obj: dict) -> dict[int, str] | None:
    """The names a JSON object gives by row (number -> label), or None if it is not such an
    object: its keys must all be whole numbers written plainly ("0", "17"; not "017" or "-1")
    and its values all text, or objects whose ``label`` (else ``name``) is text (or null: no
    name), at least one of them text."""
    if not obj or not all(isinstance(k, str) and re.fullmatch(r"0|[1-9]\d*", k) for k in obj):
        return None
    rows = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            field = "label" if "label" in v else "name"
            v = v.get(field, 0)  # 0: no such field, not a name
            v = "" if v is None else v
        if not isinstance(v, str):
            return None
        rows[int(k)] = v.strip()
    return rows if any(rows.values()) else None


def indexed_labels(found: dict, n: int, what: str) -> tuple[np.ndarray, str]:
    """One label per neuron ('' for those not named) from the index-keyed names ``found``
    (key -> ``IndexedNames``; with several, the one named like names, else the first) for
    ``n`` neurons, and the import note saying how many were named and how the keys counted.
    Raises FormatError naming a key past the last neuron."""
    chosen = found[_pick(found, _INDEXED_NAME_KEYS, loose=True) or next(iter(found))]
    start = chosen.count_from()
    last = max(chosen.rows)
    if last - start >= n:
        raise FormatError(f"{what}: {chosen.key!r} names neuron {last} (its keys counted from "
                          f"{start}), but the traces hold {n} neurons",
                          f"the keys of {chosen.key!r} are the neurons' rows in the traces, "
                          "counted from 1 (from 0 when a key '0' is present): check that the "
                          "traces read are the ones it names (--key), or give the names with "
                          "--names")
    labels = np.full(n, "", dtype=object)
    for row, label in chosen.rows.items():
        labels[row - start] = label
    named = sum(1 for label in labels if label)
    others = [repr(k) for k in found if k != chosen.key]
    note = (f"{what}: names of {named} of {n} neurons from {chosen.key!r} (keys counted from "
            f"{start}" + (f"; not from {', '.join(others)}" if others else "") + ")")
    return labels.astype(str), note
