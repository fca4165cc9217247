"""Schedules that emit pebbling strategies (verified by replay, never trusted).

One module per algorithm family, each emitting :class:`~redblue.game.strategy.EncodedMoves`
on the DAG it runs on, with an exact block-level I/O counter:

- :mod:`~redblue.strategies.flash`: FlashAttention-1 and -2 (Saha & Ye, Theorem 3.2);
- :mod:`~redblue.strategies.standard`: standard attention, ``S`` and ``P`` in slow memory;
- :mod:`~redblue.strategies.tiling`: Saha & Ye's Algorithm 1 (Theorem 3.5);
- :mod:`~redblue.strategies.matmul`: tiled matrix multiplication (Hong-Kung);
- :mod:`~redblue.strategies.greedy`: any DAG, topological order and Belady eviction;
- :mod:`~redblue.strategies.upper_bounds`: one entry point (:func:`simulate`,
  :func:`count_io`) for the attention schedules.
"""

from redblue.strategies._common import IOCount
from redblue.strategies.flash import (
    flash1_io,
    flash1_moves,
    flash2_io,
    flash2_moves,
    flash_block_sizes,
)
from redblue.strategies.greedy import greedy_moves, greedy_strategy
from redblue.strategies.matmul import matmul_block_sizes, matmul_io, matmul_moves
from redblue.strategies.standard import standard_block_rows, standard_io, standard_moves
from redblue.strategies.tiling import tiling_block_size, tiling_io, tiling_moves
from redblue.strategies.upper_bounds import (
    ALGORITHMS,
    Simulation,
    algorithm_dag,
    block_sizes,
    count_io,
    estimated_moves,
    schedule_moves,
    simulate,
)

__all__ = [
    "ALGORITHMS",
    "IOCount",
    "Simulation",
    "algorithm_dag",
    "block_sizes",
    "count_io",
    "estimated_moves",
    "flash1_io",
    "flash1_moves",
    "flash2_io",
    "flash2_moves",
    "flash_block_sizes",
    "greedy_moves",
    "greedy_strategy",
    "matmul_block_sizes",
    "matmul_io",
    "matmul_moves",
    "schedule_moves",
    "simulate",
    "standard_block_rows",
    "standard_io",
    "standard_moves",
    "tiling_block_size",
    "tiling_io",
    "tiling_moves",
]
