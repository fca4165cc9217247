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


def test_the_default_points_of_per_part_counts_are_dense():
    # every d <= 10 and M <= 150 for the counts of (d, M) (or M alone), with the
    # attention grid's (d, M); the bounds of (N, d, M) and (m, k, n, M) take their grids
    from redblue.analysis.formulas import ATTENTION_POINTS, MATMUL_POINTS, _coords, _default_points

    small = {(dd, mm) for dd in range(1, 11) for mm in range(1, 151)}
    grid = {(dd, mm) for _, dd, mm in ATTENTION_POINTS}
    for name in ("roots_per_part", "entries_per_epoch"):
        assert {(dd, mm) for _, dd, mm in _default_points(name)} == small | grid
    assert {mm for _, _, mm in _default_points("matmul_products_per_part")} == {
        mm for _, mm in small | grid}  # fmt: skip
    assert _coords("roots_per_part", (5, 2, 3)) == (2, 3)
    assert _coords("matmul", (1, 2, 3, 4)) == (1, 2, 3, 4)
    assert _default_points("large_cache") == list(ATTENTION_POINTS)
    assert _default_points("matmul") == list(MATMUL_POINTS)


def test_given_points_are_compared_once_each():
    # (1, 2, 3) and (5, 2, 3) are the same (d, M) = (2, 3): two points, not three
    p = Proof("t", "t", "t")
    assert check_explicit(p, ["roots_per_part"], points=[(1, 2, 3), (5, 2, 3), (1, 2, 4)])
    (step,) = p.steps
    assert step.ok and step.text == "explicit.roots_per_part = its derivation's formula at 2 points"
    assert step.detail == "2*M + floor(Max(2*M, M**2/d**2))"  # the rebuilt formula
    p = Proof("t", "t", "t")
    assert check_explicit(p, ["any_algorithm_binary"], points=[(8, 6, 5)])
    assert p.steps[0].detail == str(derived()["any_algorithm_binary"][1])[:90]
    assert len(p.steps[0].detail) == 90


def test_a_wrong_bound_fails_however_many_others_pass(monkeypatch):
    # Lemma 3.3's count 2M + max(2M, M^2/d^2) by hand: 12 at (d, M) = (2, 3), 16 at (2, 4),
    # 20 at (2, 5); a bound answering 0 fails there, and the step names the first two
    monkeypatch.setattr(explicit, "roots_per_part", lambda d, m: 0)
    p = Proof("t", "t", "t")
    points = [(1, 2, 3), (1, 2, 4), (1, 2, 5)]
    assert not check_explicit(p, ["roots_per_part", "matmul_products_per_part"], points)
    bad, good = p.steps
    assert not bad.ok and good.ok
    assert bad.detail == ("roots_per_part(2, 3): derivation 12, explicit.py 0; "
                          "roots_per_part(2, 4): derivation 16, explicit.py 0")  # fmt: skip
    assert not check_explicit(Proof("t", "t", "t"), ["roots_per_part"], [])  # nothing compared


def test_the_exact_printer_writes_sympy_calls():
    import sympy

    from redblue.analysis.formulas import SYMBOLS, _ExactPrinter

    M, d = SYMBOLS["M"], SYMBOLS["d"]
    printer = _ExactPrinter()
    assert printer.doprint(sympy.Min(M, d, 3)) == "Min(3, M, d)"
    assert printer.doprint(sympy.Max(M, d)) == "Max(M, d)"
    assert printer.doprint(M ** sympy.Rational(3, 2)) == "Pow(M, Rational(3, 2))"
