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
