"""A dead channel (NaN throughout) kept by --keep-constant leaves no window under --nan
skip-windows: the error names it and says to leave out --keep-constant, instead of sending the
user to --nan mask-neurons and back."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.bench import run_benchmark
from neurocast.cli import main
from neurocast.data import make_dataset, open_dataset, save_dataset
from neurocast.errors import ConfigError, NonFiniteError


def _store(tmp_path):
    """400 frames of 4 neurons: NaN in every neuron at frames 100-102, and 'dead' NaN throughout."""
    x = (np.random.default_rng(0).standard_normal((400, 4)).cumsum(axis=0) * 0.05).astype(np.float32)
    x[100:103] = np.nan
    x[:, 3] = np.nan
    ds = make_dataset(x, dt_s=0.5, neuron=["AVAL", "AVAR", "RIM", "dead"], allow_nan=True)
    return save_dataset(ds, tmp_path / "rec.zarr", allow_nan=True)


def _bench(path, tmp_path, *options):
    return main(["bench", str(path), "--models", "naive", "--horizon", "8", "--no-realism",
                 "--out", str(tmp_path / "o"), *options])


def test_skip_windows_with_a_kept_dead_channel_names_it(tmp_path, capsys):
    path = _store(tmp_path)
    assert _bench(path, tmp_path, "--nan", "skip-windows", "--keep-constant") == 2
    err = capsys.readouterr().err
    assert "1 dead channel(s) with no value at all (e.g. dead) are kept by --keep-constant" in err
    assert "hint: leave out --keep-constant" in err and "mask-neurons" not in err
    assert "Traceback" not in err
    with pytest.raises(NonFiniteError, match="dead channel"):
        run_benchmark(open_dataset(path, allow_nan=True), models="naive", horizon=8, realism=False,
                      nan="skip-windows", keep_constant=True)
    assert _bench(path, tmp_path, "--nan", "skip-windows") == 0  # the hint followed


def test_mask_neurons_that_leaves_no_neuron_says_skip_windows_without_keep_constant(tmp_path):
    path = _store(tmp_path)
    with pytest.raises(ConfigError, match="no neuron left to score") as err:
        run_benchmark(open_dataset(path, allow_nan=True), models="naive", horizon=8, realism=False,
                      nan="mask-neurons", keep_constant=True)
    assert "--nan skip-windows (leaves out only the windows that touch NaN) without --keep-constant" \
        in err.value.hint


@pytest.mark.parametrize("cluster", [["--dask", "--workers", "1"], ["--scheduler", "tcp://127.0.0.1:1"]])
def test_skip_windows_with_a_kept_dead_channel_is_refused_before_a_cluster_starts(
        tmp_path, capsys, monkeypatch, cluster):
    # the refusal came from run_benchmark, inside the cluster the command had started
    import neurocast.cli.bench as bench_cli

    def no_cluster(*args, **kwargs):
        raise AssertionError("a Dask cluster was started")

    monkeypatch.setattr(bench_cli, "dask_client", no_cluster)
    path = _store(tmp_path)
    assert _bench(path, tmp_path, "--nan", "skip-windows", "--keep-constant", *cluster) == 2
    err = capsys.readouterr().err
    assert "1 dead channel(s) with no value at all (e.g. dead) are kept by --keep-constant" in err
    assert "scoring the test windows on" not in err and "Traceback" not in err
