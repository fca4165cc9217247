"""The ``redblue`` command line: a thin layer over the library.

Each subcommand lives in its own module of this package, which defines
``register(subparsers)``: it adds its parser and sets ``func``, a function of the parsed
arguments returning the exit code. :data:`COMMANDS` lists the modules in help order.

Exit codes: 0 success, 1 a check failed (an invalid strategy, a search stopped by a
limit, a failed proof), 2 bad input, 130 interrupted (Ctrl-C: one line, whether it comes
during a command or while ``redblue`` starts, see :mod:`redblue.__main__`). Bad input is
reported as one line on stderr, never a traceback. Results go to stdout; progress
(phases of more than about two seconds, see :mod:`redblue.progress`) goes to stderr,
silenced by ``-q`` and detailed by ``-v``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from redblue import progress
from redblue.cli import (
    bounds,
    check,
    dag,
    demo,
    diff,
    greedy,
    lower,
    moves,
    paper,
    prove,
    records,
    simulate,
    solve,
    sweep,
    verify,
    view,
)
from redblue.cli._common import Parser, examples, verbosity_of
from redblue.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    INTERRUPTED,
    OUT_OF_MEMORY,
    IllegalMoveError,
    RedBlueError,
    cannot_load,
)

__all__ = ["COMMANDS", "build_parser", "main"]

#: The subcommand modules, in the order ``redblue --help`` lists them.
COMMANDS = (paper, demo, dag, verify, moves, diff, greedy, simulate, sweep, bounds, check, prove,
            solve, lower, view, records)  # fmt: skip


def build_parser() -> Parser:
    """The argument parser of the ``redblue`` command."""
    parser = Parser(
        prog="redblue",
        description="Check I/O lower-bound proofs with the red-blue pebble game.",
        epilog=examples(
            "redblue demo --n 4 --d 2",
            "redblue dag attention --n 2 --d 1 -o att.json",
            "redblue solve att.json --memory 6",
            note="redblue COMMAND --help tells more about each command.",
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``redblue`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    before = progress.verbosity()
    progress.set_verbosity(verbosity_of(args))
    try:
        return args.func(args)
    except IllegalMoveError as exc:
        print(f"redblue: invalid strategy: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except RedBlueError as exc:
        print(f"redblue: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `redblue ... | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush is quiet
        return 0
    except OSError as exc:
        print(f"redblue: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:  # a size the machine cannot hold, met before any check of it
        print(OUT_OF_MEMORY, file=sys.stderr)
        return EXIT_BAD_INPUT
    except ImportError as exc:  # under `ulimit -v`, a compiled library may find no room
        print(cannot_load(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        progress.set_verbosity(before)  # the library stays silent after an in-process run
