"""Validation of DAGs (dags/validate.py), and node-link JSON and DOT files checked by it."""

from __future__ import annotations

import copy
import json
import re

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from redblue.dags import (
    attention_dag,
    chain_dag,
    evaluate,
    fft_dag,
    matmul_dag,
    pyramid_dag,
    random_dag,
    validate_computation,
    validate_dag,
)
from redblue.dags.validate import MAX_ID_DEPTH, topological_order
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.readwrite import (
    from_node_link,
    read_json,
    to_dot,
    to_node_link,
    write_dot,
    write_json,
)

FAMILIES = {
    "attention": lambda: attention_dag(2, 2),
    "attention-fma-early-causal-stable-scaled": lambda: attention_dag(
        3, 2, sum="fma", normalize="early", causal=True, stable=True, scale=0.37
    ),
    "attention-chain-stable": lambda: attention_dag(2, 1, sum="chain", stable=True),
    "matmul": lambda: matmul_dag(2, 3, 2),
    "matmul-fma": lambda: matmul_dag(2, 3, 1, sum="fma"),
    "chain": lambda: chain_dag(4),
    "pyramid": lambda: pyramid_dag(3),
    "fft": lambda: fft_dag(8),
    "random": lambda: random_dag(25, seed=4, max_indegree=3),
}


def assert_same_graph(G, H):
    assert list(H.nodes) == list(G.nodes)
    for v in G:
        assert H.nodes[v] == G.nodes[v], v
    assert set(H.edges) == set(G.edges)
    assert H.number_of_edges() == G.number_of_edges()
    assert H.graph == G.graph
    assert isinstance(H, nx.DiGraph) and not H.is_multigraph()


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_json_file_round_trip(family, tmp_path):
    G = FAMILIES[family]()
    path = tmp_path / f"{family}.json"
    write_json(G, path)
    data = json.loads(path.read_text())
    assert "edges" in data and "links" not in data
    assert len(data["nodes"]) == G.number_of_nodes()
    assert len(data["edges"]) == G.number_of_edges()
    H = read_json(path)
    assert_same_graph(G, H)
    read_json(str(path))  # a str path works as well as a Path


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_node_link_round_trip_through_json_text(family):
    G = FAMILIES[family]()
    data = to_node_link(G)
    assert data["directed"] is True and data["multigraph"] is False
    H = from_node_link(json.loads(json.dumps(data)))
    assert_same_graph(G, H)


def test_round_trip_keeps_the_attributes_that_matter():
    G = attention_dag(1, 2, sum="fma", stable=True, scale=0.5)
    H = from_node_link(json.loads(json.dumps(to_node_link(G))))
    assert H.nodes["A[0,0]"] == {"op": "exp", "args": ["T[0,0]"], "scale": 0.5}
    assert H.nodes["Q[0,1]"] == {"op": "input", "tensor": "Q", "index": [0, 1]}
    assert H.nodes["O[0,1]"]["output"] is True
    assert H.nodes["O[0,1]"]["index"] == [0, 1]
    # operand order survives (fma(acc, x, y) is not symmetric)
    assert H.nodes["S[0,0]"]["args"] == ["S[0,0](0:1)", "Q[0,1]", "K[0,1]"]


def test_old_links_key_accepted():
    G = pyramid_dag(2)
    data = to_node_link(G)
    data["links"] = data.pop("edges")
    assert_same_graph(G, from_node_link(data))


def test_to_node_link_docstring_shape():
    data = to_node_link(chain_dag(2))
    assert data["nodes"][0] == {"op": "input", "tensor": "X", "index": [0, 0], "id": "x[0]"}
    assert data["edges"] == [{"source": "x[0]", "target": "x[1]"}]


def test_write_json_errors(tmp_path):
    G = chain_dag(2)
    G.nodes["x[1]"]["note"] = {1, 2}  # a set is no JSON value
    with pytest.raises(InvalidInputError, match="graph is not JSON-serialisable"):
        write_json(G, tmp_path / "g.json")
    assert not (tmp_path / "g.json").exists()
    with pytest.raises(InvalidInputError, match="cannot write"):
        write_json(chain_dag(2), tmp_path / "no" / "such" / "dir.json")


