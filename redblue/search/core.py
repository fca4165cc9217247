"""The compiled core of the A* search: the same rules as :mod:`redblue.search.astar`, in numba.

:func:`compiled_search` runs exactly the search of
:func:`redblue.search.astar.astar_search` (same macro moves, same rules N1-N4, S, D,
F, H, H2, B, C, T and Y, same queue order) on graphs of at most :data:`MAX_NODES`
vertices, with every bitset held as two 64-bit words. It exists for speed only: the
reasons each rule keeps an optimum are given once, in :mod:`redblue.search.astar`, and
the tests check this core against the Python one and against brute force.

State is kept in growable arrays inside one compiled call: a node store (state and best
cost in one row, parent, the macro that reached it and the automorphism applied), an
open-addressing hash table of node ids tagged with hash bits, a bucket queue of linked
entries, and for rule C a table of ``(red, blue)`` classes, each a contiguous run of
rows in a pool. Large arrays ask for transparent huge pages (Linux): the tables are
read at random, and most of the time goes to memory. The limits of the search (a
:class:`~redblue.search.limits.Limits`: the deadline, Ctrl-C, the memory guard) and the
progress callback are served through ``objmode`` every 20 ms (``_TICK_NS``; the clock,
``clock_gettime`` called from compiled code, is read every ``_CLOCK_WORK`` units of
work: states popped, successors made, victim sets tried), and before a successor buffer
grows; the memory guard is told what the tables hold, since all of them may double
before the next look. A ``MemoryError`` from an allocation all the same ends the search
with the bound of the last look ("memory limit").

Rule H2 computes its minimum cut by Dinic's algorithm; on attention N = 2, d = 2 at
M = 6 (311,316 states expanded, each about 11 max flows) this and the memory layout
above took the proof from 72 s to about 45 s.

The small helpers of the hot loop are ``inline="always"``: a call between compiled
functions passes every array argument as a full struct, and measured on attention
N = 2, d = 2 at M = 6 inlining them makes the search about 1.45 times faster (the
first compile takes about twice as long; numba caches the result).
"""

from __future__ import annotations

import sys
import time
import weakref
from collections.abc import Callable

import numpy as np
from llvmlite import ir
from numba import njit, objmode, typeof, types
from numba.core import cgutils
from numba.extending import intrinsic

from redblue.progress import phase
from redblue.search.astar import (
    AStarOutcome,
    Problem,
    _Symmetry,
    automorphisms,
    unmap_macros,
)
from redblue.search.limits import Limits, Stopped

__all__ = ["MAX_NODES", "compiled_search", "compiled_weighted_search"]

#: largest graph the compiled core handles (two 64-bit words per bitset)
MAX_NODES = 128

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_FULL = np.uint64(0xFFFFFFFFFFFFFFFF)
_K1 = np.uint64(0x5555555555555555)
_K2 = np.uint64(0x3333333333333333)
_K4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_S1, _S2, _S4, _S56 = np.uint64(1), np.uint64(2), np.uint64(4), np.uint64(56)
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_S31 = np.uint64(31)
_S8 = np.uint64(8)
_B255 = np.uint64(255)
# hash-table slots: a row id in the low bits, a tag of 23 hash bits above (see _lookup)
_ID_BITS = 40
_ID_MASK = (1 << _ID_BITS) - 1
_S41 = np.uint64(41)

# rows of the per-vertex mask table ``vm[row, v, word]``
PRED, SUCC, ANC, BIT = 0, 1, 2, 3
# rows of the global mask table ``gm[row, word]``
INPUTS, OUTPUTS, ALL = 0, 1, 2
# entries of the integer parameter vector
(P_N, P_MEM, P_NR, P_DEAD, P_STASH, P_TRACK, P_FORCED, P_HEUR, P_CUT, P_DOM, P_SYM,
 P_LIMIT, P_STATES, P_NCHUNK, P_WEIGHT, P_NOUT, P_OUTS) = range(17)  # fmt: skip
# (the output ids follow from ``P_OUTS`` on)
_INF = 1 << 20
# the limits (deadline, Ctrl-C, memory) and the progress callback are looked at in Python
# (``objmode``) at most every _TICK_NS nanoseconds: each look costs the compiled loop
# far more than its own time (a look every 8,192 units of work made the search 4% slower);
# the clock is read (clock_gettime, tens of nanoseconds) every _CLOCK_WORK units of work
# (states popped, successors made, victim sets tried). Without that clock (not Linux or
# macOS) every 64th reading counts as due.
_TICK_NS = 20_000_000
_CLOCK_WORK = 1 << 10

# outcome codes of the compiled search
FOUND, EXHAUSTED, TIME_LIMIT, STATE_LIMIT, MEMORY_LIMIT, INTERRUPTED = 0, 1, 2, 3, 4, 5
STOPPED = {TIME_LIMIT: "time limit", STATE_LIMIT: "state limit", MEMORY_LIMIT: "memory limit",
           INTERRUPTED: "interrupted"}  # fmt: skip

_RUN: dict = {}  # the limits and progress callback of the running search
# graph -> (automorphisms, their tables for _sym_apply and _delta_image_one)
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tick(expanded: int, f: int, stored: int, held: int) -> int:
    """Called from compiled code now and then: a code to stop (``TIME_LIMIT``,
    ``INTERRUPTED``, ``MEMORY_LIMIT`` when ``held`` more bytes, what the tables hold,
    would cross a memory limit), else 0. Keeps ``f`` as the bound to report should an
    allocation fail."""
    now = time.monotonic()
    run = _RUN
    run["f"] = max(run["f"], f)
    run["expanded"] = expanded
    why = run["limits"].reason()
    if why is not None:
        return INTERRUPTED if why == "interrupted" else TIME_LIMIT
    # memory files every 50 ms, or sooner when the tables have grown by a quarter
    if now >= run["mem_next"] or 4 * held > 5 * run["held_seen"]:
        run["mem_next"] = now + 0.05
        run["held_seen"] = held
        if run["guard"].exceeded(held) is not None:
            return MEMORY_LIMIT
    if run["progress"] is not None and now - run["last"] >= run["every"]:
        run["last"] = now
        run["progress"]({"states": expanded, "lower": f, "upper": run["upper"],
                         "stored": stored, "seconds": now - run["t0"]})  # fmt: skip
    return 0


def _clock() -> int:
    """Called from compiled code inside a long expansion: ``TIME_LIMIT`` or
    ``INTERRUPTED`` to stop, else 0."""
    why = _RUN["limits"].reason()
    if why is None:
        return 0
    return INTERRUPTED if why == "interrupted" else TIME_LIMIT


_CLOCK_ID = getattr(time, "CLOCK_MONOTONIC", None)


@intrinsic
def _now_ns(typingctx):
    """``clock_gettime(CLOCK_MONOTONIC)`` in nanoseconds from the C library; 0 where it is
    missing (Windows). An intrinsic, as :func:`_advise_huge_pages`: the core stays
    cached."""
    sig = types.int64()

    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        if _CLOCK_ID is None or not sys.platform.startswith(("linux", "darwin")):
            return ir.Constant(i64, 0)
        i32 = ir.IntType(32)
        spec = ir.LiteralStructType([i64, i64])  # struct timespec on 64-bit Unix
        ts = cgutils.alloca_once(builder, spec)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(i32, [i32, spec.as_pointer()]), "clock_gettime")
        builder.call(fn, [ir.Constant(i32, _CLOCK_ID), ts])
        sec = builder.load(cgutils.gep_inbounds(builder, ts, 0, 0))
        nsec = builder.load(cgutils.gep_inbounds(builder, ts, 0, 1))
        return builder.add(builder.mul(sec, ir.Constant(i64, 1_000_000_000)), nsec)

    return sig, codegen


