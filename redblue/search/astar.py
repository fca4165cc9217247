"""The primary exact method: A* over normal-form move sequences, on bitset states.

A state is a triple of bitsets over the integer ids of a
:class:`~redblue.game.CompiledGraph`: ``red``, ``blue`` and (no-recompute only)
``comp``, the vertices computed so far. Instead of single moves the search takes
*macro moves*: "compute ``v``", which evicts the fewest red pebbles needed to make room
(each victim either dropped or stored then dropped), loads the predecessors of ``v``
that are blue but not red, computes ``v`` and, when ``v`` is an output, stores it.
Every rule below removes strategies from consideration; each comment says why at least
one optimal strategy survives (an exchange argument that turns any strategy into one of
the kept form without raising its I/O). Tests check every rule against a plain Dijkstra
over all legal moves (``tests/test_search_rules.py``).

Rules (their names are the keys of ``RULES``; ``solve(..., rules=...)`` can switch the
optional ones off for testing):

N1 *blue is never deleted* (always on). Blue pebbles are unlimited and only enable
   loads and the end condition; removing every ``delete-blue`` move (and the stores that
   then become illegal because the vertex is still blue) keeps a strategy valid and never
   raises its cost.
N2 *stores happen at eviction* (always on). A store of ``v`` is legal while ``v`` is
   red, and the blue pebble it creates is only used by a later load of ``v`` (which
   needs ``v`` not red) or by the end condition. Moving the store later, to just before
   the deletion of that red pebble, keeps every move legal at the same cost. Outputs are
   the exception that goes the other way: every output needs exactly one store (N1), and
   moving it *earlier*, to right after ``v`` is computed, is legal and the same cost, so
   an output is stored the moment it is computed (no branching).
N3 *lazy eviction* (always on). A deletion of a red pebble can be postponed to the next
   load or compute that finds all ``M`` pebbles in use: holding a red pebble longer
   blocks nothing but a load or compute of that same vertex, and such a move then becomes
   redundant (the vertex already is red) and is dropped along with the deletion, saving
   cost. So pebbles are removed only to make room, as few as needed.
N4 *lazy loading* (always on). A load of ``u`` can be postponed to just before the
   first compute that uses ``u`` (``u`` stays blue, so the load is still legal; memory
   use in between only falls). A load never followed by such a compute before the pebble
   goes is useless and is dropped. So loads only happen inside a "compute ``v``" macro,
   of the predecessors of ``v``.
D  *dead values* (rule ``"dead"``). In the classic game a vertex is *live* when some
   output that is a descendant of it (or itself) has no blue pebble; in no-recompute,
   when it is an output without blue or has a successor that is live and not yet
   computed. A dead vertex can never contribute to an output still to be produced, so
   loading, computing or storing it is wasted: its red pebble is deleted at once (free),
   it is never computed or loaded again and its blue pebble is forgotten. In
   no-recompute, evicting a live vertex without blue would make its uncomputed
   successor impossible, so such an eviction always stores.
F  *forced last uses* (rule ``"forced"``, no-recompute, with rule D). If ``v`` can be
   computed now without a load or an eviction, and some operand ``u`` of ``v`` holds red
   but no blue and ``v`` is the only live successor of ``u`` not yet computed, then
   computing ``v`` first (``u`` then dies and is dropped) is the only move tried. Exchange
   argument: any optimal continuation must compute ``v`` (it is live), so keeps ``u`` red
   until then, or stores ``u`` (it has no blue) and reloads it. Let ``v`` stand in for
   ``u``: red where ``u`` was red, stored and reloaded where ``u`` was (a store of ``u``
   costs 1, so does the store of ``v``; if ``v`` is an output its one store is merely
   paid earlier); the compute of ``v`` later is skipped. Every move stays legal, the red
   count never grows and the cost does not rise. (With ``u`` already blue the argument
   fails: evicting ``u`` would be free but evicting ``v`` is not, so the rule requires
   ``u`` without blue.)
H  *admissible heuristic* (rule ``"heuristic"``). ``h`` = outputs still without blue
   (each needs one store) + inputs (in no-recompute: blue vertices) that are not red but
   must become red again: those that are predecessors of a vertex that must still be
   computed, where the vertices that must be computed are the outputs without blue and,
   recursively, the predecessors without red, blue or stash (rule S) of a vertex that must
   be computed.
   Each counted vertex can only become red by a load, and distinct vertices need
   distinct loads, so ``h`` never exceeds the true remaining cost.
B  *branch and bound* (rule ``"bound"``). The cheapest replayed strategy known (the
   greedy schedule, any strategy passed as ``upper``, and what the seeding steps of
   ``solve`` find: weighted A* and the exact optimum of the
   no-recompute game) gives an upper bound ``U``; a state with ``g + h >= U`` cannot
   lead to a strategy cheaper than ``U`` and is not expanded. If nothing cheaper is
   found, the seed strategy is the certificate. The seeds only need to be valid (each is
   replayed), never optimal.
S  *the stash* (rule ``"stash"``, classic game). Rule N2 would branch on every eviction of
   a live value without blue: store it (cost 1) or drop it. Instead the value is dropped
   into the *stash* (a third bitset), and a later load of a stashed value costs 2: the
   store is placed retroactively just before its last eviction, when it was red (legal;
   the extra blue pebble changes nothing else), and paid when the load needs it. A store
   never followed by a load of that value is wasted (outputs aside, stored at once), so
   every normal-form strategy maps to a stash strategy of the same cost and back; the
   eviction branching disappears. ``moves_of`` inserts the retroactive stores.
H2 *cut heuristic* (classic game, with rule ``"heuristic"``): see
   :meth:`Problem.cut_heuristic`; computed only when a state is about to be expanded (a
   state whose bound rises is put back in its new bucket).
T  *transpositions*: states reached again at no smaller cost are not expanded again.
C  *stash dominance* (rule ``"dominance"``, classic game with rule S). Two states with
   the same red and blue sets, ``X = (R, B, C)`` at cost ``g`` and ``Y = (R, B, C')`` at
   cost ``g' <= g`` with ``C`` a proper subset of ``C'``: every macro sequence that
   completes from ``X`` is legal from ``Y`` at the same cost. A macro checks only that the
   operands are in ``red | blue | stash``, pays 1 per load of a blue operand and 2 per
   load of a stashed one, and the red and blue sets evolve identically (they do not
   depend on the stash); the stash evolves as ``(C | added) & ~blue & live``, which keeps
   ``C_X`` inside ``C_Y`` along the way (``live`` depends on blue only in the classic
   game). So ``Y`` reaches the goal at no greater cost and ``X`` need not be expanded.
   States are compared within one ``(red, blue)`` class: a new state is dropped when a
   stored state of its class dominates it, and a queued state is skipped when it has
   been dominated since. A dominating state is itself either expanded, dominated in turn
   (the relation is a strict partial order, so a chain ends) or discarded by rule B
   because every completion through it costs at least the bound, and then so does every
   completion through ``X``. Measured on attention N=2, d=1 at M=7, about 9 in 10 stored
   states differ from another only by a smaller stash.
Y  *symmetry* (rule ``"symmetry"``). An automorphism ``p`` of the DAG (a permutation of
   the vertices mapping edges to edges and outputs to outputs; inputs, being the sources,
   follow) maps every legal move sequence to a legal one of the same cost, and every rule
   above is defined from the graph structure alone, so a state ``s`` and ``p(s)`` have the
   same optimal cost to go and the same heuristic values. The search therefore stores
   each state as a representative: its image under the automorphism that makes
   ``(red, blue)``, then the stash, smallest (any choice would be sound; a canonical one
   merges the most states). The group is computed once, by individualization and
   refinement (:func:`_find_automorphisms`; the tests compare it with networkx's VF2
   matcher), at most ``MAX_AUTOMORPHISMS`` elements kept; on attention DAGs it permutes
   the rows of Q, the rows of K together with V and, where the sums allow, the inner
   dimension and the columns of V and the output. The certificate is rebuilt by composing the
   permutations along the path back into the start's coordinates
   (:func:`unmap_macros`).
"""

