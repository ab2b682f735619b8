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


@pytest.mark.parametrize("recorded", [True, False])
def test_a_dead_channel_is_told_from_gaps_with_or_without_the_stores_own_count(tmp_path, recorded,
                                                                              monkeypatch):
    """Stores record their NaN count and empty neurons, which the CLI reads instead of scanning
    the traces again; one written before empty_neurons was recorded is scanned. Either way a
    dead channel passes and a gap is refused."""
    import json

    import neurocast.cli.bench as cli_bench

    scans = []
    scan = cli_bench.scan_traces
    monkeypatch.setattr(cli_bench, "scan_traces", lambda x: scans.append(1) or scan(x))

    for gap, code in ((False, 0), (True, 2)):
        (tmp_path / str(gap)).mkdir()
        path = _store(tmp_path / str(gap), gap=gap)
        meta = path / "zarr.json"
        if not recorded:
            doc = json.loads(meta.read_text())
            del doc["attributes"]["empty_neurons"]
            meta.write_text(json.dumps(doc))
        assert ("empty_neurons" in open_dataset(path, allow_nan=True).attrs) == recorded
        assert main(["bench", str(path), "--models", "naive", "--horizon", "8", "--no-realism",
                     "--out", str(tmp_path / str(gap) / "o")]) == code
    assert len(scans) == (0 if recorded else 2)
