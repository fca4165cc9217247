"""The I/O of the attention backward pass (Li, Liang, Shi, Song et al.) as sympy results.

Li et al. prove that the backward pass of attention (``dQ, dK, dV`` from ``dO``, the
graph of :func:`redblue.dags.attention_backward_dag`) needs and can be done with

    Theta(min((N^2 d^2 + N d^3) / M, (N^2 d + N d^2) / sqrt(M)))

I/O: the first term for large caches (``M >= d^2``, where FlashAttention's backward pass
is optimal), the second for small ones (their tiled algorithm). The two terms differ by
the factor ``d / sqrt(M)`` exactly, so they cross at ``M = d^2``, where both equal
``N^2 + N d`` (:func:`regime_switch_holds`; ``proofs/backward.py`` checks it).

These are the paper's statements, recorded as :class:`~redblue.bounds.results.Result`
objects with their regimes; redblue does not re-prove the lower bounds. What it checks
(``redblue prove backward``): the algebra of the regime switch, and that the two
schedules of :mod:`redblue.strategies.flash_backward` and
:mod:`redblue.strategies.tiling_backward` stay within a stated constant of the bound in
their regimes.

References
----------
.. [1] X. Li, Y. Liang, Z. Shi, Z. Song et al., "On Fine-Grained I/O Complexity of
   Attention Backward Passes", arXiv:2410.09397.
.. [2] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2.
"""

from __future__ import annotations

import math

import sympy

from redblue.bounds.expressions import parse_expression
from redblue.bounds.results import M, N, Result, d

__all__ = [
    "LARGE_CACHE",
    "SMALL_CACHE",
    "REGIME_SWITCH",
    "BACKWARD_RESULTS",
    "BACKWARD_ALGORITHMS",
    "backward_result",
    "backward_bound",
    "backward_regime",
    "regime_switch_holds",
]

#: The large-cache term ``(N^2 d^2 + N d^3) / M``.
LARGE_CACHE: sympy.Expr = (N**2 * d**2 + N * d**3) / M
#: The small-cache term ``(N^2 d + N d^2) / sqrt(M)``.
SMALL_CACHE: sympy.Expr = (N**2 * d + N * d**2) / sympy.sqrt(M)
#: The cache size where the two terms meet.
REGIME_SWITCH: sympy.Expr = d**2

_PEBBLE = "the attention backward-pass DAG, red-blue pebble game (standard matmul)"

BACKWARD_RESULTS: tuple[Result, ...] = (
    Result(
        "backward", "Li et al., backward pass", "tight", sympy.Min(LARGE_CACHE, SMALL_CACHE),
        (), _PEBBLE,
        "attention backward I/O = Theta(min((N^2 d^2 + N d^3)/M, (N^2 d + N d^2)/sqrt(M)))",
    ),
    Result(
        "backward-large-cache", "Li et al., large cache", "lower", LARGE_CACHE,
        ("M >= d**2",), _PEBBLE,
        "for M >= d^2 the backward pass needs Omega((N^2 d^2 + N d^3)/M) I/O",
    ),
    Result(
        "backward-small-cache", "Li et al., small cache", "lower", SMALL_CACHE,
        ("M <= d**2",), _PEBBLE,
        "for M <= d^2 the backward pass needs Omega((N^2 d + N d^2)/sqrt(M)) I/O",
    ),
    Result(
        "flash2-backward", "FlashAttention-2 backward", "upper", LARGE_CACHE,
        ("M >= d**2", "M <= N*d"), "FlashAttention-2's backward pass (Algorithm 2)",
        "FlashAttention-2's backward pass uses O((N^2 d^2 + N d^3)/M) I/O",
    ),
    Result(
        "tiling-backward", "square-tiling backward", "upper", SMALL_CACHE,
        ("M <= d**2",), "the square-tiling backward pass (tiles of side ~ sqrt(M)/2)",
        "the tiled backward pass uses O((N^2 d + N d^2)/sqrt(M)) I/O",
    ),
)  # fmt: skip

_B, _Bc = sympy.symbols("B B_c", positive=True)

#: The schedules' exact counts when the blocks divide ``N`` and ``d``, in their block
#: sizes (``B_c`` key rows; ``B`` the tile side): :func:`redblue.strategies.flash2_backward_io`
#: and :func:`redblue.strategies.tiling_backward_io` with ``T_c = N / B_c``,
#: ``T = N / B``, ``T_d = d / B``.
BACKWARD_ALGORITHMS: dict[str, sympy.Expr] = {
    "flash2-backward": 3 * N * d + (N / _Bc) * (4 * N * d + 2 * N),
    "tiling-backward": 7 * N**2 * d / _B + 3 * N**2 * d / _B + 2 * N**2 + 2 * N + 3 * N * d,
}


def backward_result(name: str) -> Result:
    """The result of :data:`BACKWARD_RESULTS` called ``name`` (e.g. ``"backward"``).

    Raises
    ------
    KeyError
        If no result has that name.

    Examples
    --------
    >>> backward_result("backward-small-cache").regime
    ('M <= d**2',)
    """
    for r in BACKWARD_RESULTS:
        if r.name == name:
            return r
    raise KeyError(name)


def regime_switch_holds(boundary: sympy.Expr | str = REGIME_SWITCH) -> bool:
    """Whether both terms of the bound are equal at ``M = boundary`` for every ``N, d``.

    Parameters
    ----------
    boundary : sympy expression or str
        A cache size in ``N`` and ``d`` (text is read by
        :func:`redblue.bounds.expressions.parse_expression`).

    Returns
    -------
    bool
        True at ``M = d^2`` (both are ``N^2 + N d``); False at any other monomial.

    Examples
    --------
    >>> regime_switch_holds(), regime_switch_holds("2*d**2"), regime_switch_holds("d")
    (True, False, False)

    References
    ----------
    .. [1] X. Li et al., arXiv:2410.09397 (the crossover at M = Theta(d^2)).
    """
    if isinstance(boundary, str):
        boundary = parse_expression(boundary)
    diff = (LARGE_CACHE - SMALL_CACHE).subs(M, boundary)
    return sympy.simplify(diff) == 0


def backward_bound(n: int, d_: int, memory: int) -> float:
    """``min((n^2 d^2 + n d^3) / M, (n^2 d + n d^2) / sqrt(M))`` at a point, as a float.

    Examples
    --------
    >>> backward_bound(64, 8, 64)  # at M = d^2 both terms are n^2 + n d
    4608.0
    """
    large = (n * n * d_ * d_ + n * d_**3) / memory
    small = (n * n * d_ + n * d_ * d_) / math.sqrt(memory)
    return min(large, small)


def backward_regime(n: int, d_: int, memory: int) -> str:
    """``"M >= d^2"`` (large cache) or ``"M < d^2"`` (small cache) at a point.

    Examples
    --------
    >>> backward_regime(64, 8, 64), backward_regime(64, 8, 63)
    ('M >= d^2', 'M < d^2')
    """
    return "M >= d^2" if memory >= d_ * d_ else "M < d^2"
