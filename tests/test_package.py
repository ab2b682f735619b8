"""The top-level package: every public name and subpackage resolves (lazily)."""

from __future__ import annotations

import importlib

import pytest


def test_every_public_name_resolves():
    import neurocast

    for name in neurocast.__all__:
        assert getattr(neurocast, name) is not None
    assert neurocast.simulate is importlib.import_module("neurocast.sim").simulate
    assert set(neurocast.__all__) <= set(dir(neurocast))


def test_subpackages_are_attributes():
    import neurocast

    assert neurocast.sim.neuron_model("shiu") == neurocast.ShiuParams()
    assert neurocast.record.get_plan("fly-zap").model == "shiu-adapt"


def test_unknown_attribute():
    import neurocast

    with pytest.raises(AttributeError, match="no attribute 'simulator'"):
        neurocast.simulator  # noqa: B018
