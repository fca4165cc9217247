# ruff: noqa: E501, E741
"""Lemma 3.3: a part of a 2M-partition of the attention DAG holds few roots of QK^T.

Derivation (for a 2M-partition: |D| <= 2M, |Min| <= 2M). A root S[i,j] of the part
(a) has a dominator vertex in its summation tree: at most |D_T| roots; or
(b) has a minimum vertex of the part in its tree: at most 2M roots; or else
(c) the paths Q[i,l] -> ... -> S[i,j] and K[j,l] -> ... -> S[i,j] avoid D except at the
    input, so rows i of Q and j of K lie in D. With I such Q-rows and J such K-rows,
    (I + J) d <= |D_in| and at most I J <= (I+J)^2/4 <= |D_in|^2 / (4 d^2) roots.
With |D_T| + |D_in| <= 2M the sum x + (2M - x)^2/(4d^2) is convex in x, so at most its
value at an end: roots <= R = 2M + max(2M, M^2/d^2). For an M-partition (M' = M/2 in the
above) this is M + max(M, M^2/(4d^2)) <= M^2/d^2 + M when M >= d^2: the paper's bound.
"""

import sympy

from redblue.analysis.instances import EXACT_ATTENTION, exact, schedules
from redblue.analysis.partition import count_roots, segments
from redblue.bounds.proof import Proof, script_main
from redblue.dags import attention_dag
from redblue.strategies import greedy_strategy

TITLE = "Lemma 3.3"
CLAIM = "a part of a 2M-partition computes at most 2M + max(2M, M^2/d^2) roots of QK^T (<= paper's M^2/d^2 + M per M-partition)"
REGIME = ("M >= d**2",)


def run(p: Proof) -> None:
    I, J, d, M = sympy.symbols("I J d M", positive=True)
    x, y, u = sympy.symbols("x y u", nonnegative=True)
    p.nonneg("I J <= (I + J)^2 / 4", (I + J) ** 2 / 4 - I * J)
    f = lambda t: (2 * M - t) + t**2 / (4 * d**2)  # noqa: E731 - dominator split |D_in| = t
    chord = lambda t: (1 - t / (2 * M)) * f(0) + t / (2 * M) * f(2 * M)  # noqa: E731
    p.nonneg("convexity: f(x) <= chord for 0 <= x <= 2M (M = (x+y)/2)", chord(x) - f(x), {M: (x + y) / 2})
    p.identity("f(0) = 2M and f(2M) = M^2/d^2", sympy.Max(f(0), f(2 * M)), sympy.Max(2 * M, M**2 / d**2))
    Mp = sympy.Symbol("Mp", positive=True)  # an M-partition is a 2M'-partition with M' = M/2
    R_half = Mp + sympy.Max(Mp, Mp**2 / (4 * d**2))
    p.nonneg("M-partition: M^2/d^2 + M - (M + M^2/(4d^2)) >= 0", Mp**2 / d**2 + Mp - (Mp + Mp**2 / (4 * d**2)))
    p.nonneg("M-partition, M >= d^2: M^2/d^2 + M - 2M >= 0", (Mp**2 / d**2 - Mp), {Mp: d**2 + u})
    p.note(f"per M-partition: {R_half} <= M^2/d^2 + M (paper)")
    # instances: every part of the Lemma 2.7 partition of real strategies
    runs = []
    for n, dd, m in [(4, 2, 8), (6, 2, 12), (4, 3, 18)]:
        G = attention_dag(n, dd)
        runs.append((f"greedy N={n} d={dd} M={m}", G, greedy_strategy(G, m), dd, m))
    for n, dd, m in [(8, 2, 24), (8, 2, 48), (12, 2, 32)]:
        for alg, sim in schedules(n, dd, m, algorithms=("flash1", "flash2")).items():
            if alg in ("flash1", "flash2"):
                runs.append((f"{alg} N={n} d={dd} M={m}", sim.graph, sim.moves, dd, m))
    for n, dd, m in EXACT_ATTENTION:
        G = attention_dag(n, dd)
        ex = exact(G, m)
        if ex.optimal and ex.strategy is not None:
            runs.append((f"optimal (search) N={n} d={dd} M={m} Q={ex.lower}", G, ex.strategy, dd, m))
    for label, G, s, dd, m in runs:
        counts = count_roots(G, segments(s, m), dd, m)
        worst = max(c.roots for c in counts)
        bad = sum(c.unexplained for c in counts)
        p.check(
            f"{label}: every root is of class (a), (b) or (c); roots per part <= R",
            bad == 0 and all(c.ok for c in counts) and sum(c.roots for c in counts) == n_roots(G),
            f"max roots/part {worst} <= R={counts[0].bound:g} ({worst / counts[0].bound:.0%} of R)",
        )


def n_roots(G) -> int:
    return sum(1 for v in G if str(v).startswith("S[") and "(" not in str(v))


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
