"""The inference scorecard: an xarray.Dataset of method × metric, and its files (private)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast import __version__
from neurocast._files import atomic_path, netcdf3_attrs
from neurocast.infer._score import METRICS

__all__ = ["build_scorecard", "scorecard_summary", "write_scorecard"]


def build_scorecard(results: dict[str, dict], methods: dict, *, attrs: dict | None = None) -> xr.Dataset:
    """``score`` (method, metric) float64 from {method: {metric: value}}; coords ``directed``,
    ``signed`` and ``wall_s`` per method; attrs: provenance (non-scalar values as JSON)."""

    names = list(results)
    score = np.array([[results[m].get(k, np.nan) for k in METRICS] for m in names], dtype=np.float64)
    coords = {"method": names, "metric": list(METRICS),
              "directed": ("method", [bool(methods[m].directed) for m in names]),
              "signed": ("method", [bool(methods[m].signed) for m in names])}
    all_attrs = {"neurocast_version": __version__}
    for k, v in (attrs or {}).items():
        all_attrs[k] = v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)
    return xr.Dataset({"score": (("method", "metric"), score)}, coords=coords, attrs=all_attrs)


def scorecard_summary(card: xr.Dataset) -> dict:
    """{method: {metric: value or None}} (None where undefined, so it is valid JSON)."""
    out = {}
    for m in card["method"].values.tolist():
        row = card["score"].sel({"method": m}).values
        out[m] = {k: (float(v) if math.isfinite(v) else None) for k, v in zip(METRICS, row, strict=True)}
    return out


def write_scorecard(card: xr.Dataset, out_dir: Path) -> dict[str, Path]:
    """``infer_scorecard.nc`` (netCDF3 via scipy) and ``infer_scorecard.csv`` (one row per method)."""
    out_dir = Path(out_dir)
    nc, csv = out_dir / "infer_scorecard.nc", out_dir / "infer_scorecard.csv"
    enc = card.assign_coords(directed=card["directed"].astype(np.int8), signed=card["signed"].astype(np.int8))
    enc.attrs = netcdf3_attrs(enc.attrs)  # a seed >= 2**31 as text: netCDF3 has no int64
    with atomic_path(nc) as tmp:
        enc.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")
    frame = card["score"].to_pandas()
    frame.insert(0, "directed", card["directed"].values)
    frame.insert(1, "signed", card["signed"].values)
    with atomic_path(csv) as tmp:
        frame.to_csv(tmp, float_format="%.6g")
    return {"netcdf": nc, "csv": csv}
