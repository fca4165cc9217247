"""What a long computation is doing, told on stderr: phases and notes.

The library is silent by default (verbosity 0), so library users and test runs see
nothing; the ``redblue`` command sets verbosity 1 (``-q`` 0, ``-v`` 2).

At verbosity 1 a :func:`phase` says nothing if it ends within :data:`ANNOUNCE_AFTER`
seconds; once it has run that long, a timer announces it ("redblue: compiling the search
core ...") and its end is reported with its duration. At verbosity 2 every phase is
announced when it starts and when it ends, and :func:`note` lines are printed. Output goes
to stderr only, one whole line per write under a lock, so stdout (and ``--json``) stays
clean and lines from threads do not interleave.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["ANNOUNCE_AFTER", "note", "phase", "set_verbosity", "verbosity"]

#: Seconds a phase runs before it is announced at verbosity 1.
ANNOUNCE_AFTER = 2.0

_PREFIX = "redblue: "
_lock = threading.Lock()
_level = 0


def set_verbosity(level: int) -> None:
    """Set how much is told on stderr: 0 quiet, 1 normal (long phases), 2 verbose.

    Parameters
    ----------
    level : int
        0, 1 or 2; values above 2 count as 2.

    Raises
    ------
    ValueError
        If ``level`` is negative or not an integer.

    Examples
    --------
    >>> set_verbosity(2); verbosity()
    2
    >>> set_verbosity(0)
    """
    global _level
    if isinstance(level, bool) or not isinstance(level, int) or level < 0:
        raise ValueError(f"verbosity must be a whole number >= 0, got {level!r}")
    _level = min(level, 2)


def verbosity() -> int:
    """The current verbosity: 0 quiet (the library's default), 1 normal, 2 verbose.

    Examples
    --------
    >>> verbosity()
    0
    """
    return _level


def _say(stream: TextIO, text: str) -> None:
    with _lock:
        try:
            stream.write(_PREFIX + text + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not stop the work
            pass


def note(message: str, level: int = 2) -> None:
    """Print one line on stderr at verbosity ``level`` or more (a detail of the work).

    Parameters
    ----------
    message : str
        The line, without the "redblue: " prefix.
    level : int, default 2
        The least verbosity that prints it: 2 for details, 1 for what a long phase has
        reached so far (a search's states and bounds every few seconds).

    Examples
    --------
    >>> note("nothing is printed at verbosity 0", level=1)
    """
    if _level >= level:
        _say(sys.stderr, message)


@contextmanager
def phase(label: str) -> Iterator[None]:
    """Report a step of the work on stderr, with its duration, if it takes long.

    Parameters
    ----------
    label : str
        What is being done, as a phrase: "compiling the search core".

    Yields
    ------
    None
        The block runs inside the phase; an exception ends it as "stopped".

    Examples
    --------
    >>> with phase("adding two numbers"):
    ...     _ = 1 + 1
    """
    level = _level
    if level == 0:
        yield
        return
    stream = sys.stderr
    start = time.perf_counter()
    announced = threading.Event()
    done = threading.Lock()  # held by whichever of timer and end speaks first

    def announce() -> None:
        with done:
            if not announced.is_set():
                announced.set()
                _say(stream, f"{label} ...")

    timer = None
    if level >= 2:
        announce()
    else:
        timer = threading.Timer(ANNOUNCE_AFTER, announce)
        timer.daemon = True
        timer.start()
    outcome = "stopped after"
    try:
        yield
        outcome = "done in"
    finally:
        if timer is not None:
            timer.cancel()
        with done:
            if announced.is_set():
                _say(stream, f"{label}: {outcome} {time.perf_counter() - start:.1f} s")
            else:
                announced.set()  # a timer already firing must not announce it now
