"""The registry of inference methods: the base class, ``register_method``, ``get_method`` (private)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import ClassVar

import numpy as np

from neurocast._numbers import is_finite_real
from neurocast._registry import Registry
from neurocast.errors import ConfigError
from neurocast.infer._activity import Activity

__all__ = ["METHODS", "InferenceMethod", "get_method", "parse_method_names", "register_method"]


class InferenceMethod:
    """Base class of a connectivity inference method (subclasses are frozen dataclasses).

    Class attributes: ``name`` (registry key), ``directed`` (scores i→j and j→i differ),
    ``signed`` (the score's sign estimates excitation/inhibition), ``needs_spikes`` (reads
    ``Activity.spike_counts``), ``dense`` (needs several (N, N) float32 matrices in memory),
    ``summary`` (one line for listings).
    The dataclass fields are the method's options, validated in ``__post_init__``.

    ``infer(activity)`` returns an (N, N) float32 score matrix: row i = presynaptic neuron,
    column j = postsynaptic neuron, larger |score| = more evidence for a connection i→j;
    the diagonal is 0 (self-connections are not scored). ``ridge-sparse`` returns a
    ``scipy.sparse.csr_matrix`` of the same shape (unlisted pairs score 0).
    """

    name: ClassVar[str] = ""
    directed: ClassVar[bool] = False
    signed: ClassVar[bool] = True
    needs_spikes: ClassVar[bool] = False
    dense: ClassVar[bool] = True
    summary: ClassVar[str] = ""

    def infer(self, activity: Activity) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def options(self) -> dict:
        """The option values of this instance (its dataclass fields)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


def _check_method(cls) -> None:
    """ConfigError unless ``cls`` is an InferenceMethod subclass with a name and its own infer
    (that it is a dataclass is checked when an instance is made: ``get_method``)."""
    if not (isinstance(cls, type) and issubclass(cls, InferenceMethod)):
        what = (f"an instance of {type(cls).__name__}" if isinstance(cls, InferenceMethod)
                else repr(cls))
        raise ConfigError(f"an inference method is registered as an InferenceMethod subclass, "
                          f"not {what}", "register the class itself, e.g. register_method(MyMethod)")
    if not isinstance(cls.name, str) or not cls.name:
        raise ConfigError(f"the inference method class {cls.__qualname__} has no name",
                          "set a class attribute, e.g. name = \"my-method\"")
    if cls.infer is InferenceMethod.infer:
        raise ConfigError(f"the inference method class {cls.__qualname__} does not define infer",
                          "define def infer(self, activity) returning an (N, N) float32 matrix")


#: name -> method class, in registration order (the order of default runs and listings);
#: plug-in packages add methods through the entry-point group ``neurocast.infer_methods``.
METHODS: Registry[type[InferenceMethod]] = Registry("inference method", group="neurocast.infer_methods",
                                                    check=_check_method)


def register_method(cls: type[InferenceMethod]) -> type[InferenceMethod]:
    """Add a method class to ``METHODS`` under ``cls.name`` (names are unique); returns the class.

    Raises ConfigError if ``cls`` is not an InferenceMethod subclass, not a dataclass, has no
    name or no ``infer``, or if the name is taken.
    """
    return METHODS.register(cls)


def get_method(name: str | InferenceMethod, **options) -> InferenceMethod:
    """An instance of the registered method ``name`` with ``options`` (its dataclass fields).

    Raises UnknownNameError for an unknown name, ConfigError for unknown or invalid options.
    """
    if isinstance(name, InferenceMethod):
        return name
    cls = METHODS.get(name)
    if not is_dataclass(cls):  # checked here: @register_method may sit under @dataclass
        raise ConfigError(f"the inference method class {cls.__qualname__} is not a dataclass "
                          "(its fields are the method's options)",
                          "decorate it with @dataclass(frozen=True)")
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    bad = sorted(set(options) - known)
    if bad:
        raise ConfigError(f"method {name!r} has no option(s) {', '.join(bad)}",
                          f"options: {', '.join(sorted(known)) or 'none'}")
    return cls(**options)


def parse_method_names(text: str) -> list[str]:
    """'pearson, partial' -> ['pearson', 'partial']; unknown names raise UnknownNameError."""
    names = [p.strip() for p in str(text).split(",") if p.strip()]
    if not names:
        raise ConfigError("no inference method given", f"known: {', '.join(METHODS)}")
    for n in names:
        METHODS.get(n)  # UnknownNameError with near matches
    return names


def check_positive(owner: str, **values) -> None:
    """ConfigError unless every value is a finite number > 0 (option validation helper)."""
    for key, v in values.items():
        if not (is_finite_real(v) and v > 0):
            raise ConfigError(f"{owner}: {key} must be a finite number > 0, not {v!r}")
