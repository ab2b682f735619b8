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

from neurocast.bench._report import plot_heatmap, plot_mae_curves, write_report
from neurocast.bench._run import BenchResult, _output_folder, run_benchmark
from neurocast.bench._scorecard import stack_scorecards, summary_table, write_scorecard
from neurocast.errors import ConfigError, NeurocastError
from neurocast.models import MODELS, Forecaster, parse_model_names

__all__ = ["flatten_wiring", "run_wirings", "wiring_table", "with_wiring"]

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


def _stack_models(cards: Sequence[xr.Dataset]) -> xr.Dataset:
    """Scorecards of the same dataset and protocol, with different models, as one."""
    cards = [c for c in cards if c is not None]
    if len(cards) == 1:
        return cards[0]
    out = xr.concat(cards, dim="model", data_vars="minimal", coords="minimal", compat="override",
                    combine_attrs="override")
    models = {}
    for c in cards:
        models.update(_models_attr(c))
    return out.assign_attrs(models=json.dumps(models, default=str))


def _models_attr(card) -> dict:
    value = card.attrs.get("models", "{}")
    return json.loads(value) if isinstance(value, str) else dict(value)


def run_wirings(ds, *, wirings: Sequence[str], models, horizon: int, out_dir=None,
                title: str | None = None, **bench) -> BenchResult:
    """Run ``run_benchmark`` once per wiring control and stack the scorecards along ``wiring``.

    wirings: e.g. ('true', 'permuted', 'rewired', 'none'); each must be a control of at least
    one of the connectome models given. models: names or unfitted instances, as for
    run_benchmark; at least one must use the wiring. bench: the other run_benchmark arguments.
    Returns a BenchResult whose scorecard has dims (wiring, model, condition, steps_ahead,
    metric); summary: {wiring: {model: ...}}; the report shows the flattened scorecard
    (``flatten_wiring``) and a model × wiring table. Files as run_benchmark's (no statistics.nc).
    """
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
    if bench.get("save_models") is not None or bench.get("load_models") is not None:
        raise ConfigError("--save-models and --load-models do not go with --wiring (one model per wiring)",
                          "leave out --wiring to save or load models")
    if out_dir is not None:
        _output_folder(out_dir, create=False)
    notes: list[str] = []
    timings: dict = {}
    base = None
    if plain:
        res = run_benchmark(ds, models=plain, horizon=horizon, **bench)
        base, notes = res.scorecard, [*notes, *res.notes]
        timings.update(res.timings)
    cards = []
    for w in wirings:
        built = [(m, with_wiring(m, w, horizon=horizon)) for m in wired]
        for m, inst in built:
            if inst is None:
                notes.append(f"{m if isinstance(m, str) else m.name}: has no {w!r} control, left out there")
        built = [(m, inst) for m, inst in built if inst is not None]
        if not built:
            raise ConfigError(f"no model given has the wiring control {w!r}",
                              "drop it from --wiring, or add a model that has it")
        res = run_benchmark(ds, models=[inst for _, inst in built], horizon=horizon, **bench)
        rename = {inst.name: type(inst).name for _, inst in built}
        card = res.scorecard.assign_coords(model=[rename.get(m, m) for m in res.scorecard["model"].values.tolist()])
        timings.update(res.timings)
        notes.extend(n for n in res.notes if n not in notes)
        cards.append(_stack_models([base, card]))
    order = list(dict.fromkeys(m if isinstance(m, str) else type(m).name if m in wired else m.name
                               for m in models))
    card = stack_scorecards(cards, "wiring", wirings)
    card = card.sel(model=[m for m in order if m in card["model"].values.tolist()])  # as given
    flat = flatten_wiring(card)
    files: dict[str, Path] = {}
    if out_dir is not None:
        out = _output_folder(out_dir, create=True)
        files.update(write_scorecard(card, out))
        files["mae_curves"] = plot_mae_curves(flat, out / "mae_curves.png")
        files["heatmap"] = plot_heatmap(flat, out / "heatmap.png")
        images = {"MAE vs steps ahead": files["mae_curves"], "MAE heatmap": files["heatmap"]}
        label = title or f"neurocast benchmark: {ds.attrs.get('source', '') or 'dataset'}"
        files["report"] = write_report(flat, out / "report.html", images, title=label,
                                       sections=[("Does the wiring help? MAE by model and wiring",
                                                  wiring_table(card))])
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


def wiring_table(card: xr.Dataset, metric: str = "mae") -> str:
    """HTML: one row per model, columns wiring × (training conditions, held-out condition) ×
    steps (1, 8, 32 within the horizon); the best control per model and column in bold."""
    h = int(card.sizes["steps_ahead"])
    steps = [s for s in TABLE_STEPS if s <= h]
    held = card["heldout"].values.astype(bool)
    groups = [("train", ~held)] + ([("held-out", held)] if held.any() else [])
    wirings = card["wiring"].values.tolist()
    cols = [(w, g, s) for g, _ in groups for s in steps for w in wirings]
    score = card["score"].sel(metric=metric)
    head1 = "".join(f'<th colspan="{len(wirings)}">{g} step {s}</th>' for g, _ in groups for s in steps)
    head2 = "".join(f"<th>{html.escape(w)}</th>" for _ in groups for _ in steps for w in wirings)
    rows = []
    for m in card["model"].values.tolist():
        vals = {}
        for w, g, s in cols:
            mask = dict(groups)[g]
            v = score.sel(model=m, wiring=w, steps_ahead=s).values[mask]
            v = v[np.isfinite(v)]
            vals[(w, g, s)] = float(v.mean()) if v.size else np.nan
        cells = []
        for w, g, s in cols:
            v = vals[(w, g, s)]
            group = [vals[(w2, g, s)] for w2 in wirings if np.isfinite(vals[(w2, g, s)])]
            best = np.isfinite(v) and len(set(group)) > 1 and v == min(group)
            text = "–" if not np.isfinite(v) else f"{v:.4g}"
            cells.append(f"<td>{'<b>' + text + '</b>' if best else text}</td>")
        rows.append(f"<tr><td>{html.escape(m)}</td>{''.join(cells)}</tr>")
    return (f"<p>{metric.upper()} per model and wiring control, averaged over the conditions of each "
            "group; models that do not use the wiring have the same value under every control. "
            "Bold: the best control of a model.</p>"
            f"<table><tr><th rowspan=2>model</th>{head1}</tr><tr>{head2}</tr>{''.join(rows)}</table>")
