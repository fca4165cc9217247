"""Normalisation (useless moves dropped) and Lemma 2.7 for normalised calculations;
random valid strategies from the random-walk generator."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from redblue.analysis.controls import understated_memory, useless_work
from redblue.analysis.normalize import is_normalized, normalize, useful_moves
from redblue.analysis.partition import check_partition
from redblue.analysis.walks import random_strategy
from redblue.dags import attention_dag, matmul_dag, random_dag
from redblue.game import replay
from redblue.strategies import greedy_strategy, simulate


def test_useless_computations_break_the_minimum_set_bound_until_normalised():
    G, s, M = useless_work()
    r = replay(G, s, memory=M)
    assert r.io == 8 and r.peak_red == 3
    pc = check_partition(G, s, M)
    assert max(q.minimum for q in pc.parts) == 7 == 2 * M + 1
    assert max(q.dominator for q in pc.parts) <= 2 * M and not pc.ok
    assert not pc.minimum_explained
    ns = normalize(G, s)
    rn = replay(G, ns, memory=M)
    assert rn.io == r.io and rn.peak_red <= M  # only the computes were useless here
    pn = check_partition(G, ns, M)
    assert pn.ok and pn.minimum_explained
    assert len(ns.moves) == len(s.moves) - 2 * 7
    G, s, M = useless_work(14)  # far beyond: 14 = 4M + 2
    assert max(q.minimum for q in check_partition(G, s, M).parts) == 14
    assert check_partition(G, normalize(G, s), M).ok


def test_an_understated_memory_breaks_only_the_dominator_bound():
    G, s, M = understated_memory()
    assert replay(G, s).peak_red == 6
    pc = check_partition(G, s, M)
    assert not pc.ok
    assert max(q.dominator for q in pc.parts) == 5 == 2 * M + 1
    assert max(q.minimum for q in pc.parts) <= 2 * M and pc.covers and pc.acyclic and pc.io_bounds


def test_stores_and_loads_that_serve_nothing_are_dropped():
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    G.nodes["c"]["output"] = True
    s = [("load", "a"), ("compute", "b"), ("store", "b"), ("delete", "b"), ("load", "b"),
         ("delete", "b"), ("load", "b"), ("compute", "c"), ("store", "c"), ("delete-blue", "b")]
    keep = useful_moves(G, s)
    kept = [m for m, k in zip(s, keep, strict=True) if k]
    # the first load of b serves nothing; the store serves the second load
    assert kept == [("load", "a"), ("compute", "b"), ("store", "b"), ("delete", "b"),
                    ("load", "b"), ("compute", "c"), ("store", "c"), ("delete-blue", "b")]
    assert replay(G, kept, memory=3).io == 4


def test_schedules_and_greedy_are_already_normalised():
    for alg in ("flash1", "flash2", "tiling", "standard"):
        sim = simulate(alg, 6, 2, 24)
        assert is_normalized(sim.compiled, sim.moves)
    G = attention_dag(3, 2)
    assert is_normalized(G, greedy_strategy(G, 6))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), which=st.integers(0, 3), extra=st.integers(0, 3),
       steps=st.integers(0, 300))  # fmt: skip
def test_random_walks_normalise_to_valid_cheaper_2m_partitions(seed, which, extra, steps):
    graphs = [attention_dag(2, 2), attention_dag(3, 1), matmul_dag(2, 2, 2)]
    G = (graphs + [random_dag(20, seed=seed)])[which]
    M = 3 + extra + (which < 2)
    s = random_strategy(G, M, seed=seed, steps=steps)
    r = replay(G, s, memory=M)
    ns = normalize(G, s)
    rn = replay(G, ns, memory=M)
    assert rn.io <= r.io and rn.peak_red <= r.peak_red <= M
    assert is_normalized(G, ns)
    assert normalize(G, ns).moves == ns.moves  # a fixpoint
    pc = check_partition(G, ns, M)
    assert pc.ok and pc.minimum_explained, pc.summary()


def test_random_walks_are_valid_and_varied():
    G = attention_dag(2, 2)
    ios = {replay(G, random_strategy(G, 4, seed=s)).io for s in range(8)}
    assert len(ios) > 3
    greedy = replay(G, greedy_strategy(G, 4)).io
    assert replay(G, random_strategy(G, 4, seed=1, steps=0)).io == greedy


def test_the_controls_graphs_strategies_and_memories():
    from redblue.analysis.controls import drop_rows
    from redblue.analysis.partition import Segment
    from redblue.game import compile_graph

    G, s, M = useless_work(5)
    C = compile_graph(G)
    assert {C.nodes[v] for v in range(C.n) if C.is_output[v]} == {f"z{i}" for i in range(5)}
    assert (s.memory, s.variant, M) == (3, "classic", 3)
    r = replay(G, s, memory=3)
    assert r.io == 6 and r.peak_red == 3
    G, s, M = understated_memory(4)
    C = compile_graph(G)
    assert [C.nodes[v] for v in range(C.n) if C.is_output[v]] == ["t"]
    assert (s.memory, s.variant, M) == (5, "classic", 2)
    assert replay(G, s, memory=5).peak_red == 5
    seg = Segment(0, 0, 0, 0, red_at_start={"K[0,0]", "Q[0,0]", "S[0,0]"},
                  loaded={"K[1,0]", "V[0,0]"}, part={"S[0,0]"})  # fmt: skip
    cut = drop_rows(seg)
    assert (cut.red_at_start, cut.loaded) == ({"Q[0,0]", "S[0,0]"}, {"V[0,0]"})
    assert drop_rows(seg, "Q").red_at_start == {"K[0,0]", "S[0,0]"}
    assert cut.part == seg.part and seg.loaded == {"K[1,0]", "V[0,0]"}


def test_random_walks_are_seeded_weighted_and_store_once():
    import pytest

    from redblue.errors import InvalidInputError
    from redblue.game import compile_graph

    G = matmul_dag(2, 2, 2)
    s = random_strategy(G, 4)
    assert s.moves == random_strategy(G, 4, seed=0, steps=200).moves
    assert s.moves == random_strategy(compile_graph(G), 4).moves
    assert s.moves != random_strategy(G, 4, seed=1).moves and s.variant == "classic"
    for seed in range(5):
        moves = random_strategy(G, 4, seed=seed, steps=40).moves
        stored = [v for k, v in moves if k == "store"]
        assert len(stored) == len(set(stored))  # a value stored in the walk is not again
        # loads all but certain: the first four moves load four inputs
        w = random_strategy(G, 4, seed=seed, weights=(1.0, 1e-9, 1e-9, 1e-9)).moves
        assert [k for k, _ in w[:4]] == ["load"] * 4
    assert any(k == "store" for k, _ in random_strategy(G, 4, seed=2, steps=60).moves[:60])
    with pytest.raises(InvalidInputError):
        random_strategy(G, 0)  # no legal move at all: the greedy completion refuses


def test_normalize_keeps_the_variant_and_drops_useless_ends_and_stores():
    import pytest

    from redblue.errors import InvalidInputError
    from redblue.game.strategy import Strategy

    G = nx.DiGraph([("a", "b"), ("a", "c"), ("b", "e")])
    G.nodes["e"]["output"] = True
    G.nodes["c"]["output"] = False
    # the last move useful: the store of the output keeps its computation
    s = [("load", "a"), ("compute", "b"), ("compute", "e"), ("store", "e")]
    assert useful_moves(G, s) == [True] * 4
    # a stored intermediate never loaded again, and a useless last move
    s = [("load", "a"), ("compute", "b"), ("store", "b"), ("compute", "e"), ("store", "e"),
         ("compute", "c")]  # fmt: skip
    assert useful_moves(G, s) == [True, True, False, True, True, False]
    out = normalize(G, s, memory=4)
    assert out.moves == [("load", "a"), ("compute", "b"), ("compute", "e"), ("store", "e")]
    assert (out.memory, out.variant) == (4, "classic")
    nr = normalize(G, Strategy(s, 4, "no-recompute"))
    assert (nr.moves, nr.memory, nr.variant) == (out.moves, 4, "no-recompute")
    # a recomputation is legal in the classic game only: the input replay refuses it
    again = s[:2] + [("delete", "b"), ("compute", "b")] + s[3:]
    assert normalize(G, Strategy(again, 4, "classic")).moves[-2:] == [("compute", "e"),
                                                                      ("store", "e")]  # fmt: skip
    with pytest.raises(Exception, match="(?i)recomput|computed"):
        normalize(G, Strategy(again, 4, "no-recompute"))
    with pytest.raises(InvalidInputError, match="no memory size given"):
        normalize(G, s)  # a list of moves states no memory: the replay's one-line refusal


def test_an_input_that_is_an_output_keeps_nothing_by_itself():
    # a is an output that starts blue: its initial pebble is no move to keep, so the
    # compute of c that serves nothing is still dropped (the last move, in particular)
    G = nx.DiGraph([("a", "b"), ("a", "c")])
    G.nodes["a"]["output"] = G.nodes["b"]["output"] = True
    s = [("load", "a"), ("compute", "b"), ("store", "b"), ("compute", "c")]
    assert useful_moves(G, s) == [True, True, True, False]
