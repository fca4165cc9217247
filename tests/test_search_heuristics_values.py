"""Rules H, H2 and H3, the search's admissible bounds, against their definitions and
against the true cost to go, on every kind of state of a few tiny DAGs.

The oracle is Dijkstra's algorithm over the game's configurations from the state
itself, with unlimited memory (a relaxation: its cost to go is at most the true one at
any memory, so ``h <= oracle`` is admissibility). In the classic game with unlimited
memory the cost to go is exactly the outputs still to store plus the cheapest vertex cut
of rule H2, so H2 must equal it. Rule H3's tables are rebuilt by a Dijkstra over the
relaxed part game written from :mod:`redblue.lower.parts` (step 2), and its sum is
checked against a cost to go with the memory limit. The kernels get a scratch full of
garbage, as the search's reused one is. The tests stay small enough to run under
``NUMBA_DISABLE_JIT=1``, where mutmut mutates the kernels as plain Python
(benchmarks/mutation_score.py, target ``heuristics``).
"""

from __future__ import annotations

import heapq
import itertools
import random

import networkx as nx
import numpy as np
import pytest
from helpers import small_dag

from redblue.dags import attention_dag, chain_dag, pyramid_dag
from redblue.game import compile_graph
from redblue.search.heuristics import (
    INF,
    PART_BITS,
    PART_INF,
    PART_LARGE_N,
    _cut_heuristic,
    _heuristic,
    _max_flow,
    _part_heuristic,
    candidate_parts,
    flow_network,
    greedy_parts,
    part_tables,
    stack_part_tables,
)
from redblue.search.problem import Problem
from redblue.search.state import NSCRATCH, R_HM, R_HY, from_words, to_words


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


def _without_isolated(G: nx.DiGraph) -> nx.DiGraph:
    G.remove_nodes_from([v for v in list(G) if G.degree(v) == 0])
    return G


def _garbage(size: int, fill: int = ~np.uint64(0)) -> np.ndarray:
    """A scratch as the search hands it over: every bit set by earlier states (or, with
    ``fill=0``, none)."""
    return np.full(size, fill, np.uint64)


def _state(P: Problem, red: int, blue: int, third: int) -> np.ndarray:
    nw = P.nwords
    return np.array([*to_words(red, nw), *to_words(blue, nw), *to_words(third, nw)], np.uint64)


# -- the kernels, called in one place (the signature is the search's business) --------


def rule_h(P: Problem, red: int, blue: int, third: int) -> tuple[int, int, int]:
    """Rule H of the state, the must-compute set it found (row ``R_HM``, what rule H3
    reads) and the red loadable operands it saw (row ``R_HY``)."""
    vm, gm = P.tables()
    nw = P.nwords
    out = set()
    for fill in (0, ~np.uint64(0)):  # what the scratch held must not matter
        sc = _garbage(NSCRATCH * nw, fill)
        h = getattr(_heuristic, "py_func", _heuristic)(_state(P, red, blue, third), nw, vm, gm,
                                                       P.params(), sc)  # fmt: skip
        out.add((int(h), from_words(sc[R_HM * nw:(R_HM + 1) * nw]),
                 from_words(sc[R_HY * nw:(R_HY + 1) * nw])))  # fmt: skip
    assert len(out) == 1
    return out.pop()


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
        self.calls = 0

    def __call__(self, red: int, blue: int, stash: int) -> int:
        P = self.P
        vm, gm = P.tables()
        self.calls += 1  # a scratch of zeros, then one full of garbage, and so on
        sc = _garbage(NSCRATCH * P.nwords, 0 if self.calls % 2 else ~np.uint64(0))
        return int(_cut_heuristic(_state(P, red, blue, stash), P.wz, vm, gm,
                                  P.params(cut=True), *self.flow, *self.scratch, *self.memo,
                                  sc))  # fmt: skip


# -- the definitions, rebuilt from the docstrings ----------------------------------------


