"""The upper-bound schedules: valid on their DAG, exact counters, fitting block sizes."""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redblue.dags import evaluate, matmul_dag, output_tensors, reference_attention
from redblue.errors import InvalidInputError
from redblue.game import compile_graph, replay
from redblue.strategies import (
    algorithm_dag,
    count_io,
    flash_block_sizes,
    matmul_block_sizes,
    matmul_io,
    matmul_moves,
    schedule_moves,
    simulate,
    standard_block_rows,
    tiling_block_size,
)

BLOCK_ALGORITHMS = ("flash1", "flash2", "standard", "tiling")
SHAPES = ("chain", "fma")
SIZES = [(1, 1), (2, 1), (1, 3), (3, 2), (5, 3), (7, 2), (9, 4), (12, 5)]


@functools.cache
def compiled(algorithm: str, n: int, d: int, shape: str):
    return compile_graph(algorithm_dag(algorithm, n, d, sum=shape))


def smallest_memory(algorithm: str, n: int, d: int, shape: str) -> int:
    """The smallest M the algorithm accepts, found by asking it (not a copied formula)."""
    for memory in range(1, 4 * d + 8):
        try:
            count_io(algorithm, n, d, memory, sum=shape)
            return memory
        except InvalidInputError:
            continue
    raise AssertionError("no memory up to 4d + 8 accepted")


def memories(algorithm: str, n: int, d: int, shape: str) -> list[int]:
    low = smallest_memory(algorithm, n, d, shape)
    picks = {low, low + 1, low + 5, 2 * low + 3, d * d + 1, n * d + 7, 4 * n * d + 50}
    return sorted(m for m in picks if m >= low)


def check_schedule(algorithm: str, n: int, d: int, memory: int, shape: str) -> None:
    graph = compiled(algorithm, n, d, shape)
    moves = schedule_moves(algorithm, graph, n, d, memory, sum=shape)
    result = replay(graph, moves, memory, "classic")  # raises on any illegal move
    count = count_io(algorithm, n, d, memory, sum=shape)
    where = (algorithm, n, d, memory, shape)
    assert (result.loads, result.stores) == (count.loads, count.stores), where
    assert result.peak_red <= memory
    computed = int((~graph.is_input).sum())
    if algorithm == "standard" and count.blocks["softmax_passes"] == 2:
        assert result.recomputations == n * n, where  # A recomputed in the second pass
    else:
        assert result.recomputations == 0, where
    assert result.computes - result.recomputations == computed, where


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("algorithm", BLOCK_ALGORITHMS)
def test_schedule_valid_and_counter_exact(algorithm, shape):
    for n, d in SIZES:
        for memory in memories(algorithm, n, d, shape):
            check_schedule(algorithm, n, d, memory, shape)


@settings(max_examples=60, deadline=None)
@given(
    algorithm=st.sampled_from(BLOCK_ALGORITHMS),
    shape=st.sampled_from(SHAPES),
    n=st.integers(1, 11),
    d=st.integers(1, 6),
    extra=st.integers(0, 120),
)
def test_counter_equals_replay_property(algorithm, shape, n, d, extra):
    memory = smallest_memory(algorithm, n, d, shape) + extra
    check_schedule(algorithm, n, d, memory, shape)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("algorithm", BLOCK_ALGORITHMS)
def test_too_small_memory_names_the_smallest(algorithm, shape):
    n, d = 6, 3
    low = smallest_memory(algorithm, n, d, shape)
    check_schedule(algorithm, n, d, low, shape)  # the smallest M really works
    with pytest.raises(InvalidInputError, match=rf"M >= {low}\b"):
        count_io(algorithm, n, d, low - 1, sum=shape)
    with pytest.raises(InvalidInputError, match=rf"M >= {low}\b"):
        schedule_moves(algorithm, compiled(algorithm, n, d, shape), n, d, low - 1, sum=shape)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("algorithm", (*BLOCK_ALGORITHMS, "greedy"))
def test_each_dag_evaluates_to_attention(algorithm, shape):
    rng = np.random.default_rng(7)
    for n, d in ((1, 2), (4, 3), (6, 2)):
        Q, K, V = (rng.normal(size=(n, d)) * 0.5 for _ in range(3))
        G = algorithm_dag(algorithm, n, d, sum=shape)
        out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))
        np.testing.assert_allclose(out["O"], reference_attention(Q, K, V), rtol=1e-10)


