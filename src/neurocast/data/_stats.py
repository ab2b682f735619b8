"""Realism statistics of a recording: how slow, correlated and low-dimensional it is (private).

The definitions are those of the reference table shipped with neurocast
(``realism_reference.csv``, sources in docs/realism.md), computed the same way so the numbers
compare: drop constant neurons; z-score each neuron; where more than ``subset_size`` (140)
neurons remain, average each statistic over ``n_subsets`` (10) random subsets of 140 neurons.

On a z-scored trace z (mean 0, population standard deviation 1, T frames):

- ``lag1_autocorr``: mean over neurons of r(1), where r(k) = Σ_t z[t] z[t+k] / T (the usual
  ACF estimator, as in statsmodels' ``acf``);
- ``acf_half_life_s``: the first lag k ≥ 1 at which the neuron-averaged r(k) is below 0.5,
  times the frame period (NaN if it stays ≥ 0.5 up to T − 1 frames);
- ``median_abs_r``, ``frac_pairs_r_gt_0_5``: over all neuron pairs i < j of the Pearson r;
- ``pc1``, ``pc1_5``: share of the total variance in the top 1 and 5 eigenvalues of the
  covariance of the z-scored traces (their correlation matrix);
- ``pr_over_n``: participation ratio (Σλ)² / Σλ² divided by the number of neurons;
- ``mae32_over_mae1``: mean |z[t+32] − z[t]| over mean |z[t+1] − z[t]| (NaN if T ≤ 32);
- ``skew``: mean over neurons of Σ z³ / T.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from neurocast._progress import progress as make_bar
from neurocast.data._store import open_dataset
from neurocast.errors import ConfigError, FormatError

__all__ = ["MIN_FRAMES", "PC1_5_MIN_NEURONS", "STATISTICS", "StatsConfig", "realism_stats",
           "trace_stats"]

#: The statistics, in table order (keys of every result).
STATISTICS = ("lag1_autocorr", "acf_half_life_s", "median_abs_r", "frac_pairs_r_gt_0_5", "pc1",
              "pc1_5", "pr_over_n", "mae32_over_mae1", "skew")


#: Fewest frames the statistics are computed from: below it every one is NaN (an autocorrelation
#: or a correlation from a few dozen frames says little), and ``realism_stats`` / ``trace_stats``
#: warn. They also need at least 2 neurons that vary (no warning for that alone: a recording of
#: one neuron is what it is, and bench's realism panels say "not measurable").
MIN_FRAMES = 50
#: ``pc1_5`` needs more neurons than this: with at most 5 it is 1 by construction.
PC1_5_MIN_NEURONS = 6


class StatsConfig:
    """How to compute the statistics (the defaults are the reference table's definitions).

    subset_size: neurons per subset (140). n_subsets: subsets averaged when N > subset_size (10).
    seed: seed of the subset draws (same seed, same subsets). max_lag_s: the ACF curves kept
    for plots reach this lag (s); the half-life search always goes up to T − 1 frames.
    """

    __slots__ = ("max_lag_s", "n_subsets", "seed", "subset_size")

    def __init__(self, subset_size: int = 140, n_subsets: int = 10, seed: int = 0,
                 max_lag_s: float = 60.0):
        if int(subset_size) != subset_size or subset_size < 2:
            raise ConfigError(f"subset_size must be an integer >= 2, got {subset_size}")
        if int(n_subsets) != n_subsets or n_subsets < 1:
            raise ConfigError(f"n_subsets must be an integer >= 1, got {n_subsets}")
        if not max_lag_s > 0:
            raise ConfigError(f"max_lag_s must be > 0, got {max_lag_s}")
        self.subset_size, self.n_subsets, self.seed = int(subset_size), int(n_subsets), int(seed)
        self.max_lag_s = float(max_lag_s)

    def __setattr__(self, key, value):
        if hasattr(self, key):
            raise AttributeError("StatsConfig is frozen")
        object.__setattr__(self, key, value)


def _zscore(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(z, valid) of (T, n) ``x``: z float64, each column z-scored over its finite values
    (population std) and 0 where a value is NaN/inf; valid float64, 1 where finite, else 0.
    Columns must vary."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    count = finite.sum(axis=0)
    x = np.where(finite, x, 0.0)
    x = np.where(finite, x - x.sum(axis=0) / count, 0.0)
    return x / np.sqrt((x * x).sum(axis=0) / count), finite.astype(np.float64)


def _non_constant(x: np.ndarray) -> np.ndarray:
    """bool (n,): columns of (T, n) ``x`` whose finite values vary (and T ≥ 2)."""
    if x.shape[0] < 2:
        return np.zeros(x.shape[1], dtype=bool)
    finite = np.isfinite(x)
    return np.where(finite, x, -np.inf).max(axis=0) > np.where(finite, x, np.inf).min(axis=0)


def _fft_size(t: int) -> int:
    return 1 << int(np.ceil(np.log2(2 * t)))


def _lagged_sums(a: np.ndarray, max_lag: int) -> np.ndarray:
    """Σ over columns and t of a[t] a[t+k] for k = 0..max_lag, via FFT: float64 (max_lag + 1,)."""
    size = _fft_size(a.shape[0])
    f = np.fft.rfft(a, n=size, axis=0)
    return np.fft.irfft((f * f.conj()).real.sum(axis=1), n=size)[: max_lag + 1]


def _lagged_products(a: np.ndarray, b: np.ndarray, max_lag: int) -> np.ndarray:
    """Σ_t a[t] b[t+k] of each column of (T, n) ``a`` and ``b``, k = 0..max_lag, via FFT:
    float64 (max_lag + 1, n)."""
    size = _fft_size(a.shape[0])
    spec = np.fft.rfft(a, n=size, axis=0).conj() * np.fft.rfft(b, n=size, axis=0)
    return np.fft.irfft(spec, n=size, axis=0)[: max_lag + 1]


def _acf(z: np.ndarray, valid: np.ndarray, max_lag: int) -> np.ndarray:
    """Neuron-averaged ACF r(0..max_lag) of z-scored (T, n) ``z``: float64 (max_lag + 1,).

    Complete data: r(k) = Σ z[t] z[t+k] / (n T). With gaps (``valid`` 0, z 0 there), per neuron
    over the pairs P of frames both observed: Σ_P z[t] z[t+k] / √(Σ_P z[t]² · Σ_P z[t+k]²)
    (|r| ≤ 1), times (T − k) / T as on complete data; averaged over the neurons with such pairs
    (NaN at a lag where none has).
    """
    t = z.shape[0]
    if valid.all():
        return _lagged_sums(z, max_lag) / (t * z.shape[1])
    zz = z * z
    pairs = np.rint(_lagged_products(valid, valid, max_lag)) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        r = _lagged_products(z, z, max_lag) / np.sqrt(
            _lagged_products(zz, valid, max_lag) * _lagged_products(valid, zz, max_lag))
    # clip: FFT rounding on a few near-zero products
    r = np.where(pairs & np.isfinite(r), np.clip(r, -1.0, 1.0), np.nan)
    has = np.isfinite(r).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(has > 0, np.nansum(r, axis=1) / has, np.nan)
    return mean * (t - np.arange(max_lag + 1)) / t


def _pairwise_r(z: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Pearson r of every pair of columns of (T, n) ``z`` (0 where ``valid`` is 0) over the
    frames both have (pairwise complete): float64 (n, n), NaN for a pair with fewer than 2
    frames in common or a neuron constant over them. Vectorised: with M = valid, N = MᵀM frames
    in common; z M, z² M the sums of z_i, z_i² over the frames where j is finite; zᵀz Σ z_i z_j.
    """
    common = valid.T @ valid
    s1 = z.T @ valid  # s1[i, j] = Σ z_i over the frames where j is finite
    s2 = (z * z).T @ valid
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = z.T @ z - s1 * s1.T / common
        var = s2 - s1 * s1 / common  # var[i, j]: of z_i over the frames shared with j
        ok = (common >= 2) & (var > 1e-10 * s2) & (var.T > 1e-10 * s2.T)
        return np.where(ok, cov / np.sqrt(var * var.T), np.nan)


def trace_stats(traces: np.ndarray, dt_s: float, *, max_lag: int | None = None,
                allow_nan: bool = False) -> dict:
    """The statistics of one set of neurons (no subsets): ``traces`` float (T, n), ``dt_s`` s.

    Constant columns are dropped first. Returns a dict with every key of ``STATISTICS``
    (float; NaN where undefined or not meaningful: fewer than 2 varying neurons or
    ``MIN_FRAMES`` frames, and ``pc1_5`` with fewer than ``PC1_5_MIN_NEURONS``), ``n_neurons``
    (the varying ones), ``n_frames``, ``acf`` (float64 (max_lag + 1,), the neuron-averaged
    autocorrelation from lag 0; max_lag defaults to T − 1) and ``eigenvalues`` (float64 (n,),
    descending, of the correlation matrix). Raises FormatError on NaN/inf unless ``allow_nan``:
    then every statistic uses the finite values only. A neuron is z-scored over its finite
    frames; r is the Pearson r over the frames both neurons have (pairwise complete: that
    matrix need not be positive semi-definite, and its negative eigenvalues are set to 0);
    r(k) is each neuron's correlation over the pairs of frames k apart both finite, about its
    mean, times (T − k) / T; the step ratio compares |z[t+32] − z[t]| and |z[t+1] − z[t]| over
    the same frames t (t, t + 1, t + 32 all finite). Without NaN these are the complete-data
    numbers. Warns (UserWarning) when every statistic is NaN for want of frames (fewer than
    ``MIN_FRAMES``).
    """
    out = _trace_stats(traces, dt_s, max_lag, allow_nan)[0]
    _warn_too_short("trace_stats", out["n_frames"], out["n_neurons"], np.shape(traces)[1], True)
    return out


def _too_short(n_frames: int, n_varying: int, n_columns: int, array: bool) -> str | None:
    """Why every statistic is NaN on a recording of fewer than ``MIN_FRAMES`` frames
    (``n_frames``; ``n_varying`` neurons that vary, of ``n_columns``), or None if it has enough
    frames. array: the input was a bare array, whose orientation the person chose (asked about
    when it is wider than long)."""
    if n_frames >= MIN_FRAMES:
        return None
    lacks = [f"{n_frames:,} frame{'' if n_frames == 1 else 's'}, fewer than the {MIN_FRAMES} "
             "(MIN_FRAMES) they need"]
    if n_varying < 2:
        lacks.append(f"{n_varying} neuron{'' if n_varying == 1 else 's'} that var"
                     f"{'ies' if n_varying == 1 else 'y'}, fewer than the 2 they need")
    said = f"every realism statistic is NaN: the traces have {' and '.join(lacks)}"
    if array and n_columns > n_frames:
        said += (f"; is the array (time, neuron)? It is read as {n_frames:,} frames (rows) × "
                 f"{n_columns:,} neurons (columns): if its rows are neurons, pass it transposed "
                 "(x.T)")
    return said


def _warn_too_short(who: str, n_frames: int, n_varying: int, n_columns: int, array: bool) -> None:
    said = _too_short(n_frames, n_varying, n_columns, array)
    if said is not None:
        warnings.warn(f"{who}: {said}", UserWarning, stacklevel=3)


def _trace_stats(traces, dt_s: float, max_lag: int | None,
                 allow_nan: bool) -> tuple[dict, np.ndarray]:
    """(trace_stats, the pairwise r values float64 (pairs,), finite ones only)."""
    x = np.asarray(traces)
    if x.ndim != 2:
        raise FormatError(f"traces must be 2-D (time, neuron), got shape {x.shape}")
    if not allow_nan and not np.isfinite(x).all():
        raise FormatError("traces hold NaN or inf", "mask or drop those neurons/frames first, or "
                          "pass allow_nan=True to leave them out of every statistic")
    keep = _non_constant(x)
    t, n = x.shape[0], int(keep.sum())
    out = dict.fromkeys(STATISTICS, float("nan"))
    out.update(n_neurons=n, n_frames=t, acf=np.full(0, np.nan), eigenvalues=np.full(0, np.nan))
    if n < 2 or t < MIN_FRAMES:
        return out, np.zeros(0)
    z, valid = _zscore(x[:, keep])
    full_lag = t - 1
    acf = _acf(z, valid, full_lag)
    below = np.flatnonzero(acf[1:] < 0.5)
    out["lag1_autocorr"] = float(acf[1])
    out["acf_half_life_s"] = float((below[0] + 1) * dt_s) if len(below) else float("nan")
    out["acf"] = acf[: (full_lag if max_lag is None else min(max_lag, full_lag)) + 1]
    gaps = not valid.all()
    corr = _pairwise_r(z, valid) if gaps else (z.T @ z) / t
    r = corr[np.triu_indices(n, k=1)]
    r = r[np.isfinite(r)]
    if r.size:
        out["median_abs_r"] = float(np.median(np.abs(r)))
        out["frac_pairs_r_gt_0_5"] = float(np.mean(r > 0.5))
    lam = np.clip(np.linalg.eigvalsh(np.nan_to_num(corr))[::-1], 0.0, None)
    total = lam.sum()
    out["pc1"] = float(lam[0] / total)
    if n >= PC1_5_MIN_NEURONS:
        out["pc1_5"] = float(lam[:5].sum() / total)
    out["pr_over_n"] = float(total**2 / (lam**2).sum() / n)
    out["eigenvalues"] = lam
    if t > 32 and gaps:  # both steps from the same frames: t, t + 1 and t + 32 all finite
        both = valid[:-32] * valid[1:-31] * valid[32:]
        with np.errstate(invalid="ignore"):  # NaN if no frame has all three
            out["mae32_over_mae1"] = float((np.abs(z[32:] - z[:-32]) * both).sum()
                                           / (np.abs(z[1:-31] - z[:-32]) * both).sum())
    elif t > 32:
        out["mae32_over_mae1"] = float(np.abs(z[32:] - z[:-32]).mean()
                                       / np.abs(np.diff(z, axis=0)).mean())
    out["skew"] = float(((z**3).sum(axis=0) / valid.sum(axis=0)).mean())
    return out, r


def _subsets(n_neurons: int, cfg: StatsConfig, varies) -> list[np.ndarray]:
    """Neuron positions of each subset (sorted int64), drawn so constant neurons never count.

    Subset k: a permutation of all neurons (seeded by cfg.seed and k), scanned in order, keeps
    the first ``subset_size`` neurons for which ``varies(positions) -> bool array`` is True:
    a uniformly random subset of the varying neurons. ``varies`` is asked about the first
    2·subset_size neurons of every permutation at once (then twice as many while a subset is
    short), so only those columns are ever read. With N ≤ subset_size: one subset, all neurons.
    """
    if n_neurons <= cfg.subset_size:
        return [np.arange(n_neurons, dtype=np.int64)]
    orders = [np.random.default_rng([cfg.seed, k]).permutation(n_neurons) for k in range(cfg.n_subsets)]
    known = np.full(n_neurons, -1, dtype=np.int8)  # -1 unknown, 0 constant, 1 varies
    scan = min(n_neurons, 2 * cfg.subset_size)
    while True:
        cand = np.unique(np.concatenate([o[:scan] for o in orders]))
        new = cand[known[cand] < 0]
        if len(new):
            known[new] = np.asarray(varies(new), dtype=bool)
        picked = [o[:scan][known[o[:scan]] == 1][: cfg.subset_size] for o in orders]
        if scan == n_neurons or all(len(p) == cfg.subset_size for p in picked):
            return [np.sort(p).astype(np.int64) for p in picked]
        scan = min(n_neurons, 2 * scan)


def _mean_stats(parts: list[dict]) -> dict:
    """Average the statistics (and the ACF curves) of several subsets."""
    out = {}
    for key in STATISTICS:
        vals = np.array([p[key] for p in parts], dtype=np.float64)
        out[key] = float(np.mean(vals)) if np.isfinite(vals).all() else (
            float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan"))
    out["n_neurons"] = round(float(np.mean([p["n_neurons"] for p in parts])))
    out["n_frames"] = int(parts[0]["n_frames"])
    lags = min(len(p["acf"]) for p in parts)
    out["acf"] = np.mean([p["acf"][:lags] for p in parts], axis=0) if lags else np.zeros(0)
    k = min(len(p["eigenvalues"]) for p in parts)
    out["eigenvalues"] = np.mean([p["eigenvalues"][:k] for p in parts], axis=0) if k else np.zeros(0)
    # one correlation histogram (of the first subset): plots only
    out["r_values"] = parts[0].get("r_values", np.zeros(0))
    return out


def _with_r(x: np.ndarray, dt_s: float, max_lag: int, allow_nan: bool) -> dict:
    """trace_stats plus the pairwise r values (float32) of the subset, for histograms."""
    out, r = _trace_stats(x, dt_s, max_lag, allow_nan)
    out["r_values"] = r.astype(np.float32)
    return out


def realism_stats(data, *, dt_s: float | None = None, condition=None, config: StatsConfig | None = None,
                  progress: bool = True, allow_nan: bool = False) -> dict:
    """The realism statistics of a recording, overall and per condition.

    data: a neurocast Dataset (``xarray.Dataset`` with ``traces`` (time, neuron); opened lazily
      is best: only the columns the subsets need are read, in blocks of frames, each once), a
      dataset name or path, or an array (time, neuron) with ``dt_s`` given.
    dt_s: frame period (s); taken from the Dataset's attrs if None.
    condition: str (time,) labels for arrays (a Dataset's own ``condition`` is used otherwise).
    config: StatsConfig (subset size 140, 10 subsets, seed 0).

    Returns ``{"overall": stats, "conditions": {name: stats, ...}, "dt_s", "n_frames",
    "n_neurons", "subset_size", "n_subsets", "seed"}`` where each ``stats`` has every key of
    ``STATISTICS`` averaged over the subsets, plus ``n_neurons`` (per subset), ``n_frames``,
    ``acf`` (float64 curve from lag 0 up to ``max_lag_s``), ``eigenvalues`` (descending) and
    ``r_values`` (the first subset's pairwise r). Condition blocks are the frames carrying that
    label (one label only: no per-condition entries); each is z-scored on its own. Constant
    neurons (over the whole recording) are never drawn; a neuron constant only inside one
    condition is dropped there. Raises FormatError on NaN/inf in the columns read unless
    ``allow_nan`` (then they are left out of every statistic, as ``trace_stats`` says),
    ConfigError without a frame period. Warns (UserWarning) when every statistic is NaN for
    want of frames, fewer than ``MIN_FRAMES`` (50), asking for an array wider than long whether
    it is (time, neuron); fewer than 2 neurons that vary also make every statistic NaN.
    """
    cfg = config if config is not None else StatsConfig()
    cols, cond, data_dt = _source(data, condition, allow_nan)
    dt_s = data_dt if dt_s is None else dt_s
    if dt_s is None or not float(dt_s) > 0:
        raise ConfigError("realism_stats needs the frame period dt_s (> 0) for an array",
                          "pass dt_s=..., e.g. dt_s=0.6")
    dt_s = float(dt_s)
    n_frames, n_neurons = cols.shape
    with _bar(progress, "reading traces") as bar:
        cols.bar = bar
        subsets = _subsets(n_neurons, cfg, lambda pos: _non_constant(cols.read(pos)))
    max_lag = max(1, round(cfg.max_lag_s / dt_s))
    cond = np.full(n_frames, "all") if cond is None else np.asarray(cond).astype(str)
    names = list(dict.fromkeys(cond.tolist()))
    per_cond: dict[str, list[dict]] = {c: [] for c in names}
    overall: list[dict] = []
    with _bar(progress, "realism statistics", total=len(subsets), unit="subset") as bar:
        for pos in subsets:
            x = cols.read(pos)
            overall.append(_with_r(x, dt_s, max_lag, allow_nan))
            if len(names) > 1:
                for c in names:
                    per_cond[c].append(_with_r(x[cond == c], dt_s, max_lag, allow_nan))
            bar.update(1)
    _warn_too_short("realism_stats", n_frames, max(p["n_neurons"] for p in overall), n_neurons,
                    isinstance(cols.traces, np.ndarray))
    return {"overall": _mean_stats(overall),
            "conditions": {c: _mean_stats(v) for c, v in per_cond.items() if v and len(names) > 1},
            "dt_s": dt_s, "n_frames": int(n_frames), "n_neurons": int(n_neurons),
            "subset_size": cfg.subset_size, "n_subsets": len(subsets), "seed": cfg.seed}


def _bar(enabled: bool, desc: str, total=None, unit="frame"):
    bar = make_bar(total=total, desc=desc, unit=unit)
    if not enabled:
        bar.disable = True
    return bar


class _Columns:
    """Columns of a (time, neuron) array, possibly a lazy xarray/zarr variable.

    ``read(pos)`` returns float32 (T, len(pos)); columns read once are kept, so the subsets'
    columns come from one pass over the store (blocks of ``BLOCK_FRAMES`` frames).
    """

    BLOCK_FRAMES = 1024

    def __init__(self, traces):
        self.traces = traces
        self.shape = tuple(int(s) for s in traces.shape)
        self.cache: dict[int, np.ndarray] = {}
        self.bar = None

    def read(self, pos: np.ndarray) -> np.ndarray:
        pos = np.asarray(pos, dtype=np.int64)
        if isinstance(self.traces, np.ndarray):
            return self.traces[:, pos]
        new = np.unique(pos[[int(p) not in self.cache for p in pos]]) if len(pos) else pos
        if len(new):
            t = self.shape[0]
            block = np.empty((t, len(new)), dtype=np.float32)
            sel = self.traces.isel(neuron=new)
            for a in range(0, t, self.BLOCK_FRAMES):
                b = min(t, a + self.BLOCK_FRAMES)
                block[a:b] = np.asarray(sel.isel(time=slice(a, b)).values)
                if self.bar is not None:
                    self.bar.total = t
                    self.bar.update(b - a)
            if self.bar is not None:
                self.bar.reset()
            for j, p in enumerate(new.tolist()):
                self.cache[p] = block[:, j]
        return np.stack([self.cache[int(p)] for p in pos], axis=1) if len(pos) else np.zeros((self.shape[0], 0))


def _source(data, condition, allow_nan: bool = False):
    """(_Columns over the traces, condition labels or None, dt_s or None) of the input."""
    if isinstance(data, str) or hasattr(data, "__fspath__"):
        data = open_dataset(data, allow_nan=allow_nan)
    if isinstance(data, xr.Dataset):
        if "traces" not in data:
            raise FormatError("the Dataset has no 'traces' variable", "use neurocast.data.make_dataset")
        cond = condition if condition is not None else (
            np.asarray(data["condition"].values) if "condition" in data else None)
        return _Columns(data["traces"].transpose("time", "neuron")), cond, data.attrs.get("dt_s")
    x = np.asarray(data)
    if x.ndim != 2:
        raise FormatError(f"traces must be 2-D (time, neuron), got shape {x.shape}")
    if condition is not None and len(condition) != x.shape[0]:
        raise FormatError(f"condition has {len(condition)} labels for {x.shape[0]} frames")
    return _Columns(x), condition, None
