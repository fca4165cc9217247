"""The paper's results as data: lookup by any spelling, regimes decided at their boundary.

Each regime predicate is checked against the inequality computed directly in exact
arithmetic at points on, just inside and just outside its boundary; each result's
expression against the paper's formula at sampled points, and Theorem 3.1's minimum
against the branch its regime says wins.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import sympy

from redblue.bounds.results import ALGORITHMS, RESULTS, M, N, d, in_regime, result
from redblue.errors import InvalidInputError

# (N, d, M) sample points with M on both sides of d^2 and of N d
POINTS = [(64, 8, 16), (64, 8, 64), (64, 8, 100), (64, 8, 512), (64, 8, 2048), (9, 3, 4)]


@pytest.mark.parametrize("r", RESULTS, ids=lambda r: r.name)
def test_result_found_by_every_spelling(r):
    assert result(r.name) is r
    assert result(r.name.upper()) is r  # case does not matter
    assert result(r.title) is r
    assert result(r.title.replace(" ", "")) is r
    number = r.name.split("-")[-1]
    if any(ch.isdigit() for ch in number):
        assert result(number) is r
        assert result(f"Thm {number}") is r
        assert result(f"lemma {number}") is r  # the number decides, not the word


def test_result_numbers_are_matched_whole():
    assert result("Theorem 4.14").name == "thm-4.14"
    for name in ("Theorem 4.1", "3.10", "Theorem 9.9", "nonsense", "", "thm-", "4.14.1"):
        with pytest.raises(KeyError, match="^" + repr(name).replace(".", r"\.") + "$"):
            result(name)


def _regime_truth(regime, n, dd, m):
    """Each inequality of ``regime`` decided with Fractions, not through the parser."""
    env = {"N": Fraction(n), "d": Fraction(dd), "M": Fraction(m)}
    values = {
        "M >= d": env["M"] >= env["d"],
        "M <= N*d": env["M"] <= env["N"] * env["d"],
        "M >= d**2": env["M"] >= env["d"] ** 2,
        "M <= d**2": env["M"] <= env["d"] ** 2,
        "d <= N": env["d"] <= env["N"],
    }
    return all(values[ineq] for ineq in regime)


@pytest.mark.parametrize("r", RESULTS, ids=lambda r: r.name)
def test_in_regime_against_direct_inequalities(r):
    for n, dd in [(64, 8), (5, 7), (3, 3)]:
        for m in {1, dd - 1, dd, dd + 1, dd * dd - 1, dd * dd, dd * dd + 1, n * dd - 1, n * dd,
                  n * dd + 1}:  # fmt: skip
            if m >= 1:
                assert in_regime(r.regime, N=n, d=dd, M=m) == _regime_truth(r.regime, n, dd, m)


def test_in_regime_boundaries_and_strictness():
    assert in_regime(("M >= d**2",), N=8, d=4, M=16)  # equality is inside
    assert not in_regime(("M >= d**2",), N=8, d=4, M=15)
    assert in_regime(("M > d**2",), N=8, d=4, M=17)
    assert not in_regime(("M > d**2",), N=8, d=4, M=16)
    assert in_regime(("M >= d**2", "M <= N*d"), N=8, d=4, M=32)
    assert not in_regime(("M >= d**2", "M <= N*d"), N=8, d=4, M=33)  # the second fails
    assert not in_regime(("M <= N*d", "M >= d**2"), N=8, d=4, M=15)  # the second fails
    assert in_regime((), N=1, d=1, M=1)
    assert in_regime(["M >= 1/2"], M=Fraction(1, 2))
    assert not in_regime(["M >= 1/2"], M=Fraction(1, 3))


def test_in_regime_reads_the_variables_it_is_given():
    assert in_regime(("alpha <= 3",), alpha=2)  # a name outside the default ones
    assert not in_regime(("alpha <= 3",), alpha=4)
    with pytest.raises(InvalidInputError, match=r"^cannot decide 'M >= d\*\*2' at "):
        in_regime(("M >= d**2",), M=4, d=sympy.Symbol("d", positive=True), N=1)
    with pytest.raises(InvalidInputError):
        in_regime(("M >= d**2",), M=4)  # d has no value
    with pytest.raises(InvalidInputError):
        in_regime(("M + d",), M=4, d=1)  # not a relation


def _paper(name, n, dd, m):
    """The paper's formula for each result, in floats."""
    log = math.log
    return {
        "trivial": 4 * n * dd,
        "thm-3.1": min(n**2 * dd / m**0.5, n**2 * dd**2 / m),
        "thm-3.2": n**2 * dd**2 / m,
        "lemma-3.3": m**2 / dd**2 + m,
        "lemma-3.4": n**2 * dd**2 / m,
        "thm-3.5": n**2 * dd / m**0.5,
        "lemma-3.6": n**2 * dd / m**0.5,
        "thm-3.7": n**2 * dd / m**0.5,
        "thm-4.8": min(n**2 * dd**2 / m, n**2),
        "thm-4.14": min(n**2 * dd**2 / (m * log(n) ** 2), n**2),
        "thm-4.17": 2 * n**2 * dd / m**0.5,
    }[name]


@pytest.mark.parametrize("r", RESULTS, ids=lambda r: r.name)
def test_expressions_match_the_paper(r):
    assert r.kind in {"lower", "upper", "tight", "count"}
    for n, dd, m in POINTS:
        got = float(r.expr.subs({N: n, d: dd, M: m}))
        assert math.isclose(got, _paper(r.name, n, dd, m), rel_tol=1e-12)


def test_theorem_3_1_minimum_is_the_branch_its_regime_says():
    expr = result("3.1").expr
    for n, dd, m in POINTS:
        branch = n**2 * dd / m**0.5 if m <= dd**2 else n**2 * dd**2 / m
        assert math.isclose(float(expr.subs({N: n, d: dd, M: m})), branch, rel_tol=1e-12)


def test_algorithm_counts_match_their_derivations():
    for n, dd, m in POINTS:
        tc = n / (m / (4 * dd))  # FlashAttention-1: T_c = N / B_c, B_c = M / (4d)
        flash = 2 * n * dd + tc * (3 * n * dd + 4 * n)
        tiling = 8 * n**2 * dd / m**0.5 + n**2 + n * dd
        sub = {N: n, d: dd, M: m}
        assert math.isclose(float(ALGORITHMS["flashattention-1"].subs(sub)), flash)
        assert math.isclose(float(ALGORITHMS["square-tiling"].subs(sub)), tiling)
