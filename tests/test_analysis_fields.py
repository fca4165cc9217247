"""Finite fields: Vandermonde and BCH independence, exhaustive output counts (Lemmas 4.6-4.11)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sympy import GF
from sympy.polys.matrices import DomainMatrix

from redblue.analysis.fields import (
    all_products,
    bch_parity_check_transpose,
    dependent_rows,
    dependent_rows_gf2,
    distinct_outputs,
    lemma_4_6_bound,
    rank_formula,
    rank_gf2,
    rank_mod_p,
    vandermonde,
)


@pytest.mark.parametrize("p", [2, 3, 5, 7])
def test_rank_mod_p_matches_sympy(p):
    rows = [[(3 * i + 5 * j * j + i * j) % 11 for j in range(4)] for i in range(5)]
    dm = DomainMatrix([[GF(p)(x) for x in r] for r in rows], (5, 4), GF(p))
    assert rank_mod_p(rows, p) == dm.rank()


def test_vandermonde_independent_and_hypothesis_needed():
    for q in (5, 7):
        for n in range(2, q):
            for d in range(1, n + 1):
                assert dependent_rows(vandermonde(n, d, q), d, q) is None
    assert dependent_rows(vandermonde(6, 2, 5), 2, 5) is not None  # N > q: points repeat
    # a non-Vandermonde matrix with dependent rows is caught
    assert dependent_rows([[1, 2], [2, 4], [0, 1]], 2, 7) == (0, 1)


def test_bch_rows():
    K = bch_parity_check_transpose(4, 2)
    assert len(K) == 15 and max(K) < 2**8
    assert dependent_rows_gf2(K, 4) is None
    assert dependent_rows_gf2(K, 5) is not None
    assert rank_gf2([0b101, 0b011, 0b110]) == 2


def test_distinct_outputs_equals_rank_formula():
    q, n, d = 5, 3, 2
    K = vandermonde(n, d, q)
    products = all_products(K, n, q)
    cells = [(i, j) for i in range(n) for j in range(n)]
    for entries in itertools.combinations(cells, 3):
        assert distinct_outputs(K, entries, n, q, products) == q ** rank_formula(K, entries, q)


def test_lemma_4_6_bound_values():
    assert lemma_4_6_bound(1, 8) == 2.0
    assert lemma_4_6_bound(4, 8) == 2.0
    assert lemma_4_6_bound(1, 2) == 0.5


def test_shortened_bch_rows_are_independent_as_explicit_says():
    import math

    from redblue.analysis.fields import shortened_bch
    from redblue.bounds import explicit

    tried = 0
    for n in range(2, 20):
        for d in range(1, 10):
            r = explicit.bch_independent_rows(n, d)
            K, m, t = shortened_bch(n, d)
            assert r == 2 * t and len(K) == n and max(K) < 2 ** max(1, m * t)
            k = min(r, n)
            if r and math.comb(n, k) <= 5000:
                tried += 1
                assert dependent_rows_gf2(K, k) is None, (n, d)
    assert tried > 50
    K, _, t = shortened_bch(7, 3)  # m = 3, t = 1: 4t = 4 rows of width 3 are dependent
    assert t == 1 and dependent_rows_gf2(K, 4 * t) is not None


def test_rank_mod_p_edge_cases():
    assert rank_mod_p([], 5) == 0
    # a zero column before a pivot: elimination goes on to the next column
    assert rank_mod_p([[0, 1, 0], [0, 2, 1], [0, 3, 1]], 5) == 2
    assert rank_mod_p([[0, 0], [0, 0]], 3) == 0


def test_vandermonde_reduces_mod_q_and_takes_points():
    assert vandermonde(3, 3, 2) == [[1, 0, 0], [1, 1, 1], [1, 0, 0]]  # 2 = 0 mod 2
    assert vandermonde(2, 3, 7, points=[3, 5]) == [[1, 3, 2], [1, 5, 4]]


def _x_power(k: int, m: int, poly: int) -> int:
    """x^k in GF(2^m) = F_2[x] / poly, by multiplying by x and reducing, k times."""
    v = 1
    for _ in range(k):
        v <<= 1
        if v >> m & 1:
            v ^= poly
    return v


def _clmul_mod(a: int, b: int, poly: int) -> int:
    """a * b in F_2[x] (carry-less), then reduced mod poly by long division."""
    prod = 0
    for i in range(b.bit_length()):
        if b >> i & 1:
            prod ^= a << i
    for shift in range(prod.bit_length() - poly.bit_length(), -1, -1):
        if prod >> (shift + poly.bit_length() - 1) & 1:
            prod ^= poly << shift
    return prod


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_bch_rows_are_powers_of_x_and_field_products_reduce(m):
    from redblue.analysis.fields import PRIMITIVE_POLYNOMIALS, _gf_mul

    poly, n = PRIMITIVE_POLYNOMIALS[m], (1 << m) - 1
    for a in range(1 << m):
        for b in range(1 << m):
            assert _gf_mul(a, b, m, poly) == _clmul_mod(a, b, poly)
    for t in (1, 2):
        K = bch_parity_check_transpose(m, t)
        assert len(K) == n
        for i in range(n):
            want = sum(_x_power((2 * s + 1) * i, m, poly) << (m * s) for s in range(t))
            assert K[i] == want


def test_shortened_bch_without_rows_of_the_code():
    from redblue.analysis.fields import shortened_bch

    assert shortened_bch(3, 1) == ([0, 0, 0], 2, 0)  # t = d // m = 0: K is zero
    K, m, t = shortened_bch(5, 6)
    assert (m, t) == (3, 2) and K == bch_parity_check_transpose(3, 2)[:5]


def test_distinct_outputs_without_and_with_products():
    q, n, d = 3, 2, 2
    K = vandermonde(n, d, q)
    entries = [(0, 0), (0, 1), (1, 0)]
    full = distinct_outputs(K, entries, n, q)
    assert full == q ** rank_formula(K, entries, q) == 27
    # given products are used as they are: only the first Q gives one value
    assert distinct_outputs(K, entries, n, q, all_products(K, n, q)[:1]) == 1
    assert distinct_outputs(K, [(1, 1)], n, q, all_products(K, n, q)) == 3


def test_lemma_4_6_bound_square_root_branch():
    assert lemma_4_6_bound(1, 32) == 4.0  # d sqrt(B/2) = 4 < B/4 = 8
    assert lemma_4_6_bound(2, 2) == 0.5


def test_distinct_outputs_are_counted_exactly_for_long_entry_lists():
    # 60 entries over F_2: the codes reach 2^60, beyond a float's 53 bits. Four rows of
    # products: zero, first entry 1, first and last 1, last 1: four distinct outputs
    S = np.zeros((4, 1, 60), dtype=np.int64)
    S[1, 0, 0] = S[2, 0, 0] = S[2, 0, 59] = S[3, 0, 59] = 1
    entries = [(0, j) for j in range(60)]
    assert distinct_outputs([[0]], entries, 1, 2, products=S) == 4
    assert distinct_outputs([[0]], entries[:1], 1, 2, products=S) == 2  # first entry only
