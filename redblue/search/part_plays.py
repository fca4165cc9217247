"""Plays of rule H3's relaxed part game from the start: upper bounds on a part's entry.

Rule H3 (:func:`redblue.search.heuristics._part_heuristic`) keeps a partition's tables
only where their sum at the start beats rule H. Filling the tables of large parts takes
seconds (attention N=2, d=2 at M=6: 3.8 s for sixteen candidate partitions, none kept).
Any legal play of a part's game from the start costs at least the part's table entry
there, so when the plays' costs over a partition sum to no more than rule H, its tables
cannot be kept and need not be filled: :func:`partition_play_bound` is that sum.

The game is the one :func:`redblue.search.heuristics._fill_part_table` solves, from its
start (every input blue, nothing red, every event to play): load a blue vertex with
fewer than ``M`` red (1), store a red non-input (1), delete a red pebble (0), compute a
non-input whose local predecessors are red with at most ``M - 1 - o(v)`` red (``o(v)``
its predecessors outside the part), play event ``w`` when its local predecessors are
red with at most ``M - 1 - o(w)`` red (0); every output of the part ends blue and every
event is played (the table's start entry may have fewer events to play, which only
lowers it).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence

__all__ = ["PLAY_FROM", "part_bits", "part_play_cost", "partition_play_bound"]

#: table entries (all the partition's parts, before sharing) from which the plays are
#: worth trying first: a partition's plays take about 20 ms, a fill about 1e-7 s an entry
PLAY_FROM = 1 << 18
#: random orders a part's plays try besides the fixed ones (seeded: the same plays
#: every run); on the attention and FFT DAGs 30 bring every part we measured to its
#: table's value where the red-pebble limit does not bite
PLAY_TRIES = 30


def _fixed_orders(part: list[int], preds: Sequence[Sequence[int]], inside: set[int]
                  ) -> Iterator[list[int]]:  # fmt: skip
    """The part's vertices by id (a topological order), then depth-first from its local
    sinks, the predecessors in and against their order (subtrees kept together)."""
    yield sorted(part)
    has_succ = {u for v in part for u in preds[v] if u in inside}
    sinks = [v for v in sorted(part, reverse=True) if v not in has_succ]
    for backwards in (False, True):
        seen: set[int] = set()
        order: list[int] = []
        stack = [(v, False) for v in reversed(sinks + sorted(part))]
        while stack:  # (iterative post-order: no recursion limit on a long chain)
            v, expanded = stack.pop()
            if expanded:
                order.append(v)
                continue
            if v in seen:
                continue
            seen.add(v)
            stack.append((v, True))
            local = [u for u in preds[v] if u in inside]
            stack.extend((u, False) for u in (local if backwards else reversed(local)))
        yield order


def _random_orders(items: list[int], need: dict[int, list[int]], events: set[int],
                   tries: int, rng: random.Random) -> Iterator[list[int]]:  # fmt: skip
    """Random topological orders of vertices and events, an event as soon as it can."""
    for _ in range(tries):
        done: set[int] = set()
        order: list[int] = []
        while len(order) < len(items):
            ready = [x for x in items if x not in done and all(u in done for u in need[x])]
            ev = [x for x in ready if x in events]
            x = ev[0] if ev else rng.choice(ready)
            done.add(x)
            order.append(x)
        yield order


def _price(read: int | None, blue: bool) -> tuple[int, int]:
    """What evicting a vertex costs, read next at ``read`` (None: never), for ``min``."""
    return (0, 0) if read is None else (1 if blue else 2, -read)


def _play(order, inside, events, preds, is_input, is_output, memory) -> int | None:
    """The I/O of playing ``order`` (vertices, and events or not), or None where a
    compute or event cannot fit its cap. Operands are loaded when read; evictions take
    first what is never read again (free), then blue vertices (a reload), then the
    others (a store and a reload), the one read last first among equals."""
    if not any(x in events for x in order):  # place each event after its last operand
        pos = {v: i for i, v in enumerate(order)}
        placed = list(order)
        for w in sorted(events, key=lambda w: -max(pos[u] for u in preds[w] if u in inside)):
            last = max(pos[u] for u in preds[w] if u in inside)
            placed.insert(placed.index(order[last]) + 1, w)
        order = placed
    reads: dict[int, list[int]] = {}
    for i, x in enumerate(order):
        if x in inside and is_input[x]:
            continue
        for u in preds[x]:
            if u in inside:
                reads.setdefault(u, []).append(i)

    def next_read(u: int, i: int) -> int | None:
        return next((j for j in reads.get(u, ()) if j >= i), None)

    red: set[int] = set()
    blue = {v for v in inside if is_input[v]}
    cost = 0
    for i, x in enumerate(order):
        if x in inside and is_input[x]:
            continue  # an input is loaded where it is read
        operands = [u for u in preds[x] if u in inside]
        room = memory - 1 - sum(u not in inside for u in preds[x])  # the cap of x
        for u in [*operands, None]:
            if u is not None and u in red:
                continue
            while len(red) > (room if u is None else min(room, memory) - 1):
                victims = [w for w in red if w not in operands]
                if not victims:
                    return None

                w = min(victims, key=lambda w, i=i: _price(next_read(w, i), w in blue))
                if next_read(w, i) is not None and w not in blue:
                    cost += 1  # stored before its eviction, to be loaded again
                    blue.add(w)
                red.discard(w)
            if u is not None:
                if u not in blue:
                    return None
                cost += 1
                red.add(u)
        if x in inside:
            red.add(x)
            if is_output[x]:
                cost += 1
                blue.add(x)
        red = {u for u in red if next_read(u, i + 1) is not None}
    return cost


def part_play_cost(part: Sequence[int], preds: Sequence[Sequence[int]],
                   is_input: Sequence[bool], is_output: Sequence[bool], memory: int,
                   tries: int = PLAY_TRIES) -> int | None:  # fmt: skip
    """The I/O of the cheapest of several legal plays of a part's relaxed game from the
    start: an upper bound on the part's table entry at the start.

    Parameters
    ----------
    part : sequence of int
        The part's vertices (ids of a topologically numbered graph).
    preds : sequence of sequences of int
        Each vertex's predecessors.
    is_input, is_output : sequences of bool
        Indexed by vertex.
    memory : int
        ``M``, the red pebbles.
    tries : int
        Random orders tried after the fixed ones (seeded).

    Returns
    -------
    int or None
        The cost, or None where no play tried fits the caps.

    Examples
    --------
    A chain ``0 -> 1 -> 2``, all in one part: load 0, compute 1 and 2, store 2.

    >>> part_play_cost([0, 1, 2], [[], [0], [1]], [True, False, False],
    ...                [False, False, True], 2)
    2

    References
    ----------
    .. [1] Saha, B. and Ye, C., "The I/O Complexity of Attention, or How Optimal is
       FlashAttention?", ICML 2024: the partition argument of the lower bounds, played
       here one part at a time.
    """
    inside = set(part)
    succs_out = sorted({w for w in range(len(preds)) if w not in inside
                        and any(u in inside for u in preds[w])})  # fmt: skip
    events = set(succs_out)
    items = sorted(inside) + succs_out
    need = {x: [u for u in preds[x] if u in inside] for x in items}
    rng = random.Random(0)
    best = None
    for order in itertools.chain(_fixed_orders(sorted(part), preds, inside),
                                 _random_orders(items, need, events, tries, rng)):  # fmt: skip
        c = _play(order, inside, events, preds, is_input, is_output, memory)
        if c is not None and (best is None or c < best):
            best = c
    return best


def part_bits(part: Sequence[int], preds: Sequence[Sequence[int]],
              is_input: Sequence[bool]) -> int:  # fmt: skip
    """The bits of a part's table: its vertices, its non-inputs, its events (vertices
    outside with a predecessor inside).

    Examples
    --------
    >>> part_bits([0, 1], [[], [0], [1]], [True, False, False])
    4
    """
    inside = set(part)
    events = sum(w not in inside and any(u in inside for u in preds[w])
                 for w in range(len(preds)))  # fmt: skip
    return len(part) + sum(not is_input[v] for v in part) + events


def partition_play_bound(parts: Sequence[Sequence[int]], preds: Sequence[Sequence[int]],
                         is_input: Sequence[bool], is_output: Sequence[bool],
                         memory: int, bits: int) -> int | None:  # fmt: skip
    """The sum of :func:`part_play_cost` over the parts whose tables have at most
    ``bits`` bits (vertices + non-inputs + events: those rule H3 may fill; the others
    count 0 there): at least the partition's sum at the start, or None where a part has
    no play.

    Examples
    --------
    Two chains, each its own part: a load and a store each.

    >>> preds = [[], [0], [1], [], [3]]
    >>> ins, outs = [True, False, False, True, False], [False, False, True, False, True]
    >>> partition_play_bound([[0, 1, 2], [3, 4]], preds, ins, outs, 2, bits=16)
    4
    """
    total = 0
    for part in parts:
        if part_bits(part, preds, is_input) > bits:
            continue
        c = part_play_cost(part, preds, is_input, is_output, memory)
        if c is None:
            return None
        total += c
    return total
