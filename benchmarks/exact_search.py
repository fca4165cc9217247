"""Exact search: proven optima Q(G, M) of small DAGs, with the naive baseline, same run.

For every instance and every M from the smallest feasible memory up to the first M where
Q equals the trivial bound (needed inputs + outputs), runs ``solve`` (the A* method) and,
with a state limit, the naive Dijkstra over all configurations and legal moves. Prints a
markdown table: the optimum (or the proven bounds ``lo..hi`` when the time limit stopped
the search), seconds, states expanded, and the naive baseline's states and seconds with
the ratio of states when the baseline finishes ("-" when it hits its limit: then the
ratio is at least the printed one). Every certificate is replayed by ``solve``.
As :func:`~redblue.search.solve_range` does, the certificate of the row before (a
smaller M) is the ``upper`` seed of the search at ``M`` (a strategy legal with fewer red
pebbles is legal with ``M``), so a row stopped by the time limit never reports an upper
bound above the row before it; ``--no-seed`` searches every M on its own.

Run: ``python benchmarks/exact_search.py [--variant classic|no-recompute|both]
[--time-limit 60] [--naive-states 3000000] [--only attention-2-1-tree] [--memory 14 15]``.
The N = 3, d = 2 attention DAG (99 nodes) is left out of the default run (its sweep
alone takes about a quarter of an hour): name it with ``--only``.

``--baseline DIR`` runs every row a second time, in a child process importing redblue
from ``DIR`` (another checkout, e.g. ``git worktree add /tmp/old <commit>``), one row
after the other on the same machine, and prints both times and their ratio instead of
the naive baseline: how a change of the search core changed its speed (seconds a
state expanded, new over baseline: below 1 the new core is faster), by the wall clock and
by the CPU time of the process (less moved by other jobs on a loaded machine). ``--state-limit N``
stops every search after ``N`` states, so rows the time limit would stop compare the same
states.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from redblue.dags import attention_dag, fft_dag, matmul_dag, pyramid_dag
from redblue.game import compile_graph
from redblue.search import solve
from redblue.search.ilp import trivial_lower_bound

#: name -> (builder in redblue.dags, arguments, keywords): a child process of
#: ``--baseline`` builds the same DAG from its own checkout
INSTANCES = {
    "attention-2-1-tree": ("attention_dag", (2, 1), {}),
    "attention-2-1-fma": ("attention_dag", (2, 1), {"sum": "fma"}),
    "attention-2-2-tree": ("attention_dag", (2, 2), {}),
    "attention-3-1-tree": ("attention_dag", (3, 1), {}),
    "attention-2-2-fma": ("attention_dag", (2, 2), {"sum": "fma"}),
    "attention-3-1-fma": ("attention_dag", (3, 1), {"sum": "fma"}),
    "matmul-2x2x2": ("matmul_dag", (2, 2, 2), {}),
    "pyramid-3": ("pyramid_dag", (3,), {}),
    "matmul-1x2x2": ("matmul_dag", (1, 2, 2), {}),
    "pyramid-4": ("pyramid_dag", (4,), {}),
    "pyramid-6": ("pyramid_dag", (6,), {}),
}
#: instances run only when named with ``--only``
LARGE = {"attention-3-2-tree": ("attention_dag", (3, 2), {}), "fft-8": ("fft_dag", (8,), {}),
         "fft-16": ("fft_dag", (16,), {}), "matmul-3x3x3": ("matmul_dag", (3, 3, 3), {})}
BUILDERS = {"attention_dag": attention_dag, "matmul_dag": matmul_dag,
            "pyramid_dag": pyramid_dag, "fft_dag": fft_dag}  # fmt: skip

#: the child of ``--baseline``: one solve, its result as JSON on the last line
CHILD = """
import json, sys, time
import redblue.dags as dags
from redblue.search import solve
name, args, kw, M, variant, limit, states, upper = json.loads(sys.argv[1])
G = getattr(dags, name)(*args, **kw)
solve(dags.attention_dag(1, 1), 3)  # the core loaded (or compiled) before timing
solve(G, M, variant, state_limit=1)  # and the kernel for this graph's word count
upper = None if upper is None else [tuple(m) for m in upper]
c0 = time.process_time()
r = solve(G, M, variant, time_limit=limit, state_limit=states, upper=upper)
cpu = time.process_time() - c0
print(json.dumps([r.optimal, r.lower, r.upper, r.states, r.seconds, cpu]))
"""


def _per_state(secs: float, states: int, base_secs: float, base_states: int) -> str:
    """Seconds a state expanded, new over baseline (the time ratio when both expanded the
    same states; also fair when a time limit stopped both); "-" without states."""
    if not states or not base_states:
        return "-"
    return f"{(secs / states) / (base_secs / base_states):.2f}"


def build(spec):
    name, args, kw = spec
    return BUILDERS[name](*args, **kw)


def baseline(directory: str, spec, M: int, variant: str, limit: float,
             states: int | None = None, upper: list | None = None) -> list:  # fmt: skip
    """``[optimal, lower, upper, states, seconds, CPU seconds]`` of the same solve by the
    checkout in ``directory`` (``upper``: the same seed strategy, a list of moves)."""
    env = dict(os.environ, PYTHONPATH=directory)
    job = json.dumps([*spec, M, variant, limit, states, upper])
    p = subprocess.run([sys.executable, "-c", CHILD, job],
                       capture_output=True, text=True, env=env, cwd=directory, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default="both", choices=("classic", "no-recompute", "both"))
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--state-limit", type=int,
                    help="most states a search expands (rows stopped by it compare the same "
                         "states; with --baseline, the kernel for each word count is loaded "
                         "before timing)")
    ap.add_argument("--naive-states", type=int, default=3_000_000)
    ap.add_argument("--naive-seconds", type=float, default=120.0)
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--no-seed", action="store_true",
                    help="do not seed the search at M with the certificate of the row before")
    ap.add_argument("--baseline", metavar="DIR",
                    help="compare with the search of the checkout in DIR (no naive runs)")
    ap.add_argument("--only", nargs="*", choices=[*INSTANCES, *LARGE],
                    help="instance names (default: all but the large ones)")
    ap.add_argument("--memory", nargs="*", type=int,
                    help="only these M (default: every M from the smallest feasible)")
    args = ap.parse_args()
    variants = ("classic", "no-recompute") if args.variant == "both" else (args.variant,)
    names = args.only or list(INSTANCES)
    # the compiled core is built (or loaded from numba's cache) on first use: not timed below
    t0 = time.monotonic()
    solve(attention_dag(2, 1), 5)
    print(f"(compiled core ready in {time.monotonic() - t0:.1f} s)\n")
    if args.baseline:
        print("| instance | nodes | variant | M | Q | states | seconds (CPU) | baseline Q | "
              "baseline states | baseline s (CPU) | seconds a state, new / baseline "
              "(CPU) |")  # fmt: skip
    else:
        print("| instance | nodes | variant | M | Q | seconds | states | naive states | "
              "naive s | states ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|" + ("---|" if args.baseline else ""))
    for name in names:
        spec = {**INSTANCES, **LARGE}[name]
        G = build(spec)
        C = compile_graph(G)
        floor = trivial_lower_bound(C)
        for variant in variants:
            prev = None  # the certificate of the row before: the seed of the next
            for M in range(C.min_memory(), C.n + 1):
                if args.memory and M not in args.memory:
                    continue
                upper = None if prev is None or args.no_seed else prev.moves
                if args.baseline:
                    solve(C, M, variant, state_limit=1)  # this word count's kernel, untimed
                c0 = time.process_time()
                r = solve(C, M, variant, time_limit=args.time_limit,
                          state_limit=args.state_limit, upper=upper)  # fmt: skip
                cpu = time.process_time() - c0
                prev = r.strategy
                q = str(r.io) if r.optimal else f"{r.lower}..{r.upper}"
                if args.baseline:
                    ok, lo, up, states, secs, bcpu = baseline(
                        args.baseline, spec, M, variant, args.time_limit, args.state_limit,
                        None if upper is None else [list(m) for m in upper])
                    bq = str(up) if ok else f"{lo}..{up}"
                    if ok and r.optimal:
                        assert up == r.io, (name, variant, M)
                    print(f"| {name} | {C.n} | {variant} | {M} | {q} | {r.states} | "
                          f"{r.seconds:.2f} ({cpu:.2f}) | {bq} | {states} | {secs:.2f} "
                          f"({bcpu:.2f}) | {_per_state(r.seconds, r.states, secs, states)} "
                          f"({_per_state(cpu, r.states, bcpu, states)}) |",
                          flush=True)  # fmt: skip
                    if r.optimal and r.io == floor:
                        break
                    continue
                naive = ("", "", "")
                if not args.no_naive:
                    t0 = time.monotonic()
                    nv = solve(C, M, variant, method="naive", state_limit=args.naive_states,
                               time_limit=args.naive_seconds)  # fmt: skip
                    dt = time.monotonic() - t0
                    if nv.optimal:
                        assert not r.optimal or nv.io == r.io, (name, variant, M)
                        ratio = f"{nv.states / max(r.states, 1):.0f}x" if r.optimal else ""
                        naive = (str(nv.states), f"{dt:.1f}", ratio)
                    else:
                        ratio = f">{nv.states / max(r.states, 1):.0f}x" if r.optimal else ""
                        naive = (f">{nv.states} (stopped)", f"{dt:.1f}", ratio)
                print(f"| {name} | {C.n} | {variant} | {M} | {q} | {r.seconds:.2f} | "
                      f"{r.states} | {' | '.join(naive)} |", flush=True)  # fmt: skip
                if r.optimal and r.io == floor:
                    break


if __name__ == "__main__":
    main()
