"""``redblue records``: the table of certified optima and open intervals, and its
re-verification.

Exit status: 0; 1 when ``--verify`` finds an entry whose certificate does not replay at
its recorded cost; 2 bad input (an unreadable table).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from redblue import progress
from redblue.cli._common import examples
from redblue.errors import EXIT_INVALID, EXIT_OK
from redblue.records import (
    instance_call,
    largest_proven,
    load_records,
    records_markdown,
    records_text,
    trivial_bound,
    verify_records,
)


def run(args: argparse.Namespace) -> int:
    records = load_records(args.table)
    if args.markdown:
        print(records_markdown(records), end="")
        return EXIT_OK
    if args.largest:
        for r, n in largest_proven(records):
            print(f"{r.variant:12s}  M = {r.memory:<3d} {instance_call(r.family, r.params)} "
                  f"({n} nodes): Q = {r.upper}, lower by {r.lower_method}")  # fmt: skip
        return EXIT_OK
    if args.open:
        records = [r for r in records if not r.optimal]
    if not args.verify:
        if args.json:  # with the trivial bound: Q - trivial is Jain and Zaharia's convention
            print(json.dumps([{**asdict(r), "optimal": r.optimal,
                               "trivial": trivial_bound(r.family, r.params)}
                              for r in records]))  # fmt: skip
        else:
            print(records_text(records))
        return EXIT_OK
    base = None if args.table is None else args.table.parent
    with progress.phase(f"replaying {len(records)} certificates"):
        checks = verify_records(records, base=base)
    if args.json:
        print(json.dumps([asdict(c) for c in checks]))
    else:
        for c in checks:
            print(f"{'ok  ' if c.ok else 'FAIL'} {c.id}: {c.message}")
        bad = sum(not c.ok for c in checks)
        print(f"{len(checks) - bad} of {len(checks)} records verified")
    return EXIT_OK if all(c.ok for c in checks) else EXIT_INVALID


def register(sub: Any) -> None:
    p = sub.add_parser(
        "records",
        help="the table of certified optima and open intervals (each certificate replays)",
        epilog=examples(
            "redblue records",
            "redblue records --open",
            "redblue records --largest",
            "redblue records --verify",
            "redblue records --json",
            "redblue records --markdown > records.md",
            note="Exit status: 0, 1 when --verify finds a certificate that fails, "
            "2 bad input.",
        ),
    )
    p.add_argument("--verify", action="store_true",
                   help="rebuild every DAG and replay every certificate")  # fmt: skip
    p.add_argument("--open", action="store_true",
                   help="only the open intervals (lower < upper)")
    p.add_argument("--largest", action="store_true",
                   help="per game and M, the largest DAG with a certified optimum")  # fmt: skip
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--markdown", action="store_true", help="print docs/records.md")
    p.add_argument("--table", type=Path, default=None, metavar="FILE",
                   help="a record table other than redblue's own (certificates beside it)")
    p.set_defaults(func=run)
