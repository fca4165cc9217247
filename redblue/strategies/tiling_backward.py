"""A square-tiling backward pass for small caches (M < d^2) as a pebbling strategy.

In the spirit of the small-cache algorithm of Li, Liang, Shi, Song et al.: when a cache
holds fewer than ``d^2`` words, no block of whole rows of ``Q`` and ``K`` fits, and every
matrix product of the backward pass is done with ``B x B`` tiles over the head dimension
too, like Saha & Ye's Algorithm 1 for the forward pass, paying ``O(N^2)`` to keep the
``N x N`` matrices ``P`` and ``dS`` in slow memory. Runs on
``attention_backward_dag(n, d, sum="chain" | "fma")``.

- Phase 1, for each row block ``I`` (``L_I``, ``D_I`` loaded once): for each column block
  ``J``: ``S[I,J]`` accumulated over tiles ``Q[I,L]``, ``K[J,L]`` of the head dimension;
  ``T``, ``P = exp(S - L)``; ``dP[I,J]`` accumulated over tiles ``dO[I,L]``, ``V[J,L]``;
  ``E = dP - D``, ``dS = P E``; store ``P[I,J]`` and ``dS[I,J]``.
- Phase 2, three tiled matrix products, each output tile accumulated in fast memory
  over the tiles of the sum and stored once: ``dV = P^T dO`` (tiles ``P[I,J]``,
  ``dO[I,L]`` over ``I``), ``dK = dS^T Q`` (``dS[I,J]``, ``Q[I,L]`` over ``I``),
  ``dQ = dS K`` (``dS[I,J]``, ``K[J,L]`` over ``J``).

Fast memory holds at most ``4B^2 + 2B + c`` words (phase 1: ``P``, the ``dP`` sums and
two input tiles, ``L_I``, ``D_I``; ``c = 2`` working values for ``"chain"``, 1 for
``"fma"``), so ``B`` is the largest tile with ``4B^2 + 2B + c <= M``.

References
----------
.. [1] X. Li, Y. Liang, Z. Shi, Z. Song et al., "On Fine-Grained I/O Complexity of
   Attention Backward Passes", arXiv:2410.09397 (the small-cache algorithm and its
   O((n^2 d + n d^2) / sqrt(M)) I/O).
.. [2] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Algorithm 1 (square tiling of the forward pass).
"""

from __future__ import annotations

import numpy as np

from redblue.dags._builder import check_int
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, STORE, EncodedMoves
from redblue.strategies._backward_ids import BackwardIds, backward_ids
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    blocks_of,
    ceil_div,
    check_shape,
    check_sizes,
    concat,
    single,
    too_small,
)
from redblue.strategies.flash_backward import sum_steps

__all__ = ["tiling_backward_block_size", "tiling_backward_moves", "tiling_backward_io"]


def tiling_backward_block_size(memory: int, *, sum: str = "chain") -> int:
    """The tile size ``B``: the largest with ``4B^2 + 2B + c <= M``.

    Parameters
    ----------
    memory : int
        The red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"
        ``c = 2`` working values for ``"chain"``, 1 for ``"fma"``.

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        If ``M < 6 + c`` (not even ``B = 1`` fits).

    Examples
    --------
    >>> tiling_backward_block_size(64), tiling_backward_block_size(74)
    (3, 4)
    >>> tiling_backward_block_size(8), tiling_backward_block_size(7, sum="fma")
    (1, 1)

    References
    ----------
    .. [1] X. Li, Y. Liang, Z. Shi, Z. Song et al., arXiv:2410.09397 (tiles of side
       Theta(sqrt(M))).
    """
    c = 2 if check_shape(sum) == "chain" else 1
    memory = check_int("memory", memory, 1)
    if memory < 6 + c:
        raise too_small("square-tiling backward", memory, 6 + c,
                        "four 1 x 1 tiles, L and D of a row and the working values")
    b = 1
    while 4 * (b + 1) ** 2 + 2 * (b + 1) + c <= memory:
        b += 1
    return b


def _phase1_tile(buf: MoveBuffer, ids: BackwardIds, rows: np.ndarray, keys: np.ndarray,
                 dim_blocks: list[np.ndarray]) -> None:
    """``P[I,J]`` and ``dS[I,J]``, computed over head-dimension tiles and stored."""
    ii, jj = np.tile(rows, keys.size), np.repeat(keys, rows.size)
    shape = ids.shape
    for x, y, term, acc, then in (
        (ids.Q, ids.K, ids.s_term, ids.s_acc, (ids.T, ids.P)),
        (ids.dO, ids.V, ids.dp_term, ids.dp_acc, (ids.E, ids.dS)),
    ):
        acc_all, term_all = acc[ii, jj], None if term is None else term[ii, jj]
        for dims in dim_blocks:
            buf.load(x[np.ix_(rows, dims)])
            buf.load(y[np.ix_(keys, dims)])
            before = None if dims[0] == 0 else acc_all[:, dims[0] - 1]
            t = None if term_all is None else term_all[:, dims]
            buf.segments(sum_steps(shape, t, acc_all[:, dims], before))
            buf.delete(x[np.ix_(rows, dims)])
            buf.delete(y[np.ix_(keys, dims)])
        first, second = then[0][ii, jj], then[1][ii, jj]
        if then[1] is ids.P:  # T = S - L, P = exp(T)
            moves = [(COMPUTE, first), (DELETE, acc_all[:, -1]), (COMPUTE, second),
                     (DELETE, first)]
        else:  # E = dP - D, dS = P E; P and dS go to slow memory
            p = ids.P[ii, jj]
            moves = [(COMPUTE, first), (DELETE, acc_all[:, -1]), (COMPUTE, second),
                     (DELETE, first), (STORE, p), (STORE, second), (DELETE, p),
                     (DELETE, second)]
        buf.segment(concat([single(k, v) for k, v in moves]))


