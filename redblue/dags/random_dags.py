"""Random DAGs for property tests and stress tests of the game engine."""

from __future__ import annotations

import networkx as nx
import numpy as np

from redblue.dags._builder import (
    MAX_NODES,
    add_input,
    add_op,
    check_int,
    check_node_count,
    mark_output,
    number,
)

__all__ = ["random_dag"]


def random_dag(
    nodes: int, seed: int, max_indegree: int = 2, *, max_nodes: int | None = MAX_NODES
) -> nx.DiGraph:
    """Return a random DAG on ``v[0], ..., v[nodes-1]``, reproducible from ``seed``.

    Node ``t`` draws a number ``k`` uniformly from ``0..min(max_indegree, t)`` and then
    ``k`` distinct predecessors uniformly among ``v[0..t-1]`` (so edges go from lower to
    higher index and the graph is acyclic). Nodes with ``k = 0`` are inputs
    (``tensor="X"``, ``index=[q, 0]`` for the ``q``-th input); the others are ``add`` of
    their predecessors in increasing order. Every sink that is not an input is an output
    (``tensor="Y"``, ``index=[q, 0]`` for the ``q``-th such sink); an isolated input is
    left alone, since a node cannot be both an input and an output.

    So that the graph always has an output, the last node draws ``k`` from
    ``1..min(max_indegree, t)`` instead: it is then a non-input sink. Everything is drawn
    from ``numpy.random.default_rng(seed)``, so equal arguments give equal graphs.

    Parameters
    ----------
    nodes : int
        Number of nodes, at least 2.
    seed : int
        Seed for ``numpy.random.default_rng``, a non-negative int.
    max_indegree : int, default 2
        Largest in-degree, at least 1.
    max_nodes : int or None, default 5,000,000
        Refuse more ``nodes`` than this before building anything; None for no limit.

    Returns
    -------
    networkx.DiGraph
        The DAG; it passes :func:`redblue.dags.validate_dag`.

    Raises
    ------
    InvalidInputError
        If a parameter is not an int in its range, or ``nodes > max_nodes``.

    Examples
    --------
    >>> G = random_dag(10, seed=1)
    >>> G.number_of_nodes(), nx.is_directed_acyclic_graph(G)
    (10, True)
    >>> G.nodes["v[9]"]["output"]
    True
    >>> sorted(random_dag(10, seed=1).edges) == sorted(G.edges)
    True

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game",
       Proc. 13th ACM STOC, 1981 (the game on arbitrary DAGs).
    """
    nodes = check_int("nodes", nodes, 2)
    seed = check_int("seed", seed, 0)
    max_indegree = check_int("max_indegree", max_indegree, 1)
    check_node_count(f"random nodes={number(nodes)}", nodes, max_nodes)
    rng = np.random.default_rng(seed)

    G = nx.DiGraph()
    G.graph["name"] = f"random_dag(nodes={nodes}, seed={seed}, max_indegree={max_indegree})"
    inputs = 0
    for t in range(nodes):
        top = min(max_indegree, t)
        low = 1 if t == nodes - 1 else 0
        k = int(rng.integers(low, top + 1))
        if k == 0:
            add_input(G, f"v[{t}]", "X", [inputs, 0])
            inputs += 1
        else:
            preds = sorted(int(p) for p in rng.choice(t, size=k, replace=False))
            add_op(G, f"v[{t}]", "add", [f"v[{p}]" for p in preds])
    outputs = 0
    for t in range(nodes):
        node = f"v[{t}]"
        if G.out_degree(node) == 0 and G.nodes[node]["op"] != "input":
            mark_output(G, node, "Y", [outputs, 0])
            outputs += 1
    return G
