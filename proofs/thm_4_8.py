# ruff: noqa: E501, E741
"""Theorem 4.8: any algorithm (fast matmul included) computing every entry of QK^T over
F_q, q > N, needs Omega(min(N^2 d^2 / M, N^2)) I/O; tight for M >= d^2.

Derivation with explicit constants. By Thm 4.4 and Lemma 4.6 an epoch computing B entries
satisfies min(d sqrt(B/2), B/4) <= 2M: if d sqrt(B/2) <= 2M then B <= 8M^2/d^2, and if
B/4 <= 2M then B <= 8M, so B <= B* = max(8M^2/d^2, 8M). The T epochs compute all N^2
entries: T >= N^2 / B*, and Q >= (T - 1) M >= min(N^2 d^2/(8M), N^2/8) - M (Lemma 4.1).
"""

import sympy

from redblue.analysis.instances import EXACT_ATTENTION, SCHEDULE_POINTS, exact, schedules
from redblue.bounds import explicit
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import ALGORITHMS, M, N, d, result
from redblue.dags import attention_dag

TITLE = "Theorem 4.8"
CLAIM = "any algorithm: Q >= M (ceil(N^2 / max(8M^2/d^2, 8M)) - 1) >= min(N^2 d^2/(8M), N^2/8) - M"
REGIME = ("q > N",)


def run(p: Proof) -> None:
    B = sympy.Symbol("B", positive=True)
    sol = sympy.solve(sympy.Eq(d * sympy.sqrt(B / 2), 2 * M), B)
    p.identity("d sqrt(B/2) = 2M  <=>  B = 8 M^2 / d^2", sol[0], 8 * M**2 / d**2)
    sol = sympy.solve(sympy.Eq(B / 4, 2 * M), B)
    p.identity("B/4 = 2M  <=>  B = 8M", sol[0], 8 * M)
    p.identity("M * N^2 / max(8M^2/d^2, 8M) = min(N^2 d^2/(8M), N^2/8)",
               sympy.Min(M * N**2 / (8 * M**2 / d**2), M * N**2 / (8 * M)),
               sympy.Min(N**2 * d**2 / (8 * M), N**2 / 8))  # fmt: skip
    main = sympy.Min(N**2 * d**2 / (8 * M), N**2 / 8)
    p.asymptotic("explicit main term = Theta(paper)", main, result("thm-4.8").expr, "Theta")
    p.asymptotic("tight for large cache: FlashAttention-1 count = Theta(bound)", ALGORITHMS["flashattention-1"], result("thm-4.8").expr, "Theta", ["M >= d**2", "M <= N*d"])
    p.asymptotic("not tight for small cache: Algorithm 1 count vs bound", ALGORITHMS["square-tiling"], result("thm-4.8").expr, "Omega", ["M <= d**2", "d <= N"])
    for n, dd, m in SCHEDULE_POINTS + ((64, 8, 64),):
        lb = explicit.any_algorithm(n, dd, m)
        sims = schedules(n, dd, m) if n <= 16 else {}
        for alg, sim in sims.items():
            p.check(f"N={n} d={dd} M={m}: explicit {lb} <= {alg} io {sim.result.io}", lb <= sim.result.io)
        if n > 16:
            ok = lb >= min(n * n * dd * dd / (8 * m), n * n / 8) - m
            p.check(f"N={n} d={dd} M={m}: ceil form {lb} >= min(N^2 d^2/(8M), N^2/8) - M", ok)
    for n, dd, m in EXACT_ATTENTION:
        ex = exact(attention_dag(n, dd), m)
        lb = explicit.any_algorithm(n, dd, m)
        p.check(f"N={n} d={dd} M={m}: explicit {lb} <= Q = {ex.lower}..{ex.upper} ({ex.method})",
                lb <= (ex.lower if ex.optimal else ex.upper))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
