"""Output helpers shared by the sub-commands."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from neurocast._files import json_default
from neurocast.errors import ConfigError

MAX_WORKERS_PER_CORE = 4  # a local cluster's workers are processes: more than this only thrash


def check_workers(n_workers: int, scheduler: str | None) -> None:
    """--workers of a local Dask cluster: 1 to MAX_WORKERS_PER_CORE per core of this machine.

    With --scheduler the cluster is elsewhere and --workers is not used. Raises ConfigError.
    """
    cores = os.cpu_count() or 1
    top = MAX_WORKERS_PER_CORE * cores
    if n_workers < 1 or (scheduler is None and n_workers > top):
        raise ConfigError(f"--workers must be between 1 and {top} on this machine ({cores} cores), "
                          f"got {n_workers}",
                          f"e.g. --workers {cores}; for more, start a Dask cluster and pass --scheduler ADDRESS")


def print_json(obj) -> None:
    """Print one JSON object on stdout: strict JSON, NaN and ±inf (an undefined number) as null
    (``json.dump`` would write the bare tokens NaN / Infinity, which JSON parsers refuse)."""
    json.dump(_finite_json(obj), sys.stdout, default=lambda o: _finite_json(json_default(o)),
              allow_nan=False)
    sys.stdout.write("\n")


def _finite_json(obj):
    """``obj`` with every float NaN/±inf (Python or NumPy, in dicts, lists, tuples and arrays)
    replaced by None; NumPy scalars and arrays as plain values; anything else unchanged."""
    if isinstance(obj, dict):
        return {k: _finite_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite_json(v) for v in obj]
    if isinstance(obj, (np.ndarray, np.generic)):
        return _finite_json(obj.tolist() if isinstance(obj, np.ndarray) else obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def print_listing(key: str, rows: list[dict], as_json: bool, extra: str | None = None) -> int:
    """A listing (``--models``, ``--methods``, ``connectome list``): {key: rows} as JSON, else
    one aligned line per row, name then description (then ``[row[extra]]``). Returns 0."""
    if as_json:
        print_json({key: rows})
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['description']}" + (f"  [{r[extra]}]" if extra else ""))
    return 0


def info(*parts) -> None:
    """A message for the person (stderr)."""
    print(*parts, file=sys.stderr)


def print_notes(notes) -> None:
    """What a run left out and why (a result's ``notes``): one ``note: ...`` line each, on
    stderr (stdout stays for the result, or its JSON)."""
    for note in notes:
        info(f"note: {note}")


def count(n: int, noun: str) -> str:
    """'1 neuron', '2,000 neurons': n with the noun in the singular or the plural (+s)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def split_list(text: str) -> list[str]:
    """'a,b, c' -> ['a', 'b', 'c'] (empty items dropped)."""
    return [p.strip() for p in text.split(",") if p.strip()]


def check_not_in_input(out: str | os.PathLike, dataset: str | os.PathLike, flag: str) -> None:
    """Refuse an output folder that is the input dataset store (a path) or lies inside it: its
    files would be mixed into the recording's. Raises ConfigError."""
    store, target = Path(dataset).resolve(), Path(out).resolve()
    if Path(dataset).exists() and (target == store or store in target.parents):
        where = "is" if target == store else "lies inside"
        raise ConfigError(f"{flag} '{out}' {where} the input dataset '{dataset}'; its files would "
                          "be written among the recording's",
                          f"choose another folder, e.g. {flag} {store.stem or 'dataset'}-results")
