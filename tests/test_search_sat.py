"""The SAT method against A*, the naive Dijkstra oracle and pinned optima; planted bugs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.dags import attention_dag, fft_dag, pyramid_dag, random_dag
from redblue.errors import IllegalMoveError
from redblue.game import compile_graph, replay
from redblue.search import sat as sat_module
from redblue.search import solve
from redblue.search.sat import relevant_vertices, sat_search, sat_trivial_bound
from redblue.strategies.greedy import greedy_moves


def sat_optimum(G, M, variant="no-recompute", **kw):
    """The SAT method alone, from its own trivial bound up to the greedy upper bound."""
    C = compile_graph(G)
    greedy = replay(C, greedy_moves(C, M), M, variant).io
    out = sat_search(C, M, variant == "no-recompute", upper=greedy, **kw)
    if out.moves is None:  # no cheaper strategy: greedy is optimal
        return out.lower, greedy, out
    assert replay(C, out.moves, M, variant).io == out.upper  # the model replays
    return out.lower, out.upper, out


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nodes=st.integers(3, 10), extra=st.integers(0, 1))
def test_sat_equals_astar_and_naive_on_random_dags(seed, nodes, extra):
    G = random_dag(nodes, seed)
    M = compile_graph(G).min_memory() + extra
    lower, upper, _ = sat_optimum(G, M)
    assert lower == upper  # no-recompute, exact horizon: a proof
    assert solve(G, M, "no-recompute").io == upper
    assert solve(G, M, "no-recompute", method="naive").io == upper


@pytest.mark.parametrize("G, M, q", [
    (attention_dag(1, 1), 3, 4),
    (attention_dag(2, 1), 8, 8),
    (pyramid_dag(3), 3, 11),
    (fft_dag(4), 3, 14),
    (fft_dag(4), 4, 11),
])  # fmt: skip
def test_pinned_no_recompute_optima(G, M, q):
    lower, upper, _ = sat_optimum(G, M)
    assert lower == upper == q


def test_solve_method_sat_returns_a_replayed_certificate():
    G = fft_dag(4)
    r = solve(G, 3, "no-recompute", method="sat")
    assert (r.optimal, r.io, r.method) == (True, 14, "sat")
    assert replay(G, r.strategy, 3, "no-recompute").io == 14
    assert r.details["sat_exact"] is True


def test_classic_unsat_is_not_a_lower_bound():
    # a horizon too short for any strategy: UNSAT everywhere, yet no bound above trivial
    G = pyramid_dag(3)
    C = compile_graph(G)
    out = sat_search(C, 3, False, upper=30, horizon=3)
    assert out.details["sat_exact"] is False and out.moves is None
    assert out.lower == sat_trivial_bound(C) < 11
    assert out.details["sat_no_strategy"] == 29
    r = solve(G, 3, "classic", method="sat")
    assert r.upper >= solve(G, 3, "classic").io and r.lower <= r.upper


def test_short_horizon_in_no_recompute_proves_nothing():
    C = compile_graph(pyramid_dag(3))
    out = sat_search(C, 3, True, upper=30, horizon=3)
    assert out.details["sat_exact"] is False and out.lower == sat_trivial_bound(C)


def test_time_limit_is_kept_with_proven_bounds():
    G = attention_dag(2, 1)
    r = solve(G, 6, "no-recompute", method="sat", time_limit=1.5)
    assert r.seconds < 2.5
    assert r.stopped == "time limit" and r.lower <= 10 <= r.upper


def test_relevant_vertices_drop_what_no_output_needs():
    G = random_dag(8, 5)
    G.add_edge(next(iter(G)), "spare")
    G.nodes["spare"]["output"] = False
    C = compile_graph(G)
    assert not relevant_vertices(C)[C.lookup("spare")]


class MemoryPlusOne(sat_module._Encoding):
    """A planted bug: the red-pebble limit encoded one too high."""

    def __init__(self, graph, memory, *args):
        super().__init__(graph, memory + 1, *args)


@pytest.mark.parametrize("planted", ["memory", "operands"])
def test_planted_encoding_bugs_are_caught(monkeypatch, planted):
    # each bug lets the solver find a "strategy" cheaper than the optimum; the replay
    # inside sat_search rejects it (or, were it skipped, the optimum would disagree)
    G = fft_dag(4)
    if planted == "memory":
        monkeypatch.setattr(sat_module, "_Encoding", MemoryPlusOne)
    else:  # drop "c[v,t] -> r[u,t]": computes without red operands
        original = sat_module._Encoding.__init__

        def no_operands(self, graph, *args):
            class Blind:  # the graph seen through no predecessors
                def __getattr__(self, name):
                    return getattr(graph, name)

                def predecessors(self, v):
                    return graph.predecessors(v)[:0]

            monkeypatch.setattr(sat_module, "relevant_vertices", lambda _: relevant)
            original(self, Blind(), *args)
            self.graph = graph

        relevant = relevant_vertices(compile_graph(G))
        monkeypatch.setattr(sat_module._Encoding, "__init__", no_operands)
    with pytest.raises((IllegalMoveError, AssertionError)):
        lower, upper, _ = sat_optimum(G, 3)
        assert lower == upper == 14
