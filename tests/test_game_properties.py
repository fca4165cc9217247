"""Property tests: random DAGs, random legal walks, mutations; compiled vs reference replay."""

from __future__ import annotations

import pytest
from helpers import random_walk, reset_moves, small_dag
from hypothesis import given, settings
from hypothesis import strategies as st

from redblue.errors import IllegalMoveError
from redblue.game import compile_graph, replay, replay_reference
from redblue.strategies import greedy_strategy
from redblue.strategies.greedy import (
    ORDERS,
    cheapest_greedy_moves,
    depth_first_order,
    greedy_moves,
)

dag_params = st.tuples(st.integers(0, 10**6), st.integers(2, 12), st.integers(1, 3))


def outcome(fn, *args, **kwargs):
    """A comparable summary: the stats of a valid replay, or where and why it failed."""
    try:
        r = fn(*args, **kwargs)
    except IllegalMoveError as exc:
        return ("illegal", exc.index, exc.rule, str(exc))
    r = r if isinstance(r, dict) else r.to_dict()
    keys = ("loads", "stores", "io", "peak_red", "computes", "recomputations")
    return ("valid",) + tuple(r[k] for k in keys)


@settings(max_examples=150, deadline=None)
@given(dag_params, st.integers(1, 6), st.integers(0, 80), st.integers(0, 10**6), st.booleans())
def test_random_legal_walks_replay(params, memory, steps, seed, no_recompute):
    G = small_dag(*params)
    variant = "no-recompute" if no_recompute else "classic"
    moves, _, _ = random_walk(G, memory, steps, seed, no_recompute)
    r = replay(G, moves, memory, variant, check_outputs=False)
    assert r.io == sum(kind in ("load", "store") for kind, _ in moves)
    assert r.loads == sum(kind == "load" for kind, _ in moves)
    assert r.computes == sum(kind == "compute" for kind, _ in moves)
    assert r.peak_red <= memory
    ref = replay_reference(G, moves, memory, variant, check_outputs=False)
    assert outcome(replay, G, moves, memory, variant, check_outputs=False) == outcome(
        lambda *a, **k: ref
    )
    # classic accepts whatever no-recompute accepts, with the same score
    if no_recompute:
        assert r.recomputations == 0
        assert replay(G, moves, memory, "classic", check_outputs=False).io == r.io
    elif r.recomputations:
        with pytest.raises(IllegalMoveError, match="no recomputation"):
            replay(G, moves, memory, "no-recompute", check_outputs=False)


@settings(max_examples=100, deadline=None)
@given(dag_params, st.integers(0, 40), st.integers(0, 10**6))
def test_walk_reset_then_greedy_is_a_complete_calculation(params, steps, seed):
    G = small_dag(*params)
    memory = compile_graph(G).min_memory() + 1
    walk, red, blue = random_walk(G, memory, steps, seed)
    reset = reset_moves(G, red, blue)
    if reset is None:  # an input lost its blue pebble: no completion exists
        with pytest.raises(IllegalMoveError):
            replay(G, walk + greedy_strategy(G, memory).moves, memory)
        return
    tail = greedy_strategy(G, memory).moves
    full = walk + reset + tail
    r = replay(G, full, memory)
    walk_io = sum(kind in ("load", "store") for kind, _ in walk)
    assert r.io == walk_io + replay(G, tail, memory).io
    assert outcome(replay, G, full, memory) == outcome(replay_reference, G, full, memory)


@settings(max_examples=200, deadline=None)
@given(
    dag_params,
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.sampled_from(["remove", "change-kind", "change-node", "swap"]),
    st.booleans(),
)
def test_mutated_sequences_fail_where_the_reference_says(params, seed, where, how, no_recompute):
    G = small_dag(*params)
    variant = "no-recompute" if no_recompute else "classic"
    memory = compile_graph(G).min_memory() + 1
    walk, red, blue = random_walk(G, memory, 30, seed, no_recompute)
    reset = reset_moves(G, red, blue)
    # a legal sequence: a complete calculation, or just the walk when none can follow it
    computed = any(kind == "compute" for kind, _ in walk)
    complete = reset is not None and not (no_recompute and computed)
    moves = walk + reset + greedy_strategy(G, memory).moves if complete else walk
    if not moves:
        return
    t = where % len(moves)
    mutated = list(moves)
    kinds = ("load", "store", "compute", "delete", "delete-blue")
    nodes = sorted(G)
    if how == "remove":
        del mutated[t]
    elif how == "change-kind":
        k = kinds.index(mutated[t][0])
        mutated[t] = (kinds[(k + 1 + seed % 4) % 5], mutated[t][1])
    elif how == "change-node":
        mutated[t] = (mutated[t][0], nodes[(nodes.index(mutated[t][1]) + 1) % len(nodes)])
    elif t + 1 < len(mutated):
        mutated[t], mutated[t + 1] = mutated[t + 1], mutated[t]
    kw = {"check_outputs": complete}
    fast = outcome(replay, G, mutated, memory, variant, **kw)
    assert fast == outcome(replay_reference, G, mutated, memory, variant, **kw)
    if fast[0] == "illegal":
        index = fast[1]
        assert index >= t  # the untouched prefix is legal
        # and everything before the reported move is legal: it is the first violation
        replay(G, mutated[:index], memory, variant, check_outputs=False)
    else:
        assert fast[3] == sum(kind in ("load", "store") for kind, _ in mutated)


