"""A condition too short for a window (one short trial among long ones) is left out of fitting
and scoring with a note, not a reason to refuse the whole benchmark."""

from __future__ import annotations

import numpy as np

from neurocast.bench import read_scorecard, run_benchmark, scorecard_protocol
from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset

NOTE = ("condition b (20 frames) is too short for a window of C + H = 36 frames in its train, val, "
        "test splits (14, 5, 7 frames): not trained on, not validated on, not scored and not in "
        "the mean")


def _short_trial(t=(400, 20, 400), n=5):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((sum(t), n)).cumsum(axis=0) * 0.05).astype(np.float32)
    return make_dataset(x, dt_s=0.5, condition=np.repeat(["a", "b", "c"], t))


def test_a_short_condition_is_left_out_with_a_note(tmp_path):
    ds = _short_trial()
    res = run_benchmark(ds, models="naive,mean,linear", context=4, horizon=32, out_dir=tmp_path,
                        realism=False)
    card = res.scorecard
    assert card["condition"].values.tolist() == ["a", "c"]
    assert np.isfinite(card["score"].values).all()
    assert NOTE in res.notes
    assert NOTE in read_scorecard(tmp_path / "scorecard.nc").attrs["notes"]
    # naive on c's test set, by hand: c's padded frames [421, 819): 398 = 280 train + 39 val + 79 test
    x = ds["traces"].values
    starts = np.arange(421 + 280 + 39 - 4, 819 - 36 + 1)
    err = np.stack([np.abs(x[i + 4:i + 36] - x[i + 3]).mean(axis=1) for i in starts]).mean(axis=0)
    np.testing.assert_allclose(card["score"].sel(model="naive", condition="c", metric="mae"), err,
                               rtol=1e-6)
    assert res.summary["naive"]["mae"] == float(
        card["score"].sel(model="naive", metric="mae").mean())  # a and c only
    # the protocol, short condition included, round-trips through the scorecard file
    assert scorecard_protocol(read_scorecard(tmp_path / "scorecard.nc")) == res.protocol


def test_a_short_condition_under_folds_and_from_the_command_line(tmp_path, capsys):
    res = run_benchmark(_short_trial(), models="naive,mean", context=4, horizon=32, cv_folds=3,
                        realism=False)
    assert res.scorecard["condition"].values.tolist() == ["a", "c"]
    # too short to be cut into folds at all: no split's frames to show
    assert NOTE.replace(" (14, 5, 7 frames)", "") in res.notes
    assert not any(n.startswith("fold") for n in res.notes)
    path = save_dataset(_short_trial(), tmp_path / "short.zarr")
    assert main(["bench", str(path), "--models", "naive,mean", "--no-realism",
                 "--out", str(tmp_path / "o")]) == 0
    assert f"note: {NOTE}" in capsys.readouterr().err
