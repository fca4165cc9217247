"""Strategies: move sequences of the red-blue pebble game, on disk and in memory.

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

Two file forms hold a strategy:

* JSON: ``{"memory": M, "variant": "classic", "moves": [["load", "Q[0,0]"], ...]}``.
  A node id is read as the graph files read it (:func:`redblue.dags.io.node_id_from_json`):
  arrays are tuple ids, and booleans are refused (``true == 1`` in Python).
* Text: one move a line, ``kind node``; blank lines and ``#`` comments are skipped,
  except the header comments ``# memory: M`` and ``# variant: NAME``.

Moves are numbered from 0 in the order they are played (the JSON array index); the
text form reports line numbers separately when it cannot be parsed.
"""

from __future__ import annotations

import json
import operator
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redblue.checks import check_path, parse_whole, short_repr, short_str
from redblue.dags.io import node_id_from_json, parse_json, read_text, write_text
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
    "read_strategy",
    "write_strategy",
    "strategy_from_json",
    "strategy_to_json",
    "strategy_from_text",
    "strategy_to_text",
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


def strategy_from_json(data: Any, where: str = "strategy") -> Strategy:
    """Build a :class:`Strategy` from parsed JSON (an object with ``moves``).

    Raises
    ------
    InvalidInputError
        If the data is not an object with a list ``moves`` of ``[kind, node]`` pairs,
        a node is a boolean (``true`` would name the node 1), NaN, nested too deeply or
        cannot be a node id, or ``memory``/``variant`` have the wrong type or value.
    """
    where = "strategy" if not isinstance(where, str) else where
    if not isinstance(data, dict) or "moves" not in data:
        raise InvalidInputError(f"{where}: expected a JSON object with a 'moves' list")
    moves = data["moves"]
    if not isinstance(moves, list):
        raise InvalidInputError(f"{where}: 'moves' must be a list of [kind, node] pairs")
    parsed: list[tuple[str, Hashable]] = []
    for t, move in enumerate(moves):
        if not isinstance(move, list | tuple) or len(move) != 2 or not isinstance(move[0], str):
            raise InvalidInputError(
                f"{where}: move {t}: expected [kind, node], got {short_repr(move)}"
            )
        try:  # JSON has no tuples (arrays are node ids that were tuples), and true == 1
            node = node_id_from_json(move[1])
        except InvalidInputError as exc:
            raise InvalidInputError(f"{where}: move {t}: node {exc}") from None
        try:
            hash(node)
        except TypeError:
            raise InvalidInputError(
                f"{where}: move {t}: node {short_repr(move[1])} is not a valid node id"
            ) from None
        parsed.append((move[0], node))
    variant = data.get("variant", "classic")
    if not isinstance(variant, str):
        raise InvalidInputError(
            f"{where}: 'variant' must be a string, got {short_repr(variant)}"
        )
    memory = data.get("memory")
    return Strategy(parsed, None if memory is None else check_memory_size(memory, where), variant)


def strategy_to_json(strategy: Strategy) -> dict[str, Any]:
    """The JSON object (``memory``, ``variant``, ``moves``) for ``strategy``."""
    return {
        "memory": strategy.memory,
        "variant": strategy.variant,
        "moves": [[kind, node] for kind, node in strategy.moves],
    }


def strategy_from_text(text: str, where: str = "strategy") -> Strategy:
    """Parse the text form: ``kind node`` per line, ``# memory: M`` / ``# variant: V`` headers.

    Raises
    ------
    InvalidInputError
        If ``text`` is not a string; on a line that is not ``kind node`` or a malformed
        header (a memory that is not a whole number >= 1 of at most 100 digits); the
        message gives the line number (from 1).
    """
    where = "strategy" if not isinstance(where, str) else where
    if not isinstance(text, str):
        raise InvalidInputError(
            f"{where}: expected the text of a strategy, got {type(text).__name__}"
        )
    moves: list[tuple[str, Hashable]] = []
    memory: int | None = None
    variant = "classic"
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            key, value = key.strip().lower(), value.strip()
            if sep and key == "memory":
                place = f"{where}: line {lineno}"
                try:  # at most 100 digits: Python's own limit (4,300) would be a traceback
                    number = parse_whole(value, "memory")
                except InvalidInputError as exc:
                    raise InvalidInputError(f"{place}: {exc}") from None
                memory = check_memory_size(number, place)
            elif sep and key == "variant":
                variant = value
            continue
        kind, _, node = line.partition(" ")
        node = node.strip()
        if not node:
            raise InvalidInputError(
                f"{where}: line {lineno}: expected 'kind node', got {short_repr(line)}"
            )
        moves.append((kind, node))
    return Strategy(moves, memory, variant)


def strategy_to_text(strategy: Strategy) -> str:
    """The text form of ``strategy`` (headers, then one ``kind node`` line a move)."""
    lines = []
    if strategy.memory is not None:
        lines.append(f"# memory: {strategy.memory}")
    lines.append(f"# variant: {strategy.variant}")
    lines.extend(f"{kind} {node}" for kind, node in strategy.moves)
    return "\n".join(lines) + "\n"


def read_strategy(path: str | os.PathLike[str]) -> Strategy:
    """Read a strategy file, JSON or text (told apart by the first non-blank character).

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name; the file does not exist, cannot be read, is
        empty or is not UTF-8 text; JSON that does not parse (nested too deeply, a
        number of more than 4,300 digits included) or is not a strategy; text that is not
        one. The message names the file.
    """
    where, text = read_text(path)
    if not text.strip():
        raise InvalidInputError(f"{where}: the file is empty (no moves, no memory)")
    if text.lstrip().startswith(("{", "[")):
        data = parse_json(text, where)
        try:
            return strategy_from_json(data, where)
        except RecursionError:  # an id nested deep in a move, beyond any check's reach
            raise InvalidInputError(f"{where}: a move is nested too deeply") from None
    return strategy_from_text(text, where)


def write_strategy(
    strategy: Strategy, path: str | os.PathLike[str], format: str | None = None
) -> None:
    """Write ``strategy`` as JSON or text (default: text for ``.txt`` paths, else JSON).

    Raises
    ------
    InvalidInputError
        If ``strategy`` is not a :class:`Strategy`, ``path`` is not a file name, the
        format is unknown, a node id is not a JSON value, or the file cannot be written.
    """
    if not isinstance(strategy, Strategy):
        raise InvalidInputError(f"expected a Strategy to write, got {type(strategy).__name__}")
    name = check_path(path)
    if format is None:
        format = "text" if name.endswith(".txt") else "json"
    if format not in ("json", "text"):
        raise InvalidInputError(
            f"unknown strategy format {short_repr(format)} (expected json or text)"
        )
    try:
        if format == "json":
            payload = json.dumps(strategy_to_json(strategy)) + "\n"
        else:
            payload = strategy_to_text(strategy)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidInputError(f"{name}: cannot write this strategy: {exc}") from None
    write_text(path, name, payload)
