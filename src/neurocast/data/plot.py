"""Plots of datasets: a rastermap-like heatmap of traces with condition bands.

Neurons are ordered so that similar neurons sit next to each other (Stringer et al. 2024,
"Rastermap: a discovery method for neural population recordings", Nat. Neurosci., sort
neurons by similarity and show binned "superneurons"; here the ordering is the optimal leaf
order of average-linkage hierarchical clustering of correlations (Bar-Joseph et al. 2001),
or the leading principal component, computed on a seeded subsample of neurons).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import xarray as xr
from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
from scipy.spatial.distance import squareform

from neurocast._files import atomic_path
from neurocast._plain_text import plain_text
from neurocast.data._loading import pause_intervals
from neurocast.data._quality import CONSTANT_ATOL
from neurocast.data._schema import as_str, condition_blocks
from neurocast.errors import ConfigError, unknown_name

__all__ = ["bin_time", "similarity_order", "traces_heatmap", "traces_with_spikes"]

_SORTS = ("cluster", "pc", "none")
# Frames read per step when binning lazily stored traces.
_READ_BLOCK_VALUES = 1 << 24


def bin_time(traces, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Average frames into at most ``n_bins`` consecutive bins, reading blocks of frames.

    traces: (time, neuron) array or lazily indexed DataArray. Returns (binned (bin, neuron)
    float32, bin start frames (bin,)). NaN frames are ignored in the mean (nanmean).
    """
    n_time, n_neuron = traces.shape
    n_bins = max(1, min(int(n_bins), n_time))
    edges = np.linspace(0, n_time, n_bins + 1).astype(np.int64)
    sums = np.zeros((n_bins, n_neuron), dtype=np.float64)
    counts = np.zeros((n_bins, n_neuron), dtype=np.int64)
    step = max(1, _READ_BLOCK_VALUES // max(1, n_neuron))
    bin_of_frame = np.searchsorted(edges, np.arange(n_time), side="right") - 1
    for start in range(0, n_time, step):  # blocks of frames, bounded memory
        block = np.asarray(traces[start:start + step], dtype=np.float64)
        finite = np.isfinite(block)
        b = bin_of_frame[start:start + len(block)]
        bins, first = np.unique(b, return_index=True)  # b is sorted: bins are contiguous runs
        sums[bins] += np.add.reduceat(np.where(finite, block, 0.0), first, axis=0)
        counts[bins] += np.add.reduceat(finite.astype(np.int64), first, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        binned = (sums / counts).astype(np.float32)
    return binned, edges[:-1]


def _dead(x: np.ndarray) -> np.ndarray:
    """bool (neuron,): columns of (time, neuron) whose finite values span at most CONSTANT_ATOL
    (dead/constant channels, as ``data info`` counts them); False for columns without any."""
    finite = np.isfinite(x)
    span = np.where(finite, x, -np.inf).max(axis=0) - np.where(finite, x, np.inf).min(axis=0)
    return finite.any(axis=0) & (span <= CONSTANT_ATOL)


def _zscore(x: np.ndarray) -> np.ndarray:
    """Per-column z-score of (time, neuron) over its finite values, float32; NaN where a value is
    NaN/inf and throughout dead (``_dead``) and all-NaN columns, which have no scale."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    count = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):  # all-NaN columns: 0 / 0
        dev = np.where(finite, x - np.where(finite, x, 0.0).sum(axis=0) / count, np.nan)
        z = dev / np.sqrt(np.nansum(dev * dev, axis=0) / count)
    z[:, _dead(x) | (count == 0)] = np.nan
    return z.astype(np.float32)


def similarity_order(traces: np.ndarray, *, sort: str = "cluster", max_neurons: int = 2000,
                     seed: int = 0) -> np.ndarray:
    """A permutation of neurons that puts similar ones next to each other.

    traces: (time, neuron) array (e.g. time-binned). sort: "cluster" (optimal leaf order of
    average-linkage clustering on 1 − correlation), "pc" (by projection on the leading principal
    component of the z-scored traces after removing the population mean at each time, which
    would otherwise dominate it), or "none". For more than ``max_neurons`` neurons, the order is computed on a
    seeded subsample; every other neuron is placed beside its most correlated subsample neuron.
    Returns int64 indices shaped (neuron,). Same seed, same order.
    """
    if sort not in _SORTS:
        raise ConfigError(f"unknown sort {sort!r}", "choose one of: " + ", ".join(_SORTS))
    n_time, n = traces.shape
    if sort == "none" or n < 3:
        return np.arange(n, dtype=np.int64)
    z = np.nan_to_num(_zscore(traces))  # NaN values and dead channels: 0, uncorrelated
    rng = np.random.default_rng(seed)
    sub = np.sort(rng.choice(n, size=max_neurons, replace=False)) if n > max_neurons else np.arange(n)
    zs = z[:, sub]
    if sort == "pc":
        _, _, vt = np.linalg.svd(zs - zs.mean(axis=1, keepdims=True), full_matrices=False)
        loading = vt[0]
        pc_time = zs @ loading  # (time,) the leading component's time course
        score = (z.T @ pc_time) / max(1, n_time)  # every neuron's projection
        return np.argsort(score, kind="stable").astype(np.int64)

    corr = (zs.T @ zs) / n_time
    dist = np.clip(1.0 - corr, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False)
    tree = optimal_leaf_ordering(linkage(condensed, method="average"), condensed)
    leaf_order = leaves_list(tree)
    if sub.size == n:
        return sub[leaf_order].astype(np.int64)
    rank = np.empty(sub.size, dtype=np.int64)
    rank[leaf_order] = np.arange(sub.size)
    best = np.empty(n, dtype=np.int64)
    strength = np.empty(n, dtype=np.float32)
    step = max(1, (1 << 24) // max(1, sub.size))
    for start in range(0, n, step):  # blocks of neurons (matrix products), bounded memory
        c = (z[:, start:start + step].T @ zs) / n_time
        best[start:start + step] = rank[np.argmax(c, axis=1)]
        strength[start:start + step] = c.max(axis=1)
    return np.lexsort((-strength, best)).astype(np.int64)


def _group_rows(x: np.ndarray, max_rows: int) -> np.ndarray:
    """Average consecutive columns of (time, neuron) into at most max_rows groups -> (row, time);
    NaN values are left out of a mean, and a group without any value is NaN."""
    n = x.shape[1]
    if n <= max_rows:
        return x.T
    starts = np.linspace(0, n, max_rows + 1).astype(np.int64)[:-1]
    finite = np.isfinite(x)
    with np.errstate(invalid="ignore", divide="ignore"):  # a group without any value: 0 / 0
        return (np.add.reduceat(np.where(finite, x, 0.0), starts, axis=1)
                / np.add.reduceat(finite, starts, axis=1)).T


#: Heatmap colours (outside its grey scale) of dead/constant channels and of missing values.
_DEAD_COLOUR, _NAN_COLOUR = "tab:blue", "tab:orange"
#: How a heatmap marks a pause in acquisition (no frames): hatched, outside the grey scale.
_PAUSE_STYLE = {"facecolor": "#f4e9d8", "edgecolor": "tab:brown", "hatch": "//", "linewidth": 0.6}

#: Image formats a plot can be written as (by the file's suffix).
IMAGE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".eps")


def _frame_minutes(ds: xr.Dataset, dt_s: float) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Where each frame starts on a heatmap's time axis, from the stored frame times: minutes
    since the first frame, shaped (time + 1,) (the last entry: the end of the last frame, one
    median interval after it; ``dt_s`` for a single frame). Also the pauses in acquisition
    (``pause_intervals``), each as (end of the frame before it, start of the frame after it)."""
    t, paused, interval = _frame_times(ds)
    interval = dt_s if np.isnan(interval) else interval
    at = np.append(t, t[-1] + interval) - t[0]
    pauses = [(float(at[k] + interval) / 60.0, float(at[k + 1]) / 60.0) for k in np.flatnonzero(paused)]
    return at / 60.0, pauses


def _frame_times(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray, float]:
    """The stored frame times (s), shaped (time,); whether each interval between frames is a
    pause in acquisition (``pause_intervals``), shaped (time - 1,); the median frame interval
    (s; NaN for a single frame): a frame's length on every plot."""
    t = np.asarray(ds["time"].values, dtype=np.float64)
    steps = np.diff(t)
    return t, pause_intervals(steps), float(np.median(steps)) if steps.size else np.nan


def _image_path(path, overwrite: bool) -> Path:
    """The output image path, checked: a known image suffix, not an existing file unless overwrite."""
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise ConfigError(f"cannot write a plot as '{path.name}': unknown image type '{path.suffix}'",
                          "end the file name in " + ", ".join(IMAGE_SUFFIXES[:3]) + " (or "
                          + ", ".join(IMAGE_SUFFIXES[3:]) + ")")
    if path.exists() and not overwrite:
        raise ConfigError(f"output '{path}' already exists", "choose another path or pass --overwrite")
    return path


def traces_heatmap(ds: xr.Dataset, path: str | os.PathLike | None = None, *, sort: str = "cluster",
                   max_rows: int = 1000, max_cols: int = 2000, max_sort_neurons: int = 2000,
                   seed: int = 0, overwrite: bool = False, title: str | None = None):
    """Heatmap of z-scored traces (rows: neurons sorted by similarity; columns: time).

    ds: a Dataset (may be lazily opened). Time is averaged into at most ``max_cols`` bins
    (one pass over the data in blocks), neurons into at most ``max_rows`` rows of consecutive
    sorted neurons ("superneurons"). Colour: per-neuron z-score of the binned ΔF/F, clipped to
    its 1st–99th percentile. Outside that grey scale, with a legend: dead/constant channels
    (binned values spanning at most ``CONSTANT_ATOL``, no z-score) in blue, missing values (NaN
    bins, channels without any value) in orange; a row of several neurons averages the values
    it has and is blue only if all of them are dead. A band above the heatmap shows the
    conditions (held-out ones hatched); dashed lines mark condition boundaries. The time axis
    follows the stored frame times (minutes from the first frame), so uneven frames and pauses
    take their real length; pauses in acquisition (``pause_intervals``) are hatched gaps.
    path: write the figure there (format from the suffix; atomically; refuses to overwrite
    unless ``overwrite``). Returns the matplotlib Figure, with ``fig.neurocast_sort`` (the
    ordering used), ``fig.neurocast_order`` (neuron indices top to bottom, shape (neuron,)),
    ``fig.neurocast_n_rows``,
    ``fig.neurocast_n_dead``, ``fig.neurocast_n_nan`` (channels without any value) and
    ``fig.neurocast_pauses`` ((start, end) minutes of each pause).
    """
    from matplotlib import colormaps  # heavy: imported on use
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if max_rows < 1 or max_cols < 1:
        raise ConfigError(f"the heatmap needs at least 1 row and 1 column, not {max_rows} × {max_cols}",
                          "pass --max-rows 1000 or another positive number")
    if sort not in _SORTS:
        raise ConfigError(f"unknown sort {sort!r}", "choose one of: " + ", ".join(_SORTS))
    if path is not None:
        path = _image_path(path, overwrite)
    dt_s = float(ds.attrs["dt_s"])
    n_time = ds.sizes["time"]
    binned, starts = bin_time(ds["traces"].variable, max_cols)
    at, pauses = _frame_minutes(ds, dt_s)
    order = similarity_order(binned, sort=sort, max_neurons=max_sort_neurons, seed=seed)
    image = _group_rows(_zscore(binned)[:, order], max_rows)
    dead = _dead(binned)[order]
    dead_rows = _group_rows(dead[None, :].astype(np.float64), max_rows)[:, 0] == 1  # all dead
    lo, hi = np.nanpercentile(image, [1, 99]) if np.isfinite(image).any() else (0.0, 1.0)
    minutes = at[-1]

    fig = Figure(figsize=(11, 6.5), layout="constrained")
    band_ax, ax = fig.subplots(2, 1, sharex=True, height_ratios=[1, 12])
    extent = (0, minutes, image.shape[0], 0)
    im = ax.pcolorfast(at[np.append(starts, n_time)], np.arange(image.shape[0] + 1),
                       np.ma.masked_invalid(image), vmin=lo, vmax=hi,
                       cmap=colormaps["gray_r"].with_extremes(bad=_NAN_COLOUR))
    ax.set_ylim(image.shape[0], 0)
    for x0, x1 in pauses:  # no frames were recorded there: a hatched gap
        ax.axvspan(x0, x1, zorder=2, **_PAUSE_STYLE)
    if dead_rows.any():  # drawn over the no-value colour of their NaN z-scores
        ax.imshow(np.where(dead_rows, 1.0, np.nan)[:, None], aspect="auto", extent=extent,
                  cmap=ListedColormap([_DEAD_COLOUR]), interpolation="nearest")
    n_nan = int(np.isnan(binned).all(axis=0).sum())
    keys = []
    if dead.any():
        keys.append(Patch(color=_DEAD_COLOUR, label=f"dead/constant channel ({int(dead.sum())})"))
    if np.isnan(image[~dead_rows]).any():
        keys.append(Patch(color=_NAN_COLOUR, label=f"no value (NaN; {n_nan} channel(s) without any)"))
    if pauses:
        keys.append(Patch(**_PAUSE_STYLE, label=f"pause in acquisition ({len(pauses)})"))
    if keys:
        fig.legend(handles=keys, loc="outside lower right", ncols=len(keys), fontsize=7)
    blocks = condition_blocks(as_str(ds["condition"].values))
    held = {str(h) for h in ds.attrs.get("heldout_conditions", [])}
    colours = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
               "#8c8c8c", "#ccb974", "#64b5cd")
    for i, (name, a, b) in enumerate(blocks):
        x0, x1 = at[a], at[b]
        band_ax.axvspan(x0, x1, color=colours[i % len(colours)], alpha=0.85,
                        hatch="//" if name in held else None, linewidth=0)
        band_ax.text((x0 + x1) / 2, 0.5, name + (" (held out)" if name in held else ""),
                     ha="center", va="center", fontsize=7, rotation=0 if (x1 - x0) > minutes / 12 else 90)
        if a > 0:
            ax.axvline(x0, color="tab:red", linewidth=0.6, linestyle="--", alpha=0.7)
    band_ax.set_yticks([])
    band_ax.set_ylim(0, 1)
    band_ax.set_title(title or f"{ds.attrs.get('source', '')}  —  {ds.sizes['neuron']:,} neurons, "
                      f"{n_time:,} frames at {dt_s:g} s"
                      + (f", {len(pauses)} pause(s)" if pauses else ""), fontsize=9)
    ax.set_xlabel("time (min, from the first frame)")
    per_row = ds.sizes["neuron"] / image.shape[0]
    ax.set_ylabel(f"neurons, sorted ({sort})" + (f", {per_row:.1f} per row" if per_row > 1 else ""))
    ax.set_xlim(0, minutes)
    fig.colorbar(im, ax=ax, label="activity (z-score per neuron)", shrink=0.8)
    fig.neurocast_sort, fig.neurocast_order = sort, order
    fig.neurocast_n_rows = image.shape[0]
    fig.neurocast_n_dead, fig.neurocast_n_nan = int(dead.sum()), n_nan
    fig.neurocast_pauses = pauses
    plain_text(fig)
    if path is not None:
        with atomic_path(path, overwrite=overwrite) as tmp:
            fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=150)
    return fig


