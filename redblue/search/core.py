"""The search core: A* over normal-form macro moves, compiled with numba, any graph size.

:func:`compiled_search` (exact A*) and :func:`compiled_weighted_search` (weighted A*,
for upper bounds) run one kernel, :func:`_search`, whose rules are stated and proved in
:mod:`redblue.search.rules` (the heuristics in :mod:`redblue.search.heuristics`,
symmetry in :mod:`redblue.search.symmetry`). Bitsets are ``W`` 64-bit words
(:mod:`redblue.search.state`): one compiled kernel for each of ``W`` = 1 and 2 (graphs
of up to 64 and 128 vertices) and one for every larger ``W``. With
``NUMBA_DISABLE_JIT=1`` the same code runs as plain Python (slowly: for stepping
through it, or mutating it).

State is kept in growable arrays inside one compiled call: a node store (state and best
cost in one row, parent, the macro that reached it and the automorphism applied), an
open-addressing hash table of node ids tagged with hash bits, a bucket queue of linked
entries (a state is expanded band by band of its successors' bounds, see
:func:`_search`), and for rule C a table of ``(red, blue)`` classes, each a contiguous
run of rows in a pool. Large arrays ask for transparent huge pages (Linux): the tables are
read at random, and most of the time goes to memory. The limits of the search (a
:class:`~redblue.search.limits.Limits`: the deadline, Ctrl-C, the memory guard) and the
progress callback are served through ``objmode`` every 20 ms (``_TICK_NS``; the clock,
``clock_gettime`` called from compiled code, is read every ``_CLOCK_WORK`` units of
work: states popped, successors made, victim sets tried), and before a successor buffer
grows; the memory guard is told what the tables hold, since all of them may double
before the next look. A ``MemoryError`` from an allocation all the same ends the search
with the bound of the last look ("memory limit").

The small helpers of the hot loop are ``inline="always"``: a call between compiled
functions passes every array argument as a full struct, and measured on attention
N = 2, d = 2 at M = 6 inlining them made the search about 1.45 times faster (the first
compile takes about twice as long; numba caches the result). numba's cache checks the
source file of each cached function only, so :func:`drop_stale_cache` (run on import)
drops the cached functions of the search whenever one of its modules (``state.py``,
``rules.py``, ``heuristics.py``, ``symmetry.py``, ``problem.py``) changed since they
were written.
"""

from __future__ import annotations

import hashlib
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit, objmode, typeof

from redblue.progress import phase
from redblue.search.heuristics import (
    PART_BITS,
    PART_KEEP,
    PART_MAX_N,
    PART_SHARE,
    _cut_heuristic,
    _heuristic,
    _part_heuristic,
    candidate_parts,
    flow_network,
    part_tables,
    stack_part_tables,
)
from redblue.search.limits import Limits, Stopped, call_within, load_within, out_of_memory
from redblue.search.part_plays import PLAY_FROM, part_bits, partition_play_bound
from redblue.search.problem import Problem
from redblue.search.rules import _canon_dead, _live
from redblue.search.state import (
    _FULL,
    _ID_MASK,
    _U0,
    _U1,
    INPUTS,
    NSCRATCH,
    OUTPUTS,
    P_CUT,
    P_DEAD,
    P_DOM,
    P_FORCED,
    P_HEUR,
    P_LIMIT,
    P_MEM,
    P_N,
    P_NOUT,
    P_NR,
    P_OUTS,
    P_STASH,
    P_STATES,
    P_SYM,
    P_TRACK,
    P_WEIGHT,
    P_WHOLE,
    PRED,
    R_A,
    R_BL,
    R_BR,
    R_E,
    R_HY,
    R_L,
    R_LIVE,
    R_M,
    R_NC,
    R_T,
    R_U,
    R_US,
    R_VM,
    SUCC,
    _add,
    _count,
    _due,
    _fill_row,
    _filled,
    _grow1,
    _grow2,
    _has,
    _has2,
    _huge,
    _lookup,
    _now_ns,
    _popc,
    _rehash,
    _slot_entry,
    from_words,
)
from redblue.search.symmetry import (
    _parent_images,
    _sym_canon,
    automorphisms,
    kept_automorphisms,
    symmetry_tables,
    unmap_macros,
)

__all__ = ["AStarOutcome", "MAX_NODES", "compiled_search", "compiled_weighted_search",
           "drop_stale_cache"]

#: the modules of the compiled search: numba's cache of a function looks at its own file
#: only, and these inline each other's functions
INLINED = ("core.py", "state.py", "rules.py", "heuristics.py", "symmetry.py", "problem.py")
_HERE = Path(__file__).resolve().parent


def drop_stale_cache(here: Path = _HERE, sources: tuple[str, ...] = INLINED) -> bool:
    """Delete numba's cached functions of ``sources`` if any of these modules changed.

    numba keys a cached function by its own file's timestamp, so a kernel compiled
    before an edit of ``rules.py`` would be loaded unchanged: a stale search (and so
    would ``heuristics._cut_heuristic`` after an edit of the hash table in ``state.py``).
    A digest of ``sources`` is kept beside the cache; when it differs, the cached
    functions of every module in ``sources`` go (``core.*.nbi``/``.nbc``, ...).
    Read-only installs are left as they are; a cache moved by ``NUMBA_CACHE_DIR`` is not
    seen (clear it by hand after such an edit). Returns True when files were dropped.
    """
    try:
        digest = hashlib.sha256(b"".join((here / f).read_bytes() for f in sources)).hexdigest()
    except OSError:  # sources not on disk (a zipped install): nothing to compare
        return False
    cache, dropped = here / "__pycache__", False
    stamp = cache / "core.inlined-sources"
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    try:
        for stem in (Path(f).stem for f in sources):
            for f in [*cache.glob(f"{stem}.*.nbi"), *cache.glob(f"{stem}.*.nbc")]:
                f.unlink()
                dropped = True
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: nothing to drop, nothing to keep
        pass
    return dropped


drop_stale_cache()

