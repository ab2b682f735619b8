"""bench --wiring: connectome models under each wiring control, one scorecard with a 'wiring' dimension."""

import json

import numpy as np
import pytest

from neurocast.bench import flatten_wiring, read_scorecard, run_wirings, stack_scorecards
from neurocast.connectome import random_connectome
from neurocast.data import make_dataset
from neurocast.errors import ConfigError


@pytest.fixture(scope="module")
def data():
    con = random_connectome(30, 3, seed=0)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((400, 30)).cumsum(axis=0) * 0.1).astype(np.float32)
    cond = np.repeat(["a", "b"], 200)
    return con, make_dataset(x, dt_s=0.5, neuron=con.names, condition=cond)


def test_wiring_dimension_scores_each_control(tmp_path, data):
    pytest.importorskip("torch")
    from neurocast.models.deep import ConnectomeRateConfig, ConnectomeRateForecaster, TrainConfig

    con, ds = data
    rate = ConnectomeRateForecaster(4, ConnectomeRateConfig(train=TrainConfig(val_every=10, patience=1, max_steps=10)))
    result = run_wirings(ds, wirings=["true", "none", "lowrank"], models=["naive", "connectome-linear", rate],
                         horizon=4, context=4, connectome=con, out_dir=tmp_path)
    card = result.scorecard
    assert card["score"].dims == ("wiring", "model", "condition", "steps_ahead", "metric")
    assert card["wiring"].values.tolist() == ["true", "none", "lowrank"]
    mae = card["score"].sel(metric="mae")
    # a model that ignores the wiring is fitted once and repeated along the dimension
    naive = mae.sel(model="naive").values
    assert np.isfinite(naive).all() and (naive == naive[0]).all()
    # connectome-linear has no low-rank control: NaN there, with a note
    assert np.isnan(mae.sel(model="connectome-linear", wiring="lowrank")).all()
    assert any("connectome-linear: has no 'lowrank' control" in n for n in result.notes)
    linear = mae.sel(model="connectome-linear")
    assert not np.array_equal(linear.sel(wiring="true"), linear.sel(wiring="none"))
    assert np.isfinite(mae.sel(model="connectome-rate")).all()
    assert set(result.summary) == {"true", "none", "lowrank"}
    assert "connectome-linear" not in result.summary["lowrank"]
    # files: the scorecard round-trips with its dimension, the CSV has a wiring column
    back = read_scorecard(tmp_path / "scorecard.nc")
    np.testing.assert_array_equal(back["score"].values, card["score"].values)
    head = (tmp_path / "scorecard.csv").read_text().splitlines()[0]
    assert head.startswith("wiring,model,condition,heldout,steps_ahead")
    report = (tmp_path / "report.html").read_text()
    assert "Does the wiring help?" in report and "connectome-rate:lowrank" in report
    flat = flatten_wiring(card)
    assert flat["model"].values.tolist() == ["naive", "connectome-linear", "connectome-linear:none",
                                             "connectome-rate", "connectome-rate:none", "connectome-rate:lowrank"]


def test_stack_scorecards_and_bad_use(data):
    con, ds = data
    with pytest.raises(ConfigError, match="needs a model that uses the wiring"):
        run_wirings(ds, wirings=["true"], models=["naive"], horizon=4, context=4, connectome=con)
    with pytest.raises(ConfigError, match="no model given has the wiring control 'lowrank'"):
        run_wirings(ds, wirings=["lowrank"], models=["connectome-linear"], horizon=4, context=4, connectome=con)
    with pytest.raises(ConfigError, match="one value of 'seed' per scorecard"):
        stack_scorecards([], "seed", [0])


def test_cli_bench_wiring_json_and_its_error(tmp_path, capsys):
    from neurocast.cli import main
    from neurocast.data import save_dataset

    con = random_connectome(12, 3, seed=0)
    x = np.random.default_rng(0).standard_normal((200, 12)).astype(np.float32)
    path = tmp_path / "d.zarr"
    save_dataset(make_dataset(x, dt_s=0.5, neuron=con.names), path, connectome=con)
    assert main(["bench", str(path), "--models", "naive", "--wiring", "true,none", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "needs a model that uses the wiring" in err and "hint:" in err
    argv = ["bench", str(path), "--models", "naive,connectome-linear", "--wiring", "true,permuted", "--context", "4",
            "--horizon", "4", "--out", str(tmp_path / "o"), "--overwrite", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["summary"]) == {"true", "permuted"}
    assert out["summary"]["true"]["naive"] == out["summary"]["permuted"]["naive"]
    assert out["summary"]["true"]["connectome-linear"] != out["summary"]["permuted"]["connectome-linear"]
    assert (tmp_path / "o" / "report.html").is_file()
