"""Pauses in acquisition: the benchmark neither fits on nor scores a window whose frames lie on
both sides of a pause in the frame times (as if they were consecutive); the windows on either
side stay, and a recording without pauses is benchmarked exactly as before."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest

from neurocast.bench import _run as bench_run
from neurocast.bench import build_scorecard, ensemble_scores, evaluate, run_benchmark
from neurocast.bench._pauses import recording_breaks
from neurocast.bench._seeds import fit_setup
from neurocast.cli import main
from neurocast.data import make_dataset, open_dataset, save_dataset, segments_for
from neurocast.data._windows import Segment, finite_segments, pause_breaks, valid_windows
from neurocast.errors import ConfigError
from neurocast.models import LinearForecaster, MeanForecaster, NaiveForecaster

#: The cache the tests were started with (the autouse fixture then isolates each test's).
_OUTER_CACHE = os.environ.get("NEUROCAST_CACHE")

C, H = 4, 3
L = C + H
T = 400
TRAIN_PAUSE, TEST_PAUSE = 100, 350  # pauses after these frames (single protocol: test targets from 320)


def _traces(t=T, n=6, seed=0):
    """AR(1) traces, (t, n) float32: a linear model has something to learn."""
    rng = np.random.default_rng(seed)
    x = np.zeros((t, n), dtype=np.float32)
    for i in range(1, t):
        x[i] = 0.9 * x[i - 1] + rng.normal(0, 0.1, n)
    return x


def _times(t=T, pauses=(TRAIN_PAUSE, TEST_PAUSE), hole_s=30.0):
    """Frame times 0.5 s apart with a hole of ``hole_s`` after each frame of ``pauses``."""
    time_s = np.arange(t) * 0.5
    for p in pauses:
        time_s[p + 1:] += hole_s
    return time_s


def _paused(pauses=(TRAIN_PAUSE, TEST_PAUSE), **kw):
    x = _traces(**kw)
    return make_dataset(x, dt_s=0.5, time_s=_times(x.shape[0], pauses), source="test"), x


def _across(start: int, pause: int) -> bool:
    """The window of first frame ``start`` spans frames start..start+C+H-1: it crosses the pause
    between frames ``pause`` and ``pause + 1`` iff start <= pause < start + C + H - 1."""
    return start <= pause < start + L - 1


def _no_pauses(monkeypatch):
    """The benchmark as it was before pauses counted: windows join the two sides of a pause."""
    monkeypatch.setattr(bench_run, "recording_breaks", lambda ds: None)


# -- the windows ------------------------------------------------------------------------------


def test_pause_breaks_mark_the_first_frame_after_each_pause():
    breaks = pause_breaks(_times())
    assert np.flatnonzero(breaks).tolist() == [TRAIN_PAUSE + 1, TEST_PAUSE + 1]
    assert pause_breaks(np.arange(T) * 0.5) is None
    ds, _ = _paused()
    np.testing.assert_array_equal(recording_breaks(ds), breaks)


def test_valid_windows_and_pieces_leave_out_exactly_the_windows_across_a_pause():
    x = _traces()
    breaks = pause_breaks(_times())
    bad = np.zeros(T, dtype=bool)
    bad[200] = True  # a NaN frame too: both are left out by the same cut
    seg = Segment(x, "all", "train", 0, T, 0, C, H)
    starts = np.arange(seg.n_windows)
    expect = np.array([not (_across(s, TRAIN_PAUSE) or _across(s, TEST_PAUSE)) for s in starts])
    np.testing.assert_array_equal(valid_windows(seg, None, breaks), expect)
    expect_nan = expect & np.array([not (s <= 200 < s + L) for s in starts])
    np.testing.assert_array_equal(valid_windows(seg, bad, breaks), expect_nan)
    # the pieces: cut between the two sides of each pause, every frame kept (but the NaN one)
    pieces = finite_segments([seg], None, breaks)
    assert [(p.start, p.stop) for p in pieces] == [(0, TRAIN_PAUSE + 1), (TRAIN_PAUSE + 1, TEST_PAUSE + 1),
                                                  (TEST_PAUSE + 1, T)]
    kept = sorted(p.start + k for p in finite_segments([seg], bad, breaks) for k in range(p.n_windows))
    assert kept == np.flatnonzero(expect_nan).tolist()
    # a pause just before a segment cuts nothing; no pause leaves the segment as it is
    after = dataclasses.replace(seg, start=TRAIN_PAUSE + 1, stop=TEST_PAUSE + 1)
    assert finite_segments([after], None, breaks) == [after]
    assert valid_windows(after, None, breaks).all()
    assert finite_segments([seg], None, None)[0] is seg


def test_the_note_counts_only_the_windows_lost_to_pauses_not_those_lost_to_nan():
    """A NaN frame right after the test pause (--nan skip-windows): the windows holding it are
    left out for the NaN; the note counts only those left out for the pause alone."""
    x = _traces()
    x[TEST_PAUSE + 1, 2] = np.nan
    ds = make_dataset(x, dt_s=0.5, time_s=_times(), source="test", allow_nan=True)
    res = run_benchmark(ds, models=["naive"], context=C, horizon=H, nan="skip-windows")
    note = next(n for n in res.notes if n.startswith("the frame times pause 2 time(s)"))
    # at the test pause, every window across it also holds frame TEST_PAUSE + 1 (the NaN)
    assert f"the {L - 1} window(s) across them are left out of fitting and scoring" in note


# -- scoring ----------------------------------------------------------------------------------


def test_windows_across_a_test_pause_are_not_scored_and_the_others_are():
    ds, x = _paused()
    res = run_benchmark(ds, models=["naive", "mean"], context=C, horizon=H)
    card = res.scorecard
    (seg,) = segments_for(x, res.protocol, "test")
    starts = seg.start + np.arange(seg.n_windows)
    across = [s for s in starts if _across(s, TEST_PAUSE)]
    clean = [s for s in starts if not _across(s, TEST_PAUSE)]
    assert len(across) == L - 1 == int(card["n_windows_skipped"].values[0])
    # the scores are those of the clean windows, computed by hand
    naive = np.stack([np.abs(x[s + C:s + L] - x[s + C - 1]) for s in clean])
    mean = np.stack([np.abs(x[s + C:s + L] - x[s:s + C].mean(axis=0)) for s in clean])
    for name, err in (("naive", naive), ("mean", mean)):
        np.testing.assert_allclose(card["score"].sel(model=name, metric="mae").values[0],
                                   err.mean(axis=2).mean(axis=0), rtol=1e-6)
    # the note: how many pauses, and every window across them (train, val and test)
    note = next(n for n in res.notes if n.startswith("the frame times pause 2 time(s)"))
    assert f"the {2 * (L - 1)} window(s) across them are left out of fitting and scoring" in note


def test_evaluate_leaves_out_the_windows_across_a_pause_as_skip_frames_leaves_nan_windows():
    ds, x = _paused()
    res = run_benchmark(ds, models=["naive"], context=C, horizon=H)
    breaks = pause_breaks(ds["time"].values)
    stats = evaluate(NaiveForecaster(horizon=H), x, res.protocol, breaks=breaks)["all"]
    valid = stats.count.sum(axis=(1, 2)) > 0
    (seg,) = segments_for(x, res.protocol, "test")
    np.testing.assert_array_equal(valid, [not _across(seg.start + k, TEST_PAUSE)
                                          for k in range(seg.n_windows)])
    # NaN frames standing where the pause is (between its two sides, as --resample makes it)
    # leave out the same windows
    bad = np.zeros(T, dtype=bool)
    bad[TEST_PAUSE + 1] = True
    nan = evaluate(NaiveForecaster(horizon=H), x, res.protocol, skip_frames=bad)["all"]
    assert int((nan.count.sum(axis=(1, 2)) == 0).sum()) == L  # the frame itself is lost too
    assert int((~valid).sum()) == L - 1


# -- fitting ----------------------------------------------------------------------------------


def test_linear_fits_on_the_windows_that_do_not_cross_a_train_pause(monkeypatch):
    ds, x = _paused(pauses=(TRAIN_PAUSE,))
    left_out = LinearForecaster(horizon=H)
    res = run_benchmark(ds, models=[left_out], context=C, horizon=H)
    proto = res.protocol
    # by hand: the train range cut into its two sides of the pause
    (train,) = segments_for(x, proto, "train")
    assert train.start <= TRAIN_PAUSE < train.stop - 1
    sides = [dataclasses.replace(train, stop=TRAIN_PAUSE + 1), dataclasses.replace(train, start=TRAIN_PAUSE + 1)]
    by_hand = LinearForecaster(horizon=H).fit(sides, segments_for(x, proto, "val"))
    np.testing.assert_array_equal(left_out.weights, by_hand.weights)
    np.testing.assert_array_equal(left_out.bias, by_hand.bias)
    # the windows across it joined (as before pauses counted): another fit, other scores
    _no_pauses(monkeypatch)
    joined = LinearForecaster(horizon=H)
    old = run_benchmark(ds, models=[joined], context=C, horizon=H)
    assert not np.array_equal(joined.weights, left_out.weights)
    assert not np.array_equal(old.scorecard["score"].values, res.scorecard["score"].values)
    assert int(old.scorecard["n_windows_skipped"].values[0]) == 0  # the pause is in train only
    assert int(res.scorecard["n_windows_skipped"].values[0]) == 0
    # fitted with other breaks: another fitting setup (a saved model is not reused)
    breaks = pause_breaks(ds["time"].values)
    assert fit_setup(proto, ds["traces"], None, breaks) != fit_setup(proto, ds["traces"], None, None)


def test_every_training_window_across_a_pause_is_refused_with_a_hint():
    x = _traces(t=200)
    steps = np.full(199, 0.5)
    steps[4::5] = 5.0  # a 5 s pause after every 5th frame: no window of 7 frames fits
    ds = make_dataset(x, dt_s=0.5, time_s=np.concatenate([[0.0], np.cumsum(steps)]), source="test")
    with pytest.raises(ConfigError, match="every training window crosses a pause") as err:
        run_benchmark(ds, models=["naive"], context=C, horizon=H)
    assert "shorter --context or --horizon" in err.value.hint


def test_a_model_saved_before_pauses_counted_is_trained_again(monkeypatch, tmp_path):
    """The windows left out are part of the fitting setup: a model saved with the windows across
    a pause in its training set is neither reused by --save-models nor loaded by --load-models."""
    ds, _ = _paused(pauses=(TRAIN_PAUSE,))
    _no_pauses(monkeypatch)
    run_benchmark(ds, models=[_timemix(max_steps=2)], context=C, horizon=H, save_models=tmp_path)
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="fitted under another protocol or split"):
        run_benchmark(ds, models="timemix", context=C, horizon=H, load_models=tmp_path)
    res = run_benchmark(ds, models=[_timemix(max_steps=2)], context=C, horizon=H, save_models=tmp_path)
    assert any("timemix-seed0.pt' held a model of another" in n for n in res.notes)
    res = run_benchmark(ds, models=[_timemix(max_steps=2)], context=C, horizon=H, save_models=tmp_path)
    assert any("loaded from" in n for n in res.notes)  # saved with the pauses: reused


def _window_starts(stream):
    """The first frame (in the recording) of every window a WindowStream serves."""
    out = []
    for block in stream.blocks:
        offsets, frames = [], 0
        for seg_i, lo, hi in block.pieces:
            offsets.append((frames, frames + hi - lo, stream.segments[seg_i].start + lo))
            frames += hi - lo
        for s in block.starts:
            (at,) = [first + s - a for a, b, first in offsets if a <= s < b]
            out.append(int(at))
    return sorted(out)


def _timemix(max_steps=4):
    pytest.importorskip("torch")
    from neurocast.models.deep import TimemixConfig, TimemixForecaster, TrainConfig

    return TimemixForecaster(horizon=H, cfg=TimemixConfig(blocks=1, train=TrainConfig(
        val_every=2, max_steps=max_steps, device="cpu")))


def test_a_learned_model_trains_without_the_windows_across_a_pause(monkeypatch):
    model = _timemix()
    from neurocast.models.deep import _learned

    streams = []

    class Recorded(_learned.WindowStream):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            streams.append(self)

    monkeypatch.setattr(_learned, "WindowStream", Recorded)
    ds, x = _paused(pauses=(TRAIN_PAUSE,))
    res = run_benchmark(ds, models=[model], context=C, horizon=H)
    assert np.isfinite(res.summary["timemix"]["mae"])
    train, val = (s for s in streams if s.what == "train"), (s for s in streams if s.what == "val")
    starts = _window_starts(next(train))
    (seg,) = segments_for(x, res.protocol, "train")
    every = range(seg.start, seg.start + seg.n_windows)
    assert starts == [s for s in every if not _across(s, TRAIN_PAUSE)]
    assert TRAIN_PAUSE - L + 1 in starts and TRAIN_PAUSE + 1 in starts  # the frames next to it stay
    (vseg,) = segments_for(x, res.protocol, "val")  # no pause there: every val window
    assert _window_starts(next(val)) == list(range(vseg.start, vseg.start + vseg.n_windows))


# -- no pauses: nothing changes ---------------------------------------------------------------


def _recording_without_pauses(which: str, monkeypatch):
    """worm-default as built in the cache the tests were started with (skipped if it is not
    built there: never built by this test), or a recording with uneven frame times but no pause."""
    if which == "jittered":
        rng = np.random.default_rng(1)
        time_s = np.cumsum(rng.uniform(0.4, 0.6, T))  # volumetric jitter: no pause
        return make_dataset(_traces(), dt_s=0.5, time_s=time_s, source="test")
    from neurocast.catalog import is_built
    from neurocast.catalog import open_dataset as open_builtin

    if not _OUTER_CACHE:
        pytest.skip("NEUROCAST_CACHE was not set when the tests started")
    monkeypatch.setenv("NEUROCAST_CACHE", _OUTER_CACHE)
    if not is_built("worm-default"):
        pytest.skip(f"worm-default is not built in {_OUTER_CACHE}")
    return open_builtin("worm-default")


@pytest.mark.parametrize("which", ["worm-default", "jittered"])
def test_a_recording_without_pauses_takes_no_new_code_path(which, monkeypatch):
    ds = _recording_without_pauses(which, monkeypatch)
    assert recording_breaks(ds) is None
    models = ["naive", "mean", "linear"]
    card = run_benchmark(ds, models=models, context=C, horizon=H).scorecard

    def refuse(*args, **kw):
        raise AssertionError("windows were cut on a recording without pauses")

    from neurocast.bench import _evaluate

    monkeypatch.setattr(_evaluate, "valid_windows", refuse)
    monkeypatch.setattr(bench_run, "finite_segments", refuse)
    monkeypatch.setattr(bench_run, "pause_note", refuse)
    _no_pauses(monkeypatch)
    before = run_benchmark(ds, models=models, context=C, horizon=H).scorecard
    assert set(card.data_vars) == set(before.data_vars)
    for var in card.data_vars:
        if var not in ("fit_s", "evaluate_s"):  # wall times
            np.testing.assert_array_equal(card[var].values, before[var].values, err_msg=var)
    assert card.attrs["notes"] == before.attrs["notes"]
    assert not any("pause" in n for n in card.attrs["notes"])


# -- ensembles, folds, Dask, the command line -------------------------------------------------


def test_ensemble_scores_leave_out_the_same_windows():
    ds, x = _paused()
    res = run_benchmark(ds, models=["naive", "mean"], context=C, horizon=H)
    breaks = pause_breaks(ds["time"].values)
    members = [NaiveForecaster(horizon=H), MeanForecaster(horizon=H)]
    ens = ensemble_scores(members, x, res.protocol, breaks=breaks)
    for k, name in enumerate(("naive", "mean")):
        np.testing.assert_allclose(ens["member_mae"].values[k, 0],
                                   res.scorecard["score"].sel(model=name, metric="mae").values[0], rtol=1e-6)


def test_ensembles_are_still_scored_on_a_paused_recording():
    ds, _ = _paused(pauses=(TRAIN_PAUSE, TEST_PAUSE))
    res = run_benchmark(ds, models=[_timemix(max_steps=2)], context=C, horizon=H, seeds=2)
    card = res.scorecard
    assert not any("ensemble scores" in n for n in res.notes)
    for var in ("ensemble_mae", "crps", "spread", "skill"):
        assert np.isfinite(card[var].sel(model="timemix").values).all(), var
    assert int(card["n_windows_skipped"].values[0]) == L - 1


def test_folds_leave_out_the_windows_across_a_pause_in_every_fold():
    ds, x = _paused()
    folds = 3
    res = run_benchmark(ds, models=["naive", "linear"], context=C, horizon=H, cv_folds=folds)
    expect = 0
    for k in range(folds):
        for seg in segments_for(x, res.protocol.replace(folds=folds, fold=k), "test"):
            expect += sum(_across(seg.start + w, p) for w in range(seg.n_windows)
                          for p in (TRAIN_PAUSE, TEST_PAUSE))
    assert expect > 0 and int(res.scorecard["n_windows_skipped"].values[0]) == expect
    assert np.isfinite(res.summary["linear"]["mae"])


@pytest.mark.distributed
def test_a_dask_run_leaves_out_the_same_windows(tmp_path):
    pytest.importorskip("distributed")
    from neurocast._dask import dask_client

    ds, _ = _paused()
    path = save_dataset(ds, tmp_path / "paused.zarr")
    memory = run_benchmark(ds, models=["naive", "linear"], context=C, horizon=H, batch_windows=5).scorecard
    with dask_client(n_workers=1) as client:
        cluster = run_benchmark(open_dataset(path), models=["naive", "linear"], context=C, horizon=H,
                                batch_windows=5, chunk_windows=10, client=client).scorecard
    np.testing.assert_array_equal(memory["score"].values, cluster["score"].values)
    assert memory["n_windows_skipped"].values.tolist() == cluster["n_windows_skipped"].values.tolist() == [L - 1]


def test_bench_on_a_paused_store_exits_0_and_says_what_it_left_out(tmp_path, capsys):
    ds, _ = _paused()
    path = save_dataset(ds, tmp_path / "paused.zarr")
    assert main(["bench", str(path), "--models", "naive,mean,linear", "--context", str(C),
                 "--horizon", str(H), "--out", str(tmp_path / "out"), "--json"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["n_windows_skipped"] == {"all": L - 1}
    note = ("the frame times pause 2 time(s), the longest for 30.5 s after frame 100 (frames are "
            f"0.5 s apart otherwise): the {2 * (L - 1)} window(s) across them are left out of "
            "fitting and scoring")
    assert any(n.startswith(note) for n in doc["notes"])
    assert note in out.err and "Traceback" not in out.err


def test_scorecard_of_evaluate_with_breaks_matches_the_benchmark():
    ds, x = _paused()
    res = run_benchmark(ds, models=["naive"], context=C, horizon=H)
    stats = evaluate(NaiveForecaster(horizon=H), x, res.protocol, breaks=pause_breaks(ds["time"].values))
    card = build_scorecard({"naive": stats}, res.protocol, metrics=["mae"])
    np.testing.assert_array_equal(card["score"].sel(metric="mae").values,
                                  res.scorecard["score"].sel(metric="mae").values)
