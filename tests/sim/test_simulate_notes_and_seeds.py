"""`neurocast simulate`: the trial-seed hint, seeds out of range, the note on gap junctions the
LIF model does not simulate, and silenced neurons marked in the plot."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from neurocast.cli import main
from neurocast.connectome import Connectome
from neurocast.sim.plot import plot_summary
from neurocast.spikes import Spikes


def _net(tmp_path, gaps: bool):
    """SENSOR → RELAY → MOTOR, strong synapses; with ``gaps``, two gap-junction pairs."""
    neurons = pd.DataFrame({"id": np.arange(1, 5), "name": ["SENSOR", "RELAY", "MOTOR", "IDLE"]})
    gap = dict(gap_pre=[0, 1], gap_post=[1, 2], gap_count=[3, 1]) if gaps else {}
    con = Connectome.from_edges(neurons, pre=[0, 1], post=[1, 2], count=[300, 300], name="net", **gap)
    return str(con.save(tmp_path / f"net{int(gaps)}.npz"))


def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_too_many_trials_hint_steps_the_seeds_by_the_trials(capsys, tmp_path):
    # the hint said "with different --seed": --seed 0 and --seed 1 share all trials but one
    code, out, err = _run(capsys, "simulate", _net(tmp_path, False), "--trials", "1e8", "--seed", "7")
    assert code == 2 and out == ""
    hint = err.strip().splitlines()[1]
    m = int(re.search(r"e\.g\. --trials (\d+)", hint)[1])
    assert f"--seed 7, --seed {7 + m}, --seed {7 + 2 * m}, ..." in hint
    assert "trial k uses seed + k" in hint


@pytest.mark.parametrize("seed", ["1e30", "9.1e15", "-1", "0.5"])
def test_seeds_that_are_not_exact_whole_numbers_are_refused(capsys, tmp_path, seed):
    # --seed 1e30 ran with the seed 1000000000000000019884624838656
    code, out, err = _run(capsys, "simulate", _net(tmp_path, False), "--seed", seed)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "--seed" in err and (seed in err)


def test_a_seed_beyond_64_bits_runs(capsys, tmp_path):
    code, _, err = _run(capsys, "simulate", _net(tmp_path, False), "--seed", str(2**64 + 5),
                        "--duration", "0.01")
    assert code == 0, err


def test_gap_junctions_not_simulated_are_noted_once(capsys, tmp_path):
    code, _, err = _run(capsys, "simulate", _net(tmp_path, True), "--stimulate", "SENSOR",
                        "--duration", "0.05", "--json")
    assert code == 0
    notes = [line for line in err.splitlines() if "gap-junction" in line]
    assert notes == ["note: net has 2 gap-junction pairs; they are not simulated: the LIF models "
                     "(shiu, shiu-adapt) have chemical synapses only"]
    code, _, err = _run(capsys, "simulate", _net(tmp_path, False), "--stimulate", "SENSOR",
                        "--duration", "0.05", "--json")
    assert code == 0 and "gap" not in err


def _colors(collection) -> set[str]:
    from matplotlib.colors import to_hex

    return {to_hex(c) for c in collection.get_facecolors()}


def test_silenced_neurons_are_drawn_apart(capsys, tmp_path):
    # neuron 0 driven, 1 silenced (still firing), 2 and 3 responding
    run = Spikes([1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 0, 1], 4, 0.1, 10.0)
    fig = plot_summary(run, driven=[0], silenced=[1])
    raster, bars = fig.axes[0], fig.axes[1]
    assert _colors(raster.collections[0]) == {"#d62728", "#9a9a9a", "#1f4e79"}
    assert {p.get_facecolor()[:3] for p in bars.patches} == {
        (0xD6 / 255, 0x27 / 255, 0x28 / 255), (0x9A / 255,) * 3, (0x1F / 255, 0x4E / 255, 0x79 / 255)}
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["driven (Poisson input)", "silenced (fires, outgoing synapses cut)", "responding"]
    # the command line passes its silenced neurons (and they default to the spikes' attrs)
    assert _colors(plot_summary(Spikes([1], [1], 4, 0.1, 10.0, attrs={"silenced": [1]})).axes[0]
                   .collections[0]) == {"#9a9a9a"}
    png = tmp_path / "run.png"
    code, _, err = _run(capsys, "simulate", _net(tmp_path, False), "--stimulate", "SENSOR",
                        "--silence", "RELAY", "--duration", "0.1", "--plot", png)
    assert code == 0, err
    assert png.read_bytes()[:4] == b"\x89PNG"
