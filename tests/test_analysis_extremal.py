"""The largest part of a 2M-partition: the integer program against enumeration, its
certificates, and the per-part bounds of Lemmas 3.3 and 3.6 over every part."""

from __future__ import annotations

import random
import re

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redblue.analysis.extremal import _disjoint_paths, certify, max_part, max_part_bruteforce
from redblue.analysis.partition import min_dominator_size
from redblue.bounds import explicit
from redblue.dags import attention_dag, matmul_dag, random_dag


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), nodes=st.integers(6, 16), memory=st.integers(1, 3))
def test_the_program_agrees_with_enumeration(seed, nodes, memory):
    G = random_dag(nodes, seed=seed)
    rng = random.Random(seed)
    targets = [v for v in G if G.in_degree(v) and rng.random() < 0.5]
    ilp = max_part(G, memory, targets)
    brute = max_part_bruteforce(G, memory, targets)
    assert ilp.optimal and ilp.value == brute.value
    dom, minimum = certify(G, ilp.part)
    assert dom <= 2 * memory and minimum <= 2 * memory
    assert sum(1 for v in ilp.part if v in set(targets)) == ilp.value


@pytest.mark.parametrize("shape", [(2, 2, 2), (2, 1, 2), (1, 3, 2)])
def test_matmul_enumeration_and_program_agree_and_meet_lemma_3_6(shape):
    G = matmul_dag(*shape)
    products = [v for v in G if G.nodes[v].get("op") == "mul"]
    for m in (1, 2, 3):
        a, b = max_part(G, m, products), max_part_bruteforce(G, m, products)
        assert a.value == b.value <= explicit.matmul_products_per_part(m)


def test_the_matmul_per_part_bound_is_attained():
    G = matmul_dag(3, 3, 3)
    products = [v for v in G if G.nodes[v].get("op") == "mul"]
    assert max_part(G, 3, products).value == explicit.matmul_products_per_part(3) == 7
    G = matmul_dag(4, 2, 4)
    products = [v for v in G if G.nodes[v].get("op") == "mul"]
    assert max_part(G, 8, products).value == explicit.matmul_products_per_part(8) == 32


def test_lemma_3_3_over_every_part_of_small_attention_dags():
    for n, d, m in [(3, 1, 3), (4, 2, 3), (4, 1, 4)]:
        G = attention_dag(n, d)
        roots = [v for v in G if re.match(r"^S\[\d+,\d+\]$", str(v))]
        best = max_part(G, m, roots)
        assert best.optimal and best.value <= explicit.roots_per_part(d, m)
        dom, minimum = certify(G, best.part)
        assert dom <= 2 * m and minimum <= 2 * m


def test_a_looser_budget_finds_a_part_the_certificate_rejects():
    # the same program with 3M in place of 2M: its part needs a dominator above 2M
    G = matmul_dag(3, 3, 3)
    products = [v for v in G if G.nodes[v].get("op") == "mul"]
    wide = max_part(G, 3, products)  # budget 2M = 6
    loose = max_part(G, 4, products)  # budget 8: as if the 2M of M = 3 were 8 > 2M
    assert loose.value > explicit.matmul_products_per_part(3) >= wide.value
    dom, minimum = certify(G, loose.part)
    assert max(dom, minimum) > 6


def test_disjoint_paths_is_the_minimum_vertex_cut():
    for seed in range(6):
        G = random_dag(14, seed=seed)
        rng = random.Random(seed)
        for _ in range(5):
            part = {v for v in G if G.in_degree(v) and rng.random() < 0.3}
            assert _disjoint_paths(G, part, 99) == min_dominator_size(G, part)
    G = nx.DiGraph([("a", "b")])
    assert _disjoint_paths(G, {"b"}, 99) == 1


def test_enumeration_refuses_big_graphs():
    with pytest.raises(ValueError):
        max_part_bruteforce(attention_dag(3, 2), 2, [])


def test_the_loomis_whitney_step_is_attained_on_an_extremal_part():
    from redblue.analysis.partition import Segment, count_products

    G = matmul_dag(3, 3, 3)
    products = [v for v in G if G.nodes[v].get("op") == "mul"]
    best = max_part(G, 3, products)
    part = Segment(0, 0, 0, 0, loaded=set(best.dominator), part=set(best.part))
    (c,) = count_products(G, [part], 3)
    assert c.ok and c.products == 7 and c.lw_bound == pytest.approx(7.0)


