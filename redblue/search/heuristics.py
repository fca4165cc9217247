"""The admissible bounds of the A* search (rules H and H2), compiled with numba.

Each is a lower bound on the I/O still to pay from a state, so A* with either proves
optimality (and with rule B, prunes soundly). The proofs are in the docstrings below;
:mod:`redblue.search.rules` lists every rule. Both run as plain Python under
``NUMBA_DISABLE_JIT=1``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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

__all__ = ["flow_network"]

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
