"""FlashAttention-2's backward pass as a pebbling strategy on the attention backward DAG.

Runs on ``attention_backward_dag(n, d, sum="chain")`` (or ``"fma"``), whose sums ``dV``,
``dK`` (over query rows ``i``) and ``dQ`` (over keys ``j``) are left-to-right chains: the
order in which FlashAttention-2's backward pass accumulates them.

Algorithm 2 of Dao (2023): the outer loop runs over key blocks ``J`` of ``B_c`` rows:
``K_J``, ``V_J`` are loaded once and the accumulators of ``dK_J``, ``dV_J`` stay in fast
memory. The inner loop runs over query blocks ``I`` of ``B_r`` rows: load ``Q_I``,
``dO_I``, ``L_I``, ``D_I`` and (after the first key block) the partial sums of ``dQ_I``;
for every pair ``(i, j)`` recompute ``S``, ``P = exp(S - L)``, ``dP``,
``dS = P (dP - D)``, add one term to ``dV[j,:]``, ``dK[j,:]`` and ``dQ[i,:]``, and drop
the pair's values; store ``dQ_I`` back. After the inner loop ``dK_J``, ``dV_J`` are
stored. Each vertex is computed once.

Fast memory holds ``4 B_c d`` words (``K_J, V_J, dK_J, dV_J``), ``B_r (3d + 2)``
(``Q_I, dO_I, dQ_I, L_I, D_I``) and at most ``c`` working values of one pair (``c = 4``
for ``"chain"``: ``P``, ``dS``, a product and a new partial sum; ``3`` for ``"fma"``).

References
----------
.. [1] T. Dao, "FlashAttention-2: faster attention with better parallelism and work
   partitioning", 2023, arXiv:2307.08691, Algorithm 2.
.. [2] X. Li, Y. Liang, Z. Shi, Z. Song et al., "On Fine-Grained I/O Complexity of
   Attention Backward Passes", arXiv:2410.09397 (FlashAttention's backward pass is
   optimal for large caches, M >= d^2).
"""

from __future__ import annotations

import numpy as np

from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, EncodedMoves
from redblue.strategies._backward_ids import BackwardIds, backward_ids
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    Segment,
    blocks_of,
    ceil_div,
    check_shape,
    check_sizes,
    concat,
    single,
    step,
    too_small,
)

__all__ = ["flash2_backward_block_sizes", "flash2_backward_moves", "flash2_backward_io"]


def working_values(shape: str) -> int:
    """Red pebbles one pair needs above the resident blocks (4 chain, 3 fma)."""
    return 4 if check_shape(shape) == "chain" else 3


