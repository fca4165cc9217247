"""``redblue verify GRAPH STRATEGY``: replay a strategy on a DAG and score it."""

from __future__ import annotations

import argparse
import json
from typing import Any

from redblue import dags
from redblue.cli._common import EXIT_INVALID, EXIT_OK, positive, print_replay
from redblue.errors import IllegalMoveError
from redblue.game import VARIANTS, read_strategy, replay


def run(args: argparse.Namespace) -> int:
    G = dags.read_json(args.graph)
    strategy = read_strategy(args.strategy)
    variant = args.variant or strategy.variant
    try:
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
    p = sub.add_parser("verify", help="replay a strategy on a DAG and score it")
    p.add_argument("graph", help="node-link JSON file of the DAG")
    p.add_argument("strategy", help="strategy file (JSON or text)")
    p.add_argument("--memory", type=positive, help="red-pebble limit M (default: the strategy's)")
    p.add_argument("--variant", choices=tuple(VARIANTS), help="default: the strategy's")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
