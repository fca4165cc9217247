"""Bounds: the paper's results as sympy expressions, explicit-constant lower bounds the
project proves, and exact asymptotic comparison by linear programming on exponents.

- :mod:`~redblue.bounds.results`: :data:`RESULTS` (each result of Saha & Ye with regime
  and class), :data:`ALGORITHMS` (the algorithms' I/O counts);
- :mod:`~redblue.bounds.explicit`: lower bounds with every constant derived;
- :mod:`~redblue.bounds.compare`: :func:`compare` (O / Omega / Theta with witnesses);
- :mod:`~redblue.bounds.proof`: the runner of ``proofs/*.py`` and ``redblue prove``.
"""

from redblue.bounds import explicit
from redblue.bounds.compare import Comparison, compare, is_O, is_Omega, is_Theta
from redblue.bounds.results import ALGORITHMS, RESULTS, M, N, Result, d, in_regime, q, result

__all__ = [
    "explicit",
    "Comparison",
    "compare",
    "is_O",
    "is_Omega",
    "is_Theta",
    "ALGORITHMS",
    "RESULTS",
    "Result",
    "result",
    "in_regime",
    "N",
    "d",
    "M",
    "q",
]
