"""infer_connectivity and run_inference: methods → scores → scorecard, plots, report (private)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import xarray as xr

from neurocast._files import atomic_folder
from neurocast._numbers import is_real
from neurocast._progress import progress
from neurocast.data import (
    CONSTANT_ATOL,
    as_str,
    connectome_positions,
    dataset_connectome,
    orient_dataset,
    scan_traces,
)
from neurocast.errors import ConfigError, FormatError, NeurocastError, NonFiniteError
from neurocast.infer._activity import (
    Activity,
    _frames,
    activity_dataset,
    activity_dims,
    as_activity,
)
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
    "skip-frames": "leave out every frame holding a NaN; no frames are paired across such a gap",
}

#: Fewer frames than this get a note: a correlation from T frames has a standard error of
#: about 1/√T (0.1 at 100 frames), as large as the effects being ranked.
FEW_FRAMES = 100
#: Fewer true edges or non-edges than this among the scored pairs get a note: AUROC and AUPRC
#: then take only a few values.
FEW_PAIRS = 5
#: observed_subset keeps at least this many neurons (a connection needs two).
MIN_OBSERVED = 2


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


def _note_left_out(activity: Activity, notes: list[str]) -> None:
    """Name the methods ``default_methods`` leaves out because the recording has no spike counts."""
    spiking = [name for name, cls in METHODS.items() if cls.needs_spikes]
    if activity.spike_counts is None and spiking:
        notes.append(f"{', '.join(spiking)} left out: {'it needs' if len(spiking) == 1 else 'they need'} "
                     "spike counts, which this recording lacks (a recording of neurocast's "
                     "simulator stores them)")


def observed_subset(n_neurons: int, fraction: float, seed: int = 0) -> np.ndarray:
    """Sorted positions of round(fraction · N) neurons drawn at random (seeded): a partially
    observed recording, at least ``MIN_OBSERVED`` (2) of them: so round(fraction · N) may be
    raised (0.01 of 30 neurons keeps 2, not 0.3). fraction in (0, 1]; 1 gives every neuron."""
    if not (is_real(fraction) and 0 < fraction <= 1):
        raise ConfigError(f"observed fraction must lie in (0, 1], not {fraction!r}",
                          "e.g. 0.1 for 10 % of the neurons")
    k = max(MIN_OBSERVED, round(fraction * n_neurons))
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
                  keep_scores: bool = False, nan: str = "raise",
                  announce: Callable[[dict], None] | None = None) -> InferenceResult:
    """Run inference methods on a recording and score them against the true wiring.

    data: a Dataset (xarray; its stored connectome is the default truth when it was opened with
      ``open_dataset``), a 2-D DataArray such as ``ds.traces`` (then give ``truth``; ``dt_s``
      defaults to its attr ``dt_s``, else its time spacing) or a (time, neuron) array (then
      give ``truth`` and ``dt_s``). A Dataset or DataArray is oriented by its dim names, never
      by axis position: ``ds.transpose("neuron", "time")`` runs as ``ds`` does (a Dataset
      whose traces lack the dims time and neuron is a FormatError).
    truth: a Connectome (or None: ``neurocast.data.dataset_connectome(data)``).
    methods: a name, an ``InferenceMethod`` or a list of them (default ``default_methods``;
      ``methods="pearson"`` is one method); observed: share of neurons kept (random,
      seeded by ``seed``, drawn among the neurons left below; at least 2, so the share observed
      may exceed it: scorecard attrs ``observed`` (the share observed) and ``observed_asked``,
      and a note when the minimum raised it); frames: optional slice of frames; seed: the
      neuron subset and the sample of non-edges (large N); the methods themselves are
      deterministic.
    announce: optional callable, called once the neurons and frames are chosen and before the
      traces are read for the methods, with a dict: n_neurons (the recording's), n_usable (left
      after leaving out the neurons below), n_observed (used), n_frames (used), observed (share
      of n_usable observed), observed_asked (``observed``) and observed_text (e.g. '2 of the
      30 neurons observed (6.67 %; 1 % asked: 0.3 neurons, at least 2 kept)'); ``neurocast
      infer`` prints its first line from it. A progress bar (``neurocast._progress.progress``:
      stderr, silenced by ``--quiet``) then advances per method (inferring, then scoring) and
      for the figures.
    out_dir: if given, writes infer_scorecard.nc/.csv, roc_pr.png, matrices.png, report.html.
    keep_scores: keep every method's full (N, N) matrix in ``result.scores`` (memory: 4·N²
      bytes each); the figures need only the ≤ 200 drawn neurons, kept anyway.
    nan: one of ``NAN_POLICIES``: 'raise' (NonFiniteError on NaN/inf), 'mask-neurons' (leave
      out the neurons holding any, with a note) or 'skip-frames' (leave out the frames holding
      any, with a note; methods relating frame t to t + 1 never pair frames across the gap).
    Dead or constant channels (finite values spanning at most ``CONSTANT_ATOL``, or none) are
    left out of inference and scoring, with a note: a flat trace is evidence of nothing.
    Frames on either side of a pause in acquisition in the dataset's ``time`` (an interval that
    stands out from those around it: the rule of ``data.pause_intervals``) are never paired
    either. Notes also flag a recording too short to rank connections (fewer
    than ``FEW_FRAMES`` frames, or fewer frames than neurons), raw fluorescence, too few edges
    or non-edges to score, and a method that scored every pair the same.
    A Dataset's (and a DataArray's with a neuron coordinate) neurons are matched to the truth by
    name, never by position (``data.connectome_positions``: also ignoring case when that pairs
    each with its own neuron; an array's neuron k is the truth's neuron k). Neurons the truth
    does not name (unnamed, or partly identified such as 'AVA') are left out (their wiring is
    unknown), with notes; a truth naming none of them is a FormatError. The observed share is drawn among the neurons left.
    Selecting from the scorecard: its dimension ``method`` shares its name with the keyword of
    xarray's ``.sel``, so give a dict: ``result.scorecard["score"].sel({"method": "ridge"})``
    and ``.sel({"method": "ridge", "metric": "auroc"})`` (``.sel(method="ridge")`` would
    silently return every method; ``result.summary["ridge"]["auroc"]`` is the plain number).
    Returns an InferenceResult. Raises FormatError without a truth, UnknownNameError for an
    unknown method, NonFiniteError for NaN with nan='raise', ConfigError for a method that does
    not apply (e.g. xcorr without spikes, a lagged method without 2 consecutive frames), when
    leaving out the neurons holding NaN, the constant and the unnamed ones leaves fewer than 2,
    or when skipping the frames holding NaN leaves fewer than 3.
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
    methods = _method_list(methods)
    data, by_name = _oriented(data, dt_s)
    traces = data["traces"] if isinstance(data, xr.Dataset) else np.asarray(data)
    if traces.ndim != 2:
        raise FormatError(f"activity must be 2-D (time, neuron), got shape {traces.shape}",
                          "pass a matrix whose rows are frames and columns neurons")
    n_all = traces.shape[1]
    if frames is not None:
        frames = _frames(frames, traces.shape[0])  # in time order, each once (FormatError)
    notes: list[str] = []
    used = traces[frames if frames is not None else slice(None)]
    scan = scan_traces(used)
    usable, truth_pos = _usable_neurons(data, truth, scan, used, nan, notes, by_name=by_name)
    keep = usable[observed_subset(len(usable), observed, seed)]
    plan = {"n_neurons": int(n_all), "n_usable": len(usable), "n_observed": len(keep),
            "observed": len(keep) / len(usable), "observed_asked": float(observed)}
    plan["observed_text"] = _observed_text(plan)  # '2 of the 30 neurons observed (6.67 %; ...)'
    if len(keep) == MIN_OBSERVED and round(observed * len(usable)) < MIN_OBSERVED:
        notes.append(plan["observed_text"])
    if nan == "skip-frames":
        frames = _frames_without_nan(scan, keep, used, frames, traces.shape[0], notes)
    plan["n_frames"] = int(used.shape[0] if frames is None else np.arange(traces.shape[0])[frames].size)
    if announce is not None:
        announce(plan)
    keep = None if len(keep) == n_all else keep
    n_used = n_all if keep is None else len(keep)
    if methods:  # before reading the traces: a brain too large for a dense method fails at once
        for m in methods:
            if get_method(m).dense:
                check_dense_fits(n_used, get_method(m).name)
    act = as_activity(data, dt_s=dt_s, neurons=keep, frames=frames)
    _note_recording(act, data, notes)
    true_w = truth_matrix(truth)
    if true_w.shape[0] != n_all and not by_name:  # neuron k is truth's k
        raise FormatError(f"the truth has {true_w.shape[0]} neurons, the activity {n_all}",
                          "give the connectome the recording was made from")
    sel = truth_pos if keep is None else truth_pos[keep]
    if not (sel.size == true_w.shape[0] and np.array_equal(sel, np.arange(sel.size))):
        true_w = true_w[sel][:, sel].tocsr()
    if not methods:
        _note_left_out(act, notes)
    insts = {}
    for m in methods or default_methods(act):
        inst = get_method(m)
        if inst.name in insts:
            raise ConfigError(f"method '{inst.name}' is given twice",
                              "give each method once (to compare options, run twice)")
        if inst.dense:
            check_dense_fits(act.n_neurons, inst.name)
        insts[inst.name] = inst
    types = truth.neurons["type"].astype(str).to_numpy()[sel]
    order = module_order(types)  # the neurons drawn in the matrix figure
    ii, jj = np.meshgrid(order, order, indexing="ij")
    truth_panel = np.nan_to_num(pair_values(true_w, ii.ravel(), jj.ravel()))  # unknown sign: 0
    panels = {"truth (signed synapse count)": truth_panel.reshape(ii.shape)}
    scores, results, curves, timings = {}, {}, {}, {}
    # one step for inferring with each method, one for scoring it, one for the figures: the
    # command line shows nothing else for minutes on a large recording
    with progress(2 * len(insts) + (out_dir is not None), "infer", "step") as bar:
        for m, inst in insts.items():
            bar.set_description_str(f"infer {m}")
            t0 = time.perf_counter()
            s = inst.infer(act)
            timings[m] = round(time.perf_counter() - t0, 3)
            bar.update(1)
            if _all_zero(s):
                notes.append(f"method '{m}' scored every pair 0 (e.g. no spikes, or no "
                             "activity above its thresholds): its AUROC of 0.5 says nothing")
            if np.shape(s) != (act.n_neurons,) * 2:
                raise FormatError(f"method '{m}' returned scores shaped {np.shape(s)} for "
                                  f"{act.n_neurons} neurons", "an inference method returns a (neuron, "
                                  "neuron) matrix of the neurons it was given (Activity.traces' columns)")
            bar.set_description_str(f"score {m}")
            try:
                res, cur = score_matrix(s, true_w, directed=inst.directed, signed=inst.signed,
                                        max_pairs=max_pairs or MAX_PAIRS, seed=seed, curves=True)
            except FormatError as err:  # NaN or inf among its scores: name the method
                raise FormatError(f"method '{m}': {err.message}", err.hint) from None
            results[m], curves[m] = res, cur
            panels[m] = pair_values(s, ii.ravel(), jj.ravel()).reshape(ii.shape)
            if keep_scores:
                scores[m] = s
            del s
            bar.update(1)
        n_edges = _note_undefined(true_w, act.n_neurons, notes)
        card = build_scorecard(results, insts, attrs={
            "n_neurons": act.n_neurons, "n_frames": act.n_frames, "dt_s": act.dt_s,
            "n_edges": n_edges, "n_usable": plan["n_usable"], "observed": plan["observed"],
            "observed_asked": plan["observed_asked"], "seed": int(seed),
            "truth": getattr(truth, "name", ""), "wall_s": timings,
            "options": {m: i.options() for m, i in insts.items()}, "notes": notes})
        result = InferenceResult(card, scorecard_summary(card), scores, curves, timings,
                                 notes=tuple(notes))
        if out_dir is not None:
            bar.set_description_str("figures and report")
            final = Path(out_dir)
            with atomic_folder(final, "infer") as out:  # a failed write (disk full, ...) leaves no partial folder
                files = write_scorecard(card, out)
                base = next(iter(results.values()))["base_rate"] if results else None
                files["roc_pr"] = plot_curves(curves, out / "roc_pr.png", base_rate=base)
                images = {"ROC and precision–recall curves (edge existence)": files["roc_pr"]}
                files["matrices"] = plot_matrices(panels, out / "matrices.png",
                                                  labels=np.asarray(types)[order],
                                                  names=truth.neurons["name"].astype(str).to_numpy()[sel][order])
                images["inferred vs true weights, neurons ordered by module/type"] = files["matrices"]
                files["report"] = write_report(card, images, out / "report.html", title=title)
            result.files = {k: final / p.relative_to(out) for k, p in files.items()}
            bar.update(1)
    return result


