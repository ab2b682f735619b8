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


def test_wiring_with_seeds_refits_only_what_the_seed_changes(tmp_path, data, monkeypatch):
    """--wiring with --seeds: a (wiring, seed) scorecard; the true and no-coupling controls of a
    deterministic model are fitted once, a random control is drawn anew per seed, a learned model
    is trained per seed under every control; the table shows mean ± 95 % CI over seeds."""
    pytest.importorskip("torch")
    from scipy.stats import t as student_t

    from neurocast.bench import wiring_cells
    from neurocast.models import ConnectomeLinearForecaster
    from neurocast.models.deep import LinearMaeConfig, LinearMaeForecaster, TrainConfig

    fits = []
    real_fit = ConnectomeLinearForecaster.fit

    def counting_fit(self, train, val):
        fits.append((self.cfg.wiring, self.cfg.seed))
        return real_fit(self, train, val)

    monkeypatch.setattr(ConnectomeLinearForecaster, "fit", counting_fit)
    con, ds = data
    mae = LinearMaeForecaster(4, LinearMaeConfig(train=TrainConfig(val_every=10, patience=2, max_steps=20)))
    result = run_wirings(ds, wirings=["true", "permuted", "none"], models=["connectome-linear", mae, "naive"],
                         horizon=4, context=4, connectome=con, seeds=3, out_dir=tmp_path)
    assert sorted(fits) == [("none", 0), ("permuted", 0), ("permuted", 1), ("permuted", 2), ("true", 0)]
    card = result.scorecard
    assert card["score_by_seed"].dims == ("wiring", "model", "seed", "condition", "steps_ahead", "metric")
    n = card["n_seeds"].to_pandas()
    assert n.loc["permuted", "connectome-linear"] == 3 and n.loc["true", "connectome-linear"] == 1
    assert n.loc["none", "connectome-linear"] == 1 and (n["linear-mae"] == 3).all() and (n["naive"] == 1).all()
    # every permutation is another graph: the three seeds score differently
    by_seed = card["score_by_seed"].sel(wiring="permuted", model="connectome-linear", metric="mae").values
    assert len({float(v.mean()) for v in by_seed}) == 3
    # seed 0 of a random control is the one-seed run's draw
    one = run_wirings(ds, wirings=["permuted"], models=["connectome-linear"], horizon=4, context=4, connectome=con)
    np.testing.assert_allclose(by_seed[0], one.scorecard["score"].sel(wiring="permuted", metric="mae").values[0])
    # the model × wiring table: mean and 95 % CI over each model's seeds
    cells = wiring_cells(card)
    assert list(cells["naive"]) == ["–"] and list(cells["connectome-linear"]) == ["true", "permuted", "none"]
    per_seed = by_seed[:, :, 0].mean(axis=1)  # step 1, mean over the two (training) conditions
    mean, ci, k = cells["connectome-linear"]["permuted"][("train", 1)]
    assert k == 3 and mean == pytest.approx(per_seed.mean())
    assert ci == pytest.approx(student_t.ppf(0.975, 2) * per_seed.std(ddof=1) / np.sqrt(3))
    assert np.isnan(cells["connectome-linear"]["true"][("train", "mean")][1])  # one run: no interval
    assert np.isfinite(cells["linear-mae"]["–"][("train", "mean")][1])
    report = (tmp_path / "report.html").read_text()
    assert f"{mean:.4f} ± {ci:.4f}" in report
    head = (tmp_path / "scorecard.csv").read_text().splitlines()[0]
    assert head.startswith("wiring,model,condition,heldout,steps_ahead") and "mae_ci95" in head


