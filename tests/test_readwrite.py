"""redblue.readwrite: each graph format round-trips, reads what networkx writes, fails in a line."""

from __future__ import annotations

import io
import json
import math
import sys

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redblue.dags import attention_dag, chain_dag, evaluate, matmul_dag, pyramid_dag
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.game import Strategy, compile_graph, replay
from redblue.readwrite import (
    GRAPH_FORMATS,
    STRATEGY_FORMATS,
    guess_format,
    read_graph,
    read_strategy,
    write_graph,
    write_strategy,
)
from redblue.readwrite.dot import _collect_lines, _collect_pydot, to_dot
from redblue.readwrite.hdag import hdag_numbering
from redblue.readwrite.kth import kth_numbering
from redblue.search import solve
from redblue.strategies import greedy_strategy

EXTENSION = {"json": "json", "graphml": "graphml", "dot": "dot", "edgelist": "edgelist",
             "kth": "kth", "hdag": "hdag"}  # fmt: skip
#: Formats that carry node, edge and graph attributes and any id.
FULL = ("json", "graphml", "dot")
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


def assert_identical(G, H, order=True):
    """Same nodes (in order), node data, edges with data, graph data."""
    if order:
        assert list(H.nodes) == list(G.nodes)
    assert set(H.nodes) == set(G.nodes)
    for v in G:
        assert H.nodes[v] == G.nodes[v], v
        assert type(next(u for u in H if u == v)) is type(v)
    assert set(H.edges) == set(G.edges)
    for u, v, data in G.edges(data=True):
        assert H.edges[u, v] == data
    assert H.graph == G.graph
    assert isinstance(H, nx.DiGraph) and not H.is_multigraph()


def structure(G):
    """``G`` without attributes: what an edge list, KTH or HyperDAG file keeps at least."""
    H = nx.DiGraph()
    H.add_nodes_from(G)
    H.add_edges_from(G.edges)
    return H


# ------------------------------------------------------------------ hypothesis DAGs

# any text but lone surrogates (which UTF-8 cannot encode: writers refuse them in one line);
# control characters included (GraphML writes them, and a carriage return, as JSON text)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
WORD = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_characters="#",
                             blacklist_categories=("Zs", "Cc")),
               min_size=1, max_size=6)  # fmt: skip
INTS = st.integers(-(10**12), 10**12)
VALUE = st.one_of(
    TEXT,
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(0, 9), max_size=3),
)
KEY = st.sampled_from(["op", "weight", "note", "label", "shape", "size", "output", "x y"])


@st.composite
def dags(draw, ids, attrs=True, max_nodes=9):
    """A random DAG on distinct ids (edges go forward in a random order of the nodes)."""
    nodes = draw(st.lists(ids, min_size=1, max_size=max_nodes, unique=True))
    G = nx.DiGraph()
    for v in nodes:
        data = draw(st.dictionaries(KEY, VALUE, max_size=3)) if attrs else {}
        if "output" in data:
            data["output"] = draw(st.booleans())
        G.add_node(v, **data)
    n = len(nodes)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    for i, j in chosen:
        data = draw(st.dictionaries(KEY, VALUE, max_size=2)) if attrs else {}
        data.pop("output", None)
        G.add_edge(nodes[i], nodes[j], **data)
    if attrs and draw(st.booleans()):
        G.graph["name"] = draw(TEXT)
        G.graph.update(draw(st.dictionaries(st.sampled_from(["kind", "seed"]), VALUE, max_size=2)))
    return G


def round_trip(G, fmt, tmp_path):
    path = tmp_path / f"g.{EXTENSION[fmt]}"
    write_graph(G, path)
    return read_graph(path)


@pytest.mark.parametrize("fmt", FULL)
@SETTINGS
@given(G=dags(st.one_of(TEXT, INTS)))
def test_full_formats_round_trip_ids_and_attributes(fmt, G, tmp_path):
    assert_identical(G, round_trip(G, fmt, tmp_path))


@pytest.mark.parametrize("fmt", FULL)
@SETTINGS
@given(G=dags(st.tuples(WORD, st.tuples(st.integers(0, 3), st.integers(0, 3)))))
def test_full_formats_round_trip_tuple_ids(fmt, G, tmp_path):
    assert_identical(G, round_trip(G, fmt, tmp_path))


