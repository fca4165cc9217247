"""The ``redblue`` command line: a thin layer over the library.

Exit codes: 0 success, 1 a strategy is invalid, 2 bad input. Bad input is reported as
one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from redblue import dags
from redblue.errors import IllegalMoveError, RedBlueError
from redblue.game import VARIANTS, compile_graph, read_strategy, replay, write_strategy
from redblue.strategies import greedy_moves, greedy_strategy

EXIT_OK, EXIT_INVALID, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _emit_graph(G: Any, args: argparse.Namespace) -> None:
    if args.format == "dot":
        text = dags.to_dot(G)
    else:
        text = json.dumps(dags.to_node_link(G)) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {G.number_of_nodes()} nodes, {G.number_of_edges()} edges to {args.output}",
              file=sys.stderr)  # fmt: skip
    else:
        sys.stdout.write(text)


def _cmd_dag(args: argparse.Namespace) -> int:
    family = args.family
    if family == "attention":
        G = dags.attention_dag(
            args.n, args.d, sum=args.sum, normalize=args.normalize,
            causal=args.causal, stable=args.stable, scale=args.scale,
        )  # fmt: skip
    elif family == "matmul":
        G = dags.matmul_dag(args.m, args.k, args.n, sum=args.sum)
    elif family == "chain":
        G = dags.chain_dag(args.length)
    elif family == "pyramid":
        G = dags.pyramid_dag(args.height)
    elif family == "fft":
        G = dags.fft_dag(args.size)
    else:
        G = dags.random_dag(args.nodes, args.seed, max_indegree=args.max_indegree)
    _emit_graph(G, args)
    return EXIT_OK


def _print_result(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result))
        return
    print(
        f"valid: yes ({result['variant']} game, memory M = {result['memory']})\n"
        f"io: {result['io']} (loads {result['loads']}, stores {result['stores']})\n"
        f"moves: {result['moves']}, computes: {result['computes']} "
        f"(recomputations {result['recomputations']}), peak red: {result['peak_red']}"
    )


def _cmd_verify(args: argparse.Namespace) -> int:
    G = dags.read_json(args.graph)
    strategy = read_strategy(args.strategy)
    variant = args.variant or strategy.variant
    try:
        result = replay(G, strategy, memory=args.memory, variant=variant)
    except IllegalMoveError as exc:
        if args.json:
            print(json.dumps({"valid": False, "error": exc.to_dict()}))
        else:
            print(f"invalid: {exc}")
        return EXIT_INVALID
    _print_result(result.to_dict(), args.json)
    return EXIT_OK


def _cmd_greedy(args: argparse.Namespace) -> int:
    G = dags.read_json(args.graph)
    strategy = greedy_strategy(G, args.memory)
    result = replay(G, strategy)  # never trust a schedule: verify what it emitted
    if args.output:
        write_strategy(strategy, args.output, args.format)
    _print_result(result.to_dict(), args.json)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    G = dags.attention_dag(args.n, args.d)
    graph = compile_graph(G)
    memory = args.memory if args.memory is not None else max(graph.min_memory(), 2 * args.d + 2)
    result = replay(graph, greedy_moves(graph, memory)).to_dict()
    trivial = 4 * args.n * args.d  # each input loaded once, each output stored once
    if args.json:
        print(json.dumps({"n": args.n, "d": args.d, "nodes": graph.n, "strategy": "greedy",
                          "trivial_lower_bound": trivial, **result}))  # fmt: skip
        return EXIT_OK
    print(f"attention DAG of Saha & Ye Fig. 1: N = {args.n}, d = {args.d}, {graph.n} nodes")
    print("greedy strategy (topological order, Belady eviction), replayed and verified:")
    _print_result(result, False)
    print(f"trivial lower bound 4Nd = {trivial}; io / 4Nd = {result['io'] / trivial:.2f}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``redblue`` command."""
    parser = _Parser(prog="redblue", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    dag = sub.add_parser("dag", help="build a computation DAG (node-link JSON or DOT)")
    fam = dag.add_subparsers(dest="family", required=True, parser_class=_Parser)

    def family(name: str, help: str) -> argparse.ArgumentParser:
        p = fam.add_parser(name, help=help)
        p.add_argument("-o", "--output", help="write to FILE instead of stdout")
        p.add_argument("--format", choices=("json", "dot"), default="json")
        return p

    p = family("attention", "the attention DAG of Saha & Ye Fig. 1 and its variants")
    p.add_argument("--n", type=_positive, required=True, help="sequence length N")
    p.add_argument("--d", type=_positive, required=True, help="head dimension d")
    p.add_argument("--sum", choices=("tree", "chain", "fma"), default="tree")
    p.add_argument("--normalize", choices=("late", "early"), default="late")
    p.add_argument("--causal", action="store_true", help="key j only for j <= i")
    p.add_argument("--stable", action="store_true", help="subtract the row max before exp")
    p.add_argument("--scale", type=float, help="factor folded into exp, e.g. 1/sqrt(d)")
    p = family("matmul", "standard m x k times k x n matrix multiplication")
    for dim in ("m", "k", "n"):
        p.add_argument(f"--{dim}", type=_positive, required=True)
    p.add_argument("--sum", choices=("tree", "chain", "fma"), default="tree")
    family("chain", "a path").add_argument("--length", type=_positive, required=True)
    family("pyramid", "a pyramid").add_argument("--height", type=_positive, required=True)
    family("fft", "the FFT butterfly").add_argument("--size", type=_positive, required=True)
    p = family("random", "a random DAG")
    p.add_argument("--nodes", type=_positive, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-indegree", type=_positive, default=2)
    dag.set_defaults(func=_cmd_dag)

    p = sub.add_parser("verify", help="replay a strategy on a DAG and score it")
    p.add_argument("graph", help="node-link JSON file of the DAG")
    p.add_argument("strategy", help="strategy file (JSON or text)")
    p.add_argument("--memory", type=_positive, help="red-pebble limit M (default: the strategy's)")
    p.add_argument("--variant", choices=tuple(VARIANTS), help="default: the strategy's")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("greedy", help="schedule any DAG greedily (Belady eviction) and verify it")
    p.add_argument("graph", help="node-link JSON file of the DAG")
    p.add_argument("--memory", type=_positive, required=True, help="red-pebble limit M")
    p.add_argument("-o", "--output", help="write the strategy to FILE")
    p.add_argument("--format", choices=("json", "text"), help="strategy file format")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_greedy)

    p = sub.add_parser("demo", help="build an attention DAG, pebble it greedily, verify it")
    p.add_argument("--n", type=_positive, default=4, help="sequence length N (default 4)")
    p.add_argument("--d", type=_positive, default=2, help="head dimension d (default 2)")
    p.add_argument("--memory", type=_positive, help="red-pebble limit M (default 2d + 2)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``redblue`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except IllegalMoveError as exc:
        print(f"redblue: invalid strategy: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except RedBlueError as exc:
        print(f"redblue: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"redblue: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
