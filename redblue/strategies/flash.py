"""FlashAttention-1 and -2 as pebbling strategies on the attention DAG.

Both run on ``attention_dag(n, d, sum="chain")`` (or ``sum="fma"``): the paper's graph
(late normalisation ``O = R * U``, no max-subtraction) whose row sums ``D[i]`` and
``U[i,l] = sum_j A[i,j] V[j,l]`` are left-to-right chains over the keys. That is exactly
the order in which FlashAttention accumulates ``l_i`` and ``O_i`` over key blocks: the
running values after key block ``J`` are the partial-sum vertices ``D[i](0:b)`` and
``U[i,l](0:b)``, ``b`` the end of ``J``. (Without max-subtraction the online softmax
needs no rescaling, so ``m_i`` has no vertex; ``O_i`` is normalised once, at the end, by
``R[i] = 1 / D[i]``, as the paper's graph does. On the balanced-tree graph no
accumulation over key blocks is possible without holding every partial.)

Each query-key pair ``(i, j)`` is processed alone: its dot product ``S[i,j]`` (a chain
over ``l``), ``A[i,j] = exp(S[i,j])``, one step of ``D[i]`` and one step of each
``U[i,l]``; ``A[i,j]`` is then dropped. The resident set is ``Q_I``, ``K_J``, ``V_J`` and
the running sums of the rows of ``I``; the pair needs at most ``c`` more red pebbles
(``c = 3`` for ``"chain"``: old sum, product, new sum; ``c = 2`` for ``"fma"``). Hence
the footprint ``F = B_r (2d + 1) + 2 B_c d + c <= M`` (see :func:`flash_block_sizes`).

- ``flash1`` (Dao et al. 2022, Alg. 1): outer loop over key blocks ``J`` (``K_J``,
  ``V_J`` loaded once), inner loop over query blocks ``I``: load ``Q_I`` and, after the
  first key block, the running sums ``U[I,:](0:b)`` and ``D[I](0:b)``; after the pass
  store them (or, after the last key block, compute and store ``O_I``).
- ``flash2`` (Dao 2023): outer loop over query blocks ``I`` (``Q_I`` loaded once, the
  running sums stay red), inner loop over key blocks (``K_J``, ``V_J`` loaded per
  ``I``); ``O_I`` is stored once.

On a masked graph (``pattern``: causal, block-sparse, or ``N_q`` rows against ``N_k``
cached keys; :mod:`redblue.dags.attention_masks`) a block runs only its kept pairs, a
fully masked block is skipped, and only the rows and keys a block uses are loaded; each
row's running sums start at its first kept key and end at its last.

References
----------
.. [1] T. Dao, D. Y. Fu, S. Ermon, A. Rudra, C. Re, "FlashAttention: fast and
   memory-efficient exact attention with IO-awareness", NeurIPS 2022, Algorithm 1.
.. [2] T. Dao, "FlashAttention-2: faster attention with better parallelism and work
   partitioning", 2023, arXiv:2307.08691, Algorithm 1.
.. [3] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Theorem 3.2 (FlashAttention's O(N^2 d^2 / M) I/O).
"""

from __future__ import annotations

import numpy as np

from redblue.dags._builder import check_int
from redblue.dags.attention_masks import KeyPattern
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, STORE, EncodedMoves
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    Segment,
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
    row_hits,
    single,
    step,
    tiles_kept,
    too_small,
)
from redblue.strategies._ids import AttentionIds, OnlineIds, attention_ids, online_ids

__all__ = ["flash_block_sizes", "flash1_moves", "flash2_moves", "flash1_io", "flash2_io"]


def _extra(shape: str, stable: bool = False) -> int:
    return 3 if shape == "chain" or stable else 2


