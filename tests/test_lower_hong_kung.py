"""Tests of the hong-kung lower bound: at most the proven optimum in both games, its U
equal to the brute-force largest part, and planted unsound U's caught exceeding an optimum."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.analysis.extremal import max_part_bruteforce, max_part_upper, part_program
from redblue.dags import fft_dag, matmul_dag, pyramid_dag, random_dag
from redblue.game import compile_graph, replay
from redblue.lower import hong_kung as hk
from redblue.lower import lower_bound
from redblue.lower.needed import needed_graph
from redblue.search import solve
from redblue.search.limits import Limits
from redblue.strategies import greedy_strategy


def needed_nx(G: nx.DiGraph) -> tuple[nx.DiGraph, list[int], int]:
    """The needed subgraph as networkx, its non-input vertices, and how many they are."""
    H = needed_graph(compile_graph(G))
    targets = [i for i in range(H.n) if not H.is_input[i]]
    return hk._as_networkx(H), targets, len(targets)


def greedy_io(G: nx.DiGraph, M: int) -> int:
    """An upper bound on the optimum in both games (greedy never recomputes)."""
    return replay(G, greedy_strategy(G, M), memory=M).io


# ------------------------------------------------------------------ soundness


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(3, 13), seed=st.integers(0, 10_000), indeg=st.integers(1, 3),
       extra=st.integers(0, 1), variant=st.sampled_from(["no-recompute", "classic"]))  # fmt: skip
def test_at_most_the_optimum_on_random_dags(nodes, seed, indeg, extra, variant):
    G = random_dag(nodes, seed, indeg)
    M = compile_graph(G).min_memory() + extra
    r = solve(G, M, variant, time_limit=30)
    assert r.optimal
    m = lower_bound(G, M, variant, methods=["hong-kung"], time_limit=30).method("hong-kung")
    assert m.status == "ok" and m.value <= r.io, (m, r.io)
    w = m.witness
    assert m.value == M * (math.ceil(w["needed_computed"] / w["U"]) - 1)


@pytest.mark.parametrize("G, M", [
    (fft_dag(8), 3),
    (matmul_dag(2, 2, 2), 3),
    (pyramid_dag(4), 3),
    (random_dag(10, 4, 3), 4),
])  # fmt: skip
def test_at_most_the_optimum_on_pinned_graphs(G, M):
    for variant in ("classic", "no-recompute"):
        lb = lower_bound(G, M, variant, methods=["hong-kung"], time_limit=30)
        m = lb.method("hong-kung")
        assert m.status == "ok" and m.witness["mip_optimal"]
        # the search's proven lower bound (the optimum when it finishes) in each game
        assert m.value <= solve(G, M, variant, time_limit=2).lower
    # the smallest-memory case of the FFT: 24 computed vertices, at most 16 per part
    if G.number_of_nodes() == 32:
        assert (m.witness["U"], m.value) == (16, 3)
        assert m.witness["formula"] == "3 * (ceil(24 / 16) - 1) = 3"


# ------------------------------------------------------------------ U is the largest part


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(3, 14), seed=st.integers(0, 10_000), indeg=st.integers(1, 3),
       extra=st.integers(0, 2))  # fmt: skip
def test_U_is_the_bruteforce_largest_part(nodes, seed, indeg, extra):
    G = random_dag(nodes, seed, indeg)
    M = compile_graph(G).min_memory() + extra
    H, targets, _ = needed_nx(G)
    U, exact = max_part_upper(H, M, targets, time_limit=30)
    assert exact
    assert U == max_part_bruteforce(H, M, targets).value
    lp = hk.relaxation_upper(H, M, targets, 30)
    assert U <= lp <= len(targets)


def test_stopped_by_the_deadline_still_sound():
    G = fft_dag(16)
    H = needed_graph(compile_graph(G))
    full = hk.hong_kung_bound(H, 3, Limits(60))
    assert full.status == "ok" and full.witness["U"] == 20
    cut = hk.hong_kung_bound(H, 3, Limits(1e-4))
    assert cut.status == "stopped" and cut.witness["U"] >= 20 and cut.value <= full.value


# ------------------------------------------------------------------ planted errors


def test_planted_U_below_the_largest_part_exceeds_an_optimum(monkeypatch):
    """U - 1: on this 10-node DAG every computed vertex fits in one part (U = |V'| = 9),
    and one less forces two parts, M = 4 I/O, above the optimum 3."""
    G, M = random_dag(10, 4, 3), 4
    opt = solve(G, M, "classic", time_limit=30)
    assert opt.optimal and opt.io == 3
    sound = lower_bound(G, M, "classic", methods=["hong-kung"]).method("hong-kung")
    assert sound.witness["U"] == 9 and sound.value == 0

    def one_less(*args, **kwargs):
        U, exact = max_part_upper(*args, **kwargs)
        return U - 1, exact

    monkeypatch.setattr(hk, "max_part_upper", one_less)
    planted = lower_bound(G, M, "classic", methods=["hong-kung"]).method("hong-kung")
    assert planted.value == 4 > opt.io


def test_planted_primal_incumbent_exceeds_an_optimum(monkeypatch):
    """A primal incumbent in place of the dual bound: HiGHS allowed to stop at its first
    feasible part (a relative gap of 1e9) holds 1 vertex on the 8-point FFT, whose
    largest part holds 16, and 3 (24 - 1) = 69 exceeds a greedy schedule's I/O."""
    G, M = fft_dag(8), 3

    def incumbent(H, memory, targets, *, time_limit):
        from scipy.optimize import Bounds, LinearConstraint, milp

        _, cost, A, lo, hi, upper = part_program(H, memory, targets)
        res = milp(cost, constraints=LinearConstraint(A, lo, hi),
                   integrality=np.ones_like(cost), bounds=Bounds(np.zeros_like(cost), upper),
                   options={"mip_rel_gap": 1e9, "disp": False})  # fmt: skip
        return int(round(-res.fun)), True

    monkeypatch.setattr(hk, "max_part_upper", incumbent)
    planted = lower_bound(G, M, "classic", methods=["hong-kung"]).method("hong-kung")
    assert planted.witness["U"] < 16
    assert planted.value > greedy_io(G, M)  # any schedule's I/O is at least the optimum


def test_witness_counts_needed_non_inputs_only():
    """Inputs are never computed and a sink that is not an output is never needed: V' is
    the needed non-input vertices, here c and e (d is a sink but not an output)."""
    G = nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d"), ("c", "e")])
    G.nodes["e"]["output"] = True
    m = lower_bound(G, 3, methods=["hong-kung"]).method("hong-kung")
    assert m.witness["needed_computed"] == 2 and m.witness["U"] == 2 and m.value == 0
