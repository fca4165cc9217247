"""The compiled core (redblue.search.core) against the pure-Python search and brute force.

Both cores run the same search, so on the same problem they must prove the same optimum,
and with every rule on (where both generate successors in the same order) expand the
same number of states. The brute-force Dijkstra of test_search_rules checks the
optimum itself; these tests check the two implementations against each other, including
graphs over 64 vertices, where the compiled bitsets use their second word.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from helpers import small_dag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_search_rules import RULE_SETS, brute_force, doubled_dag, with_outputs

from redblue.dags import attention_dag, chain_dag, pyramid_dag
from redblue.errors import InvalidInputError
from redblue.game import compile_graph, replay
from redblue.game.strategy import EncodedMoves
from redblue.search import solve
from redblue.search.astar import RULES, Problem, astar_search, weighted_search
from redblue.search.core import (
    MAX_NODES,
    _cut_value,
    compiled_search,
    compiled_weighted_search,
)
from redblue.search.limits import RESERVE_MIN, MemorySource


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(3, 8),
    extra=st.integers(0, 2),
    no_recompute=st.booleans(),
)
def test_cores_agree_on_random_dags(seed, nodes, extra, no_recompute):
    G = with_outputs(small_dag(seed, nodes, max_indegree=2))
    if G.number_of_edges() == 0:
        return
    M = compile_graph(G).min_memory() + extra
    variant = "no-recompute" if no_recompute else "classic"
    want = brute_force(G, M, no_recompute)
    for rules in RULE_SETS:
        a = solve(G, M, variant, rules=rules, core="compiled")
        b = solve(G, M, variant, rules=rules, core="python")
        assert a.details["core"] == "compiled" and b.details["core"] == "python"
        assert a.optimal and b.optimal and a.io == b.io == want, (rules, a.io, b.io, want)
        assert replay(G, a.strategy, M, variant).io == want


def shifted(G: nx.DiGraph, k: int) -> nx.DiGraph:
    """``G`` fed by a chain of ``k`` vertices: its vertices get ids ``k`` and above."""
    H = nx.DiGraph()
    nx.add_path(H, [f"c{i}" for i in range(k)])
    H.update(G)
    H.add_edges_from((f"c{k - 1}", v) for v in G if G.in_degree(v) == 0)
    return H


@pytest.mark.parametrize("variant", ["classic", "no-recompute"])
@pytest.mark.parametrize("seed", range(3))
def test_cores_agree_above_64_vertices(seed, variant):
    # two copies of a random DAG (a symmetry) at ids 62 and above: both words in use
    G = shifted(doubled_dag(seed, 5), 62)
    C = compile_graph(G)
    assert 64 < C.n <= MAX_NODES
    assert min(C.index[v] for v in G if not v.startswith("c")) >= 62
    M = C.min_memory() + 1
    a = solve(C, M, variant, core="compiled")
    b = solve(C, M, variant, core="python")
    assert a.optimal and b.optimal and a.io == b.io
    assert a.states == b.states
    assert replay(G, a.strategy, M, variant).io == a.io


@pytest.mark.parametrize(("G", "M"), [(attention_dag(2, 1), 4), (attention_dag(2, 1), 6),
                                      (attention_dag(2, 1, sum="fma"), 5), (pyramid_dag(4), 3)])
@pytest.mark.parametrize("no_recompute", [False, True])
def test_same_search_on_attention(G, M, no_recompute):
    C = compile_graph(G)
    a = compiled_search(Problem(C, M, no_recompute, True))
    b = astar_search(Problem(C, M, no_recompute, True))
    assert a.optimal and b.optimal and a.lower == b.lower
    assert a.states == b.states
    # bounded by a strategy one dearer (found again) or as cheap (nothing cheaper exists):
    # the compiled core also drops evictions early there, the Python one does not
    for upper in (a.lower + 1, a.lower):
        a2 = compiled_search(Problem(C, M, no_recompute, True), upper=upper)
        b2 = astar_search(Problem(C, M, no_recompute, True), upper=upper)
        assert a2.optimal and b2.optimal and a2.lower == b2.lower == a.lower
        assert (a2.macros is None) == (b2.macros is None) == (upper == a.lower)
        assert a2.states == b2.states <= a.states


@pytest.mark.parametrize("G", [attention_dag(2, 1), attention_dag(2, 2, sum="fma"),
                               pyramid_dag(5), shifted(doubled_dag(1, 6), 62)])
def test_cut_heuristic_cores_agree(G):
    # rule H2 twice: Dinic's algorithm in the compiled core, BFS augmenting paths in
    # Python; on random classic states (red, blue over the inputs, a stash apart from blue)
    C = compile_graph(G)
    P = Problem(C, C.n, False, True)
    rng = np.random.default_rng(7)
    inputs = P.inputs
    values = set()
    for _ in range(150):
        red, blue, stash = (int(sum(1 << v for v in range(C.n) if rng.random() < p))
                            for p in (rng.random() * 0.4, rng.random() * 0.5, rng.random() * 0.4))
        blue |= inputs
        stash &= ~blue
        want = P.cut_heuristic(red, blue, stash)
        assert _cut_value(P, red, blue, stash) == want
        values.add(want)
    assert len(values) > 3  # the states are varied enough to mean something


@pytest.mark.parametrize("core", ["compiled", "python"])
def test_memory_limit_stops_with_bounds(core, monkeypatch):
    G = attention_dag(2, 1)
    want = solve(G, 3).io  # about 90,000 states expanded, many more stored
    # a memory limit leaving 1 MiB above the reserve: the tables cannot grow past it
    tight = MemorySource("test limit", RESERVE_MIN + (1 << 20), lambda: 0)
    monkeypatch.setattr("redblue.search.limits.memory_sources", lambda *a, **k: [tight])
    r = solve(G, 3, core=core)
    assert r.stopped == "memory limit" and not r.optimal and r.io is None
    assert r.lower <= want <= r.upper
    assert replay(G, r.strategy, 3).io == r.upper


def test_limits_and_progress_in_the_compiled_core():
    C = compile_graph(attention_dag(2, 2))
    seen = []
    out = compiled_search(Problem(C, 4, False, True), state_limit=3000, progress=seen.append,
                          progress_every=0.0)  # fmt: skip
    assert not out.optimal and out.stopped == "state limit" and out.states == 3000
    assert seen and {"states", "lower", "stored", "seconds"} <= set(seen[0])
    out = compiled_search(Problem(C, 4, False, True), time_limit=0.2)
    assert not out.optimal and out.stopped == "time limit"
    r = solve(C, 4, time_limit=1.0)
    assert not r.optimal and r.lower < r.upper and r.stopped == "time limit"
    assert replay(attention_dag(2, 2), r.strategy, 4).io == r.upper


def test_core_choice():
    big = chain_dag(MAX_NODES + 2)
    r = solve(big, 2)
    assert r.io == 2 and r.details["core"] == "python"
    with pytest.raises(InvalidInputError, match="at most 128"):
        solve(big, 2, core="compiled")
    with pytest.raises(InvalidInputError, match="unknown core"):
        solve(chain_dag(3), 2, core="cython")
    with pytest.raises(ValueError, match="at most 128"):
        compiled_search(Problem(compile_graph(big), 2, False, True))
    assert set(RULES) >= {"stash", "symmetry"}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nodes=st.integers(3, 8), weight=st.integers(1, 5),
       no_recompute=st.booleans())  # fmt: skip
def test_weighted_search_finds_valid_strategies(seed, nodes, weight, no_recompute):
    # weighted A* seeds the bound: what it finds must replay at the cost it claims, never
    # below the optimum, and plain A* (weight 1) must find the optimum itself
    G = with_outputs(small_dag(seed, nodes, max_indegree=2))
    if G.number_of_edges() == 0:
        return
    C = compile_graph(G)
    M = C.min_memory()
    variant = "no-recompute" if no_recompute else "classic"
    want = brute_force(G, M, no_recompute)
    for search in (compiled_weighted_search, weighted_search):
        P = Problem(C, M, no_recompute, True)
        cost, macros = search(P, weight, 5.0)
        kinds, nodes_ = P.moves_of(macros)
        enc = EncodedMoves(C, np.array(kinds, np.int8), np.array(nodes_, np.int32))
        assert replay(C, enc, M, variant).io == cost >= want
        if weight == 1:
            assert cost == want
        assert search(P, weight, 5.0, upper=want) is None  # nothing cheaper than the optimum


def test_weighted_search_seeds_the_bound():
    # on the N = 3, d = 1 attention DAG at M = 5 greedy schedules cost 74; weighted A* in
    # the no-recompute game finds a far cheaper strategy well within a second
    C = compile_graph(attention_dag(3, 1))
    r = solve(C, 5, time_limit=30.0, state_limit=1000)  # 3 s for weighted A*, 0.3 s needed
    assert r.details["seed"].startswith(("weighted A*", "no-recompute"))
    assert r.upper < 40 and replay(C, r.strategy, 5).io == r.upper
    with pytest.raises(ValueError, match="at least 1"):
        compiled_weighted_search(Problem(C, 5, True, True), 0, 1.0)
