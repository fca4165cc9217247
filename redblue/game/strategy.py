"""Strategies: move sequences of the red-blue pebble game, in memory.

A move is a pair ``(kind, node)`` with ``kind`` one of :data:`MOVE_KINDS`:

==============  =====  ========================================================
kind            cost   effect
==============  =====  ========================================================
``load``        1      R1: red pebble on a node holding blue
``store``       1      R2: blue pebble on a node holding red
``compute``     0      R3: red pebble on a non-input whose predecessors are red
``delete``      0      R4: remove the red pebble
``delete-blue`` 0      R4: remove the blue pebble
==============  =====  ========================================================

Strategy files (JSON and text) are read and written by :mod:`redblue.readwrite`
(``read_strategy``, ``write_strategy``). Moves are numbered from 0 in the order they are
played.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redblue.checks import short_repr, short_str
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph

__all__ = [
    "MOVE_KINDS",
    "LOAD",
    "STORE",
    "COMPUTE",
    "DELETE",
    "DELETE_BLUE",
    "Strategy",
    "EncodedMoves",
    "encode_moves",
]

MOVE_KINDS: tuple[str, ...] = ("load", "store", "compute", "delete", "delete-blue")
LOAD, STORE, COMPUTE, DELETE, DELETE_BLUE = range(5)
_KIND_CODE = {k: c for c, k in enumerate(MOVE_KINDS)}
_first, _second = operator.itemgetter(0), operator.itemgetter(1)


@dataclass
class Strategy:
    """A move sequence, with the memory and game variant it is meant for.

    Parameters
    ----------
    moves : list of (str, node)
        The moves in order, e.g. ``[("load", "Q[0,0]"), ("compute", "S[0,0]")]``.
    memory : int or None
        The red-pebble limit M the strategy is meant for.
    variant : str
        The rules it is meant for (``"classic"`` or ``"no-recompute"``).
    """

    moves: list[tuple[str, Hashable]] = field(default_factory=list)
    memory: int | None = None
    variant: str = "classic"

    def __len__(self) -> int:
        return len(self.moves)

    def io(self) -> int:
        """Number of load and store moves (the I/O, if the strategy is valid)."""
        return sum(1 for kind, _ in self.moves if kind in ("load", "store"))

    def __repr__(self) -> str:
        # one line however many moves (printing them is what ``moves`` is for)
        count = f"{len(self.moves):,}" if hasattr(self.moves, "__len__") else "?"
        return (f"Strategy({count} moves, memory={short_repr(self.memory)}, "
                f"variant={short_repr(self.variant)})")


@dataclass(frozen=True, eq=False)
class EncodedMoves:
    """Moves as two integer arrays over a :class:`CompiledGraph` (the fast form).

    ``kinds[t]`` is an index into :data:`MOVE_KINDS`, ``nodes[t]`` the integer node id.
    Schedules that emit millions of moves build this form directly.
    """

    graph: CompiledGraph
    kinds: np.ndarray
    nodes: np.ndarray

    def __len__(self) -> int:
        return int(self.kinds.shape[0])

    def __repr__(self) -> str:
        # one line, not the arrays; hand-built moves that checked() refuses print too
        try:
            return f"EncodedMoves({len(self):,} moves on a graph of {self.graph.n:,} nodes)"
        except (AttributeError, TypeError, IndexError):
            return "EncodedMoves(<unchecked arrays>)"

    def move(self, t: int) -> tuple[str, Hashable]:
        """Move ``t`` as a ``(kind, node id)`` pair."""
        return MOVE_KINDS[int(self.kinds[t])], self.graph.nodes[int(self.nodes[t])]

    def decode(self) -> list[tuple[str, Hashable]]:
        """All moves as ``(kind, node id)`` pairs."""
        names, kinds = self.graph.nodes, MOVE_KINDS
        pairs = zip(self.kinds.tolist(), self.nodes.tolist(), strict=True)
        return [(kinds[k], names[v]) for k, v in pairs]

    def checked(self) -> EncodedMoves:
        """These moves, checked to be in range for the compiled replay loop.

        The loop does not check array bounds (that is what makes it fast), so a node id
        outside ``0..n-1`` or arrays of different lengths would read memory that is not
        the game's. Built by :func:`encode_moves` or a schedule, the arrays are always
        right; moves built by hand are checked here, in two vectorised passes.

        Returns
        -------
        EncodedMoves
            ``self``, or a copy with ``int8`` kinds and ``int32`` nodes when given other
            integer types.

        Raises
        ------
        InvalidInputError
            If the arrays are not 1-D integer arrays of one length, a kind is not an
            index into :data:`MOVE_KINDS`, or a node id is outside ``0..n-1``.

        Examples
        --------
        >>> import networkx as nx
        >>> from redblue.game.compiled import compile_graph
        >>> C = compile_graph(nx.DiGraph([("a", "b")]))
        >>> EncodedMoves(C, np.array([0], np.int8), np.array([7], np.int32)).checked()
        Traceback (most recent call last):
        ...
        redblue.errors.InvalidInputError: encoded moves: move 0 names node id 7; the graph \
