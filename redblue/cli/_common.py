"""Pieces every subcommand shares: the parser, the file options, argument types, exit codes.

:class:`Parser` gives every command and subcommand the same habits: ``--version``,
``-q/--quiet`` and ``-v/--verbose``, help showing each option's default, a one-line
purpose (a subcommand's ``help`` is its description unless it has its own) and an epilog
of examples (see :func:`examples`). A subcommand registered by any module gets them.

Files: a graph is read with :func:`add_graph_input` / :func:`load_graph` (``--format``,
``-`` for stdin); what a command writes is ``-o/--output`` (``-`` for stdout), a strategy
in ``--strategy-format``.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Any, NoReturn, TextIO

from redblue import __version__, progress
from redblue.checks import check_time_limit, parse_whole
from redblue.errors import EXIT_BAD_INPUT, InvalidInputError
from redblue.game import VARIANTS
from redblue.readwrite import (
    GRAPH_FORMATS,
    STRATEGY_FORMATS,
    check_writable,
    read_graph,
    read_strategy,
    write_graph,
    write_strategy,
)

#: The verbosity of a command run without ``-q`` or ``-v``.
DEFAULT_VERBOSITY = 1

#: The name of standard input or output in a file argument.
STDIO = "-"


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Options with their defaults (none shown for None, False or an empty list, nor when
    the help already says what the default is); in the description and the epilog, text
    is filled to the width but indented lines (the examples) are kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out: list[str] = []
        prose: list[str] = []

        def flush() -> None:
            if prose:
                out.append(textwrap.fill(" ".join(prose), width, initial_indent=indent,
                                         subsequent_indent=indent))  # fmt: skip
                prose.clear()

        for line in text.splitlines():
            if line.strip() and not line[0].isspace():
                prose.append(line.strip())
            else:
                flush()
                out.append(indent + line if line.strip() else "")
        flush()
        return "\n".join(out)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (default is None or default is False or default == [] or default is argparse.SUPPRESS
                or "default" in text or not action.option_strings):  # fmt: skip
            return text
        if isinstance(default, list | tuple):
            default = ",".join(map(str, default))
        elif isinstance(default, int) and not isinstance(default, bool) and default >= 10_000:
            default = f"{default:,}"
        shown = str(default).replace("%", "%%")  # help strings are %-formatted
        return f"{text} (default: {shown})" if text else f"(default: {shown})"


class _Subcommands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Subcommands of a :class:`Parser`: each is a :class:`Parser` whose description is
    its one-line ``help`` unless given."""

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if "help" in kwargs and "description" not in kwargs:
            kwargs["description"] = _sentence(kwargs["help"])
        return super().add_parser(name, **kwargs)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class Parser(argparse.ArgumentParser):
    """argparse with redblue's habits: a usage error is one line on stderr and exit 2;
    ``--version``, ``-q`` and ``-v`` on every command; defaults shown in the help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        # no prefixes of long options: a script using one would break when an option
        # sharing the prefix is added (and a renamed option's old name must not linger)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _Subcommands)
        common = self.add_argument_group("general options")
        common.add_argument("--version", action="version", version=f"redblue {__version__}",
                            help="print the version and exit")
        # SUPPRESS: a subcommand's parser must not reset what the main parser was given
        common.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=0,
                            default=argparse.SUPPRESS,
                            help="print only the result: no progress on stderr")  # fmt: skip
        common.add_argument("-v", "--verbose", dest="verbosity", action="store_const",
                            const=2, default=argparse.SUPPRESS,
                            help="say what is being done, step by step, on stderr")  # fmt: skip

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("parser_class", Parser)
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")

    def verbose_means(self, text: str) -> None:
        """Say in the help what ``-v`` adds for this command (prove: every step)."""
        self._option_string_actions["-v"].help = text


def examples(*commands: str, note: str | None = None) -> str:
    """An epilog listing example command lines (and a closing remark)."""
    text = "examples:\n" + "".join(f"  {c}\n" for c in commands)
    return text + (f"\n{note}\n" if note else "")


def verbosity_of(args: argparse.Namespace) -> int:
    """The verbosity asked for on the command line (``-q`` 0, none 1, ``-v`` 2)."""
    return getattr(args, "verbosity", DEFAULT_VERBOSITY)


# ------------------------------------------------------------------ files


def add_graph_input(p: argparse.ArgumentParser, option: str | None = None,
                    help: str = "the DAG's file") -> None:  # fmt: skip
    """The graph argument (positional ``graph``, or ``option`` such as ``--graph``) and
    ``--format``; read it with :func:`load_graph`."""
    text = f"{help} ({STDIO} for stdin)"
    if option is None:
        p.add_argument("graph", metavar="GRAPH", help=text)
    else:
        p.add_argument(option, dest="graph", metavar="FILE", help=text)
    add_graph_format(p, "of the graph file", "from its extension; json for stdin")


def add_graph_format(p: argparse.ArgumentParser, what: str, default: str) -> None:
    """``--format``: the format of the graph file a command reads or writes."""
    p.add_argument("--format", choices=GRAPH_FORMATS, metavar="FMT",
                   help=f"format {what}: {', '.join(GRAPH_FORMATS)} (default: {default})")


def load_graph(args: argparse.Namespace) -> Any:
    """The DAG named by ``args.graph`` (``-``: stdin), in ``args.format`` or by extension."""
    path = args.graph
    with progress.phase(f"reading the graph from {'stdin' if path == STDIO else path}"):
        return read_graph(path, _format(path, args.format, "json"))


def save_graph(G: Any, path: str, format: str | None) -> None:
    """Write a DAG to ``path`` (``-``: stdout) in ``format`` or by extension."""
    with progress.phase(f"writing the graph to {'stdout' if path == STDIO else path}"):
        write_graph(G, path, _format(path, format, "json"))


def add_strategy_output(p: argparse.ArgumentParser, what: str) -> None:
    """``-o/--output`` for a written strategy and ``--strategy-format``."""
    p.add_argument("-o", "--output", metavar="FILE",
                   help=f"write {what} to FILE ({STDIO} for stdout; the summary then goes "
                   "to stderr)")  # fmt: skip
    add_strategy_format(p, "of the written strategy", "from its extension; json on stdout")


def add_strategy_format(p: argparse.ArgumentParser, what: str, default: str) -> None:
    """``--strategy-format``: the format of the strategy file a command reads or writes."""
    p.add_argument("--strategy-format", choices=STRATEGY_FORMATS, metavar="FMT",
                   help=f"format {what}: {', '.join(STRATEGY_FORMATS)} (default: {default})")


def add_replay_rules(p: argparse.ArgumentParser, whose: str = "the strategy's") -> None:
    """``--memory`` and ``--variant`` of a replay, each defaulting to the strategy's own."""
    p.add_argument("--memory", type=positive, metavar="M",
                   help=f"red-pebble limit M (default: {whose})")  # fmt: skip
    p.add_argument("--variant", choices=tuple(VARIANTS), help=f"the game (default: {whose})")


