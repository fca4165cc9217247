"""Rule Y, symmetry: states equal up to an automorphism of the DAG are searched once.

An automorphism ``p`` of the DAG (a permutation of the vertices mapping edges to edges
and outputs to outputs; inputs, being the sources, follow) maps every legal move
sequence to a legal one of the same cost, and every rule of :mod:`redblue.search.rules`
is defined from the graph structure alone, so a state ``s`` and ``p(s)`` have the same
optimal cost to go and the same heuristic values. The search therefore stores each
state as a representative: its image under the automorphism that makes ``(blue, red)``,
then the stash, smallest (any choice would be sound; a canonical one merges the most
states; :func:`_sym_canon`). The group is computed once, by individualization and
refinement (:func:`_find_automorphisms`; the tests compare it with networkx's VF2
matcher), at most ``MAX_AUTOMORPHISMS`` elements kept (fewer where their tables would
pass :data:`TABLE_BYTES`; any subset is sound); on attention DAGs it permutes the rows
of Q, the rows of K together with V and, where the sums allow, the inner dimension and
the columns of V and the output. The certificate is rebuilt by composing the
permutations along the path back into the start's coordinates (:func:`unmap_macros`).
"""

from __future__ import annotations

import weakref
from array import array

import numpy as np
from numba import njit

from redblue.game.compiled import CompiledGraph
from redblue.search.limits import Limits, Stopped
from redblue.search.state import _U0, _U1, _less, _low_index, _popc, _same

__all__ = ["MAX_AUTOMORPHISMS", "automorphisms", "unmap_macros", "symmetry_tables"]

#: most automorphisms kept by rule Y (a subset of the group is still sound)
MAX_AUTOMORPHISMS = 256
#: most bytes of the byte-image tables of rule Y (fewer automorphisms are kept above)
TABLE_BYTES = 64 << 20
_B255 = np.uint64(255)


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


def unmap_macros(perms: list[list[int]],
                 steps: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int]]:
    """Macros in the start's coordinates from ``(v, victims, stored, k)`` steps.

    Step ``i`` is a macro in the coordinates of representative ``i``, whose result was
    mapped by automorphism ``k`` to representative ``i + 1``; ``sigma`` maps the
    coordinates of representative ``i`` to the real ones and is updated as
    ``sigma o perm_k^-1``.

    >>> unmap_macros([[0, 1, 2], [1, 0, 2]], [(2, 0b01, 0, 1), (2, 0b01, 0, 0)])
    [(2, 1, 0), (2, 2, 0)]
    """
    n = len(perms[0])
    sigma = list(range(n))
    out = []
    for v, vm, st, k in steps:
        real_vm = sum(1 << sigma[u] for u in _bits(vm))
        real_st = sum(1 << sigma[u] for u in _bits(st))
        out.append((sigma[v], real_vm, real_st))
        p = perms[k]
        new = sigma[:]
        for u in range(n):
            new[p[u]] = sigma[u]
        sigma = new
    return out


def symmetry_tables(perms: list[list[int]], n: int, nw: int) -> tuple[np.ndarray, np.ndarray]:
    """The tables of the kernel for ``perms``: ``tabs[k, c, byte, word]``, the image
    (``nw`` words) of ``byte`` at bits ``8c..8c+7`` under automorphism ``k``, and
    ``img[k, v]``, the image of vertex ``v``."""
    nchunk = (n + 7) // 8
    img = np.array(perms, np.int64).reshape(len(perms), n)
    bits = np.zeros((len(perms), 8 * nchunk, nw), np.uint64)
    for k in range(len(perms)):
        for v in range(n):
            w = perms[k][v]
            bits[k, v, w >> 6] = np.uint64(1) << np.uint64(w & 63)
    bits = bits.reshape(len(perms), nchunk, 8, nw)
    byte = np.arange(256, dtype=np.uint64)
    tabs = np.zeros((len(perms), nchunk, 256, nw), np.uint64)
    for i in range(8):
        on = ((byte >> np.uint64(i)) & np.uint64(1)).astype(bool)
        tabs[:, :, on, :] |= bits[:, :, i, None, :]
    return tabs, img


