"""Neuron selections, per-neuron values and name patterns (private; base layer).

One set of rules for every place that takes neurons: ``Connectome.index_of`` and
``Connectome.subnetwork`` (connectome layer), ``resolve_neurons`` and so ``simulate`` /
``build_network`` (sim), and the name patterns of a stimulus plan's ``Drive`` (record).
It sits below the connectome layer, so that each of them may use it.

A notebook's natural selection is a pandas boolean Series (``w.neurons.name.str.startswith(
"ASH")``) or a list of bools; read as a list of ids, its True and False would be the ids 1 and 0
and pick the wrong neurons without a word. Here:

- a flag array (NumPy bool array, pandas Series or Index of bool or nullable ``boolean`` dtype,
  xarray bool DataArray, list or tuple whose items are all ``bool``/``np.bool_``) is a mask with
  one flag per neuron; another length, a missing flag (``pd.NA``), a lone True/False and
  flags mixed with names or ids are refused (``flag_mask``);
- a pandas Series is matched to the neurons by its index (``series_values``): the default index
  0..N-1 in order (that of the connectome's neuron table, ``connectome.neurons``, so its
  columns and what is computed from them work as they are) is read in order; an index of the
  neuron names (each name once, every neuron named) is aligned by name; any other index (ids,
  positions in another order, some names only) is refused with the fix, since integer labels
  could be ids or positions. Names must be unique in the connectome to align by name;
- a name pattern (``is_pattern``: a string holding ``*``, ``?`` or ``[``) is matched the
  fnmatch way, case included, against the names (``glob_mask``) where no neuron is named
  exactly so (``Connectome.index_of`` tries the exact name, then the id, then the pattern);
  a pattern that matches no neuron is refused naming it and close names
  (``pattern_positions``).
"""

from __future__ import annotations

import difflib
import fnmatch
import re

import numpy as np
import pandas as pd

from neurocast.errors import ConfigError, UnknownNameError

__all__ = ["flag_mask", "glob_mask", "is_flag", "is_pattern", "pattern_positions", "series_values"]

_GLOB_CHARS = frozenset("*?[")

_FLAG_HINT = ("pass names, ids or positions, or a boolean mask with one flag per neuron "
              "(e.g. connectome.neurons['name'].str.startswith('ASH'))")


def is_flag(value) -> bool:
    """True for a bool or a np.bool_ (which is no Python bool)."""
    return isinstance(value, (bool, np.bool_))


def series_values(series: pd.Series, connectome, what: str) -> np.ndarray:
    """The values of ``series`` in the connectome's neuron order (see the module docstring).

    The default index 0..K-1 gives the values in order, whatever K (the caller checks the
    length); a name index is aligned by name; ConfigError naming ``what`` for anything else.
    """
    index = series.index
    if index.equals(pd.RangeIndex(len(index))):
        return series.to_numpy()
    n = connectome.n_neurons
    names = pd.Index(connectome.names)
    fix = ("pass series.reindex(connectome.names).to_numpy() (an index of names), "
           "series.reindex(connectome.ids).to_numpy() (an index of ids), or series.to_numpy() "
           "to take the values in their order")
    if not (index.inferred_type in ("string", "empty") and len(index)):
        shown = ", ".join(map(repr, index[:3].tolist())) + (", ..." if len(index) > 3 else "")
        raise ConfigError(
            f"{what}: a pandas Series is matched to the neurons by its index, which must be "
            f"0..{n - 1} in order (as connectome.neurons has) or the neuron names; this one's "
            f"is neither ({shown}), and integer labels could be ids or positions", fix)
    if not names.is_unique:
        raise ConfigError(f"{what}: a pandas Series indexed by name cannot be aligned: neuron "
                          f"names are not unique in {connectome.name or 'the connectome'}", fix)
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise ConfigError(f"{what}: the Series index names {dup!r} more than once", fix)
    missing, extra = names.difference(index, sort=False), index.difference(names, sort=False)
    if len(missing) or len(extra):
        parts = []
        if len(extra):
            parts.append(f"{len(extra)} name(s) no neuron has ({', '.join(map(repr, extra[:3].tolist()))}"
                         + (", ..." if len(extra) > 3 else "") + ")")
        if len(missing):
            parts.append(f"no value for {len(missing)} neuron(s) ({', '.join(map(repr, missing[:3].tolist()))}"
                         + (", ..." if len(missing) > 3 else "") + ")")
        raise ConfigError(f"{what}: a pandas Series indexed by name must name each of the {n} "
                          f"neurons once; this one has " + " and ".join(parts),
                          "series.reindex(connectome.names, fill_value=...).to_numpy() fills "
                          "the neurons it lacks; or " + fix.split(", ", 1)[1])
    return series.reindex(names).to_numpy()


