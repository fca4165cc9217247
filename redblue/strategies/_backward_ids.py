"""Integer-id tables of the attention backward DAG (chain and fma summations).

The backward schedules address nodes by position, so the builder's names (see
:func:`redblue.dags.attention_backward_dag`) are translated once into numpy arrays of
compiled ids, by name: the partial sum after ``t + 1`` of ``k`` terms of ``X`` is
``X(0:t+1)`` and the last is ``X``; a chain's first partial sum is its first product
(the root itself when ``k = 1``); an fma chain starts at ``X(0:1)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from redblue.game.compiled import CompiledGraph
from redblue.strategies._common import check_shape, lookup, partial_name


def _sums(
    graph: CompiledGraph,
    root: Callable[[int, int], str],
    product: Callable[[int, int, int], str],
    a: int,
    b: int,
    k: int,
    shape: str,
) -> tuple[np.ndarray | None, np.ndarray]:
    """(products, partial sums) of the ``a x b`` summations ``root(x, y)`` of ``k`` terms.

    ``product(x, y, t)`` names term ``t`` of ``root(x, y)``. Both arrays have shape
    ``(a, b, k)``: index ``t`` is the partial sum after ``t + 1`` terms (the root at
    ``t = k - 1``) and the ``t``-th product; products are None for ``"fma"``.
    """
    cells = [(x, y) for x in range(a) for y in range(b)]
    if shape == "fma":
        acc = [partial_name(root(x, y), t, k) if t else
               (root(x, y) if k == 1 else f"{root(x, y)}(0:1)")
               for x, y in cells for t in range(k)]  # fmt: skip
        return None, lookup(graph, acc, (a, b, k))
    term = [root(x, y) if k == 1 else product(x, y, t) for x, y in cells for t in range(k)]
    acc = [term[c * k] if t == 0 else partial_name(root(x, y), t, k)
           for c, (x, y) in enumerate(cells) for t in range(k)]  # fmt: skip
    return lookup(graph, term, (a, b, k)), lookup(graph, acc, (a, b, k))


@dataclass(frozen=True)
class BackwardIds:
    """Integer ids of ``attention_backward_dag(n, d, sum=shape)``.

    ``Q, K, V, dO`` are ``(n, d)``; ``L, D`` are ``(n,)``; ``T, P, E, dS`` are
    ``(n, n)`` indexed ``[i, j]``. The sums, all ``(n, n, d)`` indexed ``[i, j, l]`` and
    holding the value after the term of that ``(i, j)``: ``s_acc``/``s_term`` (``S[i,j]``
    after ``l + 1`` terms), ``dp_acc``/``dp_term`` (``dP[i,j]``), ``dv_acc``/``dv_term``
    (``dV[j,l]`` after rows ``0..i``), ``dk_acc``/``dk_term`` (``dK[j,l]``),
    ``dq_acc``/``dq_term`` (``dQ[i,l]`` after keys ``0..j``). Products are None for
    ``"fma"``.
    """

    n: int
    d: int
    shape: str
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    dO: np.ndarray
    L: np.ndarray
    D: np.ndarray
    s_term: np.ndarray | None
    s_acc: np.ndarray
    T: np.ndarray
    P: np.ndarray
    dp_term: np.ndarray | None
    dp_acc: np.ndarray
    E: np.ndarray
    dS: np.ndarray
    dv_term: np.ndarray | None
    dv_acc: np.ndarray
    dk_term: np.ndarray | None
    dk_acc: np.ndarray
    dq_term: np.ndarray | None
    dq_acc: np.ndarray


def _swap(x: np.ndarray | None) -> np.ndarray | None:
    """``[j, l, i]`` -> ``[i, j, l]``."""
    return None if x is None else np.ascontiguousarray(x.transpose(2, 0, 1))


def backward_ids(graph: CompiledGraph, n: int, d: int, shape: str) -> BackwardIds:
    """Id tables of the attention backward DAG; see :class:`BackwardIds`."""
    shape = check_shape(shape)
    mats = [lookup(graph, [f"{x}[{r},{c}]" for r in range(n) for c in range(d)], (n, d))
            for x in ("Q", "K", "V", "dO")]  # fmt: skip
    L, D = (lookup(graph, [f"{x}[{r}]" for r in range(n)], (n,)) for x in "LD")

    def pairs(x: str) -> np.ndarray:
        return lookup(graph, [f"{x}[{i},{j}]" for i in range(n) for j in range(n)], (n, n))

    s_term, s_acc = _sums(graph, "S[{},{}]".format, "QK[{},{},{}]".format, n, n, d, shape)
    dp_term, dp_acc = _sums(graph, "dP[{},{}]".format, "dOV[{},{},{}]".format, n, n, d, shape)
    # dV[j,l], dK[j,l]: term i is (i, j, l); dQ[i,l]: term j is (i, j, l)
    dv_term, dv_acc = _sums(graph, "dV[{},{}]".format,
                            lambda j, c, i: f"PdO[{i},{j},{c}]", n, d, n, shape)
    dk_term, dk_acc = _sums(graph, "dK[{},{}]".format,
                            lambda j, c, i: f"dSQ[{i},{j},{c}]", n, d, n, shape)
    dq_term, dq_acc = _sums(graph, "dQ[{},{}]".format,
                            lambda i, c, j: f"dSK[{i},{j},{c}]", n, d, n, shape)

    def by_key(x: np.ndarray | None) -> np.ndarray | None:  # [i, l, j] -> [i, j, l]
        return None if x is None else np.ascontiguousarray(x.transpose(0, 2, 1))

    return BackwardIds(
        n, d, shape, *mats, L, D, s_term, s_acc, pairs("T"), pairs("P"), dp_term, dp_acc,
        pairs("E"), pairs("dS"), _swap(dv_term), _swap(dv_acc), _swap(dk_term),
        _swap(dk_acc), by_key(dq_term), by_key(dq_acc),
    )
