"""Bitsets of several 64-bit words and the growable tables of the compiled search core.

A set of vertices of an ``n``-vertex graph is ``W`` consecutive ``uint64`` words (bit
``v % 64`` of word ``v // 64``), with ``W`` from :func:`words_for`. A search state is
``3 W`` words: red, blue and the third set (the stash in the classic game, the computed
vertices in no-recompute), at the offsets :data:`RED`, ``W`` and ``2 W``.

The kernel functions take ``wz``, ``W`` zeros, rather than ``W`` (:func:`word_count`):
for ``W`` of 1 or 2 a tuple, whose length is part of its numba type, so every loop over
the words has a trip count known at compile time (unrolled by LLVM) and each of these
``W`` is compiled (and cached) once; above, an array, whose length is read at run time:
one more compiled kernel serves every larger graph. (Each kernel takes about a minute
of CPU to compile; measured on FFT-16 without rule Y, the array kernel spends about
1.3 times as long a state as the two-word one, so graphs of more than 128 vertices,
rarely searched to the end, share it.)

Every function here runs as plain Python too (``NUMBA_DISABLE_JIT=1``): the two
intrinsics (the clock, the huge-page hint) have Python twins then, and numpy's
``uint64`` scalars wrap like the machine words (their overflow warnings are silenced by
the caller, :func:`redblue.search.core._run`).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from llvmlite import ir
from numba import config, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["RED", "SPECIALIZED_WORDS", "from_words", "to_words", "word_count", "words_for"]

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
_M63 = np.uint64(63)
# hash-table slots: a row id in the low bits, a tag of 23 hash bits above (see _lookup)
_ID_BITS = 40
_ID_MASK = (1 << _ID_BITS) - 1
_S41 = np.uint64(41)

#: offset of the red set in a state (blue at ``W``, the third set at ``2 W``)
RED = 0

# rows of the per-vertex mask table ``vm[row, v, word]`` (predecessors, successors,
# ancestors-or-self)
PRED, SUCC, ANC = 0, 1, 2
# rows of the global mask table ``gm[row, word]``
INPUTS, OUTPUTS, ALL = 0, 1, 2
# entries of the integer parameter vector ``prm`` of the kernel (the output ids follow
# from ``P_OUTS`` on)
(P_N, P_MEM, P_NR, P_DEAD, P_STASH, P_TRACK, P_FORCED, P_HEUR, P_CUT, P_DOM, P_SYM,
 P_LIMIT, P_STATES, P_WEIGHT, P_WHOLE, P_NOUT, P_OUTS) = range(17)  # fmt: skip
# rows of the kernel's scratch bitsets (row ``R`` at ``sc[R * W:(R + 1) * W]``): of the
# heuristics (must compute, loads, red loadable operands; cut: pending, region), of the
# successors (live, available, missing operands, from the stash, blue after, third set
# after, victims, victims without blue, red after, stored, third set of a choice), and
# rule D's live set
(R_HM, R_HA, R_HY, R_CP, R_CG, R_L, R_A, R_M, R_U, R_BL, R_NC, R_VM, R_US, R_BR, R_T, R_E,
 R_LIVE, NSCRATCH) = range(18)  # fmt: skip


#: word counts with a kernel of their own (a tuple ``wz``); above, one kernel for all
SPECIALIZED_WORDS = (1, 2)


def words_for(n: int) -> int:
    """Words per bitset for ``n`` vertices: as many as needed, at least one.

    >>> [words_for(n) for n in (1, 64, 65, 128, 129, 256, 300)]
    [1, 1, 2, 2, 3, 4, 5]
    """
    return max(1, (n + 63) // 64)


def word_count(nwords: int):
    """What the kernel takes for ``nwords`` words (``wz``, see above)."""
    if nwords in SPECIALIZED_WORDS:
        return (np.uint64(0),) * nwords
    return np.zeros(nwords, np.uint64)


def to_words(mask: int, nwords: int) -> np.ndarray:
    """The bitset ``mask`` (a Python int) as ``nwords`` words, lowest first.

    >>> to_words(1 << 64 | 5, 2).tolist()
    [5, 1]
    """
    return np.frombuffer(mask.to_bytes(8 * nwords, "little"), dtype="<u8").astype(np.uint64)


def from_words(words) -> int:
    """The Python int of a sequence of words, lowest first."""
    return sum(int(w) << (64 * i) for i, w in enumerate(words))


# -- intrinsics (with plain-Python twins) -----------------------------------------------

_CLOCK_ID = getattr(time, "CLOCK_MONOTONIC", None)
_MADV_HUGEPAGE = 14  # from <sys/mman.h> on Linux

if config.DISABLE_JIT:

    def _now_ns():
        return time.monotonic_ns()

    def _advise_huge_pages(start, length):
        return 0

else:

    @intrinsic
    def _now_ns(typingctx):
        """``clock_gettime(CLOCK_MONOTONIC)`` in nanoseconds from the C library; 0 where it
        is missing (Windows). An intrinsic: a ctypes call would keep the core from
        numba's cache."""
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

    @intrinsic
    def _advise_huge_pages(typingctx, start, length):
        """``madvise(start, length, MADV_HUGEPAGE)`` from the C library; nothing off Linux."""
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


# -- words and bitsets ------------------------------------------------------------------


