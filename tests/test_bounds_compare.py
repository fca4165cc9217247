"""compare(): exact O / Omega / Theta by LP on exponents, with witnesses; known answers;
empty regions; the limits that keep every comparison to seconds."""

from __future__ import annotations

import random
import sys
import time
from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import redblue.bounds.compare  # noqa: F401 - the module itself, for monkeypatching
from redblue.bounds import forms
from redblue.bounds.compare import compare, maxmin_form, parse, simplex_max
from redblue.bounds.region import build_region
from redblue.errors import InvalidInputError

C = sys.modules["redblue.bounds.compare"]  # redblue.bounds.compare is also the function

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


def _check_witnesses(c, f, g, assume):
    """A witness exactly when the answer is no; it makes the ratio grow inside the region."""
    assert (c.witness is None) == c.O
    assert (c.witness_omega is None) == c.Omega
    syms = tuple(sympy.Symbol(v, positive=True) for v in c.variables)
    rels = [parse(a, relation=True) for a in assume]
    region = build_region(rels, syms)
    for ray, num, den in ((c.witness, f, g), (c.witness_omega, g, f)):
        if ray is None:
            continue
        assert region.in_cone(ray)  # so the path from any point of the region stays in it

        def at(t, expr, ray=ray):
            subs = {sympy.Symbol(k, positive=True): c.start[k] * sympy.Integer(t) ** v
                    for k, v in ray.items()}  # fmt: skip
            return parse(expr).subs(subs)

        # along x = start * t**ray the ratio grows like a positive power of t
        r1 = float(at(10**4, num) / at(10**4, den))
        r2 = float(at(10**8, num) / at(10**8, den))
        assert r2 > 10 * r1
        for a in rels:  # and the path stays in the region (start is a float: 1e-9 slack)
            for t in (1, 10**4, 10**8):
                lhs, rhs = (float(at(t, side)) for side in (a.lhs, a.rhs))
                small, big = (rhs, lhs) if isinstance(a, sympy.Ge | sympy.Gt) else (lhs, rhs)
                assert small <= big * (1 + 1e-9), (a, t)


@pytest.mark.parametrize("f,g,assume,expected", CASES)
def test_known_answers(f, g, assume, expected):
    c = compare(f, g, assume)
    assert (c.O, c.Omega) == expected
    assert c.Theta == (expected[0] and expected[1])
    assert not c.empty_region
    _check_witnesses(c, f, g, assume)


def test_witness_of_regime_dependent_case():
    c = compare("N**2*d**2/M", "N**2*d/sqrt(M)", ["M <= d**2"])
    assert c.witness == {"M": 0, "N": 0, "d": 1}


@pytest.mark.parametrize("bad", ["N - d", "log(N)", "N**d", "-N", "N +", "exp(N)"])
def test_unsupported_expressions_raise(bad):
    with pytest.raises(InvalidInputError):
        compare(bad, "N")


def test_relations_are_no_expressions_to_compare():
    for f, g in (("N >= d", "N"), ("N", "N >= d")):
        with pytest.raises(InvalidInputError) as info:
            compare(f, g)
        assert str(info.value) == "cannot read 'N >= d': expected an expression, not a relation"


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
    # min(N,1) * max(N,1) = max(min(N^2, N), min(N, 1)); for N >= 1 the first min is N
    # (N^2 >= N term by term) and it is above the second: the form is just N
    assert form == [[(Fraction(1),)]]
    two = sympy.symbols("N d", positive=True)
    # Min(N, d) <= Min(N, d^2) term by term, so the sum is ~ Min(N, d^2)
    assert maxmin_form("Min(N, d) + Min(N, d**2)", two) == [[(0, 2), (1, 0)]]
    with pytest.raises(InvalidInputError, match="expected an expression, not a relation"):
        maxmin_form("N >= d", two)


def test_simplex_exact():
    # max x + y st x + 2y <= 4, 3x + y <= 6  -> (8/5, 6/5), value 14/5
    F = Fraction
    val, x = simplex_max([F(1), F(1)], [[F(1), F(2)], [F(3), F(1)]], [F(4), F(6)])
    assert val == F(14, 5) and x == [F(8, 5), F(6, 5)]
    # the origin must be a vertex: a negative right-hand side is the caller's error
    with pytest.raises(ValueError, match=r"^simplex_max needs b >= 0$"):
        simplex_max([F(1)], [[F(1)], [F(-1)]], [F(4), F(-1)])
    with pytest.raises(ValueError, match="^unbounded linear program$"):
        simplex_max([F(1)], [[F(-1)]], [F(1)])


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


