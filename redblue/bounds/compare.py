"""Exact asymptotic comparison of monomial expressions by linear programming on exponents.

Variables range over reals >= 1; write each as ``x_k = t ** r_k`` and a monomial
``c * prod x_k ** a_k`` becomes, up to the constant ``c``, ``t ** (a . r)``. A sum of
positive terms is within a constant factor of their maximum, so every expression built
from positive monomials with ``+``, ``*``, ``/``, rational powers, ``Min`` and ``Max`` is,
up to constant factors, a *max-min form* ``max_i min_j x ** a_ij`` and its logarithm is a
positively homogeneous piecewise-linear function ``F(r) = max_i min_j a_ij . r`` of the
log-variables.

The region (variables >= 1 satisfying monomial inequalities ``u <= c * v``) is, in
log-coordinates, a polyhedron ``P``; its recession cone ``C`` is given by ``r >= 0`` and
``(a_u - a_v) . r <= 0`` (constants do not matter). Because ``F - G`` is Lipschitz and
positively homogeneous, and ``P`` is a bounded polytope plus ``C`` (Minkowski-Weyl),
``log f - log g`` is bounded above on ``P`` if and only if ``F(r) <= G(r)`` for every
``r`` in ``C``. That fails iff for some ``i`` and some choice ``l(k)`` of one term of
each min of ``G`` the strict system ``a_ij . r > b_k,l(k) . r`` (all ``j``, ``k``) has a
solution in ``C``: one small linear program each, solved here by an exact simplex over
:class:`fractions.Fraction`. A solution is a *witness ray*: along ``x_k = t ** r_k`` the
ratio ``f / g`` grows like ``t ** s`` with ``s > 0``.

If the region is empty the answers are vacuously true; if it is bounded (``C = {0}``)
every ratio is bounded, so every relation holds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy

from redblue.errors import InvalidInputError

__all__ = ["Comparison", "compare", "is_O", "is_Omega", "is_Theta", "maxmin_form", "parse"]

Vec = tuple[Fraction, ...]
Form = list[list[Vec]]  # max over outer list of min over inner list of monomials


# ----------------------------------------------------------------------------- parsing
def parse(expr: Any) -> sympy.Expr | sympy.core.relational.Relational:
    """A sympy expression from a string or sympy object (``^`` is read as a power)."""
    if isinstance(expr, str):
        try:
            out = sympy.sympify(expr.replace("^", "**"), locals=_LOCALS)
        except (sympy.SympifyError, SyntaxError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"cannot parse expression {expr!r}: {exc}") from None
    else:
        try:
            out = sympy.sympify(expr)
        except sympy.SympifyError as exc:
            raise InvalidInputError(f"cannot parse expression {expr!r}: {exc}") from None
    if not isinstance(out, sympy.Basic):
        raise InvalidInputError(f"cannot parse expression {expr!r}")
    # one positive symbol per name, however the caller spelled it
    swap = {s: sympy.Symbol(s.name, positive=True) for s in out.free_symbols}
    return out.xreplace(swap)


_LOCALS = {
    "min": sympy.Min,
    "max": sympy.Max,
    "Min": sympy.Min,
    "Max": sympy.Max,
    "sqrt": sympy.sqrt,
    **{
        name: sympy.Symbol(name, positive=True)
        for name in ("N", "d", "M", "m", "k", "n", "q", "S", "E", "I", "O", "Q", "N_", "beta")
    },
}


def _dedupe(form: Form) -> Form:
    seen: set[tuple[Vec, ...]] = set()
    out: Form = []
    for mins in form:
        key = tuple(sorted(set(mins)))
        if key not in seen:
            seen.add(key)
            out.append(list(key))
    return out


def _neg_scale(form: Form, p: Fraction) -> Form:
    return [[tuple(p * a for a in v) for v in mins] for mins in form]


def _reciprocal(form: Form) -> Form:
    # 1 / max_i min_j m_ij = min_i max_j 1/m_ij = max over choices phi of min_i 1/m_{i,phi(i)}
    choices = itertools.product(*form)
    return _dedupe([[tuple(-a for a in v) for v in choice] for choice in choices])


def _mul(f: Form, g: Form) -> Form:
    return _dedupe(
        [
            [tuple(x + y for x, y in zip(a, b, strict=True)) for a in fi for b in gk]
            for fi in f
            for gk in g
        ]
    )


def _min(forms: list[Form]) -> Form:
    # min_a max_i F_a,i = max over (i_a) of min_a F_a,i_a (each F_a,i is a min-list)
    return _dedupe([[v for mins in choice for v in mins] for choice in itertools.product(*forms)])


def maxmin_form(expr: Any, variables: tuple[sympy.Symbol, ...]) -> Form:
    """The max-min form of ``expr``: exponent vectors (over ``variables``), up to constants.

    Raises
    ------
    InvalidInputError
        On anything but positive constants, the variables, ``+``, ``*``, ``/``, rational
        powers, ``Min`` and ``Max`` (a subtraction or a logarithm, for instance).
    """
    expr = parse(expr)
    n = len(variables)
    zero = tuple(Fraction(0) for _ in range(n))

    def walk(e: sympy.Expr) -> Form:
        if e.is_Number:
            if not e.is_positive:
                raise InvalidInputError(f"constant {e} is not positive (only positive terms)")
            return [[zero]]
        if e.is_Symbol:
            if e not in variables:
                raise InvalidInputError(f"unknown variable {e}")
            k = variables.index(e)
            return [[tuple(Fraction(int(i == k)) for i in range(n))]]
        if e.is_Add:
            out: Form = []
            for arg in e.args:
                out.extend(walk(arg))
            return _dedupe(out)
        if e.is_Mul:
            out = [[zero]]
            for arg in e.args:
                out = _mul(out, walk(arg))
            return out
        if e.is_Pow:
            base, power = e.args
            if not power.is_Rational:
                raise InvalidInputError(f"exponent {power} of {e} is not a rational number")
            p = Fraction(int(power.p), int(power.q))
            inner = walk(base)
            if p == 0:
                return [[zero]]
            if p < 0:
                inner, p = _reciprocal(inner), -p
            return _neg_scale(inner, p)
        if isinstance(e, sympy.Max):
            out = []
            for arg in e.args:
                out.extend(walk(arg))
            return _dedupe(out)
        if isinstance(e, sympy.Min):
            return _min([walk(arg) for arg in e.args])
        raise InvalidInputError(
            f"unsupported term {e}: use positive monomials with +, *, /, powers, Min and Max"
        )

    return walk(expr)


def _monomial(expr: sympy.Expr, variables: tuple[sympy.Symbol, ...]) -> Vec:
    form = maxmin_form(expr, variables)
    if len(form) != 1 or len(form[0]) != 1:
        raise InvalidInputError(f"assumption side {expr} is not a monomial")
    return form[0][0]


def _cone_rows(assumptions: list[Any], variables: tuple[sympy.Symbol, ...]) -> list[Vec]:
    """Rows ``w`` with ``w . r <= 0`` describing the recession cone of the region."""
    rows: list[Vec] = []
    for item in assumptions:
        rel = parse(item)
        if rel is sympy.true:
            continue
        if not isinstance(rel, sympy.core.relational.Relational) or isinstance(rel, sympy.Ne):
            raise InvalidInputError(f"assumption {item!r} is not an inequality like 'M >= d**2'")
        if isinstance(rel, sympy.Eq):  # u = v: both u <= v and v <= u
            a, b = _monomial(rel.lhs, variables), _monomial(rel.rhs, variables)
            rows.append(tuple(x - y for x, y in zip(a, b, strict=True)))
            rows.append(tuple(y - x for x, y in zip(a, b, strict=True)))
            continue
        if isinstance(rel, sympy.GreaterThan | sympy.StrictGreaterThan):
            small, big = rel.rhs, rel.lhs
        else:
            small, big = rel.lhs, rel.rhs
        a, b = _monomial(small, variables), _monomial(big, variables)
        rows.append(tuple(x - y for x, y in zip(a, b, strict=True)))
    return rows


# ------------------------------------------------------------------------ exact simplex
def simplex_max(
    c: list[Fraction], A: list[list[Fraction]], b: list[Fraction]
) -> tuple[Fraction, list[Fraction]]:
    """Maximise ``c . x`` subject to ``A x <= b``, ``x >= 0``, for ``b >= 0`` (exact).

    Bland's rule (no cycling); the origin is the starting vertex. Raises ValueError if
    the program is unbounded.
    """
    m, n = len(A), len(c)
    if any(bi < 0 for bi in b):
        raise ValueError("simplex_max needs b >= 0")
    # tableau rows: [A | I | b]; objective row: reduced costs
    T = [list(A[i]) + [Fraction(int(i == j)) for j in range(m)] + [b[i]] for i in range(m)]
    obj = [-ci for ci in c] + [Fraction(0)] * m + [Fraction(0)]
    basis = [n + i for i in range(m)]
    while True:
        enter = next((j for j in range(n + m) if obj[j] < 0), None)
        if enter is None:
            break
        best, leave = None, None
        for i in range(m):
            if T[i][enter] > 0:
                ratio = T[i][-1] / T[i][enter]
                if best is None or ratio < best or (ratio == best and basis[i] < basis[leave]):
                    best, leave = ratio, i
        if leave is None:
            raise ValueError("unbounded linear program")
        row = T[leave]
        piv = row[enter]
        row = [v / piv for v in row]
        T[leave] = row
        for i in range(m):
            if i != leave and T[i][enter] != 0:
                f = T[i][enter]
                T[i] = [a - f * r for a, r in zip(T[i], row, strict=True)]
        if obj[enter] != 0:
            f = obj[enter]
            obj = [a - f * r for a, r in zip(obj, row, strict=True)]
        basis[leave] = enter
    x = [Fraction(0)] * (n + m)
    for i, v in enumerate(basis):
        x[v] = T[i][-1]
    return obj[-1], x[:n]


def _grows(diffs: list[Vec], cone: list[Vec], nvars: int) -> tuple[Fraction, Vec] | None:
    """Largest s with diff . r >= s for all diffs over r in the cone, sum r <= 1 (s >= 0).

    Returns (s, r) when s > 0, else None.
    """
    zero = Fraction(0)
    A: list[list[Fraction]] = []
    b: list[Fraction] = []
    for w in cone:
        A.append(list(w) + [zero])
        b.append(zero)
    for dv in diffs:  # s - dv . r <= 0
        A.append([-x for x in dv] + [Fraction(1)])
        b.append(zero)
    A.append([Fraction(1)] * nvars + [zero])
    b.append(Fraction(1))
    c = [zero] * nvars + [Fraction(1)]
    s, x = simplex_max(c, A, b)
    if s > 0:
        return s, tuple(x[:nvars])
    return None


# ----------------------------------------------------------------------------- compare
@dataclass
class Comparison:
    """The answer of :func:`compare`.

    Attributes
    ----------
    O, Omega, Theta : bool
        Whether f = O(g), f = Omega(g), f = Theta(g) over the region.
    witness : dict or None
        When f = O(g) fails: a ray ``{variable: exponent}`` (integers) along which
        ``f / g`` grows without bound, i.e. set each variable to ``t ** exponent``.
    witness_omega : dict or None
        The same for f = Omega(g) failing (``g / f`` grows).
    variables : tuple of str
    lps : int
        Number of linear programs solved.
    """

    O: bool  # noqa: E741
    Omega: bool
    Theta: bool
    witness: dict[str, int] | None = None
    witness_omega: dict[str, int] | None = None
    variables: tuple[str, ...] = field(default_factory=tuple)
    lps: int = 0

    def relation(self) -> str:
        """``Theta``, ``O`` (strictly below), ``Omega`` (strictly above) or ``incomparable``."""
        if self.Theta:
            return "Theta"
        if self.O:
            return "O"
        if self.Omega:
            return "Omega"
        return "incomparable"

    def to_dict(self) -> dict[str, Any]:
        return {
            "O": self.O,
            "Omega": self.Omega,
            "Theta": self.Theta,
            "witness": self.witness,
            "witness_omega": self.witness_omega,
            "relation": self.relation(),
        }


def _integer_ray(r: Vec, variables: tuple[sympy.Symbol, ...]) -> dict[str, int]:
    import math

    den = 1
    for x in r:
        den = den * x.denominator // math.gcd(den, x.denominator)
    ints = [int(x * den) for x in r]
    g = 0
    for v in ints:
        g = math.gcd(g, v)
    g = g or 1
    return {str(v): i // g for v, i in zip(variables, ints, strict=True)}


def _bounded(F: Form, G: Form, cone: list[Vec], nvars: int) -> tuple[bool, Vec | None, int]:
    """Is F <= G on the cone? (i.e. f = O(g)); else a witness ray."""
    lps = 0
    for fi in F:
        for choice in itertools.product(*G):
            diffs = [
                tuple(a - b for a, b in zip(av, bv, strict=True)) for av in fi for bv in choice
            ]
            lps += 1
            hit = _grows(diffs, cone, nvars)
            if hit is not None:
                return False, hit[1], lps
    return True, None, lps


def compare(f: Any, g: Any, assumptions: list[Any] | tuple[Any, ...] = ()) -> Comparison:
    """Decide f = O(g), f = Omega(g), f = Theta(g) exactly.

    Parameters
    ----------
    f, g : sympy expression or str
        Built from positive constants and variables with ``+``, ``*``, ``/``, rational
        powers, ``Min`` and ``Max``.
    assumptions : list of sympy relationals or str
        Monomial inequalities such as ``"M >= d**2"`` or ``M <= N*d`` (or equalities,
        ``sympy.Eq(M, d**2)``). Every variable also satisfies ``x >= 1``.

    Returns
    -------
    Comparison

    Raises
    ------
    InvalidInputError
        On an expression or assumption outside the supported class.

    Examples
    --------
    >>> compare("N**2*d**2/M", "N**2*d/sqrt(M)", ["M >= d**2"]).O
    True
    >>> c = compare("N**2*d**2/M", "N**2*d/sqrt(M)", ["M <= d**2"])
    >>> c.O, c.Omega, c.witness
    (False, True, {'M': 0, 'N': 0, 'd': 1})
    """
    fe, ge = parse(f), parse(g)
    rels = [parse(a) for a in assumptions]
    syms: set[sympy.Symbol] = set(fe.free_symbols) | set(ge.free_symbols)
    for r in rels:
        syms |= set(getattr(r, "free_symbols", set()))
    variables = tuple(sorted(syms, key=lambda s: s.name))
    F = maxmin_form(fe, variables)
    G = maxmin_form(ge, variables)
    cone = _cone_rows(rels, variables)
    n = len(variables)
    o, w_o, l1 = _bounded(F, G, cone, n)
    om, w_om, l2 = _bounded(G, F, cone, n)
    return Comparison(
        O=o,
        Omega=om,
        Theta=o and om,
        witness=None if w_o is None else _integer_ray(w_o, variables),
        witness_omega=None if w_om is None else _integer_ray(w_om, variables),
        variables=tuple(v.name for v in variables),
        lps=l1 + l2,
    )


def is_O(f: Any, g: Any, assumptions: list[Any] | tuple[Any, ...] = ()) -> bool:
    """f = O(g) over the region (see :func:`compare`)."""
    return compare(f, g, assumptions).O


def is_Omega(f: Any, g: Any, assumptions: list[Any] | tuple[Any, ...] = ()) -> bool:
    """f = Omega(g) over the region (see :func:`compare`)."""
    return compare(f, g, assumptions).Omega


def is_Theta(f: Any, g: Any, assumptions: list[Any] | tuple[Any, ...] = ()) -> bool:
    """f = Theta(g) over the region (see :func:`compare`)."""
    return compare(f, g, assumptions).Theta
