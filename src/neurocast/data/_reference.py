"""Reference ranges of the realism statistics from real recordings, and comparisons (private).

The shipped table ``realism_reference.csv`` (package data) holds one row per real recording
(three C. elegans worms, three zebrafish recordings; sources in its ``source`` column and in
docs/realism.md), measured with the definitions of ``neurocast.data._stats``.
"""

from __future__ import annotations

import importlib.resources
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.connectome import Connectome
from neurocast.data._stats import STATISTICS
from neurocast.data._store import CONNECTOME_FILE
from neurocast.errors import ConfigError, FormatError, unknown_name

__all__ = [
    "REFERENCE_GROUPS",
    "SCORED_STATISTICS",
    "compare_stats",
    "reference_group",
    "reference_ranges",
    "reference_table",
    "resolve_reference",
]

#: The six statistics the realism target counts (issue 17's table), in table order.
SCORED_STATISTICS = ("lag1_autocorr", "acf_half_life_s", "median_abs_r", "pc1_5", "pr_over_n",
                     "mae32_over_mae1")
#: Groups of rows in the shipped table ("all": every row).
REFERENCE_GROUPS = ("celegans", "zebrafish", "all")


@cache
def _shipped():
    with importlib.resources.files("neurocast.data").joinpath("realism_reference.csv").open("rb") as f:
        return pd.read_csv(f)


def reference_table(path: str | Path | None = None):
    """The reference rows as a ``pandas.DataFrame`` (a copy): the shipped table, or a CSV at ``path``.

    Columns: ``recording``, ``group``, ``frame_s``, ``n_frames``, ``n_neurons``, one per
    statistic of ``STATISTICS``, ``source``. A user CSV needs ``recording`` and at least one
    statistic column; raises FormatError otherwise.
    """
    if path is None:
        return _shipped().copy()
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise FormatError(f"cannot read reference table '{path}': {exc}",
                          "give a CSV with a 'recording' column and statistic columns") from None
    if "recording" not in table.columns or not set(STATISTICS) & set(table.columns):
        raise FormatError(f"reference table '{path}' needs a 'recording' column and statistic columns",
                          "statistic columns: " + ", ".join(STATISTICS))
    if "group" not in table.columns:
        table["group"] = "all"
    return table


def reference_ranges(group: str = "all", *, table=None) -> dict[str, tuple[float, float]]:
    """(min, max) over the rows of ``group`` for every statistic in the table.

    group: "celegans", "zebrafish" or "all" (shipped table), or a group name of ``table``.
    Raises UnknownNameError for a group with no rows.
    """
    table = reference_table() if table is None else table
    rows = table if group == "all" else table[table["group"] == group]
    if rows.empty:
        raise unknown_name("reference group", group, [*sorted(set(table["group"])), "all"])
    return {k: (float(rows[k].min()), float(rows[k].max())) for k in STATISTICS if k in rows.columns}


def compare_stats(stats: dict, reference: dict) -> dict:
    """Where each statistic of ``stats`` lies relative to ``reference``.

    stats: one stats dict (e.g. ``realism_stats(...)["overall"]``; the whole result of
      ``realism_stats`` stands for its "overall").
    reference: statistic -> (low, high) ranges (``reference_ranges``), or another stats dict
      (a reference dataset: then low = high = its value; a whole ``realism_stats`` result too).
    Returns ``{"rows": {stat: {"value", "low", "high", "inside"}}, "n_inside", "n_scored"}``;
    ``inside`` is True/False (None where either side is NaN or missing); ``n_inside`` counts
    the SCORED_STATISTICS inside their ranges. Raises ConfigError if ``stats`` or
    ``reference`` holds none of the STATISTICS.
    """
    stats, reference = (_overall(d, what) for d, what in ((stats, "stats"), (reference, "reference")))
    rows = {}
    for key in STATISTICS:
        ref = reference.get(key)
        if ref is None:
            continue
        low, high = (ref, ref) if np.isscalar(ref) else (float(ref[0]), float(ref[1]))
        value = float(stats.get(key, float("nan")))
        ok = None if not (np.isfinite(value) and np.isfinite(low) and np.isfinite(high)) \
            else bool(low <= value <= high)
        rows[key] = {"value": value, "low": float(low), "high": float(high), "inside": ok}
    scored = [k for k in SCORED_STATISTICS if k in rows]
    return {"rows": rows, "n_inside": sum(rows[k]["inside"] is True for k in scored), "n_scored": len(scored)}


def _overall(d: dict, what: str) -> dict:
    """``d``, or its "overall" statistics if it is a whole ``realism_stats`` result; ConfigError
    if it then holds none of the STATISTICS."""
    if isinstance(d, dict) and isinstance(d.get("overall"), dict):
        d = d["overall"]
    if not isinstance(d, dict) or not any(key in d for key in STATISTICS):
        raise ConfigError(f"compare_stats: {what} holds none of the realism statistics",
                          "give realism_stats(ds)['overall'] (or realism_stats' whole result) and "
                          "reference_ranges(group)")
    return d


def reference_group(ds) -> str:
    """The shipped reference group a dataset is compared with by default: "celegans" if it was
    recorded on a C. elegans connectome (its ``source`` names one) or has one attached (an
    imported worm recording), else "zebrafish"."""
    where = ds.encoding.get("neurocast_path")
    attached = Connectome.saved_name(Path(where) / CONNECTOME_FILE) if where else ""
    named = (str(ds.attrs.get("source", "")), attached)
    return "celegans" if any(n.lower().startswith("celegans") for n in named) else "zebrafish"


def resolve_reference(spec: str | None, *, dataset=None) -> tuple[str, dict] | None:
    """(label, ranges) for ``compare_stats`` from a command-line style specification.

    spec: None (the shipped group of ``dataset``, ``reference_group``; "zebrafish" without
      one), a group of the shipped table ("celegans", "zebrafish", "all"), or a ``.csv`` table
      (ranges over all its rows). Anything else is taken for a dataset: returns None (the
      caller computes that dataset's statistics).
    """
    if spec is None:
        spec = "zebrafish" if dataset is None else reference_group(dataset)
    if spec in REFERENCE_GROUPS:
        return f"real {spec} recordings (shipped table)", reference_ranges(spec)
    if str(spec).lower().endswith(".csv"):
        return f"table {spec}", reference_ranges("all", table=reference_table(spec))
    return None