@njit(inline="always")
def _popc(x):
    x = x - ((x >> _S1) & _K1)
    x = (x & _K2) + ((x >> _S2) & _K2)
    x = (x + (x >> _S4)) & _K4
    return np.int64((x * _H01) >> _S56)


if config.DISABLE_JIT:  # the same count, without numpy's overflow warnings

    def _popc(x):  # noqa: F811
        return int(x).bit_count()


@njit(inline="always")
def _low_index(x):
    """Index of the lowest set bit of a nonzero word."""
    return _popc((x & (~x + _U1)) - _U1)


@njit(inline="always")
def _has(s, off, v):
    """Whether vertex ``v`` is in the bitset at ``s[off:]``."""
    return (s[off + (v >> 6)] >> np.uint64(v & 63)) & _U1 != _U0


@njit(inline="always")
def _add(s, off, v):
    """Put vertex ``v`` in the bitset at ``s[off:]``."""
    s[off + (v >> 6)] |= _U1 << np.uint64(v & 63)


@njit(inline="always")
def _drop(s, off, v):
    """Take vertex ``v`` out of the bitset at ``s[off:]``."""
    s[off + (v >> 6)] &= ~(_U1 << np.uint64(v & 63))


@njit(inline="always")
def _has2(a, row, v):
    """Whether vertex ``v`` is in the bitset ``a[row]`` (a row of a 2-d table)."""
    return (a[row, v >> 6] >> np.uint64(v & 63)) & _U1 != _U0


@njit(inline="always")
def _count(s, off, nw):
    """Number of vertices in the bitset at ``s[off:off + nw]``."""
    c = 0
    for w in range(nw):
        c += _popc(s[off + w])
    return c


@njit(inline="always")
def _empty(s, off, nw):
    """Whether the bitset at ``s[off:off + nw]`` is empty."""
    for w in range(nw):
        if s[off + w] != _U0:
            return False
    return True


@njit(inline="always")
def _fill_row(s, off, nw, out, row, start):
    """Write the vertices of the bitset ``s[off:off + nw]`` (lowest first) into
    ``out[row, start:]``; return the count."""
    k = start
    for w in range(nw):
        x = s[off + w]
        while x != _U0:
            out[row, k] = 64 * w + _low_index(x)
            x &= x - _U1
            k += 1
    return k - start


@njit(inline="always")
def _less(a, aoff, b, boff, nw):
    """Bitset ``a[aoff:]`` < ``b[boff:]`` as numbers (the highest word first)."""
    for w in range(nw - 1, -1, -1):
        if a[aoff + w] != b[boff + w]:
            return a[aoff + w] < b[boff + w]
    return False


@njit(inline="always")
def _same(a, aoff, b, boff, nw):
    """Whether the bitsets ``a[aoff:]`` and ``b[boff:]`` are equal."""
    for w in range(nw):
        if a[aoff + w] != b[boff + w]:
            return False
    return True


# -- the clock --------------------------------------------------------------------------


@njit(inline="always")
def _due(clk, tick_ns):
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
    clk[0] = now + tick_ns
    return True


# -- hash tables and growable arrays ----------------------------------------------------


@njit(inline="always")
def _hash(s, width):
    h = _U0
    for i in range(width):
        h = (h ^ s[i]) * _MIX1
        h ^= h >> _S31
    h *= _MIX2
    return h ^ (h >> _S31)


@njit(inline="always")
def _row_is(keys, x, s, width):
    """Whether the first ``width`` words of row ``x`` of ``keys`` equal ``s``."""
    for j in range(width):
        if keys[x, j] != s[j]:
            return False
    return True


@njit(inline="always")
def _lookup(slots, keys, s, width):
    """Slot of key ``s`` (its first ``width`` words) in the open-addressing table: -1, or
    its :func:`_slot_entry`.

    A slot keeps high bits of the key's hash beside the row id, so a probe of another key
    rarely reads that key's row (a cache miss each)."""
    h = _hash(s, width)
    mask = slots.shape[0] - 1
    tag = np.int64(h >> _S41) << _ID_BITS
    i = np.int64(h & np.uint64(mask))
    while slots[i] >= 0 and (slots[i] & ~_ID_MASK != tag
                             or not _row_is(keys, slots[i] & _ID_MASK, s, width)):
        i = (i + 1) & mask
    return i


@njit(inline="always")
def _slot_entry(x, s, width):
    """What a slot of :func:`_lookup` holds for row ``x`` with key ``s``."""
    return x | np.int64(_hash(s, width) >> _S41) << _ID_BITS


@njit(inline="always")
def _lookup_val(vals, keys, s, width):
    """Slot of key ``s`` in a table whose empty slots hold ``vals[i] < 0``."""
    mask = vals.shape[0] - 1
    i = np.int64(_hash(s, width) & np.uint64(mask))
    while vals[i] >= 0 and not _row_is(keys, i, s, width):
        i = (i + 1) & mask
    return i


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


@njit(cache=True)
def _rehash(keys, count, size, width):
    """A table of ``size`` slots for the first ``count`` rows of ``keys`` (a key is the
    first ``width`` words of a row)."""
    slots = _filled(size, -1)
    for x in range(count):
        slots[_lookup(slots, keys, keys[x], width)] = _slot_entry(x, keys[x], width)
    return slots
