"""Speed of the upper-bound schedules: moves generated and replayed, and the counters.

1. FlashAttention-2 on ``attention_dag(N, d, sum="chain")`` (default N = 256, d = 16,
   about 4.3 million vertices): time to build and compile the DAG (once), to generate
   the moves (id tables included), and to replay them; moves per second for each.
2. The block counters of every schedule at N = 65,536, d = 128 over 100 values of M
   (log-spaced from the smallest M each accepts to N d): total and worst time.

Run: ``python benchmarks/strategies_speed.py [--n 256 --d 16 --memory 1024]``
(``--skip-moves`` runs part 2 only).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from redblue.dags import attention_dag
from redblue.game import compile_graph, replay
from redblue.strategies import count_io, flash2_io, flash2_moves

ALGORITHMS = ("flash1", "flash2", "standard", "tiling")


def moves_speed(n: int, d: int, memory: int) -> None:
    t0 = time.perf_counter()
    G = attention_dag(n, d, sum="chain")
    t1 = time.perf_counter()
    graph = compile_graph(G)
    t2 = time.perf_counter()
    del G
    moves = flash2_moves(graph, n, d, memory)
    t3 = time.perf_counter()
    result = replay(graph, moves, memory)
    t4 = time.perf_counter()
    assert result.io == flash2_io(n, d, memory).io and result.peak_red <= memory
    count = len(moves)
    print(f"flash2 on attention_dag({n}, {d}, sum='chain'): {graph.n:,} vertices, M = {memory}")
    print(f"  verified: io {result.io:,}, peak red {result.peak_red}, {count:,} moves")
    print(f"  {'step':<28}{'seconds':>10}{'moves/s':>16}")
    print(f"  {'build DAG (networkx)':<28}{t1 - t0:>10.2f}{'':>16}")
    print(f"  {'compile':<28}{t2 - t1:>10.2f}{'':>16}")
    print(f"  {'generate moves':<28}{t3 - t2:>10.2f}{count / (t3 - t2):>16,.0f}")
    print(f"  {'replay':<28}{t4 - t3:>10.2f}{count / (t4 - t3):>16,.0f}")
    print(f"  {'generate + replay':<28}{t4 - t2:>10.2f}{count / (t4 - t2):>16,.0f}")


def counter_speed(n: int = 65536, d: int = 128, points: int = 100) -> None:
    print(f"\ncounters at N = {n:,}, d = {d}, {points} values of M up to Nd")
    print(f"  {'algorithm':<12}{'total s':>10}{'worst ms':>10}{'io at smallest M':>20}"
          f"{'io at M = Nd':>16}")
    for algorithm in ALGORITHMS:
        low = next(m for m in range(1, 10 * d) if _accepts(algorithm, n, d, m))
        ms = sorted({int(m) for m in np.geomspace(low, n * d, points)})
        while len(ms) < points:  # geomspace rounding can merge small values
            ms.append(ms[-1] - 1 - len(ms))
            ms = sorted(set(ms))
        worst, start = 0.0, time.perf_counter()
        for m in ms:
            t = time.perf_counter()
            count_io(algorithm, n, d, m)
            worst = max(worst, time.perf_counter() - t)
        total = time.perf_counter() - start
        first, last = count_io(algorithm, n, d, ms[0]).io, count_io(algorithm, n, d, ms[-1]).io
        print(f"  {algorithm:<12}{total:>10.4f}{worst * 1e3:>10.3f}{first:>20,}{last:>16,}")


def _accepts(algorithm: str, n: int, d: int, memory: int) -> bool:
    try:
        count_io(algorithm, n, d, memory)
        return True
    except ValueError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--d", type=int, default=16)
    parser.add_argument("--memory", type=int, default=1024)
    parser.add_argument("--skip-moves", action="store_true")
    args = parser.parse_args()
    if not args.skip_moves:
        moves_speed(args.n, args.d, args.memory)
    counter_speed()


if __name__ == "__main__":
    main()
