"""Rules H and H2, the search's admissible bounds, against their definitions and against
the true cost to go, on every kind of state of a few tiny DAGs.

The oracle is Dijkstra's algorithm over the game's configurations from the state
itself, with unlimited memory (a relaxation: its cost to go is at most the true one at
any memory, so ``h <= oracle`` is admissibility). In the classic game with unlimited
memory the cost to go is exactly the outputs still to store plus the cheapest vertex cut
of rule H2, so H2 must equal it. The tests stay small enough to run under
``NUMBA_DISABLE_JIT=1``, where mutmut mutates the kernels as plain Python
(benchmarks/mutation_score.py, target ``heuristics``).
"""

from __future__ import annotations

import heapq
import random

import networkx as nx
import numpy as np
import pytest
from helpers import small_dag

from redblue.dags import attention_dag, chain_dag, pyramid_dag
from redblue.game import compile_graph
from redblue.search.heuristics import _cut_heuristic, _heuristic, flow_network
from redblue.search.problem import Problem
from redblue.search.state import NSCRATCH, R_HY, from_words, to_words


def _graphs():
    out = [attention_dag(1, 1), pyramid_dag(2), chain_dag(4)]  # a chain: one input
    for seed in (3, 11, 19, 23):
        G = small_dag(seed, 7)
        G.remove_nodes_from([v for v in list(G) if G.degree(v) == 0])
        out.append(G)
    return out


GRAPHS = _graphs()


def _bits(x: int) -> list[int]:
    return [v for v in range(x.bit_length()) if x >> v & 1]


# -- the kernels, called in one place (the signature is the search's business) --------


def rule_h(P: Problem, red: int, blue: int, third: int) -> tuple[int, int]:
    """Rule H of the state and the red loadable operands it saw (row ``R_HY``)."""
    vm, gm = P.tables()
    nw = P.nwords
    s = np.array([*to_words(red, nw), *to_words(blue, nw), *to_words(third, nw)], np.uint64)
    sc = np.zeros(NSCRATCH * nw, np.uint64)
    h = getattr(_heuristic, "py_func", _heuristic)(s, nw, vm, gm, P.params(), sc)
    return int(h), from_words(sc[R_HY * nw:(R_HY + 1) * nw])


class CutRule:
    """Rule H2 with its memo table (``slots`` entries: a small one is cleared often)."""

    def __init__(self, P: Problem, slots: int = 64):
        self.P = P
        n, nw = P.n, P.nwords
        self.flow = flow_network(n, P.preds, P.graph.is_input)
        self.scratch = (np.empty_like(self.flow[1]), np.empty((3, 2 * n + 2), np.int64),
                        np.empty(2 * n + 2, np.int64))  # fmt: skip
        self.memo = (np.zeros((slots, 4 * nw), np.uint64), np.full(slots, -1, np.int64),
                     np.zeros(1, np.int64), np.zeros(4 * nw, np.uint64))  # fmt: skip

    def __call__(self, red: int, blue: int, stash: int) -> int:
        P = self.P
        vm, gm = P.tables()
        nw = P.nwords
        s = np.array([*to_words(red, nw), *to_words(blue, nw), *to_words(stash, nw)],
                     np.uint64)  # fmt: skip
        return int(_cut_heuristic(s, P.wz, vm, gm, P.params(cut=True), *self.flow,
                                  *self.scratch, *self.memo,
                                  np.zeros(NSCRATCH * nw, np.uint64)))  # fmt: skip


# -- the definitions, rebuilt from the docstrings ----------------------------------------


def h_by_definition(P: Problem, red: int, blue: int, third: int, no_recompute: bool,
                    stash: bool) -> tuple[int, int]:  # fmt: skip
    """Outputs without blue + loadable non-red operands of the must-compute set; and
    the red loadable operands of that set."""
    pending = P.outputs & ~blue
    loadable = blue if no_recompute else blue & P.inputs
    kept = third if stash else 0
    must = pending & ~red
    loads = seen = 0
    for v in range(P.n - 1, -1, -1):
        if must >> v & 1:
            q = P.pred_mask[v]
            loads |= q & ~red & loadable
            must |= q & ~red & ~blue & ~kept
            seen |= q & red & loadable
    return pending.bit_count() + loads.bit_count(), seen