@settings(max_examples=100, deadline=None)
@given(dag_params, st.integers(0, 4))
def test_greedy_is_valid_in_both_variants(params, extra):
    G = small_dag(*params)
    memory = compile_graph(G).min_memory() + extra
    s = greedy_strategy(G, memory)
    r = replay(G, s, variant="no-recompute")
    assert r.peak_red <= memory
    assert r.recomputations == 0
    assert outcome(replay, G, s.moves, memory) == outcome(replay_reference, G, s.moves, memory)


@settings(max_examples=100, deadline=None)
@given(dag_params, st.sampled_from(["id", "label", "cone"]))
def test_depth_first_orders_compute_exactly_what_greedy_does(params, first):
    # the same vertices as the topological order, each after its operands
    C = compile_graph(small_dag(*params))
    order = depth_first_order(C, first)
    default = greedy_moves(C, C.min_memory()).decode()
    assert sorted(order) == sorted(C.index[v] for k, v in default if k == "compute")
    place = {v: t for t, v in enumerate(order)}
    for v in order:
        assert all(C.is_input[p] or place[p] < place[v] for p in C.predecessors(v).tolist())


@settings(max_examples=60, deadline=None)
@given(dag_params, st.integers(0, 3))
def test_the_cheapest_greedy_order_is_no_dearer_than_any(params, extra):
    C = compile_graph(small_dag(*params))
    memory = C.min_memory() + extra
    moves, name = cheapest_greedy_moves(C, memory)
    r = replay(C, moves, memory, "no-recompute")  # each vertex computed once
    costs = {"topological": replay(C, greedy_moves(C, memory), memory).io}
    for order, first in list(ORDERS.items())[1:]:
        costs[order] = replay(C, greedy_moves(C, memory, depth_first_order(C, first)),
                              memory).io  # fmt: skip
    assert r.io == costs[name] == min(costs.values())
    assert name == next(o for o in ORDERS if costs[o] == r.io)  # the first on a tie


def test_depth_first_greedy_beats_the_topological_order_on_attention():
    # Belady's rule in the compiled order loads each key again for every query row
    from redblue.dags import attention_dag

    C = compile_graph(attention_dag(3, 2))
    moves, name = cheapest_greedy_moves(C, 6)
    assert replay(C, moves, 6).io == 54 < replay(C, greedy_moves(C, 6), 6).io == 143
    assert name == "depth-first-cone"


def test_the_cone_order_is_left_out_above_its_size(monkeypatch):
    import redblue.strategies.greedy as greedy

    C = compile_graph(small_dag(3, 40))
    monkeypatch.setattr(greedy, "CONE_MAX_N", C.n - 1)
    monkeypatch.setattr(greedy, "_cones", None)  # never computed
    assert cheapest_greedy_moves(C, C.min_memory() + 1)[1] != "depth-first-cone"


def test_sethi_ullman_numbers():
    # a balanced binary tree of 8 leaves needs 4 registers; a chain of binary operations
    # on fresh leaves only 2 (the larger operand first)
    import networkx as nx

    from redblue.strategies.greedy import _labels

    tree = nx.DiGraph()
    for level in (3, 2, 1):
        for i in range(2 ** (level - 1)):
            tree.add_edge(f"n{level}.{2 * i}", f"n{level - 1}.{i}")
            tree.add_edge(f"n{level}.{2 * i + 1}", f"n{level - 1}.{i}")
    C = compile_graph(tree)
    assert _labels(C)[C.index["n0.0"]] == 4 and _labels(C)[C.index["n1.0"]] == 3
    chain = nx.DiGraph([("x0", "y1"), ("x1", "y1")] + [
        e for i in range(2, 6) for e in ((f"y{i - 1}", f"y{i}"), (f"x{i}", f"y{i}"))])
    C = compile_graph(chain)
    assert _labels(C)[C.index["y5"]] == 2