@settings(max_examples=25, deadline=None)
@given(f=_expr(2), g=_expr(2), assume=st.lists(
    st.tuples(st.sampled_from(_VARS), st.sampled_from(_VARS), st.integers(0, 2),
              st.sampled_from(["1", "2", "1/2"])), max_size=2))  # fmt: skip
def test_witnesses_stay_in_the_region(f, g, assume):
    rels = [f"{a} <= {k}*{b}**{e}" for a, b, e, k in assume]
    c = compare(f, g, rels)
    if not c.empty_region:
        _check_witnesses(c, f, g, rels)


# ------------------------------------------------------------------------- empty regions
EMPTY = [
    ["N >= 2*M", "M >= N"],  # N >= 2M >= 2N
    ["N >= 1.5*M", "M >= N"],
    ["sqrt(2)*N >= 2*M", "M >= N"],  # irrational constants, decided exactly
    ["N**3 >= 2*M**3", "2**(1/3)*M >= N*(1 + 10**-30)"],  # off by 1e-30: exact, not float
    ["N == 2*M", "M == 3*d", "N <= 5*d"],
    ["N >= 8*M", "M**3 >= 512*N", "N <= 9*M", "M <= 63"],  # needs M >= 64
    ["d <= 1/2"],  # every variable is >= 1
    ["1 >= 2"],
]
NOT_EMPTY = [
    ["N >= M/2", "M >= N"],
    ["2*N >= 2*M", "M >= N"],
    ["N**3 >= 2*M**3", "2**(1/3)*M >= N"],  # exactly on the boundary
    ["N**3 >= 2*M**3", "2**(1/3)*M*(1 + 10**-30) >= N"],
    ["N == 2*M", "M == 3*d", "N <= 6*d"],
    ["N >= 8*M", "M**3 >= 512*N", "N <= 9*M", "M <= 64"],
    ["d <= 1"],
]


@pytest.mark.parametrize("assume", EMPTY)
def test_empty_region_holds_vacuously(assume):
    c = compare("N", "d", assume)
    assert c.empty_region and c.O and c.Omega and c.Theta
    assert c.witness is None and c.witness_omega is None and c.start is None
    assert c.note() == "region is empty: every relation holds vacuously"
    assert c.to_dict()["empty_region"] is True


@pytest.mark.parametrize("assume", NOT_EMPTY)
def test_regions_with_points_are_not_empty(assume):
    c = compare("N", "d", assume)
    assert not c.empty_region and c.note() == ""
    # the start point satisfies the assumptions (floats: 1e-9 slack)
    values = {sympy.Symbol(k, positive=True): v for k, v in c.start.items()}
    for a in assume:
        rel = parse(a, relation=True)
        lhs, rhs = float(rel.lhs.subs(values)), float(rel.rhs.subs(values))
        small, big = (rhs, lhs) if isinstance(rel, sympy.Ge) else (lhs, rhs)
        if isinstance(rel, sympy.Eq):
            assert abs(lhs - rhs) <= 1e-9 * max(lhs, rhs)
        else:
            assert small <= big * (1 + 1e-9)
    assert all(v >= 1 - 1e-12 for v in c.start.values())


def test_an_empty_region_keeps_its_variables():
    c = compare("N", "d", ["N >= 2*M", "M >= N"])
    assert c.empty_region and c.variables == ("M", "N", "d")


def test_the_reported_case_is_vacuous_not_a_witness_outside_the_region():
    c = compare("N", "d", ["N >= 2*M", "M >= N"])
    assert c.empty_region and c.O  # it used to answer "O: no" with a ray where N = M


# ---------------------------------------------------------------------------- the limits
BLOWUP = "Min(N+d+M, N**2+d**2+M, N**3+d**3+M)"


def test_min_of_sums_is_fast_and_right():
    start = time.perf_counter()
    c = compare(BLOWUP, "N")
    assert not c.O and c.Omega
    assert compare(BLOWUP, "N + d + M").Theta  # each sum is at least N + d + M, ~ the first
    assert time.perf_counter() - start < 3


