"""What the plan dataclasses take: a single string is one pattern (not its characters), a single
Drive or Condition is a tuple of one, and text where a number goes is refused with a ConfigError."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.record import BehaviouralState, Condition, Drive, StateProcess, StimulusPlan


def test_a_string_is_one_pattern(tiny_connectome):
    # Drive(names="A*") was split into ("A", "*") and "*" drove every neuron
    drive = Drive(names="A*", types="i")
    assert drive.names == ("A*",) and drive.types == ("i",)
    np.testing.assert_array_equal(drive.resolve(tiny_connectome), [0, 2])  # A (name), C (type i)
    assert Drive(names=["A", "B"]).names == ("A", "B")


def test_a_single_heldout_condition_name():
    plan = StimulusPlan("x", (Condition("rest", 3), Condition("odor", 3)), frame_dt_s=1.0,
                        heldout_conditions="odor")
    assert plan.heldout_conditions == ("odor",)


def test_a_single_drive_condition_and_state():
    drive = Drive(names="A")
    assert Condition("a", 3, drive).drives == (drive,)
    cond = Condition("a", 3)
    assert StimulusPlan("x", cond, frame_dt_s=1.0).conditions == (cond,)
    states = (BehaviouralState("s", 1.0), BehaviouralState("t", 1.0))
    assert StateProcess(states).states == states


@pytest.mark.parametrize("make, field", [
    (lambda: Drive(names=("A", 3)), "Drive.names"),
    (lambda: Drive(types=None), "Drive.types"),
    (lambda: Drive(names=(None,)), "Drive.names"),  # a None item passed as 'nothing wrong'
    (lambda: Condition("a", 3, (None,)), "drives"),
    (lambda: Condition("a", 3, ("not a drive",)), "drives"),
    (lambda: StimulusPlan("x", ("a",), frame_dt_s=1.0), "conditions"),
    (lambda: StimulusPlan("x", (Condition("a", 3),), frame_dt_s=1.0, heldout_conditions=(1,)),
     "heldout_conditions"),
])
def test_items_of_another_kind_are_refused(make, field):
    with pytest.raises(ConfigError, match=field):
        make()


@pytest.mark.parametrize("make, field", [
    (lambda: Drive(rate_hz="50"), "Drive.rate_hz"),
    (lambda: Drive(weight_mv="10"), "Drive.weight_mv"),
    (lambda: Drive(rate_hz=True), "Drive.rate_hz"),
    (lambda: Condition("a", "3"), "n_frames"),
    (lambda: Condition("a", None), "n_frames"),
    (lambda: StimulusPlan("x", (Condition("a", 3),), frame_dt_s=1.0, background_fraction="0.5"),
     "background_fraction"),
    (lambda: StimulusPlan("x", (Condition("a", 3),), frame_dt_s=1.0, selection_seed="1"),
     "selection_seed"),
    (lambda: StimulusPlan("x", (Condition("a", 3),), frame_dt_s=1.0, selection_seed=-1),
     "selection_seed"),
    (lambda: BehaviouralState("s", "2"), "mean_dwell_s"),
    (lambda: StateProcess((BehaviouralState("s", 1.0), BehaviouralState("t", 1.0)),
                          dwell_shape="2"), "dwell_shape"),
])
def test_text_where_a_number_goes_is_refused(make, field):
    # Drive(rate_hz="50") raised a bare TypeError from numpy
    with pytest.raises(ConfigError, match=field):
        make()
