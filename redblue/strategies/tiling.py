"""Saha & Ye's Algorithm 1 (SquareTilingAttention) as a pebbling strategy.

Runs on ``attention_dag(n, d, sum="chain" | "fma")`` (late normalisation, the paper's
graph with chain summations): the algorithm accumulates ``S[i,j]`` over blocks of the
head dimension, ``D[i]`` over column blocks and ``U[i,l]`` over key blocks, each in
order, which is a left-to-right chain.

Tiles are ``B x B`` with ``B = floor(sqrt(M / 4))`` (reduced while
``3B^2 + B + c > M``, which only happens for ``B = 1``):

- Phase 1, for each row block ``I``: for each column block ``J``: for each block ``L``
  of the head dimension: load ``Q[I,L]`` and ``K[J,L]``, add their products to the
  running sums ``S[I,J]``, drop them; then ``A = exp(S)`` for the tile, one step of
  each row sum ``D[i]``, store ``A[I,J]``. Store ``D[I]``.
- Phase 2, for each row block ``I``: load ``D[I]``, compute ``R[I] = 1 / D[I]``; for each
  block ``L`` of output columns: for each key block ``J``: load ``A[I,J]`` and
  ``V[J,L]``, add ``A[i,j] V[j,l]`` to the running sums ``U[I,L]``; then compute and
  store ``O[I,L] = R[I] U[I,L]``.

Cache use: ``3B^2 + B`` resident words plus ``c`` working values (``c = 2`` for
``"chain"``: product and new sum; ``1`` for ``"fma"``).

References
----------
.. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Algorithm 1 and Theorem 3.5 (O(N^2 d / sqrt(M)) I/O,
   matching the lower bound of Theorem 3.7 for M = o(d^2)).
"""

from __future__ import annotations

import math

import numpy as np

from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, STORE, EncodedMoves
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    blocks_of,
    ceil_div,
    check_shape,
    check_sizes,
    concat,
    interleave,
    single,
    step,
    too_small,
)
from redblue.strategies._ids import attention_ids

__all__ = ["tiling_block_size", "tiling_moves", "tiling_io"]


def tiling_block_size(memory: int, *, sum: str = "chain") -> int:
    """The tile size ``B`` of Algorithm 1: ``floor(sqrt(M / 4))``, made to fit.

    The schedule holds ``3B^2 + B`` words plus ``c`` working values (``c = 2`` for
    ``"chain"``, ``1`` for ``"fma"``); ``4B^2 <= M`` implies ``3B^2 + B + c <= M`` for
    ``B >= 2``, so only ``B = 1`` can need more than the paper's ``M >= 4``.

    Parameters
    ----------
    memory : int
        The red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        If ``M < 4 + c``.

    Examples
    --------
    >>> tiling_block_size(64), tiling_block_size(63), tiling_block_size(6)
    (4, 3, 1)
    """
    c = 2 if check_shape(sum) == "chain" else 1
    if isinstance(memory, bool) or not isinstance(memory, int) or memory < 1:
        check_sizes(1, 1, memory)
    if memory < 4 + c:
        raise too_small("square tiling", memory, 4 + c, "three 1 x 1 tiles, a row sum and "
                        "the working values")
    b = math.isqrt(memory // 4)
    while 3 * b * b + b + c > memory:
        b -= 1
    return b


def tiling_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, sum: str = "chain"
) -> EncodedMoves:
    """Algorithm 1 of Saha & Ye as moves on ``compile_graph(attention_dag(n, d, sum=sum))``.

    Parameters
    ----------
    graph : CompiledGraph
        The compiled late-normalised attention DAG with ``sum`` summations.
    n, d, memory : int
        Sequence length, head dimension, red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    EncodedMoves
        Each vertex computed once; I/O as :func:`tiling_io`.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small (see :func:`tiling_block_size`).

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(attention_dag(6, 4, sum="chain"))
    >>> replay(C, tiling_moves(C, 6, 4, 16), 16).io == tiling_io(6, 4, 16).io
    True

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024, Algorithm 1, Theorem 3.5.
    """
    n, d, memory = check_sizes(n, d, memory)
    b = tiling_block_size(memory, sum=sum)
    ids = attention_ids(graph, n, d, sum)
    shape, buf = ids.shape, MoveBuffer()
    row_blocks, dim_blocks = blocks_of(n, b), blocks_of(d, b)
    for rows in row_blocks:  # phase 1
        for cols in row_blocks:
            ii = np.tile(rows, cols.size)  # pairs key by key
            jj = np.repeat(cols, rows.size)
            acc_all = ids.s_acc[ii, jj]  # (pairs, d)
            term_all = None if ids.s_term is None else ids.s_term[ii, jj]
            for dims in dim_blocks:
                buf.load(ids.Q[np.ix_(rows, dims)])
                buf.load(ids.K[np.ix_(cols, dims)])
                buf.segments(_score_steps(shape, acc_all, term_all, dims))
                buf.delete(ids.Q[np.ix_(rows, dims)])
                buf.delete(ids.K[np.ix_(cols, dims)])
            _exp_tile(buf, ids, ii, jj)
        roots = ids.d_acc[rows, -1]
        if n > 1:  # with one key, D[i] is A[i,0], stored already
            buf.store(roots)
        buf.delete(roots)
    for rows in row_blocks:  # phase 2
        roots = ids.d_acc[rows, -1]
        buf.load(roots)
        buf.segments([single(COMPUTE, ids.R[rows]), single(DELETE, roots)])
        for dims in dim_blocks:
            for keys in row_blocks:
                a_tile, v_tile = ids.A[np.ix_(rows, keys)], ids.V[np.ix_(keys, dims)]
                buf.load(a_tile)
                buf.load(v_tile)
                _product_tile(buf, ids, rows, keys, dims)
                buf.delete(a_tile)
                buf.delete(v_tile)
            out = ids.out[np.ix_(rows, dims)]
            u = ids.u_acc[rows, -1][:, dims]
            buf.segment(interleave([(COMPUTE, out), (STORE, out), (DELETE, out), (DELETE, u)]))
        buf.delete(ids.R[rows])
    return buf.encoded(graph)


