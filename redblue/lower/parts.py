"""The part-sum lower bound: exact searches on small parts of the DAG, summed.

The argument, for a complete calculation ``S`` of ``G`` with ``M`` red pebbles, in either
game (``classic``, or ``no-recompute``: every vertex computed at most once):

1. **The I/O splits over parts.** Every load or store moves the value of exactly one
   vertex. So for any partition ``P_1, ..., P_k`` of the needed vertices ``V'`` (see
   :mod:`redblue.lower.needed`), ``io(S) >= sum_i io_{P_i}(S)``, where ``io_P(S)`` counts
   the loads and stores of ``S`` on vertices of ``P`` (the I/O on vertices outside ``V'``
   is at least 0). A lower bound on ``io_P(S)`` that holds for *every* complete ``S``,
   summed over the parts, is a lower bound on Q(G, M).

2. **The relaxed game on a part.** Fix ``P``. For ``v`` in ``P`` let ``pred_P(v)`` be
   its predecessors in ``P`` and ``ext(v)`` the number of its predecessors outside
   ``P``. Call *events* the needed vertices ``w`` outside ``P`` with a predecessor in
   ``P``, with ``pred_P(w)`` and ``ext(w)`` likewise. The relaxed game is played on ``P``
   alone: red pebbles on ``P`` only, at most ``M`` at a time; the inputs of ``G`` in
   ``P`` start blue; blue pebbles are never removed. Its moves:

   - *load* ``v`` (cost 1): ``v`` holds blue and no red, fewer than ``M`` red pebbles;
   - *store* ``v`` (cost 1): ``v`` holds red; it gets blue;
   - *compute* ``v`` (cost 0): ``v`` is not an input of ``G`` and holds no red,
     ``pred_P(v)`` all red and at most ``M - 1 - ext(v)`` red pebbles before the move;
     in the no-recompute game, not computed before;
   - *delete* ``v`` (cost 0);
   - *event* ``w`` (cost 0, changes no pebble, marks ``w`` done): ``pred_P(w)`` all
     red and at most ``M - 1 - ext(w)`` red pebbles.

   The goal: every output of ``G`` in ``P`` holds blue, and every event is done.

3. **Every complete calculation plays the relaxed game.** Drop from ``S`` the moves on
   vertices outside ``P`` (and its blue-pebble deletions), and play an event ``w`` when
   ``S`` computes ``w``. The pebbles on ``P`` are exactly those of ``S`` (blue ones
   only more), so every move left stays legal: the red pebbles on ``P`` are among the at
   most ``M`` of ``S``; when ``S`` computes ``v`` (or ``w``) its ``ext`` outside
   operands hold red pebbles too, and fewer than ``M`` are in use before the move, so at
   most ``M - 1 - ext`` sit on ``P``; operands outside ``P`` cost nothing in the relaxed
   game. Each needed ``w`` outside ``P`` is computed by ``S`` at least once (it is not an
   input: it has a predecessor), and each output ends blue. So the relaxed optimum
   ``q(P)`` is at most ``io_P(S)``, for every ``S``, and ``Q(G, M) >= sum_i q(P_i)``.
   Every needed input of ``P`` is loaded and every non-input output of ``P`` stored in
   the relaxed game too (a needed vertex of ``P`` leads, inside ``P``, to an output or to
   an event), so the sum is at least the trivial bound. Outside vertices take no red
   pebble except at the moment they are computed; charging them more (a pebble held for
   the whole game, or their loads) is unsound, and ``tests/test_lower_parts.py`` pins a
   DAG on which each such variant exceeds the optimum.

4. **Solving a part exactly.** :func:`part_bound` searches the states (red, blue,
   events done, computed) as bitsets; it shares no code with the A* of
   :mod:`redblue.search`, so on a part that holds the whole graph (no outside vertex, no
   event: the relaxed game is the game) it is an independent check of that search.
   These reductions keep the optimum: events are played as soon as they may (free, and
   a done event only removes a goal); a red pebble on a vertex no remaining goal
   depends on is deleted (dropping every later move on such vertices leaves a legal, no
   dearer play); a store is made just before the deletion of its red pebble (moving a
   store later changes nothing while the vertex stays red), and never on a vertex
   already blue (it would change nothing). The search is A* with the consistent
   heuristic "inputs never loaded plus outputs never stored" (each needs an I/O move of
   its own: an input of ``P`` leads to a goal that its first load must precede), run as
   a 0-1 BFS on ``g + h``. When it stops on its time or state limit, every state with
   ``g + h`` below its current level has been expanded without reaching the goal, so
   that level (or the part's compulsory I/O, if larger) is still a proven bound on
   ``q(P)``.

Parts come from METIS (pymetis, a well-kept binding of the standard graph partitioner;
recursive Kernighan-Lin bisections of networkx where it is not installed) on the
undirected needed graph, at a few part sizes, and from slices of a topological order;
the best sum is kept. The witness lists every part (vertex names) and its bound, so a
reader can re-check any of them with :func:`part_game` and :func:`part_bound`.

References
----------
.. [1] S. Jain and M. Zaharia, "Spectral lower bounds on the I/O complexity of
   computation graphs", SPAA 2020 (the partition-based ILP bounds on small parts).
.. [2] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981.
.. [3] G. Karypis and V. Kumar, "A fast and high quality multilevel scheme for
   partitioning irregular graphs", SIAM J. Sci. Comput. 20(1), 1998 (METIS).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import networkx as nx

from redblue.lower.needed import NeededGraph
from redblue.lower.results import MethodResult
from redblue.search.limits import Limits

__all__ = ["PART_SIZES", "MAX_PART", "STATE_LIMIT", "PartGame", "part_game", "part_bound",
           "partitions", "parts_lower_bound", "SECONDS"]  # fmt: skip

#: the part sizes tried, in order (the exact search is exponential in the part size)
PART_SIZES = (10, 12, 14, 16, 18)
#: the largest part solved (larger parts of a partition count their compulsory I/O only)
MAX_PART = 24
#: states one part's search may hold before it stops with its proven level
STATE_LIMIT = 200_000
#: seconds the method takes when the call has no deadline (its plan is exponential)
SECONDS = 10.0


@dataclass(frozen=True)
class PartGame:
    """The relaxed game of one part (see the module docstring), as bitmasks.

    Attributes
    ----------
    vertices : tuple of int
        The part's needed-vertex ids, in topological order (local id = position).
    memory : int
    pred : tuple of int
        ``pred[v]``: bitmask of the predecessors of local ``v`` inside the part.
    cap : tuple of int
        ``cap[v] = M - 1 - ext(v)``: the most red pebbles on the part before computing ``v``.
    inputs, outputs : int
        Bitmasks of the inputs of G and of the non-input outputs of G in the part.
    events : tuple of (int, int)
        ``(mask, cap)`` per event: its predecessors in the part and ``M - 1 - ext(w)``.
    """

    vertices: tuple[int, ...]
    memory: int
    pred: tuple[int, ...]
    cap: tuple[int, ...]
    inputs: int
    outputs: int
    events: tuple[tuple[int, int], ...]

    @property
    def k(self) -> int:
        return len(self.vertices)

    def key(self) -> tuple:
        """What the optimum depends on (equal keys: equal optima, e.g. isomorphic parts)."""
        return (self.memory, self.pred, self.cap, self.inputs, self.outputs, self.events)

    def compulsory(self) -> int:
        """Inputs (each loaded once) plus non-input outputs (each stored once)."""
        return self.inputs.bit_count() + self.outputs.bit_count()


def _edges(H: NeededGraph) -> tuple[list[list[int]], list[list[int]]]:
    preds: list[list[int]] = [[] for _ in range(H.n)]
    succs: list[list[int]] = [[] for _ in range(H.n)]
    for u, v in zip(H.src.tolist(), H.dst.tolist(), strict=True):
        preds[v].append(u)
        succs[u].append(v)
    return preds, succs


def part_game(H: NeededGraph, part, memory: int, preds=None, succs=None) -> PartGame:
    """The relaxed game of ``part`` (needed-vertex ids) at memory ``memory``.

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> from redblue.game import compile_graph
    >>> from redblue.lower.needed import needed_graph
    >>> H = needed_graph(compile_graph(chain_dag(4)))     # 0 -> 1 -> 2 -> 3
    >>> g = part_game(H, [1, 2], 2)
    >>> g.pred, g.cap, g.events          # 1 reads the outside 0; the outside 3 reads 2
    ((0, 1), (0, 1), ((2, 1),))
    """
    if preds is None or succs is None:
        preds, succs = _edges(H)
    vs = sorted(int(v) for v in part)
    local = {v: i for i, v in enumerate(vs)}
    pred, cap = [], []
    inputs = outputs = 0
    events: dict[int, int] = {}
    for i, v in enumerate(vs):
        mask = 0
        for u in preds[v]:
            if u in local:
                mask |= 1 << local[u]
        pred.append(mask)
        cap.append(memory - 1 - (len(preds[v]) - mask.bit_count()))
        if H.is_input[v]:
            inputs |= 1 << i
        elif H.is_output[v]:
            outputs |= 1 << i
        for w in succs[v]:
            if w not in local and w not in events:
                emask = sum(1 << local[u] for u in preds[w] if u in local)
                events[w] = emask
    evs: dict[int, int] = {}  # mask -> the strictest cap among events with that mask
    for w, emask in events.items():
        c = memory - 1 - (len(preds[w]) - emask.bit_count())
        evs[emask] = min(c, evs.get(emask, c))
    # an event implied by another (its mask inside, its cap no stricter) adds no goal
    kept = [(m, c) for m, c in evs.items()
            if not any((m2, c2) != (m, c) and m & m2 == m and c2 <= c for m2, c2 in evs.items())]
    return PartGame(tuple(vs), int(memory), tuple(pred), tuple(cap), inputs, outputs,
                    tuple(sorted(kept)))  # fmt: skip


def part_bound(
    game: PartGame,
    no_recompute: bool,
    limits: Limits | None = None,
    state_limit: int = STATE_LIMIT,
) -> tuple[int, bool, int]:
    """The optimum of the relaxed game of one part, or a proven lower bound on it.

    Parameters
    ----------
    game : PartGame
    no_recompute : bool
        The no-recompute game (each vertex computed at most once).
    limits : Limits, optional
        Deadline; on expiry the proven level is returned.
    state_limit : int
        Most states to hold.

    Returns
    -------
    (int, bool, int)
        The bound, whether it is the exact optimum, and the states reached.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph
    >>> from redblue.lower.needed import needed_graph
    >>> H = needed_graph(compile_graph(pyramid_dag(2)))   # a whole part: the game itself
    >>> part_bound(part_game(H, range(H.n), 3), no_recompute=True)[:2]   # = solve's optimum
    (6, True)
    """
    k, M = game.k, game.memory
    pred, cap, inputs, outputs = game.pred, game.cap, game.inputs, game.outputs
    events = game.events
    nev = len(events)
    order = range(k - 1, -1, -1)  # reverse topological: successors first

    memo: dict[tuple[int, int, int, int], tuple | None] = {}

    def settle(R: int, B: int, D: int, C: int):
        """Play every enabled event, delete red pebbles no goal needs; None if a needed
        value is lost (no-recompute: computed, neither red nor blue)."""
        key = (R, B, D, C)
        if key not in memo:
            memo[key] = _settle(R, B, D, C)
        return memo[key]

    def _settle(R: int, B: int, D: int, C: int):
        while True:
            r = R.bit_count()
            for j in range(nev):
                if not D >> j & 1:
                    mask, c = events[j]
                    if R & mask == mask and r <= c:
                        D |= 1 << j
            need = outputs & ~B
            for j in range(nev):
                if not D >> j & 1:
                    need |= events[j][0]
            for v in order:
                if need >> v & 1 and not (no_recompute and C >> v & 1):
                    need |= pred[v]
            if no_recompute and C & need & ~R & ~B:
                return None
            R2 = R & need
            if R2 == R:
                return R, B & (need | outputs | inputs), D, C & need, need
            R = R2

    start = settle(0, 0, 0, 0)
    assert start is not None
    shift_b, shift_d, shift_c = k, 2 * k, 2 * k + nev

    def pack(R, B, D, C):
        return R | B << shift_b | D << shift_d | C << shift_c

    # A* by 0-1 BFS on f = g + h, h = inputs never loaded + outputs never stored (each
    # costs one I/O still to come; a move lowers h by at most its cost: consistent)
    todo = inputs | outputs
    dist: dict[int, int] = {}
    queue: deque = deque([(todo.bit_count(), 0, start)])
    level = 0
    while queue:
        f, g, st = queue.popleft()
        R, B, D, C, need = st
        key = pack(R, B, D, C)
        if key in dist:
            continue
        dist[key] = g
        level = f
        if need == 0:
            return g, True, len(dist)
        if len(dist) & 15 == 0 and (
            len(dist) > state_limit or (limits is not None and limits.reason() is not None)
        ):
            return max(level, game.compulsory()), False, len(dist)
        r = R.bit_count()
        blue = B | inputs
        for v in range(k):
            bit = 1 << v
            if not need & bit:
                continue
            if R & bit:
                if not inputs & bit and not B & bit:  # store, then delete
                    nxt = settle(R & ~bit, B | bit, D, C)
                    if nxt is not None:
                        if outputs & bit:  # h drops by one: f unchanged
                            queue.appendleft((f, g + 1, nxt))
                        else:
                            queue.append((f + 1, g + 1, nxt))
                nxt = settle(R & ~bit, B, D, C)  # delete
                if nxt is not None:
                    queue.appendleft((f, g, nxt))
                continue
            if blue & bit and r < M:  # load (an input's first load is marked in B)
                nxt = settle(R | bit, B | (bit & inputs), D, C)
                if nxt is not None:
                    if inputs & bit and not B & bit:
                        queue.appendleft((f, g + 1, nxt))
                    else:
                        queue.append((f + 1, g + 1, nxt))
            if (not inputs & bit and R & pred[v] == pred[v] and r <= cap[v]
                    and not (no_recompute and C & bit)):  # fmt: skip
                nxt = settle(R | bit, B, D, C | bit if no_recompute else 0)
                if nxt is not None:
                    queue.appendleft((f, g, nxt))
    raise AssertionError("the relaxed game has no complete play")  # M below min_memory


def _metis(H: NeededGraph, nparts: int) -> list[list[int]] | None:
    """METIS's partition of the undirected needed graph (fewest edges cut), or None
    where pymetis is not installed."""
    try:
        import pymetis
    except ImportError:  # pragma: no cover - an optional dependency
        return None
    adj: list[set[int]] = [set() for _ in range(H.n)]
    for u, v in zip(H.src.tolist(), H.dst.tolist(), strict=True):
        adj[u].add(v)
        adj[v].add(u)
    _, member = pymetis.part_graph(nparts, adjacency=[sorted(a) for a in adj])
    groups: dict[int, list[int]] = {}
    for v, p in enumerate(member):
        groups.setdefault(int(p), []).append(v)
    return list(groups.values())


def _bisections(H: NeededGraph, size: int) -> list[list[int]]:
    """Recursive Kernighan-Lin bisections (networkx) down to parts of at most ``size``."""
    U = nx.Graph()
    U.add_nodes_from(range(H.n))
    U.add_edges_from(zip(H.src.tolist(), H.dst.tolist(), strict=True))
    todo, done = [list(range(H.n))], []
    while todo:
        group = todo.pop()
        if len(group) <= size:
            done.append(sorted(group))
            continue
        a, b = nx.community.kernighan_lin_bisection(U.subgraph(group), seed=0)
        todo += [list(a), list(b)]
    return done


def _slices(H: NeededGraph, size: int) -> list[list[int]]:
    ids = list(range(H.n))  # ids are topological
    return [ids[i : i + size] for i in range(0, H.n, size)]


def partitions(H: NeededGraph, sizes=PART_SIZES):
    """Candidate partitions of the needed vertices, as ``(label, parts)``, smallest parts
    first: the whole graph when it is small, else at each size a METIS partition (fewest
    edges cut) and slices of the topological order."""
    if H.n <= min(sizes):
        yield "whole", [list(range(H.n))]
        return
    for size in sizes:
        nparts = -(-H.n // size)
        if nparts >= 2:
            parts = _metis(H, nparts)
            if parts is not None:
                yield f"metis size {size}", parts
            else:  # pragma: no cover - without pymetis
                yield f"kernighan-lin size {size}", _bisections(H, size)
        yield f"slices size {size}", _slices(H, size)


def parts_lower_bound(H: NeededGraph, memory: int, variant: str, limits: Limits,
                      sizes=PART_SIZES) -> MethodResult:
    """The part-sum bound on Q(G, M), proven in the module docstring, with its witness.

    Parameters
    ----------
    H : NeededGraph
        The needed subgraph (:func:`redblue.lower.needed.needed_graph`).
    memory : int
        M, at least the largest in-degree plus one.
    variant : {"classic", "no-recompute"}
    limits : Limits
        The deadline (without one, :data:`SECONDS`); partitions are tried, and their
        parts solved, until it passes.
    sizes : tuple of int
        The part sizes tried (see :func:`partitions`).

    Returns
    -------
    MethodResult
        Named ``"parts"``; the witness names the best partition, every part's vertices
        and bound (``exact`` when it is the part's optimum), and every partition tried.
        Status "stopped" when the deadline, an interrupt or a failed allocation (reason
        "memory limit") cut the plan short (the value is the best sum proven by then,
        never below the trivial bound).

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph
    >>> from redblue.lower.needed import needed_graph
    >>> H = needed_graph(compile_graph(pyramid_dag(5)))
    >>> r = parts_lower_bound(H, 3, "no-recompute", Limits(60))
    >>> r.value, r.witness["trivial"], r.witness["partition"]      # the optimum is 25
    (25, 7, 'slices size 18')
    """
    if limits.deadline is None:
        limits = limits.within(SECONDS)
    no_recompute = variant == "no-recompute"
    preds, succs = _edges(H)
    trivial = int(H.is_input.sum()) + int((H.is_output & ~H.is_input).sum())
    cache: dict[tuple, tuple[int, bool]] = {}
    best, best_witness, tried = trivial, {"partition": None, "parts": []}, []
    stopped = short_of_memory = False
    for label, parts in partitions(H, sizes):
        t0 = time.monotonic()
        total, rows, exact = 0, [], True
        for part in parts:
            game = part_game(H, part, memory, preds, succs)
            key = game.key()
            if key not in cache:
                if game.k > MAX_PART or limits.reason() is not None or short_of_memory:
                    cache[key] = (game.compulsory(), False)
                else:
                    try:
                        cache[key] = part_bound(game, no_recompute, limits)[:2]
                    except MemoryError:  # its tables go with its frame; the part's
                        short_of_memory = True  # compulsory I/O still holds, below
                    if short_of_memory:
                        cache[key] = (game.compulsory(), False)
            value, ok = cache[key]
            exact &= ok
            total += value
            rows.append({"vertices": [H.name(v) for v in game.vertices], "bound": value,
                         "exact": ok})  # fmt: skip
        tried.append({"partition": label, "sum": total,
                      "seconds": round(time.monotonic() - t0, 3)})  # fmt: skip
        if total > best or best_witness["partition"] is None:
            best = max(best, total)
            best_witness = {"partition": label, "exact": exact, "parts": rows}
        if limits.reason() is not None or short_of_memory:
            stopped = True
            break
    witness = {"trivial": trivial, **best_witness, "tried": tried,
               "formula": "sum over the parts of the optimum (or a proven lower bound) of "
                          "each part's relaxed game"}  # fmt: skip
    reason = "memory limit" if short_of_memory else limits.reason() or "time limit"
    status, reason = ("stopped", reason) if stopped else ("ok", None)
    return MethodResult("parts", best, 0.0, status, reason, witness)
