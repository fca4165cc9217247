"""``redblue solve GRAPH --memory M``: the optimal I/O Q(G, M) with a certificate.

The search starts from the best certified lower bound of :mod:`redblue.lower`
(:func:`~redblue.lower.solve_certified`); the output names the method behind ``lower``.

Exit status: 0 proven optimal; 1 stopped by the time limit or the memory guard (the proven
bounds are printed, the certificate written); 2 bad input; 130 interrupted by Ctrl-C,
with the bounds found so far printed and the certificate written as for a limit.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from redblue import progress
from redblue.cli._common import (
    STDIO,
    add_graph_input,
    add_strategy_output,
    check_strategy_output,
    examples,
    load_graph,
    positive,
    save_strategy,
    seconds,
    summary_stream,
)
from redblue.errors import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK
from redblue.game import VARIANTS
from redblue.lower import solve_certified
from redblue.search import METHODS

#: seconds a method gets without --time-limit: the ILP's solver may run for hours on a
#: DAG the A* search closes in seconds, so it stops with proven bounds instead
DEFAULT_SECONDS = {"ilp": 300.0}


def _progress(info: dict) -> None:
    progress.note(
        f"search: {info['states']:,} states, lower {info['lower']}, upper {info['upper']}, "
        f"{info['seconds']:.1f} s",
        level=1,
    )


def run(args: argparse.Namespace) -> int:
    check_strategy_output(args)
    limit = args.time_limit if args.time_limit is not None else DEFAULT_SECONDS.get(args.method)
    G = load_graph(args)
    name = "stdin" if args.graph == STDIO else args.graph
    label = f"solving {name} ({G.number_of_nodes()} nodes) at M = {args.memory} by {args.method}"
    with progress.phase(label):
        result = solve_certified(
            G,
            args.memory,
            args.variant,
            method=args.method,
            time_limit=limit,
            progress=_progress,
        )
    if args.output:
        save_strategy(result.strategy, args)
    by = result.details.get("lower_method", "search")
    if args.json:
        print(json.dumps(result.to_dict()))  # with lower_method and certified_lower
    else:
        out = summary_stream(args)
        if result.optimal:
            how = "" if by == "search" else f"; lower bound by {by}"
            print(f"optimal: Q = {result.io} ({result.variant} game, memory M = {result.memory}"
                  f"{how})", file=out)  # fmt: skip
        else:
            print(
                f"not proven ({result.stopped}): {result.lower} <= Q <= {result.upper} "
                f"({result.variant} game, memory M = {result.memory}; lower {result.lower} "
                f"({by}))",
                file=out,
            )
        print(
            f"method: {result.method}, states: {result.states}, seconds: {result.seconds:.2f}, "
            f"certificate: {len(result.strategy)} moves, io {result.upper} (replayed)",
            file=out,
        )
        if "core_note" in result.details:  # why the search did not run
            print(f"note: {result.details['core_note']}; a run without --time-limit (or "
                  "with one of two minutes or more) compiles it once, cached on disk",
                  file=out)  # fmt: skip
    if result.optimal:
        return EXIT_OK
    return EXIT_INTERRUPTED if result.stopped == "interrupted" else EXIT_INVALID


def register(sub: Any) -> None:
    p = sub.add_parser(
        "solve",
        help="optimal I/O of a small DAG, with a certificate strategy",
        epilog=examples(
            "redblue solve att.json --memory 6",
            "redblue solve att.json --memory 6 --variant no-recompute -o best.json --json",
            "redblue solve att.json --memory 6 --method ilp --time-limit 60",
            note="Exit status: 0 proven optimal, 1 stopped by a limit (proven bounds "
            "printed), 2 bad input, 130 interrupted. The first run compiles the search core "
            "(a minute or more for each size class: up to 64, 128, 256 nodes, more; "
            "cached on disk).",
        ),
    )
    add_graph_input(p)
    p.add_argument("--memory", type=positive, metavar="M", required=True, help="red-pebble limit M")
    p.add_argument("--variant", choices=tuple(VARIANTS), default="classic", help="the game")
    p.add_argument("--method", choices=METHODS, default="astar",
                   help="astar, ilp or sat (independent checks) or naive (baseline)")  # fmt: skip
    p.add_argument("--time-limit", type=seconds, metavar="S",
                   help="stop after S seconds (every phase counts) with proven bounds "
                   "(default: none; " + ", ".join(f"{s:g} for {m}" for m, s in
                                                   DEFAULT_SECONDS.items()) + ")")  # fmt: skip
    add_strategy_output(p, "the certificate (the best strategy found)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
