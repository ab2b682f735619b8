"""Connectome files in the community's formats: which reader or writer a path selects.

Readers (``read_connectome``) — the source path selects the reader:
  * a file ending in ``.npz``: neurocast's native format (``Connectome.load``);
  * a file ending in ``.csv`` (also ``.csv.gz``), ``.parquet``/``.pq`` or ``.feather``/``.arrow``:
    an edge table; its header selects the format: FlyWire (Presynaptic_ID, Postsynaptic_ID,
    Connectivity, Excitatory, ...), FlyWire's release tables (pre_pt_root_id or pre_root_id,
    neuropil, syn_count, nt_type or *_avg; ``_flywire_release``), neuPrint (bodyId_pre,
    bodyId_post, weight; or a synapse export with x_pre, ..., confidence_post instead of
    weight) or neurocast's edge list (pre, post, count); a table without a count column is
    read one synapse per row (``_synapse_tables``);
    the format sharing the most column names wins (at least two, so one misspelt column
    still selects the format and gets a precise message). A ``columns=`` mapping of edge
    columns selects the generic edge-list reader (one of only ``id``, ``name`` and ``type``,
    the neuron table's columns, does not). A neuron table for a single file comes from
    ``neurons=``; without one the neurons are the ids seen in the edges;
  * a folder: FlyWire if it holds ``Connectivity*.parquet|feather|csv`` (+ ``Completeness*``),
    FlyWire release if it holds ``connections*``/``proofread_connections*`` with that layout's
    columns (+ ``neurons.csv.gz``, a Codex download), neuPrint if it holds ``connections.csv``
    (+ ``neurons.csv``), edge list if it holds ``edges.parquet|feather|csv`` (+ ``neurons.*``),
    checked in that order;
  * ``format=`` forces a reader; anything else raises FormatError naming what was found.

Writers (``write_connectome``) — the destination selects the writer:
  ``format=`` (CLI ``--to``) if given, else the suffix: ``.npz`` → native,
  ``.csv``/``.parquet`` → one edge-list file; a path without suffix needs ``format=``
  ('flywire', 'neuprint' or 'edgelist'), and these write a folder. FlyWire release tables,
  ``.feather`` and ``.csv.gz`` files are read only. Every write is atomic:
  a temporary file or folder is renamed into place only when complete.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np

from neurocast._files import atomic_path, exists_hint, require_output_folder
from neurocast.connectome import _edgelist, _flywire, _flywire_release, _neuprint
from neurocast.connectome._connectome import Connectome
from neurocast.connectome._options import ReadOptions, guess_mapping
from neurocast.connectome._table_files import (
    input_note,
    table_columns,
)
from neurocast.connectome._table_names import (
    is_read_only_table,
    table_kind,
    table_stem,
)
from neurocast.errors import ConfigError, FormatError, unknown_name

__all__ = ["READ_FORMATS", "WRITE_FORMATS", "check_destination", "keeps", "read_connectome",
           "write_connectome"]

_READERS = {m.NAME: m for m in (_flywire, _flywire_release, _neuprint, _edgelist)}
READ_FORMATS = ("npz", *_READERS)
WRITE_FORMATS = ("npz", *(name for name in _READERS if name != _flywire_release.NAME))
_FOLDER_FORMATS = ("flywire", "neuprint")
_SUPPORTED = ("a .npz file; a .csv/.csv.gz/.parquet/.feather edge table (FlyWire, FlyWire's "
              "release tables, neuPrint, or any columns with --columns pre=A,post=B,count=C); "
              "or a folder with Connectivity*.parquet (FlyWire), connections.csv.gz (FlyWire "
              "Codex), connections.csv (neuPrint) or edges.parquet (edge list)")


def _options(options: dict) -> ReadOptions:
    try:
        opts = ReadOptions(**options)
    except TypeError:
        known = ", ".join(ReadOptions.__dataclass_fields__)
        bad = ", ".join(k for k in options if k not in ReadOptions.__dataclass_fields__)
        raise ConfigError(f"unknown reader option(s): {bad}", f"options are {known}") from None
    if opts.format is not None and opts.format not in READ_FORMATS:
        raise unknown_name("connectome format", opts.format, READ_FORMATS)
    return opts


def detect(path: Path, opts: ReadOptions) -> tuple[str, Path, Path | None]:
    """(format, edge table or npz file, neuron table or None) for a source path."""
    neurons = Path(opts.neurons) if opts.neurons is not None else None
    if path.is_dir():
        return _detect_folder(path, opts, neurons)
    suffix = path.suffix.lower()
    if suffix == ".npz" and opts.format in (None, "npz"):
        if opts.columns is not None or opts.neurons is not None:
            raise ConfigError(f"'{path.name}' is a neurocast .npz file; a column mapping and a neuron table "
                              "(--columns, --neurons) apply to edge tables only",
                              "leave them out")
        return "npz", path, None
    if table_kind(path) is None:
        raise FormatError(f"cannot read '{path}': unrecognised format (suffix '{path.suffix}')",
                          f"neurocast reads {_SUPPORTED}")
    if opts.format == "npz":
        raise FormatError(f"'{path}' is a table, not a .npz file", "leave out --from npz")
    if opts.maps_edges:
        return "edgelist", path, neurons
    if opts.format is not None:
        return opts.format, path, neurons
    found = table_columns(path, "edge table")
    scores = {name: len(m.MARKERS & set(found)) for name, m in _READERS.items()}
    best = max(scores, key=scores.get)
    if scores[best] < 2:
        raise FormatError(
            f"cannot tell the format of '{path.name}' from its columns\n"
            f"  found: {', '.join(found)}\n"
            "  expected: FlyWire (Presynaptic_ID, Postsynaptic_ID, Connectivity, Excitatory), "
            "FlyWire release (pre_pt_root_id or pre_root_id, post_..., neuropil, syn_count), "
            "neuPrint (bodyId_pre, bodyId_post, weight) or pre, post, count",
            _neuron_table_hint(found) or f"for another layout {guess_mapping(found)}")
    return best, path, neurons


#: the columns of neuprint-python's ``fetch_synapses``: one synapse site per row (bodyId, its
#: type 'pre' or 'post', roi, position, confidence), without the neuron on its other side
_SYNAPSE_SITES = {"bodyId", "x", "y", "z", "confidence"}


def _neuron_table_hint(found: list[str]) -> str | None:
    """A hint for a table of neurons, or of their synapse sites, given where an edge table
    belongs (its id column named)."""
    if _SYNAPSE_SITES <= set(found):
        return ("this looks like neuprint-python's fetch_synapses output: synapse sites "
                "(bodyId, x, y, z, confidence) without their partner neurons, so no connection "
                "can be read from it; export the synapses with fetch_synapse_connections instead "
                "(one row per synapse, with bodyId_pre and bodyId_post)")
    id_col = next((c for c in ("root_id", "bodyId", "id") if c in found), None)
    if id_col is None:
        return None
    return (f"this looks like a neuron table (column '{id_col}'): read the edge table, and give "
            "this file with --neurons (API: neurons=)")


def _detect_folder(path: Path, opts: ReadOptions, neurons: Path | None) -> tuple[str, Path, Path | None]:
    order = [opts.format] if opts.format not in (None, "npz") else list(_READERS)
    if opts.format == "npz":
        raise FormatError(f"'{path}' is a folder, not a .npz file", "leave out --from npz")
    for name in order:
        hit = _READERS[name].find_in_folder(path)
        if hit is not None:
            fmt = "edgelist" if opts.maps_edges else name
            return fmt, hit[0], neurons if neurons is not None else hit[1]
    files = sorted(p.name for p in path.iterdir())
    shown = ", ".join(files[:8]) + (", …" if len(files) > 8 else "") if files else "(empty folder)"
    want = f"a folder in the {opts.format} format" if opts.format else "a connectome folder"
    raise FormatError(f"'{path}' is not {want}: unrecognised format\n  found: {shown}",
                      f"neurocast reads {_SUPPORTED}")


def read_connectome(path: str | os.PathLike, **options) -> Connectome:
    """Read a connectome file or folder in any supported format (see the module docstring).

    options (all keyword, see ``ReadOptions``): format ('npz', 'flywire', 'flywire-release',
    'neuprint', 'edgelist'), columns ({'pre','post','count'[,'sign','weight','transmitter'],
    and the neuron table's ['id','name','type']} → column names), neurons
    (neuron-table path), duplicates ('error' or 'sum'), name.
    Raises FormatError / NonFiniteError with the file, column and row of the first problem.
    Neuron ids are kept as exact int64 (64-bit FlyWire root ids never pass through float).
    Warns (UserWarning, ``_warn_unknown_signs``) when connections have no known sign.
    """
    opts = _options(options)
    path = Path(path)
    if not path.exists():
        raise FormatError(f"no file or folder at '{os.fspath(path)}'", "check the path")
    try:
        fmt, edges, neurons = detect(path, opts)
        roles = opts.neuron_columns
        if roles and neurons is None and fmt != "npz":
            given = ",".join(f"{r}={c}" for r, c in roles.items())
            what = (f"a neuron table's {next(iter(roles))} column" if len(roles) == 1
                    else "neuron table columns")
            keys = ", ".join(f"'{r}'" for r in roles)
            raise ConfigError(
                f"--columns {given} names {what}, but no neuron table was given (--neurons PATH)",
                "give the neuron table with --neurons PATH (or put it beside the edge table in "
                f"its folder), or leave out {given}; in Python: columns={{{keys}: ...}} needs "
                "neurons=")
        if fmt == "npz":
            c = Connectome.load(edges)
        else:
            name = opts.name or (path.name if path.is_dir() else table_stem(path))
            c = _READERS[fmt].read(edges, neurons, opts, name)
    except OSError as exc:  # permission denied, a folder where a file was expected, ...
        where = exc.filename or path
        raise FormatError(f"cannot read '{where}': {exc.strerror or exc}",
                          "check that the file exists and is readable") from None
    _warn_unknown_signs(c, path)
    return c


def _warn_unknown_signs(c: Connectome, path: Path) -> None:
    """Warn (UserWarning) if synapse connections of ``c`` read from ``path`` have sign 0.

    Such a connection (no sign column, transmitter or neuron sign said what it does) has
    weight 0: a simulation ignores it (if every connection is so, no chemical synapse acts).
    Not an error: the wiring is still right for conversion, ``info`` and connectivity scores.
    A weighted connectome is not checked (a weight of 0 is a value there).
    """
    unknown = int(np.count_nonzero(c.weight == 0)) if not c.weighted else 0
    if not unknown:
        return
    level, frame = 1, sys._getframe(0)  # point the warning at the first caller outside this package
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        level, frame = level + 1, frame.f_back
    warnings.warn(f"{unknown:,} of {c.n_connections:,} connection(s) read from '{path.name}' "
                  "have an unknown sign (0), so weight 0: "
                  "a simulation ignores them; give the signs as a sign column (+1/-1) or a "
                  "transmitter column (ACh, GABA, glutamate) in the edge table or a neuron "
                  "table (--neurons); other transmitters (dopamine, serotonin, ...) give no sign",
                  UserWarning, stacklevel=level)


def writer_format(path: Path, format: str | None) -> str:
    """The writer a destination selects: ``format`` if given, else by suffix (see module doc)."""
    if is_read_only_table(path):
        stem = path.with_name(table_stem(path))
        raise FormatError(f"neurocast reads {path.name[len(stem.name):]} files but does not write "
                          f"them: '{path.name}'", f"write to {stem}.csv, or to {stem}.parquet, "
                          "which is compressed")
    if format is not None:
        if format in READ_FORMATS and format not in WRITE_FORMATS:
            raise FormatError(f"neurocast reads the {format} format but does not write it",
                              f"write one of {', '.join(WRITE_FORMATS)}")
        if format not in WRITE_FORMATS:
            raise unknown_name("connectome format", format, WRITE_FORMATS)
        if format == "npz" and path.suffix.lower() != ".npz":
            raise FormatError(f"native connectome files end in .npz, not '{path.name}'",
                              f"write to {path.with_suffix('.npz')}")
        if format == "edgelist" and path.suffix.lower() == ".npz":
            raise FormatError(f"an edge list is a .csv/.parquet file or a folder, not '{path.name}'",
                              f"write to {path.with_suffix('.parquet')}, or to a folder path without suffix")
        if format in _FOLDER_FORMATS and (table_kind(path) or path.suffix.lower() == ".npz"):
            raise FormatError(f"the {format} format is a folder; '{path.name}' looks like a file name",
                              f"give a folder path without suffix, e.g. {path.with_suffix('')}")
        return format
    if path.suffix.lower() == ".npz":
        return "npz"
    if table_kind(path):
        return "edgelist"
    raise FormatError(f"cannot tell which format to write to '{path}'",
                      "end the name in .npz, .csv or .parquet, or choose the format with --to, "
                      f"one of {', '.join(WRITE_FORMATS)}")


def _writes_folder(path: Path, fmt: str) -> bool:
    return fmt in _FOLDER_FORMATS or (fmt == "edgelist" and not table_kind(path))


def check_destination(path: str | os.PathLike, format: str | None = None, *,
                      overwrite: bool = False) -> str:
    """The writer format for ``path`` (see ``writer_format``) once the destination is usable.

    Raises NeurocastError if the folder to write into does not exist, FormatError if ``path``
    exists and ``overwrite`` is False or it is a file where a folder would be written (or the
    reverse).
    Called by ``write_connectome``, and by the CLI before reading the source.
    """
    path = Path(path)
    fmt = writer_format(path, format)
    require_output_folder(path)
    if path.exists():
        if not overwrite:
            raise FormatError(f"output '{path}' already exists", exists_hint(path))
        if path.is_dir() != _writes_folder(path, fmt):
            raise FormatError(f"output '{path}' exists and is a {'folder' if path.is_dir() else 'file'}",
                              "remove it or choose another path")
    return fmt


def keeps(path: str | os.PathLike, fmt: str | None = None) -> dict[str, bool]:
    """What a write to ``path`` keeps: {'gap_junctions': ..., 'neuron_table': ...}; ``fmt`` as
    ``write_connectome``'s format (None: by suffix; an unknown one raises as it would there)."""
    path = Path(path)
    fmt = writer_format(path, fmt)
    folder = _writes_folder(path, fmt)
    return {"gap_junctions": fmt == "npz" or (fmt == "edgelist" and folder),
            "neuron_table": fmt != "edgelist" or folder}


def write_connectome(connectome: Connectome, path: str | os.PathLike, format: str | None = None,
                     *, overwrite: bool = False) -> Path:
    """Write ``connectome`` to ``path`` atomically; returns the path.

    format: 'npz' (file), 'flywire' (folder: Connectivity.parquet + Completeness.csv),
      'neuprint' (folder: neurons.csv + connections.csv), 'edgelist' (one .csv/.parquet file,
      or a folder with edges.parquet + neurons.parquet); None picks by suffix.
    What each keeps: npz and edge-list folders everything; flywire everything but gap
    junctions; neuprint everything but gap junctions and per-edge signs (refused if they
    differ from the neuron's); an edge-list file only ids, counts, signs and float weights of
    connected neurons (``keeps`` says this for a destination). Float weights (a weighted
    connectome) are kept by npz and edge lists (their ``weight_units`` by npz only); flywire
    and neuprint refuse them.
    What the destination cannot hold is said, not dropped silently: a UserWarning (the CLI
    prints it as a ``note:`` line) for gap-junction pairs not written, and for a single
    edge-list file the names, types, transmitters and neurons without chemical synapses
    not written (``_note_dropped``).
    Raises FormatError for an unusable destination (see ``check_destination``) and
    WriteError if the operating system refuses the write; nothing is left behind then.
    """
    if not isinstance(connectome, Connectome):
        raise ConfigError(f"write_connectome needs a Connectome, not {type(connectome).__name__}")
    path = Path(path)
    fmt = check_destination(path, format, overwrite=overwrite)
    folder = _writes_folder(path, fmt)
    if connectome.weighted and fmt in _FOLDER_FORMATS:
        raise FormatError(f"the {fmt} format holds synapse counts only; {connectome.name or 'this connectome'!r} "
                          f"has float weights ({connectome.weight_units})",
                          "write it as .npz or as an edge list (.parquet/.csv), which keep the weights")
    if fmt == "npz":
        return connectome.save(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        if folder:
            tmp.mkdir()
            if fmt == "edgelist":
                _edgelist.write_folder(connectome, tmp)
            else:
                _READERS[fmt].write(connectome, tmp)
        else:
            _edgelist.write_file(connectome, tmp, table_kind(path))
    _note_dropped(connectome, path, fmt)
    return path


def _note_dropped(connectome: Connectome, path: Path, fmt: str) -> None:
    """Warn (``input_note``: a UserWarning pointed at the caller) about what the write of
    ``connectome`` to ``path`` as ``fmt`` left out (``keeps``): its gap-junction pairs
    (flywire, neuprint, a single edge-list file), and for a single edge-list file the neuron
    table (names, types, transmitters that differ from what reading it back gives) and the
    neurons without chemical synapses."""
    kept = keeps(path, fmt)
    label = f"'{connectome.name}'" if connectome.name else "the connectome"
    where = f"the {fmt} format" if fmt in _FOLDER_FORMATS else "a single edge-list file"
    keep_hint = ("an .npz file or an edge-list folder (a path without suffix: --to edgelist, "
                 "Python: format='edgelist') keeps them")
    n_gap = connectome.n_gap_junctions
    if n_gap and not kept["gap_junctions"]:
        pairs = "the 1 pair of {} is" if n_gap == 1 else f"all {n_gap:,} pairs of {{}} are"
        input_note(f"gap-junction pairs were not written to '{path.name}': {where} has no "
                   f"gap-junction layer, so {pairs.format(label)} left out; {keep_hint}")
    if kept["neuron_table"]:
        return
    table = connectome.neurons
    ids = table["id"].astype(str).to_numpy()
    lost = [what for what, column, empty in (("names", "name", ids), ("types", "type", None),
                                             ("transmitters", "transmitter", None))
            if column in table and _differs(table[column], empty)]
    lonely = int(np.count_nonzero((connectome.out_degree() + connectome.in_degree()) == 0))
    parts = [f"the neurons' {_and(lost)}"] if lost else []
    if lonely:
        parts.append(f"{lonely:,} neuron{'' if lonely == 1 else 's'} without chemical synapses")
    if parts:
        were = "was" if parts == ["1 neuron without chemical synapses"] else "were"
        input_note(f"a single edge-list file keeps ids, counts and signs only: {_and(parts)} of "
                   f"{label} {were} not written to '{path.name}'; {keep_hint}")


def _differs(column, read_back) -> bool:
    """True if a neuron-table column holds something reading a single edge-list file back does
    not give: a value other than '' (or than the neuron's id, for names: ``read_back``)."""
    values = column.astype(str).to_numpy()
    given = values != ""
    if read_back is not None:
        given &= values != read_back
    return bool(given.any())


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
