"""Predicates on concrete strategies and instances behind the paper's proofs.

- :mod:`~redblue.analysis.partition`: Hong-Kung partitions from a strategy (Lemma 2.7),
  Lemma 3.3's root counting, the Loomis-Whitney count for matmul, Lemma 4.1's epochs;
- :mod:`~redblue.analysis.reduction`: Theorem 3.7's reduction as a strategy transformation;
- :mod:`~redblue.analysis.fields`: Vandermonde and BCH independence, Lemma 4.6's counts;
- :mod:`~redblue.analysis.instances`: exact optima and schedules used by ``proofs/``.
"""

import importlib
from typing import Any

_WHERE = {
    "check_partition": "partition",
    "count_products": "partition",
    "count_roots": "partition",
    "epochs": "partition",
    "min_dominator_size": "partition",
    "segments": "partition",
    "reduce_to_matmul": "reduction",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    # lazy, so that the finite-field checks do not load the game engine (numba)
    if name in _WHERE:
        return getattr(importlib.import_module(f"redblue.analysis.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'redblue.analysis' has no attribute {name!r}")
