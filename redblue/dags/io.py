"""Reading, writing and validating computation DAGs.

Graphs are exchanged as networkx node-link JSON with the key ``"edges"`` for the edge list
(the networkx >= 3.4 default). Everything read is validated with :func:`validate_dag`, so a
graph that loads is one the game engine and the evaluator accept. DOT output is written by
hand so that no Graphviz binding is needed.

Node ids in JSON are strings, numbers or arrays; an array is read back as the tuple it was
written from (lists cannot be node ids, so this is unambiguous), and booleans are refused
(``True == 1`` in Python, so a ``true`` id would silently name the node ``1``), as are NaN
(it equals nothing, itself included) and arrays nested more than :data:`MAX_ID_DEPTH` deep.

A file that cannot be read is refused with one sentence naming it: a number of more
digits than Python converts (4,300), JSON nested too deeply for the parser, bytes that
are not UTF-8, a directory, a missing file (:func:`read_text`, :func:`parse_json`).
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Hashable
from numbers import Real
from typing import Any

import networkx as nx

from redblue.checks import check_path, short_repr
from redblue.dags._builder import OP_ARITY
from redblue.errors import InvalidGraphError, InvalidInputError

#: Deepest nesting of arrays a node id may have (``["x", [0, 1]]`` has depth 2). Deeper
#: ids are refused: no builder makes them, and a recursion over a 10,000-deep id would
#: overflow Python's stack.
MAX_ID_DEPTH = 32

__all__ = [
    "from_node_link",
    "node_id_from_json",
    "read_json",
    "to_dot",
    "to_node_link",
    "validate_dag",
    "write_dot",
    "write_json",
]


def _show(nodes: Any) -> str:
    """Nodes as a short readable list for error messages."""
    items = sorted(nodes, key=str)
    text = ", ".join(repr(v) for v in items[:8])
    return text + (f", ... ({len(items)} in all)" if len(items) > 8 else "")


def _is_index(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value
    )


def _has_bool(node: Any, depth: int = 0) -> bool:
    """Whether ``node`` is a boolean or a tuple holding one (at any depth)."""
    if isinstance(node, tuple):
        if depth >= MAX_ID_DEPTH:
            raise InvalidGraphError(
                f"node {short_repr(node)} is nested more than {MAX_ID_DEPTH} deep"
            )
        return any(_has_bool(part, depth + 1) for part in node)
    return isinstance(node, bool)


def _tuples(value: Any, depth: int = 0) -> Any:
    """JSON arrays (to :data:`MAX_ID_DEPTH` levels) as tuples, everything else as it is."""
    if isinstance(value, list):
        if depth >= MAX_ID_DEPTH:
            raise InvalidInputError(f"arrays are nested more than {MAX_ID_DEPTH} deep")
        return tuple([_tuples(part, depth + 1) for part in value])
    return value


def _nan_in(node: Any) -> bool:
    """Whether ``node`` is a NaN float or a tuple holding one."""
    if isinstance(node, tuple):
        return any(_nan_in(part) for part in node)
    return isinstance(node, float) and node != node


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
        :data:`MAX_ID_DEPTH` deep. The message is the reason alone, for the caller to
        place.

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
    if isinstance(value, str):  # the common case, first
        return value
    node = _tuples(value)
    verb = "is" if not isinstance(node, tuple) else "holds"
    if _has_bool(node):
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):  # not from json.loads after all
            text = repr(value)
        shown = text if len(text) <= 60 else text[:60] + "..."
        raise InvalidInputError(
            f"{shown} {verb} a boolean; node ids cannot be booleans "
            "(true == 1 and false == 0 in Python)"
        )
    if _nan_in(node):
        raise InvalidInputError(f"{short_repr(node)} {verb} NaN; node ids cannot be NaN")
    return node


def _check_word(G: nx.DiGraph, node: Hashable, role: str) -> tuple[str, tuple[int, ...]]:
    """Check the ``tensor``/``index`` of an input or output node and return them."""
    data = G.nodes[node]
    tensor = data.get("tensor")
    if not isinstance(tensor, str) or not tensor:
        raise InvalidGraphError(f"{role} node {node!r} has no 'tensor' (a non-empty string)")
    if "index" not in data:
        raise InvalidGraphError(f"{role} node {node!r} has no 'index'")
    index = data["index"]
    if not _is_index(index) or not index:
        raise InvalidGraphError(
            f"{role} node {node!r} has index {index!r}, expected a list of ints >= 0"
        )
    return tensor, tuple(index)


def _check_graph(G: Any) -> None:
    """Refuse anything but a networkx DiGraph that is not a multigraph."""
    if not isinstance(G, nx.DiGraph):
        raise InvalidGraphError(f"not a directed graph: got {type(G).__name__}")
    if G.is_multigraph():
        raise InvalidGraphError("multigraphs are not supported: use args to repeat an operand")


def validate_dag(G: Any, *, require_output: bool = True) -> None:
    """Check that ``G`` is a computation DAG following the redblue node conventions.

    The conventions (see :func:`redblue.dags.attention_dag`): every node has ``op``; the
    sources are exactly the nodes with ``op="input"`` and carry ``tensor`` (a string) and
    ``index`` (a list of ints >= 0); every other node has a known ``op`` and ``args``, a
    list of operands whose set equals its predecessor set and whose length fits the op;
    outputs carry ``output=True``, ``tensor`` and ``index``; no two inputs and no two
    outputs name the same word ``tensor[index]``; no input is an output; no node id (nor
    an entry of ``args``) is a boolean or a tuple holding one (``True == 1`` in Python, so
    it would stand for the node 1).

    Parameters
    ----------
    G : networkx.DiGraph
        The graph to check.
    require_output : bool, default True
        Also require at least one node marked ``output=True`` (the game needs a goal;
        the evaluator does not).

    Returns
    -------
    None

    Raises
    ------
    InvalidGraphError
        On the first problem found, with a one-line message naming it and the node.

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> G = chain_dag(3)
    >>> validate_dag(G)
    >>> G.add_edge("x[2]", "x[0]")
    >>> validate_dag(G)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidGraphError: graph has a cycle: 'x[0]' -> 'x[1]' -> 'x[2]' -> 'x[0]'

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game",
       Proc. 13th ACM STOC, 1981 (the game is played on a DAG; inputs are its sources).
    """
    _check_graph(G)
    if G.number_of_nodes() == 0:
        raise InvalidGraphError("graph has no nodes")
    # Kahn's algorithm first (linear, C-speed dict work); the slower depth-first search
    # that names a cycle only runs on a graph known to have one.
    if not nx.is_directed_acyclic_graph(G):
        cycle = nx.find_cycle(G)
        path = " -> ".join(short_repr(u) for u, _ in cycle[:20])
        if len(cycle) > 20:
            path += f" -> ... ({len(cycle)} nodes in all)"
        raise InvalidGraphError(f"graph has a cycle: {path} -> {short_repr(cycle[-1][1])}")

    known = ", ".join(["input", *OP_ARITY])
    words: dict[tuple[str, str, tuple[int, ...]], Hashable] = {}
    has_output = False
    for node, data in G.nodes(data=True):
        if _has_bool(node):  # True == 1: it would be confused with the node 1
            verb = "is" if isinstance(node, bool) else "holds"
            raise InvalidGraphError(
                f"node {node!r} {verb} a boolean; node ids cannot be booleans "
                "(True == 1 and False == 0 in Python)"
            )
        if "op" not in data:
            raise InvalidGraphError(f"node {node!r} has no 'op'")
        op = data["op"]
        preds = set(G.predecessors(node))
        is_output = data.get("output", False)
        if not isinstance(is_output, bool):  # "false" in a JSON file must not mean True
            raise InvalidGraphError(
                f"node {node!r} has output {is_output!r}; expected true or false"
            )
        if op == "input":
            if preds:
                raise InvalidGraphError(f"input node {node!r} has predecessors: {_show(preds)}")
            if is_output:
                raise InvalidGraphError(
                    f"node {node!r} is both an input and an output (give the output a "
                    "node of its own)"
                )
            tensor, index = _check_word(G, node, "input")
            role = "input"
        else:
            if not isinstance(op, str) or op not in OP_ARITY:
                raise InvalidGraphError(f"node {node!r} has unknown op {op!r} (known: {known})")
            if not preds:
                raise InvalidGraphError(
                    f"node {node!r} has no predecessors but op {op!r} (a source must have "
                    "op 'input')"
                )
            args = data.get("args")
            if args is None:
                raise InvalidGraphError(f"node {node!r} (op {op!r}) has no 'args'")
            if not isinstance(args, list | tuple):
                raise InvalidGraphError(f"node {node!r} has args {args!r}, expected a list")
            if any(_has_bool(a) for a in args):  # {True} == {1}: it would pass as the node 1
                raise InvalidGraphError(
                    f"node {node!r} has a boolean in args {args!r}; node ids cannot be booleans"
                )
            try:
                arg_set = set(args)
            except TypeError:
                raise InvalidGraphError(f"node {node!r} has unhashable args {args!r}") from None
            if arg_set != preds:
                parts = []
                if arg_set - preds:
                    parts.append(f"in args but not predecessors: {_show(arg_set - preds)}")
                if preds - arg_set:
                    parts.append(f"predecessors missing from args: {_show(preds - arg_set)}")
                raise InvalidGraphError(
                    f"node {node!r}: args do not match predecessors ({'; '.join(parts)})"
                )
            arity = OP_ARITY[op]
            if arity is not None and len(args) != arity:
                raise InvalidGraphError(
                    f"node {node!r}: op {op!r} takes {arity} args, got {len(args)}"
                )
            if op == "exp" and "scale" in data:
                scale = data["scale"]
                if isinstance(scale, bool) or not isinstance(scale, Real):
                    raise InvalidGraphError(f"node {node!r} has non-numeric scale {scale!r}")
                if not math.isfinite(scale):
                    raise InvalidGraphError(f"node {node!r} has non-finite scale {scale!r}")
            if not is_output:
                continue
            tensor, index = _check_word(G, node, "output")
            role = "output"
            has_output = True
        key = (role, tensor, index)
        if key in words:
            word = f"{tensor}[{','.join(map(str, index))}]"
            raise InvalidGraphError(
                f"{role} nodes {words[key]!r} and {node!r} both name the word {word}"
            )
        words[key] = node
    if require_output and not has_output:
        raise InvalidGraphError(
            "no node is marked as output (set output=True, tensor and index on the results)"
        )


def to_node_link(G: nx.DiGraph) -> dict[str, Any]:
    """Return ``G`` as networkx node-link data (edges under the key ``"edges"``).

    Node attributes (``op``, ``args``, ``tensor``, ``index``, ``output``, ``scale``) and
    graph attributes are kept as they are; the result can be passed to ``json.dumps``
    when they are JSON values, which holds for every graph the builders make. Tuple node
    ids become JSON arrays there, and :func:`from_node_link` reads them back as tuples.

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


