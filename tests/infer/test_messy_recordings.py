"""Real recordings are messy: dead channels, short recordings, NaN frames, pauses, odd units,
repeated names. Each is inferred with a note saying what was done, or refused in one error."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurocast.cli import main
from neurocast.data import attach_connectome, make_dataset, save_dataset
from neurocast.errors import ConfigError, FormatError, NonFiniteError
from neurocast.infer import as_activity, get_method, infer_connectivity, run_inference


@pytest.fixture(scope="module")
def ring_calcium(ring, simulate_hawkes):
    """(calcium, spikes) of 2,000 frames on the ring, (time, neuron)."""
    return simulate_hawkes(ring, n_frames=2000)


def _dataset(ring, x, **kw):
    return make_dataset(x, dt_s=0.1, neuron=ring.names, allow_nan=True, **kw)


def test_dead_and_constant_channels_are_left_out_with_a_note(ring, ring_calcium):
    x = ring_calcium[0].copy()
    x[:, 2] = 0.0      # dead
    x[:, 5] = 3.3      # saturated
    res = run_inference(_dataset(ring, x), truth=ring, methods=["pearson", "ridge-deconv"])
    assert res.notes[0].startswith("2 dead or constant channel(s)") and "n2, n5" in res.notes[0]
    assert int(res.scorecard.attrs["n_neurons"]) == 6
    alive = [0, 1, 3, 4, 6, 7]
    alone = run_inference(_dataset(ring, x).isel(neuron=alive), truth=ring,
                          methods=["pearson", "ridge-deconv"])
    assert res.summary == alone.summary


def test_every_channel_constant_is_one_error(ring, ring_calcium):
    with pytest.raises(ConfigError) as err:  # a recording in tiny units looks flat
        run_inference(_dataset(ring, ring_calcium[0] * 1e-9), truth=ring, methods=["pearson"])
    assert "8 are dead or constant" in str(err.value) and "rescaling" in err.value.hint


def test_a_short_recording_gets_a_note(ring, ring_calcium):
    res = run_inference(_dataset(ring, ring_calcium[0][:12]), truth=ring, methods=["pearson"])
    assert any(n.startswith("only 12 frames: a correlation from 12 frames has a standard error "
                            "of about 1/√12 = 0.29") for n in res.notes)
    long = run_inference(_dataset(ring, ring_calcium[0]), truth=ring, methods=["pearson"])
    assert not any("frames:" in n for n in long.notes)


def test_skip_frames_leaves_out_a_frame_that_is_nan_in_every_neuron(ring, ring_calcium):
    x = ring_calcium[0].copy()
    x[700] = np.nan
    ds = _dataset(ring, x)
    with pytest.raises(NonFiniteError) as err:
        run_inference(ds, truth=ring, methods=["pearson"])
    assert "--nan skip-frames" in err.value.hint and "--nan mask-neurons" in err.value.hint
    res = run_inference(ds, truth=ring, nan="skip-frames")
    assert int(res.scorecard.attrs["n_frames"]) == 1999 and int(res.scorecard.attrs["n_neurons"]) == 8
    assert res.notes[0] == "1 of the 2000 frames hold NaN/inf: left out of inference"
    assert "fall into 2 stretches" in res.notes[1]
    assert all(row["auroc"] is not None for row in res.summary.values())


def test_skip_frames_with_too_few_frames_left_or_no_consecutive_frames(ring, ring_calcium):
    x = ring_calcium[0][:400].copy()
    x[2:, 0] = np.nan
    with pytest.raises(ConfigError, match="only 2 of the 400 frames hold no NaN"):
        run_inference(_dataset(ring, x), truth=ring, nan="skip-frames")
    x = ring_calcium[0][:400].copy()
    x[1::2, 3] = np.nan  # every other frame: no two consecutive frames left
    with pytest.raises(ConfigError, match="method 'ridge' relates frames 1 apart") as err:
        run_inference(_dataset(ring, x), truth=ring, nan="skip-frames", methods=["ridge"])
    assert "pearson, partial" in err.value.hint
    res = run_inference(_dataset(ring, x), truth=ring, nan="skip-frames", methods=["pearson"])
    assert int(res.scorecard.attrs["n_frames"]) == 200


@pytest.mark.parametrize("method", ["ridge", "ridge-deconv", "ridge-sparse", "xcorr"])
def test_lagged_methods_pair_no_frames_across_a_pause(method):
    """Neuron 0 fires just before a pause and neuron 1 just after: frame t − 1 → t across the
    pause would make 0 → 1 the strongest connection."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 4)).astype(np.float32)
    x[199, 0] = x[200, 1] = 60.0
    time_s = 0.1 * np.arange(400)
    time_s[200:] += 30.0  # acquisition paused for 30 s
    counts = rng.poisson(1.0, x.shape)
    counts[199, 0] = counts[200, 1] = 60
    ds = make_dataset(x, dt_s=0.1, time_s=time_s, spike_counts=counts)
    act = as_activity(ds)
    assert act.segment_starts.tolist() == [200]
    paused = np.abs(np.asarray(infer_connectivity(act, method).todense()
                               if method == "ridge-sparse" else infer_connectivity(act, method)))
    joined = infer_connectivity(as_activity(ds.assign_coords(time=0.1 * np.arange(400))), method)
    joined = np.abs(np.asarray(joined.todense() if method == "ridge-sparse" else joined))
    assert joined[0, 1] == joined.max() and paused[0, 1] < 0.5 * joined[0, 1]


