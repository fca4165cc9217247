"""Each explicit bound of redblue.bounds.explicit rebuilt from its derivation by another route.

The module computes closed forms; these tests redo each derivation step by brute force over
the quantities the proof ranges over (the split of a dominator set, the epoch condition, the
DAG's own sources and sinks) and ask for the same integer, so a wrong constant, exponent or
off-by-one in either the closed form or the final ``M (ceil(.) - 1)`` step is caught.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import pytest

from redblue.bounds import explicit
from redblue.dags import attention_dag, matmul_dag

MEMORIES = range(1, 13)
DS = range(1, 7)


def _loads_and_stores(g) -> int:
    """Inputs with a successor (each loaded once) plus sinks (each stored once)."""
    return sum(1 for v in g if g.in_degree(v) == 0 and g.out_degree(v) > 0) + sum(
        1 for v in g if g.out_degree(v) == 0
    )


@pytest.mark.parametrize("n,d", [(1, 1), (2, 1), (2, 3), (3, 2)])
def test_trivial_attention_counts_inputs_and_outputs_of_the_dag(n, d):
    assert explicit.trivial_attention(n, d) == _loads_and_stores(attention_dag(n, d))


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (2, 3, 4), (3, 1, 2), (4, 2, 1)])
def test_trivial_matmul_counts_inputs_and_outputs_of_the_dag(m, k, n):
    assert explicit.trivial_matmul(m, k, n) == _loads_and_stores(matmul_dag(m, k, n))


def _roots_by_split(d: int, memory: int) -> int:
    # Lemma 3.3's count maximised over the split |D_in| = x, |D_T| <= 2M - x of the
    # dominator: (2M - x) tree dominators + 2M minimum vertices + IJ with (I + J) d <= x,
    # IJ <= x^2 / (4 d^2). Convex in x, so the integer grid holds the real maximum.
    best = max(Fraction(4 * memory - x) + Fraction(x * x, 4 * d * d)
               for x in range(2 * memory + 1))  # fmt: skip
    return math.floor(best)


@pytest.mark.parametrize("d", DS)
def test_roots_per_part_is_the_maximum_over_dominator_splits(d):
    for memory in MEMORIES:
        assert explicit.roots_per_part(d, memory) == _roots_by_split(d, memory), (d, memory)


def test_roots_per_part_reached_by_integer_rows_when_d_divides_m():
    # with d | M the relaxation IJ <= x^2/(4d^2) is met by I = J = M/d rows at x = 2M
    for d in DS:
        for memory in range(d, 4 * d * d + 1, d):
            i = j = memory // d
            assert explicit.roots_per_part(d, memory) == max(4 * memory, 2 * memory + i * j)


def _products_by_split(memory: int) -> int:
    # |D_T| = t products in D, the rest with both operands in D: Loomis-Whitney gives at
    # most sqrt(|D_A| |D_B| 2M) of them; maximised over a + b + t = 2M (or 2M trees)
    return max(2 * memory, max(2 * memory - a - b + math.isqrt(2 * memory * a * b)
                               for a in range(2 * memory + 1)
                               for b in range(2 * memory + 1 - a)))  # fmt: skip


def test_matmul_products_per_part_is_the_maximum_over_dominator_splits():
    for memory in MEMORIES:
        assert explicit.matmul_products_per_part(memory) == _products_by_split(memory), memory


@functools.cache
def _entries_by_epoch_condition(d: int, memory: int) -> int:
    # Lemma 4.6: an epoch computes B entries only if min(d sqrt(B/2), B/4) <= 2M; the
    # largest such B, found by walking B up (the condition is downward closed)
    def possible(b: int) -> bool:
        return d * d * b <= 8 * memory * memory or b <= 8 * memory

    b = 0
    while possible(b + 1):
        b += 1
    return b


@pytest.mark.parametrize("d", DS)
def test_entries_per_epoch_is_the_largest_b_lemma_4_6_allows(d):
    for memory in MEMORIES:
        assert explicit.entries_per_epoch(d, memory) == _entries_by_epoch_condition(d, memory)


def _hong_kung(total: int, per_part: int, memory: int) -> int:
    # Lemma 2.8: a schedule with Q I/Os gives a 2M-partition into ceil(Q/M)... parts, so
    # Q >= M (P - 1) with P >= the fewest parts of size per_part covering total
    parts = 0
    while parts * per_part < total:
        parts += 1
    return memory * (parts - 1) if parts else 0


@pytest.mark.parametrize("d", [1, 2, 3])
def test_attention_bounds_are_hong_kung_over_the_rebuilt_part_sizes(d):
    for n in range(0, 9):
        for memory in MEMORIES:
            assert explicit.large_cache(n, d, memory) == _hong_kung(
                n * n, _roots_by_split(d, memory), memory)  # fmt: skip
            assert explicit.any_algorithm(n, d, memory) == _hong_kung(
                n * n, _entries_by_epoch_condition(d, memory), memory)  # fmt: skip
            mm = _hong_kung(n * d * n, _products_by_split(memory), memory)
            assert explicit.matmul(n, d, n, memory) == mm
            assert explicit.small_cache(n, d, memory) == max(0, mm - n * n)


def test_matmul_bound_is_hong_kung_over_loomis_whitney_parts():
    for m, k, n in [(1, 1, 1), (2, 3, 4), (5, 2, 3), (6, 6, 6)]:
        for memory in MEMORIES:
            assert explicit.matmul(m, k, n, memory) == _hong_kung(
                m * k * n, _products_by_split(memory), memory)  # fmt: skip


def test_bch_independent_rows_from_the_code_length():
    # m = ceil(log2(n + 1)) is the bit length of n (the BCH code over F_2^m has length
    # 2^m - 1 >= n); t = floor(d / m) correctable errors give 2t independent rows
    for n in range(0, 70):
        m = max(1, n.bit_length())
        assert 2**m - 1 >= n and (m == 1 or 2 ** (m - 1) - 1 < n)
        for d in range(0, 20):
            assert explicit.bch_independent_rows(n, d) == 2 * (d // m), (n, d)


def test_binary_bound_is_lemma_4_6_with_r_rows_in_place_of_d():
    for n in range(1, 40, 3):
        for d in range(1, 16):
            r = 2 * (d // max(1, n.bit_length()))
            for memory in (1, 2, 3, 5, 8, 32):
                got = explicit.any_algorithm_binary(n, d, memory)
                if r == 0:  # no independent rows: the theorem says nothing
                    assert got == 0
                else:
                    assert got == _hong_kung(n * n, _entries_by_epoch_condition(r, memory), memory)


def test_attention_picks_the_largest_named_bound():
    named = {"trivial": lambda n, d, m: explicit.trivial_attention(n, d),
             "large-cache": explicit.large_cache, "small-cache": explicit.small_cache,
             "any-algorithm": explicit.any_algorithm}  # fmt: skip
    seen = set()
    for n in (1, 2, 4, 16, 64, 256):
        for d in (1, 2, 4, 8):
            for memory in (1, 2, 4, 16, 64, 256):
                value, name = explicit.attention(n, d, memory)
                assert value == max(f(n, d, memory) for f in named.values())
                assert named[name](n, d, memory) == value
                seen.add(name)
    # any-algorithm never wins: its epoch size B* = max(8M^2/d^2, 8M) is at least the part
    # size R = 2M + max(2M, M^2/d^2), so large-cache (first on ties) is never below it
    assert seen == set(named) - {"any-algorithm"}


def test_large_cache_dominates_the_any_algorithm_bound():
    for d in DS:
        for memory in MEMORIES:
            assert explicit.roots_per_part(d, memory) <= explicit.entries_per_epoch(d, memory)
            for n in (1, 3, 10, 40):
                assert explicit.large_cache(n, d, memory) >= explicit.any_algorithm(n, d, memory)
