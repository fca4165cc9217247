"""Standard attention as a pebbling strategy: ``S`` and ``P`` go through slow memory.

Runs on ``attention_dag(n, d, sum="chain" | "fma", normalize="early")``: the graph with
``P[i,j] = A[i,j] / D[i]`` materialised and ``O = P V``, the computation the standard
implementation performs (Dao et al. 2022, Algorithm 0):

1. ``S = Q K^T``, written to slow memory. For each block of ``B_r`` query rows: load
   ``Q_I``; for each key ``j``: load ``K[j,:]``, compute and store ``S[i,j]`` for
   ``i`` in ``I``.
2. ``P = softmax(S)``, row by row, written to slow memory. If a row fits
   (``N + 2 <= M``): load ``S[i,:]``, compute ``A[i,:]`` and the chain ``D[i]``, then
   ``P[i,:]`` (one pass). Otherwise two passes: the first builds ``D[i]``, the second
   reloads ``S[i,:]`` and recomputes ``A[i,:]`` (the classic game allows recomputation).
3. ``O = P V``: for each block of ``B_r`` rows, for each key ``j``: load ``V[j,:]`` and
   ``P[i,j]``, add ``P[i,j] V[j,l]`` to the running sums ``O[i,l]`` (a chain over ``j``);
   store ``O_I`` at the end.

I/O: ``2Nd + 2 T_r N d + 4N^2`` (``5N^2`` with the two-pass softmax),
``T_r = ceil(N / B_r)``: ``Theta(Nd + N^2)`` once ``B_r = Omega(d)``, i.e. ``M = Omega(d^2)``.

References
----------
.. [1] T. Dao et al., "FlashAttention", NeurIPS 2022, Algorithm 0 and Theorem 2
   (standard attention: Theta(Nd + N^2) HBM accesses).
.. [2] B. Saha and C. Ye, ICML 2024, Sec. 1 (the baseline FlashAttention improves on).
"""

from __future__ import annotations

import numpy as np

from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE, EncodedMoves
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    blocks_of,
    ceil_div,
    check_shape,
    check_sizes,
    concat,
    dot_segments,
    interleave,
    single,
    step,
    too_small,
)
from redblue.strategies._ids import AttentionIds, attention_ids

__all__ = ["standard_block_rows", "standard_moves", "standard_io"]


def standard_block_rows(n: int, d: int, memory: int, *, sum: str = "chain") -> int:
    """Query rows ``B_r`` per block in phases 1 and 3 of standard attention.

    Phase 1 keeps ``Q_I`` (``B_r d`` words), one key row (``d``) and ``c`` working values
    red; phase 3 the running sums ``O_I`` (``B_r d``), one value row, ``P[i,j]`` and the
    working values; ``c = 3`` for ``"chain"``, ``2`` for ``"fma"``. So
    ``B_r = min(N, floor((M - d - c) / d))``.

    Parameters
    ----------
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        If ``M < 2d + c``.

    Examples
    --------
    >>> standard_block_rows(64, 8, 100)
    11
    """
    n, d, memory = check_sizes(n, d, memory)
    c = 3 if check_shape(sum) == "chain" else 2
    if memory < 2 * d + c:
        raise too_small("standard attention", memory, 2 * d + c,
                        "one query row, one key row and the working values")
    return min(n, (memory - d - c) // d)


def _by_key(ids: AttentionIds, rows: np.ndarray, keys: np.ndarray, pair_fn, row_data) -> tuple:
    """One segment per key ``j`` in ``keys``: load ``row_data[j]``, the pairs ``(i, j)``
    for ``i`` in ``rows``, drop ``row_data[j]``."""
    ii = np.tile(rows, keys.size)
    jj = np.repeat(keys, rows.size)
    kinds, nodes = pair_fn(ii, jj)
    width = nodes.shape[1] * rows.size
    data = row_data[keys]
    return concat([
        interleave([(LOAD, data)]),
        (np.tile(kinds, rows.size), nodes.reshape(keys.size, width)),
        interleave([(DELETE, data)]),
    ])


def standard_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, sum: str = "chain"
) -> EncodedMoves:
    """Standard attention as moves on ``attention_dag(n, d, sum=sum, normalize="early")``.

    Parameters
    ----------
    graph : CompiledGraph
        The compiled early-normalised attention DAG.
    n, d, memory : int
        Sequence length, head dimension, red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    EncodedMoves
        I/O as :func:`standard_io`. With the two-pass softmax (``N + 2 > M``) the
        ``A[i,j]`` are computed twice, so the strategy is valid in the classic game only.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small (see :func:`standard_block_rows`).

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(attention_dag(6, 2, sum="chain", normalize="early"))
    >>> replay(C, standard_moves(C, 6, 2, 10), 10).io == standard_io(6, 2, 10).io
    True

    References
    ----------
    .. [1] T. Dao et al., "FlashAttention", NeurIPS 2022, Algorithm 0.
    """
    br = standard_block_rows(n, d, memory, sum=sum)
    ids = attention_ids(graph, n, d, sum, "early")
    shape, buf = ids.shape, MoveBuffer()

    def score(ii: np.ndarray, jj: np.ndarray):
        st = None if ids.s_term is None else ids.s_term[ii, jj]
        s = ids.s_acc[ii, jj, -1]
        return concat(dot_segments(shape, st, ids.s_acc[ii, jj]) + [single(STORE, s),
                                                                    single(DELETE, s)])

    def product(first: bool):
        def pairs(ii: np.ndarray, jj: np.ndarray):
            ut = None if ids.u_term is None else ids.u_term[ii, jj]
            old = None if first else ids.u_acc[ii, jj - 1]
            p = ids.P[ii, jj]
            return concat([single(LOAD, p), step(shape, ut, ids.u_acc[ii, jj], old),
                           single(DELETE, p)])
        return pairs

    keys = np.arange(n)
    for rows in blocks_of(n, br):  # phase 1: S = Q K^T
        buf.load(ids.Q[rows])
        buf.segment(_by_key(ids, rows, keys, score, ids.K))
        buf.delete(ids.Q[rows])
    _softmax(buf, ids, n, memory)  # phase 2
    for rows in blocks_of(n, br):  # phase 3: O = P V
        buf.segment(_by_key(ids, rows, keys[:1], product(True), ids.V))
        if n > 1:
            buf.segment(_by_key(ids, rows, keys[1:], product(False), ids.V))
        out = ids.out[rows]
        buf.store(out)
        buf.delete(out)
    return buf.encoded(graph)