def test_disjoint_paths_reroutes_through_a_reverse_edge():
    # the first path found, A -> D, blocks C; the second must undo it: C -> D, back to A,
    # A -> B. Two disjoint paths, as the cut {A, C} says
    G = nx.DiGraph([("A", "D"), ("A", "B"), ("C", "D")])
    assert _disjoint_paths(G, {"B", "D"}, 99) == 2 == min_dominator_size(G, {"B", "D"})
    # the same trap twice in a row, and a cap that stops the count
    G = nx.DiGraph([("A", "D"), ("A", "B"), ("C", "D"), ("B", "F"), ("B", "E"), ("D", "F")])
    assert _disjoint_paths(G, {"E", "F"}, 99) == 2 == min_dominator_size(G, {"E", "F"})
    assert _disjoint_paths(G, {"E", "F"}, 1) == 1
    for seed in range(4):
        G = random_dag(12, seed=100 + seed)
        sinks = {v for v in G if G.out_degree(v) == 0}
        assert _disjoint_paths(G, sinks, 99) == min_dominator_size(G, sinks)


def test_each_2m_limit_of_the_enumeration_binds():
    # a fan-out x -> y0..y5: one input dominates any part, the minimum set limits it
    fan = nx.DiGraph([("x", f"y{i}") for i in range(6)])
    ys = [f"y{i}" for i in range(6)]
    for m in (1, 2):
        brute = max_part_bruteforce(fan, m, ys)
        assert brute.value == 2 * m == max_part(fan, m, ys).value
        assert len(brute.part) == 2 * m and set(brute.part) <= set(ys)
        assert (brute.dominator, brute.optimal, brute.method) == (frozenset(), True,
                                                                   "enumeration")  # fmt: skip
        assert brute.upper == brute.value and 0 <= brute.seconds < 60
    # five chains a_i -> b_i joined in c: the minimum set {c} is small, the dominator
    # of every b_i is 5 > 2M = 4: the dominator limits it
    join = nx.DiGraph([e for i in range(5) for e in ((f"a{i}", f"b{i}"), (f"b{i}", "c"))])
    bs = [f"b{i}" for i in range(5)]
    assert max_part_bruteforce(join, 2, bs).value == 4 == max_part(join, 2, bs).value
    assert max_part_bruteforce(join, 3, bs).value == 5
    assert certify(join, {*bs, "c"}) == (5, 1) and certify(fan, set(ys)) == (1, 6)
    with pytest.raises(ValueError, match="17 computed vertices: too many to enumerate"):
        max_part_bruteforce(nx.DiGraph([("x", i) for i in range(17)]), 2, [])
    assert max_part_bruteforce(nx.DiGraph([("x", i) for i in range(16)]), 1, [0]).value == 1


def test_disjoint_paths_after_a_cancelled_flow():
    # the third augmenting path of this graph cancels flow on an edge: a residual graph
    # that keeps a cancelled edge usable backwards (or miscounts its flow) finds 3 paths;
    # the dominator {0, 4} (every path to 5..8 passes 0 or 4) says 2
    G = nx.DiGraph([(0, 4), (0, 5), (0, 6), (0, 7), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4),
                    (4, 5), (5, 6), (6, 8), (7, 8)])  # fmt: skip
    sinks = {4, 5, 6, 7, 8}
    assert _disjoint_paths(G, sinks, 99) == 2 == min_dominator_size(G, sinks)


def test_inputs_are_never_in_a_part():
    # a part holds computed vertices: an input target counts 0 however large M is
    G = nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d")])
    for m in (1, 3):
        best = max_part(G, m, ["a", "b"])
        assert best.value == 0 and best.part & {"a", "b"} == set()
        assert max_part_bruteforce(G, m, ["a", "b"]).value == 0
    best = max_part(G, 1, ["a", "c", "d"])
    assert (best.value, best.part, best.optimal, best.method) == (2, {"c", "d"}, True, "ilp")
    assert best.upper == 2 and 0 <= best.seconds < 60


def test_the_time_limit_reaches_the_solver():
    # at 0 s HiGHS stops before any solution: the part program says so
    G = matmul_dag(3, 3, 3)
    products = [v for v in G if G.nodes[v].get("op") == "mul"]
    with pytest.raises(RuntimeError, match="^the part program found no solution: Time limit"):
        max_part(G, 3, products, time_limit=0)


