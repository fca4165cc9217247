"""The computation DAG of standard (combinatorial) matrix multiplication ``C = A B``."""

from __future__ import annotations

import networkx as nx

from redblue.dags._builder import (
    MAX_NODES,
    SUM_SHAPES,
    add_input,
    check_choice,
    check_int,
    check_node_count,
    dot_product,
    mark_output,
    number,
)

__all__ = ["matmul_dag", "matmul_node_count"]


def matmul_dag(
    m: int, k: int, n: int, *, sum: str = "tree", max_nodes: int | None = MAX_NODES
) -> nx.DiGraph:
    """Return the DAG of the standard product of an ``m x k`` and a ``k x n`` matrix.

    Inputs ``A[i,p]`` (``tensor="A"``, ``index=[i, p]``) and ``B[p,j]`` (``tensor="B"``,
    ``index=[p, j]``); products ``AB[i,j,p] = mul(A[i,p], B[p,j])``; for every ``(i, j)``
    a summation over ``p`` whose root is the output ``C[i,j]`` (``output=True``,
    ``tensor="C"``, ``index=[i, j]``). Summation shapes, partial-sum names ``C[i,j](a:b)``
    and the single-term rule are those of :func:`redblue.dags.attention_dag`: with
    ``k = 1`` the product itself is the node ``C[i,j]``; with ``sum="fma"`` there are no
    ``AB`` nodes, only the chain ``mul, fma, ..., fma``.

    Parameters
    ----------
    m, k, n : int
        The dimensions, each at least 1.
    sum : {"tree", "chain", "fma"}, default "tree"
        Shape of the ``mn`` summations.
    max_nodes : int or None, default 5,000,000
        Refuse, before building anything, a graph with more nodes than this (counted by
        :func:`matmul_node_count`); None for no limit.

    Returns
    -------
    networkx.DiGraph
        The DAG, with ``mk + kn + mn(2k - 1)`` nodes for ``"tree"`` and ``"chain"`` and
        ``mk + kn + mnk`` for ``"fma"`` (see :func:`matmul_node_count`).

    Raises
    ------
    InvalidInputError
        If a dimension is not a positive int, ``sum`` is not an allowed shape, or the
        graph would have more than ``max_nodes`` nodes.

    Examples
    --------
    >>> G = matmul_dag(2, 2, 2)
    >>> G.number_of_nodes()
    20
    >>> G.nodes["C[0,1]"]["args"], G.nodes["C[0,1]"]["index"]
    (['AB[0,1,0]', 'AB[0,1,1]'], [0, 1])
    >>> matmul_dag(2, 3, 2, sum="fma").nodes["C[1,1]"]["args"]
    ['C[1,1](0:2)', 'A[1,2]', 'B[2,1]']

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game",
       Proc. 13th ACM STOC, 1981, pp. 326-333 (Sec. 6: matrix multiplication).
    """
    m = check_int("m", m, 1)
    k = check_int("k", k, 1)
    n = check_int("n", n, 1)
    shape = check_choice("sum", sum, SUM_SHAPES)
    count = matmul_node_count(m, k, n, sum=shape)
    check_node_count(f"matmul m={number(m)}, k={number(k)}, n={number(n)}", count, max_nodes)

    G = nx.DiGraph()
    G.graph["name"] = f"matmul_dag(m={m}, k={k}, n={n}, sum={shape!r})"
    for i in range(m):
        for p in range(k):
            add_input(G, f"A[{i},{p}]", "A", [i, p])
    for p in range(k):
        for j in range(n):
            add_input(G, f"B[{p},{j}]", "B", [p, j])
    for i in range(m):
        for j in range(n):
            pairs = [(f"A[{i},{p}]", f"B[{p},{j}]") for p in range(k)]
            dot_product(G, f"C[{i},{j}]", pairs, shape, f"AB[{i},{j},{{}}]".format)
            mark_output(G, f"C[{i},{j}]", "C", [i, j])
    return G


def matmul_node_count(m: int, k: int, n: int, *, sum: str = "tree") -> int:
    """Return the number of nodes of :func:`matmul_dag` in closed form.

    ``mk + kn`` inputs plus, per output, ``2k - 1`` nodes (``k`` products and ``k - 1``
    additions) for ``"tree"`` and ``"chain"``, or ``k`` nodes (one ``mul`` and ``k - 1``
    ``fma``) for ``"fma"``.

    Parameters
    ----------
    m, k, n : int
        The dimensions, each at least 1.
    sum : {"tree", "chain", "fma"}, default "tree"

    Returns
    -------
    int
        The node count.

    Raises
    ------
    InvalidInputError
        On the same bad parameters as :func:`matmul_dag`.

    Examples
    --------
    >>> matmul_node_count(2, 2, 2)
    20
    >>> matmul_node_count(2, 2, 2, sum="fma")
    16

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game",
       Proc. 13th ACM STOC, 1981.
    """
    m = check_int("m", m, 1)
    k = check_int("k", k, 1)
    n = check_int("n", n, 1)
    shape = check_choice("sum", sum, SUM_SHAPES)
    per_output = k if shape == "fma" else 2 * k - 1
    return m * k + k * n + m * n * per_output
