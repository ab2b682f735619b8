"""The benchmark harness: scorecard, files, report, CLI, bad input, and the HCP fMRI data."""

from __future__ import annotations

import base64
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from neurocast.bench import read_scorecard, run_benchmark, scorecard_protocol, summary_table
from neurocast.catalog import load_hcp
from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset
from neurocast.errors import ConfigError, FormatError, NeurocastError, UnknownNameError

MODELS = ["naive", "mean", "stimulus", "linear", "var"]


def _dataset(t=900, n=24, seed=0, with_conditions=True):
    """Low-rank smooth dynamics + a periodic stimulus response + noise, three conditions."""
    rng = np.random.default_rng(seed)
    frames = np.arange(t)
    lat = np.cumsum(rng.standard_normal((t, 3)), axis=0) * 0.05
    stim = ((frames % 15) < 3).astype(np.float32)
    x = lat @ rng.standard_normal((3, n)) + np.outer(np.convolve(stim, np.exp(-np.arange(10) / 3))[:t],
                                                       rng.random(n))
    x = (x + 0.05 * rng.standard_normal((t, n))).astype(np.float32)
    cond = np.repeat(["rest", "flash", "dark"], [300, 300, 300]) if with_conditions else None
    return make_dataset(x, dt_s=0.5, condition=cond, stimulus=stim[:, None], covariate=["flash"],
                        heldout_conditions=["dark"] if with_conditions else (), source="test synth",
                        seed=seed)


def test_run_benchmark_writes_scorecard_plots_and_report(tmp_path):
    ds = _dataset()
    res = run_benchmark(ds, models=MODELS, context=4, horizon=8, out_dir=tmp_path)
    card = res.scorecard
    assert card["score"].dims == ("model", "condition", "steps_ahead", "metric")
    assert card["model"].values.tolist() == MODELS
    assert card["condition"].values.tolist() == ["rest", "flash", "dark"]
    assert card["heldout"].values.tolist() == [False, False, True]
    assert np.isfinite(card["score"].values).all()
    # naive's scorecard equals a direct computation on the 'rest' test set
    x = ds["traces"].values
    rest_test = (1 + 210 + 29 - 4, 299)  # padded frames [1, 299): n=298, test 59, val 29, train 210
    idx = np.arange(rest_test[0], rest_test[1] - 4 - 8 + 1)
    err = np.stack([np.abs(x[i + 4:i + 12] - x[i + 3]) for i in idx])
    np.testing.assert_allclose(card["score"].sel(model="naive", condition="rest", metric="mae").values,
                               err.mean(axis=2).mean(axis=0), rtol=1e-6)
    assert int(card["n_windows"].sel(condition="rest")) == len(idx)
    # summary: mean over training conditions, held-out separately
    mae = card["score"].sel(metric="mae")
    s = res.summary["mean"]
    assert s["mae"] == pytest.approx(float(mae.sel(model="mean", condition=["rest", "flash"]).mean()))
    assert s["mae_heldout"] == pytest.approx(float(mae.sel(model="mean", condition="dark").mean()))
    # the fitted models beat persistence on this low-rank, stimulus-driven data
    assert res.summary["linear"]["mae"] < res.summary["naive"]["mae"]
    assert res.summary["var"]["mae"] < res.summary["naive"]["mae"]
    # files
    for key in ("netcdf", "csv", "mae_curves", "heatmap", "report"):
        assert res.files[key].exists() and res.files[key].stat().st_size > 0
    back = read_scorecard(res.files["netcdf"])
    np.testing.assert_array_equal(back["score"].values, card["score"].values)
    assert back["heldout"].values.tolist() == [False, False, True]
    assert back.attrs["protocol"] == "conditions"
    assert scorecard_protocol(back) == res.protocol  # the split rules round-trip through the file
    assert summary_table(back) == res.summary
    table = pd.read_csv(res.files["csv"])
    assert len(table) == 5 * 3 * 8 and {"mae", "mse", "heldout"} <= set(table.columns)
    html = res.files["report"].read_text()
    png = base64.b64decode(html.split("data:image/png;base64,")[1].split('"')[0])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and html.count("<img") == 2 + 4  # + the realism plots
    assert not list(tmp_path.glob(".*partial"))


