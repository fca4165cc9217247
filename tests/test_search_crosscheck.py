"""The A* search against the independent ILP, known values, limits and bad input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.dags import attention_dag, chain_dag, matmul_dag, pyramid_dag, random_dag
from redblue.errors import InvalidInputError
from redblue.game import compile_graph, replay
from redblue.search import solve
from redblue.search.ilp import trivial_lower_bound


def agree(G, M, variant):
    a = solve(G, M, variant)
    b = solve(G, M, variant, method="ilp")
    assert a.optimal and a.io is not None
    # the ILP finds no strategy cheaper than the proven optimum, and finds one as cheap
    assert b.upper == a.io, (M, variant, a.io, b.upper)
    if variant == "no-recompute":
        assert b.optimal and b.io == a.io  # exact horizon: an independent proof
    for r in (a, b):
        assert replay(G, r.strategy, M, variant).io == r.upper
    return a.io


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 1000), nodes=st.integers(3, 6), nr=st.booleans())
def test_ilp_agrees_on_random_dags(seed, nodes, nr):
    G = random_dag(nodes, seed)
    agree(G, compile_graph(G).min_memory(), "no-recompute" if nr else "classic")


@pytest.mark.parametrize(
    "G, M",
    [(chain_dag(4), 2), (pyramid_dag(3), 3), (matmul_dag(1, 2, 1), 3), (matmul_dag(1, 1, 2), 3)],
)
@pytest.mark.parametrize("variant", ["classic", "no-recompute"])
def test_ilp_agrees_on_families(G, M, variant):
    agree(G, M, variant)


def test_chain_needs_two():
    for length in (2, 5, 9):
        for M in (2, 3):
            for variant in ("classic", "no-recompute"):
                r = solve(chain_dag(length), M, variant)
                assert (r.optimal, r.io) == (True, 2)


@pytest.mark.parametrize("G", [pyramid_dag(3), matmul_dag(2, 2, 2), attention_dag(2, 1)])
def test_large_memory_is_inputs_plus_outputs(G):
    C = compile_graph(G)
    r = solve(G, C.n, "classic")
    assert r.io == int(C.is_input.sum() + C.is_output.sum()) == trivial_lower_bound(C)


def test_non_increasing_in_memory():
    G = pyramid_dag(4)
    for variant in ("classic", "no-recompute"):
        values = [solve(G, M, variant).io for M in range(3, 9)]
        assert values == sorted(values, reverse=True), values
        assert values[0] > values[-1]


def test_recomputation_can_help():
    # classic <= no-recompute always; on this pyramid recomputing is strictly cheaper
    G = pyramid_dag(4)
    assert solve(G, 3, "classic").io <= solve(G, 3, "no-recompute").io


def test_limit_gives_bounds_not_a_wrong_optimum():
    G = pyramid_dag(4)
    exact = solve(G, 3)
    r = solve(G, 3, state_limit=1)
    assert r.lower <= exact.io <= r.upper
    assert replay(G, r.strategy, 3).io == r.upper
    assert r.optimal == (r.lower == r.upper)
    if not r.optimal:
        assert r.io is None and r.stopped == "state limit"


def test_attention_n2_d1_known_large_memory_values():
    G = attention_dag(2, 1)
    r = solve(G, 8)
    assert (r.optimal, r.io) == (True, 8)  # 6 inputs + 2 outputs


def test_infeasible_memory_names_the_smallest():
    with pytest.raises(InvalidInputError, match="smallest feasible memory is M = 3"):
        solve(pyramid_dag(3), 2)
    with pytest.raises(InvalidInputError, match="unknown method"):
        solve(pyramid_dag(3), 3, method="magic")
    with pytest.raises(InvalidInputError, match="unknown game variant"):
        solve(pyramid_dag(3), 3, "partial")
