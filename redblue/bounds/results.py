"""The results of Saha & Ye (ICML 2024), as sympy expressions.

Each :class:`Result` holds the asymptotic expression of a bound in ``N``, ``d``, ``M``
(``q`` where needed), its regime as a tuple of monomial inequalities (strings that
:func:`redblue.bounds.compare` reads), whether it is a lower bound, an upper bound or
tight, and the class of algorithms it holds for. The explicit-constant bounds the project
proves itself live in :mod:`redblue.bounds.explicit`.

References
----------
.. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, PMLR 235:43024-43042 (arXiv 2402.07443).
.. [2] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from redblue.bounds.expressions import parse_relation
from redblue.errors import InvalidInputError

__all__ = ["N", "d", "M", "q", "Result", "RESULTS", "ALGORITHMS", "result", "in_regime"]

N, d, M, q = sympy.symbols("N d M q", positive=True)

STANDARD = "standard (combinatorial) matmul: the pebble-game DAG"
ANY = "any algorithm (fast matmul included) computing every entry of QK^T"


@dataclass(frozen=True)
class Result:
    """One result of the paper.

    Attributes
    ----------
    name : str
        Short key, e.g. ``"thm-3.1"``.
    title : str
        E.g. ``"Theorem 3.1"``.
    kind : str
        ``"lower"``, ``"upper"``, ``"tight"``, or ``"count"`` (a per-part count).
    expr : sympy.Expr
        The bound, up to constant factors.
    regime : tuple of str
        Monomial inequalities in ``N``, ``d``, ``M``; empty means every ``M``.
    holds_for : str
    statement : str
    """

    name: str
    title: str
    kind: str
    expr: sympy.Expr
    regime: tuple[str, ...]
    holds_for: str
    statement: str


RESULTS: tuple[Result, ...] = (
    Result(
        "trivial", "trivial bound", "lower", 4 * N * d, (), "any algorithm",
        "each of the 3Nd inputs is loaded and each of the Nd outputs stored at least once",
    ),
    Result(
        "thm-3.1", "Theorem 3.1", "tight", sympy.Min(N**2 * d / sympy.sqrt(M), N**2 * d**2 / M),
        (), STANDARD, "attention I/O = Theta(min(N^2 d / sqrt(M), N^2 d^2 / M))",
    ),
    Result(
        "thm-3.2", "Theorem 3.2", "upper", N**2 * d**2 / M, ("M >= d", "M <= N*d"),
        "FlashAttention", "FlashAttention uses O(N^2 d^2 / M) I/O",
    ),
    Result(
        "lemma-3.3", "Lemma 3.3", "count", M**2 / d**2 + M, ("M >= d**2",), STANDARD,
        "a part of an M-partition computes at most M^2/d^2 + M entries of QK^T",
    ),
    Result(
        "lemma-3.4", "Lemma 3.4", "lower", N**2 * d**2 / M, ("M >= d**2",), STANDARD,
        "minimum 2M-partition size Omega(N^2 d^2 / M^2), hence Q = Omega(N^2 d^2 / M)",
    ),
    Result(
        "thm-3.5", "Theorem 3.5", "upper", N**2 * d / sympy.sqrt(M), ("M <= d**2", "d <= N"),
        "Algorithm 1 (square tiling)", "Algorithm 1 uses O(N^2 d / sqrt(M)) I/O",
    ),
    Result(
        "lemma-3.6", "Lemma 3.6", "lower", N**2 * d / sympy.sqrt(M), (), STANDARD,
        "N x d times d x N standard matmul needs Omega(N^2 d / sqrt(M)) (Hong-Kung)",
    ),
    Result(
        "thm-3.7", "Theorem 3.7", "lower", N**2 * d / sympy.sqrt(M), ("M <= d**2",), STANDARD,
        "attention needs Omega(N^2 d / sqrt(M)) I/O when M = o(d^2)",
    ),
    Result(
        "thm-4.8", "Theorem 4.8", "lower", sympy.Min(N**2 * d**2 / M, N**2), (),
        ANY + ", over F_q, q > N",
        "any algorithm needs Omega(min(N^2 d^2 / M, N^2)) I/O",
    ),
    Result(
        "thm-4.14", "Theorem 4.14", "lower",
        sympy.Min(N**2 * d**2 / (M * sympy.log(N) ** 2), N**2), (), ANY + ", binary inputs",
        "any algorithm needs Omega(min(N^2 d^2 / (M log^2 N), N^2)) I/O over F_2",
    ),
    Result(
        "thm-4.17", "Theorem 4.17", "tight", 2 * N**2 * d / sympy.sqrt(M), ("M <= d**2",),
        STANDARD, "attention = Theta(Q_MM(N,d,N) + Q_MM(N,N,d)) when M <= d^2",
    ),
)  # fmt: skip

#: I/O counts of the algorithms (the paper's section 3), as functions of N, d, M.
ALGORITHMS: dict[str, sympy.Expr] = {
    # FlashAttention-1 literal count: 2Nd + T_c (3Nd + 4N), T_c = N / B_c, B_c = M / (4d)
    "flashattention-1": 2 * N * d + (4 * N * d / M) * (3 * N * d + 4 * N),
    # Algorithm 1: about 8 N^2 d / sqrt(M) + N^2 + N d
    "square-tiling": 8 * N**2 * d / sympy.sqrt(M) + N**2 + N * d,
}


def result(name: str) -> Result:
    """The :class:`Result` called ``name`` (``"thm-3.1"``, ``"Theorem 3.1"``, ``"3.1"``...).

    Case, spaces and punctuation do not matter; a number matches a result's whole number.
    """
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    number = "".join(ch for ch in name if ch.isdigit() or ch == ".")
    for r in RESULTS:
        keys = {"".join(ch for ch in s.lower() if ch.isalnum()) for s in (r.name, r.title)}
        if key in keys or (number and number == r.name.split("-")[-1]):
            return r
    raise KeyError(name)


def in_regime(regime: tuple[str, ...] | list[str], **values: float) -> bool:
    """Whether the point ``values`` (e.g. ``N=8, d=2, M=16``) satisfies every inequality.

    Parameters
    ----------
    regime : tuple or list of str
        Inequalities such as ``"M >= d**2"``, read by
        :func:`redblue.bounds.expressions.parse_relation` (never evaluated as Python).
    **values : float
        A value for every variable the inequalities name.

    Returns
    -------
    bool

    Raises
    ------
    InvalidInputError
        On an inequality the parser refuses, or one naming a variable without a value.

    Examples
    --------
    >>> in_regime(("M >= d**2", "M <= N*d"), N=64, d=8, M=128)
    True
    >>> in_regime(("M >= d**2",), N=64, d=8, M=32)
    False
    """
    subs = {sympy.Symbol(k, positive=True): v for k, v in values.items()}
    for ineq in regime:
        truth = parse_relation(ineq, variables=values).subs(subs)
        if truth not in (sympy.true, sympy.false):
            raise InvalidInputError(f"cannot decide {ineq!r} at {values}")
        if truth is sympy.false:
            return False
    return True
