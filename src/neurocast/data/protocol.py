"""Forecasting protocols: conditions, train/val/test splits and how many windows each holds.

A protocol answers "which frames are trained on, which are scored, and how many
forecast windows does each test set hold". Everything here is a pure function of a
frozen ``Protocol``; nothing reads data.

The rules (Lueckmann et al. 2025, ZAPBench; constants below match
``zapbench/constants.py`` and ``zapbench/data_utils.py``):

* A recording is cut into contiguous conditions by frame ``offsets``; ``padding``
  frames are dropped at both ends of every condition.
* A training condition with ``n`` frames (after padding) is split in temporal order into
  train | val | test with ``n_test = int(test_fraction * n)``,
  ``n_val = int(val_fraction * n)`` and ``n_train = n - n_val - n_test``. The val and
  test ranges start ``context`` frames early, so that their first *target* frame is the
  first val (test) frame.
* A held-out condition is never trained on; its test range is the whole condition after
  its first ``max_context`` frames (reserved as context), so every context length up to
  ``max_context`` is scored on identical targets.
* Windows have stride 1: input frames ``[i, i + C)``, targets ``[i + C, i + C + H)``; a
  range ``[start, stop)`` holds ``stop - start - C - H + 1`` windows (cut by ``_windows.Segment``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurocast._defaults import DEFAULT_CONTEXT, DEFAULT_HORIZON
from neurocast._numbers import is_whole
from neurocast.data._schema import condition_blocks
from neurocast.errors import ConfigError, FormatError, unknown_name

__all__ = [
    "DEFAULT_CONTEXT",
    "DEFAULT_HORIZON",
    "PRESETS",
    "SPLITS",
    "ZAPBENCH",
    "Protocol",
    "SplitRange",
    "blocked_bounds",
    "condition_bounds",
    "get_protocol",
    "left_out",
    "n_windows",
    "protocol_for_dataset",
    "split_bounds",
    "split_table",
]


@dataclass(frozen=True)
class _ZapbenchConstants:
    """ZAPBench's protocol constants, in one place (zapbench/constants.py)."""

    offsets: tuple[int, ...] = (0, 649, 2422, 3078, 3735, 5047, 5638, 6623, 7279, 7879)
    names: tuple[str, ...] = (
        "gain", "dots", "flash", "taxis", "turning", "position", "open loop", "rotation", "dark",
    )
    heldout: tuple[str, ...] = ("taxis",)
    padding: int = 1
    val_fraction: float = 0.1
    test_fraction: float = 0.2
    max_context: int = 256
    horizon: int = 32
    standard_contexts: tuple[int, ...] = (4, 256)
    n_frames: int = 7879
    n_neurons: int = 71721
    dt_s: float = 0.9141


ZAPBENCH = _ZapbenchConstants()


#: Split names, in temporal order within a training condition.
SPLITS = ("train", "val", "test")


def names_tuple(names) -> tuple:
    """``names`` as a tuple: a single name (a str) is a tuple of one, not of its characters
    (``heldout="odor"`` holds out 'odor'); any other iterable a tuple of its items."""
    return (names,) if isinstance(names, str) else tuple(names)


#: The Protocol fields that count frames (refused unless whole numbers: ``is_whole``).
_FRAME_COUNTS = ("padding", "max_context", "context", "horizon", "folds", "fold")
_FRAME_EXAMPLE = {"context": 4, "horizon": 8, "padding": 0, "max_context": 256, "folds": 5,
                  "fold": 0}


