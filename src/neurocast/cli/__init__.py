"""The ``neurocast`` command. Thin: parses arguments, calls the library, prints.

``_parser.py`` holds every argument and imports nothing of the library, so ``--help`` is fast.
The module of the chosen subcommand (``cli/NAME.py``, with ``run(args) -> int``) is imported
only when it runs. ``--json`` output is one JSON object on stdout; messages and progress go to
stderr. User mistakes (NeurocastError) print one clear message and a hint (the subcommand's
``--help`` if the error has none), and exit with status 2; so do bad arguments (argparse) and
paths the operating system refuses (an OSError: name too long, no permission, disk full, ...).
Under ``mpiexec -n K`` (K > 1 ranks of one job) only rank 0 prints the errors and notes every
rank shares (arguments, checks before the run); once ``simulate`` starts the distributed run
(``distributed_run``), each rank prints its own, as ``neurocast: error (rank k): ...``, and
then ends the whole job (``MPI_Abort``: the other ranks would wait for it for ever). Every
rank exits with 2. A rank without a size > 1 (``srun -n 8``: independent tasks) prints as usual.
Ctrl-C prints ``neurocast: interrupted`` and exits with 130; SIGTERM and SIGHUP (a closed
terminal) end the command the same way, with 128 + the signal's number (143, 129): the
exception unwinds the command, so its temporary files and worker processes go with it.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import io
import os
import signal
import sys
import threading
import traceback
import warnings

from neurocast import __version__
from neurocast._mpi_env import mpi_rank, mpi_world_size
from neurocast._progress import quiet
from neurocast.cli._parser import build_parser
from neurocast.errors import ConfigError, NeurocastError


def main(argv: list[str] | None = None) -> int:
    try:  # argparse prints its errors itself: under mpiexec, rank 0 only (``_error``)
        with contextlib.redirect_stderr(io.StringIO()) if _quiet() else contextlib.nullcontext():
            args, extra = build_parser(__version__).parse_known_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad argument (already printed): its status
        return exc.code if isinstance(exc.code, int) else 0
    if extra:  # named here, where the subcommand is known: its --help lists what it takes
        _error(f"unrecognized arguments: {' '.join(extra)}", _help_hint(args))
        return 2
    # this command only: --quiet, warnings as notes, SIGTERM and SIGHUP as exceptions
    with quiet(getattr(args, "quiet", False)), _warnings_as_notes(), _signals_as_exceptions():
        try:
            _refuse_empty(sys.argv[1:] if argv is None else argv)
            command = importlib.import_module(f"neurocast.cli.{args.command}")
            return int(command.run(args) or 0)
        except NeurocastError as exc:
            _error(exc.message, exc.hint or _help_hint(args), _rank_of(exc))
            _end_job(exc)
            return 2
        except KeyboardInterrupt:
            print("neurocast: interrupted", file=sys.stderr)
            return 130
        except _Terminated as exc:
            with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
                print(f"neurocast: terminated ({signal.Signals(exc.signum).name})", file=sys.stderr)
            return 128 + exc.signum
        except BrokenPipeError as exc:  # e.g. `neurocast connectome info X | head -3`: the reader left
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit flush
            _end_job(exc)
            return 141
        except OSError as exc:  # the system refused a path (name too long, no permission, ...)
            where = f" '{exc.filename}'" if exc.filename is not None else ""
            _error(f"cannot use{where}: {exc.strerror or exc}", _OS_HINTS.get(exc.errno, _OS_HINT),
                   _rank_of(exc))
            _end_job(exc)
            return 2
        except Exception as exc:  # not neurocast's: a traceback, and under MPI the job ends
            if _rank_of(exc) is None:
                raise
            traceback.print_exc()
            _error(f"{type(exc).__name__} during the distributed run",
                   "the traceback above says where; the other ranks are ended with it",
                   _rank_of(exc))
            _end_job(exc)
            raise


def _error(message: str, hint: str, rank: int | None = None) -> None:
    """Print an error and its hint on stderr. Under ``mpiexec -n K`` every rank runs the same
    command with the same input, and before the distributed run starts fails alike: only rank 0
    prints then (``_quiet``; every rank still returns status 2). rank: the rank that raised the
    error during the distributed run (``distributed_run``), which prints it, named, whatever
    its number: another rank may not have failed at all."""
    if rank is None and _quiet():
        return
    where = "" if rank is None else f" (rank {rank})"
    print(f"neurocast: error{where}: {message}", file=sys.stderr)
    print(f"  hint: {hint}", file=sys.stderr)


def _quiet() -> bool:
    """Whether this process leaves the messages every rank shares to rank 0: it is one of
    several ranks of one MPI job (a size > 1: a rank alone is set for independent ``srun``
    tasks too), and not rank 0."""
    return mpi_world_size() > 1 and mpi_rank() != 0


#: Whether the distributed run is under way in this process (``distributed_run``).
_running = [False]
#: The attribute naming the rank an error was raised on during the distributed run.
_RANK_ATTR = "neurocast_mpi_rank"


@contextlib.contextmanager
def distributed_run():
    """Mark the distributed run of a command started by ``mpiexec -n K`` (K > 1): within the
    block the ranks no longer share their errors (one rank's node may fail to write, run out of
    memory, ...), so an error raised here is printed by its own rank as ``neurocast: error
    (rank k): ...``, and a note as ``note (rank k): ...``. Outside one MPI job it does nothing."""
    if mpi_world_size() <= 1:
        yield
        return
    before = _running[0]
    _running[0] = True
    try:
        yield
    except Exception as exc:  # NeurocastError, OSError, MemoryError, a bug: the rank is named
        setattr(exc, _RANK_ATTR, mpi_rank())
        raise
    finally:
        _running[0] = before


def _rank_of(exc: BaseException) -> int | None:
    """The rank that raised ``exc`` during the distributed run, None for an error before it."""
    return getattr(exc, _RANK_ATTR, None)


def _end_job(exc: BaseException) -> None:
    """After an error raised during the distributed run (and printed), end every rank of the
    job with status 2 (``MPI_Abort``): the others would wait for this one's spikes for ever."""
    mpi = sys.modules.get("mpi4py.MPI")  # imported by the run; never imported here
    if _rank_of(exc) is None or mpi is None or mpi.COMM_WORLD.Get_size() <= 1:
        return
    sys.stderr.flush()
    mpi.COMM_WORLD.Abort(2)


