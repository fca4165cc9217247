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

* JSON (DESIGN.md): ``{"memory": M, "variant": "classic", "moves": [["load", "Q[0,0]"], ...]}``.
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
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redblue.dags.io import node_id_from_json
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


def encode_moves(graph: CompiledGraph, moves: Iterable[Sequence[Any]]) -> EncodedMoves:
    """Encode ``(kind, node)`` moves against a compiled graph.

    Raises
    ------
    InvalidInputError
        On a move that is not a ``[kind, node]`` pair, an unknown kind or an unknown
        node; the message gives the move index.
    """
    if not isinstance(moves, list | tuple):
        moves = list(moves)
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
                f"move {t}: expected a [kind, node] pair, got {move!r}"
            ) from None
        code = _KIND_CODE.get(kind) if isinstance(kind, str) else None
        if code is None:
            raise InvalidInputError(
                f"move {t}: unknown move kind {kind!r} (expected one of {', '.join(MOVE_KINDS)})"
            )
        try:
            v = graph.lookup(node)
        except KeyError:
            raise InvalidInputError(f"move {t}: {kind} {node}: unknown node {node!r}") from None
        kinds.append(code)
        nodes.append(v)
    return kinds, nodes


def check_memory_size(memory: Any, where: str | None = None) -> int:
    """``memory`` as an int if it is a red-pebble limit (a whole number >= 1), else raise.

    The one check of a memory size given to :func:`~redblue.game.replay` or read from a
    strategy file (whether a graph fits in it is :meth:`CompiledGraph.check_memory`).

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
        raise InvalidInputError(f"{prefix}memory must be a whole number, got {memory!r}")
    if memory < 1:
        raise InvalidInputError(f"{prefix}memory must be at least 1, got {memory}")
    return int(memory)


def strategy_from_json(data: Any, where: str = "strategy") -> Strategy:
    """Build a :class:`Strategy` from parsed JSON (an object with ``moves``).

    Raises
    ------
    InvalidInputError
        If the data is not an object with a list ``moves`` of ``[kind, node]`` pairs,
        a node is a boolean (``true`` would name the node 1) or cannot be a node id, or
        ``memory``/``variant`` have the wrong type or value.
    """
    if not isinstance(data, dict) or "moves" not in data:
        raise InvalidInputError(f"{where}: expected a JSON object with a 'moves' list")
    moves = data["moves"]
    if not isinstance(moves, list):
        raise InvalidInputError(f"{where}: 'moves' must be a list of [kind, node] pairs")
    parsed: list[tuple[str, Hashable]] = []
    for t, move in enumerate(moves):
        if not isinstance(move, list | tuple) or len(move) != 2 or not isinstance(move[0], str):
            raise InvalidInputError(f"{where}: move {t}: expected [kind, node], got {move!r}")
        try:  # JSON has no tuples (arrays are node ids that were tuples), and true == 1
            node = node_id_from_json(move[1])
        except InvalidInputError as exc:
            raise InvalidInputError(f"{where}: move {t}: node {exc}") from None
        try:
            hash(node)
        except TypeError:
            raise InvalidInputError(
                f"{where}: move {t}: node {move[1]!r} is not a valid node id"
            ) from None
        parsed.append((move[0], node))
    variant = data.get("variant", "classic")
    if not isinstance(variant, str):
        raise InvalidInputError(f"{where}: 'variant' must be a string, got {variant!r}")
    memory = data.get("memory")
    return Strategy(parsed, None if memory is None else check_memory_size(memory, where), variant)


def strategy_to_json(strategy: Strategy) -> dict[str, Any]:
    """The JSON object of DESIGN.md for ``strategy``."""
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
        On a line that is not ``kind node`` or a malformed header; the message gives
        the line number (from 1).
    """
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
                number: Any = value
                try:
                    number = int(value)
                except ValueError:
                    pass  # still the text: the check says it is not a whole number
                memory = check_memory_size(number, f"{where}: line {lineno}")
            elif sep and key == "variant":
                variant = value
            continue
        kind, _, node = line.partition(" ")
        node = node.strip()
        if not node:
            raise InvalidInputError(f"{where}: line {lineno}: expected 'kind node', got {line!r}")
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
        If the file cannot be read or parsed; the message names the file.
    """
    where = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise InvalidInputError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{where}: cannot read: {exc}") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{where}: not valid JSON: {exc}") from None
        return strategy_from_json(data, where)
    return strategy_from_text(text, where)


def write_strategy(
    strategy: Strategy, path: str | os.PathLike[str], format: str | None = None
) -> None:
    """Write ``strategy`` as JSON or text (default: text for ``.txt`` paths, else JSON)."""
    if format is None:
        format = "text" if os.fspath(path).endswith(".txt") else "json"
    if format == "json":
        payload = json.dumps(strategy_to_json(strategy)) + "\n"
    elif format == "text":
        payload = strategy_to_text(strategy)
    else:
        raise InvalidInputError(f"unknown strategy format {format!r} (expected json or text)")
    with open(path, "w", encoding="utf-8") as f:
        f.write(payload)
