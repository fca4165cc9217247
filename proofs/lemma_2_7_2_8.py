# ruff: noqa: E501, E741
"""Hong & Kung, Lemmas 2.7 and 2.8: a normalised calculation with M red pebbles gives a
2M-partition, so Q >= M (P(G, 2M) - 1).

Statement. A calculation is *normalised* if it has no useless move: every load, compute
and store creates a pebble that a later useful move uses, or the final blue pebble of an
output (``redblue.analysis.normalize``; any valid calculation becomes one by dropping
moves, with no more I/O and no more red pebbles, so Q(G, M) is attained by normalised
calculations). Lemma 2.7 holds for normalised calculations; without the normalisation
the minimum-set bound is false (the control below: a valid strategy with |Min| = 7 >
2M = 6).

Derivation. Cut the moves into h segments of M I/O moves (the last may be shorter), so
M (h - 1) <= Q <= M h. The vertices first computed in segment i form part V_i. Every path
from an input to a vertex computed in segment i meets D_i = (red at the start) + (loaded in
the segment): |D_i| <= M + M. A vertex v of V_i with no successor in V_i: its first compute
is useful, so its red pebble is used by a compute of a successor (which is not in V_i, so
it happens in a later segment: v is red at the end of segment i) or by a store (in segment
i, or later with v red at the end): |Min(V_i)| <= M + M. Edges only go from earlier to
later parts, so the parts are acyclic. Hence P(G, 2M) <= h <= Q / M + 1 (Lemma 2.8).

Checked on greedy schedules, the block schedules, exact optimal certificates and random
valid strategies (a random walk over legal moves, completed greedily), each normalised
first; the slack max|D| / 2M and max|Min| / 2M is reported.
"""

import sympy

from redblue.analysis.controls import understated_memory, useless_work
from redblue.analysis.instances import EXACT_ATTENTION, EXACT_MATMUL, exact, schedules
from redblue.analysis.normalize import is_normalized, normalize
from redblue.analysis.partition import check_partition
from redblue.analysis.walks import random_strategy
from redblue.bounds.proof import Proof, script_main
from redblue.dags import attention_dag, matmul_dag, pyramid_dag, random_dag
from redblue.game import Strategy, replay
from redblue.strategies import greedy_strategy

TITLE = "Lemmas 2.7 / 2.8 (Hong-Kung)"
CLAIM = "a normalised calculation with M red pebbles yields a 2M-partition with M h >= Q >= M (h-1); so Q >= M (P(G, 2M) - 1)"
REGIME = ()


#: greedy schedules: (label, graph builder, M, exact dominators by a minimum cut)
GREEDY = (
    ("attention N=3 d=2", lambda: attention_dag(3, 2), 6, True),
    ("attention N=4 d=2", lambda: attention_dag(4, 2), 8, False),
    ("attention N=3 d=3 chain", lambda: attention_dag(3, 3, sum="chain"), 5, False),
    ("matmul 3x4x3", lambda: matmul_dag(3, 4, 3), 6, True),
    ("pyramid 6", lambda: pyramid_dag(6), 3, True),
    ("random 40", lambda: random_dag(40, seed=1), 4, False),
)
#: the block schedules' (N, d, M)
BLOCKS = ((8, 2, 24), (8, 8, 16), (6, 4, 20))
#: random walks: (label, graph builder, M), each from seeds 0 .. WALK_SEEDS - 1
WALKS = (
    ("attention N=2 d=2", lambda: attention_dag(2, 2), 4),
    ("attention N=3 d=1", lambda: attention_dag(3, 1), 5),
    ("matmul 2x2x2", lambda: matmul_dag(2, 2, 2), 3),
    ("random 24", lambda: random_dag(24, seed=3), 3),
)
WALK_SEEDS = 6
#: the tests' run (``small=True``, a second): one of each kind of strategy above, the
#: exact dominators on two graphs, two optima, walks that normalisation changes
SMALL = {
    "greedy": (GREEDY[0], GREEDY[4], GREEDY[5]),
    "blocks": BLOCKS[:1],
    "matmul": EXACT_MATMUL[:2],
    "attention": EXACT_ATTENTION[:1],
    "walks": (WALKS[0], WALKS[2]),
    "seeds": 2,
}
FULL = {"greedy": GREEDY, "blocks": BLOCKS, "matmul": EXACT_MATMUL, "attention": EXACT_ATTENTION,
        "walks": WALKS, "seeds": WALK_SEEDS}  # fmt: skip


