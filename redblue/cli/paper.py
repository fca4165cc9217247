"""``redblue paper`` and ``redblue report``: check the paper end to end and write the report."""

from __future__ import annotations

import argparse
import json
import shlex
from typing import Any

from redblue.cli._common import examples, positive, seconds
from redblue.errors import EXIT_INVALID, EXIT_OK, InvalidInputError
from redblue.paper import check_rows, paper_check, summary_line
from redblue.paper.report import load_rows, provenance, write_report


def _command(args: argparse.Namespace) -> str:
    """The command line, rebuilt from the parsed arguments (for the report)."""
    words = ["redblue", args.command, "-o", args.output]
    if getattr(args, "source", None) is not None:
        words += ["--from", args.source]
    for flag in ("quick", "fresh", "json"):
        if getattr(args, flag, False):
            words.append(f"--{flag}")
    for name in ("time_limit", "scheduler", "processes"):
        value = getattr(args, name, None)
        if value is not None:
            words += [f"--{name.replace('_', '-')}", f"{value:g}" if isinstance(value, float)
                      else str(value)]  # fmt: skip
    return shlex.join(words)


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
    summary = summary_line(verdicts, len(result["failed_rows"]))
    print(f"\n{summary}; report: {result['report']}")


def run_paper(args: argparse.Namespace) -> int:
    result = paper_check(args.output, quick=args.quick, time_limit=args.time_limit,
                         fresh=args.fresh, scheduler=args.scheduler, processes=args.processes,
                         progress=not args.json, command=_command(args))  # fmt: skip
    if args.json:
        print(json.dumps({"ok": result["ok"], "report": result["report"],
                          "summary": summary_line(result["verdicts"], len(result["failed_rows"])),
                          "verdicts": [v.to_dict() for v in result["verdicts"]],
                          "failed_rows": len(result["failed_rows"])}))  # fmt: skip
    else:
        _print_verdicts(result)
    return EXIT_OK if result["ok"] else EXIT_INVALID


def run_report(args: argparse.Namespace) -> int:
    if args.source is None:
        return run_paper(argparse.Namespace(**{**vars(args), "json": False}))
    given = [f"--{name.replace('_', '-')}" for name in _CHECK_OPTIONS
             if getattr(args, name) not in (None, False)]  # fmt: skip
    if given:
        raise InvalidInputError(f"{', '.join(given)} set a fresh check; --from reports on the "
                                "rows of a file as they are")  # fmt: skip
    rows = load_rows(args.source)
    exact = [r for r in rows if r.get("exact")]
    schedules = [r for r in rows if not r.get("exact")]
    verdicts = check_rows(rows, required=False)  # the file's rows need not reach every claim
    facts = provenance(_command(args), rows, {"rows": f"{len(rows)} from {args.source}"})
    path = write_report(args.output, schedule_rows=schedules, exact_rows=exact,
                        verdicts=verdicts, facts=facts)  # fmt: skip
    failed = [v for v in verdicts if v.fails]
    print(f"{summary_line(verdicts)}; report: {path} ({len(rows)} rows)")
    for v in failed:
        print(f"FAILED: {v.claim} ({v.source}): {v.failed[0]}")
    return EXIT_INVALID if failed else EXIT_OK


#: The options of a fresh check (``redblue report --from`` takes none of them).
_CHECK_OPTIONS = ("quick", "time_limit", "fresh", "scheduler", "processes")


def _check_options(p: argparse.ArgumentParser) -> None:
    """The options of a fresh check, shared by ``paper`` and ``report``."""
    p.add_argument("--quick", action="store_true", help="a smaller check (about a minute)")
    p.add_argument("--time-limit", type=seconds, metavar="S",
                   help="seconds for each exact search of the check (default: 3 with --quick, "
                   "else 5); rows computed under another limit are computed again")  # fmt: skip
    p.add_argument("--fresh", action="store_true",
                   help="ignore the rows stored by earlier runs in the report folder and "
                   "compute every row again (default: reuse them)")  # fmt: skip
    p.add_argument("--scheduler", help="dask scheduler address, or 'local' for a LocalCluster")
    p.add_argument("--processes", type=positive, help="local worker processes")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "paper",
        help="check Saha & Ye end to end: proofs, sweeps, report",
        epilog=examples(
            "redblue paper -o redblue-report",
            "redblue paper --quick -o quick-report",
            "redblue paper --time-limit 20 --fresh -o redblue-report",
            "redblue paper --processes 4 --json -o redblue-report",
            note="Rows are kept in the report folder (rows_*.jsonl): a rerun reuses them,\n"
            "--fresh computes them again. Exit 0: every result checked; 1: a result\n"
            "failed or was not checked; 2: bad input.",
        ),
    )  # fmt: skip
    p.add_argument("-o", "--output", default="redblue-report", help="report folder")
    _check_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable verdicts")
    p.verbose_means("name every step on stderr as it starts (proof scripts, sweeps, figures)")
    p.set_defaults(func=run_paper)

    p = sub.add_parser(
        "report",
        help="write the report (from a sweep file, or a fresh check)",
        epilog=examples(
            "redblue report --quick -o quick-report",
            "redblue sweep --n 16,32 --d 4 --memory 32,64,128 -o rows.csv",
            "redblue report --from rows.csv -o rows-report",
            note="Without --from, the same check as redblue paper.",
        ),
    )  # fmt: skip
    p.add_argument("-o", "--output", default="redblue-report", help="report folder")
    p.add_argument("--from", dest="source", help="rows file of redblue sweep to report on")
    _check_options(p)
    p.verbose_means("name every step on stderr as it starts (proof scripts, sweeps, figures)")
    p.set_defaults(func=run_report)
