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
"""

import sympy

from redblue.analysis.instances import EXACT_MATMUL, exact
from redblue.analysis.partition import count_products, segments
from redblue.bounds import explicit
from redblue.bounds.proof import Proof, script_main
from redblue.dags import matmul_dag
from redblue.game import replay
from redblue.strategies import greedy_strategy

TITLE = "Lemma 3.6"
CLAIM = "standard m x k x n matmul: Q >= M (ceil(mkn / max(2M, isqrt(2M^3))) - 1) >= mkn/sqrt(2M) - M"
REGIME = ("M >= 2",)


def run(p: Proof) -> None:
    a, b, t, Mm, m, k, n = sympy.symbols("a b t M m k n", positive=True)
    u = sympy.Symbol("u", nonnegative=True)
    p.nonneg("AM-GM: ((a+b)/2)^2 - a b >= 0 (so sqrt(ab 2M) <= (a+b)/2 sqrt(2M))", ((a + b) / 2) ** 2 - a * b)
    p.nonneg("M >= 2: (M sqrt(2M))^2 - (2M)^2 >= 0, so M sqrt(2M) >= 2M",
             sympy.expand((Mm * sympy.sqrt(2 * Mm)) ** 2) - (2 * Mm) ** 2, {Mm: 2 + u})  # fmt: skip
    p.identity("M * mkn / (M sqrt(2M)) = mkn / sqrt(2M)", Mm * m * k * n / (Mm * sympy.sqrt(2 * Mm)), m * k * n / sympy.sqrt(2 * Mm))
    p.asymptotic("explicit main term = Theta(mkn / sqrt(M))", m * k * n / sympy.sqrt(2 * Mm), m * k * n / sympy.sqrt(Mm), "Theta")
    runs = []
    for mm, kk, nn, M in [(4, 4, 4, 8), (3, 6, 3, 6), (4, 8, 4, 16), (6, 6, 6, 12)]:
        G = matmul_dag(mm, kk, nn)
        runs.append((f"greedy {mm}x{kk}x{nn} M={M}", G, greedy_strategy(G, M), M, mm * kk * nn))
    try:
        from redblue.game import compile_graph
        from redblue.strategies import matmul_moves

        for mm, kk, nn, M in [(4, 4, 4, 12), (6, 6, 6, 16), (8, 4, 8, 20)]:
            G = matmul_dag(mm, kk, nn, sum="chain")
            mv = matmul_moves(compile_graph(G), mm, kk, nn, M, sum="chain")
            runs.append((f"tiled {mm}x{kk}x{nn} M={M}", G, mv, M, mm * kk * nn))
    except ImportError:
        p.note("tiled matmul schedule not available; greedy only")
    for mm, kk, nn, M in EXACT_MATMUL:
        G = matmul_dag(mm, kk, nn)
        ex = exact(G, M)
        if ex.optimal and ex.strategy is not None:
            runs.append((f"optimal {mm}x{kk}x{nn} M={M}", G, ex.strategy, M, mm * kk * nn))
    for label, G, s, M, total in runs:
        io = replay(getattr(s, "graph", G), s, memory=M).io
        pcs = count_products(G, segments(s, M), M)
        lb = explicit.matmul(*label_dims(label), M)
        p.check(f"{label}: every part obeys the Loomis-Whitney count; explicit {lb} <= io {io}",
                all(c.ok for c in pcs) and sum(c.products for c in pcs) == total and lb <= io,
                f"max products/part {max(c.products for c in pcs)} <= {pcs[0].bound}")  # fmt: skip
    for mm, kk, nn, M in EXACT_MATMUL:
        ex = exact(matmul_dag(mm, kk, nn), M)
        lb = explicit.matmul(mm, kk, nn, M)
        triv = explicit.trivial_matmul(mm, kk, nn)
        p.check(f"{mm}x{kk}x{nn} M={M}: explicit {lb}, trivial {triv} <= Q = {ex.lower}..{ex.upper} ({ex.method})",
                max(lb, triv) <= (ex.lower if ex.optimal else ex.upper))  # fmt: skip
        tiled = tiled_io(mm, kk, nn, M) if kk <= 2 else None  # chain = tree for k <= 2
        if tiled is not None:
            p.check(f"{mm}x{kk}x{nn} M={M}: Q = {ex.lower} <= tiled schedule io {tiled}", ex.lower <= tiled)


def tiled_io(m: int, k: int, n: int, memory: int) -> int | None:
    """I/O of the tiled matmul schedule (verified by replay), or None if it cannot run."""
    try:
        from redblue.game import compile_graph
        from redblue.strategies import matmul_moves

        graph = compile_graph(matmul_dag(m, k, n, sum="chain"))
        return replay(graph, matmul_moves(graph, m, k, n, memory, sum="chain"), memory=memory).io
    except Exception:  # noqa: BLE001 - too little memory for the schedule, or no schedule
        return None


def label_dims(label: str) -> tuple[int, int, int]:
    return tuple(int(x) for x in label.split()[1].split("x"))


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
