"""One entry point for every graph format: :func:`read_graph`, :func:`write_graph`.

The format is the one named, or the one the file's extension names
(:func:`guess_format`). Every reader returns a ``networkx.DiGraph`` that passes
:func:`redblue.dags.validate_dag`, so any graph that loads can be compiled, replayed,
scheduled and searched. What each format carries back:

- ``json`` (``.json``, networkx node-link): everything; ids of any JSON kind, tuples too.
- ``graphml`` (``.graphml``): everything; lists and mixed types as JSON text.
- ``dot`` (``.dot``, ``.gv``): everything, as text typed back; plus a drawing.
- ``edgelist`` (``.edgelist``, ``.edges``, ``.el``): edges and their attributes; ids
  all integers or all strings without whitespace.
- ``kth`` (``.kth``, ``.kthlist``): structure, name, coordinates; ids ``1..N``.
- ``hdag`` (``.hdag``): structure and weights; ids ``0..N-1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import networkx as nx

from redblue.checks import check_path, short_repr
from redblue.errors import InvalidInputError
from redblue.readwrite._files import STDIO, read_text
from redblue.readwrite.dot import parse_dot, read_dot, write_dot
from redblue.readwrite.edgelist import parse_edgelist, read_edgelist, write_edgelist
from redblue.readwrite.graphml import parse_graphml, read_graphml, write_graphml
from redblue.readwrite.hdag import parse_hdag, read_hdag, write_hdag
from redblue.readwrite.kth import parse_kth, read_kth, write_kth
from redblue.readwrite.node_link import parse_node_link, read_json, write_json

__all__ = ["EXTENSIONS", "GRAPH_FORMATS", "guess_format", "read_graph", "write_graph"]

#: The graph file formats, by the name ``format=`` (and ``--format``) takes.
GRAPH_FORMATS: tuple[str, ...] = ("json", "graphml", "dot", "edgelist", "kth", "hdag")

#: File extension (lower case) -> format, for graphs and strategies.
EXTENSIONS: dict[str, str] = {
    ".json": "json",
    ".graphml": "graphml",
    ".dot": "dot",
    ".gv": "dot",
    ".edgelist": "edgelist",
    ".edges": "edgelist",
    ".el": "edgelist",
    ".kth": "kth",
    ".kthlist": "kth",
    ".hdag": "hdag",
    ".txt": "text",
}

_READERS: dict[str, Callable[..., nx.DiGraph]] = {
    "json": read_json,
    "graphml": read_graphml,
    "dot": read_dot,
    "edgelist": read_edgelist,
    "kth": read_kth,
    "hdag": read_hdag,
}
_PARSERS: dict[str, Callable[[str, str], nx.DiGraph]] = {
    "json": parse_node_link,
    "graphml": lambda text, name: parse_graphml(text.encode("utf-8"), name),
    "dot": parse_dot,
    "edgelist": parse_edgelist,
    "kth": parse_kth,
    "hdag": parse_hdag,
}
_WRITERS: dict[str, Callable[[nx.DiGraph, str | os.PathLike[str]], None]] = {
    "json": write_json,
    "graphml": write_graphml,
    "dot": write_dot,
    "edgelist": write_edgelist,
    "kth": write_kth,
    "hdag": write_hdag,
}


def guess_format(
    path: str | os.PathLike[str], formats: tuple[str, ...] = GRAPH_FORMATS
) -> str | None:
    """The format the extension of ``path`` names, or None if it names none of ``formats``.

    Parameters
    ----------
    path : str or os.PathLike
        A file name.
    formats : tuple of str, default :data:`GRAPH_FORMATS`
        The formats to choose from (:data:`~redblue.readwrite.STRATEGY_FORMATS` for
        strategy files).

    Returns
    -------
    str or None

    Examples
    --------
    >>> guess_format("attention.GraphML"), guess_format("g.gv"), guess_format("g.csv")
    ('graphml', 'dot', None)
    >>> guess_format("moves.txt", ("json", "text"))
    'text'
    """
    extension = os.path.splitext(check_path(path))[1].lower()
    found = EXTENSIONS.get(extension)
    return found if found in formats else None


def _graph_format(format: str | None, path: str | os.PathLike[str]) -> str:
    """``format`` checked, or the one guessed from ``path``, or one clear error."""
    name = check_path(path)
    if format is not None:
        if format not in GRAPH_FORMATS:
            raise InvalidInputError(
                f"unknown graph format {short_repr(format)} (the formats: "
                f"{', '.join(GRAPH_FORMATS)})"
            )
        return format
    found = guess_format(name)
    if found is None:
        extension = os.path.splitext(name)[1] or "no extension"
        known = ", ".join(e for e, f in EXTENSIONS.items() if f in GRAPH_FORMATS)
        raise InvalidInputError(
            f"{name}: cannot tell the graph format from {extension}; name it (format= or "
            f"--format, one of {', '.join(GRAPH_FORMATS)}) or use an extension: {known}"
        )
    return found


def read_graph(path: str | os.PathLike[str], format: str | None = None) -> nx.DiGraph:
    """Read a DAG from a file in any of :data:`GRAPH_FORMATS`.

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``"-"`` reads standard input (in the named format, or node-link JSON
        when no format is named).
    format : str or None, default None
        One of :data:`GRAPH_FORMATS`; None: from the extension (see
        :func:`guess_format`).

    Returns
    -------
    networkx.DiGraph
        The graph; it passes :func:`redblue.dags.validate_dag` (structure only: no
        attribute is required to pebble it).

    Raises
    ------
    InvalidInputError
        If ``format`` is unknown or cannot be told from the extension, or the file does
        not exist or cannot be read (one line naming the file and the formats).
    InvalidGraphError
        If the file is not in the format or does not hold a DAG: one line naming the
        file, and the line, node or edge at fault.

    Examples
    --------
    >>> import os, tempfile
    >>> import networkx as nx
    >>> path = os.path.join(tempfile.mkdtemp(), "g.graphml")
    >>> nx.write_graphml(nx.DiGraph([("a", "b"), ("b", "c")]), path)
    >>> sorted(read_graph(path).edges)
    [('a', 'b'), ('b', 'c')]
    >>> read_graph("g.csv")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: g.csv: cannot tell the graph format from .csv; name it \
