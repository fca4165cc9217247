# ruff: noqa: E501, E741
"""Theorem 3.7: attention needs Omega(N^2 d / sqrt(M)) I/O when M = o(d^2), by reduction.

Derivation. From any complete attention calculation A keep the moves on the QK^T part,
store each root S[i,j] the first time it turns red and never delete blue from the QK^T
part. The result is a complete calculation of Q K^T by standard matmul, with no more red
pebbles and at most N^2 extra stores: Q_MM(N, d, N) <= Q_A + N^2. With Lemma 3.6's
explicit bound, Q_A >= N^2 d / sqrt(2M) - M - N^2, and N^2 = O(N^2 d/sqrt(M)) iff M <= d^2.
"""

import sympy

from redblue.analysis.instances import schedules
from redblue.analysis.reduction import reduce_to_matmul
from redblue.bounds.compare import compare
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import M, N, d, result
from redblue.dags import attention_dag, matmul_dag
from redblue.game import Strategy, replay
from redblue.strategies import greedy_strategy

TITLE = "Theorem 3.7"
CLAIM = "Q_MM(N, d, N) <= Q_A + N^2, hence Q_A >= N^2 d / sqrt(2M) - M - N^2 = Omega(N^2 d / sqrt(M))"
REGIME = ("M <= d**2",)


def run(p: Proof) -> None:
    main = N**2 * d / sympy.sqrt(2 * M)
    p.asymptotic("explicit main term = Theta(paper)", main, result("thm-3.7").expr, "Theta", REGIME)
    p.asymptotic("the N^2 reduction cost is O(N^2 d / sqrt(M))", N**2, N**2 * d / sympy.sqrt(M), "O", REGIME)
    out = compare(N**2, N**2 * d / sympy.sqrt(M), ["M >= d**2"])
    p.check("regime flipped (M >= d^2): N^2 is not O(N^2 d / sqrt(M))", not out.O, f"witness {out.witness}")
    runs = []
    for n, dd, m, shape in [(3, 2, 6, "tree"), (4, 4, 8, "tree"), (3, 3, 5, "chain"), (4, 1, 4, "tree")]:
        G = attention_dag(n, dd, sum=shape)
        runs.append((f"greedy N={n} d={dd} M={m} {shape}", G, greedy_strategy(G, m), n, dd, m, shape))
    for n, dd, m in [(8, 8, 16), (8, 2, 24), (12, 6, 36)]:
        for alg, sim in schedules(n, dd, m).items():
            if alg in ("flash1", "flash2", "tiling", "standard"):
                strat = Strategy(sim.moves.decode(), m, "classic")
                runs.append((f"{alg} N={n} d={dd} M={m}", sim.graph, strat, n, dd, m, "chain"))
    for label, G, s, n, dd, m, shape in runs:
        qa = replay(G, s, memory=m).io
        reduced = reduce_to_matmul(s)
        rr = replay(matmul_dag(n, dd, n, sum=shape), reduced, memory=m)
        p.check(f"{label}: reduced strategy valid on matmul_dag({n},{dd},{n}); {rr.io} <= Q_A + N^2 = {qa + n * n}",
                rr.io <= qa + n * n and rr.peak_red <= m)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
