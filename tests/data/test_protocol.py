"""The split protocol: ZAPBench's exact frame bounds, the generic presets, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from neurocast.cli import main
from neurocast.data import segments_for
from neurocast.data.protocol import (
    ZAPBENCH,
    Protocol,
    get_protocol,
    n_windows,
    protocol_for_dataset,
    split_bounds,
)
from neurocast.errors import ConfigError, FormatError, UnknownNameError

# ZAPBench's published constants, written out here independently of the module.
OFFSETS = (0, 649, 2422, 3078, 3735, 5047, 5638, 6623, 7279, 7879)
NAMES = ("gain", "dots", "flash", "taxis", "turning", "position", "open loop", "rotation", "dark")


def _reference_bounds(cond: int, split: str, c: int) -> tuple[int, int]:
    """ZAPBench's get_condition_bounds + adjust_condition_bounds_for_split, as plain arithmetic."""
    lo, hi = OFFSETS[cond] + 1, OFFSETS[cond + 1] - 1
    n = hi - lo
    n_test, n_val = int(n * 0.2), int(n * 0.1)
    n_train = n - n_test - n_val
    return {
        "train": (lo, lo + n_train),
        "val": (lo + n_train - c, lo + n_train + n_val),
        "test": (lo + n_train + n_val - c, hi),
        "test_holdout": (lo + 256 - c, hi),
    }[split]


def _ds(cond, heldout=()):
    t = len(cond)
    return xr.Dataset(
        {"traces": (("time", "neuron"), np.zeros((t, 3), np.float32)), "condition": (("time",), np.asarray(cond))},
        attrs={"heldout_conditions": list(heldout)},
    )


def test_constants_match_zapbench():
    assert ZAPBENCH.offsets == OFFSETS
    assert ZAPBENCH.names == NAMES
    assert ZAPBENCH.heldout == ("taxis",)
    assert (ZAPBENCH.padding, ZAPBENCH.max_context, ZAPBENCH.horizon) == (1, 256, 32)
    assert (ZAPBENCH.val_fraction, ZAPBENCH.test_fraction) == (0.1, 0.2)


@pytest.mark.parametrize("context", [4, 12, 256])
def test_zapbench_preset_reproduces_every_bound(context):
    proto = get_protocol("zapbench", context=context, horizon=32)
    rows = proto.splits()
    expected = []
    for i, name in enumerate(NAMES):
        splits = ["test_holdout"] if name == "taxis" else ["train", "val", "test"]
        for s in splits:
            lo, hi = _reference_bounds(i, s, context)
            expected.append((name, "test" if s == "test_holdout" else s, lo, hi, hi - lo - 32 - context + 1))
    got = [(r.condition, r.split, r.start, r.stop, r.n_windows) for r in rows]
    assert got == expected


def test_zapbench_unit_cases_from_its_test_suite():
    # zapbench/data_utils_test.py: bounds (1, 1001), context 12
    proto = Protocol("t", ("x", "y"), (0, 1002, 2000), padding=1)
    assert split_bounds("train", 1, 1001, context=12, protocol=proto) == (1, 701)
    assert split_bounds("val", 1, 1001, context=12, protocol=proto) == (1 + 700 - 12, 801)
    assert split_bounds("test", 1, 1001, context=12, protocol=proto) == (1 + 800 - 12, 1001)
    assert split_bounds("test_heldout", 1, 1001, context=12, protocol=proto) == (1 + 256 - 12, 1001)
    assert n_windows(1, 32 + 12 + 1, 12, 32) == 1


def test_every_context_scores_the_same_targets():
    short = get_protocol("zapbench", context=4).test_sets()
    long = get_protocol("zapbench", context=256).test_sets()
    for a, b in zip(short, long, strict=True):
        assert (a.start + 4, a.stop, a.n_windows) == (b.start + 256, b.stop, b.n_windows)
    assert sum(s.n_windows for s in short) == 1557
    taxis = next(s for s in short if s.condition == "taxis")
    assert taxis.heldout and taxis.start + 4 == 3079 + 256  # targets start after 256 context frames


def test_windows_cover_the_range():
    proto = get_protocol("zapbench", context=4)
    frames = np.arange(proto.n_frames, dtype=np.float32)[:, None]  # each frame holds its index
    seg = segments_for(frames, proto, "test")[0]
    first, ctx, tgt = next(seg.windows(seg.load(), batch=seg.n_windows))
    assert first == 0 and ctx.shape == (seg.n_windows, 4, 1) and tgt.shape == (seg.n_windows, 32, 1)
    assert ctx[0, 0, 0] == seg.start  # the first window reads from the range start
    assert tgt[-1, -1, 0] == seg.stop - 1  # the last window's targets end at the range end
    np.testing.assert_array_equal(ctx[:, 0, 0], seg.start + np.arange(seg.n_windows))
    mask = seg.target_windows(frames)  # any per-frame array is cut exactly like the targets
    np.testing.assert_array_equal(mask, tgt)


