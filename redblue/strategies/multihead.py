"""FlashAttention-2 over grouped-query heads: K/V loaded once per head or once per group.

Runs on :func:`~redblue.dags.multihead.multihead_attention_dag` (late normalisation,
``sum="chain"`` or ``"fma"``, any key pattern: causal, block-sparse, decode; with
``stable=True`` on its online-softmax graph, ``stable=True, online=True``: each query row
also keeps its running maximum). Two schedules:

- ``grouped=False`` (one head at a time): FlashAttention-2 on each head alone, with the
  single-head block sizes; a K/V block is loaded once per query block per head.
- ``grouped=True``: the ``G = H / H_kv`` heads of a group share each K/V block. For each
  group and each query block ``I`` (``B_r`` rows of every head of the group): load the
  group's ``Q_I``, then for each key block load ``K_J``, ``V_J`` once and run the pairs of
  all ``G`` heads. The resident set holds ``G B_r`` query rows, so ``B_r`` is the
  single-head FA-2 block for ``G N`` rows divided by ``G``.

Exact counts: per head, ``H`` times :func:`~redblue.strategies.flash.flash2_io`; grouped,
``H N d`` (Q) ``+ H_kv`` times the K/V loads of one FA-2 pass with ``B_r`` rows per query
block, ``+ H N d`` (O). Grouping divides the K/V traffic by ``G`` when the query blocks
are not limited by the cache (decoding: one query block either way); when they are, the
group's ``G`` times smaller ``B_r`` gives back what sharing saved.

References
----------
.. [1] J. Ainslie et al., "GQA: training generalized multi-query transformer models from
   multi-head checkpoints", EMNLP 2023.
.. [2] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from redblue.dags.attention_masks import KeyPattern
from redblue.dags.multihead import check_heads, head_node
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import EncodedMoves
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    block_keys,
    blocks_of,
    ceil_div,
    check_pattern,
    check_shape,
)
from redblue.strategies._ids import attention_ids, online_ids
from redblue.strategies.flash import emit_finish, emit_pairs, flash2_io, flash_block_sizes

__all__ = ["gqa_block_sizes", "gqa_moves", "gqa_io"]


def gqa_block_sizes(n: int, d: int, memory: int, *, heads: int, kv_heads: int,
                    grouped: bool = True, sum: str = "chain",
                    pattern: KeyPattern | None = None,
                    stable: bool = False) -> tuple[int, int]:
    """``(B_r, B_c)``: query rows per head and keys per block.

    One head at a time: FlashAttention-2's sizes. Grouped: FA-2's sizes for ``G N`` query
    rows (``G = H / H_kv``), the row block shared out among the ``G`` heads
    (``B_r = floor(R / G)``), so ``G B_r (2d + 1) + 2 B_c d + c <= M`` still holds
    (``2d + 2`` words a row and ``c = 3`` with ``stable``).

    Raises
    ------
    InvalidInputError
        If ``H_kv`` does not divide ``H`` or one query row of each of the ``G`` heads
        does not fit with one key.

    Examples
    --------
    >>> gqa_block_sizes(64, 8, 1024, heads=8, kv_heads=2)
    (8, 8)
    >>> gqa_block_sizes(64, 8, 1024, heads=8, kv_heads=2, grouped=False)
    (32, 8)
    """
    heads, kv_heads = check_heads(heads, kv_heads)
    pattern = check_pattern(n, pattern)
    nk = pattern.n_keys
    if not grouped:
        return flash_block_sizes(n, d, memory, sum=sum, version=2, n_keys=nk, stable=stable)
    group = heads // kv_heads
    rows, bc = flash_block_sizes(group * n, d, memory, sum=sum, version=2, n_keys=nk,
                                 stable=stable)  # fmt: skip
    if rows < group:  # one row of each head, and as many keys as then fit
        c = 3 if check_shape(sum) == "chain" or stable else 2
        row = 2 * d + 1 + int(bool(stable))  # a query row, its running sums (and maximum)
        smallest = group * row + 2 * d + c
        if memory >= smallest:
            return 1, min(bc, (memory - c - group * row) // (2 * d))
        raise InvalidInputError(
            f"memory M = {memory} is too small for grouped FlashAttention-2 with {group} "
            f"heads a group: it needs M >= {smallest} (one query row of each head, its "
            f"running sums, one key and one value row)"
        )
    return min(rows // group, n), bc


def gqa_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, heads: int, kv_heads: int,
    grouped: bool = True, sum: str = "chain", pattern: KeyPattern | None = None,
    stable: bool = False,
) -> EncodedMoves:
    """FlashAttention-2 on the multi-head graph, one head at a time or a group at a time.

    Parameters
    ----------
    graph : CompiledGraph
        ``compile_graph(multihead_attention_dag(n, d, heads=H, kv_heads=H_kv, sum=sum,
        ...))`` with the key pattern ``pattern``.
    n, d, memory : int
    heads, kv_heads : int
    grouped : bool, default True
        Share each K/V block among the heads of its group.
    sum : {"chain", "fma"}, default "chain"
    pattern : KeyPattern or None
    stable : bool, default False
        ``graph`` is the online-softmax multi-head graph (``stable=True, online=True``).

    Returns
    -------
    EncodedMoves
        I/O as :func:`gqa_io`.

    Examples
    --------
    >>> from redblue.dags.multihead import multihead_attention_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(multihead_attention_dag(4, 2, heads=4, kv_heads=2, sum="chain"))
    >>> r = replay(C, gqa_moves(C, 4, 2, 60, heads=4, kv_heads=2), 60)
    >>> r.io == gqa_io(4, 2, 60, heads=4, kv_heads=2).io
    True
    """
    pattern = check_pattern(n, pattern)
    br, bc = gqa_block_sizes(n, d, memory, heads=heads, kv_heads=kv_heads, grouped=grouped,
                             sum=sum, pattern=pattern, stable=stable)  # fmt: skip
    heads, kv_heads = check_heads(heads, kv_heads)
    group = heads // kv_heads
    shape = check_shape(sum)
    table = online_ids if stable else attention_ids  # the same tables, running max too
    ids = [table(graph, n, d, shape, pattern=pattern, rename=partial(head_node, h, h // group))
           for h in range(heads)]  # fmt: skip
    buf = MoveBuffer()
    teams = ([ids[g * group:(g + 1) * group] for g in range(kv_heads)] if grouped
             else [[one] for one in ids])  # fmt: skip
    for team in teams:
        _flash2_team(buf, team, n, pattern.n_keys, br, bc)
    return buf.encoded(graph)


def _flash2_team(buf: MoveBuffer, team: list, n: int, nk: int, br: int, bc: int) -> None:
    """FlashAttention-2 for heads sharing K and V: each K/V block loaded once for all."""
    keep, first = team[0].pairs.keep, team[0]
    for rows in blocks_of(n, br):
        for ids in team:
            buf.load(ids.Q[rows])
        for keys in blocks_of(nk, bc):
            used = keys[keep[np.ix_(rows, keys)].any(axis=0)]
            if used.size == 0:
                continue
            buf.load(first.K[used])
            buf.load(first.V[used])
            for ids in team:
                emit_pairs(buf, ids, rows, keys)
            buf.delete(first.K[used])
            buf.delete(first.V[used])
        for ids in team:
            emit_finish(buf, ids, rows)
            buf.delete(ids.Q[rows])


def gqa_io(n: int, d: int, memory: int, *, heads: int, kv_heads: int, grouped: bool = True,
           sum: str = "chain", pattern: KeyPattern | None = None,
           stable: bool = False) -> IOCount:
    """Exact I/O of :func:`gqa_moves`.

    One head at a time: ``H`` times ``flash2_io``. Grouped: ``H N d`` (Q) ``+ H_kv`` times
    ``2d`` times the keys the query blocks load (``N_k T_r`` unmasked) ``+ H N d`` (O).

    Examples
    --------
    >>> from redblue.dags.attention_masks import key_pattern
    >>> cache = key_pattern(1, n_keys=8192)  # decoding: one row, 8192 cached keys
    >>> gqa_io(1, 128, 65536, heads=32, kv_heads=8, pattern=cache).io
    16785408
    >>> gqa_io(1, 128, 65536, heads=32, kv_heads=8, grouped=False, pattern=cache).io
    67117056
    """
    pattern = check_pattern(n, pattern)
    br, bc = gqa_block_sizes(n, d, memory, heads=heads, kv_heads=kv_heads, grouped=grouped,
                             sum=sum, pattern=pattern, stable=stable)  # fmt: skip
    heads, kv_heads = check_heads(heads, kv_heads)
    nk = pattern.n_keys
    blocks = {"B_r": br, "B_c": bc, "T_r": ceil_div(n, br), "T_c": ceil_div(nk, bc),
              "heads": heads, "kv_heads": kv_heads}
    if not grouped:
        one = flash2_io(n, d, memory, sum=sum, pattern=pattern, stable=stable)
        return IOCount("flash2-per-head", heads * one.loads, heads * one.stores, blocks)
    if pattern.full:
        kv = nk * ceil_div(n, br)
    else:
        kv = block_keys(pattern, br)  # block by block, any size
    loads = heads * n * d + kv_heads * 2 * d * kv
    return IOCount("flash2-grouped", loads, heads * n * d, blocks)
