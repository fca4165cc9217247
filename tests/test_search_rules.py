"""Each pruning rule of the A* search against a brute-force Dijkstra over all legal moves.

The reference here is independent of redblue.search: it uses the legal-move generator of
tests/helpers.py (full configurations, every legal move including delete-blue).
"""

from __future__ import annotations

import heapq
import itertools

import networkx as nx
import pytest
from helpers import legal_moves, small_dag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from networkx.algorithms.isomorphism import DiGraphMatcher

from redblue.dags import attention_dag, pyramid_dag
from redblue.game import compile_graph, replay
from redblue.search import solve
from redblue.search.rules import RULES
from redblue.search.symmetry import MAX_AUTOMORPHISMS, automorphisms


def brute_force(G: nx.DiGraph, memory: int, no_recompute: bool) -> int:
    """Optimal I/O by Dijkstra over (red, blue, computed) with all legal moves."""
    C = compile_graph(G)
    outputs = frozenset(C.nodes[v] for v in range(C.n) if C.is_output[v])
    start = (frozenset(), frozenset(v for v in G if G.in_degree(v) == 0), frozenset())
    dist = {start: 0}
    tie = itertools.count()
    heap = [(0, next(tie), start)]
    while heap:
        g, _, state = heapq.heappop(heap)
        if dist[state] < g:
            continue
        red, blue, comp = state
        if outputs <= blue:
            return g
        for kind, v in legal_moves(G, red, blue, comp, memory, no_recompute):
            cost = 1 if kind in ("load", "store") else 0
            if kind in ("load", "compute"):
                nxt = (red | {v}, blue, comp | {v} if kind == "compute" and no_recompute else comp)
            elif kind == "store":
                nxt = (red, blue | {v}, comp)
            elif kind == "delete":
                nxt = (red - {v}, blue, comp)
            else:
                nxt = (red, blue - {v}, comp)
            if g + cost < dist.get(nxt, 1 << 30):
                dist[nxt] = g + cost
                heapq.heappush(heap, (g + cost, next(tie), nxt))
    raise AssertionError("no complete calculation")


def with_outputs(G: nx.DiGraph) -> nx.DiGraph:
    """Drop isolated nodes (an input that is a sink would be an output holding blue)."""
    G = G.copy()
    G.remove_nodes_from([v for v in list(G) if G.degree(v) == 0])
    return G


RULE_SETS = [
    (),
    ("stash",),
    ("stash", "dominance"),
    ("dead",),
    ("dead", "forced"),
    ("heuristic",),
    ("bound",),
    ("symmetry",),
    RULES,
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(3, 7),
    extra=st.integers(0, 2),
    no_recompute=st.booleans(),
)
def test_every_rule_keeps_the_optimum(seed, nodes, extra, no_recompute):
    G = with_outputs(small_dag(seed, nodes, max_indegree=2))
    if G.number_of_edges() == 0:
        return
    C = compile_graph(G)
    M = C.min_memory() + extra
    variant = "no-recompute" if no_recompute else "classic"
    want = brute_force(G, M, no_recompute)
    for rules in RULE_SETS:
        r = solve(G, M, variant, rules=rules)
        assert r.optimal and r.io == want, (rules, r.io, want)
        assert replay(G, r.strategy, M, variant).io == want


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(4, 8),
    marks=st.integers(0, 127),
    extra=st.integers(0, 1),
    no_recompute=st.booleans(),
)
def test_outputs_inside_the_dag(seed, nodes, marks, extra, no_recompute):
    # rule O computes an output at once only when no successor is live: outputs with
    # successors (marked by the bits of ``marks``) are where that condition matters
    G = with_outputs(small_dag(seed, nodes, max_indegree=2))
    inner = [v for v in G if G.in_degree(v) and G.out_degree(v)]
    if not inner:
        return
    for i, v in enumerate(inner):
        if marks >> i & 1:
            G.nodes[v]["output"] = True
    if any(G.nodes[v].get("output") for v in G):
        for v in G:  # marked outputs replace the sinks: keep the sinks as well
            if not G.out_degree(v):
                G.nodes[v]["output"] = True
    C = compile_graph(G)
    M = C.min_memory() + extra
    variant = "no-recompute" if no_recompute else "classic"
    want = brute_force(G, M, no_recompute)
    for rules in (("dead", "forced"), ("stash", "dead", "forced", "heuristic"), RULES):
        r = solve(G, M, variant, rules=rules)
        assert r.optimal and r.io == want, (rules, r.io, want)
        assert replay(G, r.strategy, M, variant).io == want


