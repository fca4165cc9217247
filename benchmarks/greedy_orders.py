"""The greedy seed in each order: replayed I/O per instance and M, and the time it takes.

For each instance of the record table's families and M, prints a markdown table: the
replayed I/O of Belady's rule in each order of :data:`redblue.strategies.greedy.ORDERS`
(the compiled topological order, the baseline, first), the cheapest, its ratio to the
baseline, and the seconds :func:`~redblue.strategies.greedy.cheapest_greedy_moves` took
against one run in the topological order (same process). This is the upper bound every
search starts from (rule B), so a lower one prunes more.

Run: ``python benchmarks/greedy_orders.py [--only attention-3-2-tree]``.
"""

from __future__ import annotations

import argparse
import time

from redblue.dags import attention_dag, fft_dag, matmul_dag, pyramid_dag, random_dag
from redblue.game import compile_graph, replay
from redblue.strategies.greedy import (
    ORDERS,
    cheapest_greedy_moves,
    greedy_moves,
    named_order,
)

#: name -> (DAG, memories)
INSTANCES = {
    "attention-2-2-tree": (lambda: attention_dag(2, 2), (3, 4, 5, 6)),
    "attention-3-1-tree": (lambda: attention_dag(3, 1), (3, 4, 5, 6, 7, 8)),
    "attention-3-2-tree": (lambda: attention_dag(3, 2), (4, 6, 8, 12)),
    "matmul-3-3-3": (lambda: matmul_dag(3, 3, 3), (3, 4, 6, 9)),
    "fft-16": (lambda: fft_dag(16), (3, 4, 5, 6, 8)),
    "pyramid-6": (lambda: pyramid_dag(6), (3, 4)),
    "random-60": (lambda: random_dag(60, seed=1), (4, 6)),
    "random-2000": (lambda: random_dag(2000, seed=1), (4, 8)),
}


def _io(C, M, name):
    return replay(C, greedy_moves(C, M, named_order(C, name)), M).io


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=sorted(INSTANCES), metavar="NAME")
    args = ap.parse_args(argv)
    short = list(ORDERS)
    print("| instance | M | " + " | ".join(short) + " | cheapest | ratio | s (cheapest) "
          "| s (topological) |")
    print("|---|---:|" + "---:|" * (len(short) + 4))
    for name, (make, memories) in INSTANCES.items():
        if args.only and name not in args.only:
            continue
        C = compile_graph(make())
        for M in memories:
            ios = [_io(C, M, order) for order in ORDERS]
            t0 = time.perf_counter()
            greedy_moves(C, M)
            base_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            moves, _ = cheapest_greedy_moves(C, M)
            best_s = time.perf_counter() - t0
            best = replay(C, moves, M).io
            cells = " | ".join(str(v) for v in ios)
            print(f"| {name} | {M} | {cells} | {best} | {best / ios[0]:.2f} | {best_s:.3f} "
                  f"| {base_s:.3f} |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
