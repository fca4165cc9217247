"""Mutation score per module: how many planted errors the tests catch.

mutmut (configured in ``[tool.mutmut]`` of pyproject.toml) plants one small error at a time
(an operator flipped, a constant changed, a comparison weakened) in the modules whose
checks must be able to fail, and runs the tests that cover it. This script runs it target
by target (:data:`TARGETS`: which mutants) and prints, per module, the mutants killed (a
test failed), survived (every test passed), timed out, and not covered, with the score
killed / (killed + survived). Surviving mutants judged equivalent are listed, with the
reason, in docs/checking-the-theorems.md ("Mutation score").

Usage, in a copy of the project without ``.git`` (mutmut writes ``mutants/`` next to
pyproject.toml, and the script edits the copy's test selection; a git checkout is never
edited)::

    pip install mutmut
    mkdir COPY && cd PROJECT && git ls-files -z | xargs -0 tar cf - | tar xf - -C COPY
    cd COPY
    python benchmarks/mutation_score.py --run                 # every target, then the table
    python benchmarks/mutation_score.py --run claims counters # some targets
    python benchmarks/mutation_score.py                       # the table of the last run
    python benchmarks/mutation_score.py --survivors           # and each surviving mutant

or from the project, ``--root COPY`` (the same run, in the copy).

The ``heuristics`` target mutates numba kernels as plain Python: the copy's kernels lose
their ``@njit`` decorators (mutmut skips decorated functions) and mutmut runs with
``NUMBA_DISABLE_JIT=1``; run it alone, its tests (tests/test_search_heuristics_values.py)
are built to be fast without compilation.

``mutmut show NAME`` prints a survivor's diff. Each mutant reruns the tests that cover
it, with one worker by default (``--max-children``).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("killed", "survived", "timeout", "no tests", "other", "not run")
#: How to make a copy to run in: the tracked files, without .git (:func:`_is_copy`).
COPY = "mkdir COPY && git ls-files -z | xargs -0 tar cf - | tar xf - -C COPY"

#: Each target's mutants (mutmut names, fnmatch patterns). Whole modules, except in
#: strategies (the exact block counters ``*_io`` and what they share, not the move
#: builders, which the replay checks, but all of fft.py) and search/heuristics.py (the
#: admissible heuristics, numba kernels: see :func:`_unjit`).
TARGETS: dict[str, list[str]] = {
    "bounds": ["redblue.bounds.*"],
    # parts of bounds, for shorter runs: the exact comparison, its region, the parser
    "compare": ["redblue.bounds.compare.*", "redblue.bounds.forms.*"],
    "region": ["redblue.bounds.region.*"],
    "expressions": ["redblue.bounds.expressions.*"],
    "analysis": ["redblue.analysis.*"],
    "claims": ["redblue.claims.*"],
    "counters": [
        "redblue.strategies.*.x_*_io__mutmut_*",
        "redblue.strategies._common.x_ceil_div__mutmut_*",
        "redblue.strategies._common.xǁIOCountǁ*",
        "redblue.strategies.upper_bounds.x_count_gqa__mutmut_*",
        # the block-level mask counts the masked counters share
        *(f"redblue.strategies._common.x_{f}__mutmut_*" for f in (
            "_pad", "tile_rows", "tile_keys", "causal_tiles", "_as_mask", "_spans",
            "blocks_hit", "row_hits", "_query_unions", "block_keys", "tiles_kept",
            "plain_causal")),
        "redblue.dags.attention_masks.xǁKeyPatternǁrow_counts__mutmut_*",
        "redblue.strategies.fft.*",  # the blocked FFT: its passes, moves and counter
    ],
    "heuristics": [
        "redblue.search.heuristics.x__heuristic__mutmut_*",
        "redblue.search.heuristics.x__cut_heuristic__mutmut_*",
        "redblue.search.heuristics.x__max_flow__mutmut_*",
        "redblue.search.heuristics.x_flow_network__mutmut_*",
        # rule H3: the part tables, the per-state part sum, the partitions it sums over
        "redblue.search.heuristics.x__fill_part_table__mutmut_*",
        "redblue.search.heuristics.x__part_heuristic__mutmut_*",
        "redblue.search.heuristics.x__part_shape__mutmut_*",
        "redblue.search.heuristics.x_greedy_parts__mutmut_*",
        "redblue.search.heuristics.x_candidate_parts__mutmut_*",
        "redblue.search.heuristics.x_part_tables__mutmut_*",
    ],
    # the greedy seed of every search: its orders and the cheapest of them
    "greedy": ["redblue.strategies.greedy.*"],
    # the proof scripts, imported by their tests as proofs.<stem> (TESTS)
    "proofs": ["proofs.*"],
}

#: The only tests that reach a target's code, where the full selection of pyproject.toml
#: would cost minutes more (mutmut's clean run and coverage pass run every selected test):
#: a run of such targets alone, in a copy, selects just these (:func:`_select_tests`).
TESTS = {"claims": ["tests/test_claims.py", "tests/test_claims_variants.py"],
         "counters": [f"tests/test_{m}.py" for m in (
             "strategies_counters", "strategies_mask_counters", "strategies_schedules",
             "strategies_fft")]}
_EXACT = ["tests/test_bounds_compare.py", "tests/test_bounds_forms.py",
          "tests/test_bounds_region.py", "tests/test_expressions.py"]  # fmt: skip
TESTS.update(compare=_EXACT, region=_EXACT, expressions=_EXACT, bounds=[*_EXACT,
             "tests/test_bounds_explicit.py", "tests/test_bounds_results.py",
             "tests/test_bounds_proofs.py"])  # fmt: skip
TESTS.update(heuristics=["tests/test_search_heuristics_values.py"], analysis=[
    f"tests/test_analysis_{m}.py"
    for m in ("bound_grid", "extremal", "fields", "formulas", "normalize", "partition")])

TESTS["greedy"] = ["tests/test_strategies_greedy.py", "tests/test_game_properties.py"]
TESTS["proofs"] = [f"tests/test_proofs_{m}.py" for m in (
    "part_lemmas", "partitions_and_optima", "scripts", "survivors")]

#: The files of a target's mutants: a run of such targets alone, in a copy, mutates only
#: these (mutmut otherwise generates the mutants of every file of ``only_mutate``, minutes
#: under load, and routes every call to them through its trampolines).
MUTATE = {"proofs": ["proofs/*"]}

#: Targets whose numba kernels are mutated as plain Python (:func:`_unjit`).
UNJIT = {"heuristics": "redblue/search/heuristics.py"}


def _unjit(root: Path, module: str) -> None:
    """Drop the ``@njit`` decorators of ``module`` in the copy at ``root``.

    mutmut leaves decorated functions alone, so the kernels are mutated only once
    undecorated; they then run as plain Python, as every kernel does under
    ``NUMBA_DISABLE_JIT=1`` (set for the run). Refused in a git checkout (:func:`_is_copy`).
    """
    if not _is_copy(root):
        raise SystemExit(f"{module}: mutate the kernels in a copy without .git ({COPY}), "
                         f"not in the checkout {root.resolve()}")  # fmt: skip
    path = root / module
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(s for s in lines if not s.startswith("@njit")), encoding="utf-8")


def _is_copy(root: Path) -> bool:
    """Whether ``root`` is a copy of the project that the run may edit: no ``.git``.

    The script edits the copy it runs in (its test selection, the kernels' decorators),
    whether it is run from the copy itself (``--root`` defaults to the script's own
    project) or from the checkout with ``--root COPY``; a git checkout or worktree is
    never edited.
    """
    return not (root / ".git").exists()


def _select_tests(root: Path, tests: list[str], key: str = "pytest_add_cli_args_test_selection"
                  ) -> bool:  # fmt: skip
    """Make ``tests`` the mutmut test selection (or the list ``key``) of the copy at ``root``.

    False, and nothing written, in a git checkout.
    """
    if not _is_copy(root):
        return False
    path = root / "pyproject.toml"
    chosen = f"{key} = [" + ", ".join(f'"{t}"' for t in tests) + "]"
    text = re.sub(rf"^{key} = \[[^\]]*\]", lambda _: chosen, path.read_text(encoding="utf-8"),
                  flags=re.MULTILINE)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return True


def _status(exit_code: int | None) -> str:
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    if exit_code is None:
        return "not run"
    status = status_by_exit_code.get(exit_code, "other")
    return status if status in KINDS else ("killed" if status == "caught by type check"
                                           else "other")  # fmt: skip


def _wanted(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def results(mutants: Path, patterns: list[str]) -> dict[str, dict[str, str]]:
    """``{module path: {mutant name: status}}`` of the mutants ``patterns`` select."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = str(meta.relative_to(mutants))[: -len(".meta")]
        data = json.loads(meta.read_text())
        for name, code in data.get("exit_code_by_key", {}).items():
            if _wanted(name, patterns):
                out[module][name] = _status(code)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", choices=[[], *TARGETS], metavar="TARGET",
                        help=f"some of {', '.join(TARGETS)} (default: all)")  # fmt: skip
    parser.add_argument("--run", action="store_true", help="run mutmut first")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut workers")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    parser.add_argument("--only", nargs="+", metavar="GLOB",
                        help="of the targets' mutants, only those these match")  # fmt: skip
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the project copy mutmut runs in (default: here)")  # fmt: skip
    args = parser.parse_args(argv)
    patterns = [p for t in (args.targets or TARGETS) for p in TARGETS[t]]
    if args.only:  # e.g. --run proofs --only 'proofs.thm_3_*': part of a long target
        patterns = [o for o in args.only if _wanted(o.rstrip("*") + "x", patterns)]
        if not patterns:
            parser.error(f"--only {' '.join(args.only)}: no mutant of the targets matches")
    if args.run:
        env = dict(os.environ)
        if args.targets and all(t in TESTS for t in args.targets):
            chosen = sorted({f for t in args.targets for f in TESTS[t]})
            if not _select_tests(args.root, chosen):
                print(f"{args.root.resolve()} is a git checkout: the full test selection of its "
                      f"pyproject.toml runs (make a copy: {COPY})", file=sys.stderr)  # fmt: skip
        if args.targets and all(t in MUTATE for t in args.targets):
            files = sorted({f for t in args.targets for f in MUTATE[t]})
            _select_tests(args.root, files, key="only_mutate")
        for target in set(args.targets or TARGETS) & set(UNJIT):
            _unjit(args.root, UNJIT[target])
            env["NUMBA_DISABLE_JIT"] = "1"
        cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)]
        done = subprocess.run([*cmd, *patterns], cwd=args.root, env=env)
        if done.returncode not in (0, 1):
            return done.returncode
    mutants = args.root / "mutants"
    if not mutants.exists():
        print("no mutants/ folder: run with --run first", file=sys.stderr)
        return 2
    table = results(mutants, patterns)
    print(f"{'module':40s} {'mutants':>8s} {'killed':>7s} {'survived':>9s} {'timeout':>8s} "
          f"{'no tests':>9s} {'not run':>8s} {'score':>7s}")  # fmt: skip
    total: Counter = Counter()
    for module, statuses in sorted(table.items()):
        c = Counter(statuses.values())
        total.update(c)
        decided = c["killed"] + c["survived"]
        score = f"{100 * c['killed'] / decided:.1f}%" if decided else "-"
        print(f"{module:40s} {len(statuses):8d} {c['killed']:7d} {c['survived']:9d} "
              f"{c['timeout']:8d} {c['no tests']:9d} {c['not run']:8d} {score:>7s}")  # fmt: skip
    decided = total["killed"] + total["survived"]
    if decided:
        print(f"{'all':40s} {sum(total.values()):8d} {total['killed']:7d} "
              f"{total['survived']:9d} {total['timeout']:8d} {total['no tests']:9d} "
              f"{total['not run']:8d} {100 * total['killed'] / decided:6.1f}%")  # fmt: skip
    if args.survivors:
        for statuses in table.values():
            for name in (n for n, s in statuses.items() if s == "survived"):
                print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
