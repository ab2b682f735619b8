"""Saved statistics: evaluate anywhere, merge later, build the same scorecard bit for bit.

``write_statistics`` stores {model: {condition: WindowStats}} and the protocol as one netCDF
file: every statistic (and the counts) of every test set along one ``window`` dimension, with
the condition of each window as a coordinate. ``merge_statistics`` adds shards (other
conditions, other windows, other models) and ``build_scorecard`` turns the merged statistics
into a scorecard identical to the one of a single run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from neurocast._files import atomic_path
from neurocast.bench._metrics import WindowStats
from neurocast.bench._scorecard import _PROTOCOL_FIELDS, scorecard_protocol
from neurocast.data import Protocol
from neurocast.errors import FormatError

__all__ = ["merge_statistics", "read_statistics", "write_statistics"]


def write_statistics(results: dict[str, dict[str, WindowStats]], protocol: Protocol, path) -> Path:
    """Write the statistics of every model and test set to ``path`` (netCDF3, atomic)."""
    models = list(results)
    conditions = [c for c in protocol.conditions if c in results[models[0]]]
    first = results[models[0]][conditions[0]]
    window_condition = np.concatenate([[c] * results[models[0]][c].n_windows for c in conditions])
    data_vars = {}
    for name in [*first.sums, "count"]:
        stacked = np.stack([np.concatenate([
            (results[m][c].count if name == "count" else results[m][c].sums[name]) for c in conditions])
            for m in models])
        data_vars[name] = (("model", "window", "steps_ahead", "group"), stacked)
    attrs = {"protocol": protocol.name, "context": protocol.context, "horizon": protocol.horizon}
    for f in _PROTOCOL_FIELDS:
        value = getattr(protocol, f)
        attrs[f"protocol_{f}"] = list(value) if isinstance(value, tuple) else value
    conds = list(protocol.conditions)
    ds = xr.Dataset(data_vars, coords={
        "model": models, "window_condition": ("window", window_condition.astype(str)),
        "group": list(first.group_names), "condition": conds,
        "heldout": ("condition", np.array([c in protocol.heldout for c in conds], dtype=np.int8)),
    }, attrs=attrs)
    path = Path(path)
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")
    return path


def read_statistics(path) -> tuple[dict[str, dict[str, WindowStats]], Protocol]:
    """Read statistics written by ``write_statistics``: ({model: {condition: WindowStats}}, protocol)."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"no statistics file at '{path}'", "run `neurocast bench --out DIR` first")
    with xr.open_dataset(path, engine="scipy") as ds:
        ds = ds.load()
    protocol = scorecard_protocol(ds.assign_coords(heldout=ds["heldout"].astype(bool)))
    names = [v for v in ds.data_vars if v != "count"]
    where = ds["window_condition"].values.astype(str)
    results: dict[str, dict[str, WindowStats]] = {}
    for m in ds["model"].values.astype(str).tolist():
        results[m] = {}
        for c in dict.fromkeys(where):
            rows = where == c
            st = WindowStats(int(rows.sum()), protocol.horizon, ds["group"].values.astype(str), None, names)
            st.count = ds["count"].sel(model=m).values[rows].astype(np.int64)
            st.sums = {n: ds[n].sel(model=m).values[rows].astype(np.float64) for n in names}
            results[m][c] = st
    return results, protocol


def merge_statistics(*shards: dict[str, dict[str, WindowStats]]) -> dict[str, dict[str, WindowStats]]:
    """Combine shards: test sets or models found in one shard are taken as they are; a test set
    found in several is summed (its shards must cover disjoint windows or neurons)."""
    out: dict[str, dict[str, WindowStats]] = {}
    for shard in shards:
        for model, per_condition in shard.items():
            mine = out.setdefault(model, {})
            for condition, stats in per_condition.items():
                mine[condition] = stats if condition not in mine else mine[condition].merge(stats)
    return out
