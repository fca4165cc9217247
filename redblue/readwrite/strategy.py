"""Strategy files: the moves of a pebbling, with its memory and variant, as JSON or text.

Two file forms hold a :class:`~redblue.game.Strategy`:

* JSON (``.json``): ``{"memory": M, "variant": "classic", "moves": [["load", "Q[0,0]"],
  ...]}``. A node id is read as the graph files read it (:func:`node_id_from_json`):
  arrays are tuple ids, and booleans are refused (``true == 1`` in Python).
* Text (``.txt``): one move a line, ``kind node``; blank lines and ``#`` comments are
  skipped, except the header comments ``# memory: M`` and ``# variant: NAME``. A node
  is named by its text, which a replay matches against the graph's ids (an integer
  node 3 is named ``3``).

Moves are numbered from 0 in the order they are played (the JSON array index); the
text form reports line numbers separately when it cannot be parsed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable
from typing import Any

from redblue.checks import check_path, parse_whole, short_repr
from redblue.errors import InvalidInputError
from redblue.game.strategy import Strategy, check_memory_size
from redblue.readwrite._files import parse_json, read_text, write_text
from redblue.readwrite.node_link import node_id_from_json

__all__ = [
    "STRATEGY_FORMATS",
    "read_strategy",
    "strategy_from_json",
    "strategy_from_text",
    "strategy_to_json",
    "strategy_to_text",
    "write_strategy",
]

#: The strategy file formats, by the name ``format=`` takes.
STRATEGY_FORMATS: tuple[str, ...] = ("json", "text")


def strategy_from_json(data: Any, where: str = "strategy") -> Strategy:
    """Build a :class:`~redblue.game.Strategy` from parsed JSON (an object with ``moves``).

    Parameters
    ----------
    data : Any
        What ``json.loads`` gave: ``{"memory": M, "variant": V, "moves": [[kind, node],
        ...]}`` (``memory`` and ``variant`` optional).
    where : str, default "strategy"
        Where the data came from, for messages.

    Returns
    -------
    Strategy

    Raises
    ------
    InvalidInputError
        If the data is not an object with a list ``moves`` of ``[kind, node]`` pairs,
        a node is a boolean (``true`` would name the node 1), NaN, nested too deeply or
        cannot be a node id, or ``memory``/``variant`` have the wrong type or value.

    Examples
    --------
    >>> strategy_from_json({"memory": 2, "moves": [["load", ["x", 0]]]}).moves
    [('load', ('x', 0))]
    >>> strategy_from_json({"moves": [["load", True]]}, "s.json")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: s.json: move 0: node true is a boolean; node ids \
cannot be booleans (true == 1 and false == 0 in Python)
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
    """The JSON object (``memory``, ``variant``, ``moves``) for ``strategy``.

    Examples
    --------
    >>> strategy_to_json(Strategy([("load", ("x", 0))], memory=2))
    {'memory': 2, 'variant': 'classic', 'moves': [['load', ('x', 0)]]}
    """
    return {
        "memory": strategy.memory,
        "variant": strategy.variant,
        "moves": [[kind, node] for kind, node in strategy.moves],
    }


