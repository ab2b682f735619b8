"""The wiring experiment: the connectome models under each wiring control, one scorecard
with a ``wiring`` dimension.

``run_wirings`` loops over the wiring values; each pass runs ``run_benchmark`` on the
connectome models rebuilt with that wiring (models that accept a ``wiring`` setting and need
the connectome). Models that do not use the wiring (the black boxes) are fitted and scored once
and their scores repeated along ``wiring``, so every model can be compared with every control.
A model that has no such control (e.g. connectome-linear under 'lowrank') is NaN there, with a
note. The passes are stacked by ``stack_scorecards`` (one new dimension), the same way any
other repeated dimension (e.g. seeds) is.
"""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast._files import atomic_folder, require_output_folder
from neurocast.bench._ensemble import seed_interval
from neurocast.bench._report import plot_heatmap, plot_mae_curves, write_report
from neurocast.bench._run import BenchResult, _NothingScored, _Passes, run_benchmark
from neurocast.bench._scorecard import format_cell, stack_scorecards, summary_table, write_scorecard
from neurocast.connectome import wiring_control
from neurocast.data import DEFAULT_HORIZON, Protocol, dataset_connectome
from neurocast.errors import ConfigError, NeurocastError
from neurocast.models import MODELS, Forecaster, parse_model_names

__all__ = ["flatten_wiring", "run_wirings", "wiring_cells", "wiring_table", "with_wiring"]

#: Steps ahead shown in the wiring table of the report (those within the horizon).
TABLE_STEPS = (1, 8, 32)


def _uses_wiring(cls_or_model) -> bool:
    cfg_cls = getattr(cls_or_model, "config_class", None)
    return bool(getattr(cls_or_model, "needs_connectome", False) and cfg_cls is not None
                and "wiring" in {f.name for f in dataclasses.fields(cfg_cls)})


def with_wiring(model: str | Forecaster, wiring: str, *, horizon: int) -> Forecaster | None:
    """A new, unfitted instance of a connectome model with its ``wiring`` set, or None if the
    model has no such control. model: a registry name or an unfitted instance (its settings
    and connectome are kept)."""
    cls = MODELS.get(model) if isinstance(model, str) else type(model)
    cfg = None if isinstance(model, str) else model.cfg
    cfg = cls.config_class() if cfg is None else cfg
    try:
        cfg = dataclasses.replace(cfg, wiring=wiring)
    except NeurocastError:  # the config names its controls: this one is not among them
        return None
    return cls(horizon, cfg, connectome=None if isinstance(model, str) else model.connectome)


def _check_rewiring(ds, wirings, wired, connectome) -> None:
    """Draw the 'rewired' control once before any fitting, so that a graph too dense to rewire
    (e.g. a complete region-level graph) fails at once, not after the other controls were
    fitted. Raises the control's NeurocastError, with the hint to drop it."""
    if "rewired" not in wirings:
        return
    connectome = connectome if connectome is not None else dataset_connectome(ds)
    if connectome is None:
        return  # the models say so when they are built
    seed = next((m.cfg.seed for m in wired if not isinstance(m, str)), 0)
    try:
        wiring_control(connectome, "rewired", seed=seed)
    except NeurocastError as err:
        raise type(err)(f"the 'rewired' control cannot be drawn: {err.message}",
                        "drop 'rewired' from --wiring (a complete graph has no degree-preserving "
                        "rewiring); 'permuted' remains") from None


def _stack_models(cards: Sequence[xr.Dataset]) -> xr.Dataset:
    """Scorecards of the same dataset and protocol, with different models, as one."""
    cards = [c for c in cards if c is not None]
    if len(cards) == 1:
        return cards[0]
    out = xr.concat(cards, dim="model", data_vars="minimal", coords="minimal", compat="override",
                    join="outer", combine_attrs="override")  # a card without seeds 1.. is NaN there
    models = {}
    for c in cards:
        models.update(_models_attr(c))
    return out.assign_attrs(models=json.dumps(models, default=str))


def _models_attr(card) -> dict:
    value = card.attrs.get("models", "{}")
    return json.loads(value) if isinstance(value, str) else dict(value)


