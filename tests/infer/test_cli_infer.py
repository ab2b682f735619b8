"""`neurocast infer`: JSON output, files, reproducibility, errors (exit 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurocast.cli import main


@pytest.fixture(scope="module")
def worm_store(tmp_path_factory):
    """A short worm-default recording (300 frames) saved with its connectome, as `neurocast record` does."""
    path = tmp_path_factory.mktemp("rec") / "worm.zarr"
    assert main(["record", "celegans-cook2019", "--stimulus", "worm-default", "--frames", "300",
                 "--out", str(path)]) == 0
    return path


def _run_json(capsys, *args):
    code = main(["infer", *map(str, args), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)  # exactly one JSON object on stdout


def test_cli_infer_json_on_a_recording(worm_store, tmp_path, capsys):
    doc = _run_json(capsys, worm_store, "--out", tmp_path / "o")
    assert doc["truth"] == "celegans-cook2019" and doc["n_neurons"] == 302 and doc["n_edges"] > 3000
    assert list(doc["methods"]) == ["pearson", "partial", "ridge", "ridge-deconv", "xcorr", "challenge"]
    for name, row in doc["methods"].items():
        assert 0.0 <= row["auroc"] <= 1.0 and 0.0 <= row["auprc"] <= 1.0, name
        assert row["auprc"] > 0.5 * row["base_rate"]
    assert doc["methods"]["pearson"]["direction_accuracy"] is None  # undirected
    assert doc["methods"]["ridge"]["direction_accuracy"] is not None
    for key in ("netcdf", "csv", "roc_pr", "matrices", "report"):
        assert (tmp_path / "o").joinpath(doc["files"][key].split("/")[-1]).is_file()
    html = (tmp_path / "o" / "report.html").read_text()
    assert '<section id="inference">' in html and "data:image/png;base64," in html


def test_cli_infer_is_reproducible_with_the_same_seed(worm_store, tmp_path, capsys):
    args = [worm_store, "--methods", "ridge", "--observed", "0.5", "--out", tmp_path / "o"]
    a = _run_json(capsys, *args, "--seed", "3")
    b = _run_json(capsys, *args, "--seed", "3")
    c = _run_json(capsys, *args, "--seed", "4")
    assert a["methods"] == b["methods"] and a["n_neurons"] == 151
    assert a["methods"] != c["methods"]  # another random half of the neurons


def test_cli_infer_truth_option(worm_store, tmp_path, capsys):
    doc = _run_json(capsys, worm_store, "--methods", "pearson", "--truth", "celegans-cook2019",
                    "--out", tmp_path / "o")
    assert doc["truth"] == "celegans-cook2019"


def test_cli_infer_text(worm_store, tmp_path, capsys):
    assert main(["infer", str(worm_store), "--methods", "pearson,partial", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["method", "auroc", "auprc"]
    assert "report:" in out


@pytest.mark.parametrize("args, message", [
    (["--methods", "pearsn"], "unknown inference method 'pearsn'"),
    (["--observed", "1.5"], "observed fraction must lie in (0, 1]"),
    (["--truth", "no-such-net"], "unknown built-in connectome"),
    (["--truth", "fly-synth"], "names none of the recording's 302 neurons"),
])
def test_cli_infer_bad_input_exit_2(worm_store, tmp_path, capsys, args, message):
    assert main(["infer", str(worm_store), "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "hint:" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_cli_infer_on_the_neurons_another_worm_connectome_names(worm_store, tmp_path, capsys):
    """Witvliet's adult connectome lacks 122 of Cook's 302 names: those are left out with a
    note, and the 180 it names are scored against it."""
    res = _run_json(capsys, worm_store, "--truth", "celegans-witvliet2021", "--methods", "pearson",
                    "--out", tmp_path / "o")
    notes = " ".join(res["notes"])
    assert "122 of the recording's 302 neurons are named but not in connectome" in notes
    assert "left out of inference and scoring" in notes
    assert res["n_neurons"] == 180, res.keys()


def test_cli_infer_missing_dataset_and_missing_truth(tmp_path, capsys):
    assert main(["infer", str(tmp_path / "nothing.zarr")]) == 2
    assert "error:" in capsys.readouterr().err
    from neurocast.data import make_dataset, save_dataset

    ds = make_dataset(np.random.default_rng(0).standard_normal((50, 4)), dt_s=0.5)
    save_dataset(ds, tmp_path / "bare.zarr")  # no connectome inside
    assert main(["infer", str(tmp_path / "bare.zarr"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no true connectome" in err and "--truth" in err


def test_cli_infer_output_folder_is_a_file(worm_store, tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("x")
    assert main(["infer", str(worm_store), "--methods", "pearson", "--out", str(taken)]) == 2
    assert "is a file" in capsys.readouterr().err


@pytest.mark.parametrize("argv, says", [(["--observed", "1.5"], "observed fraction must lie in (0, 1]"),
                                        (["--methods", ""], "the value of --methods is empty")])
def test_cli_infer_refuses_options_before_it_starts(worm_store, tmp_path, capsys, argv, says):
    assert main(["infer", str(worm_store), "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and "inferring connectivity" not in err and not (tmp_path / "o").exists()


def test_methods_alone_lists_them_and_a_dataset_is_needed_otherwise(capsys):
    import json

    from neurocast.cli import main

    assert main(["infer", "--methods", "--json"]) == 0
    names = [m["name"] for m in json.loads(capsys.readouterr().out)["methods"]]
    assert names[:3] == ["pearson", "partial", "ridge"] and "ridge-sparse" in names
    assert main(["infer"]) == 2
    assert "infer needs a dataset" in capsys.readouterr().err