def _exp_tile(buf: MoveBuffer, ids, ii: np.ndarray, jj: np.ndarray) -> None:
    """``A = exp(S)``, a row-sum step and a store, pair by pair (key by key)."""
    first = jj == 0
    for mask, is_first in ((first, True), (~first, False)):
        i, j = ii[mask], jj[mask]
        if i.size == 0:
            continue
        a = ids.A[i, j]
        segs = [single(COMPUTE, a), single(DELETE, ids.s_acc[i, j, -1])]
        if not is_first:
            segs += [single(COMPUTE, ids.d_acc[i, j]), single(DELETE, ids.d_acc[i, j - 1])]
        segs.append(single(STORE, a))
        if not is_first:  # A[i,0] is the first partial row sum: it stays
            segs.append(single(DELETE, a))
        buf.segment(concat(segs))


def _score_steps(shape: str, acc: np.ndarray, term: np.ndarray | None,
                 dims: np.ndarray) -> list:
    """Steps ``l`` in ``dims`` of the dot products ``S[i,j]`` (partial sums ``acc``)."""
    segs = []
    if dims[0] == 0:
        segs.append(step(shape, None if term is None else term[:, :1], acc[:, :1], None))
        dims = dims[1:]
    if dims.size:
        t = None if term is None else term[:, dims]
        segs.append(step(shape, t, acc[:, dims], acc[:, dims - 1]))
    return segs


def _product_tile(buf: MoveBuffer, ids, rows: np.ndarray, keys: np.ndarray,
                  dims: np.ndarray) -> None:
    """Add ``A[i,j] V[j,l]`` to ``U[i,l]`` for the tile, key by key."""
    groups = [(keys[:1], True), (keys[1:], False)] if keys[0] == 0 else [(keys, False)]
    for ks, is_first in groups:
        if ks.size == 0:
            continue
        ii = np.tile(rows, ks.size)
        jj = np.repeat(ks, rows.size)
        new = ids.u_acc[ii, jj][:, dims]
        old = None if is_first else ids.u_acc[ii, jj - 1][:, dims]
        term = None if ids.u_term is None else ids.u_term[ii, jj][:, dims]
        buf.segment(step(ids.shape, term, new, old))


def tiling_io(n: int, d: int, memory: int, *, sum: str = "chain") -> IOCount:
    """Exact I/O of :func:`tiling_moves`, in closed form.

    With ``T = ceil(N / B)`` and ``T_d = ceil(d / B)``: phase 1 loads ``2 T N d`` words
    of ``Q`` and ``K`` and stores ``N^2`` entries of ``A`` and the ``N`` row sums (none
    when ``N = 1``: then ``D[0]`` is ``A[0,0]``); phase 2 loads the ``N`` row sums,
    ``T_d N^2`` entries of ``A`` and ``T N d`` of ``V``, and stores ``Nd`` outputs.
    About ``8 N^2 d / sqrt(M) + N^2 (1 + T_d) + Nd``, as Theorem 3.5.

    Parameters
    ----------
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    IOCount
        With ``blocks = {"B": ..., "T": ..., "T_d": ...}``.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small.

    Examples
    --------
    >>> tiling_io(4, 4, 16).io  # B = 2: (2*2*16 + 4 + 2*16 + 2*16) + (16 + 4 + 16)
    168
    """
    n, d, memory = check_sizes(n, d, memory)
    b = tiling_block_size(memory, sum=sum)
    t, td = ceil_div(n, b), ceil_div(d, b)
    loads = 2 * t * n * d + n + td * n * n + t * n * d
    stores = n * n + (n if n > 1 else 0) + n * d
    return IOCount("tiling", loads, stores, {"B": b, "T": t, "T_d": td})
