"""A stimulus plan whose drives match no neuron of the connectome: the message names the plan and
condition (or state), says how the plan picks its neurons, and points to plans that fit."""

from __future__ import annotations

import pytest

from neurocast.cli import main

WORMISH = ["AVAL", "AVAR", "AVBL", "AVBR", "PVCL", "PVCR", "AVDL", "AVDR", "AVEL", "AVER",
           "RIML", "RIMR", "AIBL", "AIBR", "SMDVL", "SMDVR", "RIVL", "RIVR", "DVA", "RIS"]


def _folder(tmp_path, names, typ="interneuron"):
    folder = tmp_path / "conn_folder"
    folder.mkdir()
    n = len(names)
    (folder / "neurons.csv").write_text("id,name,type\n" + "".join(
        f"{100 + i},{name},{typ}\n" for i, name in enumerate(names)))
    (folder / "edges.csv").write_text("pre,post,count,sign\n" + "".join(
        f"{100 + i},{100 + (i + 1) % n},2,{1 if i % 3 else -1}\n" for i in range(n)))
    return folder


def _record(tmp_path, folder, plan, capsys):
    out = tmp_path / "rec.zarr"
    code = main(["record", str(folder), "--stimulus", plan, "--out", str(out), "--frames", "40"])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    return err


def test_worm_plan_on_a_connectome_without_its_sensory_neurons(tmp_path, capsys):
    err = _record(tmp_path, _folder(tmp_path, WORMISH), "worm-default", capsys)
    assert "stimulus plan 'worm-default'" in err and "condition 'nociceptive'" in err
    assert "a drive matches no neuron of conn_folder (names ASH?" in err
    assert "patterns written for celegans-cook2019" in err
    assert "worm-optogenetics" in err  # drives every neuron in turn: fits this connectome


def test_no_built_in_plan_fits_says_how_to_give_ones_own(tmp_path, capsys):
    err = _record(tmp_path, _folder(tmp_path, [f"cell{i}" for i in range(12)]), "worm-optogenetics", capsys)
    assert "stimulus plan 'worm-optogenetics'" in err and "state 'forward'" in err
    assert "no built-in stimulus plan fits" in err and "StimulusPlan" in err


def test_fly_plan_names_the_types(tmp_path, capsys):
    err = _record(tmp_path, _folder(tmp_path, [f"cell{i}" for i in range(12)]), "fly-zap-sparse", capsys)
    assert "stimulus plan 'fly-zap-sparse'" in err and "condition 'gain'" in err
    assert "(types *.ACh" in err and "patterns written for fly-synth" in err


def test_python_record_raises_the_same_message(tmp_path):
    from neurocast.connectome import load_connectome
    from neurocast.errors import ConfigError
    from neurocast.record import record

    con = load_connectome(_folder(tmp_path, WORMISH))
    with pytest.raises(ConfigError, match="stimulus plan 'worm-default', condition 'nociceptive'"):
        record(con, "worm-default", n_frames=40)


def test_a_plan_of_ones_own_lists_names_and_types_and_is_not_told_to_write_one(tmp_path):
    from neurocast.connectome import load_connectome
    from neurocast.errors import ConfigError
    from neurocast.record import Condition, Drive, StimulusPlan, record

    con = load_connectome(_folder(tmp_path, [f"cell{i}" for i in range(12)]))
    mine = StimulusPlan(name="mine", frame_dt_s=0.5, conditions=(
        Condition(name="a", n_frames=40, drives=(Drive(names=("FOO*",), types=("bar",)),)),))
    with pytest.raises(ConfigError) as caught:
        record(con, mine, n_frames=40)
    message, hint = str(caught.value), caught.value.hint
    assert "stimulus plan 'mine', condition 'a': a drive matches no neuron" in message
    assert "names FOO*; types bar)" in message and "written for" not in message
    assert "change the plan's drives" in hint and "a plan of your own" not in hint