@njit(inline="always")
def _due(clk):
    """Whether to look at the limits now: ``clk[0]`` is the clock time of the next look,
    ``clk[1]`` counts readings where there is no clock (then every 64th is due)."""
    now = _now_ns()
    if now == 0:
        clk[1] += 1
        if clk[1] < 64:
            return False
        clk[1] = 0
        return True
    if now < clk[0]:
        return False
    clk[0] = now + _TICK_NS
    return True


@njit(inline="always")
def _popc(x):
    x = x - ((x >> _S1) & _K1)
    x = (x & _K2) + ((x >> _S2) & _K2)
    x = (x + (x >> _S4)) & _K4
    return np.int64((x * _H01) >> _S56)


@njit(inline="always")
def _low_index(x):
    """Index of the lowest set bit of a nonzero word."""
    return _popc((x & (~x + _U1)) - _U1)


@njit(inline="always")
def _has(lo, hi, vm, v):
    return (lo & vm[BIT, v, 0]) | (hi & vm[BIT, v, 1]) != _U0


@njit(inline="always")
def _fill_row(lo, hi, out, row, start):
    """Write the indices of the set bits (lowest first) into ``out[row, start:]``; return
    the count. Takes the row and offset rather than a view of it: a view costs reference
    counting, which shows in the hottest loops."""
    k = start
    while lo != _U0:
        out[row, k] = _low_index(lo)
        lo &= lo - _U1
        k += 1
    while hi != _U0:
        out[row, k] = 64 + _low_index(hi)
        hi &= hi - _U1
        k += 1
    return k - start


@njit(inline="always")
def _live(b0, b1, c0, c1, vm, gm, prm):
    """The live vertices of rule D (every vertex when the rule is off)."""
    if not prm[P_DEAD]:
        return gm[ALL, 0], gm[ALL, 1]
    p0 = gm[OUTPUTS, 0] & ~b0
    p1 = gm[OUTPUTS, 1] & ~b1
    n = prm[P_N]
    if not prm[P_NR]:
        l0 = _U0
        l1 = _U0
        for i in range(P_OUTS, P_OUTS + prm[P_NOUT]):
            v = prm[i]
            if _has(p0, p1, vm, v):
                l0 |= vm[ANC, v, 0]
                l1 |= vm[ANC, v, 1]
        return l0, l1
    l0, l1 = p0, p1
    for v in range(n - 1, -1, -1):
        if (vm[SUCC, v, 0] & ~c0 & l0) | (vm[SUCC, v, 1] & ~c1 & l1) != _U0:
            l0 |= vm[BIT, v, 0]
            l1 |= vm[BIT, v, 1]
    return l0, l1


@njit(inline="always")
def _canon_dead(r0, r1, b0, b1, c0, c1, vm, gm, prm):
    """Rule D: drop dead red pebbles, forget dead blue ones and dead computations."""
    l0, l1 = _live(b0, b1, c0, c1, vm, gm, prm)
    if prm[P_STASH]:
        c0 &= ~b0
        c1 &= ~b1
    return (r0 & l0, r1 & l1, b0 & (l0 | gm[OUTPUTS, 0]), b1 & (l1 | gm[OUTPUTS, 1]),
            c0 & l0, c1 & l1)  # fmt: skip


@njit(inline="always")
def _heuristic_seen(r0, r1, b0, b1, c0, c1, vm, gm, prm):
    """Rule H, as :meth:`redblue.search.astar.Problem.heuristic`, with what it saw.

    Returns ``(h, y0, y1)``: ``(y0, y1)`` are the red loadable predecessors of the
    vertices found to need computing: evicting one of them adds one to ``h``.
    """
    p0 = gm[OUTPUTS, 0] & ~b0
    p1 = gm[OUTPUTS, 1] & ~b1
    m0 = p0 & ~r0
    m1 = p1 & ~r1
    if prm[P_NR]:
        ld0, ld1 = b0, b1
    else:
        ld0, ld1 = b0 & gm[INPUTS, 0], b1 & gm[INPUTS, 1]
    if prm[P_STASH]:
        s0, s1 = c0, c1
    else:
        s0, s1 = _U0, _U0
    a0 = _U0
    a1 = _U0
    y0 = _U0
    y1 = _U0
    if m0 | m1 != _U0:
        for v in range(prm[P_N] - 1, -1, -1):
            if _has(m0, m1, vm, v):
                x0 = vm[PRED, v, 0] & ~r0
                x1 = vm[PRED, v, 1] & ~r1
                a0 |= x0 & ld0
                a1 |= x1 & ld1
                m0 |= x0 & ~b0 & ~s0
                m1 |= x1 & ~b1 & ~s1
                y0 |= vm[PRED, v, 0] & r0 & ld0
                y1 |= vm[PRED, v, 1] & r1 & ld1
    h = _popc(p0) + _popc(p1) + _popc(a0) + _popc(a1)
    return h, y0, y1


@njit(inline="always")
def _heuristic(r0, r1, b0, b1, c0, c1, vm, gm, prm):
    """Rule H, as :meth:`redblue.search.astar.Problem.heuristic`."""
    return _heuristic_seen(r0, r1, b0, b1, c0, c1, vm, gm, prm)[0]


@njit(cache=True)
def _cut_heuristic(r0, r1, b0, b1, c0, c1, vm, gm, prm, fhead, fcap0, fptr, fadj, split, sink,
                   cap, via, queue, memo_keys, memo_val, memo_n, mk):  # fmt: skip
    """Rule H2, as :meth:`redblue.search.astar.Problem.cut_heuristic` (Dinic max flow).

    The flow network depends only on the pending outputs, the region of vertices
    without red that the pending outputs need, and the blue and stash sets inside that
    region; its value is memoized on those eight words (``memo_keys``, an
    open-addressing table cleared when three quarters full; ``memo_n[0]`` its fill;
    ``mk`` scratch for the key).
    """
    p0 = gm[OUTPUTS, 0] & ~b0
    p1 = gm[OUTPUTS, 1] & ~b1
    if p0 | p1 == _U0:
        return 0
    n = prm[P_N]
    g0 = p0 & ~r0
    g1 = p1 & ~r1
    for v in range(n - 1, -1, -1):
        if _has(g0, g1, vm, v):
            g0 |= vm[PRED, v, 0] & ~r0
            g1 |= vm[PRED, v, 1] & ~r1
    mk[0], mk[1], mk[2], mk[3] = p0, p1, g0, g1
    mk[4], mk[5], mk[6], mk[7] = b0 & g0, b1 & g1, c0 & g0, c1 & g1
    slot = _lookup_val(memo_val, memo_keys, mk)
    if memo_val[slot] >= 0:
        return memo_val[slot]
    cap[:] = fcap0
    for v in range(n):
        if _has(g0, g1, vm, v):
            if _has(b0, b1, vm, v):
                cap[split[v]] = 1
            elif _has(c0, c1, vm, v):
                cap[split[v]] = 2
            else:
                cap[split[v]] = _INF
            if _has(p0, p1, vm, v):
                cap[sink[v]] = _INF
    value = _popc(p0) + _popc(p1) + _max_flow(fhead, fptr, fadj, cap, via, queue, 2 * n,
                                              2 * n + 1)
    if 4 * (memo_n[0] + 1) > 3 * memo_val.shape[0]:
        memo_val[:] = -1
        memo_n[0] = 0
        slot = _lookup_val(memo_val, memo_keys, mk)
    memo_keys[slot] = mk
    memo_val[slot] = value
    memo_n[0] += 1
    return value


