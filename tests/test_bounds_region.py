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
from redblue.bounds.region import _Logs, build_region, coprime_basis, monomial
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
