"""Spikes takes step indices and neuron positions that are whole numbers: fractions are
refused (never truncated), whole floats (2.0, as users' own computations give) are taken."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import FormatError
from neurocast.spikes import Spikes


def _sp(steps, neurons, n=3):
    return Spikes(steps, neurons, n_neurons=n, dt_ms=0.1, duration_ms=1.0)


@pytest.mark.parametrize(("steps", "neurons", "what"), [
    ([0.5, 1.7, 2.9], [0, 1, 2], "steps"),
    ([0, 1, 2], [0.9, 1.2, 1.99], "neurons"),
    (np.array([0, 1, 2.5], np.float32), [0, 1, 2], "steps"),
])
def test_fractions_are_refused(steps, neurons, what):
    with pytest.raises(FormatError, match=f"spike {what} must be whole numbers"):
        _sp(np.asarray(steps), np.asarray(neurons))


def test_whole_floats_are_taken():
    s = _sp(np.array([0.0, 1.0, 9.0]), np.array([2.0, 0.0, 1.0]))
    assert s.steps.dtype == np.int64 and s.neurons.dtype == np.int32
    np.testing.assert_array_equal(s.steps, [0, 1, 9])
    np.testing.assert_array_equal(s.neurons, [2, 0, 1])


@pytest.mark.parametrize("bad", [[0.0, np.nan], [0.0, np.inf]])
def test_non_finite_is_refused(bad):
    with pytest.raises(FormatError, match="spike steps must be whole numbers"):
        _sp(np.array(bad), np.array([0, 1]))


@pytest.mark.parametrize(("steps", "neurons"), [
    (np.array([True, False]), np.array([0, 1])),
    (np.array([0, 1]), np.array(["0", "1"])),
    (np.array([0, 1]), np.array([0, 1], dtype=object)),
])
def test_flags_text_and_objects_are_refused(steps, neurons):
    with pytest.raises(FormatError, match="must be whole numbers"):
        _sp(steps, neurons)


def test_a_neuron_beyond_int32_is_refused_not_wrapped():
    with pytest.raises(FormatError, match=r"spike neurons must lie in 0\.\.2"):
        _sp(np.array([0, 1]), np.array([0, 2**32 + 1], dtype=np.int64))


def test_integers_and_empty_arrays_still_work():
    s = _sp(np.array([0, 3], np.uint16), np.array([1, 2], np.int8))
    np.testing.assert_array_equal(s.neurons, [1, 2])
    e = _sp(np.array([]), [])
    assert e.n_spikes == 0 and e.steps.dtype == np.int64