def cut_by_networkx(P: Problem, red: int, blue: int, stash: int) -> int:
    """Outputs without blue + the cheapest vertex cut (blue 1, stash 2, else none)
    between the inputs and them among the vertices without red they need."""
    pending = P.outputs & ~blue
    if not pending:
        return 0
    region = pending & ~red
    for v in range(P.n - 1, -1, -1):
        if region >> v & 1:
            region |= P.pred_mask[v] & ~red
    D = nx.DiGraph()
    D.add_nodes_from("st")
    for v in _bits(region):
        cap = 1 if blue >> v & 1 else 2 if stash >> v & 1 else None
        D.add_edge(("in", v), ("out", v), **({} if cap is None else {"capacity": cap}))
        if P.inputs >> v & 1:
            D.add_edge("s", ("in", v))
        if pending >> v & 1:
            D.add_edge(("out", v), "t")
        for u in _bits(P.pred_mask[v] & region):
            D.add_edge(("out", u), ("in", v))
    return pending.bit_count() + int(nx.maximum_flow_value(D, "s", "t"))


def cost_to_go(P: Problem, red: int, blue: int, third: int, no_recompute: bool) -> float:
    """The least I/O from the state to blue on every output, memory unlimited: loads
    (of blue; in the classic game also of the stash, for 2: its store was owed), stores
    and computes (no-recompute: of vertices never computed, ``third``)."""
    start = (red, blue, third)
    dist = {start: 0}
    heap = [(0, start)]
    while heap:
        g, state = heapq.heappop(heap)
        if dist[state] != g:
            continue
        r, b, t = state
        if P.outputs & ~b == 0:
            return g
        for v in range(P.n):
            bit = 1 << v
            moves = []
            if r & bit:
                if not b & bit:
                    moves.append((1, (r, b | bit, t)))
            elif b & bit:
                moves.append((1, (r | bit, b, t)))
            elif not no_recompute and t & bit:
                moves.append((2, (r | bit, b | bit, t & ~bit)))
            if not (r | P.inputs) & bit and P.pred_mask[v] & ~r == 0:
                if not no_recompute:
                    moves.append((0, (r | bit, b, t)))
                elif not t & bit:
                    moves.append((0, (r | bit, b, t | bit)))
            for c, nxt in moves:
                if g + c < dist.get(nxt, 1 << 30):
                    dist[nxt] = g + c
                    heapq.heappush(heap, (g + c, nxt))
    return float("inf")


def random_states(P: Problem, no_recompute: bool, count: int, seed: int):
    """Consistent states: inputs blue; no-recompute: red and blue non-inputs computed;
    classic: a stash apart from red, blue and the outputs (the search stores an output
    as it computes it)."""
    rng = random.Random(seed)
    full = (1 << P.n) - 1
    for _ in range(count):
        red, blue, third = (sum(1 << v for v in range(P.n) if rng.random() < p)
                            for p in (rng.random() * 0.5, rng.random() * 0.5, rng.random() * 0.5))
        blue |= P.inputs
        if no_recompute:
            third = (third | red | blue) & ~P.inputs & full
        else:
            third &= ~(red | blue | P.outputs)
        yield red, blue, third


@pytest.mark.parametrize("no_recompute,stash", [(False, True), (False, False), (True, False)])
def test_rule_h_is_its_definition_and_admissible(no_recompute, stash):
    values, seen, finite = set(), set(), 0
    for k, G in enumerate(GRAPHS):
        C = compile_graph(G)
        P = Problem(C, C.n, no_recompute, True, stash=stash)
        for red, blue, third in random_states(P, no_recompute, 25, k):
            h, hy = rule_h(P, red, blue, third)
            assert (h, hy) == h_by_definition(P, red, blue, third, no_recompute, stash)
            if stash or no_recompute:  # classic without rule S: the third set is empty
                best = cost_to_go(P, red, blue, third, no_recompute)
                assert h <= best, (G.edges, red, blue, third)
                finite += best < float("inf")
            values.add(h)
            seen.add(hy != 0)
    # varied states: many values, operands seen or not, and admissibility checked often
    assert len(values) >= 5 and seen == {True, False}
    assert finite >= 60 or not (stash or no_recompute)


