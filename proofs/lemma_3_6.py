# ruff: noqa: E501, E741
"""Lemma 3.6 (Hong-Kung Cor. 6.2): m x k times k x n standard matmul needs
Omega(mkn / sqrt(M)) I/O, here with explicit constants: Q >= mkn / sqrt(2M) - M (M >= 2).

Derivation, for one part of a 2M-partition (|D| <= 2M, |Min| <= 2M). Every tree vertex has
one successor and the roots C[i,j] are sinks, so a tree with a product in the part holds
a minimum vertex of the part (the last vertex of the path to the root that lies in the
part): at most 2M trees. A product AB[i,j,l] not in D has A[i,l] and B[l,j] in D. By
Loomis-Whitney those products number at most sqrt(|D_A| |D_B| 2M) <= (|D_A| + |D_B|)/2 *
sqrt(2M). Adding the |D_T| products in D, with |D_A| + |D_B| + |D_T| <= 2M (a linear
function of |D_T|, maximal at an end): at most max(2M, M sqrt(2M)) = M sqrt(2M) for M >= 2
products per part. So P(G, 2M) >= mkn / (M sqrt(2M)) and Q >= M (P - 1) >= mkn/sqrt(2M) - M.

Checked: explicit.matmul_products_per_part and explicit.matmul equal the formulas rebuilt
from the derivation; the per-part count over *every* part (the exact maximum of products
in a vertex set with dominator and minimum sets of <= 2M, by an integer program,
certified by a minimum vertex cut; it meets the bound at M = 2, 3 and 8); the Loomis-
Whitney steps on the parts of normalised strategies; the bound against the tiled matmul
schedule, replayed (up to 16 x 16 x 16) and counted (up to 1024^3), where it is non-zero.
"""

import sympy

from redblue.analysis.bound_grid import check_bound_on_grid
from redblue.analysis.extremal import certify, max_part
from redblue.analysis.formulas import check_explicit
from redblue.analysis.instances import EXACT_MATMUL, exact
from redblue.analysis.measures import (
    MATMUL_COUNTER_POINTS,
    MATMUL_REPLAY_POINTS,
    matmul_counted,
    matmul_replayed,
)
from redblue.analysis.normalize import normalize
from redblue.analysis.partition import Segment, count_products, segments
from redblue.analysis.walks import random_strategy
from redblue.bounds import explicit
from redblue.bounds.proof import Proof, script_main
from redblue.dags import matmul_dag
from redblue.game import compile_graph, replay
from redblue.strategies import greedy_strategy, matmul_moves

TITLE = "Lemma 3.6"
CLAIM = "standard m x k x n matmul: Q >= M (ceil(mkn / max(2M, isqrt(2M^3))) - 1) >= mkn/sqrt(2M) - M"
REGIME = ("M >= 2",)

#: (m, k, n, memories) for the part program (about a second in all)
EXTREMAL = ((2, 2, 2, (1, 2, 3)), (3, 3, 3, (2, 3, 4, 6)), (4, 2, 4, (2, 8)))
#: the strategies' instances (m, k, n, M): greedy, tiled (chain sums), random walks on
#: 3 x 2 x 3 with M = 4 (these seeds), besides the exact optima of EXACT_MATMUL
GREEDY = ((4, 4, 4, 8), (3, 6, 3, 6), (4, 8, 4, 16), (6, 6, 6, 12))
TILED = ((4, 4, 4, 12), (6, 6, 6, 16), (8, 4, 8, 20))
SEEDS = (0, 1, 2)
#: what ``redblue prove`` checks, and a smaller run of about a second that the tests pin
#: (tests/test_proofs_scripts.py): the same steps on fewer instances, no search, the
#: explicit bounds at small points and the schedules on the smallest replayed points
FULL = {"points": None, "extremal": EXTREMAL, "greedy": GREEDY, "tiled": TILED, "exact": EXACT_MATMUL,
        "seeds": SEEDS, "replayed": MATMUL_REPLAY_POINTS, "counted": MATMUL_COUNTER_POINTS}  # fmt: skip
SMALL = {"points": [(a, b, c, m) for a in (1, 3) for b in (2, 5) for c in (1, 4) for m in (1, 2, 3, 8, 18, 98)],
         "extremal": ((2, 2, 2, (1, 2, 3)), (4, 2, 4, (8,))), "greedy": GREEDY[:1], "tiled": TILED[:1],
         "exact": (), "seeds": SEEDS[:1], "replayed": MATMUL_REPLAY_POINTS[:8],
         "counted": MATMUL_COUNTER_POINTS[::100]}  # fmt: skip


def closed_form(m: int, k: int, n: int, mem: int) -> float:
    return m * k * n / (2 * mem) ** 0.5 - mem if mem >= 2 else 0


def run(p: Proof, small: bool = False) -> None:
    """Every step on the instances of :data:`FULL` (:data:`SMALL` if ``small``)."""
    cases = SMALL if small else FULL
    a, b, t, Mm, m, k, n = sympy.symbols("a b t M m k n", positive=True)
    u = sympy.Symbol("u", nonnegative=True)
    p.nonneg("AM-GM: ((a+b)/2)^2 - a b >= 0 (so sqrt(ab 2M) <= (a+b)/2 sqrt(2M))", ((a + b) / 2) ** 2 - a * b)
    p.nonneg("M >= 2: (M sqrt(2M))^2 - (2M)^2 >= 0, so M sqrt(2M) >= 2M",
             sympy.expand((Mm * sympy.sqrt(2 * Mm)) ** 2) - (2 * Mm) ** 2, {Mm: 2 + u})  # fmt: skip
    p.identity("M * mkn / (M sqrt(2M)) = mkn / sqrt(2M)", Mm * m * k * n / (Mm * sympy.sqrt(2 * Mm)), m * k * n / sympy.sqrt(2 * Mm))
    p.asymptotic("explicit main term = Theta(mkn / sqrt(M))", m * k * n / sympy.sqrt(2 * Mm), m * k * n / sympy.sqrt(Mm), "Theta")
    check_explicit(p, ["matmul_products_per_part", "matmul", "trivial_matmul"], cases["points"])
    extremal(p, cases["extremal"])
    strategies(p, cases["greedy"], cases["tiled"], cases["exact"], cases["seeds"])
    schedules(p, cases["replayed"], cases["counted"])


