"""`neurocast data list | info | import | plot` through neurocast.cli.main."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main


def _saved(tmp_path, name="d.zarr", connectome=None, n_neuron=5):
    cond = nd.conditions_from_offsets([0, 300, 700], ["spontaneous", "touch"])
    rng = np.random.default_rng(0)
    ds = nd.make_dataset(rng.standard_normal((700, n_neuron)), dt_s=0.6, condition=cond,
                         source="test", protocol="worm-test", indicator="gcamp6s", seed=7,
                         heldout_conditions=["touch"],
                         neuron=None if connectome is None else connectome.names[:n_neuron])
    return nd.save_dataset(ds, tmp_path / name, connectome=connectome)


def test_list_json(capsys):
    assert main(["data", "list", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = {r["name"]: r for r in out["datasets"]}
    assert names["worm-default"]["kind"] == "built-in"


def test_list_text_shows_user_datasets(capsys):
    from neurocast.catalog import dataset_path

    nd.save_dataset(nd.make_dataset(np.zeros((5, 2)), dt_s=1.0), dataset_path("cli-user"),
                    overwrite=True)
    assert main(["data", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("cli-user") and "user" in line for line in lines)


def test_info_json(tmp_path, capsys, tiny_connectome):
    path = _saved(tmp_path, connectome=tiny_connectome)
    assert main(["data", "info", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["shape"] == [700, 5] and out["dt_s"] == 0.6
    assert out["duration_s"] == 420.0 and out["seed"] == 7
    assert [(c["name"], c["start_frame"], c["stop_frame"]) for c in out["conditions"]] == [
        ("spontaneous", 0, 300), ("touch", 300, 700)]
    assert out["has_connectome"] and out["connectome"]["name"] == "tiny"


def test_info_text(tmp_path, capsys):
    path = _saved(tmp_path)
    assert main(["data", "info", str(path)]) == 0
    text = capsys.readouterr().out
    assert "700 frames × 5 neurons" in text and "(held out)" in text and "none attached" in text


def test_unknown_dataset_exit_2(capsys):
    assert main(["data", "info", "worm-defualt"]) == 2
    err = capsys.readouterr().err
    assert "unknown dataset 'worm-defualt'" in err and "worm-default" in err
    assert main(["data", "info", "zebrafish"]) == 2
    err = capsys.readouterr().err
    assert "known: worm-default, worm-lif, fly-zap, fly-zap-sparse, hcp-rest" in err


def test_missing_variable_exit_2(tmp_path, capsys):
    import shutil

    path = _saved(tmp_path)
    shutil.rmtree(path / "condition")
    assert main(["data", "info", str(path)]) == 2
    assert "missing required variable 'condition'" in capsys.readouterr().err


def test_import_matrix_and_overwrite(tmp_path, capsys):
    data = np.random.default_rng(1).random((40, 3)).astype(np.float32)
    np.save(tmp_path / "m.npy", data)
    out = tmp_path / "m.zarr"
    args = ["data", "import", str(tmp_path / "m.npy"), str(out), "--format", "matrix", "--dt-s", "0.5",
            "--conditions", "0,10,40:a,b", "--json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_frames"] == 40 and summary["conditions"] == ["a", "b"]
    assert main([*args[:-1], "--heldout", "c", "--overwrite"]) == 2
    assert "held-out condition(s) ['c']" in capsys.readouterr().err
    assert main([*args, "--heldout", "b", "--overwrite"]) == 0
    capsys.readouterr()
    assert list(nd.open_dataset(out).attrs["heldout_conditions"]) == ["b"]
    np.testing.assert_array_equal(nd.open_dataset(out).traces.values, data)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" in err
    assert main([*args, "--overwrite"]) == 0


def test_import_errors_exit_2(tmp_path, capsys):
    data = np.zeros((10, 3))
    data[2, 2] = np.nan
    np.save(tmp_path / "nan.npy", data)
    base = ["data", "import", str(tmp_path / "nan.npy"), str(tmp_path / "o.zarr"), "--format", "matrix"]
    assert main(base) == 2
    assert "holds no timestamps or frame interval" in capsys.readouterr().err
    assert main([*base, "--dt-s", "1"]) == 2
    assert "NaN" in capsys.readouterr().err
    (tmp_path / "names.txt").write_text("a\nb\n")
    assert main([*base, "--dt-s", "1", "--allow-nan", "--names", str(tmp_path / "names.txt")]) == 2
    assert "2 neuron names for 3 trace columns" in capsys.readouterr().err
    assert not (tmp_path / "o.zarr").exists()


def test_plot(tmp_path, capsys):
    path = _saved(tmp_path, n_neuron=12)
    png = tmp_path / "h.png"
    assert main(["data", "plot", str(path), "--out", str(png), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_neurons"] == 12 and png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["data", "plot", str(path), "--out", str(png)]) == 2


def test_plot_traces_kind(tmp_path, capsys):
    rng = np.random.default_rng(4)
    spikes = rng.poisson(0.2, (300, 4))
    ds = nd.make_dataset(spikes * 0.1, dt_s=0.6, spike_counts=spikes, neuron=["A", "B", "C", "D"])
    path = nd.save_dataset(ds, tmp_path / "s.zarr")
    png = tmp_path / "t.png"
    args = ["data", "plot", str(path), "--out", str(png), "--kind", "traces", "--neurons", "B,D",
            "--frames", "0:100", "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["neurons"] == ["B", "D"]
    assert main([*args[:-1], "--overwrite", "--frames", "x"]) == 2
    assert "START:STOP" in capsys.readouterr().err
    no_spikes = nd.save_dataset(ds.drop_vars("spike_counts"), tmp_path / "n.zarr")
    assert main(["data", "plot", str(no_spikes), "--out", str(tmp_path / "n.png"), "--kind", "traces",
                 "--json"]) == 0  # a real recording: the traces alone, the most variable
    assert len(json.loads(capsys.readouterr().out)["neurons"]) == 4


def test_plot_refuses_options_of_the_other_kind(tmp_path, capsys):
    path = _saved(tmp_path, n_neuron=6)
    base = ["data", "plot", str(path), "--out", str(tmp_path / "p.png")]
    assert main([*base, "--kind", "traces", "--sort", "pc", "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert "--sort and --seed shape the heatmap" in err and "leave out --sort and --seed" in err
    assert main([*base, "--kind", "traces", "--sort", "pc", "--max-rows", "5", "--seed", "1"]) == 2
    assert "--sort, --max-rows and --seed shape the heatmap" in capsys.readouterr().err
    assert main([*base, "--neurons", "a"]) == 2
    assert "--neurons chooses what --kind traces shows" in capsys.readouterr().err
    assert not (tmp_path / "p.png").exists()
    assert main([*base, "--sort", "none", "--max-rows", "4", "--json"]) == 0  # the heatmap's own
    out = json.loads(capsys.readouterr().out)
    assert out["sort"] == "none" and out["n_rows"] <= 4


def test_builtin_worm_default_is_made_once_and_described(capsys, tmp_path, monkeypatch):
    """The built-in is recorded into the cache on first use (neurocast.record), then reused."""
    monkeypatch.setenv("NEUROCAST_CACHE", str(tmp_path / "cache"))  # empty, whatever ran before
    assert main(["data", "info", "worm-default", "--json"]) == 0
    captured = capsys.readouterr()
    assert "making built-in dataset 'worm-default'" in captured.err
    out = json.loads(captured.out)
    assert out["n_neurons"] == 302 and out["dt_s"] == 0.6
    assert len(out["conditions"]) >= 6 and min(c["n_frames"] for c in out["conditions"]) >= 300
    assert out["has_connectome"] and out["connectome"]["name"] == "celegans-cook2019"
    assert out["protocol"] == "conditions" and out["stimulus_plan"] == "worm-default"
    assert out["has_spike_counts"]
    assert main(["data", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["datasets"]}
    assert rows["worm-default"]["available"]
    assert main(["data", "info", "worm-default"]) == 0
    assert "making" not in capsys.readouterr().err


def test_import_zapbench_and_nwb(tmp_path, capsys, zapbench_like, write_nwb):
    data = zapbench_like(tmp_path / "traces", n_time=30)
    out = tmp_path / "zap.zarr"
    assert main(["data", "import", str(tmp_path / "traces"), str(out), "--format", "zapbench",
                 "--conditions", "0,10,30:gain,taxis", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["conditions"] == ["gain", "taxis"] and summary["dt_s"] == 0.9141
    ds = nd.open_dataset(out)
    np.testing.assert_array_equal(ds.traces.values, data)
    assert list(ds.attrs["heldout_conditions"]) == ["taxis"]
    # default ZAPBench conditions do not fit 30 frames: one clear error, exit 2
    assert main(["data", "import", str(tmp_path / "traces"), str(tmp_path / "z2.zarr"),
                 "--format", "zapbench"]) == 2
    assert "end at frame 7879 but the traces have 30 frames" in capsys.readouterr().err

    write_nwb(tmp_path / "a.nwb", np.ones((12, 2), dtype=np.float32), rate=4.0)
    assert main(["data", "import", str(tmp_path / "a.nwb"), str(tmp_path / "a.zarr"), "--format", "nwb",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["dt_s"] == 0.25


@pytest.mark.parametrize("option", ["--dt-s", "--resample"])
@pytest.mark.parametrize("value", ["0", "-0.5", "inf", "nan", "fast"])
def test_import_refuses_seconds_that_are_not_a_positive_number(tmp_path, capsys, option, value):
    src = tmp_path / "m.npy"
    np.save(src, np.ones((20, 3), np.float32))
    assert main(["data", "import", str(src), str(tmp_path / "x.zarr"), "--format", "matrix",
                 option, value]) == 2
    err = capsys.readouterr().err
    assert f"argument {option}: expected" in err and "seconds" in err and "Traceback" not in err
    assert not (tmp_path / "x.zarr").exists()


def test_raw_fluorescence_is_shown_by_info_and_noted_by_bench(tmp_path, capsys, write_nwb):
    from neurocast.bench import run_benchmark

    data = 100.0 + np.random.default_rng(0).random((200, 3)).astype(np.float32)
    write_nwb(tmp_path / "raw.nwb", data, rate=2.0, container="Fluorescence")
    out = tmp_path / "raw.zarr"
    assert main(["data", "import", str(tmp_path / "raw.nwb"), str(out), "--format", "nwb"]) == 0
    capsys.readouterr()
    assert main(["data", "info", str(out)]) == 0
    assert "traces       raw fluorescence (F), not ΔF/F" in capsys.readouterr().out
    assert main(["data", "info", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["trace_kind"] == "fluorescence"
    res = run_benchmark(nd.open_dataset(out), models=["naive"], context=4, horizon=2)
    assert any("raw fluorescence (F), not ΔF/F" in n for n in res.notes)
    dff = run_benchmark(nd.make_dataset(data, dt_s=0.5), models=["naive"], context=4, horizon=2)
    assert not any("fluorescence" in n for n in dff.notes)


def test_info_text_says_dff_by_default(tmp_path, capsys):
    assert main(["data", "info", str(_saved(tmp_path))]) == 0
    assert "traces       ΔF/F" in capsys.readouterr().out


def test_import_of_raw_fluorescence_notes_it_and_takes_trace_kind(tmp_path, capsys):
    raw = (1000.0 + 50.0 * np.random.default_rng(0).standard_normal((40, 3))).astype(np.float32)
    np.save(tmp_path / "raw.npy", raw)
    args = ["data", "import", str(tmp_path / "raw.npy"), str(tmp_path / "raw.zarr"),
            "--format", "matrix", "--dt-s", "0.5"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "note: matrix file" in err and "looks like raw fluorescence" in err
    assert main([*args, "--trace-kind", "fluorescence", "--overwrite"]) == 0
    assert "looks like raw fluorescence" not in capsys.readouterr().err
    assert main(["data", "info", str(tmp_path / "raw.zarr")]) == 0
    assert "traces       raw fluorescence (F), not ΔF/F" in capsys.readouterr().out


def test_a_long_build_says_what_it_costs_before_it_starts(capsys, tmp_path, monkeypatch):
    from neurocast.catalog import DATASETS
    from neurocast.cli.data import announce_build

    monkeypatch.setenv("NEUROCAST_CACHE", str(tmp_path / "cache"))
    announce_build("fly-zap")  # only the announcement: nothing is built here
    err = capsys.readouterr().err
    assert "making built-in dataset 'fly-zap' (first use; about 10 min and 7.9 GB" in err
    assert DATASETS.get("fly-zap").cost in err
    assert main(["data", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["datasets"]}
    assert rows["fly-zap"]["description"].endswith(f"seed 0 ({DATASETS.get('fly-zap').cost})")
    announce_build("worm-default")
    assert "; cached in" in capsys.readouterr().err and not DATASETS.get("worm-default").cost