def test_a_pause_in_the_frame_times_gets_a_note(ring, ring_calcium):
    time_s = 0.1 * np.arange(2000)
    time_s[1000:] += 20.0
    res = run_inference(_dataset(ring, ring_calcium[0], time_s=time_s), truth=ring,
                        methods=["ridge"])
    assert any(n.startswith("the 2000 frames fall into 2 stretches separated by gaps")
               for n in res.notes)


def test_challenge_does_not_depend_on_the_unit(ring_calcium):
    x = ring_calcium[0]
    s = infer_connectivity(x, "challenge")
    for scale in (1e-3, 100.0):
        np.testing.assert_allclose(infer_connectivity(x * scale, "challenge"), s, atol=1e-5)


@pytest.mark.parametrize("method, options", [("pearson", {}), ("partial", {}),
                                             ("partial", {"estimator": "glasso"}),
                                             ("challenge", {})])
def test_undirected_methods_score_both_directions_exactly_alike(ring_calcium, method, options):
    for n in (2, 8):
        s = infer_connectivity(ring_calcium[0][:, :n], method, **options)
        assert np.array_equal(s, s.T), (method, n)


def test_two_neurons_get_a_note_that_the_scores_mean_little(ring, ring_calcium):
    ds = _dataset(ring, ring_calcium[0]).isel(neuron=[0, 1])
    res = run_inference(ds, truth=ring, methods=["pearson"])
    assert res.notes[0].startswith("only 1 true edge(s) and 1 non-edge(s) among the 2 neurons")
    assert res.summary["pearson"]["auroc"] == 0.5  # a tie, now explained


def test_a_method_that_scores_every_pair_zero_is_named(ring, ring_calcium):
    ds = _dataset(ring, ring_calcium[0], spike_counts=np.zeros(ring_calcium[0].shape))
    res = run_inference(ds, truth=ring, methods=["xcorr", "pearson"])
    assert res.notes[0] == ("method 'xcorr' scored every pair 0 (e.g. no spikes, or no activity "
                            "above its thresholds): its AUROC of 0.5 says nothing")
    assert len(res.notes) == 1


def test_methods_with_options_and_methods_given_twice(ring, ring_calcium):
    ds = _dataset(ring, ring_calcium[0])
    res = run_inference(ds, truth=ring, methods=[get_method("ridge", alpha=1.0), "pearson"])
    assert list(res.summary) == ["ridge", "pearson"]
    assert json.loads(res.scorecard.attrs["options"])["ridge"] == {"alpha": 1.0}
    with pytest.raises(ConfigError, match="method 'ridge' is given twice"):
        run_inference(ds, truth=ring, methods=["ridge", get_method("ridge", alpha=1.0)])


def test_raw_fluorescence_gets_a_note(ring, ring_calcium):
    ds = _dataset(ring, 1000 + 100 * ring_calcium[0], attrs={"trace_kind": "fluorescence"})
    res = run_inference(ds, truth=ring, methods=["pearson"])
    assert res.notes[0].startswith("the traces are raw fluorescence (F), not ΔF/F")


def test_a_name_given_to_two_neurons_is_refused(ring, ring_calcium):
    names = ring.names.tolist()
    ds = _dataset(ring, ring_calcium[0])
    ds = ds.assign_coords(neuron=[*names[:7], "n6#2"], label=("neuron", [*names[:7], "n6"]))
    with pytest.raises(FormatError) as err:
        run_inference(ds, truth=ring, methods=["pearson"])
    assert "same label to several neurons ('n6' ×2)" in str(err.value)
    assert "which of n6, n6#2 is its 'n6' is unknown" in str(err.value)
    assert "--names FILE" in err.value.hint


