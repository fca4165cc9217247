"""Mutation score per module: how many planted errors the tests catch.

mutmut (configured in ``[tool.mutmut]`` of pyproject.toml) plants one small error at a time
(an operator flipped, a constant changed, a comparison weakened) in the modules whose
checks must be able to fail, and runs the tests that cover it. This script prints, per
module, the mutants killed (a test failed), survived (every test passed), timed out, and
not covered, with the score killed / (killed + survived).

Usage::

    pip install mutmut
    python benchmarks/mutation_score.py --run        # mutmut run, then the table
    python benchmarks/mutation_score.py              # the table of the last run
    python benchmarks/mutation_score.py --survivors  # and each surviving mutant's name

``mutmut show NAME`` prints a survivor's diff. A full run takes long (each mutant reruns
the tests that cover it); ``only_mutate`` in ``[tool.mutmut]`` says which modules.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("killed", "survived", "timeout", "no tests", "other")


def _status(exit_code: int | None) -> str:
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    if exit_code is None:
        return "not run"
    status = status_by_exit_code.get(exit_code, "other")
    return status if status in KINDS else ("killed" if status == "caught by type check"
                                           else "other")  # fmt: skip


def collect(mutants: Path) -> dict[str, Counter]:
    """``{module path: Counter(status)}`` from mutmut's ``*.meta`` files."""
    table: dict[str, Counter] = defaultdict(Counter)
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = str(meta.relative_to(mutants))[: -len(".meta")]
        data = json.loads(meta.read_text())
        for code in data.get("exit_code_by_key", {}).values():
            table[module][_status(code)] += 1
    return table


def survivors(mutants: Path) -> list[str]:
    out = []
    for meta in sorted(mutants.rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        out += [n for n, c in data.get("exit_code_by_key", {}).items() if _status(c) == "survived"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run mutmut first")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the project copy mutmut ran in (default: this checkout)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.run:
        done = subprocess.run([sys.executable, "-m", "mutmut", "run"], cwd=args.root)
        if done.returncode not in (0, 1):
            return done.returncode
    mutants = args.root / "mutants"
    if not mutants.exists():
        print("no mutants/ folder: run with --run first", file=sys.stderr)
        return 2
    table = collect(mutants)
    print(f"{'module':46s} {'killed':>7s} {'survived':>9s} {'timeout':>8s} {'no tests':>9s} "
          f"{'score':>7s}")  # fmt: skip
    total: Counter = Counter()
    for module, c in sorted(table.items()):
        total.update(c)
        decided = c["killed"] + c["survived"]
        score = f"{100 * c['killed'] / decided:.1f}%" if decided else "-"
        print(f"{module:46s} {c['killed']:7d} {c['survived']:9d} {c['timeout']:8d} "
              f"{c['no tests']:9d} {score:>7s}")  # fmt: skip
    decided = total["killed"] + total["survived"]
    if decided:
        print(f"{'all':46s} {total['killed']:7d} {total['survived']:9d} {total['timeout']:8d} "
              f"{total['no tests']:9d} {100 * total['killed'] / decided:6.1f}%")  # fmt: skip
    if args.survivors:
        print("\n".join(survivors(mutants)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
