"""redblue: check I/O lower-bound proofs with the red-blue pebble game.

The first subject is Saha and Ye, "The I/O Complexity of Attention, or How Optimal is
FlashAttention?" (ICML 2024). Subpackages:

- :mod:`redblue.dags`: computation DAGs (attention, matmul, chain, pyramid, FFT, random),
  a numeric evaluator and file I/O;
- :mod:`redblue.game`: the pebble game: compiled graphs, rules, strategies, replay;
- :mod:`redblue.strategies`: schedules that emit verified strategies;
- :mod:`redblue.claims`: :func:`check_claim`, a claimed bound refuted, confirmed or open.
"""

import os
from typing import Any

from redblue.errors import IllegalMoveError, InvalidGraphError, InvalidInputError, RedBlueError


def _address_space_limit() -> int | None:
    """The process's address-space limit (``ulimit -v``) in bytes, or None if unlimited."""
    try:
        import resource
    except ImportError:  # pragma: no cover - no rlimits (Windows)
        return None
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    return None if soft == resource.RLIM_INFINITY else soft


#: glibc's ``mallopt`` parameter for the number of malloc arenas
_M_ARENA_MAX = -8


def _lean_under_an_address_space_limit() -> None:
    """Under ``ulimit -v``, spend no address space on per-thread reserves.

    OpenBLAS gives every thread its own buffer when numpy loads; a thread that cannot get
    one hangs the process (no error, no exit), so one thread (unless the user set
    ``OPENBLAS_NUM_THREADS``). glibc reserves 64 MiB of address space for each thread's
    malloc arena: the progress timers alone took 128 MiB, and the loading of cached
    kernels then aborted inside LLVM (uncatchable) at limits the command could otherwise
    run under, so one arena for the whole process (``mallopt``; a no-op off glibc).
    """
    if _address_space_limit() is None:
        return
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before anything loads numpy
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


_lean_under_an_address_space_limit()

__version__ = "0.1.0"

__all__ = [
    "IllegalMoveError",
    "InvalidGraphError",
    "InvalidInputError",
    "RedBlueError",
    "__version__",
    "check_claim",
]


def __getattr__(name: str) -> Any:
    # lazily, so that importing redblue does not load the search (and numba)
    if name == "check_claim":
        from redblue.claims import check_claim

        return check_claim
    raise AttributeError(f"module 'redblue' has no attribute {name!r}")
