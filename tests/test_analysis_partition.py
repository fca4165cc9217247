"""Hong-Kung partitions, Lemma 3.3 counts, epochs and the Theorem 3.7 reduction on strategies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redblue.analysis.partition import (
    Segment,
    check_partition,
    count_products,
    count_roots,
    epochs,
    min_dominator_size,
    qk_tree,
    segments,
)
from redblue.analysis.reduction import reduce_to_matmul, to_matmul_name
from redblue.dags import attention_dag, chain_dag, matmul_dag, random_dag
from redblue.game import replay
from redblue.strategies import greedy_strategy


@settings(max_examples=15, deadline=None)
@given(nodes=st.integers(5, 30), seed=st.integers(0, 10_000), extra=st.integers(0, 3))
def test_greedy_strategies_give_2m_partitions(nodes, seed, extra):
    G = random_dag(nodes, seed=seed)
    memory = 3 + extra
    s = greedy_strategy(G, memory)
    pc = check_partition(G, s, memory)
    assert pc.ok, pc.summary()
    assert pc.io == replay(G, s).io


def test_partition_check_can_fail_when_memory_is_understated():
    # a strategy using up to 12 red pebbles, cut as if M were 2: dominators exceed 2M
    G = attention_dag(3, 2)
    s = greedy_strategy(G, 12)
    assert check_partition(G, s, 12).ok
    assert not check_partition(G, s, 2).ok


def test_min_dominator_by_vertex_cut():
    G = chain_dag(5)
    nodes = list(G)
    assert min_dominator_size(G, {nodes[-1]}) == 1
    G = matmul_dag(2, 2, 2)
    assert min_dominator_size(G, {"C[0,0]"}) == 1  # the root itself
    assert min_dominator_size(G, {"AB[0,0,0]", "AB[0,0,1]"}) == 2
    assert min_dominator_size(G, set()) == 0


def test_lemma_3_3_classes_and_a_broken_dominator():
    G = attention_dag(4, 2)
    segs = segments(greedy_strategy(G, 8), 8)
    counts = count_roots(G, segs, 2, 8)
    assert all(c.ok for c in counts)
    assert sum(c.roots for c in counts) == 16
    # a fabricated "part" holding everything but the inputs, with an empty dominator:
    # no root is explained (not a valid part, and the count says so)
    fake = Segment(0, 0, 0, 0, part={v for v in G if G.in_degree(v) > 0})
    (c,) = count_roots(G, [fake], 2, 8)
    assert c.unexplained == 16 and not c.ok
    # with the full Q and K rows in its dominator every root is explained by class (c)
    fake.loaded = {v for v in G if str(v)[0] in "QK" and G.in_degree(v) == 0}
    (c,) = count_roots(G, [fake], 2, 8)
    assert c.unexplained == 0 and c.by_rows == 16 and c.full_rows == (4, 4)


def test_qk_tree_names():
    assert qk_tree("QK[1,2,0]") == (1, 2)
    assert qk_tree("S[3,4]") == (3, 4)
    assert qk_tree("S[0,1](0:2)") == (0, 1)
    assert qk_tree("A[0,0]") is None and qk_tree("Q[0,0]") is None


def test_loomis_whitney_count_on_matmul():
    G = matmul_dag(4, 4, 4)
    segs = segments(greedy_strategy(G, 8), 8)
    pcs = count_products(G, segs, 8)
    assert all(p.ok for p in pcs) and sum(p.products for p in pcs) == 64


def test_epochs():
    G = attention_dag(4, 2)
    s = greedy_strategy(G, 8)
    eps = epochs(s, 8, 2)
    io = replay(G, s).io
    assert (len(eps) - 1) * 8 <= io <= len(eps) * 8
    assert all(e.ok(8) for e in eps)
    assert sum(e.new_entries for e in eps) == 16
    assert not all(e.ok(1) for e in eps)  # the check can fail


@pytest.mark.parametrize("n,dd,m,shape", [(3, 2, 6, "tree"), (2, 3, 5, "chain"), (3, 1, 4, "tree")])
def test_reduction_is_a_valid_matmul_strategy(n, dd, m, shape):
    G = attention_dag(n, dd, sum=shape)
    s = greedy_strategy(G, m)
    qa = replay(G, s).io
    r = replay(matmul_dag(n, dd, n, sum=shape), reduce_to_matmul(s), memory=m)
    assert r.io <= qa + n * n and r.peak_red <= m


def test_matmul_names():
    assert to_matmul_name("Q[1,0]") == "A[1,0]"
    assert to_matmul_name("K[2,1]") == "B[1,2]"
    assert to_matmul_name("QK[0,1,2]") == "AB[0,1,2]"
    assert to_matmul_name("S[0,1](0:2)") == "C[0,1](0:2)"
    with pytest.raises(ValueError):
        to_matmul_name("V[0,0]")


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(2, 3),
    dd=st.integers(1, 3),
    extra=st.integers(0, 6),
    shape=st.sampled_from(["tree", "chain"]),
)
def test_every_predicate_holds_on_random_topological_orders(seed, n, dd, extra, shape):
    """Greedy schedules along random topological orders: many different strategies."""
    import random

    import networkx as nx

    G = attention_dag(n, dd, sum=shape)
    rng = random.Random(seed)
    keys = {v: rng.random() for v in G}
    order = [v for v in nx.lexicographical_topological_sort(G, key=keys.get) if G.in_degree(v)]
    m = 3 + extra
    s = greedy_strategy(G, m, order=order)
    qa = replay(G, s).io
    segs = segments(s, m)
    assert check_partition(G, s, m, segs=segs).ok
    assert all(c.ok for c in count_roots(G, segs, dd, m))
    assert all(e.ok(m) for e in epochs(s, m, dd, segs))
    r = replay(matmul_dag(n, dd, n, sum=shape), reduce_to_matmul(s), memory=m)
    assert r.io <= qa + n * n


# --------------------------------------------------- controls: each predicate can fail
def test_each_2m_predicate_rejects_a_part_just_beyond_it():
    # 2M + 1, not more: a predicate weakened to 3M or 4M would accept these
    from redblue.analysis.controls import understated_memory, useless_work

    G, s, m = useless_work()  # |Min| = 2M + 1, |D| <= 2M
    pc = check_partition(G, s, m)
    assert not pc.ok and max(p.minimum for p in pc.parts) == 2 * m + 1
    assert all(p.dominator <= 2 * m for p in pc.parts)
    G, s, m = understated_memory()  # |D| = 2M + 1, |Min| <= 2M
    pc = check_partition(G, s, m)
    assert not pc.ok and max(p.dominator for p in pc.parts) == 2 * m + 1
    assert all(p.minimum <= 2 * m for p in pc.parts)
    assert not all(e.ok(m) for e in epochs(s, m, 1))  # words seen = 2M + 1


def test_epoch_predicates_each_fail_alone_just_above_2m():
    from redblue.analysis.partition import Epoch

    assert Epoch(0, 2, 4, 4, 4, 4, 4).ok(2)
    assert not Epoch(0, 2, 5, 0, 0, 0, 0).ok(2)  # words seen only
    assert not Epoch(0, 2, 0, 5, 5, 5, 0).ok(2)  # row rank only
    assert not Epoch(0, 2, 0, 5, 5, 0, 5).ok(2)  # column rank only


def test_class_c_needs_both_rows_in_the_dominator():
    G = attention_dag(4, 2)
    part = {v for v in G if G.in_degree(v) > 0}
    q_only = Segment(0, 0, 0, 0, part=part,
                     loaded={v for v in G if str(v).startswith("Q[")})  # fmt: skip
    (c,) = count_roots(G, [q_only], 2, 8)
    assert c.full_rows == (4, 0) and c.by_rows == 0 and c.unexplained == 16 and not c.ok
    from redblue.analysis.controls import drop_rows

    both = Segment(0, 0, 0, 0, part=part,
                   loaded={v for v in G if str(v)[:2] in ("Q[", "K[")})  # fmt: skip
    (c,) = count_roots(G, [both], 2, 8)
    assert c.by_rows == 16 == c.full_rows[0] * c.full_rows[1]
    (c,) = count_roots(G, [drop_rows(both)], 2, 8)
    assert c.unexplained == 16


def test_per_part_bounds_come_from_explicit():
    from redblue.bounds import explicit

    G = attention_dag(4, 2)
    counts = count_roots(G, segments(greedy_strategy(G, 8), 8), 2, 8)
    assert counts[0].bound == explicit.roots_per_part(2, 8)
    G = matmul_dag(3, 3, 3)
    pcs = count_products(G, segments(greedy_strategy(G, 6), 6), 6)
    assert pcs[0].bound == explicit.matmul_products_per_part(6)


def test_a_root_alone_in_its_part_is_explained_by_the_minimum_set():
    G = attention_dag(2, 2)
    (c,) = count_roots(G, [Segment(0, 0, 0, 0, part={"S[0,1]"})], 2, 8)
    assert (c.roots, c.by_dominator, c.by_minimum, c.by_rows, c.unexplained) == (1, 0, 1, 0, 0)


def test_epochs_count_each_segments_entries_by_row_and_column():
    import re

    root = re.compile(r"^S\[(\d+),(\d+)\]$")
    G = attention_dag(3, 2)
    m, dd = 6, 1
    s = greedy_strategy(G, m)
    segs = segments(s, m)
    eps = epochs(s, m, dd)
    assert len(eps) == len(segs) > 2
    for e, seg in zip(eps, segs, strict=True):
        ij = [tuple(map(int, r.groups())) for v in seg.computed if (r := root.match(str(v)))]
        rows = [sum(1 for i, _ in ij if i == r) for r in range(3)]
        cols = [sum(1 for _, j in ij if j == c) for c in range(3)]
        assert (e.index, e.io, e.words_seen) == (seg.index, seg.io, len(seg.dominator))
        assert e.entries == len(ij)
        assert e.new_entries == sum(1 for v in seg.part if root.match(str(v)))
        assert e.row_rank == sum(min(dd, r) for r in rows)
        assert e.col_rank == sum(min(dd, c) for c in cols)
    assert sum(e.entries for e in eps) >= 9 and max(e.row_rank for e in eps) >= 1
    # with d = 3 >= any count, the ranks are the entry counts
    assert all(e.row_rank == e.col_rank == e.entries for e in epochs(s, m, 3))
    # given segments are used as they are
    assert [e.index for e in epochs(s, m, dd, segs[1:2])] == [1]


def test_reduction_keeps_memory_and_variant_and_stores_each_root_once():
    G = attention_dag(2, 2)
    s = greedy_strategy(G, 30)  # enough memory: it stores only the outputs
    r = reduce_to_matmul(s)
    assert (r.memory, r.variant) == (s.memory, s.variant)
    kept = reduce_to_matmul(s, rename=False)
    stored = [v for k, v in kept.moves if k == "store"]
    assert sorted(stored) == ["S[0,0]", "S[0,1]", "S[1,0]", "S[1,1]"]  # roots, once each
    assert all(k != "delete-blue" for k, _ in kept.moves)
    assert all(str(v).startswith(("Q[", "K[", "QK[", "S[")) for _, v in kept.moves)


def test_reduction_of_a_strategy_with_blue_deletions_and_restores():
    # inputs start blue (their stores dropped); a stored product is stored once; a root
    # the reduction stored is not stored again; delete-blue and V moves are dropped
    from redblue.game.strategy import Strategy

    moves = [("load", "Q[0,0]"), ("load", "K[0,0]"), ("store", "Q[0,0]"), ("store", "K[0,0]"),
             ("compute", "QK[0,0,0]"), ("store", "QK[0,0,0]"), ("store", "QK[0,0,1]"),
             ("store", "QK[0,0,0]"), ("compute", "S[0,0]"), ("store", "S[0,0]"),
             ("delete", "Q[0,0]"), ("delete-blue", "Q[0,0]"), ("compute", "S[0,0]"),
             ("load", "V[0,0]")]  # fmt: skip
    kept = reduce_to_matmul(Strategy(moves, 3, "classic"), rename=False).moves
    assert kept == [("load", "Q[0,0]"), ("load", "K[0,0]"), ("compute", "QK[0,0,0]"),
                    ("store", "QK[0,0,0]"), ("store", "QK[0,0,1]"), ("compute", "S[0,0]"),
                    ("store", "S[0,0]"), ("delete", "Q[0,0]"),
                    ("compute", "S[0,0]")]  # fmt: skip
    with pytest.raises(ValueError, match="'V\\[0,0\\]' is not a QK\\^T vertex"):
        to_matmul_name("V[0,0]")


def test_segments_and_every_field_of_the_checks_by_definition():
    import networkx as nx

    from redblue.analysis.partition import _outputs

    G = attention_dag(2, 2)
    m = 4
    s = greedy_strategy(G, m)
    segs = segments(s, m)
    # segments: consecutive, numbered, each computed vertex in its own segment
    assert [g.index for g in segs] == list(range(len(segs))) and segs[0].start == 0
    assert all(a.stop == b.start for a, b in zip(segs, segs[1:], strict=False))
    assert segs[-1].stop == len(s)
    for g in segs:
        assert g.computed == {v for k, v in s.moves[g.start:g.stop] if k == "compute"}
        assert g.io == sum(1 for k, _ in s.moves[g.start:g.stop] if k in ("load", "store"))
    pc = check_partition(G, s, m, exact_dominators=True)
    assert (pc.memory, pc.io, pc.h) == (m, replay(G, s).io, len(segs)) and pc.ok
    for p, g in zip(pc.parts, segs, strict=True):
        minimum = {v for v in g.part if not set(G.successors(v)) & g.part}
        assert (p.index, p.size, p.dominator, p.minimum) == (g.index, len(g.part),
                                                              len(g.dominator), len(minimum))
        assert p.dominates and p.min_dominator == min_dominator_size(G, g.part) <= p.dominator
    assert check_partition(G, s, m).parts[0].min_dominator is None
    # a smallest dominator as large as the strategy's own is fine: load a, compute b
    ab = nx.DiGraph([("a", "b")])
    (p,) = check_partition(ab, [("load", "a"), ("compute", "b"), ("store", "b")], 2,
                           exact_dominators=True).parts  # fmt: skip
    assert p.min_dominator == p.dominator == 1 and p.ok
    # Lemma 3.3 classes, rebuilt
    for c, g in zip(count_roots(G, segs, 2, m), segs, strict=True):
        dom = g.dominator
        trees = {qk_tree(v) for v in dom} - {None}
        assert c.index == g.index
        assert c.level1 == sum(1 for v in g.part if qk_tree(v) is not None)
        assert c.dom_tree == sum(1 for v in dom if qk_tree(v) is not None)
        assert c.dom_inputs == sum(1 for v in dom if str(v)[0] in "QK" and G.in_degree(v) == 0)
        roots = [qk_tree(v) for v in g.part if str(v).startswith("S[") and "(" not in str(v)]
        assert c.roots == len(roots) and c.by_dominator == sum(1 for r in roots if r in trees)
        mins = {qk_tree(v) for v in g.part if not set(G.successors(v)) & g.part} - {None}
        assert c.by_minimum == sum(1 for r in roots if r not in trees and r in mins)
        assert c.by_dominator + c.by_minimum + c.by_rows + c.unexplained == c.roots
        assert c.d == 2 and c.ok
    assert sum(c.by_dominator for c in count_roots(G, segs, 2, m)) > 0
    assert set(_outputs(G)) == {v for v in G if G.nodes[v].get("output")}
    plain = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "d")])
    assert sorted(_outputs(plain)) == ["c", "d"]


def test_partition_limits_hold_at_exactly_2m():
    from redblue.analysis.controls import understated_memory, useless_work

    G, s, _ = understated_memory(4)  # cut with M = 2: its second segment has a dominator
    assert [p.dominator for p in check_partition(G, s, 3).parts] == [3, 4]  # of 4
    assert [p.ok for p in check_partition(G, s, 2).parts] == [True, True, False]  # 2, 4, 5
    G, s, m = useless_work(6)  # |Min| = 6 = 2M
    pc = check_partition(G, s, m)
    assert max(p.minimum for p in pc.parts) == 6 and all(p.ok for p in pc.parts)
    assert pc.io_bounds and pc.h == 3 and pc.io == m * (pc.h - 1) + 1


def _seg(index, part, loaded=(), io=1):
    """A hand-made segment: ``part`` computed for the first time, ``loaded`` its dominator."""
    return Segment(index, 0, 0, io, loaded=set(loaded), computed=set(part), part=set(part))


def test_each_partition_property_on_given_segments():
    import networkx as nx

    from redblue.analysis.partition import _outputs, _reaches

    # a -> b -> c -> d with b marked as the output: c and d are not needed
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    G.nodes["b"]["output"] = True
    assert _outputs(G) == ["b"]
    # the segments given are used as they are (the strategy, empty, is not cut)
    pc = check_partition(G, [], 1, segs=[_seg(0, {"b"}, {"a"})])
    assert (pc.covers, pc.acyclic, pc.h, pc.io, pc.ok) == (True, True, 1, 1, True)
    # P4: b (computed from one input) missing, or in two parts
    assert check_partition(G, [], 1, segs=[_seg(0, set())]).covers is False
    twice = [_seg(0, {"b"}, {"a"}), _seg(1, {"b", "c"}, {"a"})]
    assert check_partition(G, [], 1, segs=twice).covers is False
    # P1: parts {b, d} and {c} depend on each other (b -> c -> d)
    pc = check_partition(G, [], 2, segs=[_seg(0, {"b", "d"}, {"a"}), _seg(1, {"c"}, {"b"})])
    assert pc.covers and not pc.acyclic and not pc.ok
    # P2: a path from an input reaches the part unless the dominator cuts it
    assert _reaches(G, set(), {"c"}) == "c" and _reaches(G, {"a"}, {"c"}) is None
    assert _reaches(G, {"b"}, {"c", "d"}) is None and _reaches(G, {"c"}, {"b", "d"}) == "b"
    (p,) = check_partition(G, [], 1, segs=[_seg(0, {"b", "c"})]).parts
    assert not p.dominates and not p.ok
    # M h >= Q >= M (h - 1): with M = 2 and h = 2, Q = 2 is the lowest allowed
    for ios, want in (((2, 0), True), ((1, 0), False), ((2, 2), True), ((2, 3), False)):
        segs = [_seg(0, {"b"}, {"a"}, ios[0]), _seg(1, set(), (), ios[1])]
        assert check_partition(G, [], 2, segs=segs).io_bounds is want


def test_matmul_tree_names():
    from redblue.analysis.partition import _mm_tree

    assert _mm_tree("AB[1,2,3]") == (1, 2) and _mm_tree("C[2,5]") == (2, 5)
    assert _mm_tree("C[2,5](0:2)") == (2, 5) and _mm_tree("A[0,0]") is None


def test_product_count_fields_by_hand():
    # matmul 2x2x2: AB[i,j,l] = A[i,l] B[l,j]. The part holds three products and C[0,0];
    # AB[0,0,0] is in D, AB[0,0,1] has both operands in D, AB[1,1,0] lacks B[0,1]
    G = matmul_dag(2, 2, 2)
    part = {"AB[0,0,0]", "AB[0,0,1]", "AB[1,1,0]", "C[0,0]"}
    (c,) = count_products(G, [_seg(5, part, {"AB[0,0,0]", "A[0,1]", "B[1,0]", "A[1,0]"})], 2)
    assert (c.index, c.products, c.in_dominator, c.operands_in_d, c.trees) == (5, 3, 1, False, 2)
    # minimum vertices AB[1,1,0] and C[0,0] lie in the trees (1, 1) and (0, 0)
    assert c.trees_with_minimum and c.lw_bound == 1 + (2 * 1 * 2) ** 0.5 and not c.ok
    (c,) = count_products(G, [_seg(0, part, {"AB[0,0,0]", "A[0,1]", "B[1,0]", "A[1,0]",
                                            "B[0,1]"})], 2)  # fmt: skip
    assert c.operands_in_d and c.in_dominator == 1


def test_roots_each_alone_in_its_tree_are_each_counted():
    G = attention_dag(2, 2)
    (c,) = count_roots(G, [_seg(0, {"S[0,0]", "S[1,1]"})], 2, 8)
    assert (c.roots, c.by_dominator, c.by_minimum, c.by_rows, c.unexplained) == (2, 0, 2, 0, 0)


def test_epoch_ranks_count_entries_per_row_and_column():
    # entries (0,0), (0,1), (1,0): rows hold 2 and 1, columns 2 and 1
    seg = _seg(0, {"S[0,0]", "S[0,1]", "S[1,0]"})
    (e,) = epochs(None, 2, 2, segs=[seg])
    assert (e.entries, e.new_entries, e.row_rank, e.col_rank) == (3, 3, 3, 3)
    (e,) = epochs(None, 2, 1, segs=[seg])  # d = 1: one per row and per column
    assert (e.row_rank, e.col_rank) == (2, 2)


def test_reduction_keeps_the_no_recompute_variant():
    from redblue.game.strategy import Strategy

    moves = [("load", "Q[0,0]"), ("load", "K[0,0]"), ("compute", "QK[0,0,0]")]
    assert reduce_to_matmul(Strategy(moves, 3, "no-recompute")).variant == "no-recompute"


def test_the_partition_summary_field_by_field():
    from redblue.analysis.partition import PartCheck, PartitionCheck

    parts = [PartCheck(0, 2, 3, True, 2, 1, True, True),
             PartCheck(1, 1, 4, True, None, 2, False, True)]  # fmt: skip
    pc = PartitionCheck(2, 5, 2, parts, True, True, False)
    assert pc.summary() == {
        "memory": 2, "io": 5, "h": 2, "max_dominator": 4, "max_min_dominator": 2,
        "max_minimum": 2, "minimum_explained": False, "covers": True, "acyclic": True,
        "io_bounds": False, "ok": False,
    }  # fmt: skip
    empty = PartitionCheck(1, 0, 0, [], True, True, True).summary()
    assert (empty["max_dominator"], empty["max_min_dominator"], empty["max_minimum"]) == (0, 0, 0)
    assert empty["minimum_explained"] and empty["ok"]
    unasked = PartitionCheck(1, 0, 1, parts[1:], True, True, True).summary()
    assert unasked["max_min_dominator"] == 0  # no exact dominator was computed