@dataclass(frozen=True)
class Protocol:
    """A forecasting protocol: conditions as frame offsets, split rules, context and horizon.

    name: the preset name (for provenance). conditions: condition names in temporal order.
    offsets: frame offsets, shape (n_conditions + 1,), starting at 0; the last is the number
    of frames. heldout: names of held-out conditions (tested, never trained on); a single name
    (a str) is a tuple of one, as for conditions.
    padding: frames dropped at both ends of every condition. val_fraction, test_fraction:
    fractions of a training condition (after padding) used for val and test.
    max_context: frames reserved as context at the start of held-out conditions; with held-out
    conditions also the longest context a model may use (without them, any C the splits hold).
    context (C), horizon (H): frames in, frames out.
    The frame counts (padding, max_context, context, horizon, folds, fold) are ints (Python's or
    NumPy's); a float, even 8.0, is refused with a ConfigError (``neurocast._numbers.is_whole``).
    folds, fold: blocked cross-validation (``folds`` >= 2; 0 = off, the temporal 70/10/20 split):
    every training condition is cut into ``folds`` equal blocks; block ``fold`` is the test set,
    the ``C + H`` frames on each side of it are a gap used by nothing, and the val set is the
    last ``val_fraction`` of the longer remaining piece (see ``blocked_bounds``).
    heldout_neurons: fraction of the neurons held out (0: none): chosen by ``neuron_seed``
    (``hidden_neurons``), recorded in the train and val frames, hidden from the context of
    every test window (their values there are zeros, and ``WindowMeta.hidden`` marks them),
    and the only neurons scored: the forecast of those neurons from the others.
    neuron_seed: a whole number >= 0 (an int, Python's or NumPy's; a float or a bool is refused
    with a ConfigError, as for the frame counts).
    """

    name: str
    conditions: tuple[str, ...]
    offsets: tuple[int, ...]
    heldout: tuple[str, ...] = ()
    padding: int = ZAPBENCH.padding
    val_fraction: float = ZAPBENCH.val_fraction
    test_fraction: float = ZAPBENCH.test_fraction
    max_context: int = ZAPBENCH.max_context
    context: int = DEFAULT_CONTEXT
    horizon: int = DEFAULT_HORIZON
    folds: int = 0
    fold: int = 0
    heldout_neurons: float = 0.0
    neuron_seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "conditions", tuple(str(c) for c in names_tuple(self.conditions)))
        object.__setattr__(self, "offsets", tuple(int(o) for o in self.offsets))
        object.__setattr__(self, "heldout", tuple(str(h) for h in names_tuple(self.heldout)))
        for what in _FRAME_COUNTS:  # a whole number of frames: 8.0 (e.g. from JSON) is a slip
            value = getattr(self, what)
            if not is_whole(value):
                raise ConfigError(f"{what} must be a whole number of frames, not {value!r} "
                                  f"({type(value).__name__})",
                                  f"give an int, e.g. {what}={_FRAME_EXAMPLE.get(what, 4)}")
            object.__setattr__(self, what, int(value))
        seed = self.neuron_seed  # NumPy's SeedSequence takes a whole number >= 0, nothing else
        if not (is_whole(seed) and seed >= 0):
            raise ConfigError(f"neuron_seed must be a whole number >= 0, not {seed!r} "
                              f"({type(seed).__name__})", "give an int, e.g. neuron_seed=0")
        object.__setattr__(self, "neuron_seed", int(seed))
        off = np.asarray(self.offsets)
        if len(off) != len(self.conditions) + 1 or len(self.conditions) == 0:
            raise ConfigError(
                f"protocol {self.name!r}: {len(off)} offsets for {len(self.conditions)} conditions",
                "give the first frame of every condition, then the number of frames",
            )
        if off[0] != 0 or np.any(np.diff(off) <= 0):
            raise ConfigError(f"protocol {self.name!r}: offsets {list(self.offsets)} must start at 0 "
                              "and increase")
        if len(set(self.conditions)) != len(self.conditions):
            raise ConfigError(f"protocol {self.name!r}: condition names repeat: {list(self.conditions)}",
                              "each condition must be one contiguous block of frames")
        for h in self.heldout:
            if h not in self.conditions:
                raise unknown_name("held-out condition", h, self.conditions)
        if len(self.heldout) == len(self.conditions):
            raise ConfigError("every condition is held out: nothing left to train on",
                              "hold out fewer conditions")
        if self.padding < 0:
            raise ConfigError(f"padding must be >= 0, not {self.padding}")
        for what, f in (("val_fraction", self.val_fraction), ("test_fraction", self.test_fraction)):
            if not 0.0 < f < 1.0:
                raise ConfigError(f"{what} must lie in (0, 1), not {f}")
        if self.val_fraction + self.test_fraction >= 1.0:
            raise ConfigError("val_fraction + test_fraction must be below 1, leaving frames to train on")
        if self.context < 1:
            raise ConfigError(f"context must be at least 1 frame, not {self.context}")
        if self.horizon < 1:
            raise ConfigError(f"horizon must be at least 1 frame, not {self.horizon}")
        if self.max_context < 1:
            raise ConfigError(f"max_context must be at least 1 frame, not {self.max_context}")
        if self.folds == 1 or self.folds < 0:
            raise ConfigError(f"folds must be 0 (off) or at least 2, not {self.folds}",
                              "e.g. --folds 5 for five interleaved test blocks")
        if self.folds and not 0 <= self.fold < self.folds:
            raise ConfigError(f"fold must lie in 0..{self.folds - 1}, not {self.fold}")
        if not 0.0 <= self.heldout_neurons < 1.0:
            raise ConfigError(f"heldout_neurons must lie in [0, 1), not {self.heldout_neurons}",
                              "give the fraction of neurons to hide, e.g. 0.2")
        if self.context > self.max_context and self.heldout:
            raise ConfigError(
                f"context {self.context} is longer than the {self.max_context} frames this "
                f"protocol ({self.name}) reserves as context",
                f"use --context {self.max_context} or less",
            )

    @property
    def n_frames(self) -> int:
        """Frames covered by the protocol (the last offset)."""
        return self.offsets[-1]

    @property
    def train_conditions(self) -> tuple[str, ...]:
        """Conditions that are split into train | val | test (not held out)."""
        return tuple(c for c in self.conditions if c not in self.heldout)

    def hidden_neurons(self, n_neurons: int) -> np.ndarray | None:
        """The held-out neurons, bool (n_neurons,): round(heldout_neurons × N) of them (at least
        one, at most N − 1) drawn with ``neuron_seed``; None when no neuron is held out."""
        if self.heldout_neurons == 0.0:
            return None
        if n_neurons < 2:
            raise ConfigError(f"cannot hold out neurons of a recording with {n_neurons} scored "
                              "neuron(s)", "holding out needs 2 or more (some to forecast from): leave out "
                              "--heldout-neurons (heldout_neurons=0)")
        k = min(max(1, round(self.heldout_neurons * n_neurons)), n_neurons - 1)
        hidden = np.zeros(n_neurons, bool)
        hidden[np.random.default_rng(self.neuron_seed).choice(n_neurons, k, replace=False)] = True
        return hidden

    def replace(self, **changes) -> Protocol:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def splits(self) -> list[SplitRange]:
        """Every (condition, split) range of this protocol; see ``split_table``."""
        return split_table(self)

    def test_sets(self) -> list[SplitRange]:
        """The test ranges, one per scored condition, in temporal order."""
        return [s for s in split_table(self) if s.split == "test"]

    def left_out(self) -> list[str]:
        """Notes on the splits too short for a window, left out of ``splits`` (``left_out``)."""
        return left_out(self)