@njit(inline="always")
def _max_flow(head, ptr, adj, cap, scratch, queue, src, snk):
    """Maximum flow from ``src`` to ``snk`` by Dinic's algorithm (capped at ``_INF``).

    Arcs come in pairs (``e ^ 1`` reverses ``e``), ``adj[ptr[a]:ptr[a + 1]]`` are the arcs
    out of ``a`` and ``cap`` their residual capacities (changed in place). A breadth-first
    pass labels levels, then depth-first searches push along level-increasing arcs until
    none reaches the sink: the cut networks here need a few such phases where plain
    augmenting paths needed a breadth-first pass per unit of flow. ``scratch`` has three
    rows (level, current arc, path) of one entry per network node.
    """
    level = scratch[0]
    arc = scratch[1]
    path = scratch[2]
    flow = 0
    while flow < _INF:
        level[:] = -1
        level[src] = 0
        queue[0] = src
        qn = 1
        qi = 0
        while qi < qn:
            a = queue[qi]
            qi += 1
            for j in range(ptr[a], ptr[a + 1]):
                e = adj[j]
                if cap[e] > 0 and level[head[e]] < 0:
                    level[head[e]] = level[a] + 1
                    queue[qn] = head[e]
                    qn += 1
        if level[snk] < 0:
            break
        for a in range(level.shape[0]):
            arc[a] = ptr[a]
        while flow < _INF:
            # one path along level-increasing arcs, retreating from dead ends
            a = src
            depth = 0
            while a != snk:
                while arc[a] < ptr[a + 1]:
                    e = adj[arc[a]]
                    if cap[e] > 0 and level[head[e]] == level[a] + 1:
                        break
                    arc[a] += 1
                if arc[a] < ptr[a + 1]:
                    path[depth] = adj[arc[a]]
                    depth += 1
                    a = head[path[depth - 1]]
                elif a == src:
                    break
                else:
                    level[a] = -1  # a dead end for the rest of the phase
                    depth -= 1
                    a = head[path[depth] ^ 1]
                    arc[a] += 1
            if a != snk:
                break
            push = _INF
            for i in range(depth):
                push = min(push, cap[path[i]])
            for i in range(depth):
                cap[path[i]] -= push
                cap[path[i] ^ 1] += push
            flow += push
    return flow


@njit(inline="always")
def _sym_apply(tabs, k, lo, hi, nchunk):
    """The image of the bitset ``(lo, hi)`` under automorphism ``k`` (8-bit tables)."""
    o0 = _U0
    o1 = _U0
    for c in range(nchunk):
        if c < 8:
            byte = (lo >> np.uint64(8 * c)) & _B255
        else:
            byte = (hi >> np.uint64(8 * (c - 8))) & _B255
        o0 |= tabs[k, c, byte, 0]
        o1 |= tabs[k, c, byte, 1]
    return o0, o1


@njit(inline="always")
def _less(a0, a1, b0, b1):
    """``(a0, a1) < (b0, b1)`` as 128-bit numbers (``a1`` the high word)."""
    return a1 < b1 or (a1 == b1 and a0 < b0)


@njit(inline="always")
def _delta_image_one(pimg, k, row, dbits, drow, nrem, nadd, bimg):
    """The image ``(low, high)`` under automorphism ``k`` of a set that differs from the
    parent's set (whose image is ``pimg[row, k]``, ``pimg[row + 1, k]``) by the bits
    ``dbits[drow, :nrem]`` removed and ``dbits[drow + 1, :nadd]`` added. A permutation
    maps set differences to set differences, so a few bit images (``bimg[word, v, k]``)
    replace a walk over the whole set."""
    lo = pimg[row, k]
    hi = pimg[row + 1, k]
    for i in range(nrem):
        v = dbits[drow, i]
        lo &= ~bimg[0, v, k]
        hi &= ~bimg[1, v, k]
    for i in range(nadd):
        v = dbits[drow + 1, i]
        lo |= bimg[0, v, k]
        hi |= bimg[1, v, k]
    return lo, hi


@njit(cache=True)
def _parent_images(st, tabs, nchunk, pimg):
    """``pimg[0], pimg[1]`` and ``pimg[2], pimg[3]``: the images (low and high words, one
    entry per automorphism) of the red and the stash set of ``st``, what
    :func:`_sym_canon` starts from for the successors of ``st``."""
    for k in range(tabs.shape[0]):
        pimg[0, k], pimg[1, k] = _sym_apply(tabs, k, st[0], st[1], nchunk)
        pimg[2, k], pimg[3, k] = _sym_apply(tabs, k, st[4], st[5], nchunk)


@njit(inline="always")
def _sym_canon(r0, r1, b0, b1, c0, c1, par, pimg, bimg, dbits, tabs, nchunk, bkey, kmin):
    """Rule Y: the image with the smallest blue, then red, then stash, and its index.

    Red and stash images are computed from those of the parent state ``par``
    (``pimg``, see :func:`_parent_images`) and the few vertices that changed; blue
    images from the tables ``tabs``. ``bkey`` (blue, smallest blue image) and ``kmin``
    (count, then the automorphisms giving that image) cache the last blue set seen
    (a miss is rare): most successors keep their parent's blue set, and only the
    automorphisms in ``kmin`` need their red image; stash images are only needed
    between automorphisms whose red images tie.
    """
    if kmin[0] < 0 or bkey[0] != b0 or bkey[1] != b1:
        m0, m1 = b0, b1
        cnt = 1
        kmin[1] = 0
        for k in range(1, tabs.shape[0]):
            x0, x1 = _sym_apply(tabs, k, b0, b1, nchunk)
            if _less(x0, x1, m0, m1):
                m0, m1 = x0, x1
                cnt = 1
                kmin[1] = k
            elif x0 == m0 and x1 == m1:
                cnt += 1
                kmin[cnt] = k
        kmin[0] = cnt
        bkey[0], bkey[1], bkey[2], bkey[3] = b0, b1, m0, m1
    rrem = _fill_row(par[0] & ~r0, par[1] & ~r1, dbits, 0, 0)
    radd = _fill_row(r0 & ~par[0], r1 & ~par[1], dbits, 1, 0)
    crem = _fill_row(par[4] & ~c0, par[5] & ~c1, dbits, 2, 0)
    cadd = _fill_row(c0 & ~par[4], c1 & ~par[5], dbits, 3, 0)
    best = kmin[1]
    br0, br1 = _delta_image_one(pimg, best, 0, dbits, 0, rrem, radd, bimg)
    bc0, bc1 = _delta_image_one(pimg, best, 2, dbits, 2, crem, cadd, bimg)
    for i in range(2, kmin[0] + 1):
        k = kmin[i]
        y0, y1 = _delta_image_one(pimg, k, 0, dbits, 0, rrem, radd, bimg)
        if _less(y0, y1, br0, br1):
            br0, br1 = y0, y1
            bc0, bc1 = _delta_image_one(pimg, k, 2, dbits, 2, crem, cadd, bimg)
            best = k
        elif y0 == br0 and y1 == br1 and c0 | c1 != _U0:
            z0, z1 = _delta_image_one(pimg, k, 2, dbits, 2, crem, cadd, bimg)
            if _less(z0, z1, bc0, bc1):
                bc0, bc1 = z0, z1
                best = k
    return br0, br1, bkey[2], bkey[3], bc0, bc1, best


@njit(inline="always")
def _hash(s):
    h = _U0
    for i in range(s.shape[0]):
        h = (h ^ s[i]) * _MIX1
        h ^= h >> _S31
    h *= _MIX2
    return h ^ (h >> _S31)