def h_by_definition(P: Problem, red: int, blue: int, third: int, no_recompute: bool,
                    stash: bool) -> tuple[int, int, int]:  # fmt: skip
    """Outputs without blue + loadable non-red operands of the must-compute set; that
    set; and the red loadable operands of that set."""
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
    return pending.bit_count() + loads.bit_count(), must, seen


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


def cost_to_go(P: Problem, red: int, blue: int, third: int, no_recompute: bool,
               memory: int | None = None) -> float:  # fmt: skip
    """The least I/O from the state to blue on every output, memory unlimited (or at
    most ``memory`` red pebbles): loads (of blue; in the classic game also of the stash,
    for 2: its store was owed), stores and computes (no-recompute: of vertices never
    computed, ``third``)."""
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
        full = memory is not None and r.bit_count() >= memory
        for v in range(P.n):
            bit = 1 << v
            moves = []
            if r & bit:
                if not b & bit:
                    moves.append((1, (r, b | bit, t)))
                if full:  # a deletion can wait until a pebble is needed
                    moves.append((0, (r & ~bit, b, t)))
            elif full:
                continue
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
            h, must, hy = rule_h(P, red, blue, third)
            assert (h, must, hy) == h_by_definition(P, red, blue, third, no_recompute, stash)
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
def test_both_rules_are_their_definitions_on_two_and_three_words(no_recompute):
    # bitsets of two and three words (too many states for the oracle); rule H walks the
    # words below each must-compute vertex's own, which takes three to see
    graphs = [pyramid_dag(11), small_dag(5, 70), pyramid_dag(16), small_dag(7, 150)]
    for k, G in enumerate(graphs):
        C = compile_graph(_without_isolated(G))
        P = Problem(C, C.n, no_recompute, True)
        assert P.nwords == 2 + k // 2
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


# -- rule H2's memo: keys that tell states apart, cleared when three quarters full -------


@pytest.mark.parametrize("G,low", [(small_dag(5, 70), 0), (pyramid_dag(11), 0),
                                   (pyramid_dag(11), 64), (small_dag(7, 150), 0),
                                   (small_dag(7, 150), 64)])  # fmt: skip
def test_rule_h2_memo_tells_neighbouring_states_apart(G, low):
    # a walk of states one pebble apart over one memo: a key that drops a word of what
    # the value depends on (pending outputs, region, blue or stash in it) hands a
    # neighbour's value back; from vertex ``low`` on: changes in the upper words alone
    C = compile_graph(_without_isolated(G))
    P = Problem(C, C.n, False, True)
    cut = CutRule(P, slots=1024)
    rng = random.Random(P.n + low)
    outputs = _bits(P.outputs)
    red, blue, stash = 0, P.inputs, 0
    for _ in range(120):
        v = rng.choice(outputs) if rng.random() < 0.3 else rng.randrange(low, P.n)
        which = rng.randrange(3)
        red ^= (which == 0) << v
        blue ^= (which == 1 and not P.inputs >> v & 1) << v
        stash ^= (which == 2) << v
        stash &= ~(red | blue | P.outputs)
        assert cut(red, blue, stash) == cut_by_networkx(P, red, blue, stash)


def test_rule_h2_memo_keys_see_each_vertex_of_the_upper_word():
    # from a few base states, each vertex of the upper word made red, or stashed, alone:
    # pairs of states whose keys differ in that word only
    C = compile_graph(pyramid_dag(11))
    P = Problem(C, C.n, False, True)
    cut = CutRule(P, slots=4096)
    rng = random.Random(3)
    for _ in range(3):
        red = sum(1 << v for v in range(64) if rng.random() < 0.3)
        stash = sum(1 << v for v in range(64, P.n) if rng.random() < 0.3) & ~P.outputs
        for x in range(64, P.n):
            bit = 1 << x
            for st in ((red, P.inputs, stash & ~bit), (red | bit, P.inputs, stash & ~bit),
                       (red, P.inputs, (stash | bit) & ~P.outputs)):  # fmt: skip
                assert cut(*st) == cut_by_networkx(P, *st)