@dataclass(frozen=True)
class SplitRange:
    """Frames ``[start, stop)`` of one split of one condition, context frames included.

    condition_start: the condition's first frame (before padding), so that
    ``start - condition_start`` is the frame-in-condition of ``start``.
    n_windows: stride-1 windows of (context, horizon) that fit in the range.
    """

    condition: str
    split: str
    start: int
    stop: int
    n_windows: int
    heldout: bool
    condition_start: int

    def as_dict(self) -> dict:
        return {"condition": self.condition, "split": self.split, "start": self.start,
                "stop": self.stop, "n_windows": self.n_windows}


def n_windows(start: int, stop: int, context: int, horizon: int) -> int:
    """Stride-1 windows of ``context`` input and ``horizon`` target frames in [start, stop)."""
    return max(0, stop - start - context - horizon + 1)


def condition_bounds(protocol: Protocol, index: int) -> tuple[int, int]:
    """Frames [start, stop) of condition ``index`` after dropping ``padding`` at each end."""
    if not 0 <= index < len(protocol.conditions):
        raise ConfigError(f"condition index must lie in 0..{len(protocol.conditions) - 1}, not {index}")
    return (protocol.offsets[index] + protocol.padding,
            protocol.offsets[index + 1] - protocol.padding)


def _use(name: str) -> str:
    """How to choose the preset ``name`` in the commands that take a protocol."""
    return (f"neurocast bench DATASET --protocol {name}, or neurocast protocol show {name} "
            "--dataset DATASET")


