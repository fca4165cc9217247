"""Split-K decoding ("flash-decoding"): key chunks with partial softmax and a reduction.

Decoding runs ``N_q`` query rows (one to a few) against ``N_k`` cached keys. Split-K cuts
the keys into chunks processed independently, each giving per row a partial maximum
``m``, row sum ``D`` and output ``U`` (the online softmax of
:func:`~redblue.dags.attention_dag` with ``stable=True, online=True`` over the chunk);
a final reduction rescales the chunks to the common maximum and sums them. The online
graph cannot express this (its running values form one chain over all keys), so this
module builds it.
"""

from __future__ import annotations

import networkx as nx

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
)
from redblue.errors import InvalidInputError

__all__ = ["decode_chunks", "split_decode_dag", "split_decode_node_count"]


def decode_chunks(n_keys: int, chunks: int) -> list[range]:
    """The key chunks: ``chunks`` consecutive ranges of ``ceil(N_k / chunks)`` keys (the
    last may be shorter; fewer chunks if the sizes run out)."""
    size = -(-n_keys // chunks)
    return [range(a, min(a + size, n_keys)) for a in range(0, n_keys, size)]


def _check(n: int, d: int, n_keys: int, chunks: int) -> tuple[int, int, int, int]:
    n, d = check_int("n", n, 1), check_int("d", d, 1)
    n_keys, chunks = check_int("n_keys", n_keys, 1), check_int("chunks", chunks, 1)
    if chunks > n_keys:
        raise InvalidInputError(f"chunks = {chunks} is more than the N_k = {n_keys} keys")
    return n, d, n_keys, chunks


def split_decode_node_count(n: int, d: int, *, n_keys: int, chunks: int,
                            sum: str = "chain") -> int:  # shadows the builtin, as attention_dag
    """Nodes of :func:`split_decode_dag`, in closed form.

    ``(N_q + 2 N_k) d`` inputs, the ``N_q N_k`` dot products (``(2d - 1)`` nodes each, ``d``
    for ``"fma"``), and ``6 N_k + 2 d N_k + d`` per row, whatever the number ``c`` of
    chunks: per chunk of ``k`` keys ``2k`` (T, A) ``+ 4(k - 1)`` (m, dm, c, D)
    ``+ d (2k - 1)`` (U), so ``6 N_k - 4c + d (2 N_k - c)`` over the chunks; the reduction
    adds ``c - 1`` (max over chunks) ``+ 2c`` (x, e) ``+ c`` (L) ``+ dc`` (Y) ``+ 1`` (R)
    ``+ d`` (O). Splitting adds the reduction's nodes and removes as many chain nodes.

    Examples
    --------
    >>> split_decode_node_count(1, 2, n_keys=8, chunks=4)
    140
    """
    n, d, n_keys, chunks = _check(n, d, n_keys, chunks)
    shape = check_choice("sum", sum, SUM_SHAPES)
    dots = n * n_keys * (d if shape == "fma" else 2 * d - 1)
    return (n + 2 * n_keys) * d + dots + n * (6 * n_keys + 2 * d * n_keys + d)


def split_decode_dag(
    n: int,
    d: int,
    *,
    n_keys: int,
    chunks: int,
    sum: str = "chain",  # shadows the builtin: the public keyword
    scale: float | None = None,
    max_nodes: int | None = MAX_NODES,
) -> nx.DiGraph:
    r"""The split-K decoding DAG: ``N_q`` rows against ``N_k`` keys in ``chunks`` chunks.

    Inputs and scores as :func:`~redblue.dags.attention_dag` (``Q[i,l]``, ``K[j,l]``,
    ``V[j,l]``, ``S[i,j]`` summed with shape ``sum``). For chunk ``c`` of keys
    ``j_0 < ... < j_{k-1}`` (:func:`decode_chunks`) and row ``i``: the online softmax of
    ``attention_dag(..., stable=True, online=True)`` over the chunk only, with the same
    per-pair nodes ``T``, ``A``, ``dm``, ``c``, ``W`` and the running values named
    ``m[i,c]``, ``D[i,c]``, ``U[i,c,l]`` (partials ``m[i,c](0:t+1)``, ...; with one key
    the chunk's ``m[i,c]`` is ``S[i,j_0]`` and ``D[i,c]`` is ``A[i,j_0]``). Then the
    reduction: ``M[i]`` the maximum of the ``m[i,c]`` (a left-to-right chain, partials
    ``M[i](0:t+1)``; the single ``m[i,0]`` with one chunk), ``x[i,c] = sub(m[i,c], M[i])``,
    ``e[i,c] = exp(x[i,c])``, ``L[i] = sum_c e[i,c] D[i,c]`` and
    ``Y[i,l] = sum_c e[i,c] U[i,c,l]`` (``mul`` for the first chunk, then
    ``fma(acc, e, D)``: ``acc + e D``), ``R[i] = recip(L[i])``, outputs
    ``O[i,l] = mul(R[i], Y[i,l])``.

    Parameters
    ----------
    n : int
        Query rows ``N_q``.
    d : int
        Head dimension.
    n_keys : int
        Cached keys ``N_k``.
    chunks : int
        Number of key chunks (at most ``N_k``).
    sum : {"tree", "chain", "fma"}, default "chain"
        Shape of the dot products ``S``.
    scale : float or None
        Factor folded into every ``exp`` (as in ``attention_dag``).
    max_nodes : int or None, default 5,000,000
        Refuse a larger graph before building it.

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    InvalidInputError
        On a size that is not a positive int, more chunks than keys, or more than
        ``max_nodes`` nodes.

    Examples
    --------
    >>> G = split_decode_dag(1, 2, n_keys=8, chunks=4)
    >>> G.number_of_nodes()
    140
    >>> G.nodes["L[0](0:2)"]
    {'op': 'fma', 'args': ['L[0](0:1)', 'e[0,1]', 'D[0,1]']}

    References
    ----------
    .. [1] T. Dao, D. Haziza, F. Massa, G. Sizov, "Flash-Decoding for long-context
       inference", 2023 (split-K over the KV cache, partial softmax, final reduction).
    .. [2] M. Milakov and N. Gimelshein, "Online normalizer calculation for softmax",
       2018, arXiv:1805.02867.
    """
    n, d, n_keys, chunks = _check(n, d, n_keys, chunks)
    shape = check_choice("sum", sum, SUM_SHAPES)
    scale = check_scale(scale)
    count = split_decode_node_count(n, d, n_keys=n_keys, chunks=chunks, sum=shape)
    check_node_count(f"split decode N_q={number(n)}, N_k={number(n_keys)}, d={number(d)}",
                     count, max_nodes)  # fmt: skip
    G = nx.DiGraph()
    G.graph["name"] = (f"split_decode_dag(n={n}, d={d}, n_keys={n_keys}, chunks={chunks}, "
                       f"sum={shape!r}, scale={scale!r})")  # fmt: skip
    for tensor, rows in (("Q", n), ("K", n_keys), ("V", n_keys)):
        for r in range(rows):
            for c in range(d):
                add_input(G, f"{tensor}[{r},{c}]", tensor, [r, c])
    for i in range(n):
        for j in range(n_keys):
            pairs = [(f"Q[{i},{c}]", f"K[{j},{c}]") for c in range(d)]
            dot_product(G, f"S[{i},{j}]", pairs, shape, f"QK[{i},{j},{{}}]".format)
    exp_attrs = {} if scale is None else {"scale": scale}
    parts = decode_chunks(n_keys, chunks)
    for i in range(n):
        finals = [_chunk(G, i, c, list(keys), d, exp_attrs) for c, keys in enumerate(parts)]
        _reduce(G, i, finals, d, exp_attrs)
    return G


def _name(root: str, t: int, k: int) -> str:
    """The running value after ``t + 1`` of ``k`` steps."""
    return root if t == k - 1 else f"{root}(0:{t + 1})"


def _chunk(G: nx.DiGraph, i: int, c: int, keys: list[int], d: int,
           exp_attrs: dict) -> tuple[str, str, list[str]]:
    """Online softmax of row ``i`` over one chunk: returns its ``(m, D, [U_l])``."""
    k = len(keys)
    j0 = keys[0]
    s0 = f"S[{i},{j0}]"
    add_op(G, f"T[{i},{j0}]", "sub", [s0, s0])
    a0 = add_op(G, f"A[{i},{j0}]", "exp", [f"T[{i},{j0}]"], **exp_attrs)
    m_prev, d_prev = s0, a0
    u_prev = [add_op(G, _name(f"U[{i},{c},{col}]", 0, k), "mul", [a0, f"V[{j0},{col}]"])
              for col in range(d)]  # fmt: skip
    for t in range(1, k):
        j = keys[t]
        m = add_op(G, _name(f"m[{i},{c}]", t, k), "max", [m_prev, f"S[{i},{j}]"])
        add_op(G, f"T[{i},{j}]", "sub", [f"S[{i},{j}]", m])
        a = add_op(G, f"A[{i},{j}]", "exp", [f"T[{i},{j}]"], **exp_attrs)
        add_op(G, f"dm[{i},{j}]", "sub", [m_prev, m])
        cj = add_op(G, f"c[{i},{j}]", "exp", [f"dm[{i},{j}]"], **exp_attrs)
        d_prev = add_op(G, _name(f"D[{i},{c}]", t, k), "fma", [a, d_prev, cj])
        for col in range(d):
            w = add_op(G, f"W[{i},{j},{col}]", "mul", [u_prev[col], cj])
            u_prev[col] = add_op(G, _name(f"U[{i},{c},{col}]", t, k), "fma",
                                 [w, a, f"V[{j},{col}]"])  # fmt: skip
        m_prev = m
    return m_prev, d_prev, u_prev


def _reduce(G: nx.DiGraph, i: int, finals: list, d: int, exp_attrs: dict) -> None:
    """Rescale the chunks of row ``i`` to the common maximum, sum them, normalise."""
    k = len(finals)
    top = finals[0][0]
    for t in range(1, k):
        top = add_op(G, _name(f"M[{i}]", t, k), "max", [top, finals[t][0]])
    for c, (m, _, _) in enumerate(finals):
        add_op(G, f"x[{i},{c}]", "sub", [m, top])
        add_op(G, f"e[{i},{c}]", "exp", [f"x[{i},{c}]"], **exp_attrs)
    total = add_op(G, _name(f"L[{i}]", 0, k), "mul", [f"e[{i},0]", finals[0][1]])
    out = [add_op(G, _name(f"Y[{i},{col}]", 0, k), "mul", [f"e[{i},0]", finals[0][2][col]])
           for col in range(d)]  # fmt: skip
    for c in range(1, k):
        e = f"e[{i},{c}]"
        total = add_op(G, _name(f"L[{i}]", c, k), "fma", [total, e, finals[c][1]])
        for col in range(d):
            out[col] = add_op(G, _name(f"Y[{i},{col}]", c, k), "fma",
                              [out[col], e, finals[c][2][col]])  # fmt: skip
    add_op(G, f"R[{i}]", "recip", [total])
    for col in range(d):
        add_op(G, f"O[{i},{col}]", "mul", [f"R[{i}]", out[col]])
        mark_output(G, f"O[{i},{col}]", "O", [i, col])
