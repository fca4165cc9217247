"""``redblue moves GRAPH STRATEGY``: a verified strategy as a table, one row a move."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from typing import Any

from redblue import progress
from redblue.cli._common import (
    STDIO,
    add_graph_input,
    add_strategy_input,
    examples,
    load_graph,
    load_strategy,
)
from redblue.errors import EXIT_OK, InvalidInputError
from redblue.game.trace import TABLE_FORMATS, move_columns, table_lines
from redblue.readwrite import check_writable

#: the table format a file extension of ``-o`` implies
_BY_EXTENSION = {".csv": "csv", ".md": "markdown"}


def run(args: argparse.Namespace) -> int:
    if args.graph == args.strategy == STDIO:
        raise InvalidInputError("the graph and the strategy cannot both come from stdin")
    if args.output:
        check_writable(args.output)  # (stdout, "-", always passes)
    G = load_graph(args)
    strategy = load_strategy(args.strategy, args.strategy_format)
    with progress.phase(f"replaying {len(strategy):,} moves"):
        columns = move_columns(G, strategy, memory=args.memory, variant=args.variant)
    to_file = args.output not in (None, STDIO)
    fmt = args.table_format or (
        _BY_EXTENSION.get(os.path.splitext(args.output)[1].lower(), "text") if to_file else "text"
    )
    lines = table_lines(columns, fmt)
    if not to_file:
        return _to_stdout(lines)
    with progress.phase(f"writing {len(columns['index']):,} rows to {args.output}"):
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(line + "\n" for line in lines)
    io, peak = columns["io"], columns["red"]
    print(f"{len(io):,} moves written to {args.output} ({fmt}): io "
          f"{int(io[-1]) if len(io) else 0:,}, peak red {int(peak.max(initial=0)):,}")  # fmt: skip
    return EXIT_OK


def _to_stdout(lines: Iterable[str]) -> int:
    # a closed pipe (`| head`) is handled once for every command, in redblue.cli.main
    sys.stdout.writelines(line + "\n" for line in lines)
    sys.stdout.flush()
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "moves",
        help="replay a strategy and print it move by move",
        epilog=examples(
            "redblue moves att.json moves.txt",
            "redblue moves att.json moves.txt -o moves.csv",
            "redblue moves att.json moves.json --table-format markdown | head -20",
            note="Columns: index, move, node; after the move, the red pebbles in use and\n"
            "the loads, stores and I/O so far. Exit status: 0 valid, 1 invalid (the first\n"
            "illegal move is named on stderr), 2 bad input.",
        ),
    )
    add_graph_input(p)
    add_strategy_input(p)
    p.add_argument("--table-format", choices=TABLE_FORMATS,
                   help="how the table is written (default: csv for -o *.csv, markdown for "
                   "*.md, else text)")  # fmt: skip
    p.add_argument("-o", "--output", metavar="FILE",
                   help=f"write the table to FILE ({STDIO}: stdout, the default)")
    p.set_defaults(func=run)
