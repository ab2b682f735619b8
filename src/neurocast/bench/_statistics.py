"""Saved statistics: evaluate anywhere, merge later, build the same scorecard bit for bit.

``write_statistics`` stores {model: {condition: WindowStats}} and the protocol as one netCDF
file: every statistic (and the counts) of every test set along one ``window`` dimension, with
the condition of each window as a coordinate. ``merge_statistics`` joins shards (other
conditions, other models) evaluated under one protocol, and ``build_scorecard`` turns the
merged statistics into a scorecard identical to the one of a single run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast._files import atomic_path, netcdf3_attrs, read_wide_ints
from neurocast.bench._metrics import WindowStats
from neurocast.bench._scorecard import (
    _PROTOCOL_FIELDS,
    check_statistics,
    protocol_differences,
    scorecard_protocol,
)
from neurocast.data import Protocol
from neurocast.errors import FormatError

__all__ = ["merge_statistics", "read_statistics", "write_statistics"]

#: Protocol fields a statistics file stores besides those of a scorecard (a shard of another
#: cross-validation fold is another protocol).
_FOLD_FIELDS = ("folds", "fold")
#: What a statistics file holds, besides one variable per statistic.
_LAYOUT = ("count", "window_condition", "model", "group", "heldout")


def write_statistics(results: dict[str, dict[str, WindowStats]], protocol: Protocol, path) -> Path:
    """Write the statistics of every model and test set to ``path`` (netCDF3, atomic).

    Raises ConfigError if ``results`` holds no model, if its models do not cover the same test
    sets, or if they are not test sets of ``protocol`` evaluated at its horizon.
    """
    models, conditions = check_statistics(results, protocol)
    first = results[models[0]][conditions[0]]
    window_condition = np.concatenate([[c] * results[models[0]][c].n_windows for c in conditions])
    data_vars = {}
    for name in [*first.sums, "count"]:
        stacked = np.stack([np.concatenate([
            (results[m][c].count if name == "count" else results[m][c].sums[name]) for c in conditions])
            for m in models])
        data_vars[name] = (("model", "window", "steps_ahead", "group"), stacked)
    attrs = {"protocol": protocol.name, "context": protocol.context, "horizon": protocol.horizon}
    for f in (*_PROTOCOL_FIELDS, *_FOLD_FIELDS):
        value = getattr(protocol, f)
        attrs[f"protocol_{f}"] = list(value) if isinstance(value, tuple) else value
    conds = list(protocol.conditions)
    ds = xr.Dataset(data_vars, coords={
        "model": models, "window_condition": ("window", window_condition.astype(str)),
        "group": list(first.group_names), "condition": conds,
        "heldout": ("condition", np.array([c in protocol.heldout for c in conds], dtype=np.int8)),
    }, attrs=netcdf3_attrs(attrs))
    path = Path(path)
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")
    return path


def read_statistics(path) -> tuple[dict[str, dict[str, WindowStats]], Protocol]:
    """Read statistics written by ``write_statistics``: ({model: {condition: WindowStats}}, protocol).

    Raises FormatError for a missing file or one that is not a statistics file (a scorecard,
    another netCDF file, not netCDF at all).
    """
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"no statistics file at '{path}'", "run `neurocast bench --out DIR` first")
    hint = ("give a statistics file: write_statistics writes one, `neurocast bench --out DIR` "
            "writes DIR/statistics.nc (a scorecard.nc is read by read_scorecard)")
    try:
        with xr.open_dataset(path, engine="scipy") as ds:
            ds = ds.load()
        ds.attrs = read_wide_ints(ds.attrs)
    except (OSError, TypeError, ValueError) as exc:
        raise FormatError(f"'{path}' is not a netCDF file of statistics ({exc})", hint) from None
    missing = [v for v in _LAYOUT if v not in ds.variables] + [
        f"attribute {a!r}" for a in ("protocol", "context", "horizon") if a not in ds.attrs]
    if missing:
        raise FormatError(f"'{path}' is not a statistics file: it has no {', '.join(missing)}", hint)
    protocol = scorecard_protocol(ds.assign_coords(heldout=ds["heldout"].astype(bool)))
    protocol = dataclasses.replace(protocol, **{
        f: int(ds.attrs[f"protocol_{f}"]) for f in _FOLD_FIELDS if f"protocol_{f}" in ds.attrs})
    names = [v for v in ds.data_vars if v != "count"]
    where = ds["window_condition"].values.astype(str)
    conditions = list(dict.fromkeys(where.tolist()))  # str, not numpy str
    results: dict[str, dict[str, WindowStats]] = {}
    for m in ds["model"].values.astype(str).tolist():
        results[m] = {}
        for c in conditions:
            rows = where == c
            st = WindowStats(int(rows.sum()), protocol.horizon, ds["group"].values.astype(str), None, names)
            st.count = ds["count"].sel(model=m).values[rows].astype(np.int64)
            st.sums = {n: ds[n].sel(model=m).values[rows].astype(np.float64) for n in names}
            results[m][c] = st
    return results, protocol


def merge_statistics(*shards) -> dict[str, dict[str, WindowStats]]:
    """Join shards of one evaluation: {model: {condition: WindowStats}} each, or the
    (statistics, protocol) pairs ``read_statistics`` returns, passed as they are so that their
    protocols are compared (statistics alone do not say their context).

    A shard adds test sets (``evaluate(..., conditions=[...])``) or models; a model × test set
    found in several shards is summed (``WindowStats.merge``: the shards cover disjoint windows
    or neurons, e.g. masks of other neurons), and every model ends up with the same test sets.
    Raises FormatError naming the shards (numbered from 1) and what differs if they were
    computed under different protocols, horizons, statistics or neuron groups, if two shards
    hold identical statistics of a model × test set (the same shard twice), or if a model lacks
    test sets another model has.
    """
    protocols = {}
    out: dict[str, dict[str, WindowStats]] = {}
    source: dict[tuple[str, str], int] = {}  # (model, condition) -> the first shard holding it
    shards_seen: dict[tuple[str, str], list[WindowStats]] = {}  # each shard's own statistics
    layout: tuple[tuple, int] | None = None  # ((horizon, statistics, groups), its shard), first seen
    for i, shard in enumerate(shards, 1):
        if isinstance(shard, tuple) and len(shard) == 2 and isinstance(shard[1], Protocol):
            shard, protocols[i] = shard
        if not isinstance(shard, dict):
            raise FormatError(f"cannot merge shard {i}: a {type(shard).__name__}, not statistics",
                              "give {model: {condition: WindowStats}} or read_statistics(path)")
        for model, per_condition in shard.items():
            for condition, stats in per_condition.items():
                mine = (stats.horizon, tuple(sorted(stats.sums)), stats.group_names)
                if layout is None:
                    layout = (mine, i)
                elif mine != layout[0]:
                    raise FormatError(f"cannot merge shard {i} with shard {layout[1]}: "
                                      f"{_layout_difference(mine, layout[0])}",
                                      "evaluate every shard with the same protocol and options")
                mine_so_far = out.setdefault(model, {})
                if (model, condition) in source:
                    if any(_identical(stats, seen) for seen in shards_seen[model, condition]):
                        raise FormatError(
                            f"cannot merge shard {i}: model {model!r} on test set {condition!r} "
                            f"is the same as in shard {source[model, condition]} (the same shard "
                            "twice?)", "give each shard once")
                    stats = mine_so_far[condition].merge(stats)
                else:
                    source[model, condition] = i
                shards_seen.setdefault((model, condition), []).append(per_condition[condition])
                mine_so_far[condition] = stats
    _same_protocol(protocols)
    _same_test_sets(out)
    return out


def _identical(a: WindowStats, b: WindowStats) -> bool:
    """True if two shards' statistics of a test set are the same numbers (one shard twice)."""
    return np.array_equal(a.count, b.count) and all(np.array_equal(a.sums[k], b.sums[k])
                                                    for k in a.sums)