def test_oversized_forms_are_refused_quickly():
    # monomials of one degree are incomparable term by term, so nothing simplifies and a
    # Min of 6 sums of 6 would multiply out to 6**6 mins
    rng = random.Random(0)
    vs = ("N", "d", "M", "q", "k")
    degree3 = sorted({"*".join(sorted(rng.choices(vs, k=3))) for _ in range(200)})
    sums = ["(" + "+".join(rng.sample(degree3, 6)) + ")" for _ in range(6)]
    big = "Min(" + ",".join(sums) + ")"
    start = time.perf_counter()
    with pytest.raises(InvalidInputError, match="too large to compare") as info:
        compare(big, "N")
    assert "\n" not in str(info.value)
    assert time.perf_counter() - start < 3


def test_the_work_limit_stops_a_long_search(monkeypatch):
    # geometric means of G's mins are below G, but not term by term: many LPs to prove it
    rng = random.Random(4)
    vs = ("N", "d", "M", "q", "k", "n", "m")
    mono = lambda: "*".join(f"{v}**{rng.choice([-1, 0, 1, 2])}" for v in vs)  # noqa: E731
    lists = [[mono() for _ in range(2)] for _ in range(7)]
    g = "Max(" + ",".join(f"Min({','.join(m)})" for m in lists) + ")"
    pairs = [(rng.randrange(7), rng.randrange(7)) for _ in range(6)]
    f = "Max(" + ",".join(f"sqrt(Min({','.join(lists[a])})*Min({','.join(lists[b])}))"
                          for a, b in pairs) + ")"  # fmt: skip
    c = compare(f, g)
    assert c.O and c.lps > 20
    monkeypatch.setattr(C, "MAX_WORK", 5000)
    with pytest.raises(InvalidInputError, match="work limit"):
        compare(f, g)


def _simplify_by_definition(form):
    lists = sorted({forms._minimal(m) for m in form})
    keep = [a for a in lists if not any(b != a and forms.below(a, b) for b in lists)]
    return sorted(list(m) for m in keep)


def test_numpy_simplification_matches_its_definition():
    rng = random.Random(3)
    for _ in range(200):
        n = rng.randint(0, 4)
        form = [[tuple(Fraction(rng.randint(-3, 3), rng.choice([1, 2, 3])) for _ in range(n))
                 for _ in range(rng.randint(1, 4))] for _ in range(rng.randint(1, 25))]  # fmt: skip
        assert forms._simplify(form) == _simplify_by_definition(form)
        other = [[tuple(Fraction(rng.randint(-3, 3)) for _ in range(n))
                  for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(1, 6))]  # fmt: skip
        cover, table, index = forms.cover_table(form, other)
        for i, fi in enumerate(form):
            for k, gk in enumerate(other):
                assert table[i, k] == forms.below(tuple(fi), tuple(gk))
                for b in gk:
                    assert cover[i, index[b]] == any(forms.leq(a, b) for a in fi)


def _simplex_and_oracle(c, A, b) -> list:
    """``simplex_max`` and the Fraction-tableau oracle on one program: each one's answer,
    or the text of the ValueError it raised."""
    outs = []
    for solve in (simplex_max, _fraction_simplex):
        try:
            outs.append(solve(c, A, b))
        except ValueError as exc:
            outs.append(str(exc))
    return outs


def _fraction_simplex(c, A, b):
    """The textbook full tableau with Fractions and Bland's rule: the oracle."""
    m, n = len(A), len(c)
    T = [list(A[i]) + [Fraction(int(i == j)) for j in range(m)] + [b[i]] for i in range(m)]
    obj = [-ci for ci in c] + [Fraction(0)] * (m + 1)
    basis = [n + i for i in range(m)]
    while (e := next((j for j in range(n + m) if obj[j] < 0), None)) is not None:
        rows = [i for i in range(m) if T[i][e] > 0]
        if not rows:
            raise ValueError("unbounded linear program")
        r = min(rows, key=lambda i: (T[i][-1] / T[i][e], basis[i]))
        T[r] = [v / T[r][e] for v in T[r]]
        for i in range(m):
            if i != r:
                T[i] = [a - T[i][e] * q for a, q in zip(T[i], T[r], strict=True)]
        obj = [a - obj[e] * q for a, q in zip(obj, T[r], strict=True)]
        basis[r] = e
    x = [Fraction(0)] * (n + m)
    for i, v in enumerate(basis):
        x[v] = T[i][-1]
    return obj[-1], x[:n]


