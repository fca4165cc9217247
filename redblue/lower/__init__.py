"""Certified lower bounds on the optimal I/O Q(G, M), for any DAG and at any size.

:func:`lower_bound` runs every method it is asked for and keeps the best bound; each
method proves its bound in its own module, for the game variants its proof covers:

- ``trivial``: needed inputs plus non-input outputs (any variant);
- ``search``: the proven lower bound of a time-limited exact search (any variant);
- ``spectral``: Jain & Zaharia's eigenvalue bound (:mod:`redblue.lower.spectral`,
  no-recompute game);
- ``mincut``: Elango et al.'s convex min-cut bound (:mod:`redblue.lower.mincut`,
  no-recompute game);
- ``hong-kung``: Hong & Kung's 2M-partition bound, its largest part bounded by an
  integer program's dual bound (:mod:`redblue.lower.hong_kung`, both games);
- ``parts``: the sum over the parts of a partition of each part's exact optimum in a
  relaxed game on the part alone (:mod:`redblue.lower.parts`, both games).

:func:`solve_certified` runs the exact search from the best of them.
"""

from redblue.lower.bound import METHODS, PLANNED, VARIANTS_COVERED, lower_bound
from redblue.lower.certified import solve_certified
from redblue.lower.results import LowerBound, MethodResult

__all__ = ["METHODS", "PLANNED", "VARIANTS_COVERED", "LowerBound", "MethodResult", "lower_bound",
           "solve_certified"]
