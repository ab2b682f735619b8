"""evaluate_on_cluster: chunk_windows given as a NumPy unsigned integer is rounded up to whole
batches as the int it is (np.uint64 arithmetic wrapped around: 5 windows in batches of 3 gave
chunks of 7 windows, not 6). A stand-in client records the chunks the tasks get."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.bench import evaluate_on_cluster
from neurocast.data import make_dataset, protocol_for_dataset, save_dataset
from neurocast.models import get_model


class _Submitted(Exception):
    """Raised by the stand-in client at the first task: the chunks are known by then."""


class _RecordingClient:
    def __init__(self):
        self.chunks = []

    def scatter(self, value, broadcast=False):
        return value

    def submit(self, fn, shared, path, protocol, condition, w0, w1, *args, **kwargs):
        self.chunks.append((w0, w1))
        raise _Submitted


@pytest.mark.parametrize("chunk", [5, np.int64(5), np.uint64(5), np.uint8(5)], ids=repr)
def test_chunk_windows_rounded_up_to_whole_batches(tmp_path, chunk):
    rng = np.random.default_rng(0)
    ds = make_dataset(rng.standard_normal((300, 4)).astype(np.float32), dt_s=0.5, source="t")
    path = save_dataset(ds, tmp_path / "s.zarr")
    proto = protocol_for_dataset(ds, None, context=4, horizon=4)
    client = _RecordingClient()
    with pytest.raises(_Submitted):
        evaluate_on_cluster({"naive": get_model("naive", horizon=4)}, path, proto, client=client,
                            batch_windows=3, chunk_windows=chunk, progress=False)
    assert client.chunks == [(0, 6)]  # 5 windows rounded up to two batches of 3
    assert all(type(w) is int for w in client.chunks[0])
