# ruff: noqa: E501, E741
"""Lemma 4.7: an N x d Vandermonde matrix over F_q (distinct points, q prime > N) has every
d rows linearly independent (their d x d Vandermonde determinant is prod (x_b - x_a) != 0).

Checked exhaustively over small fields; and the hypothesis matters: with N > q the points
repeat mod q and two rows coincide (the check must find a dependent set).
"""

import itertools

import sympy

from redblue.analysis.fields import dependent_rows, vandermonde
from redblue.bounds.proof import Proof, script_main

TITLE = "Lemma 4.7"
CLAIM = "every d rows of an N x d Vandermonde matrix over F_q (q > N) are independent"
REGIME = ("q > N",)


def run(p: Proof) -> None:
    xs = sympy.symbols("x0:3")
    V = sympy.Matrix([[x**e for e in range(3)] for x in xs])
    p.identity("det of a 3x3 Vandermonde = prod_{a<b} (x_b - x_a)", V.det(),
               sympy.prod([xs[b] - xs[a] for a, b in itertools.combinations(range(3), 2)]))  # fmt: skip
    for q in (5, 7, 11):
        pairs = []
        for n in range(2, q):
            for d in range(1, min(n, 4) + 1):
                pairs.append((n, d))
                bad = dependent_rows(vandermonde(n, d, q), d, q)
                if bad is not None:
                    p.check(f"q={q} N={n} d={d}: every d rows independent", False, f"rows {bad}")
        p.check(f"q={q}: every N < q, d <= min(N, 4): all d-subsets of rows independent "
                f"({len(pairs)} (N, d) pairs, N = {pairs[0][0]}..{pairs[-1][0]})", True)  # fmt: skip
    bad = dependent_rows(vandermonde(6, 2, 5), 2, 5)
    p.check("hypothesis needed: N=6 > q=5 gives dependent rows", bad is not None, f"rows {bad}")


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