def from_node_link(data: Any) -> nx.DiGraph:
    """Build a DiGraph from node-link data and validate it.

    The data is always read as a directed simple graph; a ``"directed": false`` or
    ``"multigraph": true`` flag is rejected rather than silently reinterpreted. Data
    written by networkx < 3.4 (edge list under ``"links"``) is accepted too. Node ids
    (in ``id``, ``source``, ``target`` and ``args``) that are JSON arrays are read as
    tuples, so a graph with tuple ids round-trips; boolean ids are rejected (see
    :func:`node_id_from_json`).

    Parameters
    ----------
    data : dict
        Node-link data, as produced by :func:`to_node_link`.

    Returns
    -------
    networkx.DiGraph
        The graph; it passes :func:`validate_dag`.

    Raises
    ------
    InvalidGraphError
        If ``data`` is not node-link data (``"not node-link graph data: ..."``), a node
        id is a boolean, or the graph it describes is not a valid DAG.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> G = from_node_link(to_node_link(pyramid_dag(2)))
    >>> G.nodes["P[0,1]"]["index"]
    [1, 0]
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
        raise bad("missing 'edges'")
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
    for k, entry in enumerate(nodes):
        if not isinstance(entry, dict) or "id" not in entry:
            raise bad(f"node entry {k} has no 'id'")
        try:
            node = _hashable_id(node_id_from_json(entry["id"]))
        except InvalidInputError as exc:
            raise bad(f"node entry {k}: id {exc}") from None
        except TypeError:
            raise bad(
                f"node entry {k} has an id that cannot be a node: {short_repr(entry['id'])}"
            ) from None
        if node in G:
            raise bad(f"node {short_repr(node)} is listed twice")
        attrs = {key: v for key, v in entry.items() if key != "id"}
        if isinstance(attrs.get("args"), list):  # operands are node ids: tuples come back
            try:
                attrs["args"] = [_tuples(a) for a in attrs["args"]]
            except InvalidInputError as exc:
                raise bad(f"node entry {k}: args: {exc}") from None
        G.add_node(node, **attrs)
    for k, entry in enumerate(edges):
        if not isinstance(entry, dict) or "source" not in entry or "target" not in entry:
            raise bad(f"edge entry {k} needs 'source' and 'target'")
        ends = []
        for end in ("source", "target"):
            try:
                v = node_id_from_json(entry[end])
            except InvalidInputError as exc:
                raise InvalidGraphError(f"edge entry {k}: {end} {exc}") from None
            try:
                known = _hashable_id(v) in G
            except TypeError:
                known = False
            if not known:
                raise InvalidGraphError(
                    f"edge entry {k}: unknown {end} node {short_repr(entry[end])}"
                )
            ends.append(v)
        G.add_edge(*ends)
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
        File to write (overwritten).

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
        text = json.dumps(data, indent=1)
    except (TypeError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise InvalidInputError(f"{name}: graph is not JSON-serialisable: {reason}") from None
    write_text(path, name, text + "\n")


def write_text(path: str | os.PathLike[str], name: str, text: str) -> None:
    """Write ``text`` to ``path``; a failure is an InvalidInputError naming ``name``.

    Raises
    ------
    InvalidInputError
        If the file cannot be written (no such directory, no permission, a directory).
    """
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise InvalidInputError(f"{name}: cannot write: {exc.strerror or exc}") from None


def read_text(
    path: str | os.PathLike[str],
    error: type[InvalidInputError] = InvalidInputError,
    binary: str = "not a text file",
) -> tuple[str, str]:
    """The text of a UTF-8 file and its display name, or one clear error naming it.

    Shared by the graph and strategy readers, so both refuse the same things alike.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    error : type, default InvalidInputError
        The error raised for content that is not UTF-8 text.
    binary : str, default "not a text file"
        What the message calls such content (the graph reader says "not valid JSON").

    Returns
    -------
    (str, str)
        The display name (for messages) and the text.

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name, does not exist, is a directory or cannot be
        read; ``error`` if the bytes are not UTF-8 (binary garbage).

    Examples
    --------
    >>> read_text("no/such/file")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: no/such/file: no such file
    """
    name = check_path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise InvalidInputError(f"{name}: no such file") from None
    except UnicodeDecodeError as exc:
        raise error(
            f"{name}: {binary}: byte {exc.object[exc.start]:#04x} at offset {exc.start} "
            "is not UTF-8"
        ) from None
    except OSError as exc:
        raise InvalidInputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return name, text


def parse_json(
    text: str, name: str, error: type[InvalidInputError] = InvalidInputError
) -> Any:
    """``json.loads(text)``, with every failure one ``error`` naming the file ``name``.

    Parameters
    ----------
    text : str
        The file's text.
    name : str
        The file, for messages.
    error : type, default InvalidInputError
        The error class raised.

    Returns
    -------
    Any
        The parsed value.

    Raises
    ------
    InvalidInputError
        (``error``) For text that is not JSON (``"<name>: not valid JSON: ..."``), JSON
        nested deeper than the parser's recursion limit, or a number with more digits
        than Python converts to an int (``sys.get_int_max_str_digits()``, 4,300).

    Examples
    --------
    >>> parse_json("[1, 2]", "f.json")
    [1, 2]
    >>> parse_json("[" * 100000, "f.json")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: f.json: not valid JSON: nested too deeply
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{name}: not valid JSON: {exc}") from None
    except RecursionError:
        raise error(f"{name}: not valid JSON: nested too deeply") from None
    except ValueError:  # Python's int-string conversion limit (a number of 4,300+ digits)
        limit = sys.get_int_max_str_digits() or "too many"
        raise error(
            f"{name}: a number in the file has more than {limit} digits (no node id or "
            "memory size needs that many)"
        ) from None


