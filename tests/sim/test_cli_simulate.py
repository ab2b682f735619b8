"""`neurocast simulate`: JSON contract, human output, files, plots and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from neurocast.cli import main
from neurocast.connectome import Connectome
from neurocast.spikes import Spikes


@pytest.fixture
def chain(tmp_path):
    """SENSOR → RELAY → MOTOR with strong synapses (each spike upstream makes one downstream),
    an inhibitory neuron and a bystander; saved as a native file."""
    neurons = pd.DataFrame({
        "id": np.arange(1, 6),
        "name": ["SENSOR", "RELAY", "MOTOR", "INHIB", "IDLE"],
        "sign": [1, 1, 1, -1, 1],
    })
    con = Connectome.from_edges(neurons, pre=[0, 1, 3], post=[1, 2, 2], count=[300, 300, 5], name="chain")
    return con.save(tmp_path / "chain.npz")


def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys, *argv) -> dict:
    code, out, err = _run(capsys, *argv, "--json")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1  # exactly one JSON object on stdout
    return json.loads(lines[0])


def test_json_contract_and_response(capsys, chain):
    s = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.5", "--seed", "3")
    for key in ("n_neurons", "n_connections", "build_s", "run_s", "sim_s", "rtf", "n_spikes",
                "n_active_neurons", "peak_memory_mb", "kernel_load_s"):
        assert key in s
    assert "warmup_s" not in s  # a recording's warm-up is simulated time; this is not
    assert (s["n_neurons"], s["n_connections"], s["sim_s"]) == (5, 3, 0.5)
    assert s["rtf"] == pytest.approx(s["run_s"] / s["sim_s"], rel=1e-3, abs=1e-4)
    assert s["n_active_neurons"] == 3                       # SENSOR drives RELAY drives MOTOR
    assert [r["name"] for r in s["top_responding"]] == ["RELAY", "MOTOR"]
    assert s["stimulated"] == ["SENSOR"] and s["rate_hz"] == 150.0
    assert 50 < s["n_spikes"] < 400 and s["peak_memory_mb"] > 10


def test_adaptive_model_preset(capsys, chain):
    plain = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.5", "--seed", "1")
    adapt = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.5", "--seed", "1",
                  "--model", "shiu-adapt")
    assert plain["model"] == "shiu" and adapt["model"] == "shiu-adapt"
    assert 0 < adapt["n_spikes"] < plain["n_spikes"]  # thresholds rise with every spike


def test_same_seed_same_result_and_rate_option(capsys, chain):
    a = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.5", "--seed", "1")
    b = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.5", "--seed", "1")
    c = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.5", "--seed", "1",
              "--rate", "20")
    assert a["n_spikes"] == b["n_spikes"] and a["top_responding"] == b["top_responding"]
    assert c["n_spikes"] < a["n_spikes"] / 3


def test_silence_cuts_the_chain(capsys, chain):
    s = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--silence", "RELAY", "--duration", "0.5")
    assert s["n_silenced"] == 1 and s["silenced"] == ["RELAY"]
    assert [r["name"] for r in s["top_responding"]] == ["RELAY"]    # RELAY fires, MOTOR no longer
    assert s["top_responding"][0]["silenced"] is True               # ... and is marked as silenced
    code, out, _ = _run(capsys, "simulate", chain, "--stimulate", "SENSOR", "--silence", "RELAY",
                        "--duration", "0.5")
    assert code == 0
    assert "RELAY" in out and "(silenced: fires, but its synapses are cut)" in out


def test_random_silence_is_drawn_apart_from_the_stimulated(capsys, chain):
    """--stimulate random:K and --silence random:K are two draws (not the same neurons twice),
    and the silenced ones are drawn among the neurons not driven."""
    for seed in range(4):
        s = _json(capsys, "simulate", chain, "--stimulate", "random:2", "--silence", "random:3",
                  "--seed", seed, "--duration", "0.05")
        assert len(s["stimulated"]) == 2 and len(s["silenced"]) == 3
        assert not set(s["stimulated"]) & set(s["silenced"])


def test_each_option_draws_its_own_random_neurons():
    from neurocast.sim import resolve_neurons, select_neurons

    con = Connectome.from_edges(pd.DataFrame({"id": np.arange(100)}), [0], [1], [1])
    for seed in range(3):
        stim = select_neurons(con, "random:10", seed=seed)
        np.testing.assert_array_equal(stim, resolve_neurons(con, "random:10", seed=seed))
        of = select_neurons(con, "random:10", seed=seed, what="--of")
        np.testing.assert_array_equal(of, select_neurons(con, "random:10", seed=seed, what="--of"))
        assert not np.array_equal(stim, of)


@pytest.mark.parametrize("argv", [
    ["--stimulate", "SENSOR,RELAY", "--silence", "RELAY"],
    ["--stimulate", "random:5", "--silence", "MOTOR"],  # every neuron is drawn, MOTOR too
])
def test_a_neuron_both_driven_and_silenced_is_refused(capsys, chain, argv):
    code, out, err = _run(capsys, "simulate", chain, *argv, "--duration", "0.05")
    assert code == 2 and out == ""
    first, hint = err.strip().splitlines()
    assert "1 neuron(s) both driven and silenced: " in first
    assert hint.startswith("  hint: name each neuron in one of --stimulate and --silence only")


def test_connectome_read_options_reach_the_loader(capsys, tmp_path):
    """The reader's hints name --sum-duplicates, --columns, ...: simulate accepts them."""
    edges = tmp_path / "dup.csv"
    edges.write_text("pre,post,count,sign\n1,2,30,1\n2,3,30,1\n1,2,20,1\n")
    code, out, err = _run(capsys, "simulate", edges, "--duration", "0.05")
    assert out == ""
    assert code == 2 and "--sum-duplicates" in err
    s = _json(capsys, "simulate", edges, "--duration", "0.05", "--sum-duplicates")
    assert (s["n_neurons"], s["n_connections"]) == (3, 2)
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b,n,s\n1,2,30,1\n")
    s = _json(capsys, "simulate", odd, "--duration", "0.05", "--columns", "pre=a,post=b,count=n,sign=s")
    assert (s["n_neurons"], s["n_connections"]) == (2, 1)


