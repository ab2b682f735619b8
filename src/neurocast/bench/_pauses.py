"""Pauses in acquisition in the benchmark: the frames that follow one, and the note saying how
many windows across them are left out.

A pause (``data.pause_intervals``: a frame interval much longer than those around it, the rule
of the import notes and of ``infer``) lies between frames p and p + 1. A window holding both
would join the two sides as if they were consecutive frames, so the benchmark leaves every
such window out of fitting and scoring (``data._windows.finite_segments`` and
``valid_windows`` with ``breaks``), as it leaves out the windows touching a NaN frame under
``--nan skip-windows``; the windows on either side stay, and so does every frame.
"""

from __future__ import annotations

import numpy as np

from neurocast.data import Protocol, pause_breaks, pause_summary, segments_for, valid_windows

__all__ = ["pause_note", "recording_breaks", "split_windows_across", "windows_across"]

#: The splits whose windows are fitted on (train, val) or scored (test).
_SPLITS = ("train", "val", "test")


def recording_breaks(ds) -> np.ndarray | None:
    """bool (time,): True at the first frame after each pause in ``ds``'s frame times (its
    ``time`` coordinate, s), or None without pauses (or without frame times)."""
    if "time" not in ds.coords:
        return None
    return pause_breaks(ds["time"].values)


def windows_across(traces, folds: list[Protocol], breaks: np.ndarray,
                   bad_frames: np.ndarray | None = None) -> int:
    """How many distinct windows (by first frame) of the train, val and test splits of
    ``folds`` cross a pause: those the benchmark leaves out of fitting and scoring for it.
    bad_frames: bool (time,) NaN frames whose windows are left out anyway (--nan skip-windows),
    not counted here, or None."""
    starts: set[int] = set()
    for p in folds:
        for split in _SPLITS:
            for seg in segments_for(traces, p, split):
                lost = ~valid_windows(seg, None, breaks)
                if bad_frames is not None:
                    lost &= valid_windows(seg, bad_frames)
                starts.update((seg.start + np.flatnonzero(lost)).tolist())
    return len(starts)


def split_windows_across(traces, protocol: Protocol, breaks: np.ndarray | None) -> list[int]:
    """For every row of ``protocol.splits()``, in order: how many of its windows cross a pause
    (those the benchmark leaves out; all 0 when ``breaks`` is None). traces: (time, neuron)
    array-like of the protocol's frames; no value is read."""
    if breaks is None:
        return [0] * len(protocol.splits())
    across = {split: iter([int((~valid_windows(seg, None, breaks)).sum())
                           for seg in segments_for(traces, protocol, split)]) for split in _SPLITS}
    return [next(across[r.split]) for r in protocol.splits()]


def pause_note(ds, traces, folds: list[Protocol], breaks: np.ndarray,
               bad_frames: np.ndarray | None = None) -> str:
    """The note of a recording whose frame times pause: how often, the longest pause, and how
    many windows across them are left out (``windows_across``)."""
    n = windows_across(traces, folds, breaks, bad_frames)
    return (f"{pause_summary(ds['time'].values)}: the {n:,} window(s) across them are left out "
            "of fitting and scoring (the test windows among them counted in n_windows_skipped); "
            "to forecast on a uniform clock instead, import with --resample S --allow-nan (a "
            "pause becomes NaN frames) and run bench with --nan skip-windows")
