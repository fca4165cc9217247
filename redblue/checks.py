"""Checks of the plain parameters every entry point takes: limits and whole numbers.

One place decides what a time limit or a count may be, so the library and the command
line refuse the same things with the same sentence (an :class:`InvalidInputError`, exit 2
in the CLI), instead of letting ``nan`` or ``"5"`` reach a comparison deep inside a search.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from redblue.errors import InvalidInputError

__all__ = ["check_time_limit", "check_whole", "parse_whole"]

#: Longest decimal text read as a whole number: far beyond any usable size, and short of
#: Python's int-string limit (4,300 digits), whose own error would be a traceback.
MAX_DIGITS = 100


def check_time_limit(value: Any, name: str = "time_limit") -> float | None:
    """``value`` as seconds (a positive finite float), or None for "no limit".

    Raises
    ------
    InvalidInputError
        For a non-number (a string, a bool), NaN, an infinity, zero or a negative number.

    Examples
    --------
    >>> check_time_limit(5)
    5.0
    >>> check_time_limit(None) is None
    True
    >>> check_time_limit(float("nan"))
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: time_limit must be a positive number of seconds, got nan
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{name} must be a number of seconds, got {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidInputError(f"{name} must be a positive number of seconds, got {value!r}")
    return seconds


def check_whole(
    value: Any, name: str, minimum: int = 1, maximum: int | None = None
) -> int:
    """``value`` as an int in ``[minimum, maximum]``.

    Raises
    ------
    InvalidInputError
        For a non-integer (floats and bools included) or a value out of range.

    Examples
    --------
    >>> check_whole(3, "memory")
    3
    >>> check_whole(0, "memory")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: memory must be at least 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInputError(f"{name} must be a whole number, got {value!r}")
    number = int(value)
    if number < minimum:
        raise InvalidInputError(f"{name} must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise InvalidInputError(f"{name} must be at most {maximum}, got {number}")
    return number


def parse_whole(text: str, name: str = "value") -> int:
    """A whole number written in decimal, refusing text too long to be a usable size.

    Raises
    ------
    InvalidInputError
        For text that is not a decimal integer or has more than :data:`MAX_DIGITS` digits.

    Examples
    --------
    >>> parse_whole(" 42 ")
    42
    >>> parse_whole("1" * 5000)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: value has 5000 digits; at most 100 are read
    """
    text = text.strip()
    digits = len(text.lstrip("+-"))
    if digits > MAX_DIGITS:
        raise InvalidInputError(f"{name} has {digits} digits; at most {MAX_DIGITS} are read")
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError(f"{name} must be a whole number, got {text!r}") from None
