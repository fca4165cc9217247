"""Tests of redblue.lower: every bound is at most the proven optimum, and planted unsound
versions of each method are caught exceeding one."""

from __future__ import annotations

import json
import re

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.cli import main
from redblue.dags import attention_dag, fft_dag, matmul_dag, pyramid_dag, random_dag
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.game import compile_graph, replay
from redblue.lower import METHODS, VARIANTS_COVERED, lower_bound, solve_certified
from redblue.lower import spectral as spectral_mod
from redblue.lower.certified import best_method, bound_methods
from redblue.lower.mincut import mincut_extra, wavefront
from redblue.lower.needed import needed_graph
from redblue.lower.spectral import spectral_extra
from redblue.readwrite import write_json
from redblue.search import solve
from redblue.search.ilp import trivial_lower_bound
from redblue.search.limits import Limits
from redblue.strategies import greedy_strategy

BOUNDS = ["trivial", "spectral", "mincut"]


def star(k: int) -> nx.DiGraph:
    """One input read by ``k`` outputs: the optimum is the trivial bound, 1 + k."""
    return nx.DiGraph([("a", f"b{i}") for i in range(k)])


def two_pass(m: int) -> nx.DiGraph:
    """Two chains reading the same ``m`` inputs, the second after the first: halfway, every
    input waits for the second pass (a wavefront of ``m``)."""
    edges = [("a0", "s0"), (f"s{m - 1}", "t0"), ("a0", "t0")]
    for i in range(1, m):
        edges += [(f"s{i - 1}", f"s{i}"), (f"a{i}", f"s{i}"),
                  (f"t{i - 1}", f"t{i}"), (f"a{i}", f"t{i}")]  # fmt: skip
    return nx.DiGraph(edges)


def optimum(G, memory: int, variant: str = "no-recompute") -> int:
    r = solve(G, memory, variant)
    assert r.optimal
    return r.io


# ------------------------------------------------------------------ soundness


def check_every_method_at_most_the_optimum(nodes, seed, indeg, extra, variant):
    """Every method of METHODS (whatever it is: the check knows none by name) proves at
    most the exact optimum, and runs exactly where its proof covers the game."""
    G = random_dag(nodes, seed, indeg)
    M = compile_graph(G).min_memory() + extra
    opt = optimum(G, M, variant)
    lb = lower_bound(G, M, variant, time_limit=60)
    assert [m.name for m in lb.methods] == list(METHODS)
    assert lb.trivial == trivial_lower_bound(compile_graph(G))
    for m in lb.methods:
        if variant not in VARIANTS_COVERED[m.name]:
            assert m.status == "not run" and m.value == 0
        else:
            assert m.status == "ok" and m.value <= opt, (m, opt)
    assert lb.trivial <= lb.lower == lb.method("search").value == opt