def test_cli_bench_wiring_with_seeds_prints_the_table(tmp_path, capsys):
    from neurocast.cli import main
    from neurocast.data import save_dataset

    con = random_connectome(12, 3, seed=0)
    x = np.random.default_rng(0).standard_normal((200, 12)).cumsum(axis=0).astype(np.float32)
    path = tmp_path / "d.zarr"
    save_dataset(make_dataset(x, dt_s=0.5, neuron=con.names), path, connectome=con)
    argv = ["bench", str(path), "--models", "connectome-linear,naive", "--wiring", "true,rewired", "--seeds", "2",
            "--context", "4", "--horizon", "4", "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = {tuple(line.split()[:2]): line for line in out.splitlines()}
    assert "±" in rows[("connectome-linear", "rewired")] and "±" not in rows[("connectome-linear", "true")]
    assert ("naive", "–") in rows
    assert main([*argv, "--overwrite", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)["wiring"]
    cell = table["connectome-linear"]["rewired"]["train step 1"]
    assert cell["n_seeds"] == 2 and cell["ci95"] > 0
    assert table["connectome-linear"]["true"]["train mean"]["ci95"] is None


def test_a_seeded_copy_keeps_the_connectome_and_offsets_the_draw(data):
    from neurocast.bench._seeds import is_seeded, seeded
    from neurocast.models import ConnectomeLinearConfig, ConnectomeLinearForecaster

    con, _ = data
    rewired = ConnectomeLinearForecaster(4, ConnectomeLinearConfig(wiring="rewired", seed=5), connectome=con)
    copy = seeded(rewired, 2)
    assert copy.connectome is con and copy.cfg.seed == 7 and copy.cfg.wiring == "rewired" and copy.name == rewired.name
    assert is_seeded(rewired)
    assert not is_seeded(ConnectomeLinearForecaster(4, ConnectomeLinearConfig(wiring="true"), connectome=con))
    assert not is_seeded(ConnectomeLinearForecaster(4, ConnectomeLinearConfig(wiring="none"), connectome=con))


def test_cli_wiring_saves_and_loads_every_control(tmp_path, capsys):
    """--save-models with --wiring: one file per learned model, control and seed in one folder;
    --load-models reproduces the scorecard exactly; a mismatched dataset fails with exit 2."""
    pytest.importorskip("torch")
    from neurocast.cli import main
    from neurocast.data import save_dataset

    con = random_connectome(12, 3, seed=0)
    x = np.random.default_rng(0).standard_normal((200, 12)).cumsum(axis=0).astype(np.float32)
    path = tmp_path / "d.zarr"
    save_dataset(make_dataset(x, dt_s=0.5, neuron=con.names, source="walk"), path, connectome=con)
    common = ["--models", "connectome-rate,connectome-linear", "--wiring", "true,permuted,lowrank", "--seeds", "2",
              "--context", "4", "--horizon", "4", "--json", "-q", "--no-realism"]
    models = tmp_path / "models"
    assert main(["bench", str(path), *common, "--max-steps", "5", "--out", str(tmp_path / "a"),
                 "--save-models", str(models)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in models.iterdir()) == sorted(
        f"connectome-rate{w}-seed{k}.pt" for w in ("", "-lowrank", "-permuted") for k in (0, 1))
    assert main(["bench", str(path), *common, "--out", str(tmp_path / "b"), "--load-models", str(models)]) == 0
    capsys.readouterr()
    a, b = read_scorecard(tmp_path / "a" / "scorecard.nc"), read_scorecard(tmp_path / "b" / "scorecard.nc")
    np.testing.assert_array_equal(a["score_by_seed"].values, b["score_by_seed"].values)
    other = tmp_path / "e.zarr"
    save_dataset(make_dataset(x[:, :11], dt_s=0.5, neuron=con.names[:11], source="walk"), other,
                 connectome=con.subnetwork(np.arange(12) < 11))
    assert main(["bench", str(other), *common, "--out", str(tmp_path / "c"), "--load-models", str(models)]) == 2
    err = capsys.readouterr().err
    assert "fitted on another dataset" in err and "n_neurons: 12 (fitted) vs 11 (given)" in err


def test_a_graph_too_dense_to_rewire_fails_before_any_fitting(monkeypatch):
    """A complete graph (as hcp-rest's structural connectivity) has no degree-preserving
    rewiring: --wiring ...,rewired fails at once, with the hint to drop it, and fits nothing."""
    import pandas as pd

    from neurocast.connectome import Connectome
    from neurocast.errors import NeurocastError
    from neurocast.models import ConnectomeLinearForecaster

    n = 6
    pre, post = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    off = pre != post
    con = Connectome.from_edges(pd.DataFrame({"id": np.arange(n), "sign": np.ones(n, int)}),
                                pre[off], post[off], np.ones(off.sum()))
    x = np.random.default_rng(0).standard_normal((200, n)).astype(np.float32)
    ds = make_dataset(x, dt_s=0.5, neuron=con.names)
    fits = []
    monkeypatch.setattr(ConnectomeLinearForecaster, "fit", lambda self, *a: fits.append(self.cfg.wiring))
    with pytest.raises(NeurocastError, match="'rewired' control cannot be drawn") as err:
        run_wirings(ds, wirings=["true", "permuted", "rewired"], models=["connectome-linear"], horizon=4,
                    context=4, connectome=con)
    assert "drop 'rewired'" in err.value.hint and fits == []


def test_a_failed_wiring_write_leaves_no_partial_output_folder(tmp_path, data, monkeypatch):
    import errno

    import neurocast.bench._wiring as bench_wiring
    from neurocast.errors import WriteError

    con, ds = data
    out = tmp_path / "runs" / "w"

    def full(*a, **k):  # disk full after the scorecard files were written
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bench_wiring, "plot_heatmap", full)
    with pytest.raises(WriteError, match="No space left on device"):
        run_wirings(ds, wirings=["true", "none"], models=["connectome-linear"], horizon=4, context=4,
                    connectome=con, out_dir=out)
    assert list((tmp_path / "runs").iterdir()) == []
    monkeypatch.undo()
    result = run_wirings(ds, wirings=["true", "none"], models=["connectome-linear"], horizon=4, context=4,
                         connectome=con, out_dir=out)
    assert result.files["report"] == out / "report.html" and result.files["report"].is_file()
    assert not list(out.glob(".*partial"))
