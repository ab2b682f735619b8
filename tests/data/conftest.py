"""Helpers for the dataset tests: small files in real layouts (ZAPBench zarr, NWB)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import numpy as np
import pytest
import zarr


def _zapbench_like(path, n_time=40, n_neuron=6, seed=0, dims=("t", "f"), nan_at=None):
    rng = np.random.default_rng(seed)
    data = rng.uniform(-0.25, 1.5, (n_time, n_neuron)).astype(np.float32)
    if nan_at is not None:
        data[nan_at] = np.nan
    arr = zarr.create_array(store=path, shape=data.shape, dtype="float32", chunks=(16, n_neuron),
                            dimension_names=dims, zarr_format=3)
    arr[...] = data
    return data


def _write_nwb(path, data, *, rate=None, timestamps=None, container="DfOverF", n_series=1,
               roi_major=False):
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.ophys import DfOverF, Fluorescence, ImageSegmentation, OpticalChannel

    nwb = NWBFile(session_description="test", identifier="t1",
                  session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
    device = nwb.create_device(name="scope")
    channel = OpticalChannel(name="green", description="gfp", emission_lambda=510.0)
    plane = nwb.create_imaging_plane(name="plane", optical_channel=channel, description="p",
                                     device=device, excitation_lambda=920.0, imaging_rate=2.0,
                                     indicator="GCaMP6s", location="brain")
    seg = ImageSegmentation()
    ps = seg.create_plane_segmentation(name="rois", description="r", imaging_plane=plane)
    n_roi = data.shape[0 if roi_major else 1]
    for _ in range(n_roi):
        ps.add_roi(image_mask=np.zeros((4, 4)))
    module = nwb.create_processing_module(name="ophys", description="ophys")
    module.add(seg)
    region = ps.create_roi_table_region(region=list(range(n_roi)), description="all")
    holder = DfOverF() if container == "DfOverF" else Fluorescence()
    module.add(holder)
    for i in range(n_series):
        kw = {"rate": rate} if rate is not None else {"timestamps": timestamps}
        with warnings.catch_warnings():
            if roi_major:
                warnings.simplefilter("ignore")  # pynwb's own remark on the orientation
            holder.create_roi_response_series(name=f"series{i}", data=data, rois=region,
                                              unit="n.a.", **kw)
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)



@pytest.fixture
def zapbench_like():
    """Factory: zapbench_like(path, n_time=40, n_neuron=6, seed=0, dims=("t", "f"), nan_at=None)
    writes a zarr v3 (t, f) float32 array like ZAPBench's traces and returns its data."""
    return _zapbench_like


@pytest.fixture
def write_nwb():
    """Factory: write_nwb(path, data, rate=None, timestamps=None, container="DfOverF",
    n_series=1, roi_major=False) writes an NWB file with RoiResponseSeries (time, roi) in
    processing/ophys; roi_major: ``data`` is stored (roi, time), as MatNWB writes it."""
    return _write_nwb


# ---------------------------------------------------------------------- real-recording layouts
# Small files in the layouts scientists bring (docs/datasets.md shows the import commands).
WORM_LABELS = ["AVAL", "", "AVAR", "", "RIML", "AVAL", "SMDVL", "", "ASHL", "AWCL", "", "AIBL"]


def _worm_traces(n_time=240, n_neuron=12, seed=0):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.53, 0.67, n_time))  # uneven volume times, as in whole-brain worm imaging
    x = np.cumsum(rng.normal(0, 0.05, (n_time, n_neuron)), axis=0).astype(np.float32)
    return t, x


