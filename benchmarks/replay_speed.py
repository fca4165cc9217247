"""Replay speed: compiled replay against the plain-dictionary reference, same run.

Builds an attention DAG, schedules it with the greedy strategy (>= 1,000,000 moves at
the default size), then times

* ``encode``: names -> integer arrays (once per strategy read from a file),
* ``replay (encoded)``: the compiled kernel on integer arrays,
* ``replay (from names)``: encode + kernel, what ``replay(G, moves)`` costs,
* ``reference``: :func:`redblue.game.replay_reference` (dicts and sets),

and prints moves per second and the ratio to the reference. Both replays must agree
on the score. Run: ``python benchmarks/replay_speed.py [--n 64 --d 16 --memory 48]``.
"""

from __future__ import annotations

import argparse
import time

from redblue.dags import attention_dag
from redblue.game import compile_graph, encode_moves, replay, replay_reference
from redblue.strategies import greedy_moves


def timed(fn, repeat=3):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--d", type=int, default=16)
    parser.add_argument("--memory", type=int, default=48)
    args = parser.parse_args()

    t0 = time.perf_counter()
    G = attention_dag(args.n, args.d)
    graph = compile_graph(G)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    encoded = greedy_moves(graph, args.memory)
    t_sched = time.perf_counter() - t0
    moves = encoded.decode()
    n = len(moves)
    print(f"attention N={args.n} d={args.d}: {graph.n} nodes (built+compiled in {t_build:.2f} s)")
    print(f"greedy strategy at M={args.memory}: {n} moves (scheduled in {t_sched:.2f} s)")

    t0 = time.perf_counter()
    replay(graph, encoded, args.memory)  # first call: numba compiles (or loads its cache)
    t_jit = time.perf_counter() - t0

    t_enc, _ = timed(lambda: encode_moves(graph, moves))
    t_fast, fast = timed(lambda: replay(graph, encoded, args.memory))
    t_names, _ = timed(lambda: replay(graph, moves, args.memory))
    t_ref, ref = timed(lambda: replay_reference(G, moves, args.memory), repeat=1)
    assert fast.io == ref["io"] and fast.peak_red == ref["peak_red"], "replays disagree"
    print(f"io = {fast.io}, peak red = {fast.peak_red} (both replays agree)")
    print(f"first call incl. JIT compile/cache load: {t_jit:.2f} s\n")
    print(f"{'method':<24}{'seconds':>10}{'moves/s':>16}{'vs reference':>14}")
    for name, t in (
        ("reference (dicts)", t_ref),
        ("encode names", t_enc),
        ("replay (from names)", t_names),
        ("replay (encoded)", t_fast),
    ):
        print(f"{name:<24}{t:>10.3f}{n / t:>16,.0f}{t_ref / t:>13.1f}x")


if __name__ == "__main__":
    main()
