"""The names a matrix file's metadata is known by, and how its timestamps are read (private).

``load_matrix`` (``_matrix.py``) and the file and table readers share these: the
names of a container's arrays and of a table's columns (traces, timestamps, frame interval or
rate, neuron names and ids, frame indices, stimulus or behaviour columns), compared on a key's
last part ignoring case (``pick_key``); the unit of time in a name (``_time_base``: seconds,
milliseconds, microseconds, minutes or hours, ``SECONDS_PER_UNIT``) or in an HDF5 ``units``
attribute (``_time_scale``); and the check every timestamp vector passes
(``check_timestamps``, also used by the NWB loader). The names an array of names holds are
read here too (``_name_cells``: strings, whole-number ids, MATLAB cells with candidate names),
and those a JSON object gives by row number (WormWideWeb's ``labeled``: ``IndexedNames``,
``indexed_labels``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurocast.errors import FormatError

__all__ = ["BRACKETED_UNIT", "COUNT_KEYS", "COVARIATE_KEYS", "DT_KEYS", "DT_MIN_KEYS", "FRAME_KEYS",
           "FRAME_RATE_KEYS", "ID_KEYS", "JSON_NEURON_MAJOR_KEYS", "MAX_FRAME_RATE_HZ",
           "NAME_KEYS", "NEURON_MAJOR_KEYS", "RATE_KEYS", "SECONDS_PER_UNIT", "SETTINGS_GROUPS",
           "TIME_KEYS", "TRACE_KEYS", "FrameRate", "FrameTiming", "IndexedNames",
           "check_timestamps", "decode_name", "frame_rate", "frame_timing", "latin1_note",
           "lower_leaf", "named_like_covariate", "pick_key", "rate_beside_traces", "scalar_value"]

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
#: A unit in brackets at the end of a name: 'Velocity (mm/s)', 'laser [mW]'.
BRACKETED_UNIT = re.compile(r"\s*[(\[][^()\[\]]*[)\]]$")
#: Seconds per unit of the units of time that are read, in a name ('Time (min)', 'time_ms',
#: 't [µs]', 'dt_ms') or an HDF5 ``units`` attribute; compared in lower case. Both micro signs
#: are read: U+00B5 (the keyboard's µ) and U+03BC (Greek mu).
SECONDS_PER_UNIT = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1.0),
    **dict.fromkeys(("ms", "msec", "msecs", "millisecond", "milliseconds"), 1e-3),
    **dict.fromkeys(("us", "\u00b5s", "\u03bcs", "usec", "usecs", "microsecond", "microseconds"),
                    1e-6),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), 60.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600.0),
}
#: A unit in brackets at the end of a name ('Time (min)', 't [µs]': any text, checked against
#: ``SECONDS_PER_UNIT`` where it is used), or one of those units after an underscore ('time_us').
_UNIT = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]$|_("
                   + "|".join(sorted(map(re.escape, SECONDS_PER_UNIT), key=len, reverse=True))
                   + ")$")
#: Names of a scalar frame interval in seconds; with another unit of time after the name
#: ('dt_ms', 'frame_time_ms', 'frame_period (ms)') they are read in that unit (``_timing_key``).
DT_KEYS = ("dt_s", "dt", "frame_time", "frame_time_s", "frame_period", "frame_interval", "frame_dt")
#: Names of a scalar frame rate (Hz), best first. fr: CaImAn's params/data/fr; fs, Fs: suite2p's
#: ops and CNMF-E's options.Fs ('results/options/Fs'); SamplingFrequency: BIDS's. Only those
#: of ``FRAME_RATE_KEYS`` are read at any depth; the others name the rate of anything (an
#: electrode's, a sound's) and are read only where they plausibly describe the traces
#: (``rate_beside_traces``). See ``frame_rate``.
RATE_KEYS = ("fps", "frame_rate", "framerate", "rate_hz", "sampling_rate", "samplingrate",
             "sampling_frequency", "samplingfrequency", "sampling_hz", "volume_rate", "hz", "fr",
             "fs")
#: Rate names that say frames (or volumes): read wherever they are in the file.
FRAME_RATE_KEYS = ("fps", "frame_rate", "framerate", "volume_rate")
#: Groups (struct fields) holding an acquisition's or an analysis's settings, compared in lower
#: case with every part of a rate's group: CNMF-E's ``options``, suite2p's ``ops``, CaImAn's
#: ``params/data``, and groups named for the imaging. A generic rate name ('fs') there is read.
SETTINGS_GROUPS = ("options", "opts", "ops", "params", "parameters", "settings", "config",
                   "metadata", "meta", "imaging", "ophys", "microscope", "scope")
#: A frame rate above this (Hz) is not taken as the imaging frame rate: calcium and
#: whole-brain imaging run below ~1 kHz; a rate above is an electrode's or a sound's.
MAX_FRAME_RATE_HZ = 1000.0
#: Names of a scalar frame interval in **minutes**: WormWideWeb's ``avg_timestep``, the mean
#: duration of one confocal volume (0.01 min = 0.6 s). Read after ``DT_KEYS``, before ``RATE_KEYS``.
DT_MIN_KEYS = ("avg_timestep",)
#: Names of scalars counting the neurons and the frames (WormWideWeb's ``num_neurons`` and
#: ``max_t``): they tell which axis of the trace matrix is time when nothing else does.
COUNT_KEYS = {"neuron": ("num_neurons", "n_neurons"), "time": ("max_t", "n_frames", "num_frames")}
#: Container keys of trace arrays known to be stored (neuron, time): CaImAn's HDF5 estimates.
NEURON_MAJOR_KEYS = ("estimates/f_dff", "estimates/c", "estimates/s", "estimates/yra")
#: JSON arrays known to be lists of one neuron's trace each: WormWideWeb's (neurons × time).
JSON_NEURON_MAJOR_KEYS = ("trace_array", "trace_original")
#: Names of a 1-D array of whole-number neuron (ROI) ids, used as the names. Like
#: ``NAME_KEYS``, compared ignoring case, underscores, spaces and hyphens (``_loose``).
ID_KEYS = ("neuron_ids", "neuron_id", "ids", "id", "roi_ids", "roi_id", "cell_ids", "cell_id")
#: Names of a 1-D array of neuron names (strings, or a MATLAB cell array), best first; compared
#: ignoring case, underscores, spaces and hyphens: 'NeuronIds', 'neuronID', 'ROInames' match.
NAME_KEYS = ("neuron_names", "neuron_name", "names", "name", "labels", "label", "neuron_ids",
             "neuron_id", "ids", "id", "neurons", "neuron", "cell_names", "roi_names", "regions",
             "region_names")


def pick_key(arrays, wanted: Sequence[str], loose: bool = False):
    """The key of ``arrays`` (or of an iterable of names) whose last part is the first of
    ``wanted`` found, compared in lower case, or with ``loose`` also without underscores,
    spaces and hyphens (``_loose``: 'NeuronIds' is 'neuron_ids'); None if there is none."""
    norm = _loose if loose else lower_leaf
    found = {norm(k): k for k in arrays}
    for w in wanted:
        if norm(w) in found:
            return found[norm(w)]
    return None


def lower_leaf(key) -> str:
    """The last part of a container key, lower case: 'gcamp/Trace_array' -> 'trace_array'."""
    return str(key).lower().strip().rsplit("/", 1)[-1]


def _loose(key) -> str:
    """A key's last part in lower case without underscores, spaces and hyphens:
    'wbData/NeuronIds' -> 'neuronids'."""
    return re.sub(r"[_\s-]", "", lower_leaf(key))


def _time_base(name) -> tuple[str, str | None]:
    """A name's last part in lower case without a trailing unit, and that unit (or None).

    'Time (ms)' -> ('time', 'ms'), 'rec/time [s]' -> ('time', 's'), 'time_min' -> ('time',
    'min'), 'Time (frames)' -> ('time', 'frames'). Any text in brackets at the end is returned
    as the unit (the callers refuse what is not a unit of time); after an underscore only the
    units of ``SECONDS_PER_UNIT`` are ('time_us' has one, 'time_x' none).
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


