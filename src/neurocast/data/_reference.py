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
    "reference_choice",
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
    ``inside`` is True/False (None where either side is NaN or missing); ``n_scored`` counts
    the SCORED_STATISTICS that could be scored (``inside`` not None: a value on both sides; a
    recording too short or too small for a statistic leaves it out), ``n_inside`` those of them
    inside their ranges. Raises ConfigError if ``stats`` or ``reference`` holds none of the
    STATISTICS.
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
    scored = [k for k in SCORED_STATISTICS if k in rows and rows[k]["inside"] is not None]
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
    """The shipped reference group a dataset is compared with by default, "celegans" or
    "zebrafish" (``reference_choice``, which also says why)."""
    return reference_choice(ds)[0]


#: Share of a recording's named neurons that must be C. elegans neuron names for it to count as
#: a worm recording (``reference_choice``), and the fewest such names.
WORM_NAME_SHARE = 0.5
WORM_NAME_MIN = 2


@cache
def _worm_names() -> frozenset[str]:
    """The 302 standard C. elegans hermaphrodite neuron names (cect's list, which the built-in
    worm connectomes use), upper case; read once."""
    # cect: the C. elegans data package (a dependency); its Cells module imports in ~20 ms
    from cect.Cells import PREFERRED_HERM_NEURON_NAMES

    return frozenset(str(n).upper() for n in PREFERRED_HERM_NEURON_NAMES)


def _is_named(label: str) -> bool:
    """False for the names neurocast gives unnamed neurons ('unnamed-3') and bare numbers (ROI
    indices, ids): these say nothing about the animal."""
    return bool(label) and not label.startswith("unnamed-") and not label.isdigit()


def worm_name_count(names) -> tuple[int, int]:
    """(how many of ``names`` are C. elegans neuron names, how many are named at all): case
    ignored, a repeat's '#2' suffix dropped; unnamed neurons and bare numbers not counted."""
    labels = [str(n).strip().split("#")[0].upper() for n in np.asarray(names).ravel().tolist()]
    named = [lab for lab in labels if _is_named(lab.lower())]
    worm = _worm_names()
    return sum(lab in worm for lab in named), len(named)


def reference_choice(ds) -> tuple[str, str]:
    """(group, why): the shipped reference group a dataset is compared with by default, and the
    reason, in words. "celegans" if it was recorded on a C. elegans connectome (its ``source``
    names one), has one attached whose name says so, or its neuron names are mostly C. elegans
    neuron names (at least ``WORM_NAME_SHARE`` of its named neurons and ``WORM_NAME_MIN``: an
    imported worm recording, whatever its connectome or file is called); else "zebrafish"."""
    source = str(ds.attrs.get("source", ""))
    if source.lower().startswith("celegans"):
        return "celegans", f"recorded on the C. elegans connectome {source.split(':')[0]!r}"
    where = ds.encoding.get("neurocast_path")
    attached = Connectome.saved_name(Path(where) / CONNECTOME_FILE) if where else ""
    if attached.lower().startswith("celegans"):
        return "celegans", f"the C. elegans connectome {attached!r} is attached"
    names = ds["neuron"].values if "neuron" in ds.coords else []
    worm, named = worm_name_count(names)
    if worm >= WORM_NAME_MIN and worm >= WORM_NAME_SHARE * named:
        return "celegans", f"{worm:,} of its {named:,} named neurons are C. elegans neuron names"
    said = (f"only {worm:,} of its {named:,} named neurons are C. elegans neuron names" if worm
            else "none of its neuron names is a C. elegans neuron name")
    return "zebrafish", f"no C. elegans connectome is named and {said}"


def resolve_reference(spec: str | None, *, dataset=None) -> tuple[str, dict] | None:
    """(label, ranges) for ``compare_stats`` from a command-line style specification.

    spec: None (the shipped group of ``dataset``, ``reference_choice``, whose reason the label
      gives; "zebrafish" without one), a group of the shipped table ("celegans", "zebrafish",
      "all"), or a ``.csv`` table (ranges over all its rows). Anything else is taken for a
      dataset: returns None (the caller computes that dataset's statistics).
    """
    why = ""
    if spec is None:
        spec, why = ("zebrafish", "") if dataset is None else reference_choice(dataset)
    if spec in REFERENCE_GROUPS:
        return (f"real {spec} recordings (shipped table{'; chosen because ' + why if why else ''})",
                reference_ranges(spec))
    if str(spec).lower().endswith(".csv"):
        return f"table {spec}", reference_ranges("all", table=reference_table(spec))
    return None
