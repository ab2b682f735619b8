"""Connectomes: the Connectome type, built-in wiring diagrams, file formats and generators."""

from __future__ import annotations

import os
from pathlib import Path

from neurocast.connectome._builtin import BUILTINS, builtin_connectome
from neurocast.connectome._connectome import NEURON_COLUMNS, Connectome
from neurocast.connectome._formats import (
    READ_FORMATS,
    WRITE_FORMATS,
    check_destination,
    keeps,
    read_connectome,
    write_connectome,
)
from neurocast.connectome._synthetic import FLY_SYNTH, SyntheticParams, fly_synth, random_connectome
from neurocast.errors import ConfigError, FormatError, unknown_name

__all__ = [
    "BUILTINS",
    "FLY_SYNTH",
    "NEURON_COLUMNS",
    "READ_FORMATS",
    "WRITE_FORMATS",
    "Connectome",
    "SyntheticParams",
    "builtin_connectome",
    "check_destination",
    "fly_synth",
    "keeps",
    "load_connectome",
    "random_connectome",
    "read_connectome",
    "write_connectome",
]


def load_connectome(source: str | os.PathLike, **options) -> Connectome:
    """Load a connectome from a built-in name or a file/folder path.

    Built-in names are listed in ``BUILTINS``. Paths: a native ``.npz`` file, or a file or
    folder in one of the community formats (see ``neurocast.connectome.read_connectome``);
    ``options`` are passed to that reader (e.g. ``columns=``, ``duplicates=``).
    """
    text = os.fspath(source)
    path = Path(text)
    if text in BUILTINS:
        if options:
            raise ConfigError(f"reader options ({', '.join(sorted(options))}) apply to files, "
                              f"not to the built-in connectome {text!r}",
                              "leave out --from, --columns, --neurons and --sum-duplicates")
        return builtin_connectome(text)
    if path.exists():
        return read_connectome(path, **options)
    if os.sep in text or "." in text:
        raise FormatError(f"no file or folder at '{text}'", "check the path")
    raise unknown_name("built-in connectome", text, BUILTINS)
