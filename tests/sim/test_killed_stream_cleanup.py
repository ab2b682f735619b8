"""What a killed or failed ``simulate --out FILE`` leaves beside FILE is removed.

SIGKILL (or the OOM killer) ends a run without any clean-up. A streamed run (one trial, no
plot) names every temporary file and folder it makes beside the output after the output and
the run's process id (``.FILE.PID-XXXXXXXX.partial``); so does the save of several trials
(``atomic_files``: one scratch folder named after the first trial file). ``clean_stale``, which
the next write of that file runs first, removes them once process PID no longer runs, and
never those of a run still going. A save that fails (a full disk, Ctrl-C) leaves nothing.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neurocast._files import clean_stale, partial_path
from neurocast.cli import main

#: ``neurocast`` killed outright (SIGKILL) right after it saved its first spike file
KILLED_AFTER_ONE_SAVE = (
    "import os, signal, sys; from neurocast.spikes import Spikes; save = Spikes.save; "
    "Spikes.save = lambda s, path: (save(s, path), os.kill(os.getpid(), signal.SIGKILL)); "
    "from neurocast.cli import main; sys.exit(main())")
TRIAL_FILES = ["x.trial000.npz", "x.trial001.npz", "x.trial002.npz"]


def _ended_pid() -> int:
    """The id of a process that has ended (and been reaped): no process runs under it now."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


@pytest.fixture
def three_trials(tmp_path, tiny_connectome):
    """``simulate --trials 3 --out out/x.npz`` of the five-neuron network: its arguments (an
    empty folder tmp_path/out takes the files)."""
    (tmp_path / "net").mkdir()
    (tmp_path / "out").mkdir()
    net = tiny_connectome.save(tmp_path / "net" / "tiny.npz")
    return ["simulate", str(net), "--stimulate", "A", "--trials", "3", "--duration", "0.01",
            "--out", str(tmp_path / "out" / "x.npz"), "-q"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_a_killed_streamed_run_is_cleaned_by_the_next(net_file, tmp_path, capsys, procs, suffix):
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"x{suffix}"
    proc = procs.start(procs.CLI, "simulate", net_file, "--stimulate", "random:200",
                       "--duration", "3600", "--out", target, "-q")
    try:
        # the spike writer has made its scratch folder: the run is streaming
        assert procs.wait_for(lambda: any(p.is_dir() for p in out.glob(".*.partial"))
                              or proc.poll() is not None, 120), proc.communicate()[1]
        time.sleep(0.3)
        assert proc.poll() is None, proc.communicate()[1]
    finally:
        proc.kill()
        proc.communicate()
    left = list(out.iterdir())  # hidden, named after the output and the killed run
    assert left and all(re.fullmatch(rf"\.x{re.escape(suffix)}\.{proc.pid}-[0-9a-f]{{8}}\.partial",
                                     p.name) for p in left), left
    capsys.readouterr()
    assert main(["simulate", str(net_file), "--stimulate", "random:200", "--duration", "0.01",
                 "--out", str(target), "-q"]) == 0
    assert [p.name for p in out.iterdir()] == [target.name]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_run_killed_while_saving_its_trials_is_cleaned_by_the_next(three_trials, tmp_path,
                                                                     capsys, procs):
    out = tmp_path / "out"
    proc = procs.start(KILLED_AFTER_ONE_SAVE, *three_trials)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == -signal.SIGKILL, err
    (left,) = out.iterdir()  # the scratch folder, named after the first file and the dead run
    assert re.fullmatch(rf"\.x\.trial000\.npz\.{proc.pid}-[0-9a-f]{{8}}\.partial", left.name)
    assert [p.name for p in left.iterdir()] == TRIAL_FILES[:1]
    assert main(three_trials) == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == TRIAL_FILES


@pytest.mark.parametrize("failure", ["disk full", "Ctrl-C"])
def test_a_failure_saving_trial_2_of_3_leaves_no_file(three_trials, tmp_path, capsys,
                                                      monkeypatch, failure):
    """No trial file and no scratch folder is left; the error names the output, not the
    hidden scratch folder the files were written into."""
    savez = np.savez
    calls = []

    def second_fails(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            if failure == "Ctrl-C":
                raise KeyboardInterrupt
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        savez(*args, **kwargs)

    monkeypatch.setattr(np, "savez", second_fails)
    code = main(three_trials)
    err = capsys.readouterr().err
    assert len(calls) == 2 and list((tmp_path / "out").iterdir()) == []
    if failure == "Ctrl-C":
        assert code == 130 and err == "neurocast: interrupted\n"
    else:
        first = tmp_path / "out" / TRIAL_FILES[0]
        assert code == 2 and ".partial" not in err
        assert err.startswith(f"neurocast: error: cannot write '{first}' and 2 more file(s): "
                              f"{os.strerror(errno.ENOSPC)}\n"), err


def test_clean_stale_keeps_the_folder_of_a_live_run(tmp_path):
    path = tmp_path / "x.npz"
    live = partial_path(path)  # named with this process's id: a run still going
    live.mkdir()
    (live / "steps.bin").write_bytes(b"1234")
    dead = tmp_path / f".x.npz.{_ended_pid()}-0123abcd.partial"
    dead.mkdir()
    (dead / ".spikes-k2j4h1x0").mkdir()
    other = tmp_path / ".spikes-k2j4h1x0"  # no owner to check: never guessed at
    other.mkdir()
    assert clean_stale(path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


def test_a_failed_rename_says_which_trial_files_were_already_replaced(tmp_path, monkeypatch):
    """Moving the files into place is one rename each: when the second fails, the first is
    already new and the third still old, and the error says so rather than 'cannot write'."""
    from neurocast import _files
    from neurocast.errors import WriteError

    paths = [tmp_path / f"x.trial00{k}.npz" for k in range(3)]
    for p in paths:
        p.write_text("old")
    replace = os.replace

    def second_refused(src, dst):
        if Path(dst) == paths[1]:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        replace(src, dst)

    monkeypatch.setattr(_files.os, "replace", second_refused)
    with pytest.raises(WriteError) as caught:
        with _files.atomic_files(paths) as tmps:
            for t in tmps:
                t.write_text("new")
    assert [p.read_text() for p in paths] == ["new", "old", "old"]
    message = str(caught.value)
    assert f"cannot move '{paths[1]}' into place" in message
    assert "'x.trial000.npz' already written, the other 2 file(s) not" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]


def test_a_file_the_block_did_not_write_moves_nothing(tmp_path):
    from neurocast._files import atomic_files

    paths = [tmp_path / "a.npz", tmp_path / "b.npz"]
    with pytest.raises(ValueError, match=r"wrote no file for \['b.npz'\]"):
        with atomic_files(paths) as tmps:
            tmps[0].write_text("new")
    assert list(tmp_path.iterdir()) == []
