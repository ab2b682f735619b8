"""A saved model's dataset identity hashes every trace value (traces_sha1), streamed block by
block; models saved before it (frames_sha1: three frames) are still checked as then."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from neurocast.data import make_dataset, open_dataset, save_dataset
from neurocast.errors import FormatError
from neurocast.models.deep import _identity
from neurocast.models.deep._identity import check_identity, dataset_identity, traces_sha1


def _dataset(t=400, n=6, seed=0):  # frame 200 is the middle: outside 120..180
    x = np.random.default_rng(seed).standard_normal((t, n)).astype(np.float32)
    return make_dataset(x, dt_s=0.5, source="test synth", seed=seed)


def _changed(ds, how):
    """A copy of ``ds`` with some values changed where three sampled frames do not look."""
    out = ds.copy(deep=True)
    x = out["traces"].values
    n = x.shape[0]
    if how == "middle stretch":  # frames 120..180 of 5 neurons smoothed over
        x[120:181, :5] = np.linspace(x[120, :5], x[180, :5], 61)
    else:  # every frame scaled but the first, the middle and the last
        keep = np.zeros(n, bool)
        keep[[0, n // 2, n - 1]] = True
        x[~keep] *= 1.01
    return out


@pytest.mark.parametrize("how", ["middle stretch", "all but three frames scaled"])
def test_a_change_the_three_sampled_frames_miss_is_noticed(how):
    ds = _dataset()
    saved = dataset_identity(ds)
    check_identity(saved, ds, what="model")  # the same data passes
    with pytest.raises(FormatError, match=r"other trace values \(traces_sha1\)"):
        check_identity(saved, _changed(ds, how), what="model")


def test_every_value_is_hashed_in_frame_order_as_float32():
    ds = _dataset()
    x = np.ascontiguousarray(ds["traces"].values, dtype="<f4")
    assert dataset_identity(ds)["traces_sha1"] == hashlib.sha1(x.tobytes()).hexdigest()


def test_the_hash_is_streamed_in_blocks_of_frames(monkeypatch):
    """Blocks of a few frames give the hash of the whole; no read is bigger than a block."""
    ds = _dataset(t=301)
    whole = traces_sha1(ds["traces"])
    monkeypatch.setattr(_identity, "_BLOCK_BYTES", 7 * 6 * 4)  # 7 frames of 6 neurons

    class Reads:
        shape = ds["traces"].shape

        def __init__(self):
            self.rows = []

        def __getitem__(self, key):
            block = ds["traces"].values[key]
            self.rows.append(block.shape[0])
            return block

    reads = Reads()
    assert traces_sha1(reads) == whole
    assert max(reads.rows) == 7 and sum(reads.rows) == 301


def test_a_block_is_never_smaller_than_one_zarr_chunk(monkeypatch):
    """Wide recordings (a 16 MiB block < one 256-frame chunk): each read is a whole number of
    chunks, so no chunk is decompressed twice."""
    ds = _dataset(t=301)
    whole = traces_sha1(ds["traces"])
    monkeypatch.setattr(_identity, "_BLOCK_BYTES", 3 * 6 * 4)  # 3 frames of 6 neurons

    class Chunked:
        shape = ds["traces"].shape

        def __init__(self):
            self.encoding = {"chunks": (10, 6)}
            self.starts = []

        def __getitem__(self, key):
            self.starts.append(key.start)
            return ds["traces"].values[key]

    reads = Chunked()
    assert traces_sha1(reads) == whole
    assert reads.starts == list(range(0, 301, 10))


def test_a_zarr_store_hashes_as_its_values_without_loading_them(tmp_path):
    ds = _dataset()
    save_dataset(ds, tmp_path / "rec.zarr")
    lazy = open_dataset(tmp_path / "rec.zarr")
    assert dataset_identity(lazy)["traces_sha1"] == dataset_identity(ds)["traces_sha1"]


def test_nan_hashes_deterministically_whatever_its_bits():
    ds = _dataset()
    a, b = ds.copy(deep=True), ds.copy(deep=True)
    a["traces"].values[5, 2] = np.nan
    b["traces"].values[5, 2] = np.frombuffer(np.uint32(0x7FC12345).tobytes(), np.float32)[0]  # another NaN
    assert np.isnan(b["traces"].values[5, 2])
    assert dataset_identity(a)["traces_sha1"] == dataset_identity(b)["traces_sha1"]
    assert dataset_identity(a)["traces_sha1"] != dataset_identity(ds)["traces_sha1"]


def test_a_model_saved_before_traces_sha1_is_checked_by_its_three_frames():
    ds = _dataset()
    n = ds.sizes["time"]
    picked = np.asarray(ds["traces"][[0, n // 2, n - 1]].values, dtype=np.float32)
    old = {k: v for k, v in dataset_identity(ds).items() if k != "traces_sha1"}
    old["frames_sha1"] = hashlib.sha1(np.ascontiguousarray(picked).tobytes()).hexdigest()
    check_identity(old, ds, what="model")  # the same data: loads as before
    check_identity(old, _changed(ds, "middle stretch"), what="model")  # as blind as it was then
    first = ds.copy(deep=True)
    first["traces"].values[0, 0] += 1.0
    with pytest.raises(FormatError, match=r"other trace values \(frames_sha1\)"):
        check_identity(old, first, what="model")


def test_hashing_never_writes_to_the_callers_traces():
    """NaN is canonicalised in a copy: the caller's bits are never changed."""
    ds = _dataset()
    odd = np.frombuffer(np.uint32(0x7FC12345).tobytes(), np.float32)[0]
    ds["traces"].values[5, 2] = odd
    canonical = ds.copy(deep=True)
    canonical["traces"].values[5, 2] = np.nan
    want = traces_sha1(canonical["traces"])
    assert traces_sha1(ds["traces"]) == want
    assert ds["traces"].values[5, 2].view(np.uint32) == 0x7FC12345  # the caller's bits unchanged
    as64 = ds["traces"].values.astype(np.float64)  # converted to float32 per block: a fresh array
    as64[5, 2] = np.frombuffer(np.uint64(0x7FF8000000012345).tobytes(), np.float64)[0]
    before = as64.copy()
    assert traces_sha1(as64) == want
    assert np.array_equal(as64.view(np.uint64), before.view(np.uint64))


def test_an_identity_computed_once_is_not_hashed_again(monkeypatch):
    ds = _dataset()
    ident = dataset_identity(ds)

    def boom(traces):
        raise AssertionError("hashed again")

    monkeypatch.setattr(_identity, "traces_sha1", boom)
    check_identity(ident, ds, what="model", identity=ident)
    with pytest.raises(FormatError, match="traces_sha1"):
        check_identity({**ident, "traces_sha1": "0" * 40}, ds, what="model", identity=ident)


def test_an_in_place_edit_is_seen_by_the_next_identity():
    """No process-wide cache: the hash is of the values as they are now."""
    ds = _dataset()
    first = dataset_identity(ds)
    ds["traces"].values[7, 1] += 1.0
    assert dataset_identity(ds)["traces_sha1"] != first["traces_sha1"]
