"""Split-K decoding ("flash-decoding") as a pebbling strategy, with its exact count.

Runs on :func:`~redblue.dags.attention_decode.split_decode_dag`: ``N_q`` query rows
against ``N_k`` cached keys cut into chunks. Each chunk is processed on its own, as the
parallel kernel does on separate thread blocks: load ``Q`` (all ``N_q`` rows), stream the
chunk's keys in blocks of ``B_c`` (``K_J``, ``V_J`` loaded once) through FlashAttention's
online-softmax pair moves, then store the chunk's partial results ``m``, ``D``, ``U``
(``d + 2`` words a row) and drop ``Q``. The reduction then runs row by row: load the
row's ``m`` of every chunk, take their maximum, rescale, load each chunk's ``D`` and
``U`` to sum them, normalise and store ``O``.

I/O, with ``c`` chunks: loads ``c N_q d + 2 N_k d + c N_q (d + 2)``, stores
``c N_q (d + 2) + N_q d``. FlashAttention-2 on the unsplit graph (one query block) costs
``2 N_q d + 2 N_k d``: splitting buys parallelism with ``(c - 1) N_q d + 2c N_q (d + 2)``
more I/O, small next to the ``2 N_k d`` of the cache when ``N_q`` is small.

References
----------
.. [1] T. Dao, D. Haziza, F. Massa, G. Sizov, "Flash-Decoding for long-context
   inference", 2023.
.. [2] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691.
"""

from __future__ import annotations

import numpy as np

from redblue.dags.attention_decode import decode_chunks
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE, EncodedMoves
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    blocks_of,
    check_shape,
    check_sizes,
    interleave,
    single,
    too_small,
)
from redblue.strategies._ids import split_decode_ids
from redblue.strategies.flash import emit_pairs

__all__ = ["split_decode_block", "split_decode_moves", "split_decode_io"]


