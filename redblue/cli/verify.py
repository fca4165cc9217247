"""``redblue verify GRAPH STRATEGY``: replay a strategy on a DAG and score it."""

from __future__ import annotations

import argparse
import json
from typing import Any

from redblue import progress
from redblue.cli._common import (
    add_graph_input,
    add_strategy_input,
    examples,
    load_graph,
    load_strategy,
    print_replay,
)
from redblue.errors import EXIT_INVALID, EXIT_OK, IllegalMoveError, InvalidInputError
from redblue.game import replay


def run(args: argparse.Namespace) -> int:
    if args.graph == args.strategy == "-":
        raise InvalidInputError("the graph and the strategy cannot both come from stdin")
    G = load_graph(args)
    strategy = load_strategy(args.strategy, args.strategy_format)
    variant = args.variant or strategy.variant
    try:
        with progress.phase(f"replaying {len(strategy):,} moves"):
            result = replay(G, strategy, memory=args.memory, variant=variant)
    except IllegalMoveError as exc:
        if args.json:
            print(json.dumps({"valid": False, "error": exc.to_dict()}))
        else:
            print(f"invalid: {exc}")
        return EXIT_INVALID
    print_replay(result.to_dict(), args.json)
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="replay a strategy on a DAG and score it",
        epilog=examples(
            "redblue verify att.json moves.json",
            "redblue verify att.json moves.txt --memory 8 --variant no-recompute --json",
            "redblue greedy att.json --memory 6 -o - | redblue verify att.json -",
            note="Exit status: 0 valid, 1 invalid (the first illegal move is named), "
            "2 bad input.",
        ),
    )
    add_graph_input(p)
    add_strategy_input(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
