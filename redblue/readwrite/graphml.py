"""GraphML through networkx: typed attributes in XML, read by most graph tools.

GraphML holds strings, integers, floats and booleans as typed attributes; a value of
another kind (the lists ``args`` and ``index``, a dict, None, or one key with values of
two kinds) is written as JSON text and listed in the graph attribute
``redblue_types``, with how the node ids were written (strings as they are; integers
and tuples are turned back). So what :func:`write_graphml` writes,
:func:`read_graphml` reads back identically; a file from ``networkx.write_graphml``
or another tool reads with the ids it has (strings) and its typed attributes.
"""

from __future__ import annotations

import io
import os
import re
from typing import Any

import networkx as nx

from redblue.checks import check_path, short_repr
from redblue.dags.validate import _check_graph
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.readwrite._files import STDIO, paused_gc, read_text, validated, write_text
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

__all__ = ["parse_graphml", "read_graphml", "to_graphml", "write_graphml"]

_NATIVE = (str, int, float, bool)
#: What XML 1.0 text cannot hold as it is (and \r, which XML turns into \n).
_XML_UNSAFE = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\r")


def to_graphml(G: nx.DiGraph) -> str:
    """Return ``G`` as GraphML text (``networkx.write_graphml``, values it cannot type as JSON).

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG.

    Returns
    -------
    str
        The GraphML document.

    Raises
    ------
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.
    InvalidInputError
        If an attribute is neither a GraphML scalar nor a JSON value.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b")])
    >>> '<edge source="a" target="b"' in to_graphml(G)
    True

    References
    ----------
    .. [1] U. Brandes et al., "GraphML Progress Report", Graph Drawing 2001;
       http://graphml.graphdrawing.org/
    """
    _check_graph(G)
    mode = id_mode(G)
    ident = id_writer(mode)
    nodes = list(G.nodes(data=True))
    edges = list(G.edges(data=True))
    coded = (
        json_keys([d for _, d in nodes], _NATIVE, "node")
        | json_keys([d for *_, d in edges], _NATIVE, "edge")
        | json_keys([G.graph], _NATIVE, "graph")
    )
    # XML cannot hold control characters (nor keep a carriage return): such strings go
    # as JSON text, whose escapes it can
    if mode == "str" and any(_XML_UNSAFE.search(v) for v, _ in nodes):
        mode, ident = "json", id_writer("json")
    for scope, items in (("node", [d for _, d in nodes]), ("edge", [d for *_, d in edges]),
                         ("graph", [G.graph])):  # fmt: skip
        for data in items:
            for k, v in data.items():
                if isinstance(v, str) and _XML_UNSAFE.search(v):
                    coded.add(f"{scope}:{k}")
    mark: dict[str, Any] = {}
    if mode != "str":
        mark["ids"] = mode
    if coded:
        mark["json"] = sorted(coded)

    def typed(data: dict[str, Any], scope: str, where: str) -> dict[str, Any]:
        return {
            k: encode(v, f"{where}: attribute {k!r}") if f"{scope}:{k}" in coded else v
            for k, v in data.items()
        }

    H = nx.DiGraph()
    H.graph.update(typed(G.graph, "graph", "graph"))
    if mark:
        H.graph[MARK] = encode(mark, MARK)
    names = {v: ident(v) for v, _ in nodes}
    H.add_nodes_from((names[v], typed(d, "node", f"node {short_repr(v)}")) for v, d in nodes)
    H.add_edges_from(
        (names[u], names[v], typed(d, "edge", f"edge {short_repr(u)} -> {short_repr(v)}"))
        for u, v, d in edges
    )
    buffer = io.BytesIO()
    try:
        nx.write_graphml(H, buffer)
    except (nx.NetworkXError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"graph cannot be written as GraphML: {exc}") from None
    return buffer.getvalue().decode("utf-8")