def add_head_options(p: argparse.ArgumentParser, *, heads: str = "", kv_heads: str = "",
                     backward: str = "") -> None:  # fmt: skip
    """``--heads H`` and ``--kv-heads HKV`` (grouped-query attention: H query heads, each
    group of H / HKV sharing one key/value head) and ``--backward`` (the backward pass).

    Each help says what the option is, then what this command does with it: ``heads``,
    ``kv_heads``, ``backward`` (nothing added when empty).
    """
    def said(what: str, use: str) -> str:
        return f"{what}: {use}" if use else what

    p.add_argument("--heads", type=positive, metavar="H",
                   help=said("H query heads (with --kv-heads)", heads))
    p.add_argument("--kv-heads", type=positive, metavar="HKV",
                   help=said("HKV key/value heads, each shared by H / HKV query heads "
                             "(grouped-query attention)", kv_heads))  # fmt: skip
    p.add_argument("--backward", action="store_true",
                   help=said("the backward pass (dQ, dK, dV from dO)", backward))


def add_strategy_input(p: argparse.ArgumentParser) -> None:
    """The ``STRATEGY`` file a command replays, its format and its replay rules."""
    p.add_argument("strategy", metavar="STRATEGY",
                   help="the strategy's file, json or text (- for stdin)")  # fmt: skip
    add_strategy_format(p, "of the strategy file", "from its extension or content")
    add_replay_rules(p)


def check_strategy_output(args: argparse.Namespace, flag: str = "-o FILE") -> None:
    """Refuse a strategy format without a strategy file, two results on stdout, or a
    strategy file that could not be written (before the work, not after it)."""
    if args.strategy_format and not args.output:
        raise InvalidInputError(
            f"--strategy-format needs {flag} (the strategy is only written to a file)"
        )
    if args.output == STDIO and getattr(args, "json", False):
        raise InvalidInputError("--json and -o - would both write to stdout; pick one")
    if args.output:
        check_writable(args.output)


def save_strategy(strategy: Any, args: argparse.Namespace) -> None:
    """Write ``strategy`` to ``args.output`` (``-``: stdout) in ``args.strategy_format``."""
    path = args.output
    with progress.phase(f"writing the strategy to {'stdout' if path == STDIO else path}"):
        write_strategy(strategy, path, _format(path, args.strategy_format, "json"))


def load_strategy(path: str, format: str | None) -> Any:
    """The strategy in ``path`` (``-``: stdin), in ``format`` or by extension."""
    return read_strategy(path, _format(path, format, None))


def summary_stream(args: argparse.Namespace) -> TextIO:
    """Where the human summary goes: stdout, or stderr when stdout holds a written file."""
    written = (getattr(args, "output", None), getattr(args, "graph_output", None))
    return sys.stderr if STDIO in written else sys.stdout


def _format(path: Any, format: str | None, stdio_default: str | None) -> str | None:
    return stdio_default if format is None and str(path) == STDIO else format


# ------------------------------------------------------------------ argument types


def positive(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = parse_whole(text, "the number")
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seconds(text: str) -> float:
    """argparse type: a time limit, a positive finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    try:
        return check_time_limit(value, "the time limit")
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_replay(result: dict[str, Any], as_json: bool, file: TextIO | None = None) -> None:
    """Print a replay result (``ReplayResult.to_dict()`` plus extras) for people or as JSON."""
    if as_json:
        print(json.dumps(result), file=file)
        return
    print(
        f"valid: yes ({result['variant']} game, memory M = {result['memory']})\n"
        f"io: {result['io']} (loads {result['loads']}, stores {result['stores']})\n"
        f"moves: {result['moves']}, computes: {result['computes']} "
        f"(recomputations {result['recomputations']}), peak red: {result['peak_red']}",
        file=file,
    )