def test_rate_without_stimulated_neurons_is_refused(capsys, chain):
    code, out, err = _run(capsys, "simulate", chain, "--rate", "20", "--duration", "0.05")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "neurocast: error: --rate sets the drive of the --stimulate neurons, and none are stimulated",
        "  hint: add --stimulate NAMES or random:K, or leave out --rate"]


def test_random_stimulation_uses_the_seed_like_the_library(capsys, chain):
    from neurocast.sim import resolve_neurons

    con = Connectome.load(chain)
    for seed in (0, 5):
        s = _json(capsys, "simulate", chain, "--stimulate", "random:2", "--seed", seed, "--duration", "0.1")
        want = [con.names[i] for i in resolve_neurons(con, "random:2", seed=seed)]
        assert s["stimulated"] == want


def test_human_output_lists_top_neurons_with_rates(capsys, chain):
    code, out, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.5")
    assert code == 0, err
    assert out.startswith("chain: 1 neuron driven at 150 Hz, 0 silenced; 0.5 s simulated, 1 trial, "
                          "seed 0, model shiu, fast engine\n")
    lines = out.splitlines()
    i = lines.index("top responding neurons (mean rate):")
    assert lines[i + 1].split()[0] == "RELAY" and lines[i + 1].endswith("Hz")
    assert lines[i + 2].split()[0] == "MOTOR"


def test_human_output_names_the_model_and_counts_in_the_plural(capsys, chain):
    code, out, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR,RELAY", "--duration", "0.1",
                          "--trials", "2", "--model", "shiu-adapt")
    assert code == 0, err
    assert out.startswith("chain: 2 neurons driven at 150 Hz, 0 silenced; 0.1 s simulated, 2 trials, "
                          "seed 0, model shiu-adapt, fast engine\n")


def test_out_single_and_several_trials(capsys, chain, tmp_path):
    one = tmp_path / "one.npz"
    s = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.2", "--out", one)
    sp = Spikes.load(one)
    assert sp.n_spikes == s["n_spikes"] and sp.n_neurons == 5 and sp.duration_ms == 200.0
    many = tmp_path / "many.parquet"
    s = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.2", "--trials", "3",
              "--seed", "4", "--out", many)
    paths = [tmp_path / f"many.trial{i:03d}.parquet" for i in range(3)]
    assert s["out"] == [str(p) for p in paths]
    trials = [Spikes.load(p) for p in paths]
    assert sum(t.n_spikes for t in trials) == s["n_spikes"]
    assert [t.attrs["trial"] for t in trials] == [0, 1, 2]
    assert not trials[0].equals(trials[1])                   # seeds 4, 5, 6
    # trial k is the single run with seed + k
    _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.2", "--seed", "5",
          "--out", one, "--overwrite")
    assert Spikes.load(one).equals(trials[1])


