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
from numbers import Integral, Real
from typing import Any

import networkx as nx

from redblue.checks import short_repr
from redblue.errors import InvalidInputError

#: The largest graph a builder makes unless told otherwise (``max_nodes=``, ``--max-nodes``).
#: networkx holds a node of these DAGs in about 1 KB and builds about a million a minute,
#: so 5 million nodes is some 5 GB and minutes of work: more is refused before any is built.
MAX_NODES = 5_000_000

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
    """Return ``value`` as an int if it is a whole number >= ``minimum``, else raise.

    Python and numpy integers pass; bools, floats and strings do not.
    """
    # bool is a subclass of int, but attention_dag(True, 1) is surely a mistake.
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidInputError(f"{name} must be an int >= {minimum}, got {short_repr(value)}")
    if value < minimum:
        raise InvalidInputError(f"{name} must be an int >= {minimum}, got {short_repr(value)}")
    return int(value)


def check_choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise InvalidInputError."""
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise InvalidInputError(f"{name} must be one of {options}, got {short_repr(value)}")
    return value


def amount(count: int) -> str:
    """A count for a message: ``5,000,001`` below ten million, else ``5.1e12``.

    Exact for any int (no float overflow past 1e308), so a size estimate of an absurd
    request can always be shown.

    Examples
    --------
    >>> amount(5_000_001), amount(5_130_038_400_000), amount(10**400)
    ('5,000,001', '5.1e12', '1.0e400')
    """
    if count < 10**7:
        return f"{count:,}"
    exp = int(math.log10(count))  # math.log10 takes ints of any size
    while 10**exp > count:  # the float logarithm may be one off at the edges
        exp -= 1
    while 10 ** (exp + 1) <= count:
        exp += 1
    mantissa = f"{count / 10**exp:.1f}"
    if mantissa == "10.0":
        mantissa, exp = "1.0", exp + 1
    return f"{mantissa}e{exp}"


def number(value: int) -> str:
    """A parameter for a message: plain below ten million, else as :func:`amount`.

    Examples
    --------
    >>> number(100000), number(2**300)
    ('100000', '2.0e90')
    """
    return str(value) if value < 10**7 else amount(value)


def check_node_count(what: str, count: int, max_nodes: Any) -> None:
    """Refuse to build a graph of ``count`` nodes when that is more than ``max_nodes``.

    Every builder calls this with its closed-form node count before adding a node, so an
    absurd size is refused at once instead of running for hours.

    Parameters
    ----------
    what : str
        The graph in words, e.g. ``"attention N=100000, d=128"``.
    count : int
        Its number of nodes.
    max_nodes : int or None
        The limit; None for no limit.

    Raises
    ------
    InvalidInputError
        If ``count > max_nodes`` (the message gives the estimate and the limit), or
        ``max_nodes`` is not a positive int or None.

    Examples
    --------
    >>> check_node_count("chain length=10", 10, 100)
    >>> check_node_count("chain length=1000", 1000, 100)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: chain length=1000 has 1,000 nodes; the limit is 100 \
(raise it with --max-nodes, or max_nodes= in Python)
    """
    if max_nodes is None:
        return
    limit = check_int("max_nodes", max_nodes, 1)
    if count > limit:
        raise InvalidInputError(
            f"{what} has {amount(count)} nodes; the limit is {limit:,} "
            "(raise it with --max-nodes, or max_nodes= in Python)"
        )


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