has ids 0..1
        """
        kinds, nodes = self.kinds, self.nodes
        if not isinstance(self.graph, CompiledGraph):
            raise InvalidInputError(
                f"encoded moves need a CompiledGraph, got {type(self.graph).__name__}"
            )
        for name, arr in (("kinds", kinds), ("nodes", nodes)):
            if not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.dtype.kind not in "iu":
                raise InvalidInputError(f"encoded moves: {name} must be a 1-D integer array")
        if kinds.shape != nodes.shape:
            raise InvalidInputError(
                f"encoded moves: {kinds.shape[0]} kinds but {nodes.shape[0]} nodes"
            )
        if not kinds.size:
            return self
        t = _out_of_range(kinds, len(MOVE_KINDS))
        if t is not None:
            raise InvalidInputError(
                f"encoded moves: move {t} has kind code {int(kinds[t])}; the codes are "
                f"0..{len(MOVE_KINDS) - 1} ({', '.join(MOVE_KINDS)})"
            )
        t = _out_of_range(nodes, self.graph.n)
        if t is not None:
            raise InvalidInputError(
                f"encoded moves: move {t} names node id {int(nodes[t])}; the graph has ids "
                f"0..{self.graph.n - 1}"
            )
        if kinds.dtype == np.int8 and nodes.dtype == np.int32:
            return self
        return EncodedMoves(self.graph, kinds.astype(np.int8), nodes.astype(np.int32))


def _out_of_range(values: np.ndarray, top: int) -> int | None:
    """Index of the first entry outside ``0..top-1``, None if all are inside."""
    if int(values.min()) >= 0 and int(values.max()) < top:
        return None
    return int(np.flatnonzero((values < 0) | (values >= top))[0])


def _move_list(moves: Any) -> list | tuple:
    """``moves`` as a list or tuple, refusing what cannot be a sequence of moves."""
    if isinstance(moves, list | tuple):
        return moves
    if isinstance(moves, str | bytes | Mapping) or not isinstance(moves, Iterable):
        hint = " (read a strategy file with read_strategy)" if isinstance(moves, str) else ""
        hint = " (parse it with strategy_from_json)" if isinstance(moves, Mapping) else hint
        raise InvalidInputError(
            "moves must be a Strategy, EncodedMoves or a sequence of (kind, node) pairs, "
            f"got {type(moves).__name__}{hint}"
        )
    return list(moves)


def encode_moves(graph: CompiledGraph, moves: Iterable[Sequence[Any]]) -> EncodedMoves:
    """Encode ``(kind, node)`` moves against a compiled graph.

    Raises
    ------
    InvalidInputError
        If ``moves`` is not a sequence of moves (None, a number, a string, a dict); on a
        move that is not a ``[kind, node]`` pair, an unknown kind or an unknown node (the
        message gives the move index).
    """
    moves = _move_list(moves)
    count = len(moves)
    try:  # fast path (C-level map, no Python frame a move); any problem is explained below
        if count and set(map(len, moves)) != {2}:
            raise ValueError
        kinds = np.fromiter(map(_KIND_CODE.__getitem__, map(_first, moves)), np.int8, count)
        nodes = np.fromiter(map(graph.index.__getitem__, map(_second, moves)), np.int32, count)
    except (KeyError, TypeError, ValueError):
        slow_kinds, slow_nodes = _encode_slowly(graph, moves)
        kinds, nodes = np.array(slow_kinds, np.int8), np.array(slow_nodes, np.int32)
    return EncodedMoves(graph, kinds, nodes)


def _encode_slowly(
    graph: CompiledGraph, moves: Sequence[Sequence[Any]]
) -> tuple[list[int], list[int]]:
    """Encode move by move, raising InvalidInputError at the first bad one."""
    kinds: list[int] = []
    nodes: list[int] = []
    for t, move in enumerate(moves):
        try:
            kind, node = move
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"move {t}: expected a [kind, node] pair, got {short_repr(move)}"
            ) from None
        code = _KIND_CODE.get(kind) if isinstance(kind, str) else None
        if code is None:
            raise InvalidInputError(
                f"move {t}: unknown move kind {short_repr(kind)} "
                f"(expected one of {', '.join(MOVE_KINDS)})"
            )
        try:
            v = graph.lookup(node)
        except KeyError:
            raise InvalidInputError(
                f"move {t}: {kind} {short_str(node)}: unknown node {short_repr(node)}"
            ) from None
        kinds.append(code)
        nodes.append(v)
    return kinds, nodes


def check_memory_size(memory: Any, where: str | None = None) -> int:
    """``memory`` as an int if it is a red-pebble limit (a whole number >= 1), else raise.

    The one check of a memory size given to :func:`~redblue.game.replay` or read from a
    strategy file (whether a graph fits in it is :meth:`CompiledGraph.check_memory`).
    There is no upper limit: a memory of ``10**26`` is the game with as many red
    pebbles as nodes (the replay passes ``min(M, nodes)`` to its compiled loop).

    Parameters
    ----------
    memory : Any
        The value to check; Python and numpy integers pass, booleans do not.
    where : str, optional
        What the value came from (a file, a line), put before the message.

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        ``"memory must be a whole number, got ..."`` or ``"memory must be at least 1,
        got ..."``, after ``where + ": "`` when given.

    Examples
    --------
    >>> check_memory_size(4)
    4
    >>> check_memory_size(0, "s.json")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: s.json: memory must be at least 1, got 0
    """
    prefix = f"{where}: " if where else ""
    # bool is an int subclass: "memory": true must not mean M = 1
    if isinstance(memory, bool) or not isinstance(memory, int | np.integer):
        raise InvalidInputError(
            f"{prefix}memory must be a whole number, got {short_repr(memory)}"
        )
    if memory < 1:
        raise InvalidInputError(f"{prefix}memory must be at least 1, got {short_repr(memory)}")
    return int(memory)
