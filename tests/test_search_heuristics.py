"""Rule H3 (the part sum of :mod:`redblue.search.heuristics`) against exact oracles.

Admissibility is checked state by state: from random configurations of small random
DAGs, the cost to go found by a brute-force Dijkstra over every legal move (the
reference of tests/test_search_rules.py) bounds the part sum from above; and the search
with the rule on still finds the brute-force optimum.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time

import numpy as np
import pytest
from helpers import legal_moves, small_dag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.dags import fft_dag, pyramid_dag
from redblue.game import compile_graph
from redblue.search import solve
from redblue.search.heuristics import (
    _part_heuristic,
    candidate_parts,
    greedy_parts,
    part_tables,
    stack_part_tables,
)
from redblue.search.problem import Problem
from redblue.search.rules import RULES
from redblue.search.state import NSCRATCH, to_words


def cost_to_go(G, red: frozenset, blue: frozenset, memory: int) -> int:
    """Least I/O from the configuration to every output blue (classic game)."""
    outputs = frozenset(v for v in G if G.out_degree(v) == 0)
    start = (red, blue)
    dist = {start: 0}
    tie = itertools.count()
    heap = [(0, next(tie), start)]
    while heap:
        g, _, (r, b) = heapq.heappop(heap)
        if dist[(r, b)] < g:
            continue
        if outputs <= b:
            return g
        for kind, v in legal_moves(G, r, b, frozenset(), memory, False):
            cost = 1 if kind in ("load", "store") else 0
            if kind in ("load", "compute"):
                nxt = (r | {v}, b)
            elif kind == "store":
                nxt = (r, b | {v})
            elif kind == "delete":
                nxt = (r - {v}, b)
            else:
                nxt = (r, b - {v})
            if g + cost < dist.get(nxt, 1 << 30):
                dist[nxt] = g + cost
                heapq.heappush(heap, (g + cost, next(tie), nxt))
    raise AssertionError("no complete calculation")


def part_sum(C, M: int, red: set[int], blue: set[int], stash: set[int], bits: int) -> int:
    """Rule H3 on the state (red, blue, stash) of compiled ids, greedy parts of ``bits``."""
    P = Problem(C, M, False, True)
    parts = greedy_parts(C.n, P.preds, C.is_input, bits)
    pm, pv, pt = part_tables(C.n, P.preds, C.is_input, C.is_output, M, parts, bits)
    vm, gm = P.tables()
    sc = np.zeros(NSCRATCH * P.nwords, np.uint64)
    return int(_part_heuristic(_state(P, red, blue, stash), P.wz, vm, gm, P.params(), sc,
                               pm, pv, pt))  # fmt: skip


def _state(P, red: set[int], blue: set[int], stash: set[int]) -> np.ndarray:
    """The search's state array of (red, blue, stash), sets of compiled ids."""
    nw = P.nwords
    s = np.zeros(3 * nw, np.uint64)
    for row, vs in enumerate((red, blue, stash)):
        s[row * nw:(row + 1) * nw] = to_words(sum(1 << v for v in vs), nw)
    return s


def _graph_and_states(seed: int, nodes: int, extra: int):
    """A random DAG of ``nodes`` (isolated vertices dropped), its compiled form, M (least
    memory + ``extra``) and four random (red, blue) states; None without an edge."""
    G = small_dag(seed, nodes, max_indegree=2)
    G.remove_nodes_from([v for v in list(G) if G.degree(v) == 0])
    if G.number_of_edges() == 0:
        return None
    C = compile_graph(G)
    M = C.min_memory() + extra
    rng = random.Random(seed)
    ids = list(range(C.n))
    inputs = {v for v in ids if C.is_input[v]}
    states = []
    for _ in range(4):
        red = set(rng.sample(ids, rng.randint(0, min(M, C.n))))
        states.append((red, inputs | {v for v in ids if rng.random() < 0.3}))
    return G, C, M, states


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(3, 7),
    extra=st.integers(0, 1),
    bits=st.sampled_from([6, 9, 18]),
)
def test_part_sum_never_exceeds_the_cost_to_go(seed, nodes, extra, bits):
    made = _graph_and_states(seed, nodes, extra)
    if made is None:
        return
    G, C, M, states = made
    for red, blue in states:
        want = cost_to_go(G, frozenset(C.nodes[v] for v in red),
                          frozenset(C.nodes[v] for v in blue), M)  # fmt: skip
        got = part_sum(C, M, red, blue, set(), bits)
        assert got <= want, (red, blue, got, want)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nodes=st.integers(4, 7), extra=st.integers(0, 1))
