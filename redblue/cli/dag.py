"""``redblue dag FAMILY ...``: build a computation DAG, write node-link JSON or DOT."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from redblue import dags
from redblue.checks import parse_whole
from redblue.cli._common import EXIT_OK, Parser, positive
from redblue.errors import InvalidInputError


def _emit_graph(G: Any, args: argparse.Namespace) -> None:
    if args.format == "dot":
        text = dags.to_dot(G) + "\n"  # as write_dot: a text file ends with a newline
    else:
        text = json.dumps(dags.to_node_link(G)) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {G.number_of_nodes()} nodes, {G.number_of_edges()} edges to {args.output}",
              file=sys.stderr)  # fmt: skip
    else:
        sys.stdout.write(text)


def _build(args: argparse.Namespace) -> Any:
    family, limit = args.family, args.max_nodes
    if family == "attention":
        return dags.attention_dag(
            args.n, args.d, sum=args.sum, normalize=args.normalize,
            causal=args.causal, stable=args.stable, scale=args.scale, max_nodes=limit,
        )  # fmt: skip
    if family == "matmul":
        return dags.matmul_dag(args.m, args.k, args.n, sum=args.sum, max_nodes=limit)
    if family == "chain":
        return dags.chain_dag(args.length, max_nodes=limit)
    if family == "pyramid":
        return dags.pyramid_dag(args.height, max_nodes=limit)
    if family == "fft":
        return dags.fft_dag(args.size, max_nodes=limit)
    return dags.random_dag(args.nodes, args.seed, max_indegree=args.max_indegree,
                           max_nodes=limit)  # fmt: skip


def _seed(text: str) -> int:
    """argparse type: a whole number >= 0 (a random seed), at most 100 digits."""
    try:
        value = parse_whole(text, "the seed")
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed must be an int >= 0, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    _emit_graph(_build(args), args)
    return EXIT_OK


def register(sub: Any) -> None:
    dag = sub.add_parser("dag", help="build a computation DAG (node-link JSON or DOT)")
    fam = dag.add_subparsers(dest="family", required=True, parser_class=Parser)

    def family(name: str, help: str) -> argparse.ArgumentParser:
        p = fam.add_parser(name, help=help)
        p.add_argument("-o", "--output", help="write to FILE instead of stdout")
        p.add_argument("--format", choices=("json", "dot"), default="json")
        p.add_argument("--max-nodes", type=positive, default=dags.MAX_NODES, metavar="K",
                       help="refuse a DAG of more than K nodes, counted before building "
                       f"(default {dags.MAX_NODES:,})")  # fmt: skip
        return p

    p = family("attention", "the attention DAG of Saha & Ye Fig. 1 and its variants")
    p.add_argument("--n", type=positive, required=True, help="sequence length N")
    p.add_argument("--d", type=positive, required=True, help="head dimension d")
    p.add_argument("--sum", choices=("tree", "chain", "fma"), default="tree")
    p.add_argument("--normalize", choices=("late", "early"), default="late")
    p.add_argument("--causal", action="store_true", help="key j only for j <= i")
    p.add_argument("--stable", action="store_true", help="subtract the row max before exp")
    p.add_argument("--scale", type=float, help="factor folded into exp, e.g. 1/sqrt(d)")
    p = family("matmul", "standard m x k times k x n matrix multiplication")
    for dim in ("m", "k", "n"):
        p.add_argument(f"--{dim}", type=positive, required=True)
    p.add_argument("--sum", choices=("tree", "chain", "fma"), default="tree")
    family("chain", "a path").add_argument("--length", type=positive, required=True)
    family("pyramid", "a pyramid").add_argument("--height", type=positive, required=True)
    family("fft", "the FFT butterfly").add_argument("--size", type=positive, required=True)
    p = family("random", "a random DAG")
    p.add_argument("--nodes", type=positive, required=True)
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--max-indegree", type=positive, default=2)
    dag.set_defaults(func=run)
