"""The admissible bounds of the A* search (rules H, H2 and H3), compiled with numba.

Each is a lower bound on the I/O still to pay from a state, so A* with any of them (or
their maximum) proves optimality (and with rule B, prunes soundly). The proofs are in
the docstrings below; :mod:`redblue.search.rules` lists every rule. H and H2 ignore the
red-pebble limit M; H3 (:func:`_part_heuristic`, classic game) is the part sum of
:mod:`redblue.lower.parts` evaluated per state from tables built once per graph and M
(:func:`part_tables`), so it sees the reloads that M forces inside small parts. All run
as plain Python under ``NUMBA_DISABLE_JIT=1``.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from redblue.search.limits import call_within
from redblue.search.state import (
    _U0,
    _U1,
    INPUTS,
    OUTPUTS,
    P_N,
    P_NR,
    P_STASH,
    PRED,
    R_CG,
    R_CP,
    R_HA,
    R_HM,
    R_HY,
    _has,
    _lookup_val,
    _popc,
)

__all__ = ["flow_network", "stack_part_tables"]

#: an infinite capacity of the cut network (more than any cut's value)
INF = 1 << 20


@njit(inline="always")
def _heuristic(s, nw, vm, gm, prm, sc):
    """Rule H: a lower bound on the I/O still to pay from state ``s``, with what it saw.

    ``h`` = outputs still without blue (each needs one store) + inputs (in no-recompute:
    blue vertices) that are not red but must become red again: those that are
    predecessors of a vertex that must still be computed, where the vertices that must
    be computed are the outputs without blue and, recursively, the predecessors without
    red, blue or stash (rule S) of a vertex that must be computed. Each counted vertex
    can only become red by a load, and distinct vertices need distinct loads, so ``h``
    never exceeds the true remaining cost.

    Leaves in ``sc`` (row ``R_HY``) the red loadable predecessors of the vertices found
    to need computing: evicting one of them adds one to ``h`` (what
    :func:`redblue.search.core._successors` uses to drop victim sets early).
    """
    hm, ha, hy = R_HM * nw, R_HA * nw, R_HY * nw
    h = 0
    anym = False
    for w in range(nw):
        p = gm[OUTPUTS, w] & ~s[nw + w]
        h += _popc(p)
        sc[hm + w] = p & ~s[w]
        sc[ha + w] = _U0
        sc[hy + w] = _U0
        if sc[hm + w] != _U0:
            anym = True
    if anym:
        nr = prm[P_NR]
        stash = prm[P_STASH]
        # ids are topological (predecessors below): word by word from the top, the
        # word's must-compute set grown in a local as its vertices are met, highest first
        for wv in range(nw - 1, -1, -1):
            m = sc[hm + wv]
            if m == _U0:
                continue
            r = s[wv]
            b = s[nw + wv]
            ld = b if nr else b & gm[INPUTS, wv]
            st = s[2 * nw + wv] if stash else _U0
            acur = _U0
            ycur = _U0
            for bit in range(63, -1, -1):
                if (m >> np.uint64(bit)) & _U1 == _U0:
                    continue
                v = 64 * wv + bit
                q = vm[PRED, v, wv]
                x = q & ~r
                acur |= x & ld
                m |= x & ~b & ~st
                ycur |= q & r & ld
                for w in range(wv):
                    rw = s[w]
                    bw = s[nw + w]
                    ldw = bw if nr else bw & gm[INPUTS, w]
                    stw = s[2 * nw + w] if stash else _U0
                    qw = vm[PRED, v, w]
                    xw = qw & ~rw
                    sc[ha + w] |= xw & ldw
                    sc[hm + w] |= xw & ~bw & ~stw
                    sc[hy + w] |= qw & rw & ldw
            sc[hm + wv] = m
            sc[ha + wv] |= acur
            sc[hy + wv] |= ycur
        for w in range(nw):
            h += _popc(sc[ha + w])
    return h


@njit(cache=True)
def _cut_heuristic(s, wz, vm, gm, prm, fhead, fcap0, fptr, fadj, split, sink, cap, via, queue,
                   memo_keys, memo_val, memo_n, mk, sc):  # fmt: skip
    """Rule H2 (classic game): outputs without blue + a minimum vertex cut.

    Every output without blue must still be computed, so all its predecessors must
    become red, and, going back, every path from an input to such an output through
    vertices without red must meet a vertex that becomes red by a load (an input can
    only be loaded). The loaded vertices therefore form a vertex cut between the inputs
    and those outputs in the graph of non-red vertices; a vertex costs 1 to load when
    blue, 2 from the stash (rule S), and cannot be loaded otherwise. Distinct vertices
    need distinct loads, so the cheapest cut, found as a maximum flow (Dinic's
    algorithm, :func:`_max_flow`, on the network of :func:`flow_network`), is a lower
    bound on the loads still to pay.

    The flow network depends only on the pending outputs, the region of vertices
    without red that the pending outputs need, and the blue and stash sets inside that
    region; its value is memoized on those ``4 W`` words (``memo_keys``, an
    open-addressing table cleared when three quarters full; ``memo_n[0]`` its fill;
    ``mk`` scratch for the key).
    """
    nw = len(wz)
    cp, cg = R_CP * nw, R_CG * nw
    pend = 0
    for w in range(nw):
        sc[cp + w] = gm[OUTPUTS, w] & ~s[nw + w]
        sc[cg + w] = sc[cp + w] & ~s[w]
        pend += _popc(sc[cp + w])
    if pend == 0:
        return 0
    n = prm[P_N]
    for v in range(n - 1, -1, -1):
        if _has(sc, cg, v):
            for w in range(nw):
                sc[cg + w] |= vm[PRED, v, w] & ~s[w]
    for w in range(nw):
        mk[w] = sc[cp + w]
        mk[nw + w] = sc[cg + w]
        mk[2 * nw + w] = s[nw + w] & sc[cg + w]
        mk[3 * nw + w] = s[2 * nw + w] & sc[cg + w]
    width = 4 * nw
    slot = _lookup_val(memo_val, memo_keys, mk, width)
    if memo_val[slot] >= 0:
        return memo_val[slot]
    cap[:] = fcap0
    for v in range(n):
        if _has(sc, cg, v):
            if _has(s, nw, v):
                cap[split[v]] = 1
            elif _has(s, 2 * nw, v):
                cap[split[v]] = 2
            else:
                cap[split[v]] = INF
            if _has(sc, cp, v):
                cap[sink[v]] = INF
    value = pend + _max_flow(fhead, fptr, fadj, cap, via, queue, 2 * n, 2 * n + 1)
    if 4 * (memo_n[0] + 1) > 3 * memo_val.shape[0]:
        memo_val[:] = -1
        memo_n[0] = 0
        slot = _lookup_val(memo_val, memo_keys, mk, width)
    memo_keys[slot, :width] = mk[:width]
    memo_val[slot] = value
    memo_n[0] += 1
    return value


@njit(inline="always")
def _max_flow(head, ptr, adj, cap, scratch, queue, src, snk):
    """Maximum flow from ``src`` to ``snk`` by Dinic's algorithm (capped at ``INF``).

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
    while flow < INF:
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
        while flow < INF:
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
            push = INF
            for i in range(depth):
                push = min(push, cap[path[i]])
            for i in range(depth):
                cap[path[i]] -= push
                cap[path[i] ^ 1] += push
            flow += push
    return flow


