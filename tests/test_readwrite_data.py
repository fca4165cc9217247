"""Graph files from elsewhere (tests/data/): they read, pebble, and write back identically."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from redblue.game import compile_graph, replay
from redblue.readwrite import guess_format, read_graph, write_graph
from redblue.strategies import greedy_strategy

DATA = Path(__file__).parent / "data"

#: file -> (nodes, edges, inputs, outputs), counted by hand or from the file's header
EXPECTED = {
    "hdag/ER_N10_e18.hdag": (10, 16, 3, 3),
    "hdag/spmv_N4_nzP0d5.hdag": (19, 18, 9, 4),
    "hdag/exp_N4_K2_nzP0d5.hdag": (27, 33, 9, 4),
    "hdag/simple_pagerank.hdag": (39, 54, 16, 4),
    "kth/pyramid2.kth": (6, 6, 3, 1),
    "kth/spec_example.kth": (3, 2, 2, 1),
    "kth/multiline.kth": (6, 5, 5, 1),
    "kth/old_style.kth": (4, 3, 2, 1),
    "dot/drawing.gv": (6, 6, 3, 1),
    "networkx/dag_links.json": (6, 6, 2, 1),
    "networkx/dag_edges.json": (6, 6, 2, 1),
    "networkx/dag.graphml": (6, 6, 2, 1),
    "networkx/dag.edgelist": (6, 6, 2, 1),
}


def test_every_data_file_is_listed():
    files = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file()}
    assert files - {"README.md"} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_data_file_reads_and_pebbles(name):
    G = read_graph(DATA / name)
    C = compile_graph(G)
    assert (G.number_of_nodes(), G.number_of_edges(), int(C.is_input.sum()),
            int(C.is_output.sum())) == EXPECTED[name]  # fmt: skip
    memory = C.min_memory() + 1
    result = replay(G, greedy_strategy(G, memory))
    assert result.io >= int(C.is_input.sum()) + int(C.is_output.sum())  # each read and written


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_data_file_writes_back_identically(name, tmp_path):
    G = read_graph(DATA / name)
    path = tmp_path / Path(name).name
    write_graph(G, path)
    H = read_graph(path)
    if name.endswith(".edgelist"):  # an edge list keeps no node order
        assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
    else:
        assert list(H.nodes(data=True)) == list(G.nodes(data=True))
    assert sorted(H.edges(data=True), key=repr) == sorted(G.edges(data=True), key=repr)
    assert H.graph == G.graph and guess_format(path) == guess_format(DATA / name)


def test_what_the_files_hold():
    pagerank = read_graph(DATA / "hdag/simple_pagerank.hdag")
    header = "%MatrixMarket weighted-matrix coordinate pattern general"
    assert pagerank.graph["comments"][0] == header
    assert pagerank.nodes[0] == {"work": 1, "node_data": [0, 0]}  # "0 1 0 0 % source vertex"
    spmv = read_graph(DATA / "hdag/spmv_N4_nzP0d5.hdag")
    assert spmv.nodes[0] == {"work": 0, "memory": 1} and sorted(spmv.succ[0]) == [10, 14]
    pyramid = read_graph(DATA / "kth/pyramid2.kth")
    assert pyramid.nodes[6] == {"coord": [2, 2]} and pyramid.graph["name"].startswith("pyramid")
    assert nx.is_isomorphic(read_graph(DATA / "kth/old_style.kth"),
                            nx.DiGraph([(1, 3), (2, 3), (3, 4)]))  # fmt: skip
    drawing = read_graph(DATA / "dot/drawing.gv")
    assert drawing.nodes["out"] == {"label": "the result", "output": True}
    assert drawing.edges["in 0", "h0"] == {"weight": "2"}  # DOT from elsewhere: text values


@pytest.mark.parametrize(
    "name", ["networkx/dag_links.json", "networkx/dag_edges.json", "networkx/dag.graphml",
             "networkx/dag.edgelist", "dot/drawing.gv", "kth/pyramid2.kth",
             "hdag/ER_N10_e18.hdag"],
)  # fmt: skip
def test_each_format_goes_through_every_command_unedited(name, tmp_path, capsys):
    """A file as its tool wrote it: greedy, verify, solve and lower take it with no edits,
    and their numbers agree (lower <= optimum <= the greedy strategy's replayed I/O)."""
    import json

    from redblue.cli import main

    path = str(DATA / name)
    memory = str(compile_graph(read_graph(path)).min_memory() + 1)
    strategy = str(tmp_path / "greedy.txt")

    def run(*argv: str) -> dict:
        capsys.readouterr()
        assert main([*argv, "--json"]) == 0, capsys.readouterr().err
        return json.loads(capsys.readouterr().out)

    run("greedy", path, "--memory", memory, "-o", strategy)
    greedy_io = run("verify", path, strategy)["io"]
    solved = run("solve", path, "--memory", memory, "--time-limit", "20")
    lower = run("lower", path, "--memory", memory, "--time-limit", "5")
    assert solved["optimal"] and lower["lower"] <= solved["io"] <= greedy_io