# ------------------------------------------------------------------ DOT


def dot_statements(text):
    nodes, edges = {}, []
    for line in text.splitlines():
        m = re.fullmatch(r'  "((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)";', line)
        if m:
            edges.append((m.group(1), m.group(2)))
            continue
        m = re.fullmatch(r'  "((?:[^"\\]|\\.)*)" \[(.*)\];', line)
        if m:
            nodes[m.group(1)] = m.group(2)
    return nodes, edges


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_dot_names_every_node_and_edge(family, tmp_path):
    G = FAMILIES[family]()
    text = to_dot(G)
    assert text.startswith(f'digraph "{G.graph["name"]}" {{')
    assert text.rstrip().endswith("}")
    nodes, edges = dot_statements(text)
    assert set(nodes) == {str(v) for v in G}
    assert len(nodes) == G.number_of_nodes()
    assert sorted(edges) == sorted((str(u), str(v)) for u, v in G.edges)
    for v, data in G.nodes(data=True):
        attrs = nodes[str(v)]
        assert f'label="{v}\\n{data["op"]}' in attrs
        if data["op"] == "input":
            assert "shape=box" in attrs
        elif data.get("output"):
            assert "shape=doublecircle" in attrs
        else:
            assert "shape=" not in attrs
    path = tmp_path / f"{family}.dot"
    write_dot(G, path)
    assert path.read_text() == text + "\n"


def test_dot_keeps_operand_order_and_shows_scale():
    G = attention_dag(1, 2, sum="fma", scale=0.5)
    _, edges = dot_statements(to_dot(G))
    into_s = [u for u, v in edges if v == "S[0,0]"]
    assert into_s == ["S[0,0](0:1)", "Q[0,1]", "K[0,1]"]
    assert 'label="A[0,0]\\nexp scale=0.5"' in to_dot(G)


def test_dot_quotes_awkward_ids():
    G = nx.DiGraph()
    G.add_node('a"b\\c', op="input", tensor="X", index=[0])
    G.add_node("two\nlines", op="add", args=['a"b\\c'], output=True, tensor="Y", index=[0])
    G.add_edge('a"b\\c', "two\nlines")
    text = to_dot(G)
    assert '  "a\\"b\\\\c" -> "two\\nlines";' in text.splitlines()
    assert len(text.splitlines()) == 8  # no raw newline from the id leaks into the text


def test_write_dot_error(tmp_path):
    with pytest.raises(InvalidInputError, match="cannot write"):
        write_dot(chain_dag(2), tmp_path / "missing" / "g.dot")


# ------------------------------------------------------------------ validation


def chain_data():
    return to_node_link(chain_dag(3))


def edit(fn):
    data = copy.deepcopy(chain_data())
    fn(data)
    return data


def node(data, node_id):
    return next(e for e in data["nodes"] if e["id"] == node_id)


