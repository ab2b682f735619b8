"""The input of every inference method: activity as a (time, neuron) float32 matrix (private)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from neurocast.data import orient_dataset, pause_intervals
from neurocast.errors import ConfigError, FormatError, NonFiniteError

__all__ = ["Activity", "activity_dataset", "activity_dims", "as_activity", "lagged_rows",
           "standardise"]


@dataclass(frozen=True)
class Activity:
    """Recorded activity handed to the inference methods.

    traces: (time, neuron) float32 ΔF/F (or any activity signal).
    dt_s: seconds per frame (> 0).
    names: (neuron,) str neuron names.
    spike_counts: optional (time, neuron) spikes per frame (float32), when the data carry them.
    indicator: the calcium indicator preset of the recording ("" if unknown).
    segment_starts: int (k,), sorted positions of the frames that follow a gap (a pause in
      acquisition, or frames left out) instead of the frame before them; empty when the frames
      are contiguous. Methods that relate frame t to frame t + k take their pairs of frames
      with ``lagged_rows``, which never pairs frames across a gap.
    """

    traces: np.ndarray
    dt_s: float
    names: np.ndarray
    spike_counts: np.ndarray | None = None
    indicator: str = ""
    segment_starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_neurons(self) -> int:
        return int(self.traces.shape[1])

    @property
    def n_frames(self) -> int:
        return int(self.traces.shape[0])

    def lag_pairs(self, lag: int = 1) -> np.ndarray:
        """bool (time − lag,): True where frames t and t + lag lie in one contiguous stretch."""
        stretch = np.zeros(self.n_frames, dtype=np.int64)
        stretch[np.asarray(self.segment_starts, dtype=np.int64)] = 1
        stretch = np.cumsum(stretch)
        return stretch[:-lag] == stretch[lag:] if lag else np.ones(self.n_frames, dtype=bool)


def lagged_rows(x: np.ndarray, activity: Activity, lag: int, method: str):
    """(earlier, later): the rows of x (time, ...) that are ``lag`` frames apart within one
    contiguous stretch of ``activity`` (views when the frames have no gap), each (pairs, ...).

    Raises ConfigError naming ``method`` if fewer than 2 such pairs of frames exist.
    """
    pairs = activity.lag_pairs(lag)
    if pairs.sum() < 2:
        raise ConfigError(
            f"method '{method}' relates frames {lag} apart, and this recording has "
            f"{int(pairs.sum())} such pair(s) of frames without a gap between them",
            "give a recording with longer stretches of consecutive frames, or use a method that "
            "needs none (pearson, partial)")
    if pairs.all():
        return x[:-lag], x[lag:]
    return x[:-lag][pairs], x[lag:][pairs]


def as_activity(data, *, dt_s: float | None = None, neurons=None, frames=None,
                spike_counts: np.ndarray | None = None) -> Activity:
    """An ``Activity`` from a neurocast Dataset (xarray), a DataArray or a (time, neuron) array.

    data: a Dataset following ``neurocast.data`` 's schema (``traces``, optional ``spike_counts``,
      attrs ``dt_s``, ``indicator``), a 2-D DataArray such as ``ds.traces`` (oriented by its dim
      names and named by its neuron coordinate: ``activity_dataset``), or a 2-D array shaped
      (time, neuron) (neurons named '0', '1', ... by position).
    dt_s: seconds per frame for an array (default 1.0) or a DataArray (default: its attr
      ``dt_s``, else the spacing of its time coordinate); ignored for a Dataset (its attr is used).
    neurons: optional positions (int array) or boolean mask of the neurons to keep (a partially
      observed recording); frames: optional slice, sorted positions or boolean mask of the frames
      to keep (e.g. a shorter recording, or the frames without NaN).
    spike_counts: optional (time, neuron) spikes per frame for an array input.
    A pause in acquisition between two kept frames (a Dataset's ``time``; the rule of ``data
    import``, ``pause_intervals``), and frames left out between them, start a new stretch
    (``Activity.segment_starts``).
    A Dataset's variables are read by their dim names (``neurocast.data.orient_dataset``):
    ``ds.transpose("neuron", "time")`` gives the same Activity as ``ds``.
    Raises FormatError for a wrong shape (not 2-D, fewer than 3 frames or 2 neurons, a
    Dataset's traces without the dims time and neuron) and NonFiniteError for NaN/inf in the
    traces.
    """
    frames = slice(None) if frames is None else frames
    step = frames.step or 1 if isinstance(frames, slice) else 1  # every k-th frame: k·dt apart
    if isinstance(data, xr.DataArray):  # names and orientation from its labels, not positions
        data = activity_dataset(data, dt_s=dt_s, spike_counts=spike_counts)
    if isinstance(data, xr.Dataset):
        data = orient_dataset(data)  # (neuron, time) traces: by their dim names, not positions
        dt = float(data.attrs.get("dt_s", 1.0))
        times = np.asarray(data["time"].values, dtype=np.float64) if "time" in data.coords \
            else dt * np.arange(data["traces"].shape[0])
        frames = _frames(frames, times.size)
        cols = slice(None) if neurons is None else _positions(neurons, data.sizes["neuron"])
        traces = np.asarray(data["traces"][frames].values[:, cols], dtype=np.float32)
        counts = None
        if "spike_counts" in data:
            counts = _frame_counts(data["spike_counts"], frames, cols, times.size)
        names = np.asarray(data["neuron"].values).astype(str)[cols]
        indicator = str(data.attrs.get("indicator", ""))
    else:
        traces = np.asarray(data)
        if traces.ndim != 2:
            raise FormatError(f"activity must be 2-D (time, neuron), got shape {traces.shape}",
                              "pass a matrix whose rows are frames and columns neurons")
        dt = 1.0 if dt_s is None else float(dt_s)
        times = dt * np.arange(traces.shape[0])
        frames = _frames(frames, times.size)
        cols = slice(None) if neurons is None else _positions(neurons, traces.shape[1])
        names = np.arange(traces.shape[1]).astype(str)[cols]
        traces = np.ascontiguousarray(traces[frames][:, cols], dtype=np.float32)
        counts = None
        if spike_counts is not None:
            counts = np.asarray(spike_counts)
            if counts.shape != np.asarray(data).shape:
                raise FormatError(f"spike_counts shape {counts.shape} differs from the traces' "
                                  f"{np.asarray(data).shape}", "give spikes per frame, (time, neuron)")
            counts = np.ascontiguousarray(_frame_counts(counts, frames, cols, counts.shape[0]))
        indicator = ""
    if traces.shape[0] < 3 or traces.shape[1] < 2:
        raise FormatError(f"activity of shape {traces.shape} is too small to infer connectivity",
                          "give at least 3 frames and 2 neurons, (time, neuron)")
    if not (np.isfinite(dt) and dt > 0):
        raise FormatError(f"dt_s = {dt} is not a positive frame interval in seconds")
    dt *= step
    if not np.isfinite(traces).all():
        raise NonFiniteError("activity holds NaN or inf", "clean or drop those frames/neurons first")
    kept = np.arange(times.size)[frames]  # positions of the frames used
    pauses = np.concatenate([[0], np.cumsum(pause_intervals(np.diff(times)))])  # before each
    gap = (np.diff(kept) != step) | (pauses[kept[1:]] != pauses[kept[:-1]])
    starts = np.flatnonzero(gap) + 1
    return Activity(traces=traces, dt_s=dt, names=names, spike_counts=counts, indicator=indicator,
                    segment_starts=starts)


def activity_dataset(traces: xr.DataArray, *, dt_s: float | None = None,
                     spike_counts: np.ndarray | None = None) -> xr.Dataset:
    """A 2-D DataArray of activity (e.g. ``ds.traces``) as a Dataset of one ``traces`` variable
    (time, neuron) that ``as_activity`` (and matching neurons to a connectome by name) reads as
    it reads a recording.

    Orientation comes from the dim names, never the position: the dim ``neuron`` (else the one
    that is not ``time``) holds the neurons, the other the frames; without either name the
    dims are (time, neuron) in that order. Neuron names: the coordinate of the neuron dim
    ('0', '1', ... by position without one); other coordinates (e.g. ``label``) are kept.
    Times: the coordinate of the time dim when numeric (seconds), else dt · frame. dt_s: given,
    else the DataArray's attr ``dt_s``, else the median spacing of its times, else 1.0.
    spike_counts: optional (time, neuron) spikes per frame, in the oriented order.
    The traces stay lazy (a lazily opened store is not read here).
    Raises FormatError unless 2-D, or for spike_counts of another shape.
    """
    if traces.ndim != 2:
        raise FormatError(f"activity must be 2-D (time, neuron), got dims {traces.dims} "
                          f"shaped {traces.shape}", "pass a (time, neuron) DataArray, e.g. ds.traces")
    tdim, ndim = activity_dims(traces)
    da = traces.transpose(tdim, ndim)
    da = da.rename({k: v for k, v in ((tdim, "time"), (ndim, "neuron")) if k != v})
    da.name = "traces"
    n_time, n_neuron = da.shape
    names = (np.asarray(da["neuron"].values).astype(str) if "neuron" in da.coords
             else np.arange(n_neuron).astype(str))
    times = np.asarray(da["time"].values) if "time" in da.coords else None
    if times is not None and times.dtype.kind == "m":  # timedeltas: seconds
        times = times / np.timedelta64(1, "s")
    if times is not None and times.dtype.kind not in "iuf":
        times = None  # not seconds (e.g. datetimes or labels): dt · frame
    if dt_s is None:
        dt_s = traces.attrs.get("dt_s")
    if dt_s is None and times is not None and times.size > 1:
        dt_s = float(f"{np.median(np.diff(times.astype(np.float64))):.12g}")  # not 0.6000000000000227
    dt = 1.0 if dt_s is None else float(dt_s)
    if times is None:
        times = dt * np.arange(n_time)
    ds = da.assign_coords(time=np.asarray(times, dtype=np.float64), neuron=names).to_dataset()
    ds.attrs = {"dt_s": dt, "indicator": str(traces.attrs.get("indicator", ""))}
    if spike_counts is not None:
        counts = np.asarray(spike_counts)
        if counts.shape != (n_time, n_neuron):
            raise FormatError(f"spike_counts shape {counts.shape} differs from the traces' "
                              f"{(n_time, n_neuron)} (time, neuron)", "give spikes per frame, (time, neuron)")
        ds["spike_counts"] = (("time", "neuron"), counts)
    return ds


def activity_dims(traces: xr.DataArray) -> tuple:
    """(time dim, neuron dim) of a 2-D DataArray of activity, by name (``activity_dataset``'s
    rule): the dim ``neuron`` (else the one that is not ``time``) holds the neurons, the other
    the frames; without either name, (time, neuron) in that order."""
    dims = list(traces.dims)
    names = [str(d) for d in dims]
    if "neuron" in names:
        n = names.index("neuron")
    elif "time" in names:
        n = 1 - names.index("time")
    else:
        n = 1
    return dims[1 - n], dims[n]


def _frame_counts(counts, frames, cols, n: int) -> np.ndarray:
    """Spike counts (time, neuron) float32 of the kept frames and columns. Every k-th frame
    (a slice with step k: frames k·dt apart) counts the spikes of its k frames, so a count is
    still the spikes of one (now longer) frame interval, not those of every k-th interval: kept
    frame f carries frames f − k + 1 .. f (from frame 0 at the start), the spikes its sample
    shows first (``spike_counts[f]`` holds those since the previous sample), so that its count
    and its trace still go together."""
    step = frames.step or 1 if isinstance(frames, slice) else 1
    if step == 1:
        return np.asarray(np.asarray(counts[frames])[:, cols], dtype=np.float32)
    kept = np.arange(n)[frames]
    if not len(kept):
        return np.zeros((0, np.asarray(counts[:1])[:, cols].shape[1]), dtype=np.float32)
    lo, hi = max(int(kept[0]) - step + 1, 0), int(kept[-1]) + 1
    block = np.asarray(np.asarray(counts[lo:hi])[:, cols], dtype=np.float32)
    # kept frames are step apart: frame f's interval begins right after the previous kept frame
    return np.add.reduceat(block, np.concatenate([[0], kept[:-1] + 1 - lo]), axis=0)


def _frames(frames, n: int):
    """A slice as it is; positions or a boolean mask of n frames as int64 positions.
    FormatError unless the frames keep their order in time, each once (a reversed or shuffled
    recording would turn every lag, and the frame interval, around)."""
    if isinstance(frames, slice):
        if frames.step is not None and frames.step <= 0:
            raise FormatError(f"frames must run forward in time, got a slice with step {frames.step}",
                              "give a slice with a positive step, e.g. slice(0, None, 2)")
        return frames
    pos = _positions(frames, n, "frame")
    if (np.diff(pos) <= 0).any():
        raise FormatError("frame positions must be increasing, each frame once",
                          "sort them (numpy.unique)")
    return pos


def _positions(sel, n: int, what: str = "neuron") -> np.ndarray:
    """int64 positions from positions or a boolean mask of n items (FormatError if neither)."""
    sel = np.asarray(sel)
    if sel.dtype == bool:
        if sel.shape != (n,):
            raise FormatError(f"{what} mask has {sel.size} entries for {n} {what}s")
        sel = np.flatnonzero(sel)
    if sel.dtype.kind not in "iu" or sel.ndim != 1:
        raise FormatError(f"{what}s must be integer positions or a boolean mask")
    if sel.size and (sel.min() < 0 or sel.max() >= n):
        raise FormatError(f"{what} positions must lie in 0..{n - 1}")
    return sel.astype(np.int64)


def standardise(x: np.ndarray, *, copy: bool = True) -> np.ndarray:
    """Columns of ``x`` (time, neuron) centred and scaled to unit variance, float32.

    Constant columns (variance 0) become zeros, so they correlate with nothing.
    copy=False works in place when ``x`` is already float32 (the caller's array changes).
    """
    x = np.array(x, dtype=np.float32) if copy else np.asarray(x, dtype=np.float32)
    x -= x.mean(axis=0, dtype=np.float64).astype(np.float32)
    sd = _column_sd(x)
    sd[sd == 0] = np.inf
    x /= sd
    return x


def _column_sd(x: np.ndarray) -> np.ndarray:
    """Column s.d. of an already centred (time, neuron) matrix, in blocks (bounded memory)."""
    out = np.zeros(x.shape[1], dtype=np.float64)
    step = max(1, (1 << 24) // max(1, x.shape[1]))
    for a in range(0, x.shape[0], step):
        blk = x[a:a + step]
        out += np.einsum("ij,ij->j", blk, blk, dtype=np.float64)
    return np.sqrt(out / x.shape[0]).astype(np.float32)
