"""Numeric evaluation of computation DAGs, and the numpy reference for attention.

The evaluator gives every op its documented meaning, so a test can check that a DAG
really computes what its builder claims (attention, a matrix product, a transform) by
comparing with plain numpy on random inputs.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from functools import reduce
from operator import add, mul
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike

from redblue.checks import short_repr
from redblue.dags._builder import amount
from redblue.dags.validate import validate_computation, validate_dag
from redblue.errors import InvalidGraphError, InvalidInputError

__all__ = ["evaluate", "output_tensors", "reference_attention"]

_NEEDS = (
    "evaluate needs op on every node, args on computed nodes, tensor and index on inputs"
)

#: Most entries :func:`output_tensors` allocates for one tensor (800 MB of float64).
MAX_TENSOR_ENTRIES = 100_000_000


def _shapes(G: nx.DiGraph, nodes: list[Hashable]) -> dict[str, tuple[int, ...]]:
    """Shape of each tensor the given nodes name: max index + 1 per axis."""
    shapes: dict[str, tuple[int, ...]] = {}
    for node in nodes:
        tensor, index = G.nodes[node]["tensor"], G.nodes[node]["index"]
        old = shapes.get(tensor)
        if old is not None and len(old) != len(index):
            raise InvalidInputError(
                f"tensor {tensor!r} is indexed with {len(old)} and {len(index)} axes "
                f"(node {node!r})"
            )
        new = tuple(i + 1 for i in index)
        shapes[tensor] = new if old is None else tuple(map(max, old, new))
    return shapes


def _apply(op: str, x: list[np.float64], data: dict[str, Any]) -> np.float64:
    if op == "add":
        return reduce(add, x)
    if op == "mul":
        return reduce(mul, x)
    if op == "fma":
        return x[0] + x[1] * x[2]
    if op == "exp":
        return np.exp(np.float64(data.get("scale", 1.0)) * x[0])
    if op == "recip":
        return np.float64(1.0) / x[0]
    if op == "div":
        return x[0] / x[1]
    if op == "sub":
        return x[0] - x[1]
    if op == "max":
        return max(x)
    raise InvalidInputError(f"unknown op {op!r}")  # validate_computation catches this first


def evaluate(G: nx.DiGraph, inputs: Mapping[str, ArrayLike]) -> dict[Hashable, float]:
    """Compute the value of every node of ``G`` in float64.

    Nodes are evaluated in topological order. An input node takes
    ``inputs[tensor][index]``; every other node applies its ``op`` to the values of its
    ``args``: ``mul`` / ``add`` the product / sum of all args, ``fma(a, x, y) = a + x*y``,
    ``exp(a) = exp(scale * a)`` (``scale`` attribute, default 1), ``recip(a) = 1/a``,
    ``div(a, b) = a/b``, ``sub(a, b) = a - b``, ``max`` the largest arg. Overflow and
    division by zero follow IEEE (``inf``, ``nan``) with numpy's usual warnings.

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG; it must pass :func:`redblue.dags.validate_computation` (outputs not
        required): ``op`` on every node, ``args`` on every computed node, ``tensor`` and
        ``index`` on the inputs. A graph read from a file that has only structure (a
        plain networkx DAG) can be pebbled, but not evaluated.
    inputs : mapping of str to array_like
        One array per input tensor name. Its shape must be exactly that of the tensor in
        ``G`` (largest index + 1 on each axis); for a tensor of shape ``(r, 1)`` a 1-D
        array of length ``r`` is accepted too. Every entry must be finite. Extra tensors
        are ignored.

    Returns
    -------
    dict
        Node id -> value (a ``numpy.float64``, which is a ``float``).

    Raises
    ------
    InvalidInputError
        If ``inputs`` is not a mapping, a tensor is missing, is not numeric, has the
        wrong shape or a non-finite entry, or the graph is invalid
        (:class:`~redblue.errors.InvalidGraphError`, e.g. an unknown op, or a node
        without the ``op``, ``args``, ``tensor`` or ``index`` evaluation needs: the
        message says which, after ``"cannot evaluate: "``).

    Examples
    --------
    >>> from redblue.dags import matmul_dag
    >>> values = evaluate(matmul_dag(1, 2, 1), {"A": [[1.0, 2.0]], "B": [[3.0], [4.0]]})
    >>> float(values["C[0,0]"])
    11.0

    References
    ----------
    .. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
       FlashAttention?", ICML 2024 (the semantics of the attention DAG, Fig. 1).
    """
    validate_dag(G)
    try:
        validate_computation(G, require_output=False)
    except InvalidGraphError as exc:
        raise InvalidGraphError(f"cannot evaluate: {exc} ({_NEEDS})") from None
    if not isinstance(inputs, Mapping):
        raise InvalidInputError(
            f"inputs must be a mapping of tensor name to array, got {type(inputs).__name__}"
        )
    sources = [v for v, op in G.nodes(data="op") if op == "input"]
    arrays: dict[str, np.ndarray] = {}
    for tensor, shape in sorted(_shapes(G, sources).items()):
        if tensor not in inputs:
            needed = ", ".join(sorted({G.nodes[v]["tensor"] for v in sources}))
            raise InvalidInputError(
                f"missing input tensor {tensor!r} (the DAG reads tensors {needed})"
            )
        try:
            arr = np.asarray(inputs[tensor], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"input tensor {tensor!r} is not a rectangular numeric array: {exc}"
            ) from None
        if arr.shape != shape and arr.ndim == 1 and shape == (arr.shape[0], 1):
            arr = arr.reshape(shape)
        if arr.shape != shape:
            raise InvalidInputError(
                f"input tensor {tensor!r} has shape {arr.shape}, the DAG needs {short_repr(shape)}"
            )
        if not np.isfinite(arr).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            raise InvalidInputError(
                f"input tensor {tensor!r} has a non-finite entry {arr[bad]} at index {list(bad)}"
            )
        arrays[tensor] = arr

    values: dict[Hashable, float] = {}
    for node in nx.topological_sort(G):
        data = G.nodes[node]
        op = data["op"]
        if op == "input":
            values[node] = arrays[data["tensor"]][tuple(data["index"])]
        else:
            values[node] = _apply(op, [values[a] for a in data["args"]], data)
    return values


def output_tensors(G: nx.DiGraph, values: Mapping[Hashable, float]) -> dict[str, np.ndarray]:
    """Assemble the output tensors from node values.

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG; its nodes marked ``output=True`` carry ``tensor`` and ``index``.
    values : mapping
        Node id -> value, as returned by :func:`evaluate`.

    Returns
    -------
    dict of str to numpy.ndarray
        One float64 array per output tensor, of shape largest index + 1 on each axis;
        entries that no output node names are NaN.

    Raises
    ------
    InvalidInputError
        If ``values`` lacks an output node, an output lacks ``tensor``/``index``, or a
        tensor would have more than :data:`MAX_TENSOR_ENTRIES` entries (an index such
        as ``[10**12]`` on a small graph would ask numpy for terabytes).

    Examples
    --------
    >>> from redblue.dags import matmul_dag
    >>> G = matmul_dag(2, 1, 2)
    >>> vals = evaluate(G, {"A": [[1.0], [2.0]], "B": [[3.0, 4.0]]})
    >>> output_tensors(G, vals)["C"]
    array([[3., 4.],
           [6., 8.]])

    References
    ----------
    .. [1] networkx node attributes; the conventions of :mod:`redblue.dags`.
    """
    outputs = [v for v, flag in G.nodes(data="output") if flag]
    for node in outputs:
        if "tensor" not in G.nodes[node] or "index" not in G.nodes[node]:
            raise InvalidInputError(f"output node {node!r} has no 'tensor' or 'index'")
    shapes = _shapes(G, outputs)
    for tensor, shape in shapes.items():
        entries = math.prod(shape)
        if entries > MAX_TENSOR_ENTRIES:
            raise InvalidInputError(
                f"output tensor {tensor!r} would have shape {short_repr(shape)}, "
                f"{amount(entries)} entries, "
                f"more than {MAX_TENSOR_ENTRIES:,} (an output index far beyond the graph)"
            )
    result = {t: np.full(shape, np.nan) for t, shape in shapes.items()}
    for node in outputs:
        if node not in values:
            raise InvalidInputError(f"no value for output node {node!r}")
        data = G.nodes[node]
        result[data["tensor"]][tuple(data["index"])] = values[node]
    return result


def reference_attention(
    Q: ArrayLike,
    K: ArrayLike,
    V: ArrayLike,
    *,
    causal: bool = False,
    scale: float | None = None,
    mask: ArrayLike | None = None,
) -> np.ndarray:
    """Return ``softmax(scale * Q K^T) V`` computed directly with numpy.

    The softmax is taken row by row, with the row maximum subtracted for accuracy (the
    result is mathematically the same as the paper's ``D^-1 exp(Q K^T) V``).

    Parameters
    ----------
    Q : array_like, shape (n, d)
    K : array_like, shape (m, d)
    V : array_like, shape (m, e)
    causal : bool, default False
        If True, query ``i`` only attends to keys ``j <= i``.
    scale : float or None, default None
        Factor applied to ``Q K^T`` before the softmax; None means 1 (the paper has no
        scaling; transformers use ``1 / sqrt(d)``).
    mask : array_like of bool, shape (n, m), or None
        Query ``i`` attends to key ``j`` only where ``mask[i, j]`` (block-sparse
        attention: ``KeyPattern.dense()``); combined with ``causal``.

    Returns
    -------
    numpy.ndarray, shape (n, e)
        The attention output.

    Raises
    ------
    InvalidInputError
        If the shapes do not fit together, there are no keys (or a row of ``mask`` keeps
        none), an argument is not numeric, or ``scale`` is NaN, infinite or a bool.

    Examples
    --------
    >>> import numpy as np
    >>> Q = K = np.zeros((2, 1)); V = np.array([[1.0], [3.0]])
    >>> reference_attention(Q, K, V)
    array([[2.],
           [2.]])
    >>> reference_attention(Q, K, V, causal=True)
    array([[1.],
           [2.]])

    References
    ----------
    .. [1] A. Vaswani et al., "Attention is all you need", NeurIPS 2017.
    .. [2] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
       FlashAttention?", ICML 2024, Sec. 2.
    """
    try:
        Q, K, V = (np.asarray(x, dtype=np.float64) for x in (Q, K, V))
        factor = 1.0 if scale is None else float(scale)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Q, K, V and scale must be numeric: {exc}") from None
    if isinstance(scale, bool) or not math.isfinite(factor):
        raise InvalidInputError(f"scale must be a finite number or None, got {scale!r}")
    if Q.ndim != 2 or K.ndim != 2 or V.ndim != 2:
        raise InvalidInputError("Q, K and V must be 2-D arrays")
    if Q.shape[1] != K.shape[1] or K.shape[0] != V.shape[0]:
        raise InvalidInputError(
            f"shapes do not fit: Q {Q.shape}, K {K.shape}, V {V.shape} "
            "(need Q (n, d), K (m, d), V (m, e))"
        )
    if K.shape[0] == 0:
        raise InvalidInputError("attention needs at least one key: K and V have no rows")
    S = factor * (Q @ K.T)
    keep = np.ones(S.shape, dtype=bool)
    if causal:
        keep &= np.tril(keep)
    if mask is not None:
        m = np.asarray(mask)
        if m.shape != S.shape:
            raise InvalidInputError(f"mask has shape {m.shape}, the scores {S.shape}")
        keep &= m.astype(bool)
    if not keep.any(axis=1).all():
        raise InvalidInputError("a query row attends to no key (the mask leaves it empty)")
    S = np.where(keep, S, -np.inf)
    S = S - S.max(axis=1, keepdims=True)
    A = np.exp(S)
    return (A / A.sum(axis=1, keepdims=True)) @ V
