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

from redblue.dags.attention_masks import KeyPattern
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE, EncodedMoves
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    block_keys,
    blocks_of,
    causal_tiles,
    ceil_div,
    check_pattern,
    check_shape,
    check_sizes,
    concat,
    dot_segments,
    interleave,
    plain_causal,
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


def _key_runs(keep: np.ndarray, prev: np.ndarray, rows: np.ndarray, split_first: bool):
    """The keys some row of ``rows`` sees, cut into runs of consecutive keys seen by the
    same rows (and, with ``split_first``, first keys of the same rows): yields
    ``(run_rows, run_keys, firsts)``, ``firsts`` True/False when every pair of the run is
    / is not its row's first, None when mixed (a run of one key then)."""
    cols = keep[rows]
    firsts = cols & (prev[rows] < 0) if split_first else np.zeros_like(cols)
    seen = np.flatnonzero(cols.any(axis=0))
    if seen.size == 0:
        return
    sig = np.concatenate([cols[:, seen], firsts[:, seen]], axis=0)
    cuts = np.flatnonzero((sig[:, 1:] != sig[:, :-1]).any(axis=0)
                          | (np.diff(seen) != 1)) + 1  # fmt: skip
    for run in np.split(np.arange(seen.size), cuts):
        keys = seen[run]
        col, fst = cols[:, keys[0]], firsts[:, keys[0]]
        run_rows = rows[col]
        if not fst[col].any():
            yield run_rows, keys, False
        elif fst[col].all():
            yield run_rows, keys, True
        else:  # a key that is the first of some rows only: one key per run
            for k in keys:
                yield run_rows, np.array([k]), None


