"""The command line as a whole: a parser that imports no library code, flags, renamed options."""

from __future__ import annotations

import subprocess
import sys

import pytest

from neurocast.cli import main


def test_help_imports_no_library_code():
    code = ("import sys; from neurocast.cli._parser import build_parser; build_parser('x'); "
            "heavy = [m for m in ('numpy', 'numba', 'xarray', 'neurocast.data', 'neurocast.sim', "
            "'neurocast.record', 'neurocast.models', 'neurocast.bench') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_old_record_protocol_flag_names_the_new_one(capsys):
    assert main(["record", "celegans-cook2019", "--protocol", "worm-default", "--out", "x.zarr"]) == 2
    err = capsys.readouterr().err
    assert "--stimulus" in err and "hint: neurocast record celegans-cook2019 --stimulus worm-default" in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_before_or_after_the_subcommand(where, capsys):
    args = ["protocol", "list"]
    argv = ["-q", *args] if where == "before" else [*args, "-q"]
    assert main(argv) == 0
    assert "zapbench" in capsys.readouterr().out


def test_bench_without_a_dataset_or_with_empty_models(capsys):
    assert main(["bench"]) == 2
    assert "needs a dataset" in capsys.readouterr().err
    assert main(["bench", "worm-default", "--models", ","]) == 2
    assert "no model names" in capsys.readouterr().err
