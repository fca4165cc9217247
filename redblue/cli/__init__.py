"""The ``redblue`` command line: a thin layer over the library.

Each subcommand lives in its own module of this package, which defines
``register(subparsers)``: it adds its parser and sets ``func``, a function of the parsed
arguments returning the exit code. :data:`COMMANDS` lists the modules in help order.

Exit codes: 0 success, 1 a check failed (an invalid strategy, a search stopped by a
limit, a failed proof), 2 bad input. Bad input is reported as one line on stderr, never
a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from redblue.cli import (
    bounds,
    check,
    dag,
    demo,
    greedy,
    paper,
    prove,
    simulate,
    solve,
    sweep,
    verify,
)
from redblue.cli._common import EXIT_BAD_INPUT, EXIT_INVALID, Parser
from redblue.errors import IllegalMoveError, RedBlueError

__all__ = ["COMMANDS", "build_parser", "main"]

#: The subcommand modules, in the order ``redblue --help`` lists them.
COMMANDS = (paper, demo, dag, verify, greedy, simulate, sweep, bounds, check, prove, solve)


def build_parser() -> Parser:
    """The argument parser of the ``redblue`` command."""
    parser = Parser(prog="redblue", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``redblue`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except IllegalMoveError as exc:
        print(f"redblue: invalid strategy: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except RedBlueError as exc:
        print(f"redblue: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"redblue: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("redblue: interrupted", file=sys.stderr)
        return 130
