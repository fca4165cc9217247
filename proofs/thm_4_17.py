# ruff: noqa: E501, E741
"""Theorem 4.17 (with Lemmas 4.15-4.16), checked here only in its standard-matmul special
case: for M <= d^2, attention is equivalent to rectangular matmul,
Q_Att = Theta(Q_MM(N, d, N) + Q_MM(N, N, d)).

The paper's theorem covers every matmul algorithm (fast ones included) through Lemmas
4.15-4.16, which are not restated here; this script takes Q_MM to be the standard-matmul
cost Theta(mkn / sqrt(M)) (Lemma 3.6) and checks: (lower) Theorem 3.7's reduction turns every
attention strategy into a QK^T matmul strategy with <= Q_A + N^2 I/O, and with explicit
constants Q_A >= Q_MM bound - N^2 >= N^2 d / (2 sqrt(2M)) - M when M <= d^2/8 (the N^2 of
the reduction is half the main term there; for M >= d^2/2 the explicit bound is 0, see
Theorem 3.7); (upper) Algorithm 1's count is O(Q_MM(N,d,N) + Q_MM(N,N,d)), and on a grid its
exact counter lies between the explicit lower bound and 16 N^2 d/sqrt(M) + 2N^2 + 4Nd + 2N
(Theorem 3.5).
"""

import sympy

from redblue.analysis.bound_grid import check_bound_on_grid
from redblue.analysis.instances import schedules
from redblue.analysis.measures import COUNTER_POINTS, cache_regime, counted
from redblue.analysis.reduction import reduce_to_matmul
from redblue.bounds import explicit
from redblue.bounds.compare import compare
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import ALGORITHMS, M, N, d
from redblue.dags import matmul_dag
from redblue.game import Strategy, replay

TITLE = "Theorem 4.17"
CLAIM = "standard-matmul case: for M <= d^2, Q_Att = Theta(Q_MM(N, d, N) + Q_MM(N, N, d)) with Q_MM(m, k, n) = Theta(mkn/sqrt(M)); explicit lower constant for M <= d^2/8"
REGIME = ("M <= d**2",)


def in_regime(n: int, dd: int, m: int) -> bool:
    return 8 * m <= dd * dd and dd <= n


def run(p: Proof) -> None:
    qmm = lambda m, k, n: m * k * n / sympy.sqrt(M)  # noqa: E731 - standard matmul, Lemma 3.6
    both = qmm(N, d, N) + qmm(N, N, d)
    p.identity("Q_MM(N,d,N) + Q_MM(N,N,d) = 2 N^2 d / sqrt(M)", both, 2 * N**2 * d / sympy.sqrt(M))
    p.asymptotic("upper: Algorithm 1 = O(Q_MM(N,d,N) + Q_MM(N,N,d))", ALGORITHMS["square-tiling"], both, "O", ["M <= d**2", "d <= N"])
    p.asymptotic("upper, any N, d, M: 16 N^2 d/sqrt(M) + 2N^2 + 4Nd + 2N = O(Q_MM sum)",
                 16 * N**2 * d / sympy.sqrt(M) + 2 * N**2 + 4 * N * d + 2 * N, both, "O", ["M <= d**2", "d <= N"])  # fmt: skip
    p.asymptotic("lower: Q_MM(N,d,N) - N^2 keeps the order (N^2 = O(Q_MM))", N**2, qmm(N, d, N), "O", ["M <= d**2"])
    out = compare(N**2, qmm(N, d, N), ["M >= d**2"])
    p.check("regime flipped (M >= d^2): the reduction's N^2 dominates", not out.O, f"witness {out.witness}")
    for n, dd, mem in [(8, 8, 16), (12, 6, 36), (16, 8, 64), (16, 8, 8)]:
        sim = schedules(n, dd, mem, algorithms=("tiling",)).get("tiling")
        if sim is None:
            continue
        qa = sim.result.io
        reduced = reduce_to_matmul(Strategy(sim.moves.decode(), mem, "classic"))
        rr = replay(matmul_dag(n, dd, n, sum="chain"), reduced, memory=mem)
        lb = explicit.small_cache(n, dd, mem)
        p.check(f"N={n} d={dd} M={mem}: reduced {rr.io} <= Q_A + N^2; explicit {lb} <= Q_A = {qa}",
                rr.io <= qa + n * n and lb <= qa)  # fmt: skip
    points = [pt for pt in COUNTER_POINTS if in_regime(*pt)]
    tiling = lambda n, dd, m: counted("tiling", n, dd, m)  # noqa: E731
    check_bound_on_grid(p, "small_cache (M <= d^2/8, d <= N)", explicit.small_cache, points, tiling,
                        regime=cache_regime, source="Algorithm 1 counter")  # fmt: skip
    upper = lambda n, dd, m: 16 * n * n * dd / m**0.5 + 2 * n * n + 4 * n * dd + 2 * n  # noqa: E731
    check_bound_on_grid(p, "16 N^2 d/sqrt(M) + 2N^2 + 4Nd + 2N", upper, points, tiling, kind="upper",
                        regime=cache_regime, source="Algorithm 1 counter")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
