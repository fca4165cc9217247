"""The search core (redblue.search.core) against independent oracles.

The oracles share no code with the core: the brute-force Dijkstra over all legal moves
of test_search_rules, the naive Dijkstra of ``method="naive"``, and the HiGHS ILP,
exact in the no-recompute game. Graphs above 64 and 128 vertices (two and four words a
bitset) are checked through a chain that feeds a small DAG: however long the chain, it
costs one load, so the optimum is that of the same DAG behind a chain of two, which the
brute force can solve. A few state counts and optima are pinned: a change of the search
shows there first.

The default run compiles the kernels of one and two words only (about a minute of CPU
each on a cold cache); the kernel of three words and more is compiled by the slow tests,
and its code (the same source) runs here as plain Python (``NUMBA_DISABLE_JIT=1``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from helpers import small_dag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_search_rules import brute_force, doubled_dag, with_outputs

from redblue.dags import attention_dag, chain_dag, fft_dag, pyramid_dag, random_dag
from redblue.errors import InvalidInputError
from redblue.game import compile_graph, replay
from redblue.game.strategy import EncodedMoves
from redblue.search import core, solve
from redblue.search.core import compiled_search, compiled_weighted_search
from redblue.search.limits import RESERVE_MIN, MemorySource
from redblue.search.problem import Problem
from redblue.search.rules import RULES

ROOT = Path(__file__).resolve().parent.parent


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nodes=st.integers(3, 7), extra=st.integers(0, 2),
       no_recompute=st.booleans())  # fmt: skip
def test_optimum_matches_the_oracles(seed, nodes, extra, no_recompute):
    G = with_outputs(small_dag(seed, nodes, max_indegree=2))
    if G.number_of_edges() == 0:
        return
    M = compile_graph(G).min_memory() + extra
    variant = "no-recompute" if no_recompute else "classic"
    r = solve(G, M, variant)
    assert r.optimal and r.details["core"] == "compiled"
    P = Problem(compile_graph(G), M, no_recompute, True)
    assert P.start_bound() == P.start()[1] <= r.io  # rule H at the start, twice
    assert r.io == brute_force(G, M, no_recompute)
    assert r.io == solve(G, M, variant, method="naive").io
    if no_recompute:  # the ILP's horizon is exact there: an independent proof
        ilp = solve(G, M, variant, method="ilp")
        assert ilp.optimal and ilp.io == r.io
    assert replay(G, r.strategy, M, variant).io == r.io


def shifted(G: nx.DiGraph, k: int) -> nx.DiGraph:
    """``G`` fed by a chain of ``k`` vertices: its vertices get ids ``k`` and above."""
    H = nx.DiGraph()
    nx.add_path(H, [f"c{i}" for i in range(k)])
    H.update(G)
    H.add_edges_from((f"c{k - 1}", v) for v in G if G.in_degree(v) == 0)
    return H


# (the kernel of three or more words is compiled in the slow run only)
FOUR = pytest.mark.slow


@pytest.mark.parametrize(("seed", "k", "words", "variant"),
                         [(0, 62, 2, "classic"), (4, 62, 2, "classic"), (4, 62, 2, "no-recompute"),
                          pytest.param(4, 190, 4, "classic", marks=FOUR),
                          pytest.param(4, 190, 4, "no-recompute", marks=FOUR)])  # fmt: skip
def test_several_words_against_the_oracles(seed, k, words, variant):
    # two copies of a random DAG (a symmetry) at ids k and above: the high words in use;
    # the oracle solves the same DAG behind a chain of two (brute force; the ILP, exact
    # there, in the no-recompute game)
    G = doubled_dag(seed, 5)
    big = compile_graph(shifted(G, k))
    assert min(big.index[v] for v in G) >= k
    M = big.min_memory()
    r = solve(big, M, variant)
    assert r.details["words"] == words and r.states > 0  # searched, not just seeded
    small = shifted(G, 2)
    if variant == "classic":
        want = brute_force(small, M, False)
    else:
        want = solve(small, M, variant, method="ilp").io
    assert r.optimal and r.io == want
    assert replay(big, r.strategy, M, variant).io == want


def test_several_words_in_plain_python(tmp_path):
    # the kernel of three or more words (an array of words, not compiled in the default
    # run) as plain Python: ids above 128, the words 2 and 3 in use
    # (the no-recompute game: some 70 states, where the classic one takes thousands)
    G = doubled_dag(4, 5)
    want = brute_force(shifted(G, 2), compile_graph(shifted(G, 190)).min_memory(), True)
    code = ("import sys\nsys.path.insert(0, sys.argv[1])\n"
            "from test_search_core import doubled_dag, shifted\n"
            "from redblue.game import compile_graph\nfrom redblue.search import solve\n"
            "big = compile_graph(shifted(doubled_dag(4, 5), 190))\n"
            "r = solve(big, big.min_memory(), 'no-recompute')\n"
            "print(r.details['words'], r.optimal, r.io, r.states > 0)\n")  # fmt: skip
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    p = subprocess.run([sys.executable, "-c", code, str(ROOT / "tests")], capture_output=True,
                       text=True, env=env, cwd=tmp_path, timeout=300)  # fmt: skip
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["4", "True", str(want), "True"]


@FOUR
def test_two_hundred_nodes_in_the_compiled_core():
    # a random DAG of 200 nodes: four words a bitset, searched (no fallback), bounds proven
    G = random_dag(200, 4)
    C = compile_graph(G)
    compiled_search(Problem(C, 4, False, True), state_limit=1)  # compiled if it is not yet
    seen = []
    r = solve(C, 4, time_limit=10.0, progress=seen.append)
    assert r.details["core"] == "compiled" and r.details["words"] == 4
    assert "core_note" not in r.details
    assert r.states > 0 and r.lower <= r.upper
    assert replay(C, r.strategy, 4).io == r.upper


# solve's state counts (with its seeds) and optima, found before the kernel took several
# words, identical in the pure-Python core it replaced (pyramid M = 3 classic: 222 before
# rule H3). Partial expansion (a state's successors made band by band of their bound)
# changed the order of the last f layer, and with it the classic counts: 152 -> 157,
# 132 -> 70, 3,366 -> 3,378 (the no-recompute ones stayed); 3,378 -> 3,423 when the last
# bucket below the bound was made at once again and states with few successors above
# their band expanded whole (the order within a layer changed again)
PINNED = [
    (pyramid_dag(4), 3, "classic", 18, 157),
    (pyramid_dag(4), 3, "no-recompute", 18, 54),
    (pyramid_dag(4), 4, "classic", 10, 70),
    (attention_dag(2, 1), 6, "classic", 10, 3423),
    (attention_dag(2, 1), 6, "no-recompute", 10, 63),
]


@pytest.mark.parametrize(("G", "M", "variant", "io", "states"), PINNED)
def test_pinned_state_counts(G, M, variant, io, states):
    r = solve(G, M, variant)
    assert (r.optimal, r.io, r.states) == (True, io, states)


def test_pinned_optima():
    # attention N = 2, d = 1 (tree sums) in the classic game, and FFT-8 at M = 3
    A = attention_dag(2, 1)
    assert [solve(A, M).io for M in range(4, 9)] == [15, 11, 10, 9, 8]
    r = solve(fft_dag(8), 3)
    assert (r.optimal, r.io) == (True, 40)


def test_plain_python_gives_the_same_optimum(tmp_path):
    # NUMBA_DISABLE_JIT=1 runs the kernel as plain Python: same search, same answer
    code = ("from redblue.dags import pyramid_dag\nfrom redblue.search import solve\n"
            "r = solve(pyramid_dag(4), 3)\nprint(r.io, r.states)\n")  # fmt: skip
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=env, cwd=tmp_path, timeout=120)  # fmt: skip
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["18", "157"]


def test_memory_limit_stops_with_bounds(monkeypatch):
    G = attention_dag(2, 1)
    want = solve(G, 3).io  # about 90,000 states expanded, many more stored
    # a memory limit leaving 1 MiB above the reserve: the tables cannot grow past it
    tight = MemorySource("test limit", RESERVE_MIN + (1 << 20), lambda: 0)
    monkeypatch.setattr("redblue.search.limits.memory_sources", lambda *a, **k: [tight])
    r = solve(G, 3)
    assert r.stopped == "memory limit" and not r.optimal and r.io is None
    assert r.lower <= want <= r.upper
    assert replay(G, r.strategy, 3).io == r.upper


def test_limits_and_progress_in_the_compiled_core():
    C = compile_graph(attention_dag(2, 2))
    seen = []
    out = compiled_search(Problem(C, 4, False, True), state_limit=3000, progress=seen.append,
                          progress_every=0.0)  # fmt: skip
    assert not out.optimal and out.stopped == "state limit" and out.states == 3000
    assert seen and {"states", "lower", "stored", "seconds"} <= set(seen[0])
    out = compiled_search(Problem(C, 4, False, True), time_limit=0.2)
    assert not out.optimal and out.stopped == "time limit"
    r = solve(C, 4, time_limit=1.0)
    assert not r.optimal and r.lower < r.upper and r.stopped == "time limit"
    assert replay(attention_dag(2, 2), r.strategy, 4).io == r.upper


def test_core_choice():
    with pytest.raises(InvalidInputError, match="unknown core"):
        solve(chain_dag(3), 2, core="python")
    assert solve(chain_dag(100), 2, core="compiled").io == 2
    assert set(RULES) >= {"stash", "symmetry"}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nodes=st.integers(3, 8), weight=st.integers(1, 5),
       no_recompute=st.booleans())  # fmt: skip
def test_weighted_search_finds_valid_strategies(seed, nodes, weight, no_recompute):
    # weighted A* seeds the bound: what it finds must replay at the cost it claims, never
    # below the optimum, and plain A* (weight 1) must find the optimum itself
    G = with_outputs(small_dag(seed, nodes, max_indegree=2))
    if G.number_of_edges() == 0:
        return
    C = compile_graph(G)
    M = C.min_memory()
    variant = "no-recompute" if no_recompute else "classic"
    want = brute_force(G, M, no_recompute)
    P = Problem(C, M, no_recompute, True)
    cost, macros = compiled_weighted_search(P, weight, 5.0)
    kinds, nodes_ = P.moves_of(macros)
    enc = EncodedMoves(C, np.array(kinds, np.int8), np.array(nodes_, np.int32))
    assert replay(C, enc, M, variant).io == cost >= want
    if weight == 1:
        assert cost == want
    assert compiled_weighted_search(P, weight, 5.0, upper=want) is None  # nothing cheaper


def test_weighted_search_seeds_the_bound_whatever_the_load(monkeypatch):
    # on the N = 3, d = 1 attention DAG at M = 5 greedy schedules cost 74; weighted A* in
    # the no-recompute game finds a far cheaper strategy; under a state limit its runs get
    # states, not seconds, so a loaded machine (a clock 20 times fast) finds the same one
    C = compile_graph(attention_dag(3, 1))
    calm = solve(C, 5, time_limit=120.0, state_limit=1000)
    assert calm.details["seed"].startswith("weighted A*")
    assert calm.upper < 40 and replay(C, calm.strategy, 5).io == calm.upper
    real = time.monotonic
    t0 = real()
    monkeypatch.setattr(time, "monotonic", lambda: t0 + 20 * (real() - t0))
    busy = solve(C, 5, time_limit=120.0, state_limit=1000)
    monkeypatch.undo()
    assert busy.stopped == calm.stopped == "state limit"
    assert (busy.upper, busy.details["seed"]) == (calm.upper, calm.details["seed"])
    with pytest.raises(ValueError, match="at least 1"):
        compiled_weighted_search(Problem(C, 5, True, True), 0, 1.0)


def cut_by_networkx(C, red: int, blue: int, stash: int) -> int:
    """Rule H2 by its definition, with networkx's max flow: outputs without blue plus a
    cheapest vertex cut (blue 1, stash 2, else uncuttable) between the inputs and them
    among the vertices without red they need."""
    pending = {v for v in range(C.n) if C.is_output[v] and not blue >> v & 1}
    if not pending:
        return 0
    region = {v for v in pending if not red >> v & 1}
    for v in range(C.n - 1, -1, -1):
        if v in region:
            region |= {u for u in C.predecessors(v).tolist() if not red >> u & 1}
    D = nx.DiGraph()
    D.add_nodes_from(["s", "t"])
    for v in region:
        cap = 1 if blue >> v & 1 else 2 if stash >> v & 1 else None
        D.add_edge(("in", v), ("out", v), **({} if cap is None else {"capacity": cap}))
        if C.is_input[v]:
            D.add_edge("s", ("in", v))
        if v in pending:
            D.add_edge(("out", v), "t")
        for u in C.predecessors(v).tolist():
            if u in region:
                D.add_edge(("out", u), ("in", v))
    return len(pending) + int(nx.maximum_flow_value(D, "s", "t"))


@pytest.mark.parametrize("G", [attention_dag(2, 1), pyramid_dag(5), shifted(doubled_dag(1, 6), 62)])
def test_cut_heuristic_is_its_definition(G):
    # rule H2 in the kernel (Dinic's algorithm, memoized) against networkx's max flow on
    # random classic states (blue over the inputs, a stash apart from blue)
    from redblue.search.heuristics import _cut_heuristic, flow_network
    from redblue.search.state import NSCRATCH, to_words

    C = compile_graph(G)
    P = Problem(C, C.n, False, True)
    vm, gm = P.tables()
    prm = P.params(cut=True)
    nw = P.nwords
    flow = flow_network(C.n, P.preds, C.is_input)
    rng = np.random.default_rng(7)
    values = set()
    memo_keys, memo_val = np.empty((64, 4 * nw), np.uint64), np.full(64, -1, np.int64)
    for _ in range(60):
        red, blue, stash = (int(sum(1 << v for v in range(C.n) if rng.random() < p))
                            for p in (rng.random() * 0.4, rng.random() * 0.5, rng.random() * 0.4))
        blue |= P.inputs
        stash &= ~blue
        s = np.array([*to_words(red, nw), *to_words(blue, nw), *to_words(stash, nw)])
        got = _cut_heuristic(s, P.wz, vm, gm, prm, *flow, np.empty_like(flow[1]),
                             np.empty((3, 2 * C.n + 2), np.int64),
                             np.empty(2 * C.n + 2, np.int64), memo_keys, memo_val,
                             np.zeros(1, np.int64), np.empty(4 * nw, np.uint64),
                             np.zeros(NSCRATCH * nw, np.uint64))  # fmt: skip
        want = cut_by_networkx(C, red, blue, stash)
        assert got == want
        values.add(want)
    assert len(values) > 3  # the states are varied enough to mean something


def test_cached_kernels_dropped_when_an_inlined_module_changes(tmp_path):
    """numba checks only core.py's timestamp: an edit of rules.py must drop the cache."""
    from redblue.search.core import drop_stale_cache

    for name in ("core.py", "rules.py"):
        (tmp_path / name).write_text(f"# {name}\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    # the kernel, and a function of an inlined module (cached under its own name)
    kernel = [cache / "core._search-1.py311.nbi", cache / "core._search-1.py311.1.nbc",
              cache / "rules._live-1.py311.nbi"]  # fmt: skip
    other = cache / "replay._kernel-1.py311.nbi"
    for f in (*kernel, other):
        f.write_text("x")
    sources = ("core.py", "rules.py")
    assert drop_stale_cache(tmp_path, sources)  # no digest yet: dropped, digest written
    assert not any(f.exists() for f in kernel) and other.exists()
    for f in kernel:
        f.write_text("x")
    assert not drop_stale_cache(tmp_path, sources)  # unchanged sources: kept
    assert all(f.exists() for f in kernel)
    (tmp_path / "rules.py").write_text("# rules.py, edited\n")
    assert drop_stale_cache(tmp_path, sources)
    assert not any(f.exists() for f in kernel)


_NAIVE: dict = {}  # (seed, no_recompute) -> the naive Dijkstra's optimum


@pytest.mark.parametrize("whole", [core._WHOLE, 0, 1 << 40])
def test_the_kernel_alone_finds_the_optimum(monkeypatch, whole):
    """No seed: the kernel itself must reach a goal at the optimum, on 25 random 8-node
    DAGs in both games. This is what sees a search that loses states (a partial expansion
    whose later bands are never queued fails on 5 of these 50; ``solve`` would still
    report its seeds' cost, often optimal on DAGs this small). Partial expansion's
    threshold as shipped, 0 (every state expanded whole) and ``1 << 40`` (a state is
    expanded whole only when no successor lies above its band); no upper bound, and one
    above the optimum (the optimum's bucket is the last below the limit: first bands
    there are made at once) and at it (nothing cheaper: the search exhausts)."""
    monkeypatch.setattr(core, "_WHOLE", whole)
    for seed in range(250, 275):
        G = with_outputs(small_dag(seed, 8, max_indegree=2))
        if G.number_of_edges() == 0:
            continue
        C = compile_graph(G)
        M = C.min_memory()
        for no_recompute in (False, True):
            variant = "no-recompute" if no_recompute else "classic"
            if (seed, no_recompute) not in _NAIVE:  # Dijkstra over every move
                _NAIVE[seed, no_recompute] = solve(C, M, variant, method="naive").io
            want = _NAIVE[seed, no_recompute]
            P = Problem(C, M, no_recompute, True)
            for upper in (None, want + 1):
                out = compiled_search(P, upper=upper)
                assert (out.optimal, out.lower, out.macros is not None) == (True, want, True), \
                    (seed, upper)  # fmt: skip
                kinds, nodes = P.moves_of(out.macros)
                moves = EncodedMoves(C, np.array(kinds, np.int8), np.array(nodes, np.int32))
                assert replay(C, moves, M, variant).io == want
            out = compiled_search(P, upper=want)
            assert (out.optimal, out.lower, out.macros) == (True, want, None), seed
