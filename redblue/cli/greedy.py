"""``redblue greedy GRAPH --memory M``: schedule any DAG greedily and verify the result."""

from __future__ import annotations

import argparse
from typing import Any

from redblue import progress
from redblue.cli._common import (
    add_graph_input,
    add_strategy_output,
    check_strategy_output,
    examples,
    load_graph,
    positive,
    print_replay,
    save_strategy,
    summary_stream,
)
from redblue.errors import EXIT_OK
from redblue.game import replay
from redblue.strategies import greedy_strategy
from redblue.strategies.greedy import ORDERS


def run(args: argparse.Namespace) -> int:
    check_strategy_output(args)
    G = load_graph(args)
    with progress.phase(f"scheduling {G.number_of_nodes():,} nodes greedily"):
        strategy = greedy_strategy(G, args.memory, args.order)
    with progress.phase(f"replaying {len(strategy):,} moves"):
        result = replay(G, strategy)  # never trust a schedule: verify what it emitted
    if args.output:
        save_strategy(strategy, args)
    print_replay(result.to_dict(), args.json, file=summary_stream(args))
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "greedy",
        help="schedule any DAG greedily (Belady eviction) and verify it",
        epilog=examples(
            "redblue greedy att.json --memory 6",
            "redblue greedy att.json --memory 6 -o moves.txt",
            "redblue greedy att.json --memory 6 --order cheapest",
            "redblue dag fft --size 8 | redblue greedy - --memory 4 --json",
        ),
    )
    add_graph_input(p)
    p.add_argument("--memory", type=positive, metavar="M", required=True, help="red-pebble limit M")
    p.add_argument("--order", choices=[*ORDERS, "cheapest"], default="topological",
                   help="the order of the computations: topological, depth-first from the "
                   "outputs (by id, largest Sethi-Ullman number or largest cone first), or "
                   "the cheapest of these (default: topological)")  # fmt: skip
    add_strategy_output(p, "the strategy")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
