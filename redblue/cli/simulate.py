"""``redblue simulate ALGORITHM --n N --d D --memory M``: run an upper-bound schedule.

Without ``--count-only`` the DAG is built, the schedule's moves generated and replayed,
and the verified I/O reported; ``-o`` writes the strategy and ``--graph-output`` the DAG,
so that ``redblue verify`` can re-check them. ``--count-only`` uses the block-level
counter (exact, no moves, any size). ``--causal``, ``--block-mask``/``--block-size`` and
``--decode-rows`` run the attention variants (causal, block-sparse, decoding against a KV
cache of ``--n`` keys); ``--backward`` the backward pass.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from redblue import progress
from redblue.cli._common import (
    STDIO,
    add_graph_format,
    add_head_options,
    add_strategy_output,
    check_strategy_output,
    examples,
    positive,
    print_replay,
    save_graph,
    save_strategy,
    summary_stream,
)
from redblue.dags.attention_masks import parse_block_mask
from redblue.errors import EXIT_OK, InvalidInputError
from redblue.game import Strategy
from redblue.readwrite import check_writable
from redblue.strategies import (
    ALGORITHMS,
    count_gqa,
    count_io,
    simulate,
    simulate_gqa,
    simulate_split_decode,
    split_decode_io,
)
from redblue.strategies.backward import count_backward_io, simulate_backward
from redblue.strategies.upper_bounds import MAX_MOVES, check_simulation_size

#: The largest block-mask file read (bytes).
_MAX_MASK_FILE = 1 << 24


def add_variant_options(p: argparse.ArgumentParser) -> None:
    """``--causal``, ``--block-mask``, ``--block-size``, ``--decode-rows``."""
    p.add_argument("--causal", action="store_true", help="causal mask: key j only for j <= i")
    p.add_argument("--block-mask", metavar="FILE_OR_SPEC",
                   help="block-sparse mask: a file of JSON rows of 0/1, or rows like "
                   "'1,0;1,1' (one entry per block of --block-size queries x keys)")
    p.add_argument("--block-size", type=positive, metavar="B",
                   help="rows and keys per block of --block-mask")
    p.add_argument("--decode-rows", type=positive, metavar="NQ",
                   help="decode: NQ query rows against a KV cache of --n keys")


def variant_of(args: argparse.Namespace) -> dict[str, Any]:
    """The library keywords of the variant options: ``n`` (query rows), ``causal``,
    ``block_mask``, ``block_size``, ``n_keys``. Bad combinations raise
    InvalidInputError."""
    spec, mask = args.block_mask, None
    if spec is not None:
        if os.path.isfile(spec):
            if os.path.getsize(spec) > _MAX_MASK_FILE:
                raise InvalidInputError(f"{spec}: block-mask file larger than 16 MB")
            try:
                with open(spec, encoding="utf-8") as fh:
                    spec = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidInputError(f"{args.block_mask}: cannot read: {exc}") from None
        mask = parse_block_mask(spec)
    if (mask is None) != (args.block_size is None):
        raise InvalidInputError("--block-mask and --block-size go together")
    n, n_keys = args.n, None
    if args.decode_rows is not None:
        if args.causal:
            raise InvalidInputError("--decode-rows and --causal do not combine (decode "
                                    "rows see the whole KV cache)")  # fmt: skip
        n, n_keys = args.decode_rows, args.n
    return {"n": n, "causal": args.causal, "block_mask": mask, "block_size": args.block_size,
            "n_keys": n_keys}


def has_variant(args: argparse.Namespace) -> bool:
    """Whether any forward variant is asked for: a mask, decode rows or several heads (the
    backward pass has none of them)."""
    plain = {"n": args.n, "causal": False, "block_mask": None, "block_size": None,
             "n_keys": None}
    return args.heads is not None or args.kv_heads is not None or variant_of(args) != plain


def _check_outputs(args: argparse.Namespace) -> None:
    check_strategy_output(args)
    if args.format and not args.graph_output:
        raise InvalidInputError("--format needs --graph-output FILE (the DAG is only written "
                                "to a file)")  # fmt: skip
    if args.graph_output == STDIO and (args.output == STDIO or args.json):
        raise InvalidInputError("--graph-output - would share stdout with another output; "
                                "write one of them to a file")  # fmt: skip
    if args.count_only and (args.graph_output or args.output):
        raise InvalidInputError("--graph-output and -o need moves: drop --count-only")
    if args.graph_output:
        check_writable(args.graph_output)


def _split(args: argparse.Namespace, n: int, variant: dict[str, Any]) -> Any:
    """Split-K decoding: the count, or the verified simulation."""
    if args.algorithm != "flash2" or variant["n_keys"] is None or args.stable or \
            variant["causal"] or variant["block_mask"] is not None:
        raise InvalidInputError("--split K needs flash2 with --decode-rows (and no --causal, "
                                "--block-mask or --stable)")
    kw = {"n_keys": variant["n_keys"], "chunks": args.split, "sum": args.sum}
    if args.count_only:
        return split_decode_io(n, args.d, args.memory, **kw)
    with progress.phase(f"simulating split-K decoding of {n} rows against {kw['n_keys']} keys"):
        return simulate_split_decode(n, args.d, args.memory, max_moves=args.max_moves, **kw)


def _heads(args: argparse.Namespace, n: int, variant: dict[str, Any]) -> Any:
    """Grouped-query attention: the count, or the verified simulation."""
    if args.heads is None or args.kv_heads is None:
        raise InvalidInputError("--heads and --kv-heads go together (--per-head needs them)")
    if args.algorithm != "flash2" or args.split is not None:
        raise InvalidInputError("--heads/--kv-heads run flash2 (no --split)")
    kw = {"heads": args.heads, "kv_heads": args.kv_heads, "grouped": not args.per_head,
          "sum": args.sum, "stable": args.stable, **variant}
    if args.count_only:
        return count_gqa(n, args.d, args.memory, **kw)
    with progress.phase(f"simulating {args.heads} heads over {args.kv_heads} K/V heads"):
        return simulate_gqa(n, args.d, args.memory, max_moves=args.max_moves, **kw)


def _backward(args: argparse.Namespace) -> Any:
    """The backward pass (dQ, dK, dV from dO): the count, or the verified simulation."""
    if args.stable or args.split is not None or args.per_head or has_variant(args):
        raise InvalidInputError("--backward takes flash2 or tiling alone (no --stable, "
                                "--causal, --block-mask, --decode-rows, --split or --heads)")
    if args.count_only:
        return count_backward_io(args.algorithm, args.n, args.d, args.memory, sum=args.sum)
    with progress.phase(f"simulating the {args.algorithm} backward pass at N = {args.n}, "
                        f"d = {args.d}, M = {args.memory}"):  # fmt: skip
        return simulate_backward(args.algorithm, args.n, args.d, args.memory, sum=args.sum,
                                 max_moves=args.max_moves)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    _check_outputs(args)
    if args.backward:
        done = _backward(args)
        if args.count_only:
            return _print_count(args, done, args.n)
        return _print_simulation(args, done)
    variant = variant_of(args)
    n = variant.pop("n")
    if args.heads is not None or args.kv_heads is not None or args.per_head:
        done = _heads(args, n, variant)
        if args.count_only:
            return _print_count(args, done, n)
        return _print_simulation(args, done)
    if args.split is not None:
        done = _split(args, n, variant)
        if args.count_only:
            return _print_count(args, done, n)
        return _print_simulation(args, done)
    if args.count_only:
        count = count_io(args.algorithm, n, args.d, args.memory, sum=args.sum,
                         stable=args.stable, **variant)  # fmt: skip
        return _print_count(args, count, n)
    if args.algorithm != "greedy":
        count_io(args.algorithm, n, args.d, args.memory, sum=args.sum, stable=args.stable,
                 **variant)  # fails on a too small M before any work  # fmt: skip
    expected = check_simulation_size(args.algorithm, n, args.d, args.memory,
                                     sum=args.sum, stable=args.stable,
                                     max_moves=args.max_moves, **variant)  # refused if too many
    # networkx needs about a minute per million vertices: the phase says what runs
    label = (f"simulating {args.algorithm} at N = {n}, d = {args.d}, M = {args.memory}: "
             f"building the DAG and about {expected:,} moves, then replaying them")  # fmt: skip
    with progress.phase(label):
        sim = simulate(args.algorithm, n, args.d, args.memory, sum=args.sum,
                       stable=args.stable, max_moves=args.max_moves, **variant)  # fmt: skip
    return _print_simulation(args, sim)


def _print_count(args: argparse.Namespace, count: Any, n: int) -> int:
    result = {**count.to_dict(), "memory": args.memory, "n": n, "d": args.d,
              "verified": False}  # fmt: skip
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{count.algorithm}: io {count.io} (loads {count.loads}, stores "
              f"{count.stores}), counted block by block, not replayed\n"
              f"blocks: {_blocks(count.blocks)}")  # fmt: skip
    return EXIT_OK


def _print_simulation(args: argparse.Namespace, sim: Any) -> int:
    if args.graph_output:
        save_graph(sim.graph, args.graph_output, args.format)
    if args.output:
        save_strategy(Strategy(sim.moves.decode(), args.memory, "classic"), args)
    data = sim.to_dict()
    if args.json:
        print(json.dumps(data))
    else:
        out = summary_stream(args)
        print(f"{sim.algorithm} on {sim.dag_name}", file=out)
        print_replay(data, False, file=out)
        if sim.blocks:
            print(f"blocks: {_blocks(sim.blocks)}", file=out)
    return EXIT_OK


def _blocks(blocks: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in blocks.items()) or "-"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="run an attention schedule (FlashAttention, tiling, ...) as a verified "
        "strategy, or count its I/O",
        epilog=examples(
            "redblue simulate flash2 --n 8 --d 4 --memory 40",
            "redblue simulate tiling --n 5 --d 4 --memory 20 --sum fma "
            "--graph-output g.json -o m.json",
            "redblue verify g.json m.json",
            "redblue simulate flash2 --n 65536 --d 128 --memory 100000 --count-only --json",
            "redblue simulate flash2 --n 64 --d 8 --memory 256 --causal",
            "redblue simulate flash1 --n 8 --d 4 --memory 64 --block-mask '1,0;1,1' "
            "--block-size 4",
            "redblue simulate flash2 --n 256 --d 8 --memory 256 --decode-rows 1",
            "redblue simulate flash2 --n 256 --d 8 --memory 256 --decode-rows 1 --split 4",
            "redblue simulate flash2 --n 64 --d 8 --memory 512 --decode-rows 1 --heads 8 "
            "--kv-heads 2",
            "redblue simulate tiling --n 16 --d 8 --memory 40 --backward",
        ),
    )
    p.add_argument("algorithm", choices=ALGORITHMS, help="the schedule")
    p.add_argument("--n", type=positive, metavar="N", required=True, help="sequence length N")
    p.add_argument("--d", type=positive, metavar="D", required=True, help="head dimension d")
    p.add_argument("--memory", type=positive, metavar="M", required=True, help="red-pebble limit M")
    p.add_argument("--sum", choices=("chain", "fma", "tree"), default="chain",
                   help="summation shape of the DAG (tree: greedy only)")  # fmt: skip
    p.add_argument("--stable", action="store_true",
                   help="online softmax with max-subtraction (flash1, flash2, greedy)")
    add_variant_options(p)
    p.add_argument("--split", type=positive, metavar="K",
                   help="split-K decoding (flash-decoding): the cache in K chunks with "
                   "partial softmax and a final reduction (flash2 with --decode-rows)")
    add_head_options(p, heads="run by flash2", kv_heads="K/V blocks loaded once per group",
                     backward="flash2 or tiling on attention_backward_dag")  # fmt: skip
    p.add_argument("--per-head", action="store_true",
                   help="with --heads: one head at a time (K/V loaded once per head)")
    add_strategy_output(p, "the strategy")
    p.add_argument("--graph-output", metavar="FILE",
                   help=f"also write the DAG the strategy runs on to FILE ({STDIO} for stdout)")
    add_graph_format(p, "of the DAG written by --graph-output", "from its extension")
    p.add_argument("--count-only", action="store_true",
                   help="exact block-level count, no moves (any size)")
    p.add_argument("--max-moves", type=positive, default=MAX_MOVES, metavar="K",
                   help="refuse to generate more than K moves")  # fmt: skip
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
