"""``redblue sweep``: measure a grid of attention instances into a CSV or JSON-lines file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from redblue.checks import parse_whole
from redblue.cli._common import examples, positive, seconds
from redblue.errors import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, InvalidInputError
from redblue.paper import SCHEDULES, attention_columns, attention_tasks, measure_attention
from redblue.strategies import ALGORITHMS
from redblue.sweep import SCHEDULER_TIMEOUT, run_sweep


def _int_list(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        msg = f"expected comma-separated whole numbers, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected whole numbers >= 1, got {text!r}")
    return values


def _algorithm_list(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in names if x not in ALGORITHMS]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown algorithm {bad[0] if bad else text!r} (one of {', '.join(ALGORITHMS)})"
        )
    return names


def _moves(text: str) -> int:
    """argparse type: a move count, a whole number >= 0."""
    try:
        value = parse_whole(text, "the move count")
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    tasks = attention_tasks(args.n, args.d, args.memory, algorithms=args.algorithms,
                            exact=args.exact, time_limit=args.time_limit,
                            max_moves=args.max_moves)  # fmt: skip
    try:
        # run_sweep tells the sweep's progress on stderr, as a phase named by the label
        summary = run_sweep(
            tasks, measure_attention, args.output, scheduler=args.scheduler,
            processes=args.processes, progress=not args.json,
            columns=attention_columns(args.algorithms, args.exact),
            scheduler_timeout=args.scheduler_timeout, label=f"sweep into {args.output}",
        )  # fmt: skip
    except KeyboardInterrupt:
        print(f"redblue: interrupted; the rows written so far are kept in {args.output} "
              "(run the same command again to resume)", file=sys.stderr)  # fmt: skip
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps(summary.to_dict()))
    else:
        print(f"{summary.rows} rows in {summary.path}: {summary.computed} computed, "
              f"{summary.reused} reused, {len(summary.failed)} failed")  # fmt: skip
        for task, error in summary.failed:
            print(f"  failed: N={task['n']} d={task['d']} M={task['memory']}: {error}")
    return EXIT_INVALID if summary.failed else EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="measure a grid of attention instances (resumable)",
        epilog=examples(
            "redblue sweep --n 8,16 --d 2,4 --memory 16,32 -o rows.csv",
            "redblue sweep --n 2 --d 1 --memory 4,6 --exact --time-limit 30 -o exact.jsonl",
            "redblue report --from rows.csv -o report",
            note="Run the same command again to resume: rows already in the file are kept.",
        ),
    )
    p.add_argument("--n", type=_int_list, required=True, help="sequence lengths, e.g. 8,16")
    p.add_argument("--d", type=_int_list, required=True, help="head dimensions, e.g. 2,4")
    p.add_argument("--memory", type=_int_list, required=True, help="memory sizes, e.g. 16,32")
    p.add_argument("--algorithms", type=_algorithm_list, default=list(SCHEDULES),
                   help=f"comma-separated, from {', '.join(ALGORITHMS)}")  # fmt: skip
    p.add_argument("--exact", action="store_true", help="also solve each instance exactly")
    p.add_argument("--time-limit", type=seconds, default=10.0, metavar="S",
                   help="seconds per exact search")  # fmt: skip
    p.add_argument("--max-moves", type=_moves, default=3_000_000, metavar="K",
                   help="replay schedules up to this many moves, count above")  # fmt: skip
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="rows file (.csv or .jsonl), created or resumed")  # fmt: skip
    p.add_argument("--scheduler", help="dask scheduler address, or 'local' for a LocalCluster")
    p.add_argument("--scheduler-timeout", type=seconds, default=SCHEDULER_TIMEOUT, metavar="S",
                   help="seconds to wait for the dask scheduler to answer")  # fmt: skip
    p.add_argument("--processes", type=positive, metavar="P",
                   help="local worker processes (with --scheduler local: its workers)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="machine-readable summary")
    p.set_defaults(func=run)
