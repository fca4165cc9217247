"""compare(): exact O / Omega / Theta by LP on exponents, with witnesses; known answers."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from redblue.bounds.compare import compare, maxmin_form, parse, simplex_max
from redblue.errors import InvalidInputError

CASES = [
    # f, g, assumptions, (O, Omega)
    ("N**2*d**2/M", "N**2*d/sqrt(M)", ["M >= d**2"], (True, False)),
    ("N**2*d**2/M", "N**2*d/sqrt(M)", ["M <= d**2"], (False, True)),
    ("Min(N**2*d/sqrt(M), N**2*d**2/M)", "N**2*d**2/M", ["M >= d**2"], (True, True)),
    ("Min(N**2*d/sqrt(M), N**2*d**2/M)", "N**2*d/sqrt(M)", ["M <= d**2"], (True, True)),
    ("Min(N**2*d/sqrt(M), N**2*d**2/M)", "N**2*d**2/M", [], (True, False)),
    ("Max(N*d, N**2*d**2/M)", "N**2*d**2/M", ["M <= N*d"], (True, True)),
    ("Max(N*d, N**2*d**2/M)", "N**2*d**2/M", [], (False, True)),
    ("2*N*d + 12*N**2*d**2/M + 16*N**2*d/M", "N**2*d**2/M", ["d <= M", "M <= N*d"], (True, True)),
    ("N", "N + 1", [], (True, True)),
    ("N*d", "M", [], (False, False)),
    ("N**2", "N**2*d/sqrt(M)", ["M <= d**2"], (True, False)),
    ("N**2", "N**2*d/sqrt(M)", ["M >= d**2"], (False, True)),
    ("1/(1/N + 1/d)", "Min(N, d)", [], (True, True)),  # harmonic mean ~ min
    ("(N + d)**2", "N**2 + d**2", [], (True, True)),
    ("sqrt(N*d)", "N + d", [], (True, False)),
    ("N", "d", ["N <= 4*d", "d <= 3*N"], (True, True)),  # constants do not matter
]


@pytest.mark.parametrize("f,g,assume,expected", CASES)
def test_known_answers(f, g, assume, expected):
    c = compare(f, g, assume)
    assert (c.O, c.Omega) == expected
    assert c.Theta == (expected[0] and expected[1])
    # a witness exactly when the answer is no, and it really makes the ratio grow
    assert (c.witness is None) == c.O
    assert (c.witness_omega is None) == c.Omega
    for ray, num, den in ((c.witness, f, g), (c.witness_omega, g, f)):
        if ray is None:
            continue
        def at(t, expr, ray=ray):
            subs = {sympy.Symbol(k, positive=True): sympy.Integer(t) ** v for k, v in ray.items()}
            return parse(expr).subs(subs)

        # along x = t**ray the ratio grows like a positive power of t
        r1 = float(at(10**4, num) / at(10**4, den))
        r2 = float(at(10**8, num) / at(10**8, den))
        assert r2 > 10 * r1
        for a in assume:  # and the ray stays in the region
            assert bool(at(10**8, a))


def test_witness_of_regime_dependent_case():
    c = compare("N**2*d**2/M", "N**2*d/sqrt(M)", ["M <= d**2"])
    assert c.witness == {"M": 0, "N": 0, "d": 1}


@pytest.mark.parametrize("bad", ["N - d", "log(N)", "N**d", "-N", "N +", "exp(N)"])
def test_unsupported_expressions_raise(bad):
    with pytest.raises(InvalidInputError):
        compare(bad, "N")


def test_equality_assumption():
    on_the_line = sympy.Eq(sympy.Symbol("M"), sympy.Symbol("d") ** 2)
    c = compare("N**2*d**2/M", "N**2*d/sqrt(M)", [on_the_line])
    assert c.Theta  # both are N^2 on M = d^2


def test_bad_assumption_raises():
    with pytest.raises(InvalidInputError):
        compare("N", "d", ["N + d <= M"])
    with pytest.raises(InvalidInputError):
        compare("N", "d", ["N"])


def test_maxmin_form_of_min_times_max():
    form = maxmin_form("Min(N, 1) * Max(N, 1)", (sympy.Symbol("N", positive=True),))
    # (min(N,1)) * max(N,1) = max(min(N^2, N), min(N, 1))
    assert sorted(sorted(v[0] for v in mins) for mins in form) == [[0, 1], [1, 2]]


def test_simplex_exact():
    # max x + y st x + 2y <= 4, 3x + y <= 6  -> (8/5, 6/5), value 14/5
    F = Fraction
    val, x = simplex_max([F(1), F(1)], [[F(1), F(2)], [F(3), F(1)]], [F(4), F(6)])
    assert val == F(14, 5) and x == [F(8, 5), F(6, 5)]


_VARS = ("N", "d", "M")
_monomial = st.tuples(*[st.sampled_from([-1, 0, 1, 2, sympy.Rational(1, 2)]) for _ in _VARS]).map(
    lambda e: "*".join(f"{v}**({x})" for v, x in zip(_VARS, e, strict=True))
)


def _expr(depth: int):
    if depth == 0:
        return _monomial
    sub = _expr(depth - 1)
    return st.one_of(
        _monomial,
        st.tuples(sub, sub).map(lambda t: f"({t[0]}) + ({t[1]})"),
        st.tuples(sub, sub).map(lambda t: f"Min({t[0]}, {t[1]})"),
        st.tuples(sub, sub).map(lambda t: f"Max({t[0]}, {t[1]})"),
        st.tuples(sub, sub).map(lambda t: f"({t[0]}) / ({t[1]})"),
    )


@settings(max_examples=25, deadline=None)
@given(f=_expr(2), g=_expr(2), ray=st.tuples(*[st.integers(0, 3) for _ in _VARS]))
def test_answers_agree_with_growth_along_rays(f, g, ray):
    """If f = O(g), f/g cannot grow polynomially along any ray; a witness makes it grow."""
    c = compare(f, g)
    if not any(ray):
        return
    syms = [sympy.Symbol(v, positive=True) for v in _VARS]
    fn = sympy.lambdify(syms, parse(f) / parse(g), modules=[{"Min": min, "Max": max}, "math"])

    def ratio(t):
        return fn(*(float(t) ** float(e) for e in ray))

    growth = ratio(10**12) / ratio(10**6)
    if c.O:
        assert growth < 10  # bounded ratio: no power of t can appear
    if c.Omega:
        assert growth > 0.1
