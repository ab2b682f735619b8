"""One registry pattern for every extension point (forecasters, metrics, loaders, neuron models,
stimulus plans, built-in datasets, inference methods).

A ``Registry`` maps names to entries in registration order. Adding an entry is one line in the
module that defines it (``@MODELS.register`` on a class, or ``PLANS.register(plan)``).
Third-party packages add entries through a Python entry-point group (e.g. ``neurocast.models``):
each entry point names an object that is registered under the entry point's name; the group is
read once, on the first lookup or listing, so importing neurocast never scans installed packages.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from neurocast.errors import ConfigError, UnknownNameError, unknown_name

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one kind.

    kind: what an entry is, for messages ("model", "metric", ...). group: the entry-point group
    that plug-in packages use (None: built-ins only). key: how to read a name off an entry
    (default: its ``name`` attribute).
    """

    def __init__(self, kind: str, *, group: str | None = None,
                 key: Callable[[T], str] = lambda entry: entry.name):
        self.kind = kind
        self.group = group
        self._key = key
        self._entries: dict[str, T] = {}
        self._plugins_loaded = group is None

    def register(self, entry: T, *, name: str | None = None, replace: bool = False) -> T:
        """Add ``entry`` (under ``name``, default its own name); returns it, so it works as a decorator.

        Raises ConfigError if the name is taken (``replace=True`` redefines it) or empty.
        """
        name = self._key(entry) if name is None else name
        if not isinstance(name, str) or not name:
            raise ConfigError(f"a {self.kind} needs a non-empty name, not {name!r}")
        if name in self._entries and not replace:
            raise ConfigError(f"{self.kind} {name!r} is already registered",
                              "choose another name, or pass replace=True to redefine it")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove an entry (for tests that register throwaway ones)."""
        self._entries.pop(name, None)

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from importlib.metadata import entry_points  # on the first lookup (~80 ms)

        for ep in entry_points(group=self.group):
            if ep.name in self._entries:
                continue  # a built-in (or an earlier plug-in) keeps its name
            try:
                entry = ep.load()
            except Exception as exc:  # a broken plug-in must not break neurocast
                warnings.warn(f"neurocast: skipping {self.kind} plug-in {ep.name!r} ({ep.value}): "
                              f"{type(exc).__name__}: {exc}", stacklevel=3)
                continue
            self._entries[ep.name] = entry

    def get(self, name: str) -> T:
        """The entry called ``name``; UnknownNameError lists near matches and the known names."""
        if name not in self._entries:
            self._load_plugins()
        if name not in self._entries:
            err = unknown_name(self.kind, name, self._entries)
            known = "known: " + ", ".join(self._entries)
            hint = known if err.hint == known else f"{err.hint} {known}"
            raise UnknownNameError(err.message, hint)
        return self._entries[name]

    def names(self) -> list[str]:
        """Every name, built-ins first in registration order, then plug-ins."""
        self._load_plugins()
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        if name not in self._entries:
            self._load_plugins()
        return name in self._entries

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def items(self) -> list[tuple[str, T]]:
        return [(n, self._entries[n]) for n in self.names()]

    def values(self) -> list[T]:
        return [self._entries[n] for n in self.names()]

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"
