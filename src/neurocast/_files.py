"""Writing files: atomic writes (a crash never leaves a half-written result), JSON of numpy values."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from neurocast._numbers import is_whole
from neurocast.errors import NeurocastError, WriteError


def json_default(obj):
    """``json.dump(..., default=json_default)``: numpy scalars and arrays as plain JSON values."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def require_output_folder(path: str | os.PathLike, *, create: bool = False) -> Path:
    """The folder that will hold the output ``path`` (its parent), checked; nothing is created.

    create=False: that folder must exist. create=True: ``path`` is itself a folder that
    outputs go into (``atomic_folder``, which creates it and any missing parents), so it must
    be a folder already or be creatable: its nearest existing parent is a writable folder;
    then ``path`` is returned. Raises NeurocastError naming the folder otherwise.
    """
    path = Path(path)
    folder = path if create else path.parent
    if folder.exists() and not folder.is_dir():
        raise NeurocastError(f"output folder '{folder}' is a file, not a folder",
                             "choose another path for the output, or move that file away")
    if not create:
        if not folder.is_dir():
            raise NeurocastError(f"output folder '{folder}' does not exist",
                                 "create the folder first or choose another path")
        return folder
    existing = next(p for p in (folder, *folder.parents) if p.exists() or p == Path(p.anchor))
    if not (existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)):
        raise NeurocastError(f"cannot create output folder '{folder}': '{existing}' is not a "
                             "writable folder", "choose a writable folder for the output")
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else (or unknown): leave its files alone
    return True


def clean_stale(path: str | os.PathLike) -> list[Path]:
    """Remove leftovers of killed atomic writes of ``path``: ``.NAME.PID-XXXX.partial`` / ``.old``.

    Only leftovers whose writing process (PID) no longer runs are removed, so a concurrent
    write is never disturbed. Returns the removed paths.
    """
    path = Path(path)
    removed = []
    for p in path.parent.glob(f".{glob_escape(path.name)}.*"):
        m = re.fullmatch(rf"\.{re.escape(path.name)}\.(\d+)-[0-9a-f]{{8}}\.(partial|old)", p.name)
        if m is None or _alive(int(m.group(1))):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    return removed


