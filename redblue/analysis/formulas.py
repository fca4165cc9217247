"""The explicit bounds rebuilt in sympy from their derivations, to check ``explicit.py``.

:mod:`redblue.bounds.explicit` computes each bound with integer arithmetic. Here each
one is rebuilt from the step of its derivation that produces it (a convex maximum at
the ends of an interval, a linear one, the solution of an equation), as an exact sympy
expression, and :func:`check_explicit` compares the two at many points. A constant
changed in ``explicit.py`` (a factor, a dropped term, ``2t`` read as ``4t``) changes
the integers at some point and fails the comparison, even where the bound stays valid
and no instance could expose it.

References
----------
.. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024: Lemma 3.3 (roots per part), Lemma 3.4, Lemma 3.6
   (products per part), Theorem 3.7, Lemma 4.6 / Theorem 4.8 (entries per epoch),
   Lemmas 4.9-4.11 / Theorem 4.14 (independent BCH rows).
.. [2] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981
   (Lemma 2.8: Q >= M (P(G, 2M) - 1)).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import sympy
from sympy.printing.pycode import SymPyPrinter

__all__ = ["SYMBOLS", "derived", "formula", "check_explicit", "ATTENTION_POINTS",
           "MATMUL_POINTS"]

N, d, M = sympy.symbols("N d M", positive=True, integer=True)
m, k, n = sympy.symbols("m k n", positive=True, integer=True)
SYMBOLS = {"N": N, "d": d, "M": M, "m": m, "k": k, "n": n}
_x = sympy.Symbol("x", nonnegative=True)


def _ends(f: sympy.Expr, lo: sympy.Expr, hi: sympy.Expr) -> sympy.Expr:
    """Max of a convex (or linear) function of ``_x`` on ``[lo, hi]``: at an end."""
    return sympy.Max(f.subs(_x, lo), f.subs(_x, hi))


def _hong_kung(per_part: sympy.Expr, total: sympy.Expr) -> sympy.Expr:
    """Lemma 2.8 with P(G, 2M) >= ceil(total / per_part): ``M (P - 1)``, at least 0."""
    return sympy.Max(0, M * (sympy.ceiling(total / per_part) - 1))


@functools.cache
def derived() -> dict[str, tuple[tuple[sympy.Symbol, ...], sympy.Expr]]:
    """Every explicit bound as ``(arguments, expression)``, built from its derivation."""
    # Lemma 3.3: class (a) <= |D_T| = x, (b) <= 2M, (c) <= (2M - x)^2 / (4 d^2)
    roots = sympy.floor(2 * M + _ends(_x + (2 * M - _x) ** 2 / (4 * d**2), 0, 2 * M))
    # Lemma 3.6: |D_T| = x products in D, the rest by Loomis-Whitney (2M - x)/2 sqrt(2M)
    products = sympy.floor(_ends(_x + (2 * M - _x) / 2 * sympy.sqrt(2 * M), 0, 2 * M))
    # Lemma 4.6 with Theorem 4.4: B with d sqrt(B/2) = 2M, or B/4 = 2M
    B = sympy.Symbol("B", positive=True)
    by_rank = sympy.solve(sympy.Eq(d * sympy.sqrt(B / 2), 2 * M), B)[0]
    by_count = sympy.solve(sympy.Eq(B / 4, 2 * M), B)[0]
    entries = sympy.floor(sympy.Max(by_rank, by_count))
    # Lemmas 4.9-4.11: m = ceil(log2(N + 1)) bits per BCH symbol, t = floor(d / m)
    bits = sympy.Max(1, sympy.ceiling(sympy.log(N + 1, 2)))
    rows = 2 * sympy.floor(d / bits)
    r = sympy.Symbol("r", positive=True)
    binary_entries = sympy.floor(sympy.Max(by_rank.subs(d, r), by_count))
    binary = sympy.Piecewise(
        (0, sympy.Eq(rows, 0)),
        (_hong_kung(binary_entries.subs(r, rows), N**2), True),
    )
    mm = _hong_kung(products, m * k * n)
    small = sympy.Max(0, mm.subs({m: N, k: d, n: N}) - N**2)  # Theorem 3.7: + N^2 stores
    return {
        "trivial_attention": ((N, d), 3 * N * d + N * d),
        "trivial_matmul": ((m, k, n), m * k + k * n + m * n),
        "roots_per_part": ((d, M), roots),
        "large_cache": ((N, d, M), _hong_kung(roots, N**2)),
        "matmul_products_per_part": ((M,), products),
        "matmul": ((m, k, n, M), mm),
        "small_cache": ((N, d, M), small),
        "entries_per_epoch": ((d, M), entries),
        "any_algorithm": ((N, d, M), _hong_kung(entries, N**2)),
        "bch_independent_rows": ((N, d), rows),
        "any_algorithm_binary": ((N, d, M), binary),
    }


class _ExactPrinter(SymPyPrinter):
    """Prints powers and rationals as sympy calls: ``M**(3/2)`` would be a float power."""

    def _print_Pow(self, expr, rational=False):
        return f"Pow({self._print(expr.base)}, {self._print(expr.exp)})"

    def _print_Rational(self, expr):
        return f"Rational({expr.p}, {expr.q})"

    def _print_Max(self, expr):
        return "Max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "Min(" + ", ".join(self._print(a) for a in expr.args) + ")"


_NAMESPACE = {"sympy": sympy, "Pow": sympy.Pow, "Rational": sympy.Rational,
              "Max": sympy.Max, "Min": sympy.Min}


@functools.cache
def formula(name: str) -> Callable[..., sympy.Integer]:
    """The rebuilt bound ``name`` as a function of ints, evaluated exactly by sympy."""
    args, expr = derived()[name]
    f = sympy.lambdify(args, expr, modules=[_NAMESPACE, "sympy"], printer=_ExactPrinter)
    return lambda *xs: f(*(sympy.Integer(x) for x in xs))


def _coords(name: str, point: tuple[int, ...]) -> tuple[int, ...]:
    """The arguments of ``name`` taken from an ``(N, d, M)`` or ``(m, k, n, M)`` point."""
    args, _ = derived()[name]
    where = ("m", "k", "n", "M") if len(point) == 4 else ("N", "d", "M")
    return tuple(point[where.index(str(a))] for a in args)


#: Points for the comparison: every regime (M below d, around d^2 and 2d^2, far above),
#: N of both parities and around powers of two (the BCH length), big values.
ATTENTION_POINTS: tuple[tuple[int, int, int], ...] = tuple(
    (nn, dd, mm_)
    for nn in (1, 2, 3, 7, 8, 15, 42, 100, 1024, 65536)
    for dd in (1, 2, 3, 4, 7, 8, 16, 64, 128)
    for mm_ in (1, 2, 3, 4, 5, 8, 9, 23, 32, 100, 128, 2048, 8192, 10**6)
)
MATMUL_POINTS: tuple[tuple[int, int, int, int], ...] = tuple(
    (a, b, c, mm_)
    for a in (1, 2, 3, 8, 100)
    for b in (1, 2, 5, 64, 1000)
    for c in (1, 4, 7, 256)
    for mm_ in (1, 2, 3, 5, 8, 18, 98, 128, 10**4, 10**6)
)


def _default_points(name: str) -> list[tuple[int, ...]]:
    args = {str(a) for a in derived()[name][0]}
    if args <= {"d", "M"}:  # per-part and per-epoch counts: every small (d, M) densely
        dense = [(1, dd, mm_) for dd in range(1, 11) for mm_ in range(1, 151)]
        return dense + list(ATTENTION_POINTS)
    return list(MATMUL_POINTS if "m" in args else ATTENTION_POINTS)


def check_explicit(p, names: Iterable[str], points: Iterable[tuple[int, ...]] | None = None
                   ) -> bool:
    """Record one step per bound: ``redblue.bounds.explicit.<name>`` equals its rebuild.

    Parameters
    ----------
    p : redblue.bounds.proof.Proof
    names : iterable of str
        Functions of :mod:`redblue.bounds.explicit`.
    points : iterable of tuples, optional
        ``(N, d, M)`` or ``(m, k, n, M)`` points (default :data:`ATTENTION_POINTS`, and
        :data:`MATMUL_POINTS` for the matmul bounds).

    Returns
    -------
    bool
        Whether every step passed.

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024 (the lemmas each rebuild follows; see
       :func:`derived`).
    """
    from redblue.bounds import explicit

    ok = True
    for name in names:
        pts = list(points) if points is not None else _default_points(name)
        f, g = formula(name), getattr(explicit, name)
        seen, bad = set(), []
        for pt in pts:
            args = _coords(name, pt)
            if args in seen:
                continue
            seen.add(args)
            want, got = f(*args), g(*args)
            if want != got:
                bad.append(f"{name}{args}: derivation {want}, explicit.py {got}")
        _, expr = derived()[name]
        ok &= p.check(
            f"explicit.{name} = its derivation's formula at {len(seen)} points",
            not bad and bool(seen),
            "; ".join(bad[:2]) or f"{str(expr)[:90]}",
        )
    return ok