def schedules(p: Proof, replayed=MATMUL_REPLAY_POINTS, counted=MATMUL_COUNTER_POINTS) -> None:
    """The bound against the tiled schedule, replayed and counted, and the closed form."""
    check_bound_on_grid(p, "explicit.matmul", explicit.matmul, replayed, matmul_replayed,
                        source="tiled matmul replayed")  # fmt: skip
    check_bound_on_grid(p, "explicit.matmul", explicit.matmul, counted, matmul_counted,
                        source="tiled matmul counter")  # fmt: skip
    check_bound_on_grid(p, "mkn/sqrt(2M) - M", closed_form, counted, explicit.matmul,
                        source="the ceil form")  # fmt: skip
    bad = [pt for pt in replayed if matmul_replayed(*pt) != matmul_counted(*pt)]
    p.check(f"tiled matmul counter = replayed I/O at {len(replayed)} points", not bad, f"{bad[:3]}")


def extremal(p: Proof, instances=EXTREMAL) -> None:
    """Products per part over every part: the exact maximum against the bound."""
    tight = lw_tight = 0
    for mm, kk, nn, memories in instances:
        G = matmul_dag(mm, kk, nn)
        products = [v for v in G if G.nodes[v].get("op") == "mul"]
        for mem in memories:
            best = max_part(G, mem, products, time_limit=20)
            dom, minimum = certify(G, best.part)
            bound = explicit.matmul_products_per_part(mem)
            tight += best.value == bound
            part = Segment(0, 0, 0, 0, loaded=set(best.dominator), part=set(best.part))
            (c,) = count_products(G, [part], mem)
            lw_tight += abs(c.lw_bound - c.products) < 1e-9
            p.check(f"{mm}x{kk}x{nn} M={mem}: every part holds <= {bound} products (max over all parts {best.value}, exact)",
                    best.optimal and best.value <= bound and dom <= 2 * mem and minimum <= 2 * mem and c.ok,
                    f"slack {bound - best.value}; extremal part: min dominator {dom}, |Min| {minimum}, Loomis-Whitney count {c.lw_bound:.3g}, {best.seconds:.2f} s")  # fmt: skip
    p.check("the per-part bound is attained (no slack) on some instances", tight > 0, f"{tight} instances")
    p.check("the Loomis-Whitney step is attained (products = |D_T| + sqrt(|D_A| |D_B| trees)) on some extremal part",
            lw_tight > 0, f"{lw_tight} parts")  # fmt: skip


def strategies(p: Proof, greedy=GREEDY, tiled=TILED, optima=EXACT_MATMUL, seeds=SEEDS) -> None:
    """The Loomis-Whitney steps on the parts of normalised strategies; the trivial bound."""
    runs = []
    for mm, kk, nn, M in greedy:
        G = matmul_dag(mm, kk, nn)
        runs.append((f"greedy {mm}x{kk}x{nn} M={M}", G, greedy_strategy(G, M), M, (mm, kk, nn)))
    for mm, kk, nn, M in tiled:
        G = matmul_dag(mm, kk, nn, sum="chain")
        mv = matmul_moves(compile_graph(G), mm, kk, nn, M, sum="chain").decode()
        runs.append((f"tiled {mm}x{kk}x{nn} M={M}", G, mv, M, (mm, kk, nn)))
    for mm, kk, nn, M in optima:
        G = matmul_dag(mm, kk, nn)
        ex = exact(G, M)
        if ex.optimal and ex.strategy is not None:
            runs.append((f"optimal {mm}x{kk}x{nn} M={M}", G, ex.strategy, M, (mm, kk, nn)))
    for seed in seeds:
        G = matmul_dag(3, 2, 3)
        runs.append((f"random walk {seed} 3x2x3 M=4", G, random_strategy(G, 4, seed=seed), 4, (3, 2, 3)))
    for label, G, s, M, dims in runs:
        io = replay(G, s, memory=M).io
        s = normalize(G, s, memory=M)
        pcs = count_products(G, segments(s, M), M)
        total = dims[0] * dims[1] * dims[2]
        lb = explicit.matmul(*dims, M)
        p.check(f"{label}: every part obeys the Loomis-Whitney count; explicit {lb} <= io {io}",
                all(c.ok and c.bound == explicit.matmul_products_per_part(M) for c in pcs)
                and sum(c.products for c in pcs) == total and lb <= io,
                f"max products/part {max(c.products for c in pcs)} <= {pcs[0].bound}")  # fmt: skip
    for mm, kk, nn, M in optima:
        ex = exact(matmul_dag(mm, kk, nn), M)
        triv = explicit.trivial_matmul(mm, kk, nn)
        p.check(f"{mm}x{kk}x{nn} M={M}: trivial {triv} <= Q = {ex.lower}..{ex.upper} ({ex.method})",
                triv <= (ex.lower if ex.optimal else ex.upper))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