def _softmax(buf: MoveBuffer, ids: AttentionIds, n: int, memory: int) -> None:
    """Phase 2, all rows: ``P[i,j] = exp(S[i,j]) / D[i]``, stored."""
    S, A, P, dacc = ids.s_acc[:, :, -1], ids.A, ids.P, ids.d_acc
    head = [(LOAD, S), (COMPUTE, A), (DELETE, S)]
    segs = [interleave([(k, a[:, :1]) for k, a in head])]
    if n + 2 <= memory:  # one pass: the row of A stays red
        if n > 1:
            segs.append(interleave([(k, a[:, 1:2]) for k, a in head] + [(COMPUTE, dacc[:, 1:2])]))
        if n > 2:
            segs.append(interleave([(k, a[:, 2:]) for k, a in head]
                                   + [(COMPUTE, dacc[:, 2:]), (DELETE, dacc[:, 1:-1])]))
        segs.append(interleave([(COMPUTE, P), (STORE, P), (DELETE, P), (DELETE, A)]))
    else:  # two passes, recomputing A (n >= 2 here)
        segs.append(interleave([(k, a[:, 1:]) for k, a in head]
                               + [(COMPUTE, dacc[:, 1:]), (DELETE, dacc[:, :-1]),
                                  (DELETE, A[:, 1:])]))
        segs.append(interleave(head + [(COMPUTE, P), (STORE, P), (DELETE, P), (DELETE, A)]))
    if n > 1:
        segs.append(single(DELETE, dacc[:, -1]))
    buf.segments(segs)


def standard_io(n: int, d: int, memory: int, *, sum: str = "chain") -> IOCount:
    """Exact I/O of :func:`standard_moves`, in closed form.

    Loads ``Nd + 2 T_r N d + 2N^2`` plus ``N^2`` (one-pass softmax) or ``2N^2``
    (two passes, when ``N + 2 > M``); stores ``2N^2 + Nd``.

    Parameters
    ----------
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    IOCount
        With ``blocks = {"B_r", "T_r", "softmax_passes"}``.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small.

    Examples
    --------
    >>> standard_io(1024, 64, 65536).io  # 4 N^2 + 6 Nd with T_r = 2
    4587520
    """
    br = standard_block_rows(n, d, memory, sum=sum)
    tr = ceil_div(n, br)
    passes = 1 if n + 2 <= memory else 2
    loads = n * d + 2 * tr * n * d + n * n * (1 + passes)
    blocks = {"B_r": br, "T_r": tr, "softmax_passes": passes}
    return IOCount("standard", loads, 2 * n * n + n * d, blocks)