def _method_list(methods) -> list | None:
    """run_inference's ``methods`` as a list: one name (or InferenceMethod) is one method, as
    record's plans read one condition (``methods="pearson"`` is not 'p', 'e', ...)."""
    if methods is None or isinstance(methods, (str, InferenceMethod)):
        return None if methods is None else [methods]
    try:
        return list(methods)
    except TypeError:
        raise ConfigError(f"methods takes a method name or a list of them, got {methods!r}",
                          f"e.g. methods=['pearson', 'ridge']; known: {', '.join(METHODS)}") from None


def _oriented(data, dt_s: float | None):
    """(data, by_name): a Dataset with its traces (time, neuron) by dim names
    (``orient_dataset``), a DataArray as such a Dataset (``activity_dataset``), an array as it is;
    by_name: whether its neurons are matched to the truth by name (a Dataset, a DataArray with a
    coordinate on its neuron dim) or by position (neuron k is the truth's neuron k)."""
    if isinstance(data, xr.DataArray):
        ds = activity_dataset(data, dt_s=dt_s)  # FormatError unless 2-D
        return ds, activity_dims(data)[1] in data.coords
    if isinstance(data, xr.Dataset):
        return orient_dataset(data), True
    return data, False


def _observed_text(plan: dict) -> str:
    """'2 of the 30 neurons observed (6.67 %; 5 % asked: 1.5 neurons, rounded)' or '... (6.67 %;
    1 % asked: 0.3 neurons, at least 2 kept)' (the asked share only when it differs from what
    ran) from run_inference's ``announce`` dict."""
    k, n = plan["n_observed"], plan["n_usable"]
    of = f"{k:,} of the {n:,} neurons" if k < n else f"all {n:,} neurons" if n > 2 else "both neurons"
    if plan["observed_asked"] >= 1:
        return f"{of} observed"
    asked, share = plan["observed_asked"] * 100, plan["observed"] * 100
    extra = ""
    if f"{share:.3g}" != f"{asked:.3g}":  # what ran differs from what was asked: say why
        exact = plan["observed_asked"] * n
        why = (f"at least {MIN_OBSERVED} kept" if round(exact) < MIN_OBSERVED <= k
               else "rounded")
        extra = f"; {asked:.3g} % asked: {exact:.3g} neurons, {why}"
    return f"{of} observed ({share:.3g} %{extra})"


