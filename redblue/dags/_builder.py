"""Helpers shared by the DAG builders: parameter checks, node constructors, summations.

Every builder in :mod:`redblue.dags` produces nodes with the same attribute conventions,
so they all go through the few functions here:

- inputs get ``op="input"``, ``tensor`` and ``index`` (a list of ints);
- every other node gets ``op`` and ``args`` (its ordered operands) and one edge from each
  operand, so the set of ``args`` is exactly the predecessor set;
- outputs additionally get ``output=True``, ``tensor`` and ``index``.

Summations come in three shapes (``"tree"``, ``"chain"``, ``"fma"``). Partial results are
named ``name(a:b)``: the sum of terms ``a..b-1`` (a Python slice of the term list); the
node holding the whole sum is named ``name`` itself. A sum of one term adds no node.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from numbers import Real
from typing import Any

import networkx as nx

from redblue.errors import InvalidInputError

#: The summation shapes every builder accepts.
SUM_SHAPES: tuple[str, ...] = ("tree", "chain", "fma")

#: Operations a non-input node may carry, with their number of operands
#: (``None`` = any positive number). The evaluator implements exactly these.
OP_ARITY: dict[str, int | None] = {
    "mul": None,
    "add": None,
    "max": None,
    "fma": 3,
    "exp": 1,
    "recip": 1,
    "div": 2,
    "sub": 2,
}


def check_int(name: str, value: Any, minimum: int) -> int:
    """Return ``value`` if it is an int >= ``minimum`` (bools rejected), else raise."""
    # bool is a subclass of int, but attention_dag(True, 1) is surely a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise InvalidInputError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise InvalidInputError."""
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise InvalidInputError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_scale(value: Any) -> float | None:
    """Return ``value`` as a float if it is a positive finite real, None if None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidInputError(f"scale must be a positive finite number or None, got {value!r}")
    scale = float(value)
    if not (math.isfinite(scale) and scale > 0):
        raise InvalidInputError(f"scale must be a positive finite number or None, got {value!r}")
    return scale


def add_input(G: nx.DiGraph, node: Hashable, tensor: str, index: Sequence[int]) -> Hashable:
    """Add an input node reading ``tensor[index]`` and return its id."""
    G.add_node(node, op="input", tensor=tensor, index=[int(i) for i in index])
    return node


def add_op(
    G: nx.DiGraph, node: Hashable, op: str, args: Sequence[Hashable], **attrs: Any
) -> Hashable:
    """Add the node ``node = op(*args)`` with one edge per distinct operand."""
    # A name clash would silently merge two values into one vertex: fail loudly instead.
    if node in G:
        raise AssertionError(f"builder bug: node {node!r} created twice")
    G.add_node(node, op=op, args=list(args), **attrs)
    G.add_edges_from((a, node) for a in args)
    return node


def mark_output(G: nx.DiGraph, node: Hashable, tensor: str, index: Sequence[int]) -> None:
    """Mark ``node`` as the output word ``tensor[index]``."""
    G.nodes[node].update(output=True, tensor=tensor, index=[int(i) for i in index])


def _partial(name: str, a: int, b: int, k: int) -> str:
    # The node holding all k terms carries the sum's own name.
    return name if (a, b) == (0, k) else f"{name}({a}:{b})"


def reduce_terms(
    G: nx.DiGraph, name: str, terms: Sequence[Hashable], op: str, shape: str
) -> Hashable:
    """Combine existing nodes ``terms`` with the binary ``op`` ("add" or "max").

    ``shape="tree"`` builds a balanced binary tree (terms ``a..b-1`` split at
    ``(a + b) // 2``, recursively);
    ``"chain"`` and ``"fma"`` build a left-to-right chain (there is no product to fuse).
    With one term no node is added and the term itself is returned: callers must use
    the returned id, not ``name``.
    """
    k = len(terms)
    if k == 1:
        return terms[0]
    if shape == "tree":

        def build(a: int, b: int) -> Hashable:
            if b - a == 1:
                return terms[a]
            mid = (a + b) // 2
            return add_op(G, _partial(name, a, b, k), op, [build(a, mid), build(mid, b)])

        return build(0, k)
    acc = terms[0]
    for t in range(1, k):
        acc = add_op(G, _partial(name, 0, t + 1, k), op, [acc, terms[t]])
    return acc


def dot_product(
    G: nx.DiGraph,
    name: str,
    pairs: Sequence[tuple[Hashable, Hashable]],
    shape: str,
    product_name: Callable[[int], str],
) -> str:
    """Build ``name = sum_t x_t * y_t`` over ``pairs = [(x_0, y_0), ...]``; return ``name``.

    For ``"tree"`` and ``"chain"`` the products are separate ``mul`` nodes named
    ``product_name(t)`` followed by a summation of that shape. For ``"fma"`` the first
    node is ``mul(x_0, y_0)`` and each further term is ``fma(acc, x_t, y_t)``, with no
    separate product nodes. With one term the single product node is named ``name``.
    ``product_name`` is typically a bound ``str.format``, e.g. ``"QK[0,1,{}]".format``.
    """
    k = len(pairs)
    if k == 1:
        return add_op(G, name, "mul", list(pairs[0]))
    if shape == "fma":
        x, y = pairs[0]
        acc = add_op(G, _partial(name, 0, 1, k), "mul", [x, y])
        for t in range(1, k):
            x, y = pairs[t]
            acc = add_op(G, _partial(name, 0, t + 1, k), "fma", [acc, x, y])
        return name
    products = [add_op(G, product_name(t), "mul", list(pairs[t])) for t in range(k)]
    reduce_terms(G, name, products, "add", shape)
    return name
