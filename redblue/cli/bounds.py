"""``redblue bounds``: the paper's bounds at a point, or an asymptotic comparison.

``redblue bounds --n N --d D --memory M [--json]`` lists every result with its value and
whether the point is in its regime, the algorithms' counts, the explicit lower bounds and,
where the attention DAG has at most 10^5 nodes, the certified lower bounds of
:mod:`redblue.lower` on that DAG in both games (``--time-limit`` seconds, default 5).
``redblue bounds compare F G [--assume INEQ ...] [--json]`` decides F = O/Omega/Theta(G);
the expressions are parsed, never evaluated as Python, and bad or oversized input is one
line on stderr with exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from redblue import progress
from redblue.bounds import explicit
from redblue.bounds.compare import compare, parse
from redblue.bounds.results import ALGORITHMS, RESULTS, M, N, d, in_regime
from redblue.cli._common import examples, positive, seconds
from redblue.errors import EXIT_BAD_INPUT, EXIT_OK, InvalidInputError
from redblue.lower.certified import attention_lower_bounds


def point_table(n: int, dd: int, memory: int) -> dict[str, Any]:
    """Every bound and count at ``(N, d, M)``, as a JSON-ready dictionary."""
    subs = {N: n, d: dd, M: memory}
    rows = []
    for r in RESULTS:
        value = r.expr.subs(subs)
        rows.append(
            {
                "name": r.name,
                "title": r.title,
                "kind": r.kind,
                "expr": str(r.expr),
                "value": float(value) if value.is_real else None,
                "regime": list(r.regime),
                "in_regime": in_regime(r.regime, N=n, d=dd, M=memory),
                "holds_for": r.holds_for,
            }
        )
    algorithms = {k: float(v.subs(subs)) for k, v in ALGORITHMS.items()}
    best, how = explicit.attention(n, dd, memory)
    lower = {
        "trivial": explicit.trivial_attention(n, dd),
        "large_cache": explicit.large_cache(n, dd, memory),
        "small_cache": explicit.small_cache(n, dd, memory),
        "any_algorithm": explicit.any_algorithm(n, dd, memory),
        "any_algorithm_binary": explicit.any_algorithm_binary(n, dd, memory),
        "best": best,
        "best_from": how,
    }
    cache = "large" if memory >= dd * dd else "small"
    return {"N": n, "d": dd, "M": memory, "cache": cache, "results": rows,
            "algorithms": algorithms, "explicit_lower": lower}  # fmt: skip


def _run_point(args: argparse.Namespace) -> int:
    if args.n is None or args.d is None or args.memory is None:
        msg = "redblue bounds: error: give --n, --d and --memory (or: compare F G)"
        print(msg, file=sys.stderr)
        return EXIT_BAD_INPUT
    table = point_table(args.n, args.d, args.memory)
    with progress.phase("certified lower bounds on the attention DAG"):
        certified = attention_lower_bounds(args.n, args.d, args.memory,
                                           time_limit=args.time_limit)  # fmt: skip
    table["certified_lower"] = {
        "nodes": certified["nodes"], "reason": certified["reason"],
        **{v: None if certified[v] is None else {
            "lower": certified[v].lower, "trivial": certified[v].trivial,
            "methods": [{k: x for k, x in m.as_dict().items() if k != "witness"}
                        for m in certified[v].methods]}
           for v in ("classic", "no-recompute")}}  # fmt: skip
    if args.simulate:
        from redblue.analysis.instances import BLOCK_SCHEDULES, schedules
        from redblue.dags._builder import amount
        from redblue.strategies.upper_bounds import MAX_MOVES, estimated_moves

        for algorithm in BLOCK_SCHEDULES:  # refuse a run too large before building any
            try:
                moves = estimated_moves(algorithm, args.n, args.d, args.memory)
            except InvalidInputError:
                continue  # M too small for this schedule: schedules() skips it too
            if moves > MAX_MOVES:
                raise InvalidInputError(
                    f"--simulate: {algorithm} would generate about {amount(moves)} moves, "
                    f"more than {MAX_MOVES:,}; drop --simulate (redblue simulate ... "
                    "--count-only gives the exact I/O)"
                )
        with progress.phase("running the block schedules (replayed)"):
            sims = schedules(args.n, args.d, args.memory)
        table["schedules"] = {k: v.result.io for k, v in sims.items()}
    if args.json:
        print(json.dumps(table))
        return EXIT_OK
    print(f"N = {args.n}, d = {args.d}, M = {args.memory} ({table['cache']} cache: M "
          f"{'>=' if table['cache'] == 'large' else '<'} d^2 = {args.d**2})")  # fmt: skip
    print("results (up to constant factors):")
    for r in table["results"]:
        flag = "in regime " if r["in_regime"] else "outside   "
        val = "n/a" if r["value"] is None else f"{r['value']:.4g}"
        reg = ", ".join(r["regime"]) or "all M"
        print(f"  {r['title']:13s} {r['kind']:6s} {val:>10s}  {flag} [{reg}]  {r['expr']}")
    print("algorithm counts (the paper's section 3 formulas):")
    for k, v in table["algorithms"].items():
        print(f"  {k:17s} {v:.4g}")
    if "schedules" in table:
        print("schedules (verified by replay):")
        for k, v in table["schedules"].items():
            print(f"  {k:17s} {v}")
    print("explicit lower bounds (proved in proofs/):")
    for k, v in table["explicit_lower"].items():
        print(f"  {k:21s} {v}")
    cert = table["certified_lower"]
    if cert["reason"] is not None:
        print(f"certified lower bounds (redblue lower): not computed: {cert['reason']}")
        return EXIT_OK
    print(f"certified lower bounds on the attention DAG ({cert['nodes']:,} nodes, redblue lower):")
    for variant in ("classic", "no-recompute"):
        lb = cert[variant]
        ran = [f"{m['name']} {m['value']}" + ("" if m["status"] == "ok" else f" ({m['status']})")
               for m in lb["methods"] if m["status"] != "not run"]  # fmt: skip
        print(f"  {variant:13s} Q >= {lb['lower']}  [{', '.join(ran)}]")
    return EXIT_OK


def _run_compare(args: argparse.Namespace, exprs: list[str]) -> int:
    if len(exprs) != 2:
        print("redblue bounds compare: error: expected two expressions F G", file=sys.stderr)
        return EXIT_BAD_INPUT
    start = time.perf_counter()
    try:
        c = compare(exprs[0], exprs[1], args.assume or [])
    except InvalidInputError as exc:
        print(f"redblue bounds compare: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    ms = (time.perf_counter() - start) * 1000
    if args.json:
        print(json.dumps({**c.to_dict(), "ms": round(ms, 2)}))
        return EXIT_OK
    f, g = (parse(e) for e in exprs)
    regime = ", ".join(args.assume or []) or "all variables >= 1"
    print(f"F = {f}\nG = {g}\nregime: {regime}")
    if c.empty_region:
        print(c.note())
    vacuous = " (vacuously)" if c.empty_region else ""
    start = ""
    if c.start and any(v != 1.0 for v in c.start.values()):
        start = " from " + ", ".join(f"{k} = {v:.6g}" for k, v in c.start.items())
    print(f"F = O(G): {'yes' + vacuous if c.O else 'no'}"
          + ("" if c.O else f"  (F/G grows along {c.witness}{start})"))  # fmt: skip
    print(f"F = Omega(G): {'yes' + vacuous if c.Omega else 'no'}"
          + ("" if c.Omega else f"  (G/F grows along {c.witness_omega}{start})"))  # fmt: skip
    print(f"F = Theta(G): {'yes' + vacuous if c.Theta else 'no'}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.words:
        if args.words[0] != "compare":
            print(f"redblue bounds: error: unknown action {args.words[0]!r} (expected compare)",
                  file=sys.stderr)  # fmt: skip
            return EXIT_BAD_INPUT
        point = [o for o, v in (("--n", args.n), ("--d", args.d), ("--memory", args.memory),
                                ("--simulate", args.simulate)) if v]  # fmt: skip
        if point:
            print(f"redblue bounds compare: error: {', '.join(point)} applies to the bounds at "
                  "a point, not to compare (which decides F against G for all values)",
                  file=sys.stderr)  # fmt: skip
            return EXIT_BAD_INPUT
        return _run_compare(args, args.words[1:])
    if args.assume:
        print("redblue bounds: error: --assume applies to compare F G only (at a point, "
              "each result says whether the point is in its regime)", file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    return _run_point(args)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "bounds",
        help="the paper's bounds at a point, or compare F G",
        epilog=examples(
            "redblue bounds --n 1024 --d 64 --memory 100000",
            "redblue bounds --n 16 --d 4 --memory 64 --simulate --json",
            "redblue bounds compare 'N**2*d**2/M' 'N**2*d/sqrt(M)' --assume 'M >= d**2'",
        ),
    )
    p.add_argument("words", nargs="*", help="'compare F G' to compare two expressions")
    p.add_argument("--n", type=positive, metavar="N", help="sequence length N")
    p.add_argument("--d", type=positive, metavar="D", help="head dimension d")
    p.add_argument("--memory", "-M", type=positive, metavar="M", help="cache size M")
    p.add_argument("--assume", action="append", metavar="INEQUALITY",
                   help="a monomial inequality such as 'M >= d**2' (repeatable)")  # fmt: skip
    p.add_argument("--simulate", action="store_true",
                   help="also run the block schedules and report their verified I/O")  # fmt: skip
    p.add_argument("--time-limit", type=seconds, default=5.0, metavar="S",
                   help="seconds for the certified lower bounds of the attention DAG "
                        "(both games; default 5)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