def flag_mask(connectome, neurons) -> np.ndarray | None:
    """The bool mask (N,) that ``neurons`` is, or None if it is no flag array (see the module
    docstring). ConfigError for a lone flag, flags mixed with other items, a missing flag, a
    Series index that does not match, and a length other than N."""
    n = connectome.n_neurons
    if is_flag(neurons):
        raise ConfigError(f"a neuron selection of {neurons!r} (True/False) is a flag, not a "
                          "neuron: it would be read as the id " + str(int(neurons)), _FLAG_HINT)
    if isinstance(neurons, (list, tuple)):
        flags = [is_flag(x) for x in neurons]
        if not any(flags):
            return None
        if not all(flags):
            raise ConfigError("a neuron selection mixes flags (True/False) with names or ids; a "
                              "flag would be read as the id 1 or 0", _FLAG_HINT)
        mask = np.array(neurons, dtype=bool)
    elif isinstance(neurons, (pd.Series, pd.Index)) and (pd.api.types.is_bool_dtype(neurons.dtype)):
        if neurons.isna().any():
            raise ConfigError("a boolean neuron mask holds missing values (NA)",
                              "fill them first, e.g. mask.fillna(False)")
        values = (series_values(neurons, connectome, "a boolean neuron mask")
                  if isinstance(neurons, pd.Series) else neurons.to_numpy())
        mask = np.asarray(values, dtype=bool)
    elif getattr(getattr(neurons, "dtype", None), "kind", "") == "b":  # ndarray, DataArray, ...
        mask = np.asarray(neurons)
    else:
        return None
    if mask.shape != (n,):
        got = mask.shape if mask.ndim != 1 else len(mask)
        raise ConfigError(f"a boolean neuron mask must have one flag per neuron ({n}), not {got}",
                          "build it from the connectome's neuron table, e.g. "
                          "connectome.neurons['name'].str.startswith('ASH')")
    return mask


def is_pattern(text) -> bool:
    """True for a string holding a glob character (``*``, ``?`` or ``[``)."""
    return isinstance(text, str) and not _GLOB_CHARS.isdisjoint(text)


def glob_mask(values, pattern: str) -> np.ndarray:
    """bool (len(values),): which strings match the fnmatch-style ``pattern``, case included
    (``*`` any text, ``?`` one character, ``[LR]`` one of a set). One regular expression over
    the distinct values, so fly-scale tables take milliseconds."""
    values = np.asarray(values, dtype=object).astype(str)
    if not len(values):
        return np.zeros(0, dtype=bool)
    rx = re.compile(fnmatch.translate(pattern))
    uniq, inv = np.unique(values, return_inverse=True)
    return np.array([rx.match(u) is not None for u in uniq], dtype=bool)[inv.ravel()]


def pattern_positions(connectome, pattern: str) -> np.ndarray:
    """Positions (int64, ascending) of the neurons whose name matches ``pattern``
    (``glob_mask``). UnknownNameError naming the pattern and close names if none does."""
    names = np.asarray(connectome.names).astype(str)
    hit = np.flatnonzero(glob_mask(names, pattern)).astype(np.int64)
    if len(hit):
        return hit
    literal = "".join(ch for ch in pattern if ch not in "*?[]")
    known = list(dict.fromkeys(names.tolist()))
    by_lower = {}
    for k in known:
        by_lower.setdefault(k.lower(), k)
    close = [by_lower[c] for c in difflib.get_close_matches(literal.lower(), list(by_lower), n=5, cutoff=0.5)]
    prefix = pattern.split("*")[0].split("?")[0].split("[")[0]
    if not close and prefix:
        close = [k for k in known if k.startswith(prefix[:-1] or prefix)][:5]
    hint = ("close names: " + ", ".join(map(repr, close)) if close
            else f"{len(known)} neurons, e.g. " + ", ".join(map(repr, known[:5])))
    raise UnknownNameError(
        f"no neuron (in {connectome.name or 'connectome'}) matches the name pattern {pattern!r} "
        "(* any text, ? one character, [LR] one of a set; case included)", hint)