def _note_recording(act: Activity, data, notes: list[str]) -> None:
    """Add a note for a recording too short to rank connections, for gaps between its frames
    and for raw fluorescence."""
    t, n = act.n_frames, act.n_neurons
    if t < FEW_FRAMES or t <= n:
        why = [f"a correlation from {t} frames has a standard error of about "
               f"1/√{t} = {1 / np.sqrt(t):.2f}"] if t < FEW_FRAMES else []
        if t <= n:
            why.append(f"with no more frames than neurons ({n}) the covariance is singular: "
                       "partial, ridge and challenge rest on their regularisation")
        notes.append(f"only {t} frames: {'; '.join(why)}; the scores are unreliable (record "
                     "longer)")
    if len(act.segment_starts):
        notes.append(f"the {t} frames fall into {len(act.segment_starts) + 1} stretches separated "
                     "by gaps (a pause in the frame times, or frames left out): methods relating "
                     "frame t to frame t + 1 pair no frames across a gap")
    if isinstance(data, xr.Dataset) and data.attrs.get("trace_kind") == "fluorescence":
        notes.append("the traces are raw fluorescence (F), not ΔF/F: every method z-scores each "
                     "trace, so the unit does not matter, but a slow drift of the baseline "
                     "(bleaching) that ΔF/F would remove adds to every correlation, and "
                     "ridge-deconv's cut at 0 assumes ΔF/F's baseline of 0")


