"""`neurocast data verify` / ``verify_dataset``: damaged array metadata and the saved connectome."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
import xarray as xr

import neurocast.data as nd
from neurocast.cli import main
from neurocast.data import DamagedDatasetError, _store

NAMES = ["A", "B", "C", "D", "E"]


def _store_with(tmp_path, connectome=None, name="d.zarr"):
    rng = np.random.default_rng(0)
    ds = nd.make_dataset(rng.normal(0, 1, (300, 5)).astype(np.float32), dt_s=0.5, neuron=NAMES)
    return nd.save_dataset(ds, tmp_path / name, connectome=connectome)


def test_truncated_array_metadata_gives_one_error_and_no_asyncio_noise(tmp_path):
    path = _store_with(tmp_path)
    meta = path / "traces" / "zarr.json"
    meta.write_bytes(meta.read_bytes()[:60])
    for action in ("verify", "info"):
        run = subprocess.run([sys.executable, "-m", "neurocast.cli", "data", action, str(path)],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 2, run.stderr
        assert "Task exception was never retrieved" not in run.stderr
        lines = run.stderr.splitlines()
        assert len(lines) == 2 and lines[1].startswith("  hint: "), run.stderr
        assert "is damaged: traces: its metadata cannot be read (JSONDecodeError" in lines[0]


def test_a_missing_array_zarr_json_is_damage(tmp_path):
    path = _store_with(tmp_path)
    (path / "traces" / "zarr.json").unlink()
    report = nd.verify_dataset(path)
    assert report.problems == ["traces: its zarr.json is missing"]
    with pytest.raises(DamagedDatasetError, match=r"traces: its zarr\.json is missing"):
        nd.open_dataset(path)


def test_the_store_records_its_connectome(tmp_path, tiny_connectome):
    path = _store_with(tmp_path, tiny_connectome)
    record = nd.open_dataset(path).attrs[_store.CONNECTOME_ATTR]
    assert record == {"file": "connectome.npz", "n_bytes": (path / "connectome.npz").stat().st_size}
    assert nd.verify_dataset(path).ok


@pytest.mark.parametrize("damage, says", [
    ("delete", "connectome.npz is missing (the store records one saved with it)"),
    ("append", "connectome.npz was altered"),
])
def test_verify_reports_a_deleted_or_altered_connectome(tmp_path, capsys, tiny_connectome,
                                                        damage, says):
    path = _store_with(tmp_path, tiny_connectome)
    file = path / "connectome.npz"
    if damage == "delete":
        file.unlink()
    else:
        file.write_bytes(file.read_bytes() + b"\0")
    report = nd.verify_dataset(path)
    assert not report.ok and report.problems[0].startswith(says)
    assert main(["data", "verify", str(path)]) == 2
    assert says in capsys.readouterr().err
    with pytest.raises(DamagedDatasetError, match=re.escape(says.split(" (")[0])):
        nd.check_dataset(path)  # what bench runs first


def test_attach_records_the_connectome(tmp_path, tiny_connectome):
    path = _store_with(tmp_path)
    nd.attach_connectome(path, tiny_connectome)
    assert nd.verify_dataset(path).ok
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the consolidated metadata was written again: no fallback
        xr.open_zarr(path)
    (path / "connectome.npz").unlink()
    assert "connectome.npz is missing" in nd.verify_dataset(path).problems[0]


def test_older_stores_without_the_record_verify_as_before(tmp_path, tiny_connectome):
    path = _store_with(tmp_path, tiny_connectome)
    root = path / "zarr.json"
    meta = json.loads(root.read_text())
    del meta["attributes"][_store.CONNECTOME_ATTR]
    root.write_text(json.dumps(meta))
    (path / "connectome.npz").unlink()  # never recorded: nothing to miss
    assert nd.verify_dataset(path).ok


def test_a_copy_saved_without_the_connectome_does_not_inherit_the_record(tmp_path, tiny_connectome):
    opened = nd.open_dataset(_store_with(tmp_path, tiny_connectome))
    # connectome=False: no wiring saved (by default a copy saves the wiring it carries); attrs
    # come along, the record not
    copy = nd.save_dataset(opened, tmp_path / "copy.zarr", connectome=False)
    assert _store.CONNECTOME_ATTR not in nd.open_dataset(copy).attrs
    assert nd.verify_dataset(copy).ok
