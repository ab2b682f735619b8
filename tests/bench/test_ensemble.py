"""Seed ensembles: CRPS, spread/skill and confidence intervals over seeds."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.bench import ensemble_scores, seed_interval
from neurocast.data import get_protocol
from neurocast.errors import ConfigError
from neurocast.models import Forecaster


class _Offset(Forecaster):
    """Forecasts the last context frame plus a constant (a member of a toy ensemble)."""

    name = "offset"

    def __init__(self, offset, horizon=3):
        super().__init__(horizon)
        self.offset = offset

    def predict(self, context, meta=None):
        return np.repeat(context[:, -1:], self.horizon, axis=1) + np.float32(self.offset)


def test_ensemble_scores_match_definitions():
    x = np.random.default_rng(0).standard_normal((200, 5)).astype(np.float32)
    proto = get_protocol("single", frames=200, context=2, horizon=3)
    members = [_Offset(o) for o in (0.5, -0.5, 0.0)]  # not in order: the CRPS sorts them
    card = ensemble_scores(members, x, proto)
    seg_start = proto.test_sets()[0].start
    # explicit: every test window, every neuron, step 1
    last = x[seg_start + 1:200 - 3]  # last context frame of every window
    target = x[seg_start + 2:200 - 2]  # its first target frame
    fct = last[..., None] + np.array([0.5, -0.5, 0.0])
    err = fct - target[..., None]
    np.testing.assert_allclose(card["member_mae"][:, 0, 0], np.abs(err).mean(axis=(0, 1)), rtol=1e-6)
    np.testing.assert_allclose(card["ensemble_mae"][0, 0], np.abs(err.mean(-1)).mean(), rtol=1e-6)
    # CRPS of an equally weighted ensemble: E|X − y| − ½ E|X − X'| (scoringrules' default 'qd'
    # estimator gives the same value)
    pair = np.abs(fct[..., :, None] - fct[..., None, :]).mean(axis=(-1, -2))
    crps = np.abs(err).mean(-1) - 0.5 * pair
    np.testing.assert_allclose(card["crps"][0, 0], crps.mean(), rtol=1e-5)
    spread = np.sqrt(fct.var(axis=-1, ddof=1).mean())
    skill = np.sqrt((err.mean(-1) ** 2).mean())
    np.testing.assert_allclose(card["spread_skill"][0, 0], np.sqrt(4 / 3) * spread / skill, rtol=1e-6)
    assert card["crps"][0, 0] < card["ensemble_mae"][0, 0]  # spread earns credit


def test_one_member_is_not_an_ensemble():
    proto = get_protocol("single", frames=200, context=2, horizon=3)
    with pytest.raises(ConfigError, match="at least 2 members"):
        ensemble_scores([_Offset(0.0)], np.zeros((200, 2), np.float32), proto)
    with pytest.raises(ConfigError, match="member 1 forecasts 2 steps ahead, the protocol's "
                                          "horizon is 3"):
        ensemble_scores([_Offset(0.0), _Offset(1.0, horizon=2)], np.zeros((200, 2), np.float32),
                        proto)


def test_seed_interval_uses_student_t():
    mean, half = seed_interval([0.1, 0.2, 0.3])
    assert mean == pytest.approx(0.2)
    assert half == pytest.approx(4.302652729911275 * 0.1 / np.sqrt(3))  # t(0.975, 2) = 4.3027
    assert np.isnan(seed_interval([0.1])[1])


def test_members_are_sorted_as_np_sort_does():
    from neurocast.bench._ensemble import SORT_NETWORK, sorted_members

    rng = np.random.default_rng(3)
    for m in (1, 2, 3, 4, 7, SORT_NETWORK, SORT_NETWORK + 1):
        fct = rng.integers(0, 4, (m, 5, 6, 7)).astype(np.float32)  # many ties
        np.testing.assert_array_equal(sorted_members(fct), np.sort(fct, axis=0))
        fct = rng.standard_normal((m, 3, 2, 9))
        out = sorted_members(fct)
        np.testing.assert_array_equal(out, np.sort(fct, axis=0))
        assert out is not fct and out.dtype == fct.dtype
