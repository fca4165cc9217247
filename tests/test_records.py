"""The record table: every certificate replays at its recorded cost, the docs page is the
generator's output, one optimum re-proved independently, tampering is caught."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest
from helpers import records_script

from redblue.cli import main
from redblue.errors import InvalidInputError
from redblue.game import Strategy, compile_graph, replay
from redblue.lower import lower_bound
from redblue.readwrite import read_strategy
from redblue.records import (
    build_instance,
    compute_record,
    known_method,
    largest_proven,
    load_records,
    propagate_lower,
    propagate_upper,
    records_markdown,
    records_text,
    share_isomorphic,
    table,
    trivial_bound,
    verify_records,
)
from redblue.records.table import (
    RECORDS_DIR,
    RECORDS_FILE,
    _cheapest,
    instance_call,
    save_records,
)
from redblue.search import solve
from redblue.strategies.greedy import greedy_strategy

ROOT = Path(__file__).resolve().parent.parent


def by_id(id):
    return next(r for r in load_records() if r.id == id)


def test_table_is_well_formed():
    records = load_records()
    assert len(records) >= 100
    assert len({r.id for r in records}) == len(records)
    assert sum(not r.optimal for r in records) >= 30  # open intervals are listed too
    for r in records:
        assert trivial_bound(r.family, r.params) <= r.lower <= r.upper, r.id
        assert known_method(r.lower_method, r.memory), r.lower_method
        assert (RECORDS_DIR / r.certificate).is_file(), r.certificate
        assert r.memory >= compile_graph(build_instance(r.family, r.params)).min_memory()
    # Q never rises with M (a check on the table as a whole): a smaller memory's upper bound
    # is at least a larger one's lower bound, and every bound is carried down already
    for r in records:
        for s in records:
            same = (r.family, r.params, r.variant) == (s.family, s.params, s.variant)
            if same and r.memory < s.memory:
                assert r.upper >= s.lower and r.lower >= s.lower, (r.id, s.id)
    assert propagate_lower(records) == records


def test_issue_families_are_covered():
    have = {(r.family, json.dumps(r.params, sort_keys=True), r.variant) for r in load_records()}
    for family, params in [("attention", {"n": 2, "d": 2}), ("attention", {"n": 3, "d": 1}),
                           ("attention", {"n": 2, "d": 2, "sum": "fma"}),
                           ("attention", {"n": 3, "d": 1, "sum": "chain"}),
                           ("fft", {"size": 8}), ("fft", {"size": 16}),
                           ("matmul", {"m": 2, "k": 2, "n": 2}),
                           ("matmul", {"m": 3, "k": 3, "n": 3}), ("pyramid", {"height": 5})]:
        for variant in ("classic", "no-recompute"):
            assert (family, json.dumps(params, sort_keys=True), variant) in have


def test_every_certificate_replays_at_its_recorded_cost():
    checks = verify_records()
    assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_docs_page_is_the_generators_output():
    assert (ROOT / "docs" / "records.md").read_text() == records_markdown(load_records())


@pytest.mark.parametrize("id, method", [("attention-1-1-nr-m3", "ilp"),
                                        ("pyramid-3-nr-m3", "naive"),
                                        ("fft-4-nr-m3", "sat")])  # fmt: skip
def test_an_optimum_reproved_by_an_independent_method(id, method):
    r = by_id(id)
    assert r.optimal
    out = solve(build_instance(r.family, r.params), r.memory, r.variant, method=method)
    assert out.optimal and out.io == r.upper


def test_small_optima_reproved_by_their_own_method():
    small = [r for r in load_records() if r.optimal and r.seconds <= 0.5
             and r.family in ("fft", "pyramid") and r.params.get("size", 0) <= 4]  # fmt: skip
    checks = verify_records(small, recompute_seconds=1.0)
    assert small and all(c.ok and "re-proved" in c.message for c in checks)


@pytest.mark.parametrize("id", ["pyramid-5-nr-m3", "pyramid-5-cl-m4", "pyramid-6-nr-m4",
                                "attention-2-2-fma-nr-m6",
                                # proven in no time from its certificate (the trivial
                                # bound); unseeded, A* finds no 24 in 10 s on 99 vertices
                                "attention-3-2-cl-m16"])  # fmt: skip
def test_new_optima_reproved(id):
    [check] = verify_records([by_id(id)], recompute_seconds=10.0)
    assert check.ok and "re-proved" in check.message, check


@pytest.mark.slow
def test_every_fast_optimum_reproved():
    fast = [r for r in load_records() if r.optimal and r.seconds <= 10]
    checks = verify_records(fast, recompute_seconds=10.0)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


@pytest.mark.slow
def test_open_lower_bounds_by_bounding_methods_reproved():
    # an open entry whose lower bound a bounding method proved: that method, run again at
    # the same memory (or the larger one named), proves at least as much
    opened = [r for r in load_records() if not r.optimal
              and r.lower_method.split()[0] not in ("astar", "ilp", "sat", "naive")]  # fmt: skip
    assert opened
    r = min(opened, key=lambda r: build_instance(r.family, r.params).number_of_nodes())
    name, _, at = r.lower_method.partition(" (M=")
    M = int(at.rstrip(")")) if at else r.memory
    lb = lower_bound(build_instance(r.family, r.params), M, r.variant, methods=[name],
                     time_limit=30)  # fmt: skip
    assert lb.lower >= r.lower, (r.id, lb)


def copy_table(tmp_path, records):
    shutil.copytree(RECORDS_DIR / "certificates", tmp_path / "certificates")
    save_records(records, tmp_path / "records.json")
    return tmp_path / "records.json"


def test_a_wrong_upper_or_a_broken_certificate_is_caught(tmp_path, capsys):
    r = by_id("fft-4-cl-m3")
    lowered = replace(r, upper=r.upper - 1, lower=r.upper - 1)
    [check] = verify_records([lowered])
    assert not check.ok and "replays to 14" in check.message
    table = copy_table(tmp_path, [r])
    cert = tmp_path / r.certificate
    lines = cert.read_text().splitlines()
    cert.write_text("\n".join(line for line in lines if not line.startswith("store")) + "\n")
    assert main(["records", "--verify", "--table", str(table)]) == 1
    assert "FAIL fft-4-cl-m3" in capsys.readouterr().out


def test_a_planted_error_in_an_open_interval_is_caught(tmp_path, capsys):
    r = by_id("fft-16-nr-m4")
    assert not r.optimal
    for wrong in (r.upper - 1, r.upper + 1):
        [check] = verify_records([replace(r, upper=wrong)])
        assert not check.ok and f"replays to {r.upper}" in check.message
    # a certificate swapped with the next memory's: it replays, at another cost, or not at all
    s = by_id("fft-16-nr-m6")
    [check] = verify_records([replace(r, certificate=s.certificate)])
    assert not check.ok
    [check] = verify_records([replace(s, certificate=r.certificate)])
    assert not check.ok
    table = copy_table(tmp_path, [replace(r, certificate=s.certificate), s])
    assert main(["records", "--verify", "--table", str(table)]) == 1
    assert "FAIL fft-16-nr-m4" in capsys.readouterr().out


@pytest.mark.parametrize("change, message", [
    ({"lower": 10**6}, "lower <= upper"),
    ({"lower_method": "guess"}, "no method redblue has"),
    ({"lower_method": "astar (M=4)"}, "no method redblue has"),  # a bound from M=4 at M=4
])  # fmt: skip
def test_a_record_that_claims_too_much_does_not_load(tmp_path, change, message):
    table = copy_table(tmp_path, [replace(by_id("fft-16-nr-m4"), **change)])
    with pytest.raises(InvalidInputError, match=message):
        load_records(table)


def test_bounds_are_carried_down_and_contradictions_refused():
    r3, r4 = by_id("pyramid-6-cl-m3"), by_id("pyramid-6-cl-m4")
    low = replace(r3, lower=1, upper=40, lower_method="parts")
    [a, b] = propagate_lower([low, r4])
    assert (a.lower, a.lower_method) == (r4.lower, f"{r4.lower_method} (M=4)") and b == r4
    with pytest.raises(InvalidInputError, match="above"):
        propagate_lower([replace(low, upper=r4.lower - 1), r4])
    # a classic bound holds in the no-recompute game (at M' >= M), never the other way
    nr = replace(low, variant="no-recompute")
    assert propagate_lower([nr, r4])[0].lower_method == f"{r4.lower_method} (classic, M=4)"
    assert propagate_lower([nr, replace(r4, memory=3)])[0].lower == r4.lower
    assert propagate_lower([low, replace(r4, variant="no-recompute")])[0] == low


def test_isomorphic_instances_share_their_lower_bounds(monkeypatch):
    # attention 3x1's tree and chain sums are one DAG up to names; fma sums are not
    tree, chain = by_id("attention-3-1-nr-m4"), by_id("attention-3-1-chain-nr-m4")
    lo = min(tree.lower, chain.lower)
    a, b = replace(tree, lower=lo - 2, lower_method="astar"), replace(chain, lower=lo)
    out = share_isomorphic([a, b])
    assert (out[0].lower, out[0].lower_method) == (lo, f"as {b.id}") and out[1] == b
    assert known_method(out[0].lower_method, a.memory, a.variant)
    # only the same game and memory; never a non-isomorphic instance
    assert share_isomorphic([a, replace(b, memory=5)])[0] == a
    assert share_isomorphic([a, replace(b, variant="classic")])[0] == a
    fma = replace(b, params={"n": 3, "d": 1, "sum": "fma"})
    assert share_isomorphic([a, fma])[0] == a
    # outputs must map to outputs: the chain's DAG with one output unmarked shares nothing
    marked = table._output_marked

    def one_output_less(family, params_json):
        H = marked(family, params_json).copy()
        if "chain" in params_json:
            H.nodes[next(v for v, o in H.nodes(data="out") if o)]["out"] = False
        return H

    monkeypatch.setattr(table, "_output_marked", one_output_less)
    assert share_isomorphic([a, b])[0] == a
    monkeypatch.undo()
    with pytest.raises(InvalidInputError, match="isomorphic"):
        share_isomorphic([a, replace(b, lower=a.upper + 1)])
    # the shared label carries down in M like any other
    low = replace(a, memory=3, lower=1, upper=99, id="x")
    assert propagate_lower([low, out[0]])[0].lower_method == f"as {b.id} (M=4)"


def test_cheaper_certificates_are_carried_up(tmp_path):
    copy_table(tmp_path, [])
    r3, nr4 = by_id("pyramid-4-cl-m3"), by_id("pyramid-4-nr-m4")
    # a classic entry at M = 4 whose certificate is the M = 3 one (18 I/O, valid at M = 4)
    shutil.copy(tmp_path / r3.certificate, tmp_path / "certificates" / "bad.txt")
    bad = replace(by_id("pyramid-4-cl-m4"), lower=9, upper=18, certificate="certificates/bad.txt")
    out = propagate_upper([r3, bad, nr4], base=tmp_path)
    assert out[0] == r3 and out[2] == nr4 and out[1].upper == nr4.upper == 10
    [check] = verify_records([out[1]], base=tmp_path)
    assert check.ok and check.replayed_io == 10
    # a classic certificate never moves to the no-recompute game, nor one to a smaller M
    worse = replace(nr4, upper=18, certificate="certificates/bad.txt")
    assert propagate_upper([by_id("pyramid-4-cl-m4"), worse], base=tmp_path)[1] == worse
    assert propagate_upper([replace(r3, memory=5), bad], base=tmp_path)[1] == bad
    with pytest.raises(InvalidInputError, match="below"):
        propagate_upper([replace(bad, lower=11), nr4], base=tmp_path)


def test_seeds_are_replayed_and_the_cheapest_valid_one_kept(tmp_path):
    G = build_instance("pyramid", {"height": 4})
    cert = {M: read_strategy(RECORDS_DIR / by_id(f"pyramid-4-cl-m{M}").certificate)
            for M in (3, 4)}  # fmt: skip
    greedy = Strategy(greedy_strategy(G, 3).moves, 3)
    assert replay(G, greedy, 3).io > 18 == replay(G, cert[3], 3).io
    # the M = 4 certificate (10 I/O) breaks the memory rule at M = 3: skipped, not trusted
    assert _cheapest(G, 3, "classic", [cert[4], None, greedy, cert[3]]) is cert[3]
    assert _cheapest(G, 3, "classic", [cert[4]]) is None
    rec = compute_record("p", "pyramid", {"height": 4}, "classic", 3, time_limit=20,
                         seeds=[cert[4], greedy], base=tmp_path)  # fmt: skip
    assert (rec.lower, rec.upper, rec.lower_method) == (18, 18, "astar")
    [check] = verify_records([rec], base=tmp_path)
    assert check.ok and check.replayed_io == 18


def test_isomorphic_instances_seed_each_other():
    # attention's tree and chain sums of three terms are the same DAG up to names: each
    # entry's certificates, relabelled, are strategies of the other (replayed here)
    script, done = records_script(), {r.id: r for r in load_records()}
    chain = {"n": 3, "d": 1, "sum": "chain"}
    G = build_instance("attention", chain)
    seeds = script._isomorphic("attention", chain, "no-recompute", 6, done)
    tree = [r for r in done.values() if r.family == "attention" and r.params == {"n": 3, "d": 1}
            and r.variant == "no-recompute" and r.memory <= 6]  # fmt: skip
    assert len(seeds) == len(tree) > 0
    assert sorted(replay(G, moves, 6, "no-recompute").io for moves in seeds) == sorted(
        r.upper for r in tree)
    # the classic game takes the no-recompute twin's too; a different DAG gives nothing
    assert len(script._isomorphic("attention", chain, "classic", 6, done)) > len(seeds)
    assert script._isomorphic("attention", {"n": 3, "d": 1, "sum": "fma"}, "classic", 8,
                              done) == []  # fmt: skip


def test_jain_zaharia_column_is_q_less_the_trivial_bound():
    assert trivial_bound("fft", {"size": 8}) == 16
    G = build_instance("attention", {"n": 2, "d": 2})
    assert trivial_bound("attention", {"n": 2, "d": 2}) == lower_bound(G, 4, methods=[
        "trivial"]).lower
    text = records_text(load_records())
    row = next(line for line in text.splitlines() if line.startswith("fft-8-nr-m4 "))
    assert row.split()[4:6] == ["31", "15"]  # Q = 31, 15 in their convention
    r = by_id("fft-16-nr-m4")
    t = trivial_bound("fft", {"size": 16})
    assert f"[{r.lower - t}, {r.upper - t}]" in next(
        line for line in text.splitlines() if line.startswith("fft-16-nr-m4 "))
    page = records_markdown(load_records())
    assert "no-recompute M = 4: 15" in page and "Q − trivial" in page
    assert f"[{r.lower}, {r.upper}] **open**" in page


def test_cli_prints_and_verifies(capsys):
    assert main(["records"]) == 0
    out = capsys.readouterr().out
    assert "fft_dag(8)" in out and "attention_dag(2, 1)" in out
    assert "Q-triv" in out and "open intervals" in out
    assert main(["records", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(load_records())
    assert {(r["id"], r["trivial"]) for r in rows} >= {("fft-8-nr-m4", 16)}
    assert main(["records", "--open", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["lower"] < r["upper"] and not r["optimal"] for r in rows)
    assert len(rows) == sum(not r.optimal for r in load_records())
    assert main(["records", "--markdown"]) == 0
    assert capsys.readouterr().out == records_markdown(load_records())


def test_largest_proven_is_the_biggest_optimum_per_game_and_memory(capsys):
    p3, p4 = by_id("pyramid-3-cl-m3"), by_id("pyramid-4-cl-m3")  # 10 and 15 nodes
    open_big = replace(by_id("fft-16-cl-m3"))  # 80 nodes, but open: never counted
    nr = replace(p3, id="p3-nr", variant="no-recompute")
    at4 = replace(p3, id="p3-m4", memory=4)
    table = [open_big, p3, nr, p4, at4]
    assert not open_big.optimal and p3.optimal and p4.optimal
    assert [(r.id, n) for r, n in largest_proven(table)] == [
        (p4.id, 15), (at4.id, 10), (nr.id, 10)]  # classic M=3, classic M=4, no-recompute M=3
    assert [(r.id, n) for r, n in largest_proven([p4, p3])] == [(p4.id, 15)]
    assert largest_proven([p3, replace(p3, id="twin")])[0][0] is p3  # a tie: the first listed
    # the real table: every row is an optimum whose DAG no other optimum of its game and
    # memory outgrows, each game and memory with an optimum has its row
    rows = largest_proven(load_records())
    optima = [r for r in load_records() if r.optimal]
    assert {(r.variant, r.memory) for r, _ in rows} == {(r.variant, r.memory) for r in optima}
    for r, n in rows:
        assert r.optimal and n == build_instance(r.family, r.params).number_of_nodes()
        assert all(build_instance(o.family, o.params).number_of_nodes() <= n for o in optima
                   if (o.variant, o.memory) == (r.variant, r.memory))  # fmt: skip
    assert main(["records", "--largest"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(rows) and "fft_dag(8) (32 nodes): Q = 40" in lines[0]


def test_bad_table_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "t.json"
    bad.write_text(json.dumps({"records": [{"id": "x"}]}))
    assert main(["records", "--table", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "needs exactly the fields" in err and "Traceback" not in err


def test_builders_take_only_known_parameters():
    assert instance_call("attention", {"n": 2, "d": 1, "sum": "fma"}) == \
        'attention_dag(2, 1, sum="fma")'  # fmt: skip
    with pytest.raises(InvalidInputError, match="unknown family"):
        build_instance("os.system", {})
    with pytest.raises(InvalidInputError, match="takes"):
        build_instance("fft", {"size": 4, "max_nodes": None})
    with pytest.raises(InvalidInputError, match="whole number"):
        build_instance("fft", {"size": "4"})


def test_table_ships_as_package_data():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"redblue.records" = ["records.json", "certificates/*.txt"]' in text
    assert RECORDS_FILE.name == "records.json"


def _ferry_matmul(n):
    """Ferry's ``matmultN`` (2018): C[i,j] an input, chained ((C + A B) + A B) + ..."""
    G = nx.DiGraph()
    for i in range(n):
        for j in range(n):
            acc = f"C0[{i},{j}]"
            for p in range(n):
                prod, nxt = f"AB[{i},{j},{p}]", f"C[{i},{j}]({p})"
                G.add_edges_from([(f"A[{i},{p}]", prod), (f"B[{p},{j}]", prod), (acc, nxt),
                                  (prod, nxt)])  # fmt: skip
                acc = nxt
    return G


def test_ferry_instances_as_the_page_says():
    # his FFT-4 (dependency table: 4 inputs, two butterfly levels) is fft_dag(4)
    ferry_fft4 = nx.DiGraph([(1, 5), (2, 5), (1, 6), (2, 6), (3, 7), (4, 7), (3, 8), (4, 8),
                             (5, 9), (7, 9), (6, 10), (8, 10), (5, 11), (7, 11), (6, 12),
                             (8, 12)])  # fmt: skip
    assert nx.is_isomorphic(ferry_fft4, nx.DiGraph(build_instance("fft", {"size": 4}).edges()))
    # his matmult2 / matmult3 have 28 / 81 nodes; no matmul_dag shape is one of them
    assert [_ferry_matmul(n).number_of_nodes() for n in (2, 3, 4)] == [28, 81, 176]
    for shape in ("tree", "chain", "fma"):
        ours = build_instance("matmul", {"m": 2, "k": 2, "n": 2, "sum": shape})
        assert not nx.is_isomorphic(_ferry_matmul(2), nx.DiGraph(ours.edges()))
    page = records_markdown(load_records())
    assert "do not reproduce Ferry's instances" in page