def _layout_difference(mine: tuple, first: tuple) -> str:
    """Which of (horizon, statistics, groups) differ, e.g. 'horizon 16, not 32'."""
    what = ("horizon", "statistics", "neuron groups")
    return "; ".join(f"{w} {_listed(a)}, not {_listed(b)}"
                     for w, a, b in zip(what, mine, first, strict=True) if a != b)


def _listed(value) -> str:
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def _same_protocol(protocols: dict[int, Protocol]) -> None:
    if not protocols:
        return
    (k, first), *others = protocols.items()
    for i, protocol in others:
        differ = protocol_differences(protocol, first)
        if differ:
            raise FormatError(f"cannot merge shard {i} with shard {k}: they were evaluated under "
                              f"different protocols ({differ})",
                              "merge only shards of one protocol (same context, horizon, splits)")


def _same_test_sets(merged: dict[str, dict[str, WindowStats]]) -> None:
    every = {c for per_condition in merged.values() for c in per_condition}
    for model, per_condition in merged.items():
        lacking = sorted(every - set(per_condition))
        if lacking:
            raise FormatError(f"cannot merge: model {model!r} has no statistics on test set(s) "
                              f"{', '.join(map(repr, lacking))}, which other models have",
                              "add the shard that scores it there, or leave the model out")