def test_report_shows_the_realism_of_the_recording_beside_the_scorecard(tmp_path):
    from neurocast.data import realism_stats

    ds = _dataset()
    res = run_benchmark(ds, models=["naive", "mean"], context=4, horizon=8, out_dir=tmp_path)
    html = res.files["report"].read_text()
    assert html.index("<h2>Summary</h2>") < html.index("<h2>Realism of the recording</h2>") \
        < html.index('<section class="realism">')
    # the dataset's own statistics against the real ranges of its kind (not C. elegans: zebrafish)
    lag1 = realism_stats(ds, progress=False)["overall"]["lag1_autocorr"]
    assert f"<tr><td>lag-1 autocorrelation</td><td>0.73–0.94</td><td>{lag1:.3g}" in html
    for name in ("realism_acf", "realism_corr", "realism_pca", "realism_ranges"):
        assert res.files[name] == tmp_path / f"{name}.png" and res.files[name].stat().st_size > 1000
    worm = ds.assign_attrs(source="celegans-cook2019")
    html = run_benchmark(worm, models=["naive"], context=4, horizon=8, out_dir=tmp_path / "w").files["report"]
    assert "<td>lag-1 autocorrelation</td><td>0.81–0.88</td>" in html.read_text()
    off = run_benchmark(ds, models=["naive"], context=4, horizon=8, out_dir=tmp_path / "off", realism=False)
    assert "Realism" not in off.files["report"].read_text() and "realism_acf" not in off.files
    # a recording with gaps is measured without them (the statistics skip NaN)
    gap = ds.copy(deep=True)
    gap["traces"].values[100:103, 2] = np.nan
    res = run_benchmark(gap, models=["naive"], context=4, horizon=8, out_dir=tmp_path / "gap", nan="skip-windows")
    gap_lag1 = realism_stats(gap, progress=False, allow_nan=True)["overall"]["lag1_autocorr"]
    assert np.isfinite(gap_lag1)
    assert f"<td>lag-1 autocorrelation</td><td>0.73–0.94</td><td>{gap_lag1:.3g}" in res.files["report"].read_text()
    assert not any(n.startswith("realism statistics left out") for n in res.notes)


def test_fully_masked_condition_stays_in_the_files_as_nan(tmp_path):
    ds = _dataset()
    mask = np.ones(ds["traces"].shape, bool)
    mask[600:] = False  # the held-out 'dark' condition: nothing counts
    res = run_benchmark(ds, models=["naive"], context=4, horizon=8, out_dir=tmp_path, mask=mask,
                        realism=False)  # realism reads the traces, not the mask; its report: tested above
    assert np.isnan(res.scorecard["score"].sel(condition="dark").values).all()
    assert res.summary["naive"]["mae_heldout"] is None and res.summary["naive"]["mae"] > 0
    json.dumps(res.summary, allow_nan=False)  # valid JSON for --json
    table = pd.read_csv(res.files["csv"])
    assert len(table) == 3 * 8 and table[table.condition == "dark"]["mae"].isna().all()


def test_same_seed_same_scorecard():
    a = run_benchmark(_dataset(), models=["linear", "var"], context=4, horizon=4).scorecard
    b = run_benchmark(_dataset(), models=["linear", "var"], context=4, horizon=4).scorecard
    np.testing.assert_array_equal(a["score"].values, b["score"].values)


def test_bad_input():
    ds = _dataset()
    with pytest.raises(UnknownNameError, match="known: naive, mean, stimulus, linear, var"):
        run_benchmark(ds, models="naive,transformer")
    with pytest.raises(ConfigError, match="reserves as context"):
        run_benchmark(ds, models="naive", context=300)
    with pytest.raises(ConfigError, match="fewer than the H = 200 frames"):
        run_benchmark(ds, models="naive", horizon=200)
    with pytest.raises(FormatError, match="--protocol single"):
        run_benchmark(_dataset(with_conditions=False), models="naive", protocol="conditions")


def _store(tmp_path, **kw):
    return save_dataset(_dataset(**kw), tmp_path / "synth.zarr")


def test_cli_bench_json(tmp_path, capsys):
    path = _store(tmp_path)
    out = tmp_path / "out"
    code = main(["bench", str(path), "--models", "naive,mean,linear", "--horizon", "8",
                 "--no-realism", "--out", str(out), "--json"])  # realism: tested on its own below
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)  # exactly one JSON object
    assert list(doc["summary"]) == ["naive", "mean", "linear"]
    assert doc["protocol"]["heldout"] == ["dark"] and doc["horizon"] == 8
    assert (out / "report.html").exists()


