"""Multi-head attention with grouped-query (GQA) or multi-query (MQA) key/value heads.

``H`` query heads share ``H_kv`` key/value heads: head ``h`` reads K/V head
``g = h // (H / H_kv)`` (``H_kv = H``: multi-head; ``H_kv = 1``: multi-query). The graph
is ``H`` copies of :func:`~redblue.dags.attention_dag` whose K and V inputs of the same
group are the same vertices, so a schedule can load a K/V block once for the whole group.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from redblue.dags._builder import MAX_NODES, check_int, check_node_count, number
from redblue.dags.attention import attention_dag, attention_node_count
from redblue.dags.attention_masks import key_pattern
from redblue.errors import InvalidInputError

__all__ = ["check_heads", "head_node", "multihead_attention_dag", "multihead_node_count"]


def check_heads(heads: Any, kv_heads: Any) -> tuple[int, int]:
    """``(H, H_kv)`` if ``H_kv`` divides ``H``, else raise InvalidInputError."""
    heads, kv_heads = check_int("heads", heads, 1), check_int("kv_heads", kv_heads, 1)
    if heads % kv_heads:
        raise InvalidInputError(f"heads H = {heads} is not a multiple of kv_heads H_kv = "
                                f"{kv_heads}: each K/V head serves H / H_kv query heads")
    return heads, kv_heads


def head_node(h: int, g: int, name: str) -> str:
    """The multi-head name of the single-head node ``name`` in head ``h`` (K/V group
    ``g``): ``Q[h,i,l]``, ``K[g,j,l]``, ``V[g,j,l]`` for the inputs, ``h{h}.X`` otherwise.

    Examples
    --------
    >>> head_node(3, 1, "K[0,2]"), head_node(3, 1, "Q[1,0]"), head_node(3, 1, "S[1,0]")
    ('K[1,0,2]', 'Q[3,1,0]', 'h3.S[1,0]')
    """
    if name.startswith(("K[", "V[")):
        return f"{name[0]}[{g},{name[2:]}"
    if name.startswith("Q["):
        return f"Q[{h},{name[2:]}"
    return f"h{h}.{name}"


def multihead_node_count(n: int, d: int, *, heads: int, kv_heads: int, **options: Any) -> int:
    """Nodes of :func:`multihead_attention_dag`: ``H (c - 2 N_k d) + 2 H_kv N_k d`` with
    ``c`` the single-head count (:func:`~redblue.dags.attention_node_count` with the same
    ``options``).

    Examples
    --------
    >>> multihead_node_count(2, 1, heads=4, kv_heads=2)
    96
    """
    heads, kv_heads = check_heads(heads, kv_heads)
    options = {k: v for k, v in options.items() if k != "scale"}  # no node of its own
    single = attention_node_count(n, d, **options)
    kv = 2 * key_pattern(n, n_keys=options.get("n_keys")).n_keys * d
    return heads * (single - kv) + kv_heads * kv


def multihead_attention_dag(
    n: int,
    d: int,
    *,
    heads: int,
    kv_heads: int,
    max_nodes: int | None = MAX_NODES,
    **options: Any,
) -> nx.DiGraph:
    """``H`` attention heads over ``H_kv`` shared key/value heads.

    Head ``h`` is ``attention_dag(n, d, **options)`` with its nodes renamed by
    :func:`head_node`; the K and V inputs of heads in the same group are shared. Inputs
    carry ``tensor`` "Q" with ``index`` ``[h, i, l]`` and "K"/"V" with ``[g, j, l]``; the
    outputs ``O`` have ``index`` ``[h, i, l]``.

    Parameters
    ----------
    n, d : int
        Query rows and head dimension.
    heads, kv_heads : int
        ``H`` and ``H_kv`` (``H_kv`` divides ``H``).
    max_nodes : int or None, default 5,000,000
        Refuse a larger graph before building it.
    **options
        Passed to :func:`~redblue.dags.attention_dag` (``sum``, ``normalize``,
        ``causal``, ``block_mask``, ``block_size``, ``n_keys``, ``stable``, ``online``,
        ``scale``).

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    InvalidInputError
        If ``H_kv`` does not divide ``H``, an option is bad, or the graph would have more
        than ``max_nodes`` nodes.

    Examples
    --------
    >>> G = multihead_attention_dag(2, 1, heads=4, kv_heads=2)
    >>> G.number_of_nodes(), G.nodes["h3.S[0,1]"]["args"]
    (96, ['Q[3,0,0]', 'K[1,1,0]'])

    References
    ----------
    .. [1] N. Shazeer, "Fast transformer decoding: one write-head is all you need", 2019
       (multi-query attention).
    .. [2] J. Ainslie et al., "GQA: training generalized multi-query transformer models
       from multi-head checkpoints", EMNLP 2023.
    """
    heads, kv_heads = check_heads(heads, kv_heads)
    count = multihead_node_count(n, d, heads=heads, kv_heads=kv_heads, **options)
    check_node_count(f"attention H={number(heads)}, N={number(n)}, d={number(d)}", count,
                     max_nodes)  # fmt: skip
    base = attention_dag(n, d, max_nodes=None, **options)
    group = heads // kv_heads
    G = nx.DiGraph()
    G.graph["name"] = (f"multihead_attention_dag(heads={heads}, kv_heads={kv_heads}, "
                       f"{base.graph['name']})")  # fmt: skip
    for h in range(heads):
        g = h // group
        for node, data in base.nodes(data=True):
            name = head_node(h, g, node)
            if name in G:  # a K/V input of the group, added by its first head
                continue
            attrs = dict(data)
            if "args" in attrs:
                attrs["args"] = [head_node(h, g, a) for a in attrs["args"]]
            if "index" in attrs:
                attrs["index"] = [g if attrs["tensor"] in ("K", "V") else h, *attrs["index"]]
            G.add_node(name, **attrs)
            for a in attrs.get("args", ()):
                G.add_edge(a, name)
    return G
