# ruff: noqa: E501, E741
"""Hong & Kung, Lemmas 2.7 and 2.8: a calculation with M red pebbles gives a 2M-partition.

Derivation. Cut the moves into h segments of M I/O moves (the last may be shorter), so
M (h - 1) <= Q <= M h. The vertices first computed in segment i form part V_i. Every path
from an input to a vertex computed in segment i meets D_i = (red at the start) + (loaded in
the segment): |D_i| <= M + M. A vertex of V_i with no successor in V_i is red at the end of
the segment or stored in it: at most M + M. Edges only go from earlier to later parts, so
the parts are acyclic. Hence P(G, 2M) <= h <= Q / M + 1, i.e. Q >= M (P(G, 2M) - 1).
"""

import sympy

from redblue.analysis.instances import EXACT_ATTENTION, EXACT_MATMUL, exact
from redblue.analysis.partition import check_partition
from redblue.bounds.proof import Proof, script_main
from redblue.dags import attention_dag, matmul_dag, pyramid_dag, random_dag
from redblue.game import replay
from redblue.strategies import greedy_strategy

TITLE = "Lemmas 2.7 / 2.8 (Hong-Kung)"
CLAIM = "a complete calculation with M red pebbles yields a 2M-partition with M h >= Q >= M (h-1)"
REGIME = ()


def run(p: Proof) -> None:
    Q, Mm, h = sympy.symbols("Q M h", positive=True)
    p.identity("h = ceil(Q/M) segments: M*(h-1) = M*h - M", Mm * (h - 1), Mm * h - Mm)
    P = sympy.Symbol("P", positive=True)
    u = sympy.Symbol("u", nonnegative=True)
    p.nonneg("P(G,2M) <= h and Q >= M (h-1)  =>  Q - M (P - 1) >= 0", Mm * (h - 1) - Mm * (P - 1),
             {h: P + u})  # fmt: skip
    cases = [
        ("attention N=3 d=2", attention_dag(3, 2), 6, True),
        ("attention N=4 d=2", attention_dag(4, 2), 8, False),
        ("attention N=3 d=3 chain", attention_dag(3, 3, sum="chain"), 5, False),
        ("matmul 3x4x3", matmul_dag(3, 4, 3), 6, True),
        ("pyramid 6", pyramid_dag(6), 3, True),
        ("random 40", random_dag(40, seed=1), 4, False),
    ]
    for label, G, M, exact_dom in cases:
        s = greedy_strategy(G, M)
        io = replay(G, s).io
        pc = check_partition(G, s, M, exact_dominators=exact_dom)
        summ = pc.summary()
        p.check(
            f"{label}, M={M}, greedy Q={io}: P1-P4 and M h >= Q >= M (h-1)",
            pc.ok,
            f"h={pc.h}, max |D|={summ['max_dominator']}"
            + (f" (min cut {summ['max_min_dominator']})" if exact_dom else "")
            + f", max |Min|={summ['max_minimum']} <= 2M={2 * M}",
        )
    # optimal strategies from the exact search (when it finishes)
    optimal = [(f"matmul {a}x{b}x{c}", matmul_dag(a, b, c), M) for a, b, c, M in EXACT_MATMUL]
    optimal += [(f"attention N={n} d={dd}", attention_dag(n, dd), M) for n, dd, M in EXACT_ATTENTION]
    for label, G, M in optimal:
        ex = exact(G, M, time_limit=3.0)
        if ex.optimal and ex.strategy is not None:
            pc = check_partition(G, ex.strategy, M, exact_dominators=True)
            p.check(f"{label}, M={M}, optimal strategy Q={ex.lower}: P1-P4", pc.ok, f"h={pc.h}")


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
