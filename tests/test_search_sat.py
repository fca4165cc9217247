"""The SAT method against A*, the naive Dijkstra oracle and pinned optima; planted bugs."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.dags import attention_dag, fft_dag, matmul_dag, pyramid_dag, random_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import compile_graph, replay
from redblue.search import sat as sat_module
from redblue.search import solve
from redblue.search.sat import SatOptions, relevant_vertices, sat_search, sat_trivial_bound
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
    G = attention_dag(3, 1)  # Q = 19..21 at M = 6: no proof in 1.5 s
    r = solve(G, 6, "no-recompute", method="sat", time_limit=1.5)
    assert r.seconds < 2.5
    assert r.stopped == "time limit" and r.lower <= 21 and r.upper >= 19


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


#: small no-recompute instances and their optima (A* and the naive oracle agree)
SMALL = [(pyramid_dag(3), 3, 11), (fft_dag(4), 3, 14), (matmul_dag(2, 2, 1), 3, 13),
         (attention_dag(1, 2), 3, 12), (pyramid_dag(4), 4, 10)]


@pytest.mark.parametrize("options", [
    SatOptions(windows=False, lazy=False, stores=False),
    SatOptions(windows=True, lazy=False, stores=False),
    SatOptions(windows=False, lazy=True, stores=False),
    SatOptions(windows=False, lazy=False, stores=True),
    SatOptions(card="totalizer"),
    SatOptions(card="kmtotalizer"),
])  # fmt: skip
def test_every_clause_family_gives_the_optimum(options):
    for G, M, q in SMALL:
        lower, upper, _ = sat_optimum(G, M, options=options)
        assert lower == upper == q


def test_upward_search_gives_the_optimum():
    for G, M, q in SMALL:
        lower, upper, out = sat_optimum(G, M, direction="up")
        assert lower == upper == q
        assert [answer for _, answer, _, _ in out.details["sat_log"]][-1] == "sat"


def test_sat_agrees_with_the_ilp_and_the_naive_oracle():
    G = pyramid_dag(3)
    lower, upper, out = sat_optimum(G, 3)
    assert lower == upper == solve(G, 3, "no-recompute", method="ilp").io
    assert upper == solve(G, 3, "no-recompute", method="naive").io
    assert out.details["sat_log"][-1][:2] == (upper - 1, "unsat")  # down: one proof
    assert out.conflicts == sum(c for _, _, _, c in out.details["sat_log"]) > 0


def test_windows_follow_ancestors_and_descendants():
    # chain a -> b -> c -> d: the three computes fill steps 1, 2, 3 in order
    preds, succs = [[], [0], [1], [2]], [[1], [2], [3], []]
    assert sat_module._windows(preds, succs, [True, False, False, False], 3) == (
        [1, 1, 2, 3], [0, 1, 2, 3])
    # two independent computes over one input: either may come first
    assert sat_module._windows([[], [0], [0]], [[1, 2], [], []], [True, False, False], 2) \
        == ([1, 1, 1], [0, 2, 2])  # fmt: skip


def test_portfolio_closes_with_sat_what_astar_left_open(monkeypatch):
    # astar stalled at its share of the time limit: sat closes between its bounds
    solve_module = importlib.import_module("redblue.search.solve")

    def stalled(graph, problem, nr_problem, rules, limits, *args):
        return 5, 0, "time limit", None

    monkeypatch.setattr(solve_module, "_astar_phases", stalled)
    G = fft_dag(4)
    r = solve(G, 3, "no-recompute", method="portfolio", time_limit=60)
    assert (r.optimal, r.io, r.method) == (True, 14, "portfolio")
    assert r.details["sat_log"][-1][:2] == (13, "unsat")
    assert replay(G, r.strategy, 3, "no-recompute").io == 14
    r = solve(G, 3, "classic", method="portfolio", time_limit=5)  # no proof there: no sat
    assert "sat_log" not in r.details and r.lower <= 14 <= r.upper


def test_bad_direction_and_encoding_are_refused():
    C = compile_graph(pyramid_dag(3))
    with pytest.raises(InvalidInputError, match="direction"):
        sat_search(C, 3, True, 20, direction="sideways")
    with pytest.raises(InvalidInputError, match="encoding"):
        sat_search(C, 3, True, 20, options=SatOptions(card="abacus"))


def _too_strong_windows(preds, succs, is_in, m):
    first, last = ORIGINAL_WINDOWS(preds, succs, is_in, m)
    return [f + 1 for f in first], last  # a compute one step later than it may be


ORIGINAL_WINDOWS = sat_module._windows


class IoOffsetPlusOne(sat_module._Encoding):
    """A planted bug: one certain output store too many (I/O counted one high)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.io_offset += 1


class IoOffsetMinusOne(sat_module._Encoding):
    """A planted bug: one certain output store left out (I/O counted one low)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.io_offset -= 1


class LazyForDeadValues(sat_module._Encoding):
    """A planted bug: normal form L asked of every deletion, dead values too."""

    def __init__(self, graph, memory, no_recompute, T, ubound, lim, options=None):
        super().__init__(graph, memory, no_recompute, T, ubound, lim, options)
        # every red pebble that leaves at step t needs a full memory after step t
        from pysat.card import CardEnc, EncType

        for t in range(1, T + 1):
            self.top += 1
            reds = [self.r(i, t) for i in range(self.nv)]
            enc = CardEnc.atleast(reds, bound=memory, top_id=self.top, encoding=EncType.seqcounter)
            self.clauses.extend([-self.top] + cl for cl in enc.clauses)
            full = self.top
            self.top = max(self.top, enc.nv)
            for i in range(self.nv):
                self.clauses.append([-self.r(i, t - 1), self.r(i, t), full])


@pytest.mark.parametrize("planted", ["windows", "io_high", "io_low", "lazy"])
@pytest.mark.parametrize("direction", ["down", "up"])
def test_planted_clause_family_bugs_are_caught(monkeypatch, planted, direction):
    # a too strong rule loses the optimum (or proves a bound above it); a weak count
    # lets a model cost more than asked: the replay inside sat_search raises
    if planted == "windows":
        monkeypatch.setattr(sat_module, "_windows", _too_strong_windows)
    else:
        bug = {"io_high": IoOffsetPlusOne, "io_low": IoOffsetMinusOne}.get(planted)
        monkeypatch.setattr(sat_module, "_Encoding", bug or LazyForDeadValues)
    with pytest.raises((IllegalMoveError, AssertionError)):
        for G, M, q in SMALL:
            lower, upper, _ = sat_optimum(G, M, direction=direction)
            assert lower == upper == q
            # from just above the optimum, the one call down is the proof itself
            out = sat_search(compile_graph(G), M, True, q + 1, direction=direction)
            assert out.lower == out.upper == q
