"""Text in and out of files (``-`` for stdin and stdout), every failure one clear line.

Shared by every graph and strategy format, so all of them refuse the same things alike:
a missing file, a directory, bytes that are not UTF-8, JSON that does not parse.
"""

from __future__ import annotations

import errno
import functools
import gc
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from redblue.checks import check_path
from redblue.dags.validate import validate_dag
from redblue.errors import InvalidGraphError, InvalidInputError

#: The path that means standard input (reading) or standard output (writing).
STDIO = "-"

__all__ = ["STDIO", "check_writable", "parse_json", "paused_gc", "read_text", "write_text"]

F = TypeVar("F", bound=Callable[..., Any])


def paused_gc(function: F) -> F:
    """``function`` run with Python's cyclic garbage collector paused.

    Reading a graph allocates millions of objects that all stay alive; each allocation
    burst triggers a full collection that walks every one of them again, which makes
    reading a million-node file twice as slow and worse than linear. What is read is
    kept, so pausing the collector while reading frees nothing later than it would be.
    """

    @functools.wraps(function)
    def paused(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused  # type: ignore[return-value]


def read_text(
    path: str | os.PathLike[str],
    error: type[InvalidInputError] = InvalidInputError,
    binary: str = "not a text file",
) -> tuple[str, str]:
    """The text of a UTF-8 file (``"-"``: standard input) and its display name.

    Parameters
    ----------
    path : str or os.PathLike
        The file, or ``"-"`` for standard input.
    error : type, default InvalidInputError
        The error raised for content that is not UTF-8 text.
    binary : str, default "not a text file"
        What the message calls such content (the graph reader says "not valid JSON").

    Returns
    -------
    (str, str)
        The display name (for messages; ``"<stdin>"`` for ``"-"``) and the text.

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name, does not exist, is a directory or cannot be
        read; ``error`` if the bytes are not UTF-8 (binary garbage).

    Examples
    --------
    >>> read_text("no/such/file")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: no/such/file: no such file
    """
    name = check_path(path)
    try:
        if name == STDIO:
            name = "<stdin>"
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
    except FileNotFoundError:
        raise InvalidInputError(f"{name}: no such file") from None
    except UnicodeDecodeError as exc:
        raise error(
            f"{name}: {binary}: byte {exc.object[exc.start]:#04x} at offset {exc.start} "
            "is not UTF-8"
        ) from None
    except OSError as exc:
        raise InvalidInputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return name, text


def check_writable(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work, a file that :func:`write_text` could not create.

    A long run (a search, a simulation) would otherwise lose its result to a typo in the
    output path, found only when it writes. ``"-"`` (standard output) always passes.

    Raises
    ------
    InvalidInputError
        If ``path`` is a directory, its directory does not exist, or either may not be
        written; the message is the writer's own.

    Examples
    --------
    >>> check_writable("-")
    >>> check_writable("no/such/q.json")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: no/such/q.json: cannot write: No such file or directory
    """
    name = check_path(path)
    if name == STDIO:
        return
    folder = os.path.dirname(os.fsdecode(path)) or "."
    if os.path.isdir(path):
        code = errno.EISDIR
    elif not os.path.isdir(folder):
        code = errno.ENOENT if not os.path.exists(folder) else errno.ENOTDIR
    elif not os.access(path if os.path.exists(path) else folder, os.W_OK):
        code = errno.EACCES
    else:
        return
    raise InvalidInputError(f"{name}: cannot write: {os.strerror(code)}")


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` (``"-"``: standard output), or one clear error.

    Raises
    ------
    InvalidInputError
        If ``path`` is not a file name or the file cannot be written (no such directory,
        no permission, a directory).
    """
    name = check_path(path)
    if name == STDIO:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, say: no file can hold it
        raise InvalidInputError(
            f"{name}: cannot write {exc.object[exc.start]!r}: not a character UTF-8 encodes"
        ) from None
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise InvalidInputError(f"{name}: cannot write: {exc.strerror or exc}") from None


def parse_json(
    text: str, name: str, error: type[InvalidInputError] = InvalidInputError
) -> Any:
    """``json.loads(text)``, with every failure one ``error`` naming the file ``name``.

    Parameters
    ----------
    text : str
        The file's text.
    name : str
        The file, for messages.
    error : type, default InvalidInputError
        The error class raised.

    Returns
    -------
    Any
        The parsed value.

    Raises
    ------
    InvalidInputError
        (``error``) For text that is not JSON (``"<name>: not valid JSON: ..."``), JSON
        nested deeper than the parser's recursion limit, or a number with more digits
        than Python converts to an int (``sys.get_int_max_str_digits()``, 4,300).

    Examples
    --------
    >>> parse_json("[1, 2]", "f.json")
    [1, 2]
    >>> parse_json("[" * 100000, "f.json")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: f.json: not valid JSON: nested too deeply
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{name}: not valid JSON: {exc}") from None
    except RecursionError:
        raise error(f"{name}: not valid JSON: nested too deeply") from None
    except ValueError:  # Python's int-string conversion limit (a number of 4,300+ digits)
        limit = sys.get_int_max_str_digits() or "too many"
        raise error(
            f"{name}: a number in the file has more than {limit} digits (no node id or "
            "memory size needs that many)"
        ) from None


def validated(G: Any, name: str) -> Any:
    """``G`` once :func:`~redblue.dags.validate_dag` accepts it; its error names the file.

    Raises
    ------
    InvalidGraphError
        As :func:`~redblue.dags.validate_dag`, the message starting with ``name``.
    """
    try:
        validate_dag(G)
    except InvalidGraphError as exc:
        raise InvalidGraphError(f"{name}: {exc}") from None
    return G
