"""The ``neurocast`` command. Thin: parses arguments, calls the library, prints.

Each sub-command lives in its own module here with a ``register(subparsers)`` function
that adds its parser and sets ``func`` (called with the parsed namespace, returns an exit code).
``--json`` output is one JSON object on stdout; messages and progress go to stderr.
User mistakes (NeurocastError) print one clear message and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from neurocast import __version__
from neurocast._progress import set_quiet
from neurocast.errors import NeurocastError

# Sub-command modules, in the order `neurocast --help` lists them.
COMMANDS = ("demo", "connectome", "simulate", "record", "data", "protocol", "bench", "infer")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurocast",
        description="Connectomes, whole-brain simulation, synthetic recordings and forecasting benchmarks.",
    )
    parser.add_argument("--version", action="version", version=f"neurocast {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"neurocast.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_quiet(args.quiet)
    try:
        return int(args.func(args) or 0)
    except NeurocastError as exc:
        print(f"neurocast: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neurocast: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `neurocast connectome info X | head -3`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit flush
        return 141


if __name__ == "__main__":
    sys.exit(main())
