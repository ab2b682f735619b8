"""``--stimulus-columns`` (``load_matrix(stimulus_columns=...)``): a recording's own stimulus or
behaviour trace, a column of its table or a 1-D array of its container, is read as a stimulus
covariate (the ``stimulus`` variable) instead of as a neuron, so the models that use covariates
(the ``stimulus`` baseline, ``tide``, ...) can use it."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import ConfigError, FormatError, NonFiniteError

T = 40
RNG = np.random.default_rng(7)
X = np.cumsum(RNG.normal(0, 0.05, (T, 3)), axis=0)  # three neurons' ΔF/F
STIM = (np.arange(T) % 8 < 2).astype(float)  # 0/1 pulses, period 8
LASER = np.round(2.5 * (np.arange(T) % 10 >= 5), 2)  # mW


def _csv(path, stim=STIM, laser=LASER, t=None):
    """A table as a rig exports it: time, neurons, and the stimulus columns among them."""
    frame = pd.DataFrame({"Time (s)": np.arange(T) * 0.5 if t is None else t,
                          "AVAL": X[:, 0], "stim": stim, "AVAR": X[:, 1],
                          "Laser (mW)": laser, "RIML": X[:, 2]})
    frame.to_csv(path, index=False)
    return path


def _load(path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no doubt about such a clean file
        return nd.load_matrix(path, **options)


def test_table_columns_become_the_stimulus_covariates(tmp_path):
    src = _csv(tmp_path / "rec.csv")
    ds = _load(src, stimulus_columns=["stim", "laser"])  # 'laser' matches 'Laser (mW)'
    assert list(ds["neuron"].values) == ["AVAL", "AVAR", "RIML"]
    np.testing.assert_allclose(ds["traces"].values, X, atol=1e-6)
    assert ds["stimulus"].dims == ("time", "covariate") and ds["stimulus"].shape == (T, 2)
    assert list(ds["covariate"].values) == ["stim", "Laser (mW)"]  # named as in the file
    np.testing.assert_array_equal(ds["stimulus"].values, np.stack([STIM, LASER], axis=1)
                                  .astype(np.float32))
    note = next(n for n in ds.attrs["import_notes"] if "stimulus covariates" in n)
    assert "'stim', 'Laser (mW)'" in note and "--stimulus-columns" in note
    assert not any("named like a stimulus" in n for n in ds.attrs["import_notes"])
    # case ignored, the unit given or not, one comma-separated string as the flag's value
    again = _load(src, stimulus_columns="STIM, laser (mW)")
    assert list(again["covariate"].values) == ["stim", "Laser (mW)"]
    # a name given with another unit is not the column
    with pytest.raises(FormatError, match=r"has no column 'laser \(W\)'"):
        nd.load_matrix(src, stimulus_columns=["laser (W)"])


def test_the_note_on_columns_named_like_a_stimulus_suggests_the_flag(tmp_path):
    ds = nd.load_matrix(_csv(tmp_path / "rec.csv"))
    assert "stim" in list(ds["neuron"].values)  # without the flag: read as neurons, as before
    note = next(n for n in ds.attrs["import_notes"] if "named like a stimulus" in n)
    assert note.endswith("to read them as stimulus covariates: --stimulus-columns "
                         "'stim,Laser (mW)'")
    # only the columns left among the neurons are pointed out
    ds = nd.load_matrix(tmp_path / "rec.csv", stimulus_columns=["stim"])
    note = next(n for n in ds.attrs["import_notes"] if "named like a stimulus" in n)
    assert note.endswith("--stimulus-columns 'Laser (mW)'") and "'stim'" not in note


def test_names_count_the_neuron_columns_only(tmp_path):
    src = _csv(tmp_path / "rec.csv")
    (tmp_path / "names.txt").write_text("n1\nn2\nn3\n")
    ds = nd.load_matrix(src, stimulus_columns=["stim", "laser"], neuron_names=tmp_path / "names.txt")
    assert list(ds["neuron"].values) == ["n1", "n2", "n3"] and ds.sizes["covariate"] == 2
    with pytest.raises(FormatError, match="5 neuron names for 3 trace columns") as err:
        nd.load_matrix(src, stimulus_columns=["stim", "laser"],
                       neuron_names=["n1", "stim", "n2", "laser", "n3"])
    assert "the 2 stimulus column(s)" in err.value.hint and "not named by --names" in err.value.hint


def test_a_container_s_behaviour_vector_becomes_a_covariate(tmp_path):
    velocity = RNG.normal(0, 0.02, T)
    np.savez(tmp_path / "rec.npz", dff=X, time=np.arange(T) * 0.6, velocity=velocity,
             head_curvature=RNG.normal(0, 0.3, T))
    ds = _load(tmp_path / "rec.npz", stimulus_columns=["Velocity"])
    assert ds.sizes["neuron"] == 3 and list(ds["covariate"].values) == ["velocity"]
    np.testing.assert_allclose(ds["stimulus"].values[:, 0], velocity, rtol=1e-6)
    assert any("array(s) 'velocity' are read as the stimulus covariates" in n
               for n in ds.attrs["import_notes"])


def test_a_wormwideweb_like_json_file_brings_its_behaviour_in(tmp_path):
    """neuron × time traces (transposed on reading), behaviour one value per frame, one of them
    in a nested object (matched by its last part)."""
    velocity, curvature = RNG.normal(0, 0.02, T), RNG.normal(0, 0.3, T)
    doc = {"trace_array": X.T.tolist(), "timestamp_confocal": (np.arange(T) * 0.6).tolist(),
           "num_neurons": 3, "max_t": T, "velocity": velocity.tolist(),
           "behavior": {"head_curvature": curvature.tolist()},
           "forwardness": [0.1, 0.2, 0.3]}  # one value per neuron: not a covariate
    (tmp_path / "worm.json").write_text(json.dumps(doc))
    ds = nd.load_matrix(tmp_path / "worm.json", stimulus_columns=["velocity", "head_curvature"])
    assert ds["traces"].shape == (T, 3) and list(ds["covariate"].values) == ["velocity",
                                                                             "head_curvature"]
    np.testing.assert_allclose(ds["stimulus"].values, np.stack([velocity, curvature], 1), rtol=1e-5)
    with pytest.raises(FormatError, match=r"'forwardness' holds 3 values for the traces' 40 "
                                          r"frames \(as many as the neurons"):
        nd.load_matrix(tmp_path / "worm.json", stimulus_columns=["forwardness"])
    doc["velocity"][4] = None  # JSON's missing value
    (tmp_path / "gap.json").write_text(json.dumps(doc))
    with pytest.raises(FormatError, match=r"covariate 'velocity' holds no value .* in frame 4 "
                                          r"\(counted from 0\)") as err:
        nd.load_matrix(tmp_path / "gap.json", stimulus_columns=["velocity"], allow_nan=True)
    assert "fill the missing values" in err.value.hint
    doc["velocity"] = ["fwd"] * T  # a label per frame
    (tmp_path / "text.json").write_text(json.dumps(doc))
    with pytest.raises(FormatError, match="stimulus covariates are numbers") as err:
        nd.load_matrix(tmp_path / "text.json", stimulus_columns=["velocity"])
    assert "--conditions" in err.value.hint


def test_an_excel_sheet_s_stimulus_column(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Time (s)", "AVAL", "Stim", "AVAR"])
    for i in range(T):
        sheet.append([i * 0.5, float(X[i, 0]), float(STIM[i]), float(X[i, 1])])
    book.save(tmp_path / "rec.xlsx")
    ds = _load(tmp_path / "rec.xlsx", stimulus_columns=["stim"])
    assert list(ds["neuron"].values) == ["AVAL", "AVAR"] and list(ds["covariate"].values) == ["Stim"]
    np.testing.assert_array_equal(ds["stimulus"].values[:, 0], STIM)
    sheet["C5"] = None  # an empty cell in the stimulus column
    book.save(tmp_path / "gap.xlsx")
    with pytest.raises(FormatError, match=r"covariate 'Stim' holds no value .* in cell C5"):
        nd.load_matrix(tmp_path / "gap.xlsx", stimulus_columns=["stim"], allow_nan=True)


def test_a_name_not_found_lists_what_could_be_meant(tmp_path):
    src = _csv(tmp_path / "rec.csv")
    with pytest.raises(FormatError, match=r"has no column 'stimulus' \(--stimulus-columns\)") as err:
        nd.load_matrix(src, stimulus_columns=["stimulus"])
    assert err.value.hint.startswith("did you mean 'stim', 'Laser (mW)'?")
    assert "'Time (s)', 'AVAL'" in err.value.hint
    np.savez(tmp_path / "rec.npz", dff=X, time=np.arange(T) * 0.6, velocity=np.zeros(T))
    with pytest.raises(FormatError, match="has no array 'speed'") as err:
        nd.load_matrix(tmp_path / "rec.npz", stimulus_columns=["speed"])
    assert "'velocity'" in err.value.hint and "'time'" in err.value.hint
    assert "'dff'" not in err.value.hint  # a matrix could not be meant


def test_a_missing_value_in_a_stimulus_column_is_refused_naming_its_row(tmp_path):
    stim = STIM.copy()
    stim[[6, 9]] = np.nan  # empty cells in the CSV
    src = _csv(tmp_path / "rec.csv", stim=stim)
    with pytest.raises(FormatError, match=r"stimulus covariate 'stim' holds no value \(an empty "
                                          r"cell, null or NaN\) in row 7 below the header; 2 such "
                                          r"values in all") as err:
        nd.load_matrix(src, stimulus_columns=["stim"], allow_nan=True)  # traces only
    assert "fill the missing values" in err.value.hint


def test_a_text_column_is_refused_pointing_to_conditions(tmp_path):
    src = _csv(tmp_path / "rec.csv", stim=np.where(np.arange(T) < 20, "rest", "odor"))
    with pytest.raises(FormatError, match=r"stimulus column 'stim' holds text \('rest' in row 1 "
                                          r".*\): stimulus covariates are numbers") as err:
        nd.load_matrix(src, stimulus_columns=["stim"])
    assert "--conditions" in err.value.hint


def test_resampling_resamples_the_stimulus_onto_the_same_grid(tmp_path):
    t = np.cumsum(np.r_[0.0, RNG.uniform(0.5, 0.7, T - 1)])  # uneven volumes
    laser = np.sin(t)  # a smooth trace: linear interpolation is checkable
    with pytest.warns(UserWarning, match="upsamples frames recorded") as caught:
        ds = nd.load_matrix(_csv(tmp_path / "rec.csv", t=t, laser=laser),
                            stimulus_columns=["stim", "laser"], resample_s=0.5)
    assert sum("upsamples" in str(w.message) for w in caught) == 1  # not again for the stimulus
    assert any("upsamples" in n for n in ds.attrs["import_notes"])
    grid = ds["time"].values
    assert ds.attrs["resampled_s"] == 0.5 and ds["stimulus"].shape == (grid.size, 2)
    np.testing.assert_allclose(ds["stimulus"].values[:, 1], np.interp(grid, t, laser), atol=1e-6)
    np.testing.assert_allclose(ds["stimulus"].values[:, 0], np.interp(grid, t, STIM), atol=1e-6)
    np.testing.assert_allclose(ds["traces"].values[:, 0], np.interp(grid, t, X[:, 0]), atol=1e-5)


def test_a_pause_holds_the_last_stimulus_value_where_the_traces_are_gaps(tmp_path):
    t = np.arange(T) * 0.5
    t[20:] += 5.0  # acquisition paused for 5 s after frame 19
    src = _csv(tmp_path / "rec.csv", t=t, laser=np.arange(T, dtype=float))
    with pytest.raises(NonFiniteError, match="pause"):  # the traces' refusal, as without stimulus
        nd.load_matrix(src, stimulus_columns=["laser"], resample_s=0.5)
    ds = nd.load_matrix(src, stimulus_columns=["laser"], resample_s=0.5, allow_nan=True)
    gap = np.isnan(ds["traces"].values).all(axis=1)
    assert gap.sum() == 10 and np.isfinite(ds["stimulus"].values).all()
    np.testing.assert_array_equal(ds["stimulus"].values[gap, 0], 19.0)  # frame 19's value held
    assert any("hold the stimulus covariates' last recorded value" in n
               for n in ds.attrs["import_notes"])


def test_refused_where_there_are_no_named_columns(tmp_path):
    np.save(tmp_path / "x.npy", X)
    with pytest.raises(ConfigError, match="one plain array") as err:
        nd.load_matrix(tmp_path / "x.npy", dt_s=0.5, stimulus_columns=["stim"])
    assert "np.savez" in err.value.hint
    with pytest.raises(ConfigError, match="with --transpose"):
        nd.load_matrix(_csv(tmp_path / "rec.csv"), stimulus_columns=["stim"], transpose=True)
    np.savetxt(tmp_path / "bare.csv", X, delimiter=",")
    with pytest.raises(FormatError, match="no header row"):
        nd.load_matrix(tmp_path / "bare.csv", dt_s=0.5, stimulus_columns=["stim"])
    with pytest.raises(ConfigError, match="names no column"):
        nd.load_matrix(tmp_path / "bare.csv", dt_s=0.5, stimulus_columns=[" "])


def test_cli_imports_the_stimulus_and_bench_scores_the_stimulus_baseline(tmp_path, capsys):
    n = 600
    rng = np.random.default_rng(1)
    stim = (np.arange(n) % 20 < 5).astype(float)
    x = 0.3 * stim[:, None] + rng.normal(0, 0.05, (n, 3))  # neurons respond to the stimulus
    frame = pd.DataFrame({"time": np.arange(n) * 0.5, "AVAL": x[:, 0], "stim": stim,
                          "AVAR": x[:, 1], "RIML": x[:, 2]})
    frame.to_csv(tmp_path / "rec.csv", index=False)
    out = tmp_path / "rec.zarr"
    assert main(["data", "import", str(tmp_path / "rec.csv"), str(out),
                 "--stimulus-columns", "stim"]) == 0
    err = capsys.readouterr().err
    assert "note: column(s) 'stim' are read as the stimulus covariates" in err
    ds = nd.open_dataset(out)
    assert list(ds["covariate"].values) == ["stim"] and ds.sizes["neuron"] == 3
    assert main(["bench", str(out), "--models", "naive,stimulus", "--horizon", "8",
                 "--no-realism", "--out", str(tmp_path / "b"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["summary"]) == {"naive", "stimulus"}
    assert not any(note.startswith("stimulus:") for note in result["notes"])


def test_cli_refuses_the_flag_for_other_formats(tmp_path, capsys, write_nwb):
    write_nwb(tmp_path / "rec.nwb", np.asarray(X, dtype=np.float32), rate=2.0)
    assert main(["data", "import", str(tmp_path / "rec.nwb"), str(tmp_path / "o.zarr"),
                 "--stimulus-columns", "stim"]) == 2
    err = capsys.readouterr().err
    assert "format 'nwb' does not take --stimulus-columns" in err and "Traceback" not in err
    assert not (tmp_path / "o.zarr").exists()
