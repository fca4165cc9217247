"""The SAT method's symmetry, prefix and phase options: optima, oracles, planted bugs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.dags import attention_dag, fft_dag, matmul_dag, pyramid_dag, random_dag
from redblue.errors import IllegalMoveError
from redblue.game import compile_graph, replay
from redblue.game.strategy import encode_moves
from redblue.search import sat as sat_module
from redblue.search import solve
from redblue.search.sat import SatOptions, sat_search
from redblue.search.symmetry import automorphisms
from redblue.strategies.greedy import greedy_moves

#: small no-recompute instances and their optima (A* and the naive oracle agree)
SMALL = [(pyramid_dag(3), 3, 11), (fft_dag(4), 3, 14), (matmul_dag(2, 2, 1), 3, 13),
         (attention_dag(1, 2), 3, 12), (pyramid_dag(4), 4, 10), (fft_dag(4), 4, 11)]  # fmt: skip

#: each new family alone (windows, S and L off too), then all of them
_OFF = dict(windows=False, lazy=False, stores=False, symmetry=False, prefix=False,
            phases=False, pressure=False)  # fmt: skip
ALONE = {
    "symmetry": SatOptions(**{**_OFF, "symmetry": True}),
    "prefix": SatOptions(**{**_OFF, "prefix": True}),
    "phases": SatOptions(**{**_OFF, "phases": True}),
    "pressure": SatOptions(**{**_OFF, "pressure": True}),
    "all": SatOptions(symmetry=True, prefix=True, phases=True, pressure=True),
}


def optimum(G, M, options, *, upper=None, direction="down"):
    """Lower and upper bound of the SAT method from ``upper`` (default: greedy's I/O),
    greedy's moves as the hint."""
    C = compile_graph(G)
    hint = greedy_moves(C, M)
    greedy = replay(C, hint, M, "no-recompute").io
    out = sat_search(C, M, True, greedy if upper is None else upper, options=options,
                     hint=hint, direction=direction)  # fmt: skip
    if out.moves is None:
        return out.lower, greedy if upper is None else upper, out
    assert replay(C, out.moves, M, "no-recompute").io == out.upper
    return out.lower, out.upper, out


@pytest.mark.parametrize("name", sorted(ALONE))
def test_each_family_alone_gives_the_pinned_optima(name):
    for G, M, q in SMALL + [(attention_dag(2, 1), 8, 8)]:
        lower, upper, _ = optimum(G, M, ALONE[name])
        assert lower == upper == q
        # from just above the optimum the first call must find a model of cost q
        lower, upper, out = optimum(G, M, ALONE[name], upper=q + 1)
        assert lower == upper == q
        assert out.details["sat_log"][0][:2] == (q, "sat")


def test_symmetry_keeps_automorphisms_and_cuts_conflicts():
    C = compile_graph(fft_dag(4))
    plain = sat_search(C, 3, True, 15, options=SatOptions(symmetry=False, prefix=False))
    sym = sat_search(C, 3, True, 15, options=SatOptions(prefix=False))
    assert plain.details["sat_automorphisms"] == 0
    assert 0 < sym.details["sat_automorphisms"] <= sat_module.SYMMETRY_PERMS
    assert plain.lower == sym.lower == 14 and sym.details["sat_clauses"] > \
        plain.details["sat_clauses"]  # fmt: skip
    assert sym.conflicts < plain.conflicts  # deterministic: CaDiCaL, the same formula


def test_classic_game_drops_symmetry_and_prefix():
    C = compile_graph(pyramid_dag(3))
    out = sat_search(C, 3, False, 12, options=SatOptions(symmetry=True, prefix=True))
    assert out.details["sat_automorphisms"] == 0 and out.details["sat_exact"] is False


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nodes=st.integers(3, 9), extra=st.integers(0, 1),
       name=st.sampled_from(sorted(ALONE)))  # fmt: skip
