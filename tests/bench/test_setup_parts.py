"""The fitting setup a saved model records (``fit_setup``) and how a loaded one is compared with
it (``setup_changes``): parts and fields compared one by one, their union, and the fingerprint
older files hold, pinned so that such files keep loading."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from neurocast.bench._seeds import _setup_error, fit_setup, setup_changes
from neurocast.data import Protocol

#: Every field spelled out: the pins below are about the hashing, not the protocol's defaults.
_PROTOCOL = Protocol("conditions", ("rest", "flash", "dark"), (0, 300, 600, 900), heldout=("dark",),
                     padding=1, val_fraction=0.1, test_fraction=0.2, max_context=256, context=4,
                     horizon=8, folds=0, fold=0, heldout_neurons=0.0, neuron_seed=0)


def _traces():
    return xr.DataArray(np.zeros((900, 3), np.float32), dims=("time", "neuron"),
                        coords={"neuron": ["AVAL", "AVAR", "RIM"]})


def _frames(*at):
    out = np.zeros(900, dtype=bool)
    out[list(at)] = True
    return out


@pytest.mark.parametrize(("bad_frames", "breaks", "fingerprint"), [
    (None, None, "140181043b76d76a7ba7af77e913b1b5d65c61a7"),
    (_frames(100, 101, 500), None, "6de7702847ad963ea3b968b30d255fd8806c2a7e"),
    (_frames(100, 101, 500), _frames(450), "17f9e8ed1e0e83be24359eae7283ea7f7c696744"),
    (None, _frames(450), "4212c5f99d27f2bfa4b7128ab533703ddf66d69b"),
])
def test_the_fingerprint_is_the_one_older_files_hold(bad_frames, breaks, fingerprint):
    """The values neurocast computed (and saved as the whole setup) before the parts were kept:
    if the hashing drifts, models saved then no longer load."""
    setup = fit_setup(_PROTOCOL, _traces(), bad_frames, breaks)
    assert setup["fingerprint"] == fingerprint
    assert setup_changes(fingerprint, setup) == []
    assert setup_changes("0" * 40, setup) == ["fingerprint"]


def test_a_field_only_the_saved_file_has_is_a_difference():
    setup = fit_setup(_PROTOCOL, _traces(), None)
    saved = {**setup, "protocol": {**setup["protocol"], "jitter": 2}}
    assert setup_changes(saved, setup) == ["jitter"]
    lacking = {**setup, "protocol": {k: v for k, v in setup["protocol"].items() if k != "padding"}}
    assert setup_changes(lacking, setup) == ["padding"]
    assert setup_changes({**setup, "trace_map": "abc"}, setup) == ["trace_map"]
    assert setup_changes(dict(setup), setup) == []


def test_a_field_no_option_sets_is_named_in_the_hint():
    setup = fit_setup(_PROTOCOL, _traces(), None)
    saved = {**setup, "protocol": {**setup["protocol"], "jitter": 2}}
    err = _setup_error("linear-mae", Path("m/linear-mae-seed0.pt"), saved, setup,
                       setup_changes(saved, setup))
    assert "(jitter: 2 (fitted) vs not set (given))" in str(err)
    assert err.hint == "load it with the same jitter as when it was saved, or fit it again"


def test_options_dataset_and_pauses_make_one_plain_list():
    setup = fit_setup(_PROTOCOL, _traces(), None, _frames(450))
    renamed = dataclasses.replace(_PROTOCOL, conditions=("rest", "light", "dark"), neuron_seed=3)
    saved = fit_setup(renamed, _traces(), _frames(7), None)
    changes = setup_changes(saved, setup)
    assert changes == ["conditions", "neuron_seed", "frames_left_out", "pauses"]
    err = _setup_error("linear-mae", Path("m/linear-mae-seed0.pt"), saved, setup, changes)
    assert err.hint == ("load it with the --neuron-seed and --nan options it was saved with, the "
                        "dataset's conditions as they were and the same pauses in the frame times, "
                        "or fit it again")
