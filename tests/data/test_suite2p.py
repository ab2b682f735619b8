"""suite2p output (`--format suite2p`): plane folders written the way suite2p writes them."""

from __future__ import annotations

import datetime
import json
import pathlib

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

# 4 ROIs × 6 frames; ROIs 0 and 2 are cells. Values whose differences are exact in float32.
F = np.array([[10, 12, 14, 16, 18, 20],
              [50, 50, 50, 50, 50, 50],
              [100, 90, 80, 70, 60, 50],
              [7, 7, 7, 7, 7, 7]], dtype=np.float32)
FNEU = np.array([[4, 6, 8, 10, 12, 14],
                 [30, 30, 30, 30, 30, 30],
                 [20, 20, 20, 40, 40, 40],
                 [2, 2, 2, 2, 2, 2]], dtype=np.float32)
ISCELL = np.array([[1.0, 0.93], [0.0, 0.12], [1.0, 0.71], [0.0, 0.40]])


def _ops(**extra) -> dict:
    """An ops dict with the kinds of values suite2p's has besides fs and neucoeff."""
    return {"fs": 20.0, "neucoeff": 0.5, "tau": 1.5, "nplanes": 1, "nframes": F.shape[1],
            "date_proc": datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone(
                datetime.timedelta(hours=2))),
            "save_path0": pathlib.PurePosixPath("/data/mouse1"), "data_path": ["/data/mouse1"],
            "meanImg": np.ones((4, 4), np.float32), "yoff": np.zeros(6, np.int32),
            "badframes": np.zeros(6, bool), "block_size": (128, 128), "Ly": np.int64(4),
            "timing": {"registration": 1.5}, "flags": {"a"}, **extra}


def _plane(folder, f=F, fneu=FNEU, iscell=ISCELL, ops=None, settings_file="ops.npy"):
    """Write a plane folder as suite2p does (np.save of arrays and of the settings dict)."""
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "F.npy", f)
    np.save(folder / "Fneu.npy", fneu)
    np.save(folder / "spks.npy", np.zeros_like(f))
    if iscell is not None:
        np.save(folder / "iscell.npy", iscell)
    np.save(folder / "stat.npy", np.array([{"med": [i, i], "npix": 20} for i in range(len(f))],
                                          dtype=object), allow_pickle=True)
    if ops is not False:
        np.save(folder / settings_file, _ops() if ops is None else ops, allow_pickle=True)
    return folder


def test_plane_folder_keeps_the_cells_subtracts_the_neuropil_and_reads_fs(tmp_path):
    ds = nd.load_suite2p(_plane(tmp_path / "suite2p" / "plane0"))
    assert list(ds.neuron.values) == ["roi0", "roi2"]  # suite2p's ROI index: stat.npy[2]
    np.testing.assert_array_equal(ds.traces.values, np.array(
        [[8, 90], [9, 80], [10, 70], [11, 50], [12, 40], [13, 30]], np.float32))  # F − 0.5·Fneu
    assert ds.attrs["dt_s"] == 1 / 20.0 and ds.attrs["trace_kind"] == "fluorescence"
    notes = " | ".join(ds.attrs["import_notes"])
    assert "2 of 4 ROIs are classed as cells" in notes and "2 others are left out" in notes
    assert "c = 0.5 (from ops.npy)" in notes


def test_settings_npy_wins_over_an_ops_npy_left_from_an_earlier_run(tmp_path):
    folder = _plane(tmp_path / "plane0", ops={"fs": 5.0, "neucoeff": 0.9})  # a 0.x run's
    np.save(folder / "settings.npy", {"fs": 10.0, "extraction": {"neuropil_coefficient": 0.3}},
            allow_pickle=True)  # the 1.x run that wrote F.npy
    ds = nd.load_suite2p(folder)
    assert ds.attrs["dt_s"] == 0.1
    np.testing.assert_array_equal(ds.traces.values, (F[[0, 2]] - np.float32(0.3) * FNEU[[0, 2]]).T)


@pytest.mark.parametrize(("file", "settings", "c"), [
    ("ops.npy", {"fs": 10.0}, 0.7),  # no neucoeff: suite2p's default
    ("ops.npy", {"fs": 10.0, "neucoeff": 0.8}, 0.8),
    ("settings.npy", {"fs": 10.0, "extraction": {"neuropil_coefficient": 0.3}}, 0.3),  # 1.x
])
def test_neuropil_coefficient_from_suite2p_0x_and_1x_settings(tmp_path, file, settings, c):
    ds = nd.load_suite2p(_plane(tmp_path / "plane0", ops=settings, settings_file=file))
    expected = F[[0, 2]] - np.float32(c) * FNEU[[0, 2]]  # suite2p's own float32 arithmetic
    np.testing.assert_array_equal(ds.traces.values, expected.T)
    assert ds.attrs["dt_s"] == 0.1


