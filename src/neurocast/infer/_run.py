"""infer_connectivity and run_inference: methods → scores → scorecard, plots, report (private)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from neurocast._files import atomic_folder
from neurocast.data import dataset_connectome, scan_traces
from neurocast.data._schema import as_str
from neurocast.errors import ConfigError, FormatError, NeurocastError, NonFiniteError
from neurocast.infer._activity import Activity, as_activity
from neurocast.infer._linalg import check_dense_fits
from neurocast.infer._plots import module_order, plot_curves, plot_matrices
from neurocast.infer._registry import METHODS, InferenceMethod, get_method
from neurocast.infer._report import write_report
from neurocast.infer._score import MAX_PAIRS, pair_values, score_matrix, truth_matrix
from neurocast.infer._scorecard import build_scorecard, scorecard_summary, write_scorecard

__all__ = ["NAN_POLICIES", "InferenceResult", "default_methods", "infer_connectivity",
           "observed_subset", "run_inference"]

#: What run_inference does with NaN/inf in the traces.
NAN_POLICIES = {
    "raise": "refuse traces holding NaN/inf (the default: nothing is dropped silently)",
    "mask-neurons": "leave every neuron holding a NaN out of inference and scoring",
}


def infer_connectivity(data, method: str | InferenceMethod = "partial", *, dt_s: float | None = None,
                       neurons=None, **options):
    """Infer connectivity from activity with one method; returns its (N, N) score matrix.

    data: a neurocast Dataset (``neurocast.data.open_dataset``), an ``Activity``, or a
    (time, neuron) array (then ``dt_s`` gives seconds per frame). neurons: optional positions or
    mask of the neurons to use. options: the method's options (e.g. ``alpha=0.1``).
    Returns float32 (N, N) (``ridge-sparse``: scipy CSR), row = presynaptic, column =
    postsynaptic, diagonal 0; see ``METHODS[name].directed`` / ``.signed``.
    """
    act = data if isinstance(data, Activity) else as_activity(data, dt_s=dt_s, neurons=neurons)
    return get_method(method, **options).infer(act)


def default_methods(activity: Activity) -> list[str]:
    """The registered methods that apply to ``activity``: all dense ones, 'xcorr' only with spike
    counts ('ridge-sparse' is for brains too large for the dense methods; ask for it by name)."""
    return [name for name, cls in METHODS.items()
            if name != "ridge-sparse" and (activity.spike_counts is not None or not cls.needs_spikes)]


def observed_subset(n_neurons: int, fraction: float, seed: int = 0) -> np.ndarray:
    """Sorted positions of round(fraction · N) neurons drawn at random (seeded): a partially
    observed recording. fraction in (0, 1]; 1 gives every neuron."""
    if not (isinstance(fraction, (int, float, np.floating)) and 0 < fraction <= 1):
        raise ConfigError(f"observed fraction must lie in (0, 1], not {fraction!r}",
                          "e.g. 0.1 for 10 % of the neurons")
    k = max(2, round(fraction * n_neurons))
    if k >= n_neurons:
        return np.arange(n_neurons)
    return np.sort(np.random.default_rng(seed).choice(n_neurons, size=k, replace=False))


@dataclass
class InferenceResult:
    """What ``run_inference`` returns.

    scorecard: xarray.Dataset ``score`` (method, metric); summary: {method: {metric: value}};
    scores: {method: (N, N) score matrix}; curves: {method: ROC/PR points};
    timings: {method: seconds}; files: written paths (empty without out_dir); notes: one line
    each on the neurons left out and why, names matched ignoring case, connections of unknown
    sign and the metrics the true wiring leaves undefined.
    """

    scorecard: object
    summary: dict
    scores: dict
    curves: dict
    timings: dict
    files: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def run_inference(data, *, truth=None, methods=None, out_dir=None, seed: int = 0,
                  observed: float = 1.0, frames=None, dt_s: float | None = None,
                  max_pairs: int | None = None, title: str = "neurocast inference",
                  keep_scores: bool = False, nan: str = "raise") -> InferenceResult:
    """Run inference methods on a recording and score them against the true wiring.

    data: a Dataset (xarray; its stored connectome is the default truth when it was opened with
      ``open_dataset``) or a (time, neuron) array (then give ``truth`` and ``dt_s``).
    truth: a Connectome (or None: ``neurocast.data.dataset_connectome(data)``).
    methods: names (default ``default_methods``); observed: share of neurons kept (random,
      seeded by ``seed``); frames: optional slice of frames; seed: the neuron subset and the
      sample of non-edges (large N); the methods themselves are deterministic.
    out_dir: if given, writes infer_scorecard.nc/.csv, roc_pr.png, matrices.png, report.html.
    keep_scores: keep every method's full (N, N) matrix in ``result.scores`` (memory: 4·N²
      bytes each); the figures need only the ≤ 200 drawn neurons, kept anyway.
    nan: one of ``NAN_POLICIES``: 'raise' (NonFiniteError on NaN/inf) or 'mask-neurons' (leave
      out the neurons holding any, with a note).
    A Dataset's neurons are matched to the truth by name (ignoring case if only that matches,
    with a note), never by position: FormatError if some are not in the truth (an array's
    neuron k is the truth's neuron k).
    Unnamed neurons of a Dataset (empty ``label``: a partly identified recording) that the truth
    does not name are left out (their wiring is unknown), with a note; the observed share is
    drawn among the neurons left.
    Returns an InferenceResult. Raises FormatError without a truth, UnknownNameError for an
    unknown method, ConfigError for a method that does not apply (e.g. xcorr without spikes) or
    when leaving out the neurons holding NaN and the unnamed ones leaves fewer than 2.
    """
    if truth is None and isinstance(data, xr.Dataset):
        truth = dataset_connectome(data)
    if truth is None:
        raise FormatError("no true connectome to score against",
                          "give the true wiring (--truth CONNECTOME), or use a dataset saved with its "
                          "connectome (neurocast record)")
    if out_dir is not None and Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise NeurocastError(f"output folder '{out_dir}' is a file", "choose another --out folder")
    if nan not in NAN_POLICIES:
        raise ConfigError(f"unknown NaN policy {nan!r}",
                          "choose one of: " + ", ".join(NAN_POLICIES))
    n_all = data.sizes["neuron"] if isinstance(data, xr.Dataset) else np.asarray(data).shape[1]
    notes: list[str] = []
    usable = _usable_neurons(data, truth, frames, nan, notes)
    keep = usable[observed_subset(len(usable), observed, seed)]
    keep = None if len(keep) == n_all else keep
    n_used = n_all if keep is None else len(keep)
    if methods:  # before reading the traces: a brain too large for a dense method fails at once
        for m in methods:
            if get_method(m).dense:
                check_dense_fits(n_used, m)
    try:
        act = as_activity(data, dt_s=dt_s, neurons=keep, frames=frames)
    except NonFiniteError:
        raise NonFiniteError("the recording holds NaN or inf",
                             "leave out the neurons holding them with --nan mask-neurons") from None
    true_w = truth_matrix(truth, act.names if isinstance(data, xr.Dataset) else None, notes)
    if not isinstance(data, xr.Dataset) and keep is not None:
        true_w = true_w[keep][:, keep].tocsr()
    if true_w.shape[0] != act.n_neurons:
        raise FormatError(f"the truth has {true_w.shape[0]} neurons, the activity {act.n_neurons}",
                          "give the connectome the recording was made from")
    names = list(methods) if methods else default_methods(act)
    for m in names:
        if get_method(m).dense:
            check_dense_fits(act.n_neurons, m)
    insts = {m: get_method(m) for m in names}
    types = _types(truth, act)
    order = module_order(types)  # the neurons drawn in the matrix figure
    ii, jj = np.meshgrid(order, order, indexing="ij")
    truth_panel = np.nan_to_num(pair_values(true_w, ii.ravel(), jj.ravel()))  # unknown sign: 0
    panels = {"truth (signed synapse count)": truth_panel.reshape(ii.shape)}
    scores, results, curves, timings = {}, {}, {}, {}
    for m, inst in insts.items():
        t0 = time.perf_counter()
        s = inst.infer(act)
        timings[m] = round(time.perf_counter() - t0, 3)
        res, cur = score_matrix(s, true_w, directed=inst.directed, signed=inst.signed,
                                max_pairs=max_pairs or MAX_PAIRS, seed=seed, curves=True)
        results[m], curves[m] = res, cur
        panels[m] = pair_values(s, ii.ravel(), jj.ravel()).reshape(ii.shape)
        if keep_scores:
            scores[m] = s
        del s
    n_edges = _note_undefined(true_w, act.n_neurons, notes)
    card = build_scorecard(results, insts, attrs={
        "n_neurons": act.n_neurons, "n_frames": act.n_frames, "dt_s": act.dt_s, "n_edges": n_edges,
        "observed": float(observed), "seed": int(seed), "truth": getattr(truth, "name", ""),
        "wall_s": timings, "options": {m: i.options() for m, i in insts.items()}, "notes": notes})
    result = InferenceResult(card, scorecard_summary(card), scores, curves, timings,
                             notes=tuple(notes))
    if out_dir is not None:
        final = Path(out_dir)
        with atomic_folder(final) as out:  # a failed write (disk full, ...) leaves no partial folder
            files = write_scorecard(card, out)
            base = next(iter(results.values()))["base_rate"] if results else None
            files["roc_pr"] = plot_curves(curves, out / "roc_pr.png", base_rate=base)
            images = {"ROC and precision–recall curves (edge existence)": files["roc_pr"]}
            files["matrices"] = plot_matrices(panels, out / "matrices.png",
                                              labels=np.asarray(types)[order])
            images["inferred vs true weights, neurons ordered by module/type"] = files["matrices"]
            files["report"] = write_report(card, images, out / "report.html", title=title)
        result.files = {k: final / p.relative_to(out) for k, p in files.items()}
    return result


def _note_undefined(true_w, n_neurons: int, notes: list[str]) -> int:
    """Add a note for the connections of unknown sign and for every metric the true wiring of
    the scored neurons leaves undefined; return the number of true edges (off the diagonal)."""
    coo = true_w.tocoo()
    w = coo.data[coo.row != coo.col]
    if not len(w):
        notes.append(f"the true connectome has no connection among the {n_neurons} neurons "
                     "scored: no metric is defined (observe more neurons, e.g. a larger --observed)")
        return 0
    known = w[np.isfinite(w)]
    if len(known) < len(w):
        notes.append(f"{len(w) - len(known):,} of the {len(w):,} true connections have an unknown "
                     "sign (weight 0): scored as edges, left out of the sign metrics (to sign "
                     "them, give the truth a sign or transmitter column: docs/connectomes.md)")
    undefined = [what for what, gone in (
        ("auroc_exc, auprc_exc (no excitatory connection)", not (known > 0).any()),
        ("auroc_inh, auprc_inh (no inhibitory connection)", not (known < 0).any()),
        ("weight_corr, sign_accuracy (no connection of known sign)", not len(known)),
        ("weight_corr (fewer than 3 connections of known sign, or all of one weight)",
         0 < len(known) and (len(known) < 3 or np.ptp(known) == 0))) if gone]
    if undefined:
        notes.append(f"undefined for these {n_neurons} neurons: " + "; ".join(undefined))
    return len(w)


def _usable_neurons(data, truth, frames, nan: str, notes: list[str]) -> np.ndarray:
    """Positions (int64, sorted) of the neurons to infer on: all, less those holding NaN (with
    ``nan='mask-neurons'``) and the unnamed ones the truth does not name; a note for each kind.
    Raises ConfigError if leaving them out leaves fewer than 2 neurons."""
    dataset = isinstance(data, xr.Dataset)
    traces = data["traces"] if dataset else np.asarray(data)
    usable = np.ones(traces.shape[1], dtype=bool)
    has_nan = unnamed = np.zeros(traces.shape[1], dtype=bool)
    if nan == "mask-neurons":
        used = traces[frames if frames is not None else slice(None)]
        has_nan = scan_traces(used).nan_per_neuron > 0
        if has_nan.any():
            usable &= ~has_nan
            notes.append(f"{int(has_nan.sum())} neuron(s) holding NaN left out of inference and "
                         "scoring")
    if dataset and "label" in data.coords:
        unnamed = (as_str(data["label"].values) == "") & ~np.isin(as_str(data["neuron"].values),
                                                                 as_str(truth.names))
        if unnamed.any():
            usable &= ~unnamed
            notes.append(f"{int(unnamed.sum())} of the recording's {usable.size} neurons are "
                         f"unnamed and not in connectome '{truth.name}': left out of inference "
                         "and scoring (their wiring is unknown)")
    if usable.sum() < 2 and not usable.all():
        _too_few_left(int(usable.sum()), usable.size, int(has_nan.sum()), int(unnamed.sum()), truth)
    return np.flatnonzero(usable)


def _too_few_left(n_left: int, n_all: int, n_nan: int, n_unnamed: int, truth) -> None:
    """Raise ConfigError: leaving out n_nan neurons holding NaN and n_unnamed unnamed ones left
    n_left (< 2) of n_all."""
    why, hints = [], []
    if n_nan:
        why.append(f"{n_nan} hold NaN (--nan mask-neurons)")
        hints.append("fill the gaps first, e.g. in Python ds['traces'] = ds.traces.fillna(0), then "
                     "neurocast.data.save_dataset(ds, NEW_PATH)")
    if n_unnamed:
        why.append(f"{n_unnamed} are unnamed and not in connectome '{truth.name}'")
        hints.append("name the neurons (the dataset's 'label' coordinate) or give the connectome "
                     "they were recorded from (--truth, or neurocast.data.attach_connectome)")
    raise ConfigError(f"only {n_left} of the recording's {n_all} neurons left to infer on, 2 "
                      f"needed: {' and '.join(why)}", "; or ".join(hints))


def _types(truth, act: Activity) -> np.ndarray:
    """The neuron type/module label of each recorded neuron (for ordering matrix plots)."""
    table = truth.neurons
    pos = pd.Index(table["name"].astype(str)).get_indexer(act.names)
    col = table["type"].astype(str).to_numpy()
    if (pos < 0).any():
        return np.asarray(act.names)
    return col[pos]
