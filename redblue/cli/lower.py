"""``redblue lower GRAPH --memory M``: proven lower bounds on Q(G, M), one per method.

Exit status: 0 (the bounds are printed, whatever they are); 2 bad input (a memory below
the largest in-degree plus one, an unknown method or variant, a bad time limit).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from redblue import progress
from redblue.cli._common import add_graph_input, examples, load_graph, positive, seconds
from redblue.errors import EXIT_OK
from redblue.game import VARIANTS
from redblue.lower import METHODS, PLANNED, lower_bound


def run(args: argparse.Namespace) -> int:
    G = load_graph(args)
    with progress.phase(f"bounding Q for {G.number_of_nodes()} nodes at M = {args.memory}"):
        result = lower_bound(G, args.memory, args.variant, methods=args.method,
                             time_limit=args.time_limit)  # fmt: skip
    if args.json:
        print(json.dumps(result.as_dict()))
        return EXIT_OK
    print(f"Q >= {result.lower} ({result.variant} game, memory M = {result.memory}; "
          f"trivial bound {result.trivial})")  # fmt: skip
    for m in result.methods:
        why = f" ({m.reason})" if m.reason else ""
        value = "-" if m.status == "not run" else str(m.value)
        print(f"  {m.name:<9} {value:>10}  {m.status}{why}, {m.seconds:.2f} s")
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "lower",
        help="proven lower bounds on the optimal I/O of any DAG, by several methods",
        epilog=examples(
            "redblue lower fft.json --memory 4 --variant no-recompute",
            "redblue lower att.json --memory 8 --method trivial --method search --json",
            note="spectral and mincut prove bounds for the no-recompute game only.",
        ),
    )
    add_graph_input(p)
    p.add_argument("--memory", type=positive, required=True, help="red-pebble limit M")
    p.add_argument("--variant", choices=tuple(VARIANTS), default="classic")
    p.add_argument("--method", action="append", choices=METHODS + PLANNED, metavar="NAME",
                   help=f"a method to run (repeatable; default all of {', '.join(METHODS)})")
    p.add_argument("--time-limit", type=seconds, metavar="S",
                   help="seconds for the whole call, shared by the methods")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