def test_integer_pivoting_simplex_matches_the_fraction_tableau():
    rng = random.Random(5)
    F = Fraction
    for _ in range(400):
        n, m = rng.randint(1, 5), rng.randint(1, 8)
        A = [[F(rng.randint(-3, 4), rng.randint(1, 3)) for _ in range(n)] for _ in range(m)]
        b = [F(rng.randint(0, 5), rng.randint(1, 4)) for _ in range(m)]
        c = [F(rng.randint(-2, 3), rng.randint(1, 5)) for _ in range(n)]
        outs = _simplex_and_oracle(c, A, b)
        assert outs[0] == outs[1]


def test_degenerate_programs_follow_blands_rule():
    """Zero right-hand sides and objectives parallel to a row: ties in the ratio test and
    many optimal vertices. Bland's rule (smallest label enters, smallest label leaves on a
    tie) is what guarantees no cycling; the oracle applies it on the full tableau, so the
    vertex returned must be the same one."""
    rng = random.Random(6)
    F = Fraction
    cases = []
    for _ in range(300):
        n, m = rng.randint(2, 4), rng.randint(2, 6)
        A = [[F(rng.randint(-2, 3)) for _ in range(n)] for _ in range(m)]
        b = [F(rng.choice([0, 0, 1, 2])) for _ in range(m)]
        c = [x if x > 0 else F(1) for x in A[rng.randrange(m)]]
        cases.append((c, A, b))
    # found by a random search: leaving by the last tied row instead of the smallest
    # label ends at another optimal vertex
    A = [[0, 3, 1, 1], [0, 3, 3, 1], [2, 2, -2, 1], [2, 1, 3, 3], [1, 3, 1, -2]]
    cases.append(([F(2), F(1), F(3), F(3)], [[F(x) for x in row] for row in A],
                  [F(2), F(2), F(0), F(2), F(0)]))  # fmt: skip
    for c, A, b in cases:
        outs = _simplex_and_oracle(c, A, b)
        assert outs[0] == outs[1], (c, A, b)


# ------------------------------------------------------- the answer's fields and helpers
def test_relation_names_and_the_shortcuts():
    cases = [
        ("N", "2*N + 1", [], "Theta"),
        ("N", "N**2", [], "O"),
        ("N**2", "N", [], "Omega"),
        ("N*d", "M", [], "incomparable"),
        ("N", "d", ["N >= 2*M", "M >= N"], "Theta"),  # vacuous
    ]
    for f, g, assume, rel in cases:
        c = compare(f, g, assume)
        assert c.relation() == rel
        assert C.is_O(f, g, assume) == (rel in ("Theta", "O"))
        assert C.is_Omega(f, g, assume) == (rel in ("Theta", "Omega"))
        assert C.is_Theta(f, g, assume) == (rel == "Theta")
        d = c.to_dict()
        assert set(d) == {"O", "Omega", "Theta", "witness", "witness_omega", "relation",
                          "empty_region", "note", "start", "lps"}  # fmt: skip
        assert (d["O"], d["Omega"], d["Theta"]) == (c.O, c.Omega, c.Theta)
        assert (d["witness"], d["witness_omega"]) == (c.witness, c.witness_omega)
        assert d["relation"] == rel and d["lps"] == c.lps and d["start"] == c.start
        assert d["empty_region"] == c.empty_region
        assert d["note"] == c.note() == (C.EMPTY_NOTE if c.empty_region else "")
    assert compare("N", "N**2").witness_omega == {"N": 1}
    assert compare("N", "N**2").witness is None
    assert compare("N*d", "M").lps >= 2  # one LP at least for each direction


def test_witness_rays_are_primitive_integers():
    syms = sympy.symbols("N d M", positive=True)
    F = Fraction
    assert C._integer_ray((F(1, 2), F(1, 3), F(0)), syms) == {"N": 3, "d": 2, "M": 0}
    assert C._integer_ray((F(2), F(4), F(6)), syms) == {"N": 1, "d": 2, "M": 3}
    assert C._integer_ray((F(3, 4), F(0), F(9, 4)), syms) == {"N": 1, "d": 0, "M": 3}
    assert C._integer_ray((F(0), F(5, 7), F(0)), syms) == {"N": 0, "d": 1, "M": 0}
    ray = C._integer_ray((F(3, 4), F(0), F(9, 4)), syms)
    assert all(type(v) is int for v in ray.values())  # integers, as the JSON output shows


