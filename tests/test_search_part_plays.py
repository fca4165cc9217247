"""Plays of rule H3's part games (:mod:`redblue.search.part_plays`) against the tables.

A play is legal, so its cost is at least the part's exact table entry at the start (the
0-1 breadth-first search of ``_fill_part_table``, an independent method); the plays are
also close enough to skip fills (equal on most parts of these DAGs); and skipping the
partitions whose plays do not beat rule H never changes the tables the search keeps.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_search_heuristics import _graph_and_states

from redblue.dags import attention_dag, fft_dag, pyramid_dag
from redblue.game import compile_graph
from redblue.search import core
from redblue.search.heuristics import _part_heuristic, candidate_parts, part_tables
from redblue.search.limits import Limits
from redblue.search.part_plays import part_bits, part_play_cost, partition_play_bound
from redblue.search.problem import Problem
from redblue.search.state import NSCRATCH


def entries_and_plays(C, M: int, bits_options, bits: int) -> list[tuple[int, int | None]]:
    """(table entry at the start, play cost) of every part of the candidate partitions."""
    P = Problem(C, M, False, True)
    start, _ = P.start()
    vm, gm = P.tables()
    sc = np.zeros(NSCRATCH * P.nwords, np.uint64)
    out = []
    for parts in candidate_parts(C.n, P.preds, C.is_input, bits_options):
        for part in parts:
            if part_bits(part, P.preds, C.is_input) > bits:
                continue
            t = part_tables(C.n, P.preds, C.is_input, C.is_output, M, [part], bits)
            entry = int(_part_heuristic(start, P.wz, vm, gm, P.params(), sc, *t))
            out.append((entry, part_play_cost(part, P.preds, C.is_input, C.is_output, M)))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nodes=st.integers(4, 9), extra=st.integers(0, 1))
def test_a_play_never_costs_less_than_the_table(seed, nodes, extra):
    made = _graph_and_states(seed, nodes, extra)
    if made is None:
        return
    _, C, M, _ = made
    for entry, cost in entries_and_plays(C, M, (4, 6, 9), 9):
        assert cost is None or cost >= entry, (entry, cost)


@pytest.mark.parametrize(("G", "M"), [(fft_dag(8), 3), (fft_dag(8), 4),
                                      (attention_dag(2, 1), 3), (pyramid_dag(4), 3)])  # fmt: skip
def test_plays_meet_the_table_on_most_parts(G, M):
    """Where the red-pebble limit bites (FFT-8 and the pyramid at M = 3) as well."""
    pairs = entries_and_plays(compile_graph(G), M, (8, 12, 16), 16)
    assert all(c is not None and c >= e for e, c in pairs)
    assert sum(c == e for e, c in pairs) >= 0.7 * len(pairs)
    assert sum(e for e, _ in pairs) > 0


def test_no_play_fits_a_cap_too_small():
    """A vertex of three operands at M = 3 (one slot for the result) has no play."""
    preds = [[], [], [], [0, 1, 2]]
    ins, outs = [True] * 3 + [False], [False] * 3 + [True]
    assert part_play_cost([0, 1, 2, 3], preds, ins, outs, 3) is None
    assert part_play_cost([0, 1, 2, 3], preds, ins, outs, 4) == 4
    assert partition_play_bound([[0, 1, 2, 3]], preds, ins, outs, 3, 16) is None
    assert partition_play_bound([[0, 1, 2, 3]], preds, ins, outs, 3, 4) == 0  # too big


SKIPS = [(attention_dag(2, 1), 4, True), (attention_dag(2, 1), 6, True),
         (fft_dag(8), 3, False), (fft_dag(8), 5, True)]  # fmt: skip


@pytest.mark.parametrize(("G", "M", "skips"), SKIPS)
def test_skipping_unpaying_partitions_keeps_the_same_tables(G, M, skips, monkeypatch):
    """Every partition checked by its plays (``PLAY_FROM`` 0): the tables kept are those
    kept when every partition is filled; partitions are skipped unfilled where nothing
    pays, and none where the tables are kept (FFT-8 at M = 3)."""
    P = Problem(compile_graph(G), M, False, True)
    start, h0 = P.start()
    monkeypatch.setattr(core, "_PARTS", {})
    full = core._part_tables(P, Limits(600), start, h0)
    monkeypatch.setattr(core, "_PARTS", {})
    monkeypatch.setattr(core, "PLAY_FROM", 0)
    skipped = []
    check = core._cannot_pay

    def counted(problem, parts, h):
        skipped.append(check(problem, parts, h))
        return skipped[-1]

    monkeypatch.setattr(core, "_cannot_pay", counted)
    fast = core._part_tables(P, Limits(600), start, h0)
    assert any(skipped) == skips and (skips or len(full[0]) > 0)
    assert all((a == b).all() for a, b in zip(fast, full, strict=True))


def test_a_partition_is_skipped_only_when_its_plays_reach_no_higher_than_rule_h(monkeypatch):
    P = Problem(compile_graph(fft_dag(8)), 3, False, True)
    C = P.graph
    monkeypatch.setattr(core, "PLAY_FROM", 0)
    for parts in candidate_parts(P.n, P.preds, C.is_input):
        b = partition_play_bound(parts, P.preds, C.is_input, C.is_output, 3, core.PART_BITS)
        assert core._cannot_pay(P, parts, b) and not core._cannot_pay(P, parts, b - 1)
    # below PLAY_FROM entries the plays are not tried: filling is cheaper
    monkeypatch.setattr(core, "PLAY_FROM", 1 << 40)
    assert not core._cannot_pay(P, parts, b)
