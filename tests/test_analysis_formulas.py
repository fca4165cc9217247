"""The explicit bounds equal their derivations' formulas (rebuilt in sympy), and a changed
constant in ``explicit.py`` is caught even where the bound stays valid."""

from __future__ import annotations

import pytest

from redblue.analysis.formulas import check_explicit, derived, formula
from redblue.bounds import explicit
from redblue.bounds.proof import Proof


def test_every_explicit_bound_matches_its_derivation():
    # derived from scratch: the caches would hide a changed derivation from a test run in
    # a process that derived them before (as mutmut's workers are, forked after a run)
    derived.cache_clear()
    formula.cache_clear()
    p = Proof("t", "t", "t")
    assert check_explicit(p, list(derived()))
    assert p.ok and len(p.steps) == len(derived()) == len(explicit.__all__) - 1  # not attention()


def test_exact_evaluation_where_floats_would_round():
    # floor(sqrt(2 M^3)) is exactly 1372 at M = 98 (2 * 98^3 = 1372^2)
    assert formula("matmul_products_per_part")(98) == 1372 == explicit.matmul_products_per_part(98)
    assert formula("bch_independent_rows")(7, 6) == 4 and formula("bch_independent_rows")(8, 6) == 2


@pytest.mark.parametrize("name,wrong", [
    ("matmul_products_per_part", lambda m, f=explicit.matmul_products_per_part: 2 * f(m)),
    ("small_cache", lambda n, d, m: explicit.matmul(n, d, n, m)),  # the N^2 term dropped
    ("bch_independent_rows", lambda n, d, f=explicit.bch_independent_rows: 2 * f(n, d)),
    ("roots_per_part", lambda d, m: 10**9),
    ("large_cache", lambda n, d, m, f=explicit.large_cache: 10 * f(n, d, m)),
])  # fmt: skip
def test_a_changed_constant_is_caught(monkeypatch, name, wrong):
    monkeypatch.setattr(explicit, name, wrong)
    p = Proof("t", "t", "t")
    assert not check_explicit(p, [name])
