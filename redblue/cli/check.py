"""``redblue check CLAIM``: refute, confirm or leave open a claimed I/O bound on a grid."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from redblue.claims import InstanceVerdict, check_claim, parse_range
from redblue.cli._common import (
    STDIO,
    add_graph_input,
    add_head_options,
    examples,
    load_graph,
    seconds,
)
from redblue.cli.simulate import add_variant_options, variant_of
from redblue.errors import EXIT_INVALID, EXIT_OK


def _line(v: InstanceVerdict) -> str:
    where = " ".join(f"{k}={v.instance[k]}" for k in ("Nq", "N", "d", "M", "H", "Hkv")
                     if k in v.instance)
    text = f"{where}: {v.verdict}: {v.evidence}; bound {v.bound}"
    if v.certificate:
        text += f"; certificate: redblue verify {v.graph_file} {v.certificate}"
    return text


def _variant(args: argparse.Namespace) -> dict[str, Any]:
    """The variant keywords of :func:`check_claim` (the block mask read as simulate reads
    it: a file of JSON rows or rows like ``1,0;1,1``)."""
    v = variant_of(args)
    return {"causal": v["causal"], "block_mask": v["block_mask"],
            "block_size": v["block_size"], "decode_rows": args.decode_rows,
            "heads": args.heads, "kv_heads": args.kv_heads, "backward": args.backward}


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args) if args.graph else None
    variant = _variant(args)
    result = check_claim(
        args.claim,
        family=None if graph is not None else args.family,
        n=parse_range(args.n, "--n") if args.n else None,
        d=parse_range(args.d, "--d") if args.d else None,
        memory=parse_range(args.memory, "--memory") if args.memory else None,
        sum=args.sum,
        variant=args.variant,
        graph=graph,
        # the certificates name the graph's file when verify can read it as it is
        graph_path=None if args.graph == STDIO or args.format else args.graph,
        time_limit=args.time_limit,
        search_time=args.search_time,
        explicit_bounds=not args.no_explicit,
        certificates=args.output,
        progress=None if args.json else (lambda v: print(_line(v), flush=True)),
        **variant,
    )
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        counts = ", ".join(f"{k} {n}" for k, n in result.counts.items())
        stopped = f"; stopped by the {result.stopped}" if result.stopped else ""
        print(f"{result.claim}: {counts} ({len(result.verdicts)} instances, "
              f"{result.seconds:.1f} s{stopped})")  # fmt: skip
        if result.stopped:
            print("redblue check: stopped by the time limit; unreached instances are open",
                  file=sys.stderr)
    return EXIT_INVALID if result.refuted else EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="refute (with a certificate), confirm or leave open a claimed I/O bound",
        description="Check a claim such as 'Q >= N**2*d**2/(8*M)' or "
        "'io(flash2) <= 12*N**2*d**2/M' on every instance of a grid. Exit 0 when nothing "
        "is refuted, 1 when something is, 2 on bad input.",
        epilog=examples(
            "redblue check 'Q >= N**2*d**2/(8*M)' --n 1..2 --d 1..2 --memory 3..8",
            "redblue check 'io(flash2) <= 12*N**2*d**2/M' --n 2,4 --d 2 --memory 20..40",
            "redblue check 'Q >= 2' --graph my-dag.json --memory 2..6 -o certificates",
            "redblue check 'io(flash2) <= 2*N*d + 8*N**2*d**2/M' --causal --n 64 --d 8 "
            "--memory 256",
            "redblue check 'io(flash2) == 2*H*Nq*d + 2*Hkv*N*d' --decode-rows 1 --heads 8 "
            "--kv-heads 2 --n 64,256 --d 8 --memory 512",
        ),
    )
    p.add_argument("claim", help="'Q OP EXPR' or 'io(ALG) OP EXPR', OP one of >= > <= < ==")
    p.add_argument("--family", default="attention", choices=("attention",),
                   help="the DAG family of the grid")  # fmt: skip
    p.add_argument("--n", metavar="RANGE", help="sequence lengths N, e.g. 1..4 or 2,4,8")
    p.add_argument("--d", metavar="RANGE", help="head dimensions d")
    p.add_argument("--memory", metavar="RANGE", help="memory sizes M, e.g. 3..20")
    p.add_argument("--sum", choices=("chain", "tree", "fma"), default="chain",
                   help="summation shape of the attention DAG")  # fmt: skip
    add_graph_input(p, "--graph", help="your own DAG instead of a family")
    p.add_argument("--variant", choices=("classic", "no-recompute"), default="classic",
                   help="the game Q refers to (no-recompute: with --graph only)")  # fmt: skip
    add_variant_options(p)
    add_head_options(p, heads="the multi-head DAG, io(flash2) a group at a time",
                     backward="io(flash2), io(tiling)")  # fmt: skip
    p.add_argument("--time-limit", type=seconds, metavar="S",
                   help="seconds for the whole check (unreached instances stay open)")
    p.add_argument("--search-time", type=seconds, default=5.0, metavar="S",
                   help="seconds for each exact search")
    p.add_argument("--no-explicit", action="store_true",
                   help="do not use the explicit-constant lower bounds as evidence")
    p.add_argument("-o", "--output", metavar="DIR", default="check-certificates",
                   help="folder where refuting strategies (certificates) are written")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