def test_a_stopped_solve_reports_the_dual_bound(monkeypatch, capfd):
    # HiGHS stopped by its time limit is played by a real solve whose status is changed:
    # the value is then only a lower bound, the upper bound is -(dual bound of the min).
    # Here every target fits one part: {c, d, e} has Min {d, e} and dominator {a, b}
    import scipy.optimize

    from redblue.analysis.extremal import part_program

    G = nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d"), ("a", "e")])
    targets = ["c", "d", "e"]
    calls = []
    real = scipy.optimize.milp

    solved = []  # one real solve, copied for each call

    def stopped(*args, bound=-7.0, status=1, **kwargs):
        calls.append({**kwargs, "options": dict(kwargs.get("options") or {})})  # milp edits it
        solved or solved.append(real(*args, **kwargs))
        res = scipy.optimize.OptimizeResult(solved[0])
        res.status = status
        if bound is not None:
            res.mip_dual_bound = bound
        else:
            del res["mip_dual_bound"]
        return res

    monkeypatch.setattr(scipy.optimize, "milp", stopped)
    best = max_part(G, 1, targets, time_limit=5)
    assert (best.value, best.optimal, best.upper) == (3, False, 7.0)
    (kwargs,) = calls
    assert kwargs["options"] == {"time_limit": 5.0, "disp": False}
    upper = part_program(G, 1, targets)[-1]
    assert list(kwargs["bounds"].lb) == [0] * 20 and list(kwargs["bounds"].ub) == list(upper)
    assert capfd.readouterr().out == ""  # the solver's log stays off
    for bound in (None, float("-inf")):
        monkeypatch.setattr(scipy.optimize, "milp", lambda *a, b=bound, **k: stopped(
            *a, bound=b, **k))  # fmt: skip
        assert max_part(G, 1, targets).upper == float("inf")
    # solved (status 0): the upper bound is the value, whatever the dual bound says
    monkeypatch.setattr(scipy.optimize, "milp", lambda *a, **k: stopped(*a, status=0, **k))
    assert (max_part(G, 1, targets).upper, max_part(G, 1, targets).optimal) == (3, True)


def test_the_enumeration_keeps_the_first_optimum():
    # ties keep the first set in enumeration order (lowest bits: first vertices in
    # topological order), so the part returned does not depend on later, equal sets
    fan = nx.DiGraph([("x", f"y{i}") for i in range(6)])
    assert max_part_bruteforce(fan, 1, [f"y{i}" for i in range(6)]).part == {"y0", "y1"}


def test_the_proven_upper_bound_is_the_rounded_dual_bound(monkeypatch):
    # exact on the docstring's graph; then HiGHS's dual bound played by a real solve
    # whose status and bound are changed: floor(-bound + 1e-3), at most the targets
    import scipy.optimize

    from redblue.analysis.extremal import max_part_upper

    G = nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d"), ("a", "e")])
    assert max_part_upper(G, 1, ["c", "d"]) == (2, True)
    assert max_part_upper(G, 1, ["c", "d", "e", "a"]) == (3, True)  # the input counts 0
    fan = nx.DiGraph([("x", f"y{i}") for i in range(6)])  # |Min| <= 2M binds
    assert max_part_upper(fan, 1, [f"y{i}" for i in range(6)]) == (2, True)
    calls, real = [], scipy.optimize.milp

    solved = []  # one real solve, copied for each call

    def fake(*args, bound=-2.9995, status=1, **kwargs):
        calls.append({**kwargs, "options": dict(kwargs.get("options") or {})})
        solved or solved.append(real(*args, **kwargs))
        res = scipy.optimize.OptimizeResult(solved[0])
        res.status, res.mip_dual_bound = status, bound
        if bound is None:  # a result without the field
            del res["mip_dual_bound"]
        return res

    monkeypatch.setattr(scipy.optimize, "milp", fake)
    targets = ["c", "d", "e"]
    assert max_part_upper(G, 1, targets, time_limit=4) == (3, False)  # 2.9995 + 1e-3 >= 3
    assert calls[0]["options"] == {"time_limit": 4.0, "disp": False, "mip_rel_gap": 0.0}
    ub = list(calls[0]["bounds"].ub)
    assert list(calls[0]["bounds"].lb) == [0] * 20 and sum(ub) == 16  # x, z of a, b: 0
    for bound, want in ((-2.99, (2, False)), (-7.0, (3, False)), (None, (3, False)),
                        (float("-inf"), (3, False))):  # fmt: skip
        monkeypatch.setattr(scipy.optimize, "milp", lambda *a, b=bound, **k: fake(
            *a, bound=b, **k))  # fmt: skip
        assert max_part_upper(G, 1, targets) == want
    monkeypatch.setattr(scipy.optimize, "milp", lambda *a, **k: fake(*a, status=0, **k))
    assert max_part_upper(G, 1, targets) == (3, True)  # proven optimal


def test_an_empty_graph_has_the_empty_part():
    # HiGHS refuses a program without variables; the answer is still exact
    from redblue.analysis.extremal import max_part_upper

    res = max_part(nx.DiGraph(), 3, [])
    assert (res.value, res.part, res.dominator, res.optimal, res.upper) == (
        0, frozenset(), frozenset(), True, 0)
    assert max_part_upper(nx.DiGraph(), 3, []) == (0, True)
