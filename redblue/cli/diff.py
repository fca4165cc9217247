"""``redblue diff GRAPH S1 S2``: two verified strategies on one DAG, side by side."""

from __future__ import annotations

import argparse
import json
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
    positive,
)
from redblue.errors import EXIT_INVALID, EXIT_OK, IllegalMoveError, InvalidInputError
from redblue.game.trace import StrategyDiff, diff_strategies, format_table


def run(args: argparse.Namespace) -> int:
    if [args.graph, args.first, args.second].count(STDIO) > 1:
        raise InvalidInputError("at most one of the graph and the strategies can come from stdin")
    G = load_graph(args)
    a = load_strategy(args.first, args.strategy_format)
    b = load_strategy(args.second, args.strategy_format)
    try:
        with progress.phase(f"replaying {len(a):,} and {len(b):,} moves"):
            diff = diff_strategies(G, a, b, memory=args.memory, variant=args.variant)
    except IllegalMoveError as exc:  # say which of the two broke a rule
        name = args.second if "strategy b" in getattr(exc, "__notes__", ()) else args.first
        if args.json:
            print(json.dumps({"valid": False, "strategy": name, "error": exc.to_dict()}))
        else:
            print(f"invalid: {name}: {exc}")
        return EXIT_INVALID
    if args.json:
        print(json.dumps(diff.as_dict(args.limit)))
    else:
        _print(diff, args.first, args.second, args.limit)
    return EXIT_OK


def _print(diff: StrategyDiff, first: str, second: str, limit: int) -> None:
    for label, path, result in (("a", first, diff.a), ("b", second, diff.b)):
        print(f"{label}: {path} ({result.variant} game, memory M = {result.memory})")
    print()
    print(format_table(diff.as_rows()), end="")
    print()
    if diff.identical:
        print("the two strategies are the same moves")
        return

    def show(move: Any) -> str:
        return "nothing (it has ended)" if move is None else f"{move[0]} {move[1]}"

    print(f"first divergence: move {diff.divergence:,}: a plays {show(diff.move_a)}, "
          f"b plays {show(diff.move_b)}")  # fmt: skip
    count = len(diff.nodes)
    if not count:
        print("every node is loaded and stored as often in both")
        return
    shown = "" if count <= limit else f"; the top {limit} shown (--limit)"
    print(f"{count:,} node{'s' if count != 1 else ''} loaded or stored a different number of "
          f"times{shown}:")  # fmt: skip
    print(format_table(diff.node_rows(limit)), end="")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "diff",
        help="replay two strategies on one DAG and compare them",
        epilog=examples(
            "redblue diff att.json greedy.txt optimum.json",
            "redblue diff att.json a.txt b.txt --limit 5 --json",
            note="Both strategies are replayed and verified first. Exit status: 0 both\n"
            "valid (whether or not they differ), 1 one is invalid (its file and first\n"
            "illegal move are named), 2 bad input.",
        ),
    )
    add_graph_input(p)
    p.add_argument("first", metavar="S1", help="the first strategy's file, a (- for stdin)")
    p.add_argument("second", metavar="S2", help="the second strategy's file, b (- for stdin)")
    add_strategy_format(p, "of both strategy files", "from each one's extension or content")
    add_replay_rules(p, "each strategy's own; given, it holds for both")
    p.add_argument("--limit", type=positive, default=10, metavar="N",
                   help="show at most N of the nodes that differ, largest difference first")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