def write_graphml(G: nx.DiGraph, path: str | os.PathLike[str]) -> None:
    """Write ``G`` to ``path`` as GraphML (see :func:`to_graphml`; ``"-"``: stdout).

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name, the file cannot be written, or an attribute
        cannot be written.
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.

    Examples
    --------
    >>> import os, tempfile
    >>> from redblue.dags import chain_dag
    >>> path = os.path.join(tempfile.mkdtemp(), "chain.graphml")
    >>> write_graphml(chain_dag(3), path)
    >>> read_graphml(path).nodes["x[2]"]
    {'op': 'add', 'args': ['x[1]'], 'output': True, 'tensor': 'Y', 'index': [0, 0]}
    """
    check_path(path)
    write_text(path, to_graphml(G))


@paused_gc
def parse_graphml(text: str | bytes, name: str = "<graphml>") -> nx.DiGraph:
    """The graph in GraphML ``text`` (from the file ``name``, for messages).

    Raises
    ------
    InvalidGraphError
        If the text is not GraphML, holds an undirected graph or parallel edges, or a
        graph that is not a DAG.

    Examples
    --------
    >>> parse_graphml("<graphml>", "g.graphml")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidGraphError: g.graphml: not valid GraphML: no element found: \
line 1, column 9
    """
    if isinstance(text, bytes):  # networkx mends a missing namespace on text only
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            pass  # another encoding, named in the XML declaration: the parser reads it
    try:
        G = nx.parse_graphml(text)
    except (nx.NetworkXError, SyntaxError, ValueError, KeyError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidGraphError(f"{name}: not valid GraphML: {reason}") from None
    except RecursionError:
        raise InvalidGraphError(f"{name}: not valid GraphML: nested too deeply") from None
    if not G.is_directed():
        raise InvalidGraphError(
            f"{name}: an undirected graph (edgedefault is not 'directed'); the pebble game "
            "needs a directed one"
        )
    if G.is_multigraph():
        raise InvalidGraphError(f"{name}: parallel edges (a multigraph); give each edge once")
    for key in ("node_default", "edge_default"):  # networkx adds these when reading
        if G.graph.get(key) == {}:
            del G.graph[key]
    mark = read_mark(G, name)
    to_id = id_reader(mark.get("ids", "str"), name)
    coded = set(mark.get("json", ()))

    def typed(data: dict[str, Any], scope: str, where: str) -> dict[str, Any]:
        out = {}
        for k, v in data.items():
            if f"{scope}:{k}" in coded:
                v = decode(v, f"{name}: {where}: attribute {k!r}")
                if k == "args" and isinstance(v, list) and mark.get("ids") == "json":
                    v = [_tuples(a) for a in v]
            elif k == "output" and scope == "node":
                v = output_flag(v, f"{name}: {where}")
            out[k] = v
        return out

    H = nx.DiGraph()
    H.graph.update(typed(G.graph, "graph", "graph"))
    ids = {v: to_id(v) for v in G}
    H.add_nodes_from(
        (ids[v], typed(d, "node", f"node {short_repr(v)}")) for v, d in G.nodes(data=True)
    )
    H.add_edges_from(
        (ids[u], ids[v], typed(d, "edge", f"edge {u} -> {v}")) for u, v, d in G.edges(data=True)
    )
    return validated(H, name)


def read_graphml(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read a GraphML file holding one directed graph (see :func:`parse_graphml`).

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
        As :func:`parse_graphml`, the message starting with the file name.

    Examples
    --------
    >>> read_graphml("no/such/file.graphml")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: no/such/file.graphml: no such file
    """
    name = check_path(path)
    if name == STDIO:
        name, text = read_text(path, InvalidGraphError, "not a GraphML text file")
        return parse_graphml(text.encode("utf-8"), name)
    try:
        with open(path, "rb") as fh:  # bytes: the XML declaration names the encoding
            data = fh.read()
    except FileNotFoundError:
        raise InvalidInputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InvalidInputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return parse_graphml(data, name)
