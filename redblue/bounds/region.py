"""The region of a comparison: variables >= 1 under monomial inequalities, decided exactly.

An assumption ``c_u * x**a <= c_v * x**b`` (constants ``c > 0``, rational exponents)
reads, in log-coordinates ``r_k = log x_k >= 0``, as ``(a - b) . r <= log(c_v / c_u)``:
the region is the polyhedron ``P = {r >= 0 : W r <= beta}``. Its recession cone
``C = {r >= 0 : W r <= 0}`` does not depend on the constants, but whether ``P`` is empty
does: ``N >= 2M`` with ``M >= N`` is empty, ``N >= M/2`` with ``M >= N`` is not.

Exactness, without a tolerance. Each right-hand side is a rational combination
``sum_j q_j log g_j`` of logarithms of integers ``g_j > 1``. The integers are replaced by
a *coprime basis* (pairwise coprime integers that each of them is a product of, found by
gcds, no factoring); logarithms of pairwise coprime integers > 1 are linearly independent
over the rationals (unique factorisation), so a right-hand side is a vector of fractions
over the basis, zero exactly when its value is. The phase-1 simplex (Bland's rule, so it
ends) runs with fractions on the left and such vectors on the right, and only ever asks
for the *sign* of a vector's value: decided in floating point when the value is far from
zero compared with a bound on the rounding error, else exactly, by comparing the integers
``prod g_j ** (D q_j)`` for ``q_j`` of either sign (``D`` clears the denominators).
A floating-point LP (scipy's HiGHS) would need a tolerance, and ``N >= 2M``,
``M >= N`` differs from an empty-looking but feasible region only by a constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from redblue.errors import InvalidInputError

__all__ = ["Region", "build_region", "monomial", "coprime_basis"]

Vec = tuple[Fraction, ...]
#: Largest exact comparison of constants, in bits of the integers compared.
MAX_EXACT_BITS = 1_000_000


# ----------------------------------------------------------------------------- monomials
def monomial(
    expr: sympy.Expr, variables: tuple[sympy.Symbol, ...]
) -> tuple[Vec, dict[int, Fraction]]:
    """Exponents ``a`` and constant ``c`` of ``c * prod x_k ** a_k``, ``c`` as ``{g: q}``.

    Parameters
    ----------
    expr : sympy.Expr
        A positive constant (rational, float, or rational powers of them) times rational
        powers of the variables.
    variables : tuple of sympy.Symbol

    Returns
    -------
    tuple
        The exponent vector (fractions, in the order of ``variables``) and the constant
        as ``{g: q}`` with ``c = prod g ** q`` over integers ``g > 1``.

    Raises
    ------
    InvalidInputError
        If ``expr`` is not a positive constant times rational powers of the variables.

    Examples
    --------
    >>> N, M = sympy.symbols("N M", positive=True)
    >>> monomial(2 * N / sympy.sqrt(3 * M), (N, M))
    ((Fraction(1, 1), Fraction(-1, 2)), {2: Fraction(1, 1), 3: Fraction(-1, 2)})
    """
    exps = [Fraction(0)] * len(variables)
    const: dict[int, Fraction] = {}

    def add(g: int, q: Fraction) -> None:
        if g != 1:
            const[g] = const.get(g, Fraction(0)) + q

    def walk(e: sympy.Expr, scale: Fraction) -> None:
        if e.is_Symbol and e in variables:
            exps[variables.index(e)] += scale
        elif e.is_Number and e.is_positive and e.is_finite:
            r = sympy.Rational(e)  # a Float's exact binary value
            add(int(r.p), scale)
            add(int(r.q), -scale)
        elif e.is_Pow and e.exp.is_Rational:
            walk(e.base, scale * Fraction(int(e.exp.p), int(e.exp.q)))
        elif e.is_Mul:
            for arg in e.args:
                walk(arg, scale)
        else:
            raise InvalidInputError(
                f"assumption side {expr} is not a monomial (a positive constant times powers)"
            )

    walk(expr, Fraction(1))
    return tuple(exps), {g: q for g, q in const.items() if q != 0}


def coprime_basis(numbers: list[int]) -> list[int]:
    """Pairwise coprime integers > 1 such that every number is a product of them.

    Examples
    --------
    >>> coprime_basis([12, 18])
    [2, 3]
    """
    basis: list[int] = []
    todo = [n for n in numbers if n > 1]
    # each split replaces b, x by gcd, b/gcd, x/gcd: the product of everything drops
    while todo:
        x = todo.pop()
        if x == 1 or x in basis:
            continue
        for i, b in enumerate(basis):
            g = math.gcd(x, b)
            if g > 1:
                del basis[i]
                todo.extend((g, b // g, x // g))
                break
        else:
            basis.append(x)
    return sorted(basis)


def _coords(const: dict[int, Fraction], basis: list[int]) -> Vec:
    out = [Fraction(0)] * len(basis)
    for g, q in const.items():
        rest = g
        for j, b in enumerate(basis):
            while rest % b == 0:
                rest //= b
                out[j] += q
        if rest != 1:  # pragma: no cover - the basis covers every number by construction
            raise RuntimeError(f"coprime basis {basis} misses {g}")
    return tuple(out)


# ----------------------------------------------------------------- signs of log values
class _Logs:
    """Signs of ``sum_j v_j log basis_j``, exact (see the module docstring)."""

    def __init__(self, basis: list[int]):
        self.basis = basis
        self.logs = [math.log(b) for b in basis]

    def value(self, v: Vec) -> float:
        return math.fsum(float(x) * lg for x, lg in zip(v, self.logs, strict=True))

    def sign(self, v: Vec) -> int:
        if not any(v):
            return 0
        try:
            approx = self.value(v)
            size = math.fsum(abs(float(x)) * lg for x, lg in zip(v, self.logs, strict=True))
        except OverflowError:
            approx, size = 0.0, math.inf
        # rounding error is below (terms + 4) * 2**-52 * size; 1e-9 * size is far above it
        if abs(approx) > 1e-9 * size:
            return 1 if approx > 0 else -1
        den = 1
        for x in v:
            den = den * x.denominator // math.gcd(den, x.denominator)
        ints = [int(x * den) for x in v]
        bits = sum(abs(e) * b.bit_length() for e, b in zip(ints, self.basis, strict=True))
        if bits > MAX_EXACT_BITS:
            raise InvalidInputError("the assumptions' constants are too close to compare exactly")
        up = math.prod(b**e for e, b in zip(ints, self.basis, strict=True) if e > 0)
        down = math.prod(b ** (-e) for e, b in zip(ints, self.basis, strict=True) if e < 0)
        return 1 if up > down else -1  # not equal: the logs are independent and v != 0


def _vsub(a: Vec, b: Vec) -> Vec:
    return tuple(x - y for x, y in zip(a, b, strict=True))


def _vscale(a: Vec, f: Fraction) -> Vec:
    return tuple(x * f for x in a)


def _phase1(rows: list[tuple[Vec, Vec]], n: int, logs: _Logs) -> list[Vec] | None:
    """A point ``r >= 0`` with ``w . r <= beta`` for every row (r as log vectors), or None."""
    zero = tuple(Fraction(0) for _ in logs.basis)
    neg = {i for i, (_, beta) in enumerate(rows) if logs.sign(beta) < 0}
    if not neg:
        return [zero] * n  # every variable 1
    m = len(rows)
    ncol = n + m + len(neg)
    T: list[list[Fraction]] = []
    rhs: list[Vec] = []
    basis: list[int] = []
    for i, (w, beta) in enumerate(rows):
        row = [*w] + [Fraction(int(i == j)) for j in range(m)] + [Fraction(0)] * len(neg)
        if i in neg:  # -w r - s + artificial = -beta >= 0
            row = [-x for x in row]
            col = n + m + sum(1 for j in neg if j < i)
            row[col] = Fraction(1)
            rhs.append(_vscale(beta, Fraction(-1)))
            basis.append(col)
        else:
            rhs.append(beta)
            basis.append(n + i)
        T.append(row)
    # minimise the sum of the artificials; reduced costs d = c - c_B T
    d = [Fraction(int(j >= n + m)) for j in range(ncol)]
    for i in neg:
        d = [dj - t for dj, t in zip(d, T[i], strict=True)]
    while True:
        enter = next((j for j in range(ncol) if d[j] < 0), None)
        if enter is None:
            break
        leave, best = None, None
        for i in range(m):
            if T[i][enter] > 0:
                ratio = _vscale(rhs[i], 1 / T[i][enter])
                s = -1 if best is None else logs.sign(_vsub(ratio, best))
                if s < 0 or (s == 0 and basis[i] < basis[leave]):
                    leave, best = i, ratio
        if leave is None:  # pragma: no cover - phase 1 is bounded below by 0
            raise RuntimeError("phase-1 simplex unbounded")
        piv = T[leave][enter]
        T[leave] = [x / piv for x in T[leave]]
        rhs[leave] = _vscale(rhs[leave], 1 / piv)
        for i in range(m):
            f = T[i][enter]
            if i != leave and f != 0:
                T[i] = [a - f * b for a, b in zip(T[i], T[leave], strict=True)]
                rhs[i] = _vsub(rhs[i], _vscale(rhs[leave], f))
        f = d[enter]
        d = [a - f * b for a, b in zip(d, T[leave], strict=True)]
        basis[leave] = enter
    if any(b >= n + m and logs.sign(rhs[i]) > 0 for i, b in enumerate(basis)):
        return None
    point = [zero] * n
    for i, b in enumerate(basis):
        if b < n:
            point[b] = rhs[i]
    return point


# -------------------------------------------------------------------------------- region
@dataclass(frozen=True)
class Region:
    """Variables >= 1 under monomial inequalities, in log-coordinates.

    Attributes
    ----------
    variables : tuple of str
    cone : tuple of Vec
        Rows ``w`` of the recession cone ``{r >= 0 : w . r <= 0}``.
    empty : bool
        Whether no point satisfies every assumption (decided exactly).
    point : dict or None
        A point of the region (``{variable: value}``, floats), None when empty.
    """

    variables: tuple[str, ...]
    cone: tuple[Vec, ...]
    empty: bool
    point: dict[str, float] | None

    def in_cone(self, ray: dict[str, Any] | Vec) -> bool:
        """Whether a ray (``{variable: exponent}`` or a vector) lies in the recession cone."""
        r = [Fraction(ray[v]) for v in self.variables] if isinstance(ray, dict) else list(ray)
        return all(x >= 0 for x in r) and all(
            sum((a * x for a, x in zip(w, r, strict=True)), Fraction(0)) <= 0 for w in self.cone
        )


def build_region(
    relations: list[sympy.Basic], variables: tuple[sympy.Symbol, ...]
) -> Region:
    """The region of ``relations`` (sympy relations between monomials) over ``variables``.

    ``>``/``<`` are read as ``>=``/``<=``: where the strict region has interior its closure
    is the non-strict one, and boundedness of a continuous ratio is the same on both.

    Parameters
    ----------
    relations : list of sympy relations
        ``u <= v``, ``u >= v`` (strict or not) or ``u == v`` between monomials;
        ``sympy.true`` is skipped, ``sympy.false`` makes the region empty.
    variables : tuple of sympy.Symbol
        Each at least 1.

    Returns
    -------
    Region

    Raises
    ------
    InvalidInputError
        On a relation that is not ``u <= v``, ``u >= v`` or ``u == v`` between monomials.

    Examples
    --------
    >>> N, M = sympy.symbols("N M", positive=True)
    >>> build_region([N >= 2 * M, M >= N], (M, N)).empty
    True
    >>> build_region([N >= M / 2, M >= N], (M, N)).empty
    False
    """
    pairs: list[tuple[sympy.Expr, sympy.Expr]] = []  # small <= big
    contradiction = False
    for rel in relations:
        if rel is sympy.true:
            continue
        if rel is sympy.false:  # sympy decided it fails for every positive value
            contradiction = True
            continue
        rel_types = (sympy.Ge, sympy.Gt, sympy.Le, sympy.Lt, sympy.Eq)
        if not isinstance(rel, rel_types):
            raise InvalidInputError(f"assumption {rel} is not an inequality like 'M >= d**2'")
        if isinstance(rel, sympy.Ge | sympy.Gt):
            pairs.append((rel.rhs, rel.lhs))
        else:
            pairs.append((rel.lhs, rel.rhs))
        if isinstance(rel, sympy.Eq):
            pairs.append((rel.rhs, rel.lhs))
    sides = [(monomial(u, variables), monomial(v, variables)) for u, v in pairs]
    basis = coprime_basis([g for s in sides for side in s for g in side[1]])
    rows: list[tuple[Vec, Vec]] = []
    for (a, cu), (b, cv) in sides:
        beta = _vsub(_coords(cv, basis), _coords(cu, basis))  # log(c_v / c_u)
        rows.append((_vsub(a, b), beta))
    names = tuple(v.name for v in variables)
    cone = tuple(w for w, _ in rows)
    logs = _Logs(basis)
    point = None if contradiction else _phase1(rows, len(variables), logs)
    if point is None:
        return Region(names, cone, True, None)
    n = len(variables)
    for w, beta in rows:  # the exact check of the point found: W r <= beta
        lhs = tuple(sum((w[k] * point[k][j] for k in range(n)), Fraction(0))
                    for j in range(len(basis)))  # fmt: skip
        if logs.sign(_vsub(beta, lhs)) < 0:  # pragma: no cover
            raise RuntimeError("phase-1 point outside the region")
    values = {}
    for name, p in zip(names, point, strict=True):
        try:
            values[name] = math.exp(logs.value(p))
        except OverflowError:
            values[name] = math.inf
    return Region(names, cone, False, values)
