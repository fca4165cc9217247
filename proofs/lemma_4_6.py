# ruff: noqa: E501, E741
"""Lemma 4.6: over F_q (q > N), computing a set I of B entries of QK^T from a message
needs at least min(d sqrt(B/2), B/4) log q bits.

Derivation. Let L_R be the rows of I holding >= d entries, S_R the entries in the other
rows (L_C, S_C likewise for columns). Fix K Vandermonde (any d rows independent, Lemma
4.7): row i's entries take q^min(d, |I_i|) values as row i of Q varies, so the entries take
q^(d |L_R| + |S_R|) values; symmetrically q^(d |L_C| + |S_C|) with Q fixed. If
max(|L_R|, |L_C|) >= sqrt(B/2) the message needs >= d sqrt(B/2) words. Otherwise at most
|L_R| |L_C| < B/2 entries lie in L_R x L_C, so |S_R| + |S_C| >= B/2 and one of them is
>= B/4. Checked exhaustively: the number of distinct outputs (enumerating every Q) equals
q^(sum_i rank K[I_i]), and the bound holds for every entry set I of small N, d.
"""

import itertools
import math

from redblue.analysis.fields import (
    all_products,
    distinct_outputs,
    lemma_4_6_bound,
    rank_formula,
    vandermonde,
)
from redblue.bounds.proof import Proof, script_main

TITLE = "Lemma 4.6"
CLAIM = "log_q #outputs >= min(d sqrt(B/2), B/4) for every set I of B entries (best of K or Q fixed)"
REGIME = ("q > N",)


def rows_cols(entries, d):
    rows, cols = {}, {}
    for i, j in entries:
        rows[i] = rows.get(i, 0) + 1
        cols[j] = cols.get(j, 0) + 1
    return sum(min(d, c) for c in rows.values()), sum(min(d, c) for c in cols.values())


def run(p: Proof) -> None:
    # exhaustive distinct-output counts, every Q enumerated
    for q, n, d in [(5, 3, 1), (5, 3, 2), (3, 2, 2)]:
        K = vandermonde(n, d, q)
        products = all_products(K, n, q)
        cells = [(i, j) for i in range(n) for j in range(n)]
        ok, tried = True, 0
        for size in range(1, len(cells) + 1):
            for entries in itertools.combinations(cells, size):
                tried += 1
                count = distinct_outputs(K, entries, n, q, products)
                ok &= count == q ** rank_formula(K, entries, q)
                ok &= rank_formula(K, entries, q) == rows_cols(entries, d)[0]
        p.check(f"q={q} N={n} d={d}: #outputs = q^(sum_i min(d, |I_i|)) on {tried} entry sets (all Q enumerated)", ok)
    # the bound itself, over every entry set of small grids (by the verified count formula)
    for n, d in [(3, 1), (3, 2), (4, 2)]:
        cells = [(i, j) for i in range(n) for j in range(n)]
        worst = math.inf
        ok = True
        for mask in range(1, 1 << len(cells)):
            entries = [c for b, c in enumerate(cells) if mask >> b & 1]
            r, c = rows_cols(entries, d)
            slack = max(r, c) - lemma_4_6_bound(d, len(entries))
            worst = min(worst, slack)
            ok &= slack >= -1e-12
        p.check(f"N={n} d={d}: max(row rank, col rank) >= min(d sqrt(B/2), B/4) for all {2 ** (n * n) - 1} sets",
                ok, f"least slack {worst:.3f}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