def _refuse_empty(argv: list[str]) -> None:
    """ConfigError for an empty argument ('' or blanks, ``--out=``): no option takes one, and
    an empty path would be read as the current folder ('.'). Usually an unset shell variable."""
    for i, token in enumerate(argv):
        flag, eq, value = token.partition("=") if token.startswith("--") else ("", "", token)
        if (eq or not flag) and not value.strip():
            what = flag or ("the first argument" if i == 0 else f"the value of {argv[i - 1]}"
                            if argv[i - 1].startswith("-") else f"the argument after '{argv[i - 1]}'")
            raise ConfigError(f"{what} is empty", "give it a value (an unset shell variable?), "
                              "or leave the option out")


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread (not an Exception: nothing swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_as_exceptions():
    """Within the block, SIGTERM and SIGHUP raise _Terminated, as Ctrl-C raises
    KeyboardInterrupt, so the command unwinds: temporary files are removed and worker
    processes stopped. A signal already handled or ignored (``nohup``) is left alone; a second
    one ends the process at once (the default)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [signal.SIGTERM, signal.SIGHUP]

    def handler(signum, frame):
        for name in names:
            signal.signal(name, signal.SIG_DFL)
        raise _Terminated(signum)

    ours = [name for name in names if signal.getsignal(name) is signal.SIG_DFL]
    for name in ours:
        signal.signal(name, handler)
    try:
        yield
    finally:
        for name in ours:
            signal.signal(name, signal.SIG_DFL)


@contextlib.contextmanager
def _warnings_as_notes():
    """Within the block, a UserWarning (a library's remark about the input, e.g. connections of
    unknown sign) prints as one ``note:`` line on stderr (under mpiexec, on rank 0 only; during
    the distributed run on every rank, as ``note (rank k):``), not Python's file:line form;
    other warnings (deprecations, numerical ones) keep Python's own format."""
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if category is UserWarning:
            if _running[0]:  # a rank's own remark
                print(f"note (rank {mpi_rank()}): {message}", file=sys.stderr)
            elif not _quiet():  # under mpiexec every rank reads the same input: one note
                print(f"note: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


#: The hint for an OSError, by errno; ``_OS_HINT`` for the others.
_OS_HINTS = {
    errno.ENAMETOOLONG: "use a shorter path (at most 255 bytes per file or folder name)",
    errno.EACCES: "check the permissions of the path, or choose another one",
    errno.EPERM: "check the permissions of the path, or choose another one",
    errno.ENOSPC: "free some disk space, or write to another disk",
    errno.EROFS: "choose a path on a writable disk",
}
_OS_HINT = "check the path: its folders must exist and be readable (writable for outputs)"


def _help_hint(args) -> str:
    """The hint of an error that has none: the help of the subcommand that raised it."""
    words = [w for w in (args.command, getattr(args, "action", None)) if isinstance(w, str)]
    return f"see 'neurocast {' '.join(words)} --help' for the valid values"


if __name__ == "__main__":
    sys.exit(main())
