"""The computation DAG of (softmax) attention, Saha & Ye 2024 Fig. 1, and its variants.

Attention maps ``Q, K, V`` (each ``N x d``) to ``O = D^-1 A V`` with ``A = exp(Q K^T)``
entry-wise and ``D = diag(A 1)``. :func:`attention_dag` builds the graph the paper's
lower bounds are proved on; the options give the variants an implementation may use
(summation order, early normalisation, causal mask, max-subtracted softmax, scaling).
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from redblue.dags._builder import (
    MAX_NODES,
    SUM_SHAPES,
    add_input,
    add_op,
    check_choice,
    check_int,
    check_node_count,
    check_scale,
    dot_product,
    mark_output,
    number,
    reduce_terms,
)
from redblue.dags.attention_masks import key_pattern
from redblue.errors import InvalidInputError

__all__ = ["attention_dag", "attention_node_count"]

_NORMALIZE = ("late", "early")


def attention_dag(
    n: int,
    d: int,
    *,
    sum: str = "tree",  # shadows the builtin: the public keyword
    normalize: str = "late",
    causal: bool = False,
    stable: bool = False,
    scale: float | None = None,
    online: bool = False,
    n_keys: int | None = None,
    block_mask: Any = None,
    block_size: int | None = None,
    max_nodes: int | None = MAX_NODES,
) -> nx.DiGraph:
    r"""Return the computation DAG of attention ``O = softmax(Q K^T) V``.

    With the defaults this is the graph of Saha & Ye (2024), Fig. 1:

    - inputs ``Q[i,l]``, ``K[j,l]``, ``V[j,l]`` for ``i, j < n``, ``l < d``
      (``op="input"``, ``tensor`` "Q"/"K"/"V", ``index`` ``[i, l]`` / ``[j, l]``);
    - products ``QK[i,j,l] = mul(Q[i,l], K[j,l])`` summed over ``l`` into ``S[i,j]``;
    - ``A[i,j] = exp(S[i,j])``; row sums ``D[i]`` of ``A[i,j]`` over ``j``;
    - ``R[i] = recip(D[i])``; products ``AV[i,j,l] = mul(A[i,j], V[j,l])`` summed over
      ``j`` into ``U[i,l]``;
    - outputs ``O[i,l] = mul(R[i], U[i,l])`` (``output=True``, ``tensor="O"``,
      ``index=[i, l]``).

    Every summation has the shape ``sum``; its partial sums are named ``X(a:b)`` (the sum
    of terms ``a..b-1`` of the term list) and its root ``X``. A sum of a single term adds
    no node: a single product node takes the root's name (with ``d = 1`` the product
    ``Q[i,0] * K[j,0]`` is the node ``S[i,j]``), and a single existing term is used
    directly (with one key, ``D[i]`` is the node ``A[i,0]``, so ``R[i] = recip(A[i,0])``).

    Parameters
    ----------
    n : int
        Sequence length ``N`` (rows of ``Q``, ``K``, ``V``), at least 1.
    d : int
        Head dimension (columns of ``Q``, ``K``, ``V``), at least 1.
    sum : {"tree", "chain", "fma"}, default "tree"
        Shape of every summation. ``"tree"``: balanced binary tree of ``add`` nodes
        (terms ``a..b-1`` split at ``(a + b) // 2``, recursively). ``"chain"``: left to
        right, partials ``X(0:2)``, ``X(0:3)``, ..., root ``X``. ``"fma"``: dot products
        become a fused multiply-add chain, ``X(0:1) = mul(x_0, y_0)``,
        ``X(0:t+1) = fma(X(0:t), x_t, y_t)``, with no separate product nodes; plain
        sums (the row sums ``D``) become a left-to-right ``add`` chain.
    normalize : {"late", "early"}, default "late"
        ``"late"`` (the paper): ``O = R * (A V)`` as above. ``"early"``: first
        ``P[i,j] = div(A[i,j], D[i])``, then products ``PV[i,j,l] = mul(P[i,j], V[j,l])``
        summed over ``j`` straight into the outputs ``O[i,l]`` (no ``R``, ``AV``, ``U``).
    causal : bool, default False
        If True, row ``i`` only uses keys ``j <= i`` (no node exists for ``j > i``).
    stable : bool, default False
        If True, subtract the row maximum before the exponential, as practical
        softmax kernels do: ``m[i]`` = maximum of the row's ``S[i,j]`` (binary ``max``
        nodes in a balanced tree for ``sum="tree"``, a left-to-right chain otherwise,
        partials ``m[i](a:b)``), ``T[i,j] = sub(S[i,j], m[i])`` and
        ``A[i,j] = exp(T[i,j])``. A row with a single key has no ``max`` node: ``S[i,0]``
        itself is the maximum, so ``T[i,0] = sub(S[i,0], S[i,0])``.
    scale : float or None, default None
        A positive factor folded into the exponential (for example ``1 / sqrt(d)``): every
        ``exp`` node then carries ``scale`` and computes ``exp(scale * x)``. None (the
        paper) sets no ``scale`` attribute, i.e. factor 1.
    online : bool, default False
        With ``stable=True`` (and ``normalize="late"``): the *online* softmax of
        FlashAttention, one key at a time in order, instead of the row maximum first.
        For the ``t``-th key ``j`` of row ``i`` (``t >= 1``): running maximum
        ``m[i](0:t+1) = max(m[i](0:t), S[i,j])`` (the first is ``S[i,j_0]`` itself, the
        last is ``m[i]``), ``T[i,j] = sub(S[i,j], m[i](0:t+1))``, ``A[i,j] = exp(T[i,j])``,
        the rescaling factor ``c[i,j] = exp(dm[i,j])`` with
        ``dm[i,j] = sub(m[i](0:t), m[i](0:t+1))``, the row sum
        ``D[i](0:t+1) = fma(A[i,j], D[i](0:t), c[i,j])`` and, for every ``l``,
        ``W[i,j,l] = mul(U[i,l](0:t), c[i,j])`` and
        ``U[i,l](0:t+1) = fma(W[i,j,l], A[i,j], V[j,l])``. The first key gives
        ``T = sub(S, S)``, ``D[i](0:1) = A[i,j_0]`` and ``U[i,l](0:1) = mul(A, V)`` (the last
        partial sums are ``D[i]`` and ``U[i,l]``). Then ``R[i] = recip(D[i])`` and
        ``O = R * U`` as usual. ``sum`` shapes only the dot products ``S``.
    n_keys : int or None, default None
        Number of keys ``N_k`` (rows of ``K`` and ``V``); None means ``n``. Decoding with
        a KV cache is ``n`` = a few query rows against ``n_keys`` cached keys.
    block_mask : array_like or str or None, default None
        Block-sparse attention: row ``i`` sees key ``j`` only if
        ``block_mask[i // block_size, j // block_size]`` is set (shape
        ``(ceil(n / B), ceil(N_k / B))``; see
        :func:`~redblue.dags.attention_masks.key_pattern`). Combines with ``causal``.
        Every row must keep at least one key.
    block_size : int or None, default None
        ``B``, required with ``block_mask``.
    max_nodes : int or None, default :data:`redblue.dags.MAX_NODES` (5,000,000)
        Refuse, before building anything, a graph with more nodes than this (counted by
        :func:`attention_node_count`); None for no limit. ``attention_dag(100000, 128)``
        would have 5.1e12 nodes and never finish.

    Returns
    -------
    networkx.DiGraph
        The DAG. Node ids are strings such as ``"S[0,1]"``; ``G.graph["name"]`` records
        the call.

    Raises
    ------
    InvalidInputError
        If ``n`` or ``d`` is not a positive int, ``sum`` or ``normalize`` is not one of the
        allowed values, the key pattern is bad (see
        :func:`~redblue.dags.attention_masks.key_pattern`), ``scale`` is not a positive
        finite number or None, ``online`` is set without ``stable=True`` or with
        ``normalize="early"``, or the graph would have more than ``max_nodes`` nodes.

    Notes
    -----
    Let ``C`` be the number of query-key pairs: ``C = N^2``, or ``N (N + 1) / 2`` when
    ``causal`` (``N N_k`` with ``n_keys``, the kept pairs with a block mask). With
    ``n_keys``, the ``3Nd`` below becomes ``(N + 2 N_k) d`` (the inputs); every other
    ``N`` counts query rows. The number of nodes is (``"tree"`` and ``"chain"`` always
    agree, since a binary summation of ``k`` terms has ``k - 1`` nodes in either shape):

    ========================  =============  ===============================
    ``sum``                   ``normalize``  nodes
    ========================  =============  ===============================
    ``"tree"``, ``"chain"``   ``"late"``     ``3Nd + 4dC + C``
    ``"fma"``                 ``"late"``     ``4Nd + 2dC + 2C``
    ``"tree"``, ``"chain"``   ``"early"``    ``2Nd + 4dC + 2C - N``
    ``"fma"``                 ``"early"``    ``3Nd + 2dC + 3C - N``
    ========================  =============  ===============================

    and ``stable=True`` adds ``2C - N`` (``C - N`` max nodes and ``C`` subtractions).
    ``online=True`` (late only) adds ``2(C - N)`` more (``dm`` and ``c``) to the stable
    count for ``"tree"`` and ``"chain"``, giving ``3Nd + 4dC + 5C - 3N``; for ``"fma"``
    it gives ``3Nd + 3dC + 6C - 3N`` (the ``U`` chains are ``mul`` + ``fma`` per key
    whatever ``sum`` is: ``d (2C - N)`` nodes).
    The paper's graph (tree, late, not causal) has ``3Nd + 4N^2 d + N^2`` nodes: 26 for
    ``N = 2, d = 1`` and 99 for ``N = 3, d = 2``; the fma variant has 24 for ``N = 2,
    d = 1``. Derivation (tree, late): ``3Nd`` inputs, ``C (2d - 1)`` nodes for the
    ``C`` dot products (``d`` products and ``d - 1`` additions each), ``C`` exp nodes,
    ``C - N`` additions for the row sums, ``N`` reciprocals, ``d (2C - N)`` nodes for the
    ``Nd`` sums ``U`` (row ``i`` has ``c_i`` products and ``c_i - 1`` additions, and the
    ``c_i`` add up to ``C``) and ``Nd`` outputs. :func:`attention_node_count` evaluates
    these formulas.

    Examples
    --------
    >>> G = attention_dag(2, 1)
    >>> G.number_of_nodes()
    26
    >>> G.nodes["S[0,1]"]
    {'op': 'mul', 'args': ['Q[0,0]', 'K[1,0]']}
    >>> G.nodes["O[1,0]"]
    {'op': 'mul', 'args': ['R[1]', 'U[1,0]'], 'output': True, 'tensor': 'O', 'index': [1, 0]}
    >>> attention_dag(3, 2).number_of_nodes()
    99
    >>> attention_dag(2, 1, sum="fma").number_of_nodes()
    24
    >>> G = attention_dag(1, 3, sum="fma", stable=True, scale=0.5)
    >>> G.nodes["S[0,0]"]["args"]
    ['S[0,0](0:2)', 'Q[0,2]', 'K[0,2]']
    >>> G.nodes["A[0,0]"]
    {'op': 'exp', 'args': ['T[0,0]'], 'scale': 0.5}

    References
    ----------
    .. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
       FlashAttention?", ICML 2024, PMLR 235:43024-43042, Fig. 1. arXiv:2402.07443.
    """
    n = check_int("n", n, 1)
    d = check_int("d", d, 1)
    shape = check_choice("sum", sum, SUM_SHAPES)
    normalize = check_choice("normalize", normalize, _NORMALIZE)
    scale = check_scale(scale)
    causal = bool(causal)
    stable = bool(stable)
    online = bool(online)
    if online and (not stable or normalize != "late"):
        raise InvalidInputError("online=True needs stable=True and normalize='late'")
    pattern = key_pattern(n, n_keys=n_keys, causal=causal, block_mask=block_mask,
                          block_size=block_size)
    count = attention_node_count(
        n, d, sum=shape, normalize=normalize, causal=causal, stable=stable, online=online,
        n_keys=n_keys, block_mask=pattern.block_mask, block_size=block_size,
    )
    check_node_count(f"attention N={number(n)}, d={number(d)}", count, max_nodes)

    G = nx.DiGraph()
    extra = pattern.describe()
    G.graph["name"] = (
        f"attention_dag(n={n}, d={d}, sum={shape!r}, normalize={normalize!r}, "
        f"causal={causal}, stable={stable}, scale={scale!r}"
        + (", online=True" if online else "") + (f", {extra})" if extra else ")")
    )
    for tensor in ("Q", "K", "V"):
        for r in range(n if tensor == "Q" else pattern.n_keys):
            for c in range(d):
                add_input(G, f"{tensor}[{r},{c}]", tensor, [r, c])

    dense = None if pattern.block_mask is None else pattern.dense()

    def keys(i: int) -> list[int]:
        return list(pattern.keys(i)) if dense is None else np.flatnonzero(dense[i]).tolist()

    # S = Q K^T, one dot product per (query, key) pair.
    for i in range(n):
        for j in keys(i):
            pairs = [(f"Q[{i},{c}]", f"K[{j},{c}]") for c in range(d)]
            dot_product(G, f"S[{i},{j}]", pairs, shape, f"QK[{i},{j},{{}}]".format)

    exp_attrs = {} if scale is None else {"scale": scale}
    if online:
        for i in range(n):
            _online_row(G, i, list(keys(i)), d, exp_attrs)
        return G
    row_sum: dict[int, str] = {}
    for i in range(n):
        if stable:
            row = [f"S[{i},{j}]" for j in keys(i)]
            m = reduce_terms(G, f"m[{i}]", row, "max", shape)
            for j in keys(i):
                add_op(G, f"T[{i},{j}]", "sub", [f"S[{i},{j}]", m])
                add_op(G, f"A[{i},{j}]", "exp", [f"T[{i},{j}]"], **exp_attrs)
        else:
            for j in keys(i):
                add_op(G, f"A[{i},{j}]", "exp", [f"S[{i},{j}]"], **exp_attrs)
        row_sum[i] = reduce_terms(G, f"D[{i}]", [f"A[{i},{j}]" for j in keys(i)], "add", shape)

    for i in range(n):
        ks = keys(i)  # products are named by key: AV[i,j,l], PV[i,j,l]
        if normalize == "late":
            add_op(G, f"R[{i}]", "recip", [row_sum[i]])
            for c in range(d):
                pairs = [(f"A[{i},{j}]", f"V[{j},{c}]") for j in ks]
                names = [f"AV[{i},{j},{c}]" for j in ks]
                dot_product(G, f"U[{i},{c}]", pairs, shape, names.__getitem__)
                add_op(G, f"O[{i},{c}]", "mul", [f"R[{i}]", f"U[{i},{c}]"])
                mark_output(G, f"O[{i},{c}]", "O", [i, c])
        else:
            for j in ks:
                add_op(G, f"P[{i},{j}]", "div", [f"A[{i},{j}]", row_sum[i]])
            for c in range(d):
                pairs = [(f"P[{i},{j}]", f"V[{j},{c}]") for j in ks]
                names = [f"PV[{i},{j},{c}]" for j in ks]
                dot_product(G, f"O[{i},{c}]", pairs, shape, names.__getitem__)
                mark_output(G, f"O[{i},{c}]", "O", [i, c])
    return G


def _online_row(G: nx.DiGraph, i: int, keys: list[int], d: int, exp_attrs: dict) -> None:
    """Row ``i`` of the online-softmax graph (see ``online`` in :func:`attention_dag`)."""
    k = len(keys)

    def part(name: str, t: int) -> str:  # partial result after keys[0..t]
        return name if t == k - 1 else f"{name}(0:{t + 1})"

    j0 = keys[0]
    s0 = f"S[{i},{j0}]"
    add_op(G, f"T[{i},{j0}]", "sub", [s0, s0])
    add_op(G, f"A[{i},{j0}]", "exp", [f"T[{i},{j0}]"], **exp_attrs)
    m_prev, d_prev = s0, f"A[{i},{j0}]"
    u_prev = [add_op(G, part(f"U[{i},{c}]", 0), "mul", [f"A[{i},{j0}]", f"V[{j0},{c}]"])
              for c in range(d)]
    for t in range(1, k):
        j = keys[t]
        m = add_op(G, part(f"m[{i}]", t), "max", [m_prev, f"S[{i},{j}]"])
        add_op(G, f"T[{i},{j}]", "sub", [f"S[{i},{j}]", m])
        a = add_op(G, f"A[{i},{j}]", "exp", [f"T[{i},{j}]"], **exp_attrs)
        add_op(G, f"dm[{i},{j}]", "sub", [m_prev, m])
        c_ij = add_op(G, f"c[{i},{j}]", "exp", [f"dm[{i},{j}]"], **exp_attrs)
        d_prev = add_op(G, part(f"D[{i}]", t), "fma", [a, d_prev, c_ij])
        for c in range(d):
            w = add_op(G, f"W[{i},{j},{c}]", "mul", [u_prev[c], c_ij])
            u_prev[c] = add_op(G, part(f"U[{i},{c}]", t), "fma", [w, a, f"V[{j},{c}]"])
        m_prev = m
    add_op(G, f"R[{i}]", "recip", [d_prev])
    for c in range(d):
        add_op(G, f"O[{i},{c}]", "mul", [f"R[{i}]", u_prev[c]])
        mark_output(G, f"O[{i},{c}]", "O", [i, c])


def attention_node_count(
    n: int,
    d: int,
    *,
    sum: str = "tree",  # shadows the builtin, as in attention_dag
    normalize: str = "late",
    causal: bool = False,
    stable: bool = False,
    online: bool = False,
    n_keys: int | None = None,
    block_mask: Any = None,
    block_size: int | None = None,
) -> int:
    """Return the number of nodes of :func:`attention_dag` in closed form.

    Computed from the formulas in the Notes of :func:`attention_dag`, without building
    the graph (the tests check the two agree). ``scale`` does not change the count.

    Parameters
    ----------
    n, d : int
        Sequence length and head dimension, at least 1.
    sum : {"tree", "chain", "fma"}, default "tree"
    normalize : {"late", "early"}, default "late"
    causal, stable, online : bool, default False
    n_keys, block_mask, block_size
        As in :func:`attention_dag`.

    Returns
    -------
    int
        The node count.

    Raises
    ------
    InvalidInputError
        On the same bad parameters as :func:`attention_dag`.

    Examples
    --------
    >>> attention_node_count(2, 1)
    26
    >>> attention_node_count(2, 1, sum="fma")
    24
    >>> attention_node_count(4, 2, causal=True, stable=True)
    130
    >>> attention_node_count(2, 1, stable=True, online=True)
    36
    >>> attention_node_count(1, 2, n_keys=3)  # one query row against 3 cached keys
    41

    References
    ----------
    .. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
       FlashAttention?", ICML 2024, Fig. 1.
    """
    n = check_int("n", n, 1)
    d = check_int("d", d, 1)
    shape = check_choice("sum", sum, SUM_SHAPES)
    normalize = check_choice("normalize", normalize, _NORMALIZE)
    pattern = key_pattern(n, n_keys=n_keys, causal=causal, block_mask=block_mask,
                          block_size=block_size)
    c = pattern.pairs()
    inputs = (n + 2 * pattern.n_keys) * d
    fma = shape == "fma"
    if online:
        if not stable or normalize != "late":
            raise InvalidInputError("online=True needs stable=True and normalize='late'")
        dots = d * c if fma else (2 * d - 1) * c
        return inputs + dots + 2 * d * c + 6 * c - 3 * n
    if normalize == "late":
        count = inputs + (n * d + 2 * d * c + 2 * c if fma else 4 * d * c + c)
    else:
        count = inputs + (2 * d * c + 3 * c - n if fma else 4 * d * c + 2 * c - n - n * d)
    if stable:
        count += 2 * c - n
    return count
