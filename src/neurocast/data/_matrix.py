"""Plain (time × neuron) matrices with their own metadata: .npy, .npz, HDF5, MATLAB .mat, JSON,
CSV/TSV/text, Excel .xlsx (private).

Containers (.npz, HDF5, .mat, JSON) often carry more than the traces. Beside the trace array the
loader looks for (names compared case-insensitively):

- timestamps: a 1-D array named one of ``TIME_KEYS`` or containing "timestamp", in seconds or
  with a unit after the name (``time_ms``, ``Time (min)``, ``t [µs]``: s, ms, µs, min or h,
  see ``_matrix_keys._time_base``) or in an HDF5 ``units`` attribute — kept as the real
  ``time`` coordinate, uneven or not; dt_s is then their median spacing;
- frame interval: a scalar (array or HDF5 attribute) named one of ``DT_KEYS`` (seconds per
  frame; 'dt_ms': in the unit after the name), ``DT_MIN_KEYS`` (minutes per frame) or
  ``RATE_KEYS`` (frames per second; a generic name such as 'fs' only at the root, beside the
  traces or in a settings group, never above 1 kHz, and a note names the rate read: see
  ``_matrix_keys.frame_rate``); without any (or with one that is not a positive number), in
  the file's JSON sidecar ('rec.json' beside 'rec.csv', BIDS's 'x_physio.json' beside
  'x_physio.tsv.gz': ``_sidecar``), with a note;
- neuron names: a 1-D string array (or MATLAB cell array) named one of ``NAME_KEYS``, else a
  1-D array of whole numbers named one of ``ID_KEYS`` (both compared ignoring underscores too:
  ``NeuronIds``); empty and repeated names are allowed (see ``unique_names``). A cell may be
  empty (an unnamed neuron), hold a name or a number, or list candidate names (an uncertain
  identity: read as unnamed, with a note); see ``_name_cells``. Else a JSON object naming
  neurons by row number (WormWideWeb's ``labeled``, counted from 1): ``indexed_labels``.

MATLAB structs, nested or not, are read as groups: the field ``wbData.tv`` is the key
'wbData/tv' in a v5 file as in a v7.3 (HDF5) one. A struct holding several recordings (its
fields cell arrays with one entry per recording, or a struct array: Kato et al.'s
``WT_NoStim``) is refused unless ``key`` picks one, 'WT_NoStim/3' (counted from 1) or
'WT_NoStim/3/deltaFOverF' (``_per_recording``, ``_one_recording``).

A text table may start with blank and '#' comment lines and a byte-order mark. Its header row
may have an empty first cell above a row index or timestamps (``DataFrame.to_csv`` writes
``,0,1,2`` for unnamed columns); see ``_table_columns.table_columns`` for which columns are
timestamps or a frame index rather than neurons. A worksheet of an Excel
workbook (the first, or the one ``key`` names) is read as such a table (``_matrix_excel``).
``attrs['import_notes']`` says what was decided. The columns of a table or the 1-D arrays of a
container that ``stimulus_columns`` names are read as stimulus covariates (``_matrix_stimulus``).

The trace array is ``key`` if given, else the only 2-D numeric array, else the one named one
of ``TRACE_KEYS`` (the first found; a note names the other matrices), else the only one that
is not a single row or column. If the timestamps or names fit the rows rather than the
columns (or scalars ``COUNT_KEYS`` count them so), the matrix is read as (neuron × time) and
transposed; a matrix with fewer rows than columns and nothing telling its orientation gets a
warning. Explicit options win over the file's own metadata. Warnings (raw fluorescence,
timestamps that look like milliseconds, the orientation) are also kept in
``attrs['import_notes']``.

This module holds ``load_matrix`` and what it decides from a file's arrays: which one holds
the traces, their orientation, timing and neuron names, and the notes and warnings. The files
are read in ``_container_files.py``, ``_json_files.py`` and ``_text_tables.py`` (which columns
of a table are neurons: ``_table_columns.py``); the names above (``TIME_KEYS``, ...; listed in
``__all__`` here too) and the check of timestamps are in ``_matrix_keys.py``; the JSON sidecar in
``_sidecar.py``; whether the values look like raw fluorescence or percent ΔF/F in
``_dff_scale.py`` (its thresholds listed in ``__all__`` here too).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast.data import _matrix_stimulus as stim
from neurocast.data._arrow_tables import ARROW_SUFFIXES, read_arrow_table
from neurocast.data._cnmf import accepted_components, cnmf_layout, cnmf_traces
from neurocast.data._container_files import Unread, read_hdf5, read_mat, read_npy, read_npz
from neurocast.data._dff_scale import (
    PERCENT_DFF_NEGATIVE,
    PERCENT_DFF_NOISE,
    PERCENT_DFF_P99,
    RAW_F_MEDIAN,
    RAW_F_NONPOSITIVE,
    percent_note,
    raw_note,
)
from neurocast.data._json_files import read_json
from neurocast.data._loading import (
    GZIP_TABLES,
    MATRIX_HINT,
    MATRIX_SUFFIXES,
    TRACE_KINDS,
    _conditions,
    _neuron_names,
    as_float32,
    data_extension,
    infinite_as_missing,
    pause_summary,
    require_file,
    resample_uniform,
    unique_names,
    with_labels,
)
from neurocast.data._matrix_excel import EXCEL_SUFFIXES, read_sheet
from neurocast.data._matrix_keys import (
    COUNT_KEYS,
    COVARIATE_KEYS,
    DT_KEYS,
    DT_MIN_KEYS,
    FRAME_KEYS,
    ID_KEYS,
    JSON_NEURON_MAJOR_KEYS,
    NAME_KEYS,
    NEURON_MAJOR_KEYS,
    RATE_KEYS,
    SECONDS_PER_UNIT,
    TIME_KEYS,
    TRACE_KEYS,
    IndexedNames,
    _counts,
    _ids,
    _name_cells,
    _time_base,
    _time_keys,
    _time_scale,
    _timing_key,
    check_timestamps,
    frame_rate,
    frame_timing,
    indexed_labels,
    latin1_note,
    lower_leaf,
    pick_key,
)
from neurocast.data._schema import make_dataset
from neurocast.data._sidecar import read_sidecar, refuse_sidecar, sidecar_path, sidecar_timing
from neurocast.data._text_tables import read_text_table
from neurocast.data._xarray_zarr import named_dims_store, read_named_dims
from neurocast.errors import ConfigError, FormatError, NonFiniteError, unknown_name

#: The suffixes read (.xls is a matrix suffix only to be refused with a hint).
_READ_SUFFIXES = (*(s for s in MATRIX_SUFFIXES if s != ".xls"), *GZIP_TABLES)

__all__ = ["COUNT_KEYS", "COVARIATE_KEYS", "DT_KEYS", "DT_MIN_KEYS", "FRAME_KEYS", "ID_KEYS", "NAME_KEYS", "NEURON_MAJOR_KEYS", "PERCENT_DFF_NEGATIVE", "PERCENT_DFF_NOISE", "PERCENT_DFF_P99", "RATE_KEYS", "RAW_F_MEDIAN", "RAW_F_NONPOSITIVE",
           "SECONDS_PER_UNIT", "TIME_KEYS", "TRACE_KEYS", "load_matrix"]


def _container_time_key(vectors: dict, shape: tuple[int, int], trace_key: str | None):
    """The timestamps among a container's 1-D arrays ``vectors`` (name -> array) for traces of
    ``shape`` (rows, columns) stored under ``trace_key``: the best named (``_time_keys``) whose
    length fits the rows or the columns, those in the traces' own group first (a file often
    also holds a behaviour camera's or a stimulus's times, e.g. Flavell's ``timestamp_nir``
    beside ``gcamp/timestamp_confocal``). Returns (key or None, the keys named like timestamps
    that fit neither axis)."""
    group = str(trace_key).rpartition("/")[0] if trace_key else ""
    named = _time_keys(list(vectors))
    fits = [k for k in named if np.size(vectors[k]) in shape]
    fits.sort(key=lambda k: str(k).rpartition("/")[0] != group)  # stable: the traces' group first
    return (fits[0] if fits else None), [k for k in named if k not in fits]


def _pick_traces(arrays: dict, key: str | None, what: str) -> tuple[str, str | None]:
    """The key of the trace array (see the module doc) and, when it was chosen among several
    2-D arrays by its name (``TRACE_KEYS``), a note naming it and the others; FormatError if
    ``key`` is missing or the choice is not clear."""
    if key is not None:
        if key not in arrays:
            raise FormatError(f"{what} has no array {key!r}",
                              "available: " + (", ".join(sorted(arrays)) or "none"))
        return key, None
    matrices = [k for k, v in arrays.items() if _ndim(v) == 2 and _numeric(v)]
    if len(matrices) == 1:
        return matrices[0], None
    if not matrices:
        raise FormatError(f"{what} holds no 2-D numeric array",
                          "available: " + (", ".join(sorted(arrays)) or "none") + "; " + MATRIX_HINT)
    # rows and columns (MATLAB v7.3 keeps vectors and scalars 2-D: tv, fps) are no other choice
    wide = [k for k in matrices if min(np.shape(arrays[k])) > 1]
    named = pick_key({k: arrays[k] for k in matrices}, TRACE_KEYS)
    if named is None and len(wide) == 1:
        return wide[0], None
    same = [k for k in matrices  # 'gcamp/trace_array' beside 'raw/trace_array'
            if lower_leaf(k) == lower_leaf(named)]
    if named is None or len(same) > 1:
        raise FormatError(f"{what} holds {len(matrices)} 2-D arrays"
                          + (f", {len(same)} of them named {str(named).rsplit('/', 1)[-1]!r}"
                             if named is not None else ""),
                          "choose one with --key: " + ", ".join(sorted(same if named else matrices)))
    others = [repr(str(k)) for k in wide if k != named]
    if not others:
        return named, None
    why = ("the bleach-corrected ΔF/F, preferred to the uncorrected one"
           if lower_leaf(named) == "deltafoverf_bc"
           else "its name comes first among the known trace names")
    return named, (f"{what} holds {len(others) + 1} matrices: {str(named)!r} is read as the "
                   f"traces ({why}), not {', '.join(others)}; choose another with --key (key=)")


def _per_recording(arrays: dict) -> dict[str, list[str]]:
    """The groups of a container holding several recordings: a MATLAB struct whose fields are
    cell arrays with one entry per recording (Kato et al. 2015's ``WT_NoStim.deltaFOverF_bc{k}``),
    or a struct array (``WT_NoStim(k).deltaFOverF_bc``), both read as object arrays of one value
    per recording under 'group/field'. Returns group -> the keys of those fields, for the groups
    where one such field holds a (time × neuron) matrix in every entry."""
    found: dict[str, list[str]] = {}
    for k, v in arrays.items():
        group = str(k).rpartition("/")[0]
        if group and isinstance(v, np.ndarray) and v.dtype.kind == "O" and v.size > 1 \
                and (v.ndim == 1 or (v.ndim == 2 and 1 in v.shape)):
            found.setdefault(group, []).append(k)
    return {g: keys for g, keys in found.items()
            if len({np.size(arrays[k]) for k in keys}) == 1
            and any(all(map(_matrix, arrays[k].reshape(-1))) for k in keys)}


def _matrix(x) -> bool:
    """True for a 2-D numeric array that is not a single row or column."""
    return _ndim(x) == 2 and _numeric(x) and min(np.shape(x)) > 1


def _several_recordings(arrays: dict, groups: dict, what: str) -> FormatError:
    """The refusal of a file holding several recordings (``_per_recording``): how many, where,
    and how to choose one."""
    counts = {g: np.size(arrays[keys[0]]) for g, keys in groups.items()}
    held = " and ".join(f"{n} recordings in {g!r}" for g, n in counts.items())
    g, n = next(iter(counts.items()))
    fields = sorted(groups[g], key=lambda k: not _matrix(arrays[k].reshape(-1)[0]))  # traces first
    return FormatError(f"{what} holds {held} (worms or sessions), one per entry of its fields' "
                       "cell arrays or of a struct array ("
                       + ", ".join(repr(str(k).rsplit("/", 1)[-1]) for k in fields[:4])
                       + (", ..." if len(fields) > 4 else "") + "), not one (time × neuron) matrix",
                       f"import one at a time with --key {g}/K, K counted from 1 as in MATLAB "
                       f"(--key {g}/1 ... --key {g}/{n}); --key {g}/1/FIELD also names the "
                       "array read as its traces")


def _one_recording(arrays: dict, group: str, fields: list[str], key: str, what: str
                   ) -> tuple[dict, str, list[str]]:
    """``arrays`` with recording K of ``group`` (``key`` 'group/K' or 'group/K/field') in
    place of the group's per-recording ``fields``, each under 'group/K/field'; the key of its
    trace array (the one named, else chosen among the recording's as ``_pick_traces`` does);
    and the notes: which recording was read, and how its traces were chosen."""
    rest, _, field = key[len(group) + 1:].partition("/")
    n = np.size(arrays[fields[0]])
    if not re.fullmatch(r"\d+", rest) or not 1 <= int(rest) <= n:
        raise FormatError(f"{what}: --key {key!r} names no recording of {group!r}, which holds "
                          f"{n}", f"give --key {group}/K with K from 1 to {n} (counted from 1, "
                          f"as in MATLAB: {group}/1 is the first)")
    k = int(rest)
    out = {name: v for name, v in arrays.items() if name not in fields}
    out.update({f"{group}/{k}/{str(name).rsplit('/', 1)[-1]}": arrays[name].reshape(-1)[k - 1]
                for name in fields})
    notes = [f"{what} holds {n} recordings in {group!r}: recording {k} is read (the others: "
             f"--key {group}/1 ... {group}/{n})"]
    if field:
        return out, f"{group}/{k}/{field}", notes
    own = {name: v for name, v in out.items() if str(name).startswith(f"{group}/{k}/")}
    trace_key, chosen = _pick_traces(own, None, what)
    return out, trace_key, notes + ([chosen] if chosen else [])


def _ndim(v) -> int:
    return len(getattr(v, "shape", ()))


def _numeric(v) -> bool:
    return getattr(v, "dtype", np.dtype(object)).kind in "fiub"


#: Timestamps without a unit giving a median frame interval above this (s) are probably
#: milliseconds: ``load_matrix`` warns (it does not change them).
SLOW_FRAME_S = 10.0


def _remark(notes: list[str], message: str) -> None:
    """A doubt about the file that does not stop the import: a UserWarning, also kept in
    ``notes`` (``attrs['import_notes']``, which ``data info`` repeats)."""
    notes.append(message)
    warnings.warn(message, UserWarning, stacklevel=3)


def _unitless_time_note(key: str, interval_s: float, what: str) -> str:
    """What to say when timestamps named without a unit give ``interval_s`` s per frame."""
    named = f"the timestamps {key!r}" if key else "the timestamps (the unnamed first column)"
    return (f"{what}: {named} have no unit in their name, so they are read as seconds, which "
            f"gives a median frame interval of {interval_s:.4g} s; if they are milliseconds, name "
            f"them with the unit (e.g. '{_time_base(key)[0] or 'time'}_ms' or 'time (ms)') and "
            "import again, or give the frame interval with --dt-s (dt_s=)")


def load_matrix(
    path: str | os.PathLike,
    *,
    dt_s: float | None = None,
    neuron_names=None,
    key: str | None = None,
    transpose: bool = False,
    resample_s: float | None = None,
    condition_offsets: Sequence[int] | None = None,
    condition_names: Sequence[str] | None = None,
    heldout_conditions: Sequence[str] = (),
    indicator: str = "",
    trace_kind: str | None = None,
    allow_nan: bool = False,
    stimulus_columns: Sequence[str] | None = None,
    all_rois: bool = False,
) -> xr.Dataset:
    """Read a (time × neuron) matrix of ΔF/F and its own metadata (see the module doc).

    Suffixes: .npy, .npz, .mat (v5 and v7.3), .h5/.hdf5, .json (one object), .csv/.tsv/.txt
    (also gzip-compressed: .tsv.gz), .parquet/.feather/.arrow (read as a CSV table),
    .xlsx/.xlsm (one worksheet; not the old binary .xls). An Inscopix IDPS CSV export: its
    accepted cells, every cell if ``all_rois``.
    dt_s: seconds per frame; needed only when the file has no timestamps or frame interval
    (given, it overrides the file's). neuron_names: a sequence or a text file with one name per
    line (a blank line = an unnamed neuron); default: the file's names, the CSV header, else
    "0", "1", .... Empty and repeated names are made unique (``unique_names``) and the raw
    labels kept as coordinate ``label``. key: the trace array inside a container, or
    one recording of several, 'group/K' (K counted from 1) or 'group/K/array'; the worksheet
    of an Excel workbook (default: the first).
    transpose: the file is (neuron × time). resample_s: interpolate linearly onto a uniform grid
    of this step (s); by default uneven timestamps are kept as the ``time`` coordinate and the
    windows step frame by frame. Grid frames inside a pause in acquisition are NaN, not
    interpolated (``resample_uniform``). Conditions: optional frame offsets and names, held-out
    names. What the loader decided about a table's columns is in ``attrs['import_notes']``.
    trace_kind: what the values are, one of ``TRACE_KINDS`` ("dff", "fluorescence" for raw F),
    kept as ``attrs['trace_kind']``; left undeclared, values that look like raw fluorescence
    (positive but for ``RAW_F_NONPOSITIVE`` of them, median above ``RAW_F_MEDIAN``) give a
    UserWarning (they are not changed).
    Every UserWarning is also an entry of ``attrs['import_notes']``.
    stimulus_columns: a table's columns or a container's 1-D arrays (one number per frame) read
    as the stimulus covariates, not as neurons (nor counted by ``neuron_names``): see
    ``_matrix_stimulus``.
    CaImAn and CNMF-E results (``_cnmf``): ``estimates/F_dff``, else the denoised ``C`` (trace
    kind "fluorescence"), read as (component, time); only CaImAn's accepted components
    (``estimates/idx_components``), named by component index, unless ``all_rois``. A ``.nwb``
    file is read as the HDF5 file it is (NWB 1.x: give ``key``). A folder: a zarr store written
    by xarray with named dimensions (Minian's output, ``_xarray_zarr``), oriented by them.
    ΔF/F that looks like percent gets a UserWarning (``_dff_scale.percent_note``; not changed).
    A JSON sidecar beside the file (``_sidecar``) gives the frame rate when the file has no
    usable timing, its StartTime, and the names of a headerless table's columns (BIDS's
    Columns); a JSON of its name that holds data is passed over (a note).
    With ``allow_nan``, ±inf (ΔF/F divided by a zero baseline) is stored as NaN, with a note
    counting it per neuron (``infinite_as_missing``).
    Raises FormatError (unreadable file, unknown suffix, missing key, names not matching
    columns, non-numeric cells, a cut-off last row, values beyond float32, no timing or a
    non-positive frame interval or rate and no usable one in the sidecar, several different
    frame rates, a sidecar that is not valid JSON or disagrees with the file's timing, a
    sidecar given in place of its data file), NonFiniteError on NaN/inf (in the file, or grid
    frames inside a pause) unless ``allow_nan``.
    """
    if trace_kind is not None and trace_kind not in TRACE_KINDS:
        raise unknown_name("trace kind", trace_kind, TRACE_KINDS)
    path = Path(path)
    what = f"matrix file '{path}'"
    named_dims = path.is_dir() and named_dims_store(path) is not None  # Minian's output
    if not named_dims:
        require_file(path, what, "give the matrix file itself (" + ", ".join(_READ_SUFFIXES)
                     + "), or a zarr store written by xarray with named dimensions (Minian's "
                     "output folder); a ZAPBench zarr folder imports with --format zapbench")
    suffix = data_extension(path).removesuffix(".gz")  # '.tsv' for a gzip-compressed table
    # rec.json beside rec.csv: BIDS's, a lab's; or None, with a note if rec.json is data
    sidecar, passed_over = read_sidecar(path, what)
    arrays: dict = {}
    attrs: dict = {}
    header_names = indexed = None  # indexed: JSON objects naming neurons by row (IndexedNames)
    time_s = time_key = None
    notes: list[str] = []
    wanted, taken, stimulus = stim.stimulus_names(stimulus_columns), {}, None
    layout = kind = None  # CaImAn's or CNMF-E's results (_cnmf); the trace kind they imply
    fixed = False  # the orientation is known (an xarray store's dimension names)
    if named_dims:
        what = f"zarr store '{path}'"
        if wanted:
            raise stim.no_columns(what)
        read = read_named_dims(path, key, what)
        values, key, header_names, time_s = read.values, read.key, read.names, read.time_s
        attrs, notes, kind, fixed = read.attrs, read.notes, read.kind, True
        time_key = "time" if time_s is not None else None
        suffix = ""
    if suffix in (".npy", ".csv", ".tsv", ".txt", *ARROW_SUFFIXES) and key is not None:
        raise ConfigError(f"{what} holds one {'plain array' if suffix == '.npy' else 'table'}: "
                          f"there is no array {key!r} to pick", "leave out --key (key=), which "
                          "picks an array inside an .npz, .mat, HDF5 or JSON file (a sheet of "
                          "an .xlsx)")
    if named_dims:
        pass
    elif suffix == ".npy":
        if wanted:
            raise stim.no_columns(what)
        values = read_npy(path, what)
    elif suffix in (".npz", ".mat", ".h5", ".hdf5", ".hdf", ".json", ".nwb"):
        if suffix in (".npz", ".json"):
            arrays = (read_npz if suffix == ".npz" else read_json)(path, what)
            if suffix == ".json":  # rec.json given for rec.csv: import rec.csv
                refuse_sidecar(path, arrays, what)
        elif suffix == ".mat":
            arrays, attrs = read_mat(path, what)
        else:
            arrays, attrs = read_hdf5(path, what)
        indexed = {k: arrays.pop(k) for k in list(arrays) if isinstance(arrays[k], IndexedNames)}
        groups = _per_recording(arrays)
        group = next((g for g in groups if key is not None and key.startswith(f"{g}/")
                      and key not in arrays), None)
        if group is not None:  # 'WT_NoStim/3': one recording of several
            arrays, key, picked = _one_recording(arrays, group, groups[group], key, what)
            notes.extend(picked)
        elif groups and (any(key == g or key in fields for g, fields in groups.items())
                         or (key is None and not any(map(_matrix, arrays.values())))):
            # with a matrix beside them (a recording and its trials' cells), that matrix is read
            raise _several_recordings(arrays, groups, what)
        if wanted:  # before the traces, timestamps and names are looked for among the rest
            taken = stim.take_arrays(arrays, wanted, what)
        layout = cnmf_layout(arrays)
        if layout is not None and key is None:  # F_dff, else C; never the background f, b
            trace_key, chosen, kind = cnmf_traces(layout, arrays, what)
        else:
            trace_key, chosen = _pick_traces(arrays, key, what)
        if chosen is not None:
            notes.append(chosen)
        if isinstance(unread := arrays[trace_key], Unread):
            raise FormatError(f"{what}: array {trace_key!r} "
                              + (f"is {unread.why}" if unread.why else f"has shape {unread.shape}")
                              + ", expected (time, neuron)", MATRIX_HINT)
        values = np.asarray(arrays.pop(trace_key))
        key = trace_key
    elif suffix in (".csv", ".tsv", ".txt"):  # --names wins over a sidecar's Columns
        values, header_names, time_s, time_key, notes, stimulus = read_text_table(
            path, what, dt_given=dt_s is not None, stimulus=wanted, all_rois=all_rois,
            columns=(sidecar.columns, sidecar.source)
            if sidecar is not None and sidecar.columns and neuron_names is None else None)
    elif suffix in ARROW_SUFFIXES:
        values, header_names, time_s, time_key, notes, stimulus = read_arrow_table(
            path, what, dt_given=dt_s is not None, stimulus=wanted)
    elif suffix in EXCEL_SUFFIXES:  # key: the sheet, kept as the one read (the source says it)
        (values, header_names, time_s, time_key, notes, stimulus), key = read_sheet(
            path, what, key, dt_given=dt_s is not None, stimulus=wanted)
    else:
        raise FormatError(f"{what}: unknown suffix '{path.suffix}'",
                          "matrix files are " + ", ".join(_READ_SUFFIXES))
    if passed_over is not None:
        notes.append(passed_over.note(path))
    if sidecar is not None and sidecar.columns and suffix not in (".csv", ".tsv", ".txt"):
        notes.append(f"{what}: 'Columns' in {sidecar.source} is not read: it names the columns "
                     "of a text table without a header row")
    if values.ndim != 2:
        raise FormatError(f"{what}: array has shape {values.shape}, expected (time, neuron)",
                          "one neuron's trace is a (time, 1) column: save x[:, None]"
                          if values.ndim == 1 else MATRIX_HINT)
    if values.dtype.kind not in "fiu":
        raise FormatError(f"{what}: array dtype {values.dtype} does not hold fluorescence values",
                          MATRIX_HINT)
    # the file's own metadata
    vectors = {k: v for k, v in arrays.items() if _numeric(v) and np.size(v) > 1
               and (_ndim(v) == 1 or (_ndim(v) == 2 and 1 in np.shape(v)))}
    k, unfit = _container_time_key(vectors, values.shape, key)
    meta = {**{kk: vv for kk, vv in arrays.items() if np.size(vv) == 1}, **attrs}  # scalars
    if k is None and unfit and dt_s is None and _timing_key(meta)[0] is None \
            and frame_rate(meta, key, what, needed=False).key is None \
            and (sidecar is None or frame_timing(sidecar.meta, None, what, False).dt_s is None):
        k = unfit[0]  # the recording's only timing: its length is refused below, naming it
    elif unfit and dt_s is None:
        notes.append(f"array(s) {', '.join(map(repr, map(str, unfit)))} named like timestamps "
                     f"fit neither axis of the trace array ({values.shape[0]:,} × "
                     f"{values.shape[1]:,}): not read as the frame times (a behaviour camera's or "
                     "a stimulus's, maybe)")
    time_unit = None  # the timestamps' unit (in their name or an HDF5 'units' attribute), if any
    if k is not None and dt_s is None:
        scale, time_unit = _time_scale(k, attrs, what)
        time_s = np.asarray(arrays[k], dtype=np.float64).reshape(-1) * scale
        time_key = str(k).rsplit("/", 1)[-1]
    if dt_s is not None:  # an explicit dt_s replaces the file's timing
        time_s = None
    file_names, ambiguous = None, []
    own = str(key).rpartition("/")[0] + "/" if key and "/" in str(key) else None
    texts = {k: v for k, v in arrays.items() if not _numeric(v) and not isinstance(v, Unread)}
    names_key = (pick_key({k: v for k, v in texts.items() if str(k).startswith(own)}, NAME_KEYS,
                       loose=True) if own else None)  # the traces' own group first (NWB 1.x)
    if names_key is None:
        names_key = pick_key(texts, NAME_KEYS, loose=True)
    if names_key is None:  # numbers name neurons only under an id name ('labels': per frame?)
        names_key = pick_key({k: v for k, v in arrays.items() if _ids(v)}, ID_KEYS, loose=True)
    if names_key is not None and (read := _name_cells(arrays[names_key])) is not None:
        file_names, ambiguous, latin = read
        if latin:
            notes.append(f"{what}: " + latin1_note(latin, repr(str(names_key))))
    needed = time_s is None and dt_s is None  # the file's timing rests on its scalars
    timing = frame_timing(meta, key, what, needed)
    k, file_dt = timing.key, timing.dt_s
    if needed and file_dt is not None and not timing.plain:  # a rate (an electrode's?), 'dt_ms'
        notes.append(timing.said)
    doubts: list[str] = []  # said (``_remark``) once every check has passed: a refusal comes alone
    stamped = None  # the median spacing of the timestamps (s)
    if time_s is not None and dt_s is None and time_s.size > 1:
        stamped = float(np.median(np.diff(time_s)))
    if file_dt is not None and stamped is not None:  # the timestamps win; do they agree?
        if stamped > 0 and not 0.5 <= stamped / file_dt <= 2.0:
            doubts.append(f"{what}: the timestamps {time_key!r} are {stamped:.4g} s apart (read "
                          f"as seconds) but {str(k)!r} says {file_dt:.4g} s per frame: one of them "
                          "is in another unit than read; the timestamps are used. Name their unit "
                          "('time (min)', 'time_ms') and import again, or give --dt-s")
    side = None  # the sidecar's timing, when the recording's rests on it
    if sidecar is not None:  # only where nothing above gives the timing; checked against it
        side = sidecar_timing(sidecar, what, notes, dt_s=dt_s,
                              stamps=(time_key, stamped) if stamped is not None else None,
                              own=timing)
        file_dt = side.dt_s if side is not None else file_dt
    # orientation: explicit transpose, else what the metadata fits
    rows, cols = values.shape
    if fixed:  # an xarray store: read (time, neuron) by its dimension names
        if transpose:
            raise ConfigError(f"{what}: its dimension names tell which axis is time, so "
                              "--transpose is not taken", "leave out --transpose")
    elif not transpose:
        said = _counts(meta)  # (neurons, frames) as the file's scalars count them, or None
        fits_rows = (time_s is not None and time_s.size == cols) or (
            file_names is not None and file_names.size == rows and neuron_names is None) or (
            said[0] == rows or said[1] == cols)
        fits_cols = (time_s is not None and time_s.size == rows) or (
            file_names is not None and file_names.size == cols) or (
            said[0] == cols or said[1] == rows)
        if rows == cols:  # the metadata fits both ways: only the array's own layout can tell
            fits_rows = fits_cols = False
        whose = ("CaImAn's" if str(key).lower() in NEURON_MAJOR_KEYS
                 else f"{layout.who}'s" if layout is not None and layout.neuron_major(key)
                 else "WormWideWeb's"
                 if suffix == ".json" and lower_leaf(key) in JSON_NEURON_MAJOR_KEYS else None)
        neuron_major = whose is not None and not fits_cols
        transpose = (fits_rows or neuron_major) and not fits_cols
        if neuron_major:
            notes.append(f"{what}: {key!r} is {whose} (neuron, time) array: its {rows:,} rows "
                         f"are read as neurons and its {cols:,} columns as frames")
        elif rows <= cols and not (fits_rows or fits_cols) and header_names is None \
                and neuron_names is None:
            doubts.append(f"{what}: nothing in the file tells which axis is time"
                          + (" (it has as many rows as columns)" if rows == cols else "")
                          + f", so its {rows:,} rows are read as frames and its {cols:,} columns "
                          "as neurons; if the rows are neurons (as in suite2p's F.npy), import "
                          "again with --transpose (a suite2p plane folder: --format suite2p)")
        elif not (fits_rows or fits_cols) and header_names is None and neuron_names is None:
            notes.append(f"{what}: nothing in the file tells which axis is time, so its {rows:,} "
                         f"rows (the longer axis) are read as frames and its {cols:,} columns as "
                         "neurons; if the rows are neurons (a (neuron, time) array such as "
                         "suite2p's F.npy), import again with --transpose")
    if transpose:
        if stimulus is not None:  # a table's columns: frames once transposed
            raise stim.table_transposed(what)
        values = values.T
        header_names = None
    components = None  # CaImAn's accepted components' indices, named so
    keep, said = accepted_components(layout, arrays, key, values.shape[1], all_rois, what)
    if said is not None:
        notes.append(said)
        components = np.arange(values.shape[1]).astype(str)
    if keep is not None:
        values, components = values[:, keep], keep.astype(str)
    n_time, n_neuron = values.shape
    if n_neuron < 1 and notes:  # every column was a row index, timestamps or a frame index
        raise FormatError(f"{what}: {n_time} frame(s) × 0 neurons: no column is left after the "
                          "timestamps and indices", "add the neurons' trace columns ("
                          + "; ".join(notes) + ")")
    if n_time < 2 or n_neuron < 1:
        raise FormatError(f"{what}: {n_time} frame(s) × {n_neuron} neuron(s); a recording needs at least "
                          "2 frames and 1 neuron", "check the file, or pass --transpose if it is neuron × time")
    if time_s is not None and time_s.size != n_time:
        named = f" ({time_key!r})" if time_key else ""
        raise FormatError(f"{what}: {time_s.size} timestamps{named} for {n_time} frames",
                          "give one timestamp per frame, or drop them and give --dt-s")
    if taken:
        stimulus = stim.container_covariates(taken, n_time, n_neuron, what, notes)
    try:
        labels = _neuron_names(neuron_names, n_neuron, what)
    except FormatError as exc:
        raise stim.with_names_hint(exc, stimulus) from None
    if labels is None and file_names is not None:
        labels = _neuron_names(file_names, n_neuron, what)
        if ambiguous:
            notes.append(f"{what}: {len(ambiguous)} of the {n_neuron:,} neurons in "
                         f"{str(names_key)!r} have several candidate names (e.g. "
                         + ", ".join(map(repr, ambiguous[:3])) + "): their identity is not "
                         "known, so they are read as unnamed (an empty label); to name them, "
                         "give every neuron's name with --names")
    if labels is None and file_names is None and indexed:
        labels, said, assumed = indexed_labels(indexed, n_neuron, what)
        (doubts if assumed else notes).append(said)
    if labels is None and header_names is not None:
        labels = _neuron_names(header_names, n_neuron, what)
    if labels is None and components is not None:
        labels = components
    start_s = (sidecar.start_s if sidecar is not None else None) or 0.0  # BIDS's StartTime
    if time_s is not None:
        check_timestamps(time_s, f"{what}: the timestamps")
        start_s = float(time_s[0])
        time_s = time_s - time_s[0]
    if dt_s is None:
        dt_s = float(np.median(np.diff(time_s))) if time_s is not None else file_dt
        if time_s is not None and _time_base(time_key)[1] is None and time_unit is None \
                and dt_s > SLOW_FRAME_S:
            doubts.append(_unitless_time_note(time_key, dt_s, what))
    if dt_s is None:
        beside = sidecar_path(path)  # where a sidecar would be (none for a .json file)
        suggested = (f", or the rate in a sidecar beside the file, '{beside.name}': "
                     '{"SamplingFrequency": 2.0}' if beside is not None and not beside.exists()
                     else "")
        unread = f"; {passed_over.said}" if passed_over is not None else ""
        if timing.unusable:  # the file's own rate or interval, and nothing else gives one
            exc = timing.refusal(what, "give the seconds per frame with --dt-s" + suggested)
            raise FormatError(exc.message + unread, exc.hint)
        raise FormatError(f"{what} holds no timestamps or frame interval" + timing.skipped
                          + (f", nor does {sidecar.source}{side.skipped}" if side is not None
                             else "") + unread,
                          "Minian (and xarray's frame index) saves no frame rate: give the "
                          "seconds per frame, e.g. --dt-s 0.05" if named_dims else
                          "plain matrices carry no timing: give the seconds per frame, e.g. "
                          "--dt-s 0.5" + suggested)
    values = as_float32(values, what)
    if allow_nan:  # refused otherwise, the error counting the ±inf among the NaN
        values, infinite = infinite_as_missing(
            values, unique_names(labels) if labels is not None else range(n_neuron), what)
        if infinite is not None:
            notes.append(infinite)
    attrs_out: dict = {"import_notes": notes} if notes else {}
    if trace_kind is None and kind is not None:  # CaImAn's C: fluorescence, not ΔF/F
        trace_kind = kind
    elif trace_kind is not None:
        kind = None  # declared: the declaration is what is kept and checked
    if trace_kind is not None:
        attrs_out["trace_kind"] = trace_kind
    if start_s:  # the first timestamp, as load_nwb keeps it
        attrs_out["start_time_s"] = start_s
    if time_s is not None:
        steps = np.diff(time_s)
        attrs_out["frame_interval_s"] = [float(steps.min()), float(np.median(steps)), float(steps.max())]
        paused = pause_summary(time_s)
        if paused and resample_s is None:
            doubts.append(f"{what}: {paused}: bench leaves out the forecasting windows across "
                          "them (infer treats them as gaps); "
                          f"--resample {np.median(steps):.4g} --allow-nan keeps them as NaN gaps")
    if resample_s is not None:
        recorded = time_s if time_s is not None else np.arange(n_time) * float(dt_s)
        upsampled: list[str] = []
        values, time_s = resample_uniform(values, recorded, float(resample_s),
                                          allow_nan=allow_nan, what=what, notes=upsampled)
        for note in upsampled:
            _remark(notes, note)
        if stimulus is not None:
            stimulus = stim.resample_covariates(stimulus, recorded, float(resample_s), what, notes)
        dt_s = float(resample_s)
        attrs_out["resampled_s"] = float(resample_s)
        n_time = values.shape[0]
    try:
        condition = _conditions(n_time, condition_offsets, condition_names, what)
    except FormatError as exc:
        if resample_s is None or exc.hint is None:
            raise
        raise FormatError(exc.message, f"{exc.hint}; with --resample the offsets count the "
                          f"{n_time:,} frames after resampling ({float(resample_s):g} s apart), "
                          "not the recorded ones") from None
    try:
        ds = make_dataset(
            values, dt_s=float(dt_s), neuron=None if labels is None else unique_names(labels),
            time_s=time_s, condition=condition,
            source=f"matrix:{path.resolve()}" + (f"#{key}" if key else ""), indicator=indicator,
            heldout_conditions=heldout_conditions, allow_nan=allow_nan, attrs=attrs_out,
            **(stimulus.dataset_options() if stimulus is not None else {}),
        )
    except NonFiniteError as exc:  # JSON writes a missing value as null
        if suffix != ".json":
            raise
        raise NonFiniteError(f"{what}: {exc.message} (null or NaN in {key!r})", exc.hint) from None
    raw = raw_note(values, what) if trace_kind is None else None
    if raw is None and trace_kind is None:  # undeclared (--trace-kind dff: as declared)
        raw = percent_note(values, what)
    for doubt in [*doubts, *([raw] if raw is not None else [])]:
        _remark(notes, doubt)
    if notes:
        ds.attrs["import_notes"] = notes
    return with_labels(ds, labels)