def test_single_preset_is_70_10_20_in_time():
    rows = get_protocol("single", frames=1000, context=4, horizon=8).splits()
    assert [(r.split, r.start, r.stop) for r in rows] == [
        ("train", 0, 700), ("val", 696, 800), ("test", 796, 1000)]


def test_conditions_preset_from_dataset():
    cond = ["a"] * 400 + ["b"] * 500 + ["c"] * 400
    proto = protocol_for_dataset(_ds(cond, heldout=["b"]), context=4, horizon=8)
    assert proto.name == "conditions" and proto.offsets == (0, 400, 900, 1300)
    rows = proto.splits()
    b = [r for r in rows if r.condition == "b"]
    assert [(r.split, r.start, r.stop) for r in b] == [("test", 401 + 256 - 4, 899)]
    a_test = next(r for r in rows if r.condition == "a" and r.split == "test")
    assert (a_test.start, a_test.stop) == (1 + 280 + 39 - 4, 399)  # n=398: test 79, val 39, train 280


def test_dataset_without_conditions_picks_single_and_rejects_condition_protocols():
    ds = _ds(["all"] * 500)
    assert protocol_for_dataset(ds).name == "single"
    with pytest.raises(FormatError, match="needs a dataset with stimulus conditions"):
        protocol_for_dataset(ds, "conditions")
    with pytest.raises(FormatError, match="--protocol single"):
        protocol_for_dataset(ds, "zapbench")
    for one_or_more in (ds, _ds(["a"] * 250 + ["b"] * 250)):  # a typo is named as one
        with pytest.raises(UnknownNameError, match="unknown protocol 'zapbnech'\n  hint: did you mean 'zapbench'"):
            protocol_for_dataset(one_or_more, "zapbnech")


def test_bad_input():
    with pytest.raises(ConfigError, match="reserves as context"):
        get_protocol("zapbench", context=257)
    long = get_protocol("single", frames=3000, context=300)  # nothing held out: nothing reserved
    assert long.context == 300 and long.splits()
    with pytest.raises(ConfigError, match=r"a window of C \+ H = 4 \+ 300 frames does not fit") as err:
        get_protocol("zapbench", horizon=300).splits()
    # the hint names the longest horizon that fits every split (position: 58 val frames), and
    # the longest that leaves a window in every split of some condition (dots: 177 val frames)
    assert err.value.hint == ("use --horizon 58 or less to keep every split of every condition, or "
                              "up to 177 (the splits too short for it are then left out, with a note)")
    assert get_protocol("zapbench", horizon=58).left_out() == []
    # longer: position's val split is left out, with a note, not the whole protocol
    rows = get_protocol("zapbench", horizon=59).splits()
    assert [r.split for r in rows if r.condition == "position"] == ["train", "test"]
    assert get_protocol("zapbench", horizon=59).left_out() == [
        "condition position (591 frames) is too short for a window of C + H = 63 frames in its val "
        "split (62 frames): not validated on"]
    with pytest.raises(ConfigError, match="does not fit the val range of any condition: the longest, "
                       r"frames \[1886, 2067\) of condition 'dots', holds 181 frames"):
        get_protocol("zapbench", horizon=178).splits()
    with pytest.raises(ConfigError, match="exactly 7879 frames"):
        get_protocol("zapbench", frames=100)
    with pytest.raises(UnknownNameError, match="zapbench"):
        get_protocol("zapbenk")
    with pytest.raises(ConfigError, match="offsets"):
        Protocol("x", ("a", "b"), (0, 10))
    with pytest.raises(UnknownNameError):
        Protocol("x", ("a", "b"), (0, 10, 20), heldout=("c",))
    with pytest.raises(FormatError, match="more than one block"):
        protocol_for_dataset(_ds(["a"] * 50 + ["b"] * 50 + ["a"] * 50))


def test_too_short_recordings_get_hints_that_can_be_followed():
    """A hint never asks for a shorter context than 1: a condition or split too short for any
    window says so and names the single protocol."""
    with pytest.raises(ConfigError, match="does not fit") as err:
        protocol_for_dataset(_ds(["all"] * 8), "single", context=1, horizon=1).splits()
    assert err.value.hint == "the val range has no frame left to forecast: record a longer recording"


