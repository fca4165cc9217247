# ruff: noqa: E501, E741
"""Lemma 3.4: a 2M-partition of the attention DAG has Omega(N^2 d^2 / M^2) parts,
so Q = Omega(N^2 d^2 / M) when M >= d^2, with explicit constants.

Derivation. All N^2 roots S[i,j] are computed, each in one part, and a part holds at most
R = 2M + max(2M, M^2/d^2) of them (Lemma 3.3), so P(G, 2M) >= ceil(N^2 / R) and, by
Lemma 2.8, Q >= M (ceil(N^2 / R) - 1). For M >= 2d^2, R = 2M + M^2/d^2 <= 2M^2/d^2, so
Q >= N^2 d^2 / (2M) - M.
"""

import sympy

from redblue.analysis.instances import EXACT_ATTENTION, SCHEDULE_POINTS, exact, schedules
from redblue.bounds import explicit
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import M, N, d, result
from redblue.dags import attention_dag

TITLE = "Lemma 3.4"
CLAIM = "Q >= M (ceil(N^2 / (2M + max(2M, M^2/d^2))) - 1) >= N^2 d^2/(2M) - M for M >= 2 d^2"
REGIME = ("M >= d**2",)


def run(p: Proof) -> None:
    u = sympy.Symbol("u", nonnegative=True)
    R = 2 * M + M**2 / d**2
    p.nonneg("M >= 2d^2: 2M^2/d^2 - (2M + M^2/d^2) >= 0", 2 * M**2 / d**2 - R, {M: 2 * d**2 + u})
    p.identity("M * N^2 / (2M^2/d^2) = N^2 d^2 / (2M)", M * N**2 / (2 * M**2 / d**2), N**2 * d**2 / (2 * M))
    main = N**2 * d**2 / (2 * M)
    p.asymptotic("explicit main term = Theta(paper's N^2 d^2 / M)", main, result("lemma-3.4").expr, "Theta", ["M >= d**2"])
    p.asymptotic("the -M tail is O(main term) exactly when M <= N d", M, main, "O", ["M >= d**2", "M <= N*d"])
    flipped = sympy.Min(N**2 * d / sympy.sqrt(M), N**2 * d**2 / M)
    p.check("regime matters: N^2 d^2/M is not O(N^2 d/sqrt(M)) when M <= d^2",
            not __import__("redblue.bounds.compare", fromlist=["compare"]).compare(
                N**2 * d**2 / M, flipped, ["M <= d**2"]).Theta)  # fmt: skip
    for n, dd, m in SCHEDULE_POINTS:
        lb = explicit.large_cache(n, dd, m)
        for alg, sim in schedules(n, dd, m).items():
            p.check(f"N={n} d={dd} M={m}: explicit {lb} <= {alg} io {sim.result.io}", lb <= sim.result.io)
    for n, dd, m in [(64, 8, 128), (256, 16, 512), (1024, 64, 8192)]:
        lb = explicit.large_cache(n, dd, m)
        ok = lb >= n * n * dd * dd / (2 * m) - m if m >= 2 * dd * dd else True
        p.check(f"N={n} d={dd} M={m}: ceil form {lb} >= N^2 d^2/(2M) - M", ok)
    for n, dd, m in EXACT_ATTENTION:
        ex = exact(attention_dag(n, dd), m)
        lb = explicit.large_cache(n, dd, m)
        p.check(f"N={n} d={dd} M={m}: explicit {lb} <= Q = {ex.lower}..{ex.upper} ({ex.method})",
                lb <= ex.lower if ex.optimal else lb <= ex.upper)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
