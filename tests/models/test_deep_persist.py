"""Saving and loading fitted learned forecasters."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from neurocast.data import make_dataset
from neurocast.errors import ConfigError, FormatError
from neurocast.models import LinearForecaster
from neurocast.models.deep import load_model, save_model


@pytest.mark.parametrize("name", ["linear-mae", "timemix", "tsmixer", "tide", "population"])
def test_save_then_load_gives_identical_forecasts(name, tmp_path, dd):
    x = dd.sines(t=300)
    stim = dd.stimulus_for(300)
    proto = dd.protocol(300)
    train, val = dd.split(dd.as_traces(x), proto, stim)
    m = dd.model(name, max_steps=30).fit(train, val)
    path = save_model(m, tmp_path / f"{name}.pt")
    back = load_model(path, dataset=dd.as_traces(x))
    seg = dd.split(x, proto, stim)[1][0]
    first, ctx, _ = next(seg.windows(seg.load(), 8))
    meta = seg.meta(first, ctx.shape[0])
    np.testing.assert_array_equal(back.predict(ctx, meta), m.predict(ctx, meta))
    assert back.cfg == m.cfg and back.fitted["steps"] == 30 and back.fitted["saved_by"]


def _ds(x, names=None, version="1"):
    n = x.shape[1]
    ds = make_dataset(x, dt_s=0.5, neuron=names or [f"n{i}" for i in range(n)])
    ds.attrs.update(source="sines", seed=0, version=version)
    return ds


def test_loading_into_a_mismatched_dataset_fails_clearly(tmp_path, dd):
    x = dd.sines(t=300)
    proto = dd.protocol(300)
    ds = _ds(x)
    m = dd.model("population", max_steps=10).fit(*dd.split(ds["traces"], proto))
    path = save_model(m, tmp_path / "pop.pt", dataset=ds)
    load_model(path, dataset=ds)  # the same dataset loads
    with pytest.raises(FormatError, match=r"n_neurons: 12 \(fitted\) vs 11 \(given\)") as err:
        load_model(path, dataset=_ds(x[:, :11]))
    assert "fit the model again" in err.value.hint
    with pytest.raises(FormatError, match="neuron_sha1"):
        load_model(path, dataset=_ds(x, names=[f"m{i}" for i in range(12)]))
    with pytest.raises(FormatError, match="version: '1' \\(fitted\\) vs '2'"):
        load_model(path, dataset=_ds(x, version="2"))


def test_bad_files_and_unfitted_models(tmp_path, dd):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(FormatError, match="not a saved neurocast model"):
        load_model(junk)
    with pytest.raises(FormatError, match="no saved model"):
        load_model(tmp_path / "missing.pt")
    with pytest.raises(ConfigError, match="only fitted learned forecasters"):
        save_model(LinearForecaster(), tmp_path / "lin.pt")
    with pytest.raises(ConfigError, match="only fitted learned forecasters"):
        save_model(dd.model("timemix"), tmp_path / "t.pt")