def test_cli_bench_text(tmp_path, capsys):
    path = _store(tmp_path, with_conditions=False)
    assert main(["bench", str(path), "--models", "naive,stimulus", "--no-realism",
                 "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["model", "mae", "mae_heldout"]
    assert "report:" in out


@pytest.mark.parametrize("args, message", [
    (["--models", "naive,gru"], "unknown model 'gru'"),
    (["--context", "700"], "does not fit"),  # no held-out condition: C > 256 is allowed
    (["--horizon", "500"], "does not fit"),
    (["--protocol", "conditions"], "needs a dataset with stimulus conditions"),
])
def test_cli_bench_errors_exit_2(tmp_path, capsys, args, message):
    path = _store(tmp_path, with_conditions=False)
    assert main(["bench", str(path), "--out", str(tmp_path / "o"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # bad input leaves no empty output folder behind


def test_cli_bench_output_folder_is_a_file_exit_2(tmp_path, capsys):
    path = _store(tmp_path, with_conditions=False)
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    assert main(["bench", str(path), "--models", "naive", "--horizon", "8", "--out", str(taken)]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and "Traceback" not in err


def test_bench_checks_its_output_folder_with_the_shared_files_helper(tmp_path, monkeypatch):
    """One check of output folders (``_files.require_output_folder``), before any fitting."""
    from neurocast import _files
    from neurocast.bench import _run

    folder = tmp_path / "a" / "b"
    assert _files.require_output_folder(folder, create=True) == folder
    assert not (tmp_path / "a").exists()  # checked, not created
    taken = tmp_path / "taken"
    taken.write_text("x")
    with pytest.raises(NeurocastError, match=r"output folder '.*taken' is a file, not a folder"):
        _files.require_output_folder(taken, create=True)
    seen = []
    monkeypatch.setattr(_run, "require_output_folder",
                        lambda p, create: seen.append(create) or _files.require_output_folder(p, create=create))
    with pytest.raises(NeurocastError, match=r"cannot create output folder .*'.*taken' is not a writable"):
        run_benchmark(_dataset(), models="naive", context=4, horizon=8, out_dir=taken / "sub")
    assert seen == [True]


def test_output_folders_of_the_user_are_never_written_into(tmp_path, capsys):
    """--overwrite replaces only a folder neurocast wrote (its .neurocast-output mark); a folder
    the user made is refused before any work, and by ``atomic_folder`` itself."""
    from neurocast import _files

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.html").write_text("MY NOTES")
    args = ["bench", str(_store(tmp_path)), "--models", "naive", "--horizon", "8", "--out", str(mine)]
    assert main(args) == 2 and main([*args, "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert f"output '{mine}' already exists" in err and "is a folder that neurocast did not write" in err
    with pytest.raises(NeurocastError, match="holds files that neurocast did not write"):
        with _files.atomic_folder(mine, "bench") as out:
            (out / "report.html").write_text("new")
    assert [p.name for p in mine.iterdir()] == ["report.html"] and (mine / "report.html").read_text() == "MY NOTES"
    empty = tmp_path / "empty"
    empty.mkdir()
    with _files.atomic_folder(empty, "bench") as out:  # an empty folder now holds neurocast's output
        (out / "report.html").write_text("new")
    assert _files.is_replaceable(empty) and (empty / _files.OUTPUT_MARK).is_file()


def test_overwrite_leaves_no_file_of_the_previous_run_of_the_same_command(tmp_path):
    """A 2-seed run's statistics-seed1.nc, or a realism figure, must not survive a rerun with
    --overwrite that does not write them: the folder would mix two runs. Another command's
    files in the same folder stay."""
    from neurocast import _files

    store, out = str(_store(tmp_path)), tmp_path / "out"
    first = ["bench", store, "--models", "naive,linear-mae", "--horizon", "8", "--seeds", "2",
             "--max-steps", "2", "--out", str(out)]
    assert main(first) == 0
    before = {p.name for p in out.iterdir()}
    assert "statistics-seed1.nc" in before and any(n.startswith("realism") for n in before)
    with _files.atomic_folder(out, "infer") as other:  # another command's output, same folder
        (other / "infer-report.html").write_text("kept")
    assert main(["bench", store, "--models", "naive", "--horizon", "8", "--no-realism",
                 "--out", str(out), "--overwrite"]) == 0
    after = {p.name for p in out.iterdir()}
    assert "statistics-seed1.nc" not in after and not any(n.startswith("realism") for n in after)
    assert {"scorecard.nc", "report.html", "infer-report.html", _files.OUTPUT_MARK} <= after
    assert set(_files.marked_outputs(out)["bench"]) == after - {"infer-report.html",
                                                                 _files.OUTPUT_MARK}


def test_overwrite_keeps_a_file_another_command_wrote_since_and_reads_a_damaged_mark(tmp_path):
    """bench and data stats --plots both write realism_*.png: once data stats has rewritten
    them, a bench rerun without them (--no-realism) leaves them (they are data stats' figures
    now). A mark whose record is not a table of kinds records nothing (no traceback), and no
    name in a mark reaches outside the folder."""
    from neurocast import _files

    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    (outside / "mine.txt").write_text("mine")

    def write(kind, *names):
        with _files.atomic_folder(out, kind) as folder:
            for name in names:
                (folder / name).write_text(kind)

    write("bench", "report.html", "realism_acf.png")
    write("data stats", "realism_acf.png")
    write("bench", "report.html")
    assert (out / "realism_acf.png").read_text() == "data stats"
    assert _files.marked_outputs(out) == {"bench": ["report.html"],
                                          "data stats": ["realism_acf.png"]}
    for damaged in ('{"outputs": []}', '{"outputs": null}', "written by neurocast\n"):
        (out / _files.OUTPUT_MARK).write_text(damaged)
        write("bench", "report.html")
        assert _files.marked_outputs(out) == {"bench": ["report.html"]}
    mark = json.loads((out / _files.OUTPUT_MARK).read_text())
    mark["outputs"]["bench"] += ["../outside", str(outside), "../outside/mine.txt", "..", "."]
    (out / _files.OUTPUT_MARK).write_text(json.dumps(mark))
    write("bench", "report.html")
    assert (outside / "mine.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == [_files.OUTPUT_MARK, "realism_acf.png",
                                                     "report.html"]


def test_a_run_stopped_while_its_files_move_in_leaves_the_old_ones_for_the_next(tmp_path,
                                                                               monkeypatch):
    """A rerun stopped between recording its files and removing the previous run's (a failed
    move, Ctrl-C) must not leave those unrecorded: no later run would remove them."""
    import os

    from neurocast import _files
    from neurocast.errors import WriteError

    out = tmp_path / "out"

    def write(*names):
        with _files.atomic_folder(out, "bench") as folder:
            for name in names:
                (folder / name).write_text(name)

    write("report.html", "statistics-seed1.nc")
    replace = os.replace

    def fail_on_report(src, dst):
        if os.path.basename(dst) == "report.html":
            raise OSError(28, "No space left on device")
        replace(src, dst)

    monkeypatch.setattr(_files.os, "replace", fail_on_report)
    with pytest.raises(WriteError, match="No space left"):
        write("scorecard.nc", "report.html")
    monkeypatch.setattr(_files.os, "replace", replace)
    write("scorecard.nc", "report.html")
    assert sorted(p.name for p in out.iterdir()) == [_files.OUTPUT_MARK, "report.html",
                                                     "scorecard.nc"]


def test_bench_on_one_neuron_prints_no_warning(tmp_path, capsys):
    """One neuron has no correlations and no spectrum: the realism panels say so, and no numpy
    or matplotlib message reaches the terminal (as a warning or as a note)."""
    path = save_dataset(_dataset(t=300, n=1, with_conditions=False), tmp_path / "one.zarr")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["bench", str(path), "--models", "naive", "--horizon", "4", "--out", str(tmp_path / "b")]) == 0
    assert [str(w.message) for w in caught] == [] and "note:" not in capsys.readouterr().err


def test_report_heads_the_realism_column_with_the_dataset_name(tmp_path):
    from neurocast.data import open_dataset

    path = save_dataset(_dataset().assign_attrs(stimulus_plan="worm-default"), tmp_path / "my-run.zarr")
    res = run_benchmark(open_dataset(path), models=["naive"], context=4, horizon=8, out_dir=tmp_path / "b")
    html = res.files["report"].read_text()
    assert "<th>my-run</th>" in html and "<th>worm-default</th>" not in html


def test_cli_bench_nan_dataset_exit_2(tmp_path, capsys):
    ds = _dataset(with_conditions=False)
    ds["traces"][5, 3] = np.nan
    path = save_dataset(ds, tmp_path / "nan.zarr", allow_nan=True)
    assert main(["bench", str(path), "--models", "naive", "--out", str(tmp_path / "o")]) == 2
    assert "NaN" in capsys.readouterr().err


def test_hcp_dataset_and_connectome():
    ds, con = load_hcp()
    assert ds["traces"].shape == (1200, 94) and ds["traces"].dtype == np.float32
    assert ds.attrs["dt_s"] == 0.72 and ds.attrs["conditions"] == ["all"]
    assert ds["neuron"].values[0] == "Precentral_L" and ds["neuron"].values[93] == "Temporal_Inf_R"
    np.testing.assert_allclose(ds["traces"].values.std(axis=0), 1.0, rtol=1e-4)
    assert con.n_neurons == 94 and con.names.tolist() == ds["neuron"].values.tolist()
    dense = con.to_scipy("count").toarray()
    assert (dense == dense.T).all() and con.n_connections > 94 * 10
    assert con.weighted and con.weight.max() == 1.0 and con.weight.min() > 0
    np.testing.assert_array_equal(con.to_scipy("weight").toarray() > 0, dense > 0)


def test_benchmark_runs_on_hcp(tmp_path, capsys):
    code = main(["bench", "hcp-rest", "--context", "4", "--horizon", "8", "--out", str(tmp_path), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    # fMRI has no stimulus covariates: the stimulus baseline is left out, with a note
    scored = set(MODELS) - {"stimulus"}
    assert doc["protocol"]["name"] == "single" and set(doc["summary"]) == scored
    assert any(n.startswith("stimulus: left out") for n in doc["notes"])
    s = doc["summary"]
    assert all(np.isfinite(s[m]["mae"]) for m in scored)
    assert s["linear"]["mae"] < s["naive"]["mae"]  # BOLD is smooth but mean-reverting


def _typed_connectome(ds):
    from neurocast.connectome import Connectome

    names = ds["neuron"].values.astype(str)
    n = len(names)
    table = pd.DataFrame({"id": np.arange(n), "name": names,
                          "type": np.where(np.arange(n) % 3 == 0, "motor", "sensory")})
    return Connectome.from_edges(table, [0, 1], [1, 2], [1, 1], name="typed")


def test_group_breakdown_is_a_binning_dimension(tmp_path, capsys):
    ds = _dataset()
    con = _typed_connectome(ds)
    plain = run_benchmark(ds, models=["naive", "mean"], context=4, horizon=8).scorecard
    grouped = run_benchmark(ds, models=["naive", "mean"], context=4, horizon=8, group_by="type",
                            connectome=con).scorecard
    np.testing.assert_allclose(grouped["score"].values, plain["score"].values, rtol=1e-12)
    assert grouped["group"].values.tolist() == ["motor", "sensory"]
    x = ds["traces"].values
    motor = np.arange(x.shape[1]) % 3 == 0
    idx = np.arange(1 + 210 + 29 - 4, 299 - 12 + 1)  # 'rest' test windows, as above
    err = np.stack([np.abs(x[i + 4:i + 12, motor] - x[i + 3, motor]) for i in idx])
    np.testing.assert_allclose(
        grouped["score_by_group"].sel(model="naive", condition="rest", group="motor", metric="mae").values,
        err.mean(axis=2).mean(axis=0), rtol=1e-6)
    # through the CLI, with the connectome stored alongside the dataset
    path = save_dataset(ds, tmp_path / "typed.zarr", connectome=con)
    assert main(["bench", str(path), "--models", "naive", "--horizon", "8", "--group-by", "type",
                 "--no-realism", "--out", str(tmp_path / "o"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["by_group"]["naive"]) == {"motor", "sensory"}
    assert "score_by_group" in read_scorecard(tmp_path / "o" / "scorecard.nc")
    assert main(["bench", str(path), "--models", "naive", "--horizon", "8", "--group-by", "colour",
                 "--out", str(tmp_path / "o2")]) == 2
    assert "no column 'colour'" in capsys.readouterr().err


def test_custom_forecaster_instances_and_wrong_shapes():
    from neurocast.models import NaiveForecaster

    class Damped(NaiveForecaster):
        name = "damped"

        def predict(self, context, meta=None):
            return 0.5 * super().predict(context)

    class Broken(NaiveForecaster):
        name = "broken"

        def predict(self, context, meta=None):
            return super().predict(context)[:, :-1]

    ds = _dataset()
    card = run_benchmark(ds, models=["naive", Damped(horizon=8)], context=4, horizon=8).scorecard
    assert card["model"].values.tolist() == ["naive", "damped"]
    assert not np.array_equal(card["score"].sel(model="naive").values, card["score"].sel(model="damped").values)
    with pytest.raises(FormatError, match=r"returned forecasts of shape \(\d+, 7, 24\)"):
        run_benchmark(ds, models=[Broken(horizon=8)], context=4, horizon=8)
    with pytest.raises(ConfigError, match="'damped' forecasts 4 frames, the benchmark scores 8"):
        run_benchmark(ds, models=[Damped(horizon=4)], context=4, horizon=8)


def test_models_are_fitted_on_train_and_val_only():
    from neurocast.models import NaiveForecaster

    seen = {}

    class Spy(NaiveForecaster):
        name = "spy"

        def fit(self, train, val):
            seen["train"] = [(s.condition, s.split, s.start, s.stop) for s in train]
            seen["val"] = [(s.condition, s.split, s.start, s.stop) for s in val]
            return self

    ds = _dataset()
    run_benchmark(ds, models=[Spy(horizon=8)], context=4, horizon=8)
    # padded conditions of 298 frames: train 210, val 29, test 59; 'dark' is held out
    assert seen["train"] == [("rest", "train", 1, 211), ("flash", "train", 301, 511)]
    assert seen["val"] == [("rest", "val", 207, 240), ("flash", "val", 507, 540)]


def test_lazy_store_gives_the_same_scorecard_as_memory(tmp_path):
    from neurocast.data import open_dataset

    ds = _dataset()
    lazy = open_dataset(save_dataset(ds, tmp_path / "s.zarr"))
    assert not isinstance(lazy["traces"].variable._data, np.ndarray)  # not loaded yet
    a = run_benchmark(ds, models=MODELS, context=4, horizon=8).scorecard
    b = run_benchmark(lazy, models=MODELS, context=4, horizon=8).scorecard
    np.testing.assert_array_equal(a["score"].values, b["score"].values)


def test_report_embeds_the_summary_as_json(tmp_path):
    res = run_benchmark(_dataset(), models=["naive", "mean"], context=4, horizon=4, out_dir=tmp_path,
                        realism=False)
    text = res.files["report"].read_text()
    embedded = text.split('<script type="application/json" id="summary">')[1].split("</script>")[0]
    assert json.loads(embedded) == res.summary
    assert "<td>naive</td>" in text and "Provenance" in text


def test_zapbench_protocol_on_a_zapbench_shaped_dataset():
    from neurocast.data import conditions_from_offsets
    from neurocast.data.protocol import ZAPBENCH

    rng = np.random.default_rng(3)
    t = ZAPBENCH.n_frames
    x = (np.cumsum(rng.standard_normal((t, 6)), axis=0) * 0.01).astype(np.float32)
    cond = conditions_from_offsets(ZAPBENCH.offsets, ZAPBENCH.names)
    ds = make_dataset(x, dt_s=ZAPBENCH.dt_s, condition=cond, heldout_conditions=list(ZAPBENCH.heldout))
    zap = run_benchmark(ds, models=["mean", "linear"], protocol="zapbench").scorecard
    auto = run_benchmark(ds, models=["mean", "linear"]).scorecard  # 'conditions' on the same layout
    assert zap["n_windows"].values.tolist() == [98, 323, 99, 368, 231, 86, 165, 99, 88]
    assert zap["heldout"].values.tolist() == [c == "taxis" for c in ZAPBENCH.names]
    np.testing.assert_array_equal(zap["score"].values, auto["score"].values)


def test_report_states_units_and_which_way_is_better(tmp_path):
    """The HTML report says, for every metric, its units and that lower is better."""
    res = run_benchmark(_dataset(), models=["naive"], metrics=["mae", "mse"], context=4, horizon=4,
                        out_dir=tmp_path, realism=False)
    text = res.files["report"].read_text()
    assert "<b>mae</b>: " in text and "in ΔF/F; lower is better.</li>" in text
    assert "<b>mse</b>: " in text and "in (ΔF/F)²; lower is better.</li>" in text


def test_stimulus_is_left_out_with_a_note_where_there_are_no_covariates(tmp_path):
    """Without stimulus covariates the stimulus baseline is not scored: the result, the
    scorecard and the HTML report say why; with covariates it is scored."""
    import neurocast.data as nd

    x = np.random.default_rng(3).normal(0, 1, (400, 4)).astype(np.float32)
    res = run_benchmark(nd.make_dataset(x, dt_s=0.5), models=["naive", "stimulus"], context=4, horizon=4,
                        out_dir=tmp_path / "none")
    note = "stimulus: left out, the dataset has no stimulus covariates to average over"
    assert list(res.summary) == ["naive"] and note in res.notes and note in json.loads(res.scorecard.attrs["notes"])
    assert f"<li>{note}</li>" in res.files["report"].read_text()
    with_cov = run_benchmark(_dataset(), models=["naive", "stimulus"], context=4, horizon=4)
    assert list(with_cov.summary) == ["naive", "stimulus"] and not any("stimulus" in n for n in with_cov.notes)


def test_a_failed_write_leaves_no_partial_output_folder(tmp_path, capsys, monkeypatch):
    """Disk full while writing the statistics: no folder (or temporary one) is left, a rerun works."""
    import errno

    import neurocast.bench._run as bench_run

    path = _store(tmp_path, with_conditions=False)
    out = tmp_path / "runs" / "b"
    args = ["bench", str(path), "--models", "naive", "--horizon", "8", "--no-realism", "--out", str(out)]

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bench_run, "write_statistics", full)  # after scorecard.csv/.nc are written
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"cannot write '{out}': No space left on device" in err and "Traceback" not in err
    assert list((tmp_path / "runs").iterdir()) == []
    monkeypatch.undo()
    assert main(args) == 0
    assert (out / "report.html").is_file() and not list(out.glob(".*partial"))
    # into a folder holding files: the old files stay as they were after a failure, else are replaced
    (out / "notes.txt").write_text("mine")
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    monkeypatch.setattr(bench_run, "write_statistics", full)
    assert main([*args, "--overwrite"]) == 2
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    monkeypatch.undo()
    capsys.readouterr()
    assert main([*args, "--overwrite", "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert files["report"] == str(out / "report.html") and (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == sorted(before)


def test_a_held_out_mark_the_protocol_cannot_honour_is_noted():
    x = np.random.default_rng(0).normal(0, 1, (400, 4)).astype(np.float32)
    ds = make_dataset(x, dt_s=0.5, heldout_conditions=["all"])  # the one condition, marked held out
    res = run_benchmark(ds, models=["naive"], context=4, horizon=4)
    assert res.scorecard["heldout"].values.tolist() == [False]
    assert any("held-out condition(s) all of the dataset are not held out by the single protocol" in n
               for n in res.notes)
    plain = run_benchmark(make_dataset(x, dt_s=0.5), models=["naive"], context=4, horizon=4)
    assert not any("held-out" in n for n in plain.notes)


def test_nan_forecasts_name_the_model_and_condition():
    from neurocast.bench import evaluate
    from neurocast.data import get_protocol
    from neurocast.errors import NonFiniteError
    from neurocast.models import Forecaster

    class _NaNs(Forecaster):
        name = "nans"
        uses_val = False

        def predict(self, context, meta=None):
            return np.full((context.shape[0], self.horizon, context.shape[2]), np.nan, np.float32)

    x = np.random.default_rng(0).standard_normal((200, 3)).astype(np.float32)
    with pytest.raises(NonFiniteError, match=r"model 'nans', condition 'all': .* NaN or infinite "
                                             r"value\(s\) in the predictions"):
        evaluate(_NaNs(horizon=3), x, get_protocol("single", frames=200, context=2, horizon=3))
