"""Seed ensembles: the members' scores, mean and 95 % confidence interval over seeds, and the
probabilistic scores of the ensemble (CRPS, spread/skill) that weather services report.

The fitted seeds of one model form an ensemble of M forecasts per target value. Per condition
and step ahead (every sum over windows and neurons, so each window counts equally, as in the
MAE of ``evaluate``):

* ``member_mae`` (member, condition, step): each seed's MAE;
* ``ensemble_mae``: the MAE of the ensemble mean;
* ``crps``: the continuous ranked probability score of the M-member ensemble, from
  ``scoringrules.crps_ensemble`` (a maintained implementation, not ours);
* ``spread``: sqrt of the mean ensemble variance (ddof 1); ``skill``: RMSE of the ensemble
  mean; ``spread_skill``: sqrt((M + 1) / M) · spread / skill (Fortin et al. 2014), 1 for a
  well-dispersed ensemble, below 1 for an over-confident one.

``seed_interval`` gives the mean over seeds and the half-width of its 95 % confidence interval
from Student's t with M − 1 degrees of freedom (sd / sqrt(M) · t₀.₉₇₅,M−1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from neurocast._progress import progress
from neurocast.bench._evaluate import valid_runs
from neurocast.data import segments_for, valid_windows
from neurocast.errors import ConfigError, NonFiniteError

__all__ = ["ensemble_scores", "seed_interval"]

# Forecast values per batch across all members: 2**24 floats = 64 MiB.
_BATCH_VALUES = 1 << 24
#: Members up to which ``sorted_members`` uses a sorting network (M² passes) instead of np.sort.
SORT_NETWORK = 16


def sorted_members(fct: np.ndarray) -> np.ndarray:
    """fct (M, ...) sorted along its first (member) axis, a new array. For up to SORT_NETWORK
    members an odd–even transposition network of whole-array minima and maxima: M rounds of
    passes over contiguous blocks, where sorting M values at each of millions of points
    (NumPy's argsort, which scoringrules uses) spent 60 % of the ensemble pass at fly-zap size."""
    m = fct.shape[0]
    if m > SORT_NETWORK:
        return np.sort(fct, axis=0)
    rows = list(fct)
    for r in range(m):
        for i in range(r % 2, m - 1, 2):
            rows[i], rows[i + 1] = np.minimum(rows[i], rows[i + 1]), np.maximum(rows[i], rows[i + 1])
    return np.stack(rows)


def seed_interval(values, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(mean, 95 % CI half-width) over seeds along ``axis``; the half-width is NaN for one seed."""
    # scipy is slow to import and needed only here
    from scipy.stats import t as student_t

    values = np.asarray(values, dtype=np.float64)
    m = values.shape[axis]
    mean = values.mean(axis=axis)
    if m < 2:
        return mean, np.full_like(mean, np.nan)
    half = student_t.ppf(0.975, m - 1) * values.std(axis=axis, ddof=1) / np.sqrt(m)
    return mean, half


def ensemble_scores(members: Sequence, source, protocol, *, stimulus=None,
                    skip_frames: np.ndarray | None = None,
                    breaks: np.ndarray | None = None) -> xr.Dataset:
    """Score fitted forecasters (the seeds of one model) as an ensemble on every test set.

    members: at least 2 fitted forecasters with the same horizon. source: (time, neuron)
    array-like of traces; stimulus: (time, covariate) or None. skip_frames: optional bool
    (time,), True for frames holding NaN/inf; breaks: optional bool (time,), True at the first
    frame after a pause in acquisition. The windows touching a skipped frame or crossing a
    pause are left out, as ``evaluate`` leaves them out: never predicted, never in a sum (a
    condition left with none is NaN). Returns a Dataset with the variables described in the
    module docstring, dims (member,) condition, steps_ahead, and coord ``heldout``
    (condition,). Raises NonFiniteError on NaN targets or forecasts of the windows scored.
    """
    import scoringrules as sr  # a maintained CRPS implementation (its numba backend)

    if len(members) < 2:
        raise ConfigError(f"an ensemble needs at least 2 members, got {len(members)}",
                          "train the model with 2 or more seeds")
    n_m, h = len(members), protocol.horizon
    other = [k for k, m in enumerate(members) if getattr(m, "horizon", h) != h]
    if other:
        raise ConfigError(f"member {other[0]} forecasts {members[other[0]].horizon} steps ahead, "
                          f"the protocol's horizon is {h}", "give members fitted with the "
                          "protocol's horizon (the seeds of one model)")
    tests = segments_for(source, protocol, "test", stimulus=stimulus)
    n_c = len(tests)
    sums = {k: np.zeros((n_c, h)) for k in ("ens_abs", "crps", "var", "sq")}
    member_abs = np.zeros((n_m, n_c, h))
    count = np.zeros((n_c, h))
    n_neurons = int(source.shape[1])
    batch = max(1, _BATCH_VALUES // (h * n_neurons * (n_m + 2)))
    with progress(sum(s.n_windows for s in tests), "ensemble", "window") as bar:
        for j, seg in enumerate(tests):
            valid = (None if skip_frames is None and breaks is None
                     else valid_windows(seg, skip_frames, breaks))
            for first, ctx_all, tgt_all in seg.windows(seg.load(), batch):
                for a, b in valid_runs(valid, first, ctx_all.shape[0]):  # as score_segment
                    whole = a == 0 and b == ctx_all.shape[0]
                    ctx = ctx_all if whole else np.ascontiguousarray(ctx_all[a:b])
                    tgt = tgt_all if whole else tgt_all[a:b]
                    meta = seg.meta(first + a, b - a)
                    fct = np.stack([m.predict(ctx, meta) for m in members])  # (M, b, H, N)
                    if not (np.isfinite(fct).all() and np.isfinite(tgt).all()):
                        raise NonFiniteError(f"NaN or inf in the forecasts or targets of condition "
                                             f"{seg.condition!r}", "mask or fill missing values before scoring")
                    err = fct - tgt  # members first: every reduction below runs over whole blocks
                    member_abs[:, j] += np.abs(err).sum(axis=(1, 3))
                    mean_err = err.mean(axis=0)
                    sums["ens_abs"][j] += np.abs(mean_err).sum(axis=(0, 2))
                    sums["sq"][j] += (mean_err**2).sum(axis=(0, 2))
                    sums["var"][j] += fct.var(axis=0, ddof=1).sum(axis=(0, 2))
                    crps = sr.crps_ensemble(tgt, sorted_members(fct), m_axis=0, sorted_ensemble=True,
                                            backend="numba")  # in the forecasts' dtype
                    sums["crps"][j] += np.asarray(crps, dtype=np.float64).sum(axis=(0, 2))
                    count[j] += tgt.shape[0] * tgt.shape[2]
                bar.update(ctx_all.shape[0])
    if not count.all():  # a condition with every test window left out: NaN, not 0/0
        count = np.where(count > 0, count, np.nan)
    spread = np.sqrt(sums["var"] / count)
    skill = np.sqrt(sums["sq"] / count)
    dims = ("condition", "steps_ahead")
    return xr.Dataset(
        {"member_mae": (("member", *dims), member_abs / count),
         "ensemble_mae": (dims, sums["ens_abs"] / count),
         "crps": (dims, sums["crps"] / count),
         "spread": (dims, spread), "skill": (dims, skill),
         "spread_skill": (dims, np.sqrt((n_m + 1) / n_m) * spread / skill)},
        coords={"member": np.arange(n_m), "condition": [s.condition for s in tests],
                "steps_ahead": np.arange(1, h + 1), "heldout": ("condition", [s.heldout for s in tests])},
        attrs={"n_members": n_m, "crps": "scoringrules.crps_ensemble (estimator 'qd', numba backend)"},
    )
