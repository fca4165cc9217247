"""Instance grids written as ranges: ``3..20``, ``1,2,4`` or a mix (``1..3,8``)."""

from __future__ import annotations

from redblue.checks import parse_whole
from redblue.errors import InvalidInputError

__all__ = ["MAX_VALUES", "parse_range"]

#: Most values one range may hold (a typo such as ``1..10**9`` is refused, not run).
MAX_VALUES = 10_000


def parse_range(text: str, name: str = "range", minimum: int = 1) -> list[int]:
    """The sorted distinct whole numbers ``text`` names.

    Parameters
    ----------
    text : str
        Comma-separated items, each ``A`` or ``A..B`` (both ends included).
    name : str
        What the range is of, for messages (``"--memory"``).
    minimum : int
        The least value allowed.

    Returns
    -------
    list of int

    Raises
    ------
    InvalidInputError
        On an empty item, a reversed range, a value below ``minimum`` or more than
        :data:`MAX_VALUES` values.

    Examples
    --------
    >>> parse_range("3..5,8")
    [3, 4, 5, 8]
    >>> parse_range("4..2")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: range: 4..2 is empty (write the smaller end first)
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"{name}: expected values such as 1..4 or 2,4,8, got {text!r}")
    values: set[int] = set()
    for item in text.split(","):
        lo_text, sep, hi_text = item.partition("..")
        lo = parse_whole(lo_text, name) if lo_text.strip() else None
        hi = parse_whole(hi_text, name) if sep and hi_text.strip() else lo
        if lo is None or hi is None or (sep and not hi_text.strip()):
            raise InvalidInputError(f"{name}: cannot read {item.strip()!r} (expected A or A..B)")
        if hi < lo:
            raise InvalidInputError(
                f"{name}: {item.strip()} is empty (write the smaller end first)"
            )
        if lo < minimum:
            raise InvalidInputError(f"{name}: values must be at least {minimum}, got {lo}")
        if hi - lo + 1 + len(values) > MAX_VALUES:
            raise InvalidInputError(f"{name}: more than {MAX_VALUES} values")
        values.update(range(lo, hi + 1))
    return sorted(values)
