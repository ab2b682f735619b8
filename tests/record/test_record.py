"""Stimulus protocols, record() and `neurocast record`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurocast.errors import ConfigError, NeurocastError, UnknownNameError
from neurocast.observe import ObserveConfig
from neurocast.record import PLANS, Condition, Drive, StimulusPlan, get_plan, record

N_FRAMES = 1400  # 200 frames per worm condition: quick, still long enough to compare conditions


@pytest.fixture(scope="module")
def worm():
    from neurocast.connectome import load_connectome

    return load_connectome("celegans-cook2019")


@pytest.fixture(scope="module")
def worm_rec(worm):
    return record(worm, "worm-lif", seed=0, n_frames=N_FRAMES, progress=False)


# ---------------------------------------------------------------------- protocols
def test_worm_default_protocol():
    p = get_plan("worm-lif")
    assert p.frame_dt_s == 0.6 and p.network == "celegans-cook2019"
    assert len(p.conditions) >= 7
    assert all(c.n_frames >= 300 for c in p.conditions)
    driven = [c for c in p.conditions if c.drives]
    assert len(driven) >= 6 and any(not c.drives for c in p.conditions)  # + spontaneous
    assert p.heldout_conditions and set(p.heldout_conditions) <= set(p.condition_names)


def test_fly_zap_protocol_matches_zapbench():
    from neurocast.data import ZAPBENCH

    p = get_plan("fly-zap")
    assert p.n_frames == 7879 and p.frame_dt_s == ZAPBENCH.dt_s == 0.9141
    assert list(p.offsets) == list(ZAPBENCH.offsets)
    assert p.condition_names == list(ZAPBENCH.names)
    assert list(p.heldout_conditions) == list(ZAPBENCH.heldout) == ["taxis"]
    assert p.split_protocol == "zapbench" and p.with_frames(900).split_protocol == "conditions"
    assert sum(1 for c in p.conditions if c.drives) == 8  # dark has no drive


def test_fly_zap_conditions_drive_different_neurons():
    from neurocast.connectome import random_connectome

    con = random_connectome(5000, 20, seed=1)
    sets = [frozenset(x[0].tolist()) for x in get_plan("fly-zap").resolve(con) if x]
    assert len(sets) == 8 and len(set(sets)) == 8
    # fixed draw: the same neurons every time (part of the protocol, not of the seed)
    again = [frozenset(x[0].tolist()) for x in get_plan("fly-zap").resolve(con) if x]
    assert sets == again


def test_covariates_and_pulses():
    p = StimulusPlan("t", (Condition("a", 5), Condition("b", 7, (Drive(rate_hz=20.0, on_frames=2, off_frames=1),))),
                         frame_dt_s=0.5)
    names, cov = p.covariates()
    assert names == ["condition:a", "condition:b", "drive_on", "drive_rate_hz"]
    assert cov.shape == (12, 4) and cov.dtype == np.float32
    np.testing.assert_array_equal(cov[:, 0], [1] * 5 + [0] * 7)
    np.testing.assert_array_equal(cov[:, 2], [0] * 5 + [1, 1, 0, 1, 1, 0, 1])
    np.testing.assert_array_equal(cov[:, 3], cov[:, 2] * 20)
    assert p.pulses() == [(1, 0, 5, 7), (1, 0, 8, 10), (1, 0, 11, 12)]
    assert list(p.condition_per_frame()) == ["a"] * 5 + ["b"] * 7


def test_with_frames_keeps_conditions():
    p = get_plan("fly-zap").with_frames(900)
    assert p.n_frames == 900 and p.condition_names == get_plan("fly-zap").condition_names


def test_background_fraction_draws_a_fixed_sparse_set():
    from neurocast.connectome import random_connectome
    from neurocast.record._record import build_inputs

    con = random_connectome(2000, 10, seed=1)
    p = StimulusPlan("t", (Condition("a", 4),), frame_dt_s=0.5, background_rate_hz=1.0,
                         background_weight_mv=10.0, background_fraction=0.05, selection_seed=7)
    bg = p.background_neurons(con)
    assert len(bg) == 100 and np.all(np.diff(bg) > 0)
    np.testing.assert_array_equal(bg, p.background_neurons(con))  # part of the protocol
    (inp,) = build_inputs(p, con)
    np.testing.assert_array_equal(inp.neurons, bg)
    from dataclasses import replace

    assert len(replace(p, background_fraction=1.0).background_neurons(con)) == 2000
    fly = get_plan("fly-zap")
    assert fly.background_fraction < 0.1  # sparse: most fly neurons at rest
    for bad in (0.0, 1.5):
        with pytest.raises(ConfigError, match="background_fraction"):
            replace(p, background_fraction=bad)


def test_protocol_errors(tiny_connectome):
    with pytest.raises(UnknownNameError, match="worm-default"):
        get_plan("worm")
    with pytest.raises(ConfigError, match="held-out"):
        StimulusPlan("x", (Condition("a", 3),), frame_dt_s=1.0, heldout_conditions=("b",))
    with pytest.raises(ConfigError, match="repeats"):
        StimulusPlan("x", (Condition("a", 3), Condition("a", 3)), frame_dt_s=1.0)
    with pytest.raises(ConfigError, match="matches no neuron"):
        Drive(names=("ZZZ*",)).resolve(tiny_connectome)
    with pytest.raises(ConfigError, match="n_frames"):
        Condition("a", 0)
    with pytest.raises(UnknownNameError, match="shiu-adapt"):
        StimulusPlan("x", (Condition("a", 3),), frame_dt_s=1.0, model="shiu-adaptive")


def test_protocol_model_sets_the_simulation(worm):
    # the protocol's neuron model reaches the simulator and the Dataset's attrs
    from dataclasses import replace

    from neurocast.sim import ShiuParams

    base = get_plan("worm-lif").with_frames(14)
    plain = record(worm, base, seed=1, progress=False)
    adapted = record(worm, replace(base, model="shiu-adapt"), seed=1, progress=False)
    assert (plain.attrs["sim_model"], plain.attrs["sim_adapt_mv"]) == ("shiu", 0.0)
    assert (adapted.attrs["sim_model"], adapted.attrs["sim_adapt_mv"]) == ("shiu-adapt", 0.5)
    assert adapted.attrs["sim_tau_adapt_ms"] == 1000.0
    assert 0 < adapted.attrs["n_spikes"] < plain.attrs["n_spikes"]
    custom = record(worm, base, seed=1, progress=False, params=ShiuParams(dt_ms=0.2, adapt_mv=5.0))
    assert custom.attrs["sim_model"] == "custom" and custom.attrs["n_spikes"] < adapted.attrs["n_spikes"]
    preset = record(worm, base, seed=1, progress=False, params=ShiuParams(dt_ms=0.2, adapt_mv=0.5))
    assert preset.attrs["sim_model"] == "shiu-adapt" and preset.attrs["n_spikes"] == adapted.attrs["n_spikes"]
    assert get_plan("fly-zap").model == "shiu-adapt" and get_plan("worm-lif").model == "shiu"


def test_record_runs_any_registered_model_and_checks_its_parameters(worm):
    """record() takes the model from the registry: the graded worm-default records without a
    special case, its calibrated parameters land in the attrs, foreign parameters are refused."""
    from dataclasses import replace

    from neurocast.sim import GradedParams, ShiuParams

    plan = get_plan("worm-default").with_frames(14)
    ds = record(worm, plan, seed=0, progress=False)
    assert ds.attrs["sim_model"] == "graded" and ds.attrs["sim_dt_ms"] == plan.params.dt_ms
    assert ds.attrs["sim_noise_pa"] == plan.params.noise_pa and ds.attrs["sim_poisson_events"] is False
    published = record(worm, replace(plan, params=None), seed=0, progress=False)
    assert published.attrs["sim_noise_pa"] == 0.0 and published.attrs["sim_model"] == "graded"
    with pytest.raises(ConfigError, match="GradedParams, not ShiuParams"):
        record(worm, plan, seed=0, progress=False, params=ShiuParams(dt_ms=0.2))
    with pytest.raises(ConfigError, match="must be ShiuParams"):
        replace(get_plan("worm-lif"), params=GradedParams())


# ---------------------------------------------------------------------- record
def test_record_follows_schema(worm_rec, worm):
    from neurocast.data import validate_dataset

    ds = worm_rec
    validate_dataset(ds)
    assert ds.sizes["time"] == N_FRAMES and ds.sizes["neuron"] == worm.n_neurons
    assert ds.traces.dtype == np.float32 and ds.spike_counts.dtype == np.uint16
    assert ds.attrs["dt_s"] == 0.6 and ds.attrs["stimulus_plan"] == "worm-lif"
    assert ds.attrs["protocol"] == "conditions"
    assert ds.attrs["indicator"] == "gcamp6s" and ds.attrs["seed"] == 0
    assert ds.attrs["conditions"] == get_plan("worm-lif").condition_names
    assert ds.attrs["heldout_conditions"] == ["thermosensory"]
    assert float(ds.traces.min()) >= -0.25 and float(ds.traces.max()) <= 1.5
    assert ds.attrs["n_spikes"] == int(ds.spike_counts.sum())
    np.testing.assert_allclose(ds.time.values[:3], [0.0, 0.6, 1.2])


def test_activity_differs_between_conditions(worm_rec):
    ds = worm_rec
    counts = ds.spike_counts.values
    cond = ds.condition.values
    frac = {}
    for c in ds.attrs["conditions"]:
        rate = counts[cond == c].sum(0) / ((cond == c).sum() * ds.attrs["dt_s"])
        frac[c] = float((rate > 2.0).mean())  # neurons firing above 2 Hz
    assert frac["spontaneous"] < 0.01
    assert frac["nociceptive"] > frac["spontaneous"] + 0.03
    assert max(frac.values()) - min(frac.values()) > 0.03
    assert len({round(v, 3) for v in frac.values()}) >= 4  # conditions are not all alike


def test_driven_neurons_respond_in_traces(worm_rec, worm):
    ds = worm_rec
    ash = worm.index_of(["ASHL", "ASHR"])
    noci = ds.condition.values == "nociceptive"
    on = ds.stimulus.sel(covariate="drive_on").values > 0
    tr = ds.traces.values[:, ash]
    # during pulses the driven neurons' ΔF/F is far above their level between pulses
    assert tr[noci & on].mean() > tr[noci & ~on].mean() + 0.3
    assert tr[noci & on].mean() > tr[ds.condition.values == "spontaneous"].mean() + 0.3


def test_record_is_deterministic(worm):
    a = record(worm, "worm-lif", seed=3, n_frames=70, progress=False)
    b = record(worm, "worm-lif", seed=3, n_frames=70, progress=False)
    c = record(worm, "worm-lif", seed=4, n_frames=70, progress=False)
    np.testing.assert_array_equal(a.traces.values, b.traces.values)
    np.testing.assert_array_equal(a.spike_counts.values, b.spike_counts.values)
    assert not np.array_equal(a.spike_counts.values, c.spike_counts.values)


def test_record_indicator_changes_traces(worm):
    a = record(worm, "worm-lif", seed=1, n_frames=70, observe=ObserveConfig(indicator="gcamp6f"),
               progress=False)
    assert a.attrs["indicator"] == "gcamp6f"
    with pytest.raises(UnknownNameError, match="gcamp6s"):
        record(worm, "worm-lif", observe=ObserveConfig(indicator="gcamp7"), n_frames=70)


def test_record_to_saves_connectome(tmp_path, worm):
    from neurocast.catalog import dataset_connectome, open_dataset
    from neurocast.record import record_to

    out = record_to(tmp_path / "w.zarr", worm, "worm-lif", n_frames=70, progress=False)
    ds = open_dataset(out)
    assert ds.sizes["time"] == 70
    assert dataset_connectome(out).equals(worm)
    with pytest.raises(NeurocastError, match="already exists"):
        record_to(out, worm, "worm-lif", n_frames=70)
    (tmp_path / "a-file").write_text("")
    for where, problem in (("no/such", "does not exist"), ("a-file", "is a file, not a folder")):
        with pytest.raises(NeurocastError, match=f"output folder .* {problem}"):
            record_to(tmp_path / where / "w.zarr", worm, "worm-lif", n_frames=70)


def test_a_folder_neurocast_did_not_write_is_refused_before_simulating(tmp_path, worm, monkeypatch,
                                                                       capsys):
    import neurocast.record._record as rec
    from neurocast.cli import main

    def no_simulation(*a, **k):
        raise AssertionError("simulated before the output was checked")

    monkeypatch.setattr(rec, "record", no_simulation)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    with pytest.raises(NeurocastError, match="a folder that neurocast did not write"):
        rec.record_to(mine, worm, "worm-lif", n_frames=70, overwrite=True)
    assert main(["record", "celegans-cook2019", "--stimulus", "worm-lif", "--out", str(mine),
                 "--overwrite"]) == 2
    assert main(["data", "import", str(tmp_path / "absent.npy"), str(mine), "--format", "matrix",
                 "--overwrite"]) == 2  # refused before the (missing) source is read
    err = capsys.readouterr().err
    assert err.count("a folder that neurocast did not write") == 2 and "absent.npy" not in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


# ---------------------------------------------------------------------- CLI
def test_cli_record_json(tmp_path, capsys):
    from neurocast.cli import main

    out = tmp_path / "worm.zarr"
    rc = main(["record", "celegans-cook2019", "--stimulus", "worm-lif", "--out", str(out),
               "--frames", "140", "--seed", "2", "--json"])
    assert rc == 0
    result = json.loads(capsys.readouterr().out)  # exactly one JSON object
    assert result["n_frames"] == 140 and result["n_neurons"] == 302 and result["dt_s"] == 0.6
    assert result["seed"] == 2 and result["heldout_conditions"] == ["thermosensory"]
    assert result["warmup_s"] == pytest.approx(10.2)  # 10 s in whole 0.6-s frames, then dropped
    assert out.exists()


@pytest.mark.parametrize("argv, message", [
    (["--stimulus", "worm-defualt"], "unknown stimulus plan 'worm-defualt'"),
    (["--stimulus", "worm-lif", "--indicator", "gcamp5"], "unknown indicator 'gcamp5'"),
])
def test_cli_record_bad_names(tmp_path, capsys, argv, message):
    from neurocast.cli import main

    rc = main(["record", "celegans-cook2019", "--out", str(tmp_path / "x.zarr"), *argv])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "hint:" in err
    assert not (tmp_path / "x.zarr").exists()


def test_cli_record_existing_output(tmp_path, capsys):
    from neurocast.cli import main

    out = tmp_path / "exists.zarr"
    out.mkdir()
    rc = main(["record", "celegans-cook2019", "--stimulus", "worm-lif", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "already exists" in err and "--overwrite" in err


def test_builtin_protocols_listed():
    assert {"worm-default", "worm-lif", "fly-zap"} <= set(PLANS)


def test_recording_is_one_continuous_simulation(worm, monkeypatch):
    """Recorded in chunks of 7 frames or all at once: the same spikes, counts and traces."""
    import neurocast.record._record as rec
    from neurocast.sim import ShiuParams, build_network, simulate

    chunks = []
    real = rec._simulate

    def counting(*args, **kw):
        for item in real(*args, **kw):
            chunks.append(item[2])
            yield item

    monkeypatch.setattr(rec, "_simulate", counting)
    monkeypatch.setattr(rec, "CHUNK_FRAMES", 7)
    small = record(worm, "worm-lif", seed=5, n_frames=140, progress=False)
    warm = rec.warmup_frames(0.6, "gcamp6s")  # the warm-up before frame 0 is part of the run
    assert warm == 17 and small.attrs["warmup_s"] == pytest.approx(17 * 0.6)
    assert len(chunks) == -(-(warm + 140) // 7) and chunks[-1] == pytest.approx(140 * 0.6)
    monkeypatch.setattr(rec, "CHUNK_FRAMES", 10_000)
    chunks.clear()
    whole = record(worm, "worm-lif", seed=5, n_frames=140, progress=False)
    assert len(chunks) == 1
    np.testing.assert_array_equal(small.spike_counts.values, whole.spike_counts.values)
    np.testing.assert_array_equal(small.traces.values, whole.traces.values)
    assert small.attrs["n_spikes"] == whole.attrs["n_spikes"] == int(whole.spike_counts.sum())
    # and both are one simulate() call over the warm-up and the whole protocol (no restart at
    # chunk boundaries); the warm-up's spikes are not counted
    proto = get_plan("worm-lif").with_frames(140)
    net = build_network(worm, ShiuParams(dt_ms=rec.SIM_DT_MS))
    seed = int(np.random.SeedSequence([5, 1]).generate_state(1)[0])
    seed = int(np.random.SeedSequence(seed).generate_state(1)[0])
    inputs = rec.build_inputs(proto, worm, warmup_frames=warm)
    spikes = simulate(net, (warm + 140) * 600.0, inputs=inputs, seed=seed)
    # n_spikes: the spikes the frames show first, in [t[-1, i], t[139, i]) for each neuron i
    from neurocast.observe import ObserveConfig, plane_offsets
    z = worm.neurons["z"].to_numpy() if "z" in worm.neurons.columns else None
    off = plane_offsets(worm.n_neurons, ObserveConfig().n_planes, 0.6, z)
    t_s = spikes.times_ms / 1000.0 - warm * 0.6 - off[spikes.neurons]
    shown = np.floor(t_s / 0.6 + 1e-9) + 1
    assert int(((shown >= 0) & (shown < 140)).sum()) == small.attrs["n_spikes"]


def test_calcium_integration_does_not_depend_on_chunks(worm, monkeypatch):
    """Groups of frames are imaged as chunks arrive; the traces match imaging all spikes at once."""
    import neurocast.record._record as rec
    cfg = ObserveConfig(normalise=False, snr=1e9)  # nearly noise-free: compare the calcium itself
    monkeypatch.setattr(rec, "CHUNK_FRAMES", 5)
    monkeypatch.setattr(rec, "INTEGRATE_FRAMES", 3)
    a = record(worm, "worm-lif", seed=2, n_frames=70, observe=cfg, progress=False)
    monkeypatch.setattr(rec, "CHUNK_FRAMES", 1000)
    monkeypatch.setattr(rec, "INTEGRATE_FRAMES", 1000)
    b = record(worm, "worm-lif", seed=2, n_frames=70, observe=cfg, progress=False)
    np.testing.assert_array_equal(a.spike_counts.values, b.spike_counts.values)
    np.testing.assert_allclose(a.traces.values, b.traces.values, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_cli_record_fly_zap_short(tmp_path, capsys):
    """`neurocast record fly-synth --stimulus fly-zap` on all 138,639 neurons, 18 frames (16 s)."""
    from neurocast.catalog import open_dataset
    from neurocast.cli import main

    out = tmp_path / "fly.zarr"
    rc = main(["record", "fly-synth", "--stimulus", "fly-zap", "--out", str(out), "--frames", "18",
               "--json"])
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_neurons"] == 138_639 and result["n_frames"] == 18 and result["dt_s"] == 0.9141
    assert result["n_spikes"] > 0
    ds = open_dataset(out)
    assert ds.attrs["heldout_conditions"] == ["taxis"] and len(ds.attrs["conditions"]) == 9


@pytest.mark.slow
def test_fly_zap_model_lets_fly_synth_recover_after_a_drive():
    """fly-synth's strong modules latch on after a drive in the published model; with fly-zap's
    adaptation every response ends within 0.5 s of the drive (docs/recordings.md)."""
    from neurocast.connectome import load_connectome
    from neurocast.sim import PoissonInput, build_network, neuron_model, simulate

    con = load_connectome("fly-synth")
    late = {}
    for model in ("shiu", get_plan("fly-zap").model):
        net = build_network(con, neuron_model(model))
        late[model] = []
        for k in range(10):
            drive = PoissonInput(net.resolve("random:20", seed=k), 150.0, 68.75, 0.0, 1000.0)
            sp = simulate(net, 2500.0, inputs=(drive,), seed=k)
            late[model].append(int((sp.times_ms > 1500.0).sum()))
    assert sum(n > 0 for n in late["shiu"]) >= 3  # the published model: latched modules
    assert late["shiu-adapt"] == [0] * 10


def test_a_recording_that_cannot_fit_in_memory_is_refused_before_simulating(tmp_path, capsys, monkeypatch):
    """The traces and counts are held in memory: refused up front (exit 2, a hint, nothing
    written, no simulation started) when they need more than 80 % of what is available."""
    import neurocast.record._record as rec
    from neurocast.cli import main

    started = []
    monkeypatch.setattr(rec, "available_memory_bytes", lambda: 1_000_000)  # 1 MB left
    monkeypatch.setattr(rec, "_simulate", lambda *a, **k: started.append(1) or iter(()))
    out = tmp_path / "big.zarr"
    # 1,400 frames × 302 neurons × (4 + 2) bytes = 2.5 MB > 0.8 MB
    rc = main(["record", "celegans-cook2019", "--stimulus", "worm-lif", "--frames", "1400", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and not started and not out.exists() and list(tmp_path.iterdir()) == []
    assert err[0].startswith("neurocast: error: recording 1,400 frames × 302 neurons holds about 2.4 MB")
    assert err[1] == "  hint: record fewer frames (--frames) or leave out the spike counts (--no-spikes)"
    # with 10 MB available, 100 frames without counts (0.1 MB) pass the check and run
    monkeypatch.setattr(rec, "available_memory_bytes", lambda: 10_000_000)
    assert main(["record", "celegans-cook2019", "--stimulus", "worm-lif", "--frames", "100", "--no-spikes",
                 "--out", str(out)]) == 0 and started


def test_cli_record_reads_a_file_with_the_connectome_read_options(tmp_path, monkeypatch, capsys):
    import neurocast.cli.record as cli_record
    from neurocast.cli import main
    from neurocast.connectome import Connectome

    edges = tmp_path / "dup.csv"
    edges.write_text("pre,post,count,sign\n1,2,3,1\n1,2,4,1\n2,3,5,-1\n")
    seen = {}

    def fake_record_to(path, network, plan, **kw):
        seen["network"] = network
        raise NeurocastError("stop here")

    args = ["record", str(edges), "--stimulus", "worm-lif", "--out", str(tmp_path / "r.zarr")]
    assert main(args) == 2
    assert "--sum-duplicates" in capsys.readouterr().err  # the hint names a flag record accepts
    monkeypatch.setattr(cli_record, "record_to", fake_record_to)
    assert main([*args, "--sum-duplicates"]) == 2
    con = seen["network"]
    assert isinstance(con, Connectome) and sorted(con.count.tolist()) == [5, 7]


def test_with_frames_shares_frames_in_proportion():
    worm = get_plan("worm-default")
    assert [c.n_frames for c in worm.with_frames(13).conditions] == [2, 2, 2, 2, 2, 2, 1]
    assert [c.n_frames for c in worm.with_frames(60).conditions] == [9, 9, 9, 9, 8, 8, 8]
    assert worm.with_frames(worm.n_frames) is worm  # the full recording is the plan itself
    fly = get_plan("fly-zap")
    full = np.array([c.n_frames for c in fly.conditions])
    for n in (20, 300):
        short = np.array([c.n_frames for c in fly.with_frames(n).conditions])
        assert short.sum() == n and np.all(np.abs(short - full * n / fly.n_frames) < 1.0)
    assert [c.n_frames for c in fly.with_frames(9).conditions] == [1] * 9  # at least 1 each


# ---------------------------------------------------------------------- warm-up before frame 0
@pytest.mark.parametrize("plan", ["worm-default", "worm-lif"])  # the graded model, the LIF engine
def test_a_recording_starts_in_the_steady_state(worm, plan):
    """The network and the calcium warm up before frame 0 and the warm-up is discarded: frame 0
    is not clipped at the lower ΔF/F bound en masse and the mean ΔF/F of frames 0-4 lies within
    noise of frames 5-19 (all in the spontaneous condition). A cold start (warmup_s=0, what
    record did before) fails both for worm-default: frame 0 holds the resting fluorescence
    against a baseline taken from the active recording, and the mean rises over ~5 s."""
    def start(ds):
        """(share of neurons clipped in frame 0, mean ΔF/F of frames 0-4 minus that of 5-19,
        s.d. of the per-frame mean over frames 5-19)"""
        x = ds["traces"].values
        m = x.mean(axis=1)
        clipped = float((x[0] <= ObserveConfig.clip_min + 1e-6).mean())
        return clipped, m[:5].mean() - m[5:20].mean(), m[5:20].std()

    warm = record(worm, plan, seed=0, n_frames=140, progress=False)
    clipped, rise, sd = start(warm)
    assert clipped < 0.02 and abs(rise) < 4 * sd, (clipped, rise, sd)
    assert warm.attrs["warmup_s"] == pytest.approx(10.2)  # 10 s in whole 0.6 s frames
    cold = record(worm, plan, seed=0, n_frames=140, progress=False, warmup_s=0)
    clipped_cold, rise_cold, sd_cold = start(cold)
    assert cold.attrs["warmup_s"] == 0 and rise_cold < -4 * sd_cold, (rise_cold, sd_cold)
    if plan == "worm-default":
        assert clipped_cold > 0.5  # the start-up transient of the graded recordings
    # the recording itself is the plan's: frames, times, conditions and covariates
    for name in ("time", "condition", "stimulus", "covariate"):
        np.testing.assert_array_equal(warm[name].values, cold[name].values)
    # the warm-up's spikes are not counted, but for those of its last frame interval (frame 0's)
    assert warm.attrs["n_spikes"] == int(warm["spike_counts"].sum())


def test_warmup_frames_follow_the_indicator():
    from neurocast.observe import Indicator
    from neurocast.record import warmup_frames

    assert warmup_frames(0.6, "gcamp6s") == 17 and warmup_frames(0.9141, "gcamp6s") == 11  # 10 s
    slow = Indicator("slow", peak_ms=400.0, half_decay_ms=4000.0, dff_1ap=0.1, kd_nm=147.0,
                     hill_n=2.45, dynamic_range=27.2)
    five_decays = int(np.ceil(5 * slow.tau_ms[1] / 1000.0))
    assert warmup_frames(1.0, slow) == five_decays > 10
    assert warmup_frames(0.6, "gcamp6s", 0) == 0 and warmup_frames(0.6, "gcamp6s", 1.2) == 2
    for bad in (-1.0, float("nan"), "10", True):
        with pytest.raises(ConfigError, match="warmup_s"):
            warmup_frames(0.6, "gcamp6s", bad)


def test_the_warm_up_has_the_background_and_the_first_state_but_no_condition_drive(tiny_connectome):
    from neurocast.record import BehaviouralState, StateProcess
    from neurocast.record._record import build_inputs

    states = StateProcess((BehaviouralState("x", 2.0, (Drive(names=("A",)),)),
                           BehaviouralState("y", 2.0, (Drive(names=("B",)),))), initial="x")
    conds = (Condition("a", 4, (Drive(names=("C",), rate_hz=20.0),)), Condition("b", 4))
    p = StimulusPlan("t", conds, frame_dt_s=0.5, background_rate_hz=1.0, background_weight_mv=1.0,
                     states=states)
    cold, warm = build_inputs(p, tiny_connectome), build_inputs(p, tiny_connectome, warmup_frames=3)
    assert len(cold) == len(warm)
    for c, w in zip(cold, warm, strict=True):
        np.testing.assert_array_equal(c.neurons, w.neurons)
        if c.stop_ms is None:  # the background: on from the start of the run
            assert w.start_ms == c.start_ms == 0 and w.stop_ms is None
        elif c.start_ms == 0 and list(c.neurons) == [0]:  # state x, in force at frame 0: held
            assert (w.start_ms, w.stop_ms) == (0, c.stop_ms + 1500.0)
        else:  # the condition's drive and later states: shifted by the warm-up
            assert (w.start_ms, w.stop_ms) == (c.start_ms + 1500.0, c.stop_ms + 1500.0)
    # the condition's drive starts at frame 0, after the warm-up
    assert any(list(w.neurons) == [2] and w.start_ms == 1500.0 for w in warm)


def test_builtin_recordings_are_remade_when_the_record_version_changes(monkeypatch):
    import neurocast.catalog._builtin as builtin
    from neurocast.catalog import DATASETS

    before = DATASETS["worm-default"].fingerprint()
    monkeypatch.setattr(builtin, "RECORD_VERSION", builtin.RECORD_VERSION + 1)
    assert DATASETS["worm-default"].fingerprint() != before


@pytest.mark.parametrize("field", [dict(frame_dt_s=float("inf")), dict(frame_dt_s="0.5"),
                                   dict(background_rate_hz=float("nan")),
                                   dict(background_rate_hz=float("inf")),
                                   dict(background_weight_mv=float("nan"))])
def test_plan_numbers_must_be_finite(field):
    # frame_dt_s = inf passed and failed in record with OverflowError; "0.5" with a TypeError;
    # a NaN background passed unchecked
    kw = {"frame_dt_s": 1.0, **field}
    with pytest.raises(ConfigError, match=next(iter(field))):
        StimulusPlan("x", (Condition("a", 3),), **kw)


@pytest.mark.parametrize("field", ["n_random", "on_frames", "off_frames", "delay_frames", "order"])
def test_drive_frames_and_counts_must_be_whole_numbers(field):
    # on_frames=2.5 made a pulse period of 2.5 frames; n_random=1.5 failed in numpy at record time
    kw = {field: 1.5, **({"on_frames": 1} if field == "off_frames" else {})}
    with pytest.raises(ConfigError, match=f"Drive.{field} must be a whole number"):
        Drive(**kw)
    Drive(**{field: np.int64(1), **({"on_frames": 1} if field == "off_frames" else {})})
