"""A model the benchmark saves after leaving out a constant (dead) channel records the neurons
it was fitted on and the one left out, so it can forecast from its own dataset afterwards."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from neurocast.bench import run_benchmark
from neurocast.data import make_dataset
from neurocast.errors import FormatError
from neurocast.models.deep import (
    LinearMaeConfig,
    LinearMaeForecaster,
    TrainConfig,
    load_model,
)

NAMES = ["AVAL", "AVAR", "dead", "RIML", "RIMR"]


def test_a_saved_model_knows_the_dead_channel_the_bench_left_out(tmp_path):
    rng = np.random.default_rng(0)
    x = np.zeros((300, len(NAMES)), dtype=np.float32)
    for i in range(1, 300):
        x[i] = 0.9 * x[i - 1] + rng.normal(0, 0.1, len(NAMES))
    x[:, NAMES.index("dead")] = 0.25  # constant: left out of fitting and scoring
    ds = make_dataset(x, dt_s=0.5, neuron=NAMES, source="test")
    model = LinearMaeForecaster(horizon=4, cfg=LinearMaeConfig(train=TrainConfig(
        val_every=5, max_steps=5, device="cpu")))
    run_benchmark(ds, models=[model], horizon=4, realism=False, save_models=tmp_path / "m")
    (path,) = (tmp_path / "m").glob("*.pt")
    back = load_model(path, dataset=ds)
    assert back.neuron_names == ["AVAL", "AVAR", "RIML", "RIMR"]
    assert back.neurons_left_out == ["dead"]
    c = back.shape["context"]
    full = np.ascontiguousarray(ds["traces"].values[:c][None])
    with pytest.raises(FormatError, match="fitted without 'dead'") as err:
        back.predict(full)
    assert "ds['traces'].sel(neuron=model.neuron_names)" in err.value.hint
    picked = np.ascontiguousarray(ds["traces"].sel(neuron=back.neuron_names).values[:c][None])
    assert back.predict(picked).shape == (1, 4, 4)
