"""Condition names: each names one contiguous block of frames, so a name given twice (adjacent
blocks would silently merge), an empty name and a missing label are refused, in the CLI and in
Python alike."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError


@pytest.mark.parametrize("offsets, names, where", [
    ([0, 1500, 3000], ["a", "a"], "conditions 1, 2, counting from 1): adjacent conditions with "
                                  "one name would merge into one"),
    ([0, 800, 1600, 3000], ["a", "b", "a"], "conditions 1, 3, counting from 1)"),
])
def test_a_condition_name_given_twice_is_refused(offsets, names, where):
    with pytest.raises(FormatError, match="condition name 'a' is given 2 times") as err:
        nd.conditions_from_offsets(offsets, names)
    assert err.value.message.endswith(where)
    assert "give the blocks distinct names" in err.value.hint


@pytest.mark.parametrize("conditions, message", [
    ("0,1500,3000:a,a", "condition name 'a' is given 2 times (conditions 1, 2, counting from 1): "
                        "adjacent"),
    ("0,800,1600,3000:a,b,a", "condition name 'a' is given 2 times (conditions 1, 3, counting "
                              "from 1)"),
    ("0,800,1600,3000:a,,b", "condition name 2 (counting from 1) is empty"),
    ("0,800,1600,3000:a, ,b", "condition name 2 (counting from 1) is empty"),
    ("0,800,1600,3000:a,nan,b", "condition name 2 (counting from 1) is 'nan'"),
])
def test_cli_import_refuses_repeated_and_empty_condition_names(tmp_path, capsys, conditions,
                                                               message):
    np.save(tmp_path / "x.npy", np.zeros((3000, 4), np.float32))
    out = tmp_path / "x.zarr"
    assert main(["data", "import", str(tmp_path / "x.npy"), str(out), "--dt-s", "0.2", "-q",
                 "--conditions", conditions]) == 2
    err = capsys.readouterr().err
    assert f"neurocast: error: {message}" in err and "Traceback" not in err
    assert not out.exists()


def test_loaders_refuse_adjacent_repeats_in_python(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((300, 2), np.float32))
    with pytest.raises(FormatError, match="adjacent conditions with one name"):
        nd.load_matrix(tmp_path / "x.npy", dt_s=0.2, condition_offsets=[0, 100, 300],
                       condition_names=["a", "a"])


@pytest.mark.parametrize("label, said", [("", "is empty"), ("  ", "is empty"),
                                         (None, "is missing (None)"),
                                         (float("nan"), "is missing (nan)"),
                                         (np.float64("nan"), "is missing (nan)"),
                                         ("nan", "is 'nan' (what a missing label becomes as text)"),
                                         (" nan", "is 'nan' (what a missing label becomes as text)")])
def test_make_dataset_refuses_empty_or_missing_condition_labels(label, said):
    cond = np.array(["a"] * 150 + [label] * 100 + ["b"] * 150, dtype=object)
    with pytest.raises(FormatError) as err:
        nd.make_dataset(np.zeros((400, 3), np.float32), dt_s=0.2, condition=cond)
    assert err.value.message == f"the condition label of frame 150 {said}"
    assert err.value.hint == "give every frame a condition name"  # no --conditions: a plan's too


def test_make_dataset_keeps_named_labels_of_any_type():
    ds = nd.make_dataset(np.zeros((4, 1), np.float32), dt_s=0.2, condition=[0, 0, 1, 1])
    assert ds.attrs["conditions"] == ["0", "1"]
    ds = nd.make_dataset(np.zeros((4, 1), np.float32), dt_s=0.2,
                         condition=np.array(["rest", "rest", "odor", "odor"], dtype=object))
    assert ds.attrs["conditions"] == ["rest", "odor"]


def test_a_float_nan_label_says_nan_plainly():
    cond = np.array([1.0, 1.0, 2.0, np.nan, 2.0, 2.0])
    with pytest.raises(FormatError) as err:
        nd.make_dataset(np.zeros((6, 2), np.float32), dt_s=0.2, condition=cond)
    assert err.value.message == "the condition label of frame 3 is missing (nan)"


def test_the_string_nan_is_refused_as_a_condition_name_in_python():
    with pytest.raises(FormatError, match=r"^condition name 2 \(counting from 1\) is 'nan'"):
        nd.conditions_from_offsets([0, 2, 4, 6], ["a", "nan", "b"])


def test_many_conditions_are_checked_for_repeats_at_once():
    """20,000 condition names (a trial-per-condition recording): distinct ones are accepted and
    a repeat among them is found, without comparing every name with every other."""
    n = 20_000
    names = [f"t{i}" for i in range(n)]
    cond = nd.conditions_from_offsets(np.arange(n + 1), names)
    assert cond.size == n and cond[-1] == f"t{n - 1}"
    names[n - 1] = "t5"
    with pytest.raises(FormatError, match=r"^condition name 't5' is given 2 times \(conditions "
                       rf"6, {n}, counting from 1\)\n"):
        nd.conditions_from_offsets(np.arange(n + 1), names)
