"""Stimulus covariates a matrix file carries beside its traces: ``--stimulus-columns`` (private).

``load_matrix(..., stimulus_columns=["stim", "laser"])`` reads the named columns of a table
(CSV/TSV/text, an Excel worksheet: ``table_covariates``) or the named arrays of a container
(.npz, .mat, HDF5, JSON: ``take_arrays``, then ``container_covariates``) as the recording's
stimulus covariates (the ``stimulus`` variable, (time, covariate), each covariate named as the
file names it) instead of as neurons; an import note says which.

Names are compared ignoring case and the spaces around them (``_find``): the name as given
first ('Laser (mW)', 'laser (mw)'); if no column is called so, a name given without a unit
also matches a column named by it and a unit in brackets ('laser' matches 'Laser (mW)',
'velocity' matches 'Velocity (mm/s)'), never one with other words ('laser' is not 'laser_on').
A container's keys match as a whole ('behavior/velocity') or by their last part ('velocity').
A name that matches nothing is refused, listing what could be meant; one that matches several
columns, listing them.

A covariate holds one finite number per frame: text (condition labels per frame) is refused
with a pointer to ``--conditions``, an empty cell, NaN or inf is refused naming the column and
its first such row (no model masks a missing covariate), and so is a container array of another
length than the traces' frames (or of another shape than one value per frame). True/false
values are read as 1 and 0. With ``--resample`` the covariates are interpolated onto the
traces' grid as the traces are (``resample_covariates``); a grid frame inside a pause in
acquisition, NaN in the traces (``--allow-nan``), holds the covariate's last recorded value.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from neurocast.data._loading import resample_uniform, unique_names
from neurocast.data._matrix_keys import BRACKETED_UNIT, named_like_covariate
from neurocast.errors import ConfigError, FormatError

__all__ = ["Covariates", "container_covariates", "flag_for", "no_columns", "no_header",
           "resample_covariates", "stimulus_names", "table_covariates", "table_transposed",
           "take_arrays", "with_names_hint"]

#: The flag, and the option in Python, named in messages.
FLAG = "--stimulus-columns"
_OPTION = "stimulus_columns="
_FILL_HINT = ("a stimulus covariate holds a number in every frame (no model masks a missing "
              "one): fill the missing values (0 for no stimulus, or the value before) and import "
              f"again, or leave the column out of {FLAG}")
_TEXT_HINT = ("give the stimulus as a number per frame (1 on and 0 off, or its intensity); "
              "labels of blocks of frames are conditions: leave the {kind} out of "
              f"{FLAG}" + "{drop} and give the blocks with --conditions OFFSETS:NAMES (e.g. "
              "--conditions 0,600,1200:rest,stim)")


@dataclass(frozen=True)
class Covariates:
    """Stimulus covariates read from a file: ``values`` (time, covariate), float, and their
    ``names`` as the file gives them."""

    values: np.ndarray
    names: tuple[str, ...]

    def dataset_options(self) -> dict:
        """The ``make_dataset`` options that store them."""
        return {"stimulus": self.values, "covariate": list(unique_names(self.names))}


def stimulus_names(given) -> list[str] | None:
    """``stimulus_columns`` as a list of names: None stays None; a str is split on commas, as
    the flag's value is. Raises ConfigError if it names no column."""
    if given is None:
        return None
    names = [str(n).strip() for n in (given.split(",") if isinstance(given, str) else given)]
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        raise ConfigError(f"{FLAG} ({_OPTION}) names no column",
                          f"give the stimulus columns' names, e.g. {FLAG} stim,laser")
    return names


def flag_for(names: Sequence[str]) -> str:
    """The flag that reads ``names`` as stimulus covariates, quoted for a shell if needed:
    "--stimulus-columns stim,'Velocity (mm/s)'" is written "--stimulus-columns 'stim,...'"."""
    return f"{FLAG} {shlex.quote(','.join(names))}"


def _norm(name) -> str:
    return re.sub(r"\s+", " ", str(name).strip().lower())