def test_a_plane_its_f_npy_and_a_one_plane_suite2p_folder_read_the_same(tmp_path):
    plane = _plane(tmp_path / "suite2p" / "plane0")
    for path in (plane, plane / "F.npy", tmp_path / "suite2p"):
        assert nd.recording_format(path) == "suite2p"
        ds = nd.load_recording(path, "suite2p")
        assert list(ds.neuron.values) == ["roi0", "roi2"] and ds.attrs["dt_s"] == 0.05
    np.save(tmp_path / "F.npy", F)  # an F.npy alone is a plain matrix
    assert nd.recording_format(tmp_path / "F.npy") == "matrix"


def test_all_rois_keeps_every_roi_and_says_how_many_are_not_cells(tmp_path):
    ds = nd.load_suite2p(_plane(tmp_path / "plane0"), all_rois=True)
    assert list(ds.neuron.values) == ["roi0", "roi1", "roi2", "roi3"]
    np.testing.assert_array_equal(ds.traces.values, (F - np.float32(0.5) * FNEU).T)
    assert any("all 4 ROIs kept, 2 of them not classed as cells" in n
               for n in ds.attrs["import_notes"])


def test_planes_of_a_suite2p_folder_are_joined_and_combined_is_left_out(tmp_path):
    root = tmp_path / "suite2p"
    _plane(root / "plane0")
    _plane(root / "plane1", f=F + 1, iscell=ISCELL[::-1], ops=_ops(neucoeff=0.25))  # ROIs 1, 3
    _plane(root / "combined", f=np.zeros((8, 6), np.float32), fneu=np.zeros((8, 6), np.float32),
           iscell=np.ones((8, 2)))
    ds = nd.load_suite2p(root)
    assert list(ds.neuron.values) == ["plane0/roi0", "plane0/roi2", "plane1/roi1", "plane1/roi3"]
    np.testing.assert_array_equal(ds.traces.values[:, 2:],
                                  (F[[1, 3]] + 1 - np.float32(0.25) * FNEU[[1, 3]]).T)
    notes = " | ".join(ds.attrs["import_notes"])
    assert "2 planes (plane0, plane1) joined" in notes
    assert "c = plane0: 0.5 (from ops.npy), plane1: 0.25 (from ops.npy)" in notes
    _plane(root / "plane1", f=F[:, :4], fneu=FNEU[:, :4])
    with pytest.raises(FormatError, match=r"different frames \(plane0 6, plane1 4\)") as err:
        nd.load_suite2p(root)
    assert "plane0" in err.value.hint


def test_planes_one_frame_apart_lose_the_incomplete_last_volume(tmp_path):
    """suite2p stops mid-volume: the planes imaged before the stop have one frame more."""
    root = tmp_path / "suite2p"
    _plane(root / "plane0")
    _plane(root / "plane1", f=F[:, :5] + 1, fneu=FNEU[:, :5])
    ds = nd.load_suite2p(root)
    assert dict(ds.traces.sizes) == {"time": 5, "neuron": 4}
    plane0 = F[[0, 2], :5] - np.float32(0.5) * FNEU[[0, 2], :5]
    np.testing.assert_array_equal(ds.traces.values[:, :2], plane0.T)
    np.testing.assert_array_equal(ds.traces.values[:, 2:], (plane0 + 1).T)
    assert any("planes of 5 and 6 frames (the last volume incomplete); the last frame of plane0 "
               "left out" in n for n in ds.attrs["import_notes"])


def _with(tmp_path, name, array):
    folder = _plane(tmp_path / "plane0")
    np.save(folder / name, array)
    return folder


@pytest.mark.parametrize(("change", "message", "hint"), [
    (lambda p: _with(p, "Fneu.npy", FNEU[:, :5]),
     r"F.npy has shape \(4, 6\) \(ROI, frame\) but Fneu.npy \(4, 5\)", "same suite2p run"),
    (lambda p: _with(p, "iscell.npy", ISCELL[:3]),
     r"iscell.npy has shape \(3, 2\), but F.npy holds 4 ROIs", "--all-rois"),
    (lambda p: _with(p, "iscell.npy", np.zeros((4, 2))),
     "iscell.npy classes none of the 4 ROIs as a cell", "--all-rois"),
    (lambda p: _plane(p / "plane0", iscell=None), "holds no iscell.npy", "--all-rois"),
    (lambda p: p, "holds no F.npy, nor plane folders", "suite2p/plane0"),
    (lambda p: _plane(p / "plane0", ops=False), "holds no settings.npy or ops.npy, so the frame "
     "rate is unknown", "--dt-s"),
    (lambda p: _plane(p / "plane0", ops={"neucoeff": 0.7}), "ops.npy gives no frame rate 'fs'",
     "--dt-s"),
    (lambda p: _plane(p / "plane0", ops={"fs": 0.0}), "fs = 0.0, not a positive number", "--dt-s"),
    (lambda p: _with(p, "ops.npy", np.arange(3.0)),
     r"holds an array of shape \(3,\) \(float64\), not the settings dict", "--dt-s"),
])
def test_bad_suite2p_output_gets_one_clear_error(tmp_path, change, message, hint):
    with pytest.raises(FormatError, match=message) as err:
        nd.load_suite2p(change(tmp_path))
    assert hint in err.value.hint