def flow_network(n: int, preds: list[list[int]], is_input) -> tuple[np.ndarray, ...]:
    """The network of rule H2 over all vertices, as flat arrays ``(head, cap0, ptr, adj,
    split, sink)``.

    Vertex ``v`` is split into ``2v -> 2v+1`` (arc ``split[v]``); the source ``2n`` feeds
    every input, ``2v+1`` feeds the sink ``2n+1`` (arc ``sink[v]``), and ``2u+1 -> 2v``
    for every edge ``u -> v``. Arcs are stored in pairs, ``e ^ 1`` being the reverse of
    ``e``; ``adj[ptr[a]:ptr[a + 1]]`` are the arcs out of ``a``. Split and sink
    capacities start at 0 and are set per state, so a vertex outside the region, whose
    split capacity stays 0, carries no flow.
    """
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

    split = [arc(2 * v, 2 * v + 1, 0) for v in range(n)]
    sink = [arc(2 * v + 1, snk, 0) for v in range(n)]
    for v in range(n):
        if is_input[v]:
            arc(src, 2 * v, INF)
        for u in preds[v]:
            arc(2 * u + 1, 2 * v, INF)
    ptr = np.zeros(len(adj) + 1, np.int64)
    ptr[1:] = np.cumsum([len(a) for a in adj])
    flat = np.array([e for a in adj for e in a], np.int64)
    return (np.array(head, np.int64), np.array(cap, np.int64), ptr, flat,
            np.array(split, np.int64), np.array(sink, np.int64))  # fmt: skip


