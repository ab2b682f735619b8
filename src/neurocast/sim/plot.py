"""Plots of simulation results: spike raster and firing-rate bar chart of the responding neurons.

Every function builds its own ``matplotlib.figure.Figure`` on the Agg canvas: nothing touches
``matplotlib.pyplot``'s global state, so these are safe in scripts, servers and tests.
Functions take ``Spikes`` (one trial, or a sequence of trials of the same network) and,
optionally, the ``Connectome`` for neuron names; they return a Figure or write a PNG atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from neurocast._files import atomic_path
from neurocast._plain_text import plain_text
from neurocast.errors import ConfigError, NeurocastError
from neurocast.spikes import Spikes

__all__ = ["plot_raster", "plot_rates", "plot_summary", "responding_neurons", "save_figure"]

_DRIVEN_COLOR = "#d62728"
_SILENCED_COLOR = "#9a9a9a"
_OTHER_COLOR = "#1f4e79"
_NAME_LIMIT = 40  # label rows with names when at most this many are shown


def _trials(spikes: Spikes | Sequence[Spikes]) -> list[Spikes]:
    trials = [spikes] if isinstance(spikes, Spikes) else list(spikes)
    if not trials or not all(isinstance(s, Spikes) for s in trials):
        raise NeurocastError("expected a Spikes object or a non-empty sequence of them")
    first = trials[0]
    for s in trials[1:]:
        if s.n_neurons != first.n_neurons:
            raise NeurocastError(f"trials differ in size ({s.n_neurons} vs {first.n_neurons} neurons)",
                                 "pass trials of the same network")
    return trials


def _mean_rates(trials: list[Spikes]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over trials of per-neuron rates (Hz), each (N,)."""
    r = np.stack([s.rates() for s in trials])
    return r.mean(axis=0), r.std(axis=0)


def _labels(connectome, positions: np.ndarray) -> list[str]:
    if connectome is None:
        return [str(int(p)) for p in positions]
    if connectome.n_neurons == 0:
        return []
    names = connectome.names
    return [str(names[p]) for p in positions]


def _mask(trials: list[Spikes], positions, keys: tuple[str, ...], what: str) -> np.ndarray:
    """bool (N,): True at ``positions``, by default the first trial's attrs under the first of
    ``keys`` it has (a list of positions; a count, for long lists, marks none)."""
    n = trials[0].n_neurons
    mask = np.zeros(n, dtype=bool)
    if positions is None:
        positions = next((trials[0].attrs[k] for k in keys if k in trials[0].attrs), ())
        if isinstance(positions, (int, np.integer)) or not all(
                isinstance(d, (int, np.integer)) for d in positions):
            positions = ()
    positions = np.asarray(list(positions), dtype=np.int64)
    if len(positions) and (positions.min() < 0 or positions.max() >= n):
        raise NeurocastError(f"{what} positions must lie in 0..{n - 1}")
    mask[positions] = True
    return mask


def _kinds(trials: list[Spikes], driven, silenced) -> tuple[np.ndarray, np.ndarray]:
    """(driven, silenced) masks, bool (N,) each: from the arguments, else the first trial's attrs."""
    return (_mask(trials, driven, ("stimulate", "stimulated"), "driven"),
            _mask(trials, silenced, ("silence", "silenced"), "silenced"))


def _colors(positions: np.ndarray, driven: np.ndarray, silenced: np.ndarray) -> np.ndarray:
    """The colour of each neuron position: driven red, silenced grey, others blue."""
    return np.where(driven[positions], _DRIVEN_COLOR,
                    np.where(silenced[positions], _SILENCED_COLOR, _OTHER_COLOR))


