"""Real recordings as scientists bring them: their own metadata, partial names, uneven times,
NaN gaps, dead channels and a region connectome; one import command each (docs/datasets.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

import neurocast.data as nd
from neurocast.bench import run_benchmark
from neurocast.cli import main
from neurocast.errors import ConfigError, FormatError, NonFiniteError

from .conftest import WORM_LABELS

EXPECTED_NAMES = ["AVAL", "unnamed-1", "AVAR", "unnamed-3", "RIML", "AVAL#2", "SMDVL", "unnamed-7",
                  "ASHL", "AWCL", "unnamed-10", "AIBL"]


@pytest.mark.parametrize("kind", ["worm_mat", "worm_v73", "worm_h5"])
def test_worm_files_bring_their_names_and_uneven_times(recordings, kind):
    ds = nd.load_matrix(recordings[kind])  # no --dt-s, no --names, no --transpose: all in the file
    assert ds.sizes == {"time": 240, "neuron": 12}
    np.testing.assert_array_equal(ds.traces.values, recordings["traces"])
    assert ds.neuron.values.tolist() == EXPECTED_NAMES
    assert ds.label.values.tolist() == WORM_LABELS  # the raw labels are kept
    np.testing.assert_allclose(ds.time.values, recordings["time_s"])  # real, uneven timestamps
    steps = np.diff(ds.time.values)
    assert steps.min() < 0.55 and steps.max() > 0.65
    assert ds.attrs["dt_s"] == pytest.approx(np.median(steps))


def test_names_file_keeps_blank_lines_as_unnamed(recordings):
    ds = nd.load_matrix(recordings["plain"], dt_s=0.6, neuron_names=recordings["names"])
    assert ds.neuron.values.tolist() == EXPECTED_NAMES
    (recordings["names"].parent / "short.txt").write_text("AVAL\n\nAVAR\n")
    with pytest.raises(FormatError, match="3 neuron names for 12 trace columns"):
        nd.load_matrix(recordings["plain"], dt_s=0.6, neuron_names=recordings["names"].parent / "short.txt")


def test_unique_names_rules():
    assert nd.unique_names(["A", "", "A", "A#2", "A", " "]).tolist() == \
        ["A", "unnamed-1", "A#3", "A#2", "A#4", "unnamed-5"]


def test_resampling_is_linear_and_documented_in_attrs(recordings):
    ds = nd.load_matrix(recordings["worm_mat"], resample_s=0.5)
    assert ds.attrs["dt_s"] == 0.5 and ds.attrs["resampled_s"] == 0.5
    np.testing.assert_allclose(np.diff(ds.time.values), 0.5)
    t, x = recordings["time_s"], recordings["traces"]
    np.testing.assert_allclose(ds.traces.values[:, 3], np.interp(ds.time.values, t, x[:, 3]), rtol=1e-5, atol=1e-6)


def test_tectum_npz_frame_rate_nan_and_dead_cell(recordings, tmp_path, capsys):
    src = recordings["tectum"]
    with pytest.raises(NonFiniteError):
        nd.load_matrix(src)
    out = tmp_path / "tectum.zarr"
    assert main(["data", "import", str(src), str(out), "--format", "matrix", "--allow-nan", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["dt_s"] == 0.25 and doc["constant_neurons"] == ["7"]
    info = nd.dataset_info(out)
    assert info["n_nan_values"] == 3 and info["n_nan_frames"] == 3 and info["constant_neurons"] == ["7"]
    assert main(["data", "info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 dead/constant channel(s): 7" in text and "3 value(s) in 3 frame(s)" in text
    # bench refuses NaN by default, and says which options exist
    assert main(["bench", str(out), "--models", "naive", "--context", "4", "--horizon", "4",
                 "--out", str(tmp_path / "b0")]) == 2
    assert "--nan skip-windows" in capsys.readouterr().err
    for policy in ("skip-windows", "mask-neurons"):
        assert main(["bench", str(out), "--models", "naive,mean,linear", "--context", "4", "--horizon", "4",
                     "--nan", policy, "--out", str(tmp_path / policy), "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert all(np.isfinite(doc["summary"][m]["mae"]) for m in ("naive", "mean", "linear"))
        assert any("dead/constant" in n for n in doc["notes"])
        skipped = sum(doc["n_windows_skipped"].values())
        # frames 100..102 lie in the train split (70 % of 300): no test window touches them
        assert skipped == 0
        if policy == "mask-neurons":
            assert any("1 neuron(s) holding NaN" in n for n in doc["notes"])


def _nan_dataset():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (400, 6)).astype(np.float32)
    x[330, 2] = np.nan  # in the test split (frames 320..399 of a single-condition recording)
    x[50:52, 0] = np.nan  # in the train split
    return nd.make_dataset(x, dt_s=0.5, allow_nan=True), x


def test_skip_windows_scores_exactly_the_clean_windows():
    ds, x = _nan_dataset()
    c, h = 4, 3
    card = run_benchmark(ds, models=["naive"], context=c, horizon=h, nan="skip-windows").scorecard
    # test split of 'single': targets from frame 320 (= 400 - 80), windows start at 316
    starts = np.arange(320 - c, 400 - c - h + 1)
    clean = [s for s in starts if np.isfinite(x[s:s + c + h]).all()]
    assert len(starts) - len(clean) == c + h  # every window touching frame 330 is left out
    err = np.stack([np.abs(x[s + c:s + c + h] - x[s + c - 1]) for s in clean])
    np.testing.assert_allclose(card["score"].sel(model="naive", metric="mae").values[0],
                               err.mean(axis=2).mean(axis=0), rtol=1e-6)
    assert int(card["n_windows_skipped"].values[0]) == c + h
    assert card.attrs["nan_policy"] == "skip-windows"


def test_mask_neurons_drops_the_neurons_with_gaps():
    ds, x = _nan_dataset()
    res = run_benchmark(ds, models=["naive", "linear"], context=4, horizon=3, nan="mask-neurons")
    plain = run_benchmark(nd.make_dataset(x[:, [1, 3, 4, 5]], dt_s=0.5), models=["naive", "linear"],
                          context=4, horizon=3)
    xr.testing.assert_allclose(res.scorecard["score"], plain.scorecard["score"])
    assert json.loads(res.scorecard.attrs["neurons_left_out"]) == {"nan": ["0", "2"]}


@pytest.mark.parametrize("flat", [False, True])
def test_no_neuron_left_names_the_options_that_would_keep_some(flat):
    x = np.random.default_rng(0).normal(0, 1, (400, 3)).astype(np.float32)
    x[330, :] = np.nan  # every neuron has a gap
    if flat:
        x[:, 2] = 0.0  # and one is constant
        x[330, 2] = 0.0
    with pytest.raises(ConfigError, match="no neuron left to score") as err:
        run_benchmark(nd.make_dataset(x, dt_s=0.5, allow_nan=True), models=["naive"], context=4,
                      horizon=3, nan="mask-neurons")
    assert "--nan skip-windows" in err.value.hint
    assert ("--keep-constant" in err.value.hint) == flat


def test_constant_channels_left_out_by_default_kept_on_request():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (300, 5)).astype(np.float32)
    x[:, 1] = 0.0  # an all-zero region
    x[:, 3] = 1.5  # a saturated neuron
    ds = nd.make_dataset(x, dt_s=0.5)
    res = run_benchmark(ds, models=["mean"], context=4, horizon=2)
    only = run_benchmark(nd.make_dataset(x[:, [0, 2, 4]], dt_s=0.5), models=["mean"], context=4, horizon=2)
    xr.testing.assert_allclose(res.scorecard["score"], only.scorecard["score"])
    kept = run_benchmark(ds, models=["mean"], context=4, horizon=2, keep_constant=True)
    assert float(kept.scorecard["score"].sel(metric="mae").mean()) < float(res.scorecard["score"].sel(
        metric="mae").mean())  # the flat channels are trivially predicted: they flatter every model
    assert any("2 dead/constant" in n for n in res.notes)


def test_regions_with_a_region_connectome(recordings, tmp_path, capsys):
    out = tmp_path / "regions.zarr"
    assert main(["data", "import", str(recordings["regions"]), str(out), "--format", "matrix",
                 "--dt-s", "1.0", "--connectome", str(recordings["region_connectome"])]) == 0
    con = nd.dataset_connectome(out)
    assert con.names.tolist() == ["TeO_L", "TeO_R", "Hb_L", "Hb_R", "Cb"]
    assert nd.dataset_info(out)["constant_neurons"] == ["Cb"]
    # a connectome of other neurons is refused, showing the first differences
    other = tmp_path / "other.zarr"
    assert main(["data", "import", str(recordings["tectum"]), str(other), "--format", "matrix",
                 "--allow-nan"]) == 0
    capsys.readouterr()
    assert main(["data", "attach", str(other), str(recordings["region_connectome"])]) == 2
    err = capsys.readouterr().err
    assert "names none of the recording's 20 neurons" in err and "'0' vs 'TeO_L'" in err
    assert "hint:" in err
    # attaching later: same names work; a second attach needs --overwrite
    plain = tmp_path / "plain.zarr"
    assert main(["data", "import", str(recordings["regions"]), str(plain), "--format", "matrix",
                 "--dt-s", "1.0"]) == 0
    assert main(["data", "attach", str(plain), str(recordings["region_connectome"])]) == 0
    assert nd.dataset_connectome(plain).n_neurons == 5
    assert main(["data", "attach", str(plain), str(recordings["region_connectome"])]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_partially_named_worm_attaches_to_a_connectome_of_its_named_neurons(recordings, tmp_path):
    import pandas as pd

    from neurocast.connectome import Connectome

    ds = nd.load_matrix(recordings["worm_mat"])
    named = ["AVAL", "AVAR", "RIML", "SMDVL", "ASHL", "AWCL", "AIBL", "AVAL#2"]
    neurons = pd.DataFrame({"id": np.arange(len(named)), "name": named})
    con = Connectome.from_edges(neurons, [0, 1], [1, 0], [1, 1], name="worm-part")
    nd.save_dataset(ds, tmp_path / "w.zarr", connectome=con)  # unnamed neurons are not matched
    short = Connectome.from_edges(neurons.iloc[:6], [0, 1], [1, 0], [1, 1], name="short")
    with pytest.raises(FormatError, match=r"same label to several neurons \('AVAL' ×2\)"):
        nd.save_dataset(ds, tmp_path / "w2.zarr", connectome=short)  # which AVAL is 'AVAL'?
    no_repeat = ds.assign_coords(label=("neuron", np.where(ds["neuron"].values.astype(str) == "AVAL#2",
                                                           "", ds["label"].values.astype(str))))
    with pytest.warns(UserWarning, match=r"1 of the recording's \d+ neurons are named but not in "
                      r"connectome 'short' \(e.g. 'AIBL'\): treated as unnamed"):
        nd.save_dataset(no_repeat, tmp_path / "w3.zarr", connectome=short)


def test_blocked_cross_validation_splits():
    p = nd.get_protocol("single", frames=1000, context=4, horizon=8, folds=5, fold=2)
    rows = p.splits()
    test = [r for r in rows if r.split == "test"]
    assert [(r.start, r.stop) for r in test] == [(396, 600)]  # targets 400..599, context from 396
    for r in rows:
        if r.split in ("train", "val"):  # no fitting window within C + H frames of a test target
            assert r.stop <= 400 - 12 or r.start >= 600 + 12
    targets = set()
    for k in range(5):
        t = next(r for r in nd.get_protocol("single", frames=1000, context=4, horizon=8, folds=5,
                                        fold=k).splits() if r.split == "test")
        targets |= set(range(t.start + 4, t.stop))
    assert targets == set(range(4, 1000))  # every frame (after the first context) is tested once
    with pytest.raises(Exception, match="folds must be 0"):
        nd.get_protocol("single", frames=1000, folds=1)


def test_blocked_cross_validation_benchmark(tmp_path, capsys):
    rng = np.random.default_rng(2)
    ds = nd.make_dataset(rng.normal(0, 1, (600, 3)).astype(np.float32), dt_s=0.5)
    res = run_benchmark(ds, models=["naive"], context=4, horizon=2, cv_folds=3)
    x = ds.traces.values
    starts = [s for k in range(3) for s in range(max(200 * k, 4) - 4, 200 * (k + 1) - 4 - 2 + 1)]
    err = np.stack([np.abs(x[s + 4:s + 6] - x[s + 3]) for s in starts])
    assert int(res.scorecard["n_windows"].values[0]) == len(starts)
    np.testing.assert_allclose(res.scorecard["score"].sel(model="naive", metric="mae").values[0],
                               err.mean(axis=2).mean(axis=0), rtol=1e-6)
    path = nd.save_dataset(ds, tmp_path / "d.zarr")
    assert main(["bench", str(path), "--models", "mean,linear", "--context", "4", "--horizon", "2",
                 "--folds", "3", "--out", str(tmp_path / "o"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["linear"]["mae"] > 0 and out["folds"] == 3


def _traces_csv(path, header_cells, first_columns):
    """A CSV of 40 frames × 3 neurons (AVAL, AVAR, ASHL) after the given leading columns."""
    x = np.random.default_rng(0).normal(size=(40, 3))
    rows = [",".join([*header_cells, "AVAL", "AVAR", "ASHL"])]
    rows += [",".join([*(f"{c[i]:.10g}" for c in first_columns), *(f"{v:.6f}" for v in x[i])])
             for i in range(40)]
    path.write_text("\n".join(rows) + "\n")
    return x


@pytest.mark.parametrize("header", [["time"], ["", "time"], ["Time_s"], ["timestamp_confocal"]])
def test_csv_time_column_is_the_timestamps_not_a_neuron(tmp_path, capsys, header):
    t = 10.0 + np.arange(40) * 0.6 + np.random.default_rng(1).uniform(-0.05, 0.05, 40)
    src = tmp_path / "with_time.csv"
    x = _traces_csv(src, header, [np.arange(40), t][-len(header):])
    out = tmp_path / "t.zarr"
    assert main(["data", "import", str(src), str(out), "--format", "matrix"]) == 0
    err = capsys.readouterr().err
    assert f"column {header[-1]!r} holds the frame timestamps" in err
    ds = nd.open_dataset(out)
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "ASHL"]
    np.testing.assert_allclose(ds.time.values, t - t[0], atol=1e-9)
    np.testing.assert_allclose(ds.traces.values, x, atol=1e-6)
    assert ds.attrs["dt_s"] == pytest.approx(np.median(np.diff(t)))


@pytest.mark.parametrize("start", [0, 1, 100])
def test_csv_pandas_row_index_is_dropped_with_a_note(tmp_path, capsys, start):
    src = tmp_path / "indexed.csv"
    x = _traces_csv(src, [""], [start + np.arange(40)])
    out = tmp_path / "i.zarr"
    assert main(["data", "import", str(src), str(out), "--format", "matrix", "--dt-s", "0.5"]) == 0
    assert "unnamed first column counts rows" in capsys.readouterr().err
    ds = nd.open_dataset(out)
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "ASHL"]
    np.testing.assert_allclose(ds.traces.values, x, atol=1e-6)
    assert any("row index" in n for n in ds.attrs["import_notes"])
    assert main(["data", "info", str(out)]) == 0
    assert "import note  the unnamed first column" in capsys.readouterr().out


def test_csv_unnamed_column_that_does_not_increase_stays_a_neuron(tmp_path):
    src = tmp_path / "blank.csv"
    unnamed = np.random.default_rng(5).normal(size=40)  # a neuron NeuroPAL could not identify
    x = _traces_csv(src, [""], [unnamed])
    ds = nd.load_matrix(src, dt_s=0.5)
    assert ds.neuron.values.tolist() == ["unnamed-0", "AVAL", "AVAR", "ASHL"]
    np.testing.assert_allclose(ds.traces.values[:, 1:], x, atol=1e-6)
    assert "import_notes" not in ds.attrs


def _paused(tmp_path, jitter=0.0):
    """An .h5 recording: 800 frames 0.5 s apart (± jitter), with a 600 s pause after frame 399."""
    import h5py

    rng = np.random.default_rng(2)
    t = np.arange(800) * 0.5 + rng.uniform(-jitter, jitter, 800)
    t[400:] += 600.0
    x = rng.normal(size=(800, 4)).astype(np.float32)
    with h5py.File(tmp_path / "gap_time.h5", "w") as f:
        f["traces"], f["time"] = x, t
    return tmp_path / "gap_time.h5", t, x


def test_resampling_leaves_pauses_in_acquisition_empty(tmp_path, capsys):
    src, t, x = _paused(tmp_path)
    with pytest.raises(NonFiniteError, match=r"1,200 of 2,000 frames .* inside 1 pause\(s\) in acquisition "
                                             r"\(the longest 600.5 s, after frame 399\)"):
        nd.load_matrix(src, resample_s=0.5)
    assert main(["data", "import", str(src), str(tmp_path / "r.zarr"), "--format", "matrix",
                 "--resample", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "--allow-nan" in err and "Traceback" not in err and not (tmp_path / "r.zarr").exists()
    ds = nd.load_matrix(src, resample_s=0.5, allow_nan=True)
    v = ds.traces.values
    assert v.shape == (2000, 4)
    inside = (ds.time.values > t[399]) & (ds.time.values < t[400])
    assert inside.sum() == 1200 and np.isnan(v[inside]).all() and np.isfinite(v[~inside]).all()
    np.testing.assert_allclose(v[:400], x[:400], atol=1e-6)  # the frames on either side are kept
    np.testing.assert_allclose(v[-400:], x[-400:], atol=1e-6)


def test_resampling_interpolates_through_jitter(tmp_path):
    src, t, x = _paused(tmp_path, jitter=0.07)  # intervals 0.36-0.64 s: no pause but the long one
    t = t - t[0]
    ds = nd.load_matrix(src, resample_s=0.5, allow_nan=True)
    grid = ds.time.values
    inside = (grid > t[399]) & (grid < t[400])
    assert np.isfinite(ds.traces.values[~inside]).all()
    np.testing.assert_allclose(ds.traces.values[~inside, 2], np.interp(grid[~inside], t, x[:, 2]),
                               rtol=1e-5, atol=1e-6)
