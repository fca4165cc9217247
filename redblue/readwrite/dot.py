r"""Graphviz DOT: a drawing that also reads back as the graph it was written from.

:func:`to_dot` writes every node, edge and graph attribute as a DOT attribute, plus a
drawing (a label with the id and op, inputs as blue boxes, outputs as double circles,
inputs at the bottom). DOT values are text, so an attribute that is not a string
(``args``, ``index``, ``output``, ``scale``) is written as JSON text, and the graph
attribute ``redblue_types`` tells :func:`read_dot` which keys to turn back, which node
ids were integers or tuples, and which attributes were drawing only; with it, what
:func:`to_dot` writes reads back identically. DOT from another program (no
``redblue_types``) reads with string ids and string values, except ``output``, which
is read as a boolean.

Reading goes through pydot's parser (pure Python, no Graphviz needed); writing is a
short loop, so a million nodes take seconds. Ids and values are quoted with
backslashes, quotes, newlines and carriage returns escaped (``\\``, ``\"``, ``\n``,
``\r``), so any string gives valid DOT and comes back as it was.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Hashable
from typing import Any

import networkx as nx

from redblue.checks import check_path, short_repr
from redblue.dags.validate import _check_graph
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.readwrite._files import paused_gc, read_text, validated, write_text
from redblue.readwrite._typed import (
    MARK,
    decode,
    encode,
    id_mode,
    id_reader,
    id_writer,
    json_keys,
    output_flag,
    read_mark,
)
from redblue.readwrite.node_link import _tuples

__all__ = ["parse_dot", "read_dot", "to_dot", "write_dot"]

#: Node attributes the drawing sets (when the graph has no attribute of that name).
_DRAWING = ("label", "shape", "style", "fillcolor", "color")
_BARE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "\n": ""}


def _quote(value: Any) -> str:
    r"""A DOT double-quoted string (escString) for ``value``.

    Backslashes and quotes are escaped first, then line breaks: ``\n`` for a newline and
    ``\r`` for a carriage return (Graphviz draws both as line ends), so no raw line break
    reaches the file and distinct ids stay distinct (``"a\rb"`` is not ``"ab"``).
    """
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "\\r").replace("\n", "\\n") + '"'


def _unquote(text: Any) -> Any:
    """The string a DOT id stands for: the inverse of :func:`_quote` on quoted ids."""
    if not isinstance(text, str) or len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return text
    return re.sub(
        r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1], flags=re.S
    )


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidInputError(
            f"{where}: attribute name {short_repr(key)} cannot be written to DOT "
            "(names must be non-empty strings)"
        )
    return key if _BARE.fullmatch(key) and key.lower() not in _KEYWORDS else _quote(key)


def to_dot(G: nx.DiGraph) -> str:
    r"""Return ``G`` in the Graphviz DOT language, attributes and all.

    Each node is labelled with its id and op (plus ``scale`` for scaled ``exp`` nodes);
    inputs are blue boxes, outputs double circles. Edges are listed per node in the order
    of its ``args`` (repeated operands once), so the drawing keeps operand order. Every
    attribute is written too (JSON text for what is not a string, listed in the graph
    attribute ``redblue_types``), so :func:`read_dot` gives the graph back.

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG.

    Returns
    -------
    str
        The DOT text.

    Raises
    ------
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.
    InvalidInputError
        If an attribute name is not a string, or a value that is not a string is not a
        JSON value either.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b")])
    >>> G.nodes["b"]["output"] = True
    >>> print("\n".join(to_dot(G).splitlines()[3:]))  # after the name, types and rankdir
      node [shape=ellipse, fontname="Helvetica"];
      "a" [label="a", shape=box, style=filled, fillcolor=lightblue, color=blue];
      "b" [output="true", label="b", shape=doublecircle];
      "a" -> "b";
    }
    >>> parse_dot(to_dot(G)).nodes["b"]
    {'output': True}

    References
    ----------
    .. [1] Graphviz, "The DOT Language", https://graphviz.org/doc/info/lang.html
    """
    _check_graph(G)
    mode = id_mode(G)
    ident = id_writer(mode)
    name = G.graph.get("name")
    graph_attrs = {k: v for k, v in G.graph.items() if k != "name" or not isinstance(name, str)}
    nodes = G.nodes(data=True)
    edges = list(G.edges(data=True))
    node_keys: set[str] = set()
    for _, data in nodes:
        node_keys.update(data)
    # which values go as JSON text: a key whose values are all strings stays plain
    coded = (
        json_keys([d for _, d in nodes], (str,), "node")
        | json_keys([d for *_, d in edges], (str,), "edge")
        | json_keys([graph_attrs], (str,), "graph")
    )
    drawing = [k for k in _DRAWING if k not in node_keys]
    draw_rankdir = "rankdir" not in graph_attrs
    mark: dict[str, Any] = {}
    if mode != "str":
        mark["ids"] = mode
    if coded:
        mark["json"] = sorted(coded)
    marks = [f"node:{k}" for k in drawing] + (["graph:rankdir"] if draw_rankdir else [])
    if marks:
        mark["drawing"] = marks

    def attrs(data: dict[str, Any], scope: str, where: str) -> list[str]:
        out = []
        for k, v in data.items():
            text = encode(v, f"{where}: attribute {k!r}") if f"{scope}:{k}" in coded else v
            out.append(f"{_key(k, where)}={_quote(text)}")
        return out

    def label(node: Hashable) -> str:
        return _quote(node if mode == "str" else ident(node))

    head = f"digraph {_quote(name)} {{" if isinstance(name, str) else "digraph {"
    lines = [head]
    if mark:
        lines.append(f"  {MARK}={_quote(encode(mark, MARK))};")
    lines.extend(f"  {part};" for part in attrs(graph_attrs, "graph", "graph"))
    if draw_rankdir:
        lines.append("  rankdir=BT;")
    lines.append('  node [shape=ellipse, fontname="Helvetica"];')
    for node, data in nodes:
        where = f"node {short_repr(node)}"
        parts = attrs(data, "node", where)
        if drawing:
            op = data.get("op")
            text = str(node) if op is None else f"{node}\n{op}"
            if "scale" in data:
                text += f" scale={data['scale']}"
            style = {"label": _quote(text)}
            if op == "input" or (op is None and G.in_degree(node) == 0):
                style.update(shape="box", style="filled", fillcolor="lightblue", color="blue")
            elif data.get("output") is True or (
                data.get("output") is None and op is None and G.out_degree(node) == 0
            ):
                style["shape"] = "doublecircle"
            parts.extend(f"{k}={v}" for k, v in style.items() if k in drawing)
        lines.append(f"  {label(node)} [{', '.join(parts)}];" if parts else f"  {label(node)};")
    data_of = {(u, v): d for u, v, d in edges}
    for node, data in nodes:
        # args order first (it is the operand order); then any other predecessor
        seen: dict[Hashable, None] = {}
        args = data.get("args")
        for a in [*(args if isinstance(args, list | tuple) else []), *G.predecessors(node)]:
            try:
                if a not in seen and G.has_edge(a, node):
                    seen[a] = None
            except TypeError:  # an unhashable entry of args names no edge
                continue
        for a in seen:
            edge = data_of[a, node]
            parts = attrs(edge, "edge", f"edge {short_repr(a)} -> {short_repr(node)}")
            tail = f" [{', '.join(parts)}]" if parts else ""
            lines.append(f"  {label(a)} -> {label(node)}{tail};")
    lines.append("}")
    return "\n".join(lines)


def write_dot(G: nx.DiGraph, path: str | os.PathLike[str]) -> None:
    """Write ``G`` to ``path`` in the DOT language (see :func:`to_dot`).

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG.
    path : str or os.PathLike
        File to write (overwritten); ``"-"`` writes to standard output.

    Returns
    -------
    None

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name or the file cannot be written.
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.

    Examples
    --------
    >>> import os, tempfile
    >>> from redblue.dags import chain_dag
    >>> path = os.path.join(tempfile.mkdtemp(), "chain.dot")
    >>> write_dot(chain_dag(3), path)
    >>> open(path).read().startswith('digraph "chain_dag(length=3)"')
    True

    References
    ----------
    .. [1] Graphviz, "The DOT Language", https://graphviz.org/doc/info/lang.html
    """
    check_path(path)
    write_text(path, to_dot(G) + "\n")


def _collect(graph: Any, nodes: dict, edges: list, graph_attrs: dict, name: str) -> None:
    """Nodes, edges and graph attributes of a pydot graph and its subgraphs, in order."""
    for node in graph.get_nodes():
        ident = node.get_name()
        attrs = {_unquote(k): _unquote(v) for k, v in node.get_attributes().items()}
        if ident in ("node", "edge"):  # default attributes of a drawing
            continue
        if ident == "graph":
            graph_attrs.update(attrs)
            continue
        nodes.setdefault(_unquote(ident), {}).update(attrs)
    for edge in graph.get_edges():
        ends = (edge.get_source(), edge.get_destination())
        if not all(isinstance(end, str) for end in ends):
            raise InvalidGraphError(
                f"{name}: an edge joins subgraphs ({{a b}} -> c); list its edges one by one"
            )
        u, v = (_unquote(end) for end in ends)
        nodes.setdefault(u, {})
        nodes.setdefault(v, {})
        attrs = {_unquote(k): _unquote(x) for k, x in edge.get_attributes().items()}
        edges.append((u, v, attrs))
    for sub in graph.get_subgraphs():
        _collect(sub, nodes, edges, {}, name)


def _collect_pydot(text: str, name: str) -> tuple[str, dict, dict, list]:
    """Name, graph attributes, nodes and edges of DOT ``text``, parsed by pydot."""
    with warnings.catch_warnings():  # pydot's grammar uses names pyparsing deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydot.dot_parser import GraphParser
    from pyparsing import ParseBaseException

    try:
        graphs = list(GraphParser.parser.parse_string(text, parse_all=True))
    except ParseBaseException as err:
        raise InvalidGraphError(
            f"{name}: not valid DOT: line {err.lineno}, column {err.col}: {err.msg}"
        ) from None
    except RecursionError:
        raise InvalidGraphError(f"{name}: not valid DOT: nested too deeply") from None
    if len(graphs) != 1:
        raise InvalidGraphError(f"{name}: holds {len(graphs)} graphs; give one digraph a file")
    graph = graphs[0]
    if graph.get_type() != "digraph":
        raise InvalidGraphError(
            f"{name}: an undirected graph ('graph'); the pebble game needs a 'digraph'"
        )
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[tuple[str, str, dict[str, Any]]] = []
    graph_attrs = {_unquote(k): _unquote(v) for k, v in graph.get_attributes().items()}
    _collect(graph, nodes, edges, graph_attrs, name)
    return _unquote(graph.get_name()), graph_attrs, nodes, edges


_QUOTED = r'"(?:[^"\\\n]|\\.)*"'
_ID = rf'(?:{_QUOTED}|[A-Za-z_][A-Za-z_0-9]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))'
_ATTRS = rf"\[\s*(?:{_ID}\s*=\s*{_ID}\s*(?:,\s*{_ID}\s*=\s*{_ID}\s*)*)?\]"
_PAIR = re.compile(rf"({_ID})\s*=\s*({_ID})")
_HEAD = re.compile(rf"\s*(?:strict\s+)?digraph\s*({_ID})?\s*\{{\s*")
_EDGE = re.compile(rf"\s*({_ID})\s*->\s*({_ID})\s*({_ATTRS})?\s*;?\s*")
_NODE = re.compile(rf"\s*({_ID})\s*({_ATTRS})?\s*;?\s*")
_GRAPH_ATTR = re.compile(rf"\s*({_ID})\s*=\s*({_ID})\s*;?\s*")


def _collect_lines(text: str) -> tuple[str, dict, dict, list] | None:
    """What :func:`_collect_pydot` gives, for DOT with one statement a line; else None.

    pydot's pure-Python grammar takes about a millisecond a statement; the DOT that
    :func:`to_dot` writes (and much hand-written DOT) has one simple statement a line,
    which regular expressions read a hundred times faster. Anything else (comments,
    subgraphs, statements across lines, ``a -> b -> c``) returns None, for pydot.
    """
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) < 2 or lines[-1].strip() != "}":
        return None
    head = _HEAD.fullmatch(lines[0])
    if head is None:
        return None
    pairs = _PAIR.findall
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[tuple[str, str, dict[str, Any]]] = []
    graph_attrs: dict[str, Any] = {}
    for line in lines[1:-1]:
        edge = _EDGE.fullmatch(line)
        if edge:
            u, v, attrs = _unquote(edge.group(1)), _unquote(edge.group(2)), edge.group(3)
            nodes.setdefault(u, {})
            nodes.setdefault(v, {})
            data = {_unquote(k): _unquote(x) for k, x in pairs(attrs)} if attrs else {}
            edges.append((u, v, data))
            continue
        attr = _GRAPH_ATTR.fullmatch(line)
        if attr:
            graph_attrs[_unquote(attr.group(1))] = _unquote(attr.group(2))
            continue
        node = _NODE.fullmatch(line)
        if node is None:
            if line.strip():
                return None
            continue
        ident, attrs = node.group(1), node.group(2)
        data = {_unquote(k): _unquote(x) for k, x in pairs(attrs)} if attrs else {}
        if ident in ("node", "edge"):
            continue
        if ident in ("graph", "subgraph", "digraph", "strict"):
            if ident != "graph":
                return None
            graph_attrs.update(data)
            continue
        nodes.setdefault(_unquote(ident), {}).update(data)
    return _unquote(head.group(1)) or "", graph_attrs, nodes, edges


@paused_gc
def parse_dot(text: str, name: str = "<dot>") -> nx.DiGraph:
    """The graph in DOT ``text`` (from the file ``name``, for messages).

    Parameters
    ----------
    text : str
        DOT text holding one ``digraph``.
    name : str, default "<dot>"
        Where the text came from, for messages.

    Returns
    -------
    networkx.DiGraph
        The graph; it passes :func:`redblue.dags.validate_dag`.

    Raises
    ------
    InvalidGraphError
        If the text is not DOT (the message gives line and column), holds no graph or
        more than one, an undirected ``graph``, an edge between subgraphs, or a graph
        that is not a DAG.

    Examples
    --------
    >>> sorted(parse_dot('digraph { a -> b; b -> c; }').edges)
    [('a', 'b'), ('b', 'c')]
    >>> parse_dot('digraph { a -> ; }', "g.dot")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidGraphError: g.dot: not valid DOT: line 1, column 13: Expected rbrace
    """
    fast = _collect_lines(text)  # the one-statement-a-line DOT to_dot writes, at speed
    if fast is not None:
        title, graph_attrs, nodes, edges = fast
    else:
        title, graph_attrs, nodes, edges = _collect_pydot(text, name)

    G = nx.DiGraph()
    if title:
        G.graph["name"] = title
    G.graph.update(graph_attrs)
    mark = read_mark(G, name)
    to_id = id_reader(mark.get("ids", "str"), name)
    coded = set(mark.get("json", ()))
    drawing = set(mark.get("drawing", ()))

    def typed(data: dict[str, Any], scope: str, where: str) -> dict[str, Any]:
        out = {}
        for k, v in data.items():
            key = f"{scope}:{k}"
            if key in drawing:
                continue
            if key in coded:
                v = decode(v, f"{name}: {where}: attribute {k!r}")
            elif k == "output" and scope == "node":
                v = output_flag(v, f"{name}: {where}")
            out[k] = v
        return out

    G.graph.update(typed(dict(G.graph), "graph", "graph"))
    for k in [k for k in G.graph if f"graph:{k}" in drawing]:
        del G.graph[k]
    ids = {text: to_id(text) for text in nodes}
    for text, data in nodes.items():
        G.add_node(ids[text], **typed(data, "node", f"node {short_repr(text)}"))
    for u, v, data in edges:
        G.add_edge(ids[u], ids[v], **typed(data, "edge", f"edge {u} -> {v}"))
    if mark.get("ids") == "json":  # operands name nodes: arrays in args are tuple ids
        for _, data in G.nodes(data=True):
            if isinstance(data.get("args"), list):
                data["args"] = [_tuples(a) for a in data["args"]]
    return validated(G, name)


def read_dot(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read a DOT file holding one ``digraph`` (see :func:`parse_dot`).

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``"-"`` reads standard input.

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    InvalidInputError
        If the file does not exist or cannot be read.
    InvalidGraphError
        As :func:`parse_dot`, the message starting with the file name.

    Examples
    --------
    >>> import os, tempfile
    >>> from redblue.dags import pyramid_dag
    >>> path = os.path.join(tempfile.mkdtemp(), "p.dot")
    >>> write_dot(pyramid_dag(2), path)
    >>> H = read_dot(path)
    >>> H.nodes["P[1,0]"]["args"]
    ['P[0,0]', 'P[0,1]']
    """
    name, text = read_text(path, InvalidGraphError, "not a DOT text file")
    return parse_dot(text, name)
