"""Leaving out the neurons holding NaN (--nan mask-neurons) and the unnamed ones can leave fewer
than 2: a ConfigError says how many were left out and why, with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.cli import main
from neurocast.data import attach_connectome, make_dataset, save_dataset
from neurocast.errors import ConfigError
from neurocast.infer import run_inference


def _recording(chain, n_nan=0, n_unnamed=0):
    """The chain's 8 neurons: the first n_nan hold a NaN, the last n_unnamed are unnamed (not in
    the chain)."""
    x = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
    x[10, :n_nan] = np.nan
    names = chain.names.tolist()
    for i in range(8 - n_unnamed, 8):
        names[i] = f"roi-{i}"
    ds = make_dataset(x, dt_s=0.1, neuron=names, allow_nan=True)
    labels = [n if n in chain.names else "" for n in names]
    return ds.assign_coords(label=("neuron", labels))


@pytest.mark.parametrize(("n_nan", "n_unnamed", "problem", "hint"), [
    (8, 0, "only 0 of the recording's 8 neurons left to infer on, 2 needed: 8 hold NaN/inf "
           "(--nan mask-neurons)", "nan='skip-frames'"),
    (0, 7, "only 1 of the recording's 8 neurons left to infer on, 2 needed: 7 are unnamed and not "
           "in connectome 'chain'", "name the neurons"),
    (4, 3, "only 1 of the recording's 8 neurons left to infer on, 2 needed: 4 hold NaN/inf "
           "(--nan mask-neurons) and 3 are unnamed", "; or name the neurons"),
])
def test_too_few_neurons_left_say_how_many_and_why(chain, n_nan, n_unnamed, problem, hint):
    ds = _recording(chain, n_nan, n_unnamed)
    with pytest.raises(ConfigError) as err:
        run_inference(ds, truth=chain, methods=["pearson"], nan="mask-neurons")
    assert str(err.value).startswith(problem) and hint in err.value.hint
    assert "too small" not in str(err.value)


def test_cli_infer_with_every_neuron_masked_fails_in_one_line(chain, tmp_path, capsys):
    path = save_dataset(_recording(chain, n_nan=7), tmp_path / "g.zarr", allow_nan=True)
    attach_connectome(path, chain)
    assert main(["infer", str(path), "--methods", "pearson", "--nan", "mask-neurons",
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "error: only 1 of the recording's 8 neurons left to infer on" in err
    assert "Traceback" not in err


def test_a_recording_of_one_neuron_says_so(chain):
    # nothing is left out: the message used to end in "2 needed: " with an empty hint
    ds = make_dataset(np.random.default_rng(0).normal(size=(50, 1)).astype(np.float32), dt_s=0.1,
                      neuron=chain.names.tolist()[:1])
    with pytest.raises(ConfigError) as err:
        run_inference(ds, truth=chain, methods=["pearson"])
    assert str(err.value).startswith("the recording has 1 neuron;") and "at least 2" in str(err.value)
    assert err.value.hint
