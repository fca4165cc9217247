"""The block counters' reports: the block sizes they count with are the schedules' own.

tests/test_strategies_schedules.py checks each counter's loads and stores against the
replay of its moves; here the rest of what a counter reports is checked: its name, the
block sizes and tile counts (``T = ceil(N / B)``) it reports are those the block-size
functions choose, and the closed forms of the docstrings rebuilt from those blocks.
"""

from __future__ import annotations

import math

import pytest

from redblue.strategies import (
    count_io,
    flash_block_sizes,
    matmul_block_sizes,
    matmul_io,
    standard_block_rows,
    tiling_block_size,
)
from redblue.strategies.flash import flash1_io, flash2_io
from redblue.strategies.standard import standard_io
from redblue.strategies.tiling import tiling_io

POINTS = [(1, 1, 40), (6, 3, 40), (9, 2, 100), (33, 4, 300), (64, 8, 2000)]


@pytest.mark.parametrize("stable", [False, True])
@pytest.mark.parametrize("shape", ["chain", "fma"])
def test_flash_counters_report_the_blocks_they_use(shape, stable):
    for n, d, memory in POINTS:
        br, bc = flash_block_sizes(n, d, memory, sum=shape, version=2, stable=stable)
        tr, tc = math.ceil(n / br), math.ceil(n / bc)
        c = flash2_io(n, d, memory, sum=shape, stable=stable)
        assert (c.algorithm, c.blocks) == ("flash2", {"B_r": br, "B_c": bc, "T_r": tr,
                                                      "T_c": tc})  # fmt: skip
        assert (c.loads, c.stores) == (n * d + 2 * n * d * tr, n * d)  # Q once, K V per row block
        br, bc = flash_block_sizes(n, d, memory, sum=shape, stable=stable)
        tr, tc = math.ceil(n / br), math.ceil(n / bc)
        c = flash1_io(n, d, memory, sum=shape, stable=stable)
        assert (c.algorithm, c.blocks) == ("flash1", {"B_r": br, "B_c": bc, "T_r": tr,
                                                      "T_c": tc})  # fmt: skip
        run = (tc - 1) * (n * d + n * (2 if stable else 1))  # running sums between key blocks
        assert (c.loads, c.stores) == (2 * n * d + tc * n * d + run, run + n * d)


@pytest.mark.parametrize("shape", ["chain", "fma"])
def test_standard_and_tiling_counters_report_the_blocks_they_use(shape):
    for n, d, memory in POINTS:
        br = standard_block_rows(n, d, memory, sum=shape)
        passes = 1 if n + 2 <= memory else 2
        c = standard_io(n, d, memory, sum=shape)
        assert (c.algorithm, c.blocks) == ("standard", {"B_r": br, "T_r": math.ceil(n / br),
                                                        "softmax_passes": passes})  # fmt: skip
        b = tiling_block_size(memory, sum=shape)
        c = tiling_io(n, d, memory, sum=shape)
        assert (c.algorithm, c.blocks) == ("tiling", {"B": b, "T": math.ceil(n / b),
                                                      "T_d": math.ceil(d / b)})  # fmt: skip


@pytest.mark.parametrize("shape", ["chain", "fma"])
def test_matmul_counter_reports_the_tiles_it_uses(shape):
    for m, k, n, memory in [(1, 1, 1, 20), (5, 4, 6, 20), (64, 64, 64, 100), (7, 9, 3, 200)]:
        bi, bj = matmul_block_sizes(m, k, n, memory, sum=shape)
        ti, tj = math.ceil(m / bi), math.ceil(n / bj)
        c = matmul_io(m, k, n, memory, sum=shape)
        assert (c.algorithm, c.blocks) == ("matmul", {"b_i": bi, "b_j": bj, "T_i": ti,
                                                      "T_j": tj})  # fmt: skip
        assert (c.loads, c.stores) == (tj * m * k + ti * k * n, m * n)


def test_counters_default_to_chain_sums():
    for n, d, memory in POINTS:
        for name, f in (("flash1", flash1_io), ("flash2", flash2_io), ("standard", standard_io),
                        ("tiling", tiling_io)):  # fmt: skip
            assert f(n, d, memory) == count_io(name, n, d, memory, sum="chain")
    assert matmul_io(5, 4, 6, 20) == matmul_io(5, 4, 6, 20, sum="chain")


def test_io_count_as_a_dictionary():
    c = count_io("flash2", 6, 3, 40)
    assert c.to_dict() == {"algorithm": "flash2", "io": c.loads + c.stores, "loads": c.loads,
                           "stores": c.stores, "blocks": c.blocks}  # fmt: skip
    assert c.io == c.loads + c.stores and c.to_dict()["blocks"] is not c.blocks