def split_bounds(split: str, start: int, stop: int, *, context: int, protocol: Protocol,
                 condition: str = "") -> tuple[int, int]:
    """Frames [start, stop) of ``split`` within a (padded) condition range [start, stop).

    split: 'train', 'val', 'test' (training conditions) or 'test_heldout'. The val, test and
    test_heldout ranges include the ``context`` frames before their first target.
    condition: its name, for the messages. Raises ConfigError if the range would begin before
    the condition or be empty.
    """
    n = stop - start
    n_test = int(n * protocol.test_fraction)
    n_val = int(n * protocol.val_fraction)
    n_train = n - n_test - n_val
    if split == "train":
        lo, hi = start, start + n_train
    elif split == "val":
        lo, hi = start + n_train - context, start + n_train + n_val
    elif split == "test":
        lo, hi = start + n_train + n_val - context, stop
    elif split == "test_heldout":
        lo, hi = start + protocol.max_context - context, stop
    else:
        raise unknown_name("split", split, [*SPLITS, "test_heldout"])
    if split == "test_heldout" and hi - lo < context + protocol.horizon:
        m, h = protocol.max_context, protocol.horizon
        need = m + h + 2 * protocol.padding
        where = f"{condition!r} (frames [{start}, {stop}))" if condition else \
            f"of frames [{start}, {stop})"
        why = (f"max_context: as in ZAPBench, every context length up to {m} is scored on the "
               "same held-out targets, whatever C is")
        left = stop - start - m  # frames after the reserved ones: fewer than H
        raise ConfigError(
            f"held-out condition {where} is shorter than the {m} frames the {protocol.name} "
            f"protocol reserves at its start as context ({why})" if left < 0 else
            f"held-out condition {where} holds {stop - start} frames: the {protocol.name} protocol "
            f"reserves its first {m} as context ({why}), leaving {left}, fewer than the H = {h} "
            "frames one window forecasts: no window to score",
            f"a held-out condition needs at least {need} frames ({m} + H + padding): record a "
            "longer one, " + (f"use --horizon {left} or less, " if left > 0 else "")
            + f"or score without held-out conditions: {_use('single')} (bench always "
            f"reserves {m}; Python: run_benchmark(ds, protocol=protocol_for_dataset(ds, max_context=K, context=C, horizon=H)))",
        )
    if lo < start or lo >= hi:
        raise ConfigError(
            f"split {split!r} of frames [{start}, {stop}) has no room for a context of {context} frames",
            "use a shorter --context or a protocol with longer conditions" if context > 1 else
            "the condition is too short to split into train, val and test: record longer "
            f"conditions, or score the recording as one stretch: {_use('single')}",
        )
    return lo, hi


