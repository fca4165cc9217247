"""Structure of the other families: matmul, chain, pyramid, FFT, random."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redblue.dags import (
    chain_dag,
    fft_dag,
    matmul_dag,
    matmul_node_count,
    pyramid_dag,
    random_dag,
    validate_computation,
)
from redblue.errors import InvalidInputError

# ---------------------------------------------------------------- matmul


@pytest.mark.parametrize("sum_", ["tree", "chain", "fma"])
def test_matmul_counts_and_conventions(sum_):
    for m, k, n in itertools.product(range(1, 4), repeat=3):
        G = matmul_dag(m, k, n, sum=sum_)
        validate_computation(G)
        assert G.number_of_nodes() == matmul_node_count(m, k, n, sum=sum_)
        per_output = k if sum_ == "fma" else 2 * k - 1
        assert G.number_of_nodes() == m * k + k * n + m * n * per_output
        outputs = {v for v, flag in G.nodes(data="output") if flag}
        assert outputs == {f"C[{i},{j}]" for i in range(m) for j in range(n)}
        assert outputs == {v for v in G if G.out_degree(v) == 0}
        assert G.nodes[f"A[{m - 1},{k - 1}]"] == {
            "op": "input",
            "tensor": "A",
            "index": [m - 1, k - 1],
        }
        assert G.nodes[f"B[{k - 1},{n - 1}]"]["tensor"] == "B"


def test_matmul_names():
    G = matmul_dag(2, 3, 2)
    assert G.nodes["AB[1,0,2]"] == {"op": "mul", "args": ["A[1,2]", "B[2,0]"]}
    assert G.nodes["C[1,0]"]["args"] == ["AB[1,0,0]", "C[1,0](1:3)"]
    G = matmul_dag(1, 1, 1)
    assert G.nodes["C[0,0]"]["op"] == "mul"
    assert G.number_of_nodes() == 3
    G = matmul_dag(1, 3, 1, sum="chain")
    assert G.nodes["C[0,0]"]["args"] == ["C[0,0](0:2)", "AB[0,0,2]"]


def test_matmul_bad_parameters():
    with pytest.raises(InvalidInputError, match="k must be an int >= 1, got 0"):
        matmul_dag(2, 0, 2)
    with pytest.raises(InvalidInputError, match="sum must be one of"):
        matmul_dag(2, 2, 2, sum="fft")
    with pytest.raises(InvalidInputError, match="m must be an int"):
        matmul_node_count(False, 2, 2)


# ---------------------------------------------------------------- chain and pyramid


def test_chain():
    G = chain_dag(5)
    validate_computation(G)
    assert list(G.nodes) == [f"x[{t}]" for t in range(5)]
    assert list(G.edges) == [(f"x[{t}]", f"x[{t + 1}]") for t in range(4)]
    assert G.nodes["x[0]"] == {"op": "input", "tensor": "X", "index": [0, 0]}
    assert G.nodes["x[3]"] == {"op": "add", "args": ["x[2]"]}
    assert G.nodes["x[4]"]["output"] is True
    assert G.nodes["x[4]"]["tensor"] == "Y"
    assert chain_dag(2).number_of_nodes() == 2


@pytest.mark.parametrize("length", [1, 0, -3, True, 2.5])
def test_chain_rejects_bad_length(length):
    with pytest.raises(InvalidInputError, match="length must be an int >= 2"):
        chain_dag(length)


@pytest.mark.parametrize("height", range(1, 7))
def test_pyramid(height):
    G = pyramid_dag(height)
    validate_computation(G)
    assert G.number_of_nodes() == (height + 1) * (height + 2) // 2
    inputs = [v for v in G if G.in_degree(v) == 0]
    assert inputs == [f"P[0,{c}]" for c in range(height + 1)]
    assert [G.nodes[v]["index"] for v in inputs] == [[c, 0] for c in range(height + 1)]
    outputs = [v for v, flag in G.nodes(data="output") if flag]
    assert outputs == [f"P[{height},0]"]
    assert G.nodes[outputs[0]]["tensor"] == "Y"
    assert all(G.in_degree(v) == 2 for v in G if v not in inputs)


def test_pyramid_rejects_bad_height():
    with pytest.raises(InvalidInputError, match="height must be an int >= 1, got 0"):
        pyramid_dag(0)


# ---------------------------------------------------------------- FFT


@pytest.mark.parametrize("size", [2, 4, 8, 16])
def test_fft_structure(size):
    G = fft_dag(size)
    validate_computation(G)
    levels = size.bit_length() - 1
    assert G.number_of_nodes() == size * (levels + 1)
    for s in range(1, levels + 1):
        for i in range(size):
            partner = i ^ (1 << (s - 1))
            lo, hi = sorted((i, partner))
            data = G.nodes[f"F[{s},{i}]"]
            assert data["args"] == [f"F[{s - 1},{lo}]", f"F[{s - 1},{hi}]"]
            assert data["op"] == ("add" if i == lo else "sub")
    outputs = [v for v, flag in G.nodes(data="output") if flag]
    assert outputs == [f"F[{levels},{i}]" for i in range(size)]
    assert [G.nodes[v]["index"] for v in outputs] == [[i, 0] for i in range(size)]


@pytest.mark.parametrize("size", [0, 1, 3, 6, 12])
def test_fft_rejects_non_powers_of_two(size):
    with pytest.raises(InvalidInputError, match="size must be"):
        fft_dag(size)


# ---------------------------------------------------------------- random


def test_random_dag_is_reproducible():
    a, b = random_dag(30, seed=7), random_dag(30, seed=7)
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges) == list(b.edges)
    c = random_dag(30, seed=8)
    assert list(a.edges) != list(c.edges)


@settings(max_examples=60, deadline=None)
@given(
    nodes=st.integers(2, 40),
    seed=st.integers(0, 2**32),
    max_indegree=st.integers(1, 4),
)
def test_random_dag_is_a_valid_dag(nodes, seed, max_indegree):
    G = random_dag(nodes, seed, max_indegree)
    validate_computation(G)
    assert nx.is_directed_acyclic_graph(G)
    assert G.number_of_nodes() == nodes
    assert max(d for _, d in G.in_degree()) <= max_indegree
    # At least one computed node, and it is the last one.
    assert G.nodes[f"v[{nodes - 1}]"]["op"] == "add"
    assert G.nodes[f"v[{nodes - 1}]"]["output"] is True
    inputs = [v for v in G if G.nodes[v]["op"] == "input"]
    assert [G.nodes[v]["index"] for v in inputs] == [[q, 0] for q in range(len(inputs))]
    outputs = [v for v, flag in G.nodes(data="output") if flag]
    assert outputs == [v for v in G if G.out_degree(v) == 0 and v not in inputs]
    assert [G.nodes[v]["index"] for v in outputs] == [[q, 0] for q in range(len(outputs))]
    for v in G:
        if v not in inputs:
            args = G.nodes[v]["args"]
            assert args == sorted(args, key=lambda a: int(a[2:-1]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1, 0), "nodes must be an int >= 2"),
        ((5, -1), "seed must be an int >= 0"),
        ((5, 1.5), "seed must be an int >= 0"),
        ((5, 0, 0), "max_indegree must be an int >= 1"),
    ],
)
def test_random_dag_bad_parameters(args, message):
    with pytest.raises(InvalidInputError, match=message):
        random_dag(*args)