#: the largest graph that callers searching many instances (``redblue check``) hand to
#: the exact search by default; the search itself takes graphs of any size
MAX_NODES = 128

_INF = 1 << 20
# the limits (deadline, Ctrl-C, memory) and the progress callback are looked at in Python
# (``objmode``) at most every _TICK_NS nanoseconds: each look costs the compiled loop
# far more than its own time (a look every 8,192 units of work made the search 4% slower);
# the clock is read (clock_gettime, tens of nanoseconds) every _CLOCK_WORK units of work
# (states popped, successors made, victim sets tried). Without that clock (not Linux or
# macOS) every 64th reading counts as due.
_TICK_NS = 20_000_000
_CLOCK_WORK = 1 << 10
# partial expansion (see :func:`_search`): a state whose successors above the band are at
# most 1/_WHOLE of those it makes is expanded whole (a kernel parameter, ``P_WHOLE``:
# tests change it without a compile). Making one of them at once costs its canonical
# form (rule Y) and table look-up; leaving it costs, if its band is reached, making all
# the successors again with their bounds: on attention N = 2, d = 2 and N = 3, d = 1 the
# first costs about twice what the second does a successor, so below a half whole pays
# when the band is reached (on N = 2, d = 2 nearly always; on N = 3, d = 1 rarely)
_WHOLE = 2

# outcome codes of the compiled search
FOUND, EXHAUSTED, TIME_LIMIT, STATE_LIMIT, MEMORY_LIMIT, INTERRUPTED = 0, 1, 2, 3, 4, 5
STOPPED = {TIME_LIMIT: "time limit", STATE_LIMIT: "state limit", MEMORY_LIMIT: "memory limit",
           INTERRUPTED: "interrupted"}  # fmt: skip

_RUN: dict = {}  # the limits and progress callback of the running search
# graph -> (automorphisms, words, their tables for _sym_canon)
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class AStarOutcome:
    """What the search found: bounds, the best macro sequence, effort."""

    lower: int
    upper: int | None
    macros: list[tuple[int, int, int]] | None
    optimal: bool
    states: int
    stopped: str | None


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


@njit(inline="always")
def _emit(tmp, nw, vm, gm, prm, sc, out_s, out_c, out_v, out_m, k, cost, v):
    """Successor ``k``: state ``tmp`` after rule D, its cost and vertex; victims and
    stored sets (``out_m``) are left to the caller."""
    _canon_dead(tmp, nw, vm, gm, prm, sc, R_LIVE * nw)
    for j in range(3 * nw):
        out_s[k, j] = tmp[j]
    out_c[k] = cost
    out_v[k] = v


@njit(inline="always")
def _forced(st, nw, vm, gm, prm, sc, ids, tmp, out_s, out_c, out_v, out_m):
    """Rules O (both games) and F (no-recompute), see :mod:`redblue.search.rules`: 1 with
    the forced move as the only successor, else 0. ``sc`` row ``R_L`` holds the live
    set; the caller has checked that a red pebble is free."""
    lo = R_L * nw
    for i in range(P_OUTS, P_OUTS + prm[P_NOUT]):
        o = prm[i]
        if _has(st, nw, o) or _has(st, 0, o) or _has2(gm, INPUTS, o):
            continue
        ready = True  # every operand red, no live successor
        for w in range(nw):
            if vm[PRED, o, w] & ~st[w] != _U0 or vm[SUCC, o, w] & sc[lo + w] != _U0:
                ready = False
                break
        if ready:
            for j in range(3 * nw):
                tmp[j] = st[j]
            _add(tmp, 0, o)
            _add(tmp, nw, o)
            if prm[P_TRACK]:
                _add(tmp, 2 * nw, o)
            _emit(tmp, nw, vm, gm, prm, sc, out_s, out_c, out_v, out_m, 0, 1, o)
            out_m[0, :] = _U0
            return 1
    if not prm[P_NR]:
        return 0
    for v in range(prm[P_N]):
        if _has2(gm, INPUTS, v) or _has(st, 0, v) or _has(st, 2 * nw, v):
            continue
        if not _has(sc, lo, v):
            continue
        ready = True
        for w in range(nw):
            if vm[PRED, v, w] & ~st[w] != _U0:
                ready = False
                break
        if not ready:
            continue
        cnt = 0
        for w in range(nw):
            x = vm[PRED, v, w] & ~st[nw + w]
            while x != _U0:
                ids[0, cnt] = 64 * w + _popc((x & (~x + _U1)) - _U1)
                x &= x - _U1
                cnt += 1
        for i in range(cnt):
            u = ids[0, i]
            last = True  # v is the only live successor of u not yet computed
            for w in range(nw):
                x = vm[SUCC, u, w] & sc[lo + w] & ~st[2 * nw + w]
                want = _U1 << np.uint64(v & 63) if w == v >> 6 else _U0
                if x != want:
                    last = False
                    break
            if last:
                isout = _has2(gm, OUTPUTS, v)
                for j in range(3 * nw):
                    tmp[j] = st[j]
                _add(tmp, 0, v)
                _add(tmp, 2 * nw, v)
                if isout:
                    _add(tmp, nw, v)
                _emit(tmp, nw, vm, gm, prm, sc, out_s, out_c, out_v, out_m, 0,
                      1 if isout else 0, v)  # fmt: skip
                out_m[0, :] = _U0
                return 1
    return 0


