"""Frame rates under the names real files use (suite2p's fs, CNMF-E's options.Fs, BIDS's
SamplingFrequency, ...), and ΔF/F saved in percent."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd

X = np.random.default_rng(1).normal(0, 0.2, (100, 4))


@pytest.mark.parametrize("name", ["fs", "Fs", "sampling_frequency", "sampling_rate",
                                  "SamplingFrequency", "samplingRate", "framerate"])
def test_a_frame_rate_named_so_in_an_npz_is_read(tmp_path, name):
    np.savez(tmp_path / "r.npz", traces=X, **{name: 20.0})
    ds = nd.load_matrix(tmp_path / "r.npz")
    assert ds.attrs["dt_s"] == pytest.approx(0.05)
    assert ds.sizes == {"time": 100, "neuron": 4}


def test_a_rate_in_a_nested_matlab_struct_is_read(tmp_path):
    sio = pytest.importorskip("scipy.io")
    sio.savemat(tmp_path / "r.mat", {"rec": {"traces": X, "options": {"Fs": 4.0, "d1": 3}}})
    ds = nd.load_matrix(tmp_path / "r.mat")
    assert ds.attrs["dt_s"] == pytest.approx(0.25)
    assert ds.sizes == {"time": 100, "neuron": 4}


def test_a_rate_as_an_hdf5_attribute_named_like_bids(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "r.h5", "w") as f:
        f["traces"] = X
        f.attrs["SamplingFrequency"] = 2.0
    assert nd.load_matrix(tmp_path / "r.h5").attrs["dt_s"] == pytest.approx(0.5)


def test_dff_in_percent_gets_a_note_and_is_not_changed(tmp_path):
    pct = np.random.default_rng(2).normal(0, 20, (200, 5)) + 5
    np.savez(tmp_path / "p.npz", dff=pct, fps=10.0)
    with pytest.warns(UserWarning, match="ΔF/F in percent") as caught:
        ds = nd.load_matrix(tmp_path / "p.npz")
    assert "divide the traces by 100" in str(caught[0].message)
    np.testing.assert_allclose(ds.traces.values, pct.astype(np.float32))
    assert any("percent" in n for n in ds.attrs["import_notes"])


@pytest.mark.parametrize("scale", [1.0, 3.0])
def test_fractional_dff_with_large_transients_gets_no_percent_note(tmp_path, scale):
    import warnings

    rng = np.random.default_rng(3)
    dff = rng.normal(0, 0.1, (500, 6))
    dff[rng.random(dff.shape) < 0.005] = scale  # rare transients up to 3 ΔF/F
    np.savez(tmp_path / "f.npz", dff=dff, fps=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = nd.load_matrix(tmp_path / "f.npz")
    assert "import_notes" not in ds.attrs


def test_raw_fluorescence_keeps_its_own_note_not_the_percent_one(tmp_path):
    raw = 1000.0 + 50.0 * np.random.default_rng(0).standard_normal((40, 3))
    np.savez(tmp_path / "raw.npz", traces=raw, fps=5.0)
    with pytest.warns(UserWarning, match="raw fluorescence") as caught:
        nd.load_matrix(tmp_path / "raw.npz")
    assert not any("percent" in str(w.message) for w in caught)