def run_wirings(ds, *, wirings: Sequence[str], models, horizon: int | None = None, out_dir=None,
                title: str | None = None, **bench) -> BenchResult:
    """Run ``run_benchmark`` once per wiring control and stack the scorecards along ``wiring``.

    wirings: e.g. ('true', 'permuted', 'rewired', 'none'); each must be a control of at least
    one of the connectome models given. models: names or unfitted instances, as for
    run_benchmark; at least one must use the wiring. horizon: H in frames, as run_benchmark's
    (None: the protocol's when ``protocol`` is a ``Protocol``, else ``DEFAULT_HORIZON``, 32);
    the connectome models are built with it. bench: the other run_benchmark arguments.
    Returns a BenchResult whose scorecard has dims (wiring, model, condition, steps_ahead,
    metric); summary: {wiring: {model: ...}}; the report shows the flattened scorecard
    (``flatten_wiring``) and a model × wiring table. Files as run_benchmark's (no statistics.nc).
    bench may hold ``seeds`` (a random control is drawn anew per seed, see ``run_benchmark``)
    and ``save_models`` / ``load_models``: one folder for every wiring, a learned model under a
    control saved as e.g. ``connectome-rate-permuted-seed0.pt`` (``model_file``). The dataset
    is hashed once for the whole run (when models are saved or loaded). After a Ctrl-C ended a
    training, no later pass trains a learned model (one saved or loaded is still scored; a pass
    left with nothing to score is NaN for its models, the others' scores standing for that
    wiring, with a note), and a second Ctrl-C aborts.
    """
    if horizon is None:  # as run_benchmark chooses it (which checks it against the protocol)
        given = bench.get("protocol")
        horizon = given.horizon if isinstance(given, Protocol) else DEFAULT_HORIZON
    wirings = list(dict.fromkeys(wirings))
    if not wirings:
        raise ConfigError("no wiring controls given", "e.g. --wiring true,permuted,rewired,none")
    if isinstance(models, str):
        models = parse_model_names(models)
    wired = [m for m in models if _uses_wiring(MODELS.get(m) if isinstance(m, str) else m)]
    plain = [m for m in models if m not in wired]
    if not wired:
        raise ConfigError("--wiring needs a model that uses the wiring",
                          "add one, e.g. --models connectome-linear,connectome-rate")
    if out_dir is not None:
        require_output_folder(out_dir, create=True)
    _check_rewiring(ds, wirings, wired, bench.get("connectome"))
    notes: list[str] = []
    timings: dict = {}
    base = None
    passes = _Passes()  # one hash of the dataset, and one Ctrl-C, for every pass
    if plain:
        try:
            res = run_benchmark(ds, models=plain, horizon=horizon, _passes=passes, **bench)
            base, notes = res.scorecard, [*notes, *res.notes]
            timings.update(res.timings)
        except _NothingScored as stop:  # Ctrl-C before any of them validated: the wired ones go on
            notes.extend(stop.notes)
    cards, done = [], []
    for w in wirings:
        built = [(m, with_wiring(m, w, horizon=horizon)) for m in wired]
        for m, inst in built:
            if inst is None:
                notes.append(f"{m if isinstance(m, str) else m.name}: has no {w!r} control, left out there")
        built = [(m, inst) for m, inst in built if inst is not None]
        if not built:
            raise ConfigError(f"no model given has the wiring control {w!r}",
                              "drop it from --wiring, or add a model that has it")
        try:
            res = run_benchmark(ds, models=[inst for _, inst in built], horizon=horizon,
                                _passes=passes, **bench)
        except _NothingScored as stop:  # after a Ctrl-C: none of them trained (nor saved earlier)
            notes.extend(n for n in stop.notes if n not in notes)
            if base is not None:  # the other models' scores stand for this wiring; these are NaN
                cards.append(base)
                done.append(w)
            continue
        rename = {inst.name: type(inst).name for _, inst in built}
        card = res.scorecard.assign_coords(model=[rename.get(m, m) for m in res.scorecard["model"].values.tolist()])
        timings.update(res.timings)
        notes.extend(n for n in res.notes if n not in notes)
        cards.append(_stack_models([base, card]))
        done.append(w)
    if not cards:  # Ctrl-C before anything was scored
        raise KeyboardInterrupt
    wirings = done
    order = list(dict.fromkeys(m if isinstance(m, str) else type(m).name if m in wired else m.name
                               for m in models))
    card = stack_scorecards(cards, "wiring", wirings)
    card = card.sel(model=[m for m in order if m in card["model"].values.tolist()])  # as given
    flat = flatten_wiring(card)
    files: dict[str, Path] = {}
    if out_dir is not None:
        final = require_output_folder(out_dir, create=True)
        with atomic_folder(final, "bench") as out:  # a failed write (disk full, ...) leaves no partial folder
            files.update(write_scorecard(card, out))
            files["mae_curves"] = plot_mae_curves(flat, out / "mae_curves.png")
            files["heatmap"] = plot_heatmap(flat, out / "heatmap.png")
            images = {"MAE vs steps ahead": files["mae_curves"], "MAE heatmap": files["heatmap"]}
            label = title or f"neurocast benchmark: {ds.attrs.get('source', '') or 'dataset'}"
            files["report"] = write_report(flat, out / "report.html", images, title=label,
                                           sections=[("Does the wiring help? MAE by model and wiring",
                                                      wiring_table(card))])
        files = {k: final / p.relative_to(out) for k, p in files.items()}
    summary = {w: summary_table(card.sel(wiring=w).dropna("model", how="all", subset=["score"]))
               for w in wirings}
    return BenchResult(card, res.protocol, summary, files, timings, tuple(notes))