# -- rule H3: the part sum, a memory-aware bound evaluated per state ---------------------

#: most bits (red + non-input blue + events) of one part's table: a part's table has
#: ``2 ** bits`` one-byte entries, filled by one backward pass (:func:`_fill_part_table`;
#: isomorphic parts share a table). Parts of 16 bits rarely force a reload once M >= 4;
#: at 22 bits FFT-16's sum at the start at M = 4 is 50 instead of the trivial 32 (14 parts,
#: 8 MB, a second); matmul 3x3x3's is 30 at 22 bits, 33 at 24 (34 MB: past PART_ENTRIES)
PART_BITS = 24
#: rule H3 tries parts of more than 16 bits on graphs of at least this many vertices:
#: the open cases (40 to 80 vertices) need them, smaller graphs are searched to the
#: optimum in seconds without (and plain Python, ``NUMBA_DISABLE_JIT=1``, fills 16 bits
#: in seconds, 24 in minutes)
PART_LARGE_N = 40
#: most table entries (bytes) of one partition: the parts past it are left out (sound:
#: they count 0), so the four partitions kept stay under a few hundred MB
PART_ENTRIES = 1 << 24
#: the share of the search's time left that building rule H3's tables may take: past it,
#: the candidates still to try (the larger parts) are skipped for this search
PART_SHARE = 0.15
#: seconds a table entry took to fill, the last time one of at least 2^16 entries was
#: filled in this process (2e-7 under load, 1e-7 idle): what ``part_tables`` expects
_FILL_RATE = [2e-7]
#: how many candidate partitions rule H3 keeps (those with the largest sums at the
#: start): a state's bound is the largest of their sums
PART_KEEP = 4
#: rule H3 runs on graphs of at most this many vertices (its tables, one part per few
#: vertices, are built for every memory searched)
PART_MAX_N = 128
#: the value of a table entry the relaxed game cannot finish from (never met on a state
#: the search reaches, see :func:`_part_heuristic`)
PART_INF = 127


@njit(cache=True)
def _fill_part_table(k, kb, e, memory, pred, cap, bpos, outb, ev_pred, ev_cap, tab):
    """The optimum of the relaxed part game (rule H3) from every state, into ``tab``.

    A state is ``R | Bn << k | D << (k + kb)``: ``R`` the red local vertices, ``Bn`` the
    blue non-inputs (bit ``bpos[j]`` for local ``j``; ``-1`` marks an input, always
    blue), ``D`` the events still to play. Moves (see :func:`_part_heuristic`): delete a
    red pebble (0), store a red non-input (1), load a blue vertex with fewer than
    ``memory`` red (1), compute a non-input whose local predecessors ``pred[j]`` are red
    with at most ``cap[j]`` red (0), play event ``i`` when ``ev_pred[i]`` is red with at
    most ``ev_cap[i]`` red (0). Goal: the blue bits ``outb`` set and ``D`` empty. The
    costs are shortest paths to a goal, found by a 0-1 breadth-first search backwards
    from every goal (each state settled once, level by level: a move of cost 0 keeps the
    level, one of cost 1 adds one; one pass over the moves of each state where repeated
    Bellman-Ford passes took five to ten times as long); a state no goal is reached from
    stays ``PART_INF``.
    """
    size = 1 << (k + kb + e)
    mk = (1 << k) - 1
    mb = (1 << kb) - 1
    cur = np.empty(size, np.int32)  # a stack: the states of the level being settled
    nxt = np.empty(size, np.int32)  # the states first reached at the next level
    nc = 0
    for s in range(size):
        bn = (s >> k) & mb
        d = s >> (k + kb)
        if d == 0 and (bn & outb) == outb:
            tab[s] = 0
            cur[nc] = s
            nc += 1
        else:
            tab[s] = PART_INF
    level = 0
    while nc > 0 and level < PART_INF - 1:
        nn = 0
        while nc > 0:
            nc -= 1
            t = cur[nc]
            if tab[t] != level:  # pushed at the level above, then lowered
                continue
            r = t & mk
            bn = (t >> k) & mb
            dd = t >> (k + kb)
            nr = 0
            x = r
            while x:
                x &= x - 1
                nr += 1
            for j in range(k):
                bit = 1 << j
                if r & bit:
                    s = t ^ bit
                    if bpos[j] >= 0:
                        bb = 1 << (k + bpos[j])
                        if (pred[j] & ~(r ^ bit)) == 0 and nr - 1 <= cap[j]:  # compute
                            if tab[s] > level:
                                tab[s] = level
                                cur[nc] = s
                                nc += 1
                        if t & bb:  # store (the red pebble stays)
                            if tab[t ^ bb] > level + 1:
                                tab[t ^ bb] = level + 1
                                nxt[nn] = t ^ bb
                                nn += 1
                    if (bpos[j] < 0 or (bn >> bpos[j]) & 1) and nr - 1 < memory:  # load
                        if tab[s] > level + 1:
                            tab[s] = level + 1
                            nxt[nn] = s
                            nn += 1
                else:
                    s = t | bit  # delete
                    if tab[s] > level:
                        tab[s] = level
                        cur[nc] = s
                        nc += 1
            for i in range(e):
                if not (dd >> i) & 1 and (ev_pred[i] & ~r) == 0 and nr <= ev_cap[i]:
                    s = t | (1 << (k + kb + i))
                    if tab[s] > level:
                        tab[s] = level
                        cur[nc] = s
                        nc += 1
        cur, nxt = nxt, cur
        nc = nn
        level += 1


