"""Rule Y's canonical form (redblue.search.symmetry) against a plain-Python reference.

The kernel takes a successor's images under every automorphism from its parent's and the
few vertices that changed, compares them a word at a time and stops at the first word
that leaves one automorphism; the reference maps each set vertex by vertex and compares
``(blue, red, third set)`` as numbers, ties to the first automorphism. Run as plain Python
(every compiled function of the module swapped for its Python twin): no compile.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import redblue.search.symmetry as sym
from redblue.dags import attention_dag, fft_dag, matmul_dag
from redblue.game import compile_graph
from redblue.search.state import from_words, to_words
from redblue.search.symmetry import automorphisms, kept_automorphisms, symmetry_tables


@pytest.fixture(scope="module")
def plain():
    """The module's compiled functions as plain Python for the tests of this file."""
    mp = pytest.MonkeyPatch()
    for name in dir(sym):
        f = getattr(sym, name)
        if hasattr(f, "py_func"):
            mp.setattr(sym, name, f.py_func)
    mp.setattr(sym, "_low_index", lambda x: (int(x) & -int(x)).bit_length() - 1)
    yield sym
    mp.undo()


def image(p: list[int], mask: int) -> int:
    out = 0
    while mask:
        low = mask & -mask
        out |= 1 << p[low.bit_length() - 1]
        mask ^= low
    return out


def reference(perms: list[list[int]], red: int, blue: int, third: int) -> tuple[int, tuple]:
    """The first automorphism making (blue, red, third) smallest, and that image."""
    def key(k):
        p = perms[k]
        return image(p, blue), image(p, red), image(p, third), k

    k = min(range(len(perms)), key=key)
    return k, key(k)[:3]


class Kernel:
    """Rule Y's buffers as the kernel allocates them, for one parent state at a time."""

    def __init__(self, perms: list[list[int]], n: int):
        self.nw = nw = (n + 63) // 64
        self.n, self.nperm = n, len(perms)
        _, img = symmetry_tables(perms, n, nw)
        self.vimg = np.ascontiguousarray(img.T)
        self.bkey = np.empty(2 * nw, np.uint64)
        self.kmin = np.full(self.nperm + 1, -1, np.int64)
        self.ybuf = np.empty((2, self.nperm, nw), np.uint64)
        self.yidx = np.empty(self.nperm, np.int64)
        self.pimg = np.zeros((3, self.nperm, nw), np.uint64)
        self.dbits = np.empty((4, n + 1), np.int64)
        self.par = np.zeros(3 * nw, np.uint64)

    def state(self, red: int, blue: int, third: int) -> np.ndarray:
        return np.concatenate([to_words(x, self.nw) for x in (red, blue, third)])

    def expand(self, red: int, blue: int, third: int) -> None:
        self.par[:] = self.state(red, blue, third)
        wz = np.zeros(self.nw, np.uint64)
        sym._parent_images(self.par, wz, self.vimg, self.pimg)

    def canon(self, red: int, blue: int, third: int) -> tuple[int, tuple]:
        nw = self.nw
        ns = np.empty(3 * nw, np.uint64)
        k = sym._sym_canon(self.state(red, blue, third), ns, nw, self.par, self.pimg,
                           self.vimg, self.dbits, self.bkey, self.kmin, self.ybuf,
                           self.yidx)  # fmt: skip
        red, blue, third = (from_words(ns[i * nw:(i + 1) * nw].tolist()) for i in range(3))
        return int(k), (blue, red, third)


def flip(rng, mask: int, n: int, most: int) -> int:
    for v in rng.choice(n, size=int(rng.integers(0, most + 1)), replace=False).tolist():
        mask ^= 1 << v
    return mask


def random_set(rng, n: int, density: float) -> int:
    return sum(1 << v for v in range(n) if rng.random() < density)


def check_successors(kernel: Kernel, perms, rng, parents: int, successors: int,
                     blue_too: bool = True) -> None:  # fmt: skip
    n = kernel.n
    for _ in range(parents):
        red, blue, third = (random_set(rng, n, d) for d in rng.random(3) * 0.5)
        if rng.random() < 0.4:
            blue = 0  # every automorphism ties on blue: red compared under all of them
        kernel.expand(red, blue, third)
        for _ in range(successors):
            # a successor: a few vertices in or out of each set (blue unchanged for most,
            # as in the search, so the cache of the last blue set is hit and missed)
            r2 = flip(rng, red, n, 3)
            b2 = flip(rng, blue, n, 2) if blue_too and rng.random() < 0.4 else blue
            c2 = flip(rng, third, n, 2) if rng.random() < 0.5 else third
            assert kernel.canon(r2, b2, c2) == reference(perms, r2, b2, c2)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.one_of(st.integers(65, 200), st.integers(8, 64)),
       nperm=st.integers(1, 12), moved=st.integers(2, 8))  # fmt: skip
