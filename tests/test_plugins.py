"""Extension points: throwaway registrations, and a plug-in distribution found through entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from neurocast._registry import Registry
from neurocast.bench import METRICS, STATISTICS, Metric, Statistic, run_benchmark
from neurocast.cli import main
from neurocast.data import (
    LOADERS,
    Loader,
    load_recording,
    make_dataset,
    protocol_for_dataset,
    save_dataset,
)
from neurocast.errors import ConfigError, UnknownNameError
from neurocast.models import MODELS, Forecaster, register_model


def _dataset(t=600, n=6, seed=0):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.standard_normal((t, n)), axis=0).astype(np.float32) * 0.05
    cond = np.repeat(["a", "b"], [t // 2, t - t // 2])
    return make_dataset(x, dt_s=0.5, condition=cond, heldout_conditions=["b"], source="plugin-test")


def test_registry_names_lookups_and_errors():
    reg = Registry("widget")
    reg.register(Statistic("one", np.add))
    with pytest.raises(ConfigError, match="already registered"):
        reg.register(Statistic("one", np.add))
    with pytest.raises(UnknownNameError, match=r"did you mean 'one'\?.*known: one"):
        reg.get("on")
    assert list(reg) == ["one"] and "one" in reg and "two" not in reg


def test_a_throwaway_forecaster_is_one_class_and_one_line():
    class Yesterday(Forecaster):  # repeats the last context frame (naive, under another name)
        name = "yesterday"

        def predict(self, context, meta=None):
            return np.repeat(context[:, -1:], self.horizon, axis=1)

    register_model(Yesterday)
    try:
        card = run_benchmark(_dataset(), models="yesterday,naive", context=4, horizon=8).scorecard
        np.testing.assert_array_equal(card["score"].sel(model="yesterday").values,
                                      card["score"].sel(model="naive").values)
    finally:
        MODELS.unregister("yesterday")
    with pytest.raises(UnknownNameError):
        run_benchmark(_dataset(), models="yesterday", context=4, horizon=8)


def test_a_throwaway_metric_is_one_class_and_one_line():
    STATISTICS.register(Statistic("error", lambda p, t: p - t, "prediction − target"))

    class Bias(Metric):
        name = "bias"
        description = "mean signed error"
        units = "ΔF/F"
        statistics = ("error",)

        def per_window(self, sums, count):
            return sums["error"] / count

    METRICS.register(Bias())
    try:
        ds = _dataset()
        card = run_benchmark(ds, models="mean", metrics=["mae", "bias"], context=4, horizon=2).scorecard
        assert card["metric"].values.tolist() == ["mae", "bias"]
        # the mean baseline on a random walk: bias = mean over windows of (mean of context − target)
        x = ds["traces"].values.astype(np.float64)
        test = next(r for r in protocol_for_dataset(ds, context=4, horizon=2).test_sets()
                    if r.condition == "a")
        starts = test.start + np.arange(test.n_windows)
        ref = np.mean([(x[s:s + 4].mean(0) - x[s + 4]).mean() for s in starts])
        assert float(card["score"].sel(model="mean", condition="a", metric="bias", steps_ahead=1)) \
            == pytest.approx(ref, rel=1e-5)  # the mean baseline averages in float32
    finally:
        METRICS.unregister("bias")
        STATISTICS.unregister("error")


def test_a_throwaway_loader_is_one_function_and_one_line(tmp_path):
    def load_pairs(path, *, dt_s: float, allow_nan: bool = False):
        """Two-column text: frame value pairs of one neuron."""
        values = np.loadtxt(path)[:, 1:2].astype(np.float32)
        return make_dataset(values, dt_s=dt_s, source=f"pairs:{path}", allow_nan=allow_nan)

    LOADERS.register(Loader("pairs", "frame/value pairs of one neuron", load_pairs))
    try:
        src = tmp_path / "x.txt"
        np.savetxt(src, np.c_[np.arange(50), np.linspace(0, 1, 50)])
        ds = load_recording(src, "pairs", dt_s=0.25)
        assert ds.sizes == {"time": 50, "neuron": 1} and float(ds.attrs["dt_s"]) == 0.25
        with pytest.raises(ConfigError, match=r"does not take --key \(in Python: key\)") as err:
            load_recording(src, "pairs", dt_s=0.25, key="a")
        assert err.value.hint == "it takes: --dt-s, --allow-nan"
        with pytest.raises(ConfigError, match="needs --dt-s"):
            load_recording(src, "pairs")
        out = tmp_path / "x.zarr"
        assert main(["data", "import", str(src), str(out), "--format", "pairs", "--dt-s", "0.25"]) == 0
        assert out.is_dir()
    finally:
        LOADERS.unregister("pairs")


PLUGIN = textwrap.dedent('''
    """A neurocast plug-in: a forecaster and a recording format from another distribution."""
    import numpy as np

    from neurocast.data import Loader, make_dataset
    from neurocast.models import Forecaster


    class Persistence(Forecaster):
        name = "persistence"
        description = "repeats the last context frame (from a plug-in)"

        def predict(self, context, meta=None):
            return np.repeat(context[:, -1:], self.horizon, axis=1)


    def _load(path, *, dt_s: float = 1.0):
        return make_dataset(np.load(path).astype(np.float32), dt_s=dt_s, source="plugin")


    LOADER = Loader("plugin-npy", "a .npy matrix read by a plug-in", _load)
''')


@pytest.fixture
def plugin_dist(tmp_path, monkeypatch):
    """A plug-in installed as Python installs one: a module plus a .dist-info with entry points."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "neurocast_plugin_demo.py").write_text(PLUGIN)
    info = site / "neurocast_plugin_demo-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: neurocast-plugin-demo\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[neurocast.models]\npersistence = neurocast_plugin_demo:Persistence\n\n"
        "[neurocast.loaders]\nplugin-npy = neurocast_plugin_demo:LOADER\n")
    monkeypatch.syspath_prepend(str(site))
    for reg in (MODELS, LOADERS):
        monkeypatch.setattr(reg, "_pending", None)
    yield site
    MODELS.unregister("persistence")
    LOADERS.unregister("plugin-npy")


def test_plugin_distribution_is_found_lazily(plugin_dist, tmp_path, capsys):
    assert "persistence" not in MODELS._entries  # nothing is read before the first lookup
    assert main(["bench", "--models", "--json"]) == 0
    listed = {r["name"]: r["description"] for r in json.loads(capsys.readouterr().out)["models"]}
    assert listed["persistence"] == "repeats the last context frame (from a plug-in)"
    assert "naive" in listed
    np.save(tmp_path / "m.npy", _dataset()["traces"].values)
    assert load_recording(tmp_path / "m.npy", "plugin-npy", dt_s=0.5).sizes["neuron"] == 6


def test_plugin_distribution_in_the_real_command(plugin_dist, tmp_path):
    path = save_dataset(_dataset(), tmp_path / "d.zarr")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_dist), *sys.path])}
    run = subprocess.run([sys.executable, "-m", "neurocast.cli", "bench", str(path), "--models",
                          "persistence,naive", "--horizon", "8", "--no-realism", "--out", str(tmp_path / "b"),
                          "--json"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)["summary"]
    assert summary["persistence"]["mae"] == summary["naive"]["mae"]
