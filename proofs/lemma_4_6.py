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

import numpy as np

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


def ranks(grids: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """``sum_i min(d, |I_i|)`` over the rows and over the columns of each 0/1 grid.

    ``grids`` has shape (sets, N, N), one entry set a grid; returns the row and the column
    ranks (log_q of the outputs with K, or Q, Vandermonde and fixed), one value a set.
    """
    rows, cols = grids.sum(axis=2), grids.sum(axis=1)  # |I_i| of each row, of each column
    return np.minimum(rows, d).sum(axis=1), np.minimum(cols, d).sum(axis=1)


def rows_cols(entries, d):
    """:func:`ranks` of one entry set, given as a list of ``(i, j)``."""
    n = 1 + max((max(e) for e in entries), default=0)
    grid = np.zeros((1, n, n), dtype=np.int64)
    for i, j in entries:
        grid[0, i, j] = 1
    r, c = ranks(grid, d)
    return int(r[0]), int(c[0])


def every_set(n: int) -> np.ndarray:
    """Every non-empty entry set of an N x N grid, as 0/1 grids: bit b of mask is cell b."""
    masks = np.arange(1, 1 << (n * n), dtype=np.int64)
    return (masks[:, None] >> np.arange(n * n) & 1).reshape(-1, n, n)


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
        grids = every_set(n)
        r, c = ranks(grids, d)
        sizes = grids.sum(axis=(1, 2))
        # the bound depends on B = |I| only: one value a size, read off for every set
        bound = np.array([lemma_4_6_bound(d, b) for b in range(n * n + 1)])[sizes]
        slack = np.maximum(r, c) - bound
        worst = slack.min()
        p.check(f"N={n} d={d}: max(row rank, col rank) >= min(d sqrt(B/2), B/4) for all {len(grids)} sets",
                bool(worst >= -1e-12), f"least slack {worst:.3f}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