def test_time_step_option(capsys, chain, tmp_path):
    out = tmp_path / "dt.npz"
    _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.1", "--dt", "0.05", "--out", out)
    sp = Spikes.load(out)
    assert sp.dt_ms == 0.05 and sp.n_steps == 2000


def test_plot_written(capsys, chain, tmp_path):
    png = tmp_path / "run.png"
    s = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.2", "--plot", png)
    assert s["plot"] == str(png)
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_reference_mode_gives_the_same_spikes(capsys, chain, tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.2", "--out", a)
    _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.2", "--out", b,
          "--mode", "reference")
    assert Spikes.load(a).equals(Spikes.load(b))


@pytest.mark.parametrize(("argv", "message"), [
    (["--stimulate", "SENSR"], "unknown neuron"),
    (["--silence", "RELAYY"], "unknown neuron"),
    (["--stimulate", "random:x"], "unknown neuron (in chain) 'random:x'"),
    (["--stimulate", "random:0"], "--stimulate random:0 picks no neuron"),
    (["--stimulate", "random:"], "unknown neuron (in chain) 'random:'"),
    (["--stimulate", "random:9"], "more neurons than the network has"),
    (["--stimulate", ","], "names no neuron"),
    (["--stimulate", ""], "the value of --stimulate is empty"),
    (["--stimulate", "  "], "the value of --stimulate is empty"),
    (["--silence", ""], "the value of --silence is empty"),
    (["--rate", "-5"], "--rate"),
    (["--rate", "nan"], "--rate"),
    (["--rate", "inf"], "--rate"),
    (["--stimulate", "SENSOR", "--rate", "20000"], "one input event per time step"),
    (["--duration", "0"], "--duration"),
    (["--duration", "-1"], "--duration"),
    (["--duration", "nan"], "--duration"),
    (["--trials", "0"], "--trials"),
    (["--dt", "0.7"], "--dt 0.7 ms does not divide the 1.8 ms synaptic delay"),
    (["--dt", "-0.1"], "--dt"),
    (["--duration", "0.00015"], "not a whole number of 0.1 ms steps"),
    (["--seed", "-1"], "--seed"),
    (["--mode", "turbo"], "--mode"),
    (["--model", "hodgkin"], "unknown neuron model"),
    (["--out", "spikes.csv"], ".parquet or .npz"),
    (["--plot", "plot.pdf"], ".png"),
    (["--out", "no/such/folder/x.npz"], "does not exist"),
    (["--out", "."], "--out '.' does not name a file"),
    (["--out", "./"], "--out './' does not name a file"),
    (["--out", ""], "the value of --out is empty"),
    (["--plot", "."], "--plot '.' does not name a file"),
    (["--workers", "0"], "--workers goes with --sweep"),
    (["--stimulate", "SENSOR", "--workers", "3"], "--workers goes with --sweep"),
    (["--of", "RELAY", "--scheduler", "tcp://h:1"], "--of and --scheduler go with --sweep"),
    (["--stimulate", "SENSOR", "--silence", "random:5"], "it must leave out (4)"),
])
def test_bad_input_is_one_clear_error(capsys, chain, argv, message):
    code, out, err = _run(capsys, "simulate", chain, *argv)
    assert code == 2
    assert out == ""
    first, *rest = err.strip().splitlines()
    assert first.startswith("neurocast: error:") and message in first
    assert all(line.startswith("  hint:") for line in rest)
    assert "Traceback" not in err


def test_an_output_in_the_way_is_refused_before_anything_is_written(capsys, chain, tmp_path):
    (tmp_path / "y.png").mkdir()
    spikes = tmp_path / "y.parquet"
    code, out, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.05",
                          "--out", spikes, "--plot", tmp_path / "y.png", "--overwrite")
    assert code == 2 and out == ""
    assert "--plot '" + str(tmp_path / "y.png") + "' is a folder; --plot names a file" in err
    assert not spikes.exists()


