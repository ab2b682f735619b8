"""--load-models refusing a model fitted under another setup names what differs (a protocol
field, the neurons or frames used) and only the options that set it."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from neurocast.bench import run_benchmark
from neurocast.data import make_dataset
from neurocast.errors import ConfigError
from neurocast.models.deep import (
    LinearMaeConfig,
    LinearMaeForecaster,
    TrainConfig,
    load_model,
    save_model,
)

H = 4


def _dataset(names=("rest", "flash", "dark"), heldout=("dark",), nan=False):
    rng = np.random.default_rng(0)
    x = (np.cumsum(rng.standard_normal((900, 6)), axis=0) * 0.05).astype(np.float32)
    if nan:  # a short gap in two neurons
        x[100:103, 0] = np.nan
        x[500:502, 1] = np.nan
    return make_dataset(x, dt_s=0.5, condition=np.repeat(list(names), 300),
                        heldout_conditions=list(heldout), source="test synth", allow_nan=nan)


def _save(tmp_path, ds, **options):
    model = LinearMaeForecaster(horizon=H, cfg=LinearMaeConfig(train=TrainConfig(
        learning_rate=1e-2, val_every=10, max_steps=20, device="cpu")))
    run_benchmark(ds, models=[model], context=4, horizon=H, save_models=tmp_path, realism=False, **options)


def _load(tmp_path, ds, **options):
    return run_benchmark(ds, models="linear-mae", context=4, horizon=H, load_models=tmp_path,
                         realism=False, **options)


def test_another_neuron_seed_is_named_with_its_option(tmp_path):
    _save(tmp_path, _dataset(), heldout_neurons=0.5, neuron_seed=0)
    with pytest.raises(ConfigError, match=r"another protocol or split \(neuron_seed: 0 \(fitted\) vs 1 "
                       r"\(given\)\)") as err:
        _load(tmp_path, _dataset(), heldout_neurons=0.5, neuron_seed=1)
    assert err.value.hint == "load it with the --neuron-seed option it was saved with, or fit it again"


def test_a_renamed_condition_is_named_and_no_option_is_offered(tmp_path):
    _save(tmp_path, _dataset())
    with pytest.raises(ConfigError, match=r'\(conditions: \["rest", "flash", "dark"\] \(fitted\) vs '
                       r'\["rest", "light", "dark"\] \(given\)\)') as err:
        _load(tmp_path, _dataset(names=("rest", "light", "dark")))
    assert err.value.hint == "load it with the dataset's conditions as they were, or fit it again"


def test_other_neurons_kept_name_the_nan_and_keep_constant_options(tmp_path):
    ds = _dataset()
    ds["traces"].values[:, 0] = 0.0  # a dead channel, left out unless keep_constant
    _save(tmp_path, ds)
    with pytest.raises(ConfigError, match=r"\(the neurons fitted differ\)") as err:
        _load(tmp_path, ds, keep_constant=True)
    assert err.value.hint == ("load it with the --nan and --keep-constant options it was saved with, "
                              "or fit it again")


def test_a_setup_saved_as_a_fingerprint_still_loads(tmp_path):
    """Files saved before the setup's parts were kept hold its fingerprint alone."""
    ds = _dataset()
    _save(tmp_path, ds)
    path = tmp_path / "linear-mae-seed0.pt"
    model = load_model(path)
    model.fitted = {**model.fitted, "setup": model.fitted["setup"]["fingerprint"]}
    save_model(model, path, dataset=ds)
    assert np.isfinite(_load(tmp_path, ds).summary["linear-mae"]["mae"])
    with pytest.raises(ConfigError, match="another protocol or split") as err:
        _load(tmp_path, ds, heldout_neurons=0.5)
    assert "((" not in str(err.value) and "))" not in str(err.value)
    assert "(its splits, held-out conditions or neurons, NaN policy, neurons kept or windows across " \
           "pauses left out; the file does not say which)" in str(err.value)
    assert err.value.hint == ("load it with the --protocol, --heldout-neurons, --neuron-seed, --nan and "
                              "--keep-constant options it was saved with, or fit it again")


def test_another_nan_policy_names_each_option_once(tmp_path):
    """mask-neurons → skip-windows changes the neurons fitted (--nan, --keep-constant) and the
    frames left out (--nan): --nan is named once, in a plain list."""
    _save(tmp_path, _dataset(nan=True), nan="mask-neurons")
    with pytest.raises(ConfigError, match=r"\(the neurons fitted differ; the frames left out \(NaN\) "
                       r"differ\)") as err:
        _load(tmp_path, _dataset(nan=True), nan="skip-windows")
    assert err.value.hint == ("load it with the --nan and --keep-constant options it was saved with, "
                              "or fit it again")


def test_another_protocol_name_asks_for_that_protocol_only(tmp_path):
    """The single protocol's conditions differ from the conditions protocol's, but the dataset's
    did not change: only --protocol is offered."""
    _save(tmp_path, _dataset(), protocol="single")
    with pytest.raises(ConfigError, match=r'name: "single" \(fitted\) vs "conditions" \(given\)') as err:
        _load(tmp_path, _dataset())
    assert err.value.hint == "load it with the --protocol option it was saved with, or fit it again"


def test_held_out_conditions_changed_in_the_dataset_point_at_the_dataset(tmp_path):
    _save(tmp_path, _dataset())
    with pytest.raises(ConfigError, match=r'\(heldout: \["dark"\] \(fitted\) vs \["flash"\] '
                       r'\(given\)\)') as err:
        _load(tmp_path, _dataset(heldout=("flash",)))
    assert err.value.hint == ("load it with the dataset's held-out conditions as they were, or fit "
                              "it again")