def test_rule_h2_memo_is_cleared_when_three_quarters_full():
    # 8 slots: the table takes 6 distinct keys, and the 7th starts it over
    C = compile_graph(pyramid_dag(3))
    P = Problem(C, C.n, False, True)
    cut = CutRule(P, slots=8)
    held: set = set()
    cleared = 0
    for st in random_states(P, False, 60, 9):
        assert cut(*st) == cut_by_networkx(P, *st)
        key = _key(P, *st)
        if key and key not in held:
            if 4 * (len(held) + 1) > 3 * 8:
                held.clear()
                cleared += 1
            held.add(key)
        assert cut.memo[2][0] == len(held)
    assert cleared >= 3


def test_a_state_on_the_word_boundary():
    # 63 vertices: the vertex after the last one is bit 0 of the next word, in another
    # row of the scratch
    C = compile_graph(chain_dag(63))
    P = Problem(C, C.n, False, True)
    cut = CutRule(P)
    for red, blue, stash in random_states(P, False, 10, 4):
        assert cut(red, blue, stash) == cut_by_networkx(P, red, blue, stash)


# -- Dinic's maximum flow against networkx ------------------------------------------------


def max_flow(nodes: int, arcs: list[tuple[int, int, int]], src: int, snk: int) -> int:
    """:func:`_max_flow` on the network of ``arcs`` ``(a, b, capacity)``, in the arc-pair
    layout of :func:`flow_network`, from a scratch full of garbage."""
    head, cap, adj = [], [], [[] for _ in range(nodes)]
    for a, b, c in arcs:
        adj[a].append(len(head))
        head.append(b)
        cap.append(c)
        adj[b].append(len(head))
        head.append(a)
        cap.append(0)
    ptr = np.zeros(nodes + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in adj])
    flat = np.array([e for x in adj for e in x], np.int64)
    scratch = np.full((3, nodes), 12345, np.int64)
    queue = np.full(nodes, 12345, np.int64)
    return int(getattr(_max_flow, "py_func", _max_flow)(
        np.array(head, np.int64), ptr, flat, np.array(cap, np.int64), scratch, queue, src,
        snk))  # fmt: skip


def test_max_flow_is_the_maximum_flow():
    # random networks with parallel and opposite arcs: flows that must be pushed back
    # between any two nodes (not only the last, as in the search's networks)
    rng = random.Random(7)
    values = set()
    for _ in range(300):
        nodes = rng.randint(2, 10)
        arcs = [(a, b, rng.randint(1, 5)) for a, b in
                (rng.sample(range(nodes), 2) for _ in range(rng.randint(1, 4 * nodes)))]
        D = nx.DiGraph()
        D.add_nodes_from(range(nodes))
        for a, b, c in arcs:
            D.add_edge(a, b, capacity=D.edges[a, b]["capacity"] + c if D.has_edge(a, b) else c)
        src, snk = rng.sample(range(nodes), 2)
        want = int(nx.maximum_flow_value(D, src, snk))
        assert max_flow(nodes, arcs, src, snk) == want, (arcs, src, snk)
        values.add(want)
    assert len(values) >= 8


def test_max_flow_stops_at_inf():
    # no finite cut: the search stops once the flow reaches INF (a path pushed before
    # it may leave a little more)
    assert max_flow(4, [(0, 1, INF), (1, 3, INF), (0, 2, INF), (2, 3, INF)], 0, 3) == INF
    assert INF <= max_flow(4, [(0, 1, INF), (1, 3, 1), (0, 2, INF), (2, 3, INF)], 0, 3) < 2 * INF


def test_max_flow_pushes_back_flow_gathered_over_several_paths():
    # phase 1 sends s-a-u-v-t and s-b-u-v-t, one unit each; phase 2 must push both units
    # of u -> v back (s-x-x-x-v-u-w-w-w-t), so the reverse arc must hold their sum, 2
    s, a, b, u, v, t, x1, x2, x3, w1, w2, w3 = range(12)
    arcs = [(s, a, 1), (s, b, 1), (a, u, 1), (b, u, 1), (u, v, 2), (v, t, 2),
            (s, x1, 2), (x1, x2, 2), (x2, x3, 2), (x3, v, 2),
            (u, w1, 2), (w1, w2, 2), (w2, w3, 2), (w3, t, 2)]  # fmt: skip
    D = nx.DiGraph()
    D.add_weighted_edges_from(arcs, weight="capacity")
    assert nx.maximum_flow_value(D, s, t) == 4
    assert max_flow(12, arcs, s, t) == 4