def _base(name) -> str:
    """A name in lower case without a unit in brackets at its end."""
    return BRACKETED_UNIT.sub("", _norm(name))


def _leaf(key) -> str:
    """The last part of a container key as written (``_matrix_keys.lower_leaf`` lower-cases it)."""
    return str(key).rsplit("/", 1)[-1]


def _find(given: str, names: Sequence[str], keys: bool) -> list[int]:
    """The positions of the names that ``given`` names (see the module doc), by the first rule
    that finds any: the name as given (a container's whole key, then its last part if
    ``keys``), then its base name without a unit if it is given without one."""
    g = _norm(given)
    rules: list[Callable[[str], bool]] = [lambda n: _norm(n) == g]
    if keys:
        rules.append(lambda n: _norm(_leaf(n)) == g)
    if _base(given) == g:  # given without a unit
        rules.append(lambda n: _base(_leaf(n) if keys else n) == g)
    for rule in rules:
        found = [i for i, n in enumerate(names) if rule(str(n))]
        if found:
            return found
    return []


def _shown(names: Sequence[str], at_most: int = 12) -> str:
    names = list(names)
    return (", ".join(map(repr, names[:at_most])) + (", ..." if len(names) > at_most else "")
            or "none")


def _resolve(given: Sequence[str], names: Sequence[str], what: str, kind: str,
             candidates: Sequence[str] | None = None, keys: bool = False) -> list[int]:
    """The positions in ``names`` of the ``given`` names, in their order (once each). Raises
    FormatError for a name that matches none (listing the ``candidates`` that could be meant,
    the closest and those named like a stimulus first) or several."""
    out: list[int] = []
    for g in given:
        found = _find(g, names, keys)
        if not found:
            pool = [str(n) for n in (names if candidates is None else candidates)]
            near = difflib.get_close_matches(_base(g), [_base(_leaf(n)) for n in pool], n=3,
                                             cutoff=0.6)
            liked = [n for n in pool if _base(_leaf(n)) in near
                     or named_like_covariate(_leaf(n))]
            raise FormatError(f"{what} has no {kind} {g!r} ({FLAG})",
                              (f"did you mean {_shown(liked, 5)}? " if liked else "")
                              + f"its {kind}s: {_shown(pool)}; names are compared "
                              "ignoring case, and a unit in brackets may be left out ('laser' "
                              "for 'Laser (mW)')")
        if len(found) > 1:
            raise FormatError(f"{what}: {FLAG} {g!r} matches {len(found)} {kind}s: "
                              f"{_shown([names[i] for i in found])}",
                              "give the whole key (e.g. 'behavior/velocity')" if keys else
                              "give the name exactly as written (with its unit), or rename "
                              "the repeated columns")
        out.extend(i for i in found if i not in out)
    return out


def _note(kind: str, names: Sequence[str]) -> str:
    return (f"{kind}(s) {', '.join(map(repr, names))} are read as the stimulus covariates "
            f"({FLAG}), not as neurons")


def _missing(values: np.ndarray, name: str, where: Callable[[int], str], what: str) -> None:
    """Raise FormatError naming the first value of a covariate that is not finite."""
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        kind = "no value (an empty cell, null or NaN)" if np.isnan(values[i]) else "inf"
        more = f"; {int(bad.sum()):,} such values in all" if bad.sum() > 1 else ""
        raise FormatError(f"{what}: stimulus covariate {name!r} holds {kind} in {where(i)}{more}",
                          _FILL_HINT)


# ---------------------------------------------------------------------- tables

def no_header(what: str) -> FormatError:
    """The refusal of ``--stimulus-columns`` for a table without a header row of names."""
    return FormatError(f"{what} has no header row naming its columns, so {FLAG} names none",
                       "add a first row of column names (the neurons', and e.g. 'stim' above "
                       "the stimulus column) and import again")


