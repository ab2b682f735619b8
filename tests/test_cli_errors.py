"""Every error the command line can show: one ``neurocast: error:`` line, a ``hint:``, exit 2.

Bad values for every option of every subcommand (counts, fractions, paths, names, formats,
protocol settings). The message must speak the command line's language: no Python keyword
arguments (``allow_nan=True``), config classes (``ObserveConfig.snr``) or internal names
(``n_frames``, ``max_cols``, ``traces_heatmap``), and no traceback. The run is in-process and
each input fails fast (before any long work).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.connectome import Connectome

#: Python-API language that must not reach a command-line user.
INTERNAL = re.compile(r"\b[a-z]+(_[a-z]+)*=(True|False|None)\b|\b[A-Z]\w*(Config|Plan|Protocol)\.\w"
                      r"|\bn_frames\b|\bmax_cols\b|\bmax_rows\b|\btraces_heatmap\b|\ballow_nan\b|\bheldout_neurons\b"
                      r"|\bpass \w+=|Traceback|\bkwarg")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("bad")
    rng = np.random.default_rng(0)
    ds = nd.make_dataset(rng.normal(0, 1, (300, 3)).astype(np.float32), dt_s=0.5, neuron=["A", "B", "C"])
    data = nd.save_dataset(ds, d / "d.zarr")
    con = Connectome.from_edges(pd.DataFrame({"id": [0, 1, 2], "name": ["A", "B", "C"]}), [0], [1], [1])
    other = Connectome.from_edges(pd.DataFrame({"id": [0, 1], "name": ["X", "Y"]}), [0], [1], [1])
    np.save(d / "m.npy", rng.normal(0, 1, (50, 3)).astype(np.float32))
    (d / "names.txt").write_text("A\nB\n")
    (d / "old.png").write_bytes(b"x")
    short = nd.save_dataset(nd.make_dataset(rng.normal(0, 1, (40, 3)).astype(np.float32), dt_s=0.5), d / "s.zarr")
    return {"data": str(data), "con": str(con.save(d / "c.npz")), "other": str(other.save(d / "o.npz")),
            "npy": str(d / "m.npy"), "names": str(d / "names.txt"), "dir": str(d), "png": str(d / "old.png"), "short": str(short)}


#: A file name longer than the 255 bytes the file system allows.
LONG = "a" * 300

# (argv with {placeholders} for the files above)
BAD = [
    # argparse itself: unknown commands, options, missing arguments, wrong types
    "bogus", "simulate", "simulate celegans-cook2019 --bogus", "simulate celegans-cook2019 --trials many",
    "simulate celegans-cook2019 --trials 2.5", "simulate celegans-cook2019 --duration x",
    "data import {npy}", "data plot {data} --kind pie --out x.png", "bench {data} --nan sometimes",
    # simulate
    "simulate celegans-cook2019 --trials 0", "simulate celegans-cook2019 --trials 1e8",
    "simulate celegans-cook2019 --duration -1", "simulate celegans-cook2019 --duration 1e9",
    "simulate celegans-cook2019 --duration nan", "simulate celegans-cook2019 --dt 0",
    "simulate celegans-cook2019 --rate -5", "simulate celegans-cook2019 --rate 1e9",
    "simulate celegans-cook2019 --seed -1", "simulate celegans-cook2019 --top -1",
    "simulate celegans-cook2019 --mode turbo", "simulate celegans-cook2019 --model hodgkin",
    "simulate celegans-cook2019 --stimulate NOPE", "simulate celegans-cook2019 --stimulate random:99999",
    "simulate celegans-cook2019 --silence NOPE", "simulate celegans-cook2019 --out x.txt",
    "simulate celegans-cook2019 --plot x.jpg", "simulate celegans-cook2019 --out /no/such/dir/x.npz",
    "simulate celegans-cook2019 --plot {png}", "simulate celegans-cook2019 --of random:3",
    "simulate celegans-cook2019 --sweep bogus", "simulate celegans-cook2019 --sweep silence:each",
    "simulate celegans-cook2019 --sweep w_syn_mv=a,b", "simulate celegans-cook2019 --sweep silence:each --of random:2 --workers 0",
    "simulate celegans-cook2019 --sweep silence:each --of random:2 --plot x.png",
    "simulate celegans-cook2019 --stimulate ASHL --workers 0", "simulate celegans-cook2019 --out {dir}",
    "simulate no-such-net", "simulate {npy}",
    # record
    "record celegans-cook2019 --stimulus nope --out {dir}/r.zarr",
    "record celegans-cook2019 --stimulus worm-default --frames 1 --out {dir}/r.zarr",
    "record celegans-cook2019 --stimulus worm-default --frames 0 --out {dir}/r.zarr",
    "record celegans-cook2019 --stimulus worm-default --frames 100000000 --out {dir}/r.zarr",
    "record celegans-cook2019 --stimulus worm-default --snr -1 --out {dir}/r.zarr",
    "record celegans-cook2019 --stimulus worm-default --snr nan --out {dir}/r.zarr",
    "record celegans-cook2019 --stimulus worm-default --indicator gcamp99 --out {dir}/r.zarr",
    "record celegans-cook2019 --stimulus worm-default --out {data}",
    "record celegans-cook2019 --stimulus worm-default --seed -3 --out {dir}/r.zarr",
    # data
    "data info {dir}/missing.zarr", "data info {npy}", "data verify {dir}/missing.zarr",
    "data import {npy} {dir}/i.zarr --format nope", "data import {npy} {dir}/i.zarr --format matrix",
    "data import {npy} {dir}/i.zarr --format matrix --dt-s -1",
    "data import {npy} {dir}/i.zarr --format matrix --dt-s 0.5 --names {names}",
    "data import {npy} {dir}/i.zarr --format matrix --dt-s 0.5 --resample -2",
    "data import {npy} {dir}/i.zarr --format matrix --dt-s 0.5 --connectome {other}",
    "data import {npy} {dir}/i.zarr --format matrix --dt-s 0.5 --conditions a:0",
    "data import {npy} {dir}/i.zarr --format matrix --dt-s 0.5 --heldout nope",
    "data import {npy} {data} --format matrix --dt-s 0.5",
    "data import {dir}/missing.npy {dir}/i.zarr --format matrix --dt-s 0.5",
    "data attach {data} {other}", "data attach {data} no-such-connectome",
    "data plot {data} --out {dir}/x.xyz", "data plot {data} --out {dir}/p.png --max-rows 0",
    "data plot {data} --out {dir}/p.png --kind traces --neurons NOPE",
    "data plot {data} --out {dir}/p.png --kind traces --frames 9:3",
    "data plot {data} --out {png}", "data stats {dir}/missing.zarr",
    "data plot {data} --out {dir}/p1.png --neurons A", "data plot {data} --out {dir}/p2.png --frames 0:10",
    "data stats {data} --seed -4", "data plot {data} --out {dir}/p3.png --seed -1",
    "data stats {data} --overwrite", "data stats {data} --plots {dir}", "data stats {data} --plots {dir} --overwrite",
    # protocol
    "protocol show nope", "protocol show single", "protocol show zapbench --context 0",
    "protocol show single --frames 10", "protocol show zapbench --horizon -1", "protocol show single --frames -5",
    "protocol show single --frames 100 --dataset {data} --horizon 4",
    # bench
    "bench", "bench {data} --models nope", "bench {data} --models ''", "bench {data} --protocol nope",
    "bench {data} --metrics nope", "bench {data} --context 0", "bench {data} --horizon 0",
    "bench {data} --context 1000", "bench {data} --folds 1", "bench {data} --folds -2",
    "bench {data} --heldout-neurons 1.5", "bench {data} --heldout-neurons nan",
    "bench {data} --heldout-neurons -0.1", "bench {data} --group-by nope", "bench {data} --workers 0 --dask",
    "bench {data} --chunk-windows 0 --dask", "bench {dir}/missing.zarr",
    "bench {data} --protocol single --horizon 4 --heldout-neurons 0.2 --neuron-seed -1",
    "bench {data} --models naive --horizon 4 --out {dir} --overwrite",
    "bench {data} --dask --workers 1e6", "bench {data} --models naive --workers 2",
    "bench {data} --models naive --dask --folds 2", "simulate celegans-cook2019 --sweep silence:each --of random:2 --workers 1e6",
    # infer
    "infer {data}", "infer {data} --truth {other}", "infer {data} --truth {con} --methods nope",
    "infer {data} --truth {con} --observed 0", "infer {data} --truth {con} --observed 2",
    "infer {data} --truth {con} --seed -1",
    # connectome
    "connectome info nope", "connectome info {npy}", "connectome convert {con} {dir}/x.unknown",
    "connectome convert nope {dir}/x.npz", "connectome info {con} --from nope",
    "connectome info {con} --columns pre=a",
    # an output folder that is the input dataset (or inside it)
    "bench {data} --models naive --horizon 4 --out {data} --overwrite", "infer {data} --truth {con} --out {data}",
    "bench {data} --models naive --horizon 4 --out {data}/results", "data stats {data} --plots {data} --overwrite",
    # empty values (an unset shell variable): never read as the current folder
    "data info ''", "connectome info ''", "record celegans-cook2019 --out ''",
    "bench {data} --out=", "connectome convert {con} ''",
    # demo
    "demo --dataset {dir}/missing.zarr", "demo --dataset {short} --out {dir}/demo",
    "demo --dataset {data} --out {dir} --overwrite",
    # paths the operating system refuses (OSError)
    f"data info {LONG}", f"data import {{npy}} {LONG} --format matrix --dt-s 0.5",
    f"bench {{data}} --models naive --out {LONG}",
]


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("line", BAD)
def test_every_error_has_one_line_and_a_hint(line, files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [a.replace("''", "").format(**files) for a in line.split()]
    before = sorted(p.name for p in Path(files["dir"]).iterdir())
    code, out, err = _run(argv)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("neurocast: error: ")]
    assert code == 2, err
    assert len(errors) == 1, err  # exactly one error (info lines may come before it)
    first = lines.index(errors[0])
    hints = [i for i, ln in enumerate(lines) if ln.startswith("  hint: ")]
    assert len(hints) == 1 and hints[0] > first, err  # the hint follows the error (and its detail lines)
    assert not INTERNAL.search(err), err
    assert out == ""
    if line.startswith("demo"):  # options the demo does not have are not suggested
        assert "--horizon 4" not in err and ("neurocast bench" in err.splitlines()[-1] or "{short}" not in line)
    if "--snr" in line:
        assert "--snr must be a positive number" in err  # the option's name, not the setting's
    if "--dask" in line:
        assert "scoring the test windows" not in err  # refused before a cluster is started
    assert sorted(p.name for p in Path(files["dir"]).iterdir()) == before  # nothing written or left


def _raises(folder: Path):
    """(file, line, call) of every ``raise SomeError(...)`` of a NeurocastError class under folder."""
    import ast

    import neurocast.errors as errors

    kinds = {n for n in dir(errors) if isinstance(getattr(errors, n), type)
             and issubclass(getattr(errors, n), errors.NeurocastError)}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                fn = node.exc.func
                if (fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", None)) in kinds:
                    yield path.name, node.lineno, node.exc


def test_command_line_errors_carry_their_own_hint():
    """Errors raised by the command-line layer itself name the fix (not only --help)."""
    import neurocast.cli

    bare = [f"{f}:{n}" for f, n, call in _raises(Path(neurocast.cli.__file__).parent)
            if len(call.args) < 2 and not any(k.arg == "hint" for k in call.keywords)]
    assert not bare, bare


def test_no_error_mixes_python_and_command_line_advice():
    """No message or hint anywhere says 'pass x= (CLI: --x)': the CLI user sees options only."""
    import ast

    import neurocast

    mixed = []
    for f, n, call in _raises(Path(neurocast.__file__).parent):
        text = " ".join(c.value for c in ast.walk(call) if isinstance(c, ast.Constant) and isinstance(c.value, str))
        if "(CLI:" in text or re.search(r"\b[A-Z]\w*Config\.\w|traces_heatmap|overwrite=True", text):
            mixed.append(f"{f}:{n}: {text[:80]}")
    assert not mixed, mixed


def test_a_refused_path_names_the_path_and_the_reason(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["data", "import", files["npy"], LONG, "--format", "matrix", "--dt-s", "0.5"])
    assert code == 2 and out == ""
    assert err.splitlines() == [f"neurocast: error: cannot use '{LONG}': File name too long",
                                "  hint: use a shorter path (at most 255 bytes per file or folder name)"]
    assert list(tmp_path.iterdir()) == []


def test_a_library_warning_prints_as_one_note_line(tmp_path, capsys):
    edges = tmp_path / "unsigned.csv"
    edges.write_text("pre,post,count\n1,2,200\n2,3,200\n")  # no sign, weight or transmitter
    assert main(["connectome", "info", str(edges)]) == 0
    err = capsys.readouterr().err
    assert "note: 2 of 2 connection(s)" in err and "UserWarning" not in err and ".py:" not in err


def test_dt_that_does_not_divide_the_delay_names_the_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["simulate", "celegans-cook2019", "--duration", "0.1", "--dt", "0.07"])
    assert code == 2 and out == ""
    assert "--dt 0.07 ms does not divide" in err and "hint: e.g. --dt 0.05" in err and "dt_ms" not in err


def test_bench_counts_take_the_forms_of_other_counts():
    from neurocast.cli._parser import build_parser

    args = build_parser("x").parse_args(["bench", "d", "--seeds", "1e1", "--max-steps", "2_000"])
    assert (args.seeds, args.max_steps) == (10, 2000)


def test_bench_refuses_more_folds_than_frames_before_any_work(files, tmp_path, monkeypatch):
    import neurocast.cli.bench as cli_bench

    def never(*a, **k):
        raise AssertionError("run_benchmark called")  # --folds 1e9 would build 1e9 protocols

    monkeypatch.setattr(cli_bench, "run_benchmark", never)
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["bench", files["data"], "--models", "naive", "--folds", "1e9"])
    assert code == 2 and out == "" and "--folds 1,000,000,000 is more than the 300 frames" in err


def test_bench_metric_given_twice_is_scored_once(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["bench", files["data"], "--models", "naive", "--horizon", "4", "--no-realism",
                           "--metrics", "mae,mae", "--json", "-q"])
    assert code == 0, err
    assert not any(k.startswith("mse") for k in json.loads(out)["summary"]["naive"])


def test_interrupted_trials_leave_no_spike_file(tmp_path, monkeypatch):
    """--trials N --out: the N files appear together or not at all."""
    from neurocast.spikes import Spikes

    save, calls = Spikes.save, []

    def interrupted(self, path):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return save(self, path)

    monkeypatch.setattr(Spikes, "save", interrupted)
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["simulate", "celegans-cook2019", "--duration", "0.01", "--trials", "3",
                         "--stimulate", "ASHL", "--out", "x.npz", "-q"])
    assert code == 130, err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, named", [(["data", "info", ""], "the argument after 'info'"),
                                         (["bench", "x", "--out", " "], "the value of --out"),
                                         (["bench", "x", "--out="], "--out")])
def test_an_empty_argument_is_named(argv, named):
    code, out, err = _run(argv)
    assert code == 2 and out == "" and f"neurocast: error: {named} is empty" in err


def test_an_unknown_option_points_to_its_subcommand_help():
    code, out, err = _run(["data", "info", "worm-default", "--bogus", "1"])
    assert code == 2 and out == ""
    assert err.splitlines() == ["neurocast: error: unrecognized arguments: --bogus 1",
                                "  hint: see 'neurocast data info --help' for the valid values"]


def test_an_unknown_stats_reference_lists_groups_and_datasets(files):
    code, out, err = _run(["data", "stats", files["data"], "--reference", "nope"])
    assert code == 2 and out == "" and "unknown reference 'nope'" in err
    assert "celegans, zebrafish, all" in err and "worm-default" in err


def test_a_killed_multi_trial_write_is_cleaned_by_the_next(tmp_path, monkeypatch):
    """A run killed while writing its trials (no clean-up ran) leaves its scratch folder; it is
    named as clean_stale expects, so the next run of that output removes it."""
    import re

    from neurocast.spikes import Spikes

    save = Spikes.save

    def killed(self, path):
        save(self, path)
        raise KeyboardInterrupt  # after the first file

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Spikes, "save", killed)
    monkeypatch.setattr("neurocast._files.shutil.rmtree", lambda *a, **k: None)  # as if killed
    monkeypatch.setattr("neurocast._files._alive", lambda pid: False)  # its process is gone
    argv = ["simulate", "celegans-cook2019", "--duration", "0.01", "--trials", "2",
            "--stimulate", "ASHL", "--out", "x.npz", "-q"]
    assert _run(argv)[0] == 130
    (left,) = tmp_path.iterdir()
    assert re.fullmatch(r"\..+\.npz\.\d+-[0-9a-f]{8}\.partial", left.name), left.name
    monkeypatch.setattr(Spikes, "save", save)
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("neurocast._files._alive", lambda pid: False)
    assert _run(argv)[0] == 0
    assert not left.exists() and not any(p.name.startswith(".") for p in tmp_path.iterdir())