# -- rule H3: tables, part sum and partitions against the relaxed part game -----------------


def part_game(G: Problem, part: list[int], memory: int) -> dict[tuple[int, int, int], int]:
    """The relaxed part game's optimum from every state ``(red, blue non-inputs, events
    left)`` (bitsets of vertex ids) that can finish, by the rules of
    :mod:`redblue.lower.parts` (step 2), found by Dijkstra from the goals backwards."""
    inside = sum(1 << v for v in part)
    nonin = [v for v in part if not G.inputs >> v & 1]
    events = sorted({w for w in range(G.n) for u in part
                     if G.pred_mask[w] >> u & 1 and not inside >> w & 1})  # fmt: skip
    ext = {v: (G.pred_mask[v] & ~inside).bit_count() for v in part + events}
    outb = sum(1 << v for v in nonin if G.outputs >> v & 1)

    def subsets(vs):
        return [sum(1 << v for v, keep in zip(vs, bits, strict=True) if keep)
                for bits in itertools.product((0, 1), repeat=len(vs))]  # fmt: skip

    back: dict = {}
    states = [(r, b, d) for r in subsets(part) for b in subsets(nonin) for d in subsets(events)]
    for r, b, d in states:
        nr = r.bit_count()
        moves = []
        for v in part:
            if r >> v & 1:
                moves.append((0, (r & ~(1 << v), b, d)))  # delete
                if v in nonin and not b >> v & 1:
                    moves.append((1, (r, b | 1 << v, d)))  # store
                continue
            if (v not in nonin or b >> v & 1) and nr < memory:
                moves.append((1, (r | 1 << v, b, d)))  # load
            if (v in nonin and G.pred_mask[v] & inside & ~r == 0
                    and nr <= memory - 1 - ext[v]):  # fmt: skip
                moves.append((0, (r | 1 << v, b, d)))  # compute
        for w in events:
            if d >> w & 1 and G.pred_mask[w] & inside & ~r == 0 and nr <= memory - 1 - ext[w]:
                moves.append((0, (r, b, d & ~(1 << w))))  # event
        for c, nxt in moves:
            back.setdefault(nxt, []).append((c, (r, b, d)))
    dist = {st: 0 for st in states if st[2] == 0 and st[1] & outb == outb}
    heap = [(0, st) for st in dist]
    while heap:
        g, st = heapq.heappop(heap)
        if dist[st] < g:
            continue
        for c, prev in back.get(st, ()):
            if g + c < dist.get(prev, 1 << 30):
                dist[prev] = g + c
                heapq.heappush(heap, (g + c, prev))
    return dist


def _parts_ok(n: int, preds: list[list[int]], is_input, parts: list[list[int]], bits: int):
    """``parts`` is what :func:`greedy_parts` promises: a partition into sorted parts,
    each grown from the lowest vertex left, connected, with a table of at most ``bits``
    bits, and no neighbour left that would still fit."""
    succs: list[list[int]] = [[] for _ in range(n)]
    for v in range(n):
        for u in preds[v]:
            succs[u].append(v)

    def size(part: set) -> int:
        out = {w for v in part for w in succs[v]} - part
        return len(part) + sum(not is_input[v] for v in part) + len(out)

    assert sorted(v for p in parts for v in p) == list(range(n))
    left = set(range(n))
    for p in parts:
        assert p == sorted(p) and p[0] == min(left)
        assert nx.is_connected(nx.Graph([(u, v) for v in p for u in preds[v] if u in p]
                                        + [(v, v) for v in p]))  # fmt: skip
        left -= set(p)
        assert size(set(p)) <= bits or len(p) == 1
        for w in {x for v in p for x in preds[v] + succs[v]} & left:
            assert size(set(p) | {w}) > bits