#: Other names a table gives its column of times (compared in lower case without underscores,
#: spaces and hyphens, and without a unit after them: 'Elapsed Time (s)', 'frame_time', 'Zeit').
TABLE_TIME_NAMES = ("elapsedtime", "elapsed", "frametime", "frametimes", "zeit")


def table_time_columns(names: Sequence) -> list[int]:
    """The positions of a table's columns named like timestamps, best first: those
    ``_time_keys`` names, then ``TABLE_TIME_NAMES`` (with or without a unit: 'Zeit (s)',
    'Elapsed Time (s)'). 'Tm1' and 'time_cell_3' are not (neurons may be called so), nor is
    any other name with a unit of time ('Latency (ms)' may be a covariate)."""
    ranked = []
    for j, name in enumerate(names):
        base = _time_base(name)[0]
        if base in TIME_KEYS:
            ranked.append((TIME_KEYS.index(base), j))
        elif "timestamp" in base or re.sub(r"[_\s-]", "", base) in TABLE_TIME_NAMES:
            ranked.append((len(TIME_KEYS), j))
    return [j for _, j in sorted(ranked)]


def _seconds_per_unit(key, what: str, unit: str | None = None, said: str = "") -> float:
    """Seconds per unit of the timestamps named ``key``: in the unit their name says
    (``_time_base``), else ``unit`` (given by the file, e.g. an HDF5 attribute; ``said`` says
    where it is), else seconds. Raises FormatError for a unit that is not one of time
    (``SECONDS_PER_UNIT``), such as frames."""
    unit = _time_base(key)[1] or unit
    if unit is None:
        return 1.0
    if unit not in SECONDS_PER_UNIT:
        frames = unit.rstrip("s") in ("frame", "sample", "volume", "scan")
        raise FormatError(f"{what}: timestamps {str(key)!r} are in {unit!r}{said}, which is not a "
                          "unit of time (read: s, ms, µs, min, h)",
                          "give the times in seconds (or ms, µs, min, h), named e.g. 'time (s)' "
                          "or 'time (ms)', or remove them and give the frame interval with --dt-s"
                          + ("; a column counting frames is read as a frame index (and dropped) "
                             "when named 'frame'" if frames else ""))
    return SECONDS_PER_UNIT[unit]