def glob_escape(name: str) -> str:
    """A file name with glob special characters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


#: File that ``atomic_path`` puts into every folder it writes (a dataset store, a connectome
#: folder, ...): the folder is a neurocast output, which a later write may replace.
OUTPUT_MARK = ".neurocast-output"


def is_replaceable(folder: str | os.PathLike) -> bool:
    """Whether an existing folder may be replaced by a neurocast output.

    True for an empty folder, a folder holding ``OUTPUT_MARK``, and a dataset store written
    before that mark existed (its root ``zarr.json`` has the ``neurocast_version`` attribute).
    Any other folder holds things neurocast did not write, and is never deleted.
    """
    folder = Path(folder)
    if not any(folder.iterdir()) or (folder / OUTPUT_MARK).is_file():
        return True
    try:
        meta = json.loads((folder / "zarr.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "neurocast_version" in (meta.get("attributes") or {})


def _is_users_folder(path: Path) -> bool:
    """True for a folder (not a link to one) holding things neurocast did not write."""
    return path.is_dir() and not path.is_symlink() and not is_replaceable(path)


def exists_hint(path: str | os.PathLike) -> str:
    """The hint for an output that already exists: --overwrite only where it is accepted (not
    for a folder of the user's own, ``is_replaceable``)."""
    if _is_users_folder(Path(path)):
        return ("choose another path, or move that folder away yourself if its contents may go "
                "(neurocast never replaces a folder it did not write)")
    return "choose another path or pass --overwrite"


def check_output(path: str | os.PathLike, *, overwrite: bool, folder: bool | None = None) -> None:
    """Raise NeurocastError if an output may not be written at ``path``: it has no name of its
    own ('.', '/'), it exists and ``overwrite`` is False, it is a folder that ``is_replaceable``
    refuses or a symbolic link to a folder, or (``folder`` given: whether a folder will be
    written) a file where a folder goes or the reverse. ``atomic_path`` checks the same when
    the write starts; long jobs call this first, so that a refusal costs no work."""
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise NeurocastError(f"output '{path}' does not name a new file or folder",
                             "give the output a name of its own, e.g. ./out.zarr")
    if path.is_symlink() and path.is_dir():
        raise NeurocastError(f"output '{path}' is a symbolic link to a folder",
                             "give the folder's own path, or another path")
    if folder is not None and path.exists() and path.is_dir() != folder:
        raise NeurocastError(f"output '{path}' is a {'folder' if path.is_dir() else 'file'}, where "
                             f"neurocast writes a {'folder' if folder else 'file'}",
                             "choose another path, or remove it yourself if it may go")
    if path.exists() and not overwrite:
        raise NeurocastError(f"output '{path}' already exists", exists_hint(path))
    if _is_users_folder(path):
        raise NeurocastError(f"output '{path}' is a folder that neurocast did not write; "
                             "it is not replaced", exists_hint(path))


def mark_output(folder: Path, kind: str | None = None, files=()) -> None:
    """Put ``OUTPUT_MARK`` into ``folder``: it holds a neurocast output now (``--overwrite`` may
    replace it). kind, files: also record that this kind of output (e.g. 'bench') wrote these
    file names there (``atomic_folder`` removes them when the next one of its kind does not
    write them again); the other kinds' records are kept."""
    outputs = marked_outputs(folder)
    if kind is not None:
        outputs[kind] = sorted(files)
    (folder / OUTPUT_MARK).write_text(json.dumps(
        {"note": "written by neurocast; --overwrite may replace this folder", "outputs": outputs},
        indent=1) + "\n")


def marked_outputs(folder: Path) -> dict[str, list[str]]:
    """{kind: file names} recorded in ``folder``'s ``OUTPUT_MARK`` (empty for a mark without
    records, or none)."""
    try:
        outputs = json.loads((folder / OUTPUT_MARK).read_text())["outputs"]
    except (OSError, ValueError, TypeError, KeyError):
        return {}
    if not isinstance(outputs, dict):  # a damaged mark records nothing
        return {}
    return {str(k): [str(f) for f in v] for k, v in outputs.items() if isinstance(v, list)}


def check_output_folder(path: str | os.PathLike, *, overwrite: bool) -> Path:
    """Check a folder that an output's files go into (``atomic_folder``), before any work.

    A new or empty folder is fine; an existing one holding files only with ``overwrite`` and
    only if neurocast wrote it (``check_output``: '.', a folder of the user's own, ... are
    refused). Returns the folder (``require_output_folder(path, create=True)``).
    Raises NeurocastError naming the folder and the fix.
    """
    path = Path(path)
    if not (path.is_dir() and not path.is_symlink() and not any(path.iterdir())):
        check_output(path, overwrite=overwrite, folder=True)
    return require_output_folder(path, create=True)


def partial_path(path: Path) -> Path:
    """A temporary sibling name for a write of ``path`` (``clean_stale`` removes leftovers)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")


#: ``atomic_folder`` writes into an existing folder through ``partial_path(folder / _NEW_FILES)``.
_NEW_FILES = "new-files"


def _write_error(paths: list[Path], exc: OSError) -> WriteError:
    """WriteError: ``paths`` (one output, or the files of one) cannot be written, for the
    reason of ``exc``, or of the OSError it comes from (a WriteError raised while writing a
    temporary file inside names that file, not the output)."""
    cause = exc
    while isinstance(cause.__cause__, OSError):
        cause = cause.__cause__
    reason = cause.strerror or str(cause)
    more = f" and {len(paths) - 1} more file(s)" if len(paths) > 1 else ""
    return WriteError(f"cannot write '{paths[0]}'{more}: {reason}",
                      "check that the folder is writable and the disk has free space")


@contextlib.contextmanager
def _scratch(path: Path) -> Iterator[Path]:
    """Yield ``partial_path(path)`` for a write of ``path``, after removing dead runs' leftovers
    (``clean_stale``); whatever is at that name (file or folder) is removed when the block
    ends, however it ends. An OSError in the block becomes WriteError naming ``path``."""
    clean_stale(path)
    tmp = partial_path(path)
    try:
        yield tmp
    except OSError as exc:
        if isinstance(exc, NeurocastError):
            raise
        raise _write_error([path], exc) from exc
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary sibling path; move it onto ``path`` only if the block succeeds.

    Works for files and directories (e.g. zarr stores); a directory gets ``OUTPUT_MARK``.
    On any exception (including KeyboardInterrupt) the temporary is removed and ``path`` is
    left as it was. An existing folder is replaced only if ``is_replaceable`` (empty, or a
    neurocast output), and a file only by a file, a folder only by a folder.
    Raises NeurocastError if ``path`` exists and ``overwrite`` is False, if it cannot be
    replaced as just said, or if its folder does not exist; WriteError (a NeurocastError and an
    OSError) if the operating system refuses the write (no permission, disk full, ...).
    """
    path = Path(path)
    check_output(path, overwrite=overwrite)
    require_output_folder(path)
    with _scratch(path) as tmp:
        yield tmp
        folder = path.is_dir() and not path.is_symlink()
        if path.exists() and not path.is_symlink() and folder != tmp.is_dir():
            raise NeurocastError(f"output '{path}' is a {'folder' if folder else 'file'}, where "
                                 f"neurocast writes a {'file' if folder else 'folder'}",
                                 "choose another path, or remove it yourself if it may go")
        if tmp.is_dir():
            mark_output(tmp)
        if folder:
            old = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.old")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)


@contextlib.contextmanager
def atomic_files(paths: Sequence[str | os.PathLike]) -> Iterator[list[Path]]:
    """Yield a temporary path for each of the files ``paths`` (siblings, in one folder); move
    them all into place only if the block succeeds.

    The temporary paths keep the files' names (so their suffixes) inside one scratch folder
    ``partial_path(paths[0])``, removed with all it holds when the block ends: after an
    exception in the block (KeyboardInterrupt included) no file has moved; if the process is
    killed outright, the next write of ``paths[0]`` removes the folder (``clean_stale``). Once
    the block has written every file they are renamed into place one right after the other,
    each replacing a file (never a folder) of its name; if a rename fails (rare: a file held
    open or owned by another user) the files before it are already written, and the
    WriteError says which.
    Raises ValueError if ``paths`` are not distinct files of one folder; NeurocastError if one
    is a folder or their folder does not exist; WriteError (naming the outputs, never the
    scratch folder) if the operating system refuses a write (no permission, disk full, ...).
    """
    paths = [Path(p) for p in paths]
    if len({p.parent for p in paths}) != 1 or len({p.name for p in paths}) != len(paths):
        raise ValueError(f"atomic_files writes distinct files of one folder, not {paths}")
    for path in paths:
        check_output(path, overwrite=True, folder=False)
    require_output_folder(paths[0])
    partly = None
    try:
        with _scratch(paths[0]) as scratch:
            scratch.mkdir()
            yield [scratch / p.name for p in paths]
            for path in paths:  # a folder made at one of the names meanwhile: no file moves
                check_output(path, overwrite=True, folder=False)
            unwritten = [p.name for p in paths if not (scratch / p.name).is_file()]
            if unwritten:
                raise ValueError(f"atomic_files: the block wrote no file for {unwritten}")
            for moved, path in enumerate(paths):
                try:
                    os.replace(scratch / path.name, path)
                except OSError as exc:
                    if moved == 0:
                        raise
                    partly = _partly_moved(paths, moved, exc)
                    raise partly from exc
    except OSError as exc:
        if exc is partly:
            raise
        raise _write_error(paths, exc) from exc


def _partly_moved(paths: list[Path], moved: int, exc: OSError) -> WriteError:
    """WriteError: the first ``moved`` of ``paths`` were replaced, then moving the next failed."""
    done = ", ".join(f"'{p.name}'" for p in paths[:moved])
    return WriteError(f"cannot move '{paths[moved]}' into place: {exc.strerror or exc}; "
                      f"{done} already written, the other {len(paths) - moved} file(s) not",
                      "fix the cause (permissions, a program holding the file open) and run "
                      "again to write them all")


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike, kind: str) -> Iterator[Path]:
    """Yield a new temporary folder; its files reach the folder ``path`` only if the block succeeds.

    A new ``path`` is the temporary folder renamed into place (``atomic_path``): all the files
    appear at once or none does. Into an existing folder the new files move one by one (each
    replacing its namesake) in the order they were written, so the file written last (a
    report) appears last; then the files the previous output of the same ``kind`` (e.g.
    'bench') wrote there and this one did not (``statistics-seed1.nc`` of a run with more
    seeds) are removed, so the folder never mixes two runs of one command; other kinds' files
    stay (a name another kind records too is kept). The folder's ``OUTPUT_MARK`` records each
    kind's files. Missing parent folders are created. On any exception the temporary folder is
    removed and ``path`` is as it was. ``check_output_folder`` checks ``path`` before the work
    that fills the folder.
    Raises NeurocastError if ``path`` is a file or a folder holding files neurocast did not
    write (``is_replaceable``), WriteError (naming ``path``) if the operating system refuses a
    write (no permission, disk full, ...).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NeurocastError(f"output folder '{path}' is a file", "choose a folder")
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                tmp.mkdir()
                yield tmp
                mark_output(tmp, kind, [f.name for f in tmp.iterdir() if f.name != OUTPUT_MARK])
            return
        clean_stale(path / _NEW_FILES)
        if not is_replaceable(path):
            raise NeurocastError(f"output folder '{path}' holds files that neurocast did not write; "
                                 "nothing is written into it", "choose a new or empty folder")
        tmp = partial_path(path / _NEW_FILES)  # inside: the files move by renames, and '.' works too
        tmp.mkdir()
        try:
            yield tmp
            new = sorted(tmp.iterdir(), key=lambda p: p.stat().st_mtime_ns)
            names = {f.name for f in new}
            outputs = marked_outputs(path)
            # a name another kind records is its file now (data stats --plots and bench both
            # write realism_*.png): it stays
            others = {name for k, v in outputs.items() if k != kind for name in v}
            stale = [path / name for name in outputs.get(kind, [])
                     if name not in names and name not in others
                     and Path(name).name == name not in ("", "..", OUTPUT_MARK)]
            # the stale files stay recorded until they are gone: a run stopped in between
            # (Ctrl-C, a failed move) leaves them for the next one to remove
            mark_output(path, kind, names | {f.name for f in stale})
            for file in new:
                os.replace(file, path / file.name)
            for file in stale:  # the previous run's files that this one did not write again
                if file.is_dir() and not file.is_symlink():
                    shutil.rmtree(file)
                elif file.exists() or file.is_symlink():
                    file.unlink()
            mark_output(path, kind, names)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:  # also a WriteError of a file inside: say why, for the folder
        raise _write_error([path], exc) from exc


#: The attribute naming the integer attributes ``netcdf3_attrs`` wrote as text.
_WIDE_INTS = "wide_int_attrs"


def netcdf3_attrs(attrs: dict) -> dict:
    """``attrs`` fit for a netCDF3 file (scipy's writer): netCDF3 has no 64-bit integers, so an
    integer outside int32 (e.g. a seed >= 2**31) becomes its decimal text, and the names of such
    attributes are listed in ``wide_int_attrs``; the rest are unchanged. ``read_wide_ints``
    undoes it exactly."""
    def wide(v) -> bool:
        return is_whole(v) and not -2**31 <= v < 2**31
    out = {k: str(int(v)) if wide(v) else v for k, v in attrs.items()}
    if names := [k for k, v in attrs.items() if wide(v)]:
        out[_WIDE_INTS] = ",".join(names)
    return out


def read_wide_ints(attrs: dict) -> dict:
    """``attrs`` read from a file ``netcdf3_attrs`` wrote: the integers it stored as text are
    int again, and its ``wide_int_attrs`` list is dropped."""
    names = set(str(attrs.get(_WIDE_INTS, "")).split(",")) - {""}
    return {k: int(v) if k in names else v for k, v in attrs.items() if k != _WIDE_INTS}