def _all_zero(scores) -> bool:
    """True if an (N, N) score matrix (dense or scipy sparse) scores every pair 0: all tie."""
    return scores.count_nonzero() == 0 if sp.issparse(scores) else not scores.any()


def _note_undefined(true_w, n_neurons: int, notes: list[str]) -> int:
    """Add a note for the connections of unknown sign and for every metric the true wiring of
    the scored neurons leaves undefined; return the number of true edges (off the diagonal)."""
    coo = true_w.tocoo()
    w = coo.data[coo.row != coo.col]
    if not len(w):
        notes.append(f"the true connectome has no connection among the {n_neurons} neurons "
                     "scored: no metric is defined (observe more neurons, e.g. a larger --observed)")
        return 0
    n_non = n_neurons * (n_neurons - 1) - len(w)
    if min(len(w), n_non) < FEW_PAIRS:
        notes.append(f"only {len(w)} true edge(s) and {n_non} non-edge(s) among the {n_neurons} "
                     "neurons scored: AUROC and AUPRC take only a few values and rank the methods "
                     "by chance (score more neurons)")
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
        notes.append(f"undefined among the {n_neurons} neurons scored: " + "; ".join(undefined))
    return len(w)


def _usable_neurons(data, truth, scan, used, nan: str, notes: list[str], *,
                    by_name: bool) -> np.ndarray:
    """Positions (int64, sorted) of the neurons to infer on: all, less the dead or constant ones,
    those holding NaN (with ``nan='mask-neurons'``) and those the truth does not name (unnamed,
    or named but not in it, e.g. partly identified: ``data.connectome_positions``);
    a note for each kind. scan: the ``TraceScan`` of the frames used, ``used`` their traces;
    by_name: match the neurons to the truth by name (else neuron k is the truth's neuron k).
    Raises NonFiniteError for NaN with ``nan='raise'``, ConfigError if fewer than 2 are left."""
    names = (as_str(data["neuron"].values) if isinstance(data, xr.Dataset)
             else np.arange(scan.constant.size).astype(str))
    none = np.zeros(names.size, dtype=bool)
    left_out = {"constant": scan.constant, "nan": (scan.nan_per_neuron > 0) & ~scan.constant,
                "unnamed": none, "missing": none}
    if left_out["constant"].any():
        notes.append(f"{int(left_out['constant'].sum())} dead or constant channel(s) (values "
                     f"spanning at most {CONSTANT_ATOL:g}, or none finite) left out of inference and "
                     f"scoring (e.g. {', '.join(names[left_out['constant']][:3])}): a flat trace is "
                     "evidence of no connection")
    if left_out["nan"].any() and nan == "raise":
        raise NonFiniteError(
            f"the recording holds {int(scan.nan_per_neuron[left_out['nan']].sum())} NaN/inf "
            f"value(s) in {int(left_out['nan'].sum())} neuron(s) and "
            f"{int(scan.bad_frames_among(left_out['nan'], used).sum())} frame(s)", "leave out the neurons holding them with --nan mask-neurons, or the frames "
            "holding them with --nan skip-frames (in Python: run_inference(ds, nan=...))")
    if nan != "mask-neurons":
        left_out["nan"] = none
    elif left_out["nan"].any():
        notes.append(f"{int(left_out['nan'].sum())} neuron(s) holding NaN/inf left out of inference "
                     "and scoring")
    pos = np.arange(names.size)  # an array's neuron k is the truth's neuron k
    if by_name:
        pos, matching = connectome_positions(data, truth)
        notes.extend(matching)
        out = pos < 0
        if out.any():
            labels = as_str(data["label"].values) if "label" in data.coords else names
            unnamed = out & (labels == "")
            left_out["unnamed"], left_out["missing"] = unnamed, out & ~unnamed
            k = int(out.sum())
            if unnamed.any():
                which = "unnamed and not" if unnamed.sum() == k else "unnamed or not"
                notes.append(f"{k} of the recording's {names.size} neurons {_is(k)} {which} "
                             f"in connectome '{truth.name}': left out of inference and scoring "
                             "(their wiring is unknown)")
            else:  # the matching note above names them
                notes.append("that neuron is left out of inference and scoring" if k == 1 else
                             f"those {k} are left out of inference and scoring")
    usable = ~(left_out["constant"] | left_out["nan"] | left_out["unnamed"] | left_out["missing"])
    if usable.sum() < 2:
        _too_few_left(int(usable.sum()), usable.size, left_out, truth)
    return np.flatnonzero(usable), pos


