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
    rate, *others = ds.attrs["import_notes"]  # the frame rate read, and the orientation guess
    assert rate == (
        f"matrix file '{tmp_path / 'f.npz'}': frame rate 'fps' = 10 Hz read from the file: 0.1 s "
        "per frame; if it is not the imaging frame rate, give the seconds per frame with --dt-s")
    assert all("which axis is time" in n for n in others)


def test_raw_fluorescence_keeps_its_own_note_not_the_percent_one(tmp_path):
    raw = 1000.0 + 50.0 * np.random.default_rng(0).standard_normal((40, 3))
    np.savez(tmp_path / "raw.npz", traces=raw, fps=5.0)
    with pytest.warns(UserWarning, match="raw fluorescence") as caught:
        nd.load_matrix(tmp_path / "raw.npz")
    assert not any("percent" in str(w.message) for w in caught)


# ------------------------------------------------ rates that are not the imaging frame rate

def _h5(path, **datasets):
    """An HDF5 file holding ``dff`` (X) and ``datasets`` ('a__b' -> key 'a/b'); an entry
    'attrs' holds the root attributes."""
    h5py = pytest.importorskip("h5py")
    root = datasets.pop("attrs", {})
    with h5py.File(path, "w") as f:
        f["dff"] = X
        for k, v in datasets.items():
            f[k.replace("__", "/")] = v
        f.attrs.update(root)
    return path


@pytest.mark.parametrize(("extra", "said"), [
    ({"ephys__fs": 20000.0}, "'ephys/fs' = 20000 Hz (not beside the traces"),
    ({"recording__sampling_frequency": 30000.0}, "'recording/sampling_frequency' = 30000 Hz"),
    ({"attrs": {"fs": 30000}}, "'fs' = 30000 Hz (above 1000 Hz"),
    ({"ephys__fs": 15.0}, "'ephys/fs' = 15 Hz (not beside the traces"),
])
def test_a_rate_of_something_else_is_not_read_as_the_frame_rate(tmp_path, extra, said):
    """An electrode's fs in its own group, or a root fs of 30 kHz, gave dt = 50 µs silently."""
    from neurocast.errors import FormatError

    path = _h5(tmp_path / "r.h5", **extra)
    with pytest.raises(FormatError, match="holds no timestamps or frame interval") as err:
        nd.load_matrix(path)
    assert said in err.value.message and "--dt-s" in err.value.hint
    assert nd.load_matrix(path, dt_s=0.1).attrs["dt_s"] == pytest.approx(0.1)


def test_a_sound_rate_in_a_matlab_struct_is_not_read(tmp_path):
    sio = pytest.importorskip("scipy.io")
    from neurocast.errors import FormatError

    sio.savemat(tmp_path / "a.mat", {"dff": X, "stim": {"fs": 44100.0, "wav": np.zeros(100)}})
    with pytest.raises(FormatError, match="'stim/fs' = 44100 Hz"):
        nd.load_matrix(tmp_path / "a.mat")


def test_the_imaging_rate_is_read_beside_an_electrode_rate_and_named(tmp_path):
    path = _h5(tmp_path / "r.h5", imaging__fs=15.0, ephys__fs=20000.0)
    ds = nd.load_matrix(path)
    assert ds.attrs["dt_s"] == pytest.approx(1 / 15)
    note = " ".join(ds.attrs["import_notes"])
    assert "frame rate 'imaging/fs' = 15 Hz read from the file" in note
    assert "not read as the frame rate: 'ephys/fs' = 20000 Hz" in note


def test_a_rate_beside_the_traces_in_their_group_or_as_their_attribute_is_read(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "g.h5", "w") as f:
        f["rec/traces"] = X
        f["rec/fs"] = 4.0
    assert nd.load_matrix(tmp_path / "g.h5").attrs["dt_s"] == pytest.approx(0.25)
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f.create_dataset("plane0/dff", data=X).attrs["sampling_frequency"] = 5.0
    assert nd.load_matrix(tmp_path / "a.h5").attrs["dt_s"] == pytest.approx(0.2)