@njit(cache=True)
def _successors(st, vm, gm, prm, out_s, out_c, out_v, out_m, ids, pick, gbound, clk):
    """Macro moves from state ``st`` into the buffers; the count, -1 if they overflow, or
    ``-2 - code`` when the limits say stop (looked at as in :func:`_search`, ``clk`` its
    clock: at large M one state can have millions of victim sets).

    ``out_s[i]`` the next state (6 words, rule D applied), ``out_c[i]`` its cost,
    ``out_v[i]`` the computed vertex, ``out_m[i]`` the victims and stored sets (4 words).
    With rule H, a move whose cost plus the heuristic of its result is at least
    ``gbound`` (the bound minus the cost so far) may be left out (rule B): for each
    ``v`` the heuristic ``h0`` of the state before any eviction is computed once, and
    a victim set costs at least ``h0`` plus its victims that are loadable red
    predecessors of vertices still to compute (each then needs a load), plus the
    stores that rule D forces in the no-recompute game. Eviction only shrinks the red
    set, which never shrinks the heuristic's "must compute" set, so the bound holds.
    """
    r0, r1, b0, b1, c0, c1 = st[0], st[1], st[2], st[3], st[4], st[5]
    n = prm[P_N]
    memory = prm[P_MEM]
    nr = prm[P_NR]
    stash = prm[P_STASH]
    l0, l1 = _live(b0, b1, c0, c1, vm, gm, prm)
    r = _popc(r0) + _popc(r1)
    a0 = r0 | b0
    a1 = r1 | b1
    if stash:
        a0 |= c0
        a1 |= c1
    cmask = _FULL if prm[P_TRACK] else _U0
    o0 = gm[OUTPUTS, 0]
    o1 = gm[OUTPUTS, 1]
    cap = out_c.shape[0]
    k = 0
    tried = 0
    if prm[P_FORCED] and r < memory:
        # rule F
        for v in range(n):
            x0 = vm[BIT, v, 0]
            x1 = vm[BIT, v, 1]
            q0 = vm[PRED, v, 0]
            q1 = vm[PRED, v, 1]
            if q0 | q1 == _U0 or (r0 & x0) | (r1 & x1) != _U0 or (c0 & x0) | (c1 & x1) != _U0:
                continue
            if (l0 & x0) | (l1 & x1) == _U0 or (q0 & ~r0) | (q1 & ~r1) != _U0:
                continue
            cnt = _fill_row(q0 & ~b0, q1 & ~b1, ids, 0, 0)
            for i in range(cnt):
                u = ids[0, i]
                if (vm[SUCC, u, 0] & l0 & ~c0) == x0 and (vm[SUCC, u, 1] & l1 & ~c1) == x1:
                    isout = (o0 & x0) | (o1 & x1) != _U0
                    nb0, nb1 = b0, b1
                    if isout:
                        nb0 |= x0
                        nb1 |= x1
                    s = _canon_dead(r0 | x0, r1 | x1, nb0, nb1, c0 | x0, c1 | x1, vm, gm, prm)
                    for j in range(6):
                        out_s[0, j] = s[j]
                    out_c[0] = 1 if isout else 0
                    out_v[0] = v
                    out_m[0, :] = _U0
                    return 1
    for v in range(n):
        x0 = vm[BIT, v, 0]
        x1 = vm[BIT, v, 1]
        q0 = vm[PRED, v, 0]
        q1 = vm[PRED, v, 1]
        if q0 | q1 == _U0:
            continue  # an input
        if (r0 & x0) | (r1 & x1) != _U0 or (l0 & x0) | (l1 & x1) == _U0:
            continue
        if nr and (c0 & x0) | (c1 & x1) != _U0:
            continue
        if (q0 & ~a0) | (q1 & ~a1) != _U0:
            continue
        m0 = q0 & ~r0
        m1 = q1 & ~r1
        loads = _popc(m0) + _popc(m1)
        u0 = m0 & ~b0  # rule S: loads from the stash, store paid now
        u1 = m1 & ~b1
        need = r + loads + 1 - memory
        isout = (o0 & x0) | (o1 & x1) != _U0
        bl0 = b0 | u0
        bl1 = b1 | u1
        if isout:
            bl0 |= x0
            bl1 |= x1
        cost1 = loads + _popc(u0) + _popc(u1) + (1 if isout else 0)
        nc0 = (c0 | x0) & cmask
        nc1 = (c1 | x1) & cmask
        if need <= 0:
            if k >= cap:
                return -1
            s = _canon_dead(r0 | m0 | x0, r1 | m1 | x1, bl0, bl1, nc0, nc1, vm, gm, prm)
            for j in range(6):
                out_s[k, j] = s[j]
            out_c[k] = cost1
            out_v[k] = v
            out_m[k, :] = _U0
            k += 1
            continue
        npool = _fill_row(r0 & ~q0, r1 & ~q1, ids, 0, 0)
        if need > npool:
            continue
        prune = prm[P_HEUR] != 0
        base = 0
        y0 = _U0
        y1 = _U0
        if prune:
            s = _canon_dead(r0 | m0 | x0, r1 | m1 | x1, bl0, bl1, nc0, nc1, vm, gm, prm)
            h0, y0, y1 = _heuristic_seen(s[0], s[1], s[2], s[3], s[4], s[5], vm, gm, prm)
            base = cost1 + h0
            # the fewest victims any choice takes from (y0, y1)
            if base + need - (npool - _popc(y0 & ~q0 & r0) - _popc(y1 & ~q1 & r1)) >= gbound:
                continue
        for i in range(need):
            pick[i] = i
        while True:
            tried += 1
            if tried >= _CLOCK_WORK:
                tried = 0
                if _due(clk):
                    with objmode(stop="int64"):
                        stop = _clock()
                    if stop:
                        return -2 - stop
            vm0 = _U0
            vm1 = _U0
            for i in range(need):
                u = ids[0, pick[i]]
                vm0 |= vm[BIT, u, 0]
                vm1 |= vm[BIT, u, 1]
            us0 = vm0 & ~b0
            us1 = vm1 & ~b1
            skip = False
            if prune:
                low = base + _popc(vm0 & y0) + _popc(vm1 & y1)
                if nr and prm[P_DEAD]:
                    low += _popc(us0) + _popc(us1)  # forced stores
                skip = low >= gbound
            br0 = (r0 & ~vm0) | m0 | x0
            br1 = (r1 & ~vm1) | m1 | x1
            if skip:
                nsub = 0
            elif stash:
                nsub = 1
            elif nr and prm[P_DEAD]:
                nsub = 1
            else:
                nsub = 1 << (_popc(us0) + _popc(us1))
            nus = _fill_row(us0, us1, ids, 0, npool)
            for sub in range(nsub):
                if stash:
                    t0, t1 = _U0, _U0
                    e0, e1 = nc0 | us0, nc1 | us1
                elif nr and prm[P_DEAD]:
                    t0, t1 = us0, us1  # live victims without blue must be stored
                    e0, e1 = nc0, nc1
                else:
                    t0, t1 = _U0, _U0
                    for j in range(nus):
                        if sub >> j & 1:
                            w = ids[0, npool + j]
                            t0 |= vm[BIT, w, 0]
                            t1 |= vm[BIT, w, 1]
                    e0, e1 = nc0, nc1
                if k >= cap:
                    return -1
                s = _canon_dead(br0, br1, bl0 | t0, bl1 | t1, e0, e1, vm, gm, prm)
                for j in range(6):
                    out_s[k, j] = s[j]
                out_c[k] = cost1 + _popc(t0) + _popc(t1)
                out_v[k] = v
                out_m[k, 0] = vm0
                out_m[k, 1] = vm1
                out_m[k, 2] = t0
                out_m[k, 3] = t1
                k += 1
            # next combination of ``need`` victims out of ``npool``
            i = need - 1
            while i >= 0 and pick[i] == npool - need + i:
                i -= 1
            if i < 0:
                break
            pick[i] += 1
            for j in range(i + 1, need):
                pick[j] = pick[j - 1] + 1
    return k


_MADV_HUGEPAGE = 14  # from <sys/mman.h> on Linux


