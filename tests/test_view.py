"""The viewer without a browser: frames against the replay, aggregation, the page, the CLI,
the report's embedded certificates (tests/test_view_browser.py runs the page itself)."""

from __future__ import annotations

import json
import re
from importlib import resources

import networkx as nx
import numpy as np
import pytest

from redblue.analysis.partition import segments
from redblue.cli import main
from redblue.dags import attention_dag, chain_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game.compiled import compile_graph
from redblue.game.trace import move_table
from redblue.readwrite import write_graph, write_strategy
from redblue.strategies import greedy_strategy, simulate
from redblue.view import aggregate, view
from redblue.view.aggregate import aggregate_frames, needs_aggregation
from redblue.view.frames import strategy_frames
from redblue.view.layout import layout, node_groups


@pytest.fixture(scope="module")
def att():
    return attention_dag(2, 1)


@pytest.fixture(scope="module")
def greedy(att):
    return greedy_strategy(att, memory=4)


def test_frames_equal_the_replay_move_by_move(att, greedy):
    f = strategy_frames(att, greedy)
    rows = move_table(att, greedy)
    assert len(f) == len(rows)
    for name in ("red", "loads", "stores", "io"):
        assert f.__getattribute__(name).tolist() == [r[name] for r in rows], name
    decoded = [(r["move"], r["node"]) for r in rows]
    assert [(("load", "store", "compute", "delete", "delete-blue")[k], f.compiled.nodes[v])
            for k, v in zip(f.kinds.tolist(), f.nodes.tolist(), strict=True)] == decoded
    assert f.memory == 4 and f.peak == max(r["red"] for r in rows)


@pytest.mark.parametrize("memory", [4, 5, 7])
def test_segment_starts_are_the_partition_of_the_analysis(att, memory):
    s = greedy_strategy(att, memory=memory)
    f = strategy_frames(att, s)
    assert f.segment_starts.tolist() == [seg.start for seg in segments(s, memory)]


def test_flash2_tiles_are_visited_once_each_in_order():
    sim = simulate("flash2", 8, 2, 24)  # B_r = B_c = 2: a 4 x 4 grid of tiles
    f = strategy_frames(sim.graph, sim.moves, 24, compiled=sim.compiled, blocks=sim.blocks)
    assert f.blocks["T_c"] == 4
    assert sorted(f.tiles.tolist()) == list(range(16))
    assert f.tiles.tolist() == sorted(f.tiles.tolist())  # row block by row block
    # every compute of a score-grid node happens inside its own tile's run of moves
    run = np.searchsorted(f.tile_starts, np.arange(len(f)), side="right") - 1
    on_grid = (f.kinds == 2) & (f.node_tile[f.nodes] >= 0)
    assert (f.tiles[run[on_grid]] == f.node_tile[f.nodes[on_grid]]).all()


def test_illegal_and_bad_strategies_raise_as_replay(att):
    with pytest.raises(IllegalMoveError, match="move 0"):
        strategy_frames(att, [("compute", "S[0,0]")], memory=4)
    with pytest.raises(InvalidInputError):
        strategy_frames(att, [("load", "nope")], memory=4)
    with pytest.raises(InvalidInputError, match="B_r"):
        strategy_frames(att, [("load", "Q[0,0]")], memory=4, blocks={"B_r": 0, "B_c": 1})


def test_layout_puts_inputs_left_outputs_right_and_groups_tensors(att):
    C = compile_graph(att)
    L = layout(att, C, method="layers")
    names = list(C.nodes)
    x = dict(zip(names, L.x.tolist(), strict=True))
    assert {x[v] for v in names if v[0] in "QKV"} == {0.0}
    assert x["O[0,0]"] == x["O[1,0]"] == 1.0
    assert all(0 <= y <= 1 for y in L.y.tolist())
    groups = node_groups(att, C.nodes)
    assert groups[names.index("AV[0,1,0]")] == "AV" and groups[names.index("S[1,1]")] == "S"
    # inside one column, a group's nodes are contiguous
    col0 = sorted((y, g) for y, g, xx in zip(L.y.tolist(), groups, L.x.tolist(), strict=True)
                  if xx == 0.0)  # fmt: skip
    order = [g for _, g in col0]
    assert order == sorted(order, key=order.index)
    assert [g for i, g in enumerate(order) if i == 0 or order[i - 1] != g] == ["Q", "K", "V"]