def traces_with_spikes(ds: xr.Dataset, path: str | os.PathLike | None = None, *,
                       neurons=None, n_neurons: int = 6, frames: tuple[int, int] | None = None,
                       overwrite: bool = False, title: str | None = None):
    """Example traces, drawn above the spikes that produced them when the dataset has them.

    ds: a Dataset; with ``spike_counts`` (time, neuron; synthetic recordings) each panel also
    shows one tick per frame with spikes (tick height ∝ spikes in that frame). neurons: names
    to show (default: the ``n_neurons`` neurons with the most spikes in the shown frames, or,
    without spikes, the most variable ones: largest standard deviation, NaN frames ignored, dead
    channels only when no neuron varies, which the title says and a UserWarning notes; a dead
    channel's panel is labelled so). frames: (start, stop) frame range (default: the first 500 frames). The
    trace's axis is ΔF/F, or F for raw fluorescence (``trace_kind``). path: write the figure
    there (atomically). Returns the matplotlib Figure with ``fig.neurocast_neurons`` (the names
    shown) and ``fig.neurocast_pauses`` ((start, end) s of each pause in acquisition among the
    shown frames: ``pause_intervals``; the lines break there, over a hatched gap drawn as on the
    heatmap, from one median frame interval after the frame before it to the frame after).
    Raises UnknownNameError for unknown names, ConfigError for frames outside the recording
    (checked first) or an empty frame range inside it.
    """
    from matplotlib.figure import Figure  # heavy: imported on use

    if path is not None:
        path = _image_path(path, overwrite)
    n_time = ds.sizes["time"]
    start, stop = (0, min(n_time, 500)) if frames is None else (int(frames[0]), int(frames[1]))
    if not (0 <= start < n_time and 0 <= stop <= n_time):
        raise ConfigError(f"frames ({start}, {stop}) outside the recording's 0..{n_time}",
                          "give 0 <= start < stop <= number of frames")
    if stop <= start:  # inside the recording: suggest up to 500 frames from start, all inside
        end = min(start + 500, n_time)
        raise ConfigError(f"frames ({start}, {stop}) are an empty range: frames start..stop-1 "
                          "are shown, so stop must exceed start",
                          f"e.g. --frames {start}:{end} (frames=({start}, {end}))")
    names = as_str(ds["neuron"].values)
    has_spikes = "spike_counts" in ds.variables
    counts = np.asarray(ds["spike_counts"][start:stop].values, dtype=np.int64) if has_spikes else None
    flat_only = None  # what to say when no neuron varies in the shown frames
    if neurons is None:
        if has_spikes:
            score = counts.sum(axis=0).astype(np.float64)
        else:
            score = _spread(np.asarray(ds["traces"][start:stop].values, dtype=np.float64))
        idx = np.argsort(-score, kind="stable")[:max(1, int(n_neurons))]
        if not has_spikes and np.isfinite(score[idx[0]]):  # dead channels only if all are
            idx = idx[np.isfinite(score[idx])]
        elif not has_spikes:
            flat_only = (f"no neuron varies in frames {start}..{stop} (all {len(names):,} are "
                         "dead/constant channels or have no values there): the panels are flat")
            warnings.warn(flat_only + "; choose other frames with --frames START:STOP, or check "
                          "the recording with `neurocast data info`", UserWarning, stacklevel=2)
    else:
        lookup = {name: i for i, name in enumerate(names.tolist())}
        wanted = [str(x) for x in ([neurons] if isinstance(neurons, str) else neurons)]
        missing = [x for x in wanted if x not in lookup]
        if missing:
            raise unknown_name("neuron", missing[0], lookup)
        idx = np.array([lookup[x] for x in wanted], dtype=np.int64)
    traces = np.asarray(ds["traces"][start:stop].values)[:, idx]
    unit = "F" if ds.attrs.get("trace_kind") == "fluorescence" else "ΔF/F"
    t = np.asarray(ds["time"].values[start:stop])
    line_t, line_traces, pauses = _broken_at_pauses(ds, start, stop, traces)
    fig = Figure(figsize=(10, 1.4 * len(idx) + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(idx), 1, sharex=True))
    for k, ax in enumerate(axes):
        ax.plot(line_t, line_traces[:, k], color="tab:green", linewidth=0.9)
        for x0, x1 in pauses:  # no frames were recorded there: a hatched gap, as on the heatmap
            ax.axvspan(x0, x1, zorder=0, **_PAUSE_STYLE)
        ax.set_ylabel(unit, fontsize=8)
        finite = traces[np.isfinite(traces[:, k]), k]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        span = (hi - lo) or 1.0
        name = _short(names[idx[k]])
        if not finite.size:
            label = f"{name} (no values in these frames)"
        elif hi - lo <= CONSTANT_ATOL:
            label = f"{name} (dead/constant channel)"
        else:
            label = name
        if has_spikes:
            spikes = counts[:, idx[k]]
            on = np.flatnonzero(spikes)
            if on.size:
                height = 0.25 * span * spikes[on] / spikes[on].max()
                ax.vlines(t[on], lo - 0.3 * span, lo - 0.3 * span + height, color="black",
                          linewidth=0.8)
            ax.set_ylim(lo - 0.35 * span, hi + 0.05 * span)
            label += f": {int(spikes.sum())} spikes"
        else:
            ax.set_ylim(lo - 0.05 * span, hi + 0.05 * span)
        ax.set_title(label, fontsize=8, loc="left")
    axes[-1].set_xlabel("time (s)")
    default = ("traces (green) and the spikes that produced them (black ticks)" if has_spikes
               else f"{unit} traces")
    paused = f"; {len(pauses)} pause(s) in acquisition (hatched)" if pauses else ""
    fig.suptitle(title or flat_only or default + paused, fontsize=9)
    fig.neurocast_neurons = names[idx].tolist()
    fig.neurocast_pauses = pauses
    plain_text(fig)
    if path is not None:
        with atomic_path(path, overwrite=overwrite) as tmp:
            fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=150)
    return fig