def strategy_from_text(text: str, where: str = "strategy") -> Strategy:
    """Parse the text form: ``kind node`` per line, ``# memory: M`` / ``# variant: V`` headers.

    Nodes are read as text (a replay matches ``3`` to an integer node 3).

    Parameters
    ----------
    text : str
        The file's text.
    where : str, default "strategy"
        Where the text came from, for messages.

    Returns
    -------
    Strategy

    Raises
    ------
    InvalidInputError
        If ``text`` is not a string; on a line that is not ``kind node`` or a malformed
        header (a memory that is not a whole number >= 1 of at most 100 digits); the
        message gives the line number (from 1).

    Examples
    --------
    >>> strategy_from_text("# memory: 3\\nload a\\ncompute b\\n")
    Strategy(2 moves, memory=3, variant='classic')
    >>> strategy_from_text("load\\n", "m.txt")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: m.txt: line 1: expected 'kind node', got 'load'
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
    """The text form of ``strategy`` (headers, then one ``kind node`` line a move).

    Examples
    --------
    >>> print(strategy_to_text(Strategy([("load", 3)], memory=1)), end="")
    # memory: 1
    # variant: classic
    load 3
    """
    lines = []
    if strategy.memory is not None:
        lines.append(f"# memory: {strategy.memory}")
    lines.append(f"# variant: {strategy.variant}")
    lines.extend(f"{kind} {node}" for kind, node in strategy.moves)
    return "\n".join(lines) + "\n"


def _strategy_format(format: Any, name: str) -> str | None:
    """``format`` checked, or the one the extension of ``name`` names (None: look inside)."""
    if format is None:
        lower = name.lower()
        return "json" if lower.endswith(".json") else "text" if lower.endswith(".txt") else None
    if format not in STRATEGY_FORMATS:
        raise InvalidInputError(
            f"unknown strategy format {short_repr(format)} (expected one of: "
            f"{', '.join(STRATEGY_FORMATS)})"
        )
    return format


def read_strategy(path: str | os.PathLike[str], format: str | None = None) -> Strategy:
    """Read a strategy file, JSON or text.

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``"-"`` reads standard input.
    format : {"json", "text"} or None, default None
        The file form. None: ``.json`` files are JSON, ``.txt`` files text, and any
        other file is told apart by its first non-blank character (``{`` or ``[``:
        JSON), which no text strategy starts with.

    Returns
    -------
    Strategy

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name or ``format`` not a strategy format; the file
        does not exist, cannot be read, is empty or is not UTF-8 text; JSON that does
        not parse (nested too deeply, a number of more than 4,300 digits included) or is
        not a strategy; text that is not one. The message names the file.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "moves.txt")
    >>> write_strategy(Strategy([("load", "a"), ("compute", "b")], memory=2), path)
    >>> print(open(path).read(), end="")
    # memory: 2
    # variant: classic
    load a
    compute b
    >>> read_strategy(path).moves
    [('load', 'a'), ('compute', 'b')]
    """
    name = check_path(path)
    form = _strategy_format(format, name)
    where, text = read_text(path)
    if not text.strip():
        raise InvalidInputError(f"{where}: the file is empty (no moves, no memory)")
    if form is None:
        form = "json" if text.lstrip().startswith(("{", "[")) else "text"
    if form == "json":
        data = parse_json(text, where)
        try:
            return strategy_from_json(data, where)
        except RecursionError:  # an id nested deep in a move, beyond any check's reach
            raise InvalidInputError(f"{where}: a move is nested too deeply") from None
    return strategy_from_text(text, where)


def write_strategy(
    strategy: Strategy, path: str | os.PathLike[str], format: str | None = None
) -> None:
    """Write ``strategy`` as JSON or text.

    Parameters
    ----------
    strategy : Strategy
        The moves, memory and variant.
    path : str or os.PathLike
        File to write (overwritten); ``"-"`` writes to standard output.
    format : {"json", "text"} or None, default None
        None: text for ``.txt`` paths, JSON for every other (and for ``"-"``).

    Returns
    -------
    None

    Raises
    ------
    InvalidInputError
        If ``strategy`` is not a :class:`~redblue.game.Strategy`, ``path`` is not a file
        name, the format is unknown, a node id is not a JSON value, or the file cannot
        be written.

    Examples
    --------
    >>> write_strategy(Strategy([("load", "a")], memory=1), "-", "json")
    {"memory": 1, "variant": "classic", "moves": [["load", "a"]]}
    """
    if not isinstance(strategy, Strategy):
        raise InvalidInputError(f"expected a Strategy to write, got {type(strategy).__name__}")
    name = check_path(path)
    form = _strategy_format(format, name) or "json"
    try:
        if form == "json":
            payload = json.dumps(strategy_to_json(strategy)) + "\n"
        else:
            payload = strategy_to_text(strategy)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidInputError(f"{name}: cannot write this strategy: {exc}") from None
    write_text(path, payload)