def standard_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, sum: str = "chain",
    pattern: KeyPattern | None = None,
) -> EncodedMoves:
    """Standard attention as moves on ``attention_dag(n, d, sum=sum, normalize="early")``.

    Parameters
    ----------
    graph : CompiledGraph
        The compiled early-normalised attention DAG.
    n, d, memory : int
        Sequence length, head dimension, red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"
    pattern : KeyPattern or None
        The DAG's query-key pairs (causal, block-sparse, KV cache); None: all. Each
        phase skips the keys no row of a block sees, and a row of ``k`` keys takes the
        two-pass softmax when ``k + 2 > M``.

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
    pattern = check_pattern(n, pattern)
    br = standard_block_rows(n, d, memory, sum=sum)
    ids = attention_ids(graph, n, d, sum, "early", pattern)
    shape, buf = ids.shape, MoveBuffer()
    keep, prev = ids.pairs.keep, ids.pairs.prev

    def score(ii: np.ndarray, jj: np.ndarray):
        st = None if ids.s_term is None else ids.s_term[ii, jj]
        s = ids.s_acc[ii, jj, -1]
        return concat(dot_segments(shape, st, ids.s_acc[ii, jj]) + [single(STORE, s),
                                                                    single(DELETE, s)])

    def product(first: bool):
        def pairs(ii: np.ndarray, jj: np.ndarray):
            ut = None if ids.u_term is None else ids.u_term[ii, jj]
            old = None if first else ids.u_acc[ii, prev[ii, jj]]
            p = ids.P[ii, jj]
            return concat([single(LOAD, p), step(shape, ut, ids.u_acc[ii, jj], old),
                           single(DELETE, p)])
        return pairs

    def mixed(rows: np.ndarray, j: int):  # key j is the first key of some rows only
        jj = np.full(rows.size, j)
        fst = prev[rows, j] < 0
        segs = [product(True)(rows[fst], jj[fst]), product(False)(rows[~fst], jj[~fst])]
        flat = [(np.tile(k, v.shape[0]), v.reshape(1, -1)) for k, v in segs]
        return concat([interleave([(LOAD, ids.V[[j]])])] + flat
                      + [interleave([(DELETE, ids.V[[j]])])])

    for rows in blocks_of(n, br):  # phase 1: S = Q K^T
        buf.load(ids.Q[rows])
        for run_rows, keys, _ in _key_runs(keep, prev, rows, False):
            buf.segment(_by_key(ids, run_rows, keys, score, ids.K))
        buf.delete(ids.Q[rows])
    _softmax(buf, ids, memory)  # phase 2
    for rows in blocks_of(n, br):  # phase 3: O = P V
        for run_rows, keys, first in _key_runs(keep, prev, rows, True):
            if first is None:
                buf.segment(mixed(run_rows, int(keys[0])))
            else:
                buf.segment(_by_key(ids, run_rows, keys, product(first), ids.V))
        out = ids.out[rows]
        buf.store(out)
        buf.delete(out)
    return buf.encoded(graph)


def _softmax(buf: MoveBuffer, ids: AttentionIds, memory: int) -> None:
    """Phase 2, all rows: ``P[i,j] = exp(S[i,j]) / D[i]``, stored; rows with the same
    number of keys together."""
    pairs = ids.pairs
    for n in np.unique(pairs.count).tolist():
        rows = np.flatnonzero(pairs.count == n)
        sel = pairs.keep[rows]
        keys = np.nonzero(sel)[1].reshape(rows.size, n)  # each row's keys, in order
        r = rows[:, None]
        _softmax_rows(buf, ids.s_acc[r, keys, -1], ids.A[r, keys], ids.P[r, keys],
                      ids.d_acc[r, keys], n, memory)


def _softmax_rows(buf: MoveBuffer, S, A, P, dacc, n: int, memory: int) -> None:
    """Phase 2 for rows of ``n`` keys each (arrays ``(rows, n)`` in key order)."""
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


def standard_io(
    n: int, d: int, memory: int, *, sum: str = "chain", pattern: KeyPattern | None = None
) -> IOCount:
    """Exact I/O of :func:`standard_moves`, in closed form.

    Loads ``Nd + 2 T_r N d + 2N^2`` plus ``N^2`` (one-pass softmax) or ``2N^2``
    (two passes, when ``N + 2 > M``); stores ``2N^2 + Nd``.

    On a masked pattern of ``C`` pairs: loads ``Nd + 2d sum_I k_I + C + sum_i p_i k_i``
    and stores ``2C + Nd``, where ``k_I`` is the number of keys some row of query block
    ``I`` sees, ``k_i`` the keys of row ``i`` and ``p_i`` its softmax passes (1 if
    ``k_i + 2 <= M``, else 2).

    Parameters
    ----------
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"
    pattern : KeyPattern or None
        The DAG's query-key pairs.

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
    pattern = check_pattern(n, pattern)
    nk = pattern.n_keys
    br = standard_block_rows(n, d, memory, sum=sum)
    tr = ceil_div(n, br)
    if pattern.full:
        passes = 1 if nk + 2 <= memory else 2
        loads = n * d + 2 * tr * nk * d + n * nk * (1 + passes)
        blocks = {"B_r": br, "T_r": tr, "softmax_passes": passes}
        return IOCount("standard", loads, 2 * n * nk + n * d, blocks)
    if plain_causal(pattern):  # row i has i + 1 keys; block I sees keys 0..e_I
        keys = causal_tiles(n, br, nk)[0]
        pairs = n * (n + 1) // 2
        one = min(n, max(0, memory - 2))  # rows 0..M-3 fit the one-pass softmax
        twos, again = n - one, pairs - one * (one + 1) // 2
    else:  # block by block, any size
        count = pattern.row_counts()
        pairs = int(count.sum())
        two = count + 2 > memory
        keys = block_keys(pattern, br)
        twos, again = int(two.sum()), int(count[two].sum())
    loads = n * d + 2 * d * keys + 2 * pairs + again
    blocks = {"B_r": br, "T_r": tr, "softmax_passes": 2 if twos else 1,
              "two_pass_rows": twos}
    return IOCount("standard", loads, 2 * pairs + n * d, blocks)
