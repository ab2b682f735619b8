"""Streaming metrics: chunked, streamed and in-memory evaluation agree with plain NumPy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurocast.bench import WindowStats, accumulate, evaluate
from neurocast.data.protocol import get_protocol
from neurocast.errors import FormatError, NonFiniteError
from neurocast.models import MeanForecaster, NaiveForecaster


def _random(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _numpy_mae_mse(pred, target):
    """Independent reference: mean over neurons, then over windows, per step."""
    err = pred.astype(np.float64) - target.astype(np.float64)
    return np.abs(err).mean(axis=2).mean(axis=0), (err ** 2).mean(axis=2).mean(axis=0)


def test_in_memory_matches_numpy():
    pred, target = _random((40, 8, 33), 0), _random((40, 8, 33), 1)
    st = WindowStats(40, 8)
    st.add(0, pred, target)
    mae, mse = _numpy_mae_mse(pred, target)
    np.testing.assert_allclose(st.metric("mae")[:, 0], mae, rtol=1e-12)
    np.testing.assert_allclose(st.metric("mse")[:, 0], mse, rtol=1e-12)


def test_window_chunks_are_bit_identical_and_neuron_chunks_add_up():
    pred, target = _random((50, 6, 40), 2), _random((50, 6, 40), 3)
    whole = WindowStats(50, 6)
    whole.add(0, pred, target)
    chunked = WindowStats(50, 6)
    cuts = [0, 7, 8, 30, 50]
    for a, b in itertools.pairwise(cuts):
        chunked.add(a, pred[a:b], target[a:b])
    for m in ("mae", "mse"):
        assert np.array_equal(whole.metric(m), chunked.metric(m))
    left, right = WindowStats(50, 6), WindowStats(50, 6)
    left.add(0, pred[:, :, :15], target[:, :, :15])
    right.add(0, pred[:, :, 15:], target[:, :, 15:])
    np.testing.assert_allclose(left.merge(right).metric("mae"), whole.metric("mae"), rtol=1e-14)


def test_groups_are_a_binning_dimension():
    pred, target = _random((20, 4, 30), 4), _random((20, 4, 30), 5)
    groups = np.random.default_rng(6).integers(0, 3, 30)
    st = WindowStats(20, 4, ("a", "b", "c"), groups)
    st.add(0, pred, target)
    for g in range(3):
        ref, _ = _numpy_mae_mse(pred[:, :, groups == g], target[:, :, groups == g])
        np.testing.assert_allclose(st.metric("mae")[:, g], ref, rtol=1e-12)


def test_nan_raises_unless_masked():
    pred, target = _random((10, 4, 12), 7), _random((10, 4, 12), 8)
    target[3, 1, 5] = np.nan
    with pytest.raises(NonFiniteError, match="1 NaN or infinite value"):
        accumulate(pred, target, ["abs_error"])
    pred2 = pred.copy()
    pred2[0, 0, 0] = np.inf
    with pytest.raises(NonFiniteError, match="predictions"):
        accumulate(pred2, _random((10, 4, 12), 8), ["abs_error"])
    mask = np.isfinite(target)
    st = WindowStats(10, 4)
    st.add(0, pred, target, mask=mask)
    # reference: mean over the valid neurons of each window, then over windows
    err = np.where(mask, np.abs(pred.astype(np.float64) - target), 0.0)
    ref = (err.sum(axis=2) / mask.sum(axis=2)).mean(axis=0)
    np.testing.assert_allclose(st.metric("mae")[:, 0], ref, rtol=1e-12)


def test_nan_raises_with_groups_and_names_the_culprit_under_a_mask():
    pred, target = _random((6, 3, 10), 11), _random((6, 3, 10), 12)
    target[2, 0, 4] = np.nan
    with pytest.raises(NonFiniteError, match=r"1 NaN or infinite value.*targets"):
        accumulate(pred, target, ["abs_error"], groups=np.arange(10) % 2, n_groups=2)
    # a NaN prediction outside the mask does not count; a kept NaN target is named as such
    pred[0, 0, 0] = np.nan
    mask = np.ones(target.shape, bool)
    mask[0, 0, 0] = False
    with pytest.raises(NonFiniteError, match="targets"):
        accumulate(pred, target, ["abs_error"], mask=mask)


def test_compiled_error_sums_equal_the_numpy_definitions(monkeypatch, tmp_path):
    """MAE and MSE are summed by one compiled pass; the same statistics defined by their NumPy
    func alone (the path of any other statistic) give the same sums, plain, masked and
    grouped, and the same count of non-finite values. Memory-mapped forecasts take the compiled
    pass too; other types (float16, a torch tensor, integers) the NumPy path."""
    import neurocast.bench._metrics as M

    for st in (M.ABS_ERROR, M.SQ_ERROR):
        M.STATISTICS.register(M.Statistic(f"{st.name}_numpy", st.func))
    try:
        pred = _random((9, 5, 37), 20).astype(np.float64) * 3.0
        target = _random((9, 5, 37), 21)[:, :, ::-1]  # a strided view, float32 against float64
        groups = np.random.default_rng(22).integers(0, 4, 37)
        mask = np.random.default_rng(23).random((9, 5, 37)) < 0.7
        cases = ({}, {"mask": mask}, {"groups": groups, "n_groups": 4},
                 {"mask": mask[:, :1], "groups": groups, "n_groups": 4})
        slow = [accumulate(pred, target, ["abs_error_numpy", "sq_error_numpy"], **kw) for kw in cases]
        with monkeypatch.context() as m:  # the built-ins never reach the NumPy path
            m.setattr(M, "_numpy_sums", None)
            fast = [accumulate(pred, target, ["abs_error", "sq_error"], **kw) for kw in cases]
            mapped = np.lib.format.open_memmap(tmp_path / "p.npy", "w+", np.float64, pred.shape)
            mapped[:] = pred
            np.testing.assert_array_equal(accumulate(mapped, target, ["abs_error"])[0]["abs_error"],
                                          fast[0][0]["abs_error"])
        for (f, count), (s_, count2) in zip(fast, slow, strict=True):
            np.testing.assert_array_equal(count, count2)
            np.testing.assert_allclose(f["abs_error"], s_["abs_error_numpy"], rtol=1e-13)
            np.testing.assert_allclose(f["sq_error"], s_["sq_error_numpy"], rtol=1e-13)
            assert f["abs_error"].sum() > 0
        bad = pred.copy()
        bad[1, 2, 3], bad[4, 0, 0] = np.nan, -np.inf
        for names in (["abs_error"], ["abs_error_numpy"]):
            with pytest.raises(NonFiniteError, match=r"2 NaN or infinite value.*predictions"):
                accumulate(bad, target, names)
        torch = pytest.importorskip("torch")
        for other in (pred.astype(np.float16), torch.from_numpy(pred), np.rint(pred).astype(np.int32)):
            sums, _ = accumulate(other, target, ["abs_error"])
            ref = np.abs(np.asarray(other, np.float64) - target).sum(axis=2)
            np.testing.assert_allclose(sums["abs_error"][..., 0], ref, rtol=1e-12)
    finally:
        for st in (M.ABS_ERROR, M.SQ_ERROR):
            M.STATISTICS.unregister(f"{st.name}_numpy")


def test_wrong_shapes_raise():
    with pytest.raises(FormatError, match="shape"):
        accumulate(np.zeros((2, 3, 4), np.float32), np.zeros((2, 3, 5), np.float32), ["abs_error"])
    st = WindowStats(5, 3)
    with pytest.raises(FormatError, match="steps"):
        st.add(0, np.zeros((2, 4, 4), np.float32), np.zeros((2, 4, 4), np.float32))


def _windows_reference(x, seg, c, h, predict):
    """Build every test window with explicit index arithmetic and score it in NumPy."""
    idx = np.arange(seg.start, seg.stop - c - h + 1)
    ctx = np.stack([x[i:i + c] for i in idx])
    tgt = np.stack([x[i + c:i + c + h] for i in idx])
    return _numpy_mae_mse(predict(ctx), tgt)


@pytest.mark.parametrize("batch", [1, 5, 10_000])
def test_evaluate_streams_identically_and_matches_numpy(batch):
    rng = np.random.default_rng(9)
    x = np.cumsum(rng.standard_normal((400, 17)), axis=0).astype(np.float32)
    proto = get_protocol("single", frames=400, context=4, horizon=6)
    res = evaluate(MeanForecaster(horizon=6), x, proto, batch_windows=batch)["all"]
    ref = evaluate(MeanForecaster(horizon=6), x, proto, batch_windows=10_000)["all"]
    assert np.array_equal(res.metric("mae"), ref.metric("mae"))
    seg = proto.test_sets()[0]
    mae, mse = _windows_reference(x, seg, 4, 6, lambda c: np.repeat(c.mean(axis=1, keepdims=True), 6, axis=1))
    np.testing.assert_allclose(res.metric("mae")[:, 0], mae, rtol=1e-6)
    np.testing.assert_allclose(res.metric("mse")[:, 0], mse, rtol=1e-6)


def test_evaluate_rejects_wrong_prediction_shape():
    class Bad(NaiveForecaster):
        def predict(self, context, meta=None):
            return super().predict(context)[:, :, :-1]

    x = _random((300, 5), 10)
    with pytest.raises(FormatError, match="expected \\(batch, horizon, neuron\\)"):
        evaluate(Bad(horizon=4), x, get_protocol("single", frames=300, context=4, horizon=4))


def test_statistics_saved_in_shards_merge_into_the_same_scorecard(tmp_path):
    from neurocast.bench import build_scorecard, merge_statistics, read_statistics, write_statistics

    x = np.cumsum(np.random.default_rng(3).standard_normal((900, 7)), axis=0).astype(np.float32)
    proto = get_protocol("conditions", conditions=["a", "b", "c"], offsets=[0, 300, 600, 900],
                         heldout=["c"], context=4, horizon=5)
    model = MeanForecaster(horizon=5)
    whole = {"mean": evaluate(model, x, proto)}
    # two "machines": one scores condition a, the other b and c; each saves its statistics
    write_statistics({"mean": evaluate(model, x, proto, conditions=["a"])}, proto, tmp_path / "1.nc")
    write_statistics({"mean": evaluate(model, x, proto, conditions=["b", "c"])}, proto, tmp_path / "2.nc")
    (one, p1), (two, p2) = read_statistics(tmp_path / "1.nc"), read_statistics(tmp_path / "2.nc")
    assert p1 == p2 == proto
    merged = merge_statistics(one, two)
    a, b = build_scorecard(whole, proto), build_scorecard(merged, proto)
    assert np.array_equal(a["score"].values, b["score"].values)  # bit for bit
    with pytest.raises(FormatError, match="cannot merge"):
        merge_statistics(whole, {"mean": {"a": WindowStats(3, 5)}})