def read_json(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read a node-link JSON file written by :func:`write_json` and validate it.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    networkx.DiGraph
        The graph; it passes :func:`validate_dag`.

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name, or the file does not exist or cannot be read
        (a directory, no permission).
    InvalidGraphError
        If it is not UTF-8 text, not valid JSON (``"<path>: not valid JSON: ..."``, and
        JSON nested too deeply or a number of more than 4,300 digits), not node-link data
        (``"<path>: not node-link graph data: ..."``) or not a valid DAG
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
    data = parse_json(text, name, InvalidGraphError)
    try:
        return from_node_link(data)
    except InvalidGraphError as exc:
        raise InvalidGraphError(f"{name}: {exc}") from None
    except RecursionError:  # a value nested deep in an attribute, say
        raise InvalidGraphError(f"{name}: not node-link graph data: nested too deeply") from None


def _quote(value: Any) -> str:
    r"""A DOT double-quoted string (escString) for ``value``.

    Backslashes and quotes are escaped first, then line breaks: ``\n`` for a newline and
    ``\r`` for a carriage return (Graphviz draws both as line ends), so no raw line break
    reaches the file and distinct ids stay distinct (``"a\rb"`` is not ``"ab"``).
    """
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "\\r").replace("\n", "\\n") + '"'


def to_dot(G: nx.DiGraph) -> str:
    r"""Return ``G`` in the Graphviz DOT language.

    Each node is labelled with its id and op (plus ``scale`` for scaled ``exp`` nodes);
    inputs are blue boxes, outputs double circles. Edges are listed per node in the order
    of its ``args`` (repeated operands once), so the drawing keeps operand order. Ids and
    labels are quoted with backslashes, quotes, newlines and carriage returns escaped
    (``\\``, ``\"``, ``\n``, ``\r``), so any id gives valid DOT and its label text back.

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

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> print(to_dot(chain_dag(2)))
    digraph "chain_dag(length=2)" {
      rankdir=BT;
      node [shape=ellipse, fontname="Helvetica"];
      "x[0]" [label="x[0]\ninput", shape=box, style=filled, fillcolor=lightblue, color=blue];
      "x[1]" [label="x[1]\nadd", shape=doublecircle];
      "x[0]" -> "x[1]";
    }

    References
    ----------
    .. [1] Graphviz, "The DOT Language", https://graphviz.org/doc/info/lang.html
    """
    _check_graph(G)
    lines = [
        f"digraph {_quote(G.graph.get('name', 'G'))} {{",
        "  rankdir=BT;",
        '  node [shape=ellipse, fontname="Helvetica"];',
    ]
    for node, data in G.nodes(data=True):
        op = data.get("op", "?")
        label = f"{node}\n{op}"
        if "scale" in data:
            label += f" scale={data['scale']}"
        attrs = [f"label={_quote(label)}"]
        if op == "input":
            attrs.append("shape=box, style=filled, fillcolor=lightblue, color=blue")
        elif data.get("output"):
            attrs.append("shape=doublecircle")
        lines.append(f"  {_quote(node)} [{', '.join(attrs)}];")
    for node, data in G.nodes(data=True):
        # args order first (it is the operand order); any predecessor missing from args
        # (an invalid graph) is still drawn.
        seen: list[Hashable] = []
        for a in [*data.get("args", []), *G.predecessors(node)]:
            if a not in seen and G.has_edge(a, node):
                seen.append(a)
        lines.extend(f"  {_quote(a)} -> {_quote(node)};" for a in seen)
    lines.append("}")
    return "\n".join(lines)


def write_dot(G: nx.DiGraph, path: str | os.PathLike[str]) -> None:
    """Write ``G`` to ``path`` in the DOT language (see :func:`to_dot`).

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG.
    path : str or os.PathLike
        File to write (overwritten).

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
    name = check_path(path)
    write_text(path, name, to_dot(G) + "\n")
