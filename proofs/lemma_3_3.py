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

Checked three ways: (1) explicit.roots_per_part equals R rebuilt from the convex maximum;
(2) over *every* part: the largest number of roots in any vertex set with a dominator and
a minimum set of at most 2M vertices, computed exactly by an integer program
(``redblue.analysis.extremal``), certified by a minimum vertex cut, and compared with R,
and the classes (a)-(c) checked on that extremal part; (3) on the Lemma 2.7 parts of
normalised strategies (greedy, FlashAttention, exact optima, random walks). A control
removes the K rows from real dominators: class (c) must then reject the roots.
"""

import re

import sympy

from redblue.analysis.controls import drop_rows
from redblue.analysis.extremal import certify, max_part
from redblue.analysis.formulas import check_explicit
from redblue.analysis.instances import EXACT_ATTENTION, exact, schedules
from redblue.analysis.normalize import normalize
from redblue.analysis.partition import Segment, count_roots, segments
from redblue.analysis.walks import random_strategy
from redblue.bounds import explicit
from redblue.bounds.proof import Proof, script_main
from redblue.dags import attention_dag
from redblue.strategies import greedy_strategy

TITLE = "Lemma 3.3"
CLAIM = "a part of a 2M-partition computes at most 2M + max(2M, M^2/d^2) roots of QK^T (<= paper's M^2/d^2 + M per M-partition)"
REGIME = ("M >= d**2",)

#: (N, d, memories) where the part program runs in well under a second each
EXTREMAL = ((3, 1, (1, 2, 3)), (3, 2, (2, 3, 4)), (4, 1, (3, 4)), (4, 2, (3, 5)), (5, 1, (3,)))
#: the strategies' instances (N, d, M): greedy, FlashAttention-1 and -2, random walks (seeds
#: 0, 1, 2), besides the exact optima of EXACT_ATTENTION
GREEDY = ((4, 2, 8), (6, 2, 12), (4, 3, 18))
FLASH = ((8, 2, 24), (8, 2, 48), (12, 2, 32))
WALKS = ((2, 2, 4), (3, 1, 5), (3, 2, 6))
#: what ``redblue prove`` checks, and a smaller run of about a second that the tests pin
#: (tests/test_proofs_scripts.py): the same steps on fewer instances, no search, and the
#: explicit bound at the small (d, M) only
FULL = {"points": None, "extremal": EXTREMAL, "greedy": GREEDY, "flash": FLASH,
        "exact": EXACT_ATTENTION, "walks": WALKS}  # fmt: skip
SMALL = {"points": [(1, dd, m) for dd in (1, 2, 3) for m in range(1, 41)], "extremal": ((3, 1, (1, 3)), (4, 1, (4,)), (3, 2, (2,))),
         "greedy": GREEDY[:1], "flash": FLASH[:1], "exact": (), "walks": WALKS[:1]}  # fmt: skip


def run(p: Proof, small: bool = False) -> None:
    """Every step on the instances of :data:`FULL` (:data:`SMALL` if ``small``)."""
    cases = SMALL if small else FULL
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
    check_explicit(p, ["roots_per_part"], cases["points"])
    extremal(p, cases["extremal"])
    strategies(p, cases["greedy"], cases["flash"], cases["exact"], cases["walks"])


def roots_of(G) -> list:
    return [v for v in G if re.match(r"^S\[\d+,\d+\]$", str(v))]


def extremal(p: Proof, instances=EXTREMAL) -> None:
    """The lemma over every part: the exact maximum against R, with the slack."""
    least = None
    for n, dd, memories in instances:
        G = attention_dag(n, dd)
        for m in memories:
            best = max_part(G, m, roots_of(G), time_limit=20)
            dom, minimum = certify(G, best.part)
            R = explicit.roots_per_part(dd, m)
            (c,) = count_roots(G, [Segment(0, 0, 0, 0, loaded=set(best.dominator), part=set(best.part))], dd, m)
            slack = R - best.value
            least = slack if least is None else min(least, slack)
            p.check(f"N={n} d={dd} M={m}: every part holds <= R = {R} roots (max over all parts {best.value}, exact)",
                    best.optimal and best.value <= R and dom <= 2 * m and minimum <= 2 * m and c.ok
                    and c.roots == best.value,
                    f"slack {slack}; extremal part: min dominator {dom}, |Min| {minimum}, classes a/b/c = {c.by_dominator}/{c.by_minimum}/{c.by_rows}, {best.seconds:.2f} s")  # fmt: skip
    p.check("least slack R - max roots over the instances", least is not None and least >= 0, f"{least}")


def strategies(p: Proof, greedy=GREEDY, flash=FLASH, optima=EXACT_ATTENTION, walks=WALKS) -> None:
    """Lemma 3.3's classes on the parts of normalised strategies, and the control."""
    runs = []
    for n, dd, m in greedy:
        G = attention_dag(n, dd)
        runs.append((f"greedy N={n} d={dd} M={m}", G, greedy_strategy(G, m), dd, m))
    for n, dd, m in flash:
        for alg, sim in schedules(n, dd, m, algorithms=("flash1", "flash2")).items():
            runs.append((f"{alg} N={n} d={dd} M={m}", sim.graph, sim.moves.decode(), dd, m))
    for n, dd, m in optima:
        G = attention_dag(n, dd)
        ex = exact(G, m)
        if ex.optimal and ex.strategy is not None:
            runs.append((f"optimal (search) N={n} d={dd} M={m} Q={ex.lower}", G, ex.strategy, dd, m))
    for n, dd, m in walks:
        G = attention_dag(n, dd)
        for seed in range(3):
            runs.append((f"random walk {seed} N={n} d={dd} M={m}", G, random_strategy(G, m, seed=seed), dd, m))
    rejected = 0
    for label, G, s, dd, m in runs:
        s = normalize(G, s, memory=m)
        segs = segments(s, m)
        counts = count_roots(G, segs, dd, m)
        worst = max(c.roots for c in counts)
        bad = sum(c.unexplained for c in counts)
        p.check(
            f"{label}: every root is of class (a), (b) or (c); (c) <= I J; roots per part <= R",
            bad == 0 and all(c.ok and c.bound == explicit.roots_per_part(dd, m) for c in counts)
            and sum(c.roots for c in counts) == len(roots_of(G)),
            f"max roots/part {worst} <= R={counts[0].bound:g} ({worst / counts[0].bound:.0%} of R)",
        )
        if label.startswith("flash2"):
            cut = count_roots(G, [drop_rows(sg) for sg in segs], dd, m)
            rejected += sum(c.unexplained for c in cut)
    p.check("control: FlashAttention-2 parts with the K rows removed from D leave class (c) roots unexplained",
            rejected > 0, f"{rejected} roots rejected")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
