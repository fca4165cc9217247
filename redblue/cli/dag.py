"""``redblue dag FAMILY ...``: build a computation DAG and write it in any graph format."""

from __future__ import annotations

import argparse
from typing import Any

from redblue import dags, progress
from redblue.checks import parse_whole
from redblue.cli._common import (
    STDIO,
    add_graph_format,
    add_head_options,
    examples,
    positive,
    save_graph,
)
from redblue.cli.simulate import add_variant_options, has_variant, variant_of
from redblue.dags.multihead import multihead_attention_dag
from redblue.errors import EXIT_OK, InvalidInputError
from redblue.readwrite import check_writable


def _emit_graph(G: Any, args: argparse.Namespace) -> None:
    save_graph(G, args.output, args.format)
    if args.output != STDIO:  # said on stderr, silenced by -q
        progress.note(f"wrote {G.number_of_nodes()} nodes, {G.number_of_edges()} edges to "
                      f"{args.output}", level=1)  # fmt: skip


def _build(args: argparse.Namespace) -> Any:
    family, limit = args.family, args.max_nodes
    if family == "attention" and args.backward:
        if args.stable or args.scale is not None or args.normalize != "late" or \
                has_variant(args):
            raise InvalidInputError("--backward builds the plain backward pass: no --causal, "
                                    "--block-mask, --decode-rows, --heads, --stable, --scale "
                                    "or --normalize")  # fmt: skip
        return dags.attention_backward_dag(args.n, args.d, sum=args.sum, max_nodes=limit)
    if family == "attention":
        variant = variant_of(args)
        options = {"sum": args.sum, "normalize": args.normalize, "stable": args.stable,
                   "scale": args.scale, "max_nodes": limit, **variant}
        if args.heads is not None or args.kv_heads is not None:
            if args.heads is None or args.kv_heads is None:
                raise InvalidInputError("--heads and --kv-heads go together")
            return multihead_attention_dag(options.pop("n"), args.d, heads=args.heads,
                                           kv_heads=args.kv_heads, **options)  # fmt: skip
        return dags.attention_dag(options.pop("n"), args.d, **options)
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
    check_writable(args.output)
    with progress.phase(f"building the {args.family} DAG"):
        G = _build(args)
    _emit_graph(G, args)
    return EXIT_OK


#: An example command line of each family.
EXAMPLES = {
    "attention": "redblue dag attention --n 2 --d 1 -o att.json",
    "matmul": "redblue dag matmul --m 2 --k 3 --n 2 --format dot -o mm.dot",
    "chain": "redblue dag chain --length 5",
    "pyramid": "redblue dag pyramid --height 3 -o pyramid.json",
    "fft": "redblue dag fft --size 8 | redblue greedy - --memory 4",
    "random": "redblue dag random --nodes 20 --seed 1 -o r.json",
}


def register(sub: Any) -> None:
    dag = sub.add_parser("dag", help="build a computation DAG and write it (json, dot, ...)",
                         epilog=examples(*EXAMPLES.values()))  # fmt: skip
    fam = dag.add_subparsers(dest="family", required=True, metavar="FAMILY")

    def family(name: str, help: str) -> argparse.ArgumentParser:
        p = fam.add_parser(name, help=help, epilog=examples(EXAMPLES[name]))
        p.add_argument("-o", "--output", metavar="FILE", default=STDIO,
                       help="where to write the DAG (- for stdout)")  # fmt: skip
        add_graph_format(p, "of the DAG written", "from the extension of -o; json on stdout")
        p.add_argument("--max-nodes", type=positive, default=dags.MAX_NODES, metavar="K",
                       help="refuse a DAG of more than K nodes, counted before building")
        return p

    p = family("attention", "the attention DAG of Saha & Ye Fig. 1 and its variants")
    p.add_argument("--n", type=positive, metavar="N", required=True, help="sequence length N")
    p.add_argument("--d", type=positive, metavar="D", required=True, help="head dimension d")
    p.add_argument("--sum", choices=("tree", "chain", "fma"), default="tree",
                   help="shape of each summation")  # fmt: skip
    p.add_argument("--normalize", choices=("late", "early"), default="late",
                   help="divide by the row sum after (late) or before (early) the A*V product")
    add_variant_options(p)
    add_head_options(p, backward="its DAG instead, with the saved row statistics L and D "
                     "as inputs")  # fmt: skip
    p.add_argument("--stable", action="store_true", help="subtract the row max before exp")
    p.add_argument("--scale", type=float, help="factor folded into exp, e.g. 1/sqrt(d)")
    p = family("matmul", "standard m x k times k x n matrix multiplication")
    for dim, what in (("m", "rows of the left matrix"), ("k", "the inner dimension"),
                      ("n", "columns of the right matrix")):  # fmt: skip
        p.add_argument(f"--{dim}", type=positive, required=True, help=what)
    p.add_argument("--sum", choices=("tree", "chain", "fma"), default="tree",
                   help="shape of each summation")  # fmt: skip
    family("chain", "a path").add_argument("--length", type=positive, required=True,
                                           help="number of nodes")  # fmt: skip
    family("pyramid", "a pyramid").add_argument("--height", type=positive, required=True,
                                                help="rows above the height + 1 inputs")
    family("fft", "the FFT butterfly").add_argument("--size", type=positive, required=True,
                                                    help="number of points, a power of 2")
    p = family("random", "a random DAG")
    p.add_argument("--nodes", type=positive, required=True, help="number of nodes")
    p.add_argument("--seed", type=_seed, default=0, help="random seed")
    p.add_argument("--max-indegree", type=positive, default=2,
                   help="most predecessors of a node")  # fmt: skip
    dag.set_defaults(func=run)