@njit(cache=True)
def _successors(st, wz, vm, gm, prm, out_s, out_c, out_v, out_m, ids, pick, gbound, clk, sc,
                tmp):  # fmt: skip
    """Macro moves from state ``st`` into the buffers; the count, -1 if they overflow, or
    ``-2 - code`` when the limits say stop (looked at as in :func:`_search`, ``clk`` its
    clock: at large M one state can have millions of victim sets).

    ``out_s[i]`` the next state (``3 W`` words, rule D applied), ``out_c[i]`` its cost,
    ``out_v[i]`` the computed vertex, ``out_m[i]`` the victims and stored sets (``W``
    words each). Rules N1-N4 (the macro moves), S (victims without blue go to the
    stash), D (forced stores in no-recompute), O and F. With rule H, a move whose cost plus
    the heuristic of its result is at least ``gbound`` (the bound minus the cost so far)
    is left out (rule B): for each ``v`` the heuristic ``h0`` of the state before any
    eviction is computed once, and a victim set costs at least ``h0`` plus its victims
    that are loadable red predecessors of vertices still to compute (each then needs a
    load), plus the stores that rule D forces in the no-recompute game. Eviction only
    shrinks the red set, which never shrinks the heuristic's "must compute" set, so the
    bound holds.
    """
    nw = len(wz)
    n = prm[P_N]
    memory = prm[P_MEM]
    nr = prm[P_NR]
    stash = prm[P_STASH]
    dead = prm[P_DEAD]
    lo, ao, mo, uo, blo, nco = R_L * nw, R_A * nw, R_M * nw, R_U * nw, R_BL * nw, R_NC * nw
    vmo, uso, bro, to, eo, hyo = R_VM * nw, R_US * nw, R_BR * nw, R_T * nw, R_E * nw, R_HY * nw
    _live(st, nw, vm, gm, prm, sc, lo)
    r = _count(st, 0, nw)
    for w in range(nw):
        sc[ao + w] = st[w] | st[nw + w]
        if stash:
            sc[ao + w] |= st[2 * nw + w]
    cmask = _FULL if prm[P_TRACK] else _U0
    cap = out_c.shape[0]
    k = 0
    tried = 0
    if prm[P_FORCED] and r < memory:
        if _forced(st, nw, vm, gm, prm, sc, ids, tmp, out_s, out_c, out_v, out_m):
            return 1
    for v in range(n):
        if _has2(gm, INPUTS, v) or _has(st, 0, v) or not _has(sc, lo, v):
            continue
        if nr and _has(st, 2 * nw, v):
            continue
        ok = True
        loads = 0
        unst = 0
        for w in range(nw):
            q = vm[PRED, v, w]
            if q & ~sc[ao + w] != _U0:
                ok = False
                break
            m = q & ~st[w]
            u = m & ~st[nw + w]  # rule S: loads from the stash, store paid now
            sc[mo + w] = m
            sc[uo + w] = u
            loads += _popc(m)
            unst += _popc(u)
        if not ok:
            continue
        need = r + loads + 1 - memory
        isout = _has2(gm, OUTPUTS, v)
        for w in range(nw):
            sc[blo + w] = st[nw + w] | sc[uo + w]
            sc[nco + w] = st[2 * nw + w] & cmask
        if isout:
            _add(sc, blo, v)
        if prm[P_TRACK]:
            _add(sc, nco, v)
        cost1 = loads + unst + (1 if isout else 0)
        if need <= 0:
            if k >= cap:
                return -1
            for w in range(nw):
                tmp[w] = st[w] | sc[mo + w]
                tmp[nw + w] = sc[blo + w]
                tmp[2 * nw + w] = sc[nco + w]
            _add(tmp, 0, v)
            _emit(tmp, nw, vm, gm, prm, sc, out_s, out_c, out_v, out_m, k, cost1, v)
            out_m[k, :] = _U0
            k += 1
            continue
        # the victims: red vertices that are not operands of v
        npool = 0
        for w in range(nw):
            x = st[w] & ~vm[PRED, v, w]
            while x != _U0:
                ids[0, npool] = 64 * w + _popc((x & (~x + _U1)) - _U1)
                x &= x - _U1
                npool += 1
        if need > npool:
            continue
        prune = prm[P_HEUR] != 0
        base = 0
        if prune:
            for w in range(nw):
                tmp[w] = st[w] | sc[mo + w]
                tmp[nw + w] = sc[blo + w]
                tmp[2 * nw + w] = sc[nco + w]
            _add(tmp, 0, v)
            _canon_dead(tmp, nw, vm, gm, prm, sc, R_LIVE * nw)
            h0 = _heuristic(tmp, nw, vm, gm, prm, sc)
            base = cost1 + h0
            # the fewest victims any choice takes from the red loadable operands (R_HY)
            ny = 0
            for w in range(nw):
                ny += _popc(sc[hyo + w] & ~vm[PRED, v, w] & st[w])
            if base + need - (npool - ny) >= gbound:
                continue
        for i in range(need):
            pick[i] = i
        while True:
            tried += 1
            if tried >= _CLOCK_WORK:
                tried = 0
                if _due(clk, _TICK_NS):
                    with objmode(stop="int64"):
                        stop = _clock()
                    if stop:
                        return -2 - stop
            for w in range(nw):
                sc[vmo + w] = _U0
            for i in range(need):
                _add(sc, vmo, ids[0, pick[i]])
            nus = 0
            for w in range(nw):
                sc[uso + w] = sc[vmo + w] & ~st[nw + w]
                nus += _popc(sc[uso + w])
            skip = False
            if prune:
                low = base
                for w in range(nw):
                    low += _popc(sc[vmo + w] & sc[hyo + w])
                if nr and dead:
                    low += nus  # forced stores
                skip = low >= gbound
            for w in range(nw):
                sc[bro + w] = (st[w] & ~sc[vmo + w]) | sc[mo + w]
            _add(sc, bro, v)
            if skip:
                nsub = 0
            elif stash or (nr and dead):
                nsub = 1
            else:
                nsub = 1 << nus
            _fill_row(sc, uso, nw, ids, 0, npool)
            for sub in range(nsub):
                for w in range(nw):
                    if stash:  # no store now (rule S): the victims go to the stash
                        sc[to + w] = _U0
                        sc[eo + w] = sc[nco + w] | sc[uso + w]
                    elif nr and dead:  # live victims without blue must be stored (rule D)
                        sc[to + w] = sc[uso + w]
                        sc[eo + w] = sc[nco + w]
                    else:
                        sc[to + w] = _U0
                        sc[eo + w] = sc[nco + w]
                if not stash and not (nr and dead):
                    for j in range(nus):
                        if sub >> j & 1:
                            _add(sc, to, ids[0, npool + j])
                if k >= cap:
                    return -1
                for w in range(nw):
                    tmp[w] = sc[bro + w]
                    tmp[nw + w] = sc[blo + w] | sc[to + w]
                    tmp[2 * nw + w] = sc[eo + w]
                _emit(tmp, nw, vm, gm, prm, sc, out_s, out_c, out_v, out_m, k,
                      cost1 + _count(sc, to, nw), v)  # fmt: skip
                for w in range(nw):
                    out_m[k, w] = sc[vmo + w]
                    out_m[k, nw + w] = sc[to + w]
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


