"""``redblue view GRAPH [STRATEGY] -o view.html``: a pebbling to step through in a browser."""

from __future__ import annotations

import argparse
from typing import Any

from redblue import progress
from redblue.cli._common import (
    STDIO,
    add_graph_input,
    add_replay_rules,
    add_strategy_format,
    examples,
    load_graph,
    load_strategy,
)
from redblue.errors import EXIT_OK, InvalidInputError
from redblue.readwrite import check_writable
from redblue.view import view
from redblue.view.layout import LAYOUTS


def _blocks(text: str) -> dict[str, int]:
    """argparse type: ``B_r,B_c`` as two whole numbers >= 1."""
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) >= 1 for p in parts):
        raise argparse.ArgumentTypeError(f"expected B_r,B_c (two whole numbers >= 1), got {text!r}")
    return {"B_r": int(parts[0]), "B_c": int(parts[1])}


def run(args: argparse.Namespace) -> int:
    if args.graph == args.strategy == STDIO:
        raise InvalidInputError("the graph and the strategy cannot both come from stdin")
    if args.output == STDIO:
        raise InvalidInputError("-o needs a file name: the page is HTML, not for a terminal")
    check_writable(args.output)
    if args.strategy is None and (args.memory or args.variant or args.blocks
                                  or args.strategy_format):  # fmt: skip
        raise InvalidInputError("--memory, --variant, --blocks and --strategy-format need a "
                                "STRATEGY")  # fmt: skip
    G = load_graph(args)
    strategy = None if args.strategy is None else load_strategy(args.strategy,
                                                                args.strategy_format)
    with progress.phase("building the page"):
        page = view(G, strategy, memory=args.memory, variant=args.variant,
                    blocks=args.blocks, layout_method=args.layout)  # fmt: skip
    page.save(args.output)
    what = "the DAG alone" if page.frames is None else repr(page.frames)
    print(f"{args.output}: {len(page.html.encode('utf-8')):,} bytes, {page.mode} view of "
          f"{G.number_of_nodes():,} nodes; {what}")  # fmt: skip
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "view",
        help="write an HTML page that steps through a strategy on a DAG",
        epilog=examples(
            "redblue view att.json best.json -o view.html",
            "redblue view att.json -o dag.html",
            "redblue simulate flash2 --n 8 --d 2 --memory 24 -o f2.json --graph-output g.json\n"
            "  redblue view g.json f2.json --blocks 2,2 -o f2.html",
            note="One self-contained file (no network access, no server); open it in any\n"
            "browser. Exit status: 0 written, 1 an invalid strategy (the first illegal move\n"
            "is named on stderr), 2 bad input.",
        ),
    )
    add_graph_input(p)
    p.add_argument("strategy", metavar="STRATEGY", nargs="?",
                   help="the strategy's file, json or text (- for stdin); without it the "
                   "page shows the DAG alone")  # fmt: skip
    add_strategy_format(p, "of the strategy file", "from its extension or content")
    add_replay_rules(p)
    p.add_argument("--blocks", type=_blocks, metavar="B_r,B_c",
                   help="FlashAttention block sizes, for the tile overlay "
                   "(redblue simulate --json prints them)")  # fmt: skip
    p.add_argument("--layout", choices=LAYOUTS, default="auto",
                   help="how nodes are placed: columns by topological generation, "
                   "Graphviz dot, or one panel a tensor (auto: dot for small graphs when "
                   "installed, tensors from 2,000 nodes on, else layers)")  # fmt: skip
    p.add_argument("-o", "--output", metavar="FILE", required=True,
                   help="write the page to FILE")
    p.set_defaults(func=run)
