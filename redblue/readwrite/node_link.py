"""Node-link JSON: the networkx exchange format, and redblue's default graph file.

Graphs are written as networkx node-link data with the edge list under ``"edges"`` (the
networkx >= 3.4 default); files with the older ``"links"`` key (networkx < 3.4, and
the node-link files of Checkmate and Moccasin) read as well. Node, edge and graph
attributes are kept as they are.

Node ids in JSON are strings, numbers or arrays; an array is read back as the tuple it was
written from (lists cannot be node ids, so this is unambiguous), and booleans are refused
(``True == 1`` in Python, so a ``true`` id would silently name the node ``1``), as are NaN
(it equals nothing, itself included) and arrays nested more than
:data:`~redblue.dags.validate.MAX_ID_DEPTH` deep.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable
from typing import Any

import networkx as nx

from redblue.checks import check_path, short_repr
from redblue.dags.validate import MAX_ID_DEPTH, _check_graph, has_bool, nan_in, validate_dag
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.readwrite._files import parse_json, paused_gc, read_text, write_text

__all__ = [
    "from_node_link",
    "node_id_from_json",
    "read_json",
    "to_node_link",
    "write_json",
]


def _tuples(value: Any, depth: int = 0) -> Any:
    """JSON arrays (to :data:`MAX_ID_DEPTH` levels) as tuples, everything else as it is."""
    if isinstance(value, list):
        if depth >= MAX_ID_DEPTH:
            raise InvalidInputError(f"arrays are nested more than {MAX_ID_DEPTH} deep")
        return tuple([_tuples(part, depth + 1) for part in value])
    return value


def node_id_from_json(value: Any) -> Any:
    """The node id a parsed JSON value stands for: arrays as tuples, booleans refused.

    JSON has no tuples, so a tuple id is written as an array; arrays are read back as
    tuples (at any depth). A list is never a node id (it is unhashable), so this reading
    is unambiguous; a namedtuple comes back as a plain tuple, which equals it. Any other
    value is returned as it is: whether it can be a node (null cannot, nor an object) is
    for the caller to check.

    Parameters
    ----------
    value : Any
        A value from ``json.loads``.

    Returns
    -------
    Any
        The node id.

    Raises
    ------
    InvalidInputError
        If the value is a boolean or an array holding one: ``True == 1`` in Python, so
        it would silently name the integer node 1 (or 0); if it is or holds NaN (which
        equals nothing, so no edge could name it); if arrays are nested more than
        :data:`~redblue.dags.validate.MAX_ID_DEPTH` deep. The message is the reason
        alone, for the caller to place.

    Examples
    --------
    >>> node_id_from_json(["x", [0, 1]])
    ('x', (0, 1))
    >>> node_id_from_json(True)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: true is a boolean; node ids cannot be booleans \
