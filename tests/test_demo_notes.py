"""`neurocast demo` prints what was left out and why, as `neurocast bench` does (notes)."""

from __future__ import annotations

import functools
import json

import numpy as np

from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset


def _dead_store(tmp_path):
    """A recording without stimulus covariates and with 2 dead (constant) channels."""
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.standard_normal((600, 8)), axis=0).astype(np.float32) * 0.1
    x[:, 3] = 0.0
    x[:, 5] = 1.5
    names = [f"n{i}" for i in range(8)]
    return save_dataset(make_dataset(x, dt_s=0.5, neuron=names), tmp_path / "dead.zarr")


def _quick(monkeypatch):
    import neurocast.cli.demo as demo

    monkeypatch.setattr(demo, "DEMO_MODELS", ("naive", "stimulus"))
    monkeypatch.setattr(demo, "run_benchmark", functools.partial(demo.run_benchmark, realism=False))


def test_demo_prints_its_notes(tmp_path, capsys, monkeypatch):
    _quick(monkeypatch)
    path = _dead_store(tmp_path)
    assert main(["demo", "--dataset", str(path), "--out", str(tmp_path / "demo")]) == 0
    err = capsys.readouterr().err
    assert "note: 2 dead/constant channel(s) left out" in err
    assert "note: stimulus: left out, the dataset has no stimulus covariates" in err
    # the demo has no --keep-constant: the note points to bench, which has
    assert f"keep them with neurocast bench {path} --keep-constant" in err


def test_demo_json_has_the_notes(tmp_path, capsys, monkeypatch):
    _quick(monkeypatch)
    path = _dead_store(tmp_path)
    assert main(["demo", "--dataset", str(path), "--out", str(tmp_path / "demo"), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert any(n.startswith("2 dead/constant channel(s) left out") for n in doc["notes"])
    assert any(n.startswith("stimulus: left out") for n in doc["notes"])
    assert "note: 2 dead/constant" in captured.err  # stderr: the JSON on stdout stays clean