def blocked_bounds(start: int, stop: int, *, protocol: Protocol) -> list[tuple[str, int, int]]:
    """Blocked cross-validation of a (padded) condition [start, stop): [(split, lo, hi), ...].

    The condition is cut into ``protocol.folds`` equal blocks of target frames; block
    ``protocol.fold`` is the test set (its range starts C frames early, for the context, but
    never before ``start + C``). A gap of C + H frames on each side of the test block is used by
    no split, so that no training or validation window shares a frame with a test target.
    The remaining frames form up to two pieces; the val set takes the last ``val_fraction`` of
    the condition's frames from the end of the longer piece (its range starts C frames early),
    and everything else in the pieces is train. Raises ConfigError if a split has no room.
    """
    c, h, k = protocol.context, protocol.horizon, protocol.folds
    t0, t1, pieces = _test_block(start, stop, protocol)
    gap = c + h
    if t1 - t0 <= 0 or not pieces:
        raise ConfigError(f"fold {protocol.fold} of {k} leaves no room in frames [{start}, {stop}) "
                          f"for gaps of C + H = {gap} frames",
                          "use fewer --folds, or a shorter --context / --horizon")
    n_val = int((stop - start) * protocol.val_fraction)
    longest = max(range(len(pieces)), key=lambda i: pieces[i][1] - pieces[i][0])
    out = [("test", t0 - c, t1)]
    for i, (a, b) in enumerate(pieces):
        if i == longest:
            if b - a - n_val < 1:
                raise ConfigError(f"fold {protocol.fold} of {k}: frames [{a}, {b}) hold no room for "
                                  f"{n_val} val frames", "use fewer --folds")
            out.append(("train", a, b - n_val))
            out.append(("val", max(a, b - n_val - c), b))
        else:
            out.append(("train", a, b))
    order = {"train": 0, "val": 1, "test": 2}
    return sorted(out, key=lambda r: (order[r[0]], r[1]))


