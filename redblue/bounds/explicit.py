"""Explicit-constant lower bounds proved by the project (every constant derived here).

All bounds are for the classic red-blue pebble game with ``M`` red pebbles on
:func:`redblue.dags.attention_dag` / :func:`redblue.dags.matmul_dag` with product
vertices (``sum="tree"`` or ``"chain"``); the any-algorithm bound also holds for every
algorithm over F_q. Derivations (written out, with each step checked, in ``proofs/``):

``trivial``
    Every input has a successor, so it is loaded at least once; every output starts
    without blue, so it is stored at least once: ``Q >= 3Nd + Nd = 4Nd`` (matmul:
    ``mk + kn + mn``).

``large_cache`` (Hong-Kung Lemma 2.8 with Lemma 3.3's counting)
    Let ``D`` (``|D| <= 2M``) dominate a part and ``Min`` (``|Min| <= 2M``) be its minimum
    set. A root ``S[i,j]`` in the part has a dominator vertex in its summation tree
    (at most ``|D_T|`` roots), or a minimum vertex in it (at most ``2M``), or else every
    path ``Q[i,l] -> ... -> S[i,j]`` and ``K[j,l] -> ... -> S[i,j]`` meets ``D`` at the input,
    so rows ``i`` of Q and ``j`` of K lie in ``D``: with ``I`` and ``J`` such rows,
    ``(I + J) d <= |D_in|`` and at most ``IJ <= |D_in|^2 / (4 d^2)`` roots. With
    ``|D_T| + |D_in| <= 2M`` and convexity, a part holds at most
    ``R = 2M + max(2M, M^2/d^2)`` roots, so ``P(G, 2M) >= ceil(N^2 / R)`` and
    ``Q >= M (ceil(N^2 / floor(R)) - 1)``. For ``M >= 2d^2``: ``Q >= N^2 d^2 / (2M) - M``.

``matmul`` (Hong-Kung with Loomis-Whitney)
    In the matmul DAG every tree vertex has out-degree <= 1 and the roots are sinks, so
    each tree with a product in a part holds a minimum vertex (the last vertex of the
    path to the root inside the part): at most ``2M`` trees. A product not in ``D`` has
    both operands in ``D``. Loomis-Whitney bounds those products by
    ``sqrt(|D_A| |D_B| 2M) <= (|D_A| + |D_B|)/2 * sqrt(2M)``; with ``|D_T|`` products in ``D``
    and ``|D_A| + |D_B| + |D_T| <= 2M`` a part holds at most ``max(2M, M sqrt(2M))``
    products (= ``floor(sqrt(2 M^3))`` for ``M >= 2``). So
    ``Q_MM >= M (ceil(mkn / max(2M, isqrt(2M^3))) - 1) >= mkn / sqrt(2M) - M``.

``small_cache`` (Theorem 3.7's reduction)
    ``Q_A >= Q_MM(N, d, N) - N^2``, with the matmul bound above.

``any_algorithm`` (Lemma 4.1, Theorem 4.4, Lemma 4.6)
    An epoch of ``M`` I/Os sees at most ``2M`` words, so it computes ``B`` entries only if
    ``min(d sqrt(B/2), B/4) <= 2M``, i.e. ``B <= B* = max(8 M^2 / d^2, 8M)``; the ``T``
    epochs compute all ``N^2`` entries, so ``T >= ceil(N^2 / floor(B*))`` and
    ``Q >= M (T - 1)``: ``Q >= min(N^2 d^2 / (8M), N^2 / 8) - M``.
"""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = [
    "trivial_attention",
    "trivial_matmul",
    "roots_per_part",
    "large_cache",
    "matmul_products_per_part",
    "matmul",
    "small_cache",
    "entries_per_epoch",
    "any_algorithm",
    "bch_independent_rows",
    "any_algorithm_binary",
    "attention",
]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def trivial_attention(n: int, d: int) -> int:
    """``4Nd``: each of the 3Nd inputs loaded, each of the Nd outputs stored, once."""
    return 4 * n * d


def trivial_matmul(m: int, k: int, n: int) -> int:
    """``mk + kn + mn``."""
    return m * k + k * n + m * n


def roots_per_part(d: int, memory: int) -> int:
    """``floor(2M + max(2M, M^2/d^2))``: QK^T roots in one part of a 2M-partition."""
    return math.floor(2 * memory + max(Fraction(2 * memory), Fraction(memory**2, d**2)))


def large_cache(n: int, d: int, memory: int) -> int:
    """``M (ceil(N^2 / roots_per_part) - 1)`` (any M; strong when M >= 2 d^2)."""
    return max(0, memory * (_ceil_div(n * n, roots_per_part(d, memory)) - 1))


def matmul_products_per_part(memory: int) -> int:
    """``max(2M, floor(M sqrt(2M)))``: products in one part of a 2M-partition of matmul."""
    return max(2 * memory, math.isqrt(2 * memory**3))


def matmul(m: int, k: int, n: int, memory: int) -> int:
    """``M (ceil(mkn / matmul_products_per_part) - 1)``: standard m x k x n matmul."""
    return max(0, memory * (_ceil_div(m * k * n, matmul_products_per_part(memory)) - 1))


def small_cache(n: int, d: int, memory: int) -> int:
    """``matmul(N, d, N, M) - N^2`` (Theorem 3.7's reduction)."""
    return max(0, matmul(n, d, n, memory) - n * n)


def entries_per_epoch(d: int, memory: int) -> int:
    """``floor(max(8M^2/d^2, 8M))``: entries of QK^T one epoch can compute.

    Theorem 4.4 with Lemma 4.6.
    """
    return math.floor(max(Fraction(8 * memory**2, d**2), Fraction(8 * memory)))


def any_algorithm(n: int, d: int, memory: int) -> int:
    """``M (ceil(N^2 / entries_per_epoch) - 1)``: any algorithm (Lemma 4.1, Theorem 4.8)."""
    return max(0, memory * (_ceil_div(n * n, entries_per_epoch(d, memory)) - 1))


def bch_independent_rows(n: int, d: int) -> int:
    """``2t`` with ``t = floor(d / m)``, ``m = ceil(log2(n + 1))``: rows of the BCH K that are
    always independent (Lemmas 4.9-4.11); 0 when ``d < m``."""
    m = max(1, math.ceil(math.log2(n + 1)))
    return 2 * (d // m)


def any_algorithm_binary(n: int, d: int, memory: int) -> int:
    """Theorem 4.14 with explicit constants: Lemma 4.6's count with ``r = bch_independent_rows``
    in place of ``d``, over F_2: ``B* = max(8 M^2 / r^2, 8M)``."""
    r = bch_independent_rows(n, d)
    if r == 0:
        return 0
    b = math.floor(max(Fraction(8 * memory**2, r**2), Fraction(8 * memory)))
    return max(0, memory * (_ceil_div(n * n, b) - 1))


def attention(n: int, d: int, memory: int) -> tuple[int, str]:
    """The best explicit lower bound at a point, and which argument gives it."""
    cands = {
        "trivial": trivial_attention(n, d),
        "large-cache": large_cache(n, d, memory),
        "small-cache": small_cache(n, d, memory),
        "any-algorithm": any_algorithm(n, d, memory),
    }
    name = max(cands, key=lambda k: cands[k])
    return cands[name], name