def test_start_is_a_point_of_the_region():
    assert compare("N", "d").start == {"N": 1.0, "d": 1.0}
    c = compare("N", "d", ["N >= 8*d"])  # every variable 1 is excluded
    assert c.start["N"] >= 8 * c.start["d"] * (1 - 1e-12) and c.start["d"] >= 1 - 1e-12
    assert compare("N", "d", ["N >= 2*M", "M >= N"]).start is None


def test_parse_makes_every_symbol_positive():
    N = sympy.Symbol("N")
    out = parse(N**2 + sympy.Symbol("d", positive=True))
    assert all(s.is_positive for s in out.free_symbols)
    assert {s.name for s in out.free_symbols} == {"N", "d"}
    rel = parse("M >= d^2", relation=True)
    assert isinstance(rel, sympy.Ge) and all(s.is_positive for s in rel.free_symbols)
    with pytest.raises(InvalidInputError):
        parse("M >= d", relation=False)
    with pytest.raises(InvalidInputError):
        parse("M + d", relation=True)


_ASSUMPTIONS = ["M >= d**2", "M <= d**2", "M <= N*d", "d <= N", "N <= M", "d**2 <= N"]


def _slope(expr, ray, start):
    """d log expr / d log t along x = start * t**ray, by finite differences at large t."""
    syms = [sympy.Symbol(v, positive=True) for v in _VARS]
    # mpmath, not floats: N**2*d**2*M**2 at t = 2**(3*60) is past a float's range
    fn = sympy.lambdify(syms, expr, modules=[{"Min": min, "Max": max}, "mpmath"])

    def logval(k):  # t = 2**k
        two = mpmath.mpf(2)
        return mpmath.log(fn(*(start[v] * two ** (k * e) for v, e in zip(_VARS, ray, strict=True))))

    return float((logval(60) - logval(30)) / (30 * mpmath.log(2)))


def test_verdicts_against_slopes_on_sampled_rays_of_the_region():
    """Brute force: f = O(g) over the region iff f/g's slope is <= 0 along every ray of
    its recession cone; check the verdict on every integer ray in [0, 3]^3 of the cone."""
    rng = random.Random(11)
    exprs = ["N**2*d**2/M", "N**2*d/sqrt(M)", "N*d", "N**2", "M", "Min(N**2*d/sqrt(M), N**2)",
             "Max(N*d, N**2*d**2/M)", "d**2 + N", "N*M/d"]  # fmt: skip
    rays = [(a, b, c) for a in range(4) for b in range(4) for c in range(4) if a or b or c]
    for _ in range(30):
        f, g = rng.sample(exprs, 2)
        assume = rng.sample(_ASSUMPTIONS, rng.randint(0, 2))
        c = compare(f, g, assume)
        if c.empty_region:
            continue
        syms = tuple(sympy.Symbol(v, positive=True) for v in _VARS)
        region = build_region([parse(a, relation=True) for a in assume], syms)
        start = {v: c.start.get(v, 1.0) for v in _VARS}
        ratio = parse(f) / parse(g)
        cone = [r for r in rays if region.in_cone(dict(zip(_VARS, r, strict=True)))]
        slopes = [_slope(ratio, r, start) for r in cone]
        assert c.O == all(s < 0.05 for s in slopes), (f, g, assume)
        assert c.Omega == all(s > -0.05 for s in slopes), (f, g, assume)


@settings(max_examples=30, deadline=None)
@given(e=_expr(2), ray=st.tuples(*[st.integers(0, 3) for _ in _VARS]))
def test_forms_give_the_growth_rate_along_rays(e, ray):
    """max_i min_j a_ij . r is the slope of log e along x = t**r (sums, Min, Max, powers)."""
    syms = tuple(sympy.Symbol(v, positive=True) for v in _VARS)
    form = maxmin_form(e, syms)
    rate = max(min(sum(a * x for a, x in zip(v, ray, strict=True)) for v in m) for m in form)
    assert abs(_slope(parse(e), ray, dict.fromkeys(_VARS, 1.0)) - float(rate)) < 0.05