from __future__ import annotations

import itertools
import time
import weakref
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE
from redblue.search.limits import Limits, Stopped

__all__ = [
    "RULES",
    "AStarOutcome",
    "astar_search",
    "Problem",
    "automorphisms",
    "weighted_search",
]

#: most automorphisms kept by rule Y (a subset of the group is still sound)
MAX_AUTOMORPHISMS = 256
#: units of work (states popped, successors made) between two looks at memory and
#: progress in the Python core (the clock and Ctrl-C are looked at every unit)
LOOK_WORK = 256

RULES = ("stash", "dead", "forced", "heuristic", "bound", "dominance", "symmetry")


def _bits(mask: int):
    """Indices of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def automorphisms(
    graph: CompiledGraph, limit: int = MAX_AUTOMORPHISMS, limits: Limits | None = None
) -> list[list[int]]:
    """Automorphisms of the DAG that fix the output set, identity first (rule Y).

    Computed once per graph and limit (``solve`` searches the same graph thrice: weighted
    A*, the no-recompute seed, then the classic game). Under ``limits`` the search for
    them stops at the deadline (or Ctrl-C) with those found so far: any set of
    automorphisms is sound for rule Y, only fewer states are merged. Such a partial set
    is not kept for later calls.
    """
    cache = _AUTOMORPHISMS.setdefault(graph, {})
    perms = cache.get(limit)
    if perms is None:
        perms, complete = _find_automorphisms(graph, limit, limits)
        if complete:
            cache[limit] = perms
    return [p[:] for p in perms]


_AUTOMORPHISMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# graph -> (automorphisms, their _Symmetry)
_SYMMETRIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _find_automorphisms(
    graph: CompiledGraph, limit: int, limits: Limits | None = None
) -> tuple[list[list[int]], bool]:
    """Every automorphism (up to ``limit``) by individualization and refinement; and
    whether the search ran to its end (False when ``limits`` stopped it).

    Colour refinement (:func:`_refine`) splits the vertices into classes that every
    automorphism keeps. The search fixes the smallest vertex ``v`` of the first class with
    more than one vertex, and for each vertex ``w`` of that class gives ``v`` and ``w`` a
    colour of their own in two copies, refines both, and goes on while the two colourings
    still have the same class sizes; once every class is a single vertex the colourings
    define a permutation, kept if it maps the edges onto themselves (outputs and inputs
    keep their colours from the start, so they map onto themselves already). Every
    automorphism maps ``v`` to some ``w`` with the same colours all along, so none is
    missed. On these DAGs (networkx's VF2 matcher, which the tests compare against, took
    about 9 s on the 99-vertex N = 3, d = 2 attention DAG) refinement leaves little to
    try.

    The search is depth first with an explicit stack (a class of 3,000 interchangeable
    inputs takes 3,000 levels, beyond Python's recursion limit); along the first branch,
    where both colourings are the same, ``w = v`` reuses the refinement of ``v``.
    """
    n = graph.n
    preds = [graph.predecessors(v).tolist() for v in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for v in range(n):
        for u in preds[v]:
            succs[u].append(v)
    edges = {(u, v) for v in range(n) for u in preds[v]}
    ident = list(range(n))
    perms = [ident]

    def level(ca, cb, same: bool) -> list | None:
        """The next level below colourings ``ca``, ``cb``: ``[refined ca, cb, same, v,
        fresh colour, candidates w]``; None at a leaf (a permutation, kept if valid)."""
        cells: dict = {}
        for x, c in enumerate(ca):
            cells.setdefault(c, []).append(x)
        split = min((c for c, xs in cells.items() if len(xs) > 1), default=None)
        if split is None:
            where = {c: w for w, c in enumerate(cb)}
            p = [where[c] for c in ca]
            if p != ident and all((p[u], p[v]) in edges for u, v in edges):
                perms.append(p)
            return None
        v = cells[split][0]
        fresh = max(ca) + 1
        ca2 = _refine([fresh if x == v else c for x, c in enumerate(ca)], preds, succs, limits)
        cands = iter([x for x, c in enumerate(cb) if c == split])
        return [array("q", ca2), cb, same, v, fresh, cands]

    try:
        if limits is not None:
            limits.check()
        start = array("q", _refine([(bool(graph.is_output[v]), bool(graph.is_input[v]))
                                    for v in range(n)], preds, succs, limits))  # fmt: skip
        stack = []
        top = level(start, start, True)
        if top is not None:
            stack.append(top)
        while stack and len(perms) < limit:
            ca2, cb, same, v, fresh, cands = stack[-1]
            w = next(cands, None)
            if w is None:
                stack.pop()
                continue
            if limits is not None:
                limits.check()
            if same and w == v:
                cb2 = ca2  # the same refinement of the same colouring
            else:
                cb2 = array("q", _refine([fresh if x == w else c for x, c in enumerate(cb)],
                                         preds, succs, limits))  # fmt: skip
            if sorted(ca2) == sorted(cb2):
                below = level(ca2, cb2, same and w == v)
                if below is not None:
                    stack.append(below)
    except Stopped:
        return perms[:limit], False
    return perms[:limit], True


def _refine(colors: list, preds: list[list[int]], succs: list[list[int]],
            limits: Limits | None = None) -> list[int]:  # fmt: skip
    """Colour refinement: the coarsest partition finer than ``colors`` in which vertices of
    one class have the same multiset of predecessor classes and of successor classes.

    Class numbers come from sorting the (colour, predecessor colours, successor colours)
    signatures, so two colourings related by a vertex permutation are refined into
    colourings related by the same permutation (what :func:`_find_automorphisms` needs).
    """
    ncls = len(set(colors))
    while True:
        if limits is not None:
            limits.check()  # a round takes a tenth of a second at 10,000 vertices
        sig = [
            (c, tuple(sorted(colors[u] for u in preds[v])), tuple(sorted(colors[w] for w in out)))
            for v, (c, out) in enumerate(zip(colors, succs, strict=True))
        ]
        ids = {key: i for i, key in enumerate(sorted(set(sig)))}
        colors = [ids[x] for x in sig]
        if len(ids) == ncls:
            return colors
        ncls = len(ids)


class _Symmetry:
    """Fast application of a list of vertex permutations to bitsets (rule Y).

    A permutation ``p`` maps the bits it fixes to themselves, so the image of a bitset is
    ``mask & fixed`` plus, for each chunk of :attr:`CHUNK` vertex ids holding a vertex
    ``p`` moves, a table lookup giving the image of the moved bits of that chunk. On the
    automorphisms of large random DAGs (a few interchangeable inputs each) this keeps the
    tables tiny: a full table per chunk and permutation took 13 s and 3 GB at 1,000
    vertices. ``limits`` (checked once a permutation) stops a long table build.
    """

    CHUNK = 10

    def __init__(self, perms: list[list[int]], n: int, tables: bool = True,
                 limits: Limits | None = None):  # fmt: skip
        self.perms, self.n = perms, n
        self._blue_images: dict[int, list[int]] = {}
        ch = self.CHUNK
        full = (1 << n) - 1
        self.moved = [[v for v, w in enumerate(p) if v != w] for p in perms]
        self.fixed: list[int] = []
        self.tables: list[list[tuple[int, list[int]]]] = []
        for p, moved in zip(perms if tables else (), self.moved, strict=False):
            if limits is not None:
                limits.check()
            self.fixed.append(full & ~sum(1 << v for v in moved))
            tabs = []
            for c in sorted({v // ch for v in moved}):  # without tables: for unmap_macros
                bits = [p[i] if p[i] != i else -1 for i in range(c * ch, min(n, (c + 1) * ch))]
                tab = [0] * (1 << len(bits))
                for x in range(1, len(tab)):
                    low = x & -x
                    j = bits[low.bit_length() - 1]
                    tab[x] = tab[x ^ low] | (1 << j if j >= 0 else 0)
                tabs.append((c * ch, tab))
            self.tables.append(tabs)
        self.inverse = []
        for p, moved in zip(perms, self.moved, strict=True):
            self.inverse.append({p[v]: v for v in moved})

    def apply(self, k: int, mask: int) -> int:
        """The image of the bitset ``mask`` under permutation number ``k``."""
        out, m = mask & self.fixed[k], (1 << self.CHUNK) - 1
        for shift, tab in self.tables[k]:
            out |= tab[mask >> shift & m]
        return out

    def canon(self, red: int, blue: int, comp: int) -> tuple[int, int, int, int]:
        """``(red, blue, comp, k)``: the representative and the permutation giving it.

        The smallest image of ``(blue, red)`` (blue compared first), then of the stash.
        Blue sets repeat a lot, so their images are cached.
        """
        images = self._blue_images.get(blue)
        if images is None:
            if len(self._blue_images) > 100_000:
                self._blue_images.clear()
            images = [self.apply(k, blue) for k in range(len(self.perms))]
            self._blue_images[blue] = images
        low = min(images)
        best = None
        for k, b in enumerate(images):
            if b != low:
                continue
            r = self.apply(k, red)
            if best is None or r < best[0]:
                best = (r, self.apply(k, comp) if comp else 0, k)
            elif r == best[0] and comp:
                c = self.apply(k, comp)
                if c < best[1]:
                    best = (r, c, k)
        assert best is not None  # the identity is always there
        r, c, k = best
        return r, low, c, k

    def compose_map(self, sigma: list[int], k: int) -> list[int]:
        """``sigma o perm_k^-1`` as a vertex list (only the moved vertices change)."""
        out = sigma[:]
        for v, u in self.inverse[k].items():
            out[v] = sigma[u]
        return out


def unmap_macros(
    sym: _Symmetry, steps: list[tuple[int, int, int, int]]
) -> list[tuple[int, int, int]]:
    """Macros in the start's coordinates from ``(v, victims, stored, k)`` steps (rule Y).

    Step ``i`` is a macro in the coordinates of representative ``i``, whose result was
    mapped by permutation ``k`` to representative ``i + 1``; ``sigma`` maps the
    coordinates of representative ``i`` to the real ones and is updated as
    ``sigma o perm_k^-1``.
    """
    sigma = list(range(sym.n))
    out = []
    for v, vm, st, k in steps:
        real_vm = sum(1 << sigma[u] for u in _bits(vm))
        real_st = sum(1 << sigma[u] for u in _bits(st))
        out.append((sigma[v], real_vm, real_st))
        sigma = sym.compose_map(sigma, k)
    return out


class Problem:
    """Bitmask tables of a compiled graph, shared by the expansion and the replay."""

    def __init__(
        self,
        graph: CompiledGraph,
        memory: int,
        no_recompute: bool,
        dead: bool,
        stash: bool = True,
        forced: bool = True,
    ):
        n = graph.n
        self.graph, self.n, self.memory = graph, n, memory
        self.no_recompute, self.use_dead = no_recompute, dead
        # classic game: ``comp`` holds the stash (rule S); no-recompute: the computed set
        self.stash = stash and not no_recompute
        self.track_comp = no_recompute or self.stash
        self.forced = forced and no_recompute and dead
        self.preds = [graph.predecessors(v).tolist() for v in range(n)]
        self.pred_mask = [sum(1 << u for u in p) for p in self.preds]
        succ = [0] * n
        for v in range(n):
            for u in self.preds[v]:
                succ[u] |= 1 << v
        self.succ_mask = succ
        self.inputs = sum(1 << v for v in range(n) if graph.is_input[v])
        self.outputs = sum(1 << v for v in range(n) if graph.is_output[v])
        anc = [0] * n  # ancestors-or-self, ids are topological
        for v in range(n):
            a = 1 << v
            for u in self.preds[v]:
                a |= anc[u]
            anc[v] = a
        self.anc = anc
        self.all = (1 << n) - 1
        self.noninputs = [v for v in range(n) if not graph.is_input[v]]
        self._cut_memo: dict[tuple[int, int, int, int], int] = {}
        self._INF = 1 << 20
        self._head: list[int] | None = None  # the flow network of rule H2, built lazily
        #: the automorphisms rule Y uses (None: :func:`automorphisms` finds them); ``solve``
        #: finds them once, within its time limit, for every search on the graph
        self.perms: list[list[int]] | None = None
        #: the limits of the running search, looked at inside long per-state work (the
        #: max flow of rule H2 on large graphs)
        self.limits: Limits | None = None

    def live(self, blue: int, comp: int) -> int:
        """The live vertices (rule D); every vertex when the rule is off."""
        if not self.use_dead:
            return self.all
        pending = self.outputs & ~blue
        if not self.no_recompute:
            live = 0
            for o in _bits(pending):
                live |= self.anc[o]
            return live
        live = pending
        succ = self.succ_mask
        for v in range(self.n - 1, -1, -1):
            if succ[v] & ~comp & live:
                live |= 1 << v
        return live

    def heuristic(self, red: int, blue: int, comp: int = 0) -> int:
        """Rule H: a lower bound on the I/O still to pay."""
        pending = self.outputs & ~blue
        must = pending & ~red
        loads = 0
        loadable = blue if self.no_recompute else blue & self.inputs
        stashed = comp if self.stash else 0  # may be loaded instead of computed: stop there
        pm = self.pred_mask
        if must:
            for v in range(must.bit_length() - 1, -1, -1):
                if must >> v & 1:
                    missing = pm[v] & ~red
                    loads |= missing & loadable
                    must |= missing & ~blue & ~stashed
        return pending.bit_count() + loads.bit_count()

    def cut_heuristic(self, red: int, blue: int, comp: int) -> int:
        """Rule H2 (classic game): outputs without blue + a minimum vertex cut.

        Every output without blue must still be computed, so all its predecessors must
        become red, and, going back, every path from an input to such an output through
        vertices without red must meet a vertex that becomes red by a load (an input can
        only be loaded). The loaded vertices therefore form a vertex cut between the
        inputs and those outputs in the graph of non-red vertices; a vertex costs 1 to
        load when blue, 2 from the stash (rule S), and cannot be loaded otherwise.
        Distinct vertices need distinct loads, so the cheapest cut, found as a maximum
        flow, is a lower bound on the loads still to pay.
        """
        pending = self.outputs & ~blue
        if not pending:
            return 0
        region = pending & ~red
        pm = self.pred_mask
        for v in range(region.bit_length() - 1, -1, -1):
            if region >> v & 1:
                region |= pm[v] & ~red
        # the flow network depends only on these (red only through the region)
        memo_key = (pending, region, blue & region, comp & region)
        memo = self._cut_memo
        hit = memo.get(memo_key)
        if hit is not None:
            return hit
        if len(memo) > 1_000_000:
            memo.clear()
        value = self._cut_flow(pending, region, blue, comp)
        memo[memo_key] = value
        return value

    def _flow_network(self) -> None:
        """The network of :meth:`_cut_flow` over all vertices, built once.

        Vertex ``v`` is split into ``2v -> 2v+1`` (edge ``split[v]``); the source feeds
        every input, ``2v+1`` feeds the sink (edge ``sink[v]``), and ``2u+1 -> 2v`` for
        every edge ``u -> v``. Edges are stored in pairs, ``e ^ 1`` being the reverse of
        ``e``. Split and sink capacities start at 0 and are set per call, so a vertex
        outside the region, whose split capacity stays 0, carries no flow.
        """
        n, INF = self.n, self._INF
        src, snk = 2 * n, 2 * n + 1
        head: list[int] = []
        cap: list[int] = []
        adj: list[list[int]] = [[] for _ in range(2 * n + 2)]

        def arc(a: int, b: int, c: int) -> int:
            adj[a].append(len(head))
            head.append(b)
            cap.append(c)
            adj[b].append(len(head))
            head.append(a)
            cap.append(0)
            return len(head) - 2

        self._split = [arc(2 * v, 2 * v + 1, 0) for v in range(n)]
        self._sink = [arc(2 * v + 1, snk, 0) for v in range(n)]
        for v in range(n):
            if self.inputs >> v & 1:
                arc(src, 2 * v, INF)
            for u in self.preds[v]:
                arc(2 * u + 1, 2 * v, INF)
        self._head, self._cap0, self._adj = head, cap, adj

    def _cut_flow(self, pending: int, region: int, blue: int, comp: int) -> int:
        """The max-flow part of :meth:`cut_heuristic` (BFS augmenting paths; the compiled
        core uses Dinic's algorithm, which finds the same maximum)."""
        n, INF = self.n, self._INF
        if self._head is None:
            self._flow_network()
        head, adj = self._head, self._adj
        cap = self._cap0[:]
        split, sink = self._split, self._sink
        for v in _bits(region):
            bit = 1 << v
            cap[split[v]] = 1 if blue & bit else 2 if comp & bit else INF
        for v in _bits(pending & region):
            cap[sink[v]] = INF
        src, snk = 2 * n, 2 * n + 1
        flow = 0
        size = 2 * n + 2
        limits = self.limits
        while True:
            if limits is not None:
                limits.check()  # one breadth-first pass a path: long on large graphs
            via = [-1] * size
            via[src] = -2
            queue = [src]
            for a in queue:
                for e in adj[a]:
                    if cap[e] > 0:
                        b = head[e]
                        if via[b] == -1:
                            via[b] = e
                            queue.append(b)
                if via[snk] != -1:
                    break
            if via[snk] == -1:
                break
            push, b = INF, snk
            while b != src:
                e = via[b]
                if cap[e] < push:
                    push = cap[e]
                b = head[e ^ 1]
            b = snk
            while b != src:
                e = via[b]
                cap[e] -= push
                cap[e ^ 1] += push
                b = head[e ^ 1]
            flow += push
            if flow >= INF:  # pragma: no cover - an output that cannot be produced
                break
        return pending.bit_count() + flow

    def start(self) -> tuple[int, int, int]:
        blue = self.inputs
        return self.canon(0, blue, 0)

    def canon(self, red: int, blue: int, comp: int) -> tuple[int, int, int]:
        """Rule D: drop dead red pebbles and forget dead blue ones and dead computations."""
        live = self.live(blue, comp)
        if self.stash:
            comp &= ~blue
        return red & live, blue & (live | self.outputs), comp & live

    def successors(self, red: int, blue: int, comp: int):
        """Macro moves: (cost, red, blue, comp, v, victims, stored)."""
        memory, pm = self.memory, self.pred_mask
        live = self.live(blue, comp)
        r = red.bit_count()
        avail = red | blue
        nr, stash = self.no_recompute, self.stash
        if stash:
            avail |= comp
        cbit_all = -1 if self.track_comp else 0
        if self.forced and r < memory:
            # rule F: a ready last use of a red value without blue is played first
            succ = self.succ_mask
            for v in self.noninputs:
                bit = 1 << v
                p = pm[v]
                if red & bit or comp & bit or not live & bit or p & ~red:
                    continue
                for u in _bits(p & ~blue):
                    if succ[u] & live & ~comp == bit:
                        nblue = blue | (bit if self.outputs & bit else 0)
                        cost = 1 if self.outputs & bit else 0
                        yield (cost, *self.canon(red | bit, nblue, comp | bit), v, 0, 0)
                        return
        for v in self.noninputs:
            bit = 1 << v
            if red & bit or not live & bit or (nr and comp & bit):
                continue
            p = pm[v]
            if p & ~avail:
                continue
            missing = p & ~red
            loads = missing.bit_count()
            unstashed = missing & ~blue  # rule S: load from the stash, store paid now
            need = r + loads + 1 - memory
            out_cost = 1 if self.outputs & bit else 0
            blue1 = blue | unstashed | (bit if out_cost else 0)
            cost1 = loads + unstashed.bit_count() + out_cost
            ncomp = (comp | bit) & cbit_all
            if need <= 0:
                yield (cost1, *self.canon(red | missing | bit, blue1, ncomp), v, 0, 0)
                continue
            pool = list(_bits(red & ~p))
            for victims in itertools.combinations(pool, need):
                vmask = 0
                for u in victims:
                    vmask |= 1 << u
                unsaved = vmask & ~blue
                base_red = (red & ~vmask) | missing | bit
                if stash:  # no store now (rule S): the victims go to the stash
                    yield (cost1, *self.canon(base_red, blue1, ncomp | unsaved), v, vmask, 0)
                    continue
                if nr and self.use_dead:  # live victims without blue must be stored (rule D)
                    choices = (unsaved,)
                else:
                    ids = list(_bits(unsaved))
                    choices = (
                        sum(1 << u for u, s in zip(ids, pick, strict=True) if s)
                        for pick in itertools.product((0, 1), repeat=len(ids))
                    )
                for stored in choices:
                    cost = cost1 + stored.bit_count()
                    yield (cost, *self.canon(base_red, blue1 | stored, ncomp), v, vmask, stored)

    def moves_of(self, macros: list[tuple[int, int, int]]) -> tuple[list[int], list[int]]:
        """Expand macro moves into encoded single moves (kinds, nodes) from the start."""
        kinds: list[int] = []
        nodes: list[int] = []
        evicted_at: dict[int, int] = {}  # vertex -> index of its last eviction (rule S)
        store_before: set[int] = set()
        red, blue, comp = 0, self.inputs, 0
        for v, vmask, stored in macros:
            for u in _bits(vmask):
                if stored >> u & 1:
                    kinds.append(STORE)
                    nodes.append(u)
                evicted_at[u] = len(kinds)
                kinds.append(DELETE)
                nodes.append(u)
            red &= ~vmask
            blue |= stored
            for u in _bits(self.pred_mask[v] & ~red):
                if not blue >> u & 1:  # from the stash: store at its last eviction
                    store_before.add(evicted_at[u])
                    blue |= 1 << u
                kinds.append(LOAD)
                nodes.append(u)
                red |= 1 << u
            kinds.append(COMPUTE)
            nodes.append(v)
            red |= 1 << v
            comp |= 1 << v
            if self.outputs >> v & 1:
                kinds.append(STORE)
                nodes.append(v)
                blue |= 1 << v
            live = self.live(blue, comp)
            for u in _bits(red & ~live):
                kinds.append(DELETE)
                nodes.append(u)
            red &= live
        if store_before:
            k2: list[int] = []
            n2: list[int] = []
            for i, (k, u) in enumerate(zip(kinds, nodes, strict=True)):
                if i in store_before:
                    k2.append(STORE)
                    n2.append(u)
                k2.append(k)
                n2.append(u)
            kinds, nodes = k2, n2
        return kinds, nodes


def weighted_search(problem: Problem, weight: int, seconds: float, upper: int | None = None,
                    limits: Limits | None = None):  # fmt: skip
    """Weighted A* for an upper bound (rule B): ``(cost, macros)`` or None.

    The pure-Python twin of :func:`redblue.search.core.compiled_weighted_search`: the
    queue favours states close to the goal (``g + weight * h``), so good strategies come
    fast where the exact search cannot finish. What it finds is valid and proves nothing
    about optimality. It stops after ``seconds``, or earlier by ``limits``.
    """
    if weight < 1:
        raise ValueError(f"weight must be at least 1, not {weight}")
    out = astar_search(problem, upper=upper, time_limit=seconds, weight=weight, limits=limits)
    return (out.lower, out.macros) if out.macros is not None else None


@dataclass
class AStarOutcome:
    """What the search found: bounds, the best macro sequence, effort."""

    lower: int
    upper: int | None
    macros: list[tuple[int, int, int]] | None
    optimal: bool
    states: int
    stopped: str | None


def astar_search(
    problem: Problem,
    *,
    upper: int | None = None,
    heuristic: bool = True,
    dominance: bool = True,
    symmetry: bool = True,
    time_limit: float | None = None,
    state_limit: int | None = None,
    progress: Callable[[dict], None] | None = None,
    progress_every: float = 2.0,
    weight: int = 1,
    limits: Limits | None = None,
) -> AStarOutcome:
    """A* (best-first on ``f = g + h``) with a bucket queue, bounded by ``upper``.

    ``upper`` is the cost of a known strategy (rule B): only strictly cheaper strategies
    are searched for. Returns the optimum when one cheaper than ``upper`` exists and the
    search finishes, ``macros=None`` with ``lower = upper`` when none does.

    With ``weight > 1`` it is weighted A* (queue order ``g + weight * h``, pruning still
    on ``g + h``): a fast search for good strategies whose bounds prove nothing; see
    :func:`weighted_search`.

    The search stops with ``stopped`` set and the bound reached so far when ``time_limit``
    seconds have passed, the deadline of ``limits`` has come or Ctrl-C was caught by it
    ("time limit", "interrupted"), after ``state_limit`` expansions ("state limit"), or
    when its tables would grow past a memory limit of the process, or a ``MemoryError``
    occurs ("memory limit"; see :class:`~redblue.search.limits.MemoryGuard`). The clock
    and the interrupt flag are looked at for every state popped and successor made, and
    inside the max flow of rule H2 (each can take milliseconds on thousands of vertices);
    memory and progress every :data:`LOOK_WORK` of them.
    """
    lim = Limits(time_limit) if limits is None else limits.within(time_limit)
    hfun = problem.heuristic if heuristic else (lambda red, blue, comp: 0)
    # [bound, states expanded] as the loop goes: what a stop from deep inside returns
    # (h is the same on every image of a state under rule Y)
    reached = [weight * hfun(*problem.start()), 0]
    saved = problem.limits
    problem.limits = lim
    try:
        return _astar(problem, lim, reached, upper, hfun, heuristic, dominance, symmetry,
                      state_limit, progress, progress_every, weight)  # fmt: skip
    except Stopped as stop:
        return AStarOutcome(reached[0], upper, None, False, reached[1], stop.reason)
    except MemoryError:
        lim.memory.tripped = "MemoryError"
        return AStarOutcome(reached[0], upper, None, False, reached[1], "memory limit")
    finally:
        problem.limits = saved


def _astar(problem, lim, reached, upper, hfun, heuristic, dominance, symmetry, state_limit,
           progress, progress_every, weight):  # fmt: skip
    """The loop of :func:`astar_search`; ``reached`` keeps its bound and states expanded
    up to date for when :class:`Stopped` or ``MemoryError`` ends it."""
    t0 = lim.t0
    n = problem.n
    sh1, sh2 = n, 2 * n
    strong = problem.cut_heuristic if heuristic and not problem.no_recompute else None
    red, blue, comp = problem.start()
    sym = None
    if symmetry:
        perms = problem.perms
        if perms is None:
            perms = automorphisms(problem.graph, limits=lim)
        if len(perms) > 1:
            # its tables take a while on large graphs, and solve searches a graph thrice
            got = _SYMMETRIES.get(problem.graph)
            if got is None or got[0] != perms:
                got = (perms, _Symmetry(perms, n, limits=lim))
                _SYMMETRIES[problem.graph] = got
            sym = got[1]
            red, blue, comp, _ = sym.canon(red, blue, comp)
    key0 = red | blue << sh1 | comp << sh2
    # best[key] = (g, parent key, v, victims, stored, automorphism applied (rule Y))
    best: dict[int, tuple] = {key0: (0, -1, -1, 0, 0, 0)}
    f0 = weight * hfun(red, blue, comp)
    limit = upper if upper is not None else 1 << 60
    flimit = limit if weight == 1 else min(limit, 1 << 40) * weight
    # rule C: (red, blue) -> [(stash, g)] of the states stored for that class
    dom: dict[int, list[tuple[int, int]]] | None = (
        {key0 & ((1 << sh2) - 1): [(comp, 0)]} if dominance and problem.stash else None
    )
    low = (1 << sh2) - 1
    buckets: list[list[tuple[int, int, int, int, int, bool]]] = [[] for _ in range(f0 + 1)]
    buckets[f0].append((0, red, blue, comp, key0, False))
    f = f0
    reached[0] = f
    expanded = 0
    work = 0
    last = t0
    flag = lim.flag
    deadline = lim.deadline if lim.deadline is not None else float("inf")
    clock = time.monotonic
    guard = lim.memory
    mem_next = t0
    # what the tables may grow by before the next look: a dict doubling its table (about
    # 72 bytes an entry) and LOOK_WORK more states of (assumed) 400 bytes plus the keys
    state_bytes = 400 + (3 * n) // 8

    def look(f: int) -> str | None:
        """Memory and progress, every ``LOOK_WORK`` units of work (states popped,
        successors made; memory files read at most every 50 ms). Restarts the work
        count; returns the reason to stop, or None."""
        nonlocal work, last, mem_next
        work = 0
        now = clock()
        if now >= mem_next:
            mem_next = now + 0.05
            growth = 80 * (len(best) + (len(dom) if dom is not None else 0))
            if guard.exceeded(growth + 4 * LOOK_WORK * state_bytes):
                return "memory limit"
        if progress is not None and now - last >= progress_every:
            last = now
            progress({"states": expanded, "lower": f, "upper": upper,
                      "stored": len(best), "seconds": now - t0})  # fmt: skip
        return None

    pending_goal = problem.outputs
    while f < flimit:
        if f >= len(buckets) or not buckets[f]:
            # advance to the next non-empty bucket
            f += 1
            while f < len(buckets) and not buckets[f]:
                f += 1
            if f >= len(buckets):
                break
            reached[0] = f
            continue
        g, red, blue, comp, key, checked = buckets[f].pop()
        if flag[0] or clock() >= deadline:
            return AStarOutcome(f, upper, None, False, expanded, lim.reason() or "time limit")
        work += 1
        if work >= LOOK_WORK and (why := look(f)):
            return AStarOutcome(f, upper, None, False, expanded, why)
        if best[key][0] != g:
            continue  # a cheaper path to this state was found later (rule T)
        if dom is not None and any(
            g2 <= g and c2 != comp and comp & ~c2 == 0 for c2, g2 in dom[key & low]
        ):
            continue  # dominated since it was queued (rule C)
        if strong is not None and not checked:
            # rule H2, evaluated lazily: only on states about to be expanded
            hc = strong(red, blue, comp)
            nf = g + weight * hc
            if nf > f:
                if g + hc < limit:
                    while len(buckets) <= nf:
                        buckets.append([])
                    buckets[nf].append((g, red, blue, comp, key, True))
                continue
        if not pending_goal & ~blue:
            macros = []
            k = key
            while True:
                _, parent, v, vm, st, pk = best[k]
                if parent < 0:
                    break
                macros.append((v, vm, st, pk))
                k = parent
            macros.reverse()
            if sym is not None:
                macros = unmap_macros(sym, macros)
            else:
                macros = [m[:3] for m in macros]
            return AStarOutcome(g, g, macros, True, expanded, None)
        if state_limit is not None and expanded >= state_limit:
            return AStarOutcome(f, upper, None, False, expanded, "state limit")
        expanded += 1
        reached[1] = expanded
        for cost, nred, nblue, ncomp, v, vm, st in problem.successors(red, blue, comp):
            if flag[0] or clock() >= deadline:  # (f stays a lower bound here)
                return AStarOutcome(f, upper, None, False, expanded,
                                    lim.reason() or "time limit")  # fmt: skip
            work += 1
            if work >= LOOK_WORK and (why := look(f)):
                return AStarOutcome(f, upper, None, False, expanded, why)
            ng = g + cost
            pk = 0
            if sym is not None:
                nred, nblue, ncomp, pk = sym.canon(nred, nblue, ncomp)
            nkey = nred | nblue << sh1 | ncomp << sh2
            old = best.get(nkey)
            if old is not None and old[0] <= ng:
                continue
            if dom is not None:
                cls = dom.get(nkey & low)
                if cls is not None and any(g2 <= ng and ncomp & ~c2 == 0 for c2, g2 in cls):
                    continue  # rule C
            h = hfun(nred, nblue, ncomp)
            if ng + h >= limit:
                continue
            nf = ng + weight * h
            nf = max(nf, f)  # keep the queue monotone (h may be inconsistent)
            best[nkey] = (ng, key, v, vm, st, pk)
            if dom is not None:
                if cls is None:
                    dom[nkey & low] = [(ncomp, ng)]
                else:  # forget the entries the new state dominates
                    cls[:] = [(c2, g2) for c2, g2 in cls if not (g2 >= ng and c2 & ~ncomp == 0)]
                    cls.append((ncomp, ng))
            while len(buckets) <= nf:
                buckets.append([])
            buckets[nf].append((ng, nred, nblue, ncomp, nkey, False))
    lower = limit if upper is not None else f
    return AStarOutcome(lower, upper, None, upper is not None, expanded, None)
