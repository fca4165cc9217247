"""Checks of the plain parameters every entry point takes: limits and whole numbers.

One place decides what a time limit or a count may be, so the library and the command
line refuse the same things with the same sentence (an :class:`InvalidInputError`, exit 2
in the CLI), instead of letting ``nan`` or ``"5"`` reach a comparison deep inside a search.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any

from redblue.errors import InvalidInputError

__all__ = [
    "check_path",
    "check_time_limit",
    "check_whole",
    "parse_whole",
    "short_repr",
    "short_str",
]

#: Longest decimal text read as a whole number: far beyond any usable size, and short of
#: Python's int-string limit (4,300 digits), whose own error would be a traceback.
MAX_DIGITS = 100


#: Longest ``repr`` an error message quotes: a 5,000-digit node id or memory value from a
#: file is shown by its start and its length, so the message stays one readable line.
MAX_SHOWN = 60


def short_repr(value: Any, limit: int = MAX_SHOWN) -> str:
    """``repr(value)``, cut to about ``limit`` characters for an error message.

    Parameters
    ----------
    value : Any
        The value to show.
    limit : int, default :data:`MAX_SHOWN`
        Longest text returned before the note of the full length.

    Returns
    -------
    str
        The repr, or its first ``limit`` characters followed by ``... (N characters)``.
        A repr that fails (or recurses too deeply) is replaced by the type name.

    Examples
    --------
    >>> short_repr("x[0]")
    "'x[0]'"
    >>> short_repr(10**100, limit=10)
    '1000000000... (101 characters)'
    """
    try:
        text = repr(value)
    except ValueError:  # an int past Python's int-string limit (4,300 digits)
        if isinstance(value, int):
            return f"<an integer of about {int(abs(value).bit_length() * 0.30103) + 1} digits>"
        return f"<{type(value).__name__}>"
    except Exception:  # a repr that raises (or recurses too deeply) is not the point
        return f"<{type(value).__name__}>"
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def short_str(value: Any, limit: int = MAX_SHOWN) -> str:
    """``str(value)`` cut as :func:`short_repr` cuts a repr.

    Examples
    --------
    >>> short_str("x[0]")
    'x[0]'
    >>> short_str("y" * 100, limit=5)
    'yyyyy... (100 characters)'
    """
    try:
        text = str(value)
    except Exception:  # an int past the int-string limit, a failing __str__
        return short_repr(value, limit)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def check_path(path: Any, name: str = "path") -> str:
    """The display name of a file path, or raise if ``path`` cannot name a file.

    Parameters
    ----------
    path : Any
        What the caller was given: a ``str``, ``bytes`` or ``os.PathLike`` passes.
    name : str, default "path"
        How the message calls the argument.

    Returns
    -------
    str
        The path as text (``os.fsdecode``), for messages.

    Raises
    ------
    InvalidInputError
        For anything else (``None``, a number, an open file object), and for an empty
        path.

    Examples
    --------
    >>> check_path("graph.json")
    'graph.json'
    >>> check_path(None)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: path must be a file name (str or os.PathLike), got None
    """
    if not isinstance(path, str | bytes | os.PathLike):
        raise InvalidInputError(
            f"{name} must be a file name (str or os.PathLike), got {short_repr(path)}"
        )
    text = os.fsdecode(path)
    if not text:
        raise InvalidInputError(f"{name} is empty: give a file name")
    return text


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
        raise InvalidInputError(f"{name} must be a number of seconds, got {short_repr(value)}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidInputError(
            f"{name} must be a positive number of seconds, got {short_repr(value)}"
        )
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
        raise InvalidInputError(f"{name} must be a whole number, got {short_repr(value)}")
    number = int(value)
    if number < minimum:
        raise InvalidInputError(f"{name} must be at least {minimum}, got {short_repr(number)}")
    if maximum is not None and number > maximum:
        raise InvalidInputError(f"{name} must be at most {maximum}, got {short_repr(number)}")
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
        raise InvalidInputError(
            f"{name} must be a whole number, got {short_repr(text)}"
        ) from None