@njit(inline="always")
def _push(bhead, ent, ecount, node, g, checked, f, lo):
    """Queue entry ``ecount`` for ``node`` at cost ``g`` in bucket ``f`` (growing the
    bucket heads and the entry array as needed), its successors with bound at most ``lo``
    already made (partial expansion; -1: none); returns both arrays."""
    while f >= bhead.shape[0]:
        bhead = _grow1(bhead, 2 * bhead.shape[0], -1)
    if ecount >= ent.shape[0]:
        ent = _grow2(ent, 2 * ent.shape[0])
    ent[ecount, 0] = node
    ent[ecount, 1] = g
    ent[ecount, 2] = checked
    ent[ecount, 3] = bhead[f]
    ent[ecount, 4] = lo
    bhead[f] = ecount
    return bhead, ent


@njit(inline="always")
def _held(keys, parent, mac, inlist, slots, ckeys, cstart, clen, croom, cslots, pool, ent,
          bhead, memo_keys, memo_val, out_s, out_c, out_v, out_m, out_b):  # fmt: skip
    """Bytes held by the tables of :func:`_search` (each may double before the next look
    at memory)."""
    return (keys.nbytes + parent.nbytes + mac.nbytes + inlist.nbytes + slots.nbytes
            + ckeys.nbytes + cstart.nbytes + clen.nbytes + croom.nbytes + cslots.nbytes
            + pool.nbytes + ent.nbytes + bhead.nbytes + memo_keys.nbytes + memo_val.nbytes
            + out_s.nbytes + out_c.nbytes + out_v.nbytes + out_m.nbytes + out_b.nbytes)


