"""``redblue demo``: build an attention DAG, pebble it greedily, verify and score it.

The shortest tour of the game: a DAG, a strategy, its replay and a lower bound.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from redblue import dags
from redblue.cli._common import examples, positive, print_replay
from redblue.errors import EXIT_OK
from redblue.game import compile_graph, replay
from redblue.strategies import greedy_moves


def run(args: argparse.Namespace) -> int:
    G = dags.attention_dag(args.n, args.d, max_nodes=args.max_nodes)
    graph = compile_graph(G)
    memory = args.memory if args.memory is not None else max(graph.min_memory(), 2 * args.d + 2)
    result = replay(graph, greedy_moves(graph, memory), memory).to_dict()
    trivial = 4 * args.n * args.d  # each input loaded once, each output stored once
    if args.json:
        print(json.dumps({"n": args.n, "d": args.d, "nodes": graph.n, "strategy": "greedy",
                          "trivial_lower_bound": trivial, **result}))  # fmt: skip
        return EXIT_OK
    print(f"attention DAG of Saha & Ye Fig. 1: N = {args.n}, d = {args.d}, {graph.n} nodes")
    print("greedy strategy (topological order, Belady eviction), replayed and verified:")
    print_replay(result, False)
    print(f"trivial lower bound 4Nd = {trivial}; io / 4Nd = {result['io'] / trivial:.2f}")
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="build an attention DAG, pebble it greedily, verify it",
        epilog=examples("redblue demo", "redblue demo --n 8 --d 4 --memory 12 --json"),
    )
    p.add_argument("--n", type=positive, metavar="N", default=4, help="sequence length N")
    p.add_argument("--d", type=positive, metavar="D", default=2, help="head dimension d")
    p.add_argument("--memory", type=positive, metavar="M",
                   help="red-pebble limit M (default: the larger of 2d + 2 and the least "
                   "feasible M)")  # fmt: skip
    p.add_argument("--max-nodes", type=positive, default=dags.MAX_NODES, metavar="K",
                   help="refuse a DAG of more than K nodes, counted before building")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