BAD_DATA = [
    ("not a dict", [1, 2], r"not node-link graph data: expected a JSON object, got list"),
    ("missing nodes", {"edges": []}, r"not node-link graph data: missing 'nodes'"),
    ("missing edges", {"nodes": []}, r"not node-link graph data: missing 'edges'"),
    (
        "nodes not a list",
        edit(lambda d: d.update(nodes={"x": 1})),
        "'nodes' is not a list",
    ),
    ("edges not a list", edit(lambda d: d.update(edges=None)), "'edges' is not a list"),
    ("undirected", edit(lambda d: d.update(directed=False)), "graph is not directed"),
    ("multigraph", edit(lambda d: d.update(multigraph=True)), "multigraphs are not supported"),
    ("graph attrs", edit(lambda d: d.update(graph=[1])), "'graph' is not an object"),
    ("node without id", edit(lambda d: d["nodes"][1].pop("id")), "node entry 1 has no 'id'"),
    (
        "array id holding an object",  # arrays are tuple ids; their parts must hash
        edit(lambda d: d["nodes"][0].update(id=[1, {"a": 2}])),
        r"node entry 0 has an id that cannot be a node: \[1, \{'a': 2\}\]",
    ),
    (
        "null id",
        edit(lambda d: d["nodes"][2].update(id=None)),
        "node entry 2 has an id that cannot be a node: None",
    ),
    (
        "duplicate node",
        edit(lambda d: d["nodes"].append(dict(d["nodes"][0]))),
        r"node 'x\[0\]' is listed twice",
    ),
    (
        "edge without target",
        edit(lambda d: d["edges"][1].pop("target")),
        "edge entry 1 needs 'source' and 'target'",
    ),
    (
        "edge to unknown node",
        edit(lambda d: d["edges"].append({"source": "x[0]", "target": "ghost"})),
        "edge entry 2: unknown target node 'ghost'",
    ),
    (
        "edge from unknown node",
        edit(lambda d: d["edges"].append({"source": [0], "target": "x[1]"})),
        r"edge entry 2: unknown source node \[0\]",
    ),
    ("no nodes", {"nodes": [], "edges": []}, "graph has no nodes"),
    (
        "cycle",
        edit(lambda d: d["edges"].append({"source": "x[2]", "target": "x[1]"})),
        r"graph has a cycle: 'x\[1\]' -> 'x\[2\]' -> 'x\[1\]'",
    ),
    (
        "self loop",
        edit(lambda d: d["edges"].append({"source": "x[1]", "target": "x[1]"})),
        r"graph has a cycle: 'x\[1\]' -> 'x\[1\]'",
    ),
]

# What evaluation needs and the game does not: such files read, and validate_computation
# (and so evaluate) refuses them.
CONVENTION_BAD = [
    ("no op", edit(lambda d: node(d, "x[1]").pop("op")), r"node 'x\[1\]' has no 'op'"),
    (
        "unknown op",
        edit(lambda d: node(d, "x[1]").update(op="sqrt")),
        r"node 'x\[1\]' has unknown op 'sqrt' \(known: input, .*add.*\)",
    ),
    (
        "args not matching edges",
        edit(lambda d: node(d, "x[2]").update(args=["x[0]"])),
        r"node 'x\[2\]': args do not match predecessors \(in args but not predecessors: "
        r"'x\[0\]'; predecessors missing from args: 'x\[1\]'\)",
    ),
    (
        "args missing",
        edit(lambda d: node(d, "x[1]").pop("args")),
        r"node 'x\[1\]' \(op 'add'\) has no 'args'",
    ),
    (
        "args not a list",
        edit(lambda d: node(d, "x[1]").update(args="x[0]")),
        r"node 'x\[1\]' has args 'x\[0\]', expected a list",
    ),
    (
        "wrong arity",
        edit(lambda d: node(d, "x[1]").update(op="fma")),
        r"node 'x\[1\]': op 'fma' takes 3 args, got 1",
    ),
    (
        "operation without operands",
        edit(lambda d: node(d, "x[0]").update(op="add", args=[])),
        r"node 'x\[0\]' has no predecessors but op 'add'",
    ),
    (
        "input with predecessors",
        edit(lambda d: node(d, "x[1]").update(op="input", tensor="X", index=[1, 0])),
        r"input node 'x\[1\]' has predecessors: 'x\[0\]'",
    ),
    (
        "input without tensor",
        edit(lambda d: node(d, "x[0]").pop("tensor")),
        r"input node 'x\[0\]' has no 'tensor'",
    ),
    (
        "input without index",
        edit(lambda d: node(d, "x[0]").pop("index")),
        r"input node 'x\[0\]' has no 'index'",
    ),
    (
        "negative index",
        edit(lambda d: node(d, "x[0]").update(index=[0, -1])),
        r"input node 'x\[0\]' has index \[0, -1\], expected a list of ints >= 0",
    ),
    (
        "output without tensor",
        edit(lambda d: node(d, "x[2]").pop("tensor")),
        r"output node 'x\[2\]' has no 'tensor'",
    ),
    (
        "no outputs",
        edit(lambda d: node(d, "x[2]").update(output=False)),
        "no node is marked as output",
    ),
    (
        "duplicate output word",
        edit(lambda d: node(d, "x[1]").update(output=True, tensor="Y", index=[0, 0])),
        r"output nodes '.*' and '.*' both name the word Y\[0,0\]",
    ),
    (
        "input that is an output",
        edit(lambda d: node(d, "x[0]").update(output=True)),
        r"node 'x\[0\]' is both an input and an output",
    ),
    (
        "non-numeric scale",
        edit(lambda d: node(d, "x[1]").update(op="exp", scale="big")),
        r"node 'x\[1\]' has non-numeric scale 'big'",
    ),
    (
        "non-finite scale",
        edit(lambda d: node(d, "x[1]").update(op="exp", scale=float("inf"))),
        r"node 'x\[1\]' has non-finite scale inf",
    ),
]