(true == 1 and false == 0 in Python)
    """
    kind = type(value)
    if kind is str or kind is int:  # the common cases, first (bool is not int here)
        return value
    node = _tuples(value)
    verb = "is" if not isinstance(node, tuple) else "holds"
    try:
        boolean = has_bool(node)
    except InvalidGraphError as exc:  # nested too deeply: a reason for the caller to place
        raise InvalidInputError(str(exc)) from None
    if boolean:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):  # not from json.loads after all
            text = repr(value)
        shown = text if len(text) <= 60 else text[:60] + "..."
        raise InvalidInputError(
            f"{shown} {verb} a boolean; node ids cannot be booleans "
            "(true == 1 and false == 0 in Python)"
        )
    if nan_in(node):
        raise InvalidInputError(f"{short_repr(node)} {verb} NaN; node ids cannot be NaN")
    return node


def to_node_link(G: nx.DiGraph) -> dict[str, Any]:
    """Return ``G`` as networkx node-link data (edges under the key ``"edges"``).

    Node, edge and graph attributes are kept as they are; the result can be passed to
    ``json.dumps`` when they are JSON values, which holds for every graph the builders
    make. Tuple node ids become JSON arrays there, and :func:`from_node_link` reads them
    back as tuples.

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG (not validated here; it is validated when read back).

    Returns
    -------
    dict
        Node-link data: ``{"directed": True, "multigraph": False, "graph": {...},
        "nodes": [{"id": ..., ...}, ...], "edges": [{"source": ..., "target": ...}, ...]}``.

    Raises
    ------
    InvalidGraphError
        If ``G`` is not a networkx DiGraph (multigraphs included).

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> data = to_node_link(chain_dag(2))
    >>> data["nodes"][0]
    {'op': 'input', 'tensor': 'X', 'index': [0, 0], 'id': 'x[0]'}
    >>> data["edges"]
    [{'source': 'x[0]', 'target': 'x[1]'}]

    References
    ----------
    .. [1] networkx, ``networkx.node_link_data``,
       https://networkx.org/documentation/stable/reference/readwrite/json_graph.html
    """
    _check_graph(G)
    return nx.node_link_data(G, edges="edges")


def _hashable_id(value: Any) -> Hashable:
    # networkx refuses None as a node; arrays are tuples by now (node_id_from_json)
    if value is None:
        raise TypeError
    hash(value)
    return value


def _plain_edges(edges: list[Any], seen: set[Hashable]) -> bool:
    """Whether every edge entry is ``{"source": u, "target": v}`` with string or int ids
    of known nodes and nothing else (then the entries need no one-by-one reading)."""
    try:
        if any(len(entry) != 2 for entry in edges):
            return False
        ends = [entry["source"] for entry in edges] + [entry["target"] for entry in edges]
    except (TypeError, KeyError):
        return False
    return set(map(type, ends)) <= {str, int} and seen.issuperset(ends)


def _edge_end(entry: dict[str, Any], end: str, k: int, seen: set[Hashable]) -> Hashable:
    """The node ``entry[end]`` names (array ids as tuples), or an error naming edge ``k``."""
    try:
        v = node_id_from_json(entry[end])
    except InvalidInputError as exc:
        raise InvalidGraphError(f"edge entry {k}: {end} {exc}") from None
    try:
        known = _hashable_id(v) in seen
    except TypeError:
        known = False
    if not known:
        raise InvalidGraphError(f"edge entry {k}: unknown {end} node {short_repr(entry[end])}")
    return v


def from_node_link(data: Any) -> nx.DiGraph:
    """Build a DiGraph from node-link data and check it is a DAG.

    The data is always read as a directed simple graph; a ``"directed": false`` or
    ``"multigraph": true`` flag is rejected rather than silently reinterpreted. The edge
    list may be under ``"edges"`` (networkx >= 3.4) or ``"links"`` (networkx < 3.4,
    Checkmate, Moccasin). Node ids (in ``id``, ``source``, ``target`` and ``args``) that
    are JSON arrays are read as tuples, so a graph with tuple ids round-trips; boolean
    ids are rejected (see :func:`node_id_from_json`). Edge entries may carry attributes
    (``weight``, say); they are kept. Only structure is required: a node needs no
    attribute at all (see :func:`redblue.dags.validate_dag`).

    Parameters
    ----------
    data : dict
        Node-link data, as produced by :func:`to_node_link` or
        ``networkx.node_link_data``.

    Returns
    -------
    networkx.DiGraph
        The graph; it passes :func:`redblue.dags.validate_dag`.

    Raises
    ------
    InvalidGraphError
        If ``data`` is not node-link data (``"not node-link graph data: ..."``), a node
        id is a boolean, or the graph it describes is not a DAG.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> G = from_node_link(to_node_link(pyramid_dag(2)))
    >>> G.nodes["P[0,1]"]["index"]
    [1, 0]
    >>> sorted(from_node_link({"nodes": [{"id": 0}, {"id": 1}],
    ...                        "links": [{"source": 0, "target": 1}]}).edges)
    [(0, 1)]
    >>> from_node_link({"edges": []})
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidGraphError: not node-link graph data: missing 'nodes'

    References
    ----------
    .. [1] networkx, ``networkx.node_link_graph``,
       https://networkx.org/documentation/stable/reference/readwrite/json_graph.html
    """

    def bad(reason: str) -> InvalidGraphError:
        return InvalidGraphError(f"not node-link graph data: {reason}")

    if not isinstance(data, dict):
        raise bad(f"expected a JSON object, got {type(data).__name__}")
    if "nodes" not in data:
        raise bad("missing 'nodes'")
    edge_key = "edges" if "edges" in data or "links" not in data else "links"
    if edge_key not in data:
        raise bad("missing 'edges' (or 'links')")
    nodes, edges = data["nodes"], data[edge_key]
    if not isinstance(nodes, list):
        raise bad("'nodes' is not a list")
    if not isinstance(edges, list):
        raise bad(f"{edge_key!r} is not a list")
    if data.get("directed", True) is not True:
        raise InvalidGraphError("graph is not directed ('directed' is not true)")
    if data.get("multigraph", False) is not False:
        raise InvalidGraphError("multigraphs are not supported ('multigraph' is true)")
    graph_attrs = data.get("graph", {})
    if not isinstance(graph_attrs, dict):
        raise bad("'graph' is not an object")

    G = nx.DiGraph()
    G.graph.update(graph_attrs)
    entries: list[tuple[Hashable, dict[str, Any]]] = []
    seen: set[Hashable] = set()
    for k, entry in enumerate(nodes):
        if type(entry) is not dict or "id" not in entry:
            raise bad(f"node entry {k} has no 'id'")
        node = entry["id"]
        kind = type(node)
        if kind is not str and kind is not int:  # arrays (tuple ids), and what is refused
            try:
                node = _hashable_id(node_id_from_json(node))
            except InvalidInputError as exc:
                raise bad(f"node entry {k}: id {exc}") from None
            except TypeError:
                raise bad(
                    f"node entry {k} has an id that cannot be a node: {short_repr(node)}"
                ) from None
        if node in seen:
            raise bad(f"node {short_repr(node)} is listed twice")
        seen.add(node)
        attrs = dict(entry)
        del attrs["id"]
        if type(attrs.get("args")) is list:  # operands are node ids: tuples come back
            try:
                attrs["args"] = [_tuples(a) for a in attrs["args"]]
            except InvalidInputError as exc:
                raise bad(f"node entry {k}: args: {exc}") from None
        entries.append((node, attrs))
    G.add_nodes_from(entries)
    if _plain_edges(edges, seen):  # the common case, checked at C speed
        G.add_edges_from([(entry["source"], entry["target"]) for entry in edges])
        validate_dag(G)
        return G
    pairs: list[tuple[Hashable, Hashable, dict[str, Any]]] = []
    for k, entry in enumerate(edges):
        if type(entry) is not dict or "source" not in entry or "target" not in entry:
            raise bad(f"edge entry {k} needs 'source' and 'target'")
        u, v = entry["source"], entry["target"]
        ku, kv = type(u), type(v)
        if not ((ku is str or ku is int) and (kv is str or kv is int) and u in seen and v in seen):
            u, v = (_edge_end(entry, end, k, seen) for end in ("source", "target"))
        if len(entry) > 2:
            attrs = dict(entry)
            del attrs["source"], attrs["target"]
        else:
            attrs = {}
        pairs.append((u, v, attrs))
    G.add_edges_from(pairs)
    validate_dag(G)
    return G


def write_json(G: nx.DiGraph, path: str | os.PathLike[str]) -> None:
    """Write ``G`` to ``path`` as node-link JSON (see :func:`to_node_link`).

    Node ids may be strings, numbers or tuples of them (written as arrays, read back as
    tuples by :func:`read_json`); boolean ids are refused when the file is read.

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
        If ``path`` is not a file name, the file cannot be written or an attribute is
        not a JSON value.
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.

    Examples
    --------
    >>> import os, tempfile
    >>> from redblue.dags import chain_dag
    >>> path = os.path.join(tempfile.mkdtemp(), "chain.json")
    >>> write_json(chain_dag(4), path)
    >>> read_json(path).number_of_nodes()
    4

    References
    ----------
    .. [1] networkx, ``networkx.node_link_data``.
    """
    name = check_path(path)
    data = to_node_link(G)  # InvalidGraphError for what is not a graph
    try:
        # one entry a line: readable, and a third smaller than indented JSON
        text = _dumps(data)
    except (TypeError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise InvalidInputError(f"{name}: graph is not JSON-serialisable: {reason}") from None
    write_text(path, text)


def _dumps(data: dict[str, Any]) -> str:
    """Node-link data as JSON text with one node or edge a line."""
    dumps = json.dumps
    parts = [
        "{",
        f'"directed": {dumps(data["directed"])}, "multigraph": {dumps(data["multigraph"])},',
        f'"graph": {dumps(data["graph"], allow_nan=False)},',
        '"nodes": [',
        ",\n".join(dumps(entry, allow_nan=False) for entry in data["nodes"]),
        "],",
        '"edges": [',
        ",\n".join(dumps(entry, allow_nan=False) for entry in data["edges"]),
        "]",
        "}",
    ]
    return "\n".join(parts) + "\n"


def read_json(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read a node-link JSON file and check it is a DAG.

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``"-"`` reads standard input.

    Returns
    -------
    networkx.DiGraph
        The graph; it passes :func:`redblue.dags.validate_dag`.

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name, or the file does not exist or cannot be read
        (a directory, no permission).
    InvalidGraphError
        If it is not UTF-8 text, not valid JSON (``"<path>: not valid JSON: ..."``, and
        JSON nested too deeply or a number of more than 4,300 digits), not node-link data
        (``"<path>: not node-link graph data: ..."``) or not a DAG
        (``"<path>: <problem>"``).

    Examples
    --------
    >>> read_json("no/such/file.json")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: no/such/file.json: no such file

    References
    ----------
    .. [1] networkx, ``networkx.node_link_graph``.
    """
    name, text = read_text(path, InvalidGraphError, "not valid JSON")
    return parse_node_link(text, name)


@paused_gc
def parse_node_link(text: str, name: str) -> nx.DiGraph:
    """The graph in node-link JSON ``text`` (from the file ``name``, for messages).

    Raises
    ------
    InvalidGraphError
        As :func:`read_json`, every message starting with ``name``.
    """
    data = parse_json(text, name, InvalidGraphError)
    try:
        return from_node_link(data)
    except InvalidGraphError as exc:
        raise InvalidGraphError(f"{name}: {exc}") from None
    except RecursionError:  # a value nested deep in an attribute, say
        raise InvalidGraphError(f"{name}: not node-link graph data: nested too deeply") from None