def _is(k: int) -> str:
    return "is" if k == 1 else "are"


def _too_few_left(n_left: int, n_all: int, left_out: dict[str, np.ndarray], truth) -> None:
    """Raise ConfigError: leaving out the neurons marked in left_out (bool masks: constant, nan,
    unnamed, missing: named but not in the truth) left n_left (< 2) of n_all. Each neuron is
    counted once, under the first of those reasons that applies (the counts add up to the
    neurons left out); the neurons that have a later reason too are counted after them."""
    taken = np.zeros(n_all, dtype=bool)
    n_out, also = {}, {}
    for key, mask in left_out.items():
        n_out[key], also[key] = int((mask & ~taken).sum()), int((mask & taken).sum())
        taken |= mask
    name = truth.name
    says = {  # reason -> (n -> what n neurons are), hint
        "constant": (lambda n: f"{_is(n)} dead or constant (values spanning at most "
                               f"{CONSTANT_ATOL:g}, or no finite value)",
                     "check the recording (neurocast data info lists the constant channels; "
                     "values in tiny units need rescaling)"),
        "nan": (lambda n: f"{'holds' if n == 1 else 'hold'} NaN/inf (--nan mask-neurons)",
                "leave out the frames holding NaN instead: --nan skip-frames "
                "(run_inference(ds, nan='skip-frames'))"),
        "unnamed": (lambda n: f"{_is(n)} unnamed and not in connectome '{name}'",
                    "name the neurons (the dataset's 'label' coordinate) or give the connectome "
                    "they were recorded from (--truth, or neurocast.data.attach_connectome)"),
        "missing": (lambda n: f"{_is(n)} named but not in connectome '{name}'",
                    "give the neurons the connectome's names (neurocast data import ... --names "
                    "FILE) or give the connectome they were recorded from (--truth)"),
    }
    why = [f"{n} {says[k][0](n)}" for k, n in n_out.items() if n]
    if not why:  # nothing left out: the recording itself has fewer than 2 neurons
        raise ConfigError(f"the recording has {n_all} neuron{'' if n_all == 1 else 's'}; inferring "
                          "connections needs at least 2",
                          "give a recording of 2 or more neurons")
    more = [f"{n} of these {says[k][0](n)}" for k, n in also.items() if n]
    overlap = (f" (each neuron counted once, under the first reason; also: {'; '.join(more)})"
               if more else "")
    hints = list(dict.fromkeys(says[k][1] for k in left_out if n_out[k] or also[k]))
    raise ConfigError(f"only {n_left} of the recording's {n_all} neurons left to infer on, 2 "
                      f"needed: {' and '.join(why)}{overlap}", "; or ".join(hints))


def _frames_without_nan(scan, keep: np.ndarray, used, frames, n_total: int,
                        notes: list[str]) -> np.ndarray:
    """Positions (among the n_total frames of the recording) of the frames of ``frames`` (a slice
    or None) where none of the neurons ``keep`` (positions) holds NaN; a note on how many were
    left out. used: the traces of ``frames``; scan: their TraceScan. ConfigError if fewer than
    3 remain."""
    mask = np.zeros(scan.constant.size, dtype=bool)
    mask[keep] = True
    bad = scan.bad_frames_among(mask, used)
    at = np.arange(n_total)[slice(None) if frames is None else frames]
    if (~bad).sum() < 3:
        raise ConfigError(f"only {int((~bad).sum())} of the {bad.size} frames hold no NaN in the "
                          "neurons used, 3 needed (nan='skip-frames')",
                          "leave out the neurons holding NaN instead (--nan mask-neurons)")
    if bad.any():
        notes.append(f"{int(bad.sum())} of the {bad.size} frames hold NaN/inf: left out of inference")
    return at[~bad]


