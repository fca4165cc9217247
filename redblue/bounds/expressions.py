"""Safe reading of bound expressions: text to sympy without running any Python.

``sympy.sympify`` evaluates its input as Python, so a crafted argument such as
``__import__('os').system('touch x')`` runs. Here the text is only *parsed*
(``ast.parse(..., mode="eval")``) and the syntax tree is walked, admitting:

* integer and float literals (no complex, bool or string; at most ``MAX_LITERAL_BITS``);
* names from an allowed set of variables (each a positive sympy ``Symbol``);
* unary ``+``/``-``, binary ``+ - * / **`` (``^`` is read as ``**``), parentheses;
* calls of :data:`FUNCTIONS`: ``Min``/``min``, ``Max``/``max``, ``sqrt``, ``log(x)`` and
  ``log(x, base)``, ``ceiling``/``ceil``, ``floor``;
* one comparison (``>= <= > < ==``) at the top, where a relation is asked for.

Everything else (attributes, subscripts, lambdas, keywords, strings, ...) is refused with
an :class:`~redblue.errors.InvalidInputError` of one line naming the offending piece.
The sympy objects are built here (``sympy.Integer``, ``sympy.Min``, ...). Limits keep
every input fast: the text length (``ast.parse`` itself recurses on deep nesting), the
nesting depth, literal sizes, constant exponents (``10**10**10`` would never finish) and
the size of an evaluated constant power.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

import sympy

from redblue.errors import InvalidInputError

__all__ = [
    "DEFAULT_VARIABLES",
    "FUNCTIONS",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "as_sympy",
    "evaluate",
    "parse_expression",
    "parse_relation",
]

#: Longest text accepted (characters); about 3000 nested unary signs overflow ``ast.parse``.
MAX_LENGTH = 1000
#: Deepest nesting of the expression tree (chains of ``+ - * /`` count as one level).
MAX_DEPTH = 50
#: Largest literal: 333 bits, i.e. integers of up to 100 decimal digits.
MAX_LITERAL_BITS = 333
#: Largest numerator and denominator of a constant exponent.
MAX_EXPONENT = 1000
#: Largest constant, in bits (about 3,900 decimal digits: Python refuses to print an
#: integer of more than 4,300 digits, and the CLI prints what it read).
MAX_CONSTANT_BITS = 13_000
#: Most arguments of one ``Min`` or ``Max``.
MAX_ARGS = 32

#: The variable names accepted by default: the paper's N, d, M and the symbols the
#: proof scripts and the matmul bounds use.
DEFAULT_VARIABLES = frozenset(
    ("N", "d", "M", "m", "k", "n", "q", "Q", "B", "P", "S", "T", "E", "I", "O", "h", "r",
     "t", "u", "x", "y", "N_", "beta")
)  # fmt: skip


def _min(*args: sympy.Expr) -> sympy.Expr:
    return _extremum(sympy.Min, args)


def _max(*args: sympy.Expr) -> sympy.Expr:
    return _extremum(sympy.Max, args)


def _extremum(fn: type, args: tuple[sympy.Expr, ...]) -> sympy.Expr:
    # sympy simplifies a symbolic Min/Max by comparing every pair of arguments under the
    # assumptions, seconds for 30 of them; constants alone are compared cheaply
    if all(a.is_number for a in args):
        return fn(*args)
    return fn(*args, evaluate=False)


#: Callable names: name -> (sympy function, fewest arguments, most arguments).
FUNCTIONS: dict[str, tuple[Callable[..., sympy.Expr], int, int]] = {
    "Min": (_min, 1, MAX_ARGS),
    "min": (_min, 1, MAX_ARGS),
    "Max": (_max, 1, MAX_ARGS),
    "max": (_max, 1, MAX_ARGS),
    "sqrt": (sympy.sqrt, 1, 1),
    "log": (sympy.log, 1, 2),
    "ceiling": (sympy.ceiling, 1, 1),
    "ceil": (sympy.ceiling, 1, 1),
    "floor": (sympy.floor, 1, 1),
}

_FUNCTION_LIST = ", ".join(FUNCTIONS)
_RELATIONS = {ast.GtE: sympy.Ge, ast.LtE: sympy.Le, ast.Gt: sympy.Gt, ast.Lt: sympy.Lt,
              ast.Eq: sympy.Eq}  # fmt: skip
_CHAIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
    ast.Starred: "starred argument", ast.JoinedStr: "f-string", ast.IfExp: "conditional",
    ast.BoolOp: "and/or", ast.NamedExpr: "assignment", ast.Tuple: "tuple", ast.List: "list",
    ast.Dict: "dict", ast.Set: "set", ast.ListComp: "comprehension",
    ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "generator", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Slice: "slice",
}  # fmt: skip


class _Reader:
    """One parse: the text (to quote the offending piece) and the allowed names."""

    def __init__(self, text: str, variables: frozenset[str]):
        self.text = text
        self.variables = variables

    def piece(self, node: ast.AST) -> str:
        seg = ast.get_source_segment(self.text, node) or type(node).__name__
        seg = " ".join(seg.split())  # one line, whatever the input held
        return repr(seg if len(seg) <= 40 else seg[:37] + "...")

    def fail(self, node: ast.AST, why: str) -> InvalidInputError:
        piece, whole = self.piece(node), _short(self.text)
        where = "" if piece == whole else f" in {whole}"
        return InvalidInputError(f"cannot read {piece}{where}: {why}")

    # ------------------------------------------------------------------ the walk
    def expr(self, node: ast.AST, depth: int) -> sympy.Expr:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -self.expr(node.operand, depth + 1)
            raise self.fail(node, "only unary + and - are allowed")
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare):
            raise self.fail(node, "a comparison is allowed only as the whole relation")
        what = _REFUSED.get(type(node), type(node).__name__)
        raise self.fail(node, f"{what} is not allowed")

    def constant(self, node: ast.Constant) -> sympy.Expr:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            kind = "complex number" if isinstance(v, complex) else type(v).__name__
            raise self.fail(node, f"{kind} literal is not allowed (numbers only)")
        if isinstance(v, int):
            if v.bit_length() > MAX_LITERAL_BITS:
                raise self.fail(node, "integer literal longer than 100 digits")
            return sympy.Integer(v)
        if not math.isfinite(v):
            raise self.fail(node, "float literal is not finite")
        return sympy.Float(v)

    def name(self, node: ast.Name) -> sympy.Expr:
        if node.id in self.variables:
            return sympy.Symbol(node.id, positive=True)
        if node.id in FUNCTIONS:
            raise self.fail(node, f"function {node.id} must be called, e.g. {node.id}(N)")
        known = ", ".join(sorted(self.variables, key=lambda v: (v.lower(), v)))
        raise self.fail(node, f"unknown name (variables: {known})")

    def binop(self, node: ast.BinOp, depth: int) -> sympy.Expr:
        # a left-leaning chain a + b - c * d ... is walked in a loop, not by recursion,
        # so a long sum is not mistaken for deep nesting
        chain: list[ast.BinOp] = []
        left: ast.AST = node
        while isinstance(left, ast.BinOp) and isinstance(left.op, _CHAIN_OPS):
            chain.append(left)
            left = left.left
        if not chain:  # a power (or a refused operator) at the top
            if not isinstance(node.op, ast.Pow):
                raise self.fail(node, f"operator {_op_name(node.op)} is not allowed")
            base = self.expr(node.left, depth + 1)
            return self.power(node, base, self.expr(node.right, depth + 1))
        acc = self.expr(left, depth + 1)
        for link in reversed(chain):
            right = self.expr(link.right, depth + 1)
            acc = self.apply(link, acc, right)
        return acc

    def apply(self, node: ast.BinOp, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
        try:
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            return a / b
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise self.fail(node, str(exc).splitlines()[0] if str(exc) else "undefined") from None

    def power(self, node: ast.BinOp, base: sympy.Expr, exp: sympy.Expr) -> sympy.Expr:
        if exp.is_Number:
            if exp.is_Rational:
                ok = abs(exp.p) <= MAX_EXPONENT and exp.q <= MAX_EXPONENT
            else:
                ok = abs(float(exp)) <= MAX_EXPONENT
            if not ok:
                why = f"numerator and denominator at most {MAX_EXPONENT}"
                raise self.fail(node, f"constant exponent {exp} too large ({why})")
            bits = _power_bits(base, exp)
            if bits > MAX_CONSTANT_BITS:
                raise self.fail(node, f"constant power too large (~{bits} bits)")
        try:
            return sympy.Pow(base, exp)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise self.fail(node, str(exc).splitlines()[0] if str(exc) else "undefined") from None

    def call(self, node: ast.Call, depth: int) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, f"only the functions {_FUNCTION_LIST} may be called")
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(node.func, f"unknown function (allowed: {_FUNCTION_LIST})")
        if node.keywords:
            raise self.fail(node, "keyword arguments are not allowed")
        fn, low, high = FUNCTIONS[name]
        if not low <= len(node.args) <= high:
            want = f"{low}" if low == high else f"{low} to {high}"
            raise self.fail(node, f"{name} takes {want} arguments, not {len(node.args)}")
        args = [self.expr(a, depth + 1) for a in node.args]
        try:
            return fn(*args)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise self.fail(node, str(exc).splitlines()[0] if str(exc) else "undefined") from None

    def relation(self, node: ast.Compare) -> sympy.core.relational.Relational:
        if len(node.ops) != 1:
            raise self.fail(node, "chained comparison; give one relation at a time")
        op = type(node.ops[0])
        if op not in _RELATIONS:
            raise self.fail(node, "comparison must be one of >=, <=, >, <, ==")
        lhs = self.expr(node.left, 1)
        rhs = self.expr(node.comparators[0], 1)
        # unevaluated: "1 >= 2" stays a relation, so callers see what was written
        return _RELATIONS[op](lhs, rhs, evaluate=False)


def _power_bits(base: sympy.Expr, exp: sympy.Expr) -> int:
    """About how many bits ``base**exp`` takes once sympy evaluates it (0: stays small or
    symbolic). A rational power is computed exactly, so its size is bounded before it is
    built; a power of another constant (``sqrt(2)**k`` becomes ``2**(k/2)``) may be too."""
    if not (base.is_number and exp.is_Number) or base in (0, 1, -1) or abs(exp) <= 1:
        return 0
    if base.is_Rational:
        per_unit = max(int(base.p).bit_length(), int(base.q).bit_length())
    else:
        per_unit = 1  # at least a bit per unit of exponent, the size of 2**exp
    size = abs(float(exp)) * per_unit
    return int(size) if size < 2**62 else 2**62


def evaluate(expr: sympy.Expr, point: Mapping[str, int]) -> sympy.Expr:
    """``expr`` with each variable replaced by its value in ``point``, evaluated exactly,
    with every constant power kept to :data:`MAX_CONSTANT_BITS` bits.

    ``xreplace`` alone would compute ``3**(3**(3**27))`` for ``M**M**M**M`` at M = 3 and
    never finish; here the tree is rebuilt from the leaves and a power is sized before it
    is computed.

    Parameters
    ----------
    expr : sympy.Expr
        An expression, typically from :func:`parse_expression`.
    point : mapping of str to int
        Values of the variables, by name; variables not in it stay symbolic.

    Returns
    -------
    sympy.Expr
        The value (a number when ``point`` covers every variable).

    Raises
    ------
    InvalidInputError
        When a power at this point would exceed :data:`MAX_CONSTANT_BITS` bits.

    Examples
    --------
    >>> evaluate(parse_expression("N**2*d/sqrt(M)"), {"N": 4, "d": 2, "M": 16})
    8
    >>> try:
    ...     evaluate(parse_expression("M**M**M**M"), {"M": 3})
    ... except InvalidInputError as exc:
    ...     print(str(exc)[:39])
    M**(M**(M**M)) at M=3: a power of about
    """
    where = ", ".join(f"{k}={v}" for k, v in sorted(point.items()) if k in
                      {s.name for s in expr.free_symbols})  # fmt: skip

    def walk(e: sympy.Basic) -> sympy.Basic:
        if isinstance(e, sympy.Symbol):
            return sympy.Integer(point[e.name]) if e.name in point else e
        if not e.args:
            return e
        args = [walk(a) for a in e.args]
        if isinstance(e, sympy.Pow):
            bits = _power_bits(args[0], args[1])
            if bits > MAX_CONSTANT_BITS:
                raise InvalidInputError(
                    f"{expr} at {where}: a power of about {bits:,} bits "
                    f"(more than {MAX_CONSTANT_BITS:,})"
                )
        return e.func(*args)

    return walk(expr)


def _op_name(op: ast.operator) -> str:
    names = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
             ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}  # fmt: skip
    return names.get(type(op), type(op).__name__)


def _short(text: str) -> str:
    one = " ".join(text.split())
    return repr(one if len(one) <= 60 else one[:57] + "...")


def _check_value(out: sympy.Basic, text: str) -> None:
    bad = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)
    if any(out.has(b) for b in bad):
        raise InvalidInputError(f"{_short(text)} is undefined or infinite (division by 0, log(0)?)")
    # sympy writes (-8)**(1/3) as 2*(-1)**(1/3): complex without an I
    odd_root = any(p.base.is_negative and not p.exp.is_integer for p in out.atoms(sympy.Pow))
    if out.has(sympy.I) or odd_root:
        raise InvalidInputError(f"{_short(text)} is not real (a root or log of a negative?)")
    for c in out.atoms(sympy.Rational):
        if max(int(c.p).bit_length(), int(c.q).bit_length()) > MAX_CONSTANT_BITS:
            raise InvalidInputError(f"{_short(text)} holds a constant of more than 3,900 digits")


def _read(text: Any, variables: Iterable[str] | None, relation: bool | None) -> sympy.Basic:
    if not isinstance(text, str):
        raise InvalidInputError(f"expected an expression as text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise InvalidInputError(f"expression longer than {MAX_LENGTH} characters")
    source = text.replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise InvalidInputError(f"cannot parse {_short(text)}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):  # null bytes; nesting beyond the parser
        raise InvalidInputError(f"cannot parse {_short(text)}") from None
    names = frozenset(DEFAULT_VARIABLES if variables is None else variables)
    reader = _Reader(source, names)
    body = tree.body
    if isinstance(body, ast.Compare):
        if relation is False:
            raise reader.fail(body, "expected an expression, not a relation")
        out: sympy.Basic = reader.relation(body)
    else:
        if relation is True:
            raise InvalidInputError(f"{_short(text)} is not a relation like 'M >= d**2'")
        out = reader.expr(body, 1)
    _check_value(out, text)
    return out


def parse_expression(text: str, variables: Iterable[str] | None = None) -> sympy.Expr:
    """The sympy expression written in ``text``, read without evaluating Python.

    Parameters
    ----------
    text : str
        E.g. ``"Min(N^2*d/sqrt(M), N**2*d**2/M)"`` (``^`` is a power).
    variables : iterable of str, optional
        The names allowed as variables (default :data:`DEFAULT_VARIABLES`); each becomes
        ``sympy.Symbol(name, positive=True)``.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    InvalidInputError
        On anything outside the grammar of the module docstring, with one line naming the
        offending piece; on text longer than :data:`MAX_LENGTH`, nesting deeper than
        :data:`MAX_DEPTH`, oversized literals or powers; on an undefined or complex value.

    Examples
    --------
    >>> parse_expression("N^2*d/sqrt(M)")
    N**2*d/sqrt(M)
    >>> parse_expression("N.real")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: cannot read 'N.real': attribute access is not allowed
    """
    return _read(text, variables, relation=False)


def parse_relation(
    text: str, variables: Iterable[str] | None = None
) -> sympy.core.relational.Relational:
    """The relation written in ``text`` (one of ``>= <= > < ==``), left unevaluated.

    Parameters
    ----------
    text : str
        E.g. ``"M >= d**2"`` or ``"Q >= N^2*d^2/M"``.
    variables : iterable of str, optional
        As in :func:`parse_expression`.

    Returns
    -------
    sympy.core.relational.Relational
        Unevaluated, so ``"1 >= 2"`` stays a relation (``.subs`` or ``bool`` decide it).

    Raises
    ------
    InvalidInputError
        As :func:`parse_expression`; also when the text is not a single comparison
        (``"1 <= N <= M"`` is refused).

    Examples
    --------
    >>> parse_relation("M >= d^2")
    M >= d**2
    >>> parse_relation("2 >= 3")
    2 >= 3
    """
    return _read(text, variables, relation=True)


#: What a relation may be: a comparison, or one sympy has already decided.
_RELATION_TYPES = (sympy.core.relational.Relational, sympy.logic.boolalg.BooleanAtom)


def _not_an_expression(obj: Any) -> InvalidInputError:
    kind = type(obj).__name__
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return InvalidInputError(f"cannot use {article} {kind} as an expression")


def as_sympy(
    obj: Any, variables: Iterable[str] | None = None, relation: bool | None = None
) -> sympy.Basic:
    """A sympy object from text (read by the parser) or a number or sympy object.

    Parameters
    ----------
    obj : str, int, float, fractions.Fraction or sympy.Basic
        Text goes through :func:`parse_expression` (or :func:`parse_relation`); other
        objects are converted without ever parsing a string.
    variables : iterable of str, optional
        Allowed names in text (default :data:`DEFAULT_VARIABLES`).
    relation : bool or None
        True: a relation is required; False: an expression is required; None: either.

    Returns
    -------
    sympy.Basic

    Raises
    ------
    InvalidInputError
        On text the parser refuses; on an object that is not a number, a sympy expression
        or a sympy relation (``sympy.true`` and ``sympy.false`` count as decided
        relations), such as a tuple, list, dict, set, range or matrix; on a relation where
        an expression is required, and the other way round.

    Examples
    --------
    >>> as_sympy("N >= 2*M")
    N >= 2*M
    >>> as_sympy(Fraction(1, 3))
    1/3
    >>> as_sympy((1, 2))
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: cannot use a tuple as an expression
    """
    if isinstance(obj, str):
        return _read(obj, variables, relation)
    if isinstance(obj, bool):
        raise InvalidInputError(f"expected an expression, got the boolean {obj}")
    if isinstance(obj, Fraction):
        return sympy.Rational(obj.numerator, obj.denominator)
    if isinstance(obj, float) and not math.isfinite(obj):
        raise InvalidInputError(f"expected a finite number, got {obj}")
    try:
        # strict: never falls back to parsing str(obj)
        out = sympy.sympify(obj, strict=True)
    except (sympy.SympifyError, TypeError, ValueError):
        raise _not_an_expression(obj) from None
    # sympify makes containers of tuples, dicts, sets and ranges (sympy.Tuple, ...), and
    # matrices are sympy expressions: none is a bound, so refuse them here, not later
    is_relation = isinstance(out, _RELATION_TYPES)
    is_expr = isinstance(out, sympy.Expr) and not getattr(out, "is_Matrix", False)
    if not (is_relation or is_expr):
        raise _not_an_expression(obj)
    if relation is False and is_relation:
        raise InvalidInputError(f"expected an expression, not the relation {_short(str(out))}")
    if relation is True and not is_relation:
        raise InvalidInputError(f"{_short(str(out))} is not a relation like 'M >= d**2'")
    return out
