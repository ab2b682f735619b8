"""A scientist's findings with their own data (round 28): the default realism reference decided
from what a recording is (its neuron names), realism_stats warning when every statistic is NaN,
strict JSON (null for NaN) and n_scored counting only scored statistics, a --transpose hint
for names that fit the rows, and open_dataset's NaN hint naming the Python call."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.cli._output import print_json
from neurocast.connectome import Connectome
from neurocast.errors import FormatError, NonFiniteError

#: Real C. elegans neuron names (standard hermaphrodite names).
WORM = ["AVAL", "AVAR", "AVBL", "AVBR", "AVDL", "AVDR", "AVEL", "AVER", "RIML", "RIMR", "AIBL",
        "AIBR", "ASHL", "ASHR", "RIS", "ALA", "DVA", "PVT", "SMDVL", "SMDVR", "RMEL", "RMER",
        "VB1", "DB1", "AS1", "DA1", "VA1", "SAADL", "SAADR", "URYDL"]


def _strict(text: str):
    """json.loads refusing the non-standard tokens NaN / Infinity (as jq or JavaScript do)."""
    def refuse(token):
        raise ValueError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def _walk(n_frames, n_neurons, seed=0):
    return (np.cumsum(np.random.default_rng(seed).normal(size=(n_frames, n_neurons)), 0)
            * 0.05).astype(np.float32)


def _store(tmp_path, name, x, names=None, source="matrix:/lab/rec.csv"):
    ds = nd.make_dataset(x, dt_s=0.6, neuron=names, source=source)
    return nd.save_dataset(ds, tmp_path / name)


# ---------------------------------------------------------------- 1. reference from the names
def test_worm_names_with_a_lab_named_connectome_get_the_worm_reference(tmp_path, capsys):
    """Finding 1: 'labworm' (a lab's copy of the worm connectome) and a file called rec.csv
    named nothing C. elegans, so the worm recording was compared with zebrafish."""
    path = _store(tmp_path, "worm.zarr", _walk(900, len(WORM)), WORM)
    con = Connectome.from_edges(pd.DataFrame({"id": range(len(WORM)), "name": WORM}),
                                pre=[0, 1], post=[1, 2], count=[1, 1], name="labworm")
    nd.attach_connectome(path, con)
    assert nd.reference_group(nd.open_dataset(path)) == "celegans"
    assert main(["data", "stats", str(path), "--json"]) == 0
    label = json.loads(capsys.readouterr().out)["reference"]
    assert label.startswith("real celegans")
    assert "30 of its 30 named neurons are C. elegans neuron names" in label  # says why
    assert main(["data", "stats", str(path)]) == 0
    assert "because 30 of its 30 named neurons" in capsys.readouterr().out


def test_partly_identified_worm_counts_named_neurons_only():
    """NeuroPAL recordings leave many neurons unnamed: only the named ones are counted."""
    names = WORM[:6] + [f"unnamed-{k}" for k in range(6, 14)] + ["14", "15"]
    ds = nd.make_dataset(_walk(300, 16), dt_s=0.6, neuron=names, source="matrix:/x.csv")
    assert nd.reference_group(ds) == "celegans"


def test_other_names_keep_the_zebrafish_reference_and_say_why(tmp_path, capsys):
    fish = _store(tmp_path, "fish.zarr", _walk(300, 8), [f"roi{k}" for k in range(8)])
    ids = _store(tmp_path, "ids.zarr", _walk(300, 8))  # default names: 0, 1, ...
    mixed = _store(tmp_path, "mixed.zarr", _walk(300, 8),  # 1 worm-like name of 8: not a worm
                   ["M1"] + [f"tectum{k}" for k in range(7)])
    for path in (fish, ids, mixed):
        assert nd.reference_group(nd.open_dataset(path)) == "zebrafish"
    assert main(["data", "stats", str(fish), "--json"]) == 0
    label = json.loads(capsys.readouterr().out)["reference"]
    assert label.startswith("real zebrafish") and "none of its neuron names" in label


def test_a_celegans_source_still_chooses_the_worm_reference(tmp_path):
    path = _store(tmp_path, "sim.zarr", _walk(300, 8), source="celegans-cook2019")
    assert nd.reference_group(nd.open_dataset(path)) == "celegans"


# ---------------------------------------------------------------- 2. too short: warn
def test_realism_stats_warns_on_a_neuron_major_array_passed_as_is():
    """Finding 2: a (neuron, time) array read as 20 frames x 500 neurons: all NaN, silently."""
    x = np.cumsum(np.random.default_rng(0).normal(size=(500, 20)), 0)  # (time, neuron)
    with pytest.warns(UserWarning, match=r"20 frames, fewer than the 50 \(MIN_FRAMES\)") as got:
        res = nd.realism_stats(x.T, dt_s=0.1, progress=False)
    assert np.isnan(res["overall"]["lag1_autocorr"])
    said = str(got[0].message)
    assert "is the array (time, neuron)?" in said and "x.T" in said


def test_trace_stats_warns_too_and_names_both_minimums():
    x = np.zeros((30, 3))
    x[:, 0] = np.random.default_rng(0).normal(size=30)
    with pytest.warns(UserWarning, match="30 frames, fewer than the 50 .* and 1 neuron that "
                                         "varies, fewer than the 2"):
        nd.trace_stats(x, 0.1)


def test_realism_stats_is_quiet_on_a_measurable_recording_and_data_stats_notes_once(
        tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # neurocast's warnings (other libraries' may come)
        nd.realism_stats(_walk(200, 6), dt_s=0.1, progress=False)
    path = _store(tmp_path, "short.zarr", _walk(40, 6))
    assert main(["data", "stats", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.count("50 frames") == 1  # the command's note only, not the warning as well


# ---------------------------------------------------------------- 3. strict JSON, n_scored
def test_data_stats_json_is_strict_and_counts_no_statistic_it_could_not_score(tmp_path, capsys):
    """Finding 3: bare NaN tokens (invalid JSON) and n_scored 6 with nothing scored."""
    path = _store(tmp_path, "short.zarr", _walk(40, 6))
    assert main(["data", "stats", str(path), "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    assert out["overall"]["lag1_autocorr"] is None
    assert out["comparison"]["lag1_autocorr"]["value"] is None
    assert (out["n_inside"], out["n_scored"]) == (0, 0)
    assert main(["data", "stats", str(path)]) == 0
    text = capsys.readouterr().out
    assert "0 of the 6" not in text and "none of the 6 scored statistics" in text


def test_print_json_writes_null_for_nan_and_inf(capsys):
    print_json({"a": float("nan"), "b": np.float32("inf"), "c": np.array([1.0, np.nan]),
                "d": [np.float64(2.5), -float("inf")], "e": (np.int64(3), True, None, "x")})
    assert _strict(capsys.readouterr().out) == {"a": None, "b": None, "c": [1.0, None],
                                                 "d": [2.5, None], "e": [3, True, None, "x"]}


def test_compare_stats_counts_only_statistics_with_a_value():
    stats = dict.fromkeys(nd.STATISTICS, float("nan"))
    stats.update(lag1_autocorr=0.85, median_abs_r=0.9)
    cmp = nd.compare_stats(stats, nd.reference_ranges("celegans"))
    assert (cmp["n_inside"], cmp["n_scored"]) == (1, 2)


# ---------------------------------------------------------------- 4. names fit the rows
def _neuron_major(tmp_path, n_names=30):
    np.save(tmp_path / "nm.npy", np.random.default_rng(0).normal(size=(30, 800)))
    (tmp_path / "names.txt").write_text("".join(f"N{i}\n" for i in range(n_names)))
    return tmp_path / "nm.npy", tmp_path / "names.txt"


def test_names_as_many_as_the_rows_suggest_transpose(tmp_path, capsys):
    """Finding 4: 30 names for a (30 neurons, 800 frames) matrix: the hint said only 'one name
    per column'."""
    src, names = _neuron_major(tmp_path)
    assert main(["data", "import", str(src), str(tmp_path / "o.zarr"), "--dt-s", "0.1",
                 "--names", str(names)]) == 2
    err = capsys.readouterr().err
    assert "30 neuron names for 800 trace columns" in err and "--transpose" in err
    with pytest.raises(FormatError) as got:
        nd.load_recording(src, "matrix", dt_s=0.1, neuron_names=str(names))
    assert "transpose=True" in got.value.hint
    ds = nd.load_recording(src, "matrix", dt_s=0.1, neuron_names=str(names), transpose=True)
    assert ds.sizes["neuron"] == 30  # what the hint says works


def test_names_fitting_neither_axis_keep_the_plain_hint(tmp_path):
    src, names = _neuron_major(tmp_path, n_names=29)
    with pytest.raises(FormatError) as got:
        nd.load_recording(src, "matrix", dt_s=0.1, neuron_names=str(names))
    assert "one name per column" in got.value.hint and "transpose" not in got.value.hint


# ---------------------------------------------------------------- 5. open_dataset's NaN hint
def test_open_dataset_nan_hint_names_the_python_call(tmp_path):
    """Finding 5: the hint named only CLI flags for a Python user of open_dataset."""
    x = _walk(300, 5)
    x[10, 2] = np.nan
    path = nd.save_dataset(nd.make_dataset(x, dt_s=0.1, allow_nan=True), tmp_path / "n.zarr",
                           allow_nan=True)
    with pytest.raises(NonFiniteError) as got:
        nd.open_dataset(path)
    hint = got.value.hint
    assert "--nan skip-windows" in hint  # the command line's route, as before
    assert "(Python: open_dataset(path, allow_nan=True)" in hint
    assert "run_inference(ds, nan=...)" in hint
