"""A suite2p plane without any cell is skipped with a note when other planes have cells."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

from .test_suite2p import ISCELL, _plane

NO_CELLS = np.zeros_like(ISCELL)


def test_plane_without_cells_is_skipped_with_a_note(tmp_path):
    s2p = tmp_path / "suite2p"
    _plane(s2p / "plane0")
    _plane(s2p / "plane1", iscell=NO_CELLS)
    _plane(s2p / "plane2")
    ds = nd.load_suite2p(s2p)
    assert ds["neuron"].values.tolist() == ["plane0/roi0", "plane0/roi2", "plane2/roi0",
                                            "plane2/roi2"]
    assert any("plane1" in n and "none of the 4 ROIs" in n and "left out" in n
               for n in ds.attrs["import_notes"])


def test_no_plane_with_cells_is_refused(tmp_path, capsys):
    s2p = tmp_path / "suite2p"
    _plane(s2p / "plane0", iscell=NO_CELLS)
    _plane(s2p / "plane1", iscell=NO_CELLS)
    with pytest.raises(FormatError, match="none of its 2 planes"):
        nd.load_suite2p(s2p)
    out = tmp_path / "x.zarr"
    assert main(["data", "import", str(s2p), str(out)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists()


def test_one_plane_left_of_several_keeps_its_plane_in_the_names(tmp_path):
    s2p = tmp_path / "suite2p"
    _plane(s2p / "plane0", iscell=NO_CELLS)
    _plane(s2p / "plane1")
    assert nd.load_suite2p(s2p)["neuron"].values.tolist() == ["plane1/roi0", "plane1/roi2"]
