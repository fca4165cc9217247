"""The region of monomial assumptions: exact emptiness, against floating point where clear."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from scipy.optimize import linprog

from redblue.bounds.expressions import parse_relation
from redblue.bounds.proof import Proof
from redblue.bounds.region import MAX_EXACT_BITS, _Logs, build_region, coprime_basis, monomial
from redblue.errors import InvalidInputError


def test_coprime_basis_is_coprime_and_covers_every_number():
    rng = random.Random(1)
    for _ in range(300):
        nums = [rng.randint(2, 10**6) for _ in range(rng.randint(1, 6))]
        basis = coprime_basis(nums)
        assert all(math.gcd(a, b) == 1 for i, a in enumerate(basis) for b in basis[i + 1 :])
        for n in nums:
            for b in basis:
                while n % b == 0:
                    n //= b
            assert n == 1


def test_monomial_reads_constants_exactly():
    N, M = sympy.symbols("N M", positive=True)
    vec, const = monomial(sympy.Rational(4, 9) * N**2 / sympy.sqrt(6 * M), (N, M))
    assert vec == (2, Fraction(-1, 2))
    value = sympy.Mul(*(sympy.Integer(g) ** sympy.Rational(q.numerator, q.denominator)
                        for g, q in const.items()))  # fmt: skip
    assert sympy.simplify(value - sympy.Rational(4, 9) / sympy.sqrt(6)) == 0
    assert all(g > 1 and q != 0 for g, q in const.items())
    for bad in (N + M, -N, sympy.log(N), N**M):
        with pytest.raises(InvalidInputError):
            monomial(bad, (N, M))


def test_signs_of_log_combinations_are_exact():
    logs = _Logs([2, 3, 5])
    # 3 log 2 - 2 log 3 = log(8/9) < 0; log 2 - log 2 = 0 needs no floating point
    assert logs.sign((Fraction(3), Fraction(-2), Fraction(0))) == -1
    assert logs.sign((Fraction(0), Fraction(0), Fraction(0))) == 0
    # 3**111202 vs 2**176251 (a convergent of log2(3)): the logs differ by ~1e-6 in
    # ~1.2e5, below the float threshold, so the integers themselves are compared
    logs2 = _Logs([2, 3])
    v = (Fraction(-176251), Fraction(111202))
    size = 176251 * math.log(2) + 111202 * math.log(3)
    assert abs(logs2.value(v)) <= 1e-9 * size  # the exact path is the one taken
    mpmath.mp.dps = 60
    truth = 111202 * mpmath.log(3) - 176251 * mpmath.log(2)
    assert logs2.sign(v) == (1 if truth > 0 else -1)
    assert logs2.sign((Fraction(1, 10**30), Fraction(0))) == 1  # tiny but positive


def _float_feasible(rows, n):
    """scipy's answer and the largest violation margin it leaves (for the cross-check)."""
    A = np.array([[float(x) for x in w] for w, _ in rows]) if rows else np.zeros((0, n))
    b = np.array([beta for _, beta in rows])
    # maximise the slack s: A r + s <= b, r >= 0 -> feasible iff s* >= 0
    res = linprog(np.r_[np.zeros(n), -1.0], A_ub=np.c_[A, np.ones(len(rows))], b_ub=b,
                  bounds=[(0, None)] * n + [(None, 1.0)], method="highs")  # fmt: skip
    return -res.fun


def test_emptiness_agrees_with_floating_point_where_it_is_clear():
    rng = random.Random(7)
    names = ("N", "d", "M")
    agreed = 0
    for _ in range(300):
        rels, rows = [], []
        for _ in range(rng.randint(1, 4)):
            a, b = rng.sample(names, 2)
            ea, eb = rng.randint(1, 3), rng.randint(0, 2)
            p, q = rng.randint(1, 9), rng.randint(1, 9)
            rels.append(f"{p}*{a}**{ea} <= {q}*{b}**{eb}")
        parsed = [parse_relation(r) for r in rels]
        syms = tuple(sympy.Symbol(v, positive=True) for v in names)
        region = build_region(parsed, syms)
        for rel in parsed:
            (wa, ca), (wb, cb) = monomial(rel.lhs, syms), monomial(rel.rhs, syms)
            beta = sum(float(q) * math.log(g) for g, q in cb.items()) - sum(
                float(q) * math.log(g) for g, q in ca.items()
            )
            rows.append((tuple(x - y for x, y in zip(wa, wb, strict=True)), beta))
        slack = _float_feasible(rows, len(names))
        if abs(slack) > 1e-6:  # floating point is unambiguous here
            assert region.empty == (slack < 0), rels
            agreed += 1
        if not region.empty:  # the point found satisfies every assumption
            values = {s: region.point[s.name] for s in syms}
            for rel in parsed:
                lhs, rhs = float(rel.lhs.subs(values)), float(rel.rhs.subs(values))
                assert lhs <= rhs * (1 + 1e-9), rels
    assert agreed > 200