@pytest.mark.parametrize(
    "data,fragment", [c[1:] for c in CONVENTION_BAD], ids=[c[0] for c in CONVENTION_BAD]
)
def test_conventions_are_for_evaluation_only(data, fragment):
    G = from_node_link(data)  # the game needs structure only: this reads
    with pytest.raises(InvalidGraphError, match=fragment):
        validate_computation(G)
    if "output" not in fragment:  # evaluate needs no outputs
        with pytest.raises(InvalidGraphError, match="^cannot evaluate: .*" + fragment):
            evaluate(G, {"X": [[1.0]]})


@pytest.mark.parametrize("data,fragment", [c[1:] for c in BAD_DATA], ids=[c[0] for c in BAD_DATA])
def test_from_node_link_rejects(data, fragment):
    with pytest.raises(InvalidGraphError, match=fragment):
        from_node_link(data)


@pytest.mark.parametrize("data,fragment", [c[1:] for c in BAD_DATA], ids=[c[0] for c in BAD_DATA])
def test_read_json_rejects_naming_file_and_problem(data, fragment, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidGraphError) as info:
        read_json(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert re.search(fragment, message)
    assert "\n" not in message


def test_duplicate_input_word_rejected():
    G = pyramid_dag(2)
    G.nodes["P[0,1]"]["index"] = [0, 0]
    validate_dag(G)
    with pytest.raises(InvalidGraphError, match=r"input nodes .* both name the word X\[0,0\]"):
        validate_computation(G)


def test_repeated_operand_is_fine():
    G = nx.DiGraph()
    G.add_node("x", op="input", tensor="X", index=[0])
    G.add_node("y", op="mul", args=["x", "x"], output=True, tensor="Y", index=[0])
    G.add_edge("x", "y")
    validate_computation(G)
    assert_same_graph(G, from_node_link(to_node_link(G)))


def test_validate_dag_rejects_non_graphs_and_multigraphs():
    with pytest.raises(InvalidGraphError, match="not a directed graph: got Graph"):
        validate_dag(nx.Graph())
    with pytest.raises(InvalidGraphError, match="not a directed graph: got dict"):
        validate_dag({})
    with pytest.raises(InvalidGraphError, match="multigraphs are not supported"):
        validate_dag(nx.MultiDiGraph())


def test_require_output_is_optional():
    G = chain_dag(2)
    G.nodes["x[1]"]["output"] = False
    validate_computation(G, require_output=False)
    validate_dag(G)
    with pytest.raises(InvalidGraphError, match="no node is marked as output"):
        validate_computation(G)


def test_every_family_is_valid():
    for make in FAMILIES.values():
        validate_dag(make())
        validate_computation(make())


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("{", r"not valid JSON: Expecting property name"),
        ("", r"not valid JSON: Expecting value"),
        ('{"nodes": [], "edges": []} trailing', "not valid JSON: Extra data"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ("42", "not node-link graph data: expected a JSON object, got int"),
        ("null", "not node-link graph data: expected a JSON object, got NoneType"),
    ],
)
def test_read_json_malformed(text, fragment, tmp_path):
    path = tmp_path / "g.json"
    path.write_text(text)
    with pytest.raises(InvalidGraphError, match=fragment) as info:
        read_json(path)
    assert str(info.value).startswith(f"{path}: ")


def test_read_json_binary_file(tmp_path):
    path = tmp_path / "g.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidGraphError, match="not valid JSON"):
        read_json(path)