@intrinsic
def _advise_huge_pages(typingctx, start, length):
    """``madvise(start, length, MADV_HUGEPAGE)`` from the C library; nothing off Linux.

    An intrinsic rather than a ctypes call: numba cannot cache a function that calls a
    ctypes pointer, and the search core must stay cached."""
    sig = types.int32(types.uintp, types.uintp)

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        if not sys.platform.startswith("linux"):
            return ir.Constant(i32, 0)
        word = context.get_value_type(types.uintp)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(i32, [word, word, i32]), "madvise")
        return builder.call(fn, [args[0], args[1], ir.Constant(i32, _MADV_HUGEPAGE)])

    return sig, codegen


@njit(inline="always")
def _huge(a):
    """Ask the kernel to back a large fresh array with transparent huge pages, before
    it is first written; returns it. The search reads its big tables at random, and with
    4 KiB pages most of those reads also miss the address-translation cache (a hint: it
    changes nothing where huge pages are off)."""
    if a.nbytes >= 1 << 22:
        page = np.uintp(4096)
        start = (a.ctypes.data + page - np.uintp(1)) // page * page
        end = (a.ctypes.data + np.uintp(a.nbytes)) // page * page
        if end > start:
            _advise_huge_pages(start, end - start)
    return a


@njit(cache=True)
def _grow2(a, rows):
    b = _huge(np.empty((rows, a.shape[1]), a.dtype))
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def _grow1(a, size, fill):
    b = _huge(np.empty(size, a.dtype))
    b[: a.shape[0]] = a
    b[a.shape[0]:] = fill
    return b


@njit(cache=True)
def _filled(size, fill):
    """``np.full(size, fill)`` (int64) with :func:`_huge` applied before the fill."""
    b = _huge(np.empty(size, np.int64))
    b[:] = fill
    return b


@njit(inline="always")
def _push(bhead, ent, ecount, node, g, checked, f):
    """Queue entry ``ecount`` for ``node`` at cost ``g`` in bucket ``f`` (growing the
    bucket heads and the entry array as needed); returns both arrays."""
    while f >= bhead.shape[0]:
        bhead = _grow1(bhead, 2 * bhead.shape[0], -1)
    if ecount >= ent.shape[0]:
        ent = _grow2(ent, 2 * ent.shape[0])
    ent[ecount, 0] = node
    ent[ecount, 1] = g
    ent[ecount, 2] = checked
    ent[ecount, 3] = bhead[f]
    bhead[f] = ecount
    return bhead, ent


@njit(inline="always")
def _lookup(slots, keys, s):
    """Slot of state ``s`` in the open-addressing table: -1, or its :func:`_slot_entry`.

    A slot keeps high bits of the key's hash beside the row id, so a probe of another key
    rarely reads that key's row (a cache miss each)."""
    h = _hash(s)
    mask = slots.shape[0] - 1
    tag = np.int64(h >> _S41) << _ID_BITS
    i = np.int64(h & np.uint64(mask))
    while slots[i] >= 0 and (slots[i] & ~_ID_MASK != tag
                             or not _row_is(keys, slots[i] & _ID_MASK, s)):
        i = (i + 1) & mask
    return i


@njit(inline="always")
def _slot_entry(x, s):
    """What a slot of :func:`_lookup` holds for row ``x`` with key ``s``."""
    return x | np.int64(_hash(s) >> _S41) << _ID_BITS


@njit(inline="always")
def _lookup_val(vals, keys, s):
    """Slot of key ``s`` in a table whose empty slots hold ``vals[i] < 0``."""
    mask = vals.shape[0] - 1
    i = np.int64(_hash(s) & np.uint64(mask))
    while vals[i] >= 0 and not _row_is(keys, i, s):
        i = (i + 1) & mask
    return i


@njit(inline="always")
def _row_is(keys, x, s):
    """Whether row ``x`` of ``keys`` equals ``s``."""
    for j in range(s.shape[0]):
        if keys[x, j] != s[j]:
            return False
    return True


@njit(cache=True)
def _rehash(keys, count, size, width):
    """A table of ``size`` slots for the first ``count`` rows of ``keys`` (a key is the
    first ``width`` words of a row)."""
    slots = _filled(size, -1)
    for x in range(count):
        slots[_lookup(slots, keys, keys[x, :width])] = _slot_entry(x, keys[x, :width])
    return slots


@njit(inline="always")
def _held(keys, parent, mac, inlist, slots, ckeys, cstart, clen, croom, cslots, pool, ent,
          bhead, memo_keys, memo_val, out_s, out_c, out_v, out_m):  # fmt: skip
    """Bytes held by the tables of :func:`_search` (each may double before the next look
    at memory)."""
    return (keys.nbytes + parent.nbytes + mac.nbytes + inlist.nbytes + slots.nbytes
            + ckeys.nbytes + cstart.nbytes + clen.nbytes + croom.nbytes + cslots.nbytes
            + pool.nbytes + ent.nbytes + bhead.nbytes + memo_keys.nbytes + memo_val.nbytes
            + out_s.nbytes + out_c.nbytes + out_v.nbytes + out_m.nbytes)  # fmt: skip