def test_stacked_partitions_give_the_largest_sum(seed, nodes, extra):
    """Several partitions stacked (what the search keeps, ``PART_KEEP`` of them): the
    bound is the largest of their sums, state by state, and never above the cost to go."""
    made = _graph_and_states(seed, nodes, extra)
    if made is None:
        return
    G, C, M, states = made
    P = Problem(C, M, False, True)
    cands = candidate_parts(C.n, P.preds, C.is_input, (4, 6, 9))
    singles = [part_tables(C.n, P.preds, C.is_input, C.is_output, M, p, 9) for p in cands]
    stacked = stack_part_tables(singles)
    vm, gm = P.tables()
    for red, blue in states:
        s = _state(P, red, blue, set())
        sc = np.zeros(NSCRATCH * P.nwords, np.uint64)
        each = [int(_part_heuristic(s, P.wz, vm, gm, P.params(), sc, *t)) for t in singles]
        got = int(_part_heuristic(s, P.wz, vm, gm, P.params(), sc, *stacked))
        assert got == max(each)
        want = cost_to_go(G, frozenset(C.nodes[v] for v in red),
                          frozenset(C.nodes[v] for v in blue), M)  # fmt: skip
        assert got <= want, (red, blue, got, want)


def test_part_sum_beats_rule_h_at_small_memory():
    """The point of the rule: at the start it sees the reloads the red-pebble limit forces
    (rule H counts 6 on the height-4 pyramid, whose optimum at M = 3 is 18)."""
    C = compile_graph(pyramid_dag(4))
    P = Problem(C, 3, False, True)
    assert P.start_bound() == 6
    h3 = part_sum(C, 3, set(), {v for v in range(C.n) if C.is_input[v]}, set(), 18)
    assert 6 < h3 <= 18


def test_isomorphic_parts_share_one_table():
    """FFT-8's butterflies make parts with the same relaxed game: one table serves them
    all, and every part's entries are those of its own table built alone."""
    C = compile_graph(fft_dag(8))
    P = Problem(C, 3, False, True)
    parts = greedy_parts(C.n, P.preds, C.is_input, 12)
    pm, pv, pt = part_tables(C.n, P.preds, C.is_input, C.is_output, 3, parts, 12)
    sizes = [1 << int(k + kb + e) for k, kb, e in pm[:, :3].tolist()]
    assert len(pt) < sum(sizes) and len(pm) == len(parts)
    for (k, kb, e, off, at), part, size in zip(pm.tolist(), parts, sizes, strict=True):
        alone = part_tables(C.n, P.preds, C.is_input, C.is_output, 3, [part], 12)
        assert alone[1].tolist() == pv[at:at + k + kb + e].tolist()
        assert (alone[2] == pt[off:off + size]).all()
    # parts alike in everything but their edges inside (a1 reads a0, b1 nothing inside;
    # both read one vertex outside, both are outputs, both lead to the event w) differ
    assert_own_tables([("a0", "a1"), ("x", "a1"), ("y", "b1"), ("a0", "w"), ("b0", "w")], 3)
    # parts alike in everything but an event's cap (w reads x from outside, v does not):
    # at M = 2 w can never be played, v can
    assert_own_tables([("a0", "a1"), ("a1", "w"), ("x", "w"), ("b0", "b1"), ("b1", "v")], 2)


def assert_own_tables(edges, M: int) -> None:
    """Parts {a0, a1} and {b0, b1} of the DAG of ``edges``, tables of the same shape, do
    not share one, and each part's entries are those of its table built alone."""
    import networkx as nx

    C = compile_graph(nx.DiGraph(edges))
    P = Problem(C, 3, False, True)
    two = [sorted(C.index[v] for v in ("a0", "a1")), sorted(C.index[v] for v in ("b0", "b1"))]
    pm, pv, pt = part_tables(C.n, P.preds, C.is_input, C.is_output, M, two, 8)
    assert pm[:, :3].tolist() == [[2, 1, 1]] * 2 and pm[0, 3] != pm[1, 3]
    for (k, kb, e, off, _), part in zip(pm.tolist(), two, strict=True):
        alone = part_tables(C.n, P.preds, C.is_input, C.is_output, M, [part], 8)[2]
        assert (alone == pt[off:off + (1 << (k + kb + e))]).all()


