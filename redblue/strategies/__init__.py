"""Schedules that emit pebbling strategies (verified by replay, never trusted).

One module per algorithm family, each emitting :class:`~redblue.game.strategy.EncodedMoves`
on the DAG it runs on, with an exact block-level I/O counter:

- :mod:`~redblue.strategies.flash`: FlashAttention-1 and -2 (Saha & Ye, Theorem 3.2);
- :mod:`~redblue.strategies.flash_backward`, :mod:`~redblue.strategies.tiling_backward`:
  the attention backward pass, FlashAttention-2's and a square-tiling small-cache one
  (:mod:`~redblue.strategies.backward`: :func:`simulate_backward`, :func:`count_backward_io`);
- :mod:`~redblue.strategies.standard`: standard attention, ``S`` and ``P`` in slow memory;
- :mod:`~redblue.strategies.tiling`: Saha & Ye's Algorithm 1 (Theorem 3.5);
- :mod:`~redblue.strategies.matmul`: tiled matrix multiplication (Hong-Kung);
- :mod:`~redblue.strategies.fft`: the blocked FFT (Hong-Kung, Aggarwal-Vitter);
- :mod:`~redblue.strategies.greedy`: any DAG, topological order and Belady eviction;
- :mod:`~redblue.strategies.upper_bounds`: one entry point (:func:`simulate`,
  :func:`count_io`) for the attention schedules.
"""

from redblue.strategies._common import IOCount
from redblue.strategies.backward import (
    BACKWARD_ALGORITHMS,
    count_backward_io,
    simulate_backward,
)
from redblue.strategies.fft import fft_block_footprint, fft_io, fft_moves, fft_passes
from redblue.strategies.flash import (
    flash1_io,
    flash1_moves,
    flash2_io,
    flash2_moves,
    flash_block_sizes,
)
from redblue.strategies.flash_backward import (
    flash2_backward_block_sizes,
    flash2_backward_io,
    flash2_backward_moves,
)
from redblue.strategies.flash_decoding import (
    split_decode_block,
    split_decode_io,
    split_decode_moves,
)
from redblue.strategies.greedy import greedy_moves, greedy_strategy
from redblue.strategies.matmul import matmul_block_sizes, matmul_io, matmul_moves
from redblue.strategies.standard import standard_block_rows, standard_io, standard_moves
from redblue.strategies.tiling import tiling_block_size, tiling_io, tiling_moves
from redblue.strategies.tiling_backward import (
    tiling_backward_block_size,
    tiling_backward_io,
    tiling_backward_moves,
)
from redblue.strategies.upper_bounds import (
    ALGORITHMS,
    Simulation,
    algorithm_dag,
    block_sizes,
    count_gqa,
    count_io,
    estimated_moves,
    schedule_moves,
    simulate,
    simulate_gqa,
    simulate_split_decode,
)

__all__ = [
    "ALGORITHMS",
    "BACKWARD_ALGORITHMS",
    "IOCount",
    "Simulation",
    "algorithm_dag",
    "block_sizes",
    "count_backward_io",
    "count_gqa",
    "count_io",
    "estimated_moves",
    "fft_block_footprint",
    "fft_io",
    "fft_moves",
    "fft_passes",
    "flash1_io",
    "flash1_moves",
    "flash2_backward_block_sizes",
    "flash2_backward_io",
    "flash2_backward_moves",
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
    "simulate_backward",
    "simulate_gqa",
    "simulate_split_decode",
    "split_decode_block",
    "split_decode_io",
    "split_decode_moves",
    "standard_block_rows",
    "standard_io",
    "standard_moves",
    "tiling_backward_block_size",
    "tiling_backward_io",
    "tiling_backward_moves",
    "tiling_block_size",
    "tiling_io",
    "tiling_moves",
]
