"""The container files ``load_matrix`` imports, read into arrays by key (private).

A .npy file is one array (``read_npy``, memory-mapped). A container gives its arrays by key
and its attributes: .npz (``read_npz``: arrays only, no pickled objects); HDF5 and MATLAB
v7.3 (``read_hdf5``: MATLAB's char, empty and cell arrays (object references) read as MATLAB
wrote them, 2-D arrays transposed back, arrays of more than 2 dimensions left unread as
``Unread``); MATLAB v5 (``read_mat`` through scipy, structs flattened to 'struct/field' keys
as in v7.3). JSON files are read in ``_json_files``. Which array holds the traces, their
orientation, timing and names are decided in ``_matrix.py``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurocast.data._loading import MATRIX_HINT
from neurocast.errors import FormatError

__all__ = ["Unread", "read_hdf5", "read_mat", "read_npy", "read_npz"]


def read_npy(path: Path, what: str) -> np.ndarray:
    """A plain .npy array, memory-mapped (not read into memory until used)."""
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise FormatError(f"{what} is not a readable .npy array ({str(exc).splitlines()[0]})",
                          "save a numeric array with numpy.save") from None


def read_npz(path: Path, what: str) -> dict:
    """An .npz file's arrays by name. Raises FormatError for one holding pickled Python objects
    (not read, for safety) and for a file that is no readable .npz."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise FormatError(f"{what} holds Python objects (pickled), which are not read for "
                              "safety", "save plain numeric and string arrays (np.savez with "
                              "numbers/str)") from None
        raise FormatError(f"{what} is not a readable .npz file: {exc}", MATRIX_HINT) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise FormatError(f"{what} is empty or not a valid .npz file ({type(exc).__name__})",
                          "re-save it with numpy.savez") from None


def _h5_value(f, obj):
    """An HDF5 dataset as numpy, read the way MATLAB v7.3 writes: an empty array (attribute
    ``MATLAB_empty``; its data is its shape) as a size-0 array, a char array as str (one per
    row), a cell array (object references) as an object array of its cells' values, each read
    so (a cell inside a cell is an object array too; a struct in a cell an empty one), and a
    2-D MATLAB array transposed back to MATLAB's shape."""
    import h5py  # heavy: only for HDF5/MAT v7.3 files

    cls = obj.attrs.get("MATLAB_class", b"")
    cls = cls.decode() if isinstance(cls, bytes) else str(cls)
    if cls and obj.attrs.get("MATLAB_empty", 0):
        return np.empty(0, dtype={"char": str, "cell": object}.get(cls, np.float64))
    data = obj[()]
    if cls == "char":
        codes = np.asarray(data, dtype=np.uint16)
        return np.asarray(["".join(map(chr, row)).strip("\x00") for row in np.atleast_2d(codes.T)])
    if obj.dtype.kind == "O" and h5py.check_dtype(ref=obj.dtype) is not None:
        refs = np.asarray(data)
        data = np.empty(refs.shape, dtype=object)
        for i, ref in np.ndenumerate(refs):
            target = f[ref] if ref else None  # a null reference points nowhere
            data[i] = (_h5_value(f, target) if isinstance(target, h5py.Dataset)
                       else np.empty(0, dtype=object))
    if cls and obj.ndim == 2:  # MATLAB stores column-major: h5py sees the transpose
        data = np.asarray(data).T
    return data


@dataclass(frozen=True)
class Unread:
    """An HDF5 array of more than 2 dimensions (an imaging movie, a stack of masks), or a JSON
    list that is no array (``_json_files.json_arrays``): never a trace matrix, timestamps or
    names, so it is not read (it may be gigabytes); its shape and dtype still show where a
    file's arrays are listed, and ``why`` (if given) says what it is instead of its shape."""

    shape: tuple
    dtype: np.dtype
    why: str = ""

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def read_hdf5(path: Path, what: str) -> tuple[dict, dict]:
    """An HDF5 (or MATLAB v7.3) file's arrays by path ('group/name'), each read as
    ``_h5_value`` says (one of more than 2 dimensions as ``Unread``), and its attributes: an
    array's under 'group/name/attribute', the root's under their name. Raises FormatError for a
    file that is not HDF5."""
    import h5py  # heavy: only for HDF5 files

    arrays, attrs = {}, {}
    try:
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                # MATLAB's own groups are left out: #refs# (the cells' contents, read through
                # their cell arrays) and #subsystem# (class objects)
                if isinstance(obj, h5py.Dataset) and not name.startswith("#"):
                    arrays[name] = (Unread(obj.shape, obj.dtype) if obj.ndim > 2
                                    else _h5_value(f, obj))
                    attrs.update({f"{name}/{k}": v for k, v in obj.attrs.items()})
            f.visititems(visit)
            attrs.update(dict(f.attrs))
    except OSError as exc:
        raise FormatError(f"{what} is not a readable HDF5 file: {exc}",
                          "give an HDF5 (.h5) or MATLAB v7.3 file") from None
    return arrays, attrs


def read_mat(path: Path, what: str) -> tuple[dict, dict]:
    """A MATLAB file's variables by name, structs flattened (``_flatten_struct``), and no
    attributes; a v7.3 file is read as the HDF5 file it is (``read_hdf5``). Raises FormatError
    for a file scipy cannot read."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head[:8] == b"\x89HDF\r\n\x1a\n" or b"MATLAB 7.3" in head[:128]:
        return read_hdf5(path, what)  # v7.3 .mat files are HDF5
    from scipy.io import loadmat  # heavy: only for MATLAB files

    try:
        raw = loadmat(path, squeeze_me=True, chars_as_strings=True)
    except MemoryError:
        raise
    except Exception as exc:  # scipy's reader fails on corrupt files with many exception types
        raise FormatError(f"{what} is not a readable MATLAB file: {exc}", "save it with MATLAB's "
                          "save (v5 or v7.3) or as .npz/.h5") from None
    arrays: dict = {}
    for k, v in raw.items():
        if not k.startswith("__"):
            _flatten_struct(k, v, arrays)
    return arrays, {}


def _flatten_struct(key: str, v, arrays: dict) -> None:
    """Put MATLAB variable ``v`` (as scipy's loadmat gives it) into ``arrays`` under ``key``,
    a struct's fields under 'key/field', the fields of a struct inside it under
    'key/field/inner' and so on (as HDF5 names them in a v7.3 file). A struct array of several
    elements is flattened one level: each field an object array, one value per element."""
    if not (isinstance(v, np.ndarray) and v.dtype.names):
        arrays[key] = np.asarray(v)
        return
    for field in v.dtype.names:
        if v.size == 1:
            _flatten_struct(f"{key}/{field}", v[field].item(), arrays)
        else:
            arrays[f"{key}/{field}"] = np.asarray(v[field])