@njit(cache=True)
def _part_heuristic(s, wz, vm, gm, prm, sc, pmeta, pverts, ptab):
    """Rule H3 (classic game): the sum over the parts of a vertex partition of the
    relaxed part game's optimum from the state's pebbles on the part.

    The part game of :mod:`redblue.lower.parts` (module docstring, steps 1 to 3: its
    proof is not repeated here), played from the middle of a game: on part ``P``, ``R``
    = the red vertices of ``P``, blue = the blue *and the stashed* vertices of ``P``
    together with its inputs, and the events still to play are the vertices outside
    ``P`` with a predecessor in ``P`` that every continuation must compute: those of the
    must-compute set of rule H (outputs with neither blue nor red, and, recursively,
    predecessors with no red, blue or stash of a vertex that must be computed). Why the
    sum is admissible, for any continuation ``S`` from the state ``s`` of the search:

    1. ``S`` is a sequence of real moves; rule S charged each stash load 2 for a store
       placed back at the eviction (already past), so the search's cost of ``S`` is at
       least the real I/O of ``S``, and ``S`` is legal from the real state where the
       stashed values it loads are blue. That I/O splits over the parts.
    2. On ``P``, dropping the moves outside ``P`` and playing event ``w`` when ``S``
       computes ``w`` gives a legal relaxed play (step 3 of the parts proof, unchanged:
       the red pebbles on ``P`` are ``S``'s, at most ``M``, and those of a compute's
       outside operands are held too), from a state with at most the blue pebbles this
       part state gives (more blue only adds loads, and inputs and stashed vertices are
       blue in it; rule D's forgotten blue pebbles are on dead vertices, which no goal
       depends on). Every output of ``P`` ends blue and every event of the must-compute
       set is computed at least once by ``S`` (nothing else can make it red), and
       fewer goals can only lower the optimum. So the table entry is at most the I/O of
       ``S`` on ``P``, and the sum at most the search's cost of ``S``.

    So the sum never exceeds the cost to go, whatever the state (also a representative
    of rule Y: it has the same cost to go as the state it stands for). It is not
    consistent, nor invariant under automorphisms; the search reopens states reached
    more cheaply (rule T) and keeps its queue monotone, which is all it needs. An entry
    ``PART_INF`` (the part game cannot finish) would contradict the proof; it counts 0.

    ``pmeta`` has a row ``(k, kb, e, table offset, vertex offset)`` per part, ``pverts``
    at that offset the part's vertices, its non-inputs (the blue bits), its events.
    Several partitions may be stacked (:func:`stack_part_tables`): a sixth column then
    numbers the partition of each row (rows of one partition together), and the bound is
    the largest of their sums, each admissible by the argument above, so their maximum
    is too. Fills ``sc`` row ``R_HM`` (rule H's must-compute set) on the way.
    """
    nw = len(wz)
    _heuristic(s, nw, vm, gm, prm, sc)
    hm = R_HM * nw
    best = 0
    total = 0
    cur = -1
    for p in range(pmeta.shape[0]):
        pid = pmeta[p, 5] if pmeta.shape[1] > 5 else 0
        if pid != cur:
            best = max(best, total)
            total = 0
            cur = pid
        k = pmeta[p, 0]
        kb = pmeta[p, 1]
        e = pmeta[p, 2]
        at = pmeta[p, 4]
        idx = 0
        for j in range(k):
            if _has(s, 0, pverts[at + j]):
                idx |= 1 << j
        for j in range(kb):
            v = pverts[at + k + j]
            if _has(s, nw, v) or _has(s, 2 * nw, v):
                idx |= 1 << (k + j)
        for j in range(e):
            if _has(sc, hm, pverts[at + k + kb + j]):
                idx |= 1 << (k + kb + j)
        val = np.int64(ptab[pmeta[p, 3] + idx])
        if val < PART_INF:
            total += val
    return max(best, total)


