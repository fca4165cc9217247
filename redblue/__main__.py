"""The ``redblue`` command's entry point (``python -m redblue`` and the console script).

Importing :mod:`redblue.cli` loads numpy, networkx, sympy and numba, a second or more
(several on a loaded machine); a Ctrl-C in that time would print Python's traceback of
the interrupted import. :func:`main` imports the command line only once it can catch
that, so an interrupt at any moment after Python has started is one line and exit code
130, as during a command (:func:`redblue.cli.main`). This module itself imports only the
standard library and :mod:`redblue.errors` (``import redblue`` loads nothing heavy either).
"""

import os
import sys
from collections.abc import Sequence

from redblue import _address_space_limit
from redblue.errors import (  # light: the standard library only
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    INTERRUPTED,
    OUT_OF_MEMORY,
    cannot_load,
)

#: the least address space (``ulimit -v``) the command runs under: importing it takes
#: about 530 MiB (numpy, scipy, sympy, numba's LLVM) and loading the search kernels
#: about 610 MiB (with the one malloc arena of ``redblue/__init__.py``). Measured under
#: limits from 390 to 540 MiB, OpenBLAS hung and LLVM aborted instead of failing, and up
#: to 610 MiB loading failed at varying places, so a limit below this is refused before
#: anything loads
ADDRESS_SPACE_FLOOR = 640 << 20
#: written with ``os.write``: when memory has run out, formatting a message may fail too
_OUT_OF_MEMORY_LINE = (OUT_OF_MEMORY + "\n").encode()


def address_space_refusal() -> str | None:
    """The one-line refusal of an address-space limit below :data:`ADDRESS_SPACE_FLOOR`,
    or None where it is higher, unlimited or the platform has none.

    Examples
    --------
    >>> address_space_refusal() is None  # (this process has no such limit)
    True
    """
    soft = _address_space_limit()
    if soft is None or soft >= ADDRESS_SPACE_FLOOR:
        return None
    return (f"redblue: error: the address space is limited to {soft >> 20} MiB (ulimit -v); "
            f"redblue needs at least {ADDRESS_SPACE_FLOOR >> 20} MiB to load its libraries")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``redblue`` command; returns the exit code (130 on Ctrl-C, at any time)."""
    refusal = address_space_refusal()
    if refusal:
        print(refusal, file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        try:
            from redblue.cli import main as run  # the heavy imports, interruptible
        except (ImportError, OSError) as exc:  # a compiled library found no room to load
            print(cannot_load(exc), file=sys.stderr)
            return EXIT_BAD_INPUT
        return run(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED  # as redblue.cli.main
    except MemoryError:  # even the command's own one-line report found no memory
        os.write(sys.stderr.fileno(), _OUT_OF_MEMORY_LINE)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
