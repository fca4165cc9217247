"""Theorem 3.7's reduction, as a transformation of concrete strategies.

From a complete calculation of the attention DAG, keep only the moves on the QK^T part
(inputs Q and K, the products ``QK[i,j,l]``, the partial sums and the roots ``S[i,j]``),
store each root ``S[i,j]`` the first time it turns red, and never delete a blue pebble
from the QK^T part (stores made redundant by that are dropped). The result computes
``Q K^T`` by standard matmul with no more red pebbles than the original and at most
``N^2`` extra stores, so ``Q_MM(N, d, N) <= Q_A + N^2``. :func:`reduce_to_matmul`
renames the moves to :func:`redblue.dags.matmul_dag` ids (``Q[i,l] -> A[i,l]``,
``K[j,l] -> B[l,j]``, ``QK -> AB``, ``S -> C``) so they can be replayed on that DAG.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from redblue.analysis.partition import _ROOT, _moves, qk_tree
from redblue.game.strategy import Strategy

__all__ = ["qk_part", "reduce_to_matmul", "to_matmul_name"]

_Q = re.compile(r"^Q\[(\d+),(\d+)\]$")
_K = re.compile(r"^K\[(\d+),(\d+)\]$")


def qk_part(v: Hashable) -> bool:
    """Whether ``v`` is a vertex of the QK^T subgraph of the attention DAG."""
    s = str(v)
    return bool(_Q.match(s) or _K.match(s)) or qk_tree(v) is not None


def to_matmul_name(v: Hashable) -> str:
    """The :func:`redblue.dags.matmul_dag` id of a QK^T vertex of the attention DAG."""
    s = str(v)
    if m := _Q.match(s):
        return f"A[{m.group(1)},{m.group(2)}]"
    if m := _K.match(s):
        return f"B[{m.group(2)},{m.group(1)}]"
    if s.startswith("QK["):
        return "AB" + s[2:]
    if s.startswith("S["):
        return "C" + s[1:]
    raise ValueError(f"{v!r} is not a QK^T vertex")


def reduce_to_matmul(strategy: Strategy, *, rename: bool = True) -> Strategy:
    """The matmul strategy of Theorem 3.7 built from an attention strategy.

    Parameters
    ----------
    strategy : Strategy
        A valid complete calculation of an attention DAG (``sum="tree"`` or ``"chain"``).
    rename : bool
        Use matmul-DAG ids (default) or keep the attention ids.

    Returns
    -------
    Strategy
        Same memory; valid on ``matmul_dag(N, d, N)`` with the same summation shape.
    """
    blue: set[Hashable] = {v for _, v in _moves(strategy) if _Q.match(str(v)) or _K.match(str(v))}
    stored_once: set[Hashable] = set()
    out: list[tuple[str, Hashable]] = []
    for kind, v in _moves(strategy):
        if not qk_part(v) or kind == "delete-blue":
            continue
        if kind == "store":
            if v in blue:
                continue
            blue.add(v)
        out.append((kind, v))
        if kind == "compute" and _ROOT.match(str(v)) and v not in stored_once:
            stored_once.add(v)
            if v not in blue:
                out.append(("store", v))
                blue.add(v)
    if rename:
        out = [(k, to_matmul_name(v)) for k, v in out]
    return Strategy(out, strategy.memory, strategy.variant)
