"""``redblue greedy GRAPH --memory M``: schedule any DAG greedily and verify the result."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from redblue import dags
from redblue.cli._common import EXIT_BAD_INPUT, EXIT_OK, positive, print_replay
from redblue.game import replay, write_strategy
from redblue.strategies import greedy_strategy


def run(args: argparse.Namespace) -> int:
    if args.format and not args.output:  # stdout holds the replay result, not the strategy
        print("redblue: error: --format needs -o FILE (the strategy is only written to a file)",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    G = dags.read_json(args.graph)
    strategy = greedy_strategy(G, args.memory)
    result = replay(G, strategy)  # never trust a schedule: verify what it emitted
    if args.output:
        write_strategy(strategy, args.output, args.format)
    print_replay(result.to_dict(), args.json)
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("greedy", help="schedule any DAG greedily (Belady eviction) and verify it")
    p.add_argument("graph", help="node-link JSON file of the DAG")
    p.add_argument("--memory", type=positive, required=True, help="red-pebble limit M")
    p.add_argument("-o", "--output", help="write the strategy to FILE")
    p.add_argument("--format", choices=("json", "text"),
                   help="strategy file format, with -o (default: text for .txt, else json)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
