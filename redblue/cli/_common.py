"""Pieces every subcommand shares: the parser class, argument types, exit codes."""

from __future__ import annotations

import argparse
import json
from typing import Any, NoReturn

from redblue.checks import check_time_limit, parse_whole
from redblue.errors import InvalidInputError

EXIT_OK, EXIT_INVALID, EXIT_BAD_INPUT = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def positive(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = parse_whole(text, "the number")
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seconds(text: str) -> float:
    """argparse type: a time limit, a positive finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    try:
        return check_time_limit(value, "the time limit")
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_replay(result: dict[str, Any], as_json: bool) -> None:
    """Print a replay result (``ReplayResult.to_dict()`` plus extras) for people or as JSON."""
    if as_json:
        print(json.dumps(result))
        return
    print(
        f"valid: yes ({result['variant']} game, memory M = {result['memory']})\n"
        f"io: {result['io']} (loads {result['loads']}, stores {result['stores']})\n"
        f"moves: {result['moves']}, computes: {result['computes']} "
        f"(recomputations {result['recomputations']}), peak red: {result['peak_red']}"
    )