def flatten_wiring(card: xr.Dataset) -> xr.Dataset:
    """A ``wiring`` scorecard as a plain one: models whose scores change with the wiring appear
    once per control they have (``name`` for 'true', ``name:control`` else), the others once."""
    if "wiring" not in card.dims:
        return card
    parts = []
    for m in card["model"].values.tolist():
        s = card["score"].sel(model=m).values  # (wiring, ...)
        if all(np.array_equal(s[0], s[k], equal_nan=True) for k in range(1, s.shape[0])):
            parts.append(card.isel(wiring=0, drop=True).sel(model=[m]))
            continue
        for k, w in enumerate(card["wiring"].values.tolist()):
            if np.isfinite(s[k]).any():
                parts.append(card.isel(wiring=k, drop=True).sel(model=[m])
                             .assign_coords(model=[m if w == "true" else f"{m}:{w}"]))
    return xr.concat(parts, dim="model", data_vars="minimal", coords="minimal", compat="override",
                     combine_attrs="override")


def wiring_cells(card: xr.Dataset, metric: str = "mae", steps=TABLE_STEPS) -> dict:
    """The numbers of the model × wiring table: for every model and wiring control it has,
    {(group, step): (mean, ci, n)} with group 'train' (training conditions) or 'held-out'
    (held-out conditions, if any), step one of ``steps`` within the horizon or 'mean' (over all
    steps 1..H). mean: averaged over the group's conditions; with several seeds
    (``score_by_seed``), the mean over the seeds a model ran of each seed's value, ci the 95 %
    CI half-width of that mean (``seed_interval``; NaN for one seed) and n the seed count.

    Returns {model: {wiring: cells}} in the scorecard's order; a model whose scores do not
    depend on the wiring (the black boxes) is listed once, under wiring '–'. A scorecard
    without ``wiring`` counts as one wiring 'true'.
    """
    if "wiring" not in card.dims:
        card = card.expand_dims(wiring=["true"])
    h = int(card.sizes["steps_ahead"])
    columns = [s for s in steps if s <= h] + ["mean"]
    held = card["heldout"].values.astype(bool)
    groups = [("train", ~held)] + ([("held-out", held)] if held.any() else [])
    multi = "score_by_seed" in card and int(card.sizes.get("seed", 1)) > 1
    source = card["score_by_seed"] if multi else card["score"].expand_dims(seed=[0], axis=2)
    values = source.sel(metric=metric).transpose("wiring", "model", "seed", "condition", "steps_ahead").values
    wirings = [str(w) for w in card["wiring"].values.tolist()]
    out: dict = {}
    for i, m in enumerate(card["model"].values.tolist()):
        v = values[:, i]  # (wiring, seed, condition, step)
        same = all(np.array_equal(v[0], v[k], equal_nan=True) for k in range(1, v.shape[0]))
        out[m] = {}
        for k, w in enumerate(wirings[:1] if same else wirings):
            if not np.isfinite(v[k]).any():
                continue  # no such control for this model
            seeds = v[k][np.isfinite(v[k]).any(axis=(1, 2))]  # (seed, condition, step), seeds run
            cells = {}
            for g, mask in groups:
                for col in columns:
                    per_seed = seeds[:, mask].mean(axis=(1, 2)) if col == "mean" else seeds[:, mask, col - 1].mean(axis=1)
                    mean, ci = seed_interval(per_seed)
                    cells[(g, col)] = (float(mean), float(ci), int(per_seed.size))
            out[m]["–" if same else w] = cells
    return out


def wiring_table(card: xr.Dataset, metric: str = "mae") -> str:
    """HTML: one row per model and wiring control (``wiring_cells``), columns (training
    conditions, held-out condition) × (steps 1, 8, 32 within the horizon, mean over steps);
    mean ± 95 % CI over seeds where a model ran several; the lowest mean of each column in bold."""
    cells = wiring_cells(card, metric)
    cols = list(next(iter(next(iter(cells.values())).values())))
    best = {c: min(v[c][0] for rows in cells.values() for v in rows.values()) for c in cols}
    head = "".join(f"<th>{g} {'mean' if s == 'mean' else f'step {s}'}</th>" for g, s in cols)
    body = []
    for m, rows in cells.items():
        for w, row in rows.items():
            tds = []
            for c in cols:
                text = html.escape(format_cell(*row[c][:2]))
                tds.append(f"<td>{'<b>' + text + '</b>' if row[c][0] == best[c] else text}</td>")
            body.append(f"<tr><td>{html.escape(m)}</td><td>{html.escape(w)}</td>{''.join(tds)}</tr>")
    seeds = "score_by_seed" in card and int(card.sizes.get("seed", 1)) > 1
    return (f"<p>{metric.upper()} per model and wiring control, averaged over the conditions of each "
            "group; a model that does not use the wiring has one row (wiring –). "
            + ("Mean over seeds ± the half-width of its 95 % confidence interval (Student's t); a "
               "deterministic model ran once and has no interval. " if seeds else "")
            + "Bold: the lowest of a column.</p>"
            f"<table><tr><th>model</th><th>wiring</th>{head}</tr>{''.join(body)}</table>")
