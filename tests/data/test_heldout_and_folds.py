"""Protocols that cannot score what they promise are refused up front: a held-out condition
without room for one test window after its reserved context, and more cross-validation folds
than the conditions can hold."""

from __future__ import annotations

import re

import numpy as np
import pytest

from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset
from neurocast.data.protocol import protocol_for_dataset
from neurocast.errors import ConfigError


def _dataset(lengths: dict[str, int], heldout=()):
    """A dataset of conditions with these frame counts (in order), noise (time, 2), dt_s 0.2."""
    cond = np.repeat(list(lengths), list(lengths.values()))
    x = np.random.default_rng(0).standard_normal((cond.size, 2)).astype(np.float32)
    return make_dataset(x, dt_s=0.2, condition=cond,
                        heldout_conditions=list(heldout))


@pytest.mark.parametrize("frames", [255, 256, 270, 289])
def test_a_heldout_condition_too_short_for_one_window_is_refused_not_left_unscored(frames):
    """256 frames are reserved as context; 256 + H + 2 (padding) frames hold one window."""
    ds = _dataset({"a": 800, "b": 1930, "c": frames}, heldout=["c"])
    with pytest.raises(ConfigError, match="held-out condition 'c'") as err:
        protocol_for_dataset(ds, context=4, horizon=32).splits()
    assert "reserves" in err.value.message and "256" in err.value.message
    if frames - 2 > 256:  # some frames after the reserved ones, fewer than H
        assert f"holds {frames - 2} frames" in err.value.message
        assert f"leaving {frames - 2 - 256}, fewer than the H = 32" in err.value.message
        assert f"use --horizon {frames - 2 - 256} or less" in err.value.hint
    assert err.value.hint.startswith("a held-out condition needs at least 290 frames")


def test_a_heldout_condition_with_room_for_one_window_is_scored():
    ds = _dataset({"a": 800, "b": 1910, "c": 290}, heldout=["c"])
    proto = protocol_for_dataset(ds, context=4, horizon=32)
    held = [r for r in proto.splits() if r.condition == "c"]
    assert [(r.split, r.n_windows) for r in held] == [("test", 1)]
    assert proto.left_out() == []
    # the horizon the hint offers for a 270-frame condition fits it
    short = _dataset({"a": 800, "b": 1930, "c": 270}, heldout=["c"])
    rows = protocol_for_dataset(short, context=4, horizon=12).splits()
    assert [r.n_windows for r in rows if r.condition == "c"] == [1]


def test_a_short_training_condition_still_gets_a_note(tmp_path):
    """Only held-out conditions are refused: a training condition keeps its note."""
    proto = protocol_for_dataset(_dataset({"a": 800, "b": 20, "c": 800}), context=4, horizon=32)
    assert [r.condition for r in proto.splits()].count("b") == 0
    assert proto.left_out()[0].startswith("condition b (20 frames) is too short")


def test_cli_refuses_the_short_heldout_condition_with_exit_2(tmp_path, capsys):
    path = save_dataset(_dataset({"a": 800, "b": 1930, "c": 270}, heldout=["c"]),
                        tmp_path / "ho.zarr")
    assert main(["protocol", "show", "--dataset", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neurocast: error: held-out condition 'c'") and "Traceback" not in err
    assert "leaving 12, fewer than the H = 32 frames one window forecasts" in err


def test_too_many_folds_are_refused_naming_folds_and_the_most_that_fit():
    proto = protocol_for_dataset(_dataset({"a": 800, "b": 700}), context=4, horizon=32)
    with pytest.raises(ConfigError, match=r"^--folds 400 cuts the training conditions into "
                       r"blocks too short to cross-validate: fold 0 leaves no room for the test "
                       r"block and its gaps \(C \+ H = 4 \+ 32 frames on either side\) in any "
                       "training condition") as err:
        proto.replace(folds=400).splits()
    assert "'a', has 800 frames: test blocks of about 2" in err.value.message
    assert "train range" not in err.value.message
    best = int(re.fullmatch(r"use --folds (\d+) or fewer .*", err.value.hint)[1])
    for fold in range(best):  # every fold of the most that fit keeps a window in each split
        rows = proto.replace(folds=best, fold=fold).splits()
        assert {r.split for r in rows} == {"train", "val", "test"}
    with pytest.raises(ConfigError, match="--folds"):
        for fold in range(best + 1):
            proto.replace(folds=best + 1, fold=fold).splits()


def test_folds_that_no_number_of_blocks_fits_say_to_leave_them_out():
    """Half the frames for val: the splits fit in time order, but no blocked fold leaves room."""
    proto = protocol_for_dataset(_dataset({"a": 800, "b": 800}), context=4, horizon=32,
                                 val_fraction=0.5)
    proto.splits()  # without folds every split holds a window
    with pytest.raises(ConfigError, match=r"^--folds 5 cuts") as err:
        for fold in range(5):
            proto.replace(folds=5, fold=fold).splits()
    assert err.value.hint.startswith("the conditions are too short for blocked cross-validation")
    assert "leave out --folds" in err.value.hint


def test_cli_bench_with_too_many_folds_exits_2_before_fitting(tmp_path, capsys):
    path = save_dataset(_dataset({"a": 800, "b": 700}), tmp_path / "f.zarr")
    argv = ["bench", str(path), "--models", "naive", "--folds", "400", "--out",
            str(tmp_path / "out"), "-q"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "neurocast: error: --folds 400 cuts the training conditions" in err
    assert re.search(r"hint: use --folds \d+ or fewer", err) and "Traceback" not in err


def _fits(proto, k: int) -> bool:
    """Whether every fold of ``k`` keeps a window in each split."""
    try:
        for fold in range(k):
            proto.replace(folds=k, fold=fold).splits()
    except ConfigError:
        return False
    return True


def test_the_folds_hint_names_a_number_that_fits_when_fewer_do_not_all_fit():
    """Odd K splits the middle: 1,500 frames with C = 256, H = 1 fit 2, 4 and 5 folds, not 3.
    --folds 6 used to be told '2 or fewer'; it is told 5, without 'or fewer'."""
    from neurocast.data.protocol import get_protocol
    proto = get_protocol("single", frames=1500, context=256, horizon=1)
    assert [k for k in range(2, 8) if _fits(proto, k)] == [2, 4, 5]
    with pytest.raises(ConfigError, match=r"^--folds 6 cuts") as err:
        for fold in range(6):
            proto.replace(folds=6, fold=fold).splits()
    assert err.value.hint.startswith("use e.g. --folds 5 ")
    assert "or fewer" not in err.value.hint
    assert "fold 0 leaves no room for the test block and its gaps" in err.value.message
    with pytest.raises(ConfigError) as err:  # fold 1 of 3: the train pieces are too short
        for fold in range(3):
            proto.replace(folds=3, fold=fold).splits()
    assert "fold 1 leaves no window of C + H = 256 + 1 frames in the train range" in \
        err.value.message
    assert err.value.hint.startswith("use --folds 2 or fewer ")