@pytest.mark.parametrize("name", ["adir", "d.npz"])
@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_an_out_that_is_a_folder_is_said_at_once(capsys, chain, tmp_path, monkeypatch, name, overwrite):
    """Whether or not the folder's name looks like a spike file, and with or without --overwrite,
    the first error says it is a folder and names a file to give instead."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).mkdir()
    code, out, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.05",
                          "--out", name, *overwrite)
    assert code == 2 and out == ""
    assert err.splitlines() == [f"neurocast: error: --out '{name}' is a folder; --out names a file to write",
                                f"  hint: give a file in it, e.g. --out {name}/spikes.parquet"]


def test_a_trial_file_that_is_a_folder_is_said_before_existing_files(capsys, chain, tmp_path):
    out = tmp_path / "b.npz"
    (tmp_path / "b.trial000.npz").write_bytes(b"x")
    (tmp_path / "b.trial001.npz").mkdir()
    code, _, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.05",
                        "--trials", "2", "--out", out)
    assert code == 2
    assert "b.trial001.npz' is a folder, where neurocast writes a file" in err


def test_overwrite_removes_the_trial_files_of_an_earlier_run(capsys, chain, tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    out = folder / "b.npz"
    argv = ["simulate", chain, "--stimulate", "SENSOR", "--duration", "0.05", "--out", out]
    _json(capsys, *argv, "--trials", "3")
    code, _, err = _run(capsys, *argv, "--trials", "2")  # b.trial002.npz would be left: refused
    assert code == 2 and "already exists" in err
    _json(capsys, *argv, "--trials", "2", "--overwrite")
    assert sorted(p.name for p in folder.iterdir()) == ["b.trial000.npz", "b.trial001.npz"]
    assert Spikes.load(folder / "b.trial000.npz").attrs["n_trials"] == 2
    code, _, err = _run(capsys, *argv)  # b.npz is new, but the two trial files would stay beside it
    assert code == 2 and "b.trial000.npz and 1 more file(s), written by an earlier run with " \
        "another --trials to --out" in err and "already exists" not in err
    (folder / "b.trial0007.npz").write_bytes(b"not ours")  # not a name neurocast writes
    _json(capsys, *argv, "--overwrite")
    assert sorted(p.name for p in folder.iterdir()) == ["b.npz", "b.trial0007.npz"]
    _json(capsys, *argv, "--trials", "2", "--overwrite")
    assert sorted(p.name for p in folder.iterdir()) == ["b.trial000.npz", "b.trial0007.npz",
                                                          "b.trial001.npz"]


def test_large_seeds_are_kept_exactly(capsys, chain):
    s = _json(capsys, "simulate", chain, "--seed", "9007199254740993", "--duration", "0.05")
    assert s["seed"] == 9007199254740993  # 2**53 + 1: a float would round it


def test_unknown_name_suggests_near_matches(capsys, chain):
    code, _, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR,MOTR")
    assert code == 2
    assert "'MOTR'" in err and "did you mean 'MOTOR'" in err


def test_a_neuron_of_another_builtin_worm_connectome_is_named_so(capsys):
    """celegans-witvliet2021 is a brain volume: PLML/PLMR (tail) are in the whole-animal
    connectomes, which the error names instead of look-alike names; a typo keeps its near matches."""
    pytest.importorskip("cect")
    code, _, err = _run(capsys, "simulate", "celegans-witvliet2021", "--stimulate", "PLML,PLMR")
    assert code == 2
    assert err.splitlines() == [
        "neurocast: error: celegans-witvliet2021 has no neuron 'PLML', 'PLMR': they are neurons of "
        "celegans-cook2019, celegans-varshney2011, celegans-varshney2011-kunert, not of this one",
        "  hint: choose neurons that celegans-witvliet2021 has, or use celegans-cook2019"]
    code, _, err = _run(capsys, "simulate", "celegans-witvliet2021", "--stimulate", "PLML,AVAX")
    assert code == 2
    assert "unknown neuron (in celegans-witvliet2021) 'AVAX'" in err and "did you mean 'AVAR'" in err


def test_unknown_network(capsys):
    code, out, err = _run(capsys, "simulate", "fly-synht")
    assert code == 2 and out == ""
    assert "fly-synth" in err


def test_trials_that_cannot_fit_are_refused_before_running(capsys, chain):
    """--trials 1e8: refused up front from the estimate (all trials are held in memory), exit 2, a hint."""
    import time

    # compile the simulator's kernels first (a clean checkout has no numba cache, and this test
    # may run first): the time limit is for the probe and the refusal, not for compiling
    assert _run(capsys, "simulate", chain, "--trials", "2", "--duration", "0.01")[0] == 0
    t0 = time.perf_counter()
    code, out, err = _run(capsys, "simulate", chain, "--trials", "1e8")
    assert time.perf_counter() - t0 < 20  # refused from a short probe, not after running
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("neurocast: error: 100,000,000 trials of 1 s: this run would need about")
    assert lines[1].startswith("  hint: run fewer --trials (e.g. --trials ") and len(lines) == 2


def test_the_cost_of_a_long_request_is_said_before_the_run(capsys, chain):
    """4 trials of 2 s: 80,000 steps in all, more than sim.PROBE_FROM_STEPS, so probed first."""
    code, _, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "2", "--trials", "4")
    assert code == 0
    line = next(ln for ln in err.splitlines() if ln.startswith("estimated cost: about "))
    assert line.endswith("of memory for 4 trials of 2 s")


@pytest.mark.parametrize("argv", [["--duration", "5"], ["--duration", "1", "--trials", "5"]])
def test_a_short_request_is_not_probed(capsys, chain, monkeypatch, argv):
    """At most 50,000 steps in all (5 s at 0.1 ms): the run takes about what a probe would."""
    from neurocast import sim

    def no_probe(*args, **kwargs):
        raise AssertionError("probed")

    monkeypatch.setattr(sim, "estimate", no_probe)
    code, _, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR", *argv)
    assert code == 0, err
    assert "estimated cost" not in err


@pytest.mark.parametrize("value, ok", [("1e1", True), ("1_0", True), ("2.5", False), ("many", False),
                                       ("1e400", False)])
def test_counts_are_whole_numbers(capsys, chain, value, ok):
    code, _, err = _run(capsys, "simulate", chain, "--duration", "0.05", "--trials", value, "--json")
    if ok:
        assert code == 0
    else:
        assert code == 2
        assert err.splitlines() == [f"neurocast: error: argument --trials: expected a whole number, not {value!r}",
                                    "  hint: see 'neurocast simulate --help'"]


def test_several_trials_show_a_progress_bar_with_the_time_left(capsys, chain, monkeypatch):
    """At a terminal, trials advance a bar that knows its total (so it shows the time left)."""
    import neurocast._progress as prog
    import neurocast.cli.simulate as cli_sim

    monkeypatch.setattr(prog, "progress_enabled", lambda: True)
    monkeypatch.setattr(cli_sim, "progress_enabled", lambda: True)
    code, _, err = _run(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.05", "--trials", "20")
    assert code == 0
    bars = [b for b in err.replace("\r", "\n").splitlines() if b.startswith("trials:")]
    assert any("/20 [" in b and "<" in b for b in bars), repr(err)  # n/total [elapsed<left


def test_simulate_refuses_the_graded_model_with_a_hint(capsys):
    """`graded` is a registered neuron model, but `neurocast simulate` runs spiking models only."""
    assert main(["simulate", "celegans-cook2019", "--model", "graded"]) == 2
    err = capsys.readouterr().err
    assert "runs the spiking Shiu models (shiu, shiu-adapt); 'graded' is not one" in err
    assert "hint: record it under a stimulus plan" in err


def test_help_names_the_event_mode_and_what_dt_must_divide(capsys, chain):
    assert main(["simulate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "event (event-driven only)" in text
    assert "must divide the 1.8 ms delay and the 2.2 ms refractory period" in text
    a = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.2")
    b = _json(capsys, "simulate", chain, "--stimulate", "SENSOR", "--duration", "0.2", "--mode", "event")
    assert (a["n_spikes"], a["top_responding"]) == (b["n_spikes"], b["top_responding"])


def test_a_connectome_without_signs_is_refused_before_simulating(capsys, tmp_path):
    """Edges read without their sign column all get weight 0: the run would only replay the drive."""
    edges = tmp_path / "edges.csv"
    edges.write_text("pre,post,count,sgn\n1,2,30,1\n2,3,30,-1\n")
    code, out, err = _run(capsys, "simulate", edges, "--stimulate", "1", "--out", tmp_path / "s.npz")
    assert code == 2 and out == ""
    assert "all 2 connections of 'edges' have weight 0 (their signs are unknown)" in err
    assert "sign=COLUMN or transmitter=COLUMN" in err
    assert not (tmp_path / "s.npz").exists()
    code, _, err = _run(capsys, "simulate", edges, "--stimulate", "1", "--columns",
                        "pre=pre,post=post,count=count,sign=sgn")
    assert code == 0, err


def test_float_weights_are_said_to_count_as_synapses(capsys, tmp_path):
    edges = tmp_path / "regions.csv"
    edges.write_text("pre,post,weight\n1,2,40.5\n2,3,-12.25\n")
    code, _, err = _run(capsys, "simulate", edges, "--stimulate", "1")
    assert code == 0, err
    assert "note: regions has float weights (weight); the model takes each unit of weight for " \
           "one synapse (0.275 mV)" in err
