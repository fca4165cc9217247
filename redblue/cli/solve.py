"""``redblue solve GRAPH --memory M``: the optimal I/O Q(G, M) with a certificate.

Exit status: 0 proven optimal; 1 stopped by the time limit or the memory guard (the proven
bounds are printed, the certificate written); 2 bad input; 130 interrupted by Ctrl-C,
with the bounds found so far printed and the certificate written as for a limit.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from redblue import dags
from redblue.cli._common import EXIT_INVALID, EXIT_OK, positive, seconds
from redblue.game import VARIANTS, write_strategy
from redblue.search import METHODS, solve

#: exit status after Ctrl-C (128 + SIGINT), as shells report it
EXIT_INTERRUPTED = 130


def _progress(info: dict) -> None:
    print(
        f"solve: {info['states']} states, lower {info['lower']}, upper {info['upper']}, "
        f"{info['seconds']:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    G = dags.read_json(args.graph)
    result = solve(
        G,
        args.memory,
        args.variant,
        method=args.method,
        time_limit=args.time_limit,
        progress=_progress,
    )
    if args.certificate:
        write_strategy(result.strategy, args.certificate)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        if result.optimal:
            print(f"optimal: Q = {result.io} ({result.variant} game, memory M = {result.memory})")
        else:
            print(
                f"not proven ({result.stopped}): {result.lower} <= Q <= {result.upper} "
                f"({result.variant} game, memory M = {result.memory})"
            )
        print(
            f"method: {result.method}, states: {result.states}, seconds: {result.seconds:.2f}, "
            f"certificate: {len(result.strategy)} moves, io {result.upper} (replayed)"
        )
    if result.optimal:
        return EXIT_OK
    return EXIT_INTERRUPTED if result.stopped == "interrupted" else EXIT_INVALID


def register(sub: Any) -> None:
    p = sub.add_parser("solve", help="optimal I/O of a small DAG, with a certificate strategy")
    p.add_argument("graph", help="node-link JSON file of the DAG")
    p.add_argument("--memory", type=positive, required=True, help="red-pebble limit M")
    p.add_argument("--variant", choices=tuple(VARIANTS), default="classic")
    p.add_argument("--method", choices=METHODS, default="astar",
                   help="astar (default), ilp (independent check) or naive (baseline)")  # fmt: skip
    p.add_argument("--time-limit", type=seconds, metavar="S",
                   help="stop after S seconds (every phase counts) with proven bounds")
    p.add_argument("--certificate", metavar="FILE", help="write the best strategy to FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