class _RunsCode:
    """Unpickling this would create a file: what a malicious ops.npy could do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_ops_npy_is_unpickled_with_plain_data_only(tmp_path):
    sentinel = tmp_path / "ran"
    folder = _plane(tmp_path / "plane0", ops=_ops(evil=_RunsCode(sentinel)))
    with pytest.raises(FormatError, match=r"object of type 'io\.open', which neurocast "
                       "does not unpickle") as err:
        nd.load_suite2p(folder)
    assert "--dt-s" in err.value.hint and not sentinel.exists()
    ds = nd.load_suite2p(folder, dt_s=0.25)  # the timing given: imported without the settings
    assert not sentinel.exists() and ds.attrs["dt_s"] == 0.25
    np.testing.assert_array_equal(ds.traces.values, (F[[0, 2]] - np.float32(0.7) * FNEU[[0, 2]]).T)
    assert any("c = 0.7 (suite2p's default" in n and "io.open" in n
               for n in ds.attrs["import_notes"])


def test_ops_npy_cannot_change_the_path_classes_of_the_process(tmp_path):
    """A pickle's BUILD opcode sets attributes of the object it is applied to: applied to a
    path class the unpickler hands out, it would change every path of the process."""
    folder = _plane(tmp_path / "plane0", ops=False)
    with open(folder / "ops.npy", "wb") as fp:  # a dict, after BUILD on pathlib.PurePosixPath
        np.lib.format.write_array_header_1_0(fp, {"descr": "|O", "fortran_order": False,
                                                  "shape": ()})
        fp.write(b"\x80\x02cpathlib\nPurePosixPath\nN}X\x08\x00\x00\x00tamperedK\x01s\x86b0"
                 b"}X\x02\x00\x00\x00fsG@4\x00\x00\x00\x00\x00\x00s.")
    try:
        ds = nd.load_suite2p(folder, dt_s=0.5)
        assert not hasattr(pathlib.PurePosixPath, "tampered")
        assert ds.attrs["dt_s"] == 0.5
    finally:
        if "tampered" in vars(pathlib.PurePosixPath):
            del pathlib.PurePosixPath.tampered


def test_a_plane_is_read_holding_two_copies_of_its_kept_rows_at_most(tmp_path):
    """F.npy and Fneu.npy are memory-mapped: only the cells' rows are read, and F − c·Fneu is
    computed in place on them (it used to hold a third copy, c·Fneu)."""
    import tracemalloc

    from neurocast.data._suite2p import _load_plane

    rng = np.random.default_rng(0)
    f = rng.random((400, 3000), dtype=np.float32) + 500
    iscell = np.zeros((400, 2))
    iscell[::2, 0] = 1  # half the ROIs: the other rows are never read
    folder = _plane(tmp_path / "plane0", f=f, fneu=f / 2, iscell=iscell)
    kept = f[::2].nbytes
    tracemalloc.start()
    try:
        plane = _load_plane(folder, dt_s=None, all_rois=False, notes=[])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(plane.traces, (f[::2] - np.float32(0.5) * (f[::2] / 2)).T)
    assert peak < 2.5 * kept, peak / kept


def test_dt_s_replaces_fs_and_stands_in_for_missing_settings(tmp_path):
    assert nd.load_suite2p(_plane(tmp_path / "a"), dt_s=0.5).attrs["dt_s"] == 0.5
    ds = nd.load_suite2p(_plane(tmp_path / "b", ops=False), dt_s=0.5)
    assert any("holds no settings.npy or ops.npy" in n for n in ds.attrs["import_notes"])


def test_cli_imports_a_plane_folder_and_refuses_bad_input_with_exit_2(tmp_path, capsys):
    plane = _plane(tmp_path / "suite2p" / "plane0")
    out = tmp_path / "rec.zarr"
    assert main(["data", "import", str(plane), str(out), "--json"]) == 0  # format from the path
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["n_neurons"] == 2 and summary["dt_s"] == 0.05
    assert "note: " in captured.err and "2 others are left out" in captured.err
    ds = nd.open_dataset(out)
    assert list(ds.neuron.values) == ["roi0", "roi2"] and ds.attrs["trace_kind"] == "fluorescence"
    assert main(["data", "import", str(plane), str(tmp_path / "all.zarr"), "--format", "suite2p",
                 "--all-rois", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_neurons"] == 4

    np.save(plane / "iscell.npy", np.zeros((4, 2)))
    bad = tmp_path / "bad.zarr"
    assert main(["data", "import", str(plane), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "classes none of the 4 ROIs as a cell" in err and "hint:" in err
    assert "Traceback" not in err and not bad.exists()
    assert main(["data", "import", str(plane), str(bad), "--format", "suite2p",
                 "--trace-kind", "dff"]) == 2
    assert "format 'suite2p' does not take --trace-kind" in capsys.readouterr().err
    assert not bad.exists()