def _broken_at_pauses(ds: xr.Dataset, start: int, stop: int, traces: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """The frames ``start..stop-1`` of (time, neuron) ``traces`` ready to draw as lines that break
    at each pause in acquisition (``pause_intervals`` of the whole recording's frame times): the
    times (s) and traces with a NaN row inserted in the middle of each pause, shaped (time +
    pauses,) and (time + pauses, neuron), and the pauses in seconds as on the heatmap
    (``_frame_minutes``): from the end of the frame before (one median interval after it) to the
    frame after."""
    t_all, paused, interval = _frame_times(ds)
    after = np.flatnonzero(paused[start:stop - 1]) + 1  # the NaN row goes before the frame after a pause
    t = t_all[start:stop]
    middle = (t[after - 1] + t[after]) / 2
    pauses = [(float(t[i - 1] + interval), float(t[i])) for i in after]
    values = np.insert(np.asarray(traces, dtype=np.float64), after, np.nan, axis=0)
    return np.insert(t, after, middle), values, pauses


def _short(name: str, limit: int = 60) -> str:
    """A neuron name cut to ``limit`` characters (with '…') for a panel title: a long label
    (a file path, a whole ROI description) would run off the figure."""
    name = str(name)
    return name if len(name) <= limit else name[:limit - 1] + "…"


def _spread(traces: np.ndarray) -> np.ndarray:
    """Standard deviation of each column of traces (time, neuron) over its finite values;
    -inf for a column with fewer than two of them or none that differ (dead channels)."""
    finite = np.isfinite(traces)
    n = finite.sum(axis=0)
    x = np.where(finite, traces, 0.0)
    mean = x.sum(axis=0) / np.maximum(n, 1)
    var = (np.where(finite, traces - mean, 0.0) ** 2).sum(axis=0) / np.maximum(n, 1)
    return np.where((n >= 2) & (var > 0), np.sqrt(var), -np.inf)