def test_read_json_missing_file_and_directory(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(InvalidInputError, match=f"^{re.escape(str(missing))}: no such file$"):
        read_json(missing)
    with pytest.raises(InvalidInputError, match="cannot read") as info:
        read_json(tmp_path)
    assert not isinstance(info.value, InvalidGraphError)


def test_output_flag_must_be_a_boolean():
    data = to_node_link(chain_dag(3))
    data["nodes"][1]["output"] = "false"
    with pytest.raises(InvalidGraphError, match="has output 'false'; expected true or false"):
        from_node_link(data)


# ------------------------------------------------------------------ awkward node ids


def dot_unescape(text):
    """Undo the escString escapes to_dot writes: backslash, quote, newline, carriage return."""
    table = {"\\": "\\", '"': '"', "n": "\n", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), m.group(0)), text)


def test_dot_escapes_control_characters_and_round_trips_labels():
    ids = ["a\rb", "ab", "a\r\nb", "a\nb", 'q"x', "back\\slash", "end\\", "lit\\r", "lit\\n"]
    G = nx.DiGraph()
    G.add_node(ids[0], op="input", tensor="X", index=[0])
    for k, v in enumerate(ids[1:]):
        G.add_node(v, op="exp", args=[ids[0]], output=True, tensor="Y", index=[k])
        G.add_edge(ids[0], v)
    text = to_dot(G)
    assert "\r" not in text and len(text.splitlines()) == 5 + 2 * len(ids) - 1
    nodes, edges = dot_statements(text)
    assert len(nodes) == len(ids)  # distinct ids stay distinct (a\rb is not ab)
    for quoted, attrs in nodes.items():
        label = dot_unescape(re.search(r'label="((?:[^"\\]|\\.)*)"', attrs).group(1))
        node, op = label.rsplit("\n", 1)
        assert dot_unescape(quoted) == node and node in G and op == G.nodes[node]["op"]
    assert sorted(dot_unescape(v) for _, v in edges) == sorted(ids[1:])


def tuple_graph():
    G = nx.DiGraph()
    G.add_node(("x", 0), op="input", tensor="X", index=[0])
    G.add_node(("x", (1, 2)), op="input", tensor="X", index=[1])
    G.add_node(("y", 0), op="add", args=[("x", 0), ("x", (1, 2))], output=True, tensor="Y",
               index=[0])  # fmt: skip
    G.add_edges_from([(("x", 0), ("y", 0)), (("x", (1, 2)), ("y", 0))])
    return G


def test_tuple_node_ids_round_trip_through_json(tmp_path):
    G = tuple_graph()
    path = tmp_path / "tuples.json"
    write_json(G, path)
    H = read_json(path)
    assert_same_graph(G, H)
    assert all(type(a) is tuple for a in H.nodes[("y", 0)]["args"])
    assert_same_graph(G, from_node_link(json.loads(json.dumps(to_node_link(G)))))


def bool_data(where):
    data = to_node_link(chain_dag(3))
    rename = {"x[0]": 0, "x[1]": 1, "x[2]": 2}  # integer ids, the ones a boolean would match
    for entry in data["nodes"]:
        entry["id"] = rename[entry["id"]]
        if "args" in entry:
            entry["args"] = [rename[a] for a in entry["args"]]
    for entry in data["edges"]:
        entry["source"], entry["target"] = rename[entry["source"]], rename[entry["target"]]
    if where == "node":
        data["nodes"][0]["id"] = False
        data["edges"][0]["source"] = False
        data["nodes"][1]["args"] = [False]
    elif where == "edge":
        data["edges"][0]["target"] = True
    elif where == "args":
        data["nodes"][1]["args"] = [False]
    else:
        data["nodes"][2]["id"] = [2, True]
    return data


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        ("node", "node entry 0: id false is a boolean"),
        ("edge", "edge entry 0: target true is a boolean"),
        ("args", "node 1 has a boolean in args"),
        ("tuple", "node entry 2: id [2, true] holds a boolean"),
    ],
)
def test_boolean_node_ids_rejected(where, fragment):
    # True == 1 in Python: a JSON true must not silently name the node 1
    data = bool_data(where)
    with pytest.raises(InvalidGraphError) as info:
        if where == "args":  # args matter to evaluation only: the file reads
            validate_computation(from_node_link(data))
        else:
            from_node_link(data)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_validate_dag_rejects_boolean_node_ids():
    G = nx.DiGraph()
    G.add_node(False, op="input", tensor="X", index=[0])
    G.add_node("y", op="exp", args=[False], output=True, tensor="Y", index=[0])
    G.add_edge(False, "y")
    with pytest.raises(InvalidGraphError, match="node False is a boolean; node ids cannot be"):
        validate_dag(G)