@SETTINGS
@given(G=st.one_of(dags(WORD, attrs=False), dags(INTS, attrs=False)), data=st.data())
def test_edgelist_round_trips_structure_and_edge_attributes(G, data, tmp_path):
    value = VALUE.filter(lambda v: "#" not in repr(v))  # '#' starts a comment there
    weights = st.dictionaries(st.sampled_from(["weight", "w"]), value, max_size=2)
    for u, v in G.edges:
        G.edges[u, v].update(data.draw(weights))
    assert_identical(G, round_trip(G, "edgelist", tmp_path), order=False)


@SETTINGS
@given(G=dags(st.one_of(TEXT, INTS), attrs=False),
       name=st.one_of(st.none(), st.from_regex(r"[a-z][a-z0-9 ()=,]{0,9}[a-z)]", fullmatch=True)))
def test_kth_round_trips_structure_and_name(G, name, tmp_path):
    if name is not None:
        G.graph["name"] = name
    number = kth_numbering(G)
    expected = nx.relabel_nodes(G, number)
    H = round_trip(G, "kth", tmp_path)
    assert_identical(expected, H, order=False)
    assert sorted(H) == list(range(1, len(G) + 1))
    assert all(number[u] < number[v] for u, v in G.edges)  # numbered in a topological order
    # ids 1..N already: kept as they are
    assert_identical(H, round_trip(H, "kth", tmp_path))


@SETTINGS
@given(G=dags(st.one_of(TEXT, INTS), attrs=False), data=st.data())
def test_hdag_round_trips_structure_and_weights(G, data, tmp_path):
    weights = st.integers(0, 10**6)
    for v in G:
        if data.draw(st.booleans()):
            G.nodes[v]["work"] = data.draw(weights)
            if data.draw(st.booleans()):
                G.nodes[v]["node_data"] = data.draw(st.lists(weights, min_size=1, max_size=3))
        if data.draw(st.booleans()):
            G.nodes[v]["memory"] = data.draw(weights)
            if data.draw(st.booleans()):
                G.nodes[v]["hyperedge_data"] = data.draw(st.lists(weights, min_size=1, max_size=2))
    if data.draw(st.booleans()):
        G.graph["comments"] = data.draw(st.lists(st.from_regex(r"[ -~]*", fullmatch=True),
                                                 min_size=1, max_size=3))  # fmt: skip
    expected = nx.relabel_nodes(G, hdag_numbering(G))
    H = round_trip(G, "hdag", tmp_path)
    assert_identical(expected, H, order=False)
    assert_identical(H, round_trip(H, "hdag", tmp_path), order=False)


@SETTINGS
@given(G=dags(st.one_of(TEXT, INTS, st.tuples(WORD, st.integers(0, 3)))))
def test_dot_fast_reader_agrees_with_pydot(G):
    # what to_dot writes is read line by line at speed; pydot's grammar is the reference
    text = to_dot(G)
    fast = _collect_lines(text)
    assert fast is not None and fast == _collect_pydot(text, "g.dot")
    # DOT the fast reader does not take falls back to pydot
    assert _collect_lines("// a comment\n" + text) is None
    assert _collect_lines(text.replace(";\n", "; ", 1)) is None


BUILDERS = {
    "attention": lambda: attention_dag(2, 1),
    "attention-scaled": lambda: attention_dag(2, 2, sum="fma", stable=True, scale=0.5),
    "matmul": lambda: matmul_dag(2, 2, 2),
    "pyramid": lambda: pyramid_dag(3),
}


@pytest.mark.parametrize("fmt", FULL)
@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_builder_graphs_round_trip_and_still_evaluate(family, fmt, tmp_path):
    G = BUILDERS[family]()
    H = round_trip(G, fmt, tmp_path)
    assert_identical(G, H)
    if family.startswith("attention"):
        inputs = {"Q": [[0.1, 0.2]] * 2, "K": [[0.3, 0.4]] * 2, "V": [[0.5, 0.6]] * 2}
        inputs = {k: [row[: G.graph.get("d", 2)] for row in v] for k, v in inputs.items()}
        if family == "attention":
            inputs = {k: [[row[0]] for row in v] for k, v in inputs.items()}
        assert evaluate(H, inputs) == evaluate(G, inputs)


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_every_format_pebbles_the_same(fmt, tmp_path):
    G = attention_dag(2, 1)
    H = round_trip(G, fmt, tmp_path)
    assert H.number_of_nodes() == 26 and H.number_of_edges() == G.number_of_edges()
    C, D = compile_graph(G), compile_graph(H)
    assert C.is_input.sum() == D.is_input.sum() and C.is_output.sum() == D.is_output.sum()
    assert replay(H, greedy_strategy(H, 4)).io == replay(G, greedy_strategy(G, 4)).io


