"""Dead channels of real recordings: a neuron that is NaN throughout is left out like any
constant channel, so it needs no --nan policy; gaps among the scored neurons are refused with
a message naming them, and holding out neurons of a one-neuron recording says how to go on."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.bench import run_benchmark
from neurocast.cli import main
from neurocast.data import make_dataset, open_dataset, save_dataset
from neurocast.errors import ConfigError, NonFiniteError


def _store(tmp_path, gap=False, n=4):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((400, n)).cumsum(axis=0) * 0.05).astype(np.float32)
    x[:, -1] = np.nan  # a ROI whose extraction failed
    if gap:
        x[330:333, 0] = np.nan  # dropped frames in the test split
    ds = make_dataset(x, dt_s=0.5, neuron=["AVAL", "AVAR", "RIM", "dead"][-n:], allow_nan=True)
    return save_dataset(ds, tmp_path / "rec.zarr", allow_nan=True)


def test_an_all_nan_channel_is_left_out_without_a_nan_policy(tmp_path, capsys):
    path = _store(tmp_path)
    assert main(["bench", str(path), "--models", "naive,mean", "--horizon", "8", "--no-realism",
                 "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "note: 1 dead/constant channel(s) left out of fitting and scoring (e.g. dead)" in err


def test_gaps_among_scored_neurons_are_refused_naming_them(tmp_path, capsys):
    path = _store(tmp_path, gap=True)
    assert main(["bench", str(path), "--models", "naive", "--horizon", "8", "--no-realism",
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--nan skip-windows" in err and "--nan mask-neurons" in err
    assert not (tmp_path / "o").exists()
    with pytest.raises(NonFiniteError, match=r"the traces hold 3 NaN/inf value\(s\) in 1 neuron\(s\) "
                       r"\(e.g. AVAL\) and 3 frame\(s\), the first at frame 330") as exc:
        run_benchmark(open_dataset(path, allow_nan=True), models="naive", horizon=8, realism=False)
    assert "--nan skip-windows" in exc.value.hint


def test_holding_out_neurons_of_a_one_neuron_recording_says_how_to_go_on(tmp_path):
    ds = make_dataset(np.random.default_rng(0).random((300, 1), dtype=np.float32), dt_s=0.5)
    with pytest.raises(ConfigError, match="1 scored neuron") as err:
        run_benchmark(ds, models="naive", horizon=8, heldout_neurons=0.2, realism=False)
    assert "leave out --heldout-neurons" in err.value.hint


def test_the_cli_refusal_counts_the_gaps_not_the_dead_channel(tmp_path, capsys):
    """bench's command line refuses gaps with the message of run_benchmark, which leaves the
    dead channel out first: it names the neuron with gaps and counts 3 frames, not 400."""
    path = _store(tmp_path, gap=True)
    assert main(["bench", str(path), "--models", "naive", "--horizon", "8", "--no-realism",
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert ("3 NaN/inf value(s) in 1 neuron(s) (e.g. AVAL) and 3 frame(s), the first at frame "
            "330") in err
    assert "dead" not in err.split("error:")[1]
    # kept, the dead channel is part of the NaN: refused when the store is opened
    assert main(["bench", str(path), "--models", "naive", "--horizon", "8", "--no-realism",
                 "--keep-constant", "--out", str(tmp_path / "o")]) == 2
    assert "403 NaN/inf value(s)" in capsys.readouterr().err


def test_gaps_are_refused_before_a_cluster_and_kept_dead_channels_get_their_own_hint(tmp_path,
                                                                                      capsys):
    (tmp_path / "g").mkdir()
    gap = _store(tmp_path / "g", gap=True)
    assert main(["bench", str(gap), "--models", "naive", "--horizon", "8", "--no-realism",
                 "--dask", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "3 NaN/inf value(s)" in err and "Dask cluster" not in err  # no cluster started
    (tmp_path / "d").mkdir()
    dead = _store(tmp_path / "d")  # NaN only in the dead channel, kept by --keep-constant
    assert main(["bench", str(dead), "--models", "naive", "--horizon", "8", "--no-realism",
                 "--keep-constant", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "dead channels, with no value at all: leave out --keep-constant" in err
    assert "--nan skip-windows" not in err