def _test_block(start: int, stop: int, protocol: Protocol
                ) -> tuple[int, int, list[tuple[int, int]]]:
    """Fold ``protocol.fold``'s test block [t0, t1) of the (padded) condition [start, stop) and
    the non-empty pieces [(a, b), ...] left beside it and its gaps of C + H frames."""
    c, k = protocol.context, protocol.folds
    edges = [start + (stop - start) * i // k for i in range(k + 1)]
    t0, t1 = max(edges[protocol.fold], start + c), edges[protocol.fold + 1]
    gap = c + protocol.horizon
    pieces = [(a, b) for a, b in [(start, t0 - gap), (t1 + gap, stop)] if b - a > 0]
    return t0, t1, pieces


def _condition_splits(protocol: Protocol, lo: int, hi: int) -> list[tuple[str, int, int]]:
    """[(split, start, stop), ...] of a training condition's (padded) frames [lo, hi); a split
    without room for its context (with folds: a condition too short for the gaps) is empty."""
    if protocol.folds:
        try:
            return blocked_bounds(lo, hi, protocol=protocol)
        except ConfigError:
            return [(split, lo, lo) for split in SPLITS]
    out = []
    for split in SPLITS:
        try:
            bounds = split_bounds(split, lo, hi, context=protocol.context, protocol=protocol)
            out.append((split, *bounds))
        except ConfigError:
            out.append((split, lo, lo))
    return out


def _all_rows(protocol: Protocol) -> list[SplitRange]:
    """Every condition × split, including the splits of training conditions too short to hold
    a window (n_windows 0). A held-out condition too short for ``max_context`` raises."""
    c, h = protocol.context, protocol.horizon
    rows: list[SplitRange] = []
    for i, name in enumerate(protocol.conditions):
        lo, hi = condition_bounds(protocol, i)
        if name in protocol.heldout:
            bounds = [("test", *split_bounds("test_heldout", lo, hi, context=c, protocol=protocol,
                                             condition=name))]
        else:
            bounds = _condition_splits(protocol, lo, hi)
        rows += [SplitRange(name, split, a, b, n_windows(a, b, c, h), name in protocol.heldout,
                            protocol.offsets[i]) for split, a, b in bounds]
    return rows


def split_table(protocol: Protocol) -> list[SplitRange]:
    """Every condition × split of a protocol with its frames [start, stop) and window count.

    Training conditions give train, val and test rows; held-out conditions one test row.
    A split of a training condition too short to hold a window (one short trial among many)
    has no row: it is left out of fitting or of scoring, and ``left_out`` says so.
    Raises ConfigError if no condition has a window in some split (a horizon too long), and
    with folds if no training condition has one in some split of this fold while the same
    protocol without folds has (too many folds: the hint names fewer that fit).
    """
    c, h = protocol.context, protocol.horizon
    rows = _all_rows(protocol)
    if protocol.folds:
        short = _unfilled(rows)
        if short and not _unfilled(_all_rows(protocol.replace(folds=0, fold=0))):
            raise _too_many_folds(protocol, short[0])
    empty = [s for s in SPLITS if not any(r.n_windows for r in rows if r.split == s)]
    if empty:
        candidates = [r for r in rows if r.split == empty[0]]
        r = max(candidates, key=lambda row: row.stop - row.start)
        frames = f"frames [{r.start}, {r.stop})"
        where = (f"condition {r.condition!r}: {frames} hold" if len(candidates) == 1 else
                 f"any condition: the longest, {frames} of condition {r.condition!r}, holds")
        every = min(row.stop - row.start for row in rows) - c  # the longest horizon every split fits
        some = min(max(row.stop - row.start for row in rows if row.split == s) for s in SPLITS) - c
        raise ConfigError(
            f"a window of C + H = {c} + {h} frames does not fit the {r.split} range of {where} "
            f"{r.stop - r.start} frames",
            f"use --horizon {every} or less to keep every split of every condition, or up to {some} "
            "(the splits too short for it are then left out, with a note)" if 1 <= every < some else
            f"use --horizon {some} or less" if some >= 1 else
            f"use a shorter --context: C = {c} leaves no frame of the longest {r.split} range "
            f"({r.stop - r.start} frames) to forecast" if c > 1 and r.stop - r.start > 1 else
            f"the {r.split} range has no frame left to forecast: "
            + ("record a longer recording" if protocol.name == "single" else
               f"record longer conditions, or score the recording as one stretch: {_use('single')}"),
        )
    return [r for r in rows if r.n_windows > 0]


def _unfilled(rows: list[SplitRange]) -> list[str]:
    """The splits (of ``SPLITS``) in which no training condition's row holds a window."""
    return [s for s in SPLITS
            if not any(r.n_windows for r in rows if r.split == s and not r.heldout)]


#: At most this many condition × fold rows are built to check that every number of folds below
#: the one a hint names fits too (so that it may say "or fewer").
_FOLDS_CHECK_ROWS = 200_000


def _folds_fit(protocol: Protocol, k: int) -> bool:
    """Whether every fold of ``k`` leaves a window in every split of some training condition."""
    return not any(_unfilled(_all_rows(protocol.replace(folds=k, fold=f))) for f in range(k))


def _fewer_folds(protocol: Protocol) -> tuple[int, bool | None]:
    """(K, every) for the hint of too many folds: K, fewer than ``protocol.folds``, is the first
    number of folds that fits (``_folds_fit``) searching down from the most the longest padded
    training condition could hold (one block of C + H frames per fold); 0 if none from 2 does.
    Whether a number fits is not monotonic (an odd K splits the middle of a condition), so
    ``every`` says whether every K from 2 up fits too (then K "or fewer"); None if there were
    too many to check."""
    span = protocol.context + protocol.horizon
    longest = max((hi - lo for i, name in enumerate(protocol.conditions)
                   if name not in protocol.heldout
                   for lo, hi in [condition_bounds(protocol, i)]), default=0)
    best = next((k for k in range(min(protocol.folds - 1, longest // span), 1, -1)
                 if _folds_fit(protocol, k)), 0)
    if best <= 2:
        return best, best == 2
    if best * best // 2 * len(protocol.conditions) > _FOLDS_CHECK_ROWS:
        return best, None  # too many to check: name it alone
    return best, all(_folds_fit(protocol, k) for k in range(2, best))


def _too_many_folds(protocol: Protocol, split: str) -> ConfigError:
    """The error for blocked cross-validation whose fold ``protocol.fold`` leaves no window in
    ``split`` of any training condition, although the protocol without folds does."""
    k, c, h = protocol.folds, protocol.context, protocol.horizon
    index = max(range(len(protocol.conditions)), key=lambda i: (
        protocol.conditions[i] not in protocol.heldout,
        protocol.offsets[i + 1] - protocol.offsets[i]))
    n = protocol.offsets[index + 1] - protocol.offsets[index]
    t0, t1, pieces = _test_block(*condition_bounds(protocol, index), protocol)
    where = (f"leaves no room for the test block and its gaps (C + H = {c} + {h} frames on "
             "either side) in any training condition" if t1 - t0 <= 0 or not pieces else
             f"leaves no window of C + H = {c} + {h} frames in the {split} range of any "
             "training condition")
    best, every = _fewer_folds(protocol)
    return ConfigError(
        f"--folds {k} cuts the training conditions into blocks too short to cross-validate: "
        f"fold {protocol.fold} {where} (the longest, {protocol.conditions[index]!r}, has {n} "
        f"frames: test blocks of about {n // k}, each with C + H frames unused on either side)",
        f"use --folds {best} or fewer (every fold of each keeps a window in each split)"
        if best and every else
        f"use e.g. --folds {best} (every fold of it keeps a window in each split; "
        + ("smaller numbers were not all checked)" if every is None else
           "not every smaller number does: an odd number splits a condition's middle)")
        if best else
        "the conditions are too short for blocked cross-validation with these C and "
        "H: leave out --folds, or use a shorter --context or --horizon",
    )


def left_out(protocol: Protocol) -> list[str]:
    """One line per training condition with splits too short to hold a window of C + H frames
    (which ``split_table`` leaves out): which splits, and what is then not done with it."""
    consequence = {"train": "not trained on", "val": "not validated on",
                   "test": "not scored and not in the mean"}
    windows: dict[str, dict[str, int]] = {}  # condition: {split: windows} (folds: 2 train pieces)
    frames: dict[str, dict[str, int]] = {}  # condition: {split: frames, context included}
    for r in _all_rows(protocol):
        split = windows.setdefault(r.condition, {})
        split[r.split] = split.get(r.split, 0) + r.n_windows
        held = frames.setdefault(r.condition, {})
        held[r.split] = held.get(r.split, 0) + r.stop - r.start
    out = []
    for i, name in enumerate(protocol.conditions):
        splits = [s for s, n in windows[name].items() if not n]
        if not splits:
            continue
        n = protocol.offsets[i + 1] - protocol.offsets[i]
        held = [frames[name][s] for s in splits]  # none when the condition could not be split
        sizes = f" ({', '.join(map(str, held))} frame{'s' if held != [1] else ''})" if any(held) else ""
        out.append(f"condition {name} ({n} frame{'s' if n != 1 else ''}) is too short for a "
                   f"window of C + H = {protocol.context + protocol.horizon} frames in its "
                   f"{', '.join(splits)} split{'s' if len(splits) > 1 else ''}{sizes}: "
                   f"{', '.join(consequence[s] for s in splits)}")
    return out


# ---------------------------------------------------------------------- presets

def _zapbench(frames: int | None, **kw) -> Protocol:
    if frames is not None and frames != ZAPBENCH.n_frames:
        raise ConfigError(f"the zapbench protocol covers exactly {ZAPBENCH.n_frames} frames, not {frames}",
                          "other recordings take ZAPBench's rules on their own conditions ("
                          f"{_use('conditions')}) or one 70/10/20 split (neurocast bench "
                          "DATASET --protocol single, or neurocast protocol show single "
                          f"--frames {frames})")
    return Protocol("zapbench", ZAPBENCH.names, ZAPBENCH.offsets, ZAPBENCH.heldout, **kw)


def _single(frames: int | None, **kw) -> Protocol:
    if frames is None:
        raise ConfigError("the single protocol needs the number of frames", "pass --frames T")
    kw.setdefault("padding", 0)
    return Protocol("single", ("all",), (0, int(frames)), (), **kw)


PRESETS = {
    "zapbench": "ZAPBench: 9 conditions over 7,879 frames, taxis held out, 70/10/20 per condition",
    "conditions": "ZAPBench's rules on the dataset's own conditions (held out: its heldout_conditions)",
    "single": "one condition, 70/10/20 in time, no padding (recordings without conditions)",
}


def get_protocol(name: str, *, frames: int | None = None, conditions: Sequence[str] | None = None,
                 offsets: Sequence[int] | None = None, heldout: Sequence[str] = (),
                 **fields) -> Protocol:
    """Build a preset protocol by name (see ``PRESETS``).

    frames: number of frames (needed by 'single'; checked by 'zapbench').
    conditions, offsets, heldout: the condition layout (needed by 'conditions'); a single name
    (a str) for conditions or heldout is a list of one (``heldout="odor"``).
    fields: other Protocol fields, e.g. ``context=256, horizon=32``.
    """
    if name == "zapbench":
        return _zapbench(frames, **fields)
    if name == "single":
        return _single(frames, **fields)
    if name == "conditions":
        if conditions is None or offsets is None:
            raise ConfigError("the conditions protocol takes its conditions from a dataset",
                              "name the dataset whose conditions to use: --dataset PATH")
        if frames is not None and offsets[-1] != frames:
            raise ConfigError(f"the conditions cover {offsets[-1]} frames, not {frames}")
        return Protocol("conditions", names_tuple(conditions), tuple(offsets), names_tuple(heldout),
                        **fields)
    raise unknown_name("protocol", name, PRESETS)


def _blocks(condition: np.ndarray) -> tuple[list[str], list[int]]:
    """Names and offsets of the contiguous condition blocks of a per-frame label array."""
    blocks = condition_blocks(condition)
    names = [b[0] for b in blocks]
    if len(set(names)) != len(names):
        raise FormatError("a condition appears in more than one block of frames: "
                          + ", ".join(names), "conditions must be contiguous blocks")
    return names, [*(b[1] for b in blocks), int(np.asarray(condition).size)]


def protocol_for_dataset(ds, name: str | None = None, **fields) -> Protocol:
    """The protocol ``name`` applied to an xarray Dataset in the shared schema.

    name: 'zapbench', 'conditions', 'single' or None (the dataset's own ``protocol`` attr if it
    names a preset, else 'conditions' if the dataset has more than one condition, else 'single').
    fields: Protocol fields (context, horizon, ...).
    Raises UnknownNameError for a name that is not a preset, FormatError when a condition
    protocol meets a dataset without conditions.
    """
    frames = int(ds.sizes["time"])
    if "condition" in ds:
        names, offsets = _blocks(ds["condition"].values)
    else:
        names, offsets = ["all"], [0, frames]
    if name is None:
        own = str(ds.attrs.get("protocol", ""))
        name = own if own in PRESETS else "conditions" if len(names) > 1 else "single"
    elif name not in PRESETS:
        raise unknown_name("protocol", name, PRESETS)
    if name == "single":
        return get_protocol("single", frames=frames, **fields)
    if len(names) < 2:
        raise FormatError(
            f"the {name} protocol needs a dataset with stimulus conditions; this one has only {names[0]!r}",
            f"use the single protocol (70/10/20 in time): {_use('single')}",
        )
    if name == "zapbench":
        proto = get_protocol("zapbench", frames=frames, **fields)
        if list(proto.offsets) != offsets:
            raise FormatError(f"the dataset's condition blocks start at {offsets[:-1]}, "
                              f"not at ZAPBench's {list(proto.offsets[:-1])}",
                              f"use ZAPBench's rules on its own conditions: {_use('conditions')}")
        return proto
    heldout = [str(h) for h in np.atleast_1d(ds.attrs.get("heldout_conditions", [])) if str(h)]
    return get_protocol(name, frames=frames, conditions=names, offsets=offsets, heldout=heldout,
                        **fields)