# ------------------------------------------------------------------ what networkx writes


def plain_dag():
    """A plain networkx DAG: integer ids, no attribute at all."""
    G = nx.DiGraph([(0, 2), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)])
    return G


def pebble(G):
    """Compile, greedy, replay, solve: what a plain DAG must go through unedited."""
    C = compile_graph(G)
    assert C.is_input.sum() == 2 and C.is_output.sum() == 1  # sources in, sink out
    memory = C.min_memory() + 1
    greedy = replay(G, greedy_strategy(G, memory))
    best = solve(G, memory, time_limit=60)
    assert best.optimal and replay(G, best.strategy).io == best.io <= greedy.io
    return best.io


@pytest.mark.parametrize("edges", ["edges", "links"])
def test_networkx_node_link_json_loads_and_pebbles(edges, tmp_path):
    G = plain_dag()
    path = tmp_path / "nx.json"
    path.write_text(json.dumps(nx.node_link_data(G, edges=edges)))
    H = read_graph(path)
    assert_identical(G, H)
    assert pebble(H) == pebble(G)


def test_networkx_graphml_loads_and_pebbles(tmp_path):
    G = plain_dag()
    G.nodes[4]["weight"] = 2.5
    path = tmp_path / "nx.graphml"
    nx.write_graphml(G, path)
    H = read_graph(path)  # networkx writes ids as text: they come back as strings
    assert_identical(nx.relabel_nodes(G, str), H)
    assert pebble(H) == pebble(G)


@pytest.mark.parametrize("data", [True, False])
def test_networkx_edgelist_loads_and_pebbles(data, tmp_path):
    G = plain_dag()
    G.edges[0, 2]["weight"] = 3
    path = tmp_path / "nx.edgelist"
    nx.write_edgelist(G, path, data=data)
    H = read_graph(path)  # every id is a decimal integer: integers come back
    assert set(H.edges) == set(G.edges) and set(H) == set(G)
    assert H.edges[0, 2] == ({"weight": 3} if data else {})
    assert pebble(H) == pebble(G)


def test_weighted_edgelist_reads_a_third_column_as_weight(tmp_path):
    path = tmp_path / "w.el"
    nx.write_weighted_edgelist(nx.DiGraph([("a", "b", {"weight": 0.5})]), path)
    assert read_graph(path).edges["a", "b"] == {"weight": 0.5}


def test_checkmate_style_node_link_with_links_key(tmp_path):
    # a training graph as Checkmate / Moccasin style tools save it: integer ids, costs as
    # node attributes, edges under "links", no op/args/tensor/index anywhere
    data = {
        "directed": True, "multigraph": False, "graph": {"name": "mlp"},
        "nodes": [{"id": k, "name": f"layer{k}", "cost_cpu": 1 + k, "cost_ram": 4}
                  for k in range(6)],
        "links": [{"source": u, "target": v} for u, v in plain_dag().edges],
    }  # fmt: skip
    path = tmp_path / "mlp.json"
    path.write_text(json.dumps(data))
    G = read_graph(path)
    assert G.nodes[3] == {"name": "layer3", "cost_cpu": 4, "cost_ram": 4}
    assert pebble(G) == pebble(plain_dag())


def test_dot_from_elsewhere_reads_output_marks_as_booleans(tmp_path):
    path = tmp_path / "g.gv"
    path.write_text('digraph G { a -> b -> c; a -> d; b [output=true]; d [output="False"]; }')
    G = read_graph(path)
    assert G.graph == {"name": "G"} and G.nodes["b"] == {"output": True}
    assert G.nodes["d"] == {"output": False} and G.nodes["c"] == {}
    C = compile_graph(G)
    assert [C.nodes[k] for k in range(C.n) if C.is_output[k]] == ["b"]