@pytest.mark.parametrize(
    ("edges", "outputs", "M", "no_recompute", "want"),
    [
        # the output v4 is ready early, but v6 still needs it: computing it at once would
        # hold a pebble (or a reload) too long (found by a search over random DAGs)
        ([(0, 1), (2, 3), (3, 4), (3, 5), (4, 6)], [1, 4, 5, 6], 2, True, 6),
        ([(0, 1), (0, 2), (0, 3), (0, 7), (1, 2), (1, 6), (3, 4), (3, 5), (4, 6), (5, 7)],
         [1, 2, 4, 5, 6, 7], 3, False, 7),
    ],
)
def test_an_output_a_live_value_needs_is_not_forced(edges, outputs, M, no_recompute, want):
    G = nx.DiGraph([(f"v{u}", f"v{v}") for u, v in edges])
    for v in outputs:
        G.nodes[f"v{v}"]["output"] = True
    variant = "no-recompute" if no_recompute else "classic"
    assert brute_force(G, M, no_recompute) == want
    for rules in (("dead", "forced"), RULES):
        r = solve(G, M, variant, rules=rules)
        assert r.optimal and r.io == want, (rules, r.io)


def doubled_dag(seed: int, nodes: int) -> nx.DiGraph:
    """Two copies of a random DAG sharing its sources: swapping the copies is a symmetry."""
    H = small_dag(seed, nodes, max_indegree=2)
    sources = {v for v in H if H.in_degree(v) == 0}
    G = nx.DiGraph()
    for copy in "ab":
        name = {v: v if v in sources else copy + v for v in H}
        G.add_nodes_from(name.values())
        G.add_edges_from((name[u], name[v]) for u, v in H.edges)
    return with_outputs(G)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(3, 5),
    extra=st.integers(0, 1),
    no_recompute=st.booleans(),
)
def test_symmetry_keeps_the_optimum(seed, nodes, extra, no_recompute):
    G = doubled_dag(seed, nodes)
    if G.number_of_edges() == 0 or G.number_of_nodes() > 9:
        return
    C = compile_graph(G)
    M = C.min_memory() + extra
    variant = "no-recompute" if no_recompute else "classic"
    want = brute_force(G, M, no_recompute)
    for rules in (("symmetry",), ("stash", "dominance", "symmetry"), RULES):
        r = solve(G, M, variant, rules=rules)
        assert r.optimal and r.io == want, (rules, r.io, want)
        assert replay(G, r.strategy, M, variant).io == want


def test_attention_automorphisms():
    # rows of Q, and rows of K with V: 2! * 2! for N = 2, d = 1
    assert len(automorphisms(compile_graph(attention_dag(2, 1)))) == 4
    # N = 3: any row of Q (3!), but the tree sum (t0 + t1) + t2 only lets keys 0, 1 swap
    assert len(automorphisms(compile_graph(attention_dag(3, 1)))) == 6 * 2


def vf2_automorphisms(C) -> set[tuple[int, ...]]:
    """The automorphism group by networkx's VF2 matcher (outputs kept): the reference."""
    D = nx.DiGraph()
    for v in range(C.n):
        D.add_node(v, out=bool(C.is_output[v]))
        D.add_edges_from((u, v) for u in C.predecessors(v).tolist())
    matcher = DiGraphMatcher(D, D, node_match=lambda a, b: a["out"] == b["out"])
    return {tuple(m[v] for v in range(C.n)) for m in matcher.isomorphisms_iter()}


@pytest.mark.parametrize("G", [attention_dag(2, 1), attention_dag(2, 2, sum="fma"),
                               attention_dag(3, 1), pyramid_dag(4), doubled_dag(3, 5),
                               doubled_dag(4, 6),
                               *(small_dag(seed, 9, max_indegree=2) for seed in range(8))])
def test_automorphisms_match_vf2(G):
    C = compile_graph(with_outputs(G))
    want = vf2_automorphisms(C)
    for limit in (10**9, MAX_AUTOMORPHISMS):  # the whole group, then what rule Y keeps
        perms = automorphisms(C, limit)
        assert perms[0] == list(range(C.n))
        assert len({tuple(p) for p in perms}) == len(perms) == min(limit, len(want))
        assert {tuple(p) for p in perms} <= want


@pytest.mark.parametrize("seed", range(4))
def test_ten_node_dags_against_brute_force(seed):
    G = with_outputs(small_dag(100 + seed, 9, max_indegree=2))
    M = compile_graph(G).min_memory()
    for variant, nr in (("classic", False), ("no-recompute", True)):
        want = brute_force(G, M, nr)
        r = solve(G, M, variant)
        assert (r.optimal, r.io) == (True, want)
        assert solve(G, M, variant, method="naive").io == want