def test_aggregation_thresholds(monkeypatch):
    assert not needs_aggregation(aggregate.NODE_LIMIT, aggregate.MOVE_LIMIT)
    assert needs_aggregation(aggregate.NODE_LIMIT + 1)
    assert needs_aggregation(10, aggregate.MOVE_LIMIT + 1)
    G = chain_dag(30)
    moves = [("load", "x[0]")] + [m for i in range(1, 30) for m in
             (("compute", f"x[{i}]"), ("delete", f"x[{i - 1}]"))] + [("store", "x[29]")]
    assert view(G, moves, 2).mode == "svg"
    monkeypatch.setattr(aggregate, "NODE_LIMIT", 20)
    v = view(G, moves, 2)
    assert v.mode == "aggregate" and "Aggregated: 30 nodes" in v.html
    assert view(G).mode == "aggregate"  # the DAG alone, too


def test_aggregate_counts_equal_the_moves_they_sum(att, greedy):
    f = strategy_frames(att, greedy)
    groups = node_groups(att, f.compiled.nodes)
    names = list(dict.fromkeys(groups))
    group_of = np.array([names.index(g) for g in groups])
    a = aggregate_frames(f, group_of, len(names), max_blocks=7)
    assert a.block == -(-len(f) // 7) and a.ends[-1] == len(f)
    assert a.io.tolist() == [int(f.io[e - 1]) for e in a.ends]
    assert a.group_red.sum(axis=1).tolist() == a.red.tolist()  # every red pebble counted once
    # blue pebbles at the end of each block, counted directly from the moves
    for b, end in enumerate(a.ends.tolist()):
        blue = set(np.flatnonzero(f.compiled.is_input).tolist())
        for k, v in zip(f.kinds[:end].tolist(), f.nodes[:end].tolist(), strict=True):
            if k == 1:
                blue.add(v)
            elif k == 4:
                blue.discard(v)
        assert a.group_blue[b].tolist() == np.bincount(group_of[sorted(blue)],
                                                       minlength=len(names)).tolist()


def test_page_is_self_contained(att, greedy):
    v = view(att, greedy)
    page = v.html
    assert not re.search(r"https?://", page)  # no network: nothing to fetch
    assert "<link" not in page and not re.search(r"<script[^>]+src=", page)
    script = resources.files("redblue.view").joinpath("viewer.js").read_text()
    assert "</script" not in script.lower() and script in page
    data = json.loads(re.search(r'id="rb-data">(.*?)</script>', page, re.S).group(1))
    assert data["strategy"]["memory"] == 4 and data["strategy"]["totals"]["loads"] == 18
    assert v._repr_html_().startswith("<iframe srcdoc=")


def test_page_of_the_dag_alone_has_attributes(att):
    v = view(att)
    assert v.frames is None and v.mode == "svg"
    data = json.loads(re.search(r'id="rb-data">(.*?)</script>', v.html, re.S).group(1))
    assert "strategy" not in data and "attrs" in data


def test_flash2_page_is_compact():
    sim = simulate("flash2", 16, 4, 32)
    v = view(sim.graph, sim.moves, 32, blocks=sim.blocks)
    data = json.loads(re.search(r'id="rb-data">(.*?)</script>', v.html, re.S).group(1))
    assert len(json.dumps(data["strategy"])) < 3 * len(v.frames)  # under 3 bytes a move
    moves_json = json.dumps({"memory": 32, "moves": sim.moves.decode()})
    assert len(v.html) < len(moves_json) / 2  # the whole page: half the moves' JSON file


# -- the command -------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path, att, greedy):
    write_graph(att, tmp_path / "att.json")
    write_strategy(greedy, tmp_path / "g.json")
    return tmp_path


def test_cli_writes_a_page(files, capsys):
    out = files / "v.html"
    assert main(["view", str(files / "att.json"), str(files / "g.json"), "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "90 moves" in capsys.readouterr().out
    assert main(["view", str(files / "att.json"), "-o", str(files / "d.html")]) == 0
    assert "the DAG alone" in capsys.readouterr().out


@pytest.mark.parametrize("argv, code, message", [
    (["view", "{d}/missing.json", "-o", "{d}/x.html"], 2, "missing.json"),
    (["view", "{d}/att.json", "{d}/bad.json", "-o", "{d}/x.html"], 1, "move 1"),
    (["view", "{d}/att.json", "{d}/g.json", "--memory", "2", "-o", "{d}/x.html"], 1, "move"),
    (["view", "{d}/att.json", "--memory", "3", "-o", "{d}/x.html"], 2, "need a STRATEGY"),
    (["view", "{d}/att.json", "{d}/g.json", "-o", "-"], 2, "-o needs a file"),
])  # fmt: skip
def test_cli_bad_input_is_one_line(files, capsys, argv, code, message):
    (files / "bad.json").write_text(json.dumps(
        {"memory": 4, "moves": [["load", "Q[0,0]"], ["load", "Q[0,0]"]]}))
    assert main([a.format(d=files) for a in argv]) == code
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (files / "x.html").exists()


# -- the report ---------------------------------------------------------------------------


def test_report_embeds_each_exact_certificate(tmp_path):
    from redblue.paper.grid import exact_dag
    from redblue.paper.report import write_report
    from redblue.search import solve

    r = solve(exact_dag(1, 1), 3)
    row = {"n": 1, "d": 1, "memory": 3, "algorithms": [], "regime": "large", "lower": 4,
           "lower_by": "trivial", "paper_bound": 1.0, "exact_optimal": True,
           "exact_io": r.io, "exact_lower": r.io, "exact_upper": r.io, "exact_seconds": 0.1,
           "exact_moves": [list(m) for m in r.strategy.moves]}  # fmt: skip
    write_report(tmp_path, schedule_rows=[], exact_rows=[row])
    page = (tmp_path / "view_n1_d1_m3.html").read_text()
    assert f'"loads":{sum(k == "load" for k, _ in r.strategy.moves)}' in page
    assert "<iframe src='view_n1_d1_m3.html'" in (tmp_path / "report.html").read_text()
    assert "(view_n1_d1_m3.html)" in (tmp_path / "report.md").read_text()


def test_layout_of_a_graph_without_edges():
    G = nx.DiGraph()
    G.add_nodes_from(["a", "b"])
    L = layout(G, method="layers")
    assert L.columns == 1 and L.x.tolist() == [0.5, 0.5]


def test_tensor_layout_puts_each_tensor_on_a_grid_by_index():
    G = attention_dag(4, 2)
    C = compile_graph(G)
    L = layout(G, C, method="tensors")
    assert L.method == "tensors" and 0 < L.cell < 1
    pos = {v: (float(L.x[k]), float(L.y[k])) for k, v in enumerate(C.nodes)}
    # S[i, j]: row i, column j, inside one panel right of the inputs' panels
    assert pos["S[0,0]"][1] < pos["S[1,0]"][1] and pos["S[0,0]"][0] == pos["S[1,0]"][0]
    assert pos["S[0,0]"][0] < pos["S[0,1]"][0] and pos["S[0,0]"][1] == pos["S[0,1]"][1]
    assert max(pos[f"Q[{i},0]"][0] for i in range(4)) < min(
        x for v, (x, _) in pos.items() if v.startswith("S["))
    # the outputs' panel is the rightmost
    assert min(x for v, (x, _) in pos.items() if v.startswith("O[")) > max(
        x for v, (x, _) in pos.items() if not v.startswith("O["))
