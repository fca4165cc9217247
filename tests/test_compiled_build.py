"""The attention DAG built straight into arrays equals the compiled networkx graph."""

from __future__ import annotations

import numpy as np
import pytest

from redblue.dags import attention_dag
from redblue.dags.attention_arrays import attention_arrays
from redblue.errors import InvalidInputError
from redblue.game import compile_graph, replay
from redblue.game.compiled_attention import compile_attention
from redblue.strategies.upper_bounds import count_io, simulate

VARIANTS = [{}, {"causal": True}, {"n_keys": 5},
            {"block_mask": "1,0;1,1", "block_size": 2},
            {"block_mask": "1,1;0,1", "block_size": 3, "causal": True}]


def _same(C, G) -> None:
    assert len(C.nodes) == len(G.nodes) and tuple(C.nodes) == G.nodes
    assert (C.pred_ptr.dtype, C.pred_idx.dtype) == (G.pred_ptr.dtype, G.pred_idx.dtype)
    assert np.array_equal(C.pred_ptr, G.pred_ptr)
    assert np.array_equal(C.pred_idx, G.pred_idx)  # operand order included
    assert np.array_equal(C.is_input, G.is_input)
    assert np.array_equal(C.is_output, G.is_output)
    assert all(C.index[v] == k for v, k in G.index.items())


@pytest.mark.parametrize("shape", ["tree", "chain", "fma"])
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: ",".join(v) or "full")
def test_equal_to_compiled_networkx_graph(shape, variant):
    for n, d in [(1, 1), (1, 3), (2, 1), (3, 2), (4, 5), (5, 3), (6, 4)]:
        if "block_mask" in variant and -(-n // variant["block_size"]) != 2:
            continue
        G = compile_graph(attention_dag(n, d, sum=shape, **variant))
        _same(compile_attention(n, d, sum=shape, **variant), G)


def test_names_and_index_on_demand():
    C = compile_attention(3, 4, sum="tree")
    G = compile_graph(attention_dag(3, 4, sum="tree"))
    assert C.nodes[-1] == G.nodes[-1] and C.nodes[2:9:3] == list(G.nodes[2:9:3])
    assert C.nodes.index("S[1,2](2:4)") == G.index["S[1,2](2:4)"]
    assert "D[2](1:3)" in C.index and "D[2](1:3)" in G.index and "D[2](0:2)" not in C.index
    assert C.lookup("U[0,3]") == G.lookup("U[0,3]")
    # not nodes: non-canonical, out of range, a partial the tree does not have, no name
    for bad in ("Q[01,0]", "Q[3,0]", "S[0,0](0:3)", "S[0,0](0:4)", "D[0](1:2)", "AV[0,0]",
                "O[0,4]", "X[0,0]", "S[0,0] ", 5, None, ("Q", 0)):
        assert bad not in C.index and bad not in G.index
        with pytest.raises(KeyError):
            C.index[bad]
    with pytest.raises(IndexError):
        C.nodes[C.n]
    assert len(C.index) == C.n == G.n


def test_single_key_rows_have_no_row_sum_node():
    C = compile_attention(2, 2, sum="chain", n_keys=1)
    assert "D[0]" not in C.index and C.nodes[C.predecessors(C.index["R[0]"])[0]] == "A[0,0]"
    assert "U[1,0](0:1)" not in C.index and "U[1,0]" in C.index


def test_refuses_what_the_builder_refuses():
    with pytest.raises(InvalidInputError, match="limit is 100"):
        attention_arrays(4, 4, max_nodes=100)
    with pytest.raises(InvalidInputError):
        attention_arrays(0, 4)
    with pytest.raises(InvalidInputError):
        attention_arrays(2, 2, sum="spiral")


@pytest.mark.parametrize("algorithm", ["flash1", "flash2", "tiling", "greedy"])
@pytest.mark.parametrize("variant", [{}, {"causal": True}], ids=["full", "causal"])
def test_simulate_compiled_equals_networkx(algorithm, variant):
    shape = "tree" if algorithm == "greedy" else "chain"
    for n, d, m in [(8, 2, 24), (7, 3, 40), (9, 2, 64)]:
        a = simulate(algorithm, n, d, m, sum=shape, compiled=True, **variant)
        b = simulate(algorithm, n, d, m, sum=shape, compiled=False, **variant)
        assert a.result == b.result
        assert np.array_equal(a.moves.kinds, b.moves.kinds)
        assert np.array_equal(a.moves.nodes, b.moves.nodes)
        if algorithm != "greedy":
            assert a.result.io == count_io(algorithm, n, d, m, sum=shape, **variant).io
        assert a._graph is None and "built as arrays" in a.dag_name
        assert a.graph.number_of_nodes() == a.compiled.n  # built when asked for
        assert a.dag_name == b.dag_name == b.graph.graph["name"]


def test_simulate_uses_arrays_only_where_it_can():
    assert simulate("flash2", 8, 2, 24)._graph is None  # automatic
    assert simulate("flash2", 8, 2, 40, stable=True)._graph is not None
    assert simulate("standard", 8, 2, 40)._graph is not None
    with pytest.raises(InvalidInputError, match="compiled=True"):
        simulate("standard", 8, 2, 40, compiled=True)


def test_replay_on_arrays_catches_a_broken_schedule():
    C = compile_attention(4, 2, sum="chain")
    G = compile_graph(attention_dag(4, 2, sum="chain"))
    moves = simulate("flash2", 4, 2, 24, compiled=False).moves
    assert replay(G, moves.decode(), 24).io == replay(C, moves.decode(), 24).io
    broken = moves.decode()
    broken.remove(("load", "K[1,0]"))
    with pytest.raises(Exception, match="K\\[1,0\\]"):
        replay(C, broken, 24)


def test_cli_says_nodes_per_second_when_verbose(capsys):
    from redblue.cli import main

    assert main(["-v", "simulate", "flash2", "--n", "8", "--d", "2", "--memory", "24"]) == 0
    captured = capsys.readouterr()
    assert "built the attention DAG as arrays: 624 nodes" in captured.err
    assert "nodes/s" in captured.err and "built as arrays" in captured.out
