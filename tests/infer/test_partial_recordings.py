"""Inference on partly named recordings, and on recordings with NaN gaps (--allow-nan)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurocast.cli import main
from neurocast.data import attach_connectome, make_dataset, save_dataset
from neurocast.errors import NonFiniteError
from neurocast.infer import run_inference


def _partly_named(chain, simulate_hawkes, n_unnamed=3):
    """The chain's 8 neurons and ``n_unnamed`` unnamed ones, the unnamed ones first."""
    x, _ = simulate_hawkes(chain, n_frames=3000)
    extra = np.random.default_rng(1).standard_normal((x.shape[0], n_unnamed)).astype(np.float32)
    names = [f"unnamed-{i}" for i in range(n_unnamed)] + chain.names.tolist()
    ds = make_dataset(np.concatenate([extra, x], axis=1), dt_s=0.1, neuron=names)
    return ds.assign_coords(label=("neuron", [""] * n_unnamed + chain.names.tolist())), x


def test_partly_named_recording_is_inferred_on_its_named_neurons(chain, simulate_hawkes):
    ds, x = _partly_named(chain, simulate_hawkes)
    res = run_inference(ds, truth=chain, methods=["ridge"])
    assert res.notes[0] == ("3 of the recording's 11 neurons are unnamed and not in connectome "
                            "'chain': left out of inference and scoring (their wiring is unknown)")
    named = make_dataset(x, dt_s=0.1, neuron=chain.names)
    alone = run_inference(named, truth=chain, methods=["ridge"])
    assert res.summary == alone.summary and alone.notes == res.notes[1:]  # the undefined metrics
    assert int(res.scorecard.attrs["n_neurons"]) == 8
    assert json.loads(res.scorecard.attrs["notes"]) == list(res.notes)


def test_neurons_named_outside_the_truth_are_noted_once(chain, simulate_hawkes):
    """A name the connectome lacks is named by the matching note; the next only adds that those
    neurons are left out (it repeated the count and the connectome before)."""
    ds, _ = _partly_named(chain, simulate_hawkes, n_unnamed=2)
    ds = ds.assign_coords(label=("neuron", ["XYZL", "QQQ", *chain.names.tolist()]))
    res = run_inference(ds, truth=chain, methods=["ridge"])
    assert res.notes[0].startswith("2 of the recording's 10 neurons are named but not in "
                                   "connectome 'chain'")
    assert res.notes[1] == "those 2 are left out of inference and scoring"
    assert int(res.scorecard.attrs["n_neurons"]) == 8


def test_nan_gaps_raise_with_an_infer_hint_or_leave_the_neurons_out(chain, simulate_hawkes):
    x, _ = simulate_hawkes(chain, n_frames=3000)
    x[100:110, 5] = np.nan
    ds = make_dataset(x, dt_s=0.1, neuron=chain.names, allow_nan=True)
    with pytest.raises(NonFiniteError) as err:
        run_inference(ds, truth=chain, methods=["pearson"])
    assert "--nan mask-neurons" in err.value.hint and "--allow-nan" not in err.value.hint
    res = run_inference(ds, truth=chain, methods=["pearson"], nan="mask-neurons")
    assert res.notes[0] == "1 neuron(s) holding NaN/inf left out of inference and scoring"
    assert int(res.scorecard.attrs["n_neurons"]) == 7


def test_cli_infer_on_a_partly_named_recording_and_on_nan_gaps(chain, simulate_hawkes, tmp_path,
                                                                capsys):
    ds, _ = _partly_named(chain, simulate_hawkes)
    path = save_dataset(ds, tmp_path / "part.zarr")
    attach_connectome(path, chain)
    assert main(["infer", str(path), "--methods", "pearson", "--out", str(tmp_path / "o")]) == 0
    assert "note: 3 of the recording's 11 neurons are unnamed" in capsys.readouterr().err

    gap = ds.copy(deep=True)
    gap["traces"].values[50:60, 4] = np.nan
    path = save_dataset(gap, tmp_path / "gap.zarr", allow_nan=True)
    attach_connectome(path, chain)
    assert main(["infer", str(path), "--methods", "pearson", "--out", str(tmp_path / "g")]) == 2
    err = capsys.readouterr().err
    assert "hint: leave out the neurons holding them with --nan mask-neurons" in err
    assert "import with --allow-nan" not in err and "Traceback" not in err
    assert main(["infer", str(path), "--methods", "pearson", "--nan", "mask-neurons", "--json",
                 "--out", str(tmp_path / "g")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_neurons"] == 7 and doc["nan"] == "mask-neurons"
    assert len(doc["notes"]) == 3  # NaN, unnamed, and the metrics the chain leaves undefined
