"""The FFT (butterfly) DAG."""

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
from redblue.errors import InvalidInputError

__all__ = ["fft_dag"]


def fft_dag(size: int, *, max_nodes: int | None = MAX_NODES) -> nx.DiGraph:
    """Return the butterfly DAG of a radix-2 fast Fourier transform of ``size`` points.

    Levels ``s = 0, ..., log2(size)`` each hold ``size`` nodes ``F[s,i]``. Level 0 are the
    inputs (``tensor="X"``, ``index=[i, 0]``). At level ``s >= 1`` node ``i`` pairs with
    ``i XOR 2^(s-1)``: of the pair ``lo < hi``, ``F[s,lo] = add(F[s-1,lo], F[s-1,hi])`` and
    ``F[s,hi] = sub(F[s-1,lo], F[s-1,hi])``. The last level are the outputs
    (``tensor="Y"``, ``index=[i, 0]``). The graph has ``size (log2(size) + 1)`` nodes, each
    non-input with in-degree 2.

    The pebble game only sees the graph, which is the same for every radix-2 FFT; the
    ops drop the twiddle factors (constants), so the DAG evaluates the unnormalised
    Walsh-Hadamard transform in natural (Sylvester, "Hadamard") order:
    ``Y = H X`` with ``H = scipy.linalg.hadamard(size)``, ``H[u,v] = (-1)^popcount(u & v)``.

    Parameters
    ----------
    size : int
        Number of points, a power of two, at least 2.
    max_nodes : int or None, default 5,000,000
        Refuse a butterfly with more nodes before building it; None for no limit.

    Returns
    -------
    networkx.DiGraph
        The butterfly DAG.

    Raises
    ------
    InvalidInputError
        If ``size`` is not a power of two >= 2, or the graph would have more than
        ``max_nodes`` nodes.

    Examples
    --------
    >>> G = fft_dag(4)
    >>> G.number_of_nodes()
    12
    >>> G.nodes["F[2,1]"]["args"]
    ['F[1,1]', 'F[1,3]']
    >>> G.nodes["F[2,3]"]["op"]
    'sub'

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game",
       Proc. 13th ACM STOC, 1981 (Sec. 4: the FFT graph, Q = Omega(n log n / log M)).
    """
    size = check_int("size", size, 2)
    if size & (size - 1):
        raise InvalidInputError(f"size must be a power of two >= 2, got {number(size)}")
    levels = size.bit_length() - 1
    check_node_count(f"fft size={number(size)}", size * (levels + 1), max_nodes)
    G = nx.DiGraph()
    G.graph["name"] = f"fft_dag(size={size})"
    for i in range(size):
        add_input(G, f"F[0,{i}]", "X", [i, 0])
    for s in range(1, levels + 1):
        half = 1 << (s - 1)
        for i in range(size):
            lo, hi = min(i, i ^ half), max(i, i ^ half)
            op = "add" if i == lo else "sub"
            add_op(G, f"F[{s},{i}]", op, [f"F[{s - 1},{lo}]", f"F[{s - 1},{hi}]"])
    for i in range(size):
        mark_output(G, f"F[{levels},{i}]", "Y", [i, 0])
    return G
