"""The names a matrix file's metadata is known by, and how its timestamps are read (private).

``load_matrix`` (``_matrix.py``) and the file readers (``_matrix_files.py``) share these: the
names of a container's arrays and of a table's columns (traces, timestamps, frame interval or
rate, neuron names and ids, frame indices, stimulus or behaviour columns), compared on a key's
last part ignoring case (``_pick``); the unit in a timestamps' name (``_time_base``, seconds or
milliseconds: ``SECONDS_PER_UNIT``); and the check every timestamp vector passes
(``check_timestamps``, also used by the NWB loader).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from neurocast.errors import FormatError

__all__ = ["COVARIATE_KEYS", "DT_KEYS", "FRAME_KEYS", "ID_KEYS", "NAME_KEYS", "NEURON_MAJOR_KEYS",
           "RATE_KEYS", "SECONDS_PER_UNIT", "TIME_KEYS", "TRACE_KEYS", "check_timestamps"]

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
