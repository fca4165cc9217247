"""Max-min forms: expressions up to constant factors, as exponent vectors.

A sum of positive terms is within a constant factor of their maximum, so an expression
built from positive monomials with ``+``, ``*``, ``/``, rational powers, ``Min`` and
``Max`` is, up to constants, ``max_i min_j x ** a_ij``: a list (the max) of lists (the
mins) of exponent vectors. Forms are simplified as they are built: a monomial of a min
that is componentwise above another of the same min never attains it (every variable is
>= 1, so log-coordinates are >= 0), and a min that is below another min everywhere never
attains the max. A product or a ``Min`` of sums multiplies the terms out, so the size is
checked *before* each product is formed: beyond :data:`MAX_TERMS` monomials an
:class:`~redblue.errors.InvalidInputError` says so.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy

from redblue.errors import InvalidInputError

__all__ = ["Form", "MAX_TERMS", "Vec", "below", "cover_table", "form_of", "leq"]

Vec = tuple[Fraction, ...]
Form = list[list[Vec]]  # max over outer list of min over inner list of monomials

#: Most monomials in a max-min form while it is built (a product or a Min of sums
#: multiplies the terms out); well under a second of simplification at the limit.
MAX_TERMS = 4000


def leq(u: Vec, v: Vec) -> bool:
    """``u <= v`` componentwise, so ``u . r <= v . r`` for every ``r >= 0``."""
    return all(a <= b for a, b in zip(u, v, strict=True))


def _minimal(mins: list[Vec]) -> tuple[Vec, ...]:
    # a term componentwise above another of the same min never attains it (r >= 0)
    terms = sorted(set(mins))
    return tuple(v for v in terms if not any(u != v and leq(u, v) for u in terms))


def below(a: tuple[Vec, ...], b: tuple[Vec, ...]) -> bool:
    """min over ``a`` <= min over ``b`` for every r >= 0 (each term of b is above one of a)."""
    return all(any(leq(u, v) for u in a) for v in b)


def _ranks(terms: list[Vec]) -> np.ndarray:
    # each coordinate replaced by its rank among the values it takes: every <= is kept
    ranks = np.zeros((len(terms), len(terms[0]) if terms else 0), dtype=np.int64)
    for k in range(ranks.shape[1]):
        pos = {x: i for i, x in enumerate(sorted({v[k] for v in terms}))}
        ranks[:, k] = [pos[v[k]] for v in terms]
    return ranks


def _le(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``out[u, v]``: rank vector ``rows[u] <= cols[v]`` componentwise (in blocks)."""
    out = np.empty((len(rows), len(cols)), dtype=bool)
    step = max(1, 4_000_000 // (len(cols) * max(1, rows.shape[1]) + 1))
    for i in range(0, len(rows), step):  # blocks keep the (block, cols, n) array small
        out[i : i + step] = (rows[i : i + step, None, :] <= cols[None, :, :]).all(axis=2)
    return out


def _simplify(form: Form) -> Form:
    """Drop the terms that never attain their min and the mins that never attain the max.

    A term componentwise above another of its min never attains it (``r >= 0``); a min
    whose every term is above some term of another min (:func:`below`) never exceeds it.
    Minimal antichains below each other are equal, so the mins kept are the maximal ones.
    Done with numpy on coordinate ranks (replacing each coordinate by its rank among the
    values it takes keeps every ``<=`` exact): 2000 mins take 0.4 s, against 10 s for the
    pairwise Python loop of :func:`below`.
    """
    terms = sorted({v for mins in form for v in mins})
    if not terms:
        return []
    index = {v: i for i, v in enumerate(terms)}
    ranks = _ranks(terms)
    le = _le(ranks, ranks)  # le[u, v]: term u <= term v
    lists: set[tuple[int, ...]] = set()
    for mins in form:
        idx = np.array(sorted({index[v] for v in mins}))
        sub = le[np.ix_(idx, idx)] & ~np.eye(len(idx), dtype=bool)
        lists.add(tuple(idx[~sub.any(axis=0)].tolist()))
    order = sorted(lists)
    cover = np.stack([le[list(a)].any(axis=0) for a in order])  # terms above one of a
    dropped = np.zeros(len(order), dtype=bool)
    for j, b in enumerate(order):
        below_b = cover[:, list(b)].all(axis=1)  # the mins a with a <= b
        below_b[j] = False
        dropped |= below_b
    kept = [a for a, gone in zip(order, dropped, strict=True) if not gone]
    return sorted([terms[i] for i in a] for a in kept)


def cover_table(f: Form, g: Form) -> tuple[np.ndarray, np.ndarray, dict[Vec, int]]:
    """Which terms of ``g`` each min of ``f`` is below, and which mins of ``g`` it is below.

    Returns
    -------
    cover : numpy.ndarray of bool, shape (len(f), terms of g)
        ``cover[i, t]``: some term of ``f[i]`` is componentwise <= the term numbered t.
    table : numpy.ndarray of bool, shape (len(f), len(g))
        ``table[i, k]``: :func:`below` ``(f[i], g[k])``, i.e. ``f[i] <= g[k]`` for r >= 0.
    index : dict
        The number of each term of ``g``.

    Examples
    --------
    >>> F = [[(Fraction(1), Fraction(0))]]                    # N
    >>> G = [[(Fraction(1), Fraction(1))], [(Fraction(0), Fraction(1))]]   # N d, d
    >>> cover_table(F, G)[1].tolist()
    [[True, False]]
    """
    f_terms = sorted({v for mins in f for v in mins})
    g_terms = sorted({v for mins in g for v in mins})
    both = sorted(set(f_terms) | set(g_terms))
    pos = {v: i for i, v in enumerate(both)}
    ranks = _ranks(both)
    le = _le(ranks[[pos[v] for v in f_terms]], ranks[[pos[v] for v in g_terms]])
    fidx = {v: i for i, v in enumerate(f_terms)}
    gidx = {v: j for j, v in enumerate(g_terms)}
    cover = np.stack([le[[fidx[u] for u in mins]].any(axis=0) for mins in f])
    table = np.stack([cover[:, [gidx[v] for v in mins]].all(axis=1) for mins in g], axis=1)
    return cover, table, gidx


def _size(form: Form) -> int:
    return sum(len(m) for m in form)


def _check(terms: int, what: str) -> None:
    if terms > MAX_TERMS:
        raise InvalidInputError(
            f"expression too large to compare: {what} would hold {terms} monomials "
            f"(limit {MAX_TERMS}); simplify it or split the Min/Max"
        )


def _scale(form: Form, p: Fraction) -> Form:
    return [[tuple(p * a for a in v) for v in mins] for mins in form]


def _mul(f: Form, g: Form) -> Form:
    _check(sum(len(a) * len(b) for a in f for b in g), "a product")
    return _simplify(
        [
            [tuple(x + y for x, y in zip(a, b, strict=True)) for a in fi for b in gk]
            for fi in f
            for gk in g
        ]
    )


def _min2(f: Form, g: Form) -> Form:
    # min(max_i F_i, max_k G_k) = max over (i, k) of min(F_i, G_k)
    _check(len(g) * _size(f) + len(f) * _size(g), "a Min")
    return _simplify([fi + gk for fi in f for gk in g])


def _min(forms: list[Form]) -> Form:
    out = forms[0]
    for g in forms[1:]:  # pairwise, simplifying as it goes
        out = _min2(out, g)
    return out


def _reciprocal(form: Form) -> Form:
    # 1 / max_i min_j m_ij = min_i max_j 1/m_ij
    return _min([[[tuple(-a for a in v)] for v in mins] for mins in form])


def form_of(expr: sympy.Expr, variables: tuple[sympy.Symbol, ...]) -> Form:
    """The max-min form of ``expr``: exponent vectors (over ``variables``), up to constants.

    Parameters
    ----------
    expr : sympy.Expr
        Over positive symbols (text goes through :func:`redblue.bounds.compare.maxmin_form`).
    variables : tuple of sympy.Symbol
        Positive symbols, in the order of the vectors' coordinates.

    Returns
    -------
    list of list of tuple of Fraction
        ``max`` over the outer list of ``min`` over each inner list of monomials
        ``prod x_k ** v_k``, simplified (no term or min that can never attain its
        min or max).

    Raises
    ------
    InvalidInputError
        On anything but positive constants, the variables, ``+``, ``*``, ``/``, rational
        powers, ``Min`` and ``Max`` (a subtraction or a logarithm, for instance); on a
        form of more than :data:`MAX_TERMS` monomials.

    Examples
    --------
    >>> N, d = sympy.symbols("N d", positive=True)
    >>> form_of(N + N**2 + d, (N, d))
    [[(Fraction(0, 1), Fraction(1, 1))], [(Fraction(2, 1), Fraction(0, 1))]]
    """
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
        if e.is_Add or isinstance(e, sympy.Max):  # a sum is a max up to a constant
            parts = [walk(arg) for arg in e.args]
            _check(sum(_size(p) for p in parts), "a sum")
            return _simplify([m for p in parts for m in p])
        if e.is_Mul:
            out: Form = [[zero]]
            for arg in e.args:
                out = _mul(out, walk(arg))
            return out
        if e.is_Pow:
            base, power = e.args
            if not power.is_Rational:
                raise InvalidInputError(f"exponent {power} of {e} is not a rational number")
            p = Fraction(int(power.p), int(power.q))
            if base.is_Number:  # a constant, whatever the power
                return walk(base) if p != 0 else [[zero]]
            inner = walk(base)
            if p == 0:
                return [[zero]]
            if p < 0:
                inner, p = _reciprocal(inner), -p
            return _simplify(_scale(inner, p))
        if isinstance(e, sympy.Min):
            return _min([walk(arg) for arg in e.args])
        raise InvalidInputError(
            f"unsupported term {e}: use positive monomials with +, *, /, powers, Min and Max"
        )

    return walk(expr)
