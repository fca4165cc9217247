"""Rule H3 at the start: the part sum of each candidate size, against rule H.

For each instance and M, builds the tables of :func:`redblue.search.heuristics.part_tables`
for the greedy partitions of :func:`~redblue.search.heuristics.candidate_parts` at each
number of bits (grown from the sources, then from the sinks) and prints a markdown table:
rule H at the start (the trivial bound: needed inputs + outputs), then per size the best
sum at the start of the two partitions, the MB of its tables (isomorphic parts sharing
one) and the seconds to fill them. What decides whether larger parts pay.

Run: ``python benchmarks/part_sums.py [--only fft-16] [--bits 16 20 22 24]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from redblue.dags import attention_dag, fft_dag, matmul_dag
from redblue.game import compile_graph
from redblue.search.heuristics import _part_heuristic, candidate_parts, part_tables
from redblue.search.problem import Problem
from redblue.search.state import NSCRATCH

#: name -> (DAG, the memories of its open classic records)
INSTANCES = {
    "attention-2-2-tree": (lambda: attention_dag(2, 2), (3, 4)),
    "attention-2-2-fma": (lambda: attention_dag(2, 2, sum="fma"), (4,)),
    "attention-3-1-tree": (lambda: attention_dag(3, 1), (3, 4, 5, 6, 7, 8)),
    "matmul-3x3x3": (lambda: matmul_dag(3, 3, 3), (4,)),
    "fft-16": (lambda: fft_dag(16), (4,)),
}


def start_sums(name: str, memory: int, bits_options) -> tuple[int, list[tuple[int, float, float]]]:
    """Rule H at the start and, per size, (best sum, MB, seconds) of its partitions."""
    g = compile_graph(INSTANCES[name][0]())
    P = Problem(g, memory, False, True)
    start, h0 = P.start()
    vm, gm = P.tables()
    sc = np.zeros(NSCRATCH * P.nwords, np.uint64)
    rows = []
    for bits in bits_options:
        best = (0, 0.0, 0.0)
        for parts in candidate_parts(P.n, P.preds, g.is_input, (bits,)):
            t0 = time.monotonic()
            t = part_tables(P.n, P.preds, g.is_input, g.is_output, memory, parts, bits)
            secs = time.monotonic() - t0
            h3 = int(_part_heuristic(start, P.wz, vm, gm, P.params(), sc, *t))
            best = max(best, (h3, t[2].nbytes / 1e6, secs))
        rows.append(best)
    return h0, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", choices=sorted(INSTANCES))
    ap.add_argument("--bits", nargs="*", type=int, default=[16, 18, 20, 22, 24])
    a = ap.parse_args()
    part_tables(1, [[]], [True], [True], 1, [[0]], 1)  # the filler compiled before timing
    head = " | ".join(f"{b} bits: sum (MB, s)" for b in a.bits)
    print(f"| instance | M | rule H | {head} |")
    print("|---|---|---|" + "---|" * len(a.bits))
    for name in a.only or INSTANCES:
        for M in INSTANCES[name][1]:
            h0, rows = start_sums(name, M, a.bits)
            cells = " | ".join(f"{h} ({mb:.1f}, {s:.1f})" for h, mb, s in rows)
            print(f"| {name} | {M} | {h0} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
