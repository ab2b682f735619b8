"""A saved learned model knows the neurons it was fitted on (``neuron_names``, in order) and
the ones of its dataset it was not (``neurons_left_out``: a benchmark leaves out constant
channels). Forecasting from the dataset's full neuron set names the neuron it lacks and how to
select the fitted ones, instead of saying 'use the dataset the model was fitted with' about
that very dataset. Model files saved before the neurons were recorded still load."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from neurocast.data import make_dataset  # noqa: E402
from neurocast.errors import FormatError  # noqa: E402
from neurocast.models.deep import load_model, save_model  # noqa: E402

NAMES = [f"n{i}" for i in range(12)]
DEAD = "n3"


def _ds(dd):
    x = dd.sines(t=300)
    ds = make_dataset(x, dt_s=0.5, neuron=NAMES)
    ds.attrs.update(source="sines", seed=0, version="1")
    return ds


def _fitted_without_dead(dd, ds):
    """linear-mae fitted on the dataset's neurons less DEAD, as a benchmark fits it."""
    kept = ds["traces"].isel(neuron=[i for i, n in enumerate(NAMES) if n != DEAD])
    return dd.model("linear-mae", max_steps=10).fit(*dd.split(kept, dd.protocol(300)))


def _contexts(ds, names=None):
    traces = ds["traces"] if names is None else ds["traces"].sel(neuron=names)
    return np.ascontiguousarray(traces.values[100:104][None], dtype=np.float32)


@pytest.mark.parametrize("with_dataset", [True, False])
def test_the_full_dataset_names_the_neuron_left_out_and_how_to_select(tmp_path, dd, with_dataset):
    ds = _ds(dd)
    m = _fitted_without_dead(dd, ds)
    kept = [n for n in NAMES if n != DEAD]
    assert m.neuron_names == kept
    path = save_model(m, tmp_path / "lin.pt", dataset=ds)
    back = load_model(path, dataset=ds if with_dataset else None)
    assert back.neuron_names == kept and back.neurons_left_out == [DEAD]
    with pytest.raises(FormatError, match=r"4 frames × 11 neurons, got 4 × 12") as err:
        back.predict(_contexts(ds))
    assert repr(DEAD) in str(err.value) and "use the dataset" not in err.value.hint
    assert "model.neuron_names" in err.value.hint and ".sel(neuron=" in err.value.hint
    # what the hint says works, and forecasts as the model did before it was saved
    ctx = _contexts(ds, back.neuron_names)
    np.testing.assert_array_equal(back.predict(ctx), m.predict(ctx))


def test_other_neurons_than_the_dataset_lists_the_fitted_ones(tmp_path, dd):
    ds = _ds(dd)
    back = load_model(save_model(_fitted_without_dead(dd, ds), tmp_path / "lin.pt", dataset=ds))
    with pytest.raises(FormatError, match=r"got 4 × 5: it was fitted on 'n0', 'n1'.* and 3 more") as err:
        back.predict(_contexts(ds)[:, :, :5])
    assert "model.neuron_names" in err.value.hint


def test_a_model_fitted_on_unnamed_arrays_has_no_names(tmp_path, dd):
    x = dd.sines(t=300)
    m = dd.model("linear-mae", max_steps=10).fit(*dd.split(x, dd.protocol(300)))
    assert m.neuron_names is None
    back = load_model(save_model(m, tmp_path / "lin.pt"))
    assert back.neuron_names is None and back.neurons_left_out is None
    ctx = np.ascontiguousarray(x[100:104][None])
    np.testing.assert_array_equal(back.predict(ctx), m.predict(ctx))


def test_a_file_saved_before_the_neurons_were_recorded_still_loads(tmp_path, dd):
    ds = _ds(dd)
    m = _fitted_without_dead(dd, ds)
    path = save_model(m, tmp_path / "lin.pt", dataset=ds)
    payload = torch.load(path, map_location="cpu", weights_only=True)
    payload.pop("neurons", None)  # as neurocast saved it before
    torch.save(payload, path)
    back = load_model(path, dataset=ds)
    assert back.neuron_names is None and back.neurons_left_out is None
    ctx = _contexts(ds, m.neuron_names)
    np.testing.assert_array_equal(back.predict(ctx), m.predict(ctx))
    with pytest.raises(FormatError, match=r"4 frames × 11 neurons, got 4 × 12") as err:
        back.predict(_contexts(ds))
    assert "neurons_left_out" in err.value.hint  # where a benchmark names what it left out
