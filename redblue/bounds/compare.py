"""Exact asymptotic comparison of monomial expressions by linear programming on exponents.

Variables range over reals >= 1; write each as ``x_k = t ** r_k`` and a monomial
``c * prod x_k ** a_k`` becomes, up to the constant ``c``, ``t ** (a . r)``. A sum of
positive terms is within a constant factor of their maximum, so every expression built
from positive monomials with ``+``, ``*``, ``/``, rational powers, ``Min`` and ``Max`` is,
up to constant factors, a *max-min form* ``max_i min_j x ** a_ij`` and its logarithm is a
positively homogeneous piecewise-linear function ``F(r) = max_i min_j a_ij . r`` of the
log-variables. Forms are built and kept small by :mod:`redblue.bounds.forms`.

The region (variables >= 1 satisfying monomial inequalities ``u <= c * v``) is, in
log-coordinates, a polyhedron ``P``; whether it is empty is decided exactly, constants
included (:mod:`redblue.bounds.region`), and over an empty region every relation holds
vacuously. Otherwise its recession cone ``C`` is given by ``r >= 0`` and
``(a_u - a_v) . r <= 0``. Because ``F - G`` is Lipschitz and positively homogeneous, and
``P`` is a bounded polytope plus ``C`` (Minkowski-Weyl), ``log f - log g`` is bounded
above on ``P`` if and only if ``F(r) <= G(r)`` for every ``r`` in ``C``. That fails iff
for some min ``i`` of ``F`` there is ``r`` in ``C`` with ``min_j a_ij . r > min_l b_kl . r``
for every min ``k`` of ``G``, i.e. a choice ``l(k)`` of one term of each min of ``G``
whose strict system ``a_ij . r > b_k,l(k) . r`` (all ``j``, ``k``) is feasible. The
choices are searched depth first: each node solves one small linear program (an exact
simplex, :func:`simplex_max`) on the terms chosen so far; an infeasible node
cuts its subtree, and a node whose solution already beats every min of ``G`` is a
*witness ray*: along ``x_k = t ** r_k`` (from any point of the region) ``f / g`` grows
like ``t ** s`` with ``s > 0``. Only mins of ``G`` that the current solution does not
beat are branched on.

Limits keep every call to a few seconds: :data:`~redblue.bounds.forms.MAX_TERMS`
monomials in a form while it is built (``Min`` of sums multiplies out) and
:data:`MAX_WORK` tableau entries updated by the simplex over a comparison (the cost of
the linear programs, whatever their number and size); beyond either,
:class:`~redblue.errors.InvalidInputError` says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy

from redblue.bounds.expressions import as_sympy
from redblue.bounds.forms import MAX_TERMS, Form, Vec, cover_table, form_of
from redblue.bounds.region import Region, build_region
from redblue.errors import InvalidInputError

__all__ = [
    "Comparison",
    "compare",
    "is_O",
    "is_Omega",
    "is_Theta",
    "maxmin_form",
    "parse",
    "MAX_WORK",
    "MAX_TERMS",
]

#: Most simplex work of one comparison: tableau entries updated, summed over its linear
#: programs, plus :data:`LP_COST` a program (about 2 s at the limit on a loaded core).
MAX_WORK = 3_000_000
#: Fixed work charged for each linear program (setting it up costs about that much).
LP_COST = 200

EMPTY_NOTE = "region is empty: every relation holds vacuously"


# ----------------------------------------------------------------------------- parsing
def parse(expr: Any, relation: bool | None = None) -> sympy.Expr | sympy.core.relational.Relational:
    """A sympy expression or relation from text or a sympy object, symbols made positive.

    Text is read by :func:`redblue.bounds.expressions.as_sympy` (never evaluated as
    Python; ``^`` is a power).

    Parameters
    ----------
    expr : str, number or sympy object
    relation : bool or None
        For text: True requires a relation, False an expression, None takes either.

    Returns
    -------
    sympy.Expr or sympy relation
        Every symbol replaced by the positive symbol of the same name.

    Raises
    ------
    InvalidInputError
        On text the parser refuses.

    Examples
    --------
    >>> parse("N^2*d/sqrt(M)")
    N**2*d/sqrt(M)
    >>> parse(sympy.Symbol("N") ** 2).free_symbols == {sympy.Symbol("N", positive=True)}
    True
    """
    out = as_sympy(expr, relation=relation)
    # one positive symbol per name, however the caller spelled it (rebuilding only when
    # needed: xreplace re-evaluates, and the parser's Min/Max are left unevaluated)
    swap = {s: sympy.Symbol(s.name, positive=True) for s in out.free_symbols}
    swap = {s: p for s, p in swap.items() if s != p}
    return out.xreplace(swap) if swap else out


# ------------------------------------------------------------------------ max-min forms
def maxmin_form(expr: Any, variables: tuple[sympy.Symbol, ...]) -> Form:
    """The max-min form of ``expr`` (text or sympy): see :func:`redblue.bounds.forms.form_of`.

    Parameters
    ----------
    expr : str or sympy expression
    variables : tuple of sympy.Symbol
        Positive symbols, in the order of the vectors' coordinates.

    Returns
    -------
    list of list of tuple of Fraction

    Raises
    ------
    InvalidInputError
        On text the parser refuses, on anything but positive constants, the variables,
        ``+``, ``*``, ``/``, rational powers, ``Min`` and ``Max``, or on a form of more
        than :data:`~redblue.bounds.forms.MAX_TERMS` monomials.

    Examples
    --------
    >>> N, d = sympy.symbols("N d", positive=True)
    >>> maxmin_form("N + N**2 + d", (N, d))
    [[(Fraction(0, 1), Fraction(1, 1))], [(Fraction(2, 1), Fraction(0, 1))]]
    """
    return form_of(parse(expr, relation=False), variables)


# ------------------------------------------------------------------------ exact simplex
def simplex_max(
    c: list[Fraction],
    A: list[list[Fraction]],
    b: list[Fraction],
    work: Callable[[int], None] | None = None,
) -> tuple[Fraction, list[Fraction]]:
    """Maximise ``c . x`` subject to ``A x <= b``, ``x >= 0``, for ``b >= 0`` (exact).

    Bland's rule (no cycling); the origin is the starting vertex. Raises ValueError if
    the program is unbounded. ``work``, if given, is told the number of tableau entries
    each pivot updates (and may raise to stop).
    """
    m, n = len(A), len(c)
    if any(bi < 0 for bi in b):
        raise ValueError("simplex_max needs b >= 0")
    # Compact (Tucker) tableau: basic w_i = b_i - sum_j a_ij * (nonbasic j); the last row
    # holds the reduced costs and -z. No identity block, so a pivot updates (m + 1) * (n + 1)
    # entries. Integer pivoting (Bareiss, as in lrs): entries are integers over one common
    # denominator ``den`` > 0 (the last pivot) and every division below is exact, so it is
    # exact like Fractions but with no gcd per operation. Each constraint row is scaled to
    # integers (same feasible set) and so is the objective (value unscaled at the end).
    # Variables are labelled 0..n-1 (x) and n..n+m-1 (slacks); Bland's rule on the labels,
    # so no cycling.
    def integers(row: list[Fraction]) -> tuple[list[int], int]:
        lcm = 1
        for v in row:
            lcm = lcm * v.denominator // math.gcd(lcm, v.denominator)
        return [int(v * lcm) for v in row], lcm

    T = [integers([Fraction(v) for v in A[i]] + [Fraction(b[i])])[0] for i in range(m)]
    cost, cscale = integers([Fraction(v) for v in c] + [Fraction(0)])
    T.append(cost)  # the objective row, with -z in its last entry
    den = 1
    nonbasic = list(range(n))
    basic = [n + i for i in range(m)]
    while True:
        cands = [j for j in range(n) if T[m][j] > 0]
        if not cands:
            break
        e = min(cands, key=lambda j: nonbasic[j])
        r = None
        for i in range(m):
            if T[i][e] > 0:  # ratio T[i][-1] / T[i][e], compared by cross-multiplying
                if r is None:
                    r = i
                    continue
                lhs, rhs = T[i][-1] * T[r][e], T[r][-1] * T[i][e]
                if lhs < rhs or (lhs == rhs and basic[i] < basic[r]):
                    r = i
        if r is None:
            raise ValueError("unbounded linear program")
        piv, prow = T[r][e], T[r]
        for i in range(m + 1):
            f = T[i][e]
            if i == r:
                continue
            row = [(a * piv - f * q) // den for a, q in zip(T[i], prow, strict=True)]
            row[e] = -f
            T[i] = row
        prow = list(prow)
        prow[e] = den
        T[r] = prow
        den = piv
        nonbasic[e], basic[r] = basic[r], nonbasic[e]
        if work is not None:
            work((m + 1) * (n + 1))
    x = [Fraction(0)] * n
    for i, label in enumerate(basic):
        if label < n:
            x[label] = Fraction(T[i][-1], den)
    return Fraction(-T[m][-1], den * cscale), x


def _grows(
    diffs: list[Vec], cone: list[Vec], nvars: int, work: Callable[[int], None] | None = None
) -> tuple[Fraction, Vec] | None:
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
    s, x = simplex_max(c, A, b, work)
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
        ``f / g`` grows without bound, i.e. set each variable to ``start * t ** exponent``.
        The ray lies in the region's recession cone, so the whole path stays in it.
    witness_omega : dict or None
        The same for f = Omega(g) failing (``g / f`` grows).
    variables : tuple of str
    lps : int
        Number of linear programs solved.
    empty_region : bool
        The assumptions exclude every point: each relation holds vacuously (no witness).
    start : dict or None
        A point of the region (floats) where the witness rays start; every variable 1
        unless the assumptions exclude that point. None when the region is empty.
    """

    O: bool  # noqa: E741
    Omega: bool
    Theta: bool
    witness: dict[str, int] | None = None
    witness_omega: dict[str, int] | None = None
    variables: tuple[str, ...] = field(default_factory=tuple)
    lps: int = 0
    empty_region: bool = False
    start: dict[str, float] | None = None

    def relation(self) -> str:
        """``Theta``, ``O`` (strictly below), ``Omega`` (strictly above) or ``incomparable``."""
        if self.Theta:
            return "Theta"
        if self.O:
            return "O"
        if self.Omega:
            return "Omega"
        return "incomparable"

    def note(self) -> str:
        """One line about the region: empty (every relation vacuous) or nothing."""
        return EMPTY_NOTE if self.empty_region else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "O": self.O,
            "Omega": self.Omega,
            "Theta": self.Theta,
            "witness": self.witness,
            "witness_omega": self.witness_omega,
            "relation": self.relation(),
            "empty_region": self.empty_region,
            "note": self.note(),
            "start": self.start,
            "lps": self.lps,
        }


