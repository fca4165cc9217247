"""The SAT method in the classic game (a model search with room for recomputations), its
neighbourhood search, CaDiCaL's configurations and the budget schedule; planted bugs."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.dags import fft_dag, pyramid_dag, random_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import compile_graph, replay
from redblue.game.strategy import encode_moves
from redblue.search import sat as sat_module
from redblue.search import solve
from redblue.search.sat import SatOptions, sat_neighbourhoods, sat_search
from redblue.strategies.greedy import greedy_moves

#: random DAGs (nodes, seed) at M = 3 where recomputing beats the no-recompute optimum:
#: (classic optimum, no-recompute optimum), both from A* and the naive search
RECOMPUTE_WINS = [((5, 82), 2, 4), ((6, 82), 3, 5), ((6, 181), 3, 4), ((7, 50), 4, 5),
                  ((7, 82), 4, 6)]  # fmt: skip

#: the classic families off (the bounded-horizon encoding alone)
PLAIN = SatOptions(windows=False, uses=False)


def nr_hint(G, M, C=None):
    """The no-recompute optimum's moves on ``C`` (what the records give the classic
    search) and its I/O."""
    best = solve(G, M, "no-recompute")
    return encode_moves(compile_graph(G) if C is None else C, best.strategy.moves), best.io


@pytest.mark.parametrize("dag, classic, nr", RECOMPUTE_WINS)
def test_classic_search_finds_the_recomputing_optimum(dag, classic, nr):
    G = random_dag(*dag)
    C = compile_graph(G)
    assert solve(G, 3, "classic", method="naive").io == classic  # the brute-force oracle
    hint, io = nr_hint(G, 3, C)
    assert io == nr
    out = sat_search(C, 3, False, nr, hint=hint, recomputes=1)
    assert out.upper == classic and out.details["horizon"] == int((~C.is_input).sum()) + 2
    assert max(Counter(v for kind, v in out.moves.decode() if kind == "compute").values()) > 1
    assert replay(G, out.moves.decode(), 3, "classic").io == classic
    # no room for a recomputation: nothing below the no-recompute optimum
    assert sat_search(C, 3, False, nr, hint=hint).moves is None


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nodes=st.integers(3, 8), extra=st.integers(0, 1),
       recomputes=st.integers(0, 2))  # fmt: skip
def test_classic_families_keep_the_optimum_of_each_horizon(seed, nodes, extra, recomputes):
    # down from greedy, the last model is the cheapest of at most T steps: the same with
    # and without the classic families (they are sound for a bounded horizon), never
    # below the classic optimum (the naive oracle)
    G = random_dag(nodes, seed)
    C = compile_graph(G)
    M = C.min_memory() + extra
    greedy = replay(C, greedy_moves(C, M), M, "classic").io
    best = [sat_search(C, M, False, greedy, recomputes=recomputes, options=o)
            for o in (SatOptions(), PLAIN)]  # fmt: skip
    ios = [greedy if b.upper is None else b.upper for b in best]
    assert ios[0] == ios[1] >= solve(G, M, "classic", method="naive").io
    assert best[0].lower == best[1].lower  # no proof in the classic game


class UsesOneStepLate(sat_module._Encoding):
    """A planted bug: option ``uses`` asks a use after the step, not in it or after (an
    operand red for its last use has none left)."""

    def _uses(self, succs):
        T, add, r, c, st = self.T, self.clauses.append, self.r, self.c, self.s
        for i in range(self.nv):
            f = self._fresh(T + 2)
            add([-f[T + 1]])
            for t in range(1, T + 1):
                add([-r(i, t), c(i, t), f[t + 1]])
                add([-f[t], f[t + 1]] + [c(w, t) for w in succs[i]]
                    + ([st(i, t + 1)] if t < T else []))  # fmt: skip


class NoComputeBeforeSecondStep(sat_module._Encoding):
    """A planted bug: the classic windows one step too late."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        if not self.graph.is_input.all():
            for i in range(self.nv):
                self.clauses.append([-self.c(i, 1)])


@pytest.mark.parametrize("bug", [UsesOneStepLate, NoComputeBeforeSecondStep])
def test_planted_classic_family_bugs_are_caught(monkeypatch, bug):
    monkeypatch.setattr(sat_module, "_Encoding", bug)
    with pytest.raises(AssertionError):
        for dag, classic, nr in RECOMPUTE_WINS:
            G = random_dag(*dag)
            hint, _ = nr_hint(G, 3)
            out = sat_search(compile_graph(G), 3, False, nr, hint=hint, recomputes=1)
            assert out.upper == classic


