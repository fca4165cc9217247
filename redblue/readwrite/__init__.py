"""Bring your own DAG: graphs and strategies in and out of files.

Graphs: :func:`read_graph` and :func:`write_graph` in any of :data:`GRAPH_FORMATS`
(node-link JSON, GraphML, Graphviz DOT, edge lists, the KTH format of CNFgen, the
HyperDAG format of HyperDAG_DB), told by name or by extension (:func:`guess_format`).
The game needs only structure, so a plain networkx DAG saved by networkx loads and can
be pebbled as it is: a node with no predecessors is an input, a node with no successors
an output (unless ``output`` marks say otherwise).

Strategies: :func:`read_strategy` and :func:`write_strategy`, JSON or text
(:data:`STRATEGY_FORMATS`).

Every path may be ``"-"`` for standard input or output. Every failure is one
:class:`~redblue.errors.InvalidInputError` (or :class:`~redblue.errors.InvalidGraphError`)
line naming the file, and the line or node at fault.

One module per format: :mod:`~redblue.readwrite.node_link`, :mod:`~redblue.readwrite.graphml`,
:mod:`~redblue.readwrite.dot`, :mod:`~redblue.readwrite.edgelist`,
:mod:`~redblue.readwrite.kth`, :mod:`~redblue.readwrite.hdag`,
:mod:`~redblue.readwrite.strategy`; :mod:`~redblue.readwrite.formats` dispatches.
"""

from redblue.readwrite._files import check_writable, parse_json
from redblue.readwrite.dot import read_dot, to_dot, write_dot
from redblue.readwrite.edgelist import read_edgelist, write_edgelist
from redblue.readwrite.formats import GRAPH_FORMATS, guess_format, read_graph, write_graph
from redblue.readwrite.graphml import read_graphml, write_graphml
from redblue.readwrite.hdag import read_hdag, write_hdag
from redblue.readwrite.kth import read_kth, write_kth
from redblue.readwrite.node_link import (
    from_node_link,
    node_id_from_json,
    read_json,
    to_node_link,
    write_json,
)
from redblue.readwrite.strategy import (
    STRATEGY_FORMATS,
    read_strategy,
    strategy_from_json,
    strategy_from_text,
    strategy_to_json,
    strategy_to_text,
    write_strategy,
)

__all__ = [
    "GRAPH_FORMATS",
    "STRATEGY_FORMATS",
    "check_writable",
    "from_node_link",
    "guess_format",
    "node_id_from_json",
    "parse_json",
    "read_dot",
    "read_edgelist",
    "read_graph",
    "read_graphml",
    "read_hdag",
    "read_json",
    "read_kth",
    "read_strategy",
    "strategy_from_json",
    "strategy_from_text",
    "strategy_to_json",
    "strategy_to_text",
    "to_dot",
    "to_node_link",
    "write_dot",
    "write_edgelist",
    "write_graph",
    "write_graphml",
    "write_hdag",
    "write_json",
    "write_kth",
    "write_strategy",
]
