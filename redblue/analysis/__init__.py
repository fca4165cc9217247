"""Predicates on concrete strategies and instances behind the paper's proofs.

- :mod:`~redblue.analysis.partition`: Hong-Kung partitions from a strategy (Lemma 2.7),
  Lemma 3.3's root counting, the Loomis-Whitney count for matmul, Lemma 4.1's epochs;
- :mod:`~redblue.analysis.normalize`: useless moves removed, the form Lemma 2.7 needs;
- :mod:`~redblue.analysis.walks`: random valid strategies (a random walk over legal moves);
- :mod:`~redblue.analysis.controls`: strategies and parts that break one hypothesis;
- :mod:`~redblue.analysis.extremal`: the largest part of a 2M-partition over all parts
  (Lemmas 3.3 and 3.6), by an integer program or enumeration;
- :mod:`~redblue.analysis.reduction`: Theorem 3.7's reduction as a strategy transformation;
- :mod:`~redblue.analysis.fields`: Vandermonde and BCH independence, Lemma 4.6's counts;
- :mod:`~redblue.analysis.formulas`: the explicit bounds rebuilt in sympy from their
  derivations;
- :mod:`~redblue.analysis.measures`: replayed and counted schedule I/O on grids;
- :mod:`~redblue.analysis.bound_grid`: a bound against a grid of instances, failing when
  violated or vacuous;
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
    "normalize": "normalize",
    "is_normalized": "normalize",
    "random_strategy": "walks",
    "max_part": "extremal",
    "certify": "extremal",
    "check_bound_on_grid": "bound_grid",
    "check_explicit": "formulas",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    # lazy, so that the finite-field checks do not load the game engine (numba)
    if name in _WHERE:
        return getattr(importlib.import_module(f"redblue.analysis.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'redblue.analysis' has no attribute {name!r}")