def test_cli_protocol_show_json(capsys):
    assert main(["protocol", "show", "zapbench", "--context", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["protocol"]["name"] == "zapbench" and out["protocol"]["heldout"] == ["taxis"]
    rows = out["splits"]
    assert len(rows) == 8 * 3 + 1
    assert set(rows[0]) == {"condition", "split", "start", "stop", "n_windows"}
    assert rows[0] == {"condition": "gain", "split": "train", "start": 1, "stop": 455, "n_windows": 419}
    taxis = [r for r in rows if r["condition"] == "taxis"]
    assert taxis == [{"condition": "taxis", "split": "test", "start": 3331, "stop": 3734, "n_windows": 368}]


def test_cli_protocol_show_text_and_list(capsys):
    assert main(["protocol", "show", "single", "--frames", "1200", "--horizon", "16"]) == 0
    out = capsys.readouterr().out
    assert [ln.split() for ln in out.splitlines() if ln.startswith("all")] == [
        ["all", "train", "0", "840", "821"], ["all", "val", "836", "960", "105"],
        ["all", "test", "956", "1200", "225"]]
    assert "test windows: 225" in out
    assert main(["protocol", "list", "--json"]) == 0
    names = [p["name"] for p in json.loads(capsys.readouterr().out)["protocols"]]
    assert names == ["zapbench", "conditions", "single"]


@pytest.mark.parametrize("argv, message", [
    (["protocol", "show", "zapbench", "--context", "300"], "reserves as context"),
    (["protocol", "show", "single", "--frames", "100", "--horizon", "80"], "does not fit"),
    (["protocol", "show", "single"], "--frames"),
    (["protocol", "show", "nope"], "unknown protocol"),
    (["protocol", "show"], "needs a protocol name or a dataset"),
])
def test_cli_protocol_errors_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("neurocast: error:")


def test_short_heldout_condition_is_explained():
    cond = ["a"] * 400 + ["b"] * 200 + ["c"] * 400
    with pytest.raises(ConfigError, match=r"held-out condition 'b' \(frames \[401, 599\)\) is "
                       "shorter than the 256 frames the conditions protocol reserves") as err:
        protocol_for_dataset(_ds(cond, heldout=["b"]), context=4, horizon=8).splits()
    assert "every context length up to 256" in err.value.message
    assert err.value.hint.startswith("a held-out condition needs at least 266 frames")
    assert "neurocast bench DATASET --protocol single" in err.value.hint
    assert "max_context=K" in err.value.hint
    protocol_for_dataset(_ds(cond, heldout=["b"]), context=4, horizon=8, max_context=100).splits()


def test_protocol_hints_name_a_command_that_takes_them():
    """The hints reach bench, demo and protocol show alike: each names the whole command."""
    with pytest.raises(ConfigError) as err:
        get_protocol("zapbench", frames=500)
    assert "neurocast protocol show single --frames 500" in err.value.hint
    assert "neurocast bench DATASET --protocol conditions" in err.value.hint
    with pytest.raises(FormatError) as err:
        protocol_for_dataset(_ds(["all"] * 500), "conditions")
    assert err.value.hint.endswith("neurocast bench DATASET --protocol single, or neurocast "
                                   "protocol show single --dataset DATASET")
    with pytest.raises(FormatError) as err:
        protocol_for_dataset(_ds(["a"] * 3000 + ["b"] * 4879), "zapbench")
    assert "neurocast protocol show conditions --dataset DATASET" in err.value.hint


def test_cli_protocol_show_from_a_dataset(tmp_path, capsys):
    from neurocast.data import make_dataset, save_dataset

    cond = np.repeat(["a", "b", "c"], [400, 500, 400])
    ds = make_dataset(np.zeros((1300, 2), np.float32), dt_s=1.0, condition=cond, heldout_conditions=["b"])
    path = save_dataset(ds, tmp_path / "c.zarr")
    assert main(["protocol", "show", "conditions", "--dataset", str(path), "--horizon", "8", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["splits"]
    assert [r["condition"] for r in rows] == ["a"] * 3 + ["b"] + ["c"] * 3
    assert rows[3] == {"condition": "b", "split": "test", "start": 401 + 256 - 4, "stop": 899,
                       "n_windows": 899 - 653 - 4 - 8 + 1}
    # without a name: the protocol bench uses for the dataset (here its conditions)
    assert main(["protocol", "show", "--dataset", str(path), "--horizon", "8", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["protocol"]["name"] == "conditions" and shown["splits"] == rows


def test_a_condition_too_short_for_a_window_is_left_out_with_a_note_not_refused():
    """One short trial (or a 1-frame label) among long ones loses only the splits it cannot fill."""
    proto = protocol_for_dataset(_ds(["a"] * 400 + ["b"] * 20 + ["c"] * 400 + ["d"]), context=4,
                                 horizon=32)
    rows = proto.splits()
    assert [(r.condition, r.split) for r in rows] == [
        ("a", "train"), ("a", "val"), ("a", "test"), ("c", "train"), ("c", "val"), ("c", "test")]
    assert all(r.n_windows > 0 for r in rows)
    assert proto.left_out() == [
        f"condition {name} ({n}) is too short for a window of C + H = 36 frames in its train, val, "
        f"test splits{held}: not trained on, not validated on, not scored and not in the mean"
        for name, n, held in (("b", "20 frames", " (14, 5, 7 frames)"), ("d", "1 frame", ""))]
    # the same under blocked cross-validation
    folded = proto.replace(folds=3, fold=1)
    assert {r.condition for r in folded.splits()} == {"a", "c"}
    assert [line.split(" is ")[0] for line in folded.left_out()] == ["condition b (20 frames)",
                                                                     "condition d (1 frame)"]


def test_a_context_filling_the_whole_range_asks_for_a_shorter_context():
    with pytest.raises(ConfigError, match=r"C \+ H = 30 \+ 4 frames does not fit the train") as err:
        get_protocol("single", frames=40, context=30, horizon=4).splits()
    assert err.value.hint.startswith("use a shorter --context: C = 30 leaves no frame")
    assert main(["protocol", "show", "single", "--frames", "40", "--context", "30",
                 "--horizon", "4"]) == 2


def test_cli_protocol_show_notes_the_short_condition(tmp_path, capsys):
    from neurocast.data import make_dataset, save_dataset

    cond = np.repeat(["a", "b", "c"], [400, 20, 400])
    path = save_dataset(make_dataset(np.zeros((820, 2), np.float32), dt_s=1.0, condition=cond),
                        tmp_path / "c.zarr")
    assert main(["protocol", "show", "conditions", "--dataset", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "note: condition b (20 frames) is too short for a window of C + H = 36 frames" in err
    assert not [ln for ln in out.splitlines() if ln.startswith("b ")]
    assert main(["protocol", "show", "conditions", "--dataset", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"][0].startswith("condition b (20 frames)")


def test_cli_protocol_show_counts_the_windows_bench_uses_when_frame_times_pause(tmp_path, capsys):
    """Windows across a pause are left out by bench: protocol show's counts leave them out too,
    and say how many (NaN frames are not looked at: they depend on bench's --nan)."""
    from neurocast.bench import run_benchmark
    from neurocast.data import make_dataset, save_dataset

    c, h, t = 4, 3, 400  # single: train [0, 280) with 274 windows, val 38, test [316, 400) with 78
    time_s = np.arange(t) * 0.5
    for p in (100, 350):  # a 30 s pause after frames 100 (train) and 350 (test)
        time_s[p + 1:] += 30.0
    x = np.random.default_rng(0).standard_normal((t, 3)).astype(np.float32)
    x[200, 1] = np.nan  # a NaN frame: not looked at
    ds = make_dataset(x, dt_s=0.5, time_s=time_s, source="test", allow_nan=True)
    path = save_dataset(ds, tmp_path / "paused.zarr", allow_nan=True)
    argv = ["protocol", "show", "single", "--dataset", str(path), "--context", str(c),
            "--horizon", str(h)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    across = c + h - 1  # the windows holding frames on both sides of one pause
    assert [ln.split(None, 5) for ln in out.splitlines() if ln.startswith("all")] == [
        ["all", "train", "0", "280", str(274 - across), f"({across} across pauses left out)"],
        ["all", "val", "276", "320", "38"],
        ["all", "test", "316", "400", str(78 - across), f"({across} across pauses left out)"]]
    assert f"test windows: {78 - across} ({across} across pauses left out)" in out
    assert ("note: the frame times pause 2 time(s), the longest for 30.5 s after frame 100 "
            "(frames are 0.5 s apart otherwise): bench leaves out the "
            f"{2 * across} window(s) across them") in err
    assert main([*argv, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["splits"]
    assert [(r["n_windows"], r["n_windows_across_pauses"]) for r in rows] == [
        (274 - across, across), (38, 0), (78 - across, across)]
    # the test windows bench scores: as many as protocol show counts (the NaN frame is in train)
    card = run_benchmark(ds, models=["naive"], context=c, horizon=h, nan="skip-windows").scorecard
    assert int(card["n_windows"].values[0] - card["n_windows_skipped"].values[0]) == 78 - across