def test_cli_infer_notes_a_dead_channel_and_a_short_recording(ring, ring_calcium, tmp_path,
                                                               capsys):
    x = ring_calcium[0][:40].copy()
    x[:, 4] = 0.0
    path = save_dataset(_dataset(ring, x), tmp_path / "messy.zarr")
    attach_connectome(path, ring)
    assert main(["infer", str(path), "--methods", "pearson", "--json",
                 "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["n_neurons"] == 7 and len(doc["notes"]) >= 2
    assert "note: 1 dead or constant channel(s)" in captured.err
    assert "note: only 40 frames" in captured.err and "Traceback" not in captured.err


def test_cli_infer_skips_frames_that_are_nan_everywhere(ring, ring_calcium, tmp_path, capsys):
    x = ring_calcium[0][:600].copy()
    x[300] = np.nan  # e.g. a pause that data import --resample filled with NaN
    path = save_dataset(_dataset(ring, x), tmp_path / "gap.zarr", allow_nan=True)
    attach_connectome(path, ring)
    out = ["--methods", "pearson,ridge", "--json", "--out", str(tmp_path / "o")]
    assert main(["infer", str(path), *out]) == 2
    assert "--nan skip-frames" in capsys.readouterr().err
    assert main(["infer", str(path), "--nan", "skip-frames", *out]) == 0
    assert json.loads(capsys.readouterr().out)["n_neurons"] == 8


@pytest.mark.parametrize("frames", [slice(None, None, -1), slice(None, None, 0), [5, 3, 4], [3, 3, 4]])
def test_frames_out_of_time_order_are_refused(ring, ring_calcium, frames):
    # a reversed slice gave dt_s = -0.1 (ridge-deconv then "deconvolved" with a decay > 1 per
    # frame, and every lagged method turned around); shuffled positions made every frame a gap
    ds = _dataset(ring, ring_calcium[0])
    with pytest.raises(FormatError, match="frame"):
        as_activity(ds, frames=frames if isinstance(frames, slice) else np.array(frames))
    with pytest.raises(FormatError, match="frame"):
        run_inference(ds, truth=ring, methods=["ridge"],
                      frames=frames if isinstance(frames, slice) else np.array(frames))


@pytest.mark.parametrize("as_array", [False, True])
def test_every_kth_frame_counts_the_spikes_of_its_k_frames(ring, ring_calcium, as_array):
    # frames=slice(None, None, k) makes frames k·dt long: xcorr read only the spikes of every
    # k-th original frame, leaving out (k − 1)/k of them. A kept frame f carries the spikes its
    # sample shows first, those of frames f − k + 1 .. f (spike_counts[f] holds those since the
    # previous sample), not f .. f + k − 1: its count and its trace go together
    calcium, spikes = ring_calcium
    counts = spikes.astype(np.uint16)
    data = calcium if as_array else _dataset(ring, calcium, spike_counts=counts)
    kw = {"spike_counts": counts, "dt_s": 0.1} if as_array else {}
    for frames, k in ((slice(None, None, 3), 3), (slice(10, 1001, 4), 4)):
        act = as_activity(data, frames=frames, **kw)
        kept = np.arange(len(counts))[frames]
        want = np.stack([counts[max(f - k + 1, 0):f + 1].sum(axis=0) for f in kept]).astype(np.float32)
        assert act.dt_s == pytest.approx(0.1 * k)
        np.testing.assert_array_equal(act.spike_counts, want)
    np.testing.assert_array_equal(as_activity(data, frames=slice(5, 50), **kw).spike_counts,
                                  counts[5:50].astype(np.float32))


def test_the_nan_refusal_counts_gaps_apart_from_a_dead_channel(ring, ring_calcium):
    x = ring_calcium[0].copy()
    x[:, 5] = np.nan  # a dead channel, left out like a constant one
    x[[100, 101, 700], 2] = np.nan
    with pytest.raises(NonFiniteError, match=r"holds 3 NaN/inf value\(s\) in 1 neuron\(s\) and 3 "
                                             r"frame\(s\)"):
        run_inference(_dataset(ring, x), truth=ring, methods=["pearson"])


def test_the_nan_refusal_leaves_out_the_frames_of_a_constant_channel(ring, ring_calcium):
    x = ring_calcium[0].copy()
    x[:, 5] = 0.0
    x[10:60, 5] = np.nan  # a flat channel with a gap: left out as constant, its gap too
    x[[100, 101, 700], 2] = np.nan
    with pytest.raises(NonFiniteError, match=r"in 1 neuron\(s\) and 3 frame\(s\)"):
        run_inference(_dataset(ring, x), truth=ring, methods=["pearson"])


def test_a_method_returning_bad_scores_is_named(ring, ring_calcium, monkeypatch):
    from neurocast.errors import FormatError
    from neurocast.infer import METHODS

    pearson = METHODS.get("pearson")
    monkeypatch.setattr(pearson, "infer", lambda self, act: np.zeros((3, 3)))
    with pytest.raises(FormatError, match=r"method 'pearson' returned scores shaped \(3, 3\) for 8"):
        run_inference(_dataset(ring, ring_calcium[0]), truth=ring, methods=["pearson"])
    monkeypatch.setattr(pearson, "infer", lambda self, act: np.full((8, 8), np.nan))
    with pytest.raises(FormatError, match="method 'pearson': the score matrix holds NaN"):
        run_inference(_dataset(ring, ring_calcium[0]), truth=ring, methods=["pearson"])
