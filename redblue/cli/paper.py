"""``redblue paper`` and ``redblue report``: check the paper end to end and write the report."""

from __future__ import annotations

import argparse
import json
from typing import Any

from redblue.cli._common import EXIT_INVALID, EXIT_OK, positive
from redblue.paper import check_rows, paper_check
from redblue.paper.report import load_rows, write_report


def _print_verdicts(result: dict[str, Any]) -> None:
    verdicts = result["verdicts"]
    width = max(len(v.source) for v in verdicts)
    print(f"{'result':<{width}}  {'verdict':<11}  {'checks':>6}  claim")
    for v in verdicts:
        print(f"{v.source:<{width}}  {v.status:<11}  {v.checked:>6}  {v.claim}")
        for what in v.failed[:3]:
            print(f"{'':<{width}}  {'':<11}  {'':>6}  failed: {what}")
        if v.fails and not v.failed:
            print(f"{'':<{width}}  {'':<11}  {'':>6}  required, but no instance reached it")
    for task, error in result["failed_rows"]:
        print(f"instance N={task['n']} d={task['d']} M={task['memory']} failed: {error}")
    passed = sum(v.ok for v in verdicts)
    unchecked = sum(v.status == "not checked" for v in verdicts)
    also = f", {unchecked} not checked" if unchecked else ""
    print(f"\n{passed}/{len(verdicts)} results checked{also}; report: {result['report']}")


def run_paper(args: argparse.Namespace) -> int:
    result = paper_check(args.output, quick=args.quick, scheduler=args.scheduler,
                         processes=args.processes, progress=not args.json)  # fmt: skip
    if args.json:
        print(json.dumps({"ok": result["ok"], "report": result["report"],
                          "verdicts": [v.to_dict() for v in result["verdicts"]],
                          "failed_rows": len(result["failed_rows"])}))  # fmt: skip
    else:
        _print_verdicts(result)
    return EXIT_OK if result["ok"] else EXIT_INVALID


def run_report(args: argparse.Namespace) -> int:
    if args.source is None:
        return run_paper(argparse.Namespace(**{**vars(args), "json": False}))
    rows = load_rows(args.source)
    exact = [r for r in rows if r.get("exact")]
    schedules = [r for r in rows if not r.get("exact")]
    verdicts = check_rows(rows, required=False)  # the file's rows need not reach every claim
    path = write_report(args.output, schedule_rows=schedules, exact_rows=exact,
                        verdicts=verdicts)  # fmt: skip
    failed = [v for v in verdicts if v.fails]
    print(f"report: {path} ({len(rows)} rows)")
    for v in failed:
        print(f"FAILED: {v.claim} ({v.source}): {v.failed[0]}")
    return EXIT_INVALID if failed else EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("paper", help="check Saha & Ye end to end: proofs, sweeps, report")
    p.add_argument("-o", "--output", default="redblue-report", help="report folder")
    p.add_argument("--quick", action="store_true", help="a smaller check (under a minute)")
    p.add_argument("--scheduler", help="dask scheduler address, or 'local' for a LocalCluster")
    p.add_argument("--processes", type=positive, help="local worker processes")
    p.add_argument("--json", action="store_true", help="machine-readable verdicts")
    p.set_defaults(func=run_paper)

    p = sub.add_parser("report", help="write the report (from a sweep file, or a fresh check)")
    p.add_argument("-o", "--output", default="redblue-report", help="report folder")
    p.add_argument("--from", dest="source", help="rows file of `redblue sweep` to report on")
    p.add_argument("--quick", action="store_true", help="a smaller check (under a minute)")
    p.add_argument("--scheduler", help="dask scheduler address, or 'local' for a LocalCluster")
    p.add_argument("--processes", type=positive, help="local worker processes")
    p.set_defaults(func=run_report)