@njit(cache=True)
def _search(vm, gm, prm, start, tabs, bimg, fhead, fcap0, fptr, fadj, split, sink):
    """The A* loop of :func:`redblue.search.astar.astar_search`, compiled.

    Returns ``(code, lower, expanded, path)`` where ``path`` lists the nodes of the
    goal's path (start first) as rows ``(v, victims lo/hi, stored lo/hi, k)`` when
    ``code == FOUND``.
    """
    n = prm[P_N]
    limit = prm[P_LIMIT]
    state_limit = prm[P_STATES]
    nperm = tabs.shape[0]
    nchunk = prm[P_NCHUNK]
    use_sym = prm[P_SYM] and nperm > 1
    use_dom = prm[P_DOM] and prm[P_STASH]
    # node store
    cap = 1 << 14
    # a node's row: its state (6 words) and best cost g, in one cache line (column 7
    # unused) because the transposition check of rule T reads both for most successors
    keys = np.empty((cap, 8), np.uint64)
    parent = np.empty(cap, np.int64)
    mac = np.empty((cap, 6), np.uint64)  # v, victims lo/hi, stored lo/hi, k
    inlist = np.zeros(cap, np.int8)  # rule C: whether the node is in its class's list
    count = 0
    slots = np.full(1 << 15, -1, np.int64)
    # rule C classes: keys (red, blue), and each class's list as a contiguous run of
    # rows (stash lo/hi as int64, g, node) in a pool: a list is read whole for every
    # new state, and linked nodes made each step a cache miss (about a third of the time)
    ccap = 1 << 12
    ckeys = np.empty((ccap, 4), np.uint64)
    cstart = np.empty(ccap, np.int64)
    clen = np.empty(ccap, np.int64)
    croom = np.empty(ccap, np.int64)
    ccount = 0
    cslots = np.full(1 << 13, -1, np.int64)
    pool = np.empty((1 << 14, 4), np.int64)
    pused = 0
    # bucket queue: linked entries
    ent = np.empty((1 << 15, 4), np.int64)  # node, g, H2 checked, next entry of the bucket
    ecount = 0
    bhead = np.full(64, -1, np.int64)
    # successor buffers and scratch
    bcap = 256
    out_s = np.empty((bcap, 6), np.uint64)
    out_c = np.empty(bcap, np.int64)
    out_v = np.empty(bcap, np.int64)
    out_m = np.empty((bcap, 4), np.uint64)
    ids = np.empty((1, 2 * n + 2), np.int64)
    pick = np.empty(n + 1, np.int64)
    fcap = np.empty_like(fcap0)
    via = np.empty((3, 2 * n + 2), np.int64)  # scratch of the max flow (rule H2)
    fqueue = np.empty(2 * n + 2, np.int64)
    ns = np.empty(6, np.uint64)
    # the memo of rule H2: starts small (most searches are small), doubles to 2^18 entries
    msize = 1 << 10
    memo_keys = np.empty((msize, 8), np.uint64)
    memo_val = np.full(msize, -1, np.int64)
    memo_n = np.zeros(1, np.int64)
    memo_key = np.empty(8, np.uint64)
    bkey = np.empty(4, np.uint64)  # the blue-image cache of rule Y
    kmin = np.full(nperm + 1, -1, np.int64)
    # rule Y from the parent: its state, the images of its sets, the changed bits
    par = np.zeros(6, np.uint64)
    pimg = np.zeros((4, nperm), np.uint64)  # the start's "parent" is the empty state
    dbits = np.empty((4, n + 1), np.int64)
    ckey = np.empty(4, np.uint64)
    clk = np.zeros(2, np.int64)  # the next look at the limits (see _due)
    clk[0] = _now_ns() + _TICK_NS

    s = start.copy()
    if use_sym:
        s[0], s[1], s[2], s[3], s[4], s[5], _ = _sym_canon(s[0], s[1], s[2], s[3], s[4], s[5],
                                                           par, pimg, bimg, dbits, tabs,
                                                           nchunk, bkey, kmin)  # fmt: skip
    keys[0, :6] = s
    keys[0, 6] = _U0
    parent[0] = -1
    mac[0, :] = _U0
    mac[0, 0] = _FULL
    count = 1
    slot = _lookup(slots, keys, s)
    slots[slot] = _slot_entry(0, s)
    if use_dom:
        ckey[:] = s[:4]
        ckeys[0] = ckey
        cslots[_lookup(cslots, ckeys, ckey)] = _slot_entry(0, ckey)
        ccount = 1
        cstart[0] = 0
        clen[0] = 1
        croom[0] = 4
        pused = 4
        pool[0, 0] = np.int64(s[4])
        pool[0, 1] = np.int64(s[5])
        pool[0, 2] = 0
        pool[0, 3] = 0
        inlist[0] = 1
    # weighted A* (weight > 1, an upper-bound heuristic search): queue on g + weight * h,
    # prune on g + h >= limit as before; only the cost of what it finds means anything
    weight = prm[P_WEIGHT]
    if prm[P_HEUR]:
        f0 = weight * _heuristic(s[0], s[1], s[2], s[3], s[4], s[5], vm, gm, prm)
    else:
        f0 = 0
    bhead, ent = _push(bhead, ent, ecount, 0, 0, 0, f0)
    ecount = 1
    f = f0
    expanded = 0
    work = 0  # states popped plus successors made since the last look at the clock
    o0 = gm[OUTPUTS, 0]
    o1 = gm[OUTPUTS, 1]
    flimit = limit if weight == 1 else min(limit, 1 << 40) * weight
    while f < flimit:
        if f >= bhead.shape[0]:
            break
        e = bhead[f]
        if e < 0:
            f += 1
            continue
        bhead[f] = ent[e, 3]
        x = ent[e, 0]
        g = ent[e, 1]
        work += 1
        if work >= _CLOCK_WORK:
            # the limits and the progress callback, by time (the clock read every
            # _CLOCK_WORK units of work, not states expanded: an expansion makes from a few
            # to millions of successors)
            work = 0
            if _due(clk):
                held = _held(keys, parent, mac, inlist, slots, ckeys, cstart, clen, croom,
                             cslots, pool, ent, bhead, memo_keys, memo_val, out_s, out_c, out_v,
                             out_m)  # fmt: skip
                with objmode(stop="int64"):
                    stop = _tick(expanded, f, count, held)
                if stop:
                    return stop, f, expanded, np.empty((0, 6), np.uint64)
        if keys[x, 6] != np.uint64(g):
            continue  # rule T: a cheaper path was found later
        r0, r1, b0, b1 = keys[x, 0], keys[x, 1], keys[x, 2], keys[x, 3]
        c0, c1 = keys[x, 4], keys[x, 5]
        if use_dom and inlist[x] == 0:
            # rule C: dominated since it was queued. A node leaves its class list only
            # when a state of the class with a larger stash is stored at no greater cost,
            # and while it is in the list no member dominates it (each insertion checks
            # the list first), so this is the Python core's scan in O(1).
            continue
        if prm[P_CUT] and not ent[e, 2]:
            if 4 * (memo_n[0] + 1) > 3 * memo_val.shape[0] and memo_val.shape[0] < 1 << 18:
                memo_keys = _huge(np.empty((2 * memo_val.shape[0], 8), np.uint64))
                memo_val = _filled(2 * memo_val.shape[0], -1)  # a cache: start afresh
                memo_n[0] = 0
            hc = _cut_heuristic(r0, r1, b0, b1, c0, c1, vm, gm, prm, fhead, fcap0, fptr, fadj,
                                split, sink, fcap, via, fqueue, memo_keys, memo_val,
                                memo_n, memo_key)  # fmt: skip
            nf = g + weight * hc
            if nf > f:
                if g + hc < limit:
                    bhead, ent = _push(bhead, ent, ecount, x, g, 1, nf)
                    ecount += 1
                continue
        if (o0 & ~b0) | (o1 & ~b1) == _U0:
            depth = 0
            y = x
            while parent[y] >= 0:
                depth += 1
                y = parent[y]
            path = np.empty((depth, 6), np.uint64)
            y = x
            i = depth - 1
            while parent[y] >= 0:
                path[i] = mac[y]
                i -= 1
                y = parent[y]
            return FOUND, g, expanded, path
        if state_limit >= 0 and expanded >= state_limit:
            return STATE_LIMIT, f, expanded, np.empty((0, 6), np.uint64)
        expanded += 1
        if use_sym:
            par[:] = keys[x, :6]
            _parent_images(par, tabs, nchunk, pimg)
        while True:
            nsucc = _successors(keys[x], vm, gm, prm, out_s, out_c, out_v, out_m, ids, pick,
                                limit - g, clk)
            if nsucc >= 0:
                break
            if nsucc <= -2:
                return -2 - nsucc, f, expanded, np.empty((0, 6), np.uint64)
            # the buffers double: can they?
            held = _held(keys, parent, mac, inlist, slots, ckeys, cstart, clen, croom, cslots,
                         pool, ent, bhead, memo_keys, memo_val, out_s, out_c, out_v, out_m)
            extra = 2 * (out_s.nbytes + out_c.nbytes + out_v.nbytes + out_m.nbytes)
            with objmode(stop="int64"):
                stop = _tick(expanded, f, count, held + extra)
            if stop:
                return stop, f, expanded, np.empty((0, 6), np.uint64)
            bcap *= 2
            out_s = np.empty((bcap, 6), np.uint64)
            out_c = np.empty(bcap, np.int64)
            out_v = np.empty(bcap, np.int64)
            out_m = np.empty((bcap, 4), np.uint64)
        # in runs of _CLOCK_WORK successors, the clock read between two runs (one
        # expansion can make a million successors at large M)
        for i0 in range(0, nsucc, _CLOCK_WORK):
            if work >= _CLOCK_WORK:
                work = 0
                if _due(clk):
                    held = _held(keys, parent, mac, inlist, slots, ckeys, cstart, clen, croom,
                                 cslots, pool, ent, bhead, memo_keys, memo_val, out_s, out_c,
                                 out_v, out_m)  # fmt: skip
                    with objmode(stop="int64"):
                        stop = _tick(expanded, f, count, held)
                    if stop:  # (f stays a lower bound: this state's bound is f)
                        return stop, f, expanded, np.empty((0, 6), np.uint64)
            i1 = min(nsucc, i0 + _CLOCK_WORK)
            work += i1 - i0
            for i in range(i0, i1):
                ng = g + out_c[i]
                if ng >= limit:
                    continue
                kk = 0
                if use_sym:
                    ns[0], ns[1], ns[2], ns[3], ns[4], ns[5], kk = _sym_canon(
                        out_s[i, 0], out_s[i, 1], out_s[i, 2], out_s[i, 3], out_s[i, 4],
                        out_s[i, 5], par, pimg, bimg, dbits, tabs, nchunk, bkey,
                        kmin)  # fmt: skip
                else:
                    for j in range(6):
                        ns[j] = out_s[i, j]
                slot = _lookup(slots, keys, ns)
                old = slots[slot]
                if old >= 0:
                    old &= _ID_MASK
                    if keys[old, 6] <= np.uint64(ng):
                        continue  # most successors end here: the heuristic only after (rule T)
                # h is invariant under automorphisms, so it is taken on the representative
                h = 0
                if prm[P_HEUR]:
                    h = _heuristic(ns[0], ns[1], ns[2], ns[3], ns[4], ns[5], vm, gm, prm)
                if ng + h >= limit:
                    continue  # rule B
                nf = ng + weight * h
                cl = -1
                oldrow = -1
                if use_dom:
                    ckey[0] = ns[0]
                    ckey[1] = ns[1]
                    ckey[2] = ns[2]
                    ckey[3] = ns[3]
                    cslot = _lookup(cslots, ckeys, ckey)
                    cl = cslots[cslot]
                    if cl >= 0:
                        cl &= _ID_MASK
                        # one pass: is the new state dominated, and which members does it
                        # dominate (they leave the list, the rest close up)? A list is an
                        # antichain, so no member is dropped when the new state turns out
                        # dominated; if one were, it would be dominated by the dominator too.
                        base = cstart[cl]
                        ln = clen[cl]
                        t0 = np.int64(ns[4])
                        t1 = np.int64(ns[5])
                        w = 0
                        dominated = False
                        for j in range(ln):
                            sy0 = pool[base + j, 0]
                            sy1 = pool[base + j, 1]
                            gy = pool[base + j, 2]
                            y = pool[base + j, 3]
                            if gy <= ng and (t0 & ~sy0) | (t1 & ~sy1) == 0:
                                dominated = True
                                break
                            if y != old and gy >= ng and (sy0 & ~t0) | (sy1 & ~t1) == 0:
                                inlist[y] = 0  # out of the list
                                continue
                            if y == old:
                                oldrow = base + w
                            if w != j:
                                pool[base + w] = pool[base + j]
                            w += 1
                        if dominated:
                            if w != j:  # (cannot happen, see above; kept exact all the same)
                                for i2 in range(j, ln):
                                    pool[base + w + i2 - j] = pool[base + i2]
                            clen[cl] = w + ln - j
                            continue  # rule C
                        clen[cl] = w
                if nf < f:
                    nf = f  # keep the queue monotone (h may be inconsistent)
                if old >= 0:
                    z = old
                else:
                    if count >= cap:
                        cap *= 2
                        keys = _grow2(keys, cap)
                        parent = _grow1(parent, cap, 0)
                        mac = _grow2(mac, cap)
                        inlist = _grow1(inlist, cap, 0)
                    z = count
                    count += 1
                    keys[z, :6] = ns
                    if 2 * count > slots.shape[0]:
                        slots = _rehash(keys, count, 2 * slots.shape[0], 6)  # (g follows the key)
                    else:
                        slots[slot] = _slot_entry(z, ns)
                keys[z, 6] = np.uint64(ng)
                parent[z] = x
                mac[z, 0] = np.uint64(out_v[i])
                mac[z, 1] = out_m[i, 0]
                mac[z, 2] = out_m[i, 1]
                mac[z, 3] = out_m[i, 2]
                mac[z, 4] = out_m[i, 3]
                mac[z, 5] = np.uint64(kk)
                if use_dom:
                    if cl < 0:
                        if ccount >= ccap:
                            ccap *= 2
                            ckeys = _grow2(ckeys, ccap)
                            cstart = _grow1(cstart, ccap, 0)
                            clen = _grow1(clen, ccap, 0)
                            croom = _grow1(croom, ccap, 0)
                        cl = ccount
                        ccount += 1
                        ckeys[cl] = ckey
                        cstart[cl] = pused
                        clen[cl] = 0
                        croom[cl] = 0
                        if 2 * ccount > cslots.shape[0]:
                            cslots = _rehash(ckeys, ccount, 2 * cslots.shape[0], 4)
                        else:
                            cslots[cslot] = _slot_entry(cl, ckey)
                    if oldrow >= 0:
                        pool[oldrow, 2] = ng  # still in the list, now cheaper
                    else:
                        # add it (the members it dominates left the list above); a full run
                        # moves to the pool's end with twice the room
                        ln = clen[cl]
                        if ln == croom[cl]:
                            room = max(4, 2 * ln)
                            while pused + room > pool.shape[0]:
                                pool = _grow2(pool, 2 * pool.shape[0])
                            pool[pused:pused + ln] = pool[cstart[cl]:cstart[cl] + ln]
                            cstart[cl] = pused
                            croom[cl] = room
                            pused += room
                        row = cstart[cl] + ln
                        pool[row, 0] = np.int64(ns[4])
                        pool[row, 1] = np.int64(ns[5])
                        pool[row, 2] = ng
                        pool[row, 3] = z
                        clen[cl] = ln + 1
                        inlist[z] = 1
                bhead, ent = _push(bhead, ent, ecount, z, ng, 0, nf)
                ecount += 1
    return EXHAUSTED, f, expanded, np.empty((0, 6), np.uint64)


