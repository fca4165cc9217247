"""Lower bounds for any DAG: each method's bound, its ratios and its time, on FFTs,
attention, matmul and pyramids; Jain & Zaharia's FFT-8 instances; the published FFT rows.

Three tables (markdown):

1. ``methods``: one row per instance and memory M, in the no-recompute game (the game
   every method's proof covers). For each method of :data:`redblue.lower.METHODS` other
   than the search: ``value (value / trivial, value / best) seconds``, where ``best`` is
   the cheapest replayed schedule (greedy, or the exact search's certificate on graphs
   of at most ``--search-nodes`` nodes, ``*`` when it is the proven optimum). The column
   ``classic`` is the best bound of the methods that cover the classic game (and its
   method), against the classic game's best schedule.
2. ``fft-8``: Jain & Zaharia's 32-node FFT at M = 4, 5, 6 in the classic game, with
   :func:`redblue.lower.solve_certified` under ``--fft8-seconds``, in both conventions.
   Jain & Zaharia charge neither the first load of an input nor the store of an output.
   Every complete calculation of the FFT loads each of its 8 inputs at least once and
   stores each of its 8 outputs at least once (outputs are not inputs), and their cost
   drops exactly one load of each input and one store of each output, so for every
   strategy ``cost_JZ = io - 8 - 8``, and for the optima and every bound
   ``Q_JZ = Q - 16`` (on any DAG whose inputs are all needed: ``Q_JZ = Q - trivial``).
   A classic-game bound is also one of the no-recompute game (it has fewer strategies).
   Published (their exact ILP, stopped): lower 11 / 5 / 3, upper 15 / 11 / 8.
3. ``published``: the FFT rows of Jain & Zaharia's table (M = 4): the spectral ``extra``
   term and Elango et al.'s ``2 (W - M)`` next to the published 1,058 and 120 (2^12
   points; 13,842 at 2^16, run only with ``--max-log 16``: 1.1M nodes).

Run: ``python benchmarks/lower_bounds.py [--max-log 12] [--time-limit 20]
[--fft8-seconds 120] [--attention-n 2,4,8,16] [--attention-d 1,2,4] [--tables ...]``.
Every method gets the per-instance ``--time-limit`` (shared as
:func:`redblue.lower.lower_bound` shares it) and reports "stopped" when cut short; the
seconds printed are its own.
"""

from __future__ import annotations

import argparse
import time

from redblue.dags import attention_dag, fft_dag, matmul_dag, pyramid_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import compile_graph, replay
from redblue.lower import METHODS, lower_bound, solve_certified
from redblue.lower import spectral as spectral_mod
from redblue.lower.certified import best_method, bound_methods
from redblue.search import solve
from redblue.strategies.greedy import greedy_moves
from redblue.strategies.upper_bounds import schedule_moves

PUBLISHED = {  # (points, M): (spectral, convex min-cut), in the papers' convention
    (4096, 4): (1058, 120),
    (65536, 4): (13842, None),
}
#: Jain & Zaharia's exact ILP on FFT-8 (their convention): M -> (lower, upper)
JZ_FFT8 = {4: (11, 15), 5: (5, 11), 6: (3, 8)}


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def instances(args) -> list[tuple]:
    """(name, builder, memories, attention's (N, d, sum) or None): the families of issue
    13 at several M."""
    rows: list[tuple] = [
        (f"fft 2^{e}", lambda e=e: fft_dag(2**e), [4, 8], None)
        for e in range(3, min(args.max_log, args.methods_max_log) + 1)]
    for s in args.sums:
        for n in args.attention_n:
            for d in args.attention_d:
                low = 3 if s == "tree" else 4
                ms = sorted({low, max(low, d * d), max(low, 2 * d * d)})
                rows.append((f"attention N={n} d={d} {s}",
                             lambda n=n, d=d, s=s: attention_dag(n, d, sum=s), ms, (n, d, s)))
    for n in args.matmul_n:
        rows.append((f"matmul {n}x{n}x{n}", lambda n=n: matmul_dag(n, n, n), [3, 4, 16], None))
    for h in args.pyramid_h:
        rows.append((f"pyramid {h}", lambda h=h: pyramid_dag(h), [3, 4, 8], None))
    return [r for r in rows if r[0].split()[0] in args.families]


def best_schedule(graph, M: int, variant: str, lower: int, args,
                  attention: tuple[int, int, str] | None = None) -> tuple[int, bool]:
    """The cheapest replayed schedule (greedy; the block schedules on attention with fma
    sums; the search's certificate on small graphs) and whether it is the proven optimum."""
    io = replay(graph, greedy_moves(graph, M), M, variant).io
    if attention is not None and attention[2] == "fma":
        n, d, s = attention
        for algorithm in ("flash1", "flash2", "tiling"):
            try:
                moves = schedule_moves(algorithm, graph, n, d, M, sum=s)
                io = min(io, replay(graph, moves, M, variant).io)
            except (InvalidInputError, IllegalMoveError):  # M too small, or it recomputes
                continue
    if graph.n <= args.search_nodes:
        r = solve(graph, M, variant, time_limit=args.search_seconds, lower=lower)
        return min(io, r.upper), r.optimal
    return io, io == lower


def _cell(value: int, trivial: int, best: int, seconds: float, status: str) -> str:
    flag = "" if status == "ok" else "†"
    return f"{value:,}{flag} ({value / trivial:.2f}, {value / best:.2f}) {seconds:.1f}s"