def _integer_ray(r: Vec, variables: tuple[sympy.Symbol, ...]) -> dict[str, int]:
    den = 1
    for x in r:
        den = den * x.denominator // math.gcd(den, x.denominator)
    ints = [int(x * den) for x in r]
    g = 0
    for v in ints:
        g = math.gcd(g, v)
    g = g or 1
    return {str(v): i // g for v, i in zip(variables, ints, strict=True)}


class _Budget:
    """Counts linear programs and simplex work; refuses past :data:`MAX_WORK`."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lps = 0
        self.work = 0

    def spend(self, entries: int) -> None:
        self.work += entries
        if self.work > self.limit:
            raise InvalidInputError(
                f"comparison too large: {self.lps} linear programs reached the work limit "
                f"({self.limit} simplex updates); simplify the expressions or add assumptions"
            )


def _dot(a: Vec, r: Vec) -> Fraction:
    return sum((x * y for x, y in zip(a, r, strict=True)), Fraction(0))


def _exceeds(
    fi: list[Vec], G: Form, beatable: list[list[int]], cone: list[Vec], n: int, budget: _Budget
) -> Vec | None:
    """A ray r of the cone with min_j a_j . r > G(r), or None (depth-first over choices).

    ``beatable[k]``: the terms of G's min k that no term of ``fi`` is componentwise below
    (only those can be beaten).
    """
    size = sum(len(gk) for gk in G)

    def open_mins(r: Vec) -> list[int]:  # the mins of G that r does not beat yet
        budget.spend(size)
        top = min(_dot(a, r) for a in fi)
        return [k for k, gk in enumerate(G) if not top > min(_dot(b, r) for b in gk)]

    def children(chosen: tuple, ks: list[int], r: Vec | None) -> list[tuple]:
        k = min(ks, key=lambda k: len(beatable[k]))
        order = beatable[k]
        if r is not None:  # the terms smallest at r first: the likeliest to be beaten
            order = sorted(order, key=lambda li: _dot(G[k][li], r))
        return [chosen + ((k, li),) for li in reversed(order)]  # a stack: best on top

    stack = children((), list(range(len(G))), None)
    while stack:
        chosen = stack.pop()
        diffs = {tuple(x - y for x, y in zip(a, G[k][li], strict=True))
                 for k, li in chosen for a in fi}  # fmt: skip
        budget.lps += 1
        budget.spend(LP_COST + len(diffs) * n)  # setting up the tableau
        hit = _grows(sorted(diffs), cone, n, budget.spend)
        if hit is None:
            continue  # these choices cannot all be beaten at once: cut the subtree
        r = hit[1]
        open_ = open_mins(r)
        if not open_:
            return r
        stack.extend(children(chosen, open_, r))
    return None


def _bounded(
    F: Form, G: Form, region: Region, n: int, budget: _Budget
) -> tuple[bool, Vec | None]:
    """Is F <= G on the cone? (i.e. f = O(g)); else a witness ray."""
    cone = list(region.cone)
    cover, table, index = cover_table(F, G)  # numpy: no pairwise Python loops
    for i, fi in enumerate(F):
        if table[i].any():
            continue  # fi <= G_k term by term: no LP needed
        budget.spend(sum(len(gk) for gk in G))
        beatable = [[li for li, b in enumerate(gk) if not cover[i, index[b]]] for gk in G]
        if not all(beatable):
            continue  # some min of G is never beaten by fi
        r = _exceeds(fi, G, beatable, cone, n, budget)
        if r is not None:
            if not region.in_cone(r):  # pragma: no cover - the LPs keep r in the cone
                raise RuntimeError(f"witness {r} outside the recession cone")
            return False, r
    return True, None


def compare(f: Any, g: Any, assumptions: list[Any] | tuple[Any, ...] = ()) -> Comparison:
    """Decide f = O(g), f = Omega(g), f = Theta(g) exactly.

    Parameters
    ----------
    f, g : sympy expression or str
        Built from positive constants and variables with ``+``, ``*``, ``/``, rational
        powers, ``Min`` and ``Max``. Text is parsed, never evaluated.
    assumptions : list of sympy relationals or str
        Monomial inequalities such as ``"M >= d**2"`` or ``"N >= 2*M"`` (or equalities,
        ``sympy.Eq(M, d**2)``); constants count when deciding whether the region is
        empty. Every variable also satisfies ``x >= 1``.

    Returns
    -------
    Comparison
        Over an empty region every relation holds, vacuously (``empty_region``).

    Raises
    ------
    InvalidInputError
        On an expression or assumption outside the supported class; on a comparison
        beyond :data:`MAX_TERMS` or :data:`MAX_WORK`.

    Examples
    --------
    >>> compare("N**2*d**2/M", "N**2*d/sqrt(M)", ["M >= d**2"]).O
    True
    >>> c = compare("N**2*d**2/M", "N**2*d/sqrt(M)", ["M <= d**2"])
    >>> c.O, c.Omega, c.witness
    (False, True, {'M': 0, 'N': 0, 'd': 1})
    >>> c = compare("N", "d", ["N >= 2*M", "M >= N"])
    >>> c.Theta, c.witness, c.note()
    (True, None, 'region is empty: every relation holds vacuously')
    """
    fe, ge = parse(f, relation=False), parse(g, relation=False)
    rels = [parse(a, relation=True) for a in assumptions]
    syms: set[sympy.Symbol] = set(fe.free_symbols) | set(ge.free_symbols)
    for r in rels:
        syms |= set(getattr(r, "free_symbols", set()))
    variables = tuple(sorted(syms, key=lambda s: s.name))
    names = tuple(v.name for v in variables)
    F = maxmin_form(fe, variables)
    G = maxmin_form(ge, variables)
    region = build_region(rels, variables)
    if region.empty:
        return Comparison(True, True, True, variables=names, empty_region=True)
    n = len(variables)
    budget = _Budget(MAX_WORK)
    o, w_o = _bounded(F, G, region, n, budget)
    om, w_om = _bounded(G, F, region, n, budget)
    return Comparison(
        O=o,
        Omega=om,
        Theta=o and om,
        witness=None if w_o is None else _integer_ray(w_o, variables),
        witness_omega=None if w_om is None else _integer_ray(w_om, variables),
        variables=names,
        lps=budget.lps,
        start=region.point,
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