def test_families_agree_with_astar_and_naive_on_random_dags(seed, nodes, extra, name):
    G = random_dag(nodes, seed)
    M = compile_graph(G).min_memory() + extra
    lower, upper, _ = optimum(G, M, ALONE[name])
    assert lower == upper == solve(G, M, "no-recompute").io
    assert upper == solve(G, M, "no-recompute", method="naive").io


def test_phases_are_the_models_own_values():
    # the phases of a decoded model are that model's values on r, b, l, s, c and done
    from pysat.solvers import Solver

    C = compile_graph(fft_dag(4))
    enc = sat_module._Encoding(C, 3, True, 9, 20, sat_module.Limits(None), SatOptions())
    with Solver(name=sat_module.SOLVER, bootstrap_with=enc.clauses) as s:
        assert s.solve(assumptions=enc.at_most(14))
        model = set(s.get_model())
    lits = enc.phases(enc.decode(sorted(model, key=abs)))
    assert len(lits) == 6 * enc.nv * enc.T
    assert set(lits) <= model


def test_the_hint_sets_the_phases_only_when_asked(monkeypatch):
    from pysat.solvers import Solver

    calls = []
    monkeypatch.setattr(Solver, "set_phases", lambda self, lits: calls.append(len(lits)))
    C = compile_graph(fft_dag(4))
    best = solve(fft_dag(4), 3, "no-recompute")
    hint = encode_moves(C, best.strategy.moves)
    for phases in (True, False):
        out = sat_search(C, 3, True, 15, hint=hint, options=SatOptions(phases=phases))
        assert out.lower == out.upper == 14
    sat_search(C, 3, True, 15)  # no hint: no phases
    m = int((~C.is_input).sum())
    assert calls == [6 * C.n * (m + 1)]


class EveryStepLeader(sat_module._Encoding):
    """A planted bug: ``v_t <= p(v_t)`` asked at every step, not at the first difference
    only (it cuts real optima)."""

    def _lex_leader(self, graph, pos, is_in, lim):
        perms = automorphisms(graph, sat_module.SYMMETRY_PERMS + 1, lim)
        for p in perms:
            img = [pos[int(p[v])] for v in self.verts]
            self.symmetry += 1
            for t in range(1, self.m + 1):
                for i in range(self.nv):
                    if not is_in[i] and img[i] < i:
                        self.clauses.append([-self.c(i, t)])


class LoadsCountedFromOne(sat_module._Encoding):
    """A planted bug: the prefix counters start at one load (off by one)."""

    def _prefix_bounds(self, *args):
        counted = super()._prefix_bounds(*args)
        for rows in self.load_rows:
            if rows:
                self.clauses.append([rows[0][0]])
        return counted


class OneLoadTooManyOwed(sat_module._Encoding):
    """A planted bug: a value owed its ``j``-th load is owed a ``(j + 1)``-th too."""

    def _prefix_bounds(self, *args):
        counted = super()._prefix_bounds(*args)
        for rows in self.load_rows:
            for j in range(len(rows) - 1):
                self.clauses.append([-rows[j][self.T], rows[j + 1][self.T]])
        return counted


class LiveBeforeComputed(sat_module._Encoding):
    """A planted bug: memory pressure counts a value live before it is computed."""

    def _pressure(self, succs, is_in, *args):
        super()._pressure(succs, [True] * len(is_in), *args)  # every value "exists"


@pytest.mark.parametrize("bug, options", [
    (LiveBeforeComputed, ALONE["pressure"]),
    (EveryStepLeader, ALONE["symmetry"]),
    (LoadsCountedFromOne, ALONE["prefix"]),
    (OneLoadTooManyOwed, ALONE["prefix"]),
])  # fmt: skip
def test_planted_bugs_in_the_new_families_are_caught(monkeypatch, bug, options):
    monkeypatch.setattr(sat_module, "_Encoding", bug)
    with pytest.raises((IllegalMoveError, AssertionError)):
        for G, M, q in SMALL:
            lower, upper, _ = optimum(G, M, options, upper=q + 1)
            assert lower == upper == q
