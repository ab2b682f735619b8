"""A --truth read from a file: reader options, names that differ in case, unknown signs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from neurocast.cli import main


@pytest.fixture
def unsigned_ring(ring, tmp_path):
    """The ring as a folder with no sign or transmitter (every sign unknown) and one pre→post
    row split in two (read with --sum-duplicates)."""
    folder = tmp_path / "ring"
    folder.mkdir()
    pd.DataFrame({"id": range(8), "name": [f"n{i}" for i in range(8)]}).to_csv(
        folder / "neurons.csv", index=False)
    pre, post = np.arange(8), (np.arange(8) + 1) % 8
    count = np.full(8, 5)
    count[0] = 2
    pd.DataFrame({"pre": [*pre, 0], "post": [*post, 1], "count": [*count, 3]}).to_csv(
        folder / "edges.csv", index=False)
    return folder


@pytest.fixture
def upper_case_recording(ring, simulate_hawkes, tmp_path):
    """The ring's activity with its neurons shuffled and named in upper case (N3, N0, ...)."""
    from neurocast.data import make_dataset, save_dataset

    calcium, _ = simulate_hawkes(ring, n_frames=6000)
    order = np.random.default_rng(1).permutation(8)
    ds = make_dataset(calcium[:, order], dt_s=0.1, neuron=[f"N{i}" for i in order])
    return save_dataset(ds, tmp_path / "upper.zarr")


def test_infer_truth_file_with_reader_options_case_and_unknown_signs(
        unsigned_ring, upper_case_recording, tmp_path, capsys):
    args = ["infer", str(upper_case_recording), "--truth", str(unsigned_ring), "--methods", "ridge",
            "--out", str(tmp_path / "o"), "--json"]
    assert main(args) == 2
    assert "--sum-duplicates" in capsys.readouterr().err  # the hint names a flag infer takes
    assert main([*args, "--sum-duplicates"]) == 0
    out, err = capsys.readouterr()
    assert "have an unknown sign (0)" in err  # the reader's warning, as a note
    doc = json.loads(out)
    row = doc["methods"]["ridge"]
    assert doc["n_edges"] == 8 and row["base_rate"] == pytest.approx(8 / 56)  # edges all the same
    assert row["auroc"] == 1.0 and row["sign_accuracy"] is None and row["auroc_exc"] is None
    case, unknown, undefined = doc["notes"]
    assert "8 of the recording's 8 neuron names match connectome 'ring' only ignoring case" in case
    assert unknown.startswith("8 of the 8 true connections have an unknown sign")
    assert "weight_corr, sign_accuracy (no connection of known sign)" in undefined


def test_reader_options_need_the_file_they_read(upper_case_recording, tmp_path, capsys):
    assert main(["infer", str(upper_case_recording), "--sum-duplicates"]) == 2
    assert "no --truth is given" in capsys.readouterr().err
    np.save(tmp_path / "x.npy", np.zeros((10, 2), np.float32))
    assert main(["data", "import", str(tmp_path / "x.npy"), str(tmp_path / "x.zarr"), "--format",
                 "matrix", "--dt-s", "1", "--columns", "pre=a,post=b,count=c"]) == 2
    assert "no --connectome is given" in capsys.readouterr().err


def test_data_import_reads_its_connectome_with_reader_options(unsigned_ring, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((10, 8), np.float32))
    (tmp_path / "names.txt").write_text("".join(f"n{i}\n" for i in range(8)))
    args = ["data", "import", str(tmp_path / "x.npy"), str(tmp_path / "x.zarr"), "--format",
            "matrix", "--dt-s", "1", "--names", str(tmp_path / "names.txt"),
            "--connectome", str(unsigned_ring), "--json"]
    assert main([*args, "--sum-duplicates"]) == 0
    assert json.loads(capsys.readouterr().out)["connectome"] == "ring"
