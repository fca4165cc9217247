"""The attention DAG compiled without networkx: :func:`compile_attention`.

A :class:`~redblue.game.CompiledGraph` equal, id for id, to
``compile_graph(attention_dag(n, d, ...))`` (late normalisation, not stable), built from
:func:`~redblue.dags.attention_arrays.attention_arrays` a hundred times faster or more and
in a fortieth of the memory (26 bytes a node against about a kilobyte), with node names
computed on demand. The schedules and the replay run on it unchanged.
"""

from __future__ import annotations

from typing import Any

from redblue.dags._builder import MAX_NODES
from redblue.dags.attention_arrays import attention_arrays
from redblue.game.compiled import CompiledGraph

__all__ = ["compile_attention"]


def compile_attention(
    n: int,
    d: int,
    *,
    sum: str = "tree",  # shadows the builtin, as in attention_dag
    causal: bool = False,
    n_keys: int | None = None,
    block_mask: Any = None,
    block_size: int | None = None,
    max_nodes: int | None = MAX_NODES,
) -> CompiledGraph:
    """``compile_graph(attention_dag(n, d, sum=sum, ...))`` without the networkx graph.

    Parameters
    ----------
    n, d, sum, causal, n_keys, block_mask, block_size, max_nodes
        See :func:`~redblue.dags.attention_arrays.attention_arrays`, which this wraps:
        query rows, head dimension, the shape of the sums, the key pattern (as in
        :func:`~redblue.dags.attention_dag`) and the most nodes built (None: no limit).

    Returns
    -------
    CompiledGraph
        ``nodes`` and ``index`` are computed on demand
        (:class:`~redblue.dags.attention_layout.NodeNames`, ``NodeIndex``).

    Raises
    ------
    InvalidInputError
        As :func:`~redblue.dags.attention_arrays.attention_arrays`: on the parameters
        :func:`~redblue.dags.attention_dag` refuses, a graph of more than ``max_nodes``
        nodes or more edges than int32 operands can number.

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> from redblue.game import compile_graph
    >>> C = compile_attention(3, 2, sum="chain")
    >>> G = compile_graph(attention_dag(3, 2, sum="chain"))
    >>> tuple(C.nodes) == G.nodes, bool((C.pred_idx == G.pred_idx).all())
    (True, True)
    >>> C.index["U[2,1]"] == G.index["U[2,1]"]
    True

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024, Fig. 1 (the DAG).
    """
    a = attention_arrays(n, d, sum=sum, causal=causal, n_keys=n_keys, block_mask=block_mask,
                         block_size=block_size, max_nodes=max_nodes)
    return CompiledGraph(a.names, a.index, a.pred_ptr, a.pred_idx, a.is_input, a.is_output)