def greedy_by_definition(n: int, preds: list[list[int]], is_input, bits: int):
    """Parts grown from the lowest vertex left, each time by the neighbour left with the
    most edges into the part whose table still fits ``bits`` (lowest id on ties)."""
    edges = {(u, v) for v in range(n) for u in preds[v]}
    left, parts = set(range(n)), []
    while left:
        part = {min(left)}
        while True:
            into = {w: sum((u, w) in edges or (w, u) in edges for u in part)
                    for w in left - part}  # fmt: skip
            fits = [w for w in into if into[w] and _size(n, edges, is_input, part | {w}) <= bits]
            if not fits:
                break
            part.add(min(fits, key=lambda w: (-into[w], w)))
        left -= part
        parts.append(sorted(part))
    return parts


def _size(n: int, edges: set, is_input, part: set) -> int:
    """Bits of a part's table: red, non-input blue, events."""
    events = {w for u, w in edges if u in part and w not in part}
    return len(part) + sum(not is_input[v] for v in part) + len(events)


def _problem(G: nx.DiGraph, memory: int) -> Problem:
    C = compile_graph(G)
    return Problem(C, memory, False, True)


H3_GRAPHS = [pyramid_dag(3), attention_dag(1, 1), *GRAPHS[3:]]


@pytest.mark.parametrize("bits", [6, 8])
def test_partitions_are_greedy_partitions(bits):
    for G in H3_GRAPHS:
        P = _problem(G, 3)
        parts = greedy_parts(P.n, P.preds, P.graph.is_input, bits)
        _parts_ok(P.n, P.preds, P.graph.is_input, parts, bits)
        assert parts == greedy_by_definition(P.n, P.preds, P.graph.is_input, bits)
    # candidates: greedy from the sources and, on the reversed graph, from the sinks
    for G in H3_GRAPHS:
        P = _problem(G, 3)
        n, is_input = P.n, P.graph.is_input
        rev: list[list[int]] = [[] for _ in range(n)]
        for v in range(n):
            for u in P.preds[v]:
                rev[n - 1 - u].append(n - 1 - v)
        found = candidate_parts(n, P.preds, is_input, (bits, bits + 1))
        want = []  # each size's two partitions, each partition once
        for b in (bits, bits + 1):
            back = greedy_by_definition(n, rev, [False] * n, b)
            _parts_ok(n, rev, [False] * n, back, b)
            for parts in (greedy_parts(n, P.preds, is_input, b),
                          [sorted(n - 1 - v for v in p) for p in back]):
                if parts not in want:
                    want.append(parts)
        assert found == want
    big = _problem(attention_dag(2, 2), 3)  # 48 vertices: 8 sizes, up to 24 bits
    assert big.n >= PART_LARGE_N
    assert len(candidate_parts(big.n, big.preds, big.graph.is_input)) > 8
    P = _problem(GRAPHS[4], 3)  # 6 vertices: 10 to 16 bits, whole from 12 bits up
    assert len(candidate_parts(P.n, P.preds, P.graph.is_input)) == 3
    small = _problem(pyramid_dag(4), 3)  # 15 vertices: larger parts would be tried
    args = (small.n, small.preds, small.graph.is_input)
    assert candidate_parts(*args) == candidate_parts(*args, (10, 12, 14, 16))
    assert candidate_parts(*args) != candidate_parts(*args, (10, 12, 14, 16, 18, 20))


