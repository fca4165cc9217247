"""Unit tests of replay: one test per rule, its message, and the result fields."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from redblue.errors import IllegalMoveError, InvalidGraphError, InvalidInputError
from redblue.game import (
    EncodedMoves,
    Strategy,
    compile_graph,
    encode_moves,
    replay,
    replay_reference,
)
from redblue.readwrite import strategy_from_json


@pytest.fixture
def vee():
    """c = f(a, b): two inputs, one output."""
    return nx.DiGraph([("a", "c"), ("b", "c")])


GOOD = [("load", "a"), ("load", "b"), ("compute", "c"), ("store", "c")]


def both(G, moves, memory, variant="classic"):
    """Replay with the compiled engine and the reference; they must agree."""
    try:
        fast = replay(G, moves, memory, variant).to_dict()
    except IllegalMoveError as exc:
        with pytest.raises(IllegalMoveError) as ref:
            replay_reference(G, moves, memory, variant)
        assert (ref.value.index, ref.value.rule, str(ref.value)) == (exc.index, exc.rule, str(exc))
        raise
    ref = replay_reference(G, moves, memory, variant)
    assert {k: fast[k] for k in ref} == ref
    return fast


def test_valid_strategy_scored(vee):
    r = both(vee, GOOD, 3)
    assert r == {
        "valid": True, "variant": "classic", "memory": 3, "moves": 4, "loads": 2,
        "stores": 1, "io": 3, "peak_red": 3, "computes": 1, "recomputations": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("moves", "index", "rule", "fragment"),
    [
        ([("load", "c")], 0, "R1 load", "holds no blue pebble"),
        ([("load", "a"), ("load", "a")], 1, "R1 load", "already holds a red pebble"),
        ([("store", "a")], 0, "R2 store", "holds no red pebble"),
        ([("load", "a"), ("store", "a")], 1, "R2 store", "already holds a blue pebble"),
        ([("compute", "a")], 0, "R3 compute", "is an input"),
        ([("load", "a"), ("compute", "c")], 1, "R3 compute", "predecessor b holds no red pebble"),
        (GOOD[:3] + [("compute", "c")], 3, "R3 compute", "already holds a red pebble"),
        ([("delete", "a")], 0, "R4 delete", "holds no red pebble"),
        ([("delete-blue", "c")], 0, "R4 delete", "holds no blue pebble"),
        ([("load", "a"), ("load", "b")], 1, "red-pebble limit", "(1 of M = 1 in use)"),
        (GOOD[:3], 3, "end condition", "output c holds no blue pebble"),
    ],
)
def test_each_rule_rejected_at_its_move(vee, moves, index, rule, fragment):
    memory = 1 if rule == "red-pebble limit" else 3
    with pytest.raises(IllegalMoveError) as exc:
        both(vee, moves, memory)
    assert exc.value.index == index
    assert exc.value.rule == rule
    assert fragment in str(exc.value)


def test_message_names_move_index_node_and_predecessor():
    G = nx.DiGraph([("Q[0,1]", "S[0,1]"), ("K[1,1]", "S[0,1]")])
    moves = [("load", "K[1,1]")] * 1 + [("compute", "S[0,1]")]
    with pytest.raises(IllegalMoveError, match=r"^move 1: compute S\[0,1\]: predecessor "
                       r"Q\[0,1\] holds no red pebble \(R3 compute\)$"):  # fmt: skip
        replay(G, moves, memory=3)


def test_compute_needs_a_free_pebble_for_itself(vee):
    with pytest.raises(IllegalMoveError) as exc:
        both(vee, GOOD, 2)
    assert (exc.value.index, exc.value.rule) == (2, "red-pebble limit")


def test_recomputation_counted_in_classic_and_rejected_without(vee):
    moves = GOOD[:3] + [("delete", "c"), ("compute", "c"), ("store", "c")]
    r = both(vee, moves, 3)
    assert (r["computes"], r["recomputations"], r["io"]) == (2, 1, 3)
    with pytest.raises(IllegalMoveError) as exc:
        both(vee, moves, 3, "no-recompute")
    assert exc.value.index == 4
    assert exc.value.rule == "no recomputation"
    assert "already computed at move 2" in str(exc.value)


def test_delete_blue_then_reload_is_illegal(vee):
    moves = [("delete-blue", "a"), ("load", "a")]
    with pytest.raises(IllegalMoveError) as exc:
        both(vee, moves, 3)
    assert exc.value.index == 1


def test_store_then_reload_a_computed_value():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")])
    moves = [("load", "a"), ("compute", "b"), ("store", "b"), ("delete", "b"),
             ("load", "b"), ("compute", "c"), ("store", "c")]  # fmt: skip
    r = both(G, moves, 3)
    assert (r["loads"], r["stores"], r["io"], r["peak_red"]) == (2, 2, 4, 3)


def test_chain_costs_two():
    G = nx.path_graph(5, create_using=nx.DiGraph)
    moves = [("load", 0)]
    for v in range(1, 5):
        moves += [("compute", v), ("delete", v - 1)]
    moves.append(("store", 4))
    assert both(G, moves, 2)["io"] == 2


def test_output_that_is_an_input_needs_nothing():
    G = nx.DiGraph()
    G.add_node("x", output=True)
    assert replay(G, [], memory=1).io == 0


def test_explicit_outputs(vee):
    with pytest.raises(IllegalMoveError, match="output a holds no blue"):
        replay(vee, [("delete-blue", "a")], memory=1, outputs=["a"])


def test_prefix_check(vee):
    assert replay(vee, GOOD[:2], memory=3, check_outputs=False).io == 2


def test_strategy_object_supplies_memory_and_variant(vee):
    s = Strategy(GOOD, memory=3, variant="no-recompute")
    r = replay(vee, s)
    assert (r.memory, r.variant) == (3, "no-recompute")
    assert replay(vee, s, memory=5, variant="classic").memory == 5


def test_encoded_moves_replay_fast_path(vee):
    C = compile_graph(vee)
    enc = encode_moves(C, GOOD)
    assert isinstance(enc, EncodedMoves) and enc.decode() == GOOD
    assert replay(C, enc, 3).io == 3
    with pytest.raises(InvalidInputError, match="graph they encode"):
        replay(compile_graph(vee), enc, 3)


@pytest.mark.parametrize(
    ("moves", "memory", "fragment"),
    [
        ([("load", "zz")], 3, "move 0: load zz: unknown node 'zz'"),
        ([("jump", "a")], 3, "move 0: unknown move kind 'jump'"),
        ([("load",)], 3, "move 0: expected a [kind, node] pair"),
        (GOOD, 0, "memory must be at least 1"),
        (GOOD, None, "no memory size given"),
        (GOOD, 2.5, "memory must be a whole number"),
    ],
)
def test_bad_input(vee, moves, memory, fragment):
    with pytest.raises(InvalidInputError) as exc:
        replay(vee, moves, memory)
    assert fragment in str(exc.value)


def test_unknown_variant(vee):
    with pytest.raises(InvalidInputError, match="unknown game variant 'fancy'"):
        replay(vee, GOOD, 3, "fancy")


def test_cyclic_graph_rejected():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "b")])
    with pytest.raises(InvalidGraphError, match="cycle"):
        replay(G, [], 2)


def test_compiled_graph_shape(vee):
    C = compile_graph(vee)
    assert C.n == 3 and C.min_memory() == 3
    assert C.nodes[-1] == "c"
    assert sorted(C.nodes[i] for i in C.predecessors(2)) == ["a", "b"]
    assert C.is_input.tolist() == [True, True, False]
    assert np.array_equal(C.indegree(), [0, 0, 2])


def test_string_ids_match_integer_nodes():
    G = nx.path_graph(3, create_using=nx.DiGraph)
    moves = [("load", "0"), ("compute", "1"), ("delete", "0"), ("compute", "2"), ("store", "2")]
    assert replay(G, moves, 2).io == 2


@pytest.mark.parametrize(
    ("memory", "fragment"),
    [(0, "memory must be at least 1, got 0"), (-2, "memory must be at least 1, got -2"),
     (2.5, "memory must be a whole number, got 2.5"),
     (True, "memory must be a whole number, got True"),
     ("3", "memory must be a whole number, got '3'")],
)  # fmt: skip
def test_memory_check_shared_with_strategy_files(vee, memory, fragment):
    # one check for both: the same value gets the same message from replay and a file
    with pytest.raises(InvalidInputError) as direct:
        replay(vee, GOOD, memory)
    with pytest.raises(InvalidInputError) as from_file:
        strategy_from_json({"memory": memory, "moves": []}, "s.json")
    assert str(direct.value) == fragment
    assert str(from_file.value) == f"s.json: {fragment}"


def test_numpy_integer_memory_accepted(vee):
    # as CompiledGraph.check_memory does: a memory size from numpy is a whole number
    assert replay(vee, GOOD, np.int64(3)).memory == 3
    assert type(replay(vee, GOOD, np.int64(3)).memory) is int
    assert strategy_from_json({"memory": np.int32(3), "moves": []}).memory == 3
