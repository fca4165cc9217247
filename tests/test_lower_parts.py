"""Tests of the part-sum lower bound (redblue.lower.parts): never above a proven optimum,
equal to it on a part holding the whole graph (an independent check of the A* search),
and planted unsound relaxations caught exceeding an optimum on pinned DAGs."""

from __future__ import annotations

import dataclasses

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.dags import attention_dag, fft_dag, pyramid_dag, random_dag
from redblue.game import compile_graph
from redblue.lower import lower_bound
from redblue.lower.needed import needed_graph
from redblue.lower.parts import _bisections, part_bound, part_game, parts_lower_bound
from redblue.search import solve
from redblue.search.ilp import trivial_lower_bound
from redblue.search.limits import Limits

VARIANTS = ["classic", "no-recompute"]


def optimum(G, memory: int, variant: str) -> int:
    r = solve(G, memory, variant)
    assert r.optimal
    return r.io


def parts_of(G, names: list[list[str]]):
    H = needed_graph(compile_graph(G))
    return H, [[H.graph.index[v] for v in part] for part in names]


def part_sum(H, parts, memory: int, variant: str, plant=None) -> int:
    """The sum of the part bounds over ``parts``, each game changed by ``plant`` first."""
    total = 0
    for part in parts:
        game = part_game(H, part, memory)
        extra = 0
        if plant is not None:
            game, extra = plant(H, part, game)
        total += part_bound(game, variant == "no-recompute")[0] + extra
    return total


# ------------------------------------------------------------------ soundness


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(4, 13), seed=st.integers(0, 10_000), indeg=st.integers(1, 3),
       extra=st.integers(0, 1), size=st.integers(2, 7),
       variant=st.sampled_from(VARIANTS))  # fmt: skip
