"""The computation DAG of the attention backward pass, as FlashAttention-2 recomputes it.

Given ``Q, K, V`` (``N x d``), the output gradient ``dO`` and the two row statistics the
forward pass saves, the logsumexp ``L_i = log sum_j exp(S_ij)`` and
``D_i = rowsum(dO * O)_i``, the backward pass recomputes ``S = Q K^T`` and
``P = exp(S - L)`` and produces the gradients of ``O = softmax(Q K^T) V``:

    dV = P^T dO,   dP = dO V^T,   dS = P * (dP - D),   dQ = dS K,   dK = dS^T Q.

:func:`reference_attention_backward` is the same computation in plain numpy (the tests
check it against finite differences of the forward pass), and :func:`backward_inputs`
computes the saved statistics from ``Q, K, V, dO``.

References
----------
.. [1] T. Dao, "FlashAttention-2: faster attention with better parallelism and work
   partitioning", 2023, arXiv:2307.08691, Algorithm 2 (the backward pass).
.. [2] X. Li, Y. Liang, Z. Shi, Z. Song et al., "On Fine-Grained I/O Complexity of
   Attention Backward Passes", arXiv:2410.09397.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike

from redblue.dags._builder import (
    MAX_NODES,
    SUM_SHAPES,
    add_input,
    add_op,
    check_choice,
    check_int,
    check_node_count,
    dot_product,
    mark_output,
    number,
)
from redblue.errors import InvalidInputError

__all__ = [
    "attention_backward_dag",
    "attention_backward_node_count",
    "backward_inputs",
    "reference_attention_backward",
]


def attention_backward_dag(
    n: int, d: int, *, sum: str = "chain", max_nodes: int | None = MAX_NODES
) -> nx.DiGraph:
    r"""Return the DAG of the attention backward pass: ``dQ, dK, dV`` from ``dO``.

    Inputs (``op="input"``): ``Q[i,l]``, ``K[j,l]``, ``V[j,l]``, ``dO[i,l]`` (``N x d``
    each) and the saved row statistics ``L[i]`` (logsumexp of row ``i`` of ``Q K^T``) and
    ``D[i]`` (``sum_l dO[i,l] O[i,l]``), tensors ``"L"`` and ``"D"`` with ``index=[i]``.
    For every query-key pair ``(i, j)``:

    - ``S[i,j]`` = dot product of ``Q[i,:]`` and ``K[j,:]`` (products ``QK[i,j,l]``);
    - ``T[i,j] = sub(S[i,j], L[i])``, ``P[i,j] = exp(T[i,j])`` (the softmax, recomputed);
    - ``dP[i,j]`` = dot product of ``dO[i,:]`` and ``V[j,:]`` (products ``dOV[i,j,l]``);
    - ``E[i,j] = sub(dP[i,j], D[i])``, ``dS[i,j] = mul(P[i,j], E[i,j])``.

    Outputs (``output=True``): ``dV[j,l]`` = sum over ``i`` of ``P[i,j] dO[i,l]``
    (products ``PdO[i,j,l]``), ``dK[j,l]`` = sum over ``i`` of ``dS[i,j] Q[i,l]``
    (products ``dSQ[i,j,l]``), ``dQ[i,l]`` = sum over ``j`` of ``dS[i,j] K[j,l]``
    (products ``dSK[i,j,l]``). Every summation has the shape ``sum`` with the naming
    rules of :func:`redblue.dags.attention_dag` (partial sums ``X(a:b)``, root ``X``, a
    single term is the root itself); ``dV``, ``dK`` sum over ``i`` in increasing order,
    ``dQ`` over ``j``, the orders in which FlashAttention-2's backward pass accumulates.

    Parameters
    ----------
    n : int
        Sequence length ``N``, at least 1.
    d : int
        Head dimension, at least 1.
    sum : {"chain", "tree", "fma"}, default "chain"
        Shape of every summation, as in :func:`redblue.dags.attention_dag`. The block
        schedules of :mod:`redblue.strategies.flash_backward` run on ``"chain"`` and
        ``"fma"``.
    max_nodes : int or None, default :data:`redblue.dags.MAX_NODES` (5,000,000)
        Refuse, before building anything, a graph with more nodes than this (counted by
        :func:`attention_backward_node_count`); None for no limit.

    Returns
    -------
    networkx.DiGraph
        Node ids are strings such as ``"dS[0,1]"``; ``G.graph["name"]`` records the call.

    Raises
    ------
    InvalidInputError
        If ``n`` or ``d`` is not a positive int, ``sum`` is not an allowed shape, or the
        graph would have more than ``max_nodes`` nodes.

    Notes
    -----
    The node count (:func:`attention_backward_node_count`): ``4Nd + 2N`` inputs; per
    pair ``4d + 2`` nodes (``2d - 1`` for each of the dot products ``S`` and ``dP``;
    ``T``, ``P``, ``E``, ``dS``), ``2d + 4`` with ``"fma"``; and ``3Nd`` output sums of
    ``N`` terms each, ``2N - 1`` nodes (``N`` with ``"fma"``). In all:
    ``10 N^2 d + 2 N^2 + Nd + 2N`` for ``"tree"`` and ``"chain"``,
    ``5 N^2 d + 4 N^2 + 4 Nd + 2N`` for ``"fma"``.

    Examples
    --------
    >>> G = attention_backward_dag(2, 1)
    >>> G.number_of_nodes()
    54
    >>> G.nodes["dS[0,1]"]
    {'op': 'mul', 'args': ['P[0,1]', 'E[0,1]']}
    >>> G.nodes["dQ[1,0]"]["args"], G.nodes["dQ[1,0]"]["tensor"]
    (['dSK[1,0,0]', 'dSK[1,1,0]'], 'dQ')
    >>> attention_backward_dag(3, 2, sum="fma").number_of_nodes()
    156

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2.
    .. [2] X. Li, Y. Liang, Z. Shi, Z. Song et al., arXiv:2410.09397 (the backward pass
       as a computation graph for the red-blue pebble game).
    """
    n = check_int("n", n, 1)
    d = check_int("d", d, 1)
    shape = check_choice("sum", sum, SUM_SHAPES)
    count = attention_backward_node_count(n, d, sum=shape)
    check_node_count(f"attention backward N={number(n)}, d={number(d)}", count, max_nodes)

    G = nx.DiGraph()
    G.graph["name"] = f"attention_backward_dag(n={n}, d={d}, sum={shape!r})"
    for tensor in ("Q", "K", "V", "dO"):
        for r in range(n):
            for c in range(d):
                add_input(G, f"{tensor}[{r},{c}]", tensor, [r, c])
    for tensor in ("L", "D"):
        for r in range(n):
            add_input(G, f"{tensor}[{r}]", tensor, [r])

    for i in range(n):
        for j in range(n):
            qk = [(f"Q[{i},{c}]", f"K[{j},{c}]") for c in range(d)]
            dot_product(G, f"S[{i},{j}]", qk, shape, f"QK[{i},{j},{{}}]".format)
            add_op(G, f"T[{i},{j}]", "sub", [f"S[{i},{j}]", f"L[{i}]"])
            add_op(G, f"P[{i},{j}]", "exp", [f"T[{i},{j}]"])
            ov = [(f"dO[{i},{c}]", f"V[{j},{c}]") for c in range(d)]
            dot_product(G, f"dP[{i},{j}]", ov, shape, f"dOV[{i},{j},{{}}]".format)
            add_op(G, f"E[{i},{j}]", "sub", [f"dP[{i},{j}]", f"D[{i}]"])
            add_op(G, f"dS[{i},{j}]", "mul", [f"P[{i},{j}]", f"E[{i},{j}]"])

    for j in range(n):
        for c in range(d):
            pairs = [(f"P[{i},{j}]", f"dO[{i},{c}]") for i in range(n)]
            dot_product(G, f"dV[{j},{c}]", pairs, shape, f"PdO[{{}},{j},{c}]".format)
            mark_output(G, f"dV[{j},{c}]", "dV", [j, c])
            pairs = [(f"dS[{i},{j}]", f"Q[{i},{c}]") for i in range(n)]
            dot_product(G, f"dK[{j},{c}]", pairs, shape, f"dSQ[{{}},{j},{c}]".format)
            mark_output(G, f"dK[{j},{c}]", "dK", [j, c])
    for i in range(n):
        for c in range(d):
            pairs = [(f"dS[{i},{j}]", f"K[{j},{c}]") for j in range(n)]
            dot_product(G, f"dQ[{i},{c}]", pairs, shape, f"dSK[{i},{{}},{c}]".format)
            mark_output(G, f"dQ[{i},{c}]", "dQ", [i, c])
    return G


def attention_backward_node_count(n: int, d: int, *, sum: str = "chain") -> int:
    """Return the number of nodes of :func:`attention_backward_dag` in closed form.

    Parameters
    ----------
    n, d : int
        Sequence length and head dimension, at least 1.
    sum : {"chain", "tree", "fma"}, default "chain"

    Returns
    -------
    int
        ``10 N^2 d + 2 N^2 + Nd + 2N`` (``"tree"``, ``"chain"``) or
        ``5 N^2 d + 4 N^2 + 4 Nd + 2N`` (``"fma"``); derivation in the Notes of
        :func:`attention_backward_dag`.

    Raises
    ------
    InvalidInputError
        On the same bad parameters as :func:`attention_backward_dag`.

    Examples
    --------
    >>> attention_backward_node_count(2, 1), attention_backward_node_count(64, 8)
    (54, 336512)
    >>> attention_backward_node_count(3, 2, sum="fma")
    156

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2.
    """
    n = check_int("n", n, 1)
    d = check_int("d", d, 1)
    shape = check_choice("sum", sum, SUM_SHAPES)
    if shape == "fma":
        return 5 * n * n * d + 4 * n * n + 4 * n * d + 2 * n
    return 10 * n * n * d + 2 * n * n + n * d + 2 * n


def _matrices(**arrays: ArrayLike) -> dict[str, np.ndarray]:
    try:
        out = {k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()}
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Q, K, V and dO must be numeric arrays: {exc}") from None
    shape = out["Q"].shape
    if len(shape) != 2 or shape[0] < 1 or shape[1] < 1:
        raise InvalidInputError(f"Q must be a non-empty 2-D array, got shape {shape}")
    for name, arr in out.items():
        if arr.shape != shape:
            raise InvalidInputError(
                f"{name} has shape {arr.shape}, Q has {shape}: the backward DAG needs "
                "Q, K, V and dO of one shape (N, d)"
            )
    return out


def backward_inputs(
    Q: ArrayLike, K: ArrayLike, V: ArrayLike, dO: ArrayLike
) -> dict[str, np.ndarray]:
    """The inputs of :func:`attention_backward_dag`: ``Q, K, V, dO`` and the statistics.

    ``L[i] = log sum_j exp(S[i,j])`` (computed with the row maximum subtracted) and
    ``D[i] = sum_l dO[i,l] O[i,l]`` with ``O = softmax(Q K^T) V``, what the forward pass
    of FlashAttention-2 saves and its backward pass reads.

    Parameters
    ----------
    Q, K, V, dO : array_like, shape (N, d)

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"Q", "K", "V", "dO", "L", "D"}``, ready for :func:`redblue.dags.evaluate`.

    Raises
    ------
    InvalidInputError
        If the arrays are not numeric or not of one 2-D shape.

    Examples
    --------
    >>> x = backward_inputs([[0.0]], [[0.0]], [[2.0]], [[3.0]])
    >>> float(x["L"][0]), float(x["D"][0])
    (0.0, 6.0)

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithms 1 and 2.
    """
    m = _matrices(Q=Q, K=K, V=V, dO=dO)
    S = m["Q"] @ m["K"].T
    top = S.max(axis=1)
    L = top + np.log(np.exp(S - top[:, None]).sum(axis=1))
    out = np.exp(S - L[:, None]) @ m["V"]
    return {**m, "L": L, "D": (m["dO"] * out).sum(axis=1)}


def reference_attention_backward(
    Q: ArrayLike, K: ArrayLike, V: ArrayLike, dO: ArrayLike
) -> dict[str, np.ndarray]:
    """The gradients of ``O = softmax(Q K^T) V`` for the output gradient ``dO``, in numpy.

    With ``P = softmax(Q K^T)`` (row-wise): ``dV = P^T dO``, ``dP = dO V^T``,
    ``dS = P * (dP - rowsum(dO * O))``, ``dQ = dS K``, ``dK = dS^T Q``: the chain rule
    through the softmax Jacobian ``diag(p) - p p^T`` of each row.

    Parameters
    ----------
    Q, K, V, dO : array_like, shape (N, d)

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"dQ", "dK", "dV"}``, each ``(N, d)``.

    Raises
    ------
    InvalidInputError
        If the arrays are not numeric or not of one 2-D shape.

    Examples
    --------
    >>> g = reference_attention_backward([[0.0], [0.0]], [[0.0], [0.0]],
    ...                                  [[1.0], [3.0]], [[1.0], [1.0]])
    >>> g["dV"].ravel().tolist(), g["dQ"].ravel().tolist()
    ([1.0, 1.0], [0.0, 0.0])

    References
    ----------
    .. [1] T. Dao, "FlashAttention-2", 2023, arXiv:2307.08691, Algorithm 2.
    """
    x = backward_inputs(Q, K, V, dO)
    P = np.exp(x["Q"] @ x["K"].T - x["L"][:, None])
    dP = x["dO"] @ x["V"].T
    dS = P * (dP - x["D"][:, None])
    return {"dQ": dS @ x["K"], "dK": dS.T @ x["Q"], "dV": P.T @ x["dO"]}
