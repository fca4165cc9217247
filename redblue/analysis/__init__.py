"""Predicates on concrete strategies and instances behind the paper's proofs.

- :mod:`~redblue.analysis.partition`: Hong-Kung partitions from a strategy (Lemma 2.7),
  Lemma 3.3's root counting, the Loomis-Whitney count for matmul, Lemma 4.1's epochs;
- :mod:`~redblue.analysis.reduction`: Theorem 3.7's reduction as a strategy transformation;
- :mod:`~redblue.analysis.fields`: Vandermonde and BCH independence, Lemma 4.6's counts;
- :mod:`~redblue.analysis.instances`: exact optima and schedules used by ``proofs/``.
"""

from redblue.analysis.partition import (
    check_partition,
    count_products,
    count_roots,
    epochs,
    min_dominator_size,
    segments,
)
from redblue.analysis.reduction import reduce_to_matmul

__all__ = [
    "check_partition",
    "count_products",
    "count_roots",
    "epochs",
    "min_dominator_size",
    "segments",
    "reduce_to_matmul",
]
