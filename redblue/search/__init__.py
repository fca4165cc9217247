"""Exact search: the optimal I/O Q(G, M) of small DAGs, with certificates.

- :func:`solve` is the entry point; :class:`SearchResult` its answer.
- :mod:`redblue.search.astar`: the primary method (A* over normal-form macro moves,
  every pruning rule documented with the reason it keeps an optimum);
- :mod:`redblue.search.ilp`: the independent cross-check, a time-indexed integer
  program solved by HiGHS (``scipy.optimize.milp``), sharing no search code;
- :mod:`redblue.search.naive`: the unpruned Dijkstra baseline.
"""

from redblue.search.solve import METHODS, SearchResult, check_memory, solve

__all__ = ["METHODS", "SearchResult", "check_memory", "solve"]