def _write_recordings(folder):
    """Write the six layouts into ``folder``; return {kind: (path, expected facts)}."""
    import h5py
    import scipy.io

    out = {}
    t, x = _worm_traces()
    # 1. NeuroPAL-like MATLAB v5 file: neuron × time traces, cell array of partial names, timestamps
    names = np.array(WORM_LABELS, dtype=object)
    scipy.io.savemat(folder / "worm_neuropal.mat", {"traces": x.T, "timestamps": t, "neuron_names": names})
    out["worm_mat"] = folder / "worm_neuropal.mat"
    # 2. MATLAB v7.3 (HDF5 inside): MATLAB writes column-major, names as a cell array of char
    with h5py.File(folder / "worm_v73.mat", "w", userblock_size=512) as f:
        d = f.create_dataset("traces", data=x)  # h5py sees the transpose of MATLAB's (neuron × time)
        d.attrs["MATLAB_class"] = np.bytes_("double")
        refs = []
        for i, lab in enumerate(WORM_LABELS):
            codes = np.array([[ord(c)] for c in lab], dtype=np.uint16) if lab else np.zeros((0, 0), np.uint16)
            c = f.create_dataset(f"#refs#/n{i}", data=codes if lab else np.zeros(2, dtype=np.uint64))
            c.attrs["MATLAB_class"] = np.bytes_("char")
            refs.append(c.ref)
        names_ds = f.create_dataset("neuron_names", data=np.array(refs, dtype=h5py.ref_dtype)[None, :])
        names_ds.attrs["MATLAB_class"] = np.bytes_("cell")
        ts = f.create_dataset("timestamps", data=t[None, :])
        ts.attrs["MATLAB_class"] = np.bytes_("double")
    with open(folder / "worm_v73.mat", "r+b") as fh:
        fh.write(b"MATLAB 7.3 MAT-file, written by a test".ljust(128, b" "))
    out["worm_v73"] = folder / "worm_v73.mat"
    # 3. Flavell-lab-like HDF5: (neuron × time) traces, byte-string labels, confocal timestamps
    with h5py.File(folder / "worm_flavell.h5", "w") as f:
        f["gcamp/trace_array"] = x.T
        f["gcamp/timestamp_confocal"] = t
        f["labels"] = np.array([lab.encode() for lab in WORM_LABELS])
    out["worm_h5"] = folder / "worm_flavell.h5"
    # 4. zebrafish tectum .npz: ΔF/F (time × cell), its frame rate, a NaN gap, one dead cell
    rng = np.random.default_rng(1)
    dff = rng.normal(0, 0.1, (300, 20)).astype(np.float32)
    dff[100:103, 4] = np.nan
    dff[:, 7] = 0.0
    np.savez(folder / "tectum.npz", dff=dff, fps=np.float64(4.0))
    out["tectum"] = folder / "tectum.npz"
    # 5. zebrafish brain regions: CSV with a header of region names, one all-zero region
    regions = ["TeO_L", "TeO_R", "Hb_L", "Hb_R", "Cb"]
    r = rng.normal(0, 0.1, (260, 5))
    r[:, 4] = 0.0
    np.savetxt(folder / "regions.csv", r, delimiter=",", header=",".join(regions), comments="")
    con = folder / "region_connectome"
    con.mkdir()
    (con / "neurons.csv").write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in enumerate(regions)))
    (con / "edges.csv").write_text("pre,post,count\n0,1,5\n1,0,4\n2,0,2\n3,1,2\n4,2,1\n")
    out["regions"] = folder / "regions.csv"
    out["region_connectome"] = con
    # 6. a plain matrix and a names file whose blank lines are unnamed neurons
    np.save(folder / "plain.npy", x)
    (folder / "names.txt").write_text("\n".join(WORM_LABELS) + "\n")
    out["plain"] = folder / "plain.npy"
    out["names"] = folder / "names.txt"
    out["time_s"] = t - t[0]
    out["traces"] = x
    return out


@pytest.fixture
def recordings(tmp_path):
    """The six real-recording layouts written in tmp_path/rec: {kind: path, 'time_s', 'traces'}."""
    folder = tmp_path / "rec"
    folder.mkdir()
    return _write_recordings(folder)