RANDOM_DAGS = dict(nodes=st.integers(3, 14), seed=st.integers(0, 10_000), indeg=st.integers(1, 3),
                   extra=st.integers(0, 2), variant=st.sampled_from(["no-recompute", "classic"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**RANDOM_DAGS)
def test_every_bound_at_most_the_optimum_on_random_dags(nodes, seed, indeg, extra, variant):
    check_every_method_at_most_the_optimum(nodes, seed, indeg, extra, variant)


@pytest.mark.slow  # about 2 minutes: python -m pytest -m slow tests/test_lower.py
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**RANDOM_DAGS)
def test_every_bound_at_most_the_optimum_on_many_random_dags(nodes, seed, indeg, extra, variant):
    check_every_method_at_most_the_optimum(nodes, seed, indeg, extra, variant)


CASES = [  # graph, M, the optimum (no-recompute game), the mincut bound
    (lambda: fft_dag(8), 3, 40, 16),
    (lambda: pyramid_dag(6), 3, 35, 11),
    (lambda: matmul_dag(2, 2, 2), 3, 25, 12),
    (lambda: attention_dag(2, 1), 3, 24, 8),
    (lambda: two_pass(8), 3, 17, 15),
    (lambda: random_dag(24, 4, 3), 4, 26, 15),
    (lambda: star(40), 2, 41, 41),
]


@pytest.mark.parametrize("build, memory, opt, cut", CASES)
def test_named_instances(build, memory, opt, cut):
    G = build()
    assert optimum(G, memory) == opt
    lb = lower_bound(G, memory, "no-recompute", methods=BOUNDS)
    assert all(m.value <= opt for m in lb.methods)
    assert lb.method("mincut").value == cut
    assert lb.lower == max(lb.trivial, cut)


def test_classic_game_runs_only_what_covers_it():
    G = two_pass(4)
    lb = lower_bound(G, 3, "classic", methods=BOUNDS + ["search"], time_limit=30)
    by = {m.name: m for m in lb.methods}
    assert by["spectral"].status == by["mincut"].status == "not run"
    assert "no-recompute" in by["mincut"].reason and by["mincut"].value == 0
    assert by["search"].status == "ok" and by["search"].value == optimum(G, 3, "classic")
    assert lb.lower == by["search"].value > lb.trivial
    # the search's bound in the no-recompute game is its optimum too
    nr = lower_bound(G, 3, "no-recompute", methods=["search"], time_limit=30)
    assert nr.lower == optimum(G, 3) and nr.method("search").witness["optimal"]


@pytest.mark.parametrize("size, memory", [(64, 3), (128, 4)])
def test_bounds_below_a_replayed_strategy_where_they_are_not_trivial(size, memory):
    G = fft_dag(size)
    lb = lower_bound(G, memory, "no-recompute", methods=BOUNDS)
    upper = replay(G, greedy_strategy(G, memory)).io  # the greedy never recomputes
    assert replay(G, greedy_strategy(G, memory), variant="no-recompute").io == upper
    assert lb.trivial < lb.method("spectral").value <= upper
    assert lb.trivial < lb.method("mincut").value <= upper


# ------------------------------------------------------------------ planted errors


def test_planted_spectral_without_degree_normalisation_exceeds_an_optimum():
    G = star(40)
    opt = optimum(G, 2)
    H = needed_graph(compile_graph(G))
    sound, _, _ = spectral_extra(H, 2, Limits())
    unnormalised, _, _ = spectral_extra(H, 2, Limits(), weights=1.0 + H.internal[H.src])
    assert opt == 41 == trivial_lower_bound(H.graph) + sound
    assert trivial_lower_bound(H.graph) + unnormalised > opt


def test_planted_mincut_counting_the_cut_twice_exceeds_an_optimum():
    G = two_pass(8)
    opt = optimum(G, 3)
    H = needed_graph(compile_graph(G))
    sound, witness, _ = mincut_extra(H, 3, Limits())
    twice, _, _ = mincut_extra(H, 3, Limits(), count_twice=True)
    assert witness["loads"]["W"] == 9 and witness["stores"]["W"] == 1  # s7 is internal
    assert trivial_lower_bound(H.graph) + sound <= opt < trivial_lower_bound(H.graph) + twice


# ------------------------------------------------------------------ witnesses


def test_needed_graph_drops_what_no_calculation_must_touch():
    G = nx.DiGraph([("a", "c"), ("b", "c"), ("b", "d"), ("d", "f")])
    G.add_node("e")  # an isolated input
    G.nodes["c"]["output"] = True  # f is a sink but not an output
    H = needed_graph(compile_graph(G))
    assert sorted(H.name(i) for i in range(H.n)) == ["a", "b", "c"]
    assert H.outdeg.tolist() == [1, 1, 0] and H.internal.sum() == 0


def test_mincut_witness_is_a_convex_cut_of_the_stated_size():
    G = two_pass(6)
    H = needed_graph(compile_graph(G))
    W, front = wavefront(H, int(np.flatnonzero(H.ids == H.graph.index["s5"])[0]),
                         np.ones(H.n, np.int64))  # fmt: skip
    assert W == len(front) == 7  # a0..a5 and s5 itself
    assert sorted(H.name(u) for u in front) == [f"a{i}" for i in range(6)] + ["s5"]


def test_spectral_dense_witness_matches_numpy():
    G = fft_dag(16)
    H = needed_graph(compile_graph(G))
    extra, w, _ = spectral_extra(H, 2, Limits())
    lam = np.linalg.eigvalsh(spectral_mod.laplacian(H, spectral_mod.edge_weights(H)).toarray())
    k = w["k"]
    assert w["eigenvalue_sum_lower"]["k"] == pytest.approx(lam[:k].sum(), abs=1e-9)
    assert w["eigenvalue_sum_lower"]["k"] <= lam[:k].clip(0).sum()  # lowered, clamped at 0
    q, r = divmod(H.n, k)
    assert extra == int(np.ceil(0.5 * (q * lam[:k].sum() + lam[:r].sum()) - 2 * (k - 1) * 2 - 1e-9))


def test_sparse_route_is_below_the_dense_one(monkeypatch):
    H = needed_graph(compile_graph(fft_dag(64)))
    dense, wd, _ = spectral_extra(H, 3, Limits())
    monkeypatch.setattr(spectral_mod, "DENSE_MAX", 10)
    sparse, ws, _ = spectral_extra(H, 3, Limits())
    assert ws["route"] == "sparse" and wd["route"] == "dense"
    assert 0 < sparse <= dense
    lam = np.linalg.eigvalsh(spectral_mod.laplacian(H, spectral_mod.edge_weights(H)).toarray())
    for t, count in ws["thresholds"]:  # the inertia counts are exact
        assert count == int((lam < t).sum())


# ------------------------------------------------------------------ limits and input


def test_time_limit_is_shared_and_stops_methods():
    lb = lower_bound(fft_dag(256), 4, "no-recompute", methods=BOUNDS, time_limit=0.05)
    assert lb.lower >= lb.trivial
    assert any(m.status == "stopped" for m in lb.methods)
    for m in lb.methods:
        assert m.status in ("ok", "stopped")


def test_only_the_methods_asked_for_are_listed():
    lb = lower_bound(fft_dag(4), 3, "no-recompute", methods=["mincut", "trivial"])
    assert [m.name for m in lb.methods] == ["trivial", "mincut"]  # in the fixed order
    with pytest.raises(KeyError):
        lb.method("spectral")
    d = lb.as_dict()
    assert json.loads(json.dumps(d))["methods"][0]["value"] == lb.trivial
    assert repr(lb).startswith("<LowerBound Q >= ")


@pytest.mark.parametrize("kwargs", [
    {"memory": 2}, {"memory": -1}, {"memory": float("nan")}, {"memory": 3, "variant": "x"},
    {"memory": 3, "methods": ["nope"]}, {"memory": 3, "time_limit": -1},
    {"memory": 3, "time_limit": float("nan")},
])  # fmt: skip
def test_bad_input_is_refused(kwargs):
    with pytest.raises(InvalidInputError):
        lower_bound(fft_dag(4), **kwargs)


def test_cyclic_graph_is_refused():
    with pytest.raises(InvalidGraphError):
        lower_bound(nx.DiGraph([(0, 1), (1, 0)]), 3)


# ------------------------------------------------------------------ command line


def run_cli(*args: str) -> int:
    """The exit code of ``redblue ARGS`` (usage errors exit through argparse)."""
    try:
        return main(list(args))
    except SystemExit as exc:
        return int(exc.code)


def test_cli_json(tmp_path, capsys):
    path = tmp_path / "fft.json"
    write_json(fft_dag(8), path)
    code = main(["lower", str(path), "--memory", "3", "--variant", "no-recompute",
                 "--method", "trivial", "--method", "mincut", "--json"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lower"] == 16 and out["trivial"] == 16
    assert [(m["name"], m["status"]) for m in out["methods"]] == [("trivial", "ok"),
                                                                   ("mincut", "ok")]
    assert all({"name", "value", "seconds", "status"} <= set(m) for m in out["methods"])


@pytest.mark.parametrize("args", [
    ["--memory", "2"], ["--memory", "nan"], ["--memory", "-3"],
    ["--memory", "3", "--method", "nope"], ["--memory", "3", "--time-limit", "nan"],
])  # fmt: skip
def test_cli_bad_input_exits_2(tmp_path, capsys, args):
    path = tmp_path / "fft.json"
    write_json(fft_dag(4), path)
    assert run_cli("lower", str(path), *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


# ------------------------------------------------------------------ the proofs, step by step


def first_red_and_io(moves):
    """The move index that first puts red on each node, and the loads and stores."""
    first, loads, stores = {}, 0, 0
    for t, (kind, v) in enumerate(moves):
        loads += kind == "load"
        stores += kind == "store"
        if kind in ("load", "compute"):
            first.setdefault(v, t)
    return first, loads, stores


def side_output_graph() -> nx.DiGraph:
    """Outputs with successors, an input that is an output, an isolated node and a sink
    that is not an output: every convention the proofs must respect."""
    G = two_pass(4)
    G.add_edges_from([("t3", "u"), ("s1", "v"), ("a0", "w")])
    G.add_node("iso")
    for v in ("t3", "u", "s2", "a1", "iso"):
        G.nodes[v]["output"] = True  # v and w are sinks that are not outputs
    return G


@pytest.mark.parametrize("build, memory", [
    (lambda: two_pass(5), 3), (lambda: pyramid_dag(4), 3), (lambda: random_dag(12, 7, 2), 3),
    (lambda: random_dag(12, 3, 3), 5), (side_output_graph, 3), (lambda: star(8), 2),
])  # fmt: skip
def test_each_proof_step_holds_on_an_optimal_strategy(build, memory):
    """Steps 2-5 of the spectral proof for every k, and steps 1-3 of the min-cut proof for
    every x, checked on the moves of an optimal calculation: the extra loads and stores
    above the trivial count pay for every segment's and every wavefront's overflow."""
    G = build()
    C = compile_graph(G)
    H = needed_graph(C)
    r = solve(C, memory, "no-recompute")
    assert r.optimal
    first, loads, stores = first_red_and_io(r.strategy.moves)
    n_in = int(H.is_input.sum())
    extra_loads, extra_stores = loads - n_in, stores - (trivial_lower_bound(C) - n_in)
    t = np.array([first[H.graph.nodes[i]] for i in H.ids])
    pos = np.argsort(np.argsort(t))  # rank of each needed vertex in the first-red order
    weights = spectral_mod.edge_weights(H)
    lam = np.linalg.eigvalsh(spectral_mod.laplacian(H, weights).toarray())
    for k in range(1, H.n + 1):  # spectral: any k parts of the order
        q, rest = divmod(H.n, k)
        seg = np.searchsorted(np.cumsum([q + 1] * rest + [q] * (k - rest)), pos, side="right")
        cut = seg[H.src] != seg[H.dst]
        assert np.all(seg[H.src] <= seg[H.dst])  # the order is topological
        ins = {(seg[v], u) for u, v in zip(H.src[cut], H.dst[cut], strict=True)}
        outs = {(seg[u], u) for u in H.src[cut] if H.internal[u]}
        over = [sum(max(0, sum(j == p for j, _ in s) - memory) for p in range(k))
                for s in (ins, outs)]  # fmt: skip
        assert extra_loads >= over[0] and extra_stores >= over[1]  # steps 2 and 3
        assert len(ins) + len(outs) >= weights[cut].sum() - 1e-9  # step 4
        assert weights[cut].sum() >= 0.5 * (q * lam[:k].sum() + lam[:rest].sum()) - 1e-9
    for x in range(H.n):  # min-cut: the cut the calculation made at x's first red pebble
        S = t <= t[x]
        front = np.unique(H.src[S[H.src] & ~S[H.dst]])
        inner = front[H.internal[front]]
        assert extra_loads >= front.size - memory and extra_stores >= inner.size - memory
        assert wavefront(H, x, np.ones(H.n, np.int64))[0] <= front.size
        assert wavefront(H, x, H.internal.astype(np.int64))[0] <= inner.size


def test_an_arpack_failure_gives_no_thresholds_not_a_crash(monkeypatch):
    """ARPACK may fail outright (error 3: no shifts could be applied); the sparse route then
    certifies nothing beyond 0 instead of raising out of lower_bound."""
    import numpy as np
    import scipy.sparse as sp
    import scipy.sparse.linalg as sl

    from redblue.lower import spectral
    from redblue.search.limits import Limits

    def fail(*args, **kwargs):
        raise sl.ArpackError(3)

    monkeypatch.setattr(sl, "eigsh", fail)
    S, witness, stopped = spectral._sparse_sums(sp.csc_matrix(np.diag(np.arange(1.0, 9.0))),
                                                Limits(None))  # fmt: skip
    assert not S.any() and witness["thresholds"] == [] and not stopped


# ------------------------------------------------- the best bound, used by the search


def test_solve_stops_at_a_given_lower_bound_and_names_its_source():
    G = pyramid_dag(5)  # 15 nodes; the optimum at M = 3 in the classic game: 25
    opt = solve(G, 3)
    assert opt.optimal and opt.io == 25 and "lower_source" not in opt.details
    met = solve(G, 3, lower=25)
    assert met.optimal and met.io == 25 and met.states == 0  # no exact search needed
    assert met.details["lower_given"] == 25 and met.details["lower_source"] == "given"
    weak = solve(G, 3, lower=1)  # below the start's bound: the search's own proof counts
    assert weak.optimal and weak.io == 25 and weak.details["lower_source"] == "search"
    stopped = solve(fft_dag(8), 4, time_limit=1, lower=31)  # 31: its proven optimum
    assert not stopped.optimal and stopped.lower == 31 < stopped.upper
    assert stopped.details["lower_source"] == "given"


def test_solve_refuses_a_given_bound_above_a_replayed_strategy():
    # planted unsound lower bounds, one more than the optimum: never an "optimum" below one
    G = pyramid_dag(4)  # optimum 18 at M = 3, found by the seeds
    with pytest.raises(InvalidInputError, match="19 exceeds the I/O 18"):
        solve(G, 3, lower=19)
    for method in ("naive", "ilp"):  # pyramid_dag(3): optimum 11
        with pytest.raises(InvalidInputError, match="12 exceeds the I/O 11"):
            solve(pyramid_dag(3), 3, lower=12, method=method, time_limit=30)
    # where no strategy found undercuts it, the result says whose proof "optimal" rests on
    r = solve(pyramid_dag(5), 3, lower=26)  # the optimum is 25: the bound is wrong
    assert r.optimal and r.io == 26 and r.details["lower_source"] == "given"
    for bad in (-1, 2.5, "x", True):
        with pytest.raises(InvalidInputError):
            solve(G, 3, lower=bad)


def test_solve_certified_starts_from_the_best_bound_within_one_time_limit():
    G = fft_dag(64)  # 448 nodes: the exact search cannot close it; spectral proves 132
    r = solve_certified(G, 3, "no-recompute", time_limit=2)
    assert not r.optimal and r.lower > r.details["lower_bounds"].trivial == 128
    assert r.details["lower_method"] == best_method(r.details["lower_bounds"]) != "trivial"
    assert r.details["certified_lower"] == r.lower
    assert set(bound_methods("no-recompute")) >= {"trivial", "spectral", "mincut"}
    phases = r.details["phase_seconds"]  # the whole call counts every phase, bounds first
    assert "lower bounds" in phases and r.seconds >= sum(phases.values()) - 0.01
    assert r.seconds < 2 + 4  # generous: the machine is shared
    assert replay(G, r.strategy, 3, "no-recompute").io == r.upper
    # a small instance: the short search solves it before any bounding method runs
    small = solve_certified(pyramid_dag(4), 3, time_limit=20)
    assert small.optimal and small.io == 18
    if small.details["lower_bounds"] is None:
        assert small.details["lower_method"] == "search" and small.seconds < 20


def test_solve_certified_runs_only_the_methods_that_cover_the_game(monkeypatch):
    import redblue.lower.certified as certified

    monkeypatch.setattr(certified, "PROBE_SECONDS", 1e-3)  # no short search: bounds first
    c = solve_certified(pyramid_dag(4), 3, time_limit=20)
    assert c.optimal and c.io == 18  # the classic optimum
    ran = [m.name for m in c.details["lower_bounds"].methods if m.status != "not run"]
    assert ran and "spectral" not in ran and "mincut" not in ran and "search" not in ran
    assert c.details["certified_lower"] <= 18


def test_solve_cli_names_the_method_of_the_lower_bound(tmp_path, capsys):
    path = tmp_path / "fft.json"
    write_json(fft_dag(64), path)
    code = main(["solve", str(path), "--memory", "3", "--variant", "no-recompute",
                 "--time-limit", "1.5"])  # fmt: skip
    assert code == 1
    out = capsys.readouterr().out
    found = re.search(r"lower (\d+) \((mincut|spectral|parts|hong-kung)\)", out)
    assert found and 130 <= int(found[1]) <= 768, out  # above trivial 128, below the seed
    assert main(["solve", str(path), "--memory", "3", "--variant", "no-recompute",
                 "--time-limit", "1.5", "--json"]) == 1  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["lower_method"] != "search" and out["lower"] == out["certified_lower"] > 128