def stack_part_tables(tables: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The tables of several partitions (each from :func:`part_tables`) as one, for
    :func:`_part_heuristic` to take the largest of their sums: ``pmeta`` gains a sixth
    column, the partition's index in ``tables``, and the offsets are shifted.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph
    >>> C = compile_graph(pyramid_dag(3))
    >>> preds = [C.predecessors(v).tolist() for v in range(C.n)]
    >>> one = part_tables(C.n, preds, C.is_input, C.is_output, 3, bits=10)
    >>> pm, pv, pt = stack_part_tables([one, one])
    >>> pm.shape[1], len(pm) == 2 * len(one[0]), len(pt) == 2 * len(one[2])
    (6, True, True)
    """
    metas, verts, tabs = [], [], []
    off = at = 0
    for i, (pm, pv, pt) in enumerate(tables):
        if len(pm) == 0:
            continue
        m = np.zeros((len(pm), 6), np.int64)
        m[:, :5] = pm[:, :5]
        m[:, 3] += off
        m[:, 4] += at
        m[:, 5] = i
        metas.append(m)
        verts.append(pv)
        tabs.append(pt)
        off += len(pt)
        at += len(pv)
    if not metas:
        return np.zeros((0, 6), np.int64), np.zeros(1, np.int64), np.zeros(1, np.int8)
    return np.concatenate(metas), np.concatenate(verts), np.concatenate(tabs)


def _part_shape(part: list[int], preds: list[list[int]], succs: list[list[int]],
                is_input) -> tuple[list[int], list[int]]:  # fmt: skip
    """The non-inputs and the events (outside vertices with a predecessor inside) of a
    part."""
    inside = set(part)
    events = sorted({w for v in part for w in succs[v] if w not in inside})
    return [v for v in part if not is_input[v]], events


def greedy_parts(n: int, preds: list[list[int]], is_input, bits: int = PART_BITS
                 ) -> list[list[int]]:  # fmt: skip
    """A partition of the vertices into connected parts whose tables have at most
    ``bits`` bits (red + non-input blue + events): each part grows from the lowest
    vertex left by the neighbour with the most edges into it (lowest id on ties) while
    its table fits. Any partition is sound for rule H3; this one keeps neighbours
    together, where the red-pebble limit bites.
    """
    succs: list[list[int]] = [[] for _ in range(n)]
    for v in range(n):
        for u in preds[v]:
            succs[u].append(v)
    left = set(range(n))
    parts = []
    while left:
        part = [min(left)]
        left.discard(part[0])
        while True:
            inside = set(part)
            cand: dict[int, int] = {}
            for v in part:
                for w in preds[v] + succs[v]:
                    if w in left:
                        cand[w] = cand.get(w, 0) + 1
            chosen = None
            for w in sorted(cand, key=lambda w: (-cand[w], w)):
                trial = part + [w]
                nonin, events = _part_shape(trial, preds, succs, is_input)
                if len(trial) + len(nonin) + len(events) <= bits:
                    chosen = w
                    break
            if chosen is None:
                break
            part.append(chosen)
            left.discard(chosen)
            del inside
        parts.append(sorted(part))
    return parts


def candidate_parts(n: int, preds: list[list[int]], is_input, bits_options=None
                    ) -> list[list[list[int]]]:  # fmt: skip
    """Partitions to try for rule H3: :func:`greedy_parts` at each size, grown from the
    sources and (on the reversed graph) from the sinks, each partition once. The sum at
    the start varies with the partition (FFT-8 at M = 3: 20 to 32), so
    :func:`redblue.search.core` keeps the best there (up to :data:`PART_KEEP` of them);
    any partition is sound. The sizes default to 10, 12, 14 and 16 bits, and up to
    :data:`PART_BITS` on graphs of at least :data:`PART_LARGE_N` vertices."""
    if bits_options is None:
        bits_options = (10, 12, 14, 16, 18, 20, 22, PART_BITS) if n >= PART_LARGE_N else \
            (10, 12, 14, 16)
    rev: list[list[int]] = [[] for _ in range(n)]
    for v in range(n):
        for u in preds[v]:
            rev[n - 1 - u].append(n - 1 - v)
    no_inputs = [False] * n
    out = []
    for bits in bits_options:
        back = [sorted(n - 1 - v for v in p) for p in greedy_parts(n, rev, no_inputs, bits)]
        for parts in (greedy_parts(n, preds, is_input, bits), back):
            if parts not in out:  # (a small graph fits whole at several sizes)
                out.append(parts)
    return out


def part_tables(n: int, preds: list[list[int]], is_input, is_output, memory: int,
                parts: list[list[int]] | None = None, bits: int = PART_BITS,
                check=None, limits=None, entries: int = PART_ENTRIES,
                stop_at: float | None = None, skipped: list | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The tables of rule H3, ``(pmeta, pverts, ptab)`` (see :func:`_part_heuristic`).

    ``parts`` defaults to :func:`greedy_parts`; a part whose table would pass ``bits``
    bits, or the ``entries`` of all the tables filled, is left out (any subset of the
    parts of a partition is sound: the rest count 0). Parts with the same relaxed game
    (the same local edges, caps, outputs and events) share one table. ``check`` (if
    given) is called between parts (a deadline's check); the compiled filler loads
    within ``limits`` (:func:`~redblue.search.limits.load_within`). A part whose fill
    would end past ``stop_at`` (a :func:`time.monotonic` time; at the seconds an entry
    of the fills so far, :data:`_FILL_RATE`) or whose fill runs out of memory is left
    out too, and appended to ``skipped``.
    """
    if parts is None:
        parts = greedy_parts(n, preds, is_input, bits)
    succs: list[list[int]] = [[] for _ in range(n)]
    for v in range(n):
        for u in preds[v]:
            succs[u].append(v)
    meta, verts, tabs = [], [], []
    off = 0
    filled: dict[tuple, int] = {}  # a part's game -> the offset of its table (one copy)
    for part in parts:
        nonin, events = _part_shape(part, preds, succs, is_input)
        k, kb, e = len(part), len(nonin), len(events)
        if k + kb + e > bits:
            continue
        if check is not None:
            check()
        local = {v: j for j, v in enumerate(part)}
        inside = set(part)
        pred = np.array([sum(1 << local[u] for u in preds[v] if u in inside) for v in part],
                        np.int64)
        cap = np.array([memory - 1 - sum(u not in inside for u in preds[v]) for v in part],
                       np.int64)
        bpos = np.array([nonin.index(v) if v in nonin else -1 for v in part], np.int64)
        outb = sum(1 << nonin.index(v) for v in nonin if is_output[v])
        ev_pred = np.array([sum(1 << local[u] for u in preds[w] if u in inside)
                            for w in events], np.int64)  # fmt: skip
        ev_cap = np.array([memory - 1 - sum(u not in inside for u in preds[w])
                           for w in events], np.int64)  # fmt: skip
        game = (k, kb, e, outb, *pred.tolist(), *cap.tolist(), *bpos.tolist(),
                *ev_pred.tolist(), *ev_cap.tolist())  # fmt: skip
        if game not in filled:  # isomorphic parts (FFT's butterflies) share one table
            size = 1 << (k + kb + e)
            if off + size > entries:
                continue
            if stop_at is not None and time.monotonic() + _FILL_RATE[0] * size > stop_at:
                if skipped is not None:
                    skipped.append(part)
                continue
            t0 = time.monotonic()
            try:  # (the fill's two stacks take 8 bytes an entry while it runs)
                tab = np.empty(size, np.int8)
                call_within(_fill_part_table,
                            (k, kb, e, memory, pred, cap, bpos, outb, ev_pred, ev_cap, tab),
                            limits)  # fmt: skip
            except MemoryError:  # no room for this part: left out, like one past stop_at
                if skipped is not None:
                    skipped.append(part)
                continue
            if tab.size >= 1 << 16:  # (the time of a small one is mostly the call's)
                _FILL_RATE[0] = (time.monotonic() - t0) / tab.size
            filled[game] = off
            tabs.append(tab)
            off += tab.size
        meta.append((k, kb, e, filled[game], len(verts)))
        verts.extend(part + nonin + events)
    return (np.array(meta, np.int64).reshape(-1, 5), np.array(verts, np.int64),
            np.concatenate(tabs) if tabs else np.zeros(1, np.int8))  # fmt: skip