@njit(cache=True)
def _search(wz, vm, gm, prm, start, vimg, fhead, fcap0, fptr, fadj, split, sink, pmeta, pverts,
            ptab):  # fmt: skip
    """The A* loop (rules T, C, B, H2 and Y here; the moves in :func:`_successors`).

    Partial expansion (exact A* with rule H on): a state popped from bucket ``f`` takes
    the bound ``g + h`` of each successor (rule H, the same on every image under rule Y),
    then puts in canonical form and stores only those whose bound lies in the band
    ``(lo, f]``, ``lo`` the bucket of its previous band (-1 at first); if some successor's
    bound is above ``f``, the state is queued again at the smallest such bound with
    ``lo = f``. It steps aside where it cannot pay: a state whose successors above the
    band are at most ``1/_WHOLE`` of those it makes stores all of them above ``lo`` now
    (each queued at its bound, as plain A* does), and in the last bucket below the limit
    (``f = limit - 1``) no successor can be left (its bound would reach the limit: rule
    B), so a state's first band there is made at once, canonical form first and rule H
    only on the states new to the table, as without partial expansion.

    Any such schedule keeps A*'s order: each time a state is popped, the successors it
    makes at its cost ``g`` are those with bound above ``lo`` and at most ``f``, or all
    above ``lo``; every successor with bound in ``(lo, f]`` among them, and those left
    have bounds of at least ``nxt > f``, the bucket of the state's next band. Buckets are
    popped in increasing order, so every successor of a state at cost ``g`` is made
    before the bucket of its bound is reached; if the state is reached more cheaply later,
    the stale band is dropped (rule T) and the new entry, ``lo = -1``, makes all bands
    again; if it is dominated (rule C), the dominating state's successors cover its own.
    So optimality and the bound reported on a stop are those of A*; what is saved is the
    canonical forms, the table entries and the memory of successors the search never
    reaches (at attention N = 3, d = 1, M = 6 some 42 states stored a state expanded
    before, 7 to 8 after). A state's later bands do not count as states expanded.

    Returns ``(code, lower, expanded, path)`` where ``path`` lists the nodes of the
    goal's path (start first) as rows ``(v, victims, stored, k)`` (``2 W + 2`` words)
    when ``code == FOUND``.
    """
    nw = len(wz)
    n = prm[P_N]
    sw = 3 * nw  # words of a state
    kw = (sw + 4) // 4 * 4  # a row of keys: the state, g, padding to 32 bytes
    mw = 2 * nw + 2  # a row of mac: v, victims, stored, k
    limit = prm[P_LIMIT]
    state_limit = prm[P_STATES]
    nperm = vimg.shape[1] - 5  # (five rows of orbit tables follow the images)
    use_sym = prm[P_SYM] and nperm > 1
    use_dom = prm[P_DOM] and prm[P_STASH]
    # node store
    cap = 1 << 14
    keys = np.empty((cap, kw), np.uint64)
    parent = np.empty(cap, np.int64)
    mac = np.empty((cap, mw), np.uint64)
    inlist = np.zeros(cap, np.int8)  # rule C: whether the node is in its class's list
    count = 0
    slots = np.full(1 << 15, -1, np.int64)
    # rule C classes: keys (red, blue), and each class's list as a contiguous run of
    # rows (stash words, g, node) in a pool: a list is read whole for every new state,
    # and linked nodes made each step a cache miss (about a third of the time)
    ccap = 1 << 12
    ckeys = np.empty((ccap, 2 * nw), np.uint64)
    cstart = np.empty(ccap, np.int64)
    clen = np.empty(ccap, np.int64)
    croom = np.empty(ccap, np.int64)
    ccount = 0
    cslots = np.full(1 << 13, -1, np.int64)
    pool = np.empty((1 << 14, nw + 2), np.uint64)
    pused = 0
    # bucket queue: linked entries
    # node, g, H2 checked, next entry of the bucket, bound of the successors already made
    ent = np.empty((1 << 15, 5), np.int64)
    ecount = 0
    bhead = np.full(64, -1, np.int64)
    # successor buffers and scratch
    bcap = 256
    out_s = np.empty((bcap, sw), np.uint64)
    out_c = np.empty(bcap, np.int64)
    out_v = np.empty(bcap, np.int64)
    out_m = np.empty((bcap, 2 * nw), np.uint64)
    out_b = np.empty(bcap, np.int64)  # partial expansion: the successors' bounds (-1: none)
    ids = np.empty((1, 2 * n + 2), np.int64)
    pick = np.empty(n + 1, np.int64)
    fcap = np.empty_like(fcap0)
    via = np.empty((3, 2 * n + 2), np.int64)  # scratch of the max flow (rule H2)
    fqueue = np.empty(2 * n + 2, np.int64)
    ns = np.empty(sw, np.uint64)
    tmp = np.empty(sw, np.uint64)
    sc = np.zeros(NSCRATCH * nw, np.uint64)
    # the memo of rule H2: starts small (most searches are small), doubles to 2^18 entries
    msize = 1 << 10
    memo_keys = np.empty((msize, 4 * nw), np.uint64)
    memo_val = np.full(msize, -1, np.int64)
    memo_n = np.zeros(1, np.int64)
    memo_key = np.empty(4 * nw, np.uint64)
    bkey = np.empty(2 * nw, np.uint64)  # the blue-image cache of rule Y
    kmin = np.full(nperm + 1, -1, np.int64)
    ybuf = np.empty((2, nperm, nw), np.uint64)  # rule Y: images compared, and their order
    yidx = np.empty(nperm, np.int64)
    # rule Y from the parent: its state, the images of its sets, the changed bits
    par = np.zeros(sw, np.uint64)
    pimg = np.zeros((3, nperm, nw), np.uint64)  # the start's "parent" is the empty state
    dbits = np.empty((4, n + 1), np.int64)
    ckey = np.empty(2 * nw, np.uint64)
    clk = np.zeros(2, np.int64)  # the next look at the limits (see _due)
    clk[0] = _now_ns() + _TICK_NS

    s = start.copy()
    if use_sym:
        _sym_canon(start, s, nw, par, pimg, vimg, dbits, bkey, kmin, ybuf, yidx)
    keys[0, :sw] = s
    keys[0, sw] = _U0
    parent[0] = -1
    mac[0, :] = _U0
    mac[0, 0] = _FULL
    count = 1
    slot = _lookup(slots, keys, s, sw)
    slots[slot] = _slot_entry(0, s, sw)
    if use_dom:
        ckey[:] = s[:2 * nw]
        ckeys[0] = ckey
        cslots[_lookup(cslots, ckeys, ckey, 2 * nw)] = _slot_entry(0, ckey, 2 * nw)
        ccount = 1
        cstart[0] = 0
        clen[0] = 1
        croom[0] = 4
        pused = 4
        pool[0, :nw] = s[2 * nw:]
        pool[0, nw] = _U0
        pool[0, nw + 1] = _U0
        inlist[0] = 1
    # weighted A* (weight > 1, an upper-bound heuristic search): queue on g + weight * h,
    # prune on g + h >= limit as before; only the cost of what it finds means anything
    weight = prm[P_WEIGHT]
    if prm[P_HEUR]:
        f0 = weight * _heuristic(s, nw, vm, gm, prm, sc)
    else:
        f0 = 0
    bhead, ent = _push(bhead, ent, ecount, 0, 0, 0, f0, -1)
    ecount = 1
    f = f0
    expanded = 0
    work = 0  # states popped plus successors made since the last look at the clock
    flimit = limit if weight == 1 else min(limit, 1 << 40) * weight
    # partial expansion (exact A* with rule H): a state's successors whose bound
    # g + h passes the bucket are neither put in canonical form nor stored; the state is
    # queued again at the smallest such bound, and makes the next band then
    pea = weight == 1 and prm[P_HEUR] != 0
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
        lo = ent[e, 4]
        work += 1
        if work >= _CLOCK_WORK:
            # the limits and the progress callback, by time (the clock read every
            # _CLOCK_WORK units of work, not states expanded: an expansion makes from a few
            # to millions of successors)
            work = 0
            if _due(clk, _TICK_NS):
                held = _held(keys, parent, mac, inlist, slots, ckeys, cstart, clen, croom,
                             cslots, pool, ent, bhead, memo_keys, memo_val, out_s, out_c, out_v,
                             out_m, out_b)  # fmt: skip
                with objmode(stop="int64"):
                    stop = _tick(expanded, f, count, held)
                if stop:
                    return stop, f, expanded, np.empty((0, mw), np.uint64)
        if keys[x, sw] != np.uint64(g):
            continue  # rule T: a cheaper path was found later
        if use_dom and inlist[x] == 0:
            # rule C: dominated since it was queued. A node leaves its class list only
            # when a state of the class with a larger stash is stored at no greater cost,
            # and while it is in the list no member dominates it (each insertion checks
            # the list first), so no scan is needed.
            continue
        if prm[P_CUT] and not ent[e, 2]:
            if 4 * (memo_n[0] + 1) > 3 * memo_val.shape[0] and memo_val.shape[0] < 1 << 18:
                memo_keys = _huge(np.empty((2 * memo_val.shape[0], 4 * nw), np.uint64))
                memo_val = _filled(2 * memo_val.shape[0], -1)  # a cache: start afresh
                memo_n[0] = 0
            hc = _cut_heuristic(keys[x], wz, vm, gm, prm, fhead, fcap0, fptr, fadj, split,
                                sink, fcap, via, fqueue, memo_keys, memo_val, memo_n,
                                memo_key, sc)  # fmt: skip
            if pmeta.shape[0] > 0:  # rule H3, with H2 on the states about to be expanded
                hc = max(hc, _part_heuristic(keys[x], wz, vm, gm, prm, sc, pmeta, pverts, ptab))
            nf = g + weight * hc
            if nf > f:
                if g + hc < limit:
                    bhead, ent = _push(bhead, ent, ecount, x, g, 1, nf, lo)
                    ecount += 1
                continue
        goal = True
        for w in range(nw):
            if gm[OUTPUTS, w] & ~keys[x, nw + w] != _U0:
                goal = False
                break
        if goal:
            depth = 0
            y = x
            while parent[y] >= 0:
                depth += 1
                y = parent[y]
            path = np.empty((depth, mw), np.uint64)
            y = x
            i = depth - 1
            while parent[y] >= 0:
                path[i] = mac[y]
                i -= 1
                y = parent[y]
            return FOUND, g, expanded, path
        if state_limit >= 0 and expanded >= state_limit:
            return STATE_LIMIT, f, expanded, np.empty((0, mw), np.uint64)
        if lo < 0:
            expanded += 1  # (a state's next bands are not counted again)
        nxt = -1  # the smallest bound of a successor left for a later band
        if use_sym:
            par[:] = keys[x, :sw]
            _parent_images(par, wz, vimg, pimg)
        while True:
            nsucc = _successors(keys[x], wz, vm, gm, prm, out_s, out_c, out_v, out_m, ids,
                                pick, limit - g, clk, sc, tmp)  # fmt: skip
            if nsucc >= 0:
                break
            if nsucc <= -2:
                return -2 - nsucc, f, expanded, np.empty((0, mw), np.uint64)
            # the buffers double: can they?
            held = _held(keys, parent, mac, inlist, slots, ckeys, cstart, clen, croom, cslots,
                         pool, ent, bhead, memo_keys, memo_val, out_s, out_c, out_v, out_m,
                         out_b)  # fmt: skip
            extra = 2 * (out_s.nbytes + out_c.nbytes + out_v.nbytes + out_m.nbytes
                         + out_b.nbytes)  # fmt: skip
            with objmode(stop="int64"):
                stop = _tick(expanded, f, count, held + extra)
            if stop:
                return stop, f, expanded, np.empty((0, mw), np.uint64)
            bcap *= 2
            out_s = np.empty((bcap, sw), np.uint64)
            out_c = np.empty(bcap, np.int64)
            out_v = np.empty(bcap, np.int64)
            out_m = np.empty((bcap, 2 * nw), np.uint64)
            out_b = np.empty(bcap, np.int64)
        # banded (see the docstring): a first pass takes the successors' bounds, the second
        # makes those of the band, or all above ``lo`` (whole). In the last bucket below
        # the limit nothing can be left for later (rule B): made at once, h only on states
        # new to the table
        band = pea and (lo >= 0 or f + 1 < limit)
        whole = not band
        nabove = 0
        # in runs of _CLOCK_WORK successors, the clock read between two runs (one
        # expansion can make a million successors at large M); runs ``c < nch`` the first
        # pass, the others the second
        nch = (nsucc + _CLOCK_WORK - 1) // _CLOCK_WORK
        for c in range(nch if whole else 0, 2 * nch):
            if work >= _CLOCK_WORK:
                work = 0
                if _due(clk, _TICK_NS):
                    held = _held(keys, parent, mac, inlist, slots, ckeys, cstart, clen, croom,
                                 cslots, pool, ent, bhead, memo_keys, memo_val, out_s, out_c,
                                 out_v, out_m, out_b)  # fmt: skip
                    with objmode(stop="int64"):
                        stop = _tick(expanded, f, count, held)
                    if stop:  # (f stays a lower bound: this state's bound is f)
                        return stop, f, expanded, np.empty((0, mw), np.uint64)
            i0 = (c % nch) * _CLOCK_WORK
            i1 = min(nsucc, i0 + _CLOCK_WORK)
            work += i1 - i0
            if c < nch:
                # h on the successor as made (rule H is invariant under the automorphisms
                # of rule Y); -1: none to make (rule B, or made at an earlier band)
                for i in range(i0, i1):
                    b = -1
                    ng = g + out_c[i]
                    if ng < limit:
                        for j in range(sw):
                            tmp[j] = out_s[i, j]
                        b = ng + _heuristic(tmp, nw, vm, gm, prm, sc)
                        if b >= limit or b <= lo:
                            b = -1
                        elif b > f:
                            nabove += 1
                            if nxt < 0 or b < nxt:
                                nxt = b
                    out_b[i] = b
                if c == nch - 1:
                    whole = prm[P_WHOLE] * nabove <= nsucc
                continue
            for i in range(i0, i1):
                ng = g + out_c[i]
                if ng >= limit:
                    continue
                h = 0
                if band:
                    b = out_b[i]
                    if b < 0 or (b > f and not whole):
                        continue
                    h = b - ng
                kk = 0
                if use_sym:
                    for j in range(sw):
                        tmp[j] = out_s[i, j]
                    kk = _sym_canon(tmp, ns, nw, par, pimg, vimg, dbits, bkey, kmin, ybuf, yidx)
                else:
                    for j in range(sw):
                        ns[j] = out_s[i, j]
                slot = _lookup(slots, keys, ns, sw)
                old = slots[slot]
                if old >= 0:
                    old &= _ID_MASK
                    if keys[old, sw] <= np.uint64(ng):
                        continue  # most successors end here: the heuristic only after (rule T)
                # h is invariant under automorphisms, so it is taken on the representative
                if prm[P_HEUR] and not band:
                    h = _heuristic(ns, nw, vm, gm, prm, sc)
                if ng + h >= limit:
                    continue  # rule B
                nf = ng + weight * h
                cl = -1
                oldrow = -1
                if use_dom:
                    for j in range(2 * nw):
                        ckey[j] = ns[j]
                    cslot = _lookup(cslots, ckeys, ckey, 2 * nw)
                    cl = cslots[cslot]
                    if cl >= 0:
                        cl &= _ID_MASK
                        # one pass: is the new state dominated, and which members does it
                        # dominate (they leave the list, the rest close up)? A list is an
                        # antichain, so no member is dropped when the new state turns out
                        # dominated; if one were, it would be dominated by the dominator too.
                        base = cstart[cl]
                        ln = clen[cl]
                        w = 0
                        dominated = False
                        for j in range(ln):
                            row = base + j
                            gy = np.int64(pool[row, nw])
                            y = np.int64(pool[row, nw + 1])
                            sub_new = True  # new stash within the member's
                            sub_old = True  # member's stash within the new one
                            for t in range(nw):
                                a = ns[2 * nw + t]
                                b = pool[row, t]
                                if a & ~b != _U0:
                                    sub_new = False
                                if b & ~a != _U0:
                                    sub_old = False
                            if gy <= ng and sub_new:
                                dominated = True
                                break
                            if y != old and gy >= ng and sub_old:
                                inlist[y] = 0  # out of the list
                                continue
                            if y == old:
                                oldrow = base + w
                            if w != j:
                                pool[base + w] = pool[row]
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
                    keys[z, :sw] = ns
                    if 2 * count > slots.shape[0]:
                        slots = _rehash(keys, count, 2 * slots.shape[0], sw)  # (g follows)
                    else:
                        slots[slot] = _slot_entry(z, ns, sw)
                keys[z, sw] = np.uint64(ng)
                parent[z] = x
                mac[z, 0] = np.uint64(out_v[i])
                for t in range(2 * nw):
                    mac[z, 1 + t] = out_m[i, t]
                mac[z, mw - 1] = np.uint64(kk)
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
                            cslots = _rehash(ckeys, ccount, 2 * cslots.shape[0], 2 * nw)
                        else:
                            cslots[cslot] = _slot_entry(cl, ckey, 2 * nw)
                    if oldrow >= 0:
                        pool[oldrow, nw] = np.uint64(ng)  # still in the list, now cheaper
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
                        for t in range(nw):
                            pool[row, t] = ns[2 * nw + t]
                        pool[row, nw] = np.uint64(ng)
                        pool[row, nw + 1] = np.uint64(z)
                        clen[cl] = ln + 1
                        inlist[z] = 1
                bhead, ent = _push(bhead, ent, ecount, z, ng, 0, nf, -1)
                ecount += 1
        if not whole and nxt >= 0:  # the next band of this state
            bhead, ent = _push(bhead, ent, ecount, x, g, 1, nxt, f)
            ecount += 1
    return EXHAUSTED, f, expanded, np.empty((0, mw), np.uint64)


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
    """A* (best-first on ``f = g + h``) with a bucket queue, bounded by ``upper``.

    Parameters
    ----------
    problem : Problem
        The tables of the graph, memory and variant (any number of vertices).
    upper : int, optional
        The cost of a known strategy (rule B): only strictly cheaper strategies are
        searched for.
    heuristic, dominance, symmetry : bool
        Rules H (with H2 in the classic game), C and Y of :mod:`redblue.search.rules`.
    time_limit : float, optional
        Seconds from this call on.
    state_limit : int, optional
        Most states to expand.
    progress : callable, optional
        Called every ``progress_every`` seconds with a dict (states, lower, upper,
        stored, seconds).
    limits : Limits, optional
        The deadline, interrupt flag and memory guard of the caller; the setup
        (automorphisms, tables) counts.

    Returns
    -------
    AStarOutcome
        The optimum and its macro moves when one cheaper than ``upper`` exists and the
        search finishes; ``macros=None`` with ``lower = upper`` when none does; else
        ``stopped`` ("time limit", "interrupted", "state limit", "memory limit") and
        the bound reached.

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


def kernel_ready(nwords: int) -> bool:
    """Whether the kernel for ``nwords`` words runs without being compiled first: it is
    compiled in this process, or numba's cache on disk holds it (numba's own index file,
    keyed by the argument types; if it cannot be read, the kernel counts as ready)."""
    from redblue.search.state import word_count

    sig = typeof(word_count(nwords))
    if any(s[0] == sig for s in getattr(_search, "signatures", [(sig,)])):
        return True
    try:
        index = _search._cache._cache_file._load_index()
        return any(key[0][0] == sig for key in index)  # key: (argument types, ...)
    except Exception:  # pragma: no cover - numba internals moved: assume cached
        return True


def _run(problem, heuristic, dominance, symmetry, limit, lim, state_limit, progress,
         progress_every, weight=1):
    """Run the kernel: ``(code, f or cost, expanded, macros or None)``."""
    n, nw = problem.n, problem.nwords
    # the bound before any state is expanded (what a stop during the setup reports):
    # rule H at the start, in plain Python until its compiled helper is loaded
    floor = weight * problem.start_bound() if heuristic else 0
    try:
        start, h0 = problem.start(lim)
        floor = weight * h0 if heuristic else 0
        lim.check()
        vm, gm = problem.tables()
        if not symmetry:
            perms = [list(range(n))]
        elif problem.perms is not None:
            perms = problem.perms
        else:
            perms = automorphisms(problem.graph, limits=lim)
        perms = kept_automorphisms(perms, n, nw)
        lim.check()
        got = _TABLES.get(problem.graph)
        if got is None or got[0] != perms or got[1] != nw:
            # 0.1 s with 256 automorphisms, and solve runs up to five searches on a graph
            _, img = symmetry_tables(perms, n, nw)
            # vertex-major (``vimg[v, k]``): rule Y reads the images of one vertex under
            # every automorphism in turn
            got = (perms, nw, np.ascontiguousarray(img.T),
                   flow_network(n, problem.preds, problem.graph.is_input))  # fmt: skip
            _TABLES[problem.graph] = got
        vimg, flow = got[2], got[3]
        lim.check()
    except Stopped as stop:
        return (INTERRUPTED if stop.reason == "interrupted" else TIME_LIMIT), floor, 0, None
    cut = heuristic and not problem.no_recompute
    prm = problem.params(heuristic, cut, dominance, symmetry, limit, state_limit, weight,
                         _WHOLE)  # fmt: skip
    t0 = time.monotonic()
    _RUN.update(t0=t0, limits=lim, guard=lim.memory, progress=progress, every=progress_every,
                last=t0, upper=None if limit >= 1 << 60 else limit, f=floor,
                expanded=0, mem_next=t0, held_seen=0)  # fmt: skip
    try:
        parts = _NO_PARTS
        if cut and problem.n <= PART_MAX_N:
            parts = _part_tables(problem, lim, start, h0)
    except MemoryError:  # no room for rule H3's tables: the search runs without them
        parts = _NO_PARTS
    except Stopped as stop:
        return (INTERRUPTED if stop.reason == "interrupted" else TIME_LIMIT), floor, 0, None
    args = (problem.wz, vm, gm, prm, start, vimg, *flow, *parts)
    try:
        # loading the kernel from numba's cache takes 0.3 s idle, seconds under load:
        # it counts against the limits like every other phase
        if kernel_ready(nw):
            load_within(_search, args, lim)
        else:
            with phase("compiling the search core (numba; once, then loaded from its cache)"):
                load_within(_search, args, lim)
    except Stopped as stop:
        _RUN.clear()
        return (INTERRUPTED if stop.reason == "interrupted" else TIME_LIMIT), floor, 0, None
    except (MemoryError, SystemError) as exc:  # no room to load the kernel's code
        _RUN.clear()
        if not out_of_memory(exc):
            raise
        lim.memory.tripped = "MemoryError"
        return MEMORY_LIMIT, floor, 0, None
    try:
        with np.errstate(over="ignore"):  # (uint64 scalars wrap, as words do, in plain Python)
            code, lower, expanded, path = _search(*args)
    except (MemoryError, SystemError) as exc:
        # an allocation failed between two looks at memory: the tables are gone, the
        # bound of the last look stands
        if not out_of_memory(exc):
            raise
        lim.memory.tripped = "MemoryError"
        return MEMORY_LIMIT, _RUN["f"], _RUN["expanded"], None
    finally:
        _RUN.clear()
    if code != FOUND:
        return code, lower, expanded, None
    steps = []
    for row in path.tolist():
        v = int(row[0])
        victims = from_words(row[1:1 + nw])
        stored = from_words(row[1 + nw:1 + 2 * nw])
        steps.append((v, victims, stored, int(row[-1])))
    if len(perms) > 1:
        macros = unmap_macros(perms, steps)
    else:
        macros = [s[:3] for s in steps]
    return code, lower, expanded, macros


#: no tables of rule H3 (the no-recompute game, or the heuristics off)
_NO_PARTS = (np.zeros((0, 5), np.int64), np.zeros(1, np.int64), np.zeros(1, np.int8))
_PARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _part_tables(problem, lim, start, h0):
    """Rule H3's tables for the problem's graph and memory, built once (a second or two
    on FFT-8 and the attention DAGs): those of the (at most ``PART_KEEP``) candidate
    partitions with the largest sums at the start, stacked (a state's bound is the
    largest of their sums); none where no sum there beats rule H (the red-pebble limit
    does not bite in any part: FFT-8 at M >= 4)."""
    got = _PARTS.setdefault(problem.graph, {})
    key = (problem.memory, PART_BITS, PART_KEEP)
    if key not in got:
        g = problem.graph
        vm, gm = problem.tables()
        sc = np.zeros(NSCRATCH * problem.nwords, np.uint64)
        found = []  # (kept only when every candidate was tried)
        left = lim.left()
        # the build takes at most its share of the time: the parts it has no time for are
        # left out (the larger ones: they come last), and then nothing is kept for the
        # next search, which may have more time
        stop_at = None if left is None else time.monotonic() + PART_SHARE * left
        skipped: list = []
        for i, parts in enumerate(candidate_parts(problem.n, problem.preds, g.is_input)):
            if _cannot_pay(problem, parts, h0):
                continue
            t = part_tables(problem.n, problem.preds, g.is_input, g.is_output, problem.memory,
                            parts, bits=PART_BITS, check=lim.check, limits=lim,
                            stop_at=stop_at, skipped=skipped)  # fmt: skip
            h3 = call_within(_part_heuristic,
                             (start, problem.wz, vm, gm, problem.params(), sc, *t), lim)
            if h3 > h0:  # (only the best PART_KEEP held: tables of up to 16 MB each)
                found.append((-h3, i, t))
                found.sort(key=lambda x: x[:2])
                del found[PART_KEEP:]
        if skipped:
            return _stacked(found)
        got[key] = _stacked(found)
    return got[key]


def _cannot_pay(problem, parts, h0) -> bool:
    """Whether plays of the parts' games show the partition's sum at the start is at
    most ``h0`` (so its tables would not be kept), checked where filling them would take
    longer than the plays (:data:`PLAY_FROM` entries)."""
    g = problem.graph
    sizes = [part_bits(p, problem.preds, g.is_input) for p in parts]
    if sum(1 << b for b in sizes if b <= PART_BITS) < PLAY_FROM:
        return False
    bound = partition_play_bound(parts, problem.preds, g.is_input, g.is_output,
                                 problem.memory, PART_BITS)  # fmt: skip
    return bound is not None and bound <= h0


def _stacked(found):
    """The (at most ``PART_KEEP``) tables with the largest sums at the start, stacked."""
    found.sort(key=lambda x: x[:2])
    return stack_part_tables([t for _, _, t in found[:PART_KEEP]]) if found else _NO_PARTS


def compiled_weighted_search(problem: Problem, weight: int, seconds: float | None,
                             upper: int | None = None, limits: Limits | None = None,
                             state_limit: int | None = None):
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
    seconds : float or None
        Time budget (None: only ``limits`` and ``state_limit``).
    upper : int, optional
        Only strategies cheaper than this are looked for.
    limits : Limits, optional
        The caller's limits (the deadline, Ctrl-C, memory), kept as well.
    state_limit : int, optional
        Most states expanded: a budget that, unlike seconds, does not depend on the
        machine's load, so the same call finds the same strategy.

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
    code, cost, _, macros = _run(problem, True, True, True, limit, lim, state_limit, None,
                                 1.0, weight)  # fmt: skip
    return (cost, macros) if code == FOUND else None