def run(p: Proof, small: bool = False) -> None:
    """Every step; ``small``: the tests' instances (:data:`SMALL`) instead of :data:`FULL`."""
    Q, Mm, h = sympy.symbols("Q M h", positive=True)
    p.identity("h = ceil(Q/M) segments: M*(h-1) = M*h - M", Mm * (h - 1), Mm * h - Mm)
    P = sympy.Symbol("P", positive=True)
    u = sympy.Symbol("u", nonnegative=True)
    p.nonneg("P(G,2M) <= h and Q >= M (h-1)  =>  Q - M (P - 1) >= 0", Mm * (h - 1) - Mm * (P - 1),
             {h: P + u})  # fmt: skip
    controls(p)
    grid = SMALL if small else FULL
    runs = []  # (label, graph, strategy, M, exact dominators)
    for label, build, M, exact_dom in grid["greedy"]:
        G = build()
        runs.append((f"{label}, M={M}, greedy", G, greedy_strategy(G, M), M, exact_dom))
    for n, dd, m in grid["blocks"]:
        for alg, sim in schedules(n, dd, m).items():
            runs.append((f"{alg} N={n} d={dd} M={m}", sim.graph, Strategy(sim.moves.decode(), m), m, False))
    optimal = [(f"matmul {a}x{b}x{c}", matmul_dag(a, b, c), M) for a, b, c, M in grid["matmul"]]
    optimal += [(f"attention N={n} d={dd}", attention_dag(n, dd), M) for n, dd, M in grid["attention"]]
    for label, G, M in optimal:
        ex = exact(G, M, time_limit=3.0)
        if ex.optimal and ex.strategy is not None:
            runs.append((f"{label}, M={M}, optimal Q={ex.lower}", G, ex.strategy, M, True))
    for label, build, M in grid["walks"]:
        G = build()
        for seed in range(grid["seeds"]):
            runs.append((f"{label}, M={M}, random walk {seed}", G, random_strategy(G, M, seed=seed), M, False))
    worst_d = worst_min = 0.0
    changed = 0
    for label, G, s, M, exact_dom in runs:
        io = replay(G, s, memory=M).io
        ns = normalize(G, s, memory=M)
        rn = replay(G, ns, memory=M)
        changed += len(ns.moves) < len(s.moves)
        pc = check_partition(G, ns, M, exact_dominators=exact_dom)
        summ = pc.summary()
        worst_d = max(worst_d, summ["max_dominator"] / (2 * M))
        worst_min = max(worst_min, summ["max_minimum"] / (2 * M))
        p.check(
            f"{label} (Q={io}): normalised (Q={rn.io} <= Q) gives a 2M-partition, M h >= Q >= M (h-1), Min within red-at-end + stored",
            pc.ok and pc.minimum_explained and rn.io <= io and rn.peak_red <= M and is_normalized(G, ns),
            f"h={pc.h}, max |D|={summ['max_dominator']}"
            + (f" (min cut {summ['max_min_dominator']})" if exact_dom else "")
            + f", max |Min|={summ['max_minimum']} <= 2M={2 * M}",
        )
    p.check(f"{len(runs)} strategies: slack of the 2M bounds", worst_d <= 1 and worst_min <= 1,
            f"max |D|/2M = {worst_d:.2f}, max |Min|/2M = {worst_min:.2f}; normalisation changed {changed} strategies")  # fmt: skip


def controls(p: Proof) -> None:
    """The checks fail where a hypothesis fails, each by one vertex (2M + 1), so that a
    predicate weakened to 3M or 4M would let the control through."""
    G, s, M = useless_work()
    pc = check_partition(G, s, M)
    ns = normalize(G, s)
    pn = check_partition(G, ns, M)
    big = max(q.minimum for q in pc.parts)
    r = replay(G, s)
    p.check(f"control: a valid strategy with useless computes (Q={r.io}, peak {r.peak_red}) has |Min| = {big} = 2M + 1: rejected",
            not pc.ok and big == 2 * M + 1 and max(q.dominator for q in pc.parts) <= 2 * M)  # fmt: skip
    p.check(f"control: normalising it gives a 2M-partition (Q={replay(G, ns).io}), every Min within red-at-end + stored",
            pn.ok and pn.minimum_explained, f"max |Min| = {pn.summary()['max_minimum']}")  # fmt: skip
    G, s, M = understated_memory()
    pc = check_partition(G, s, M)
    big = max(q.dominator for q in pc.parts)
    p.check(f"control: {s.memory} red pebbles cut as if M = {M}: |D| = {big} = 2M + 1: rejected",
            not pc.ok and big == 2 * M + 1 and max(q.minimum for q in pc.parts) <= 2 * M)  # fmt: skip

if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
