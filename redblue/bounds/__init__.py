"""Bounds: the paper's results as sympy expressions, explicit-constant lower bounds the
project proves, and exact asymptotic comparison by linear programming on exponents.

- :mod:`~redblue.bounds.results`: :data:`RESULTS` (each result of Saha & Ye with regime
  and class), :data:`ALGORITHMS` (the algorithms' I/O counts);
- :mod:`~redblue.bounds.explicit`: lower bounds with every constant derived;
- :mod:`~redblue.bounds.backward`: the attention backward pass (Li et al.), its regimes;
- :mod:`~redblue.bounds.expressions`: :func:`parse_expression`, :func:`parse_relation`
  (text to sympy through an ``ast`` whitelist, never evaluated as Python);
- :mod:`~redblue.bounds.region`: the region of monomial assumptions, emptiness decided
  exactly;
- :mod:`~redblue.bounds.forms`: max-min forms (expressions up to constants as exponents);
- :mod:`~redblue.bounds.compare`: :func:`compare` (O / Omega / Theta with witnesses);
- :mod:`~redblue.bounds.proof`: the runner of ``proofs/*.py`` and ``redblue prove``.
"""

from redblue.bounds import backward, explicit
from redblue.bounds.compare import Comparison, compare, is_O, is_Omega, is_Theta
from redblue.bounds.expressions import parse_expression, parse_relation
from redblue.bounds.results import ALGORITHMS, RESULTS, M, N, Result, d, in_regime, q, result

__all__ = [
    "backward",
    "explicit",
    "Comparison",
    "compare",
    "is_O",
    "is_Omega",
    "is_Theta",
    "parse_expression",
    "parse_relation",
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
