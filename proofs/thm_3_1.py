# ruff: noqa: E501, E741
"""Theorem 3.1: attention I/O = Theta(min(N^2 d / sqrt(M), N^2 d^2 / M)) for standard matmul.

Derivation. The two terms cross at M = d^2 (both N^2). For M >= d^2 the min is
N^2 d^2 / M: lower bound Lemma 3.4, upper bound FlashAttention (Theorem 3.2, needs M <= N d).
For M <= d^2 the min is N^2 d / sqrt(M): lower bound Theorem 3.7, upper bound Algorithm 1
(Theorem 3.5). The project's best explicit lower bound at each point (the largest of the
trivial 4Nd, large-cache, small-cache and any-algorithm bounds) is checked against the
cheapest replayed schedule (N up to 64), the exact block counters (N up to 4096) and every
exact optimum in reach; the minimum ratio schedule / bound per regime says how close the
two sides of Theorem 3.1 come with explicit constants.
"""

import sympy

from redblue.analysis.bound_grid import check_bound_on_grid
from redblue.analysis.formulas import check_explicit
from redblue.analysis.instances import BLOCK_SCHEDULES, EXACT_ATTENTION, exact, schedules
from redblue.analysis.measures import (
    COUNTER_POINTS,
    REPLAY_POINTS,
    best_counted,
    cache_regime,
    check_counters_match_replay,
    check_lower_bound_on_schedules,
)
from redblue.bounds import explicit
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import ALGORITHMS, M, N, d, result
from redblue.dags import attention_dag

TITLE = "Theorem 3.1"
CLAIM = "attention I/O = Theta(min(N^2 d / sqrt(M), N^2 d^2 / M)) (standard matmul)"
REGIME = ()


def run(p: Proof) -> None:
    paper = result("thm-3.1").expr
    large, small = N**2 * d**2 / M, N**2 * d / sympy.sqrt(M)
    p.identity("at M = d^2 both terms equal N^2 (large)", large.subs(M, d**2), N**2)
    p.identity("at M = d^2 both terms equal N^2 (small)", small.subs(M, d**2), N**2)
    p.asymptotic("min = Theta(N^2 d^2 / M) for large cache", paper, large, "Theta", ["M >= d**2"])
    p.asymptotic("min = Theta(N^2 d / sqrt(M)) for small cache", paper, small, "Theta", ["M <= d**2"])
    p.asymptotic("upper, large cache: FlashAttention-1 count", ALGORITHMS["flashattention-1"], paper, "O", ["M >= d**2", "M <= N*d"])
    p.asymptotic("upper, small cache: Algorithm 1 count", ALGORITHMS["square-tiling"], paper, "O", ["M <= d**2", "d <= N"])
    p.asymptotic("lower, large cache: explicit main term N^2 d^2/(2M)", N**2 * d**2 / (2 * M), paper, "Omega", ["M >= d**2"])
    p.asymptotic("lower, small cache: explicit main term N^2 d/sqrt(2M)", N**2 * d / sympy.sqrt(2 * M), paper, "Omega", ["M <= d**2"])
    check_explicit(p, ["trivial_attention"])
    check_counters_match_replay(p, REPLAY_POINTS)  # the counted grid below stands for replays
    best = lambda n, dd, m: explicit.attention(n, dd, m)[0]  # noqa: E731
    check_lower_bound_on_schedules(p, "best explicit lower bound", best)
    counting = lambda n, dd, m: max(explicit.large_cache(n, dd, m), explicit.small_cache(n, dd, m),  # noqa: E731
                                    explicit.any_algorithm(n, dd, m))  # fmt: skip
    check_bound_on_grid(p, "best counting bound (not 4Nd)", counting, COUNTER_POINTS, best_counted,
                        regime=cache_regime, source="best counted schedule")  # fmt: skip
    for n, dd, m in EXACT_ATTENTION:
        ex = exact(attention_dag(n, dd), m)
        lb, how = explicit.attention(n, dd, m)
        p.check(f"N={n} d={dd} M={m}: explicit {lb} ({how}) <= Q = {ex.lower}..{ex.upper} ({ex.method})",
                lb <= (ex.lower if ex.optimal else ex.upper))  # fmt: skip
        # the schedules run on the chain-sum DAG, which for d <= 2 is the same graph
        sims = schedules(n, dd, m, algorithms=BLOCK_SCHEDULES + ("greedy",)) if dd <= 2 else {}
        for alg, sim in sims.items():
            ex2 = exact(sim.graph, m)
            p.check(f"N={n} d={dd} M={m}: explicit {lb} <= Q = {ex2.lower} <= {alg} io {sim.result.io}",
                    lb <= ex2.lower <= sim.result.io)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
