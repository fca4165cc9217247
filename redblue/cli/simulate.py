"""``redblue simulate ALGORITHM --n N --d D --memory M``: run an upper-bound schedule.

Without ``--count-only`` the DAG is built, the schedule's moves generated and replayed,
and the verified I/O reported; ``--graph``/``--moves`` write the DAG and the strategy so
that ``redblue verify`` can re-check them. ``--count-only`` uses the block-level counter
(exact, no moves, any size).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from redblue import dags
from redblue.cli._common import EXIT_BAD_INPUT, EXIT_OK, positive, print_replay
from redblue.game import Strategy, write_strategy
from redblue.strategies import ALGORITHMS, count_io, simulate
from redblue.strategies.upper_bounds import MAX_MOVES, check_simulation_size


def run(args: argparse.Namespace) -> int:
    if args.format and not args.moves:  # no strategy file: the format would go unused
        print("redblue: error: --format needs --moves FILE (the strategy is only written to "
              "a file)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.count_only:
        if args.graph or args.moves:
            print("redblue: error: --graph and --moves need moves: drop --count-only",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        count = count_io(args.algorithm, args.n, args.d, args.memory, sum=args.sum,
                         stable=args.stable)
        result = {**count.to_dict(), "memory": args.memory, "n": args.n, "d": args.d,
                  "verified": False}
        if args.json:
            print(json.dumps(result))
        else:
            print(f"{args.algorithm}: io {count.io} (loads {count.loads}, stores "
                  f"{count.stores}), counted block by block, not replayed\n"
                  f"blocks: {_blocks(count.blocks)}")
        return EXIT_OK
    if args.algorithm != "greedy":
        count_io(args.algorithm, args.n, args.d, args.memory, sum=args.sum,
                 stable=args.stable)  # fails on a too small M before any work
    expected = check_simulation_size(args.algorithm, args.n, args.d, args.memory,
                                     sum=args.sum, stable=args.stable,
                                     max_moves=args.max_moves)  # refused here if too many
    if expected > 1_000_000:  # minutes of work at the top of the range: say so
        print(f"redblue: building the DAG and about {expected:,} moves, then replaying "
              "them (networkx needs about a minute per million vertices)", file=sys.stderr)
    sim = simulate(args.algorithm, args.n, args.d, args.memory, sum=args.sum,
                   stable=args.stable, max_moves=args.max_moves)
    if args.graph:
        dags.write_json(sim.graph, args.graph)
    if args.moves:
        strategy = Strategy(sim.moves.decode(), args.memory, "classic")
        write_strategy(strategy, args.moves, args.format)
    data = sim.to_dict()
    if args.json:
        print(json.dumps(data))
    else:
        print(f"{args.algorithm} on {sim.graph.graph.get('name', 'the DAG')}")
        print_replay(data, False)
        if sim.blocks:
            print(f"blocks: {_blocks(sim.blocks)}")
    return EXIT_OK


def _blocks(blocks: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in blocks.items()) or "-"


def register(sub: Any) -> None:
    p = sub.add_parser("simulate", help="run an attention schedule (FlashAttention, tiling, "
                       "...) as a verified pebbling strategy, or count its I/O")
    p.add_argument("algorithm", choices=ALGORITHMS, help="the schedule")
    p.add_argument("--n", type=positive, required=True, help="sequence length N")
    p.add_argument("--d", type=positive, required=True, help="head dimension d")
    p.add_argument("--memory", type=positive, required=True, help="red-pebble limit M")
    p.add_argument("--sum", choices=("chain", "fma", "tree"), default="chain",
                   help="summation shape of the DAG (tree: greedy only; default chain)")
    p.add_argument("--stable", action="store_true",
                   help="online softmax with max-subtraction (flash1, flash2, greedy)")
    p.add_argument("--graph", metavar="FILE", help="write the DAG as node-link JSON")
    p.add_argument("--moves", metavar="FILE", help="write the strategy")
    p.add_argument("--format", choices=("json", "text"),
                   help="strategy file format, with --moves (default: text for .txt, else json)")
    p.add_argument("--count-only", action="store_true",
                   help="exact block-level count, no moves (any size)")
    p.add_argument("--max-moves", type=positive, default=MAX_MOVES,
                   help=f"refuse to generate more moves than this (default {MAX_MOVES:,})")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