def nested_id(depth):
    """A tuple id nested ``depth`` levels deep: ``("x",)``, ``(("x",),)``, ..."""
    node = "x"
    for _ in range(depth):
        node = (node,)
    return node


def test_node_ids_nested_to_the_limit_round_trip(tmp_path):
    G = nx.DiGraph()
    deep = nested_id(MAX_ID_DEPTH)
    G.add_node(deep, op="input", tensor="X", index=[0])
    G.add_node("y", op="add", args=[deep], output=True, tensor="Y", index=[0])
    G.add_edge(deep, "y")
    write_json(G, tmp_path / "g.json")
    assert deep in read_json(tmp_path / "g.json")
    data = to_node_link(G)
    data["nodes"][0]["id"] = data["edges"][0]["source"] = [data["nodes"][0]["id"]]
    with pytest.raises(InvalidGraphError, match=f"nested more than {MAX_ID_DEPTH} deep"):
        from_node_link(data)


def test_a_long_cycle_is_named_in_one_short_line():
    G = chain_dag(1000)
    G.add_edge("x[999]", "x[0]")
    with pytest.raises(InvalidGraphError, match=r"graph has a cycle: 'x\[0\]' -> ") as info:
        validate_dag(G)
    message = str(info.value)
    assert "(1000 nodes in all)" in message and len(message) < 400


def test_numbers_past_the_int_string_limit(tmp_path):
    path = tmp_path / "g.json"
    path.write_text('{"nodes": [{"id": ' + "7" * 4301 + '}], "edges": []}')
    with pytest.raises(InvalidGraphError, match="more than 4300 digits") as info:
        read_json(path)
    assert str(info.value).startswith(f"{path}: ")
    path.write_text('{"nodes": [{"id": ' + "7" * 4300 + '}], "edges": []}')
    assert list(read_json(path)) == [int("7" * 4300)]  # 4,300 digits still read


@pytest.mark.parametrize("bad", [None, 3, 2.5, ["g.json"], ""])
def test_file_functions_refuse_what_is_not_a_path(bad, tmp_path):
    G = chain_dag(3)
    for call in (lambda: read_json(bad), lambda: write_json(G, bad), lambda: write_dot(G, bad)):
        with pytest.raises(InvalidInputError, match="path"):
            call()


@pytest.mark.parametrize("bad", [None, "G", [("a", "b")], nx.MultiDiGraph([(1, 2)])])
def test_writers_refuse_what_is_not_a_digraph(bad, tmp_path):
    for call in (lambda: to_node_link(bad), lambda: to_dot(bad),
                 lambda: write_json(bad, tmp_path / "g.json"),
                 lambda: write_dot(bad, tmp_path / "g.dot")):  # fmt: skip
        with pytest.raises(InvalidGraphError):
            call()
    assert not (tmp_path / "g.json").exists() and not (tmp_path / "g.dot").exists()


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40),
       st.lists(st.integers(0, 12), max_size=5))  # fmt: skip
def test_topological_order_is_networkx_order(edges, isolated):
    # compile_graph numbers nodes in this order: it must be networkx's, edge for edge
    G = nx.DiGraph()
    G.add_nodes_from(isolated)
    G.add_edges_from((u, v) for u, v in edges if u != v)
    order = topological_order(G)
    if nx.is_directed_acyclic_graph(G):
        assert order == list(nx.topological_sort(G))
    else:
        assert order is None