def test_several_different_frame_rates_are_refused_naming_them(tmp_path):
    """root fs = 15 and meta/fps = 30: one was picked silently."""
    from neurocast.errors import FormatError

    path = _h5(tmp_path / "r.h5", meta__fps=30.0, attrs={"fs": 15.0})
    with pytest.raises(FormatError, match="several different frame rates") as err:
        nd.load_matrix(path)
    assert "'meta/fps' = 30 Hz" in err.value.message and "'fs' = 15 Hz" in err.value.message
    assert "--dt-s 0.06667 for 15 Hz" in err.value.hint
    assert "--dt-s 0.03333 for 30 Hz" in err.value.hint
    assert nd.load_matrix(path, dt_s=0.05).attrs["dt_s"] == 0.05
    # the same rate twice is one rate
    path = _h5(tmp_path / "s.h5", meta__fps=15.0, attrs={"fs": 15.0})
    assert nd.load_matrix(path).attrs["dt_s"] == pytest.approx(1 / 15)


def test_a_frame_rate_read_is_named_in_a_note(tmp_path):
    np.savez(tmp_path / "r.npz", traces=X, fs=20.0)
    notes = nd.load_matrix(tmp_path / "r.npz").attrs["import_notes"]
    assert any("frame rate 'fs' = 20 Hz read from the file: 0.05 s per frame" in n for n in notes)


# ---------------------------------------------------------- what does not look like percent

def _quiet(path, **kw):
    """Load without any UserWarning; the notes (none about percent)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = nd.load_matrix(path, **kw)
    notes = ds.attrs.get("import_notes", [])
    assert not any("percent" in n.replace(str(path), "") for n in notes)
    return ds


def _transients(rng, shape, rate, amp):
    """Sparse exponentially decaying transients of amplitude ``amp`` (frames × neurons)."""
    events = (rng.random(shape) < rate) * amp
    kernel = np.exp(-np.arange(40) / 10.0)
    return np.apply_along_axis(lambda s: np.convolve(s, kernel)[:shape[0]], 0, events)


def test_deconvolved_spikes_get_no_percent_note(tmp_path):
    """suite2p's spks: non-negative, mostly zeros, events of hundreds (p99 ~ 300)."""
    rng = np.random.default_rng(5)
    spks = (rng.random((2000, 30)) < 0.03) * rng.gamma(2, 150, (2000, 30))
    np.save(tmp_path / "spks.npy", spks)
    _quiet(tmp_path / "spks.npy", dt_s=0.1)


def test_high_snr_robust_z_scores_get_no_percent_note(tmp_path):
    rng = np.random.default_rng(6)
    d = _transients(rng, (2000, 30), 0.01, 1.0) + rng.normal(0, 0.03, (2000, 30))
    med = np.median(d, 0)
    z = (d - med) / (1.4826 * np.median(np.abs(d - med), 0))
    assert np.percentile(np.abs(z), 99) > 10  # what the note used to fire on
    np.save(tmp_path / "z.npy", z)
    _quiet(tmp_path / "z.npy", dt_s=0.1)


def test_fluorescence_with_a_few_negative_values_gets_the_raw_note(tmp_path):
    """F minus neuropil dipping below 0 a few times (6 of 60,000) is still fluorescence."""
    rng = np.random.default_rng(7)
    f = 300 + 150 * _transients(rng, (2000, 30), 0.02, 0.3) + rng.normal(0, 30, (2000, 30))
    f[::400, 3] = -5
    np.save(tmp_path / "f.npy", f)
    with pytest.warns(UserWarning, match="raw fluorescence") as caught:
        nd.load_matrix(tmp_path / "f.npy", dt_s=0.1)
    assert "all but 5 values (zero or negative) are positive" in str(caught[0].message)
    assert not any("percent" in str(w.message) for w in caught)


def test_the_percent_note_says_how_to_silence_it(tmp_path):
    pct = np.random.default_rng(2).normal(0, 20, (200, 5)) + 5
    np.save(tmp_path / "p.npy", pct)
    with pytest.warns(UserWarning, match="ΔF/F in percent") as caught:
        nd.load_matrix(tmp_path / "p.npy", dt_s=0.1)
    assert "--trace-kind dff declares so and silences this note" in str(caught[0].message)
    assert _quiet(tmp_path / "p.npy", dt_s=0.1, trace_kind="dff").attrs["trace_kind"] == "dff"
