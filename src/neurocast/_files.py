"""Writing files: atomic writes (a crash never leaves a half-written result), JSON of numpy values."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from neurocast.errors import NeurocastError, WriteError


def json_default(obj):
    """``json.dump(..., default=json_default)``: numpy scalars and arrays as plain JSON values."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def require_output_folder(path: str | os.PathLike) -> None:
    """Raise NeurocastError unless the folder that would hold ``path`` exists."""
    parent = Path(path).parent
    if not parent.is_dir():
        what = "is a file, not a folder" if parent.exists() else "does not exist"
        raise NeurocastError(f"output folder '{parent}' {what}",
                             "create the folder first or choose another path")


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


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary sibling path; move it onto ``path`` only if the block succeeds.

    Works for files and directories (e.g. zarr stores). On any exception (including
    KeyboardInterrupt) the temporary is removed and ``path`` is left as it was.
    Raises NeurocastError if ``path`` exists and ``overwrite`` is False or its folder does
    not exist, and WriteError (a NeurocastError and an OSError) if the operating system
    refuses the write (no permission, disk full, ...).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise NeurocastError(
            f"output '{path}' already exists", "choose another path or pass --overwrite"
        )
    require_output_folder(path)
    clean_stale(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink():
            old = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.old")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except OSError as exc:
        if isinstance(exc, NeurocastError):
            raise
        reason = exc.strerror or str(exc)
        raise WriteError(f"cannot write '{path}': {reason}",
                         "check that the folder is writable and the disk has free space") from exc
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
