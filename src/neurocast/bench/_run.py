"""run_benchmark: fit forecasters, score them on every test set, write the scorecard and report."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neurocast._defaults import DEFAULT_MODELS
from neurocast._files import atomic_folder, require_output_folder
from neurocast.bench._cluster import check_cluster_run, evaluate_on_cluster
from neurocast.bench._ensemble import ensemble_scores
from neurocast.bench._evaluate import evaluate
from neurocast.bench._inputs import (
    neuron_groups,
    recorded_connectome,
    scoring_protocol,
)
from neurocast.bench._metrics import METRICS, WindowStats
from neurocast.bench._neuron_selection import NAN_POLICIES, aligned_mask, select_neurons
from neurocast.bench._pauses import pause_note, recording_breaks
from neurocast.bench._report import plot_heatmap, plot_mae_curves, write_report
from neurocast.bench._run_notes import (
    SEEDS_NOTE,
    check_seed_options,
    ensemble_applies,
    note_dropped,
    note_hidden,
    note_short,
    note_unscored,
    note_untrained,
)
from neurocast.bench._scorecard import build_scorecard, summary_table, write_scorecard
from neurocast.bench._seeds import (
    add_ensembles,
    add_training,
    fit_setup,
    is_seeded,
    load_seeded,
    model_file,
    reuse_saved,
    save_seeded,
    seeded,
    stack_runs,
)
from neurocast.bench._signals import deferred_signals
from neurocast.bench._statistics import write_statistics
from neurocast.data import (
    Protocol,
    check_stimulus_finite,
    dataset_connectome,
    finite_segments,
    orient_dataset,
    realism_plots,
    realism_stats,
    reference_group,
    segments_for,
)
from neurocast.errors import ConfigError, FormatError, NeurocastError, NonFiniteError
from neurocast.models import Forecaster, get_model, parse_model_names
from neurocast.models.deep import LearnedForecaster, dataset_identity, resolve_device

__all__ = ["DEFAULT_MODELS", "BenchResult", "neuron_groups", "run_benchmark"]


@dataclass
class _Passes:
    """What the ``run_benchmark`` passes of one run share (``run_wirings``: one pass per wiring;
    only it passes them, so a run given ``_passes`` is a pass of a ``--wiring`` run)."""

    identity: dict | None = None  # dataset_identity(ds), hashed once when a model is saved or loaded
    interrupted: bool = False  # Ctrl-C ended a training: no learned model trains after it


class _NothingScored(KeyboardInterrupt):
    """Ctrl-C left a ``run_benchmark`` pass nothing to score (``notes``: why); ``run_wirings``
    goes on with its other passes, any other caller sees a KeyboardInterrupt."""

    def __init__(self, notes):
        super().__init__("Ctrl-C left nothing to score: " + "; ".join(notes))
        self.notes = tuple(notes)


@dataclass(frozen=True)
class BenchResult:
    """What ``run_benchmark`` produced.

    scorecard: the xarray scorecard; protocol: the forecasting protocol it was scored under;
    summary: headline numbers per model (``summary_table``); files: written files by kind;
    timings: {model: {"fit_s", "evaluate_s"}} in seconds (summed over seeds and folds; a learned
    model's evaluate_s includes its ensemble pass). notes: what was left out and why
    (constant channels, NaN windows or neurons, windows across pauses, models that do not
    apply), one line each.
    """

    scorecard: object
    protocol: Protocol
    summary: dict
    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def run_benchmark(ds, *, models=DEFAULT_MODELS, context: int | None = None,
                  horizon: int | None = None, protocol: str | Protocol | None = None, metrics=None,
                  out_dir=None, title: str | None = None, mask=None, group_by: str | None = None,
                  connectome=None, batch_windows: int | None = None, nan: str = "raise",
                  keep_constant: bool = False, cv_folds: int = 0, heldout_neurons: float | None = None,
                  neuron_seed: int | None = None, client=None, chunk_windows: int | None = None,
                  realism: bool = True, seeds: int = 1, device: str | None = None,
                  max_steps: int | None = None, save_models=None, load_models=None,
                  _passes: _Passes | None = None) -> BenchResult:
    """Fit every model on the train split, score it on every test set, build the scorecard.

    ds: a Dataset in the shared schema (in memory or lazily opened); variables whose dims are
    the schema's in another order (``ds.transpose("neuron", "time")``) are put back in order by
    their dim names, other dims are a FormatError (``validate_dataset``'s). models: registry names
    ('a,b,c' or a list), or unfitted Forecaster instances (scored under their ``name``).
    context, horizon: C and H in frames (None: ``DEFAULT_CONTEXT`` and ``DEFAULT_HORIZON``, or
    the protocol's when ``protocol`` is a Protocol).
    protocol: a preset name ('zapbench', 'conditions', 'single') or None (the dataset's own
    ``protocol`` attr, else conditions if the dataset has several, else single); or a
    ``Protocol`` of this dataset, e.g. ``protocol_for_dataset(ds, max_context=64, context=4,
    horizon=8)`` (its frames and condition blocks must be the dataset's, and context, horizon,
    heldout_neurons and neuron_seed given here must agree with it: ConfigError; no folds in it:
    use cv_folds).
    metrics: names in METRICS (default: every registered metric). out_dir: if given, write
    scorecard.nc/.csv, statistics.nc, mae_curves.png, heatmap.png and report.html there
    (atomically). mask: optional, True where a target value counts: a bool array shaped (time,
    neuron), by position, or an ``xarray.DataArray`` with dims time and neuron (either order),
    aligned by its time and neuron coordinates (which must be the dataset's; ``aligned_mask``);
    ConfigError otherwise, naming the expected shape. group_by: also score neuron groups: a
    column of the connectome's neuron table (e.g. 'type') or a dataset coordinate along
    ``neuron``; ``connectome`` defaults to the dataset's own (it is also what forecasters that
    need the wiring, e.g. connectome-linear, are built with).
    heldout_neurons, neuron_seed: hold out this fraction of the neurons (``Protocol``): hidden
    from the test contexts, the only ones scored (None: 0.0 and 0, or the protocol's).
    nan: what to do with NaN/inf in the traces, one of ``NAN_POLICIES`` ('raise', 'skip-windows',
    'mask-neurons'); the scorecard counts what was left out (``n_windows_skipped`` per
    condition, attrs ``nan_policy``, ``neurons_left_out``). Pauses in acquisition (frame times
    that jump, ``data.pause_intervals`` of the ``time`` coordinate): every window whose frames
    lie on both sides of a pause is left out of fitting and scoring, whatever ``nan`` says
    (counted in ``n_windows_skipped``; a note says how many); the windows on either side stay.
    keep_constant: score dead/constant channels too (by default they are left out of fitting
    and scoring: they only reward predicting a flat line). A ``stimulus`` model is left out
    (with a note) on datasets without stimulus covariates. cv_folds: blocked cross-validation
    with this many folds (0 = off): every fold is fitted and scored (``Protocol.folds``), and
    each condition's test windows of all folds are pooled (every frame of a training condition
    is then a test target once).
    client: a ``distributed.Client``: the test windows are then scored as Dask tasks in chunks
    of ``chunk_windows`` (``evaluate_on_cluster``; the dataset must be a store on disk, read
    by the workers; no mask or folds, ConfigError naming which; NaN windows, pauses and the
    neurons left out (dead/constant channels, neurons holding NaN) are left out as in memory:
    the tasks read and score the kept neurons only); the scorecard is identical bit for bit,
    and each model's evaluate_s is the time of the one evaluation of all models.
    seeds: train every learned forecaster (``models.deep``) with seeds 0..seeds−1 (its
    ``TrainConfig.seed`` is replaced), and fit a connectome model under a random wiring control
    ('permuted', 'rewired') once per seed, seed k drawing the control with its config's seed + k;
    deterministic models (the baselines, connectome-linear under 'true' or 'none') are fitted
    and scored once, as seed 0. The scorecard then has ``score_by_seed`` (model, seed, condition,
    steps_ahead, metric; NaN where a model did not run), ``score`` = the mean over a model's
    seeds, ``score_ci`` = its 95 % CI half-width (Student's t over seeds, NaN for one seed),
    ``n_seeds`` (model,), and per learned model and seed ``train_s``, ``epochs``, ``steps``,
    and ``n_parameters`` (model,). With 2 or more seeds the seeds of a model form an ensemble:
    ``ensemble_mae``, ``crps`` (scoringrules), ``spread``, ``skill`` and ``spread_skill``
    (model, condition, steps_ahead; ``ensemble_scores``), computed in a second streamed pass
    over the same test windows (not with folds, masks or held-out neurons: a note says so;
    windows touching a NaN frame under 'skip-windows', or across pauses, are left out of it too).
    device: 'auto' (a GPU when torch sees one), 'cpu' or 'cuda' for the learned models (None:
    their configured device). max_steps: cap on their training steps (None: early stopping).
    Ctrl-C during a learned model's training ends it with its best weights so far (after its
    first validation; before it, that seed has no weights and is left out, with a note), trains
    no other learned model or seed (closed-form models are still fitted), and scores what is
    fitted (KeyboardInterrupt if nothing is); a second Ctrl-C aborts.
    save_models: a folder (not ``out_dir`` nor inside it: ConfigError); every fitted learned
    model is saved there as ``NAME-seedK.pt``
    (weights, config, dataset identity, code version; ``models.deep.save_model``); a model the
    folder already holds for the same dataset, configuration and fitting setup (``fit_setup``)
    is loaded instead of trained again (``reuse_saved``; a note says so), so a rerun trains
    only what is missing; any other file there is trained again and saved over, with a note
    saying why (what differs, 'interrupted' or 'cannot be read': ``reuse_saved``).
    load_models: a folder written by ``save_models``: the learned models are loaded instead of
    trained (FormatError if one was fitted on another dataset, or is missing; ConfigError for
    another C or H); baselines are fitted as usual.
    Raises ConfigError / FormatError / UnknownNameError for bad input (see the protocol),
    NonFiniteError for NaN/inf in the stimulus covariates (whatever ``nan`` says).
    realism: with ``out_dir``, also measure how brain-like the recording is (the statistics of
    docs/realism.md, ``neurocast.data.realism_stats``, against the shipped real ranges matching
    its source) and show them in the report beside the scorecard, in a column headed by the
    dataset's name (its store's name, as ``data info`` shows it) (realism_*.png: autocorrelation
    curves, correlation histograms, PCA spectra, recording vs the real ranges); a recording the
    statistics cannot measure (NaN gaps) gets a note instead.
    """
    if isinstance(models, str):
        models = parse_model_names(models)
    objects = [m for m in models if isinstance(m, Forecaster)]
    given = {m.name: m for m in objects}
    named = [m for m in models if not isinstance(m, Forecaster)]
    names = [*(parse_model_names(named) if named else []), *(m.name for m in objects)]
    if len(names) != len(set(names)):
        raise NeurocastError(f"model names repeat: {names}", "give every forecaster a distinct name")
    if not names:
        raise NeurocastError("no models to run", "pass --models naive,mean,...")
    check_seed_options(seeds, device, max_steps, save_models, load_models, cv_folds, out_dir)
    metrics = list(METRICS) if metrics is None else [METRICS.get(m).name for m in metrics]
    statistics = list(dict.fromkeys(s for m in metrics for s in METRICS[m].statistics))
    ds = orient_dataset(ds)
    proto = scoring_protocol(ds, protocol, context=context, horizon=horizon,
                      heldout_neurons=heldout_neurons, neuron_seed=neuron_seed)
    horizon = proto.horizon
    for m in given.values():
        if getattr(m, "horizon", horizon) != horizon:
            raise ConfigError(f"model {m.name!r} forecasts {m.horizon} frames, the benchmark scores {horizon}",
                              f"build it with horizon={horizon}")
    proto.splits()  # raises now if the horizon does not fit a split, not after fitting
    if cv_folds and int(cv_folds) > proto.n_frames:  # before any scan or fold list
        raise ConfigError(f"cv_folds={int(cv_folds):,} is more than the {proto.n_frames:,} frames "
                          "of the recording", "use a few folds, e.g. cv_folds=5 (--folds 5)")
    if out_dir is not None:
        require_output_folder(out_dir, create=True)  # before the (long) fitting
    if nan not in NAN_POLICIES:
        raise ConfigError(f"unknown NaN policy {nan!r}", "choose one of: " + ", ".join(NAN_POLICIES))
    if mask is not None:  # by its labels (a DataArray), or a (time, neuron) array: before any scan
        mask = aligned_mask(mask, ds)
    notes: list[str] = []
    marked = [str(h) for h in np.atleast_1d(ds.attrs.get("heldout_conditions", [])) if str(h)]
    ignored = [h for h in marked if h not in proto.heldout]
    if ignored:
        notes.append(f"held-out condition(s) {', '.join(ignored)} of the dataset are not held out by "
                     f"the {proto.name} protocol: scored as training conditions")
    if ds.attrs.get("trace_kind") == "fluorescence":
        notes.append("the traces are raw fluorescence (F), not ΔF/F: errors are in units of F and "
                     "not comparable with ΔF/F benchmarks, and a bright neuron's errors weigh "
                     "more in the means (the linear, connectome and learned models fit each "
                     "neuron's F through its train mean and s.d.); convert to ΔF/F to compare "
                     "neurons")
    breaks = recording_breaks(ds)  # True after each pause in the frame times (None: no pause)
    if "stimulus" in names and "stimulus" not in ds:
        names = [n for n in names if n != "stimulus"]
        notes.append("stimulus: left out, the dataset has no stimulus covariates to average over")
        if not names:
            raise ConfigError("the stimulus baseline needs stimulus covariates, which this dataset lacks",
                              "choose other models, e.g. --models naive,mean,linear")
    if "stimulus" in ds:  # unchecked when opened with allow_nan (bench --nan); refused before fitting
        where = ds.encoding.get("neurocast_path")
        check_stimulus_finite(ds, f"dataset '{where}'" if where else "dataset")
    keep, bad_frames, left_out = select_neurons(ds, nan, keep_constant, notes)
    traces = ds["traces"] if keep.all() else ds["traces"].isel(neuron=np.flatnonzero(keep))
    stimulus = ds["stimulus"] if "stimulus" in ds else None
    groups, group_names = (None, ("all",)) if group_by is None else neuron_groups(ds, group_by, connectome)
    if groups is not None:
        groups = groups[keep]
    if mask is not None and not keep.all():
        mask = mask[:, keep]
    folds = [proto] if not cv_folds else [proto.replace(folds=int(cv_folds), fold=k) for k in range(int(cv_folds))]
    for p in folds:
        p.splits()  # every fold fits, checked before any fitting
    note_short(folds, notes)
    note_hidden(proto, int(traces.shape[1]), notes)
    if breaks is not None:
        notes.append(pause_note(ds, traces, folds, breaks, bad_frames))
    path = ds.encoding.get("neurocast_path")
    if client is not None:
        check_cluster_run(path, mask=mask, cv_folds=cv_folds)
    ensemble_ok = ensemble_applies(seeds, cv_folds, mask, proto, notes)
    # runs[k][model] = {condition: WindowStats} of seed k; deterministic models run under seed 0 only
    runs: dict[int, dict] = {k: {} for k in range(seeds)}
    on_cluster: dict[int, dict] = {k: {} for k in range(seeds)}
    timings, fitted, training, ensembles = {}, {}, {}, {}
    templates = {name: given[name] if name in given else get_model(name, horizon=horizon) for name in names}
    needs = [name for name, m in templates.items() if getattr(m, "uses_stimulus", False)]
    if needs and stimulus is None:  # before any fitting
        raise ConfigError(f"{', '.join(needs)} {'forecasts' if len(needs) == 1 else 'forecast'} "
                          "from the future stimulus covariates, which this dataset lacks", "choose models without them, e.g. --models "
                          "naive,mean,linear,timemix")
    learned_models = [m for m in templates.values() if isinstance(m, LearnedForecaster)]
    for flag, folder, what in (("--save-models", save_models, "saved"), ("--load-models", load_models, "loaded")):
        if folder is not None and not learned_models:
            notes.append(f"{flag} '{folder}': none of the models is a learned one, so none is {what}")
    if learned_models and load_models is not None and max_steps is not None:
        notes.append(f"--max-steps {max_steps}: not used, the learned models are loaded from "
                     f"'{load_models}' as trained, not trained again")
    if learned_models and device is not None:
        resolve_device(device)  # 'cuda' without a GPU: refused before anything is fitted
    if learned_models and load_models is None:
        _check_batches(learned_models, traces, folds, stimulus, bad_frames, breaks)
    wired = [name for name, m in templates.items()
             if getattr(m, "needs_connectome", False) and m.connectome is None]
    recorded = None  # the connectome of the scored neurons, for the models built without one
    if wired:
        wiring = connectome if connectome is not None else dataset_connectome(ds)
        recorded = recorded_connectome(traces, wiring, notes, wired)
    # what a model is fitted on besides the dataset (protocol, splits, neurons, frames left out):
    # a loaded model must match it, a saved one records it
    setup = fit_setup(proto, traces, bad_frames, breaks)
    passes = _Passes() if _passes is None else _passes  # shared by the passes of one run

    def identity() -> dict:  # the dataset's traces hashed once, for every model saved or loaded
        if passes.identity is None:
            passes.identity = dataset_identity(ds)
        return passes.identity

    loaded = {} if load_models is None else {  # every file checked before anything is fitted
        (name, k): load_seeded(load_models, name, k, ds, context=proto.context, horizon=horizon,
                               device=device, setup=setup, identity=identity(),
                               wiring=_passes is not None)  # only run_wirings shares its passes
        for name, m in templates.items() if isinstance(m, LearnedForecaster) for k in range(seeds)}
    if ensemble_ok and learned_models:  # its slow import (seconds) is no model's scoring time
        # it compiles numba functions: a Ctrl-C in there would be lost in a ctypes callback (or
        # leave them half-built), so it comes right after, as a KeyboardInterrupt here
        with deferred_signals():
            import scoringrules  # noqa: F401
    for name in names:
        template = templates[name]
        learned = isinstance(template, LearnedForecaster)
        # a graph given here rather than the dataset's own is not in the fingerprint: never reused
        reusable = learned and save_models is not None and (
            connectome is None or not getattr(template, "needs_connectome", False))
        repeated = is_seeded(template)  # learned, or a wiring control drawn anew per seed
        timings[name] = {"fit_s": 0.0, "evaluate_s": 0.0}
        members, per_seed, configs, untrained, dropped = [], [], [], [], []
        for k in range(seeds if repeated else 1):
            per_fold, done = [], None
            for p in folds:
                ready = False  # fitted already: loaded from --load-models, or saved earlier
                if learned and load_models is not None:
                    model, ready = loaded.pop((name, k)), True
                elif learned or (repeated and k > 0):
                    model = seeded(template, k, device=device, max_steps=max_steps)
                    earlier, why = (reuse_saved(save_models, model, k, ds, context=p.context, setup=setup,
                                                identity=identity())
                                    if reusable and model_file(save_models, name, k).is_file() else (None, None))
                    if earlier is not None:
                        model, ready = earlier, True
                        notes.append(f"{name} seed {k}: loaded from '{save_models}', where an earlier "
                                     "run saved it (same dataset, configuration and splits), not trained again")
                    elif why is not None:  # what differs, as --load-models would name it
                        notes.append(f"{name} seed {k}: '{model_file(save_models, name, k)}' held a model "
                                     f"{why}: trained again and saved over it")
                else:
                    model = template if name in given or p is folds[0] else get_model(name, horizon=horizon)
                if learned and (untrained or (passes.interrupted and not ready)):  # seeds stay 0..j
                    untrained.append(k)
                    continue
                if getattr(model, "needs_connectome", False) and model.connectome is None:
                    model.connectome = recorded
                t0 = time.perf_counter()
                if not ready:
                    try:
                        model.fit(*_fit_segments(traces, p, stimulus, bad_frames, breaks, model.uses_val))
                    except KeyboardInterrupt:  # before a first validation: no weights to score
                        if not learned:
                            raise
                        passes.interrupted = True
                        note_dropped(name, k, p if cv_folds else None, notes)
                        untrained.append(k)
                        dropped.append(k)
                        continue
                    if learned and save_models is not None:
                        model.fitted["setup"] = setup
                        save_seeded(model, save_models, k, ds, identity=identity())
                done = model
                t1 = time.perf_counter()
                if learned and model.fitted.get("stopped_by") == "interrupted":
                    passes.interrupted = True
                    notes.append(f"{name} seed {k}: training was interrupted (Ctrl-C) at step "
                                 f"{model.fitted.get('steps', 0):,}; scored with the best weights so "
                                 f"far (step {model.fitted.get('best_step', 0):,})")
                if client is None:
                    label = f"{name} seed {k}" if repeated and seeds > 1 else name
                    per_fold.append(evaluate(model, traces, p, stimulus=stimulus, mask=mask, groups=groups,
                                             group_names=group_names, statistics=statistics,
                                             batch_windows=batch_windows, skip_frames=bad_frames,
                                             breaks=breaks, label=label))
                else:  # kept for the one evaluation of all models of this seed on the cluster
                    on_cluster[k][name] = model
                timings[name]["fit_s"] += t1 - t0
                timings[name]["evaluate_s"] += time.perf_counter() - t1
            if done is None:
                continue
            model = done
            if per_fold:
                runs[k][name] = per_fold[0] if len(per_fold) == 1 else {  # a short condition may
                    c: concat_windows([r[c] for r in per_fold if c in r])  # lack some folds' tests
                    for c in proto.conditions if any(c in r for r in per_fold)}
            per_seed.append(model.fitted)
            configs.append(model.config())  # of this seed (a learned model's train.seed is k)
            if learned and ensemble_ok:
                members.append(model)
        skipped = sorted(set(untrained) - (set() if cv_folds else set(dropped)))  # dropped: noted
        if skipped:
            note_untrained(name, skipped, len(per_seed), cv_folds, notes, started=bool(dropped))
        if not per_seed:
            del timings[name]
            continue
        fitted[name] = {"config": configs[0], "fitted": per_seed[0],  # both of the first seed fitted
                        **({"fitted_by_seed": per_seed} if len(per_seed) > 1 else {})}
        if learned:
            training[name] = per_seed
        if len(members) > 1:
            t0 = time.perf_counter()
            ensembles[name] = ensemble_scores(members, traces, proto, stimulus=stimulus,
                                              skip_frames=bad_frames, breaks=breaks)
            timings[name]["evaluate_s"] += time.perf_counter() - t0
    if client is not None:
        for k, models_k in on_cluster.items():
            if not models_k:
                continue
            t0 = time.perf_counter()
            runs[k] = evaluate_on_cluster(models_k, path, proto, client=client, groups=groups,
                                          group_names=group_names, statistics=statistics,
                                          batch_windows=batch_windows, chunk_windows=chunk_windows,
                                          skip_frames=bad_frames, breaks=breaks,
                                          neurons=traces["neuron"].values)
            for name in models_k:
                timings[name]["evaluate_s"] += time.perf_counter() - t0
    scored = [name for name in names if name in runs[0]]
    if not scored:  # Ctrl-C before the first validation of the only models: nothing to score
        raise _NothingScored(notes)
    note_unscored(runs[0][scored[0]], bad_frames, breaks, notes)
    attrs = {
        "dataset_source": str(ds.attrs.get("source", "")),
        "dataset_path": str(ds.encoding.get("neurocast_path", "")),
        "dataset_seed": int(ds.attrs.get("seed", -1)),
        "dataset_version": str(ds.attrs.get("neurocast_version", "")),
        "n_neurons": int(ds.sizes["neuron"]),
        "n_frames": int(ds.sizes["time"]),
        "models": fitted,
        "group_by": group_by or "",
        "nan_policy": nan,
        "keep_constant": int(keep_constant),
        "neurons_left_out": left_out,
        "notes": list(notes),
        "cv_folds": int(cv_folds or 0),
        "seeds": int(seeds),
        "seeds_note": SEEDS_NOTE,
    }
    cards = {k: build_scorecard(r, proto, metrics=metrics, timings=timings if k == 0 else None,
                                attrs=attrs if k == 0 else None) for k, r in runs.items() if r}
    card = add_ensembles(add_training(stack_runs(cards, "seed"), training), ensembles)
    first = runs[0][scored[0]]
    card["n_windows_skipped"] = ("condition",), np.array(
        [int((first[c].count.sum(axis=(1, 2)) == 0).sum())
         if bad_frames is not None or breaks is not None else 0
         for c in card["condition"].values.tolist()], dtype=np.int64)
    files: dict[str, Path] = {}
    if out_dir is not None:
        final = require_output_folder(out_dir, create=True)
        with atomic_folder(final, "bench") as out:  # a failed write (disk full, ...) leaves no partial folder
            files.update(write_scorecard(card, out))
            # the protocol of the statistics: with --folds, the folds pooled (fold 0 stands for them)
            stats_proto = proto.replace(folds=int(cv_folds)) if cv_folds else proto
            files["statistics"] = write_statistics(runs[0], stats_proto, out / "statistics.nc")
            for k in range(1, seeds):  # the other seeds of the seeded models, one file each
                if runs[k]:
                    files[f"statistics_seed{k}"] = write_statistics(runs[k], stats_proto,
                                                                    out / f"statistics-seed{k}.nc")
            files["mae_curves"] = plot_mae_curves(card, out / "mae_curves.png")
            files["heatmap"] = plot_heatmap(card, out / "heatmap.png")
            images = {"MAE vs steps ahead": files["mae_curves"], "MAE heatmap": files["heatmap"]}
            label = title or f"neurocast benchmark: {ds.attrs.get('source', '') or 'dataset'}"
            sections = []
            if realism:
                sections, plots = _realism_section(ds, out, notes)
                files.update(plots)
            files["report"] = write_report(card, out / "report.html", images, title=label, sections=sections)
        files = {k: final / p.relative_to(out) for k, p in files.items()}
    return BenchResult(card, proto, summary_table(card), files, timings, tuple(notes))


def _realism_section(ds, out: Path, notes: list[str]) -> tuple[list, dict[str, Path]]:
    """([("Realism of the recording", html)], {"realism_acf": path, ...}) for the report; on a
    recording the statistics cannot measure, ([], {}) and a note. realism_stats' warning that
    the recording is too short (every statistic NaN, in a Python caller's terms) is not passed
    on: the report's panels say 'not measurable on this recording' (as ``data stats``)."""
    group = reference_group(ds)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="realism_stats: every realism statistic is NaN")
            res = realism_stats(ds, progress=False, allow_nan=True)  # gaps left out of each statistic
    except FormatError as err:
        notes.append(f"realism statistics left out of the report: {err.message}")
        return [], {}
    where = ds.encoding.get("neurocast_path")  # the column of the dataset's statistics: its name
    label = Path(where).stem if where else "this recording"
    paths, fragment = realism_plots({label: res}, out, group=group)
    return [("Realism of the recording", fragment)], {p.stem: p for p in paths}


def _fit_segments(traces, protocol, stimulus, bad_frames, breaks=None, uses_val: bool = True):
    """(train, val) segments of ``protocol``, without windows touching a bad frame or crossing
    a pause (``breaks``); NaN in every train window, or in every val window of a model that
    ``uses_val``, is a NonFiniteError (a ConfigError if pauses alone leave none)."""
    train = segments_for(traces, protocol, "train", stimulus=stimulus)
    val = segments_for(traces, protocol, "val", stimulus=stimulus)
    if bad_frames is not None or breaks is not None:
        train, val = finite_segments(train, bad_frames, breaks), finite_segments(val, bad_frames, breaks)
        checks = (("training", train, "fit"),) + (
            (("val", val, "validate the fit on"),) if uses_val else ())
        shorter = "a shorter --context or --horizon (a window must fit between two pauses)"
        for split, kept, use in checks:
            if kept:
                continue
            if breaks is None:
                raise NonFiniteError(f"every {split} window touches a NaN frame: nothing left to {use}",
                                     "use --nan mask-neurons (drop the neurons with gaps) instead")
            if bad_frames is None:
                raise ConfigError(f"every {split} window crosses a pause in the frame times: nothing "
                                  f"left to {use}", f"use {shorter}")
            raise NonFiniteError(f"every {split} window touches a NaN frame or crosses a pause in the "
                                 f"frame times: nothing left to {use}",
                                 f"use --nan mask-neurons (drop the neurons with gaps), or {shorter}")
    return train, val


def _check_batches(models, traces, folds, stimulus, bad_frames, breaks=None) -> None:
    """Raise ConfigError, before anything is fitted, if a learned model's batch (windows per
    training step) holds more windows than the training split of a fold does."""
    for p in folds:
        n = sum(s.n_windows for s in _fit_segments(traces, p, stimulus, bad_frames, breaks)[0])
        for m in models:
            if m.cfg.train.batch_size > n:
                raise ConfigError(f"{m.name} trains on batches of {m.cfg.train.batch_size} windows, and "
                                  f"the training split holds only {n} (of C + H = {p.context + p.horizon} "
                                  "frames each)", "use a shorter --context or --horizon or a longer "
                                  "recording, or leave out the learned models (e.g. --models naive,mean,linear)")


def concat_windows(parts: list[WindowStats]) -> WindowStats:
    """The windows of several test sets of one condition (e.g. cross-validation folds) as one."""
    first = parts[0]
    out = WindowStats(sum(p.n_windows for p in parts), first.horizon, first.group_names, first.groups,
                      list(first.sums))
    out.sums = {k: np.concatenate([p.sums[k] for p in parts]) for k in first.sums}
    out.count = np.concatenate([p.count for p in parts])
    return out
