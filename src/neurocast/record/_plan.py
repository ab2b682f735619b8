"""Stimulus plans: named conditions, their Poisson drives, and per-frame covariates (private).

A *stimulus plan* says what a synthetic recording stimulates and when: its conditions here,
the drives they switch on in ``_drive``, behavioural states in ``_states``. It is not a forecasting
*protocol* (``neurocast.data.Protocol``: splits and windows), which says how a recording is scored.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import numpy as np

from neurocast._registry import Registry, instance_of
from neurocast.errors import ConfigError
from neurocast.record._checks import as_tuple, check_number, check_whole
from neurocast.record._drive import Drive, NoMatch
from neurocast.record._states import StateProcess
from neurocast.sim import get_neuron_model

__all__ = ["PLANS", "Condition", "Drive", "StimulusPlan", "get_plan"]


@dataclass(frozen=True)
class Condition:
    """A named block of ``n_frames`` consecutive frames and the drives active during it (a tuple
    of Drives, or one Drive)."""

    name: str
    n_frames: int
    drives: tuple[Drive, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "drives", as_tuple(self.drives, Drive, "a condition's drives",
                                                    "drives=(Drive(names='ASH?'),)"))
        if not self.name or not isinstance(self.name, str):
            raise ConfigError("a condition needs a non-empty name")
        check_whole(self.n_frames, f"condition {self.name!r}: n_frames")  # as Drive's frames
        if self.n_frames < 1:
            raise ConfigError(f"condition {self.name!r}: n_frames must be an integer >= 1, got {self.n_frames}")


@dataclass(frozen=True)
class StimulusPlan:
    """A sequence of conditions imaged every ``frame_dt_s`` seconds.

    name: plan name; network: the connectome it is designed for (a built-in name; record()
      accepts any connectome whose neurons match the drives).
    conditions: in temporal order, names unique (a tuple of Conditions, or one).
    heldout_conditions: names kept out of training (a tuple, or one name as a string).
    background_rate_hz, background_weight_mv: Poisson input throughout, so the network is
      spontaneously active (rate 0 disables it).
    background_fraction: share of the neurons that receive the background (1.0: every neuron;
      less: a fixed random draw seeded by ``selection_seed``, e.g. the few spontaneously active
      neurons of a sparse brain). The engine is event-driven, so a background reaching every
      neuron makes every neuron cost time; a sparse one keeps most neurons at rest and cheap.
    selection_seed: fixes random neuron selections of the drives (part of the plan).
    split_protocol: the forecasting protocol its recordings are scored with by default (a preset of
      ``neurocast.data.PRESETS``; stored as the dataset's ``protocol`` attr).
    model: the neuron model it is recorded with, a name in ``neurocast.sim.NEURON_MODELS``
      (``"shiu"``: the published model; ``"shiu-adapt"``: with spike-frequency adaptation;
      ``"graded"``: the graded-potential model of Kunert et al. 2014).
    params: the model's parameters for this plan (its parameters class, e.g. a calibrated
      ``GradedParams``); None: the registered defaults at the model's recording step.
    states: optional ``StateProcess``: slow shared state drives (e.g. forward / reverse / turn),
      switching with the recording seed; stored as covariates ``state:<name>``.
    driven_covariates: also record which neuron a single-neuron drive (``Drive.order``) drives:
      one covariate ``driven:<neuron name>`` per such neuron, 1 while it is driven (needs the
      connectome: ``covariates(seed, connectome)``).
    """

    name: str
    conditions: tuple[Condition, ...]
    frame_dt_s: float
    network: str = ""
    heldout_conditions: tuple[str, ...] = ()
    background_rate_hz: float = 0.0
    background_weight_mv: float = 0.0
    background_fraction: float = 1.0
    selection_seed: int = 0
    description: str = ""
    split_protocol: str = "conditions"
    model: str = "shiu"
    params: object = None
    states: StateProcess | None = None
    driven_covariates: bool = False
    covariate_names: tuple[str, ...] = field(init=False, repr=False, default=())

    def __post_init__(self):
        object.__setattr__(self, "conditions", as_tuple(self.conditions, Condition, "conditions",
                                                        "conditions=(Condition('rest', 100),)"))
        object.__setattr__(self, "heldout_conditions", as_tuple(
            self.heldout_conditions, str, "heldout_conditions",
            "heldout_conditions='odor' or heldout_conditions=('odor', 'salt')"))
        if not self.conditions:
            raise ConfigError(f"stimulus plan {self.name!r} has no conditions")
        names = [c.name for c in self.conditions]
        if len(set(names)) != len(names):
            raise ConfigError(f"stimulus plan {self.name!r} repeats a condition name: {names}")
        for h in self.heldout_conditions:
            if h not in names:
                raise ConfigError(f"held-out condition {h!r} is not a condition of {self.name!r}",
                                  f"conditions: {', '.join(names)}")
        for name in ("frame_dt_s", "background_rate_hz", "background_weight_mv", "background_fraction"):
            check_number(getattr(self, name), name)
        check_whole(self.selection_seed, "selection_seed")
        if not (np.isfinite(self.frame_dt_s) and self.frame_dt_s > 0):
            raise ConfigError(f"frame_dt_s must be a finite number of seconds > 0, got {self.frame_dt_s!r}")
        if not (np.isfinite(self.background_rate_hz) and self.background_rate_hz >= 0):
            raise ConfigError(f"background_rate_hz must be a finite rate >= 0, got {self.background_rate_hz!r}")
        if not np.isfinite(self.background_weight_mv):
            raise ConfigError(f"background_weight_mv must be finite, got {self.background_weight_mv!r}")
        if not 0.0 < self.background_fraction <= 1.0:
            raise ConfigError(f"background_fraction must lie in (0, 1], got {self.background_fraction}",
                              "1.0 drives every neuron")
        if self.selection_seed < 0:
            raise ConfigError(f"selection_seed must be >= 0, got {self.selection_seed}", "e.g. 0")
        default = get_neuron_model(self.model).params
        if self.params is not None and type(self.params) is not type(default):
            raise ConfigError(f"stimulus plan {self.name!r}: params for model {self.model!r} must be "
                              f"{type(default).__name__}, not {type(self.params).__name__}")
        if self.states is not None and not isinstance(self.states, StateProcess):
            raise ConfigError(f"states must be a StateProcess, not {type(self.states).__name__}")
        state_cols = () if self.states is None else tuple(f"state:{n}" for n in self.states.names)
        cov = (*tuple(f"condition:{n}" for n in names), "drive_on", "drive_rate_hz", *state_cols)
        object.__setattr__(self, "covariate_names", cov)

    # ------------------------------------------------------------------ frames
    @property
    def n_frames(self) -> int:
        return int(sum(c.n_frames for c in self.conditions))

    @property
    def duration_s(self) -> float:
        return self.n_frames * self.frame_dt_s

    @property
    def condition_names(self) -> list[str]:
        return [c.name for c in self.conditions]

    @property
    def offsets(self) -> np.ndarray:
        """Frame offsets of the condition boundaries, int64 (n_conditions + 1,), ZAPBench style."""
        return np.concatenate([[0], np.cumsum([c.n_frames for c in self.conditions])]).astype(np.int64)

    def condition_per_frame(self) -> np.ndarray:
        """Condition name of every frame, str array (n_frames,)."""
        return np.repeat(np.array(self.condition_names, dtype=str), [c.n_frames for c in self.conditions])

    def covariates(self, seed: int = 0, connectome=None) -> tuple[list[str], np.ndarray]:
        """Stimulus covariates per frame: (names, float32 (n_frames, n_covariates)).

        One-hot condition columns ``condition:<name>``, ``drive_on`` (1 while any drive of the
        condition is on) and ``drive_rate_hz`` (summed rate of the drives that are on); with
        ``states``, one-hot ``state:<name>`` columns of the recording ``seed``'s state sequence;
        with ``driven_covariates`` and a ``connectome``, ``driven:<name>`` columns (1 while that
        neuron's single-neuron drive is on), in neuron order.
        """
        n_cond = len(self.conditions)
        out = np.zeros((self.n_frames, len(self.covariate_names)), dtype=np.float32)
        if self.states is not None:
            out[:, n_cond + 2:] = self.states.covariates(self.n_frames, self.frame_dt_s, seed)[1]
        for j, (c, start) in enumerate(zip(self.conditions, self.offsets[:-1], strict=True)):
            rows = slice(int(start), int(start) + c.n_frames)
            out[rows, j] = 1.0
            for d in c.drives:
                on = d.on_mask(c.n_frames)
                out[rows, n_cond] = np.maximum(out[rows, n_cond], on)
                out[rows, n_cond + 1] += on * np.float32(d.rate_hz)
        if not (self.driven_covariates and connectome is not None):
            return list(self.covariate_names), out
        driven = np.zeros((self.n_frames, connectome.n_neurons), dtype=bool)
        for c, start, positions in zip(self.conditions, self.offsets[:-1], self.resolve(connectome), strict=True):
            for d, pos in zip(c.drives, positions, strict=True):
                if d.order >= 0:
                    driven[int(start):int(start) + c.n_frames, pos[0]] |= d.on_mask(c.n_frames)
        cols = np.flatnonzero(driven.any(axis=0))
        names = [f"driven:{n}" for n in connectome.names[cols].astype(str)]
        return [*self.covariate_names, *names], np.hstack([out, driven[:, cols].astype(np.float32)])

    def pulses(self) -> list[tuple[int, int, int, int]]:
        """Every stretch of frames a drive is on: (condition index, drive index, start, stop).

        start/stop are absolute frame indices (stop exclusive), contiguous on-runs merged.
        """
        out = []
        for ci, (c, start) in enumerate(zip(self.conditions, self.offsets[:-1], strict=True)):
            for di, d in enumerate(c.drives):
                on = np.r_[False, d.on_mask(c.n_frames), False].astype(np.int8)
                edges = np.flatnonzero(np.diff(on))
                for a, b in zip(edges[::2], edges[1::2], strict=True):
                    out.append((ci, di, int(start) + int(a), int(start) + int(b)))
        return out

    def resolve(self, connectome) -> list[list[np.ndarray]]:
        """Driven neuron positions per condition and drive: ``[cond][drive] -> int64 array``."""
        return [[self._resolve(d, connectome, f"condition '{c.name}'", f"{c.name}/{i}")
                 for i, d in enumerate(c.drives)] for c in self.conditions]

    def _resolve(self, drive: Drive, connectome, where: str, seed_key: str) -> np.ndarray:
        """``drive.resolve``; a drive matching no neuron raises a ConfigError naming this plan,
        the condition or state (``where``), how the plan picks neurons and the plans that fit."""
        try:
            return drive.resolve(connectome, seed_key=seed_key, selection_seed=self.selection_seed)
        except NoMatch:
            raise _mismatch(self, drive, where, connectome) from None

    def state_inputs(self, connectome, seed: int) -> list[tuple[int, float, float, np.ndarray]]:
        """The state drives of recording ``seed``: (state index, start_s, stop_s, neurons) per
        visit and drive, with the Drive as ``self.states.states[i].drives[k]`` (a list of
        (state, drive index, start_s, stop_s, positions)); empty without states."""
        if self.states is None:
            return []
        pos = [[self._resolve(d, connectome, f"state '{st.name}'", f"state:{st.name}/{k}")
                for k, d in enumerate(st.drives)] for st in self.states.states]
        starts, idx = self.states.intervals(self.duration_s, seed)
        stops = np.append(starts[1:], self.duration_s)
        return [(int(i), k, float(a), float(min(b, self.duration_s)), pos[i][k])
                for a, b, i in zip(starts, stops, idx, strict=True) for k in range(len(pos[i]))]

    def background_neurons(self, connectome) -> np.ndarray:
        """Positions (int64, sorted) of the neurons receiving the background drive.

        Every neuron if ``background_fraction`` is 1, else round(fraction · N) neurons (at least
        one) drawn once with ``selection_seed`` (the same for every recording seed).
        """
        n = connectome.n_neurons
        if self.background_fraction >= 1.0:
            return np.arange(n, dtype=np.int64)
        k = max(1, round(self.background_fraction * n))
        rng = np.random.default_rng([self.selection_seed, zlib.crc32(b"background")])
        return np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)

    def with_frames(self, n_frames: int) -> StimulusPlan:
        """A shorter version: every condition cut to its share of ``n_frames`` (at least 1 frame).

        Shares follow the plan's condition lengths (largest remainders: the frames left after
        rounding down go one each to the conditions whose shares lost most, earlier first; a
        condition left with none takes one from the longest).
        For quick runs and benchmarks; keeps the order, drives and held-out set; ``n_frames``
        at or above the plan's length returns the plan itself.
        """
        if n_frames < len(self.conditions):
            raise ConfigError(f"{n_frames} frame(s) are fewer than the {len(self.conditions)} conditions of "
                              f"the stimulus plan {self.name!r}",
                              f"record at least {len(self.conditions)} frames (--frames), or all of them")
        if n_frames >= self.n_frames:
            return self
        share = np.array([c.n_frames for c in self.conditions], dtype=np.float64)
        share *= n_frames / self.n_frames
        lengths = np.floor(share).astype(int)
        for i in np.argsort(lengths - share, kind="stable")[:n_frames - lengths.sum()]:
            lengths[i] += 1
        for i in np.flatnonzero(lengths == 0):  # every condition keeps a frame, from the longest
            lengths[np.argmax(lengths)] -= 1
            lengths[i] = 1
        conds = tuple(replace(c, n_frames=int(k)) for c, k in zip(self.conditions, lengths, strict=True))
        return replace(self, conditions=conds, split_protocol="conditions")  # no longer a preset's layout


#: name -> StimulusPlan: the built-ins (``record/_plans.py``), then plug-ins.
PLANS: Registry[StimulusPlan] = Registry("stimulus plan", group="neurocast.plans",
                                           check=instance_of(StimulusPlan))


def _fits(plan: StimulusPlan, connectome) -> bool:
    """Whether every drive of ``plan`` (conditions and states) reaches a neuron of ``connectome``."""
    drives = [d for c in plan.conditions for d in c.drives]
    drives += [d for st in (plan.states.states if plan.states is not None else ()) for d in st.drives]
    try:
        for d in {(d.names, d.types, d.n_random): d for d in drives}.values():  # one check each
            d.resolve(connectome, selection_seed=plan.selection_seed)
    except ConfigError:
        return False
    return True


def _mismatch(plan: StimulusPlan, drive: Drive, where: str, connectome) -> ConfigError:
    """The error for a drive of ``plan`` that matches no neuron of ``connectome``."""
    conn = connectome.name or "the connectome"
    wanted = "; ".join(f"{kind} {', '.join(patterns)}" for kind, patterns
                       in (("names", drive.names), ("types", drive.types)) if patterns)
    made_for = f", patterns written for {plan.network}" if plan.network else ""
    how = f"a drive matches no neuron of {conn} ({wanted}{made_for})"
    fit = [name for name, other in PLANS.items() if name != plan.name and _fits(other, connectome)]
    patterns = ("Drives that name this connectome's neurons (names=/types= glob patterns) or "
                "random ones (Drive(n_random=K))")
    builtin = plan.name in dict(PLANS.items())  # (or a copy of one, e.g. other frames)
    own = (f"or give a plan of your own: a neurocast.record.StimulusPlan with {patterns}, passed "
           "to neurocast.record.record(...) (docs/recordings.md)" if builtin
           else f"or change the plan's drives to {patterns}")
    hint = (f"stimulus plans that fit {conn}: {', '.join(fit)}; " + own if fit
            else f"no built-in stimulus plan fits {conn}; " + own.removeprefix("or "))
    return ConfigError(f"stimulus plan '{plan.name}', {where}: {how}", hint)


def get_plan(plan: str | StimulusPlan) -> StimulusPlan:
    """A StimulusPlan from a registered name or the object itself; unknown names list the known."""
    return plan if isinstance(plan, StimulusPlan) else PLANS.get(plan)
