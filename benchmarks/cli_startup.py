"""Start-up time of the command line: `neurocast --help` and `neurocast --version`.

Each command runs as a fresh process (as a person runs it), several times; the script prints
the minimum and median wall time and the ratio to the 0.3 s target. With ``--src DIR`` (repeatable)
it runs the command from other source trees too, e.g. an older checkout, in the same run:

    python benchmarks/cli_startup.py                          # the installed neurocast
    python benchmarks/cli_startup.py --src /tmp/old/src --src src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TARGET_S = 0.3


def _time(cmd: list[str], env: dict, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", action="append", default=[], help="a source tree (its src/ folder)")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    trees = args.src or [""]
    base = _time([sys.executable, "-c", "pass"], dict(os.environ), args.runs)
    print(f"python -c pass: min {min(base):.3f} s (the interpreter's own start)")
    print(f"{'source':<28} {'command':<10} {'min s':>7} {'median s':>9} {'target':>7}")
    for tree in trees:
        env = dict(os.environ)
        if tree:
            env["PYTHONPATH"] = os.path.abspath(tree)
        for flag in ("--help", "--version"):
            times = _time([sys.executable, "-m", "neurocast.cli", flag], env, args.runs)
            ok = "ok" if min(times) <= TARGET_S else "SLOW"
            print(f"{tree or 'installed':<28} {flag:<10} {min(times):>7.3f} {statistics.median(times):>9.3f} "
                  f"{ok:>7}")


if __name__ == "__main__":
    main()
