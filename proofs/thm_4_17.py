# ruff: noqa: E501, E741
"""Theorem 4.17 (with Lemmas 4.15-4.16): for M <= d^2, attention is equivalent to
rectangular matmul: Q_Att = Theta(Q_MM(N, d, N) + Q_MM(N, N, d)).

Checked: (lower) Thm 3.7's reduction turns every attention strategy into a QK^T matmul
strategy with <= Q_A + N^2 I/O, and N^2 = O(Q_MM) in the regime; (upper) Algorithm 1's
count is O(Q_MM(N,d,N) + Q_MM(N,N,d)) with Q_MM(m,k,n) = Theta(mkn / sqrt(M)) for
standard matmul; on instances, Algorithm 1's I/O (reduced to a valid matmul strategy)
lies between the explicit matmul lower bound minus N^2 and its derived count (Thm 3.5).
"""

import sympy

from redblue.analysis.instances import schedules
from redblue.analysis.reduction import reduce_to_matmul
from redblue.bounds import explicit
from redblue.bounds.compare import compare
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import ALGORITHMS, M, N, d
from redblue.dags import matmul_dag
from redblue.game import Strategy, replay

TITLE = "Theorem 4.17"
CLAIM = "for M <= d^2: Q_Att = Theta(Q_MM(N, d, N) + Q_MM(N, N, d))"
REGIME = ("M <= d**2",)


def run(p: Proof) -> None:
    qmm = lambda m, k, n: m * k * n / sympy.sqrt(M)  # noqa: E731 - standard matmul, Lemma 3.6
    both = qmm(N, d, N) + qmm(N, N, d)
    p.identity("Q_MM(N,d,N) + Q_MM(N,N,d) = 2 N^2 d / sqrt(M)", both, 2 * N**2 * d / sympy.sqrt(M))
    p.asymptotic("upper: Algorithm 1 = O(Q_MM(N,d,N) + Q_MM(N,N,d))", ALGORITHMS["square-tiling"], both, "O", ["M <= d**2", "d <= N"])
    p.asymptotic("lower: Q_MM(N,d,N) - N^2 keeps the order (N^2 = O(Q_MM))", N**2, qmm(N, d, N), "O", ["M <= d**2"])
    out = compare(N**2, qmm(N, d, N), ["M >= d**2"])
    p.check("regime flipped (M >= d^2): the reduction's N^2 dominates", not out.O, f"witness {out.witness}")
    for n, dd, mem in [(8, 8, 16), (12, 6, 36), (16, 8, 64)]:
        sim = schedules(n, dd, mem, algorithms=("tiling",)).get("tiling")
        if sim is None:
            continue
        qa = sim.result.io
        reduced = reduce_to_matmul(Strategy(sim.moves.decode(), mem, "classic"))
        rr = replay(matmul_dag(n, dd, n, sum="chain"), reduced, memory=mem)
        lb = explicit.matmul(n, dd, n, mem) - n * n
        b = sim.blocks["B"]
        count = 4 * n * n * dd / b + n * n + n * dd + 2 * n
        p.check(f"N={n} d={dd} M={mem}: Q_MM(N,d,N) - N^2 >= {lb}; reduced {rr.io} <= Q_A + N^2; Q_A = {qa} <= count {count:g}",
                rr.io <= qa + n * n and lb <= qa <= count)  # fmt: skip

if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
