"""The ``redblue`` command's entry point (``python -m redblue`` and the console script).

Importing :mod:`redblue.cli` loads numpy, networkx, sympy and numba, a second or more
(several on a loaded machine); a Ctrl-C in that time would print Python's traceback of
the interrupted import. :func:`main` imports the command line only once it can catch
that, so an interrupt at any moment after Python has started is one line and exit code
130, as during a command (:func:`redblue.cli.main`). This module itself imports only the
standard library and :mod:`redblue.errors` (``import redblue`` loads nothing heavy either).
"""

import sys
from collections.abc import Sequence

from redblue.errors import EXIT_INTERRUPTED, INTERRUPTED  # light: the standard library only


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``redblue`` command; returns the exit code (130 on Ctrl-C, at any time)."""
    try:
        from redblue.cli import main as run  # the heavy imports, interruptible

        return run(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED  # as redblue.cli.main


if __name__ == "__main__":
    sys.exit(main())
