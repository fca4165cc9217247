"""Max-min forms: exponent vectors checked against the growth rate computed from the
expression tree, simplification against its definition, and the term limit exactly."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
import sympy

from redblue.bounds import forms
from redblue.errors import InvalidInputError

F = Fraction
SYMS = sympy.symbols("N d M", positive=True)


def _rate(e, ray):
    """The slope of log e along x = t**ray, from the expression tree (the oracle).

    Constants grow like t**0, a sum or Max like its fastest argument, a Min like its
    slowest, a product like the sum of the slopes, e**p like p times the slope of e.
    """
    if e.is_Number:
        return F(0)
    if e.is_Symbol:
        return ray[SYMS.index(e)]
    if e.is_Add or isinstance(e, sympy.Max):
        return max(_rate(a, ray) for a in e.args)
    if isinstance(e, sympy.Min):
        return min(_rate(a, ray) for a in e.args)
    if e.is_Mul:
        return sum((_rate(a, ray) for a in e.args), F(0))
    base, p = e.args  # a rational power
    return F(int(p.p), int(p.q)) * _rate(base, ray)


def _value(form, ray):
    """max_i min_j a_ij . ray."""
    return max(min(sum((a * r for a, r in zip(v, ray, strict=True)), F(0)) for v in m)
               for m in form)  # fmt: skip


def _random_expr(rng, depth):
    if depth == 0 or rng.random() < 0.3:
        mono = sympy.Integer(rng.randint(1, 5))
        for s in SYMS:
            mono *= s ** sympy.Rational(rng.randint(-2, 3), rng.choice([1, 1, 2, 3]))
        return mono
    kind = rng.choice(["add", "mul", "min", "max", "pow", "div"])
    a, b = _random_expr(rng, depth - 1), _random_expr(rng, depth - 1)
    if kind == "add":
        return a + b
    if kind == "mul":
        return a * b
    if kind == "div":
        return a / b
    if kind == "min":
        return sympy.Min(a, b, _random_expr(rng, depth - 1), evaluate=False)
    if kind == "max":
        return sympy.Max(a, b, evaluate=False)
    p = sympy.Rational(rng.choice([-3, -2, -1, 1, 2, 3]), rng.choice([1, 2, 3]))
    return sympy.Pow(a + b, p, evaluate=False)


def _rays(rng, k):
    units = [tuple(F(int(i == j)) for j in range(3)) for i in range(3)]
    return units + [tuple(F(rng.randint(0, 6), rng.randint(1, 4)) for _ in range(3))
                    for _ in range(k)]  # fmt: skip


def _assert_simplified(form):
    """No term of a min is componentwise above another of it; no min is below another."""
    for m in form:
        assert m == sorted(set(m))
        assert not any(u != v and forms.leq(u, v) for u in m for v in m)
    mins = [tuple(m) for m in form]
    assert len(set(mins)) == len(mins)
    assert not any(a != b and forms.below(a, b) for a in mins for b in mins)


def test_forms_grow_like_the_expression_along_every_ray():
    rng = random.Random(2)
    for _ in range(60):
        e = _random_expr(rng, 3)
        form = forms.form_of(e, SYMS)
        _assert_simplified(form)
        for ray in _rays(rng, 8):
            assert _value(form, ray) == _rate(e, ray), (e, ray)


def test_reciprocals_swap_min_and_max():
    N, d, M = SYMS
    # 1 / max(min(N, d), M) = min(max(1/N, 1/d), 1/M) = max(min(1/N, 1/M), min(1/d, 1/M))
    form = forms.form_of(1 / sympy.Max(sympy.Min(N, d), M), SYMS)
    assert form == [[(-1, 0, 0), (0, 0, -1)], [(0, -1, 0), (0, 0, -1)]]
    assert forms.form_of(1 / (N * d), SYMS) == [[(-1, -1, 0)]]
    assert forms.form_of((N + d) ** sympy.Rational(3, 2), SYMS) == [
        [(0, F(3, 2), 0)],
        [(F(3, 2), 0, 0)],
    ]


def test_simplification_keeps_exactly_the_terms_that_can_win():
    N, d, M = SYMS
    # N*d is above N in a Min; Min(N, d) is below N in a Max; N**2 above N in both
    assert forms.form_of(sympy.Min(N, N * d, evaluate=False), SYMS) == [[(1, 0, 0)]]
    assert forms.form_of(sympy.Max(sympy.Min(N, d), N, evaluate=False), SYMS) == [[(1, 0, 0)]]
    assert forms.form_of(sympy.Min(N, d, M), SYMS) == [[(0, 0, 1), (0, 1, 0), (1, 0, 0)]]
    assert forms.form_of(N + d + M, SYMS) == [[(0, 0, 1)], [(0, 1, 0)], [(1, 0, 0)]]
    assert forms.form_of(sympy.Max(N, N), SYMS) == [[(1, 0, 0)]]
    assert forms._simplify([]) == []
    assert forms._minimal([(F(1), F(2)), (F(1), F(1)), (F(2), F(0)), (F(1), F(1))]) == (
        (F(1), F(1)), (F(2), F(0)))  # fmt: skip


def test_leq_and_below_by_definition():
    a, b, c = (F(1), F(2)), (F(1), F(3)), (F(0), F(5))
    assert forms.leq(a, b) and forms.leq(a, a) and not forms.leq(b, a)
    assert not forms.leq(a, c) and not forms.leq(c, a)
    assert forms.below((a,), (b, a)) and forms.below((a, c), (b,))
    assert not forms.below((b,), (a,)) and not forms.below((a,), (c,))
    assert forms.below((a,), ())  # the min over nothing is above everything


def test_ranks_keep_every_order_and_are_consecutive():
    rng = random.Random(8)
    for _ in range(50):
        terms = [tuple(F(rng.randint(-4, 4), rng.randint(1, 3)) for _ in range(3))
                 for _ in range(rng.randint(1, 12))]  # fmt: skip
        ranks = forms._ranks(terms)
        assert ranks.shape == (len(terms), 3)
        for k in range(3):
            assert sorted(set(ranks[:, k].tolist())) == list(range(len({t[k] for t in terms})))
            for u in range(len(terms)):
                for v in range(len(terms)):
                    assert (ranks[u, k] <= ranks[v, k]) == (terms[u][k] <= terms[v][k])
    assert forms._ranks([]).shape == (0, 0)


@pytest.mark.parametrize("rows, cols, n", [(5, 7, 3), (3000, 700, 2), (1, 1, 1), (2, 3, 0)])
def test_blocked_comparison_matches_broadcasting(rows, cols, n):
    # 3000 x 700 x 2 entries exceed the block of 4,000,000: several blocks are compared
    rng = np.random.default_rng(rows)
    a = rng.integers(0, 4, size=(rows, n))
    b = rng.integers(0, 4, size=(cols, n))
    assert np.array_equal(forms._le(a, b), (a[:, None, :] <= b[None, :, :]).all(axis=2))


def test_cover_table_rows_and_columns():
    N, d = (F(1), F(0)), (F(0), F(1))
    Nd, one = (F(1), F(1)), (F(0), F(0))
    f = [[N], [d, one]]
    g = [[Nd], [N, d], [one]]
    cover, table, index = forms.cover_table(f, g)
    assert index == {t: i for i, t in enumerate(sorted({Nd, N, d, one}))}
    assert table.tolist() == [[True, False, False], [True, True, True]]
    for i, fi in enumerate(f):
        for t, j in index.items():
            assert cover[i, j] == any(forms.leq(a, t) for a in fi)


def test_the_term_limit_counts_exactly(monkeypatch):
    N, d, M = SYMS
    monkeypatch.setattr(forms, "MAX_TERMS", 6)
    # a sum of 6 incomparable monomials is allowed, of 7 refused
    six = [N, d, M, N * d / M, N * M / d, d * M / N]
    assert len(forms.form_of(sympy.Add(*six), SYMS)) == 6
    msg = ("expression too large to compare: a sum would hold 7 monomials (limit 6); "
           "simplify it or split the Min/Max")  # fmt: skip
    with pytest.raises(InvalidInputError) as info:
        forms.form_of(sympy.Add(*six, N**2 * d**5 / M**3), SYMS)
    assert str(info.value) == msg
    # a product of sums: 2 * 3 = 6 monomials allowed, 7 * 1 refused when formed
    assert len(forms.form_of((N + d) * (N**3 + M**2 + d**4 / N), SYMS)) >= 1
    with pytest.raises(InvalidInputError, match=r"a product would hold 8 monomials \(limit 6\)"):
        forms.form_of((N + d) * (N**3 / d + M**2 + d**4 / N + N * M / d**2), SYMS)
    # a Min of max-min forms f, g: len(g) * size(f) + len(f) * size(g) monomials
    f, g = N + d, M + N * d / M + d**3  # 2 mins of 1 term, 3 mins of 1 term: 3*2 + 2*3 = 12
    monkeypatch.setattr(forms, "MAX_TERMS", 12)
    assert len(forms.form_of(sympy.Min(f, g, evaluate=False), SYMS)) >= 1
    monkeypatch.setattr(forms, "MAX_TERMS", 11)
    with pytest.raises(InvalidInputError, match=r"a Min would hold 12 monomials \(limit 11\)"):
        forms.form_of(sympy.Min(f, g, evaluate=False), SYMS)


def test_refusals_name_the_term():
    N, d, M = SYMS
    cases = [
        (sympy.Integer(-2) * N, "constant -2 is not positive (only positive terms)"),
        (sympy.Integer(0) + sympy.Symbol("q", positive=True), "unknown variable q"),
        # a root or a power of a negative constant is no positive term
        (sympy.Pow(-3, sympy.Rational(1, 3), evaluate=False), "constant -3 is not positive "
                                                              "(only positive terms)"),
        (sympy.Pow(-3, 1, evaluate=False), "constant -3 is not positive (only positive terms)"),
        (N ** sympy.sqrt(2), "exponent sqrt(2) of N**(sqrt(2)) is not a rational number"),
        (sympy.log(N), "unsupported term log(N): use positive monomials with +, *, /, powers, "
                       "Min and Max"),
    ]  # fmt: skip
    assert forms.form_of(sympy.Pow(-3, 0, evaluate=False), SYMS) == [[(0, 0, 0)]]  # it is 1
    for bad, message in cases:
        with pytest.raises(InvalidInputError) as info:
            forms.form_of(bad, SYMS)
        assert str(info.value) == message
