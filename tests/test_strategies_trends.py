"""The paper's trends, on replayed small instances and exact counts of larger ones.

Counts come from :func:`count_io`, which equals the replayed I/O (test_strategies_schedules).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from redblue.game import compile_graph, replay
from redblue.strategies import algorithm_dag, count_io, schedule_moves


@functools.cache
def compiled(algorithm: str, n: int, d: int):
    return compile_graph(algorithm_dag(algorithm, n, d))


def replayed_io(algorithm: str, n: int, d: int, memory: int) -> int:
    graph = compiled(algorithm, n, d)
    return replay(graph, schedule_moves(algorithm, graph, n, d, memory), memory).io


def memories(low: int, high: int, count: int = 25) -> list[int]:
    return sorted({int(m) for m in np.geomspace(low, high, count)})


@pytest.mark.parametrize(("algorithm", "high"), [("flash1", 24), ("flash2", 15)])
def test_flash_io_is_theta_n2d2_over_m_replayed(algorithm, high):
    n, d = 32, 4
    for memory in (20, 32, 64, 128):  # 4d + 4 <= M <= Nd
        ratio = replayed_io(algorithm, n, d, memory) / (n * n * d * d / memory)
        assert 4 <= ratio <= high, (memory, ratio)


@pytest.mark.parametrize(("algorithm", "high"), [("flash1", 24), ("flash2", 15)])
def test_flash_ratio_bounded_uniformly_in_n_d_m(algorithm, high):
    ratios = []
    for n in (64, 512, 4096, 65536):
        for d in (8, 32, 128):
            for memory in memories(4 * d + 4, n * d):
                io = count_io(algorithm, n, d, memory).io
                ratios.append(io / (n * n * d * d / memory))
    assert 4 <= min(ratios) and max(ratios) <= high


def test_tiling_beats_flash_for_small_cache_replayed():
    n, d = 16, 16
    for memory in (68, 100, 150):  # 4d + 4 <= M < d^2
        tiling = replayed_io("tiling", n, d, memory)
        assert tiling < replayed_io("flash1", n, d, memory)
        assert tiling < replayed_io("flash2", n, d, memory)


def test_tiling_advantage_grows_like_d_over_sqrt_m():
    n, d = 4096, 128
    ms = memories(4 * d + 4, d * d // 4, 15)
    gains = [count_io("flash1", n, d, m).io / count_io("tiling", n, d, m).io for m in ms]
    scaled = [g / (d / np.sqrt(m)) for g, m in zip(gains, ms, strict=True)]
    assert all(g > 1 for g in gains)
    assert 0.7 <= min(scaled) and max(scaled) <= 2.0  # gain = Theta(d / sqrt(M))
    assert gains[0] > 2 * gains[-1]  # and it grows as M shrinks
    for m in ms:
        assert count_io("tiling", n, d, m).io < count_io("flash2", n, d, m).io


def test_tiling_io_is_theta_n2d_over_sqrt_m():
    for n, d in ((1024, 64), (8192, 128)):
        for m in memories(16, d * d, 12):
            ratio = count_io("tiling", n, d, m).io / (n * n * d / np.sqrt(m))
            assert 3 <= ratio <= 16, (n, d, m, ratio)


def test_standard_is_theta_nd_plus_n2():
    # 4 or 5 N^2 (S, P written and read) + 2 T_r N d with B_r ~ M / d - 1 rows per block
    n, d = 32, 4
    for memory in (16, 40, 128):  # d^2 <= M <= Nd, replayed
        ratio = replayed_io("standard", n, d, memory) / (n * d + n * n)
        assert 2 <= ratio <= 10, (memory, ratio)
    for n, d in ((1024, 16), (16384, 64)):
        for memory in memories(d * d, n * d, 10):
            ratio = count_io("standard", n, d, memory).io / (n * d + n * n)
            assert 2 <= ratio <= 10, (n, d, memory, ratio)