def test_a_vacuous_proof_step_says_so():
    p = Proof("x", "x", "x")
    p.asymptotic("N = Theta(d)", "N", "d", "Theta", ["N >= 2*M", "M >= N"])
    assert p.ok and "region is empty" in p.steps[0].detail


# ------------------------------------------------------------- boundaries, exact answers
def test_coprime_basis_exact_answers():
    assert coprime_basis([12, 18]) == [2, 3]
    assert coprime_basis([1, 2, 3]) == [2, 3]  # 1 is no basis element
    assert coprime_basis([4, 4, 2]) == [2]
    assert coprime_basis([6, 36]) == [6]  # not split further than needed
    assert coprime_basis([30, 7, 30]) == [7, 30]
    assert coprime_basis([1]) == [] and coprime_basis([]) == []


def test_monomial_refuses_what_is_not_a_positive_monomial():
    N, M = sympy.symbols("N M", positive=True)
    x = sympy.Symbol("x", positive=True)  # not one of the variables
    for bad in (sympy.oo * N, sympy.zoo, sympy.nan, sympy.Integer(0) * N + 0, x, N * x,
                N ** sympy.sqrt(2), sympy.Integer(-2) * N):  # fmt: skip
        with pytest.raises(InvalidInputError, match="is not a monomial"):
            monomial(bad, (N, M))
    assert monomial(sympy.Integer(1), (N, M)) == ((0, 0), {})
    assert monomial(N / N, (N, M)) == ((0, 0), {})
    # a float constant is read as its exact binary value: 0.75 = 3 / 2**2
    vec, const = monomial(sympy.Float(0.75) * M, (N, M))
    assert vec == (0, 1) and math.prod(Fraction(g) ** q for g, q in const.items()) == Fraction(3, 4)
    assert monomial((2 * N) ** 3 * sympy.Rational(1, 8), (N, M)) == ((3, 0), {})
    assert monomial(2 * sympy.sqrt(2) * N, (N, M)) == ((1, 0), {2: Fraction(3, 2)})  # 2 twice


def test_huge_constants_are_refused_not_misread():
    logs = _Logs([2, 3])
    why = "^the assumptions' constants are too close to compare exactly$"
    with pytest.raises(InvalidInputError, match=why):
        logs.sign((Fraction(10**400), Fraction(-(10**400))))  # floats overflow


def _region(*texts, names=("N", "d", "M")):
    syms = tuple(sympy.Symbol(v, positive=True) for v in names)
    return build_region([parse_relation(t) for t in texts], syms)


@pytest.mark.parametrize(
    "texts, empty",
    [
        # a constant just above or below 1 around a cycle N >= c M >= c N
        ((f"N >= {2**60 + 1}/{2**60}*M", "M >= N"), True),
        ((f"N >= {2**60 - 1}/{2**60}*M", "M >= N"), False),
        (("N >= M", "M >= N"), False),  # the boundary itself
        (("N >= 2*d", "d >= 3*M", "M >= N/6"), False),  # product of constants exactly 1
        (("N >= 2*d", "d >= 3*M", "M >= N/5"), True),
        (("N >= 2*d", "d >= 3*M", "M >= N/7"), False),
        # every variable is at least 1
        (("N <= 1/2",), True),
        (("N <= 1",), False),
        (("N**2 <= 1",), False),
        (("N*d <= 3/4*M**0", "M >= 1"), True),
        (("M >= 4*d**2", "M <= N*d", "N <= 3*d"), True),  # 4 d^2 <= M <= N d <= 3 d^2
        (("M >= 3*d**2", "M <= N*d", "N <= 3*d"), False),
        (("N > M", "M > N"), False),  # strict read as its closure
        (("N == 2*M", "M == 2*N"), True),
        (("N == 2*M", "M == N/2"), False),
    ],
)
def test_emptiness_on_exact_boundaries(texts, empty):
    region = _region(*texts)
    assert region.empty == empty
    if empty:
        assert region.point is None
        return
    # the point found satisfies every assumption, checked exactly in the logs
    # (the floats are exp of exact log values, so compare with a relative margin)
    point = {sympy.Symbol(k, positive=True): v for k, v in region.point.items()}
    assert all(v >= 1 - 1e-12 for v in region.point.values())
    for t in texts:
        rel = parse_relation(t)
        lhs, rhs = float(rel.lhs.subs(point)), float(rel.rhs.subs(point))
        if isinstance(rel, sympy.Ge | sympy.Gt):
            lhs, rhs = rhs, lhs
        assert lhs <= rhs * (1 + 1e-12), t
        if isinstance(rel, sympy.Eq):
            assert math.isclose(lhs, rhs, rel_tol=1e-12), t