def responding_neurons(spikes: Spikes | Sequence[Spikes], *, top: int | None = None,
                       order: str = "rate") -> np.ndarray:
    """Positions of neurons that spiked (in any trial), int64 (K,).

    order: 'rate' (highest mean rate first) or 'first_spike' (earliest first spike in the first
      trial in which the neuron fired; ties by rate). top: keep only the first ``top``
      by rate (the order is applied after the selection).
    """
    if order not in ("rate", "first_spike"):
        raise ConfigError(f"order must be 'rate' or 'first_spike', not {order!r}")
    if top is not None and top < 1:
        raise ConfigError(f"top must be >= 1, got {top}")
    trials = _trials(spikes)
    mean, _ = _mean_rates(trials)
    active = np.flatnonzero(mean > 0)
    by_rate = active[np.argsort(-mean[active], kind="stable")]
    chosen = by_rate if top is None else by_rate[:top]
    if order == "rate":
        return chosen
    first = np.full(trials[0].n_neurons, np.iinfo(np.int64).max, dtype=np.int64)
    for s in trials:  # a few trials at most: per-trial vectorised minimum
        t = np.full(s.n_neurons, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(t, s.neurons, s.steps)
        first = np.where(first == np.iinfo(np.int64).max, t, first)
    return chosen[np.lexsort((-mean[chosen], first[chosen]))]


def _rows(trials: list[Spikes], top: int, order: str, driven_mask: np.ndarray) -> np.ndarray:
    """The rows to draw: the ``top`` most active neurons, of which the driven ones take at most
    a quarter (at least one) while other active neurons can fill the rest, so that a strong drive
    does not push the neurons that responded to it off the figure. Ordered by ``order``."""
    if top < 1:
        raise ConfigError(f"top must be >= 1, got {top}")
    by_rate = responding_neurons(trials, order="rate")
    driven = by_rate[driven_mask[by_rate]]
    others = by_rate[~driven_mask[by_rate]]
    n_driven = max(top - len(others), min(len(driven), max(top // 4, 1)))
    chosen = np.concatenate([driven[:n_driven], others[:top - n_driven]])
    ordered = responding_neurons(trials, order=order)
    return ordered[np.isin(ordered, chosen)]


def _new_figure(width: float, height: float):
    # matplotlib: only when plotting (slow to import)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _draw_raster(ax, trial: Spikes, rows: np.ndarray, labels: list[str], driven: np.ndarray,
                 silenced: np.ndarray, n_trials: int = 1) -> None:
    row_of = np.full(trial.n_neurons, -1, dtype=np.int64)
    row_of[rows] = np.arange(len(rows))
    keep = row_of[trial.neurons] >= 0
    y = row_of[trial.neurons[keep]]
    x = trial.times_ms[keep] / 1000.0
    colors = _colors(trial.neurons[keep], driven, silenced)
    ax.scatter(x, y, marker="|", s=30 if len(rows) <= _NAME_LIMIT else 6, c=colors, linewidths=0.8)
    ax.set_xlim(0, trial.duration_ms / 1000.0)
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_xlabel("time (s)" + (f", trial 1 of {n_trials}" if n_trials > 1 else ""))
    if len(rows) <= _NAME_LIMIT:
        ax.set_yticks(np.arange(len(rows)), labels, fontsize=7 if len(rows) > 20 else 8)
    else:
        ax.set_ylabel("neuron (row)")
    ax.grid(axis="x", alpha=0.3)


def _draw_rates(ax, rows: np.ndarray, labels: list[str], mean: np.ndarray, sd: np.ndarray,
                driven: np.ndarray, silenced: np.ndarray, n_trials: int) -> None:
    y = np.arange(len(rows))
    colors = _colors(rows, driven, silenced)
    ax.barh(y, mean[rows], xerr=sd[rows] if n_trials > 1 else None, color=colors,
            error_kw={"elinewidth": 0.6, "capsize": 1.5})
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    if len(rows) <= _NAME_LIMIT:
        ax.set_yticks(y, labels, fontsize=7 if len(rows) > 20 else 8)
    else:
        ax.set_ylabel("neuron (row)")
    ax.set_xlabel("firing rate (Hz)" + (f", mean ± SD over {n_trials} trials" if n_trials > 1 else ""))
    ax.grid(axis="x", alpha=0.3)


def _legend(fig, rows: np.ndarray, driven: np.ndarray, silenced: np.ndarray) -> None:
    """A legend of the colours, when driven or silenced neurons are among the ``rows``."""
    if not (driven[rows].any() or silenced[rows].any()):
        return
    # matplotlib: only when plotting (slow to import)
    from matplotlib.patches import Patch

    kinds = [(_DRIVEN_COLOR, "driven (Poisson input)", driven[rows].any()),
             (_SILENCED_COLOR, "silenced (fires, outgoing synapses cut)", silenced[rows].any()),
             (_OTHER_COLOR, "responding", True)]
    handles = [Patch(color=color, label=label) for color, label, shown in kinds if shown]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8,
               frameon=False)


def plot_raster(spikes: Spikes | Sequence[Spikes], connectome=None, *, top: int = 40,
                order: str = "first_spike", driven=None, silenced=None, title: str | None = None):
    """Spike raster of the ``top`` most active neurons of the first trial (the driven ones
    take at most a quarter of the rows while other active neurons can fill the rest); returns
    a Figure.

    spikes: Spikes or a sequence of trials (rates for the selection use all trials; the raster
      shows the first). connectome: for neuron names on the axis (shown when <= 40 rows).
    order: row order, 'first_spike' (default) or 'rate'. driven: positions drawn in red
      (default: ``spikes.attrs['stimulate']`` or ``['stimulated']`` when present). silenced:
      positions drawn in grey (default: ``spikes.attrs['silence']`` or ``['silenced']``): they
      still fire on their input, but their outgoing synapses are cut. A legend names the colours shown.
    """
    trials = _trials(spikes)
    driven_mask, silenced_mask = _kinds(trials, driven, silenced)
    rows = _rows(trials, top, order, driven_mask)
    fig = _new_figure(8.0, 1.2 + 0.17 * min(max(len(rows), 8), 60))
    ax = fig.add_subplot()
    _draw_raster(ax, trials[0], rows, _labels(connectome, rows), driven_mask, silenced_mask,
                 len(trials))
    ax.set_title(title or _default_title(trials, connectome, driven_mask, len(rows)), fontsize=10)
    _legend(fig, rows, driven_mask, silenced_mask)
    return plain_text(fig)


def plot_rates(spikes: Spikes | Sequence[Spikes], connectome=None, *, top: int = 40,
               driven=None, silenced=None, title: str | None = None):
    """Horizontal bar chart of the mean firing rates (Hz) of the ``top`` most active neurons
    (rows and colours as in ``plot_raster``)."""
    trials = _trials(spikes)
    driven_mask, silenced_mask = _kinds(trials, driven, silenced)
    rows = _rows(trials, top, "rate", driven_mask)
    mean, sd = _mean_rates(trials)
    fig = _new_figure(6.0, 1.2 + 0.17 * min(max(len(rows), 8), 60))
    ax = fig.add_subplot()
    _draw_rates(ax, rows, _labels(connectome, rows), mean, sd, driven_mask, silenced_mask,
                len(trials))
    ax.set_title(title or _default_title(trials, connectome, driven_mask, len(rows)), fontsize=10)
    _legend(fig, rows, driven_mask, silenced_mask)
    return plain_text(fig)


def plot_summary(spikes: Spikes | Sequence[Spikes], connectome=None, *, top: int = 40,
                 driven=None, silenced=None, title: str | None = None):
    """Raster (left, rows by first spike) and rate bars (right, same rows) in one Figure
    (colours as in ``plot_raster``)."""
    trials = _trials(spikes)
    driven_mask, silenced_mask = _kinds(trials, driven, silenced)
    rows = _rows(trials, top, "first_spike", driven_mask)
    mean, sd = _mean_rates(trials)
    labels = _labels(connectome, rows)
    fig = _new_figure(11.0, 1.4 + 0.17 * min(max(len(rows), 8), 60))
    ax_r, ax_b = fig.subplots(1, 2, sharey=True, width_ratios=[2.2, 1.0])
    _draw_raster(ax_r, trials[0], rows, labels, driven_mask, silenced_mask, len(trials))
    _draw_rates(ax_b, rows, labels, mean, sd, driven_mask, silenced_mask, len(trials))
    ax_b.tick_params(labelleft=False)
    fig.suptitle(title or _default_title(trials, connectome, driven_mask, len(rows)), fontsize=10)
    _legend(fig, rows, driven_mask, silenced_mask)
    return plain_text(fig)


def _default_title(trials: list[Spikes], connectome, driven_mask: np.ndarray, shown: int) -> str:
    active = np.stack([s.counts() for s in trials]).sum(axis=0) > 0
    net = f"{connectome.name}: " if connectome is not None and connectome.name else ""
    tr = f", {len(trials)} trials" if len(trials) > 1 else ""
    beyond = (f" ({np.count_nonzero(active & ~driven_mask):,} beyond the driven ones)"
              if driven_mask.any() else "")
    return (f"{net}{np.count_nonzero(active):,} of {trials[0].n_neurons:,} neurons active{beyond} "
            f"({trials[0].duration_ms / 1000:g} s{tr}); {shown} shown")


def save_figure(fig, path: str | os.PathLike, *, dpi: int = 120) -> Path:
    """Write ``fig`` as a PNG atomically (a crash never leaves a partial file); returns the path."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise NeurocastError(f"plots are written as .png, not '{path.suffix}'", f"use {path.with_suffix('.png')}")
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fig.savefig(fh, format="png", dpi=dpi)
    return path
