"""The block counters on masked patterns against counts rebuilt pair by pair.

The oracle walks the dense ``N_q x N_k`` pattern (:meth:`KeyPattern.dense`) cell by
cell, in plain loops: the keys each row sees, the keys each query block sees, the tiles
with a kept pair, the key blocks each row meets. From those and the block sizes the
schedules choose, the closed forms of the counters' docstrings give every load, store
and reported block count. tests/test_attention_variants.py checks the same counters
against the replay of their moves on sizes small enough to replay; here the patterns
are larger and more varied, and every entry of ``blocks`` is checked too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from redblue.dags import attention_masks
from redblue.dags.attention_masks import KeyPattern, key_pattern
from redblue.errors import InvalidInputError
from redblue.strategies import (
    _common,
    count_gqa,
    count_io,
    flash_block_sizes,
    standard_block_rows,
    tiling_block_size,
)
from redblue.strategies._common import (
    block_keys,
    blocks_hit,
    causal_tiles,
    plain_causal,
    row_hits,
    tile_keys,
    tile_rows,
    tiles_kept,
)
from redblue.strategies.multihead import gqa_block_sizes, gqa_io


def patterns(count: int, seed: int):
    """Random patterns: causal or not, block masks of sizes not dividing N (often
    sparse, with empty mask rows and columns), decode rows against other key counts."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < count:
        n = int(rng.integers(1, 40))
        causal = bool(rng.integers(2))
        nk = n if causal or rng.random() < 0.4 else int(rng.integers(1, 40))
        kw: dict = {"n_keys": nk, "causal": causal}
        if rng.random() < 0.85:
            b = int(rng.integers(1, n + 3))
            kw.update(block_size=b, block_mask=rng.random((-(-n // b), -(-nk // b)))
                      < rng.choice([0.3, 0.6, 0.9]))  # fmt: skip
        try:
            p = key_pattern(n, **kw)
        except InvalidInputError:  # a row with no key
            continue
        made += 1
        yield p


class Dense:
    """Counts of a pattern, cell by cell."""

    def __init__(self, p: KeyPattern):
        keep = p.dense()
        self.n, self.nk = keep.shape
        self.rows = [[j for j in range(self.nk) if keep[i, j]] for i in range(self.n)]

    def row_keys(self) -> list[int]:
        return [len(r) for r in self.rows]

    def block_keys(self, br: int) -> list[int]:
        """Per query block of ``br`` rows: the keys some row of it sees."""
        return [len(set().union(*self.rows[a:a + br])) for a in range(0, self.n, br)]

    def row_hits(self, bc: int) -> list[int]:
        """Per row: the key blocks of ``bc`` keys it sees a key in."""
        return [len({j // bc for j in r}) for r in self.rows]

    def tiles(self, br: int, bc: int) -> int:
        """Tiles of ``br`` rows x ``bc`` keys with a kept pair."""
        return len({(i // br, j // bc) for i in range(self.n) for j in self.rows[i]})


@pytest.mark.parametrize("seed", [1, 2])
def test_block_level_counts_are_the_dense_counts(seed):
    for p in patterns(60, seed):
        dense = Dense(p)
        keep = p.dense()
        assert p.row_counts().tolist() == dense.row_keys()
        for size in (1, 2, 3, 5, 8, 64):
            assert row_hits(p, size).tolist() == dense.row_hits(size), (p.describe(), size)
            assert block_keys(p, size) == sum(dense.block_keys(size)), (p.describe(), size)
            assert tile_keys(keep, size, 1).sum() == sum(dense.block_keys(size))
            assert tile_rows(keep, 1, size).sum(axis=1).tolist() == dense.row_hits(size)
            for bc in (1, 3, 4, 50):
                assert tiles_kept(p, size, bc) == dense.tiles(size, bc), (p.describe(), size)
                assert (tile_keys(keep, size, bc) > 0).sum() == dense.tiles(size, bc)
                assert tile_rows(keep, size, bc).shape == (math.ceil(p.n / size),
                                                           math.ceil(p.n_keys / bc))


def test_causal_tiles_are_the_dense_counts():
    for n in (1, 2, 7, 16, 33):
        dense = Dense(key_pattern(n, causal=True))
        for br in (1, 2, 5, 16, 40):
            for bc in (1, 3, 16, 50):
                assert causal_tiles(n, br, bc) == (sum(dense.block_keys(br)),
                                                   dense.tiles(br, bc))  # fmt: skip


def test_blocks_hit_shares_a_block_between_neighbouring_intervals():
    lo = np.array([0, 4, 8, 12])
    end = np.array([3, 7, 11, 13])
    used = np.array([[1, 1, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1]], dtype=bool)
    for size in (1, 3, 5, 6, 20):
        want = [len({k // size for c in range(4) if row[c] for k in range(lo[c], end[c] + 1)})
                for row in used]  # fmt: skip
        assert blocks_hit(used, lo, end, size).tolist() == want
    one = np.array([False, True, False, False])  # one row, one end for every column
    assert blocks_hit(one, lo, 13, 5).tolist() == [len({k // 5 for k in range(4, 14)})]


def test_plain_causal_is_causal_without_a_mask():
    assert plain_causal(key_pattern(4, causal=True))
    assert not plain_causal(key_pattern(4))
    assert not plain_causal(key_pattern(4, causal=True, block_mask=np.tri(2, dtype=bool),
                                        block_size=2))  # fmt: skip
    assert not plain_causal(key_pattern(4, block_mask=np.tri(2, dtype=bool), block_size=2))


def test_too_many_rows_to_count_by_block(monkeypatch):
    # the limit lowered to 10 rows (the real one, 2^24, takes seconds to reach)
    monkeypatch.setattr(attention_masks, "MAX_ROWS", 10)
    monkeypatch.setattr(_common, "MAX_ROWS", 10)
    for n, refused in ((10, False), (11, True)):
        p = key_pattern(n, block_mask=[[1, 0], [1, 1]], block_size=6)
        for count in (lambda p=p: row_hits(p, 4), lambda p=p: block_keys(p, 4),
                      lambda p=p: tiles_kept(p, 4, 4), p.row_counts):  # fmt: skip
            if refused:
                with pytest.raises(InvalidInputError, match="too large to count row by row"):
                    count()
            else:
                count()
    # without a mask (also causal) any size is counted: one block of side max(N_q, N_k)
    for p in (key_pattern(9, n_keys=30), key_pattern(9, causal=True)):
        dense = Dense(p)
        assert p.row_counts().tolist() == dense.row_keys()
        assert row_hits(p, 4).tolist() == dense.row_hits(4)
        assert block_keys(p, 5) == sum(dense.block_keys(5))
        assert tiles_kept(p, 5, 4) == dense.tiles(5, 4)


# -- the counters: the docstrings' closed forms from the dense counts ---------------------


MEMORIES = (60, 200, 1500)


def _kw(p: KeyPattern) -> dict:
    """The variant keywords of ``count_io`` that give back ``p``."""
    kw: dict = {"causal": p.causal, "n_keys": p.n_keys}
    if p.block_mask is not None:
        kw.update(block_mask=p.block_mask, block_size=p.block_size)
    return kw


def _io(c) -> tuple:
    """What a counter reports, its counts checked to be ints (a float that equals one
    would pass the comparison)."""
    assert all(type(x) is int for x in (c.loads, c.stores, *c.blocks.values()))
    return c.algorithm, c.loads, c.stores, c.blocks


def _masked(p: KeyPattern, blocks: dict, **more) -> dict:
    """``blocks`` and, on a pattern that is not full, the counts only masks report."""
    return blocks if p.full else {**blocks, **more}


@pytest.mark.parametrize("stable", [False, True])
def test_flash_counters_on_masks(stable):
    d = 3
    for p in patterns(40, 5 + stable):
        dense, n, nk = Dense(p), p.n, p.n_keys
        for memory in MEMORIES:
            br, bc = flash_block_sizes(n, d, memory, version=2, stable=stable, n_keys=nk)
            blocks = _masked(p, {"B_r": br, "B_c": bc, "T_r": math.ceil(n / br),
                                 "T_c": math.ceil(nk / bc)}, blocks_kept=dense.tiles(br, bc))
            want = ("flash2", n * d + 2 * d * sum(dense.block_keys(br)), n * d, blocks)
            assert _io(count_io("flash2", n, d, memory, stable=stable, **_kw(p))) == want
            br, bc = flash_block_sizes(n, d, memory, stable=stable, n_keys=nk)
            hits = sum(dense.row_hits(bc))
            used = len(set().union(*dense.rows))
            run = (hits - n) * (d + 2 if stable else d + 1)
            blocks = _masked(p, {"B_r": br, "B_c": bc, "T_r": math.ceil(n / br),
                                 "T_c": math.ceil(nk / bc)}, blocks_kept=dense.tiles(br, bc))
            want = ("flash1", 2 * used * d + hits * d + run, run + n * d, blocks)
            assert _io(count_io("flash1", n, d, memory, stable=stable, **_kw(p))) == want


def test_standard_and_tiling_counters_on_masks():
    d = 2
    for p in patterns(40, 9):
        dense, n = Dense(p), p.n
        count = dense.row_keys()
        pairs = sum(count)
        for memory in (8, 20, 60, 1500):
            if memory >= 16:  # the standard schedule's smallest memory at d = 2
                br = standard_block_rows(n, d, memory)
                two = [c for c in count if c + 2 > memory]
                blocks = _masked(p, {"B_r": br, "T_r": math.ceil(n / br),
                                     "softmax_passes": 2 if two else 1},
                                 two_pass_rows=len(two))  # fmt: skip
                want = ("standard", n * d + 2 * d * sum(dense.block_keys(br)) + 2 * pairs
                        + sum(two), 2 * pairs + n * d, blocks)  # fmt: skip
                assert _io(count_io("standard", n, d, memory, **_kw(p))) == want, p.describe()
            b = tiling_block_size(memory)
            blocks = _masked(p, {"B": b, "T": math.ceil(n / b), "T_d": math.ceil(d / b)},
                             tiles_kept=dense.tiles(b, b))
            loads = (d * (sum(dense.row_hits(b)) + 2 * sum(dense.block_keys(b))) + n
                     + math.ceil(d / b) * pairs)  # fmt: skip
            want = ("tiling", loads, pairs + sum(c > 1 for c in count) + n * d, blocks)
            assert _io(count_io("tiling", n, d, memory, **_kw(p))) == want, p.describe()


@pytest.mark.parametrize("stable", [False, True])
def test_grouped_heads_on_masks(stable):
    d, heads, kv_heads = 2, 6, 2
    for p in patterns(25, 13):
        dense, n, nk = Dense(p), p.n, p.n_keys
        for memory in (80, 400):
            br, bc = gqa_block_sizes(n, d, memory, heads=heads, kv_heads=kv_heads,
                                     pattern=p, stable=stable)  # fmt: skip
            blocks = {"B_r": br, "B_c": bc, "T_r": math.ceil(n / br),
                      "T_c": math.ceil(nk / bc), "heads": heads, "kv_heads": kv_heads}
            kv = sum(dense.block_keys(br))
            c = count_gqa(n, d, memory, heads=heads, kv_heads=kv_heads, stable=stable,
                          **_kw(p))  # fmt: skip
            assert _io(c) == ("flash2-grouped", heads * n * d
                                              + kv_heads * 2 * d * kv, heads * n * d, blocks)
            assert c == gqa_io(n, d, memory, heads=heads, kv_heads=kv_heads, pattern=p,
                               stable=stable)  # fmt: skip
            one = count_io("flash2", n, d, memory, stable=stable, **_kw(p))
            c = count_gqa(n, d, memory, heads=heads, kv_heads=kv_heads, grouped=False,
                          stable=stable, **_kw(p))  # fmt: skip
            br, bc = gqa_block_sizes(n, d, memory, heads=heads, kv_heads=kv_heads,
                                     grouped=False, pattern=p, stable=stable)  # fmt: skip
            blocks = {"B_r": br, "B_c": bc, "T_r": math.ceil(n / br),
                      "T_c": math.ceil(nk / bc), "heads": heads, "kv_heads": kv_heads}
            assert _io(c) == ("flash2-per-head", heads * one.loads,
                                              heads * one.stores, blocks)  # fmt: skip


def test_grouped_heads_pass_their_options_on():
    # points where the option changes the blocks: a schedule that drops it counts others
    kw = {"heads": 6, "kv_heads": 2}
    fma = [(4, 2, 20, False), (9, 4, 28, False), (4, 4, 88, True)]  # fma blocks differ
    for n, d, memory, grouped in fma:
        c = count_gqa(n, d, memory, grouped=grouped, sum="fma", **kw)
        assert c == gqa_io(n, d, memory, grouped=grouped, sum="fma", **kw)
        assert c != gqa_io(n, d, memory, grouped=grouped, **kw)
        if not grouped:  # a head at a time: H times FlashAttention-2 on fma sums
            assert c.loads == 6 * count_io("flash2", n, d, memory, sum="fma").loads
        br, bc = gqa_block_sizes(n, d, memory, grouped=grouped, sum="fma", **kw)
        assert (c.blocks["B_r"], c.blocks["B_c"]) == (br, bc)
    # stable: per head larger running sums at M = 80; grouped, too large at M = 40
    c = count_gqa(9, 4, 80, grouped=False, stable=True, **kw)
    assert c == gqa_io(9, 4, 80, grouped=False, stable=True, **kw)
    assert c != gqa_io(9, 4, 80, grouped=False, **kw)
    assert c.loads == 6 * count_io("flash2", 9, 4, 80, stable=True).loads
    with pytest.raises(InvalidInputError, match="too small for grouped"):
        count_gqa(9, 4, 40, stable=True, **kw)
    with pytest.raises(InvalidInputError, match="too small for grouped"):
        gqa_io(9, 4, 40, stable=True, **kw)
    # the defaults: grouped, chain sums, no mask, the plain graph
    assert count_gqa(9, 4, 40, **kw) == gqa_io(9, 4, 40, **kw) == gqa_io(
        9, 4, 40, grouped=True, sum="chain", pattern=key_pattern(9), stable=False, **kw)
    assert gqa_io(9, 4, 80, grouped=False, **kw) == count_gqa(9, 4, 80, grouped=False,
                                                              causal=False, **kw)  # fmt: skip