def split_decode_block(n: int, d: int, memory: int, *, n_keys: int, chunks: int) -> int:
    """Keys ``B_c`` per block within a chunk, chosen to fit in ``memory``.

    The chunk phase keeps ``Q`` (``N_q d``), the running ``U``, ``D``, ``m`` of every row
    (``N_q (d + 2)``), ``K_J`` and ``V_J`` (``2 B_c d``) and at most 3 working values red;
    the reduction of one row at most ``max(2c + 2, c + d + 4)`` values (``c`` chunks).

    Parameters
    ----------
    n, d, memory : int
        Query rows, head dimension, red-pebble limit M.
    n_keys, chunks : int
        Cached keys and the number of chunks asked for.

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        If ``M`` is smaller than either phase needs (the message names the smallest M).

    Examples
    --------
    >>> split_decode_block(1, 8, 100, n_keys=64, chunks=4)
    4
    """
    n, d, memory = check_sizes(n, d, memory)
    parts = decode_chunks(n_keys, chunks)
    c = len(parts)
    resident = n * (2 * d + 2) + 3
    smallest = max(resident + 2 * d, 2 * c + 2, c + d + 4)
    if memory < smallest:
        raise too_small("split-K decoding", memory, smallest,
                        "Q with the running values of every row, one key and value row, "
                        "and the reduction of one row")  # fmt: skip
    return max(1, min(max(len(p) for p in parts), (memory - resident) // (2 * d)))


def split_decode_moves(
    graph: CompiledGraph, n: int, d: int, memory: int, *, n_keys: int, chunks: int,
    sum: str = "chain",
) -> EncodedMoves:
    """Split-K decoding as moves on ``compile_graph(split_decode_dag(...))``.

    Parameters
    ----------
    graph : CompiledGraph
        The compiled ``split_decode_dag(n, d, n_keys=n_keys, chunks=chunks, sum=sum)``.
    n, d, memory : int
        Query rows, head dimension, red-pebble limit M.
    n_keys, chunks : int
        Cached keys and chunks.
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    EncodedMoves
        Each vertex computed once; I/O as :func:`split_decode_io`.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small (:func:`split_decode_block`).

    Examples
    --------
    >>> from redblue.dags.attention_decode import split_decode_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(split_decode_dag(2, 4, n_keys=16, chunks=4))
    >>> r = replay(C, split_decode_moves(C, 2, 4, 64, n_keys=16, chunks=4), 64)
    >>> r.io == split_decode_io(2, 4, 64, n_keys=16, chunks=4).io, r.peak_red <= 64
    (True, True)
    """
    bc = split_decode_block(n, d, memory, n_keys=n_keys, chunks=chunks)
    parts = decode_chunks(n_keys, chunks)
    ids = split_decode_ids(graph, n, d, n_keys, parts, check_shape(sum))
    on, rows, buf = ids.online, np.arange(n), MoveBuffer()
    for c, part in enumerate(parts):  # the chunks, each on its own
        buf.load(on.Q)
        for keys in blocks_of(len(part), bc):
            keys = keys + part.start
            buf.load(on.K[keys])
            buf.load(on.V[keys])
            emit_pairs(buf, on, rows, keys)
            buf.delete(on.K[keys])
            buf.delete(on.V[keys])
        for partial in (ids.U[:, c], ids.D[:, c], ids.m[:, c]):
            buf.store(partial)
            buf.delete(partial)
        buf.delete(on.Q)
    buf.segments(_reduction(ids, len(parts)))  # row by row
    return buf.encoded(graph)


def _reduction(ids, k: int) -> list:
    """The reduction's moves, one pattern repeated over the rows."""
    segs = [interleave([(LOAD, ids.m)])]
    if k > 1:
        segs.append(single(COMPUTE, ids.M[:, 1]))
        if k > 2:
            segs.append(interleave([(COMPUTE, ids.M[:, 2:]), (DELETE, ids.M[:, 1:-1])]))
    segs.append(interleave([(COMPUTE, ids.x), (COMPUTE, ids.e), (DELETE, ids.x)]))
    segs.append(interleave([(DELETE, ids.m)]))  # m[i,0] is the maximum when k = 1
    if k > 1:
        segs.append(single(DELETE, ids.M[:, -1]))
    for c in range(k):
        segs += [single(LOAD, ids.D[:, c]), single(COMPUTE, ids.L[:, c])]
        if c:
            segs.append(single(DELETE, ids.L[:, c - 1]))
        segs.append(single(DELETE, ids.D[:, c]))
        y = [(LOAD, ids.U[:, c]), (COMPUTE, ids.Y[:, c])]
        if c:
            y.append((DELETE, ids.Y[:, c - 1]))
        segs += [interleave(y + [(DELETE, ids.U[:, c])]), single(DELETE, ids.e[:, c])]
    out = ids.out
    segs += [single(COMPUTE, ids.R), single(DELETE, ids.L[:, -1]),
             interleave([(COMPUTE, out), (STORE, out), (DELETE, out),
                         (DELETE, ids.Y[:, -1])]),
             single(DELETE, ids.R)]  # fmt: skip
    return segs


def split_decode_io(
    n: int, d: int, memory: int, *, n_keys: int, chunks: int, sum: str = "chain"
) -> IOCount:
    """Exact I/O of :func:`split_decode_moves`, in closed form.

    Loads ``c N_q d`` (Q once per chunk) ``+ 2 N_k d`` (the cache once) ``+ c N_q (d + 2)``
    (the partials, in the reduction); stores ``c N_q (d + 2) + N_q d``; ``c`` the number
    of chunks.

    Parameters
    ----------
    n, d, memory : int
    n_keys, chunks : int
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    IOCount
        With ``blocks = {"B_c": ..., "chunks": c}``.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small.

    Examples
    --------
    >>> split_decode_io(1, 128, 4096, n_keys=65536, chunks=16).io
    16783552
    """
    check_shape(sum)
    bc = split_decode_block(n, d, memory, n_keys=n_keys, chunks=chunks)
    c = len(decode_chunks(n_keys, chunks))
    partials = c * n * (d + 2)
    return IOCount("split-decode", c * n * d + 2 * n_keys * d + partials, partials + n * d,
                   {"B_c": bc, "chunks": c})
