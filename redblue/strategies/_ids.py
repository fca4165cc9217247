"""Integer-id tables of the attention and matmul DAGs (chain and fma summations).

The block schedules address nodes by position (row ``i``, key ``j``, column ``l``), so
they first translate the builder's node names into integer ids of the compiled graph,
once, into numpy arrays. The naming rules are those of :mod:`redblue.dags._builder`:
the partial sum after ``t + 1`` of ``k`` terms of ``X`` is ``X(0:t+1)``, the last is
``X`` itself, a chain's first partial sum is its first term, and an fma chain's first
node is ``X(0:1)`` (``X`` when ``k = 1``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redblue.game.compiled import CompiledGraph
from redblue.strategies._common import lookup, partial_name


def _dot_tables(
    graph: CompiledGraph,
    roots: list[str],
    k: int,
    shape: str,
    product: list[str] | None,
    lead: tuple[int, ...],
) -> tuple[np.ndarray | None, np.ndarray]:
    """(terms, partial sums) of dot products ``roots`` with ``k`` terms each.

    ``product`` lists the product node names root-major (``len(roots) * k``, chain only).
    Returns arrays of shape ``lead + (k,)``; terms is None for ``"fma"``.
    """
    if shape == "fma":
        acc = [partial_name(r, t, k) for r in roots for t in range(k)]
        return None, lookup(graph, acc, lead + (k,))
    if k == 1:
        ids = lookup(graph, roots, lead + (1,))
        return ids, ids
    assert product is not None
    terms = lookup(graph, product, lead + (k,))
    acc_names = [r if t == k - 1 else f"{r}(0:{t + 1})" for r in roots for t in range(1, k)]
    rest = lookup(graph, acc_names, lead + (k - 1,))
    return terms, np.concatenate([terms[..., :1], rest], axis=-1)


@dataclass(frozen=True)
class AttentionIds:
    """Integer ids of the nodes of ``attention_dag(n, d, sum=shape, normalize=...)``.

    ``s_term[i, j, l]``/``s_acc[i, j, l]``: products and partial sums of ``S[i,j]``
    (``s_acc[i, j, d-1]`` is ``S[i,j]``); ``d_acc[i, j]``: the row sum of ``A[i, :j+1]``;
    ``u_term``/``u_acc[i, j, l]``: the products ``A[i,j] V[j,l]`` and the partial sums
    of ``U[i,l]`` (late) or, for ``normalize="early"``, the products ``P[i,j] V[j,l]``
    and partial sums of ``O[i,l]``. ``s_term``/``u_term`` are None for ``"fma"``.
    """

    n: int
    d: int
    shape: str
    normalize: str
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    s_term: np.ndarray | None
    s_acc: np.ndarray
    A: np.ndarray
    d_acc: np.ndarray
    u_term: np.ndarray | None
    u_acc: np.ndarray
    R: np.ndarray | None  # late only
    out: np.ndarray
    P: np.ndarray | None  # early only


def attention_ids(
    graph: CompiledGraph, n: int, d: int, shape: str, normalize: str = "late"
) -> AttentionIds:
    """Id tables of the (non-causal, non-stable) attention DAG; see :class:`AttentionIds`."""
    rows, pairs = range(n), [(i, j) for i in range(n) for j in range(n)]
    Q, K, V = (
        lookup(graph, [f"{x}[{r},{c}]" for r in rows for c in range(d)], (n, d)) for x in "QKV"
    )
    s_roots = [f"S[{i},{j}]" for i, j in pairs]
    s_prod = None
    if shape == "chain" and d > 1:
        s_prod = [f"QK[{i},{j},{t}]" for i, j in pairs for t in range(d)]
    s_term, s_acc = _dot_tables(graph, s_roots, d, shape, s_prod, (n, n))
    A = lookup(graph, [f"A[{i},{j}]" for i, j in pairs], (n, n))
    d_rest = [f"D[{i}]" if j == n - 1 else f"D[{i}](0:{j + 1})" for i in rows for j in range(1, n)]
    d_acc = np.concatenate([A[:, :1], lookup(graph, d_rest, (n, n - 1))], axis=1)
    if normalize == "late":
        u_roots, prod_fmt = [f"U[{i},{c}]" for i in rows for c in range(d)], "AV[{},{},{}]"
    else:
        u_roots, prod_fmt = [f"O[{i},{c}]" for i in rows for c in range(d)], "PV[{},{},{}]"
    u_prod = None
    if shape == "chain" and n > 1:
        u_prod = [prod_fmt.format(i, j, c) for i in rows for c in range(d) for j in range(n)]
    u_term, u_acc = _dot_tables(graph, u_roots, n, shape, u_prod, (n, d))
    # stored (i, l, j): make them (i, j, l) like the others
    u_acc = np.ascontiguousarray(u_acc.transpose(0, 2, 1))
    if u_term is not None:
        u_term = np.ascontiguousarray(u_term.transpose(0, 2, 1))
    out = lookup(graph, [f"O[{i},{c}]" for i in rows for c in range(d)], (n, d))
    R = P = None
    if normalize == "late":
        R = lookup(graph, [f"R[{i}]" for i in rows], (n,))
    else:
        P = lookup(graph, [f"P[{i},{j}]" for i, j in pairs], (n, n))
    return AttentionIds(n, d, shape, normalize, Q, K, V, s_term, s_acc, A, d_acc, u_term,
                        u_acc, R, out, P)


@dataclass(frozen=True)
class MatmulIds:
    """Integer ids of ``matmul_dag(m, k, n, sum=shape)``: ``A[i,p]``, ``B[p,j]``, and
    ``term``/``acc[i, j, p]``, the products and partial sums of ``C[i,j]``."""

    A: np.ndarray
    B: np.ndarray
    term: np.ndarray | None
    acc: np.ndarray


def matmul_ids(graph: CompiledGraph, m: int, k: int, n: int, shape: str) -> MatmulIds:
    """Id tables of :func:`redblue.dags.matmul_dag`; see :class:`MatmulIds`."""
    A = lookup(graph, [f"A[{i},{p}]" for i in range(m) for p in range(k)], (m, k))
    B = lookup(graph, [f"B[{p},{j}]" for p in range(k) for j in range(n)], (k, n))
    roots = [f"C[{i},{j}]" for i in range(m) for j in range(n)]
    prod = None
    if shape == "chain" and k > 1:
        prod = [f"AB[{i},{j},{p}]" for i in range(m) for j in range(n) for p in range(k)]
    term, acc = _dot_tables(graph, roots, k, shape, prod, (m, n))
    return MatmulIds(A, B, term, acc)


@dataclass(frozen=True)
class OnlineIds:
    """Integer ids of ``attention_dag(n, d, sum=shape, stable=True, online=True)``.

    Indexed ``[i, j]`` or ``[i, j, l]``; running values after key ``j``: ``m_acc``
    (maximum; ``S[i,0]`` at ``j = 0``), ``d_acc`` (row sum; ``A[i,0]`` at ``j = 0``),
    ``u_acc`` (``U[i,l]`` partial sums). ``dm``, ``c`` and ``W`` exist for ``j >= 1``
    only (column 0 holds -1).
    """

    n: int
    d: int
    shape: str
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    s_term: np.ndarray | None
    s_acc: np.ndarray
    T: np.ndarray
    A: np.ndarray
    m_acc: np.ndarray
    dm: np.ndarray
    c: np.ndarray
    d_acc: np.ndarray
    W: np.ndarray
    u_acc: np.ndarray
    R: np.ndarray
    out: np.ndarray


def online_ids(graph: CompiledGraph, n: int, d: int, shape: str) -> OnlineIds:
    """Id tables of the online-softmax attention DAG; see :class:`OnlineIds`."""
    rows, pairs = range(n), [(i, j) for i in range(n) for j in range(n)]
    Q, K, V = (
        lookup(graph, [f"{x}[{r},{c}]" for r in rows for c in range(d)], (n, d)) for x in "QKV"
    )
    s_prod = None
    if shape != "fma" and d > 1:
        s_prod = [f"QK[{i},{j},{t}]" for i, j in pairs for t in range(d)]
    s_term, s_acc = _dot_tables(graph, [f"S[{i},{j}]" for i, j in pairs], d,
                                shape, s_prod, (n, n))
    T = lookup(graph, [f"T[{i},{j}]" for i, j in pairs], (n, n))
    A = lookup(graph, [f"A[{i},{j}]" for i, j in pairs], (n, n))

    def running(name: str) -> list[str]:
        return [partial_name(name.format(i), j, n) for i in rows for j in range(1, n)]

    def later(fmt: str) -> np.ndarray:
        ids = lookup(graph, [fmt.format(i, j) for i in rows for j in range(1, n)],
                     (n, n - 1))
        return np.concatenate([np.full((n, 1), -1, np.int32), ids], axis=1)

    m_acc = np.concatenate([s_acc[:, :1, -1], lookup(graph, running("m[{}]"), (n, n - 1))],
                           axis=1)
    d_acc = np.concatenate([A[:, :1], lookup(graph, running("D[{}]"), (n, n - 1))], axis=1)
    dm, c = later("dm[{},{}]"), later("c[{},{}]")
    W = np.full((n, n, d), -1, np.int32)
    if n > 1:
        W[:, 1:] = lookup(graph, [f"W[{i},{j},{col}]" for i in rows for j in range(1, n)
                                  for col in range(d)], (n, n - 1, d))
    u_acc = lookup(graph, [partial_name(f"U[{i},{col}]", j, n) for i in rows for j in range(n)
                           for col in range(d)], (n, n, d))
    R = lookup(graph, [f"R[{i}]" for i in rows], (n,))
    out = lookup(graph, [f"O[{i},{col}]" for i in rows for col in range(d)], (n, d))
    return OnlineIds(n, d, shape, Q, K, V, s_term, s_acc, T, A, m_acc, dm, c, d_acc, W,
                     u_acc, R, out)
