"""Finite-field facts behind Section 4: Vandermonde and BCH independence, output counts.

* Lemma 4.7: an ``N x d`` Vandermonde matrix over F_q (``q`` prime, distinct points)
  has every ``d`` rows linearly independent.
* Lemmas 4.9-4.11 (binary case): the transpose ``K = H^T`` of the parity-check matrix
  ``H`` of the binary BCH code of length ``n = 2^m - 1`` and designed distance
  ``2t + 1`` is ``n x mt`` and has every ``2t`` rows linearly independent over F_2
  (``2t = 2d / log2(N + 1)`` with ``d = mt``).
* Lemma 4.6: with K fixed, the number of distinct values of the entries ``I`` of
  ``Q K^T`` as Q ranges over F_q^(N x d) is ``q ** sum_i rank(K[I_i])``; with every ``d``
  rows of K independent that is ``q ** sum_i min(d, |I_i|)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "rank_mod_p",
    "vandermonde",
    "dependent_rows",
    "bch_parity_check_transpose",
    "rank_gf2",
    "dependent_rows_gf2",
    "distinct_outputs",
    "all_products",
    "rank_formula",
    "lemma_4_6_bound",
    "shortened_bch",
    "PRIMITIVE_POLYNOMIALS",
]

#: Primitive polynomials over F_2 (bit i = coefficient of x^i) for GF(2^m).
PRIMITIVE_POLYNOMIALS = {2: 0b111, 3: 0b1011, 4: 0b10011, 5: 0b100101, 6: 0b1000011}


def rank_mod_p(rows: Sequence[Sequence[int]], p: int) -> int:
    """Rank of an integer matrix over F_p (p prime), by Gaussian elimination."""
    A = [[x % p for x in r] for r in rows]
    rank, ncols = 0, len(A[0]) if A else 0
    for c in range(ncols):
        piv = next((i for i in range(rank, len(A)) if A[i][c]), None)
        if piv is None:
            continue
        A[rank], A[piv] = A[piv], A[rank]
        inv = pow(A[rank][c], p - 2, p)
        A[rank] = [x * inv % p for x in A[rank]]
        for i in range(len(A)):
            if i != rank and A[i][c]:
                f = A[i][c]
                A[i] = [(x - f * y) % p for x, y in zip(A[i], A[rank], strict=True)]
        rank += 1
    return rank


def vandermonde(n: int, d: int, q: int, points: Iterable[int] | None = None) -> list[list[int]]:
    """Rows ``(1, x, x^2, ..., x^(d-1))`` mod q for the points (default 0..n-1)."""
    pts = list(range(n)) if points is None else list(points)
    return [[pow(x, e, q) for e in range(d)] for x in pts]


def dependent_rows(K: Sequence[Sequence[int]], r: int, q: int) -> tuple[int, ...] | None:
    """A set of ``r`` rows of K that is dependent over F_q, or None if every r are independent."""
    for rows in itertools.combinations(range(len(K)), r):
        if rank_mod_p([K[i] for i in rows], q) < r:
            return rows
    return None


def _gf_mul(a: int, b: int, m: int, poly: int) -> int:
    out = 0
    while b:
        if b & 1:
            out ^= a
        b >>= 1
        a <<= 1
        if a >> m & 1:
            a ^= poly
    return out


def bch_parity_check_transpose(m: int, t: int) -> list[int]:
    """``K = H^T`` for the binary BCH code of length ``2^m - 1``, designed distance ``2t+1``.

    Row ``i`` of K (for ``i = 0..2^m - 2``) is column ``i`` of H: the field elements
    ``alpha^i, alpha^(3i), ..., alpha^((2t-1) i)`` of GF(2^m), each written as ``m``
    bits, packed into one integer of ``m t`` bits.
    """
    poly = PRIMITIVE_POLYNOMIALS[m]
    n = (1 << m) - 1
    powers = [1]
    for _ in range(n - 1):
        powers.append(_gf_mul(powers[-1], 2, m, poly))
    rows = []
    for i in range(n):
        word = 0
        for s in range(t):
            word |= powers[((2 * s + 1) * i) % n] << (m * s)
        rows.append(word)
    return rows


def shortened_bch(n: int, d: int) -> tuple[list[int], int, int]:
    """The binary K of Theorem 4.14 for any ``N``: the first ``n`` rows of the BCH ``K = H^T`` of
    length ``2^m - 1``, ``m = ceil(log2(n + 1))``, ``t = floor(d / m)`` (``m t <= d`` columns;
    the other ``d - m t`` columns of K are zero).

    Shortening keeps rows, so every ``2t`` rows stay independent (Lemmas 4.9-4.11) when
    they are for the full code; :func:`dependent_rows_gf2` checks it.

    Returns
    -------
    (list of int, int, int)
        The bit-packed rows, ``m`` and ``t``.

    Raises
    ------
    KeyError
        If ``m`` has no entry in :data:`PRIMITIVE_POLYNOMIALS` (``n > 63``).
    """
    m = max(2, (n).bit_length())  # ceil(log2(n + 1)); GF(2^m) needs m >= 2 here
    t = d // m
    if t == 0:
        return [0] * n, m, 0
    return bch_parity_check_transpose(m, t)[:n], m, t


def rank_gf2(rows: Iterable[int]) -> int:
    """Rank over F_2 of bit-packed rows."""
    basis: list[int] = []
    for r in rows:
        for b in basis:
            r = min(r, r ^ b)
        if r:
            basis.append(r)
    return len(basis)


def dependent_rows_gf2(K: Sequence[int], r: int) -> tuple[int, ...] | None:
    """A dependent set of ``r`` bit-packed rows over F_2, or None."""
    for rows in itertools.combinations(range(len(K)), r):
        if rank_gf2(K[i] for i in rows) < r:
            return rows
    return None


def all_products(K: Sequence[Sequence[int]], n: int, q: int) -> np.ndarray:
    """``Q K^T mod q`` for every Q in F_q^(n x d): an array of shape (q^(nd), n, len(K))."""
    d = len(K[0])
    Kt = np.array(K, dtype=np.int64).T % q  # d x N
    digits = np.array(list(itertools.product(range(q), repeat=n * d)), dtype=np.int64)
    return np.einsum("aid,dj->aij", digits.reshape(-1, n, d), Kt) % q


def distinct_outputs(
    K: Sequence[Sequence[int]],
    entries: Sequence[tuple[int, int]],
    n: int,
    q: int,
    products: np.ndarray | None = None,
) -> int:
    """Number of distinct values of ``(Q K^T)[entries]`` over all Q in F_q^(n x d), exhaustively.

    ``products`` (from :func:`all_products`) saves recomputing them for many entry sets.
    """
    S = all_products(K, n, q) if products is None else products
    codes = np.zeros(S.shape[0], dtype=np.int64)
    for i, j in entries:
        codes = codes * q + S[:, i, j]
    return int(np.unique(codes).size)


def rank_formula(K: Sequence[Sequence[int]], entries: Sequence[tuple[int, int]], q: int) -> int:
    """``sum_i rank(K[I_i])`` over F_q: log_q of :func:`distinct_outputs`."""
    rows: dict[int, list[int]] = {}
    for i, j in entries:
        rows.setdefault(i, []).append(j)
    return sum(rank_mod_p([K[j] for j in js], q) for js in rows.values())


def lemma_4_6_bound(d: int, b: int) -> float:
    """``min(d sqrt(B/2), B/4)``: Lemma 4.6's lower bound on the message, in words."""
    return min(d * (b / 2) ** 0.5, b / 4)