def test_output_marks_choose_the_outputs():
    G = plain_dag()
    G.add_edge(5, 6)
    G.nodes[6]["output"] = False  # a sink that is not a result: no output at all remains
    assert compile_graph(G).is_output.sum() == 0
    G.nodes[4]["output"] = True  # an output that is not a sink, and needs no tensor
    assert compile_graph(G).nodes[int(compile_graph(G).is_output.argmax())] == 4


# ------------------------------------------------------------------ formats and paths


def test_guess_format_and_the_public_names():
    assert GRAPH_FORMATS == ("json", "graphml", "dot", "edgelist", "kth", "hdag")
    assert STRATEGY_FORMATS == ("json", "text")
    cases = {"a.json": "json", "a.GraphML": "graphml", "a.dot": "dot", "a.gv": "dot",
             "a.edgelist": "edgelist", "a.edges": "edgelist", "a.el": "edgelist",
             "a.kth": "kth", "a.hdag": "hdag", "a.txt": None, "a": None, "a.csv": None}  # fmt: skip
    for name, fmt in cases.items():
        assert guess_format(name) == fmt, name
    assert guess_format("m.txt", STRATEGY_FORMATS) == "text"


@pytest.mark.parametrize("call", [read_graph, lambda p: write_graph(chain_dag(2), p)])
def test_unknown_extension_is_one_line_naming_the_formats(call, tmp_path):
    path = tmp_path / "g.csv"
    with pytest.raises(InvalidInputError) as info:
        call(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: cannot tell the graph format")
    assert all(fmt in message for fmt in GRAPH_FORMATS)


def test_format_argument_overrides_the_extension_and_is_checked(tmp_path):
    path = tmp_path / "graph.data"
    write_graph(chain_dag(3), path, format="graphml")
    assert read_graph(path, format="graphml").number_of_nodes() == 3
    with pytest.raises(InvalidGraphError, match="not valid JSON"):
        read_graph(path, format="json")
    with pytest.raises(InvalidInputError, match=r"unknown graph format 'yaml' \(the formats: json"):
        read_graph(path, format="yaml")


def test_stdin_and_stdout(monkeypatch, capsys):
    write_graph(chain_dag(2), "-")  # no format: node-link JSON
    out = capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(out.encode())))
    assert list(read_graph("-").edges) == [("x[0]", "x[1]")]
    write_graph(chain_dag(2), "-", format="kth")
    out = capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(out.encode())))
    assert list(read_graph("-", format="kth").edges) == [(1, 2)]
    write_strategy(Strategy([("load", "a")], 1), "-", format="text")
    out = capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(out.encode())))
    assert read_strategy("-") == Strategy([("load", "a")], 1)


@pytest.mark.parametrize("fmt", STRATEGY_FORMATS)
def test_strategy_format_argument(fmt, tmp_path):
    s = Strategy([("load", "a"), ("compute", "b")], 2)
    path = tmp_path / "moves.out"
    write_strategy(s, path, format=fmt)
    assert read_strategy(path, format=fmt) == read_strategy(path) == s
    with pytest.raises(InvalidInputError, match="unknown strategy format 'xml'"):
        read_strategy(path, format="xml")


# ------------------------------------------------------------------ one-line errors