def flash2_backward_block_sizes(
    n: int, d: int, memory: int, *, sum: str = "chain"
) -> tuple[int, int]:
    """Block sizes ``(B_r, B_c)`` of FlashAttention-2's backward pass, made to fit ``memory``.

    Algorithm 2 of FlashAttention-2 takes ``B_c = ceil(M / 4d)`` key rows (the outer,
    resident block) and ``B_r = min(ceil(M / 4d), d)`` query rows, both capped at ``N``.
    The schedule holds ``F = 4 B_c d + B_r (3d + 2) + c`` words (``c`` = 4 for
    ``"chain"``, 3 for ``"fma"``), more than ``M`` with the published sizes. When they
    do not fit, ``B_c`` is reduced to the largest size that fits if it stays at least
    ``B_r``; otherwise ``B_r = floor((M - c) / (7d + 2))`` and ``B_c`` the largest size
    that fits with it. Sizes never exceed the published ones (the forward schedules of
    :func:`redblue.strategies.flash_block_sizes` make the same choice).

    Parameters
    ----------
    n, d : int
        Sequence length and head dimension.
    memory : int
        The red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    (int, int)
        ``(B_r, B_c)``.

    Raises
    ------
    InvalidInputError
        If ``M < 7d + 2 + c`` (one query row and one key row do not fit).

    Examples
    --------
    >>> flash2_backward_block_sizes(64, 8, 1024)  # published: B_c = 32, B_r = 8
    (8, 25)
    >>> flash2_backward_block_sizes(64, 8, 64)
    (1, 1)
    >>> flash2_backward_block_sizes(64, 8, 61)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: memory M = 61 is too small for FlashAttention-2 \
backward: it needs M >= 62 (one query row with dO, dQ, L, D and one key row with V, dK, dV)

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2, line 1.
    """
    n, d, memory = check_sizes(n, d, memory)
    c = working_values(sum)
    w_outer, w_inner = 4 * d, 3 * d + 2
    smallest = w_outer + w_inner + c
    if memory < smallest:
        raise too_small("FlashAttention-2 backward", memory, smallest,
                        "one query row with dO, dQ, L, D and one key row with V, dK, dV")
    pub = ceil_div(memory, 4 * d)
    outer, inner = min(pub, n), min(pub, d, n)

    def fits(o: int, i: int) -> bool:
        return o * w_outer + i * w_inner + c <= memory

    if not fits(outer, inner):
        outer_fit = (memory - c - inner * w_inner) // w_outer
        if outer_fit >= inner:
            outer = outer_fit
        else:
            inner = min(inner, (memory - c) // (w_outer + w_inner))
            outer = min(outer, (memory - c - inner * w_inner) // w_outer)
    assert outer >= inner >= 1 and fits(outer, inner), (outer, inner)
    return inner, outer


def sum_steps(
    shape: str, term: np.ndarray | None, acc: np.ndarray, before: np.ndarray | None
) -> list[Segment]:
    """Steps of ``p`` running sums, ``m`` terms each, one sum after another.

    ``acc[:, t]`` is a sum after its ``t``-th term of these steps, ``term[:, t]`` that
    product (``"chain"``; None for ``"fma"``), ``before`` the partial sums before the
    first step, shape ``(p,)`` (None: the first step is the sum's first term).
    """
    if before is None:
        segs = [step(shape, None if term is None else term[:, :1], acc[:, :1], None)]
        if acc.shape[1] > 1:
            t = None if term is None else term[:, 1:]
            segs.append(step(shape, t, acc[:, 1:], acc[:, :-1]))
        return segs
    old = np.concatenate([np.asarray(before).reshape(-1, 1), acc[:, :-1]], axis=1)
    return [step(shape, term, acc, old)]


def _term(x: np.ndarray | None, ii: np.ndarray, jj: np.ndarray) -> np.ndarray | None:
    return None if x is None else x[ii, jj]


def _pair_segment(ids: BackwardIds, ii: np.ndarray, jj: np.ndarray, first_i: bool,
                  first_j: bool) -> Segment:
    """Every move of the pairs ``(ii[t], jj[t])``, one pair after another.

    ``first_i``: ``i = 0``, the first term of ``dV[j,:]`` and ``dK[j,:]``; ``first_j``:
    ``j = 0``, the first term of ``dQ[i,:]``. Peak: ``c`` red above the resident set.
    """
    shape = ids.shape
    s, dp = ids.s_acc[ii, jj], ids.dp_acc[ii, jj]
    segs = sum_steps(shape, _term(ids.s_term, ii, jj), s, None)
    segs += [single(k, v) for k, v in ((COMPUTE, ids.T[ii, jj]), (DELETE, s[:, -1]),
                                       (COMPUTE, ids.P[ii, jj]), (DELETE, ids.T[ii, jj]))]
    segs += sum_steps(shape, _term(ids.dp_term, ii, jj), dp, None)
    segs += [single(k, v) for k, v in ((COMPUTE, ids.E[ii, jj]), (DELETE, dp[:, -1]),
                                       (COMPUTE, ids.dS[ii, jj]), (DELETE, ids.E[ii, jj]))]
    for term, acc, first, prev in (
        (ids.dv_term, ids.dv_acc, first_i, (ii - 1, jj)),
        (ids.dk_term, ids.dk_acc, first_i, (ii - 1, jj)),
        (ids.dq_term, ids.dq_acc, first_j, (ii, jj - 1)),
    ):
        new = acc[ii, jj]
        t = None if term is None else term[ii, jj]
        segs.append(step(shape, t, new, None if first else acc[prev]))
        if acc is ids.dv_acc:  # P is used by dV only
            segs.append(single(DELETE, ids.P[ii, jj]))
    segs.append(single(DELETE, ids.dS[ii, jj]))
    return concat(segs)


def emit_block_pairs(buf: MoveBuffer, ids: BackwardIds, rows: np.ndarray,
                     keys: np.ndarray) -> None:
    """All pairs of ``rows x keys`` in an order every chain accepts.

    The pair ``(0, 0)``, then the rest of row 0 (first terms of ``dV``, ``dK``), then the
    rest of key 0 (first terms of ``dQ``), then the other pairs key by key: each sum
    receives its terms in increasing order, within and across blocks.
    """
    fi, fj = bool(rows[0] == 0), bool(keys[0] == 0)
    r, k = (rows[1:] if fi else rows), (keys[1:] if fj else keys)
    zero = np.zeros(1, dtype=rows.dtype)
    groups = []
    if fi and fj:
        groups.append((zero, zero, True, True))
    if fi and k.size:
        groups.append((np.zeros_like(k), k, True, False))
    if fj and r.size:
        groups.append((r, np.zeros_like(r), False, True))
    if r.size and k.size:
        groups.append((np.tile(r, k.size), np.repeat(k, r.size), False, False))
    for ii, jj, first_i, first_j in groups:
        buf.segment(_pair_segment(ids, ii, jj, first_i, first_j))


def flash2_backward_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, sum: str = "chain"
) -> EncodedMoves:
    """FlashAttention-2's backward pass as moves on the compiled backward DAG.

    Parameters
    ----------
    graph : CompiledGraph
        ``compile_graph(attention_backward_dag(n, d, sum=sum))``.
    n, d : int
        Sequence length and head dimension.
    memory : int
        The red-pebble limit M.
    sum : {"chain", "fma"}, default "chain"
        The graph's summation shape.

    Returns
    -------
    EncodedMoves
        Each vertex computed once; I/O as :func:`flash2_backward_io`.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small (see :func:`flash2_backward_block_sizes`) or the graph
        lacks a node the schedule names.

    Examples
    --------
    >>> from redblue.dags import attention_backward_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(attention_backward_dag(8, 2))
    >>> r = replay(C, flash2_backward_moves(C, 8, 2, 40), 40)
    >>> r.io == flash2_backward_io(8, 2, 40).io, r.peak_red <= 40
    (True, True)

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2.
    """
    n, d, memory = check_sizes(n, d, memory)
    br, bc = flash2_backward_block_sizes(n, d, memory, sum=sum)
    ids = backward_ids(graph, n, d, sum)
    buf = MoveBuffer()
    for keys in blocks_of(n, bc):
        buf.load(ids.K[keys])
        buf.load(ids.V[keys])
        for rows in blocks_of(n, br):
            for x in (ids.Q[rows], ids.dO[rows], ids.L[rows], ids.D[rows]):
                buf.load(x)
            if keys[0] > 0:
                buf.load(ids.dq_acc[rows, keys[0] - 1])
            emit_block_pairs(buf, ids, rows, keys)
            dq = ids.dq_acc[rows, keys[-1]]
            buf.store(dq)
            buf.delete(dq)
            for x in (ids.Q[rows], ids.dO[rows], ids.L[rows], ids.D[rows]):
                buf.delete(x)
        for acc in (ids.dk_acc[n - 1, keys], ids.dv_acc[n - 1, keys]):
            buf.store(acc)
            buf.delete(acc)
        buf.delete(ids.K[keys])
        buf.delete(ids.V[keys])
    return buf.encoded(graph)


def flash2_backward_io(n: int, d: int, memory: int, *, sum: str = "chain") -> IOCount:
    """Exact I/O of :func:`flash2_backward_moves`, in closed form.

    With ``T_c = ceil(N / B_c)`` key blocks: loads ``2Nd`` (``K``, ``V`` once)
    ``+ T_c (2Nd + 2N)`` (``Q``, ``dO``, ``L``, ``D`` once per key block)
    ``+ (T_c - 1) Nd`` (``dQ`` partial sums); stores ``T_c Nd`` (``dQ``) ``+ 2Nd``
    (``dK``, ``dV``). In all ``3Nd + T_c (4Nd + 2N)``.

    Parameters
    ----------
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"

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
    >>> c = flash2_backward_io(64, 8, 1024)
    >>> c.io, c.blocks["T_c"]
    (8064, 3)

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2.
    """
    n, d, memory = check_sizes(n, d, memory)
    br, bc = flash2_backward_block_sizes(n, d, memory, sum=sum)
    tr, tc = ceil_div(n, br), ceil_div(n, bc)
    loads = 2 * n * d + tc * (2 * n * d + 2 * n) + (tc - 1) * n * d
    stores = tc * n * d + 2 * n * d
    return IOCount("flash2-backward", loads, stores, {"B_r": br, "B_c": bc, "T_r": tr, "T_c": tc})