(format= or --format, one of json, graphml, dot, edgelist, kth, hdag) or use an extension: \
.json, .graphml, .dot, .gv, .edgelist, .edges, .el, .kth, .kthlist, .hdag
    """
    if check_path(path) == STDIO:
        form = "json" if format is None else _graph_format(format, path)
        name, text = read_text(path)
        return _PARSERS[form](text, name)
    return _READERS[_graph_format(format, path)](path)


def write_graph(
    G: nx.DiGraph, path: str | os.PathLike[str], format: str | None = None
) -> None:
    """Write ``G`` to a file in any of :data:`GRAPH_FORMATS`.

    What this writes, :func:`read_graph` reads back as the same graph, up to what the
    format carries (see the table in :mod:`redblue.readwrite.formats`): JSON, GraphML
    and DOT carry everything; an edge list drops node and graph attributes; KTH and
    HyperDAG files number the nodes (ids ``1..N`` and ``0..N-1`` are kept, other ids are
    numbered in a topological order).

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG.
    path : str or os.PathLike
        File to write (overwritten); ``"-"`` writes to standard output (node-link JSON
        when no format is named).
    format : str or None, default None
        One of :data:`GRAPH_FORMATS`; None: from the extension.

    Returns
    -------
    None

    Raises
    ------
    InvalidInputError
        If the format is unknown or cannot be told, the file cannot be written, or the
        graph holds what the format cannot (ids with spaces in an edge list, say).
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.

    Examples
    --------
    >>> import os, tempfile
    >>> import networkx as nx
    >>> folder = tempfile.mkdtemp()
    >>> G = nx.DiGraph([(1, 2), (2, 3)])
    >>> for ext in ("json", "graphml", "dot", "edgelist", "kth"):
    ...     write_graph(G, os.path.join(folder, "g." + ext))
    ...     assert sorted(read_graph(os.path.join(folder, "g." + ext)).edges) == [(1, 2), (2, 3)]
    """
    if check_path(path) == STDIO and format is None:
        format = "json"
    _WRITERS[_graph_format(format, path)](G, path)
