"""The pruning rules of the A* search, each with the reason it keeps an optimum.

A state is a triple of bitsets over the integer ids of a
:class:`~redblue.game.CompiledGraph` (see :mod:`redblue.search.state`): ``red``,
``blue`` and a third set, the stash (rule S) in the classic game or the vertices
computed so far in no-recompute. Instead of single moves the search takes *macro
moves*: "compute ``v``", which evicts the fewest red pebbles needed to make room (each
victim either dropped or stored then dropped), loads the predecessors of ``v`` that are
blue but not red, computes ``v`` and, when ``v`` is an output, stores it. Every rule
below removes strategies from consideration; each says why at least one optimal
strategy survives (an exchange argument that turns any strategy into one of the kept
form without raising its I/O), and names the kernel function that implements it (one
place a rule). ``tests/test_search_rules.py`` checks every rule against a brute-force
Dijkstra over all legal moves.

Rules (their names are the keys of ``RULES``; ``solve(..., rules=...)`` can switch the
optional ones off for testing):

N1 *blue is never deleted* (always on). Blue pebbles are unlimited and only enable
   loads and the end condition; removing every ``delete-blue`` move (and the stores that
   then become illegal because the vertex is still blue) keeps a strategy valid and never
   raises its cost. [no move deletes blue: :func:`redblue.search.core._successors`]
N2 *stores happen at eviction* (always on). A store of ``v`` is legal while ``v`` is
   red, and the blue pebble it creates is only used by a later load of ``v`` (which
   needs ``v`` not red) or by the end condition. Moving the store later, to just before
   the deletion of that red pebble, keeps every move legal at the same cost. Outputs are
   the exception that goes the other way: every output needs exactly one store (N1), and
   moving it *earlier*, to right after ``v`` is computed, is legal and the same cost, so
   an output is stored the moment it is computed (no branching). [``_successors``]
N3 *lazy eviction* (always on). A deletion of a red pebble can be postponed to the next
   load or compute that finds all ``M`` pebbles in use: holding a red pebble longer
   blocks nothing but a load or compute of that same vertex, and such a move then becomes
   redundant (the vertex already is red) and is dropped along with the deletion, saving
   cost. So pebbles are removed only to make room, as few as needed. [``_successors``:
   ``need`` victims]
N4 *lazy loading* (always on). A load of ``u`` can be postponed to just before the
   first compute that uses ``u`` (``u`` stays blue, so the load is still legal; memory
   use in between only falls). A load never followed by such a compute before the pebble
   goes is useless and is dropped. So loads only happen inside a "compute ``v``" macro,
   of the predecessors of ``v``. [``_successors``]
D  *dead values* (rule ``"dead"``). In the classic game a vertex is *live* when some
   output that is a descendant of it (or itself) has no blue pebble; in no-recompute,
   when it is an output without blue or has a successor that is live and not yet
   computed. A dead vertex can never contribute to an output still to be produced, so
   loading, computing or storing it is wasted: its red pebble is deleted at once (free),
   it is never computed or loaded again and its blue pebble is forgotten. In
   no-recompute, evicting a live vertex without blue would make its uncomputed
   successor impossible, so such an eviction always stores. [:func:`_live`,
   :func:`_canon_dead`; the forced stores in ``_successors``]
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
   ``u`` without blue.) [:func:`redblue.search.core._forced`]
O  *outputs at once* (rule ``"forced"``, both games, with rule D). If an output ``o``
   without blue has every operand red, no live successor, and a red pebble is free,
   computing (and so storing) ``o`` is the only move tried. Exchange argument: ``o`` has
   no blue, so every completion computes and stores it (N2: once, at its last compute);
   moving that compute and store to now is legal (operands red, a pebble free) and costs
   the same 1. Right after, ``o`` is dead (a pending output below ``o`` would make a
   successor live) and its pebble goes (D); in the rest, every other compute or load of
   ``o`` is dropped (only dead successors could use it, and D never computes those), so
   the red count never rises and no move loses an operand. Live sets only shrink, so
   the rest stays in rule D's normal form. [:func:`redblue.search.core._forced`]
H  *admissible heuristic* (rule ``"heuristic"``): see
   :func:`redblue.search.heuristics._heuristic`. Also used to drop victim sets
   early (rule B): :func:`redblue.search.core._successors`.
H2 *cut heuristic* (classic game, with rule ``"heuristic"``): see
   :func:`redblue.search.heuristics._cut_heuristic`; computed only when a state is about
   to be expanded (a state whose bound rises is put back in its new bucket).
B  *branch and bound* (rule ``"bound"``). The cheapest replayed strategy known (the
   greedy schedule, any strategy passed as ``upper``, and what the seeding steps of
   ``solve`` find: weighted A* and the exact optimum of the no-recompute game) gives an
   upper bound ``U``; a state with ``g + h >= U`` cannot lead to a strategy cheaper than
   ``U`` and is not expanded. If nothing cheaper is found, the seed strategy is the
   certificate. The seeds only need to be valid (each is replayed), never optimal.
   [:func:`redblue.search.core._search`, and ``gbound`` in ``_successors``]
S  *the stash* (rule ``"stash"``, classic game). Rule N2 would branch on every eviction of
   a live value without blue: store it (cost 1) or drop it. Instead the value is dropped
   into the *stash* (the third bitset), and a later load of a stashed value costs 2: the
   store is placed retroactively just before its last eviction, when it was red (legal;
   the extra blue pebble changes nothing else), and paid when the load needs it. A store
   never followed by a load of that value is wasted (outputs aside, stored at once), so
   every normal-form strategy maps to a stash strategy of the same cost and back; the
   eviction branching disappears. [``_successors``; :meth:`Problem.moves_of
   <redblue.search.problem.Problem.moves_of>` inserts the retroactive stores]
T  *transpositions*: states reached again at no smaller cost are not expanded again.
   [``_search``]
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
   states differ from another only by a smaller stash. [``_search``]
Y  *symmetry* (rule ``"symmetry"``): see :mod:`redblue.search.symmetry`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from redblue.search.state import (
    _U0,
    _U1,
    ALL,
    ANC,
    OUTPUTS,
    P_DEAD,
    P_N,
    P_NOUT,
    P_NR,
    P_OUTS,
    P_STASH,
    SUCC,
    _has,
)

__all__ = ["RULES"]

RULES = ("stash", "dead", "forced", "heuristic", "bound", "dominance", "symmetry")


@njit(inline="always")
def _live(s, nw, vm, gm, prm, out, oo):
    """Rule D: the live vertices of state ``s`` (its blue and third set) into
    ``out[oo:oo + nw]``; every vertex when the rule is off."""
    if not prm[P_DEAD]:
        for w in range(nw):
            out[oo + w] = gm[ALL, w]
        return
    if not prm[P_NR]:
        # classic: the ancestors-or-self of the outputs without blue
        for w in range(nw):
            out[oo + w] = _U0
        for i in range(P_OUTS, P_OUTS + prm[P_NOUT]):
            v = prm[i]
            if not _has(s, nw, v):
                for w in range(nw):
                    out[oo + w] |= vm[ANC, v, w]
        return
    # no-recompute: outputs without blue, and (ids are topological) every vertex with a
    # live successor not yet computed; word by word from the top, the word being filled
    # kept in a local (successors of v are in its word or above)
    n = prm[P_N]
    for w in range(nw):
        out[oo + w] = gm[OUTPUTS, w] & ~s[nw + w]
    for wv in range(nw - 1, -1, -1):
        cur = out[oo + wv]
        for bit in range(63, -1, -1):
            v = 64 * wv + bit
            if v >= n:
                continue
            if vm[SUCC, v, wv] & ~s[2 * nw + wv] & cur != _U0:
                cur |= _U1 << np.uint64(bit)
                continue
            for w in range(wv + 1, nw):
                if vm[SUCC, v, w] & ~s[2 * nw + w] & out[oo + w] != _U0:
                    cur |= _U1 << np.uint64(bit)
                    break
        out[oo + wv] = cur


@njit(inline="always")
def _canon_dead(s, nw, vm, gm, prm, live, lo):
    """Rule D on state ``s`` in place: drop dead red pebbles, forget dead blue ones and
    dead computations (``live[lo:lo + nw]``: scratch). With rule S a blue vertex leaves
    the stash."""
    _live(s, nw, vm, gm, prm, live, lo)
    stash = prm[P_STASH]
    for w in range(nw):
        b = s[nw + w]
        c = s[2 * nw + w]
        if stash:
            c &= ~b
        s[w] &= live[lo + w]
        s[nw + w] = b & (live[lo + w] | gm[OUTPUTS, w])
        s[2 * nw + w] = c & live[lo + w]