def flash_block_sizes(
    n: int, d: int, memory: int, *, sum: str = "chain", version: int = 1, stable: bool = False,
    n_keys: int | None = None,
) -> tuple[int, int]:
    """Block sizes ``(B_r, B_c)`` FlashAttention uses here, chosen to fit in ``memory``.

    FlashAttention-1 (``version=1``) starts from the published choice
    ``B_c = ceil(M / 4d)``, ``B_r = min(ceil(M / 4d), d)``, both capped at ``n``.
    FlashAttention-2 (``version=2``) swaps the loops, so it swaps the roles: the block
    that stays in cache across the inner loop (``Q_I`` and its running sums) gets
    ``B_r = ceil(M / 4d)`` rows and the streamed block ``B_c = min(ceil(M / 4d), d)``;
    either way the score block ``B_r x B_c`` is at most ``M / 4`` words, and the I/O
    (which depends only on the outer block) is ``O(N^2 d^2 / M)`` on the whole range
    ``d <= M <= Nd``. (With FA-1's sizes, FA-2 would stop improving once ``M > 4d^2``.)

    The schedule keeps ``B_r d`` query words, ``B_r d + B_r`` running sums, ``2 B_c d``
    key and value words and at most ``c`` working values red, ``c = 3`` for
    ``sum="chain"`` and ``2`` for ``"fma"``, so it needs
    ``F = B_r (2d + 1) + 2 B_c d + c <= M``. The published sizes give
    ``F ~ M + M/4d + c > M``. When they do not fit, the outer-loop block (``B_c`` for
    FA-1, ``B_r`` for FA-2) is reduced to the largest size that fits if it stays at
    least the other; otherwise the inner block is set to
    ``b = floor((M - c) / (4d + 1))`` and the outer one to the largest size that fits
    with it. Sizes never exceed the published ones. Replay of the moves confirms
    ``peak_red <= M``.

    Parameters
    ----------
    n, d : int
        Sequence length and head dimension.
    memory : int
        The red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"
        The summation shape of the DAG the schedule runs on.
    version : {1, 2}, default 1
        FlashAttention-1 or -2.
    stable : bool, default False
        For the online-softmax graph (``stable=True, online=True``): each query row
        also keeps its running maximum, so a row costs ``2d + 2`` words, and the
        working values need ``c = 3`` for both shapes.
    n_keys : int or None, default None
        Keys ``N_k`` (decoding against a KV cache); None means ``n``. Query blocks are
        capped at ``n``, key blocks at ``N_k``.

    Returns
    -------
    (int, int)
        ``(B_r, B_c)``: query rows and key rows per block.

    Raises
    ------
    InvalidInputError
        If ``M < 4d + 1 + c`` (no block of one query and one key fits); the message
        names that smallest M.

    Examples
    --------
    >>> flash_block_sizes(64, 8, 256)  # published: B_r = B_c = 8
    (7, 8)
    >>> flash_block_sizes(64, 8, 1024)  # published: B_c = 32, B_r = 8
    (8, 32)
    >>> flash_block_sizes(64, 8, 1024, version=2)
    (32, 8)
    >>> flash_block_sizes(64, 8, 36)
    (1, 1)
    >>> flash_block_sizes(64, 8, 35)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: memory M = 35 is too small for FlashAttention: it \
needs M >= 36 (one query row, its running sums, one key and one value row)

    References
    ----------
    .. [1] T. Dao et al., "FlashAttention", NeurIPS 2022, Algorithm 1, lines 1-2.
    .. [2] T. Dao, "FlashAttention-2", 2023, Algorithm 1.
    """
    n, d, memory = check_sizes(n, d, memory)
    nk = n if n_keys is None else check_int("n_keys", n_keys, 1)
    c = _extra(check_shape(sum), stable)
    if version not in (1, 2):
        raise InvalidInputError(f"version must be 1 or 2, got {version!r}")
    w_row = 2 * d + 1 + int(bool(stable))  # a query row with its running values
    smallest = w_row + 2 * d + c
    if memory < smallest:
        raise too_small("FlashAttention", memory, smallest,
                        "one query row, its running sums, one key and one value row")
    pub = ceil_div(memory, 4 * d)
    # the outer loop runs over key blocks for FA-1, query blocks for FA-2
    outer_cap, inner_cap = (nk, n) if version == 1 else (n, nk)
    outer, inner = min(pub, outer_cap), min(pub, d, inner_cap)
    # words per row: a query row brings its running values, a key row its value row (2d)
    w_outer, w_inner = (2 * d, w_row) if version == 1 else (w_row, 2 * d)

    def fits(o: int, i: int) -> bool:
        return o * w_outer + i * w_inner + c <= memory

    if not fits(outer, inner):
        outer_fit = (memory - c - inner * w_inner) // w_outer
        if outer_fit >= inner:
            outer = outer_fit
        else:
            inner = min(inner, (memory - c) // (w_row + 2 * d))
            outer = min(outer, (memory - c - inner * w_inner) // w_outer)
    assert outer >= 1 and inner >= 1 and fits(outer, inner), (outer, inner)
    return (inner, outer) if version == 1 else (outer, inner)


def _ids(graph: CompiledGraph, n: int, d: int, shape: str, stable: bool,
         pattern: KeyPattern | None):
    if stable:
        return online_ids(graph, n, d, check_shape(shape), pattern)
    return attention_ids(graph, n, d, check_shape(shape), pattern=pattern)


def _pair_segments(ids: AttentionIds, ii: np.ndarray, jj: np.ndarray, first: bool) -> Segment:
    """Moves of the query-key pairs ``(ii[t], jj[t])``, one pair after another.

    ``first``: the pairs are the first key of their row (``j = 0`` unmasked): the running
    sums start with these terms.
    """
    shape, jp = ids.shape, ids.pairs.prev[ii, jj]
    st = None if ids.s_term is None else ids.s_term[ii, jj]
    segs = dot_segments(shape, st, ids.s_acc[ii, jj])
    segs += [single(COMPUTE, ids.A[ii, jj]), single(DELETE, ids.s_acc[ii, jj, -1])]
    if not first:
        segs += [single(COMPUTE, ids.d_acc[ii, jj]), single(DELETE, ids.d_acc[ii, jp])]
    ut = None if ids.u_term is None else ids.u_term[ii, jj]
    segs.append(step(shape, ut, ids.u_acc[ii, jj], None if first else ids.u_acc[ii, jp]))
    if not first:  # the first A[i,0] is the row sum's first partial: it stays
        segs.append(single(DELETE, ids.A[ii, jj]))
    kinds = np.concatenate([k for k, _ in segs])
    return kinds, np.concatenate([v for _, v in segs], axis=1)


def _online_pair_segments(ids: OnlineIds, ii: np.ndarray, jj: np.ndarray,
                          first: bool) -> Segment:
    """As :func:`_pair_segments` on the online-softmax graph: running maximum,
    rescaling factor ``c``, rescaled running sums (peak 3 red above the resident set)."""
    st = None if ids.s_term is None else ids.s_term[ii, jj]
    segs = dot_segments(ids.shape, st, ids.s_acc[ii, jj])
    s, t, a = ids.s_acc[ii, jj, -1], ids.T[ii, jj], ids.A[ii, jj]
    if first:  # S[i,0] is the first running maximum, A[i,0] the first row sum: both stay
        segs += [single(COMPUTE, t), single(COMPUTE, a), single(DELETE, t),
                 interleave([(COMPUTE, ids.u_acc[ii, jj])])]
        return concat(segs)
    jp = ids.pairs.prev[ii, jj]
    m_new, m_old = ids.m_acc[ii, jj], ids.m_acc[ii, jp]
    dm, c = ids.dm[ii, jj], ids.c[ii, jj]
    d_new, d_old = ids.d_acc[ii, jj], ids.d_acc[ii, jp]
    w, u_new, u_old = ids.W[ii, jj], ids.u_acc[ii, jj], ids.u_acc[ii, jp]
    segs += [single(k, v) for k, v in (
        (COMPUTE, m_new), (COMPUTE, t), (DELETE, s), (COMPUTE, a), (DELETE, t),
        (COMPUTE, dm), (DELETE, m_old), (COMPUTE, c), (DELETE, dm),
        (COMPUTE, d_new), (DELETE, d_old))]
    segs.append(interleave([(COMPUTE, w), (DELETE, u_old), (COMPUTE, u_new), (DELETE, w)]))
    segs += [single(DELETE, c), single(DELETE, a)]
    return concat(segs)


def emit_pairs(buf: MoveBuffer, ids, rows: np.ndarray, keys: np.ndarray) -> None:
    """All kept pairs of a block: the rows' first keys, then the others key by key
    (column-major), so every row's chain is in order."""
    pair = _online_pair_segments if isinstance(ids, OnlineIds) else _pair_segments
    kk, rr = np.nonzero(ids.pairs.keep[np.ix_(rows, keys)].T)  # key-major
    ii, jj = rows[rr], keys[kk]
    first = ids.pairs.prev[ii, jj] < 0
    if first.any():
        buf.segment(pair(ids, ii[first], jj[first], True))
    if not first.all():
        buf.segment(pair(ids, ii[~first], jj[~first], False))


def _running(ids, rows: np.ndarray, js: np.ndarray) -> list[np.ndarray]:
    """The running values of ``rows[t]`` after key ``js[t]`` (what flash1 writes between
    passes)."""
    values = [ids.u_acc[rows, js], ids.d_acc[rows, js]]
    if isinstance(ids, OnlineIds):
        values.append(ids.m_acc[rows, js])
    return values


def _last_key_before(keep: np.ndarray, rows: np.ndarray, end: int) -> np.ndarray:
    """For each row, its last kept key ``< end``."""
    sub = keep[rows, :end]
    return end - 1 - np.argmax(sub[:, ::-1], axis=1)


def emit_finish(buf: MoveBuffer, ids, rows: np.ndarray) -> None:
    """``R[i] = 1 / D[i]`` and ``O[i,l] = R[i] U[i,l]`` for the rows, storing ``O``."""
    out, last = ids.out[rows], ids.pairs.last[rows]
    drop = [single(DELETE, ids.m_acc[rows, last])] if isinstance(ids, OnlineIds) else []
    buf.segments([
        single(COMPUTE, ids.R[rows]),
        single(DELETE, ids.d_acc[rows, last]),
        *drop,
        interleave([(COMPUTE, out), (STORE, out), (DELETE, out),
                    (DELETE, ids.u_acc[rows, last])]),
        single(DELETE, ids.R[rows]),
    ])


def flash2_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, sum: str = "chain",
    stable: bool = False, pattern: KeyPattern | None = None,
) -> EncodedMoves:
    """FlashAttention-2 as moves on ``compile_graph(attention_dag(n, d, sum=sum))``.

    For each query block ``I`` (``B_r`` rows): load ``Q_I``; for each key block ``J``
    (``B_c`` rows): load ``K_J`` and ``V_J``, process the pairs of ``I x J`` (see the
    module notes), drop ``K_J`` and ``V_J``; then compute and store ``O_I`` and drop
    ``Q_I``. Block sizes from :func:`flash_block_sizes` with ``version=2``.

    Parameters
    ----------
    graph : CompiledGraph
        The compiled ``attention_dag(n, d, sum=sum)`` (late normalisation, not causal,
        not stable).
    n, d : int
        Sequence length and head dimension.
    memory : int
        The red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"
        The graph's summation shape.
    stable : bool, default False
        The graph is the online-softmax one.
    pattern : KeyPattern or None
        The graph's query-key pairs (None: all ``n x n``).

    Returns
    -------
    EncodedMoves
        Each vertex computed once; I/O as :func:`flash2_io`.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small (see :func:`flash_block_sizes`) or the graph lacks a
        node the schedule names.

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(attention_dag(8, 2, sum="chain"))
    >>> r = replay(C, flash2_moves(C, 8, 2, 24), 24)
    >>> r.io == flash2_io(8, 2, 24).io, r.peak_red <= 24
    (True, True)

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 1.
    .. [2] B. Saha and C. Ye, ICML 2024, Theorem 3.2 (upper bound O(N^2 d^2 / M) for
       d <= M <= Nd).
    """
    pattern = check_pattern(n, pattern)
    br, bc = flash_block_sizes(n, d, memory, sum=sum, version=2, stable=stable,
                               n_keys=pattern.n_keys)
    ids = _ids(graph, n, d, sum, stable, pattern)
    keep, buf = ids.pairs.keep, MoveBuffer()
    for rows in blocks_of(n, br):
        buf.load(ids.Q[rows])
        for keys in blocks_of(pattern.n_keys, bc):
            used = keys[keep[np.ix_(rows, keys)].any(axis=0)]  # fully masked: skipped
            if used.size == 0:
                continue
            buf.load(ids.K[used])
            buf.load(ids.V[used])
            emit_pairs(buf, ids, rows, keys)
            buf.delete(ids.K[used])
            buf.delete(ids.V[used])
        emit_finish(buf, ids, rows)
        buf.delete(ids.Q[rows])
    return buf.encoded(graph)


def flash1_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, sum: str = "chain",
    stable: bool = False, pattern: KeyPattern | None = None,
) -> EncodedMoves:
    """FlashAttention-1 as moves on ``compile_graph(attention_dag(n, d, sum=sum))``.

    For each key block ``J``: load ``K_J`` and ``V_J``; for each query block ``I``: load
    ``Q_I`` and (after the first key block) the running sums ``U[I,:](0:b)``,
    ``D[I](0:b)`` written by the previous pass; process the pairs of ``I x J``; store the
    new running sums (after the last key block instead compute and store ``O_I``) and
    drop ``Q_I``. The first pass loads no running sums: the game has no vertex for the
    zero that the published algorithm initialises ``O``, ``l`` with.

    Parameters
    ----------
    graph : CompiledGraph
        The compiled ``attention_dag(n, d, sum=sum)``.
    n, d, memory : int
        Sequence length, head dimension, red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"
    stable : bool, default False
    pattern : KeyPattern or None
        The graph's query-key pairs (None: all ``n x n``).

    Returns
    -------
    EncodedMoves
        Each vertex computed once; I/O as :func:`flash1_io`.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small (see :func:`flash_block_sizes`).

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(attention_dag(8, 2, sum="chain"))
    >>> replay(C, flash1_moves(C, 8, 2, 24), 24).io == flash1_io(8, 2, 24).io
    True

    References
    ----------
    .. [1] T. Dao et al., "FlashAttention", NeurIPS 2022, Algorithm 1.
    .. [2] B. Saha and C. Ye, ICML 2024, Theorem 3.2.
    """
    pattern = check_pattern(n, pattern)
    br, bc = flash_block_sizes(n, d, memory, sum=sum, stable=stable, n_keys=pattern.n_keys)
    ids = _ids(graph, n, d, sum, stable, pattern)
    p, buf = ids.pairs, MoveBuffer()
    for keys in blocks_of(pattern.n_keys, bc):
        used = keys[p.keep[:, keys].any(axis=0)]
        if used.size == 0:
            continue
        buf.load(ids.K[used])
        buf.load(ids.V[used])
        for rows in blocks_of(n, br):
            rows = rows[p.keep[np.ix_(rows, keys)].any(axis=1)]  # rows with a key here
            if rows.size == 0:
                continue
            buf.load(ids.Q[rows])
            started = rows[p.first[rows] < keys[0]]
            if started.size:
                for acc in _running(ids, started, _last_key_before(p.keep, started, keys[0])):
                    buf.load(acc)
            emit_pairs(buf, ids, rows, keys)
            done = p.last[rows] <= keys[-1]
            if done.any():
                emit_finish(buf, ids, rows[done])
            if not done.all():
                more = rows[~done]
                for acc in _running(ids, more, _last_key_before(p.keep, more, keys[-1] + 1)):
                    buf.store(acc)
                    buf.delete(acc)
            buf.delete(ids.Q[rows])
        buf.delete(ids.K[used])
        buf.delete(ids.V[used])
    return buf.encoded(graph)