def methods_table(args) -> None:
    names = [m for m in METHODS if m not in ("search", "trivial")]
    print("\n### Each method's bound (no-recompute game): value (/trivial, /best) seconds; "
          "† stopped by the time limit\n")
    print("| graph | nodes | M | trivial | best | " + " | ".join(names) + " | classic best |")
    print("|---|---:|---:|---:|---:|" + "---|" * len(names) + "---|")
    for name, build, memories, attention in instances(args):
        t0 = time.monotonic()
        graph = compile_graph(build())
        for M in memories:
            if M < graph.min_memory():
                continue
            lb = lower_bound(graph, M, "no-recompute", methods=["trivial", *names],
                             time_limit=args.time_limit)  # fmt: skip
            best, opt = best_schedule(graph, M, "no-recompute", lb.lower, args, attention)
            cells = []
            for m in lb.methods[1:]:  # after the trivial bound
                cells.append("-" if m.status == "not run" else
                             _cell(m.value, lb.trivial, best, m.seconds, m.status))
            c = lower_bound(graph, M, "classic", methods=bound_methods("classic"),
                            time_limit=args.time_limit / 2)  # fmt: skip
            cbest, copt = best_schedule(graph, M, "classic", c.lower, args, attention)
            cbest, copt = min(cbest, best), copt and cbest <= best  # no-recompute ones count
            classic = (f"{c.lower:,} {best_method(c)} ({c.lower / c.trivial:.2f}, "
                       f"{c.lower / cbest:.2f} of {cbest:,}{'*' if copt else ''})")
            print(f"| {name} | {graph.n:,} | {M} | {lb.trivial:,} | {best:,}{'*' if opt else ''}"
                  f" | " + " | ".join(cells) + f" | {classic} |", flush=True)
        if time.monotonic() - t0 > 10 * args.time_limit:
            print(f"<!-- {name}: {time.monotonic() - t0:.0f} s -->", flush=True)


def fft8_table(args) -> None:
    G = fft_dag(8)
    print(f"\n### FFT-8 (32 nodes), classic game, solve_certified under {args.fft8_seconds:g} s"
          "\n")
    print("| M | redblue lower | upper | optimal | lower's method | J&Z convention lower "
          "| upper | J&Z published lower / upper | s |")
    print("|---:|---:|---:|---|---|---:|---:|---|---:|")
    for M in args.fft8_memory:
        r = solve_certified(G, M, "classic", time_limit=args.fft8_seconds)
        trivial = r.details["lower_bounds"].trivial  # 8 inputs + 8 outputs
        lo, hi = JZ_FFT8[M]
        print(f"| {M} | {r.lower} | {r.upper} | {'yes' if r.optimal else 'no'} | "
              f"{r.details['lower_method']} | {r.lower - trivial} | {r.upper - trivial} | "
              f"{lo} / {hi} | {r.seconds:.0f} |", flush=True)


def published_table(args) -> None:
    print("\n### Jain & Zaharia's FFT rows (M = 4, no-recompute): extra terms in the papers' "
          "conventions\n")
    print("| graph | nodes | trivial | spectral | s | J&Z | mincut | s | E. | "
          "published J&Z / E. |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for e in range(3, args.max_log + 1):
        G = fft_dag(2**e)
        lb = lower_bound(G, 4, "no-recompute", methods=["trivial", "spectral", "mincut"],
                         time_limit=args.published_seconds)  # fmt: skip
        sp, mc = lb.method("spectral"), lb.method("mincut")
        elango = 2 * max(0, mc.witness.get("loads", {}).get("W", 4) - 4)
        pub = PUBLISHED.get((2**e, 4))
        published = "-" if pub is None else " / ".join("-" if x is None else f"{x:,}"
                                                        for x in pub)  # fmt: skip
        print(f"| fft 2^{e} | {G.number_of_nodes():,} | {lb.trivial:,} | {sp.value:,} | "
              f"{sp.seconds:.1f} | {sp.witness.get('extra', 0):,} | {mc.value:,} | "
              f"{mc.seconds:.1f} | {elango:,} | {published} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", default="methods,fft8,published",
                    help="comma-separated: methods, fft8, published")
    ap.add_argument("--max-log", type=int, default=12, help="largest FFT: 2^MAX_LOG points")
    ap.add_argument("--methods-max-log", type=int, default=10,
                    help="largest FFT of the methods table")
    ap.add_argument("--families", default="fft,attention,matmul,pyramid")
    ap.add_argument("--sums", default="tree,fma", help="attention's summation shapes")
    ap.add_argument("--attention-n", type=_ints, default=[2, 4, 8, 16])
    ap.add_argument("--attention-d", type=_ints, default=[1, 2, 4])
    ap.add_argument("--matmul-n", type=_ints, default=[2, 4, 8, 16])
    ap.add_argument("--pyramid-h", type=_ints, default=[4, 8, 16, 32])
    ap.add_argument("--time-limit", type=float, default=20.0,
                    help="seconds per instance for the methods")
    ap.add_argument("--search-nodes", type=int, default=64,
                    help="run the exact search for the best schedule up to this many nodes")
    ap.add_argument("--search-seconds", type=float, default=5.0)
    ap.add_argument("--fft8-seconds", type=float, default=120.0)
    ap.add_argument("--fft8-memory", type=_ints, default=[4, 5, 6])
    ap.add_argument("--published-seconds", type=float, default=600.0,
                    help="seconds per FFT of the published-rows table")
    ap.add_argument("--eigenvalues", type=int, default=spectral_mod.EIGENVALUES,
                    help="ARPACK estimates (thresholds come from them) on large graphs")
    args = ap.parse_args()
    args.families, args.sums = args.families.split(","), args.sums.split(",")
    spectral_mod.EIGENVALUES = args.eigenvalues
    tables = args.tables.split(",")
    if "fft8" in tables:
        fft8_table(args)
    if "methods" in tables:
        methods_table(args)
    if "published" in tables:
        published_table(args)


if __name__ == "__main__":
    main()
