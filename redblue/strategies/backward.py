"""One entry point for the backward-pass schedules: counts, and moves replayed.

=============  ===============================================  =========================
algorithm      schedule                                         counter
=============  ===============================================  =========================
``flash2``     FlashAttention-2's backward pass (Algorithm 2)   :func:`flash2_backward_io`
``tiling``     square tiling, for caches below ``d^2``          :func:`tiling_backward_io`
=============  ===============================================  =========================

Both run on ``attention_backward_dag(n, d, sum=s)``, ``s`` = ``"chain"`` or ``"fma"``.
"""

from __future__ import annotations

from typing import Any

from redblue.dags import MAX_NODES
from redblue.dags._builder import amount
from redblue.dags.attention_backward import attention_backward_dag, attention_backward_node_count
from redblue.errors import InvalidInputError
from redblue.game.compiled import compile_graph
from redblue.game.replay import replay
from redblue.strategies._common import IOCount, check_shape, check_sizes
from redblue.strategies.flash_backward import flash2_backward_io, flash2_backward_moves
from redblue.strategies.tiling_backward import tiling_backward_io, tiling_backward_moves
from redblue.strategies.upper_bounds import MAX_MOVES, Simulation

__all__ = ["BACKWARD_ALGORITHMS", "count_backward_io", "simulate_backward"]

#: The backward schedules, by the names ``redblue simulate --backward`` takes.
BACKWARD_ALGORITHMS: tuple[str, ...] = ("flash2", "tiling")

_COUNTERS = {"flash2": flash2_backward_io, "tiling": tiling_backward_io}
_MOVES = {"flash2": flash2_backward_moves, "tiling": tiling_backward_moves}


def _check(algorithm: Any, sum: Any) -> tuple[str, str]:
    if algorithm not in BACKWARD_ALGORITHMS:
        raise InvalidInputError(f"no backward schedule {algorithm!r} (expected one of "
                                f"{', '.join(BACKWARD_ALGORITHMS)})")  # fmt: skip
    return algorithm, check_shape(sum)


def count_backward_io(
    algorithm: str, n: int, d: int, memory: int, *, sum: str = "chain"
) -> IOCount:
    """The exact I/O of a backward schedule by its block counter (no moves, any size).

    Parameters
    ----------
    algorithm : {"flash2", "tiling"}
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"

    Returns
    -------
    IOCount

    Raises
    ------
    InvalidInputError
        On an unknown algorithm or shape, or a memory too small for the schedule.

    Examples
    --------
    >>> count_backward_io("flash2", 64, 8, 128).io, count_backward_io("tiling", 64, 8, 128).io
    (71168, 81024)

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2.
    .. [2] X. Li, Y. Liang, Z. Shi, Z. Song et al., arXiv:2410.09397.
    """
    algorithm, shape = _check(algorithm, sum)
    return _COUNTERS[algorithm](n, d, memory, sum=shape)


def simulate_backward(
    algorithm: str, n: int, d: int, memory: int, *, sum: str = "chain",
    max_moves: int | None = MAX_MOVES,
) -> Simulation:
    """Build the backward DAG, generate a schedule's moves and verify them by replay.

    Parameters
    ----------
    algorithm : {"flash2", "tiling"}
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"
    max_moves : int or None, default 20,000,000
        Refuse, before building anything, a run estimated above this many moves
        (``2 x`` vertices ``+ 2 x`` I/O, an upper bound: each vertex is computed and
        deleted once, each word moved is loaded or stored and deleted at most once).

    Returns
    -------
    Simulation
        As :func:`redblue.strategies.simulate` returns; ``algorithm`` is
        ``"flash2-backward"`` or ``"tiling-backward"``.

    Raises
    ------
    InvalidInputError
        On bad parameters, a memory too small, or a run over ``max_moves``.

    Examples
    --------
    >>> s = simulate_backward("flash2", 8, 2, 40)
    >>> s.result.io == count_backward_io("flash2", 8, 2, 40).io, s.result.peak_red <= 40
    (True, True)

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2.
    """
    algorithm, shape = _check(algorithm, sum)
    n, d, memory = check_sizes(n, d, memory)
    count = _COUNTERS[algorithm](n, d, memory, sum=shape)  # refuses a too small M first
    nodes = attention_backward_node_count(n, d, sum=shape)
    estimate = 2 * nodes + 2 * count.io
    if max_moves is not None and estimate > max_moves:
        raise InvalidInputError(
            f"{algorithm} backward at N={n}, d={d} would make about {amount(estimate)} moves, "
            f"more than {max_moves:,} (raise --max-moves, or count it with --count-only)"
        )
    G = attention_backward_dag(n, d, sum=shape, max_nodes=max(nodes, MAX_NODES))
    compiled = compile_graph(G)
    moves = _MOVES[algorithm](compiled, n, d, memory, sum=shape)
    result = replay(compiled, moves, memory, "classic")
    return Simulation(count.algorithm, G, compiled, moves, result, dict(count.blocks), n, d,
                      shape, False)
