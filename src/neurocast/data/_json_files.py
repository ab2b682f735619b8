"""JSON files as named arrays, for ``load_matrix`` and its sidecar reader (private).

``read_json`` reads a file holding one object: its entries, nested objects flattened to 'a/b'
keys, lists converted to arrays once (a list that is no array left as ``Unread``), objects
naming neurons by row number kept as ``IndexedNames`` (``json_arrays``). ``load_json`` parses
a file, its errors saying where it breaks; ``json_kind`` says what a parsed document is. The
sidecar reader (``_sidecar``) uses these three.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from neurocast.data._container_files import Unread
from neurocast.data._matrix_keys import IndexedNames, index_keyed_names
from neurocast.errors import FormatError

__all__ = ["json_arrays", "json_kind", "load_json", "read_json"]


def read_json(path: Path, what: str) -> dict:
    """A JSON file holding one object, as key -> array (``json_arrays``). Raises FormatError,
    with the parser's line and column, for a file that is not JSON (``load_json``), and for
    one whose top level is not an object."""
    doc = load_json(path, what)
    if not isinstance(doc, dict):
        raise FormatError(f"{what} holds a {json_kind(doc)} at its top level, not an object of "
                          'named arrays', 'give one recording per file as an object, e.g. '
                          '{"traces": [[...], ...], "timestamps": [...]} (a matrix alone: '
                          '{"traces": MATRIX}); see docs/datasets.md')
    return json_arrays(doc)


def json_kind(doc) -> str:
    """What a parsed JSON document is, in words: 'object', 'list', 'string', 'null', ..."""
    return {dict: "object", list: "list", str: "string", type(None): "null",
            bool: "boolean"}.get(type(doc), "number")


def load_json(path: Path, what: str):
    """A JSON file's document as Python objects (a byte-order mark allowed). Raises
    FormatError, with the parser's line and column, for a file that is not JSON."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno}", "the file may be cut off (an interrupted download?) "
                          "or not JSON; `python -m json.tool FILE` shows where it breaks") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise FormatError(f"{what} is not readable JSON ({type(exc).__name__}: "
                          f"{str(exc)[:120]})", "JSON files are UTF-8 text") from None
    return doc


def json_arrays(doc: dict) -> dict:
    """A JSON object as key -> array: nested objects flattened to 'a/b' keys; a list of numbers
    (null: NaN; the non-standard NaN and Infinity too) as a float64 array, 2-D or more when its
    lists nest with equal lengths; a list of text as a str array (null: ''); a list of
    true/false as a bool array; other lists (of unequal lengths, mixing kinds, holding objects)
    as ``Unread``; a scalar as a 0-d array. An object keying text labels by row number
    (``index_keyed_names``: WormWideWeb's ``labeled``) is kept whole as ``IndexedNames``."""
    arrays: dict = {}
    _flatten_json("", doc, arrays)
    return arrays


def _flatten_json(prefix: str, obj: dict, arrays: dict) -> None:
    """Put a JSON object's entries into ``arrays`` under ``prefix`` + their name (see
    ``json_arrays``), the entries of nested objects under 'name/inner'."""
    for name, v in obj.items():
        key = f"{prefix}{name}"
        if isinstance(v, dict):
            rows = index_keyed_names(v)
            if rows is not None:
                arrays[key] = IndexedNames(key, rows)
            else:
                _flatten_json(f"{key}/", v, arrays)
        elif isinstance(v, list):
            arrays[key] = _json_array(v)
        else:  # a scalar: read as a 1-element list
            a = _json_array([v])
            arrays[key] = a.reshape(()) if isinstance(a, np.ndarray) else a


def _json_shape(items: list, kinds: set) -> tuple | None:
    """The shape of nested lists whose lists at each depth have equal lengths, or None (ragged:
    a list holding lists of different lengths, or lists beside values); adds the types of
    their values to ``kinds``."""
    types = set(map(type, items))
    if list not in types:
        kinds |= types
        return (len(items),)
    if types != {list}:
        return None
    inner = [_json_shape(x, kinds) for x in items]
    if inner[0] is None or any(s != inner[0] for s in inner[1:]):
        return None
    return (len(items), *inner[0])


def _json_array(items: list):
    """A JSON list as numpy, converted once (see ``read_json``), or ``Unread``."""
    kinds: set = set()
    shape = _json_shape(items, kinds)
    if shape is None:
        return Unread((len(items),), np.dtype(object), "a ragged list (lists of unequal "
                       "lengths, or lists beside values)")
    try:
        if kinds <= {int, float, type(None)}:
            return np.asarray(items, dtype=np.float64)  # None -> NaN
    except OverflowError:  # a whole number beyond float64
        return Unread(shape, np.dtype(object), "numbers too large to read")
    if kinds == {bool}:
        return np.asarray(items, dtype=bool)
    if str in kinds and kinds <= {str, type(None)}:
        text = np.array(items, dtype=object).reshape(shape)
        text[np.equal(text, None)] = ""
        return text.astype(str)
    return Unread(shape, np.dtype(object), "a list mixing numbers, text, true/false or objects")
