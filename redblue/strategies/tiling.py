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

from redblue.dags.attention_masks import KeyPattern
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, STORE, EncodedMoves
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    block_keys,
    blocks_of,
    ceil_div,
    check_pattern,
    check_shape,
    check_sizes,
    concat,
    interleave,
    plain_causal,
    row_hits,
    single,
    step,
    tiles_kept,
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
    graph: CompiledGraph, n: int, d: int, memory: int, *, sum: str = "chain",
    pattern: KeyPattern | None = None,
) -> EncodedMoves:
    """Algorithm 1 of Saha & Ye as moves on ``compile_graph(attention_dag(n, d, sum=sum))``.

    Parameters
    ----------
    graph : CompiledGraph
        The compiled late-normalised attention DAG with ``sum`` summations.
    n, d, memory : int
        Sequence length, head dimension, red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"
    pattern : KeyPattern or None
        The DAG's query-key pairs (causal, block-sparse, KV cache); None: all. Tiles
        with no kept pair are skipped; a tile loads only the rows and keys it uses.

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
    pattern = check_pattern(n, pattern)
    b = tiling_block_size(memory, sum=sum)
    ids = attention_ids(graph, n, d, sum, pattern=pattern)
    shape, buf, p = ids.shape, MoveBuffer(), ids.pairs
    row_blocks, dim_blocks = blocks_of(n, b), blocks_of(d, b)
    key_blocks = blocks_of(pattern.n_keys, b)

    def tile(rows: np.ndarray, cols: np.ndarray):
        """The kept pairs of a tile key by key, and the rows and keys they use."""
        sub = p.keep[np.ix_(rows, cols)]
        kk, rr = np.nonzero(sub.T)
        return rows[rr], cols[kk], rows[sub.any(axis=1)], cols[sub.any(axis=0)]

    for rows in row_blocks:  # phase 1
        for cols in key_blocks:
            ii, jj, r_used, k_used = tile(rows, cols)
            if ii.size == 0:  # a fully masked tile
                continue
            acc_all = ids.s_acc[ii, jj]  # (pairs, d)
            term_all = None if ids.s_term is None else ids.s_term[ii, jj]
            for dims in dim_blocks:
                buf.load(ids.Q[np.ix_(r_used, dims)])
                buf.load(ids.K[np.ix_(k_used, dims)])
                buf.segments(_score_steps(shape, acc_all, term_all, dims))
                buf.delete(ids.Q[np.ix_(r_used, dims)])
                buf.delete(ids.K[np.ix_(k_used, dims)])
            _exp_tile(buf, ids, ii, jj)
        roots = ids.d_acc[rows, p.last[rows]]
        buf.store(roots[p.count[rows] > 1])  # with one key, D[i] is A[i,j], stored already
        buf.delete(roots)
    for rows in row_blocks:  # phase 2
        roots = ids.d_acc[rows, p.last[rows]]
        buf.load(roots)
        buf.segments([single(COMPUTE, ids.R[rows]), single(DELETE, roots)])
        for dims in dim_blocks:
            for keys in key_blocks:
                sub = p.keep[np.ix_(rows, keys)]
                if not sub.any():
                    continue
                r, k = np.nonzero(sub)
                a_tile = ids.A[rows[r], keys[k]]
                v_tile = ids.V[np.ix_(keys[sub.any(axis=0)], dims)]
                buf.load(a_tile)
                buf.load(v_tile)
                _product_tile(buf, ids, rows, keys, dims)
                buf.delete(a_tile)
                buf.delete(v_tile)
            out = ids.out[np.ix_(rows, dims)]
            u = ids.u_acc[rows, p.last[rows]][:, dims]
            buf.segment(interleave([(COMPUTE, out), (STORE, out), (DELETE, out), (DELETE, u)]))
        buf.delete(ids.R[rows])
    return buf.encoded(graph)


def _exp_tile(buf: MoveBuffer, ids, ii: np.ndarray, jj: np.ndarray) -> None:
    """``A = exp(S)``, a row-sum step and a store, pair by pair (key by key)."""
    first = ids.pairs.prev[ii, jj] < 0
    for mask, is_first in ((first, True), (~first, False)):
        i, j = ii[mask], jj[mask]
        if i.size == 0:
            continue
        a = ids.A[i, j]
        segs = [single(COMPUTE, a), single(DELETE, ids.s_acc[i, j, -1])]
        if not is_first:
            segs += [single(COMPUTE, ids.d_acc[i, j]),
                     single(DELETE, ids.d_acc[i, ids.pairs.prev[i, j]])]
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
    """Add ``A[i,j] V[j,l]`` to ``U[i,l]`` for the kept pairs of the tile, key by key
    (the rows' first keys first)."""
    kk, rr = np.nonzero(ids.pairs.keep[np.ix_(rows, keys)].T)
    ii_all, jj_all = rows[rr], keys[kk]
    first = ids.pairs.prev[ii_all, jj_all] < 0
    for sel, is_first in ((first, True), (~first, False)):
        ii, jj = ii_all[sel], jj_all[sel]
        if ii.size == 0:
            continue
        new = ids.u_acc[ii, jj][:, dims]
        old = None if is_first else ids.u_acc[ii, ids.pairs.prev[ii, jj]][:, dims]
        term = None if ids.u_term is None else ids.u_term[ii, jj][:, dims]
        buf.segment(step(ids.shape, term, new, old))


def tiling_io(
    n: int, d: int, memory: int, *, sum: str = "chain", pattern: KeyPattern | None = None
) -> IOCount:
    """Exact I/O of :func:`tiling_moves`, in closed form.

    With ``T = ceil(N / B)`` and ``T_d = ceil(d / B)``: phase 1 loads ``2 T N d`` words
    of ``Q`` and ``K`` and stores ``N^2`` entries of ``A`` and the ``N`` row sums (none
    when ``N = 1``: then ``D[0]`` is ``A[0,0]``); phase 2 loads the ``N`` row sums,
    ``T_d N^2`` entries of ``A`` and ``T N d`` of ``V``, and stores ``Nd`` outputs.
    About ``8 N^2 d / sqrt(M) + N^2 (1 + T_d) + Nd``, as Theorem 3.5.

    On a masked pattern of ``C`` pairs, with ``r_t``, ``k_t`` the rows and keys tile
    ``t`` uses (kept tiles only): loads ``d sum_t (r_t + 2 k_t) + N + T_d C``, stores
    ``C + Nd`` plus one row sum per row of more than one key.

    Parameters
    ----------
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"
    pattern : KeyPattern or None
        The DAG's query-key pairs.

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
    pattern = check_pattern(n, pattern)
    nk = pattern.n_keys
    b = tiling_block_size(memory, sum=sum)
    t, tk, td = ceil_div(n, b), ceil_div(nk, b), ceil_div(d, b)
    blocks = {"B": b, "T": t, "T_d": td}
    if pattern.full:
        loads = tk * n * d + 2 * t * nk * d + n + td * n * nk
        stores = n * nk + (n if nk > 1 else 0) + n * d
        return IOCount("tiling", loads, stores, blocks)
    if plain_causal(pattern):  # tile (I, J <= I) uses every row of I and key of J <= e_I
        ends = np.minimum(np.arange(1, t + 1, dtype=np.int64) * b, n)
        sizes = np.diff(ends, prepend=0)
        used_rows, used_keys = int((sizes * np.arange(1, t + 1)).sum()), int(ends.sum())
        pairs, multi, blocks["tiles_kept"] = n * (n + 1) // 2, n - 1, t * (t + 1) // 2
    else:  # block by block, any size
        count = pattern.row_counts()
        used_rows, used_keys = int(row_hits(pattern, b).sum()), block_keys(pattern, b)
        pairs, multi = int(count.sum()), int((count > 1).sum())
        blocks["tiles_kept"] = tiles_kept(pattern, b, b)
    loads = d * (used_rows + 2 * used_keys) + n + td * pairs
    stores = pairs + multi + n * d
    return IOCount("tiling", loads, stores, blocks)
