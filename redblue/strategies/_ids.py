"""Integer-id tables of the attention and matmul DAGs (chain and fma summations).

The block schedules address nodes by position (row ``i``, key ``j``, column ``l``), so
they first translate the builder's node names into integer ids of the compiled graph,
once, into numpy arrays. The naming rules are those of :mod:`redblue.dags._builder`:
the partial sum after ``t + 1`` of ``k`` terms of ``X`` is ``X(0:t+1)``, the last is
``X`` itself, a chain's first partial sum is its first term, and an fma chain's first
node is ``X(0:1)`` (``X`` when ``k = 1``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph
from redblue.strategies._common import lookup, partial_name


def _dot_tables(
    graph: CompiledGraph,
    roots: list[str],
    k: int,
    shape: str,
    product: Callable[[int, int], str] | None,
    lead: tuple[int, ...],
) -> tuple[np.ndarray | None, np.ndarray]:
    """(terms, partial sums) of the chain or fma sums ``roots`` with ``k`` terms each.

    Only the roots are looked up by name; the partial sums and terms are found by walking
    each chain backwards through the compiled predecessor lists, vectorised over all
    roots: a chain node ``add(acc, term)`` / ``fma(acc, x, y)`` lists its operands in
    ``args`` order (the builder adds one edge per operand in order). A sample of the
    walked ids is checked against the builder's names (``product(r, t)`` is the name of
    term ``t`` of root ``r``; None skips the terms). Returns arrays of shape ``lead + (k,)``;
    terms is None for ``"fma"``.
    """
    root_ids = lookup(graph, roots, (len(roots),))
    acc = np.empty((len(roots), k), dtype=np.int32)
    acc[:, k - 1] = root_ids
    chain = shape != "fma"
    term = np.empty_like(acc) if chain else None
    ptr, idx = graph.pred_ptr, graph.pred_idx
    want = 2 if chain else 3
    for t in range(k - 1, 0, -1):
        cur = acc[:, t]
        start = ptr[cur]
        if np.any(ptr[cur + 1] - start != want):
            raise InvalidInputError("the graph's summations do not have the expected shape")
        acc[:, t - 1] = idx[start]
        if chain:
            term[:, t] = idx[start + 1]
    if chain:
        term[:, 0] = acc[:, 0]
    _spot_check(graph, roots, k, acc, term, product)
    shaped = lead + (k,)
    return (None if term is None else term.reshape(shaped)), acc.reshape(shaped)


def _spot_check(graph, roots, k, acc, term, product) -> None:
    """Compare a few walked ids with the names the builder gives those nodes."""
    rng = np.random.default_rng(len(roots) * 31 + k)
    for r in rng.integers(0, len(roots), size=min(len(roots), 16)).tolist():
        for t in sorted({0, 1, k // 2, k - 1}):
            if t >= k:
                continue
            names = {partial_name(roots[r], t, k)} if t > 0 or term is None else set()
            if t > 0 or term is None:
                if str(graph.nodes[int(acc[r, t])]) not in names:
                    raise InvalidInputError(
                        f"the graph's node {graph.nodes[int(acc[r, t])]!r} is not "
                        f"{partial_name(roots[r], t, k)!r}: not the DAG this schedule runs on"
                    )
            if term is not None and product is not None and k > 1:
                expected = product(r, t)
                if str(graph.nodes[int(term[r, t])]) != expected:
                    raise InvalidInputError(
                        f"the graph's node {graph.nodes[int(term[r, t])]!r} is not "
                        f"{expected!r}: not the DAG this schedule runs on"
                    )


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
    s_term, s_acc = _dot_tables(graph, s_roots, d, shape,
                                lambda r, t: f"QK[{r // n},{r % n},{t}]", (n, n))
    A = lookup(graph, [f"A[{i},{j}]" for i, j in pairs], (n, n))
    if n == 1:
        d_acc = A[:, :1].copy()
    else:
        _, d_acc = _dot_tables(graph, [f"D[{i}]" for i in rows], n, "chain", None, (n,))
    late = normalize == "late"
    u_roots = [f"{'U' if late else 'O'}[{i},{c}]" for i in rows for c in range(d)]
    prod = "AV" if late else "PV"
    u_term, u_acc = _dot_tables(graph, u_roots, n, shape,
                                lambda r, j: f"{prod}[{r // d},{j},{r % d}]", (n, d))
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
    term, acc = _dot_tables(graph, roots, k, shape,
                            lambda r, p: f"AB[{r // n},{r % n},{p}]", (m, n))
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
    s_term, s_acc = _dot_tables(graph, [f"S[{i},{j}]" for i, j in pairs], d, shape,
                                lambda r, t: f"QK[{r // n},{r % n},{t}]", (n, n))
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