def test_part_tables_stop_at_their_entries():
    """Past ``entries`` the parts still to fill are left out (they count 0), those that
    share a table already filled are kept; the sum can only drop."""
    C = compile_graph(fft_dag(8))
    P = Problem(C, 3, False, True)
    parts = greedy_parts(C.n, P.preds, C.is_input, 12)
    full = part_tables(C.n, P.preds, C.is_input, C.is_output, 3, parts, 12)
    first = 1 << int(full[0][0, :3].sum())
    cut = part_tables(C.n, P.preds, C.is_input, C.is_output, 3, parts, 12, entries=first)
    assert len(cut[2]) == first and 1 < len(cut[0]) < len(full[0])
    assert (cut[0][:, 3] == 0).all()  # every part kept reads the one table filled
    vm, gm = P.tables()
    sc = np.zeros(NSCRATCH * P.nwords, np.uint64)
    s = _state(P, set(), {v for v in range(C.n) if C.is_input[v]}, set())
    h = [int(_part_heuristic(s, P.wz, vm, gm, P.params(), sc, *t)) for t in (cut, full)]
    assert 0 < h[0] < h[1]
    # past ``stop_at`` no table is filled: every part left out, and listed
    skipped: list = []
    late = part_tables(C.n, P.preds, C.is_input, C.is_output, 3, parts, 12,
                       stop_at=time.monotonic(), skipped=skipped)  # fmt: skip
    assert len(late[0]) == 0 and skipped == parts
    skipped.clear()
    again = part_tables(C.n, P.preds, C.is_input, C.is_output, 3, parts, 12,
                        stop_at=time.monotonic() + 600, skipped=skipped)  # fmt: skip
    assert not skipped and all((a == b).all() for a, b in zip(again, full, strict=True))


def test_part_tables_build_within_their_share_of_the_time(monkeypatch):
    """Past ``PART_SHARE`` of the time left the search stops trying partitions, and what
    it built is not kept for the next search (which may have more time)."""
    from redblue.search import core
    from redblue.search.limits import Limits

    P = Problem(compile_graph(pyramid_dag(4)), 3, False, True)
    start, h0 = P.start()
    monkeypatch.setattr(core, "PART_SHARE", 0.0)
    assert len(core._part_tables(P, Limits(600), start, h0)[0]) == 0
    assert not core._PARTS.get(P.graph)
    monkeypatch.setattr(core, "PART_SHARE", 1.0)
    built = core._part_tables(P, Limits(600), start, h0)
    assert len(built[0]) > 0 and core._PARTS[P.graph]
    assert len(set(built[0][:, 5].tolist())) <= core.PART_KEEP


@pytest.mark.parametrize("M", [3, 4])
def test_search_with_part_sum_finds_the_optimum(M):
    """Small FFT and pyramid: the search (rule H3 on) agrees with the naive Dijkstra."""
    for G in (fft_dag(4), pyramid_dag(3)):
        assert solve(G, M).io == solve(G, M, method="naive").io


def test_solve_range_passes_bounds_between_memories():
    """Seeds across M: a lower bound proven at a larger M closes a smaller one whose own
    search was cut short, and each certificate still replays at its memory."""
    from redblue.game import replay
    from redblue.search import solve_range

    G = pyramid_dag(4)
    rs = solve_range(G, [4, 3, 4], state_limit=10_000)
    assert list(rs) == [3, 4]
    assert [r.io for r in rs.values()] == [18, 10]
    for M, r in rs.items():
        assert replay(G, r.strategy, M).io == r.upper
    # M = 3 with no state to expand: only the bound from M = 4 can close it if it meets
    # the certificate, which here it does not (18 > 10): bounds stay honest
    cut = solve_range(G, [3, 4], state_limit=0)
    assert cut[3].lower <= 18 <= cut[3].upper
    assert cut[3].lower >= cut[4].lower and cut[3].details.get("lower_from") in (None, 4)


def test_solve_range_lower_from_a_larger_memory(monkeypatch):
    """A search cut short at M = 3 (no state expanded, rule H only) gets the optimum
    proven at M = 4 as its lower bound (FFT-4: Q = 14 at M = 3, 11 at M = 4; rule H
    gives 10)."""
    import importlib

    from redblue.game import replay
    from redblue.search import solve_range

    mod = importlib.import_module("redblue.search.solve")
    real = mod.solve

    def cut_at_3(G, M, variant="classic", **kw):
        if M == 3:  # rule H only (10) and no state expanded
            kw.update(state_limit=0, rules=[r for r in RULES if r != "heuristic"])
        return real(G, M, variant, **kw)

    monkeypatch.setattr(mod, "solve", cut_at_3)
    G = fft_dag(4)
    rs = solve_range(G, [3, 4])
    assert rs[4].optimal and rs[4].io == 11
    assert not rs[3].optimal and rs[3].lower == 11 and rs[3].details["lower_from"] == 4
    assert rs[3].upper >= 14 and replay(G, rs[3].strategy, 3).io == rs[3].upper