def test_rule_h2_is_the_exact_cost_to_go_with_unlimited_memory():
    values = set()
    for k, G in enumerate(GRAPHS):
        C = compile_graph(G)
        P = Problem(C, C.n, False, True)
        cut = CutRule(P, slots=8)  # cleared every few states
        states = list(random_states(P, False, 20, 100 + k))
        for _ in range(2):  # the second pass meets states the memo has seen
            for red, blue, stash in states:
                h2 = cut(red, blue, stash)
                assert h2 == cut_by_networkx(P, red, blue, stash)
                assert h2 == cost_to_go(P, red, blue, stash, False), (G.edges, red, blue, stash)
                assert rule_h(P, red, blue, stash)[0] <= h2
                values.add(h2)
    assert len(values) >= 6


@pytest.mark.parametrize("no_recompute", [False, True])
def test_both_rules_are_their_definitions_on_two_words(no_recompute):
    # 66 and 70 vertices: bitsets of two words (too many states for the oracle)
    for k, G in enumerate([pyramid_dag(11), small_dag(5, 70)]):
        G.remove_nodes_from([v for v in list(G) if G.degree(v) == 0])
        C = compile_graph(G)
        P = Problem(C, C.n, no_recompute, True)
        assert P.nwords == 2
        cut = CutRule(P)
        for red, blue, third in random_states(P, no_recompute, 15, 200 + k):
            assert rule_h(P, red, blue, third) == h_by_definition(P, red, blue, third,
                                                                   no_recompute, P.stash)
            if not no_recompute:
                assert cut(red, blue, third) == cut_by_networkx(P, red, blue, third)


def test_rule_h2_cuts_through_the_stash_at_two():
    # a0, a1, a2 -> b -> c: reloading b from the stash (2) beats loading the inputs (3)
    G = nx.DiGraph([("a0", "b"), ("a1", "b"), ("a2", "b"), ("b", "c")])
    C = compile_graph(G)
    P = Problem(C, C.n, False, True)
    b = 1 << C.lookup("b")
    assert CutRule(P)(0, P.inputs, b) == 3 == cost_to_go(P, 0, P.inputs, b, False)
    assert CutRule(P)(0, P.inputs, 0) == 4 == cost_to_go(P, 0, P.inputs, 0, False)
    assert rule_h(P, 0, P.inputs, b)[0] == 1  # rule H: the stash is not a load it counts


def test_rule_h2_memo_returns_what_it_stored():
    # one memo across graphs of the same word count would mix keys; one graph, many
    # states, a large table (never cleared): every state twice, interleaved
    C = compile_graph(pyramid_dag(3))
    P = Problem(C, C.n, False, True)
    cut = CutRule(P, slots=256)
    states = list(random_states(P, False, 40, 5))
    first = [cut(*st) for st in states]
    assert [cut(*st) for st in reversed(states)] == first[::-1]
    assert first == [cut_by_networkx(P, *st) for st in states]
    assert cut.memo[2][0] == len({_key(P, *st) for st in states} - {()})


def _key(P: Problem, red: int, blue: int, stash: int) -> tuple[int, ...]:
    """What rule H2's value depends on: pending outputs, the region, blue and stash in it
    (outputs without blue: nothing to do, nothing memoized)."""
    pending = P.outputs & ~blue
    if not pending:
        return ()
    region = pending & ~red
    for v in range(P.n - 1, -1, -1):
        if region >> v & 1:
            region |= P.pred_mask[v] & ~red
    return pending, region, blue & region, stash & region


@pytest.mark.parametrize("G,values", [
    (attention_dag(1, 1), {(0, 0, 0): 4}),
    (pyramid_dag(2), {(0, 0, 0): 4}),
])  # fmt: skip
def test_pinned_values_at_the_start(G, values):
    # at the start (nothing red, inputs blue) both rules count every input needed and
    # every output: the optimum with memory enough
    C = compile_graph(G)
    P = Problem(C, C.n, False, True)
    for (red, blue, stash), want in values.items():
        blue |= P.inputs
        assert rule_h(P, red, blue, stash)[0] == want
        assert CutRule(P)(red, blue, stash) == want
        assert cost_to_go(P, red, blue, stash, False) == want
