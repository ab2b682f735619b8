"""Fields a plan needs as whole numbers or probabilities are refused when given as anything else,
with one clear ConfigError (Condition(n_frames=30.0) was accepted and record then crashed)."""

from __future__ import annotations

import pytest

from neurocast.errors import ConfigError
from neurocast.record import BehaviouralState, Condition, Drive, StateProcess


@pytest.mark.parametrize("n", [30.0, "30", True, 2.5])
def test_condition_n_frames_must_be_an_int(n):
    with pytest.raises(ConfigError, match="n_frames must be a whole number"):
        Condition("a", n)
    with pytest.raises(ConfigError, match="on_frames must be a whole number"):  # alike
        Drive(names="ASH?", on_frames=2.0)


@pytest.mark.parametrize("n", [0, -3])
def test_condition_n_frames_must_be_at_least_one(n):
    with pytest.raises(ConfigError, match="n_frames must be an integer >= 1"):
        Condition("a", n)


def _states():
    return (BehaviouralState("forward", 20.0), BehaviouralState("reverse", 3.0))


@pytest.mark.parametrize("transitions", [(("0", "1"), ("1", "0")), ((0, 1), (1,)), ((0, True), (1, 0)),
                                         ((0, 1), (1, 0), (0.5, 0.5)), 5, "01"])
def test_transitions_must_be_a_matrix_of_numbers(transitions):
    with pytest.raises(ConfigError, match=r"transitions must be a \(2, 2\) matrix of numbers"):
        StateProcess(_states(), transitions=transitions)


def test_transitions_of_numbers_are_kept():
    sp = StateProcess(_states(), transitions=((0, 1), (1.0, 0)))
    assert sp.transitions == ((0.0, 1.0), (1.0, 0.0))
