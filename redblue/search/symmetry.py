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
matcher), at most ``MAX_AUTOMORPHISMS`` elements kept (fewer where their vertex images
would pass :data:`TABLE_BYTES`; any subset is sound); on attention DAGs it permutes the
rows of Q, the rows of K together with V and, where the sums allow, the inner dimension
and the columns of V and the output; on FFT DAGs the kept ones are products of swaps of
two vertices with the same operands, taken an orbit at a time (:func:`_product_canon`).
The certificate is rebuilt by composing the permutations along the path back into the
start's coordinates (:func:`unmap_macros`).
"""

from __future__ import annotations

import math
import weakref
from array import array

import numpy as np
from numba import njit

from redblue.game.compiled import CompiledGraph
from redblue.search.limits import Limits, Stopped
from redblue.search.state import _U0, _U1, _has, _low_index, _same

__all__ = ["MAX_AUTOMORPHISMS", "automorphisms", "unmap_macros", "symmetry_tables"]

#: most automorphisms kept by rule Y (a subset of the group is still sound)
MAX_AUTOMORPHISMS = 256
#: most bytes of the vertex images and scratch of rule Y (fewer automorphisms are kept
#: above)
TABLE_BYTES = 64 << 20


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


def _product(perms: list[list[int]], n: int) -> tuple[list[list[int]], list[list[tuple]]] | None:
    """``(orbits, elements)`` when ``perms`` is the direct product of its restrictions to
    the orbits of the vertices they move (each orbit's restrictions ``elements[f]`` in
    order of first appearance, the identity first), else None.

    FFT DAGs: the two outputs of a butterfly have the same operands, and so do the two
    vertices a pair of inputs feeds; the automorphisms kept are the 256 products of
    eight such swaps.

    >>> _product([[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2]], 4)
    ([[0, 1], [2, 3]], [[(0, 1), (1, 0)], [(2, 3), (3, 2)]])
    >>> _product([[0, 1, 2, 3], [1, 0, 3, 2]], 4) is None  # the swaps go together
    True
    """
    root = list(range(n))

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for p in perms:
        for v in range(n):
            if p[v] != v:
                root[find(v)] = find(p[v])
    orbits: dict = {}
    for v in range(n):
        if any(p[v] != v for p in perms):
            orbits.setdefault(find(v), []).append(v)
    if not orbits:
        return None
    cells = list(orbits.values())
    elements = [list(dict.fromkeys(tuple(p[v] for v in c) for p in perms)) for c in cells]
    if math.prod(len(e) for e in elements) != len({tuple(p) for p in perms}):
        return None
    return cells, elements


def _product_listing(cells: list[list[int]], elements: list[list[tuple]], n: int):
    """The automorphisms of a direct product in mixed-radix order: automorphism ``k``
    applies element ``k // stride[f] % len(elements[f])`` on orbit ``f``, the first
    orbit's stride 1."""
    out = []
    for code in range(math.prod(len(e) for e in elements)):
        p = list(range(n))
        for c, els in zip(cells, elements, strict=True):
            code, e = divmod(code, len(els))
            for v, w in zip(c, els[e], strict=True):
                p[v] = w
        out.append(p)
    return out


def symmetry_tables(perms: list[list[int]], n: int, nw: int) -> tuple[np.ndarray, np.ndarray]:
    """What the kernel takes for ``perms``: ``(slots, img)``; ``slots`` an empty array of
    shape ``(len(perms), 0, 0, nw)`` whose first axis counts the automorphisms (the slot
    of the byte tables the kernel read before), ``img[k, v]`` for ``k < len(perms)`` the
    image of vertex ``v`` under automorphism ``k``.

    Five rows follow (:func:`_sym_canon`'s product path): when ``perms`` lists a direct
    product over orbits in mixed-radix order (:func:`kept_automorphisms` puts it so),
    orbit ``f`` of vertex ``v`` (-1: fixed by all), the next vertex of its orbit (-1
    after the last), and for ``f`` below the number of orbits, the first vertex of orbit
    ``f``, its stride and its number of elements (-1 beyond the last orbit); all -1 when
    ``perms`` is not such a product.

    >>> slots, img = symmetry_tables([[0, 1, 2], [1, 0, 2]], 3, 1)
    >>> slots.shape, img[:2].tolist()
    ((2, 0, 0, 1), [[0, 1, 2], [1, 0, 2]])
    >>> img[2:].tolist()  # one orbit, {0, 1}: from 0, stride 1, two elements
    [[0, 0, -1], [1, -1, -1], [0, -1, -1], [1, -1, -1], [2, -1, -1]]
    """
    img = np.full((len(perms) + 5, n), -1, np.int64)
    img[:len(perms)] = np.array(perms, np.int64).reshape(len(perms), n)
    fac = _product(perms, n)
    if fac is not None and _product_listing(*fac, n) == perms:
        orbit, nxt, first, stride, size = img[len(perms):]
        step = 1
        for f, (c, els) in enumerate(zip(*fac, strict=True)):
            orbit[c] = f
            nxt[c[:-1]] = c[1:]
            first[f], stride[f], size[f] = c[0], step, len(els)
            step *= len(els)
    return np.zeros((len(perms), 0, 0, nw), np.uint64), img