BAD_FILES = [
    ("json", '{"nodes": [{"id": "a"}], "edges": [{"source": "a", "target": "b"}]}',
     "edge entry 0: unknown target node 'b'"),
    ("json", '{"nodes": [{"id": "a"}, {"id": "b"}], "links": [{"source": "a", "target": "b"},'
     ' {"source": "b", "target": "a"}]}', "graph has a cycle: 'a' -> 'b' -> 'a'"),
    ("graphml", "<graphml><graph edgedefault='undirected'><node id='a'/></graph></graphml>",
     "an undirected graph"),
    ("graphml", "<graphml><graph", "not valid GraphML: "),
    ("dot", "digraph { a -> b; b -> a; }", "graph has a cycle"),
    ("dot", "graph { a -- b; }", "an undirected graph ('graph')"),
    ("dot", "digraph { a -> b\n c -> ; }", "not valid DOT: line 2, column"),
    ("dot", 'digraph { a [output="maybe"]; }', "node 'a': output is 'maybe'"),
    ("edgelist", "a b\nb c\nc a\n", "graph has a cycle"),
    ("edgelist", "a b\nb c {'w': 1\n", "line 2: attributes \"{'w': 1\" are not a dict literal"),
    ("edgelist", "# nodetype: int\n1 x\n", "nodetype is int, but invalid literal"),
    ("edgelist", "# only a comment\n", "no edges and no nodes"),
    ("kth", "3\n1 : 2 0\n2 : 1 0\n", "graph has a cycle"),
    ("kth", "c name\nthree\n", "line 2: expected the number of vertices, got 'three'"),
    ("kth", "2\n1 : 0\n1 : 0\n", "line 3: vertex 1 is listed twice (first at line 2)"),
    ("kth", "2\n2 : x 0\n", "line 2: 'x' is not a vertex number"),
    ("kth", "99999999999\n", "line 1: 99,999,999,999 vertices; a graph here has 1 to"),
    ("kth", "c only comments\n", "no vertex count"),
    ("hdag", "%c\n1 2 2\n0 1\n0 1\n1 1\n0 0\n0 7\n", "line 7: node '7' is not in 0..1"),
    ("hdag", "1 2 2\n0 1\n0 1\n1 1\n0 0\n", "4 data lines after the header; 1 hyperedges + "
     "2 nodes + 2 pins make 5"),
    ("hdag", "1 2 2\n0 1\n0 x\n1 1\n0 0\n0 1\n", "line 3: 'x' is not a number"),
    ("hdag", "% no header\n", "no header line"),
    ("hdag", "2 2 4\n0\n1\n0\n1\n0 0\n0 1\n1 1\n1 0\n", "graph has a cycle"),
]  # fmt: skip


@pytest.mark.parametrize("fmt,text,fragment", BAD_FILES, ids=[f"{c[0]}-{k}" for k, c in
                                                               enumerate(BAD_FILES)])  # fmt: skip
def test_bad_files_fail_in_one_line_naming_file_and_place(fmt, text, fragment, tmp_path):
    path = tmp_path / f"bad.{EXTENSION[fmt]}"
    path.write_text(text)
    with pytest.raises(InvalidGraphError) as info:
        read_graph(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert fragment in message, message


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_missing_file_binary_file_and_directory(fmt, tmp_path):
    missing = tmp_path / f"nope.{EXTENSION[fmt]}"
    with pytest.raises(InvalidInputError, match="no such file$"):
        read_graph(missing)
    with pytest.raises(InvalidInputError, match="cannot read"):
        read_graph(tmp_path, format=fmt)
    garbage = tmp_path / f"garbage.{EXTENSION[fmt]}"
    garbage.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(InvalidGraphError) as info:
        read_graph(garbage)
    assert str(info.value).startswith(f"{garbage}: ") and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "fmt,G,fragment",
    [
        ("edgelist", nx.DiGraph([("a b", "c")]), "node 'a b' cannot be written to an edge list"),
        ("edgelist", nx.DiGraph([("a", 1)]), "this graph has int, str ids"),
        ("graphml", nx.DiGraph([("a", "b", {"w": {1, 2}})]), "attribute 'w' cannot be written"),
        ("dot", nx.DiGraph([("a", "b", {"w": math.nan})]), "attribute 'w' cannot be written"),
        ("hdag", nx.DiGraph([("a", "b", {})], comments="one"), "'comments' must be a list"),
        ("dot", nx.DiGraph([("a\ud800", "b")]), "cannot write '.ud800': not a character"),
    ],
)
def test_writers_refuse_what_the_format_cannot_hold(fmt, G, fragment, tmp_path):
    path = tmp_path / f"g.{EXTENSION[fmt]}"
    with pytest.raises(InvalidInputError, match=fragment):
        write_graph(G, path)
    assert not path.exists()


def test_large_integer_ids_and_odd_strings_survive_dot_and_graphml(tmp_path):
    G = nx.DiGraph([(2**80, -3), (-3, 0)])
    for fmt in ("dot", "graphml"):
        assert_identical(G, round_trip(G, fmt, tmp_path))
    G = nx.DiGraph([("node", "edge"), ("graph", 'a"b\\c'), ("", "x\ny"), ("1", "-2.5")])
    for v in G:  # attributes on nodes named like DOT keywords must not be taken for defaults
        G.nodes[v]["size"] = v
    for fmt in ("dot", "graphml", "json"):
        assert_identical(G, round_trip(G, fmt, tmp_path))
    text = to_dot(G)  # and pydot, the reference, reads the same
    assert _collect_lines(text) == _collect_pydot(text, "g.dot")
