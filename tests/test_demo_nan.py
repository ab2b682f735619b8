"""`neurocast demo --dataset STORE` on a store holding NaN: opened as every command opens a store
(allow_nan), the NaN refused by the benchmark in the command line's words, pointing to
`neurocast bench --nan` (session 28 review: the hint of ``open_dataset``, meant for Python
users, named ``open_dataset(path, allow_nan=True)`` on the command line)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset


@pytest.fixture
def quick(monkeypatch):
    """The demo refuses before fitting; should it not, it fits only the baselines."""
    import neurocast.cli.demo as demo

    monkeypatch.setattr(demo, "DEMO_MODELS", ("naive",))
    monkeypatch.setattr(demo, "run_benchmark", functools.partial(demo.run_benchmark, realism=False))


def _error(err: str) -> tuple[str, str]:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [k for k, ln in enumerate(lines) if ln.startswith("neurocast: error: ")]
    assert len(errors) == 1, err
    hints = [ln.strip() for ln in lines[errors[0] + 1:] if ln.strip().startswith("hint: ")]
    assert len(hints) == 1, err
    return lines[errors[0]], hints[0]


def test_demo_on_a_store_holding_nan_says_so_in_cli_words(tmp_path, capsys, quick):
    x = np.cumsum(np.random.default_rng(0).normal(size=(600, 3)), 0).astype(np.float32)
    x[10:13, 1] = np.nan
    path = save_dataset(make_dataset(x, dt_s=0.5, allow_nan=True), tmp_path / "n.zarr", allow_nan=True)
    assert main(["demo", "--dataset", str(path), "--out", str(tmp_path / "demo")]) == 2
    err = capsys.readouterr().err
    error, hint = _error(err)
    assert "3 NaN/inf value(s)" in error
    assert f"neurocast bench {path} --nan skip-windows" in hint and "--nan mask-neurons" in hint
    assert "allow_nan=" not in err and "Python" not in err and "Traceback" not in err


def test_demo_on_a_store_of_constant_channels_points_to_bench_for_keep_constant(tmp_path, capsys, quick):
    """The demo has no --keep-constant: the hint names the bench command that has it."""
    x = np.ones((600, 2), dtype=np.float32)
    path = save_dataset(make_dataset(x, dt_s=0.5), tmp_path / "flat.zarr")
    assert main(["demo", "--dataset", str(path), "--out", str(tmp_path / "demo")]) == 2
    error, hint = _error(capsys.readouterr().err)
    assert "no neuron left to score" in error
    assert f"with neurocast bench {path} --keep-constant" in hint