def test_forms_of_powers_constants_and_refusals():
    N, d = syms = sympy.symbols("N d", positive=True)
    F = Fraction
    assert forms.form_of(sympy.Integer(7), syms) == [[(0, 0)]]
    assert forms.form_of(sympy.Pow(N, 0, evaluate=False), syms) == [[(0, 0)]]
    assert forms.form_of(sympy.Pow(3, sympy.Rational(1, 2)), syms) == [[(0, 0)]]
    assert forms.form_of(sympy.Pow(N + d, 0, evaluate=False), syms) == [[(0, 0)]]
    assert forms.form_of((N + d**2) ** sympy.Rational(-1, 2), syms) == [
        [(F(-1, 2), F(0)), (F(0), F(-1))]]  # fmt: skip
    assert forms.form_of(sympy.Min(N, d**2) ** 3, syms) == [[(0, 6), (3, 0)]]
    for bad, why in [
        (sympy.Integer(-2) * N, "not positive"),
        (sympy.Symbol("x", positive=True), "unknown variable x"),
        (N ** sympy.sqrt(2), "not a rational number"),
        (sympy.log(N), "unsupported term"),
    ]:
        with pytest.raises(InvalidInputError, match=why):
            forms.form_of(bad, syms)


def test_the_term_limit_is_exact(monkeypatch):
    N, d = syms = sympy.symbols("N d", positive=True)
    monkeypatch.setattr(forms, "MAX_TERMS", 4)
    # (N + d)(N + d^2): the product forms 2 * 2 = 4 terms, allowed; a third factor is not
    assert len(forms.form_of((N + d) * (N**3 + d**2), syms)) >= 1
    with pytest.raises(InvalidInputError, match="a product would hold 8 monomials"):
        forms.form_of((N + d) * (N**3 + d**2) * (N**5 + d**7), syms)
    with pytest.raises(InvalidInputError, match="a sum would hold 5 monomials"):
        forms.form_of(N + d + N * d**2 + N**2 * d + N**3 * d**5 / N**4 * N**4, syms)
    with pytest.raises(InvalidInputError, match=r"a Min would hold \d+ monomials"):
        forms.form_of(sympy.Min(N + d, N**2 + d**3, N**3 + d**2), syms)


def test_each_simplex_pivot_is_charged_to_the_budget():
    # diffs (1, 0) and (0, 1) over two variables: max s with r_N >= s, r_d >= s, sum r <= 1
    # needs pivots; each is charged its (m + 1) * (n + 1) tableau entries (m = 3, n = 3)
    F = Fraction
    calls = []
    s, r = C._grows([(F(1), F(0)), (F(0), F(1))], [], 2, calls.append)
    assert s == F(1, 2) and r == (F(1, 2), F(1, 2))
    assert calls and all(c == 4 * 4 for c in calls)
    assert C._grows([(F(1), F(-1)), (F(-1), F(1))], [], 2) is None  # no s > 0: no witness


def test_the_budget_allows_exactly_its_limit():
    budget = C._Budget(10)
    budget.spend(4)
    budget.spend(6)  # 10 entries: at the limit, allowed
    assert budget.work == 10
    with pytest.raises(InvalidInputError, match=r"work limit \(10 simplex updates\)"):
        budget.spend(1)


def test_lps_counts_the_linear_programs_and_each_is_charged_its_set_up(monkeypatch):
    # an event log of the budget's charges and the linear programs, in order
    events = []
    grows, spend = C._grows, C._Budget.spend

    def logged_grows(diffs, cone, nvars, work=None):
        events.append(("lp", len(diffs), nvars))
        out = grows(diffs, cone, nvars, work)
        events.append(("lp done",))
        return out

    def logged_spend(self, entries):
        events.append(("spend", entries))
        return spend(self, entries)

    monkeypatch.setattr(C, "_grows", logged_grows)
    monkeypatch.setattr(C._Budget, "spend", logged_spend)
    c = compare("Max(N*d, M*q)", "Min(N**2, d**2) + Min(M**2, q**2)")
    lps = [i for i, e in enumerate(events) if e[0] == "lp"]
    assert c.lps == len(lps) >= 2
    for i in lps:  # set-up: LP_COST plus one entry per variable of each constraint row
        _, rows, n = events[i]
        assert events[i - 1] == ("spend", C.LP_COST + rows * n)
    # and the pivots inside the programs are charged to the same budget
    inside = [e for i in lps for e in events[i + 1 : events.index(("lp done",), i)]]
    assert inside and all(e[0] == "spend" and e[1] > 0 for e in inside)