def flash2_io(
    n: int, d: int, memory: int, *, sum: str = "chain", stable: bool = False,
    pattern: KeyPattern | None = None,
) -> IOCount:
    """Exact I/O of :func:`flash2_moves`, in closed form.

    ``Nd`` (Q) ``+ 2 N d T_r`` (K and V once per query block) loads and ``Nd`` (O)
    stores, ``T_r = ceil(N / B_r)``. On a masked pattern, K and V rows are loaded per
    query block only for the keys some row of the block sees: ``2d`` times the sum over
    query blocks of those keys (fully masked blocks cost nothing); with a KV cache of
    ``N_k`` keys, ``2 N_k d T_r``.

    Parameters
    ----------
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"
    stable : bool, default False
    pattern : KeyPattern or None
        The DAG's query-key pairs (:func:`~redblue.dags.attention_masks.key_pattern`).

    Returns
    -------
    IOCount
        With ``blocks = {"B_r": ..., "B_c": ..., "T_r": ..., "T_c": ...}``.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small.

    Examples
    --------
    >>> flash2_io(65536, 128, 100_000).io  # T_r = 335 query blocks of 196 rows
    5637144576

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, Sec. 3.1.
    """
    pattern = check_pattern(n, pattern)
    nk = pattern.n_keys
    br, bc = flash_block_sizes(n, d, memory, sum=sum, version=2, stable=stable, n_keys=nk)
    tr, tc = ceil_div(n, br), ceil_div(nk, bc)
    blocks = {"B_r": br, "B_c": bc, "T_r": tr, "T_c": tc}
    if pattern.full:
        return IOCount("flash2", n * d + 2 * nk * d * tr, n * d, blocks)
    if plain_causal(pattern):  # query block I loads keys 0..e_I
        keys, blocks["blocks_kept"] = causal_tiles(n, br, bc)
        return IOCount("flash2", n * d + 2 * d * keys, n * d, blocks)
    blocks["blocks_kept"] = tiles_kept(pattern, br, bc)  # block by block, any size
    return IOCount("flash2", n * d + 2 * d * block_keys(pattern, br), n * d, blocks)