def test_canonical_form_matches_the_reference(plain, seed, n, nperm, moved):
    # permutations that move few vertices, so that images tie on the high words and the
    # comparison goes down to the lower ones (any permutations: the kernel does not use
    # that they are automorphisms)
    rng = np.random.default_rng(seed)
    perms = [list(range(n))]
    for _ in range(nperm - 1):
        p = list(range(n))
        at = rng.choice(n, size=moved, replace=False)
        for a, b in zip(at.tolist(), rng.permutation(at).tolist(), strict=True):
            p[a] = b
        perms.append(p)
    check_successors(Kernel(perms, n), perms, rng, 2, 6)


@pytest.mark.parametrize("G", [fft_dag(16), attention_dag(3, 2), fft_dag(32)],
                         ids=["fft-16", "attention-3-2", "fft-32"])
def test_real_automorphism_groups(plain, G):
    # 80, 99 and 192 vertices with 256, 48 and 256 automorphisms: most of them tie on the
    # blue set (they fix the inputs), so the path over every automorphism runs
    C = compile_graph(G)
    perms = kept_automorphisms(automorphisms(C), C.n, (C.n + 63) // 64)
    assert len(perms) > 1
    rng = np.random.default_rng(C.n)
    check_successors(Kernel(perms, C.n), perms, rng, 2, 4)


@pytest.mark.parametrize(("G", "product"), [(matmul_dag(3, 3, 3), False), (fft_dag(8), True)],
                         ids=["matmul-3x3x3", "fft-8"])
def test_one_word_graphs(plain, G, product):
    # one word: no masks by word; 144 automorphisms (the general path) and 256 (a
    # product of eight swaps)
    C = compile_graph(G)
    perms = kept_automorphisms(automorphisms(C), C.n, 1)
    kernel = Kernel(perms, C.n)
    assert (kernel.vimg[0, len(perms) + 2] >= 0) == product
    check_successors(kernel, perms, np.random.default_rng(8), 2, 6)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(65, 200), sizes=st.lists(
    st.integers(2, 4), min_size=1, max_size=3))  # fmt: skip
def test_product_path_matches_the_reference(plain, seed, n, sizes):
    # a direct product over random orbits (each: the identity, a rotation, a few more
    # permutations): listed in mixed-radix order and taken an orbit at a time
    rng = np.random.default_rng(seed)
    at = rng.permutation(n).tolist()
    cells, elements = [], []
    for size in sizes:
        c, at = sorted(at[:size]), at[size:]
        els = {tuple(c), tuple(c[1:] + c[:1])}
        els |= {tuple(rng.permutation(c).tolist()) for _ in range(int(rng.integers(0, 3)))}
        cells.append(c)
        elements.append([tuple(c), *sorted(els - {tuple(c)})])
    order = sorted(range(len(cells)), key=lambda f: cells[f][0])
    cells, elements = [cells[f] for f in order], [elements[f] for f in order]
    perms = sym._product_listing(cells, elements, n)
    assert sym._product(perms, n) == (cells, elements)
    kept = kept_automorphisms([perms[0], *perms[:0:-1]], n, 4)  # the same set, reordered
    assert sorted(kept) == sorted(perms) and kept == sym._product_listing(*sym._product(kept, n), n)
    kernel = Kernel(perms, n)
    assert kernel.vimg[0, len(perms) + 2] >= 0  # the product path
    check_successors(kernel, perms, rng, 2, 6)


def test_fft_automorphisms_are_a_product():
    # eight swaps of two vertices, found in mixed-radix order already
    C = compile_graph(fft_dag(16))
    perms = automorphisms(C)
    kept = kept_automorphisms(perms, C.n, 2)
    assert kept == perms
    cells, elements = sym._product(kept, C.n)
    assert [len(c) for c in cells] == [2] * 8 and [len(e) for e in elements] == [2] * 8
    _, img = symmetry_tables(kept, C.n, 2)
    assert img[256 + 4, :8].tolist() == [2] * 8 and img[256 + 3, :8].tolist() == [
        1 << f for f in range(8)]  # fmt: skip
    # not in mixed-radix order: the general path
    _, img = symmetry_tables([perms[0], perms[2], perms[1], *perms[3:]], C.n, 2)
    assert (img[256:] == -1).all()
    # attention DAGs move rows of K and V together: no product over orbits
    D = compile_graph(attention_dag(3, 2))
    assert sym._product(automorphisms(D), D.n) is None


def test_kernel_tables(monkeypatch):
    perms = [[0, 1, 2], [2, 1, 0]]
    slots, img = symmetry_tables(perms, 3, 1)
    assert slots.shape[0] == 2 and slots.size == 0 and img[:2].tolist() == perms
    # kept up to the bytes allowed (a product over the orbit {0, 2}: listed once)
    assert kept_automorphisms(perms * 200, 3, 1) == perms
    monkeypatch.setattr(sym, "TABLE_BYTES", 8 * (3 + 5) * 2 - 1)
    assert kept_automorphisms(perms, 3, 1) == perms[:1]
