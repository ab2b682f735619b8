"""Inscopix IDPS cell-trace CSV exports: two header rows (cell names, then each cell's status);
the accepted cells are read, --all-rois reads every cell (docs/datasets.md)."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

T = 40
X = np.random.default_rng(8).normal(0, 0.2, (T, 5))


def _export(path, status, first=" "):
    """The file as IDPS writes it: cells padded with a space, the time (s) first."""
    with open(path, "w") as f:
        f.write(f"{first}," + ",".join(f" C{i:02d}" for i in range(len(status))) + "\n")
        f.write(" Time(s)/Cell Status," + ",".join(f" {s}" for s in status) + "\n")
        for i in range(T):
            f.write(f"{0.05 * i:.6f}," + ",".join(f"{v:.6f}" for v in X[i, :len(status)]) + "\n")
    return path


STATUS = ["accepted", "rejected", "accepted", "undecided", "accepted"]


@pytest.mark.parametrize("first", [" ", " Time(s)/Cell Name"])
def test_accepted_cells_are_read(tmp_path, first):
    src = _export(tmp_path / "inscopix_traces.csv", STATUS, first)
    ds = nd.load_matrix(src)
    assert ds.neuron.values.tolist() == ["C00", "C02", "C04"]
    np.testing.assert_allclose(ds.time.values, 0.05 * np.arange(T), atol=1e-9)
    np.testing.assert_allclose(ds.traces.values, X[:, [0, 2, 4]], atol=1e-6)
    assert ds.attrs["dt_s"] == pytest.approx(0.05)
    assert ("Inscopix IDPS export: the 3 accepted cells are read, not the 1 rejected ('C01') "
            "nor the 1 undecided ('C03')") in ds.attrs["import_notes"][0]


def test_all_rois_reads_every_cell(tmp_path, capsys):
    src = _export(tmp_path / "cells.csv", STATUS)
    ds = nd.load_matrix(src, all_rois=True)
    assert ds.neuron.values.tolist() == ["C00", "C01", "C02", "C03", "C04"]
    np.testing.assert_allclose(ds.traces.values, X, atol=1e-6)
    out = tmp_path / "o.zarr"
    assert main(["data", "import", str(src), str(out), "--all-rois"]) == 0
    assert "every cell is read (--all-rois)" in capsys.readouterr().err
    assert nd.open_dataset(out).sizes["neuron"] == 5


def test_a_cell_set_never_reviewed_is_refused(tmp_path):
    src = _export(tmp_path / "raw.csv", ["undecided"] * 3)
    with pytest.raises(FormatError, match=r"no accepted cell \(3 undecided\)") as err:
        nd.load_matrix(src)
    assert "--all-rois" in err.value.hint
    assert nd.load_matrix(src, all_rois=True).sizes["neuron"] == 3
    odd = _export(tmp_path / "odd.csv", ["accepted", "maybe"])
    with pytest.raises(FormatError, match="a cell status 'maybe'"):
        nd.load_matrix(odd)