def _product(buf: MoveBuffer, shape: str, tile, other, term, acc, outer, inner_blocks,
             dims_blocks, swap: bool) -> None:
    """A tiled product: for each output tile ``(outer, dims)``, its sum over the blocks.

    ``tile[a, b]`` is the ``N x N`` factor (``P`` or ``dS``), ``other[r, l]`` the
    ``N x d`` one, ``term``/``acc`` the sums indexed ``[i, j, l]``. ``swap`` False: the
    output row is ``j`` (``dV``, ``dK``: sum over ``i``); True: the output row is ``i``
    (``dQ``: sum over ``j``).
    """
    for out in outer:
        for dims in dims_blocks:
            for blk in inner_blocks:
                ii, jj = (out, blk) if swap else (blk, out)
                buf.load(tile[np.ix_(ii, jj)])
                buf.load(other[np.ix_(blk, dims)])
                # instances: output cells (out, dims); steps: the terms of blk in order
                cells = np.ix_(ii, jj, dims)
                order = (0, 2, 1) if swap else (1, 2, 0)
                a = acc[cells].transpose(order).reshape(-1, blk.size)
                t = None if term is None else term[cells].transpose(order).reshape(-1, blk.size)
                before = None
                if blk[0] > 0:
                    prev = (np.ix_(out, blk[:1] - 1, dims) if swap
                            else np.ix_(blk[:1] - 1, out, dims))  # fmt: skip
                    before = acc[prev].transpose(order).reshape(-1)
                buf.segments(sum_steps(shape, t, a, before))
                buf.delete(tile[np.ix_(ii, jj)])
                buf.delete(other[np.ix_(blk, dims)])
            n = acc.shape[0]
            final = acc[out][:, n - 1][:, dims] if swap else acc[n - 1][out][:, dims]
            buf.store(final)
            buf.delete(final)


def tiling_backward_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, sum: str = "chain"
) -> EncodedMoves:
    """The square-tiling backward pass as moves on the compiled backward DAG.

    Parameters
    ----------
    graph : CompiledGraph
        ``compile_graph(attention_backward_dag(n, d, sum=sum))``.
    n, d, memory : int
        Sequence length, head dimension, red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    EncodedMoves
        Each vertex computed once; I/O as :func:`tiling_backward_io`.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small (see :func:`tiling_backward_block_size`) or the graph
        lacks a node the schedule names.

    Examples
    --------
    >>> from redblue.dags import attention_backward_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(attention_backward_dag(6, 4))
    >>> r = replay(C, tiling_backward_moves(C, 6, 4, 24), 24)
    >>> r.io == tiling_backward_io(6, 4, 24).io, r.peak_red <= 24
    (True, True)

    References
    ----------
    .. [1] X. Li, Y. Liang, Z. Shi, Z. Song et al., arXiv:2410.09397.
    """
    n, d, memory = check_sizes(n, d, memory)
    b = tiling_backward_block_size(memory, sum=sum)
    ids = backward_ids(graph, n, d, sum)
    buf = MoveBuffer()
    row_blocks, dim_blocks = blocks_of(n, b), blocks_of(d, b)
    for rows in row_blocks:
        buf.load(ids.L[rows])
        buf.load(ids.D[rows])
        for keys in row_blocks:
            _phase1_tile(buf, ids, rows, keys, dim_blocks)
        buf.delete(ids.L[rows])
        buf.delete(ids.D[rows])
    shape = ids.shape
    _product(buf, shape, ids.P, ids.dO, ids.dv_term, ids.dv_acc, row_blocks, row_blocks,
             dim_blocks, swap=False)
    _product(buf, shape, ids.dS, ids.Q, ids.dk_term, ids.dk_acc, row_blocks, row_blocks,
             dim_blocks, swap=False)
    _product(buf, shape, ids.dS, ids.K, ids.dq_term, ids.dq_acc, row_blocks, row_blocks,
             dim_blocks, swap=True)
    return buf.encoded(graph)


def tiling_backward_io(n: int, d: int, memory: int, *, sum: str = "chain") -> IOCount:
    """Exact I/O of :func:`tiling_backward_moves`, in closed form.

    With ``T = ceil(N / B)`` and ``T_d = ceil(d / B)``: phase 1 loads ``4 T N d`` words
    (``Q``, ``K``, ``dO``, ``V``, once per row or column block) and ``2N`` (``L``,
    ``D``), and stores ``2 N^2`` (``P``, ``dS``); phase 2 loads ``3 T_d N^2`` (``P``,
    ``dS`` twice, once per output column block) and ``3 T N d`` (``dO``, ``Q``, ``K``)
    and stores ``3 N d``. About ``10 N^2 d / B + 2 N^2 + 3Nd``, with ``B ~ sqrt(M) / 2``.

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
    >>> tiling_backward_io(64, 8, 64).io
    125568

    References
    ----------
    .. [1] X. Li, Y. Liang, Z. Shi, Z. Song et al., arXiv:2410.09397.
    """
    n, d, memory = check_sizes(n, d, memory)
    b = tiling_backward_block_size(memory, sum=sum)
    t, td = ceil_div(n, b), ceil_div(d, b)
    loads = 7 * t * n * d + 3 * td * n * n + 2 * n
    stores = 2 * n * n + 3 * n * d
    return IOCount("tiling-backward", loads, stores, {"B": b, "T": t, "T_d": td})
