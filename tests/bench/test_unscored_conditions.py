"""A condition whose test windows are all left out is named in the notes, not dropped silently."""

from __future__ import annotations

import json

import numpy as np

from neurocast.bench import read_scorecard, run_benchmark
from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset

NOTE = ("condition a: no test window left after skipping NaN windows; it is not scored and not "
        "in the mean")


def _gappy(t=1200, n=8):
    """Two conditions of 600 frames; neuron 2 is NaN every 5th frame over a's whole test set."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((t, n)).cumsum(axis=0) * 0.1).astype(np.float32)
    x[480:600:5, 2] = np.nan
    return make_dataset(x, dt_s=0.5, condition=np.repeat(["a", "b"], t // 2), allow_nan=True)


def test_a_condition_without_scored_windows_gets_a_note_in_result_scorecard_and_report(tmp_path):
    res = run_benchmark(_gappy(), models=["naive"], context=4, horizon=8, nan="skip-windows",
                        out_dir=tmp_path, realism=False)
    card = res.scorecard
    a = card.sel(condition="a")
    assert int(a["n_windows_skipped"]) == int(a["n_windows"])
    assert np.isnan(card["score"].sel(condition="a")).all()
    # the headline number is condition b's alone, and the notes say so
    b = float(card["score"].sel(model="naive", condition="b", metric="mae").mean())
    assert res.summary["naive"]["mae"] == b
    assert NOTE in res.notes
    assert NOTE in json.loads(read_scorecard(tmp_path / "scorecard.nc").attrs["notes"])
    assert NOTE in res.files["report"].read_text()
    assert not any(n.startswith("condition b") for n in res.notes)


def test_cli_bench_prints_the_unscored_condition(tmp_path, capsys):
    path = save_dataset(_gappy(), tmp_path / "gapa.zarr", allow_nan=True)
    code = main(["bench", str(path), "--models", "naive", "--nan", "skip-windows", "--context", "4",
                 "--horizon", "8", "--no-realism", "--out", str(tmp_path / "o")])
    assert code == 0
    assert f"note: {NOTE}" in capsys.readouterr().err
