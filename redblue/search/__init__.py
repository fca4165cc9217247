"""Exact search: the optimal I/O Q(G, M) of small DAGs, with certificates.

- :func:`solve` is the entry point; :class:`SearchResult` its answer; :func:`solve_range`
  solves several memories, each seeded by its neighbours (Q never grows with M);
  :func:`prepare_search_core` loads the compiled kernels before short time limits.
- :mod:`redblue.search.core`: the primary method, A* over normal-form macro moves, one
  numba kernel for any graph size (``NUMBA_DISABLE_JIT=1`` runs it as plain Python);
  :mod:`~redblue.search.rules` states every pruning rule with the reason it keeps an
  optimum, :mod:`~redblue.search.heuristics` the admissible bounds,
  :mod:`~redblue.search.symmetry` rule Y, :mod:`~redblue.search.state` the bitsets of
  several 64-bit words, :mod:`~redblue.search.problem` the tables of one search;
- :mod:`redblue.search.ilp`: the independent cross-check, a time-indexed integer
  program solved by HiGHS (``scipy.optimize.milp``), sharing no search code;
- :mod:`redblue.search.naive`: the unpruned Dijkstra baseline.
"""

from redblue.search.solve import (
    METHODS,
    SearchResult,
    check_memory,
    prepare_search_core,
    solve,
    solve_range,
)

__all__ = [
    "METHODS", "SearchResult", "check_memory", "prepare_search_core", "solve", "solve_range",
]
