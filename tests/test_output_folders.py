"""Output folders: the user's own are never offered to --overwrite, neurocast's own are."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main


def _store(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((600, 30)).astype(np.float32)
    cond = nd.conditions_from_offsets([0, 300, 600], ["rest", "touch"])
    return nd.save_dataset(nd.make_dataset(x, dt_s=0.6, condition=cond, source="celegans-test"),
                           tmp_path / "rec.zarr")


@pytest.mark.parametrize("command", [
    ["data", "stats", "{store}", "--plots", "{out}"],
    ["bench", "{store}", "--models", "naive", "--horizon", "8", "--no-realism", "--out", "{out}"],
])
def test_a_folder_of_the_user_is_not_offered_to_overwrite(tmp_path, capsys, command):
    """An output folder holding the user's own files: the first refusal must not suggest
    --overwrite, since --overwrite is refused there too; a folder neurocast wrote keeps the hint."""
    store = _store(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    args = [a.format(store=store, out=mine) for a in command]
    capsys.readouterr()

    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"output '{mine}' already exists" in err and "hint:" in err
    assert "--overwrite" not in err and "never replaces a folder it did not write" in err
    assert main([*args, "--overwrite"]) == 2  # what the hint would have led to
    assert "is a folder that neurocast did not write" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]

    ours = tmp_path / "ours"
    ours_args = [a.format(store=store, out=ours) for a in command]
    assert main(ours_args) == 0
    capsys.readouterr()
    assert main(ours_args) == 2
    assert "choose another path or pass --overwrite" in capsys.readouterr().err
    assert main([*ours_args, "--overwrite"]) == 0


def test_connectome_convert_into_a_folder_of_the_user_offers_no_overwrite(tmp_path, capsys,
                                                                          tiny_connectome):
    src = tiny_connectome.save(tmp_path / "c.npz")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert main(["connectome", "convert", str(src), str(mine), "--to", "flywire"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" not in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
