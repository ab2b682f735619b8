"""Forecast scores as statistic → additive aggregation → metric (the WeatherBench-X pattern).

Statistic: an elementwise function of (prediction, target), e.g. |error| or error². For every
window w, step h and neuron group g, ``WindowStats`` holds the sum of each statistic over the
group's counted neurons, and how many neurons were counted.
Aggregation: these sums are additive. Windows evaluated separately (other chunks, other
conditions, other machines) fill disjoint rows and merge bit for bit (``WindowStats.merge``);
chunks of neurons add float64 partial sums (identical to ~1e-15 relative).
Metric: a value per window from the window's sums (``Metric.per_window``), then the mean over
the windows that counted any neuron. MAE(h, g) = mean over windows of (Σ|error| / count): the
mean over neurons first, then over windows (the ZAPBench definition); MSE likewise with error².

To add a metric: one ``Metric`` subclass (and, if it needs one, a ``Statistic``) registered with
one line each (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numba import njit

from neurocast._registry import Registry, instance_of
from neurocast.errors import FormatError, NonFiniteError

__all__ = ["METRICS", "STATISTICS", "Metric", "Statistic", "WindowStats", "accumulate"]

# Values per sub-batch when statistics are evaluated (bounds the float64 temporaries to 32 MiB).
_SUB_BATCH_VALUES = 1 << 22


@dataclass(frozen=True)
class Statistic:
    """An elementwise statistic: ``func(pred, target)`` on float64 arrays of equal shape."""

    name: str
    func: Callable[[np.ndarray, np.ndarray], np.ndarray]
    description: str = ""


#: The built-in statistics, which ``accumulate`` sums in one compiled pass (``_error_sums``)
#: instead of calling their ``func`` on float64 copies of the forecasts (3.8× faster; scoring
#: a fly-zap test set is mostly this). Other statistics take the NumPy path.
ABS_ERROR = Statistic("abs_error", lambda p, t: np.abs(p - t), "|prediction − target|")
SQ_ERROR = Statistic("sq_error", lambda p, t: np.square(p - t), "(prediction − target)²")

#: name -> Statistic (summed per window, step and group).
STATISTICS: Registry[Statistic] = Registry("statistic", check=instance_of(Statistic))
STATISTICS.register(ABS_ERROR)
STATISTICS.register(SQ_ERROR)


class Metric:
    """A score computed from the per-window sums of some statistics.

    Subclasses set ``name``, ``description``, ``units``, ``statistics`` (names in STATISTICS)
    and ``per_window``. ``lower_is_better`` says which way is good (reports say it).
    """

    name = "metric"
    description = ""
    units = ""
    lower_is_better = True
    statistics: tuple[str, ...] = ()

    def per_window(self, sums: Mapping[str, np.ndarray], count: np.ndarray) -> np.ndarray:
        """Value per (window, step, group) from the sums (same shape); count > 0 guaranteed."""
        raise NotImplementedError


class MAE(Metric):
    name = "mae"
    description = "mean absolute error (mean over neurons, then windows)"
    units = "ΔF/F"
    statistics = ("abs_error",)

    def per_window(self, sums, count):
        return sums["abs_error"] / count


class MSE(Metric):
    name = "mse"
    description = "mean squared error (mean over neurons, then windows)"
    units = "(ΔF/F)²"
    statistics = ("sq_error",)

    def per_window(self, sums, count):
        return sums["sq_error"] / count


#: name -> Metric instance, in the order scorecards list them.
METRICS: Registry[Metric] = Registry("metric", group="neurocast.metrics",
                                   check=instance_of(Metric))
METRICS.register(MAE())
METRICS.register(MSE())


@njit(cache=True, nogil=True)
def _group_sums(values, mask, groups, out):
    """out[w, h, groups[n]] += values[w, h, n] where mask[w, h, n] (mask may be a broadcast view)."""
    n_w, n_h, n_n = values.shape
    for w in range(n_w):
        for h in range(n_h):
            for n in range(n_n):
                if mask[w, h, n]:
                    out[w, h, groups[n]] += values[w, h, n]


@njit(cache=True, nogil=True)
def _error_sums(pred, target, counted, groups, plain, out):
    """out[0, w, h, groups[n]] += |e| and out[1, w, h, groups[n]] += e² for e = pred − target
    (in float64) over the counted entries (``plain``: every entry counts, one group); returns
    how many counted entries hold NaN or inf (those add nothing). pred, target: float32 or
    float64 (window, step, neuron), any strides; counted: bool of that shape (a broadcast view
    is fine); out: float64 (2, window, step, group)."""
    n_w, n_h, n_n = target.shape
    bad = 0
    for w in range(n_w):
        for h in range(n_h):
            if plain:
                sa, sq = 0.0, 0.0
                for n in range(n_n):
                    p, t = np.float64(pred[w, h, n]), np.float64(target[w, h, n])
                    if np.isfinite(p) and np.isfinite(t):
                        e = p - t
                        sa += abs(e)
                        sq += e * e
                    else:
                        bad += 1
                out[0, w, h, 0] += sa
                out[1, w, h, 0] += sq
                continue
            for n in range(n_n):
                if counted[w, h, n]:
                    p, t = np.float64(pred[w, h, n]), np.float64(target[w, h, n])
                    if np.isfinite(p) and np.isfinite(t):
                        e = p - t
                        out[0, w, h, groups[n]] += abs(e)
                        out[1, w, h, groups[n]] += e * e
                    else:
                        bad += 1
    return bad


def _compiles(x) -> bool:
    """Whether ``_error_sums`` takes x as it is: a float32 or float64 NumPy array (memory maps
    too); anything else (torch tensors, float16, masked arrays) takes the NumPy path as before."""
    return (isinstance(x, np.ndarray) and not isinstance(x, (np.ma.MaskedArray, np.matrix))
            and x.dtype in (np.float32, np.float64))


def _statistics(names) -> list[Statistic]:
    return [STATISTICS.get(n) for n in names]


def _numpy_sums(pred, target, full, groups, plain, stats, sums) -> int:
    """``accumulate``'s sums of any statistics: ``func`` on float64 copies of sub-batches of
    windows; returns the counted non-finite entries (0: the sums are complete)."""
    n_w, n_h, n_n = target.shape
    step = max(1, _SUB_BATCH_VALUES // max(1, n_h * n_n))
    bad = 0
    for a in range(0, n_w, step):
        p = np.asarray(pred[a:a + step], dtype=np.float64)
        t = np.asarray(target[a:a + step], dtype=np.float64)
        counted = full[a:a + step]
        bad += int(np.count_nonzero(counted & ~(np.isfinite(p) & np.isfinite(t))))
        if bad:  # go on counting them, for the message
            continue
        for s in stats:
            values = s.func(p, t)
            if plain:
                sums[s.name][a:a + step, :, 0] = values.sum(axis=2)
            else:
                _group_sums(values, counted, groups, sums[s.name][a:a + step])
    return bad


def accumulate(pred: np.ndarray, target: np.ndarray, statistics, *, mask: np.ndarray | None = None,
               groups: np.ndarray | None = None, n_groups: int = 1):
    """The statistics' sums per (window, step, group), and the counted neurons.

    pred, target: float arrays (window, step, neuron), ΔF/F (views with any strides are fine).
    statistics: names in STATISTICS. mask: optional bool broadcastable to (window, step, neuron),
    True where an entry counts. groups: optional int (neuron,) in 0..n_groups-1.
    Returns ({name: float64 (window, step, n_groups)}, count int64 (window, step, n_groups)).
    Raises FormatError on shape mismatch, NonFiniteError on NaN/inf in counted entries.
    """
    if pred.shape != target.shape:
        raise FormatError(f"predictions have shape {pred.shape}, targets {target.shape}",
                          "a forecaster must return (batch, horizon, neuron) for a (batch, context, "
                          "neuron) input")
    if target.ndim != 3:
        raise FormatError(f"targets must be 3-D (window, step, neuron), not shape {target.shape}")
    n_w, n_h, n_n = target.shape
    if groups is None:
        groups, n_groups = np.zeros(n_n, dtype=np.int64), 1
    else:
        groups = np.asarray(groups, dtype=np.int64)
        if groups.shape != (n_n,):
            raise FormatError(f"groups must have shape ({n_n},), not {groups.shape}")
        if n_n and (groups.min() < 0 or groups.max() >= n_groups):
            raise FormatError(f"group indices must lie in 0..{n_groups - 1}")
    full = np.broadcast_to(np.asarray(True if mask is None else mask, dtype=np.bool_), target.shape)
    stats = _statistics(statistics)
    count = np.zeros((n_w, n_h, n_groups), dtype=np.int64)
    plain = mask is None and n_groups == 1
    if plain:
        count[:] = n_n
    else:
        _group_sums(np.broadcast_to(np.int64(1), target.shape), full, groups, count)
    if all(st is ABS_ERROR or st is SQ_ERROR for st in stats) and _compiles(pred) and _compiles(target):
        both = np.zeros((2, n_w, n_h, n_groups))
        bad = _error_sums(pred, target, full, groups, plain, both)
        sums = {st.name: both[0 if st is ABS_ERROR else 1] for st in stats}
    else:
        sums = {st.name: np.zeros((n_w, n_h, n_groups)) for st in stats}
        bad = _numpy_sums(pred, target, full, groups, plain, stats, sums)
    if bad:
        if mask is None:
            which = "predictions" if not np.isfinite(pred).all() else "targets"
            hint = "pass a mask (True where a value counts) to skip missing values explicitly"
        else:
            which = "predictions" if not np.isfinite(np.where(full, pred, 0.0)).all() else "targets"
            hint = "set the mask to False where predictions or targets are not finite"
        raise NonFiniteError(f"{bad} NaN or infinite value(s) in the {which}", hint)
    return sums, count


class WindowStats:
    """Additive statistics of one test set, each shaped (window, step, group).

    n_windows, horizon: the test set's size. statistics: names in STATISTICS (default: those
    of every registered metric). group_names: names of the neuron groups (default one group,
    "all"); groups: optional int (neuron,) group of each neuron.
    ``add(first_window, pred, target)`` accumulates a chunk of windows (and/or a chunk of
    neurons, passing ``neurons=`` to pick their group ids).
    """

    def __init__(self, n_windows: int, horizon: int, group_names=("all",),
                 groups: np.ndarray | None = None, statistics=None):
        if statistics is None:
            statistics = dict.fromkeys(s for m in METRICS.values() for s in m.statistics)
        self.group_names = tuple(str(g) for g in group_names)
        self.groups = None if groups is None else np.asarray(groups, dtype=np.int64)
        shape = (n_windows, horizon, len(self.group_names))
        self.sums = {name: np.zeros(shape) for name in statistics}
        self.count = np.zeros(shape, dtype=np.int64)

    @property
    def n_windows(self) -> int:
        return self.count.shape[0]

    @property
    def horizon(self) -> int:
        return self.count.shape[1]

    def add(self, first_window: int, pred: np.ndarray, target: np.ndarray, *,
            mask: np.ndarray | None = None, neurons: slice | np.ndarray | None = None) -> None:
        """Accumulate windows ``first_window .. first_window + len(pred)``.

        pred, target: (window, step, neuron). neurons: which neurons (of the full set) these
        columns are, when evaluating a chunk of neurons; used to look up their groups.
        """
        if pred.shape[1] != self.horizon:
            raise FormatError(f"predictions hold {pred.shape[1]} steps, the test set scores "
                              f"{self.horizon}", "predict exactly --horizon steps")
        groups = self.groups
        if groups is not None and neurons is not None:
            groups = groups[neurons]
        sums, count = accumulate(pred, target, self.sums, mask=mask, groups=groups,
                                 n_groups=len(self.group_names))
        sl = slice(first_window, first_window + count.shape[0])
        if sl.stop > self.n_windows:
            raise FormatError(f"windows {sl.start}..{sl.stop - 1} beyond the {self.n_windows} of the test set")
        for name, s in sums.items():
            self.sums[name][sl] += s
        self.count[sl] += count

    def merge(self, other: WindowStats) -> WindowStats:
        """The sum of two statistics of the same test set (other windows, or other neurons)."""
        if other.count.shape != self.count.shape or set(other.sums) != set(self.sums):
            raise FormatError("cannot merge statistics of different test sets or statistics")
        out = WindowStats(self.n_windows, self.horizon, self.group_names, self.groups, self.sums)
        for name in self.sums:
            out.sums[name] = self.sums[name] + other.sums[name]
        out.count = self.count + other.count
        return out

    def pooled(self) -> WindowStats:
        """All neuron groups pooled into one group, "all"."""
        out = WindowStats(self.n_windows, self.horizon, ("all",), None, self.sums)
        out.sums = {k: v.sum(axis=2, keepdims=True) for k, v in self.sums.items()}
        out.count = self.count.sum(axis=2, keepdims=True)
        return out

    def metric(self, name: str) -> np.ndarray:
        """A metric per (step, group): its per-window value averaged over windows that counted a neuron.

        Returns float64 shaped (step, group); NaN where no window had a counted neuron.
        """
        metric = METRICS.get(name)
        missing = [s for s in metric.statistics if s not in self.sums]
        if missing:
            raise FormatError(f"metric {name!r} needs the statistics {missing}, which were not gathered",
                              "evaluate with the metric requested")
        valid = self.count > 0
        safe = np.maximum(self.count, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_window = np.where(valid, metric.per_window(self.sums, safe), 0.0)
        n_valid = valid.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n_valid > 0, per_window.sum(axis=0) / n_valid, np.nan)

    def metric_all(self, name: str) -> np.ndarray:
        """A metric per step over all neurons (groups pooled), shape (step,)."""
        return self.pooled().metric(name)[:, 0]
