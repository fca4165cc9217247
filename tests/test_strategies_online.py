"""The online-softmax attention DAG (``stable=True, online=True``) and FlashAttention on it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from redblue.dags import (
    attention_dag,
    attention_node_count,
    evaluate,
    output_tensors,
    reference_attention,
    validate_computation,
)
from redblue.errors import InvalidInputError


@pytest.mark.parametrize("shape", ["tree", "chain", "fma"])
@pytest.mark.parametrize("causal", [False, True])
def test_online_dag_counts_and_evaluates_to_attention(shape, causal):
    rng = np.random.default_rng(3)
    for n, d in itertools.product(range(1, 5), range(1, 4)):
        opts = {"sum": shape, "stable": True, "online": True, "causal": causal}
        G = attention_dag(n, d, scale=0.5, **opts)
        validate_computation(G)
        assert G.number_of_nodes() == attention_node_count(n, d, **opts)
        outputs = {v for v, flag in G.nodes(data="output") if flag}
        assert outputs == {v for v in G if G.out_degree(v) == 0}
        # large scores: without max-subtraction exp would overflow, with it no problem
        Q, K, V = (rng.normal(size=(n, d)) * 30 for _ in range(3))
        out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))["O"]
        ref = reference_attention(Q, K, V, causal=causal, scale=0.5)
        np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-12)


def test_online_node_names_and_formula():
    G = attention_dag(2, 1, stable=True, online=True, sum="chain")
    assert G.number_of_nodes() == 36 == 3 * 2 + 4 * 4 + 5 * 4 - 3 * 2
    assert G.nodes["m[0]"]["args"] == ["S[0,0]", "S[0,1]"]
    assert G.nodes["c[0,1]"] == {"op": "exp", "args": ["dm[0,1]"]}
    assert G.nodes["dm[0,1]"]["args"] == ["S[0,0]", "m[0]"]
    assert G.nodes["D[0]"]["args"] == ["A[0,1]", "A[0,0]", "c[0,1]"]
    assert G.nodes["W[0,1,0]"]["args"] == ["U[0,0](0:1)", "c[0,1]"]
    assert G.nodes["U[0,0]"]["args"] == ["W[0,1,0]", "A[0,1]", "V[1,0]"]
    assert G.nodes["T[0,0]"]["args"] == ["S[0,0]", "S[0,0]"]
    assert attention_node_count(3, 2, sum="fma", stable=True, online=True) == (
        3 * 3 * 2 + 3 * 2 * 9 + 6 * 9 - 3 * 3
    )


def test_online_needs_stable_late():
    with pytest.raises(InvalidInputError, match="online"):
        attention_dag(2, 1, online=True)
    with pytest.raises(InvalidInputError, match="online"):
        attention_dag(2, 1, stable=True, online=True, normalize="early")
    with pytest.raises(InvalidInputError, match="online"):
        attention_node_count(2, 1, online=True)


# FlashAttention with the online softmax ------------------------------------------------

from redblue.game import compile_graph, replay  # noqa: E402
from redblue.strategies import (  # noqa: E402
    algorithm_dag,
    count_io,
    flash_block_sizes,
    schedule_moves,
    simulate,
)

SIZES = [(1, 1), (2, 1), (1, 3), (3, 2), (5, 3), (7, 2), (9, 4), (12, 5)]


@pytest.mark.parametrize("shape", ["chain", "fma"])
@pytest.mark.parametrize("algorithm", ["flash1", "flash2"])
def test_online_flash_valid_and_counter_exact(algorithm, shape):
    for n, d in SIZES:
        graph = compile_graph(algorithm_dag(algorithm, n, d, sum=shape, stable=True))
        low = 4 * d + 5
        with pytest.raises(InvalidInputError, match=rf"M >= {low}\b"):
            count_io(algorithm, n, d, low - 1, sum=shape, stable=True)
        picks = {low, low + 1, low + 6, 2 * low + 3, n * d + 9, 4 * n * d + 60}
        for memory in sorted(m for m in picks if m >= low):
            moves = schedule_moves(algorithm, graph, n, d, memory, sum=shape, stable=True)
            r = replay(graph, moves, memory, "no-recompute")
            c = count_io(algorithm, n, d, memory, sum=shape, stable=True)
            assert (r.loads, r.stores) == (c.loads, c.stores), (algorithm, n, d, memory)
            assert r.peak_red <= memory
            assert r.computes == int((~graph.is_input).sum())


def test_online_flash1_writes_running_maximum_between_passes():
    sim = simulate("flash1", 8, 2, 25, stable=True)
    assert sim.blocks["T_c"] > 1
    stored = {node for kind, node in sim.moves.decode() if kind == "store"}
    assert "m[0](0:2)" in stored and "D[0](0:2)" in stored and "U[0,0](0:2)" in stored
    plain = count_io("flash1", 8, 2, 25)
    # one more running value per row and pass, and a row costs one more word
    assert sim.result.io > plain.io


def test_online_block_sizes_fit():
    for d in (1, 2, 5, 16):
        for memory in range(4 * d + 5, 10 * d * d + 50, max(1, d // 2)):
            for version in (1, 2):
                br, bc = flash_block_sizes(64, d, memory, version=version, stable=True)
                assert br * (2 * d + 2) + 2 * bc * d + 3 <= memory


def test_stable_only_where_it_exists():
    with pytest.raises(InvalidInputError, match="stable"):
        count_io("tiling", 4, 2, 40, stable=True)
    sim = simulate("greedy", 3, 2, 10, stable=True)
    assert "online=True" in sim.graph.graph["name"] and sim.result.valid
