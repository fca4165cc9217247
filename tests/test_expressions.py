"""The expression parser: text is parsed, never evaluated; bad input is one line, fast.

Every entry of the corpus goes through the library (parse_expression, compare, the
regime check, the proof helpers) and the command line, and must raise
InvalidInputError with a one-line message within a second, creating no file. The
payloads are live: ``sympy.sympify`` (what the code used before) runs them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from fractions import Fraction

import numpy as np
import pytest
import sympy

from redblue.bounds.compare import compare, parse
from redblue.bounds.expressions import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_LITERAL_BITS,
    as_sympy,
    evaluate,
    parse_expression,
    parse_relation,
)
from redblue.bounds.proof import Proof
from redblue.bounds.results import in_regime
from redblue.cli import main
from redblue.errors import InvalidInputError

CANARY = "CANARY"  # replaced by a path under tmp_path

# code that writes CANARY if evaluated as Python (most of them through sympify too)
PAYLOADS = [
    "__import__('os').system('touch CANARY')",
    "Symbol.__new__.__globals__['__builtins__']['open']('CANARY', 'w').write('x')",
    "S.__class__.__call__.__globals__['__builtins__']['__import__']('os').system('touch CANARY')",
    "(lambda: __import__('os').system('touch CANARY'))()",
    "Min(N, __import__('os').system('touch CANARY') + 1)",
    "open('CANARY', 'w').write('x') + N",
    "exec(\"open('CANARY', 'w').write('x')\")",
    "eval(\"open('CANARY', 'w').write('x')\")",
    "N if __import__('os').system('touch CANARY') else d",
    "N >= __import__('os').system('touch CANARY')",
    "(x := __import__('os').system('touch CANARY'))",
    "[c for c in ().__class__.__base__.__subclasses__()][0]",
    "sqrt(N).__class__.__init__.__globals__",
    "Min(*[__import__('os').system('touch CANARY')])",
    "sqrt(x=__import__('os').system('touch CANARY'))",
    "f\"{__import__('os').system('touch CANARY')}\"",
    "getattr(N, 'subs')",
    "N.subs(N, 1)",
    "__builtins__",
    "[N][0]",
    "{'a': N}",
    "(N, d)",
]

# input that is not code but must still be refused, quickly and in one line
MALFORMED = [
    "",
    "   ",
    "N +",
    "((d",
    "N\x00",
    "N\nd",
    "N = M",
    "'N'",
    "b'N'",
    "1j",
    "True",
    "None",
    "...",
    "N // 2",
    "N % 2",
    "N @ d",
    "N << 1",
    "N & d",
    "~N",
    "not N",
    "N and d",
    "N != M",
    "N is M",
    "N in M",
    "1 <= N <= M",
    "exp(N)",
    "pi",
    "oo",
    "zoo",
    "Symbol('N')",
    "sqrt",
    "Min()",
    "sqrt(N, d)",
    "log(N, 2, 3)",
    "Min(" + ",".join(["N"] * 40) + ")",
    "1/0",
    "log(0)",
    "sqrt(-1)",
    "(-8)**(1/3)",
    "log(-2)",
    "1e999",
    "9" * 101,
    "10**10**10",
    "9**9**9**9",
    "2**(10**1000)",
    "(10**100)**1000",
    "N**(1/1001)",
    "(" * 10000,
    "sqrt(" * 60 + "N" + ")" * 60,
    "-(" * 100 + "N" + ")" * 100,
    "-" * 999 + "N",
    "N" + "**N" * 300,
    "Min(" * 60 + "N" + ")" * 60,
    "N" + "+N" * 600,
    "+" * 5000 + "1",
]


def _corpus(tmp_path):
    canary = tmp_path / "canary"
    texts = [p.replace(CANARY, str(canary)) for p in PAYLOADS] + MALFORMED
    return canary, texts


def _refused(fn, text):
    """fn(text) raises InvalidInputError with one line, within a second."""
    start = time.perf_counter()
    with pytest.raises(InvalidInputError) as info:
        fn(text)
    elapsed = time.perf_counter() - start
    message = str(info.value)
    assert message and "\n" not in message and "\r" not in message, repr(message)
    assert elapsed < 1.0, f"{elapsed:.2f} s for {text[:60]!r}"
    return message


def test_the_payloads_are_live(tmp_path):
    # the corpus is real: sympify, what compare used before, runs these and writes a file
    canary = tmp_path / "canary"
    live = [p.replace(CANARY, str(canary)) for p in PAYLOADS[:4]]
    ran = 0
    for text in live:
        canary.unlink(missing_ok=True)
        try:
            sympy.sympify(text)
        except Exception:  # noqa: S110 - only the side effect matters here
            pass
        ran += canary.exists()
    if ran == 0:
        pytest.skip("this sympy no longer runs the payloads")
    assert ran >= 2


def test_library_refuses_the_corpus(tmp_path):
    canary, texts = _corpus(tmp_path)
    for text in texts:
        _refused(parse_expression, text)
        _refused(lambda t: compare(t, "N"), text)
        _refused(lambda t: compare("N", "d", [t]), text)
        _refused(lambda t: in_regime((t,), N=1, d=1, M=1), text)
        _refused(lambda t: Proof("x", "x", "x").identity("step", t, "N"), text)
        _refused(lambda t: Proof("x", "x", "x").nonneg("step", t), text)
    assert not canary.exists()


def test_cli_refuses_the_corpus_in_one_line(tmp_path, capsys):
    canary, texts = _corpus(tmp_path)
    for text in texts:
        for argv in (["bounds", "compare", text, "N"], ["bounds", "compare", "N", "d",
                                                         "--assume", text]):
            if text.startswith("-"):  # argparse would read it as an option
                argv = [a if a != text else f"({text})" for a in argv]
            start = time.perf_counter()
            assert main(argv) == 2, text
            assert time.perf_counter() - start < 1.0, text
            captured = capsys.readouterr()
            assert captured.out == ""
            lines = captured.err.splitlines()
            assert len(lines) == 1 and lines[0].startswith("redblue"), captured.err
    assert not canary.exists()


# a process each (a second apiece): by default the nesting one, for what only a process
# shows (its exit code, nothing else on stderr); the payloads themselves reach the same
# main() in this process in test_cli_refuses_the_corpus_in_one_line
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["compare", PAYLOADS[0], "N"], marks=pytest.mark.slow),
        pytest.param(["compare", "N", "d", "--assume", PAYLOADS[1]], marks=pytest.mark.slow),
        ["compare", "(" * 10000, "N"],
    ],
    ids=["payload", "payload-assume", "nesting"],
)
def test_the_installed_command_refuses_payloads(tmp_path, argv):
    canary = tmp_path / "canary"
    argv = [a.replace(CANARY, str(canary)) for a in argv]
    done = subprocess.run([sys.executable, "-m", "redblue", "bounds", *argv],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("redblue bounds compare: error: ")
    assert not canary.exists()


def test_messages_name_the_offending_piece():
    assert "attribute access" in _refused(parse_expression, "N.real")
    msg = _refused(parse_expression, "Min(N, d) + __import__('os')")
    assert "'__import__'" in msg and "unknown function" in msg
    assert "'lambda: 1'" in _refused(parse_expression, "(lambda: 1)()")
    assert "subscript" in _refused(parse_expression, "N + x[0]")
    assert "keyword" in _refused(parse_expression, "min(N, key=d)")
    assert "chained" in _refused(parse_relation, "1 <= N <= M")
    assert "unknown name" in _refused(parse_expression, "N + secret")
    assert f"{MAX_LENGTH} characters" in _refused(parse_expression, "N" * (MAX_LENGTH + 1))
    assert f"{MAX_DEPTH} levels" in _refused(parse_expression, "sqrt(" * 60 + "N" + ")" * 60)
    assert "too large" in _refused(parse_expression, "10**10**10")
    assert "not a relation" in _refused(parse_relation, "N + d")
    assert "not a relation" in _refused(lambda t: compare("N", "d", [t]), "N + d")


GOOD = [
    ("N^2*d/sqrt(M)", "N**2*d/sqrt(M)"),
    ("N**2 * d**2 / M", "N**2*d**2/M"),
    ("min(N, d)", "Min(N, d)"),
    ("Max(N, Min(d, M))", "Max(N, Min(M, d))"),
    ("Min(2, 3) * N", "2*N"),
    ("log(N)", "log(N)"),
    ("log(N, 2)", "log(N)/log(2)"),
    ("ceil(N/2) + floor(d)", "ceiling(N/2) + floor(d)"),
    ("1.5*N", "1.5*N"),
    ("-(N - 2)", "2 - N"),
    ("+N", "N"),
    ("2^10", "1024"),
    ("(N + d)**(1/3)", "(N + d)**(1/3)"),
    ("N" + "+N" * 100, "101*N"),  # a long flat sum is not deep nesting
    ("(" * 150 + "N" + ")" * 150, "N"),  # parentheses alone make no nesting
]


@pytest.mark.parametrize("text,expected", GOOD)
def test_good_expressions(text, expected):
    out = parse_expression(text)
    assert str(out) == expected
    assert all(s.is_positive for s in out.free_symbols)


def test_relations_are_left_unevaluated_and_decide_at_a_point():
    rel = parse_relation("M >= d^2")
    assert isinstance(rel, sympy.GreaterThan) and str(rel) == "M >= d**2"
    assert str(parse_relation("1 >= 2")) == "1 >= 2"  # not collapsed to False
    M, d = sympy.symbols("M d", positive=True)
    assert rel.subs({M: 16, d: 4}) is sympy.true
    assert rel.subs({M: 15, d: 4}) is sympy.false
    for op, cls in [("<=", sympy.LessThan), (">", sympy.StrictGreaterThan),
                    ("<", sympy.StrictLessThan), ("==", sympy.Equality)]:  # fmt: skip
        assert isinstance(parse_relation(f"N {op} M"), cls)


def test_variables_can_be_restricted():
    assert str(parse_expression("N*d", variables={"N", "d"})) == "N*d"
    _refused(lambda t: parse_expression(t, variables={"N"}), "N*d")


def test_relations_and_text_objects_are_restricted_too():
    assert str(parse_relation("N >= d", variables={"N", "d"})) == "N >= d"
    msg = _refused(lambda t: parse_relation(t, variables={"N"}), "N >= d")
    assert msg == "cannot read 'd' in 'N >= d': unknown name (variables: N)"
    assert str(as_sympy("N*d", variables={"N", "d"})) == "N*d"
    _refused(lambda t: as_sympy(t, variables={"d"}), "N*d")


def test_big_but_bounded_constants_are_accepted():
    assert parse_expression("10**1000") == sympy.Integer(10) ** 1000
    assert compare("10**1000 * N", "N").Theta


def test_sympy_objects_and_numbers_pass_through_without_parsing(tmp_path):
    N = sympy.Symbol("N")  # not declared positive: parse makes it so
    assert parse(N**2) == sympy.Symbol("N", positive=True) ** 2
    assert as_sympy(Fraction(1, 3)) == sympy.Rational(1, 3)
    assert as_sympy(3) == 3 and as_sympy(0.5) == sympy.Float(0.5)
    canary = tmp_path / "canary"

    class Sneaky:  # text in disguise must not be parsed either
        def __str__(self):
            return f"__import__('os').system('touch {canary}')"

    for bad in (True, float("nan"), float("inf"), object(), Sneaky(), [1, 2]):
        _refused(as_sympy, bad)
    assert not canary.exists()


def test_parsing_is_fast():
    text = "2*N*d + 12*N**2*d**2/M + 16*N**2*d/M + Min(N^2*d/sqrt(M), N^2*d^2/M)"
    parse_expression(text)  # warm sympy's caches
    start = time.perf_counter()
    for _ in range(20):
        parse_expression(text)
    assert (time.perf_counter() - start) / 20 < 0.05


# ------------------------------------------------------------------ every message, exactly
_FNS = "Min, min, Max, max, sqrt, log, ceiling, ceil, floor"
_VARS = "B, beta, d, E, h, I, k, M, m, N, n, N_, O, P, Q, q, r, S, T, t, u, x, y"
MESSAGES = [
    ("N.real", "cannot read 'N.real': attribute access is not allowed"),
    ("x[0] + N", "cannot read 'x[0]' in 'x[0] + N': subscript is not allowed"),
    ("-~N", "cannot read '~N' in '-~N': only unary + and - are allowed"),
    ("N // d", "cannot read 'N // d': operator // is not allowed"),
    ("N % 2", "cannot read 'N % 2': operator % is not allowed"),
    ("N @ d", "cannot read 'N @ d': operator @ is not allowed"),
    ("N << 1", "cannot read 'N << 1': operator << is not allowed"),
    ("N >> 1", "cannot read 'N >> 1': operator >> is not allowed"),
    ("N | d", "cannot read 'N | d': operator | is not allowed"),
    ("N ^ 2 & d", "cannot read 'N ** 2 & d': operator & is not allowed"),
    ("'a' + N", "cannot read \"'a'\" in \"'a' + N\": str literal is not allowed (numbers only)"),
    ("True*N", "cannot read 'True' in 'True*N': bool literal is not allowed (numbers only)"),
    ("1j*N", "cannot read '1j' in '1j*N': complex number literal is not allowed (numbers only)"),
    ("1e400*N", "cannot read '1e400' in '1e400*N': float literal is not finite"),
    ("2**1001", "cannot read '2**1001': constant exponent 1001 too large "
                "(numerator and denominator at most 1000)"),
    ("2**(1/1001)", "cannot read '2**(1/1001)': constant exponent 1/1001 too large "
                    "(numerator and denominator at most 1000)"),
    ("N**(-1001)", "cannot read 'N**(-1001)': constant exponent -1001 too large "
                   "(numerator and denominator at most 1000)"),
    ("N**1000.5", "cannot read 'N**1000.5': constant exponent 1000.50000000000 too large "
                  "(numerator and denominator at most 1000)"),
    ("sqrt(N, d)", "cannot read 'sqrt(N, d)': sqrt takes 1 arguments, not 2"),
    ("log()", "cannot read 'log()': log takes 1 to 2 arguments, not 0"),
    ("Min()", "cannot read 'Min()': Min takes 1 to 32 arguments, not 0"),
    ("min(N, key=d)", "cannot read 'min(N, key=d)': keyword arguments are not allowed"),
    ("N.f(2)", f"cannot read 'N.f' in 'N.f(2)': only the functions {_FNS} may be called"),
    ("sqrt", "cannot read 'sqrt': function sqrt must be called, e.g. sqrt(N)"),
    ("foo(N)", f"cannot read 'foo' in 'foo(N)': unknown function (allowed: {_FNS})"),
    ("N + zz", f"cannot read 'zz' in 'N + zz': unknown name (variables: {_VARS})"),
    ("1/0", "'1/0' is undefined or infinite (division by 0, log(0)?)"),
    ("log(0)", "'log(0)' is undefined or infinite (division by 0, log(0)?)"),
    ("Min(N, 1/0)", "'Min(N, 1/0)' is undefined or infinite (division by 0, log(0)?)"),
    ("(-8)**(1/3)", "'(-8)**(1/3)' is not real (a root or log of a negative?)"),
    ("sqrt(-1)", "'sqrt(-1)' is not real (a root or log of a negative?)"),
    ("(N > d) + 1", "cannot read 'N > d' in '(N > d) + 1': "
                    "a comparison is allowed only as the whole relation"),
    ("N > d", "cannot read 'N > d': expected an expression, not a relation"),
    ("N+" + "a" * 50, f"cannot read '{'a' * 37}...' in 'N+{'a' * 50}': unknown name "
                      f"(variables: {_VARS})"),
    ("f(x)" * 20, f"cannot parse '{('f(x)' * 20)[:57]}...': invalid syntax"),
    ("N +\n\n  d +", "cannot parse 'N + d +': invalid syntax"),  # one line, whatever the input
    ("1" + "0" * 101, f"cannot read '{'1' + '0' * 36}...' in '{'1' + '0' * 56}...': "
                      "integer literal longer than 100 digits"),
]  # fmt: skip


@pytest.mark.parametrize("text,message", MESSAGES)
def test_each_refusal_says_exactly_what_and_where(text, message):
    with pytest.raises(InvalidInputError) as info:
        parse_expression(text)
    assert str(info.value) == message


RELATION_MESSAGES = [
    ("N + d", "'N + d' is not a relation like 'M >= d**2'"),
    ("N > d + 1 < M",
     "cannot read 'N > d + 1 < M': chained comparison; give one relation at a time"),
    ("N is d", "cannot read 'N is d': comparison must be one of >=, <=, >, <, =="),
    ("N != d", "cannot read 'N != d': comparison must be one of >=, <=, >, <, =="),
    ("N >= zz", f"cannot read 'zz' in 'N >= zz': unknown name (variables: {_VARS})"),
]  # fmt: skip


@pytest.mark.parametrize("text,message", RELATION_MESSAGES)
def test_each_relation_refusal_says_exactly_what(text, message):
    with pytest.raises(InvalidInputError) as info:
        parse_relation(text)
    assert str(info.value) == message


def test_limits_hold_at_their_boundary():
    # the limits themselves are accepted, one beyond is refused
    assert parse_expression("2**1000") == sympy.Integer(2) ** 1000
    assert parse_expression("N**(-1000)") == sympy.Symbol("N", positive=True) ** -1000
    assert parse_expression("N**(1/1000)") == sympy.Symbol("N", positive=True) ** sympy.Rational(
        1, 1000)  # fmt: skip
    assert str(parse_expression("N**1000.0")) == "N**1000.0"
    big = 2**MAX_LITERAL_BITS - 1  # MAX_LITERAL_BITS bits
    assert parse_expression(str(big)) == big
    _refused(parse_expression, str(big + 1))
    args = ", ".join(["N"] * 32)
    assert parse_expression(f"Min({args})") == sympy.Min(*[sympy.Symbol("N", positive=True)])
    _refused(parse_expression, f"Min({args}, N)")
    assert str(parse_expression("log(N, 2)")) == "log(N)/log(2)"
    _refused(parse_expression, "log(N, 2, 3)")
    # nesting: MAX_DEPTH levels are fine, one more is not
    assert parse_expression("sqrt(" * (MAX_DEPTH - 1) + "N" + ")" * (MAX_DEPTH - 1)).has(
        sympy.Symbol("N", positive=True))  # fmt: skip
    _refused(parse_expression, "sqrt(" * MAX_DEPTH + "N" + ")" * MAX_DEPTH)
    text = "N" + "+N" * ((MAX_LENGTH - 1) // 2)
    text += " " * (MAX_LENGTH - len(text))  # exactly MAX_LENGTH characters
    assert parse_expression(text) == (MAX_LENGTH + 1) // 2 * sympy.Symbol("N", positive=True)
    _refused(parse_expression, text + " ")
    # a constant power is refused past MAX_CONSTANT_BITS bits (13,000), counted as the
    # base's bit length times the exponent: 4096 has 13 bits, 8192 has 14
    assert parse_expression("(2**12)**1000") == sympy.Integer(2) ** 12000
    _refused(parse_expression, "(2**13)**1000")
    assert parse_expression("(1/2**12)**1000") == sympy.Rational(1, 2**12000)
    _refused(parse_expression, "(1/2**13)**1000")


# ------------------------------------------------- each refused construct and each limit
def _short_text(text):
    return repr(text if len(text) <= 60 else text[:57] + "...")


_BIG = "*".join(["2**1000"] * 14)  # 14,000 bits, each factor within the limits


REFUSED_KINDS = [
    ("lambda: 1", "cannot read 'lambda: 1': lambda is not allowed"),
    ("Min(*N)", "cannot read '*N' in 'Min(*N)': starred argument is not allowed"),
    ("f'{N}'", "cannot read \"f'{N}'\": f-string is not allowed"),
    ("N if d else M", "cannot read 'N if d else M': conditional is not allowed"),
    ("N or d", "cannot read 'N or d': and/or is not allowed"),
    ("(x := 1)", "cannot read 'x := 1' in '(x := 1)': assignment is not allowed"),
    ("(N, d)", "cannot read '(N, d)': tuple is not allowed"),
    ("[N]", "cannot read '[N]': list is not allowed"),
    ("{N: 1}", "cannot read '{N: 1}': dict is not allowed"),
    ("{N}", "cannot read '{N}': set is not allowed"),
    ("[N for N in d]", "cannot read '[N for N in d]': comprehension is not allowed"),
    ("{N for N in d}", "cannot read '{N for N in d}': comprehension is not allowed"),
    ("{N: N for N in d}", "cannot read '{N: N for N in d}': comprehension is not allowed"),
    ("(N for N in d)", "cannot read '(N for N in d)': generator is not allowed"),
    ("await N", "cannot read 'await N': await is not allowed"),
    ("(yield N)", "cannot read 'yield N' in '(yield N)': yield is not allowed"),
    ("(yield from N)", "cannot read 'yield from N' in '(yield from N)': yield is not allowed"),
    (_BIG, f"{_short_text(_BIG)} holds a constant of more than 3,900 digits"),
]  # fmt: skip


@pytest.mark.parametrize("text,message", REFUSED_KINDS)
def test_each_refused_construct_is_named(text, message):
    with pytest.raises(InvalidInputError) as info:
        parse_expression(text)
    assert str(info.value) == message


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_takes_its_number_of_arguments(name):
    _, low, high = FUNCTIONS[name]
    assert (low, high) == {"Min": (1, 32), "min": (1, 32), "Max": (1, 32), "max": (1, 32),
                           "log": (1, 2)}.get(name, (1, 1))  # fmt: skip
    want = f"{low}" if low == high else f"{low} to {high}"
    for k in (low, high):
        parse_expression(f"{name}({', '.join(['N'] * k)})")
    for k in (low - 1, high + 1):
        text = f"{name}({', '.join(['N'] * k)})"
        with pytest.raises(InvalidInputError) as info:
            parse_expression(text)
        assert str(info.value).endswith(f": {name} takes {want} arguments, not {k}")


def test_functions_compute_what_they_are_named():
    N = sympy.Symbol("N", positive=True)
    assert parse_expression("min(N, 2)") == sympy.Min(N, 2)
    assert parse_expression("max(N, 2)") == sympy.Max(N, 2)
    assert parse_expression("Max(2, 3)") == 3 and parse_expression("min(2, 3)") == 2
    assert parse_expression("sqrt(N)") == sympy.sqrt(N)
    assert parse_expression("log(8, 2)") == 3 and parse_expression("log(N)") == sympy.log(N)
    assert parse_expression("ceil(N/2)") == parse_expression("ceiling(N/2)") == sympy.ceiling(
        N / 2)  # fmt: skip
    assert parse_expression("floor(N/2)") == sympy.floor(N / 2)
    # constants alone are compared, symbols are kept as written
    assert parse_expression("Min(N, 2)").args == sympy.Min(N, 2, evaluate=False).args
    assert str(parse_expression("Min(N, N**2)")) == "Min(N, N**2)"
    # left as written even where sympy could decide (it would compare every pair of
    # arguments: seconds for 30 of them)
    assert str(parse_expression("Min(N, 2*N)")) == "Min(N, 2*N)"
    assert str(parse_expression("Max(N, 2*N, 3)")) == "Max(3, N, 2*N)"


def test_quoted_pieces_are_cut_at_their_limits():
    # the offending piece is quoted whole up to 40 characters, the text up to 60
    for n, shown in ((40, "a" * 40), (41, "a" * 37 + "...")):
        with pytest.raises(InvalidInputError) as info:
            parse_expression("N+" + "a" * n)
        assert str(info.value).startswith(f"cannot read '{shown}' in ")
    for n, shown in ((58, "N+" + "b" * 58), (59, "N+" + "b" * 55 + "...")):
        text = "N+" + "b" * n
        with pytest.raises(InvalidInputError) as info:
            parse_expression(text)
        assert f" in '{shown}': unknown name" in str(info.value)


def test_objects_that_are_not_numbers_are_named():
    cases = [
        (True, "expected an expression, got the boolean True"),
        (float("-inf"), "expected a finite number, got -inf"),
        (None, "cannot use a NoneType as an expression"),
        ([1, 2], "cannot use a list as an expression"),
    ]
    for obj, message in cases:
        with pytest.raises(InvalidInputError) as info:
            as_sympy(obj)
        assert str(info.value) == message
    with pytest.raises(InvalidInputError) as info:
        parse_expression(3)
    assert str(info.value) == "expected an expression as text, got int"
    rel = as_sympy("N >= M")
    assert isinstance(rel, sympy.GreaterThan) and as_sympy("N + M", relation=False).is_Add


def test_containers_are_refused_at_once():
    # sympify turns these into sympy containers (Tuple, Dict, FiniteSet, Range): none is a
    # bound, so the reader refuses them itself instead of compare failing on them later
    N = sympy.Symbol("N")
    cases = [
        ((1, 2), "cannot use a tuple as an expression"),
        ({1: 2}, "cannot use a dict as an expression"),
        ({1, 2}, "cannot use a set as an expression"),
        (frozenset({1}), "cannot use a frozenset as an expression"),
        (range(3), "cannot use a range as an expression"),
        (sympy.Tuple(N, 2), "cannot use a Tuple as an expression"),
        (sympy.FiniteSet(N), "cannot use a FiniteSet as an expression"),
        (sympy.Interval(0, N), "cannot use an Interval as an expression"),
        (sympy.ImmutableMatrix([[N]]), "cannot use an ImmutableDenseMatrix as an expression"),
        (sympy.And(N > 1, N < 3), "cannot use an And as an expression"),
    ]
    for obj, message in cases:
        for relation in (None, True, False):
            with pytest.raises(InvalidInputError) as info:
                as_sympy(obj, relation=relation)
            assert str(info.value) == message
    with pytest.raises(InvalidInputError) as info:
        compare((N, 2), "N")
    assert str(info.value) == "cannot use a tuple as an expression"


def test_objects_are_a_relation_or_an_expression_as_asked():
    N, M = sympy.symbols("N M")
    assert as_sympy(N >= M, relation=True) == (N >= M) and as_sympy(N, relation=False) == N
    assert as_sympy(sympy.true, relation=True) is sympy.true  # decided: the region skips it
    refused = [
        (N >= M, False, "expected an expression, not the relation 'N >= M'"),
        (sympy.false, False, "expected an expression, not the relation 'False'"),
        (N + 1, True, "'N + 1' is not a relation like 'M >= d**2'"),
        (3, True, "'3' is not a relation like 'M >= d**2'"),
    ]
    for obj, relation, message in refused:
        with pytest.raises(InvalidInputError) as info:
            as_sympy(obj, relation=relation)
        assert str(info.value) == message
    with pytest.raises(InvalidInputError) as info:
        compare("N", "M", [N])  # an assumption that is no relation
    assert str(info.value) == "'N' is not a relation like 'M >= d**2'"


def test_a_function_that_fails_is_one_line_naming_the_call():
    # sympy refuses to order a complex number: its first line names the call's text
    for text, arg in (("Min(sqrt(-1), 2)", "I"), ("Max(1, log(-1))", "I*pi")):
        with pytest.raises(InvalidInputError) as info:
            parse_expression(text)
        assert str(info.value) == f"cannot read {text!r}: The argument '{arg}' is not comparable."


def test_objects_are_converted_strictly():
    # non-strict sympify would turn an array into a sympy array, and text into symbols
    with pytest.raises(InvalidInputError) as info:
        as_sympy(np.array([1, 2]))
    assert str(info.value) == "cannot use a ndarray as an expression"

    class Texty:  # an object whose sympy form is text: never parsed either
        def _sympy_(self):
            return "N"

    with pytest.raises(InvalidInputError) as info:
        as_sympy(Texty())
    assert str(info.value) == "cannot use a Texty as an expression"


def test_each_side_of_a_relation_may_nest_to_the_limit():
    deep = "sqrt(" * (MAX_DEPTH - 1) + "N" + ")" * (MAX_DEPTH - 1)
    assert isinstance(parse_relation(f"{deep} >= 1"), sympy.GreaterThan)
    assert isinstance(parse_relation(f"1 <= {deep}"), sympy.LessThan)
    deeper = f"sqrt({deep})"
    for text in (f"{deeper} >= 1", f"1 <= {deeper}"):
        assert f"{MAX_DEPTH} levels" in _refused(parse_relation, text)


def test_constant_powers_are_sized_before_they_are_computed():
    # bits = (bits of the base) * |exponent|, counted for exponents beyond 1 only
    seven = "*".join(["2**1000"] * 7)  # 2**7000: 7001 bits
    cases = [
        ("(2**13)**1000", "cannot read '(2**13)**1000': constant power too large (~14000 bits)"),
        (f"({seven})**2", f"cannot read '({seven[:36]}...' in {_short_text(f'({seven})**2')}: "
                          "constant power too large (~14002 bits)"),
        (f"({_BIG})**1", f"{_short_text(f'({_BIG})**1')} holds a constant of more than 3,900 "
                         "digits"),
    ]  # fmt: skip
    for text, message in cases:
        with pytest.raises(InvalidInputError) as info:
            parse_expression(text)
        assert str(info.value) == message


def test_an_operation_sympy_refuses_is_named():
    # float by float zero: sympy raises with no message, read as "undefined"
    for text in ("0.5/0.0", "Min(0.0, 1)/0.0"):
        with pytest.raises(InvalidInputError) as info:
            parse_expression(text)
        assert str(info.value) == f"cannot read {text!r}: undefined"


@pytest.mark.parametrize(
    "template, levels",
    [("({x})**2", 1), ("2**({x})", 1), ("sqrt({x}) + 1", 2), ("1 + sqrt({x})", 2),
     ("sqrt({x})*N - 1", 2), ("1 + ({x})", 1), ("-({x})", 1), ("+({x})", 1)],
)  # fmt: skip
def test_nesting_counts_one_level_per_power_and_per_chain(template, levels):
    # N at the bottom of k layers sits at depth 1 + k * levels; MAX_DEPTH is the deepest
    def nest(k):
        text = "N"
        for _ in range(k):
            text = template.format(x=text)
        return text

    k = (MAX_DEPTH - 1) // levels
    parse_expression(nest(k))
    assert f"{MAX_DEPTH} levels" in _refused(parse_expression, nest(k + 1))


def test_the_nesting_refusal_quotes_the_node_too_deep():
    text = "sqrt(" * MAX_DEPTH + "N" + ")" * MAX_DEPTH
    with pytest.raises(InvalidInputError) as info:
        parse_expression(text)
    why = f"nested more than {MAX_DEPTH} levels deep"
    assert str(info.value) == f"cannot read 'N' in {_short_text(text)}: {why}"


def test_unknown_names_list_the_variables_case_blind():
    # "a_" before "ab" ("_" sorts after the capitals but before the lower case letters)
    with pytest.raises(InvalidInputError) as info:
        parse_expression("zz", variables={"ab", "a_", "B"})
    assert str(info.value) == "cannot read 'zz': unknown name (variables: a_, ab, B)"


def test_the_largest_constant_is_accepted_one_bit_more_is_not():
    exact = "*".join(["2**1000"] * 12 + ["2**999"])  # 2**12999: 13,000 bits
    assert parse_expression(exact) == sympy.Integer(2) ** 12999
    more = "*".join(["2**1000"] * 13)  # 2**13000: 13,001 bits
    assert "3,900 digits" in _refused(parse_expression, more)


def test_evaluation_at_a_point_sizes_each_power_before_computing_it():
    tower = parse_expression("M**M**M**M")
    assert evaluate(parse_expression("M**M**M"), {"M": 3}) == 3**27
    assert evaluate(tower, {"M": 2}) == 2**16
    start = time.perf_counter()
    with pytest.raises(InvalidInputError) as info:
        evaluate(tower, {"M": 3})  # 3**(3**27): 2 bits per unit of an exponent of 3**27
    assert time.perf_counter() - start < 1
    assert str(info.value) == (
        f"M**(M**(M**M)) at M=3: a power of about {2 * 3**27:,} bits (more than 13,000)"
    )
    # sqrt(2)**k is 2**(k/2), a rational power; a power of an irrational base is sized
    # at a bit per unit of its exponent
    at_six = lambda e: evaluate(e, {"M": 6})  # noqa: E731
    assert "at M=6" in _refused(at_six, parse_expression("sqrt(2)**(M**M)"))
    assert evaluate(parse_expression("sqrt(2)**(M**M)"), {"M": 2}) == 4
    golden = parse_expression("(1 + sqrt(5))**(M**M)")
    assert "about 46,656 bits" in _refused(lambda e: evaluate(e, {"M": 6}), golden)
    assert evaluate(golden, {"M": 2}) == (1 + sympy.sqrt(5)) ** 4
    # the limit is the parser's: 2**6500 (13,000 bits counted) passes, 2**6501 does not
    assert evaluate(parse_expression("2**(M*650)"), {"M": 10}) == 2**6500
    at_one = lambda e: evaluate(e, {"M": 1})  # noqa: E731
    assert "13,002 bits" in _refused(at_one, parse_expression("2**(M*6501)"))
    # variables the point lacks stay symbolic; 0, 1 and -1 raised to anything are small
    assert evaluate(parse_expression("N*M**(M**M)"), {"M": 1}) == parse_expression("N")
    assert evaluate(parse_expression("(M - 1)**(N**N) + (2 - M)**(N**N)"), {"M": 1, "N": 9}) == 1
