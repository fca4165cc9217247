"""Exceptions raised by redblue.

Every error a user can cause derives from :class:`RedBlueError`, so callers (and the
CLI) can tell bad input from a bug. The CLI maps :class:`IllegalMoveError` to exit
code 1 (the strategy is wrong) and every other :class:`RedBlueError` to exit code 2
(the input is wrong).
"""

from __future__ import annotations

from typing import Any

#: The command's exit codes: success; a refuted claim, an illegal move, a failed proof or
#: a run stopped by its limit; bad input; Ctrl-C (128 + SIGINT, the shells' convention).
EXIT_OK, EXIT_INVALID, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
#: The one line a Ctrl-C prints, whenever it comes.
INTERRUPTED = "redblue: interrupted"
#: The one line an allocation that failed prints (a size no check caught).
OUT_OF_MEMORY = "redblue: error: out of memory (try a smaller instance or a lower limit)"


def cannot_load(exc: BaseException) -> str:
    """The one line for a library that could not be loaded (under ``ulimit -v``, a
    compiled library may find no room to map its code)."""
    return f"redblue: error: cannot load a library: {' '.join(str(exc).split())}"


class RedBlueError(Exception):
    """Base class of every error redblue raises on purpose."""


class InvalidInputError(RedBlueError, ValueError):
    """A parameter, file or move list that cannot be used (bad input, CLI exit 2)."""


class InvalidGraphError(InvalidInputError):
    """A graph that is not a valid computation DAG (cyclic, inconsistent ``args``, ...)."""


class IllegalMoveError(RedBlueError):
    """A strategy breaks a rule of the pebble game (CLI exit 1).

    Parameters
    ----------
    index : int
        0-based index of the offending move; ``len(moves)`` for a failure found after
        the last move (an output left without a blue pebble).
    move : str or None
        The move kind (``"load"``, ``"compute"``, ...), or None after the last move.
    node : hashable
        The node the move names (or the output left without blue).
    rule : str
        The rule broken, e.g. ``"R3 compute"`` or ``"red-pebble limit"``.
    reason : str
        Why the move is illegal in the state it was played in.
    """

    def __init__(self, index: int, move: str | None, node: Any, rule: str, reason: str):
        self.index = index
        self.move = move
        self.node = node
        self.rule = rule
        self.reason = reason
        if move is None:
            text = f"after the last move: {reason} ({rule})"
        else:
            text = f"move {index}: {move} {node}: {reason} ({rule})"
        super().__init__(text)

    def to_dict(self) -> dict[str, Any]:
        """The violation as a JSON-ready dictionary."""
        return {
            "index": self.index,
            "move": self.move,
            "node": self.node if isinstance(self.node, (str, int)) else str(self.node),
            "rule": self.rule,
            "reason": self.reason,
            "message": str(self),
        }
