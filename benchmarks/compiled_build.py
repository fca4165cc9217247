"""The attention DAG built straight into arrays against networkx + compile_graph.

For each ``(N, d)`` the compiled DAG of ``attention_dag(N, d, sum=...)`` is built by
:func:`redblue.game.compiled_attention.compile_attention` (``arrays``) and, where it fits
(``--baseline-max`` nodes, default 300,000), by ``compile_graph(attention_dag(...))``
(``networkx``) in the same process; the two must be equal array for array. Then
FlashAttention-2's moves are generated on it (``redblue.strategies.flash.flash2_moves``,
``M = 2 d^2`` unless ``--memory``) and replayed move by move; the replayed I/O must equal
the closed-form counter. Columns: build seconds, nodes per second (wall clock), bytes
per node (peak traced by ``tracemalloc`` during the build, and held after it; the
networkx build is traced only up to 50,000 nodes, tracing slows it), moves,
seconds to generate and to replay them, the bytes the moves hold per move, and the I/O.

Run: ``python benchmarks/compiled_build.py`` (a minute or two), ``--sizes 512x64`` for
the 67-million-node run alone (minutes; ``/usr/bin/time -v`` for the peak RSS).
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import numpy as np

from redblue.dags import attention_dag, attention_node_count
from redblue.game import compile_graph, replay
from redblue.game.compiled_attention import compile_attention
from redblue.strategies.flash import flash2_io, flash2_moves


def _traced(fn, trace: bool):
    """``(value, seconds, peak bytes, held bytes)`` of ``fn()``; ``seconds`` is a pair,
    wall clock and this process's CPU time (the two differ on a loaded machine)."""
    gc.collect()
    if trace:
        tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    took = (time.perf_counter() - start, time.process_time() - cpu)
    peak = held = 0
    if trace:
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return value, took, peak, held


def _same(a, b) -> bool:
    return (tuple(a.nodes) == b.nodes and np.array_equal(a.pred_ptr, b.pred_ptr)
            and np.array_equal(a.pred_idx, b.pred_idx)
            and np.array_equal(a.is_input, b.is_input)
            and np.array_equal(a.is_output, b.is_output))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="32x8,64x16,128x16,256x32",
                        help="N x d points, comma-separated (default %(default)s)")
    parser.add_argument("--sum", default="chain", choices=["tree", "chain", "fma"])
    parser.add_argument("--memory", type=int, default=None, help="M (default 2 d^2)")
    parser.add_argument("--baseline-max", type=int, default=300_000,
                        help="largest DAG also built through networkx (nodes)")
    parser.add_argument("--no-moves", action="store_true", help="build only")
    args = parser.parse_args()
    compile_attention(2, 2, sum=args.sum)  # the numba kernels, compiled or loaded once
    flash2_moves(compile_attention(2, 2, sum="chain"), 2, 2, 64)
    head = (f"{'N':>4} {'d':>3} {'nodes':>11} {'path':>8} {'build s':>8} {'cpu s':>7} "
            f"{'nodes/s':>11} "
            f"{'B/node':>7} {'held':>5} {'moves':>12} {'moves s':>8} {'B/move':>6} "
            f"{'replay s':>8} {'io':>11}  check")
    print(head)
    print("-" * len(head))
    for point in args.sizes.split(","):
        n, d = (int(v) for v in point.lower().split("x"))
        nodes = attention_node_count(n, d, sum=args.sum)
        memory = args.memory or 2 * d * d
        C, took, peak, held = _traced(
            lambda n=n, d=d: compile_attention(n, d, sum=args.sum, max_nodes=None), True)
        base = None
        if nodes <= args.baseline_max:
            base, btook, bpeak, bheld = _traced(
                lambda n=n, d=d: compile_graph(attention_dag(n, d, sum=args.sum,
                                                             max_nodes=None)),
                nodes <= 50_000)  # tracemalloc slows networkx: traced on small graphs only
            mem = f"{bpeak / nodes:7.0f} {bheld / nodes:5.0f}" if bpeak else f"{'-':>7} {'-':>5}"
            print(f"{n:>4} {d:>3} {nodes:>11,} {'networkx':>8} {btook[0]:>8.2f} "
                  f"{btook[1]:>7.2f} {nodes / btook[0]:>11,.0f} {mem}")
        check = "" if base is None else ("equal" if _same(C, base) else "DIFFERENT")
        del base
        row = (f"{n:>4} {d:>3} {nodes:>11,} {'arrays':>8} {took[0]:>8.2f} {took[1]:>7.2f} "
               f"{nodes / took[0]:>11,.0f} "
               f"{peak / nodes:>7.1f} {held / nodes:>5.1f}")
        if args.no_moves or args.sum == "tree":
            print(row, f"{'':>12} {'':>8} {'':>6} {'':>8} {'':>11} ", check)
            continue
        moves, mtook, _, _ = _traced(lambda C=C, n=n, d=d, m=memory: flash2_moves(C, n, d, m),
                                     False)
        per_move = (moves.kinds.nbytes + moves.nodes.nbytes) / len(moves)
        r, rtook, _, _ = _traced(lambda C=C, moves=moves, m=memory: replay(C, moves, m), False)
        ok = r.io == flash2_io(n, d, memory).io
        check = ", ".join(c for c in (check, "io = flash2_io" if ok else "IO DIFFERS") if c)
        print(row, f"{len(moves):>12,} {mtook[0]:>8.2f} {per_move:>6.1f} {rtook[0]:>8.2f} "
                   f"{r.io:>11,}  {check}  (M = {memory})")
        del moves, C


if __name__ == "__main__":
    main()