def kept_automorphisms(perms: list[list[int]], n: int, nw: int) -> list[list[int]]:
    """The first automorphisms whose tables fit :data:`TABLE_BYTES` (identity first)."""
    per = max(1, (n + 7) // 8) * 256 * nw * 8
    return perms[: max(1, TABLE_BYTES // per)]


@njit(inline="always")
def _sym_apply(tabs, k, src, off, nchunk, nw, out, ooff):
    """The image of the bitset ``src[off:off + nw]`` under automorphism ``k`` (8-bit
    tables) into ``out[ooff:ooff + nw]``."""
    for w in range(nw):
        out[ooff + w] = _U0
    for c in range(nchunk):
        byte = (src[off + (c >> 3)] >> np.uint64(8 * (c & 7))) & _B255
        for w in range(nw):
            out[ooff + w] |= tabs[k, c, byte, w]


@njit(inline="always")
def _set_images(tabs, vimg, src, off, nchunk, nw, pimg, which):
    """``pimg[which, k]``: the image of the bitset ``src[off:off + nw]`` under every
    automorphism ``k``. A one-word set, or a set of few vertices, is mapped vertex by
    vertex (``vimg[v]`` holds the images of ``v``, one per automorphism, read in order);
    a larger one byte by byte (:func:`_sym_apply`, a random read of the 8-bit tables
    per byte)."""
    nperm = tabs.shape[0]
    if nw == 1:
        # one word a row: vertex by vertex over contiguous rows (vectorized); the byte
        # tables (2 MiB at 256 automorphisms) are read at random and, on a loaded
        # machine, missed the caches: FFT-8's 256 automorphisms made rule Y cost more
        # than the rest of the search
        p = pimg.reshape(pimg.size)  # ``p[po + k] = pimg[which, k, 0]``
        po = which * nperm
        for k in range(nperm):
            p[po + k] = _U0
        x = src[off]
        while x != _U0:
            img = vimg[_low_index(x)]
            x &= x - _U1
            for k in range(nperm):
                p[po + k] |= _U1 << np.uint64(img[k])
        return
    cnt = 0
    for w in range(nw):
        cnt += _popc(src[off + w])
    if cnt > nchunk:
        for k in range(nperm):
            _sym_apply(tabs, k, src, off, nchunk, nw, pimg[which, k], 0)
        return
    for k in range(nperm):
        for w in range(nw):
            pimg[which, k, w] = _U0
    for w in range(nw):
        x = src[off + w]
        while x != _U0:
            v = 64 * w + _low_index(x)
            x &= x - _U1
            for k in range(nperm):
                t = vimg[v, k]
                pimg[which, k, t >> 6] |= _U1 << np.uint64(t & 63)


@njit(cache=True)
def _parent_images(st, wz, tabs, vimg, nchunk, pimg):
    """``pimg[0, k]`` and ``pimg[1, k]``: the images under each automorphism ``k`` of the
    red and the third set of ``st``, and for one-word states ``pimg[2, k]`` those of its
    blue set: what :func:`_sym_canon` starts from for the successors of ``st``."""
    nw = len(wz)
    _set_images(tabs, vimg, st, 0, nchunk, nw, pimg, 0)
    _set_images(tabs, vimg, st, 2 * nw, nchunk, nw, pimg, 1)
    if nw == 1:
        _set_images(tabs, vimg, st, nw, nchunk, nw, pimg, 2)


@njit(inline="always")
def _delta_image(pimg, which, k, dbits, drow, nrem, nadd, vimg, nw, out, ooff):
    """The image under automorphism ``k`` of a set that differs from the parent's set
    (whose image is ``pimg[which, k]``) by the vertices ``dbits[drow, :nrem]`` removed
    and ``dbits[drow + 1, :nadd]`` added, into ``out[ooff:]``. A permutation maps set
    differences to set differences, so a few vertex images replace a walk over the whole
    set."""
    for w in range(nw):
        out[ooff + w] = pimg[which, k, w]
    for i in range(nrem):
        t = vimg[dbits[drow, i], k]
        out[ooff + (t >> 6)] &= ~(_U1 << np.uint64(t & 63))
    for i in range(nadd):
        t = vimg[dbits[drow + 1, i], k]
        out[ooff + (t >> 6)] |= _U1 << np.uint64(t & 63)


@njit(inline="always")
def _images_of(pimg, which, kmin, idx, n, dbits, drow, nrem, nadd, vimg, nw, ybuf, yrow):
    """``ybuf[yrow, i]``: the image of :func:`_delta_image` under automorphism
    ``kmin[1 + i]`` for every ``i`` in ``idx[:n]``; a vertex at a time over all of them,
    so every loop runs through independent rows (no chain of comparisons between them)."""
    for j in range(n):
        i = idx[j]
        k = kmin[1 + i]
        for w in range(nw):
            ybuf[yrow, i, w] = pimg[which, k, w]
    for r in range(nrem):
        v = dbits[drow, r]
        for j in range(n):
            i = idx[j]
            t = vimg[v, kmin[1 + i]]
            ybuf[yrow, i, t >> 6] &= ~(_U1 << np.uint64(t & 63))
    for r in range(nadd):
        v = dbits[drow + 1, r]
        for j in range(n):
            i = idx[j]
            t = vimg[v, kmin[1 + i]]
            ybuf[yrow, i, t >> 6] |= _U1 << np.uint64(t & 63)


@njit(inline="always")
def _smallest(ybuf, yrow, idx, n, nw):
    """The rows ``ybuf[yrow, idx[j]]`` (``j < n``) that are smallest as numbers, moved to
    the front of ``idx`` in their order; returns how many."""
    nt = 1
    for j in range(1, n):
        i = idx[j]
        b = idx[0]
        c = 0
        for w in range(nw - 1, -1, -1):
            x = ybuf[yrow, i, w]
            y = ybuf[yrow, b, w]
            if x != y:
                c = -1 if x < y else 1
                break
        if c < 0:
            idx[0] = i
            nt = 1
        elif c == 0:
            idx[nt] = i
            nt += 1
    return nt


@njit(inline="always")
def _images_all(pimg, which, dbits, drow, nrem, nadd, vimg, ybuf, yrow):
    """One-word states: into ``ybuf[yrow, k]``, for every automorphism ``k``, the image of
    :func:`_delta_image` (the parent's images ``pimg[which]``, the vertices ``dbits[drow,
    :nrem]`` removed and ``dbits[drow + 1, :nadd]`` added). The loops run over contiguous
    rows (one word an automorphism; ``vimg[v]`` holds the images of ``v``) without index
    lists, so the compiler vectorizes them: at 256 automorphisms (FFT-8) the index-list
    loops of :func:`_images_of` and the byte tables took most of the search's time."""
    nperm = ybuf.shape[1]
    y = ybuf.reshape(ybuf.size)  # ``y[yo + k] = ybuf[yrow, k, 0]`` (one word a row)
    p = pimg.reshape(pimg.size)  # ``p[po + k] = pimg[which, k, 0]``
    yo = yrow * nperm
    po = which * nperm
    for k in range(nperm):
        y[yo + k] = p[po + k]
    for r in range(nrem):
        img = vimg[dbits[drow, r]]
        for k in range(nperm):
            y[yo + k] &= ~(_U1 << np.uint64(img[k]))
    for r in range(nadd):
        img = vimg[dbits[drow + 1, r]]
        for k in range(nperm):
            y[yo + k] |= _U1 << np.uint64(img[k])


@njit(inline="always")
def _smallest_all(pimg, which, dbits, drow, nrem, nadd, vimg, ybuf, yrow, idx, at):
    """:func:`_images_all`, then into ``idx[at:at + nt]`` the automorphisms whose image
    is the smallest, in increasing order; returns ``nt``. With ``kmin`` listing every
    automorphism in order this is :func:`_images_of` then :func:`_smallest`: the same
    rows, the same ties in the same order."""
    _images_all(pimg, which, dbits, drow, nrem, nadd, vimg, ybuf, yrow)
    nperm = ybuf.shape[1]
    y = ybuf.reshape(ybuf.size)
    yo = yrow * nperm
    m = y[yo]
    for k in range(1, nperm):
        m = min(m, y[yo + k])
    nt = 0
    for k in range(nperm):
        if y[yo + k] == m:
            idx[at + nt] = k
            nt += 1
    return nt


@njit(inline="always")
def _fill_diff(a, aoff, b, boff, nw, out, row):
    """Write the vertices of ``a[aoff:] & ~b[boff:]`` into ``out[row]``; the count."""
    k = 0
    for w in range(nw):
        x = a[aoff + w] & ~b[boff + w]
        while x != _U0:
            out[row, k] = 64 * w + _low_index(x)
            x &= x - _U1
            k += 1
    return k


@njit(inline="always")
def _sym_canon(cand, ns, nw, par, pimg, vimg, dbits, tabs, nchunk, bkey, kmin, tmp, ybuf,
               yidx):  # fmt: skip
    """Rule Y: into ``ns`` the image of state ``cand`` with the smallest blue, then red,
    then third set; returns the automorphism giving it.

    Red and stash images are computed from those of the parent state ``par``
    (``pimg``, see :func:`_parent_images`) and the few vertices that changed; blue
    images from the tables ``tabs`` (one-word states: from the parent's, ``pimg[2]``, as
    red). ``bkey`` (blue, smallest blue image) and ``kmin``
    (count, then the automorphisms giving that image) cache the last blue set seen:
    most successors keep their parent's blue set, and only the
    automorphisms in ``kmin`` need their red image; stash images are only needed
    between automorphisms whose red images tie. ``tmp``: scratch of ``2 nw`` words;
    ``ybuf`` (``2 x`` automorphisms ``x nw`` words) and ``yidx`` (one entry an
    automorphism) scratch of the images compared.
    """
    if kmin[0] < 0 or not _same(bkey, 0, cand, nw, nw):
        if nw == 1:
            # from the parent's blue images (``pimg[2]``) and the few vertices that
            # changed: a successor that stores an output or forgets a dead blue pebble
            # (a fifth of them on FFT-8) missed this cache, and the byte tables read
            # for it (2 MiB at 256 automorphisms) cost more than the rest of rule Y
            brem = _fill_diff(par, nw, cand, nw, nw, dbits, 0)
            badd = _fill_diff(cand, nw, par, nw, nw, dbits, 1)
            kmin[0] = _smallest_all(pimg, 2, dbits, 0, brem, badd, vimg, ybuf, 1, kmin, 1)
            bkey[0] = cand[nw]
            bkey[1] = ybuf[1, kmin[1], 0]
    if kmin[0] < 0 or not _same(bkey, 0, cand, nw, nw):
        for w in range(nw):
            bkey[w] = cand[nw + w]
            bkey[nw + w] = cand[nw + w]
        cnt = 1
        kmin[1] = 0
        for k in range(1, tabs.shape[0]):
            _sym_apply(tabs, k, cand, nw, nchunk, nw, tmp, 0)
            if _less(tmp, 0, bkey, nw, nw):
                for w in range(nw):
                    bkey[nw + w] = tmp[w]
                cnt = 1
                kmin[1] = k
            elif _same(tmp, 0, bkey, nw, nw):
                cnt += 1
                kmin[cnt] = k
        kmin[0] = cnt
    rrem = _fill_diff(par, 0, cand, 0, nw, dbits, 0)
    radd = _fill_diff(cand, 0, par, 0, nw, dbits, 1)
    crem = _fill_diff(par, 2 * nw, cand, 2 * nw, nw, dbits, 2)
    cadd = _fill_diff(cand, 2 * nw, par, 2 * nw, nw, dbits, 3)
    hasc = False
    for w in range(nw):
        ns[nw + w] = bkey[nw + w]
        if cand[2 * nw + w] != _U0:
            hasc = True
    # the smallest red image among the automorphisms of the smallest blue image, then
    # the smallest third set among those tied (the first automorphism in ``kmin``'s order
    # of the exact ties)
    nk = kmin[0]
    every = nw == 1 and nk == tabs.shape[0]
    if every:
        # every automorphism ties on blue (the usual case: they all fix the inputs), so
        # ``kmin[1 + i] == i`` and the images are taken over all of them in order
        nt = _smallest_all(pimg, 0, dbits, 0, rrem, radd, vimg, ybuf, 0, yidx, 0)
    else:
        for i in range(nk):
            yidx[i] = i
        _images_of(pimg, 0, kmin, yidx, nk, dbits, 0, rrem, radd, vimg, nw, ybuf, 0)
        nt = _smallest(ybuf, 0, yidx, nk, nw)
    if nt > 1 and hasc:
        if every:  # (all of them, vectorized: cheaper than the ties one by one)
            _images_all(pimg, 1, dbits, 2, crem, cadd, vimg, ybuf, 1)
        else:
            _images_of(pimg, 1, kmin, yidx, nt, dbits, 2, crem, cadd, vimg, nw, ybuf, 1)
        nt = _smallest(ybuf, 1, yidx, nt, nw)
    best = kmin[1 + yidx[0]]
    for w in range(nw):
        ns[w] = ybuf[0, yidx[0], w]
    _delta_image(pimg, 1, best, dbits, 2, crem, cadd, vimg, nw, ns, 2 * nw)
    return best
