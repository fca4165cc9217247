"""Tiled matrix multiplication as a pebbling strategy on :func:`redblue.dags.matmul_dag`.

Runs on ``matmul_dag(m, k, n, sum="chain" | "fma")``: each ``C[i,j]`` is a chain over
``p``, which is the order an output-stationary tiled product accumulates it.

For each ``b_i x b_j`` tile of ``C`` (the running sums stay red): for each ``p``: load
the row piece ``B[p, J]`` (``b_j`` words); for each ``i`` in ``I``: load ``A[i,p]`` and
add ``A[i,p] B[p,j]`` to ``C[i,j]`` for ``j`` in ``J``, drop ``A[i,p]``; drop ``B[p, J]``.
Store the tile. Footprint ``b_i b_j + b_j + 1 + c`` (``c = 2`` for ``"chain"``, ``1`` for
``"fma"``), so tiles are about ``sqrt(M) x sqrt(M)`` and the I/O is about
``2 m k n / sqrt(M) + mn``: the Hong-Kung bound with the tight leading constant 2.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981,
   Sec. 6 (Omega(mkn / sqrt(M))).
.. [2] T. M. Smith, B. Lowery, J. Langou, R. A. van de Geijn, "A tight I/O lower bound for
   matrix multiplication", 2019, arXiv:1702.02017 (2 mkn / sqrt(M)).
.. [3] B. Saha and C. Ye, ICML 2024, Lemma 3.6 (the matmul bound the small-cache
   attention bound reduces to).
"""

from __future__ import annotations

import math

import numpy as np

from redblue.dags._builder import check_int
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import DELETE, LOAD, EncodedMoves
from redblue.strategies._common import (
    IOCount,
    MoveBuffer,
    blocks_of,
    ceil_div,
    check_shape,
    concat,
    interleave,
    single,
    step,
    too_small,
)
from redblue.strategies._ids import matmul_ids

__all__ = ["matmul_block_sizes", "matmul_moves", "matmul_io"]


def matmul_block_sizes(m: int, k: int, n: int, memory: int, *, sum: str = "chain"
                       ) -> tuple[int, int]:
    """Tile sizes ``(b_i, b_j)`` of the output-stationary schedule.

    ``b`` is the largest int with ``b^2 + b + 1 + c <= M``; ``b_j = min(b, n)`` and
    ``b_i = min(m, floor((M - 1 - c - b_j) / b_j))`` (at least ``b``: leftover memory
    buys taller tiles).

    Parameters
    ----------
    m, k, n : int
        ``A`` is ``m x k``, ``B`` is ``k x n``.
    memory : int
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    (int, int)

    Raises
    ------
    InvalidInputError
        If ``M < 3 + c``.

    Examples
    --------
    >>> matmul_block_sizes(64, 64, 64, 100)
    (9, 9)
    """
    m, k, n = check_int("m", m, 1), check_int("k", k, 1), check_int("n", n, 1)
    memory = check_int("memory", memory, 1)
    c = 2 if check_shape(sum) == "chain" else 1
    if memory < 3 + c:
        raise too_small("tiled matmul", memory, 3 + c, "one output, one entry of each "
                        "input and the working values")
    b = math.isqrt(memory - 1 - c)
    while b * b + b + 1 + c > memory:
        b -= 1
    bj = min(b, n)
    bi = min(m, (memory - 1 - c - bj) // bj)
    return bi, bj


def matmul_moves(graph: CompiledGraph, m: int, k: int, n: int, memory: int, *,
                 sum: str = "chain") -> EncodedMoves:
    """Tiled matmul as moves on ``compile_graph(matmul_dag(m, k, n, sum=sum))``.

    Parameters
    ----------
    graph : CompiledGraph
    m, k, n : int
    memory : int
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    EncodedMoves
        Each vertex computed once; I/O as :func:`matmul_io`.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small.

    Examples
    --------
    >>> from redblue.dags import matmul_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(matmul_dag(5, 4, 6, sum="chain"))
    >>> replay(C, matmul_moves(C, 5, 4, 6, 12), 12).io == matmul_io(5, 4, 6, 12).io
    True

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, STOC 1981, Sec. 6.
    """
    bi, bj = matmul_block_sizes(m, k, n, memory, sum=sum)
    ids = matmul_ids(graph, m, k, n, sum)
    buf = MoveBuffer()
    ps = np.arange(k)
    for rows in blocks_of(m, bi):
        for cols in blocks_of(n, bj):
            for group, first in ((ps[:1], True), (ps[1:], False)):
                if group.size:
                    buf.segment(_tile_steps(ids, sum, rows, cols, group, first))
            out = ids.acc[np.ix_(rows, cols)][:, :, -1]
            buf.store(out)
            buf.delete(out)
    return buf.encoded(graph)


def _tile_steps(ids, shape: str, rows: np.ndarray, cols: np.ndarray, ps: np.ndarray,
                first: bool):
    """Segment with one instance per ``p`` in ``ps``: load ``B[p, cols]``, the rows,
    drop ``B[p, cols]``."""
    ii = np.tile(rows, ps.size)
    pp = np.repeat(ps, rows.size)
    jj = cols[None, :]
    new = ids.acc[ii[:, None], jj, pp[:, None]]
    old = None if first else ids.acc[ii[:, None], jj, pp[:, None] - 1]
    term = None if ids.term is None else ids.term[ii[:, None], jj, pp[:, None]]
    a = ids.A[ii, pp]
    kinds, nodes = concat([single(LOAD, a), step(shape, term, new, old), single(DELETE, a)])
    b_row = ids.B[np.ix_(ps, cols)]
    return concat([
        interleave([(LOAD, b_row)]),
        (np.tile(kinds, rows.size), nodes.reshape(ps.size, -1)),
        interleave([(DELETE, b_row)]),
    ])


def matmul_io(m: int, k: int, n: int, memory: int, *, sum: str = "chain") -> IOCount:
    """Exact I/O of :func:`matmul_moves`: ``T_j m k + T_i k n + m n``.

    ``T_i = ceil(m / b_i)`` and ``T_j = ceil(n / b_j)`` tile rows and columns: each
    ``A`` entry is loaded once per tile column, each ``B`` entry once per tile row, each
    ``C`` entry stored once.

    Parameters
    ----------
    m, k, n, memory : int
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    IOCount
        With ``blocks = {"b_i", "b_j", "T_i", "T_j"}``.

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small.

    Examples
    --------
    >>> matmul_io(64, 64, 64, 100).io
    69632
    """
    bi, bj = matmul_block_sizes(m, k, n, memory, sum=sum)
    ti, tj = ceil_div(m, bi), ceil_div(n, bj)
    blocks = {"b_i": bi, "b_j": bj, "T_i": ti, "T_j": tj}
    return IOCount("matmul", tj * m * k + ti * k * n, m * n, blocks)


