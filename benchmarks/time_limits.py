"""Time limits against wall time: does every run return within 10% of its limit plus 1 s?

Each run is one *entry* (``solve`` with the A* method, ``solve`` with the ILP; a command
to benchmark is one more item of :data:`ENTRIES`) on one DAG (random DAGs of 50 to 10,000
nodes, a star of inputs into one add node, attention DAGs) under one time limit. Every
run is a fresh process (so a run that overruns can be killed at three times its limit
plus 30 s, and first-use costs such as loading numba's cache count, as on the command
line); the DAG is built before the clock starts. The table gives the wall time of the
call, its ratio to the limit, whether it is within ``1.1 * limit + 1 s``, why it stopped,
the bounds, whether the certificate replays, and where the time went (phases over a
tenth of the wall time).

Run: ``python benchmarks/time_limits.py`` (quick: limits 1 and 5 s, a few minutes), or
``--limits 1 5 30 --dags all`` (everything: about half an hour), or choose with
``--entries solve-astar --dags random-1000 star-3000 --limits 5``; ``--list`` names them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _random(n: int, seed: int, **kw: Any) -> Callable[[], Any]:
    def make() -> Any:
        from redblue.dags import random_dag

        return random_dag(n, seed, **kw)

    return make


def _attention(n: int, d: int) -> Callable[[], Any]:
    def make() -> Any:
        from redblue.dags import attention_dag

        return attention_dag(n, d)

    return make


#: the builder of each DAG and its memory M (built in the child process)
DAGS: dict[str, tuple[Callable[[], Any], int]] = {
    "random-50": (_random(50, 0), 3),
    "random-200": (_random(200, 0), 3),
    "random-1000": (_random(1000, 0), 3),
    "random-5000": (_random(5000, 0), 3),
    "random-10000": (_random(10000, 0), 3),
    "random-120-M20": (_random(120, 5, max_indegree=4), 20),  # many victim sets
    "star-500": (lambda: star(500), 501),
    "star-3000": (lambda: star(3000), 3001),
    "attention-2-2": (_attention(2, 2), 4),
    "attention-3-2": (_attention(3, 2), 6),
    "attention-4-4": (_attention(4, 4), 8),
    "attention-8-8": (_attention(8, 8), 12),
}
QUICK_DAGS = ["random-50", "random-200", "random-1000", "random-10000", "star-500",
              "attention-2-2", "attention-4-4"]  # fmt: skip


def star(k: int):
    """``k`` inputs into one add node, the output."""
    import networkx as nx

    from redblue.dags._builder import add_input, add_op, mark_output

    G = nx.DiGraph()
    for i in range(k):
        add_input(G, f"x{i}", "X", [i, 0])
    add_op(G, "y", "add", [f"x{i}" for i in range(k)])
    mark_output(G, "y", "Y", [0, 0])
    return G


def build(name: str):
    make, memory = DAGS[name]
    return make(), memory


def _solve(method: str, variant: str = "classic") -> Callable[[Any, int, float], dict]:
    def run(G, memory: int, limit: float) -> dict:
        from redblue.game import replay
        from redblue.search import solve

        t0 = time.monotonic()
        r = solve(G, memory, variant, method=method, time_limit=limit)
        wall = time.monotonic() - t0
        ok = replay(G, r.strategy, r.strategy.memory, variant).io == r.upper
        return {"wall": wall, "stopped": r.stopped or "optimal", "lower": r.lower,
                "upper": r.upper, "replays": ok,
                "phases": r.details.get("phase_seconds", {})}  # fmt: skip

    return run


def _check(G, memory: int, limit: float) -> dict:
    """``check_claim`` with a claim the cheap evidence leaves open where it can: Q above
    the trivial bound (refuted only by a strategy meeting it, confirmed only by a search
    proving more)."""
    from redblue.claims import check_claim
    from redblue.game import replay
    from redblue.game.compiled import compile_graph
    from redblue.search.ilp import trivial_lower_bound

    claim = f"Q >= {trivial_lower_bound(compile_graph(G)) + 1}"
    t0 = time.monotonic()
    r = check_claim(claim, family=None, graph=G, memory=[memory], time_limit=limit,
                    search_time=None)  # fmt: skip
    wall = time.monotonic() - t0
    v = r.verdicts[0]
    up = v.upper
    replays = up is not None and up.strategy is not None and replay(
        G, up.strategy, memory).io == up.value
    return {"wall": wall, "stopped": f"{v.verdict} ({r.stopped or 'done'})",
            "lower": None if v.lower is None else v.lower.value,
            "upper": None if up is None else up.value, "replays": replays, "phases": {}}


@dataclass
class Entry:
    """One thing to time: ``run(G, memory, limit)`` returns the wall time of the call and
    what it found; ``max_nodes`` keeps it off DAGs too large to mean anything."""

    run: Callable[[Any, int, float], dict]
    max_nodes: int | None = None


#: what is timed; a new command is one more item here
ENTRIES: dict[str, Entry] = {
    "solve-astar": Entry(_solve("astar")),
    "solve-ilp": Entry(_solve("ilp"), max_nodes=200),
    "check": Entry(_check),
}


def child(entry: str, dag: str, limit: float) -> None:
    """Run one measurement and print it as one JSON line (in a fresh process)."""
    G, memory = build(dag)
    out = ENTRIES[entry].run(G, memory, limit)
    out["nodes"] = G.number_of_nodes()
    print(json.dumps(out))


def measure(entry: str, dag: str, limit: float) -> dict:
    """Run :func:`child` in a subprocess, killed at ``3 * limit + 30`` seconds."""
    cmd = [sys.executable, __file__, "--child", entry, dag, str(limit)]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=3 * limit + 30)
    except subprocess.TimeoutExpired:
        return {"error": f"killed after {time.monotonic() - t0:.0f} s"}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {p.returncode}: {last[:80]}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", nargs="*", choices=list(ENTRIES), default=list(ENTRIES))
    ap.add_argument("--dags", nargs="*", default=QUICK_DAGS,
                    help="DAG names, or 'all' (default: a quick selection)")
    ap.add_argument("--limits", nargs="*", type=float, default=[1.0, 5.0])
    ap.add_argument("--list", action="store_true", help="list entries and DAGs, then exit")
    ap.add_argument("--child", nargs=3, metavar=("ENTRY", "DAG", "LIMIT"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], float(args.child[2]))
        return
    if args.list:
        print("entries:", ", ".join(ENTRIES))
        print("dags:", ", ".join(f"{k} (M = {m})" for k, (_, m) in DAGS.items()))
        return
    dags = list(DAGS) if args.dags == ["all"] else args.dags
    unknown = [d for d in dags if d not in DAGS]
    if unknown:
        ap.error(f"unknown DAG(s) {unknown}; --list names them")
    print("| entry | DAG | nodes | M | limit s | wall s | ratio | within 10% + 1 s | "
          "stopped | bounds | replays | phases over 10% of the wall (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    missed = 0
    for entry in args.entries:
        for dag in dags:
            for limit in args.limits:
                if ENTRIES[entry].max_nodes is not None:
                    nodes = build(dag)[0].number_of_nodes()
                    if nodes > ENTRIES[entry].max_nodes:
                        continue
                r = measure(entry, dag, limit)
                memory = DAGS[dag][1]
                if "error" in r:
                    missed += 1
                    print(f"| {entry} | {dag} | | {memory} | {limit:g} | | | no | "
                          f"{r['error']} | | | |", flush=True)  # fmt: skip
                    continue
                wall = r["wall"]
                ok = wall <= 1.1 * limit + 1.0
                missed += not ok
                phases = ", ".join(f"{k} {v:.2f}" for k, v in r["phases"].items()
                                   if v > 0.1 * wall)  # fmt: skip
                print(f"| {entry} | {dag} | {r['nodes']} | {memory} | {limit:g} | {wall:.2f} | "
                      f"{wall / limit:.2f} | {'yes' if ok else 'NO'} | {r['stopped']} | "
                      f"{r['lower']}..{r['upper']} | {'yes' if r['replays'] else 'NO'} | "
                      f"{phases} |", flush=True)  # fmt: skip
    print(f"\n{missed} run(s) outside 10% + 1 s of the limit")


if __name__ == "__main__":
    main()
