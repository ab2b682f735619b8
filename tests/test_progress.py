"""Progress off a terminal: plain lines at a bounded rate, nothing for short work."""

import time

import neurocast._progress as P


def _run_bar(total, steps, pause, postfix_every=None):
    with P.progress(total, "train m", "step") as bar:
        for i in range(steps):
            time.sleep(pause)
            bar.update(1)
            if postfix_every and i % postfix_every == 0:
                bar.set_postfix(val_mae=f"{i / 1000:.4f}")  # forces a redraw each time


def test_long_work_off_a_terminal_writes_one_plain_line_per_interval(capsys, monkeypatch):
    monkeypatch.setattr(P, "LOG_INTERVAL_S", 0.2)
    t0 = time.monotonic()
    _run_bar(60, 60, 0.02, postfix_every=1)  # ~1.2 s, a forced redraw at every step
    wall = time.monotonic() - t0
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert 2 <= len(lines) <= wall / 0.2 + 1, lines
    assert all(ln.startswith("train m:") and "/60 [" in ln and "val_mae=" in ln for ln in lines)
    counts = [int(ln.split("|")[2].split("/")[0]) for ln in lines]
    assert counts == sorted(counts) and counts[0] >= 5  # none in the first interval


def test_short_silenced_or_unwanted_work_writes_nothing(capsys, monkeypatch):
    monkeypatch.setattr(P, "LOG_INTERVAL_S", 0.2)
    _run_bar(5, 5, 0.01)  # done within the first interval
    _run_bar(0, 20, 0.02)  # total 0: the caller asked for no progress
    with P.quiet():
        _run_bar(20, 20, 0.02)
    assert capsys.readouterr().err == ""


def test_a_quiet_command_silences_its_own_bars_only(capsys, monkeypatch):
    """`main([..., "--quiet"])` in a process (a notebook, a test) must not silence what runs after it."""
    from neurocast.cli import main

    monkeypatch.setattr(P, "LOG_INTERVAL_S", 0.2)
    assert main(["connectome", "list", "--quiet"]) == 0
    capsys.readouterr()
    _run_bar(30, 30, 0.02)
    assert capsys.readouterr().err.startswith("train m:")


def test_a_bar_without_a_total_logs_counts_and_rate(capsys, monkeypatch):
    """Training without a step cap has no total: its lines show the count and rate, no time left."""
    monkeypatch.setattr(P, "LOG_INTERVAL_S", 0.2)
    _run_bar(None, 40, 0.02, postfix_every=5)
    lines = capsys.readouterr().err.splitlines()
    assert lines and all(ln.startswith("train m:") and "step [" in ln and "/" not in ln.split("[")[0]
                         and "step/s" in ln and "val_mae=" in ln for ln in lines), lines
