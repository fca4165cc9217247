"""The greedy schedule: Belady's rule against an independent simulation, its orders
(depth-first, Sethi-Ullman numbers, cones) against their definitions, and every
refusal by its message. The mutation target ``greedy`` runs this file."""

from __future__ import annotations

import networkx as nx
import pytest
from helpers import small_dag
from hypothesis import given, settings
from hypothesis import strategies as st

import redblue.strategies.greedy as greedy
from redblue.dags import attention_dag
from redblue.errors import InvalidInputError
from redblue.game import compile_graph, replay
from redblue.strategies.greedy import (
    ORDERS,
    _cones,
    cheapest_greedy_moves,
    depth_first_order,
    greedy_moves,
    greedy_strategy,
)

dag_params = st.tuples(st.integers(0, 10**6), st.integers(2, 14), st.integers(1, 3))


def belady_io(C, memory, order):
    """Loads and stores of Belady's rule, simulated plainly: sets, and the next use
    found by scanning the order (the oracle of greedy_moves)."""
    uses = {v: [t for t, w in enumerate(order) if v in C.predecessors(w).tolist()]
            for v in range(C.n)}  # fmt: skip

    def next_use(v, t):
        later = [u for u in uses[v] if u > t]
        return later[0] if later else None

    red, blue, io = set(), {v for v in range(C.n) if C.is_input[v]}, 0

    def make_room(t, pinned):
        nonlocal io
        while len(red) >= memory:
            # furthest next use first (never used again counts as furthest), then the
            # smallest id
            victim = max((u for u in red if u not in pinned),
                         key=lambda u: (float("inf") if next_use(u, t - 1) is None
                                        else next_use(u, t - 1), -u))  # fmt: skip
            if next_use(victim, t - 1) is not None and victim not in blue:
                io += 1  # stored before it is evicted
                blue.add(victim)
            red.discard(victim)

    for t, v in enumerate(order):
        preds = C.predecessors(v).tolist()
        for p in preds:
            if p not in red:
                make_room(t, set(preds))
                io += 1
                red.add(p)
        make_room(t, set(preds))
        red.add(v)
        if C.is_output[v] and v not in blue:
            io += 1
            blue.add(v)
        for u in [*preds, v]:
            if next_use(u, t) is None:
                red.discard(u)
    return io


@settings(max_examples=80, deadline=None)
@given(dag_params, st.integers(0, 3), st.sampled_from([None, "id", "label", "cone"]),
       st.integers(0, 2**14))
def test_belady_against_a_plain_simulation(params, extra, first, marks):
    G = small_dag(*params)
    for i, v in enumerate(G):  # outputs inside the DAG too: stored once, loaded later
        if G.out_degree(v) == 0 or (G.in_degree(v) and marks >> i & 1):
            G.nodes[v]["output"] = True
    C = compile_graph(G)
    memory = C.min_memory() + extra
    order = None if first is None else depth_first_order(C, first)
    moves = greedy_moves(C, memory, order)
    r = replay(C, moves, memory, "no-recompute")
    plain = order if order is not None else [
        v for v in range(C.n) if not C.is_input[v] and v in set(depth_first_order(C))]
    assert r.io == belady_io(C, memory, plain)
    assert r.peak_red <= memory


@settings(max_examples=80, deadline=None)
@given(dag_params)
def test_cones_count_the_non_input_ancestors(params):
    G = small_dag(*params)
    C = compile_graph(G)
    cones = _cones(C)
    for v in range(C.n):
        want = sum(1 for a in nx.ancestors(G, C.nodes[v]) if not C.is_input[C.index[a]])
        assert cones[v] == want


def test_an_output_below_another_is_computed_once():
    # b is an output and an operand of c: c's depth-first walk must not place it again,
    # and the outputs after it are still walked
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "d")])
    for v in ("b", "c", "d"):
        G.nodes[v]["output"] = True
    C = compile_graph(G)
    for first in ("id", "label", "cone"):
        order = [C.nodes[v] for v in depth_first_order(C, first)]
        assert sorted(order) == ["b", "c", "d"]
        assert order.index("b") < order.index("c")
    assert [C.nodes[v] for v in depth_first_order(C)] == [
        C.nodes[v] for v in depth_first_order(C, "id")]  # the default


@pytest.mark.parametrize("memory", [3, 4, 5, 6, 7, 8])
def test_the_cheapest_order_on_attention_3x1(memory):
    # the winner changes with M (depth-first by id at 3, cone first at 4, label at 7)
    C = compile_graph(attention_dag(3, 1))
    costs = {name: replay(C, greedy_moves(C, memory, None if first is None else
                                          depth_first_order(C, first)), memory).io
             for name, first in ORDERS.items()}  # fmt: skip
    moves, name = cheapest_greedy_moves(C, memory)
    assert replay(C, moves, memory).io == costs[name] == min(costs.values())
    assert name == next(n for n in ORDERS if costs[n] == costs[name])
    assert len(set(costs.values())) > 1


@pytest.mark.parametrize("size, cone", [(0, True), (-1, False)])
def test_the_cone_order_up_to_its_size(monkeypatch, size, cone):
    C = compile_graph(attention_dag(3, 1))
    calls = []
    real = greedy._cones
    monkeypatch.setattr(greedy, "_cones", lambda g: calls.append(1) or real(g))
    monkeypatch.setattr(greedy, "CONE_MAX_N", C.n + size)  # at the size: still tried
    cheapest_greedy_moves(C, 4)
    assert bool(calls) == cone


@pytest.mark.parametrize("name", [*ORDERS, "cheapest"])
def test_greedy_strategy_by_name(name):
    G = attention_dag(3, 1)
    C = compile_graph(G)
    s = greedy_strategy(G, 5, name)
    assert (s.memory, s.variant) == (5, "classic")
    if name == "cheapest":
        want = cheapest_greedy_moves(C, 5)[0]
    else:
        first = ORDERS[name]
        want = greedy_moves(C, 5, None if first is None else depth_first_order(C, first))
    assert s.moves == want.decode()


def test_greedy_strategy_by_node_sequence():
    G = nx.DiGraph([("a", "c"), ("b", "c"), ("a", "d"), ("c", "e"), ("d", "e")])
    s = greedy_strategy(G, 3, ["d", "c", "e"])
    assert [v for kind, v in s.moves if kind == "compute"] == ["d", "c", "e"]
    assert replay(G, s).io == belady_io(compile_graph(G), 3, [
        compile_graph(G).index[v] for v in ("d", "c", "e")])


@pytest.mark.parametrize("order, message", [
    ("random", "unknown order 'random' (expected one of topological, depth-first, "
               "depth-first-label, depth-first-cone, cheapest)"),
    (["c", "x"], "order names unknown node 'x'"),
    (["a", "c", "e"], "order: node a is an input"),
    (["c", "c", "d", "e"], "order: node c is listed twice"),
    (["e", "c", "d"], "order: node e comes before its predecessor c"),
    (["c", "d"], "order: output e is never computed"),
])  # fmt: skip
def test_greedy_strategy_refuses(order, message):
    G = nx.DiGraph([("a", "c"), ("b", "c"), ("a", "d"), ("c", "e"), ("d", "e")])
    with pytest.raises(InvalidInputError) as info:
        greedy_strategy(G, 3, order)
    assert str(info.value) == message


def test_depth_first_order_refuses_an_unknown_rule():
    with pytest.raises(InvalidInputError) as info:
        depth_first_order(compile_graph(small_dag(1, 5)), "random")
    assert str(info.value) == "first must be 'id', 'label' or 'cone', got 'random'"