def table_covariates(cells: Sequence[str], table: pd.DataFrame, given: Sequence[str], what: str,
                     cell_ref: Callable[[int, int], str] | None = None
                     ) -> tuple[list[int], Covariates, str]:
    """The stimulus columns ``given`` of a table whose header row holds ``cells`` and whose
    rows of values are ``table`` (one column per cell, cells still as read: numbers, text or
    missing): their positions, their values (frame, covariate) and the import note.

    Raises FormatError for a name that is not a column (``_resolve``), a column holding text
    (pointing to --conditions) and a missing or infinite value, named by its row of values
    (from 1) or, in a worksheet, by ``cell_ref`` (row and column of ``table``, from 0 -> 'B7').
    """
    columns = _resolve(given, [str(c) for c in cells], what, "column")
    out = []
    for j in columns:
        raw = table.iloc[:, j]
        numbers = pd.to_numeric(raw, errors="coerce")
        text = (numbers.isna() & raw.notna()).to_numpy()
        where = ((lambda i, j=j: f"cell {cell_ref(i, j)}") if cell_ref is not None
                 else (lambda i: f"row {i + 1} below the header"))
        if text.any():
            i = int(np.argmax(text))
            raise FormatError(f"{what}: stimulus column {cells[j]!r} holds text ({raw.iloc[i]!r} in "
                              f"{where(i)}): stimulus covariates are numbers",
                              _TEXT_HINT.format(kind="column", drop=", drop it from the table"))
        values = numbers.to_numpy(dtype=np.float64)
        _missing(values, str(cells[j]), where, what)
        out.append(values)
    names = tuple(str(cells[j]) for j in columns)
    return columns, Covariates(np.stack(out, axis=1), names), _note("column", names)


def table_transposed(what: str) -> ConfigError:
    """The refusal of ``--stimulus-columns`` with ``--transpose`` for a table."""
    return ConfigError(f"{what}: {FLAG} names columns of a (time × neuron) table, but with "
                       "--transpose (transpose=) its columns are frames",
                       "save the table with frames as rows (neurons and the stimulus as columns, "
                       "e.g. pandas: df.T.to_csv(NEW)) and import it without --transpose")


def no_columns(what: str) -> ConfigError:
    """The refusal of ``--stimulus-columns`` for a plain .npy array."""
    return ConfigError(f"{what} holds one plain array: it has no named columns or arrays for "
                       f"{FLAG} ({_OPTION}) to read",
                       "save the traces and the stimulus together, e.g. np.savez(F, traces=X, "
                       f"stim=S) with S one value per frame, and import it with {FLAG} stim")


# ---------------------------------------------------------------------- containers

def _vector(v) -> bool:
    shape = np.shape(v) if isinstance(v, np.ndarray) else getattr(v, "shape", ())
    return len(shape) == 1 or (len(shape) == 2 and 1 in shape)


def take_arrays(arrays: dict, given: Sequence[str], what: str) -> dict:
    """Take the arrays named ``given`` out of a container's ``arrays`` (key -> array; changed in
    place) before its traces, timestamps and names are looked for: returns them (key -> array),
    in the order given. Raises FormatError for a name that matches no key (listing its 1-D
    arrays) or several, and for an array that is not 1-D (a row or a column counts: MATLAB
    v7.3 keeps vectors 2-D), such as the traces themselves."""
    keys = list(arrays)
    vectors = [k for k in keys if _vector(arrays[k])]
    found = _resolve(given, keys, what, "array", candidates=vectors or keys, keys=True)
    for k in (keys[i] for i in found):
        if not _vector(arrays[k]):
            v = arrays[k]
            shape = " × ".join(map(str, getattr(v, "shape", ()))) or "a single value"
            why = getattr(v, "why", "") or f"of shape ({shape})"
            raise FormatError(f"{what}: {FLAG} array {k!r} is {why}, not one value per frame",
                              "a stimulus covariate is a 1-D array of numbers, one per frame of "
                              "the traces; save each covariate of a matrix as its own array")
    return {keys[i]: arrays.pop(keys[i]) for i in found}