def _plain(v):
    """A metadata value as plain Python (str for bytes, decoded by ``decode_name``; a scalar for
    a 1-element array)."""
    a = np.asarray(v)
    v = a.reshape(-1)[0] if a.size == 1 else v
    v = v.item() if isinstance(v, np.generic) else v
    return decode_name(v)[0] if isinstance(v, bytes) else v


def _unit_attribute(attrs: dict, key) -> str | None:
    """The unit an HDF5 array ``key`` declares in its ``units`` / ``unit`` attribute (lower
    case, e.g. 'ms', 'milliseconds', 'min'), or None."""
    for name in ("units", "unit", "Units", "Unit"):
        if f"{key}/{name}" in attrs:
            return str(_plain(attrs[f"{key}/{name}"])).strip().lower() or None
    return None


def _time_scale(key, attrs: dict, what: str) -> tuple[float, str | None]:
    """Seconds per unit of a container's timestamps ``key`` and the unit they are in (None:
    none said, read as seconds): the unit in their name wins over their HDF5 ``units``
    attribute (``_unit_attribute``). Raises FormatError for a unit that is not one of time."""
    unit = _time_base(key)[1] or _unit_attribute(attrs, key)
    said = " (their 'units' attribute)" if _time_base(key)[1] is None else ""
    return _seconds_per_unit(key, what, unit, said), unit


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
    unit of its value stands for: a frame interval in seconds (``DT_KEYS``: 1.0), else one
    named so with another unit of time ('dt_ms', 'frame_period (ms)': ``SECONDS_PER_UNIT``),
    else one in minutes (``DT_MIN_KEYS``: 60.0); (None, None) if there is none. Frame rates
    are read by ``frame_rate``."""
    if (k := pick_key(meta, DT_KEYS)) is not None:
        return k, 1.0
    bases = {k: _time_base(k) for k in meta}
    for w in DT_KEYS:
        for k, (base, unit) in bases.items():
            if base == w and unit in SECONDS_PER_UNIT:
                return k, SECONDS_PER_UNIT[unit]
    if (k := pick_key(meta, DT_MIN_KEYS)) is not None:
        return k, 60.0
    return None, None


def _interval_unit(key) -> str:
    """The unit of a frame interval ``_timing_key`` found in minutes or in the unit its name
    says: 'ms' for 'dt_ms', 'min' for ``DT_MIN_KEYS`` (named without one)."""
    unit = _time_base(key)[1]
    return unit if unit in SECONDS_PER_UNIT else "min"


def rate_beside_traces(key, trace_key) -> bool:
    """Whether a scalar ``key`` named by a generic rate name ('fs', 'sampling_frequency')
    plausibly gives the frame rate of the traces ``trace_key``: it lies at the root (an HDF5
    file's attribute), on the trace array itself (its HDF5 attribute 'dff/fs'), in a group
    holding the traces ('rec/fs' beside 'rec/traces'), or in a settings group
    (``SETTINGS_GROUPS``: 'results/options/Fs', 'ops/fs', 'imaging/fs'). Not 'ephys/fs' nor
    'stim/fs' beside traces elsewhere."""
    group = str(key).rpartition("/")[0].lower()
    own = str(trace_key or "").lower()
    if not group or group == own or (own + "/").startswith(group + "/"):
        return True
    return any(part in SETTINGS_GROUPS for part in group.split("/"))


def scalar_value(v) -> float | None:
    """A one-element array or number as a finite float, else None (an array, text, NaN)."""
    try:
        a = np.asarray(v, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    return float(a[0]) if a.size == 1 and np.isfinite(a[0]) else None


@dataclass(frozen=True)
class FrameRate:
    """The frame rate a file's scalars give (``frame_rate``). key: the one read (None: none);
    hz: its value; skipped: what was named like a rate but not read, as 'key' = value Hz and
    why (said in the note and in the refusal of a file without timing); unusable: the rate the
    timing would rest on that is not a positive number ("frame rate 'fps' is 0"), or ''."""

    key: object = None
    hz: float | None = None
    skipped: tuple[str, ...] = ()
    unusable: str = ""

    def note(self, what: str, source: str = "the file") -> str:
        """The import note naming the rate read and where (``source``), so that the user can
        check it."""
        return (f"{what}: frame rate {str(self.key)!r} = {self.hz:g} Hz read from {source}: "
                f"{1.0 / self.hz:.4g} s per frame; if it is not the imaging frame rate, give the "
                "seconds per frame with --dt-s" + self.skipped_text())

    def skipped_text(self) -> str:
        return ("; not read as the frame rate: " + ", ".join(self.skipped)) if self.skipped else ""


def frame_rate(meta: dict, trace_key, what: str, needed: bool) -> FrameRate:
    """The frame rate (Hz) among ``meta``'s scalars (key -> value) for the traces ``trace_key``.

    Read: a scalar named one of ``RATE_KEYS``; a generic name (not ``FRAME_RATE_KEYS``) only
    where it plausibly describes the traces (``rate_beside_traces``); a rate above
    ``MAX_FRAME_RATE_HZ`` is never read (an electrode's 20 kHz, a sound's 44.1 kHz). When the
    file's timing depends on it (``needed``: no timestamps, no --dt-s), a rate that is not a
    positive number (0, negative, NaN, text) is returned as ``unusable`` (key None: another
    source may give the timing; the caller refuses it otherwise) and several different rates
    raise FormatError (naming them: the user picks with --dt-s); otherwise such rates are left
    unread (key None).
    """
    skipped: list[str] = []
    found: list[tuple[object, float]] = []
    bad = None
    for w in RATE_KEYS:
        for k in meta:
            if lower_leaf(k) != w:
                continue
            v = scalar_value(meta[k])
            shown = f"{str(k)!r} = {v:g} Hz" if v is not None else f"{str(k)!r}"
            if w not in FRAME_RATE_KEYS and not rate_beside_traces(k, trace_key):
                skipped.append(f"{shown} (not beside the traces nor in a settings group)")
            elif v is not None and v > MAX_FRAME_RATE_HZ:
                skipped.append(f"{shown} (above {MAX_FRAME_RATE_HZ:g} Hz: not an imaging "
                               "frame rate)")
            elif v is None or v <= 0:
                bad = bad if bad is not None else (k, v)
            else:
                found.append((k, v))
    if bad is not None and needed:
        k, v = bad
        shown = f"{v:g}" if v is not None else repr(_plain(meta[k]))
        if not found:
            return FrameRate(skipped=tuple(skipped), unusable=f"frame rate {str(k)!r} is {shown}")
        skipped.append(f"{str(k)!r} = {shown} (not a positive number)")  # a placeholder
    rates = sorted({v for _, v in found})
    if len(rates) > 1 and not np.allclose(rates, rates[0], rtol=1e-6, atol=0):
        if needed:
            raise FormatError(f"{what}: several different frame rates: "
                              + ", ".join(f"{str(k)!r} = {v:g} Hz" for k, v in found),
                              "give the seconds per frame of the traces with --dt-s (e.g. "
                              + ", ".join(f"--dt-s {1.0 / v:.4g} for {v:g} Hz"
                                          for v in rates[:3]) + ")")
        return FrameRate(skipped=tuple(skipped))
    if not found:
        return FrameRate(skipped=tuple(skipped))
    return FrameRate(found[0][0], found[0][1], tuple(skipped))


@dataclass(frozen=True)
class FrameTiming:
    """The seconds per frame a file's scalars give (``frame_timing``). key: the scalar read
    (None: none); dt_s: its seconds per frame (None: none, or not a positive number); shown: the
    scalar as found ("'fps' = 10 Hz", "'dt_ms' = 50 ms"); said: the import note naming it;
    plain: it is a frame interval in seconds, which needs no note when read from the file
    itself; skipped: the rates named but not read, and why (``FrameRate.skipped_text``);
    unusable: the interval or rate the timing would rest on that is not a positive number
    ("frame interval 'dt' is 0"), or ''."""

    key: object = None
    dt_s: float | None = None
    shown: str = ""
    said: str = ""
    plain: bool = False
    skipped: str = ""
    unusable: str = ""

    def refusal(self, what: str, hint: str = "give the seconds per frame with --dt-s",
                also: str = "") -> FormatError:
        """The error for the recording ``what`` whose timing rests on the ``unusable`` value;
        ``also``: another source's unusable value, named after it."""
        return FormatError(f"{what}: its {self.unusable}, not a positive number"
                           + (f"; the file's own {also}, not one either" if also else ""), hint)


def frame_timing(meta: dict, trace_key, what: str, needed: bool,
                 source: str = "the file") -> FrameTiming:
    """The frame timing among ``meta``'s scalars (key -> value) for the traces ``trace_key``:
    a frame interval (``_timing_key``), else a frame rate (``frame_rate``).

    source: where the scalars were read, for the note and the errors ("the file", or "its
    sidecar 'rec.json'"). When the timing rests on them (``needed``: no timestamps, no
    --dt-s) a value that is not a positive number (0, negative, NaN) is returned as
    ``unusable`` with dt_s None (a sidecar may give the timing instead; ``refusal`` is the
    error when nothing does), and several different rates raise FormatError; otherwise such
    values are left unread (dt_s None).
    """
    said_what = what if source == "the file" else f"{what} ({source})"
    k, per_unit = _timing_key(meta)
    bad_dt = ""  # an interval that is not a positive number: a usable rate beside it is read
    if k is not None and ((value := scalar_value(meta[k])) is None or value <= 0):
        shown = f"{value:g}" if value is not None else repr(_plain(meta[k]))
        bad_dt = f"frame interval {str(k)!r} is {shown}" if needed else ""
        k, per_unit = None, None
    rate = None
    if k is None:
        rate = frame_rate(meta, trace_key, said_what, needed=needed)
        k = rate.key
    skipped = rate.skipped_text() if rate is not None else ""
    if k is None:
        return FrameTiming(skipped=skipped, unusable=bad_dt or rate.unusable)
    value = scalar_value(meta[k])
    if per_unit is None:  # a rate: say which (an electrode's 'fs'?)
        unread = f"; not read as the frame interval: {bad_dt}" if bad_dt else ""
        return FrameTiming(k, 1.0 / value, f"{str(k)!r} = {value:g} Hz",
                           rate.note(what, source) + unread, False, skipped + unread)
    dt_s = value * per_unit
    unit = "s" if per_unit == 1.0 else _interval_unit(k)
    said = (f"{what}: frame interval {str(k)!r} is {value:g} {unit} per frame"
            + (f": {dt_s:.4g} s" if per_unit != 1.0 else "")
            + ("" if source == "the file" else f", read from {source}"))
    return FrameTiming(k, dt_s, f"{str(k)!r} = {value:g} {unit}", said, per_unit == 1.0, skipped)


def _counts(meta: dict) -> tuple[int | None, int | None]:
    """The number of neurons and of frames the file's scalars (``COUNT_KEYS``) say, each None
    when not said (or not a positive whole number)."""
    out = []
    for keys in (COUNT_KEYS["neuron"], COUNT_KEYS["time"]):
        k = pick_key(meta, keys)
        try:
            x = float(np.asarray(meta[k], dtype=np.float64).reshape(-1)[0]) if k is not None else None
        except (TypeError, ValueError, IndexError):
            x = None
        out.append(int(x) if x is not None and x > 0 and x == int(x) else None)
    return out[0], out[1]


def named_like_covariate(name: str) -> bool:
    """True if a column name reads as a stimulus or behaviour (``COVARIATE_KEYS``), a unit in
    brackets and a suffix after '_' left out: 'stim', 'Velocity (mm/s)', 'laser_on'."""
    base = BRACKETED_UNIT.sub("", name.lower().strip())
    return base in COVARIATE_KEYS or base.split("_")[0] in COVARIATE_KEYS


# ---------------------------------------------------------------------- name arrays

def _ids(v) -> bool:
    """True for a 1-D array (or a row or column) of more than one whole number: neuron or ROI
    ids, used as names. Whole-number floats count (MATLAB saves numbers as double)."""
    a = np.asarray(v)
    if a.size < 2 or not (a.ndim == 1 or (a.ndim == 2 and 1 in a.shape)):
        return False
    if a.dtype.kind in "iu":
        return True
    return a.dtype.kind == "f" and bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


def _number_text(x) -> str:
    """A number as a name: a whole number without a decimal point (MATLAB's 7.0 is '7'), other
    numbers as Python writes them, '' for NaN or inf."""
    x = x.item() if isinstance(x, np.generic) else x
    if isinstance(x, float):
        if not np.isfinite(x):
            return ""
        return str(int(x)) if x == int(x) else str(x)
    return str(x)


def decode_name(b: bytes) -> tuple[str, bool]:
    """A name (or other text) stored as bytes, as text, and whether it was read as latin-1:
    UTF-8, else latin-1 (an old MATLAB's or LabVIEW's b'RIM\\xe9' is 'RIMé'; every byte is a
    latin-1 character, so this never fails). Every reader of names stored as bytes decodes
    them here."""
    try:
        return b.decode("utf-8"), False
    except UnicodeDecodeError:
        return b.decode("latin-1"), True


def latin1_note(latin: Sequence[str], where: str,
                fix: str = "give the names with --names") -> str:
    """The note for names stored as bytes that are not UTF-8, read as latin-1 (``decode_name``):
    how many (``latin``, as read), ``where`` they are ("'names'", "column 'label' of ROI table
    ..."), a few of them, and ``fix``, what to do if they look wrong. Every reader of names
    says it so."""
    return (f"{len(latin)} name(s) in {where} are not UTF-8 text: read as latin-1 "
            f"({', '.join(map(repr, latin[:3]))}{', ...' if len(latin) > 3 else ''}); if they "
            f"look wrong, {fix}")


def _candidates(x) -> list[str]:
    """The names one entry of a name array holds, without blanks or repeats, in order: none
    for an empty MATLAB cell or a blank string, one for a string, a number or a cell holding
    one (cells inside cells are opened), several for a cell of candidate identities
    ({'AVAR', 'AVAL'})."""
    if isinstance(x, bytes):
        x = decode_name(x)[0]
    if isinstance(x, str):
        return [x.strip()] if x.strip() else []
    if isinstance(x, np.ndarray):
        return list(dict.fromkeys(c for y in x.reshape(-1).tolist() for c in _candidates(y)))
    if x is None:
        return []
    if isinstance(x, (int, float, np.number)):
        text = _number_text(x)
        return [text] if text else []
    return [str(x).strip()] if str(x).strip() else []


def _name_cells(v) -> tuple[np.ndarray, list[str], list[str]] | None:
    """The neuron names in a 1-D array (or a row or column) ``v``: strings, bytes, whole-number
    ids, or a MATLAB cell array whose cells are empty, hold one name (or number), or list
    several candidate names (``_candidates``).

    Returns (names: str array, one per entry, '' for an empty cell and for one listing several
    candidates, whose identity is unknown; those cells' candidates, e.g. 'AVAR or AVAL'; the
    names stored as bytes that are not UTF-8, read as latin-1 (``decode_name``)), or None if
    ``v`` is no such array (a matrix, or numbers that are not whole).
    """
    a = np.asarray(v)
    if a.ndim == 0 and a.dtype.kind in "USO":
        a = a.reshape(1)
    a = a.reshape(-1) if a.ndim == 2 and 1 in a.shape else a
    if a.ndim != 1 or not (a.dtype.kind in "USO" or _ids(a)):
        return None
    names, ambiguous, latin = [], [], []
    for x in a.tolist():
        if isinstance(x, bytes):  # decoded once: the note names those read as latin-1
            x, latin1 = decode_name(x)
            if latin1:
                latin.append(x)
        found = _candidates(x)
        if len(found) > 1:
            ambiguous.append(" or ".join(found))
        names.append(found[0] if len(found) == 1 else "")
    return np.asarray(names, dtype=str), ambiguous, latin


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


def indexed_labels(found: dict, n: int, what: str) -> tuple[np.ndarray, str, bool]:
    """One label per neuron ('' for those not named) from the index-keyed names ``found``
    (key -> ``IndexedNames``; with several, the one named like names, else the first) for
    ``n`` neurons, the import note saying how many were named and how the keys counted, and
    whether that count was assumed (no key '0', none naming the last neuron: a doubt).
    Raises FormatError naming a key past the last neuron."""
    chosen = found[pick_key(found, _INDEXED_NAME_KEYS, loose=True) or next(iter(found))]
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
    if start == 0:
        how = "keys counted from 0: a key '0' is present"
    elif last == n:
        how = "keys counted from 1: a key names the last neuron"
    else:  # nothing in the file says: WormWideWeb's convention is assumed
        how = ("keys taken as counted from 1, WormWideWeb's convention; nothing in the file "
               "confirms it: if they count from 0, each name sits one neuron off (give the "
               "names with --names)")
    note = (f"{what}: names of {named} of {n} neurons from {chosen.key!r} ({how}"
            + (f"; not from {', '.join(others)}" if others else "") + ")")
    return labels.astype(str), note, start == 1 and last < n