def test_greedy_replays_on_every_shape():
    for shape in ("tree", "chain", "fma"):
        sim = simulate("greedy", 4, 2, 8, sum=shape)
        assert sim.result.valid and sim.result.peak_red <= 8
        assert sim.blocks == {}
    with pytest.raises(InvalidInputError, match="no block-level counter"):
        count_io("greedy", 4, 2, 8)


def test_block_schedules_reject_tree_sums():
    with pytest.raises(InvalidInputError, match="chain"):
        simulate("flash2", 4, 2, 40, sum="tree")
    with pytest.raises(InvalidInputError, match="unknown algorithm"):
        count_io("flash3", 4, 2, 40)


def test_flash_block_sizes_fit_and_stay_at_most_published():
    for d in (1, 2, 3, 8, 16):
        for n in (1, 5, 64):
            for memory in range(4 * d + 4, 12 * d * d + 40, max(1, d // 2)):
                pub = -(-memory // (4 * d))
                br, bc = flash_block_sizes(n, d, memory, version=1)
                assert 1 <= br <= min(pub, d, n) and br <= bc <= min(pub, n)
                assert br * (2 * d + 1) + 2 * bc * d + 3 <= memory
                br2, bc2 = flash_block_sizes(n, d, memory, version=2)
                assert 1 <= bc2 <= min(pub, d, n) and bc2 <= br2 <= min(pub, n)
                assert br2 * (2 * d + 1) + 2 * bc2 * d + 3 <= memory


def test_flash_square_blocks_exactly_when_they_fit():
    # b x b blocks need b (2d + 1) + 2 b d + 3 = b (4d + 1) + 3 words (chain sums).
    d = 8
    for b in range(1, d + 1):
        memory = b * (4 * d + 1) + 3
        assert flash_block_sizes(64, d, memory) == (b, b)
        assert flash_block_sizes(64, d, memory, version=2) == (b, b)
        if b > 1:
            assert min(flash_block_sizes(64, d, memory - 1)) == b - 1


def test_tiling_block_is_the_papers():
    for memory in range(6, 2000):
        b = tiling_block_size(memory)
        assert 3 * b * b + b + 2 <= memory
        if memory >= 16:
            assert b == int(np.floor(np.sqrt(memory / 4)))


def test_standard_block_rows():
    assert standard_block_rows(100, 8, 8 * 10 + 8 + 3) == 10
    assert standard_block_rows(5, 8, 10_000) == 5


@pytest.mark.parametrize("shape", SHAPES)
def test_matmul_schedule(shape):
    for m, k, n in ((1, 1, 1), (3, 1, 4), (5, 4, 6), (7, 9, 3), (8, 8, 8)):
        graph = compile_graph(matmul_dag(m, k, n, sum=shape))
        low = 5 if shape == "chain" else 4
        with pytest.raises(InvalidInputError, match=rf"M >= {low}\b"):
            matmul_io(m, k, n, low - 1, sum=shape)
        for memory in (low, low + 3, 20, 40, 200):
            r = replay(graph, matmul_moves(graph, m, k, n, memory, sum=shape), memory)
            c = matmul_io(m, k, n, memory, sum=shape)
            assert (r.loads, r.stores) == (c.loads, c.stores)
            assert r.peak_red <= memory and r.recomputations == 0
            bi, bj = matmul_block_sizes(m, k, n, memory, sum=shape)
            assert bi >= 1 and bj >= 1


def test_matmul_near_hong_kung_constant():
    # Output-stationary tiles of side ~sqrt(M): about 2 m k n / sqrt(M) + m n.
    n, memory = 512, 1024
    io = matmul_io(n, n, n, memory).io
    ratio = (io - n * n) / (2 * n**3 / np.sqrt(memory))
    assert 1.0 <= ratio < 1.1


def test_simulation_dict_has_the_cli_fields():
    data = simulate("flash1", 6, 2, 30).to_dict()
    for key in ("algorithm", "io", "loads", "stores", "peak_red", "blocks"):
        assert key in data
    assert data["io"] == count_io("flash1", 6, 2, 30).io
    assert re.fullmatch(r"flash1", data["algorithm"])


def test_schedule_refuses_a_graph_of_another_shape():
    from redblue.dags import attention_dag
    from redblue.strategies import flash2_moves

    tree = compile_graph(attention_dag(5, 4, sum="tree"))
    with pytest.raises(InvalidInputError, match="not the DAG|expected shape"):
        flash2_moves(tree, 5, 4, 40)
    fma = compile_graph(attention_dag(5, 4, sum="fma"))
    with pytest.raises(InvalidInputError):
        flash2_moves(fma, 5, 4, 40, sum="chain")