@pytest.mark.parametrize("memory", [2, 3, 4])
def test_part_tables_are_the_relaxed_part_games(memory):
    entries = finite = 0
    for G in H3_GRAPHS:
        P = _problem(G, memory)
        n, is_input = P.n, P.graph.is_input
        parts = [list(range(n))] + greedy_parts(n, P.preds, is_input, 8)  # the first too big
        calls = []
        pm, pv, pt = part_tables(n, P.preds, is_input, P.graph.is_output, memory, parts, 8,
                                 check=lambda c=calls: c.append(1))  # fmt: skip
        kept = [p for p in parts if len(part_game_shape(P, p)) <= 8]
        assert len(calls) == len(kept) == len(pm) < len(parts)
        assert pt.dtype == np.int8 and len(pt) == sum(1 << int(k + kb + e)
                                                      for k, kb, e, _, _ in pm)  # fmt: skip
        for (k, kb, e, off, at), part in zip(pm.tolist(), kept, strict=True):
            vs = pv[at:at + k + kb + e].tolist()
            shape = part_game_shape(P, part)
            assert vs == shape
            want = part_game(P, part, memory)
            for idx in range(1 << (k + kb + e)):
                st = tuple(sum(1 << v for j, v in enumerate(vs[lo:hi]) if idx >> (lo + j) & 1)
                           for lo, hi in ((0, k), (k, k + kb), (k + kb, k + kb + e)))
                assert pt[off + idx] == want.get(st, PART_INF), (part, st)
                entries += 1
                finite += st in want
    assert finite > 500 and (entries > finite or memory > 2)  # M = 2: some cannot finish


def part_game_shape(P: Problem, part: list[int]) -> list[int]:
    """A part's vertices, its non-inputs and its events (outside vertices with a
    predecessor inside), one list after the other as the tables list them."""
    return part + part_nonin(P, part) + part_events(P, part)


def part_nonin(P: Problem, part: list[int]) -> list[int]:
    return [v for v in part if not P.inputs >> v & 1]


def part_events(P: Problem, part: list[int]) -> list[int]:
    return sorted({w for w in range(P.n) for u in part
                   if P.pred_mask[w] >> u & 1 and w not in part})  # fmt: skip


def test_part_tables_keep_the_parts_that_fit():
    P = _problem(pyramid_dag(2), 3)
    args = (P.n, P.preds, P.graph.is_input, P.graph.is_output, 3)
    pm, pv, pt = part_tables(*args, [[*range(6)]], bits=8)
    assert pm.shape == (0, 5) and len(pv) == 0 and pt.tolist() == [0]
    assert (pm.dtype, pv.dtype, pt.dtype) == (np.int64, np.int64, np.int8)  # what numba takes
    for bits in (8, 14):  # the default parts: greedy at the same number of bits
        default = part_tables(*args, bits=bits)
        again = part_tables(*args, greedy_parts(P.n, P.preds, P.graph.is_input, bits), bits)
        assert all((a == b).all() for a, b in zip(default, again, strict=True))
    # a part is left out when its events push it over, not only its own vertices
    P = _problem(GRAPHS[4], 3)
    args = (P.n, P.preds, P.graph.is_input, P.graph.is_output, 3)
    parts = greedy_parts(P.n, P.preds, P.graph.is_input, 8)
    for bits in (4, 7):
        shapes = [(len(p), len(part_nonin(P, p)), len(part_events(P, p))) for p in parts]
        assert any(k + kb <= bits < k + kb + e for k, kb, e in shapes)
        pm = part_tables(*args, parts, bits)[0]
        assert pm[:, :3].tolist() == [list(s) for s in shapes if sum(s) <= bits]


def test_part_tables_load_the_filler_within_their_limits(monkeypatch):
    # the search's deadline reaches the loading of the compiled table filler
    from redblue.search import limits

    seen = []
    monkeypatch.setattr(limits, "load_within", lambda fn, args, lim: seen.append(lim))
    P = _problem(pyramid_dag(2), 3)
    mark = object()
    pm = part_tables(P.n, P.preds, P.graph.is_input, P.graph.is_output, 3, limits=mark)[0]
    assert len(seen) == len(pm) > 0 and all(lim is mark for lim in seen)


