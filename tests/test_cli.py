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


def test_every_documented_command_parses():
    """Each command in README.md and docs/*.md code blocks is accepted by the parser, reduced
    to its required part (optional [groups] dropped, the first of a | b alternatives): no
    missing required option such as data plot's --out."""
    import contextlib
    import io
    import re
    import shlex
    from pathlib import Path

    from neurocast.cli._parser import SUBCOMMANDS, build_parser

    root = Path(__file__).resolve().parents[1]
    checked, bad = 0, []
    for f in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        for block in re.findall(r"```(?:bash|sh|console)?\n(.*?)```", f.read_text(), re.S):
            for line in block.splitlines():
                line = re.split(r"\s{2,}|\s#", line.strip().removeprefix("$ "))[0]
                while re.search(r"\[[^\[\]]*\]", line):
                    line = re.sub(r"\s*\[[^\[\]]*\]", "", line)  # optional groups, innermost first
                line = " ".join(w.split("|")[0] for w in line.split(" | ")[0].split())
                words = line.split()
                if (len(words) < 2 or words[0] != "neurocast" or words[1] not in SUBCOMMANDS
                        or "..." in line or "…" in line or line.endswith("\\")):
                    continue
                checked += 1
                err = io.StringIO()
                try:
                    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                        build_parser("test").parse_args(shlex.split(line)[1:])
                except SystemExit as exc:
                    if exc.code:
                        bad.append(f"{f.name}: {line} -> {err.getvalue().strip()}")
    assert checked > 20 and not bad, bad
