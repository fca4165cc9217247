"""A strategy move by move and two strategies compared (redblue.game.trace, moves, diff).

The per-move counters are checked against an independent count (a set of red nodes kept
here, and replay of every prefix); the comparison against counts made here with Counter.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import networkx as nx
import numpy as np
import pytest

from redblue.analysis.walks import random_strategy
from redblue.dags import attention_dag, chain_dag, matmul_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import Strategy, compile_graph, replay
from redblue.game.trace import (
    MOVE_COLUMNS,
    diff_strategies,
    format_table,
    move_columns,
    move_table,
    table_lines,
)
from redblue.strategies import greedy_strategy, simulate

CHAIN_MOVES = [("load", "x[0]"), ("compute", "x[1]"), ("delete", "x[0]"),
               ("compute", "x[2]"), ("delete", "x[1]"), ("store", "x[2]")]  # fmt: skip


def recount(moves):
    """Red pebbles in use and loads/stores so far after each move, counted by hand."""
    red, loads, stores, rows = set(), 0, 0, []
    for kind, node in moves:
        if kind in ("load", "compute"):
            red.add(node)
        elif kind == "delete":
            red.discard(node)
        loads += kind == "load"
        stores += kind == "store"
        rows.append((len(red), loads, stores, loads + stores))
    return rows


@pytest.mark.parametrize("seed", range(4))
def test_counters_match_an_independent_count(seed):
    G = matmul_dag(2, 2, 2)
    s = random_strategy(G, 5, seed=seed, steps=60)
    table = move_table(G, s)
    C = compile_graph(G)
    moves = [(k, C.lookup(v)) for k, v in s.moves]  # the graph's own node ids
    assert [(r["red"], r["loads"], r["stores"], r["io"]) for r in table] == recount(moves)
    assert [(r["index"], r["move"], r["node"]) for r in table] == [
        (t, k, C.nodes[C.lookup(v)]) for t, (k, v) in enumerate(s.moves)]
    # every prefix replayed on its own gives the same running loads and stores
    for t in range(0, len(s), 7):
        r = replay(G, s.moves[: t + 1], memory=5, check_outputs=False)
        assert (table[t]["loads"], table[t]["stores"]) == (r.loads, r.stores)


def test_delete_blue_frees_no_red_pebble():
    moves = [("load", "x[0]"), ("compute", "x[1]"), ("store", "x[1]"), ("delete-blue", "x[0]"),
             ("delete-blue", "x[1]"), ("store", "x[1]")]  # fmt: skip
    table = move_table(chain_dag(2), moves, memory=2)
    assert [(r["red"], r["loads"], r["stores"], r["io"]) for r in table] == recount(moves)
    assert [r["red"] for r in table] == [1, 2, 2, 2, 2, 2]


def test_last_row_and_peak_are_the_replay_result():
    G = attention_dag(2, 2)
    s = greedy_strategy(G, 6)
    cols = move_columns(G, s)
    r = replay(G, s)
    assert list(cols) == list(MOVE_COLUMNS)
    assert {len(c) for c in cols.values()} == {r.moves}
    assert (int(cols["io"][-1]), int(cols["loads"][-1]), int(cols["stores"][-1])) == (
        r.io, r.loads, r.stores)
    assert int(cols["red"].max()) == r.peak_red <= 6
    assert (np.diff(cols["io"]) >= 0).all() and cols["red"].min() >= 0


def test_memory_and_variant_default_to_the_strategys_and_can_be_overridden():
    s = Strategy([("load", "x[0]"), ("compute", "x[1]"), ("delete", "x[1]"),
                  ("compute", "x[1]"), ("compute", "x[2]"), ("store", "x[2]")], memory=3)
    assert [r["red"] for r in move_table(chain_dag(3), s)] == [1, 2, 1, 2, 3, 3]  # classic
    with pytest.raises(IllegalMoveError) as exc:
        move_table(chain_dag(3), s, variant="no-recompute")
    assert exc.value.index == 3
    with pytest.raises(IllegalMoveError) as exc:
        move_table(chain_dag(3), Strategy(s.moves, 3, "no-recompute"))
    assert exc.value.index == 3
    with pytest.raises(IllegalMoveError) as exc:
        move_table(chain_dag(3), s, memory=1)
    assert exc.value.index == 1 and exc.value.rule == "red-pebble limit"
    with pytest.raises(InvalidInputError, match="no memory size"):
        move_table(chain_dag(3), CHAIN_MOVES)


def test_invalid_strategy_raises_as_replay_does():
    G = chain_dag(3)
    bad = CHAIN_MOVES[:2] + [("compute", "x[2]")] + CHAIN_MOVES[2:]
    bad[2], bad[3] = ("delete", "x[0]"), ("compute", "x[0]")
    with pytest.raises(IllegalMoveError) as ours:
        move_columns(G, bad, memory=3)
    with pytest.raises(IllegalMoveError) as theirs:
        replay(G, bad, memory=3)
    assert str(ours.value) == str(theirs.value) and ours.value.index == 3
    with pytest.raises(IllegalMoveError, match="output x\\[2\\] holds no blue"):
        move_table(G, CHAIN_MOVES[:-1], memory=3)
    with pytest.raises(InvalidInputError, match="unknown node"):
        move_table(G, [("load", "nope")], memory=3)


def test_encoded_moves_of_a_schedule():
    sim = simulate("flash2", 4, 2, 12)
    cols = move_columns(sim.compiled, sim.moves, memory=12)
    assert len(cols["index"]) == len(sim.moves)
    assert int(cols["io"][-1]) == sim.result.io
    assert int(cols["red"].max()) == sim.result.peak_red
    assert cols["node"][0] == sim.moves.move(0)[1]
    with pytest.raises(InvalidInputError, match="graph they encode"):
        move_columns(compile_graph(sim.graph), sim.moves, memory=12)


def test_tuple_node_ids_stay_whole():
    G = nx.DiGraph([((0, 0), (1, 0)), ((0, 1), (1, 0))])
    moves = [("load", (0, 0)), ("load", (0, 1)), ("compute", (1, 0)), ("store", (1, 0))]
    cols = move_columns(G, moves, memory=3)
    assert cols["node"].shape == (4,) and cols["node"][2] == (1, 0)
    text = format_table(cols, "csv")
    assert list(csv.reader(io.StringIO(text)))[3] == ["2", "compute", "(1, 0)", "3", "2", "0", "2"]


def test_csv_reads_back_to_the_table():
    G = attention_dag(2, 1)
    table = move_table(G, greedy_strategy(G, 4))
    back = list(csv.DictReader(io.StringIO(format_table(table, "csv"))))
    assert back == [{k: str(v) for k, v in row.items()} for row in table]


def test_text_and_markdown_layout():
    rows = [{"node": "a|b", "n": 5}, {"node": "c", "n": 123}]
    assert format_table(rows).splitlines() == ["node    n", "a|b     5", "c     123"]
    md = format_table(rows, "markdown").splitlines()
    assert md[:2] == ["| node | n |", "|---|---:|"] and md[2] == "| a\\|b | 5 |"
    # columns give the same text as rows
    assert format_table({"node": ["a|b", "c"], "n": np.array([5, 123])}) == format_table(rows)
    assert format_table([], "csv") == "\n" and format_table([]) == "\n"


def test_table_lines_stream_in_chunks_and_bad_tables_are_refused(monkeypatch):
    import redblue.game.trace as trace

    monkeypatch.setattr(trace, "_CHUNK", 3)  # several chunks, a last partial one
    cols = {"i": np.arange(10), "s": [str(i) for i in range(10)]}
    assert list(table_lines(cols, "csv"))[1:] == [f"{i},{i}" for i in range(10)]
    with pytest.raises(InvalidInputError, match="unknown table format"):
        format_table(cols, "html")
    with pytest.raises(InvalidInputError, match="row 1 has keys"):
        format_table([{"a": 1}, {"b": 2}])
    with pytest.raises(InvalidInputError, match="different lengths"):
        format_table({"a": [1, 2], "b": [1]})


# ------------------------------------------------------------------ diff


def test_diff_of_two_strategies_against_counts_made_here():
    G = matmul_dag(2, 2, 2)
    a, b = random_strategy(G, 5, seed=1, steps=40), greedy_strategy(G, 5)
    d = diff_strategies(G, a, b)
    assert (d.a, d.b) == (replay(G, a), replay(G, b))
    C = compile_graph(G)
    count = {name: Counter((k, C.lookup(v)) for k, v in s.moves)
             for name, s in (("a", a), ("b", b))}  # fmt: skip
    expect = {}
    for v in range(C.n):
        la, lb = count["a"][("load", v)], count["b"][("load", v)]
        sa, sb = count["a"][("store", v)], count["b"][("store", v)]
        if (la, sa) != (lb, sb):
            expect[C.nodes[v]] = (la, lb, sa, sb)
    got = {r["node"]: (r["loads a"], r["loads b"], r["stores a"], r["stores b"])
           for r in d.node_rows()}  # fmt: skip
    assert got == expect and expect
    scores = [abs(x[0] - x[1]) + abs(x[2] - x[3]) for x in (got[n] for n in d.nodes)]
    assert scores == sorted(scores, reverse=True)
    first = next(t for t, (x, y) in enumerate(zip(a.moves, b.moves, strict=False))
                 if (x[0], C.lookup(x[1])) != (y[0], C.lookup(y[1])))  # fmt: skip
    assert d.divergence == first and d.move_a[0] == a.moves[first][0]
    assert len(d.node_rows(limit=2)) == 2
    rows = {r["measure"]: r for r in d.as_rows()}
    assert rows["io"] == {"measure": "io", "a": d.a.io, "b": d.b.io, "b - a": d.b.io - d.a.io}
    json.dumps(d.as_dict())


def test_diff_identical_and_prefix():
    G = chain_dag(3)
    d = diff_strategies(G, CHAIN_MOVES, CHAIN_MOVES, memory=3)
    assert d.identical and d.divergence is None and d.nodes == () and d.node_rows() == []
    assert "same moves" in repr(d)
    longer = CHAIN_MOVES + [("delete", "x[2]"), ("load", "x[2]")]
    d = diff_strategies(G, CHAIN_MOVES, longer, memory=3)
    assert (d.divergence, d.move_a, d.move_b) == (6, None, ("delete", "x[2]"))
    assert [r["node"] for r in d.node_rows()] == ["x[2]"]
    assert d.as_dict()["divergence"] == {"index": 6, "a": None, "b": ["delete", "x[2]"]}


def test_diff_names_the_invalid_strategy():
    G = chain_dag(3)
    with pytest.raises(IllegalMoveError) as exc:
        diff_strategies(G, CHAIN_MOVES, CHAIN_MOVES[1:], memory=3)
    assert exc.value.__notes__ == ["strategy b"] and exc.value.index == 0
    with pytest.raises(IllegalMoveError) as exc:
        diff_strategies(G, CHAIN_MOVES, CHAIN_MOVES, memory=1)
    assert exc.value.__notes__ == ["strategy a"]


# ------------------------------------------------------------------ command line


@pytest.fixture
def files(tmp_path):
    from redblue.readwrite import write_graph, write_strategy

    G = attention_dag(2, 1)
    write_graph(G, tmp_path / "g.json")
    write_strategy(greedy_strategy(G, 4), tmp_path / "a.txt")
    write_strategy(greedy_strategy(G, 6), tmp_path / "b.json")
    bad = greedy_strategy(G, 4)
    bad.moves[3] = ("store", bad.moves[3][1])
    write_strategy(bad, tmp_path / "bad.txt")
    return {k: str(tmp_path / f) for k, f in
            (("g", "g.json"), ("a", "a.txt"), ("b", "b.json"), ("bad", "bad.txt"))}  # fmt: skip


def run(capsys, *argv):
    from redblue.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_moves_formats(capsys, files, tmp_path):
    G = attention_dag(2, 1)
    table = move_table(G, greedy_strategy(G, 4))
    code, out, err = run(capsys, "moves", files["g"], files["a"])
    assert code == 0 and err == "" and out == format_table(table)
    code, out, _ = run(capsys, "moves", files["g"], files["a"], "--table-format", "markdown")
    assert out == format_table(table, "markdown")
    target = tmp_path / "t.csv"
    code, out, _ = run(capsys, "moves", files["g"], files["a"], "-o", str(target))
    assert code == 0 and f"{len(table)} moves written" in out and "(csv)" in out
    assert target.read_text() == format_table(table, "csv")


def test_cli_moves_invalid_and_bad_input(capsys, files, tmp_path):
    code, out, err = run(capsys, "moves", files["g"], files["bad"])
    assert code == 1 and out == "" and "move 3" in err and "\n" == err[-1] and err.count("\n") == 1
    code, out, err = run(capsys, "moves", files["g"], str(tmp_path / "missing.txt"))
    assert code == 2 and err.count("\n") == 1
    code, out, err = run(capsys, "moves", files["g"], files["a"], "--memory", "2")
    assert code == 1 and "red-pebble limit" in err
    code, out, err = run(capsys, "moves", "-", "-")
    assert code == 2 and "stdin" in err


def test_cli_diff(capsys, files):
    code, out, err = run(capsys, "diff", files["g"], files["a"], files["b"], "--limit", "2")
    assert code == 0 and err == ""
    d = diff_strategies(attention_dag(2, 1), greedy_strategy(attention_dag(2, 1), 4),
                        greedy_strategy(attention_dag(2, 1), 6))  # fmt: skip
    assert f"a: {files['a']} (classic game, memory M = 4)" in out
    assert format_table(d.as_rows()) in out and format_table(d.node_rows(2)) in out
    assert f"first divergence: move {d.divergence}" in out
    code, out, _ = run(capsys, "diff", files["g"], files["a"], files["b"], "--json")
    assert code == 0 and json.loads(out) == json.loads(json.dumps(d.as_dict(10)))
    code, out, _ = run(capsys, "diff", files["g"], files["a"], files["a"])
    assert code == 0 and "the same moves" in out


def test_cli_diff_names_the_invalid_file(capsys, files):
    code, out, _ = run(capsys, "diff", files["g"], files["a"], files["bad"])
    assert code == 1 and out.startswith(f"invalid: {files['bad']}: move 3")
    code, out, _ = run(capsys, "diff", files["g"], files["bad"], files["a"], "--json")
    data = json.loads(out)
    assert code == 1 and data["strategy"] == files["bad"] and data["error"]["index"] == 3
