"""``redblue simulate ALGORITHM --n N --d D --memory M``: run an upper-bound schedule.

Without ``--count-only`` the DAG is built, the schedule's moves generated and replayed,
and the verified I/O reported; ``-o`` writes the strategy and ``--graph-output`` the DAG,
so that ``redblue verify`` can re-check them. ``--count-only`` uses the block-level
counter (exact, no moves, any size).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from redblue import progress
from redblue.cli._common import (
    EXIT_OK,
    STDIO,
    add_graph_format,
    add_strategy_output,
    check_strategy_output,
    examples,
    positive,
    print_replay,
    save_graph,
    save_strategy,
    summary_stream,
)
from redblue.errors import InvalidInputError
from redblue.game import Strategy
from redblue.strategies import ALGORITHMS, count_io, simulate
from redblue.strategies.upper_bounds import MAX_MOVES, check_simulation_size


def _check_outputs(args: argparse.Namespace) -> None:
    check_strategy_output(args)
    if args.format and not args.graph_output:
        raise InvalidInputError("--format needs --graph-output FILE (the DAG is only written "
                                "to a file)")  # fmt: skip
    if args.graph_output == STDIO and (args.output == STDIO or args.json):
        raise InvalidInputError("--graph-output - would share stdout with another output; "
                                "write one of them to a file")  # fmt: skip
    if args.count_only and (args.graph_output or args.output):
        raise InvalidInputError("--graph-output and -o need moves: drop --count-only")


def run(args: argparse.Namespace) -> int:
    _check_outputs(args)
    if args.count_only:
        count = count_io(args.algorithm, args.n, args.d, args.memory, sum=args.sum,
                         stable=args.stable)  # fmt: skip
        result = {**count.to_dict(), "memory": args.memory, "n": args.n, "d": args.d,
                  "verified": False}  # fmt: skip
        if args.json:
            print(json.dumps(result))
        else:
            print(f"{args.algorithm}: io {count.io} (loads {count.loads}, stores "
                  f"{count.stores}), counted block by block, not replayed\n"
                  f"blocks: {_blocks(count.blocks)}")  # fmt: skip
        return EXIT_OK
    if args.algorithm != "greedy":
        count_io(args.algorithm, args.n, args.d, args.memory, sum=args.sum,
                 stable=args.stable)  # fails on a too small M before any work  # fmt: skip
    expected = check_simulation_size(args.algorithm, args.n, args.d, args.memory,
                                     sum=args.sum, stable=args.stable,
                                     max_moves=args.max_moves)  # refused here if too many
    # networkx needs about a minute per million vertices: the phase says what runs
    label = (f"simulating {args.algorithm} at N = {args.n}, d = {args.d}, M = {args.memory}: "
             f"building the DAG and about {expected:,} moves, then replaying them")  # fmt: skip
    with progress.phase(label):
        sim = simulate(args.algorithm, args.n, args.d, args.memory, sum=args.sum,
                       stable=args.stable, max_moves=args.max_moves)  # fmt: skip
    if args.graph_output:
        save_graph(sim.graph, args.graph_output, args.format)
    if args.output:
        save_strategy(Strategy(sim.moves.decode(), args.memory, "classic"), args)
    data = sim.to_dict()
    if args.json:
        print(json.dumps(data))
    else:
        out = summary_stream(args)
        print(f"{args.algorithm} on {sim.graph.graph.get('name', 'the DAG')}", file=out)
        print_replay(data, False, file=out)
        if sim.blocks:
            print(f"blocks: {_blocks(sim.blocks)}", file=out)
    return EXIT_OK


def _blocks(blocks: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in blocks.items()) or "-"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="run an attention schedule (FlashAttention, tiling, ...) as a verified "
        "strategy, or count its I/O",
        epilog=examples(
            "redblue simulate flash2 --n 8 --d 4 --memory 40",
            "redblue simulate tiling --n 5 --d 4 --memory 20 --sum fma "
            "--graph-output g.json -o m.json",
            "redblue verify g.json m.json",
            "redblue simulate flash2 --n 65536 --d 128 --memory 100000 --count-only --json",
        ),
    )
    p.add_argument("algorithm", choices=ALGORITHMS, help="the schedule")
    p.add_argument("--n", type=positive, metavar="N", required=True, help="sequence length N")
    p.add_argument("--d", type=positive, metavar="D", required=True, help="head dimension d")
    p.add_argument("--memory", type=positive, metavar="M", required=True, help="red-pebble limit M")
    p.add_argument("--sum", choices=("chain", "fma", "tree"), default="chain",
                   help="summation shape of the DAG (tree: greedy only)")  # fmt: skip
    p.add_argument("--stable", action="store_true",
                   help="online softmax with max-subtraction (flash1, flash2, greedy)")
    add_strategy_output(p, "the strategy")
    p.add_argument("--graph-output", metavar="FILE",
                   help=f"also write the DAG the strategy runs on to FILE ({STDIO} for stdout)")
    add_graph_format(p, "of the DAG written by --graph-output", "from its extension")
    p.add_argument("--count-only", action="store_true",
                   help="exact block-level count, no moves (any size)")
    p.add_argument("--max-moves", type=positive, default=MAX_MOVES, metavar="K",
                   help="refuse to generate more than K moves")  # fmt: skip
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