def _words(mask: int) -> tuple[int, int]:
    return mask & 0xFFFFFFFFFFFFFFFF, mask >> 64


def _tables(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The per-vertex masks ``vm[row, v, word]`` and global masks ``gm[row, word]``."""
    n = problem.n
    vm = np.zeros((4, n, 2), np.uint64)
    for v in range(n):
        for row, mask in ((PRED, problem.pred_mask[v]), (SUCC, problem.succ_mask[v]),
                          (ANC, problem.anc[v]), (BIT, 1 << v)):  # fmt: skip
            vm[row, v] = _words(mask)
    gm = np.array([_words(problem.inputs), _words(problem.outputs), _words(problem.all)],
                  np.uint64)  # fmt: skip
    return vm, gm


def _params(problem: Problem, heuristic, cut, dominance, symmetry, limit, state_limit,
            weight=1):
    """The integer parameter vector (indices ``P_*``) of the compiled functions."""
    n = problem.n
    outputs = [v for v in range(n) if problem.outputs >> v & 1]
    return np.array([n, problem.memory, problem.no_recompute, problem.use_dead, problem.stash,
                     problem.track_comp, problem.forced, heuristic, cut, dominance, symmetry,
                     limit, -1 if state_limit is None else state_limit, (n + 7) // 8,
                     weight, len(outputs), *outputs], np.int64)  # fmt: skip


def _start(problem: Problem) -> np.ndarray:
    """The start state as six words (red, blue, stash or computed; low word first)."""
    red, blue, comp = problem.start()
    return np.array([*_words(red), *_words(blue), *_words(comp)], np.uint64)


def _flow_arrays(problem: Problem):
    """The flow network of rule H2 (:meth:`Problem._flow_network`) as flat arrays."""
    problem._flow_network()
    adj = problem._adj
    ptr = np.zeros(len(adj) + 1, np.int64)
    ptr[1:] = np.cumsum([len(a) for a in adj])
    flat = np.array([e for a in adj for e in a], np.int64)
    return (np.array(problem._head, np.int64), np.array(problem._cap0, np.int64), ptr, flat,
            np.array(problem._split, np.int64), np.array(problem._sink, np.int64))  # fmt: skip


def _cut_value(problem: Problem, red: int, blue: int, stash: int) -> int:
    """Rule H2 of the compiled core for one classic state (what the tests compare with
    :meth:`Problem.cut_heuristic`, an independent max flow)."""
    vm, gm = _tables(problem)
    prm = _params(problem, True, True, True, False, 1 << 60, None, 1)
    flow = _flow_arrays(problem)
    n = problem.n
    words = (*_words(red), *_words(blue), *_words(stash))
    return int(_cut_heuristic(*(np.uint64(w) for w in words), vm, gm, prm, *flow,
                              np.empty_like(flow[1]), np.empty((3, 2 * n + 2), np.int64),
                              np.empty(2 * n + 2, np.int64), np.empty((16, 8), np.uint64),
                              np.full(16, -1, np.int64), np.zeros(1, np.int64),
                              np.empty(8, np.uint64)))  # fmt: skip


def _bit_images(perms: list[list[int]], n: int) -> np.ndarray:
    """``bimg[word, v, k]``: word ``word`` of the image of vertex ``v`` under automorphism
    ``k``."""
    bimg = np.zeros((2, n, len(perms)), np.uint64)
    for k, p in enumerate(perms):
        for v, w in enumerate(p):
            bimg[w // 64, v, k] = np.uint64(1) << np.uint64(w % 64)
    return bimg


def _symmetry_tables(perms: list[list[int]], n: int) -> np.ndarray:
    """``tabs[k, c, byte]``: the image (two words) of ``byte`` at bits ``8c..8c+7`` under
    automorphism ``k``."""
    nchunk = (n + 7) // 8
    img = np.zeros((len(perms), 8 * nchunk, 2), np.uint64)
    img[:, :n, :] = _bit_images(perms, n).transpose(2, 1, 0)
    img = img.reshape(len(perms), nchunk, 8, 2)
    byte = np.arange(256, dtype=np.uint64)
    tabs = np.zeros((len(perms), nchunk, 256, 2), np.uint64)
    for i in range(8):
        on = ((byte >> np.uint64(i)) & np.uint64(1)).astype(bool)
        tabs[:, :, on, :] |= img[:, :, i, None, :]
    return tabs


def compiled_search(
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
    limits: Limits | None = None,
) -> AStarOutcome:
    """:func:`redblue.search.astar.astar_search` on the compiled core (same arguments).

    Parameters
    ----------
    problem : Problem
        The bitmask tables of the graph, memory and variant; at most
        :data:`MAX_NODES` vertices.
    upper, heuristic, dominance, symmetry, time_limit, state_limit, progress, progress_every
        As for :func:`redblue.search.astar.astar_search`.
    limits : Limits, optional
        The deadline, interrupt flag and memory guard of the caller (``time_limit``, if
        given too, counts from this call); the setup (automorphisms, tables) counts.

    Returns
    -------
    AStarOutcome
        Bounds, the macro moves of an optimal strategy when one cheaper than ``upper``
        exists, the states expanded and why the search stopped.

    Raises
    ------
    ValueError
        If the graph has more than :data:`MAX_NODES` vertices.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph
    >>> out = compiled_search(Problem(compile_graph(pyramid_dag(3)), 3, False, True))
    >>> out.optimal, out.lower
    (True, 11)
    """
    limit = upper if upper is not None else 1 << 60
    lim = Limits(time_limit) if limits is None else limits.within(time_limit)
    code, lower, expanded, macros = _run(problem, heuristic, dominance, symmetry, limit, lim,
                                         state_limit, progress, progress_every)  # fmt: skip
    if code == FOUND:
        return AStarOutcome(lower, lower, macros, True, expanded, None)
    if code == EXHAUSTED:
        low = limit if upper is not None else lower
        return AStarOutcome(low, upper, None, upper is not None, expanded, None)
    return AStarOutcome(lower, upper, None, False, expanded, STOPPED[code])


def _run(problem, heuristic, dominance, symmetry, limit, lim, state_limit, progress,
         progress_every, weight=1):
    """Run the compiled search: ``(code, f or cost, expanded, macros or None)``."""
    n = problem.n
    if n > MAX_NODES:
        raise ValueError(f"the compiled core handles at most {MAX_NODES} vertices, not {n}")
    # the bound before any state is expanded (what a stop during the setup reports)
    floor = weight * problem.heuristic(*problem.start()) if heuristic else 0
    try:
        lim.check()
        vm, gm = _tables(problem)
        if not symmetry:
            perms = [list(range(n))]
        elif problem.perms is not None:
            perms = problem.perms
        else:
            perms = automorphisms(problem.graph, limits=lim)
        lim.check()
        got = _TABLES.get(problem.graph)
        if got is None or got[0] != perms:
            # 0.1 s with 256 automorphisms, and solve runs up to five searches on a graph
            got = (perms, _symmetry_tables(perms, n), _bit_images(perms, n))
            _TABLES[problem.graph] = got
        tabs, bimg = got[1], got[2]
        flow = _flow_arrays(problem)
        lim.check()
    except Stopped as stop:
        return (INTERRUPTED if stop.reason == "interrupted" else TIME_LIMIT), floor, 0, None
    cut = heuristic and not problem.no_recompute
    prm = _params(problem, heuristic, cut, dominance, symmetry, limit, state_limit, weight)
    start = _start(problem)
    t0 = time.monotonic()
    _RUN.update(t0=t0, limits=lim, guard=lim.memory, progress=progress, every=progress_every,
                last=t0, upper=None if limit >= 1 << 60 else limit, f=floor,
                expanded=0, mem_next=t0, held_seen=0)  # fmt: skip
    args = (vm, gm, prm, start, tabs, bimg, *flow)
    if not getattr(_search, "signatures", True):  # a dispatcher not compiled in this process
        with phase("compiling the search core (numba; once, then loaded from its cache)"):
            _search.compile(tuple(typeof(a) for a in args))
    try:
        code, lower, expanded, path = _search(*args)
    except MemoryError:
        # an allocation failed between two looks at memory: the tables are gone, the
        # bound of the last look stands
        lim.memory.tripped = "MemoryError"
        return MEMORY_LIMIT, _RUN["f"], _RUN["expanded"], None
    finally:
        _RUN.clear()
    if code != FOUND:
        return code, lower, expanded, None
    steps = []
    for row in path.tolist():
        v, vl, vh, sl, sh, k = (int(x) for x in row)
        steps.append((v, vl | vh << 64, sl | sh << 64, k))
    if len(perms) > 1:
        macros = unmap_macros(_Symmetry(perms, n, tables=False), steps)
    else:
        macros = [s[:3] for s in steps]
    return code, lower, expanded, macros


def compiled_weighted_search(problem: Problem, weight: int, seconds: float,
                             upper: int | None = None, limits: Limits | None = None):
    """Weighted A* (queue order ``g + weight * h``) for an upper bound (rule B).

    Same moves and rules as :func:`compiled_search`, but the queue favours states
    close to the goal, so it finds good strategies fast on instances the exact search
    cannot finish; what it finds is a valid strategy and proves nothing about
    optimality (its cost is at most ``weight`` times the optimum in theory, usually
    much closer).

    Parameters
    ----------
    problem : Problem
    weight : int
        At least 1 (1 is plain A*).
    seconds : float
        Time budget.
    upper : int, optional
        Only strategies cheaper than this are looked for.
    limits : Limits, optional
        The caller's limits (the deadline, Ctrl-C, memory), kept as well.

    Returns
    -------
    (int, list) or None
        The cost and macro moves of the strategy found, None if none cheaper than
        ``upper`` was found in time.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph
    >>> cost, macros = compiled_weighted_search(
    ...     Problem(compile_graph(pyramid_dag(3)), 3, False, True), 3, 1.0)
    >>> cost >= 11
    True
    """
    if weight < 1:
        raise ValueError(f"weight must be at least 1, not {weight}")
    limit = upper if upper is not None else 1 << 60
    lim = Limits(seconds) if limits is None else limits.within(seconds)
    code, cost, _, macros = _run(problem, True, True, True, limit, lim, None, None, 1.0,
                                 weight)  # fmt: skip
    return (cost, macros) if code == FOUND else None
