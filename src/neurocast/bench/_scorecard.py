"""The scorecard: an xarray.Dataset of model × condition × steps_ahead × metric, and its files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from neurocast import __version__
from neurocast._files import atomic_path, netcdf3_attrs, read_wide_ints
from neurocast.bench._ensemble import seed_interval
from neurocast.bench._metrics import METRICS, WindowStats
from neurocast.data import Protocol
from neurocast.errors import ConfigError, FormatError

__all__ = ["SEED_KEYS", "build_scorecard", "differing_fields", "format_cell", "read_scorecard",
           "scorecard_protocol", "stack_scorecards", "summary_table", "write_scorecard"]

#: Protocol fields stored as scorecard attrs ``protocol_<field>`` (conditions and held-out
#: conditions are the ``condition`` coordinate and its ``heldout`` flag).
_PROTOCOL_FIELDS = ("offsets", "padding", "val_fraction", "test_fraction", "max_context",
                    "heldout_neurons", "neuron_seed")


def build_scorecard(results: dict[str, dict[str, WindowStats]], protocol: Protocol, *,
                    metrics=None, timings: dict[str, dict[str, float]] | None = None,
                    attrs: dict | None = None) -> xr.Dataset:
    """Assemble per-model, per-condition statistics into a scorecard.

    results: {model: {condition: WindowStats}}. metrics: names in METRICS (default: every
    registered metric the statistics support). ``score`` pools all neurons; with several neuron
    groups, ``score_by_group`` (model, condition, group, steps_ahead, metric) holds each
    group's metric (mean over the group's neurons, then windows).
    timings: optional {model: {"fit_s": .., "evaluate_s": .., ...}} stored as variables (model,).
    Returns a Dataset with ``score`` (model, condition, steps_ahead, metric) float64,
    ``n_windows`` (condition,), coord ``heldout`` (condition,) bool, and attrs: ``protocol``
    (its name), ``context``, ``horizon``, ``protocol_<field>`` for the split rules and
    ``protocol_conditions`` (JSON: every condition, also those too short to be scored, which
    have no row; see ``scorecard_protocol``), ``neurocast_version``, and ``attrs`` (values that
    are not str/int/float/list are stored as JSON strings, for provenance only).
    Raises ConfigError for statistics ``check_statistics`` refuses.
    """
    models, conditions = check_statistics(results, protocol)
    first = results[models[0]][conditions[0]]
    if metrics is None:
        metrics = [m for m in METRICS if set(METRICS[m].statistics) <= set(first.sums)]
    metrics = list(metrics)
    h = protocol.horizon
    group_names = first.group_names
    score = np.full((len(models), len(conditions), h, len(metrics)), np.nan)
    by_group = np.full((len(models), len(conditions), len(group_names), h, len(metrics)), np.nan)
    n_win = np.zeros(len(conditions), dtype=np.int64)
    for i, m in enumerate(models):
        for j, c in enumerate(conditions):
            st = results[m][c]
            n_win[j] = st.n_windows
            pooled = st.pooled()
            for k, metric in enumerate(metrics):
                score[i, j, :, k] = pooled.metric(metric)[:, 0]
                by_group[i, j, :, :, k] = st.metric(metric).T  # (group, step)
    all_attrs = {"protocol": protocol.name, "context": protocol.context, "horizon": h,
                 "neurocast_version": __version__}
    for f in _PROTOCOL_FIELDS:
        value = getattr(protocol, f)
        all_attrs[f"protocol_{f}"] = list(value) if isinstance(value, tuple) else value
    all_attrs["protocol_conditions"] = json.dumps(protocol.conditions)  # scored or not (too short)
    for k, v in (attrs or {}).items():
        all_attrs[k] = v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)
    data_vars = {"score": (("model", "condition", "steps_ahead", "metric"), score),
                 "n_windows": (("condition",), n_win)}
    for key in sorted({k for t in (timings or {}).values() for k in t}):
        data_vars[key] = (("model",), [float((timings or {}).get(m, {}).get(key, np.nan)) for m in models])
    coords = {"model": models, "condition": conditions, "steps_ahead": np.arange(1, h + 1),
              "metric": metrics, "heldout": ("condition", [c in protocol.heldout for c in conditions])}
    if len(group_names) > 1:
        data_vars["score_by_group"] = (("model", "condition", "group", "steps_ahead", "metric"), by_group)
        coords["group"] = list(group_names)
    return xr.Dataset(data_vars, coords=coords, attrs=all_attrs)


def check_statistics(results: dict[str, dict[str, WindowStats]],
                     protocol: Protocol) -> tuple[list[str], list[str]]:
    """The models and the test sets (in the protocol's order) of ``results``.

    Raises ConfigError if it holds no model or no test set, if its models do not cover the same
    test sets, if a test set is not a condition of ``protocol`` or if the statistics are not of
    one horizon, ``protocol.horizon``, one set of statistics and one set of neuron groups.
    """
    if not isinstance(results, dict) or not results:
        raise ConfigError("no statistics to use: give {model: {condition: WindowStats}} with at "
                          "least one model", "evaluate a model first: {name: evaluate(model, ...)}")
    models = list(results)
    every = {c for per_condition in results.values() for c in per_condition}
    if not every:
        raise ConfigError("the statistics hold no test set", "evaluate at least one condition")
    for m in models:
        lacking = sorted(every - set(results[m]))
        if lacking:
            raise ConfigError(f"model {m!r} has no statistics on test set(s) "
                              f"{', '.join(map(repr, lacking))}, which other models have",
                              "evaluate every model on the same test sets, or leave it out")
    unknown = sorted(every - set(protocol.conditions))
    if unknown:
        raise ConfigError(f"test set(s) {', '.join(map(repr, unknown))} are not conditions of the "
                          f"protocol {protocol.name!r} ({', '.join(protocol.conditions)})",
                          "use the protocol the statistics were evaluated under")
    conditions = [c for c in protocol.conditions if c in every]
    first = results[models[0]][conditions[0]]
    for m in models:
        for c in conditions:
            st = results[m][c]
            if st.horizon != protocol.horizon:
                raise ConfigError(f"the statistics of model {m!r} on {c!r} cover {st.horizon} "
                                  f"steps ahead, but the protocol's horizon is {protocol.horizon}",
                                  "use the protocol the statistics were evaluated under")
            if set(st.sums) != set(first.sums) or st.group_names != first.group_names:
                raise ConfigError(f"the statistics of model {m!r} on {c!r} gather other "
                                  "statistics or neuron groups than the others",
                                  "evaluate every model and test set with the same options")
    return models, conditions


def stack_scorecards(cards, dim: str, values) -> xr.Dataset:
    """Scorecards of repeated runs (same dataset and protocol) stacked along a new dimension
    ``dim`` with coordinate ``values`` (one per card, in order), e.g. 'wiring' or 'seed'.

    Models missing from a run are NaN there (outer join on ``model``); the attrs are the
    first card's, with ``models`` (the fitted configs) as {value: models} and
    ``<dim>_values`` listing the values (comma-separated). Raises ConfigError if the counts
    differ, or if a card was computed under another protocol (context, horizon, conditions,
    splits) than the first.
    """
    cards, values = list(cards), list(values)
    if len(cards) != len(values) or not cards:
        raise ConfigError(f"stack_scorecards needs one value of {dim!r} per scorecard",
                          f"got {len(cards)} scorecard(s) and {len(values)} value(s)")
    first = scorecard_protocol(cards[0])
    for value, card in zip(values[1:], cards[1:], strict=True):
        protocol = scorecard_protocol(card)
        differ = protocol_differences(protocol, first)
        if differ:
            raise ConfigError(f"cannot stack the scorecard of {dim} {value!r} with that of "
                              f"{values[0]!r}: another protocol ({differ})",
                              "stack only runs of one protocol; compare others side by side")
    per_model = [v for v in cards[0].data_vars if "model" in cards[0][v].dims]
    out = xr.concat(cards, dim=pd.Index(np.array([str(v) for v in values]), name=dim), data_vars=per_model, coords="minimal",
                    compat="override", join="outer", combine_attrs="override")
    models = {str(v): json.loads(c.attrs["models"]) if isinstance(c.attrs.get("models"), str)
              else c.attrs.get("models", {}) for v, c in zip(values, cards, strict=True)}
    return out.assign_attrs(models=json.dumps(models, default=str), **{f"{dim}_values": ",".join(str(v) for v in values)})


def protocol_differences(protocol: Protocol, other: Protocol) -> str:
    """How ``protocol`` differs from ``other``, e.g. "context 8, not 4; horizon 16, not 32" ("" if equal)."""
    fields = [{f.name: getattr(p, f.name) for f in dataclasses.fields(Protocol)}
              for p in (protocol, other)]
    return "; ".join(f"{k} {fields[0][k]!r}, not {fields[1][k]!r}" for k in differing_fields(*fields))


def differing_fields(fields: dict, other: dict) -> list[str]:
    """The keys whose values differ between two field mappings (e.g. of protocols), those of
    ``fields`` first, then those only ``other`` has: a key one of them lacks differs."""
    missing = object()
    return [k for k in dict.fromkeys([*fields, *other])
            if fields.get(k, missing) != other.get(k, missing)]


def scorecard_protocol(card: xr.Dataset) -> Protocol:
    """The forecasting protocol a scorecard was computed under, rebuilt from its attrs and coords."""
    try:
        fields = {f: card.attrs[f"protocol_{f}"] for f in _PROTOCOL_FIELDS
                  if f"protocol_{f}" in card.attrs or f not in ("heldout_neurons", "neuron_seed")}
        scored = [str(c) for c in card["condition"].values]
        heldout = [c for c, h in zip(scored, card["heldout"].values, strict=True) if h]
        conditions = json.loads(card.attrs.get("protocol_conditions", json.dumps(scored)))
        return Protocol(str(card.attrs["protocol"]), conditions, fields.pop("offsets"), heldout,
                        context=int(card.attrs["context"]), horizon=int(card.attrs["horizon"]),
                        **{k: (int(v) if k in ("padding", "max_context", "neuron_seed") else float(v))
                           for k, v in fields.items()})
    except KeyError as exc:
        raise FormatError(f"the scorecard has no protocol attribute {exc}",
                          "read a scorecard written by neurocast bench") from None


#: Keys ``summary_table`` adds for seeds and seed ensembles (reports show them in their own table).
SEED_KEYS = ("n_seeds", "mae_ci", "mae_heldout_ci", "crps", "crps_heldout", "ensemble_mae",
             "ensemble_mae_heldout", "spread_skill", "spread_skill_heldout")


def _mean(values: np.ndarray) -> float | None:
    """Mean of the finite values (scores are NaN where a mask left nothing), or None if none."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else None


def _seed_ci(values) -> float | None:
    """95 % CI half-width over the seeds that have a value (None for fewer than 2)."""
    values = [v for v in values if v is not None]
    return float(seed_interval(values)[1]) if len(values) > 1 else None


def format_cell(mean: float, ci: float, digits: int = 4) -> str:
    """'mean ± ci', both with the same decimals: ``digits``, or more when the interval would
    round to zero (then as many as show its 2 leading digits, at most 8); the mean alone
    without an interval (None or NaN), '–' for a mean of None or NaN, 'inf' / '-inf' for an
    infinite one. A mean or interval of 1e6 or more in magnitude is written compactly, the mean
    to 4 significant digits (3 if the cell would pass 19 characters) and the interval to 2
    ('1.235e+12 ± 3'), so the seed table's column holds it."""
    if mean is None or np.isnan(mean):
        return "–"
    if np.isinf(mean):
        return "inf" if mean > 0 else "-inf"
    huge = abs(mean) >= 1e6
    text = f"{mean:.4g}" if huge else f"{mean:.{digits}f}"
    if ci is None or np.isnan(ci):
        return text
    if np.isinf(ci):
        return f"{text} ± inf"
    if huge or abs(ci) >= 1e6:
        text = f"{mean:.4g} ± {ci:.2g}"
        return text if len(text) <= 19 else f"{mean:.3g} ± {ci:.2g}"  # the seed table's column
    if 0 < abs(ci) < 0.5 * 10.0 ** -digits:
        digits = min(8, 1 - int(np.floor(np.log10(abs(ci)))))
    return f"{mean:.{digits}f} ± {ci:.{digits}f}"


def summary_table(card: xr.Dataset) -> dict:
    """Headline numbers per model (means over steps 1..H).

    Keys per model: mae / mse (mean over training conditions), mae_heldout / mse_heldout
    (mean over held-out conditions), mae_step1 and mae_step{H} (training conditions).
    A scorecard of several seeds (``score_by_seed``) adds n_seeds and mae_ci / mae_heldout_ci:
    the half-width of the 95 % CI of the mean over seeds of the per-seed ``mae`` /
    ``mae_heldout`` (Student's t, ``seed_interval``; None for one seed). One with seed ensembles
    adds crps / crps_heldout, ensemble_mae / ensemble_mae_heldout and spread_skill /
    spread_skill_heldout (the same means over conditions and steps; None without an ensemble).
    A value is None where there is nothing to average (no held-out condition, or every
    window masked out), so the table is valid JSON. A condition with no scored window (all
    skipped for NaN, or masked out) is NaN in ``score`` and left out of these means, which then
    cover the other conditions only (``run_benchmark`` adds a note naming it).
    """
    held = card["heldout"].values.astype(bool)
    h = int(card.sizes["steps_ahead"])
    seeds = "score_by_seed" in card and int(card.sizes["seed"]) > 1 and "mae" in card["metric"].values
    ensemble = [v for v in ("crps", "ensemble_mae", "spread_skill") if v in card]
    rows = {}
    for m in card["model"].values.tolist():
        s = card["score"].sel(model=m)
        row = {}
        for metric in card["metric"].values.tolist():
            v = s.sel(metric=metric).values  # (condition, step)
            row[metric] = _mean(v[~held])
            row[f"{metric}_heldout"] = _mean(v[held])
        if "mae" in card["metric"].values:
            mae = s.sel(metric="mae").values[~held]
            row["mae_step1"] = _mean(mae[:, 0])
            row[f"mae_step{h}"] = _mean(mae[:, -1])
        if seeds:
            row["n_seeds"] = int(card["n_seeds"].sel(model=m))
            per_seed = card["score_by_seed"].sel(model=m, metric="mae").values  # (seed, condition, step)
            for key, conds in (("mae_ci", ~held), ("mae_heldout_ci", held)):
                row[key] = _seed_ci([_mean(v[conds]) for v in per_seed])
        for var in ensemble:
            v = card[var].sel(model=m).values
            row[var], row[f"{var}_heldout"] = _mean(v[~held]), _mean(v[held])
        rows[m] = row
    return rows


def write_scorecard(card: xr.Dataset, out_dir: Path) -> dict[str, Path]:
    """Write ``scorecard.nc`` (netCDF3 via scipy) and ``scorecard.csv`` (long format) atomically."""
    out_dir = Path(out_dir)
    nc, csv = out_dir / "scorecard.nc", out_dir / "scorecard.csv"
    enc = card.copy()
    enc["heldout"] = enc["heldout"].astype(np.int8)
    enc["n_windows"] = enc["n_windows"].astype(np.int32)
    enc = enc.assign_coords(steps_ahead=enc["steps_ahead"].astype(np.int32))
    enc.attrs = netcdf3_attrs(enc.attrs)
    with atomic_path(nc) as tmp:
        enc.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")
    index = [d for d in card["score"].dims if d != "metric"]  # repeated dims (wiring, ...) first
    frame = _wide(card["score"], "{}")
    if "score_ci" in card and int(card.sizes.get("seed", 1)) > 1:  # 95 % CI half-widths over seeds
        frame = frame.merge(_wide(card["score_ci"], "{}_ci95"), on=index)
    for var in ("ensemble_mae", "crps", "spread_skill"):
        if var in card:
            frame = frame.merge(card[var].to_dataframe().reset_index()[[*card[var].dims, var]],
                                on=list(card[var].dims))
    held = dict(zip(card["condition"].values.tolist(), card["heldout"].values.tolist(), strict=True))
    frame.insert(frame.columns.get_loc("condition") + 1, "heldout", frame["condition"].map(held))
    with atomic_path(csv) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
    return {"netcdf": nc, "csv": csv}


def _wide(score: xr.DataArray, name: str):
    """A (..., model, condition, steps_ahead, metric) variable as a table with one column per metric."""
    index = [d for d in score.dims if d != "metric"]
    frame = score.rename("value").to_dataframe().reset_index()
    frame = frame.pivot_table(index=index, columns="metric",
                              values="value", sort=False, dropna=False).reset_index()
    frame.columns.name = None
    return frame.rename(columns={m: name.format(m) for m in score["metric"].values.tolist()})


def read_scorecard(path) -> xr.Dataset:
    """Read a ``scorecard.nc`` written by ``write_scorecard``."""
    path = Path(path)
    if not path.exists():
        raise FormatError(f"no scorecard at '{path}'", "run `neurocast bench` first")
    with xr.open_dataset(path, engine="scipy") as ds:
        card = ds.load()
    card.attrs = read_wide_ints(card.attrs)
    return card.assign_coords(heldout=card["heldout"].astype(bool))