def test_decided_relations_and_refusals():
    N, M = sympy.symbols("N M", positive=True)
    assert not build_region([sympy.true], (N, M)).empty
    assert build_region([sympy.true], (N, M)).point == {"N": 1.0, "M": 1.0}
    for rels in ([sympy.false], [N >= M, sympy.false], [sympy.false, sympy.true]):
        region = build_region(rels, (N, M))
        assert region.empty and region.point is None
    with pytest.raises(InvalidInputError, match="is not an inequality"):
        build_region([N + M], (N, M))
    with pytest.raises(InvalidInputError, match="is not a monomial"):
        build_region([N + M <= 3 * M], (N, M))


def test_a_point_beyond_floats_reads_infinite():
    region = _region("N >= 10**400", names=("N",))
    assert not region.empty and region.point == {"N": math.inf}
    assert math.isclose(_region("N >= 10**300", names=("N",)).point["N"], 1e300, rel_tol=1e-12)


def test_recession_cone_membership_on_its_boundary():
    region = _region("M >= d**2", "M <= N*d", names=("N", "d", "M"))
    # rows: 2 d - M <= 0 and M - N - d <= 0
    assert region.in_cone({"N": 1, "d": 1, "M": 2})  # on both boundaries
    assert region.in_cone((Fraction(1), Fraction(1), Fraction(2)))
    assert region.in_cone({"N": 0, "d": 0, "M": 0})
    assert region.in_cone({"N": 5, "d": 0, "M": 0})
    assert not region.in_cone({"N": 1, "d": 1, "M": Fraction(3, 2)})  # 2 d > M
    assert not region.in_cone({"N": 0, "d": 1, "M": 2})  # M > N + d
    assert not region.in_cone({"N": 1, "d": 0, "M": -1})  # a negative exponent
    assert not region.in_cone({"N": -1, "d": 0, "M": 0})
    free = _region(names=("N", "d"))
    assert free.cone == () and free.in_cone({"N": 0, "d": 3})


def test_exact_signs_with_fractions_unit_and_square_exponents():
    F = Fraction
    # log(2^61 + 1) - log(2^61 - 1) ~ 8.7e-19: the floats of both logs are equal
    logs = _Logs([2**61 - 1, 2**61 + 1])
    assert logs.sign((F(-1), F(1))) == 1 and logs.sign((F(1), F(-1))) == -1
    assert logs.sign((F(-2), F(2))) == 1 and logs.sign((F(2), F(-2))) == -1
    # the convergent of log2(3) scaled by 1/3: truncating the coefficients to integers
    # would flip the sign (3^37067 < 2^58750), clearing the denominators does not
    logs2 = _Logs([2, 3])
    assert logs2.sign((F(-176251, 3), F(111202, 3))) == 1
    assert logs2.sign((F(176251, 3), F(-111202, 3))) == -1
    # far from zero, floating point decides even for coefficients too long to compare
    assert logs2.sign((F(10**6), F(-1))) == 1


def test_every_relation_is_read_and_an_empty_region_keeps_its_variables():
    N, M = sympy.symbols("N M", positive=True)
    region = build_region([sympy.true, N >= 2 * M, M >= N], (N, M))  # true does not stop
    assert region.empty and region.variables == ("N", "M")
    assert region.cone == ((-1, 1), (1, -1))  # 2M <= N and N <= M
    with pytest.raises(InvalidInputError):
        build_region([sympy.false, N + M], (N, M))  # bad input after a decided one


def test_exact_signs_with_mixed_denominators():
    F = Fraction
    # 2**125743 > 3**79335 by a factor 1 + 3.7e-6; over the coprime basis [4, 3] the
    # exponent of 4 is -125743/2: every denominator must be cleared, none truncated
    logs = _Logs([4, 3])
    v = (F(-125743, 2), F(79335))
    assert abs(logs.value(v)) <= 1e-9 * (125743 / 2 * math.log(4) + 79335 * math.log(3))
    assert 2**125743 > 3**79335
    assert logs.sign(v) == -1 and logs.sign((-v[0], -v[1])) == 1


def test_floating_point_decides_only_far_from_zero():
    F = Fraction
    # log(c**6) - log((c**3 + 1)**2) < 0 for every c, by ~2 / c**3; with c = 2**14004 + 1
    # the logs are ~2e4 and the rounded difference 3 log b1 - 2 log b2 comes out > 0
    c = 2**14004 + 1
    logs = _Logs([c**2, c**3 + 1])
    v = (F(3), F(-2))
    assert logs.value(v) > 0  # floating point alone has the wrong sign here
    assert logs.sign(v) == -1 and logs.sign((F(-3), F(2))) == 1


def test_the_exact_comparison_limit_holds_at_its_boundary():
    F = Fraction
    # log(2**61 + 1) and log(2**61 - 1) are the same float, so the integers are compared:
    # 8000 * (61 + 62) bits is under MAX_EXACT_BITS, 8200 * (61 + 62) is over
    logs = _Logs([2**61 - 1, 2**61 + 1])
    assert 8000 * 123 <= MAX_EXACT_BITS < 8200 * 123
    assert logs.sign((F(-8000), F(8000))) == 1
    with pytest.raises(InvalidInputError, match="too close to compare exactly"):
        logs.sign((F(-8200), F(8200)))
