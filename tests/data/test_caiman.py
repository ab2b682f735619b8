"""CaImAn's ``cnm.save()`` HDF5 and CNMF-E's MATLAB ``results`` struct, built in their real
layouts: which array is read, its orientation, the accepted components, the frame rate."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

h5py = pytest.importorskip("h5py")

N, T = 12, 300
RNG = np.random.default_rng(0)
C = np.abs(RNG.normal(0, 1, (N, T))).cumsum(1) % 5
YRA = RNG.normal(0, 0.1, (N, T))
F_DFF = (C + YRA) / 10
GOOD = [0, 2, 3, 5, 7, 8, 11]
BAD = [1, 4, 6, 9, 10]


def _caiman(path, *, dff="array", idx=True, good=GOOD, bad=BAD):
    """A file as CaImAn's save_dict_to_hdf5 writes it (None saved as the string 'NoneType');
    ``good``, ``bad``: idx_components and idx_components_bad as saved (bad=None: left out)."""
    with h5py.File(path, "w") as h:
        e = h.create_group("estimates")
        e["C"], e["S"], e["YrA"] = C, np.maximum(C - 2, 0), YRA
        if dff == "array":
            e["F_dff"] = F_DFF
        elif dff == "none":
            e["F_dff"] = "NoneType"
        e["b"] = RNG.random((64 * 64, 1))
        e["f"] = RNG.random((1, T))  # the background: 1 × T
        a = e.create_group("A")
        a["data"], a["indices"] = RNG.random(50), RNG.integers(0, 4096, 50)
        a["indptr"], a["shape"] = np.linspace(0, 50, N + 1).astype(int), np.array([4096, N])
        e["idx_components"] = np.asarray(good) if idx else "NoneType"
        if bad is not None:
            e["idx_components_bad"] = np.asarray(bad) if idx else "NoneType"
        e["dims"] = np.array([64, 64])
        e["SNR_comp"] = RNG.random(N)
        e["R"] = "NoneType"
        h["dims"] = np.array([64, 64])
        h["dview"] = "NoneType"
        d = h.create_group("params/data")
        d["fr"], d["decay_time"] = 15.0, 0.4
        d["fnames"] = np.array([b"/data/mov.tif"])
        h["params/init/K"] = 4
    return path


def test_only_the_accepted_components_are_read_named_by_index(tmp_path):
    ds = nd.load_matrix(_caiman(tmp_path / "cm.hdf5"))
    assert ds.sizes == {"time": T, "neuron": len(GOOD)}
    assert ds.neuron.values.tolist() == [str(i) for i in GOOD]
    np.testing.assert_allclose(ds.traces.values, F_DFF[GOOD].T, rtol=1e-6)
    assert ds.attrs["dt_s"] == pytest.approx(1 / 15)
    assert "trace_kind" not in ds.attrs  # F_dff is ΔF/F
    notes = " ".join(ds.attrs["import_notes"])
    assert "7 of the 12 CaImAn components are accepted" in notes and "5 rejected" in notes
    assert "--all-rois" in notes


def test_all_rois_keeps_every_component(tmp_path):
    ds = nd.load_matrix(_caiman(tmp_path / "cm.hdf5"), all_rois=True)
    assert ds.sizes == {"time": T, "neuron": N}
    assert ds.neuron.values.tolist() == [str(i) for i in range(N)]
    np.testing.assert_allclose(ds.traces.values, F_DFF.T, rtol=1e-6)
    assert any("5 of them rejected" in n for n in ds.attrs["import_notes"])


def test_not_evaluated_components_are_all_read(tmp_path):
    """idx_components saved as 'NoneType' (evaluate_components() not run): every component."""
    ds = nd.load_matrix(_caiman(tmp_path / "cm.hdf5", idx=False))
    assert ds.sizes == {"time": T, "neuron": N}
    assert not any("accepted" in n for n in ds.attrs["import_notes"])


@pytest.mark.parametrize("dff", ["missing", "none"])
def test_without_f_dff_the_denoised_c_is_read_not_the_background(tmp_path, dff):
    ds = nd.load_matrix(_caiman(tmp_path / "cm.hdf5", dff=dff))
    assert ds.attrs["source"].endswith("#estimates/C")
    assert ds.sizes == {"time": T, "neuron": len(GOOD)}
    np.testing.assert_allclose(ds.traces.values, C[GOOD].T, rtol=1e-6)
    assert ds.attrs["trace_kind"] == "fluorescence"
    notes = " ".join(ds.attrs["import_notes"])
    assert "not ΔF/F" in notes and "detrend_df_f" in notes


def test_without_f_dff_declared_dff_is_kept(tmp_path):
    ds = nd.load_matrix(_caiman(tmp_path / "cm.hdf5", dff="missing"), trace_kind="dff")
    assert ds.attrs["trace_kind"] == "dff"


def test_cli_all_rois_for_caiman(tmp_path, capsys):
    src = _caiman(tmp_path / "cm.hdf5")
    assert main(["data", "import", str(src), str(tmp_path / "a.zarr"), "--all-rois"]) == 0
    assert nd.open_dataset(tmp_path / "a.zarr").sizes["neuron"] == N
    assert main(["data", "import", str(src), str(tmp_path / "b.zarr")]) == 0
    ds = nd.open_dataset(tmp_path / "b.zarr")
    assert ds.neuron.values.tolist() == [str(i) for i in GOOD]
    assert "5 rejected" in capsys.readouterr().err


def test_indices_beyond_the_components_are_refused(tmp_path):
    path = _caiman(tmp_path / "cm.hdf5")
    with h5py.File(path, "a") as h:
        del h["estimates/idx_components"]
        h["estimates/idx_components"] = np.array([0, 12])
    with pytest.raises(FormatError, match="holds 12 components") as err:
        nd.load_matrix(path)
    assert "--all-rois" in err.value.hint


def test_cnmfe_results_struct_is_read_neuron_by_time_with_its_frame_rate(tmp_path):
    """CNMF-E: results.C (K × T, here 7 × 250) and results.options.Fs; read as 7 neurons."""
    sio = pytest.importorskip("scipy.io")
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(9)
    k, t = 7, 250
    c = np.abs(rng.normal(0, 1, (k, t)))
    results = {"A": sp.random(40 * 30, k, density=0.05, format="csc", random_state=1),
               "C": c, "C_raw": rng.normal(0, 1, (k, t)),
               "S": np.maximum(rng.normal(0, 1, (k, t)), 0), "Cn": rng.random((40, 30)),
               "PNR": rng.random((40, 30)), "options": {"d1": 40, "d2": 30, "Fs": 10.0, "gSig": 3}}
    sio.savemat(tmp_path / "cnmfe.mat", {"results": results})
    ds = nd.load_matrix(tmp_path / "cnmfe.mat")
    assert ds.sizes == {"time": t, "neuron": k}
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    np.testing.assert_allclose(ds.traces.values, c.T, rtol=1e-6)
    assert ds.attrs["trace_kind"] == "fluorescence"
    assert ds.attrs["source"].endswith("#results/C")
    assert any("CNMF-E's (neuron, time)" in n for n in ds.attrs["import_notes"])
    ds = nd.load_matrix(tmp_path / "cnmfe.mat", key="results/C_raw")
    assert ds.sizes == {"time": t, "neuron": k}


# ---------------------------------------------------------------- counted from 1, 2-D indices

def test_indices_counted_from_one_are_converted_with_a_note(tmp_path):
    """MATLAB's 1-based indices: accepted ∪ rejected number the components 1..N. Read as
    0-based they kept the wrong components (1, 3, 4, ... instead of 0, 2, 3, ...) silently."""
    path = _caiman(tmp_path / "cm.hdf5", good=np.add(GOOD, 1), bad=np.add(BAD, 1))
    ds = nd.load_matrix(path)
    assert ds.neuron.values.tolist() == [str(i) for i in GOOD]
    np.testing.assert_allclose(ds.traces.values, F_DFF[GOOD].T, rtol=1e-6)
    notes = " ".join(ds.attrs["import_notes"])
    assert "counted from 1 in the file" in notes and "7 of the 12 CaImAn components" in notes


def test_indices_counted_from_one_up_to_n_are_read_not_refused(tmp_path):
    """The last component accepted: index N (12) was refused as 'inconsistent'."""
    good, bad = [1, 3, 12], [i for i in range(1, N + 1) if i not in (1, 3, 12)]
    ds = nd.load_matrix(_caiman(tmp_path / "cm.hdf5", good=good, bad=bad))
    assert ds.neuron.values.tolist() == ["0", "2", "11"]
    np.testing.assert_allclose(ds.traces.values, F_DFF[[0, 2, 11]].T, rtol=1e-6)


@pytest.mark.parametrize("shape", [(1, -1), (-1, 1)])
def test_a_row_or_column_of_indices_is_read(tmp_path, shape):
    """A (1, k) index array (MATLAB keeps vectors 2-D) was ignored: every component read."""
    path = _caiman(tmp_path / "cm.hdf5", good=np.reshape(GOOD, shape),
                   bad=np.reshape(BAD, shape))
    ds = nd.load_matrix(path)
    assert ds.neuron.values.tolist() == [str(i) for i in GOOD]
    assert any("7 of the 12 CaImAn components" in n for n in ds.attrs["import_notes"])


def test_indices_that_do_not_number_the_components_are_refused_with_the_counts(tmp_path):
    """In range but not a partition of 0..N-1 (nor 1..N) with the rejected: which components
    were accepted is not known."""
    path = _caiman(tmp_path / "cm.hdf5", good=[0, 2, 3], bad=[1, 4])
    with pytest.raises(FormatError, match=r"lists 3 \(0\.\.3\) accepted components and "
                       r"'estimates/idx_components_bad' 2 \(1\.\.4\) rejected, but "
                       r"'estimates/F_dff' holds 12 components") as err:
        nd.load_matrix(path)
    assert "from 1 (MATLAB's)" in err.value.message and "--all-rois" in err.value.hint
    ds = nd.load_matrix(path, all_rois=True)  # the way out the hint gives works
    assert ds.sizes["neuron"] == N
    assert any("which were rejected is not known" in n for n in ds.attrs["import_notes"])


def test_indices_up_to_n_without_the_rejected_say_they_may_count_from_one(tmp_path):
    path = _caiman(tmp_path / "cm.hdf5", good=[1, 5, 12], bad=None)
    with pytest.raises(FormatError, match="counted from 1 \\(MATLAB's\\) they would fit") as err:
        nd.load_matrix(path)
    assert "subtract 1" in err.value.hint
