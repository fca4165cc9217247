"""The block counters' reports: the block sizes they count with are the schedules' own.

tests/test_strategies_schedules.py checks each counter's loads and stores against the
replay of its moves; here the rest of what a counter reports is checked: its name, the
block sizes and tile counts (``T = ceil(N / B)``) it reports are those the block-size
functions choose, and the closed forms of the docstrings rebuilt from those blocks.
"""

from __future__ import annotations

import math

import pytest

from redblue.errors import InvalidInputError
from redblue.strategies import (
    count_backward_io,
    count_io,
    flash2_backward_block_sizes,
    flash_block_sizes,
    matmul_block_sizes,
    matmul_io,
    split_decode_block,
    split_decode_io,
    standard_block_rows,
    tiling_backward_block_size,
    tiling_block_size,
)
from redblue.strategies.flash import flash1_io, flash2_io
from redblue.strategies.flash_backward import flash2_backward_io
from redblue.strategies.standard import standard_io
from redblue.strategies.tiling import tiling_io
from redblue.strategies.tiling_backward import tiling_backward_io

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


@pytest.mark.parametrize("shape", ["chain", "fma"])
def test_backward_counters_report_the_blocks_they_use(shape):
    # (8, 1, 16) and (8, 1, 43): fma blocks larger than chain ones
    for n, d, memory in [(6, 3, 200), (33, 4, 2000), (64, 8, 1024), (8, 1, 16), (8, 1, 43)]:
        br, bc = flash2_backward_block_sizes(n, d, memory, sum=shape)
        tc = math.ceil(n / bc)
        c = count_backward_io("flash2", n, d, memory, sum=shape)
        assert (c.algorithm, c.blocks) == ("flash2-backward", {"B_r": br, "B_c": bc,
                                           "T_r": math.ceil(n / br), "T_c": tc})  # fmt: skip
        # K, V once; Q, dO, L, D per key block; dQ's partial sums; dQ per key block, dK, dV
        assert (c.loads, c.stores) == (2 * n * d + tc * (2 * n * d + 2 * n) + (tc - 1) * n * d,
                                       tc * n * d + 2 * n * d)  # fmt: skip
        b = tiling_backward_block_size(memory, sum=shape)
        t, td = math.ceil(n / b), math.ceil(d / b)
        c = count_backward_io("tiling", n, d, memory, sum=shape)
        assert (c.algorithm, c.blocks) == ("tiling-backward", {"B": b, "T": t, "T_d": td})
        assert (c.loads, c.stores) == (4 * t * n * d + 2 * n + 3 * td * n * n + 3 * t * n * d,
                                       2 * n * n + 3 * n * d)  # fmt: skip
        assert all(type(x) is int for x in (c.loads, c.stores, *c.blocks.values()))
    # five dimension blocks of one column (T_d = 5)
    c = count_backward_io("tiling", 8, 5, 20, sum=shape)
    b = tiling_backward_block_size(20, sum=shape)
    assert (b, c.blocks["T_d"]) == (1, 5) and type(c.loads) is int
    assert (c.loads, c.stores) == (7 * 8 * 8 * 5 + 3 * 5 * 64 + 16, 2 * 64 + 3 * 8 * 5)


def test_backward_counter_refuses_unknown_schedules_and_shapes():
    for name in ("flash2", "tiling"):  # chain sums unless told
        assert count_backward_io(name, 8, 1, 43) == count_backward_io(name, 8, 1, 43,
                                                                       sum="chain")  # fmt: skip
    for f, memory in ((flash2_backward_io, 16), (tiling_backward_io, 43)):
        assert f(8, 1, memory) == f(8, 1, memory, sum="chain") != f(8, 1, memory, sum="fma")
    with pytest.raises(InvalidInputError, match="no backward schedule 'standard'"):
        count_backward_io("standard", 8, 2, 200)
    with pytest.raises(InvalidInputError, match="sum must be 'chain' or 'fma'"):
        count_backward_io("flash2", 8, 2, 200, sum="tree")


@pytest.mark.parametrize("shape", ["chain", "fma"])
def test_split_decode_counter_reports_the_chunks_it_uses(shape):
    for n, d, nk, chunks in [(1, 4, 10, 4), (2, 3, 10, 6), (1, 2, 64, 64), (3, 2, 40, 1)]:
        memory = 60 * d + 4 * nk
        c = split_decode_io(n, d, memory, n_keys=nk, chunks=chunks, sum=shape)
        used = len(range(0, nk, math.ceil(nk / chunks)))  # fewer when the sizes run out
        assert (c.algorithm, c.blocks) == ("split-decode", {
            "B_c": split_decode_block(n, d, memory, n_keys=nk, chunks=chunks), "chunks": used})
        part = used * n * (d + 2)  # each chunk's U, D, m per row, stored then loaded again
        assert (c.loads, c.stores) == (used * n * d + 2 * nk * d + part, part + n * d)
    with pytest.raises(InvalidInputError, match="sum must be"):
        split_decode_io(1, 2, 400, n_keys=8, chunks=2, sum="tree")
    assert split_decode_io(1, 2, 400, n_keys=8, chunks=2) == split_decode_io(
        1, 2, 400, n_keys=8, chunks=2, sum="chain")


def test_count_io_refuses_greedy_and_passes_stable_on():
    with pytest.raises(InvalidInputError) as refused:
        count_io("greedy", 4, 2, 100)
    assert str(refused.value) == ("greedy has no block-level counter: its I/O comes from "
                                  "replaying its moves (run without --count-only)")
    for name, f in (("flash1", flash1_io), ("flash2", flash2_io)):
        assert count_io(name, 40, 4, 80, stable=True) == f(40, 4, 80, stable=True)
        assert count_io(name, 40, 4, 80, stable=True) != f(40, 4, 80)
