"""Classic small DAGs of the pebbling literature: the chain and the pyramid."""

from __future__ import annotations

import networkx as nx

from redblue.dags._builder import (
    MAX_NODES,
    add_input,
    add_op,
    check_int,
    check_node_count,
    mark_output,
    number,
)

__all__ = ["chain_dag", "pyramid_dag"]


def chain_dag(length: int, *, max_nodes: int | None = MAX_NODES) -> nx.DiGraph:
    """Return the path ``x[0] -> x[1] -> ... -> x[length-1]``.

    ``x[0]`` is the input (``tensor="X"``, ``index=[0, 0]``); every later node is
    ``x[t] = add(x[t-1])`` (a one-operand sum, i.e. a copy); the last node is the output
    (``tensor="Y"``, ``index=[0, 0]``). The trivial test case of the red-blue pebble game:
    with ``M >= 2`` red pebbles its optimal I/O is exactly 2 (load ``x[0]``, compute along
    the chain dropping each predecessor, store the last node).

    Parameters
    ----------
    length : int
        Number of nodes, at least 2 (a one-node chain would be an input that is also the
        output, which :func:`redblue.dags.validate_dag` rejects).
    max_nodes : int or None, default 5,000,000
        Refuse a longer chain before building it; None for no limit.

    Returns
    -------
    networkx.DiGraph
        The chain, with ``length`` nodes and ``length - 1`` edges.

    Raises
    ------
    InvalidInputError
        If ``length`` is not an int >= 2 or is more than ``max_nodes``.

    Examples
    --------
    >>> G = chain_dag(3)
    >>> list(G.edges)
    [('x[0]', 'x[1]'), ('x[1]', 'x[2]')]
    >>> G.nodes["x[2]"]
    {'op': 'add', 'args': ['x[1]'], 'output': True, 'tensor': 'Y', 'index': [0, 0]}

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game",
       Proc. 13th ACM STOC, 1981 (the game; a chain needs one load and one store).
    """
    length = check_int("length", length, 2)
    check_node_count(f"chain length={number(length)}", length, max_nodes)
    G = nx.DiGraph()
    G.graph["name"] = f"chain_dag(length={length})"
    add_input(G, "x[0]", "X", [0, 0])
    for t in range(1, length):
        add_op(G, f"x[{t}]", "add", [f"x[{t - 1}]"])
    mark_output(G, f"x[{length - 1}]", "Y", [0, 0])
    return G


def pyramid_dag(height: int, *, max_nodes: int | None = MAX_NODES) -> nx.DiGraph:
    """Return the pyramid of the given height.

    Row 0 holds the ``height + 1`` inputs ``P[0,c]`` (``tensor="X"``, ``index=[c, 0]``);
    row ``r`` holds ``height - r + 1`` nodes ``P[r,c] = add(P[r-1,c], P[r-1,c+1])``; the
    apex ``P[height,0]`` is the output (``tensor="Y"``, ``index=[0, 0]``). There are
    ``(height + 1)(height + 2) / 2`` nodes, and the apex evaluates to
    ``sum_c binomial(height, c) * X[c]``.

    Parameters
    ----------
    height : int
        Number of rows above the inputs, at least 1.
    max_nodes : int or None, default 5,000,000
        Refuse a pyramid with more nodes before building it; None for no limit.

    Returns
    -------
    networkx.DiGraph
        The pyramid.

    Raises
    ------
    InvalidInputError
        If ``height`` is not an int >= 1, or the pyramid would have more than
        ``max_nodes`` nodes.

    Examples
    --------
    >>> G = pyramid_dag(2)
    >>> G.number_of_nodes()
    6
    >>> G.nodes["P[1,1]"]["args"]
    ['P[0,1]', 'P[0,2]']
    >>> G.nodes["P[2,0]"]["output"]
    True

    References
    ----------
    .. [1] S. A. Cook, "An observation on time-storage trade off", J. Comput. Syst. Sci.
       9(3), 1974, pp. 308-316 (pyramids in the black pebble game).
    .. [2] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game",
       Proc. 13th ACM STOC, 1981.
    """
    height = check_int("height", height, 1)
    count = (height + 1) * (height + 2) // 2
    check_node_count(f"pyramid height={number(height)}", count, max_nodes)
    G = nx.DiGraph()
    G.graph["name"] = f"pyramid_dag(height={height})"
    for c in range(height + 1):
        add_input(G, f"P[0,{c}]", "X", [c, 0])
    for r in range(1, height + 1):
        for c in range(height - r + 1):
            add_op(G, f"P[{r},{c}]", "add", [f"P[{r - 1},{c}]", f"P[{r - 1},{c + 1}]"])
    mark_output(G, f"P[{height},0]", "Y", [0, 0])
    return G
