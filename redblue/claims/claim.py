"""A claim about I/O: its subject (the optimum or a schedule), its relation and its bound.

The grammar is small on purpose::

    claim   := subject op expression
    subject := "Q" | "io(" algorithm ")"
    op      := ">=" | ">" | "<=" | "<" | "=="

``Q`` is the optimal I/O Q(G, M) of the classic red-blue pebble game; ``io(flash2)`` the
I/O of a schedule. The expression is read by the safe parser of
:mod:`redblue.bounds.expressions` (never evaluated as Python) over the variables ``N``, ``d``
and ``M`` (and ``Nq``, ``H``, ``Hkv`` on decode and grouped-query instances).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy

from redblue.bounds.expressions import evaluate, parse_expression
from redblue.errors import InvalidInputError

__all__ = ["Claim", "SUBJECT_ALGORITHMS", "VARIABLES", "parse_claim"]

#: The schedules a claim may name in ``io(...)``.
SUBJECT_ALGORITHMS = ("flash1", "flash2", "standard", "tiling", "greedy")
#: The variables a claim's bound may use: ``Nq`` (decode rows), ``H`` and ``Hkv`` (query
#: and key/value heads) only on the instances of those variants.
VARIABLES = ("N", "d", "M", "Nq", "H", "Hkv")

_OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}
_CLAIM = re.compile(
    r"^\s*(Q|io\s*\(\s*([A-Za-z0-9_]+)\s*\))\s*(>=|<=|==|>|<)(?![=<>])\s*(\S.*?)\s*$", re.DOTALL
)


@dataclass(frozen=True)
class Claim:
    """A parsed claim.

    Attributes
    ----------
    text : str
        The claim as written.
    subject : str
        ``"Q"`` for the optimum, else the schedule's name.
    op : str
        One of ``>=``, ``>``, ``<=``, ``<``, ``==``.
    bound : sympy.Expr
        The right-hand side, over positive symbols N, d, M.
    """

    text: str
    subject: str
    op: str
    bound: sympy.Expr

    @property
    def about_optimum(self) -> bool:
        """Whether the claim is about Q(G, M) (else about a schedule's I/O)."""
        return self.subject == "Q"

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables the bound uses, sorted."""
        return tuple(sorted(s.name for s in self.bound.free_symbols))

    def value(self, point: Mapping[str, int]) -> sympy.Expr:
        """The bound at ``point`` (exact: an integer, rational or algebraic number).

        Raises
        ------
        InvalidInputError
            If the bound uses a variable ``point`` lacks, or is not a finite real number
            there (a division by zero, the log of zero, ...), or a power in it would take
            more than ``MAX_CONSTANT_BITS`` bits (``M**M**M**M`` at M = 3).
        """
        missing = [v for v in self.variables if v not in point]
        if missing:
            raise InvalidInputError(
                f"the claim {self.text!r} uses {', '.join(missing)}, which these instances "
                f"do not define (they define {', '.join(sorted(point)) or 'nothing'})"
            )
        value = evaluate(self.bound, point)
        if not (value.is_real and value.is_finite):
            where = ", ".join(f"{k}={v}" for k, v in sorted(point.items()))
            raise InvalidInputError(
                f"the bound of {self.text!r} is not a finite real number at {where}: {value}"
            )
        return value

    def holds(self, io: int, value: sympy.Expr) -> bool:
        """Whether ``io op value`` is true, decided exactly: by the sign of
        ``io - value``, which sympy settles for algebraic numbers to any precision needed
        (never by a float tolerance).

        Raises
        ------
        InvalidInputError
            In the rare case sympy cannot settle the sign even after simplifying.
        """
        sign = _sign(sympy.Integer(io) - value)
        if sign is None:
            raise InvalidInputError(f"cannot decide {io} {self.op} {value} exactly")
        return _OPS[self.op](sign, 0)


def _sign(x: sympy.Expr) -> int | None:
    for candidate in (x, sympy.simplify(x)):
        if candidate.is_zero:
            return 0
        if candidate.is_positive:
            return 1
        if candidate.is_negative:
            return -1
    return None


def parse_claim(text: str) -> Claim:
    """Parse ``"Q >= EXPR"`` or ``"io(ALG) <= EXPR"``.

    Parameters
    ----------
    text : str

    Returns
    -------
    Claim

    Raises
    ------
    InvalidInputError
        On any other shape, an unknown schedule, a variable other than N, d, M, or an
        expression the safe parser refuses.

    Examples
    --------
    >>> c = parse_claim("Q >= N**2*d**2/(8*M)")
    >>> c.subject, c.op, c.variables
    ('Q', '>=', ('M', 'N', 'd'))
    >>> c.value({"N": 4, "d": 2, "M": 8})
    1
    >>> parse_claim("io(flash2) <= 4*N*d").subject
    'flash2'
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"a claim is a string such as 'Q >= N*d', got {text!r}")
    match = _CLAIM.match(text)
    if match is None:
        raise InvalidInputError(
            f"cannot read the claim {text!r}: expected 'Q OP EXPR' or 'io(ALG) OP EXPR' "
            f"with OP one of >=, >, <=, <, =="
        )
    head, algorithm, op, rhs = match.groups()
    subject = "Q" if algorithm is None else algorithm
    if subject != "Q" and subject not in SUBJECT_ALGORITHMS:
        raise InvalidInputError(
            f"unknown schedule io({subject}) (expected one of {', '.join(SUBJECT_ALGORITHMS)})"
        )
    bound = parse_expression(rhs, variables=VARIABLES)
    return Claim(text.strip(), subject, op, bound)