def flash1_io(
    n: int, d: int, memory: int, *, sum: str = "chain", stable: bool = False,
    pattern: KeyPattern | None = None,
) -> IOCount:
    """Exact I/O of :func:`flash1_moves`, in closed form.

    Loads: ``2Nd`` (K, V once) ``+ T_c N d`` (Q once per key block) ``+ (T_c - 1)(Nd + N)``
    (running sums); stores: ``(T_c - 1)(Nd + N) + Nd``. About ``12 N^2 d^2 / M`` when
    ``B_c ~ M / 4d``, as the paper's literal count.

    On a masked pattern let ``h`` be the number of (row, key block) pairs where the row
    sees a key of the block: ``Q`` rows are loaded ``h`` times and the running sums
    (``d + 1`` words, ``d + 2`` with ``stable``) move ``h - N`` times each way; K and V
    are loaded once for every key some row sees.

    Parameters
    ----------
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"
    stable : bool, default False
    pattern : KeyPattern or None
        The DAG's query-key pairs.

    Returns
    -------
    IOCount
        With ``blocks = {"B_r", "B_c", "T_r", "T_c"}``.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small.

    Examples
    --------
    >>> flash1_io(4, 2, 1000).io  # one key block: read Q, K, V, write O
    32

    References
    ----------
    .. [1] T. Dao et al., "FlashAttention", NeurIPS 2022, Theorem 2.
    """
    pattern = check_pattern(n, pattern)
    nk = pattern.n_keys
    br, bc = flash_block_sizes(n, d, memory, sum=sum, stable=stable, n_keys=nk)
    tr, tc = ceil_div(n, br), ceil_div(nk, bc)
    blocks = {"B_r": br, "B_c": bc, "T_r": tr, "T_c": tc}
    word = d + (2 if stable else 1)  # U, D (and m) of a row between passes
    if pattern.full:
        run = (tc - 1) * n * word
        return IOCount("flash1", 2 * nk * d + tc * n * d + run, run + n * d, blocks)
    if plain_causal(pattern):  # row i reaches key blocks 0..i // B_c; every key is used
        hits, blocks["blocks_kept"] = causal_tiles(n, 1, bc)[1], causal_tiles(n, br, bc)[1]
        used = n
    else:  # block by block, any size
        hits = int(row_hits(pattern, bc).sum())  # (row, key block) pairs with a kept pair
        blocks["blocks_kept"] = tiles_kept(pattern, br, bc)
        used = block_keys(pattern, n)  # the keys some row sees
    run = (hits - n) * word
    return IOCount("flash1", 2 * used * d + hits * d + run, run + n * d, blocks)