def test_parts_at_most_the_optimum_on_random_dags(nodes, seed, indeg, extra, size, variant):
    G = random_dag(nodes, seed, indeg)
    C = compile_graph(G)
    M = C.min_memory() + extra
    opt = optimum(G, M, variant)
    r = parts_lower_bound(needed_graph(C), M, variant, Limits(60), sizes=(size,))
    assert r.status == "ok"
    assert trivial_lower_bound(C) <= r.value <= opt
    assert r.value == sum(p["bound"] for p in r.witness["parts"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(3, 12), seed=st.integers(0, 10_000), indeg=st.integers(1, 3),
       extra=st.integers(0, 1), variant=st.sampled_from(VARIANTS))  # fmt: skip
def test_one_part_holding_the_whole_graph_is_the_game_itself(nodes, seed, indeg, extra, variant):
    # no outside vertex, no event: the relaxed game is the game, solved by a search that
    # shares no code with A*
    G = random_dag(nodes, seed, indeg)
    C = compile_graph(G)
    M = C.min_memory() + extra
    H = needed_graph(C)
    value, exact, _ = part_bound(part_game(H, range(H.n), M), variant == "no-recompute")
    assert exact and value == optimum(G, M, variant)


# ----------------------------------------------- planted unsound relaxations

# a DAG and a partition on which one red pebble held by the outside operands breaks
# the bound (the optimum is 5 in both games)
RESERVE_DAG = [("v0", "v1"), ("v0", "v2"), ("v0", "v4"), ("v0", "v6"), ("v2", "v4"),
               ("v3", "v5"), ("v3", "v8"), ("v4", "v5"), ("v4", "v7"), ("v5", "v6"),
               ("v6", "v7")]  # fmt: skip
RESERVE_PARTS = [["v0", "v3", "v1", "v2"], ["v8", "v4", "v5", "v6"], ["v7"]]
# a path with a fork: the optimum is 3 (load v0, store v2 and v4)
FORK_DAG = [("v0", "v1"), ("v1", "v2"), ("v1", "v4")]
FORK_PARTS = [["v0", "v1"], ["v2", "v4"]]


def reserve_one(H, part, game):
    """Unsound: the outside operands of the part hold a red pebble for the whole game."""
    inside = set(part)
    if not any(u not in inside for u, v in zip(H.src, H.dst, strict=True) if v in inside):
        return game, 0
    return dataclasses.replace(game, memory=game.memory - 1,
                               cap=tuple(c - 1 for c in game.cap)), 0  # fmt: skip


def charge_outside(H, part, game):
    """Unsound: each outside operand of the part is charged a load."""
    inside = set(part)
    outside = {int(u) for u, v in zip(H.src, H.dst, strict=True) if v in inside and u not in inside}
    return game, len(outside)


def events_as_outputs(H, part, game):
    """Unsound: a value read outside the part must end blue (instead of red once)."""
    read = 0
    for m, _ in game.events:
        read |= m
    return dataclasses.replace(game, outputs=game.outputs | (read & ~game.inputs),
                               events=()), 0  # fmt: skip


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("edges, names, memory, plant", [
    (RESERVE_DAG, RESERVE_PARTS, 4, reserve_one),
    (FORK_DAG, FORK_PARTS, 3, charge_outside),
    (FORK_DAG, FORK_PARTS, 3, events_as_outputs),
])  # fmt: skip
def test_planted_unsound_relaxations_exceed_the_optimum(edges, names, memory, plant, variant):
    G = nx.DiGraph(edges)
    H, parts = parts_of(G, names)
    opt = optimum(G, memory, variant)
    assert part_sum(H, parts, memory, variant) <= opt
    assert part_sum(H, parts, memory, variant, plant) > opt


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_events_carry_the_bound(variant):
    # a value read outside its part must be red once, with room for the reader's other
    # operands: on this DAG that is what lifts the sum from 4 to the optimum, 5
    G = nx.DiGraph(RESERVE_DAG)
    H, parts = parts_of(G, RESERVE_PARTS)
    no_events = part_sum(H, parts, 4, variant,
                         lambda H, p, g: (dataclasses.replace(g, events=()), 0))  # fmt: skip
    assert no_events == 4 < part_sum(H, parts, 4, variant) == optimum(G, 4, variant) == 5


# ------------------------------------------------------------------ pinned instances


@pytest.mark.parametrize("make, memory, variant, sizes, expected, opt, trivial", [
    (lambda: attention_dag(2, 1), 3, "no-recompute", (14,), 24, 24, 8),
    (lambda: pyramid_dag(6), 3, "no-recompute", (14,), 33, 35, 8),
    (lambda: fft_dag(8), 4, "no-recompute", (12,), 23, None, 16),
])  # fmt: skip
def test_pinned_instances_beat_the_trivial_bound(make, memory, variant, sizes, expected, opt,
                                                 trivial):  # fmt: skip
    G = make()
    C = compile_graph(G)
    r = parts_lower_bound(needed_graph(C), memory, variant, Limits(60), sizes=sizes)
    assert trivial_lower_bound(C) == trivial
    assert r.status == "ok" and r.value == expected
    if opt is not None:
        assert r.value <= opt


def test_lower_bound_runs_parts_and_its_witness_rechecks():
    G = fft_dag(4)
    lb = lower_bound(G, 3, "classic", methods=["trivial", "parts"], time_limit=60)
    m = lb.method("parts")
    assert m.status == "ok" and lb.lower == m.value > lb.trivial == 8
    H = needed_graph(compile_graph(G))
    total = 0
    for row in m.witness["parts"]:  # re-solve every part from its vertex names
        part = [H.graph.index[v] for v in row["vertices"]]
        value, exact, _ = part_bound(part_game(H, part, 3), False)
        assert value == row["bound"] and exact == row["exact"]
        total += value
    assert total == m.value
    assert sorted(v for row in m.witness["parts"] for v in row["vertices"]) == sorted(
        H.name(i) for i in range(H.n))


def test_a_short_deadline_stops_with_a_proven_bound():
    C = compile_graph(attention_dag(4, 2))
    r = parts_lower_bound(needed_graph(C), 3, "no-recompute", Limits(0.5))
    assert r.status == "stopped" and r.value >= trivial_lower_bound(C)


def test_a_failed_allocation_stops_with_the_parts_compulsory_io(monkeypatch):
    # seen under ulimit -v: a part's 0-1 BFS ran out of memory and `redblue solve`
    # answered "out of memory" with no bounds at all
    import redblue.lower.parts as parts

    calls = []

    def starved(game, no_recompute, limits=None):
        calls.append(game)
        if len(calls) > 1:
            raise MemoryError
        return part_bound(game, no_recompute, limits)

    monkeypatch.setattr(parts, "part_bound", starved)
    C = compile_graph(fft_dag(4))
    H = needed_graph(C)
    r = parts_lower_bound(H, 3, "classic", Limits(60))
    assert (r.status, r.reason) == ("stopped", "memory limit")
    assert len(calls) == 2 and len(r.witness["tried"]) == 1  # nothing tried after it
    rows = r.witness["parts"]
    assert rows[0]["exact"] and not any(row["exact"] for row in rows[1:])
    for row in rows[1:]:  # the parts after the failure count their compulsory I/O only
        game = part_game(H, [H.graph.index[v] for v in row["vertices"]], 3)
        assert row["bound"] == game.compulsory()
    assert r.value == sum(row["bound"] for row in rows) >= trivial_lower_bound(C)
    assert r.value <= solve(fft_dag(4), 3, "classic").io


def test_lower_bound_keeps_the_other_methods_when_one_runs_out_of_memory(monkeypatch):
    import redblue.lower.bound as bound

    def starved(graph, memory, variant, limits):
        raise MemoryError

    monkeypatch.setitem(bound._RUN, "mincut", starved)
    lb = lower_bound(fft_dag(8), 3, "no-recompute", methods=["trivial", "mincut", "spectral"])
    m = lb.method("mincut")
    assert (m.status, m.reason, m.value) == ("stopped", "memory limit", 0)
    assert lb.method("spectral").status == "ok"
    assert lb.lower == max(lb.trivial, lb.method("spectral").value)


def test_the_networkx_fallback_partitions_the_needed_vertices():
    # used where pymetis is missing: recursive Kernighan-Lin bisections
    H = needed_graph(compile_graph(fft_dag(8)))
    parts = _bisections(H, 10)
    assert sorted(v for p in parts for v in p) == list(range(H.n))
    assert all(len(p) <= 10 for p in parts)
    assert part_sum(H, parts, 4, "no-recompute") >= trivial_lower_bound(H.graph) == 16