def container_covariates(found: dict, n_time: int, n_neuron: int, what: str, notes: list[str]
                         ) -> Covariates:
    """The arrays ``take_arrays`` took (key -> array) as covariates of a recording of
    ``n_time`` frames and ``n_neuron`` neurons, named by their keys' last part (the whole key
    where two share one); the import note is added to ``notes``. Raises FormatError for an
    array that is not one number per frame: text (pointing to --conditions), another shape or
    length, a missing or infinite value (naming its frame, from 0)."""
    out = []
    for key, v in found.items():
        if not isinstance(v, np.ndarray):  # a 1-D JSON list that is no array
            why = getattr(v, "why", "") or "not an array"
            raise FormatError(f"{what}: {FLAG} array {key!r} is {why}, not one number per frame",
                              _TEXT_HINT.format(kind="array", drop=""))
        if v.dtype.kind in "USO":
            raise FormatError(f"{what}: {FLAG} array {key!r} holds text (or cells), not "
                              "numbers: stimulus covariates are numbers",
                              _TEXT_HINT.format(kind="array", drop=""))
        a = v.reshape(-1)  # a row or a column (``take_arrays`` took only those and 1-D arrays)
        if a.size != n_time:
            other = (" (as many as the neurons: if the traces are stored neuron × time, "
                     "import with --transpose)" if a.size == n_neuron and n_neuron != n_time
                     else "")
            raise FormatError(f"{what}: {FLAG} array {key!r} holds {a.size:,} values for the "
                              f"traces' {n_time:,} frames{other}",
                              "a stimulus covariate holds one value per frame of the traces (a "
                              "behaviour camera's own frames would first have to be matched to "
                              "the imaging frames)")
        values = a.astype(np.float64)
        _missing(values, str(key), lambda i: f"frame {i} (counted from 0)", what)
        out.append(values)
    leaves = [_leaf(k) for k in found]
    names = tuple(leaf if leaves.count(leaf) == 1 else str(k) for k, leaf in zip(found, leaves,
                                                                                   strict=True))
    notes.append(_note("array", [str(k) for k in found]))
    return Covariates(np.stack(out, axis=1), names)


# ---------------------------------------------------------------------- both

def with_names_hint(exc: FormatError, stimulus: Covariates | None) -> FormatError:
    """A refusal of ``--names`` whose count does not fit the neuron columns, saying that the
    stimulus columns are not neurons, when there are some (other refusals unchanged)."""
    if stimulus is None or " neuron names for " not in exc.message:
        return exc
    return FormatError(exc.message, f"{exc.hint}; the {len(stimulus.names)} stimulus "
                       f"column(s) ({FLAG}: {', '.join(map(repr, stimulus.names))}) are not "
                       "neurons and are not named by --names")


def resample_covariates(stimulus: Covariates, time_s: np.ndarray, dt_s: float, what: str,
                        notes: list[str]) -> Covariates:
    """The covariates on the uniform grid of step ``dt_s`` (s) the traces are resampled onto
    from their recorded frame times ``time_s``: linear interpolation, as ``resample_uniform``
    does for the traces. A grid frame inside a pause in acquisition (NaN in the traces, kept
    with allow_nan) holds the last recorded value before the pause, with a note in ``notes``."""
    t = np.asarray(time_s, dtype=np.float64)
    # on the traces' grid: their import notes an upsampling already
    out, grid = resample_uniform(stimulus.values, t, dt_s, allow_nan=True, what=what, notes=[])
    held = ~np.isfinite(out).all(axis=1)  # the covariates are finite: only pauses are NaN
    if held.any():
        before = np.clip(np.searchsorted(t, grid[held], side="right") - 1, 0, t.size - 1)
        out[held] = stimulus.values[before]
        notes.append(f"{what}: {int(held.sum()):,} frame(s) resampled inside pause(s) in "
                     "acquisition (NaN in the traces) hold the stimulus covariates' last recorded "
                     "value before the pause")
    return Covariates(out, stimulus.names)
