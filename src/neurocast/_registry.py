"""One registry pattern for every extension point (forecasters, metrics, loaders, neuron models,
stimulus plans, built-in datasets, inference methods).

A ``Registry`` maps names to entries in registration order. Adding an entry is one line in the
module that defines it (``@MODELS.register`` on a class, or ``PLANS.register(plan)``).
Third-party packages add entries through a Python entry-point group (e.g. ``neurocast.models``).
The group is read once, on the first lookup or listing, so importing neurocast never scans
installed packages. Each entry point must name an object that ``register`` would accept, whose
own name is the entry point's name; one that does not, or whose name is taken (a built-in keeps
its name), is skipped with a warning naming it (the command line prints it as a ``note:``).
A plug-in module may look the registry up while it is imported (a stimulus plan naming the
neuron model defined above it): the lookup sees the plug-ins added so far, and the one being
imported.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from neurocast.errors import ConfigError, UnknownNameError, unknown_name

__all__ = ["Registry", "instance_of"]

T = TypeVar("T")


def instance_of(cls: type) -> Callable[[object], None]:
    """A ``check`` for ``Registry``: ConfigError unless the entry is an instance of ``cls``."""
    def check(entry: object) -> None:
        if not isinstance(entry, cls):
            what = f"the class {entry.__name__}" if isinstance(entry, type) else repr(entry)
            raise ConfigError(f"{what} is not a {cls.__name__}",
                              f"register a {cls.__name__}(...) instance")
    return check


class Registry(Generic[T]):
    """Named entries of one kind.

    kind: what an entry is, for messages ("model", "metric", ...). group: the entry-point group
    that plug-in packages use (None: built-ins only). key: how to read a name off an entry
    (default: its ``name`` attribute). check: raises ConfigError if an object is not an entry
    of this kind (run by ``register`` and on every plug-in before ``key``).
    """

    def __init__(self, kind: str, *, group: str | None = None,
                 key: Callable[[T], str] = lambda entry: entry.name,
                 check: Callable[[Any], None] | None = None):
        self.kind = kind
        self.group = group
        self._key = key
        self._check = check
        self._entries: dict[str, T] = {}
        self._plugins: dict[str, str] = {}  # name -> entry point value, for the plug-ins added
        self._pending: list | None = None if group else []  # entry points not read yet
        self._lock = threading.RLock()  # one thread reads the plug-ins; a lookup made while a
        # plug-in module is imported comes back in on the same thread

    def register(self, entry: T, *, name: str | None = None, replace: bool = False) -> T:
        """Add ``entry`` (under ``name``, default its own name); returns it, so it works as a decorator.

        Raises ConfigError if ``entry`` is not of this kind, or the name is taken
        (``replace=True`` redefines it) or empty.
        """
        if self._check is not None:
            self._check(entry)
        name = self._name_of(entry) if name is None else name
        if not isinstance(name, str) or not name:
            raise ConfigError(f"a {self.kind} needs a non-empty name, not {name!r}")
        if name in self._entries and not replace:
            raise ConfigError(f"{self.kind} {name!r} is already registered",
                              "choose another name, or pass replace=True to redefine it")
        self._entries[name] = entry
        return entry

    def _name_of(self, entry: T) -> str:
        try:
            return self._key(entry)
        except AttributeError:
            raise ConfigError(f"{entry!r} is not a {self.kind}: it has no name") from None

    def unregister(self, name: str) -> None:
        """Remove an entry (for tests that register throwaway ones)."""
        self._entries.pop(name, None)
        self._plugins.pop(name, None)

    def _load_plugins(self) -> None:
        with self._lock:
            if self._pending is None:
                from importlib.metadata import entry_points  # on the first lookup (~80 ms)

                self._pending = list(entry_points(group=self.group))
            for ep in list(self._pending):
                if ep not in self._pending:
                    continue  # added meanwhile, by a lookup made while a plug-in was imported
                module = _being_imported(ep)
                if module is not None:
                    # a lookup made while the plug-in's module is imported (a plan naming the
                    # model defined above it): what the module has defined so far is added; the
                    # entry point stays pending, read again once the module is imported
                    entry = _defined_so_far(module, ep.attr)
                    if entry is not None:
                        self._add(ep, entry, quiet=True)  # its full import reports a problem
                    continue
                try:
                    self._add_plugin(ep)
                finally:
                    self._pending.remove(ep)

    def _add_plugin(self, ep) -> None:
        """Load one entry point and add what it names, or warn why not."""
        try:
            entry = ep.load()
        except Exception as exc:  # a broken plug-in must not break neurocast
            if self._plugins.get(ep.name) == ep.value:  # added while its module was imported
                self.unregister(ep.name)
            return self._skip(False, f"skipping {self.kind} plug-in {ep.name!r} ({ep.value}): "
                              f"{type(exc).__name__}: {getattr(exc, 'message', exc)}",
                              getattr(exc, "hint", None))
        return self._add(ep, entry)

    def _add(self, ep, entry, *, quiet: bool = False) -> None:
        """Add the object ``entry`` an entry point names, or warn why not (unless ``quiet``)."""
        where = f"{self.kind} plug-in {ep.name!r} ({ep.value})"
        if self._entries.get(ep.name) is entry:  # added by a lookup its module made, or by itself
            self._plugins.setdefault(ep.name, ep.value)
            return None
        if ep.name in self._entries:
            by = self._plugins.get(ep.name)
            owner = f"the plug-in {by}, loaded first" if by else f"a built-in {self.kind}, which wins"
            return self._skip(quiet, f"ignoring {where}: the name {ep.name!r} is taken by {owner}",
                              "give the entry point and the object it names another name")
        try:
            if self._check is not None:
                self._check(entry)
            own = self._name_of(entry)
        except ConfigError as exc:
            return self._skip(quiet, f"skipping {where}: {exc.message}", exc.hint)
        if own != ep.name:
            return self._skip(quiet, f"skipping {where}: it names the {self.kind} {own!r}",
                              f"name the entry point {own!r}: a plug-in is registered under "
                              "its own name")
        self._entries[ep.name] = entry
        self._plugins[ep.name] = ep.value
        return None

    def _skip(self, quiet: bool, message: str, hint: str | None = None) -> None:
        if not quiet:
            warnings.warn(f"neurocast: {message}" + (f" ({hint})" if hint else ""), stacklevel=6)

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


def _being_imported(ep):
    """The module of entry point ``ep`` if it is being imported right now (partly run), else None."""
    module = sys.modules.get(ep.module)
    return module if getattr(getattr(module, "__spec__", None), "_initializing", False) else None


def _defined_so_far(module, attr: str | None):
    """The object ``attr`` ('a' or 'a.b') names in a partly run module, or None if not yet defined."""
    obj = module
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj
