"""The blocked FFT as a pebbling strategy on :func:`redblue.dags.fft_dag`.

Stage ``s`` of ``fft_dag(n)`` pairs the values whose indices differ in bit ``s - 1``, so
``j`` consecutive stages ``a + 1, ..., a + j`` split the ``n`` values into ``n / 2^j``
independent blocks of ``B = 2^j`` values (the indices that agree outside bits
``a, ..., a + j - 1``). The schedule makes passes of ``j`` stages: for each block, load
its ``B`` values of level ``a``, run its ``j`` stages in fast memory, store its ``B``
values of level ``a + j``. Each pass loads and stores every value once, so the I/O is
about ``2 n ceil(log2(n) / j)`` with ``2^j`` about ``M``: the Hong-Kung / Aggarwal-Vitter
``Theta(n log n / log M)``.

The pebbles a block needs, counted for this DAG, where both outputs of a butterfly read
both of its inputs. A block runs its first half (the ``B / 2`` values with bit
``a + j - 1`` clear) through ``j - 1`` stages, then its second half, then the last stage,
which pairs the two halves. Inputs are loaded pair by pair as the first stage needs them;
inside a half, a butterfly computes both outputs before it frees its inputs, so a half
peaks at ``B / 2 + 2`` over what is held; in the last stage each output is stored and freed
as soon as it is computed. Holding the whole first half while the second runs needs
``M >= B + 2`` (:func:`fft_block_footprint`: ``6`` for two stages, not ``4``); with less,
the block keeps ``k = M - B/2 - 2`` first-half values red and spills the other
``s = B/2 - k`` (stored after the first half, reloaded for the last stage): ``2 s`` more
I/O a block, and blocks of ``j`` stages run at any ``M >= 2^(j-1) + 2``. A pass of one
stage needs ``M >= 3``. The passes (:func:`fft_passes`) minimise the total I/O. The value a
pass computes last stays red into the next pass, whose first block is the one that reads
it (its indices flipped so that value comes first): one store and one load fewer a
boundary.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", Proc. 13th
   ACM STOC, 1981, Sec. 4 (the FFT graph, Q = Theta(n log n / log M)).
.. [2] A. Aggarwal and J. S. Vitter, "The input/output complexity of sorting and related
   problems", Comm. ACM 31(9), 1988 (the FFT in passes of log M stages).
.. [3] S. Jain and M. Zaharia, "Spectral lower bounds on the I/O complexity of computation
   graphs", SPAA 2020 (incumbents for the 16-point FFT at M = 4, 5, 6).
"""

from __future__ import annotations

import numpy as np

from redblue.dags._builder import check_int
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE, EncodedMoves
from redblue.strategies._common import IOCount, lookup, too_small

__all__ = ["fft_block_footprint", "fft_passes", "fft_moves", "fft_io"]


def fft_block_footprint(stages: int) -> int:
    """Red pebbles a block of ``stages`` butterfly stages needs to hold all its values:
    ``2^j + 2`` for ``j >= 2``, 3 for one stage (both inputs and the output being stored).

    Examples
    --------
    >>> [fft_block_footprint(j) for j in (1, 2, 3, 4)]
    [3, 6, 10, 18]
    """
    j = check_int("stages", stages, 1)
    return 3 if j == 1 else 2**j + 2


def _levels(size: int) -> int:
    size = check_int("size", size, 2)
    if size & (size - 1):
        raise InvalidInputError(f"size must be a power of two >= 2, got {size}")
    return size.bit_length() - 1


def _spilled(j: int, memory: int) -> int | None:
    """Values of the first half-block stored and reloaded in a block of ``j`` stages
    (``2^(j-1) - k``, ``k`` the ones kept red), or None if the block does not fit."""
    if j == 1:
        return 0 if memory >= 3 else None
    half = 1 << (j - 1)
    kept = min(half, memory - half - 2)
    return None if kept < 0 else half - kept


def fft_passes(size: int, memory: int) -> tuple[tuple[int, int], ...]:
    """The passes of the blocked FFT on ``size`` points with ``memory`` red pebbles.

    A pass of ``j`` stages costs ``2 n + 2 (n / 2^j) s_j``, ``s_j`` the values a block
    spills (:func:`fft_io`), less 2 at each boundary between passes; the passes (their
    stages summing to ``log2(size)``) minimise the total, then their number, by dynamic
    programming over the stages; longer passes first.

    Parameters
    ----------
    size : int
        Points, a power of two >= 2.
    memory : int
        Red pebbles M.

    Returns
    -------
    tuple of (int, int)
        ``(j, s)`` for each pass: its stages and the values each of its blocks spills.

    Raises
    ------
    InvalidInputError
        If ``size`` is not a power of two >= 2, or ``memory < 3``.

    Examples
    --------
    >>> fft_passes(16, 3)
    ((1, 0), (1, 0), (1, 0), (1, 0))
    >>> fft_passes(16, 4), fft_passes(16, 6), fft_passes(16, 12), fft_passes(16, 18)
    (((2, 2), (2, 2)), ((2, 0), (2, 0)), ((4, 6),), ((4, 0),))
    """
    levels = _levels(size)
    memory = check_int("memory", memory, 1)
    if memory < 3:
        raise too_small("the blocked FFT", memory, 3, "both inputs of a butterfly and "
                        "one output")  # fmt: skip
    # best[l]: (I/O, number of passes, the passes) for the first l stages; a pass of one
    # stage always fits, so every l has a plan
    best: list[tuple[int, int, tuple[tuple[int, int], ...]]] = [(0, 0, ())]
    for done in range(1, levels + 1):
        options = []
        for j in range(1, done + 1):
            s = _spilled(j, memory)
            if s is not None:
                io, count, plan = best[done - j]
                io += 2 * size + 2 * (size >> j) * s - (2 if count else 0)
                options.append((io, count + 1, plan + ((j, s),)))
        best.append(min(options, key=lambda o: o[:2]))
    return tuple(sorted(best[levels][2], reverse=True))


def _internal(j: int) -> list[tuple[int, int, int]]:
    """Moves ``(kind, stage offset, index)`` of ``j`` stages on ``2^j`` values loaded pair
    by pair as the first stage needs them, all outputs kept red (peak ``2^j + 2``)."""
    out = []
    for t in range(1, j + 1):
        half = 1 << (t - 1)
        for lo in (i for i in range(1 << j) if not i & half):
            hi = lo | half
            if t == 1:
                out += [(LOAD, 0, lo), (LOAD, 0, hi)]
            # both outputs before either input goes
            out += [(COMPUTE, t, lo), (COMPUTE, t, hi), (DELETE, t - 1, lo),
                    (DELETE, t - 1, hi)]  # fmt: skip
    return out


def _block_pattern(j: int, spilled: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One block's moves over ``j`` stages: kinds, stage offset (0 = the pass's input
    level) and index within the block (0..2^j - 1, bit ``t - 1`` paired at stage ``t``).

    The first half (bit ``j - 1`` clear) runs its ``j - 1`` stages and stores its last
    ``spilled`` values; the second half runs; the last stage pairs them, kept partners
    first, reloading the spilled ones, each output stored and freed as it is computed."""
    half = 1 << (j - 1)
    moves = [] if j == 1 else _internal(j - 1)
    for i in range(half - spilled, half):
        moves += [(STORE, j - 1, i), (DELETE, j - 1, i)]
    if j > 1:
        moves += [(kind, t, i + half) for kind, t, i in _internal(j - 1)]
    for lo in range(half):
        hi = lo + half
        if j == 1:
            moves += [(LOAD, 0, lo), (LOAD, 0, hi)]
        elif lo >= half - spilled:
            moves.append((LOAD, j - 1, lo))
        for out in (lo, hi):
            moves += [(COMPUTE, j, out), (STORE, j, out), (DELETE, j, out)]
        moves += [(DELETE, j - 1, lo), (DELETE, j - 1, hi)]
    kinds, levels, idx = zip(*moves, strict=True)
    return (np.array(kinds, dtype=np.int8), np.array(levels, dtype=np.int64),
            np.array(idx, dtype=np.int64))  # fmt: skip


def _block_bases(levels: int, first: int, j: int) -> np.ndarray:
    """The smallest index of each block of the pass over bits ``first .. first + j - 1``,
    in increasing order."""
    others = np.arange(1 << (levels - j), dtype=np.int64)
    low = others & ((1 << first) - 1)
    return low | ((others >> first) << (first + j))


def fft_moves(graph: CompiledGraph, size: int, memory: int) -> EncodedMoves:
    """The blocked FFT as moves on ``compile_graph(fft_dag(size))``: the passes of
    :func:`fft_passes`, block by block (see the module notes).

    Parameters
    ----------
    graph : CompiledGraph
        The compiled :func:`~redblue.dags.fft_dag` of ``size`` points.
    size : int
    memory : int

    Returns
    -------
    EncodedMoves
        Each vertex computed once (valid in the no-recompute game); at most ``memory`` red
        pebbles; I/O as :func:`fft_io`.

    Raises
    ------
    InvalidInputError
        If ``memory < 3``, ``size`` is not a power of two >= 2, or ``graph`` is not the
        FFT of ``size`` points.

    Examples
    --------
    >>> from redblue.dags import fft_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(fft_dag(16))
    >>> replay(C, fft_moves(C, 16, 6), 6).io == fft_io(16, 6).io == 62
    True

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, STOC 1981, Sec. 4.
    """
    passes = fft_passes(size, memory)
    levels = _levels(size)
    names = [f"F[{s},{i}]" for s in range(levels + 1) for i in range(size)]
    ids = lookup(graph, names, (levels + 1, size))
    kinds_out, nodes_out = [], []
    first, carried = 0, None
    for p, (j, spilled) in enumerate(passes):
        pattern, dlev, idx = _block_pattern(j, spilled)
        bases = _block_bases(levels, first, j)
        flip = np.zeros((bases.size, 1), dtype=np.int64)
        inside = ((1 << j) - 1) << first
        if carried is not None:
            # the block that reads the carried value goes first, its indices flipped so
            # that value is the first one the block reads
            bases = np.roll(bases, -int(np.flatnonzero(bases == carried & ~inside)[0]))
            flip[0] = (carried & inside) >> first
        index = bases[:, None] + ((idx[None, :] ^ flip) << first)
        nodes = ids[first + dlev[None, :], index].ravel()
        kinds = np.tile(pattern, bases.size)
        keep = np.ones(kinds.size, dtype=bool)
        if carried is not None:  # still red from the last pass: no load
            keep[np.flatnonzero((kinds == LOAD) & (nodes == ids[first, carried]))[0]] = False
        if p + 1 < len(passes):  # the pass's last output stays red: no store, no delete
            last = int(np.flatnonzero(pattern == STORE)[-1])
            carried = int(index[-1, last])
            at = (bases.size - 1) * pattern.size + last
            keep[at:at + 2] = False
        kinds_out.append(kinds[keep])
        nodes_out.append(nodes[keep])
        first += j
    return EncodedMoves(graph, np.concatenate(kinds_out).astype(np.int8),
                        np.concatenate(nodes_out).astype(np.int32))  # fmt: skip


def fft_io(size: int, memory: int) -> IOCount:
    """Exact I/O of :func:`fft_moves`.

    A pass of ``j`` stages loads and stores all ``n = size`` values once, and each of its
    ``n / 2^j`` blocks stores and reloads the ``s`` values it spills; one value is carried
    red over each of the ``P - 1`` boundaries between the ``P`` passes::

        loads = stores = sum over passes of (n + (n / 2^j) s) - (P - 1)

    Parameters
    ----------
    size, memory : int

    Returns
    -------
    IOCount
        With ``blocks = {"passes": P, "stages": (j of each pass), "spilled": (s of each
        pass)}``.

    Raises
    ------
    InvalidInputError
        If ``memory < 3`` or ``size`` is not a power of two >= 2.

    Examples
    --------
    >>> [fft_io(16, M).io for M in (3, 4, 5, 6, 10, 18)]
    [122, 94, 78, 62, 48, 32]
    """
    passes = fft_passes(size, memory)
    moved = sum(size + (size >> j) * s for j, s in passes) - (len(passes) - 1)
    return IOCount("fft", moved, moved, {"passes": len(passes),
                                         "stages": tuple(j for j, _ in passes),
                                         "spilled": tuple(s for _, s in passes)})
