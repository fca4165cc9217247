"""Certified lower bounds on the optimal I/O Q(G, M), for any DAG and at any size.

:func:`lower_bound` runs every method it is asked for and keeps the best bound; each
method proves its bound in its own module, for the game variants its proof covers:

- ``trivial``: needed inputs plus non-input outputs (any variant);
- ``search``: the proven lower bound of a time-limited exact search (any variant);
- ``spectral``: Jain & Zaharia's eigenvalue bound (:mod:`redblue.lower.spectral`,
  no-recompute game);
- ``mincut``: Elango et al.'s convex min-cut bound (:mod:`redblue.lower.mincut`,
  no-recompute game).
"""

from redblue.lower.bound import METHODS, PLANNED, VARIANTS_COVERED, lower_bound
from redblue.lower.results import LowerBound, MethodResult

__all__ = ["METHODS", "PLANNED", "VARIANTS_COVERED", "LowerBound", "MethodResult", "lower_bound"]