def test_neighbourhoods_improve_a_strategy_with_recomputations():
    G = random_dag(5, 82)
    C = compile_graph(G)
    hint, nr = nr_hint(G, 3, C)
    out = sat_neighbourhoods(C, 3, False, hint, widths=(4,), extra=(0, 1, 2))
    assert (nr, out.upper) == (4, 2) and out.lower == sat_module.sat_trivial_bound(C)
    assert replay(G, out.moves.decode(), 3, "classic").io == 2
    assert [io for io, *_ in out.details["sat_log"]] == [3, 2]
    assert sum(out.details["sat_window_answers"].values()) == out.details["sat_windows"]
    # the no-recompute game: no extra steps, never below its optimum
    same = sat_neighbourhoods(C, 3, True, hint, widths=(4,))
    assert same.upper == nr and same.details["horizon"] == int((~C.is_input).sum()) + 1


class UnshiftedSuffix(sat_module._Encoding):
    """A planted bug: the steps after a window fixed one step too early."""

    def literals(self, row, t):
        return super().literals(row, max(1, t - 1))


def test_planted_window_shift_bug_is_caught(monkeypatch):
    monkeypatch.setattr(sat_module, "_Encoding", UnshiftedSuffix)
    G = random_dag(5, 82)
    C = compile_graph(G)
    hint, _ = nr_hint(G, 3, C)
    with pytest.raises((IllegalMoveError, AssertionError)):
        out = sat_neighbourhoods(C, 3, False, hint, widths=(4,), extra=(0, 1, 2))
        assert out.upper == 2


def test_cadical_configurations_keep_the_answers():
    C = compile_graph(fft_dag(4))
    outs = [sat_search(C, 3, True, 16, options=SatOptions(phases=False, cadical=name))
            for name in sorted(sat_module.CADICAL_CONFIGS)]  # fmt: skip
    assert {(o.lower, o.upper, o.details["sat_log"][-1][:2]) for o in outs} == \
        {(14, 14, (13, "unsat"))}  # fmt: skip
    assert len({o.conflicts for o in outs}) > 1  # a configuration is set: it searches apart


def test_the_budget_schedule_repeats_conflict_counts(monkeypatch):
    # budgets double from FIRST_BUDGET, whatever the machine's speed: the same conflicts
    monkeypatch.setattr(sat_module, "FIRST_BUDGET", 4)
    C = compile_graph(fft_dag(4))
    runs = [sat_search(C, 3, True, 16, options=SatOptions(phases=False)) for _ in range(2)]
    assert runs[0].details["sat_calls"] == runs[1].details["sat_calls"] > 2  # several budgets
    assert [(k, a, c) for k, a, _, c in runs[0].details["sat_log"]] == \
        [(k, a, c) for k, a, _, c in runs[1].details["sat_log"]]  # fmt: skip


def test_bad_classic_parameters_are_refused():
    C = compile_graph(pyramid_dag(3))
    with pytest.raises(InvalidInputError, match="recomputes"):
        sat_search(C, 3, False, 20, recomputes=-1)
    with pytest.raises(InvalidInputError, match="CaDiCaL"):
        sat_search(C, 3, False, 20, options=SatOptions(cadical="fast"))
    with pytest.raises(InvalidInputError, match="CaDiCaL"):
        sat_search(C, 3, False, 20, solver="glucose4", options=SatOptions(cadical="sat"))
    with pytest.raises(InvalidInputError, match="widths"):
        sat_neighbourhoods(C, 3, False, greedy_moves(C, 3), widths=(0,))


def test_solve_method_sat_in_the_classic_game_recomputes():
    G = random_dag(5, 82)
    hint, _ = nr_hint(G, 3)
    r = solve(G, 3, "classic", method="sat", upper=hint.decode())
    m = int((~compile_graph(G).is_input).sum())
    assert r.upper == 2 and r.lower <= 2
    assert r.details["horizon"] == m + 1 + sat_module.CLASSIC_RECOMPUTES
    assert replay(G, r.strategy, 3, "classic").io == 2


def test_solve_method_sat_walks_the_windows_before_the_proof():
    # no-recompute: the windows reach the optimum from greedy (depth-first order, 12),
    # the one UNSAT proves it
    r = solve(pyramid_dag(3), 3, "no-recompute", method="sat")
    assert (r.optimal, r.io, r.details["seed_upper"]) == (True, 11, 12)
    assert r.details["seed"] == "greedy (depth-first)"
    assert [io for io, *_ in r.details["sat_neighbourhood_log"]] == [11]
    assert r.details["sat_log"] == [(10, "unsat", *r.details["sat_log"][0][2:])]