def kept_automorphisms(perms: list[list[int]], n: int, nw: int) -> list[list[int]]:
    """The first automorphisms whose vertex images and kernel scratch fit
    :data:`TABLE_BYTES` (identity first); in mixed-radix order when they are a direct
    product over their orbits (see :func:`symmetry_tables`: the same set, reordered)."""
    per = 8 * (n + 5 * nw)  # img, and the kernel's images of three sets and two compared
    kept = perms[: max(1, TABLE_BYTES // per)]
    fac = _product(kept, n)
    return kept if fac is None else _product_listing(*fac, n)


# -- the kernel's side ------------------------------------------------------------------
# The images under every automorphism are held word-major: word ``w`` of the image of set
# ``which`` under automorphism ``k`` is ``pimg.reshape(-1)[(which * nw + w) * nperm + k]``
# (``ybuf`` alike, rows ``yrow``). A loop over the automorphisms then runs over
# contiguous words, with ``vimg[v]`` (the images of ``v``, one an automorphism) read in
# order, and the compiler vectorizes it: FFT-8's 256 automorphisms made the byte tables
# read at random cost more than the rest of the search.


@njit(inline="always")
def _put(y, base, img, nw, nperm):
    """Add the vertex whose image under automorphism ``k`` is ``img[k]`` to every image
    held word-major at ``y[base:]``."""
    for w in range(nw):
        o = base + w * nperm
        for k in range(nperm):
            y[o + k] |= _bit_in(img[k], w, nw)


@njit(inline="always")
def _set_images(vimg, src, off, nw, pimg, which):
    """Set ``which`` of ``pimg``: the images of the bitset ``src[off:off + nw]`` under
    every automorphism, vertex by vertex."""
    nperm = pimg.shape[1]
    p = pimg.reshape(pimg.size)
    base = which * nw * nperm
    for i in range(nw * nperm):
        p[base + i] = _U0
    for w in range(nw):
        x = src[off + w]
        while x != _U0:
            v = 64 * w + _low_index(x)
            x &= x - _U1
            _put(p, base, vimg[v], nw, nperm)


@njit(cache=True)
def _parent_images(st, wz, vimg, pimg):
    """The images under every automorphism of the red (set 0 of ``pimg``), third (1) and
    blue (2) sets of ``st``: what :func:`_sym_canon` starts from for the successors of
    ``st``."""
    nw = len(wz)
    if vimg[0, pimg.shape[1] + 2] >= 0:
        return  # a product over orbits: :func:`_product_canon` does not read them
    _set_images(vimg, st, 0, nw, pimg, 0)
    _set_images(vimg, st, 2 * nw, nw, pimg, 1)
    _set_images(vimg, st, nw, nw, pimg, 2)


@njit(inline="always")
def _image_one(pimg, which, k, dbits, drow, nrem, nadd, vimg, nw, out, ooff):
    """The image under automorphism ``k`` of a set that differs from the parent's set
    ``which`` (images in ``pimg``) by the vertices ``dbits[drow, :nrem]`` removed and
    ``dbits[drow + 1, :nadd]`` added, into ``out[ooff:ooff + nw]``. A permutation maps
    set differences to set differences, so a few vertex images replace a walk over the
    whole set."""
    nperm = pimg.shape[1]
    p = pimg.reshape(pimg.size)
    for w in range(nw):
        out[ooff + w] = p[(which * nw + w) * nperm + k]
    for i in range(nrem):
        t = vimg[dbits[drow, i], k]
        out[ooff + (t >> 6)] &= ~(_U1 << np.uint64(t & 63))
    for i in range(nadd):
        t = vimg[dbits[drow + 1, i], k]
        out[ooff + (t >> 6)] |= _U1 << np.uint64(t & 63)


@njit(inline="always")
def _bit_in(t, w, nw):
    """The bit of vertex ``t`` in word ``w`` of a bitset (0 if ``t`` is in another word);
    without a branch, so that loops over automorphisms vectorize."""
    if nw == 1:
        return _U1 << np.uint64(t)
    return (_U1 << np.uint64(t & 63)) if (t >> 6) == w else _U0


@njit(inline="always")
def _least(y, yo, nperm, idx, at):
    """The automorphisms ``k`` whose image ``y[yo + k]`` is the least, into
    ``idx[at:]`` in increasing order; returns their count."""
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
def _all_one_word(pimg, which, dbits, drow, nrem, nadd, vimg, ybuf, yrow, idx, at):
    """One word, every automorphism: :func:`_lex_smallest` in one pass."""
    nperm = pimg.shape[1]
    y = ybuf.reshape(ybuf.size)
    p = pimg.reshape(pimg.size)
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
    return _least(y, yo, nperm, idx, at)


@njit  # (not inlined: its three calls in each of the kernel's two would grow the kernel by
# half, and loading it failed under a 600 MB address-space limit)
def _lex_smallest(pimg, which, dbits, drow, nrem, nadd, vimg, nw, ybuf, yrow, idx, at, nt,
                  every):  # fmt: skip
    """The automorphisms under which a set is smallest (as a number), among every
    automorphism (``every``) or those in ``idx[at:at + nt]`` (increasing); they are
    written to ``idx[at:]`` in increasing order and their count returned. The set differs
    from the parent's set ``which`` as in :func:`_image_one`.

    The images are compared a word at a time, the highest first, and the next word is
    taken only under the automorphisms still tied: one tied image left ends the search
    (its lower words are not made). Over every automorphism the loops run over
    contiguous rows without index lists (vectorized); once the ties are fewer, over the
    list of them, a changed vertex at a time over all of them (independent rows, no
    branch). The result is that of a comparison of the whole images.
    """
    if nw == 1 and every:
        return _all_one_word(pimg, which, dbits, drow, nrem, nadd, vimg, ybuf, yrow, idx, at)
    nperm = pimg.shape[1]
    p = pimg.reshape(pimg.size)
    y = ybuf.reshape(ybuf.size)
    for w in range(nw - 1, -1, -1):
        po = (which * nw + w) * nperm
        yo = (yrow * nw + w) * nperm
        if every:
            for k in range(nperm):
                y[yo + k] = p[po + k]
            # (several words: one word over every automorphism returned above)
            for r in range(nrem):
                img = vimg[dbits[drow, r]]
                for k in range(nperm):
                    y[yo + k] &= ~_bit_in(img[k], w, nw)
            for r in range(nadd):
                img = vimg[dbits[drow + 1, r]]
                for k in range(nperm):
                    y[yo + k] |= _bit_in(img[k], w, nw)
            nt = _least(y, yo, nperm, idx, at)
            every = nt == nperm
        else:
            # the images of the listed automorphisms side by side (``y[yo + j]``)
            for j in range(nt):
                y[yo + j] = p[po + idx[at + j]]
            if nw == 1:
                for r in range(nrem):
                    img = vimg[dbits[drow, r]]
                    for j in range(nt):
                        y[yo + j] &= ~(_U1 << np.uint64(img[idx[at + j]]))
                for r in range(nadd):
                    img = vimg[dbits[drow + 1, r]]
                    for j in range(nt):
                        y[yo + j] |= _U1 << np.uint64(img[idx[at + j]])
            else:
                for r in range(nrem):
                    img = vimg[dbits[drow, r]]
                    for j in range(nt):
                        y[yo + j] &= ~_bit_in(img[idx[at + j]], w, nw)
                for r in range(nadd):
                    img = vimg[dbits[drow + 1, r]]
                    for j in range(nt):
                        y[yo + j] |= _bit_in(img[idx[at + j]], w, nw)
            m = y[yo]
            for j in range(1, nt):
                m = min(m, y[yo + j])
            c = 0
            for j in range(nt):
                if y[yo + j] == m:
                    idx[at + c] = idx[at + j]
                    c += 1
            nt = c
        if nt == 1:
            break
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
def _key_less(a, b, nw):
    """State ``a`` before ``b`` in rule Y's order: blue, then red, then the third set, each
    as a number."""
    for s in (1, 0, 2):
        for w in range(nw - 1, -1, -1):
            x = a[s * nw + w]
            y = b[s * nw + w]
            if x != y:
                return x < y
    return False


@njit
def _product_canon(cand, ns, nw, vimg, nperm, ybuf):
    """Rule Y when the automorphisms are a direct product over orbits, listed in
    mixed-radix order (:func:`symmetry_tables`): into ``ns`` the image of ``cand`` with
    the smallest blue, then red, then third set; returns its automorphism.

    An element acting on one orbit moves only that orbit's bits, and of two numbers that
    differ only on the bits of one orbit the smaller is the one smaller there: so the
    smallest image under the product is the image under the element smallest on each
    orbit alone (the same image as over the whole list; among exact ties, the first
    automorphism as well). A few vertex images an orbit's element replace the images of
    whole sets under every automorphism (FFT-8: 8 orbits of 2 against 256 automorphisms).
    ``ybuf``: scratch of ``3 nw`` words.
    """
    c = ybuf.reshape(ybuf.size)
    for i in range(3 * nw):
        ns[i] = cand[i]
    k = 0
    f = 0
    nv = vimg.shape[0]
    while f < nv and vimg[f, nperm + 2] >= 0:
        first = vimg[f, nperm + 2]
        stride = vimg[f, nperm + 3]
        held = False
        v = first
        while v >= 0:
            for s in range(3):
                held |= _has(cand, s * nw, v)
            v = vimg[v, nperm + 1]
        if held:  # (else every element leaves the orbit's bits empty)
            best = 0
            for e in range(1, vimg[f, nperm + 4]):
                for i in range(3 * nw):
                    c[i] = ns[i]
                v = first
                while v >= 0:
                    for s in range(3):
                        c[s * nw + (v >> 6)] &= ~(_U1 << np.uint64(v & 63))
                    v = vimg[v, nperm + 1]
                v = first
                while v >= 0:
                    t = vimg[v, e * stride]
                    for s in range(3):
                        if _has(cand, s * nw, v):
                            c[s * nw + (t >> 6)] |= _U1 << np.uint64(t & 63)
                    v = vimg[v, nperm + 1]
                if _key_less(c, ns, nw):
                    for i in range(3 * nw):
                        ns[i] = c[i]
                    best = e
            k += best * stride
        f += 1
    return k


@njit(inline="always")
def _sym_canon(cand, ns, nw, par, pimg, vimg, dbits, bkey, kmin, ybuf, yidx):
    """Rule Y: into ``ns`` the image of state ``cand`` with the smallest blue, then red,
    then third set (ties: the first automorphism); returns the automorphism giving it.

    Images are computed from those of the parent state ``par`` (``pimg``, see
    :func:`_parent_images`) and the few vertices that changed (:func:`_lex_smallest`).
    ``bkey`` (blue, smallest blue image) and ``kmin`` (count, then the automorphisms
    giving that image) cache the last blue set seen: most successors keep their parent's
    blue set. Red images are only needed under the automorphisms in ``kmin``, third-set
    images under those whose red images tie. ``dbits``: the changed vertices (four rows);
    ``ybuf`` (``2 x`` automorphisms ``x nw`` words) and ``yidx`` (one entry an
    automorphism): scratch of the images compared.

    When the automorphisms are a direct product over orbits, :func:`_product_canon`.
    """
    nperm = pimg.shape[1]
    if vimg[0, nperm + 2] >= 0:
        return _product_canon(cand, ns, nw, vimg, nperm, ybuf)
    if kmin[0] < 0 or not _same(bkey, 0, cand, nw, nw):
        brem = _fill_diff(par, nw, cand, nw, nw, dbits, 0)
        badd = _fill_diff(cand, nw, par, nw, nw, dbits, 1)
        kmin[0] = _lex_smallest(pimg, 2, dbits, 0, brem, badd, vimg, nw, ybuf, 1, kmin, 1,
                                nperm, True)  # fmt: skip
        for w in range(nw):
            bkey[w] = cand[nw + w]
        _image_one(pimg, 2, kmin[1], dbits, 0, brem, badd, vimg, nw, bkey, nw)
    rrem = _fill_diff(par, 0, cand, 0, nw, dbits, 0)
    radd = _fill_diff(cand, 0, par, 0, nw, dbits, 1)
    crem = _fill_diff(par, 2 * nw, cand, 2 * nw, nw, dbits, 2)
    cadd = _fill_diff(cand, 2 * nw, par, 2 * nw, nw, dbits, 3)
    hasc = False
    for w in range(nw):
        ns[nw + w] = bkey[nw + w]
        if cand[2 * nw + w] != _U0:
            hasc = True
    # the smallest red image among the automorphisms of the smallest blue image (usually
    # all of them: they fix the inputs), then the smallest third set among those tied
    nk = kmin[0]
    every = nk == nperm
    if not every:
        for i in range(nk):
            yidx[i] = kmin[1 + i]
    nt = _lex_smallest(pimg, 0, dbits, 0, rrem, radd, vimg, nw, ybuf, 0, yidx, 0, nk, every)
    if nt > 1 and hasc:
        nt = _lex_smallest(pimg, 1, dbits, 2, crem, cadd, vimg, nw, ybuf, 1, yidx, 0, nt,
                           nt == nperm)  # fmt: skip
    best = yidx[0]
    _image_one(pimg, 0, best, dbits, 0, rrem, radd, vimg, nw, ns, 0)
    _image_one(pimg, 1, best, dbits, 2, crem, cadd, vimg, nw, ns, 2 * nw)
    return best