@pytest.mark.parametrize("memory", [2, 3])
def test_part_sum_is_its_definition_and_admissible(memory):
    values, checked = set(), 0
    for k, G in enumerate(H3_GRAPHS):
        P = _problem(G, memory)
        n, is_input = P.n, P.graph.is_input
        parts = greedy_parts(n, P.preds, is_input, 8)
        tables = part_tables(n, P.preds, is_input, P.graph.is_output, memory, parts, 8)
        games = [(p, part_game(P, p, memory)) for p in parts
                 if len(part_game_shape(P, p)) <= 8]  # fmt: skip
        vm, gm = P.tables()
        for red, blue, stash in random_states(P, False, 30, 300 + k):
            if red.bit_count() > memory:
                continue
            sc = _garbage(NSCRATCH * P.nwords)
            got = int(getattr(_part_heuristic, "py_func", _part_heuristic)(
                _state(P, red, blue, stash), P.wz, vm, gm, P.params(), sc, *tables))
            must = h_by_definition(P, red, blue, stash, False, True)[1]
            assert from_words(sc[R_HM * P.nwords:(R_HM + 1) * P.nwords]) == must
            want = 0
            for part, game in games:
                inside = sum(1 << v for v in part)
                events = sum(1 << w for w in part_events(P, part))
                nonin = sum(1 << v for v in part_nonin(P, part))
                st = (red & inside, (blue | stash) & nonin, must & events)
                want += game.get(st, 0)  # a state the game cannot finish counts 0
            assert got == want
            assert got <= cost_to_go(P, red, blue, stash, False, memory)
            values.add(got)
            checked += 1
    assert checked >= 60 and len(values) >= 4


def test_stacked_partitions_take_the_largest_sum():
    """Several partitions stacked (``stack_part_tables``): the bound of a state is the
    largest of the partitions' sums, each partition summed apart (its rows together)."""
    winners, checked = set(), 0
    for k, G in enumerate(H3_GRAPHS):
        P = _problem(G, 3)
        n, is_input, is_output = P.n, P.graph.is_input, P.graph.is_output
        partitions = [greedy_parts(n, P.preds, is_input, b) for b in (4, 6, 8)]
        singles = [part_tables(n, P.preds, is_input, is_output, 3, p, 8) for p in partitions]
        stacked = stack_part_tables(singles)
        assert stacked[0][:, 5].tolist() == [i for i, t in enumerate(singles)
                                             for _ in range(len(t[0]))]  # fmt: skip
        vm, gm = P.tables()
        h3 = getattr(_part_heuristic, "py_func", _part_heuristic)
        for red, blue, stash in random_states(P, False, 30, 700 + k):
            if red.bit_count() > 3:
                continue
            s = _state(P, red, blue, stash)
            each = [int(h3(s, P.wz, vm, gm, P.params(), _garbage(NSCRATCH * P.nwords), *t))
                    for t in singles]  # fmt: skip
            got = int(h3(s, P.wz, vm, gm, P.params(), _garbage(NSCRATCH * P.nwords), *stacked))
            assert got == max(each), (red, blue, stash, each)
            if each.count(max(each)) == 1:
                winners.add(each.index(max(each)))
            checked += 1
    assert checked >= 60 and len(winners) >= 2  # not always the same partition's


class _Clock:
    """A ``time`` module whose clock moves only when told to."""

    def __init__(self, now: float = 100.0):
        self.now = now

    def monotonic(self) -> float:
        return self.now


def _chain_parts(lengths):
    """Chains of the given lengths side by side, one part each: a part of ``L`` vertices
    has ``L`` red bits and ``L - 1`` blue bits (its first vertex is an input)."""
    G = nx.union_all([nx.relabel_nodes(chain_dag(L), lambda v, i=i: f"{i}:{v}")
                      for i, L in enumerate(lengths)])  # fmt: skip
    P = _problem(G, 3)
    parts = [sorted(P.graph.index[f"{i}:x[{j}]"] for j in range(L))
             for i, L in enumerate(lengths)]  # fmt: skip
    return P, parts


