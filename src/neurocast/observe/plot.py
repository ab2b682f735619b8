"""Plots of the observation model: traces beside the exact spikes that made them, indicator kinetics.

(For whole Datasets see ``neurocast.data.plot``: ``traces_heatmap`` and ``traces_with_spikes``.)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from neurocast._files import atomic_path
from neurocast._plain_text import plain_text
from neurocast.errors import ConfigError, FormatError
from neurocast.observe._indicators import (
    DEFAULT_INDICATOR,
    INDICATORS,
    get_indicator,
    transient_times,
)

__all__ = ["plot_indicators", "plot_observation"]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # heavy: imported on use
    from matplotlib.figure import Figure  # heavy: imported on use

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path) -> None:
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ConfigError(f"plots are written as .png, not '{path.suffix}'", f"use {path.with_suffix('.png')}")
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fig.savefig(fh, format="png", dpi=130)


def plot_observation(spikes, traces: np.ndarray, frame_dt_s: float, *, neurons=None, n_neurons: int = 5,
                     window_s: tuple[float, float] | None = None, indicator: str = DEFAULT_INDICATOR,
                     names=None, path: str | os.PathLike | None = None):
    """Observed ΔF/F frames beside the exact spike times that produced them.

    spikes: the Spikes run; traces: float (frames, N) from ``observe`` on that run (frame f at
    f · frame_dt_s). neurons: positions to show (default: the ``n_neurons`` with most spikes in
    the window). window_s: (start, stop) seconds (default: the first 120 s). For each neuron:
    spike ticks (black), the noise-free ΔF/F of the indicator at 10 ms resolution (grey: kernel
    sum through the saturating Hill curve, median neuron, no drift, no normalisation), and the
    observed frames (green dots and line; these are clipped if the traces were normalised).
    Returns the matplotlib Figure; writes a PNG atomically if ``path`` is given.
    """
    traces = np.asarray(traces)
    if traces.ndim != 2 or traces.shape[1] != spikes.n_neurons:
        raise FormatError(f"traces shape {traces.shape} does not match {spikes.n_neurons} neurons",
                          "pass the (frames, neurons) traces observed from these spikes")
    ind = get_indicator(indicator)
    t_s = spikes.times_ms / 1000.0
    lo, hi = (0.0, min(120.0, traces.shape[0] * frame_dt_s)) if window_s is None else map(float, window_s)
    in_win = (t_s >= lo) & (t_s < hi)
    if neurons is None:
        counts = np.bincount(spikes.neurons[in_win], minlength=spikes.n_neurons)
        neurons = np.argsort(-counts, kind="stable")[:max(1, n_neurons)]
    neurons = np.atleast_1d(np.asarray(neurons, dtype=np.int64))
    f0, f1 = int(np.floor(lo / frame_dt_s)), int(np.ceil(hi / frame_dt_s))
    frames_t = np.arange(f0, min(f1, traces.shape[0])) * frame_dt_s
    fine = np.arange(lo, hi, 0.01)
    fig = _figure(10, 1.5 * len(neurons) + 0.8)
    axes = np.atleast_1d(fig.subplots(len(neurons), 1, sharex=True))
    for ax, i in zip(axes, neurons, strict=True):
        st = t_s[(spikes.neurons == i) & in_win]
        # noise-free response on a fine grid: kernel sum through the Hill curve
        k = np.zeros_like(fine)
        for chunk in np.array_split(st, max(1, len(st) // 256)):
            if len(chunk):
                k += ind.kernel((fine[:, None] - chunk[None, :]) * 1000.0).sum(axis=1)
        ref = ind.brightness(ind.ca_rest_nm + ind.dca_per_spike_nm * k) - 1.0
        y = traces[f0:f0 + len(frames_t), i]
        ax.plot(fine, ref, color="0.6", linewidth=0.8, label="noise-free ΔF/F (saturating)")
        ax.plot(frames_t, y, color="tab:green", linewidth=0.8, marker=".", markersize=3, label="observed ΔF/F")
        y_top = float(np.max(y)) if len(y) else 0.0
        top = max(y_top, min(float(ref.max()), 2.0 * max(y_top, 0.5)), 0.1)
        bottom = min(float(np.min(y)) if len(y) else 0.0, 0.0)
        ax.vlines(st, bottom - 0.25 * (top - bottom), bottom - 0.05 * (top - bottom), color="black",
                  linewidth=0.6)
        ax.set_ylim(bottom - 0.3 * (top - bottom), top * 1.05)
        label = str(names[i]) if names is not None else f"neuron {i}"
        ax.set_title(f"{label}: {len(st)} spikes", fontsize=8, loc="left")
        ax.set_ylabel("ΔF/F", fontsize=8)
    axes[0].legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("time (s)")
    fig.suptitle(f"{ind.name}: spikes (black ticks), frames every {frame_dt_s:g} s", fontsize=9)
    plain_text(fig)
    if path is not None:
        _save(fig, path)
    return fig


def plot_indicators(path: str | os.PathLike | None = None, *, max_ms: float = 2000.0):
    """The modelled 1-AP ΔF/F transient of every indicator preset (time to peak and half-decay marked)."""
    t = np.linspace(0.0, max_ms, 4001)
    fig = _figure(7, 3.5)
    ax = fig.subplots()
    for ind in INDICATORS.values():
        y = ind.response_1ap(t)
        _, peak, decay = transient_times(t, y)
        ax.plot(t, y, label=f"{ind.name}: peak {peak:.0f} ms, half-decay {decay:.0f} ms")
    ax.set_xlabel("time after the spike (ms)")
    ax.set_ylabel("ΔF/F")
    ax.legend(fontsize=8)
    ax.set_title("single-spike responses of the indicator presets", fontsize=9)
    plain_text(fig)
    if path is not None:
        _save(fig, path)
    return fig
