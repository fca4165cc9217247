"""``Problem``: one search's graph, memory and rules as the tables the kernel reads.

It also turns what the kernel finds (macro moves) back into single moves
(:meth:`Problem.moves_of`), inserting the stores rule S placed retroactively.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE
from redblue.search.heuristics import _heuristic
from redblue.search.limits import call_within
from redblue.search.rules import _canon_dead, _live
from redblue.search.state import (
    ALL,
    ANC,
    INPUTS,
    NSCRATCH,
    OUTPUTS,
    PRED,
    SUCC,
    from_words,
    to_words,
    word_count,
    words_for,
)

__all__ = ["Problem"]


def _bits(mask: int):
    """Indices of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


@njit(cache=True)
def _start_state(s, wz, vm, gm, prm):
    """Rule D on ``s`` in place, and rule H of the result (what a search starts from)."""
    nw = len(wz)
    sc = np.zeros(NSCRATCH * nw, np.uint64)
    _canon_dead(s, nw, vm, gm, prm, sc, 0)
    return _heuristic(s, nw, vm, gm, prm, sc)


@njit(cache=True)
def _live_set(s, wz, vm, gm, prm, out):
    """Rule D's live set of ``s`` into ``out``."""
    _live(s, len(wz), vm, gm, prm, out, 0)


class Problem:
    """The tables of a compiled graph, a memory and the rules of one search.

    Parameters
    ----------
    graph : CompiledGraph
    memory : int
    no_recompute : bool
        The game: no-recompute (True) or classic.
    dead, stash, forced : bool
        Rules D, S (classic only), and O and F (with D only; F in no-recompute only) of
        :mod:`redblue.search.rules`.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph
    >>> P = Problem(compile_graph(pyramid_dag(3)), 3, False, True)
    >>> P.nwords, P.start_bound()
    (1, 5)
    """

    def __init__(self, graph: CompiledGraph, memory: int, no_recompute: bool, dead: bool,
                 stash: bool = True, forced: bool = True):  # fmt: skip
        n = graph.n
        self.graph, self.n, self.memory = graph, n, memory
        self.no_recompute, self.use_dead = no_recompute, dead
        # classic game: the third set holds the stash (rule S); no-recompute: the computed set
        self.stash = stash and not no_recompute
        self.track_comp = no_recompute or self.stash
        self.forced = forced and dead  # rule O in both games, F in no-recompute
        self.nwords = words_for(n)
        self.wz = word_count(self.nwords)
        self.preds = [graph.predecessors(v).tolist() for v in range(n)]
        self.inputs = sum(1 << v for v in range(n) if graph.is_input[v])
        self.outputs = sum(1 << v for v in range(n) if graph.is_output[v])
        self.pred_mask = [sum(1 << u for u in p) for p in self.preds]
        #: the automorphisms rule Y uses (None: the search finds them); ``solve`` finds
        #: them once, within its time limit, for every search on the graph
        self.perms: list[list[int]] | None = None
        self._tables: tuple[np.ndarray, np.ndarray] | None = None

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """``vm[row, v, word]`` (predecessors, successors, ancestors-or-self of each
        vertex) and ``gm[row, word]`` (inputs, outputs, all vertices), built once."""
        if self._tables is None:
            n, nw = self.n, self.nwords
            succ = [0] * n
            anc = [0] * n  # ids are topological
            for v in range(n):
                a = 1 << v
                for u in self.preds[v]:
                    succ[u] |= 1 << v
                    a |= anc[u]
                anc[v] = a
            vm = np.zeros((3, n, nw), np.uint64)
            for v in range(n):
                vm[PRED, v] = to_words(self.pred_mask[v], nw)
                vm[SUCC, v] = to_words(succ[v], nw)
                vm[ANC, v] = to_words(anc[v], nw)
            gm = np.zeros((3, nw), np.uint64)
            gm[INPUTS] = to_words(self.inputs, nw)
            gm[OUTPUTS] = to_words(self.outputs, nw)
            gm[ALL] = to_words((1 << n) - 1, nw)
            self._tables = vm, gm
        return self._tables

    def params(self, heuristic: bool = True, cut: bool = False, dominance: bool = False,
               symmetry: bool = False, limit: int = 1 << 60, state_limit: int | None = None,
               weight: int = 1, whole: int = 0) -> np.ndarray:  # fmt: skip
        """The integer parameter vector of the kernel (indices ``P_*`` of
        :mod:`redblue.search.state`); ``whole``: partial expansion's threshold (see
        :func:`redblue.search.core._search`; 0 expands every state whole)."""
        n = self.n
        outputs = list(_bits(self.outputs))
        return np.array([n, self.memory, self.no_recompute, self.use_dead, self.stash,
                         self.track_comp, self.forced, heuristic, cut, dominance, symmetry,
                         limit, -1 if state_limit is None else state_limit, weight, whole,
                         len(outputs), *outputs], np.int64)  # fmt: skip

    def start(self, limits=None) -> tuple[np.ndarray, int]:
        """The start state (``3 W`` words, rule D applied) and its rule-H bound; the
        compiled helper is loaded within ``limits`` (see
        :func:`~redblue.search.limits.load_within`)."""
        vm, gm = self.tables()
        nw = self.nwords
        s = np.zeros(3 * nw, np.uint64)
        s[nw:2 * nw] = to_words(self.inputs, nw)
        # (the words as an array: one compiled helper for every word count)
        h = call_within(_start_state, (s, np.zeros(nw, np.uint64), vm, gm, self.params()),
                        limits)
        return s, int(h)

    def start_bound(self) -> int:
        """Rule H at the start, a proven lower bound on the optimum, in plain Python (no
        compiled code to load: ``solve`` reports it however soon a limit stops it).

        At the start nothing is red and only the inputs are blue, so rule H counts the
        outputs that are not inputs (each needs a store) and the inputs that are
        ancestors of them (each needs a load); ``tests/test_search_core.py`` checks it
        equals the kernel's rule H at the start.
        """
        need = self.outputs & ~self.inputs
        outs = need.bit_count()
        for v in range(self.n - 1, -1, -1):
            if need >> v & 1:
                need |= self.pred_mask[v]
        return (need & self.inputs).bit_count() + outs

    def live(self, blue: int, comp: int) -> int:
        """The live vertices of rule D (every vertex when the rule is off)."""
        vm, gm = self.tables()
        nw = self.nwords
        s = np.zeros(3 * nw, np.uint64)
        s[nw:2 * nw] = to_words(blue, nw)
        s[2 * nw:] = to_words(comp, nw)
        out = np.zeros(nw, np.uint64)
        _live_set(s, np.zeros(nw, np.uint64), vm, gm, self.params(), out)
        return from_words(out)

    def moves_of(self, macros: list[tuple[int, int, int]]) -> tuple[list[int], list[int]]:
        """Expand macro moves ``(v, victims, stored)`` into encoded single moves (kinds,
        nodes) from the start: the evictions (with their stores), the loads, the
        compute, the store of an output, the deletions of rule D, and the stores of rule S
        placed back at the last eviction of a value loaded from the stash."""
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