def test_part_tables_keep_within_their_entries_and_their_time(monkeypatch):
    import redblue.search.heuristics as heuristics

    fills = []
    monkeypatch.setattr(heuristics, "call_within",
                        lambda fn, args, limits: fills.append(len(args[-1])))  # fmt: skip
    P, parts = _chain_parts([4, 5, 3, 2])  # tables of 2^7, 2^9, 2^5 and 2^3 entries
    args = (P.n, P.preds, P.graph.is_input, P.graph.is_output, 3, parts, 24)
    sizes = [128, 512, 32, 8]
    # the entries cap: a part past it is left out, and the smaller ones after it kept
    for entries, kept in ((680, sizes), (679, [128, 512, 32]), (136, [128, 8]), (7, [])):
        fills.clear()
        pm = part_tables(*args, entries=entries)[0]
        assert fills == kept and [1 << int(k + kb + e) for k, kb, e, *_ in pm] == kept
    # the time: a fill expected to end past stop_at (its entries at _FILL_RATE seconds
    # each) is skipped and reported, and the smaller ones after it still made
    clock = _Clock()
    monkeypatch.setattr(heuristics, "time", clock)
    monkeypatch.setattr(heuristics, "_FILL_RATE", [1 / 128])  # (exact in binary)
    for budget, kept in ((4.0, sizes), (3.99, [128, 32, 8]), (1.0, [128, 32, 8]),
                         (0.99, [32, 8]), (0.0625, [8])):  # fmt: skip
        fills.clear()
        skipped = []
        part_tables(*args, stop_at=clock.now + budget, skipped=skipped)
        assert fills == kept, budget
        assert skipped == [p for p, size in zip(parts, sizes, strict=True)
                           if size not in kept]  # fmt: skip
    fills.clear()
    part_tables(*args, stop_at=clock.now)  # nothing fits; no list to report it in
    assert fills == []


def test_part_tables_skip_a_part_without_memory_and_learn_the_fill_rate(monkeypatch):
    import redblue.search.heuristics as heuristics

    clock = _Clock()
    monkeypatch.setattr(heuristics, "time", clock)
    rate = [0.5]
    monkeypatch.setattr(heuristics, "_FILL_RATE", rate)

    def fill(fn, args, limits):  # 2^15 entries: no room; others take 3 s
        if len(args[-1]) == 1 << 15:
            raise MemoryError
        clock.now += 3.0

    monkeypatch.setattr(heuristics, "call_within", fill)
    P, parts = _chain_parts([8, 9, 2, 8])  # 2^15, 2^17, 2^3, and 2^15 again (shared)
    skipped = []
    pm = part_tables(P.n, P.preds, P.graph.is_input, P.graph.is_output, 3, parts, 24,
                     skipped=skipped)[0]  # fmt: skip
    assert skipped == [parts[0], parts[3]] and pm[:, :3].tolist() == [[9, 8, 0], [2, 1, 0]]
    assert rate == [3.0 / (1 << 17)]  # learnt from the large fill, not from the small one
    part_tables(P.n, P.preds, P.graph.is_input, P.graph.is_output, 3, [parts[2]], 24)
    assert rate == [3.0 / (1 << 17)]
    P, (whole,) = _chain_parts([9])  # 2^17, then exactly 2^16 (no input): the last counts
    parts = [whole, whole[1:]]
    part_tables(P.n, P.preds, P.graph.is_input, P.graph.is_output, 3, parts, 24)
    assert rate == [3.0 / (1 << 16)]
    part_tables(P.n, P.preds, P.graph.is_input, P.graph.is_output, 3, parts, 24)  # no room
    assert rate == [3.0 / (1 << 16)]


def test_candidate_sizes(monkeypatch):
    """The sizes tried: 10, 12, 14 and 16 bits, and up to PART_BITS from PART_LARGE_N
    vertices on (each grown from the sources and from the sinks)."""
    import redblue.search.heuristics as heuristics

    seen = []
    real = heuristics.greedy_parts
    monkeypatch.setattr(heuristics, "greedy_parts",
                        lambda n, preds, is_input, bits: seen.append(bits) or real(
                            n, preds, is_input, bits))  # fmt: skip
    for n, want in ((PART_LARGE_N - 1, [10, 12, 14, 16]),
                    (PART_LARGE_N, [10, 12, 14, 16, 18, 20, 22, PART_BITS])):  # fmt: skip
        P = _problem(chain_dag(n), 3)
        seen.clear()
        candidate_parts(P.n, P.preds, P.graph.is_input)
        assert seen == [b for b in want for _ in range(2)], n
