"""`neurocast record`: an --out that is not a zarr name, an infinite --snr and a seed out of range
are refused before any work (exit 2, one error and a hint); gap junctions a LIF plan does not
simulate are noted."""

from __future__ import annotations

import json

import pytest

from neurocast.cli import main
from neurocast.cli._parser import build_parser


def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def _refused(capsys, tmp_path, out_name, *extra):
    out = tmp_path / out_name
    code, stdout, err = _run(capsys, "record", "celegans-cook2019", "--stimulus", "worm-lif",
                             "--frames", "40", "--out", out, *extra)
    first, *rest = err.strip().splitlines()
    assert code == 2 and stdout == "" and not out.exists() and "Traceback" not in err
    assert first.startswith("neurocast: error:") and all(r.startswith("  hint:") for r in rest)
    return err


@pytest.mark.parametrize("name, hint", [("f9.npz", "f9.zarr"), ("rec.parquet", "rec.zarr"),
                                        ("run.NC", "run.zarr"), ("x.csv.gz", "x.csv.zarr")])
def test_an_out_with_a_file_suffix_is_refused(capsys, tmp_path, name, hint):
    # record --out f9.npz wrote a zarr folder named f9.npz
    err = _refused(capsys, tmp_path, name)
    assert "record writes a zarr folder, so its name ends in .zarr" in err
    assert f"e.g. --out {tmp_path / hint}" in err


@pytest.mark.parametrize("name", ["worm_snr0.5", "v1.2", "run.v2"])
def test_an_out_with_a_dot_that_is_no_file_suffix_is_a_zarr_folder(capsys, tmp_path, name):
    # the hint for worm_snr0.5 was worm_snr0.zarr, and runs/v1.2 was refused
    out = tmp_path / name
    code, _, err = _run(capsys, "record", "celegans-cook2019", "--stimulus", "worm-lif",
                        "--frames", "20", "--out", out, "--json")
    assert code == 0 and (out / "zarr.json").is_file(), err


def test_an_infinite_snr_is_refused_as_not_finite(capsys, tmp_path):
    # "--snr must be a positive number, got inf": but inf is positive
    err = _refused(capsys, tmp_path, "rec.zarr", "--snr", "inf")
    assert "--snr must be a positive number, and finite, got inf" in err
    assert "a large --snr such as 1e6 makes the imaging noise negligible" in err
    assert "Python API (docs/recordings.md, --snr)" in err


@pytest.mark.parametrize("text", ["1e30", "9.1e15", "1.5", "-1", "1e6.0"])
def test_a_seed_that_is_not_an_exact_whole_number_is_refused(capsys, tmp_path, text):
    err = _refused(capsys, tmp_path, "rec.zarr", "--seed", text)
    assert f"not {text!r}" in err


@pytest.mark.parametrize("text, seed", [("18446744073709551621", 2**64 + 5), ("1e6", 10**6),
                                        (str(2**128 - 1), 2**128 - 1)])
def test_a_seed_of_any_size_is_a_seed(text, seed):
    # seeds were refused from 2**63, though numpy takes any whole number >= 0 (128-bit seeds
    # are what it recommends)
    assert build_parser("x").parse_args(["record", "c", "--out", "o", "--seed", text]).seed == seed


def test_a_record_with_a_seed_beyond_2_64(capsys, tmp_path):
    out = tmp_path / "rec.zarr"
    code, stdout, err = _run(capsys, "record", "celegans-cook2019", "--stimulus", "worm-lif",
                             "--frames", "20", "--out", out, "--seed", 2**64 + 5, "--json")
    assert code == 0, err
    assert json.loads(stdout)["seed"] == 2**64 + 5


@pytest.mark.parametrize("plan, noted", [("worm-lif", True), ("worm-default", False)])
def test_gap_junctions_of_a_lif_plan_are_noted(capsys, tmp_path, plan, noted):
    out = tmp_path / "rec"  # no suffix: a zarr folder at that path, as data import writes
    code, _, err = _run(capsys, "record", "celegans-cook2019", "--stimulus", plan, "--frames", "20",
                        "--out", out, "--json")
    assert code == 0 and (out / "zarr.json").is_file()
    note = ("note: celegans-cook2019 has 1,091 gap-junction pairs; they are not simulated: the LIF "
            "models (shiu, shiu-adapt) have chemical synapses only")
    assert err.splitlines().count(note) == (1 if noted else 0)  # the graded model simulates them
