"""Fixtures for the simulator tests: small networks with known wiring."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def make_chain(counts, signs=None, n=None):
    """A connectome with connections i -> i+1 with the given synapse counts (neuron k named 'k')."""
    from neurocast.connectome import Connectome

    n = n if n is not None else len(counts) + 1
    signs = np.ones(n, dtype=int) if signs is None else np.asarray(signs)
    table = pd.DataFrame({"id": np.arange(n) + 100, "name": [f"n{k}" for k in range(n)], "sign": signs})
    return Connectome.from_edges(table, np.arange(len(counts)), np.arange(1, len(counts) + 1),
                                 counts, name="chain")


@pytest.fixture
def chain():
    """make_chain(counts, signs=None): a chain connectome n0 -> n1 -> ... (factory)."""
    return make_chain


@pytest.fixture
def chain2():
    """Two neurons, 0 -> 1 with 10 synapses (w = 2.75 mV of g)."""
    return make_chain([10])


@pytest.fixture(scope="session")
def random10k():
    """A 10,000-neuron synthetic network (random_connectome, 100 connections per neuron)."""
    from neurocast.connectome import random_connectome

    return random_connectome(10_000, 100, seed=7, name="rand10k")


def _builtin(name: str):
    """The built-in connectome ``name``; the test is skipped if it cannot be loaded."""
    from neurocast.connectome import load_connectome

    try:
        return load_connectome(name)
    except Exception as exc:  # pragma: no cover - cect missing
        pytest.skip(f"{name} unavailable: {exc}")


@pytest.fixture
def cook2019():
    return _builtin("celegans-cook2019")


@pytest.fixture
def varshney_kunert():
    """Varshney et al. 2011 wiring signed as in Kunert et al. 2014 (GABAergic -1, others +1)."""
    return _builtin("celegans-varshney2011-kunert")


@pytest.fixture
def net_file(tmp_path):
    """2,000 neurons, 50 connections each, saved as tmp_path/net/r2k.npz (a folder of its own, so
    tmp_path's other folders hold only what a run writes): a trial of 80 s takes a few seconds,
    an hour simulated minutes."""
    from neurocast.connectome import random_connectome

    folder = tmp_path / "net"
    folder.mkdir()
    return random_connectome(2000, 50, seed=1, name="r2k").save(folder / "r2k.npz")


class Processes:
    """Commands a test starts, and the processes they leave, seen through /proc (Linux)."""

    #: The ``neurocast`` command, with Ctrl-C raising KeyboardInterrupt as at a terminal (a
    #: test run in the background may have inherited SIGINT ignored, which Python keeps).
    CLI = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
           "from neurocast.cli import main; sys.exit(main())")

    @staticmethod
    def start(code: str, *argv) -> subprocess.Popen:
        """``python -c code *argv`` in a session of its own (so that whatever it starts can be
        found afterwards), stdout and stderr piped as text."""
        return subprocess.Popen([sys.executable, "-c", code, *map(str, argv)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)

    @staticmethod
    def wait_for(cond, timeout_s: float) -> bool:
        """True once ``cond()`` holds (asked every 50 ms); False if it still does not after
        ``timeout_s`` seconds."""
        deadline = time.monotonic() + timeout_s
        while not cond():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    @staticmethod
    def stat(pid: int) -> list[str] | None:
        """Fields of /proc/PID/stat after the command name (state, ppid, pgrp, session, ...);
        None once the process is gone."""
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None

    @classmethod
    def running(cls, pid: int) -> bool:
        """Alive and not a zombie (an ended child waiting to be reaped)."""
        f = cls.stat(pid)
        return f is not None and f[0] != "Z"

    @classmethod
    def having(cls, field: int, value: int) -> list[int]:
        """Running processes whose stat field ``field`` (1: parent, 3: session) is ``value``."""
        found = []
        for entry in Path("/proc").glob("[0-9]*/stat"):
            f = cls.stat(int(entry.parent.name))
            if f is not None and f[0] != "Z" and int(f[field]) == value:
                found.append(int(entry.parent.name))
        return found


@pytest.fixture
def procs():
    """``Processes``: start commands (``start``, ``CLI``), wait (``wait_for``) and find the
    processes they leave (``stat``, ``running``, ``having``)."""
    return Processes
