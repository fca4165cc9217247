"""Attention variants: causal, block-sparse and decode (KV cache) DAGs and schedules.

Each DAG evaluates to numpy's attention on random inputs; its node count is the closed
form; every block schedule replays valid on it and its counter equals the replay on a
grid with ragged edges; the causal counts equal closed forms derived independently here
(docs/attention-variants.md).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from redblue.cli import main
from redblue.dags import attention_dag, attention_node_count, evaluate, output_tensors
from redblue.dags import reference_attention as reference
from redblue.dags.attention_decode import (
    decode_chunks,
    split_decode_dag,
    split_decode_node_count,
)
from redblue.dags.attention_masks import key_pattern, parse_block_mask
from redblue.dags.multihead import multihead_attention_dag
from redblue.errors import InvalidInputError
from redblue.game import compile_graph, replay
from redblue.strategies import (
    algorithm_dag,
    count_gqa,
    count_io,
    flash_block_sizes,
    schedule_moves,
    simulate_gqa,
    simulate_split_decode,
    split_decode_io,
    split_decode_moves,
    standard_block_rows,
    tiling_block_size,
)
from redblue.strategies._common import block_keys, row_hits, tile_keys, tile_rows, tiles_kept
from redblue.strategies.multihead import gqa_io, gqa_moves

BLOCK_ALGORITHMS = ("flash1", "flash2", "standard", "tiling")


def _mask(n: int, n_keys: int, b: int, seed: int, causal: bool = False) -> np.ndarray:
    """A random block mask with every row keeping a key (the diagonal when causal)."""
    rng = np.random.default_rng(seed)
    tq, tk = -(-n // b), -(-n_keys // b)
    m = rng.random((tq, tk)) < 0.5
    if causal:
        m[np.arange(tq), np.arange(tq)] = True
    else:
        m[np.arange(tq), rng.integers(0, tk, tq)] = True
    return m


def variants(n: int) -> list[dict]:
    """Variant keywords for ``n`` query rows: causal, block masks, both, decode."""
    out: list[dict] = [{"causal": True}]
    for b in (1, 2, 3):
        out.append({"block_mask": _mask(n, n, b, n + b), "block_size": b})
        out.append({"block_mask": _mask(n, n, b, 7 * n + b, True), "block_size": b,
                    "causal": True})  # fmt: skip
    out.append({"n_keys": n + 4})
    out.append({"n_keys": n + 4, "block_mask": _mask(n, n + 4, 2, n), "block_size": 2})
    return out


def _key(kw: dict) -> tuple:
    m = kw.get("block_mask")
    return (kw.get("causal", False), None if m is None else m.tobytes() + bytes(m.shape),
            kw.get("block_size"), kw.get("n_keys"))  # fmt: skip


_GRAPHS: dict = {}


def compiled(algorithm: str, n: int, d: int, shape: str, stable: bool, kw: dict):
    key = (algorithm, n, d, shape, stable, _key(kw))
    if key not in _GRAPHS:
        _GRAPHS[key] = compile_graph(algorithm_dag(algorithm, n, d, sum=shape, stable=stable,
                                                   **kw))  # fmt: skip
    return _GRAPHS[key]


def check(algorithm: str, n: int, d: int, memory: int, shape: str, kw: dict,
          stable: bool = False) -> int:
    """Replay the schedule; its I/O must be the counter's. Returns the io."""
    graph = compiled(algorithm, n, d, shape, stable, kw)
    moves = schedule_moves(algorithm, graph, n, d, memory, sum=shape, stable=stable, **kw)
    result = replay(graph, moves, memory, "classic")  # raises on any illegal move
    count = count_io(algorithm, n, d, memory, sum=shape, stable=stable, **kw)
    where = (algorithm, n, d, memory, shape, stable, kw)
    assert (result.loads, result.stores) == (count.loads, count.stores), where
    assert result.peak_red <= memory
    computed = int((~graph.is_input).sum())
    assert result.computes - result.recomputations == computed, where
    if algorithm != "standard":
        assert result.recomputations == 0, where
    return result.io


# --- DAGs ------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [
    {"sum": "tree"}, {"sum": "chain"}, {"sum": "fma"}, {"sum": "chain", "normalize": "early"},
    {"sum": "fma", "normalize": "early"}, {"sum": "tree", "stable": True},
    {"sum": "chain", "stable": True, "online": True},
    {"sum": "fma", "stable": True, "online": True},
])  # fmt: skip
def test_variant_dags_evaluate_to_numpy(options):
    rng = np.random.default_rng(3)
    for n in (1, 4, 7):
        for kw in variants(n):
            d = 2
            nk = kw.get("n_keys", n)
            Q, K, V = rng.normal(size=(n, d)), rng.normal(size=(nk, d)), rng.normal(size=(nk, d))
            G = attention_dag(n, d, **options, **kw)
            out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))
            mask = key_pattern(n, **kw).dense()
            np.testing.assert_allclose(out["O"], reference(Q, K, V, mask=mask), rtol=1e-10)
            assert G.number_of_nodes() == attention_node_count(n, d, **options, **kw)


def test_causal_mask_in_the_reference_is_the_causal_pattern():
    rng = np.random.default_rng(1)
    Q, K, V = (rng.normal(size=(5, 3)) for _ in range(3))
    mask = key_pattern(5, causal=True).dense()
    np.testing.assert_allclose(reference(Q, K, V, mask=mask), reference(Q, K, V, causal=True))


def test_pattern_counts_and_block_expansion():
    p = key_pattern(5, block_mask=[[1, 0, 0], [0, 1, 1], [1, 0, 1]], block_size=2)
    dense = p.dense().astype(int)
    assert dense.tolist() == [[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 1, 1, 1],
                              [0, 0, 1, 1, 1], [1, 1, 0, 0, 1]]  # fmt: skip
    assert p.pairs() == 13 and list(p.keys(4)) == [0, 1, 4]
    assert key_pattern(6, causal=True).pairs() == 21
    assert key_pattern(2, n_keys=9).pairs() == 18


def test_masked_products_are_named_by_key():
    G = attention_dag(4, 1, sum="chain", block_mask=[[0, 1], [1, 0]], block_size=2)
    assert G.nodes["AV[0,3,0]"]["args"] == ["A[0,3]", "V[3,0]"]
    assert G.nodes["U[0,0]"]["args"] == ["AV[0,2,0]", "AV[0,3,0]"]
    assert not G.has_node("S[0,0]")


def test_node_count_closed_forms_for_causal_and_decode():
    for n in (1, 3, 8):
        for d in (1, 4):
            c = n * (n + 1) // 2
            assert attention_node_count(n, d, causal=True) == 3 * n * d + 4 * d * c + c
            for nk in (1, 5):
                c = n * nk
                assert attention_node_count(n, d, n_keys=nk) == (n + 2 * nk) * d + 4 * d * c + c
                assert attention_node_count(n, d, n_keys=nk, sum="fma") == (
                    (n + 2 * nk) * d + n * d + 2 * d * c + 2 * c)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"block_mask": [[1, 1]], "block_size": 2}, r"shape 1 x 2, but N_q = 4"),
    ({"block_mask": [[1, 0], [0, 0]], "block_size": 2}, r"query row 2 sees no key"),
    ({"block_mask": [[1, 2], [1, 1]], "block_size": 2}, r"0/1"),
    ({"block_mask": "1,0;x,1", "block_size": 2}, r"0 or 1"),
    ({"block_mask": [[1, 1], [1, 1]]}, r"needs block_size"),
    ({"block_size": 2}, r"needs a block_mask"),
    ({"causal": True, "n_keys": 5}, r"causal needs as many keys"),
    ({"n_keys": 0}, r"n_keys must be an int >= 1"),
    ({"block_mask": [[0, 1], [1, 1]], "block_size": 2, "causal": True}, r"query row 0"),
])  # fmt: skip
def test_bad_variants_raise_one_line(kwargs, message):
    for call in (lambda: attention_dag(4, 1, **kwargs),
                 lambda: attention_node_count(4, 1, **kwargs),
                 lambda: count_io("flash2", 4, 1, 40, **kwargs)):  # fmt: skip
        with pytest.raises(InvalidInputError, match=message) as info:
            call()
        assert "\n" not in str(info.value)


def test_parse_block_mask_refuses_garbage():
    for text in ("", "[[1,0],[1]]", "[1, 0]", "1,0;1", "[[true]]", "{", "[[0.5]]"):
        with pytest.raises(InvalidInputError):
            parse_block_mask(text)
    assert parse_block_mask("1\n0").tolist() == [[True], [False]]


def test_absurd_sizes_are_refused_before_building():
    with pytest.raises(InvalidInputError, match="nodes"):
        attention_dag(100_000, 64, causal=True)
    with pytest.raises(InvalidInputError, match="too large to count pair by pair"):
        key_pattern(100_000, block_mask=[[1, 0], [1, 1]], block_size=50_000).dense()
    with pytest.raises(InvalidInputError, match="too large to count row by row"):
        count_io("flash2", 1 << 25, 64, 4096, block_mask=[[1, 0], [1, 1]], block_size=1 << 24)


# --- block-level counts: equal to the pair-by-pair counts ---------------------------


def _random_patterns(count: int, seed: int):
    """Random patterns with ragged edges: causal or not, block masks of sizes not
    dividing N, decode rows against other key counts, the plain causal one."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < count:
        n = int(rng.integers(1, 26))
        causal = bool(rng.integers(2))
        nk = n if causal or rng.random() < 0.5 else int(rng.integers(1, 26))
        b = int(rng.integers(1, n + 2))
        kw: dict = {"n_keys": nk, "causal": causal}
        if rng.random() < 0.85:
            kw.update(block_size=b, block_mask=rng.random((-(-n // b), -(-nk // b))) < 0.6)
        try:
            p = key_pattern(n, **kw)
        except InvalidInputError:  # a row with no key
            continue
        made += 1
        yield p


def test_block_level_counts_equal_pair_by_pair():
    # the reference: the dense N_q x N_k pattern cut into tiles (tile_rows, tile_keys)
    for p in _random_patterns(150, seed=11):
        keep = p.dense()
        assert p.row_counts().tolist() == keep.sum(axis=1).tolist()
        assert p.pairs() == keep.sum()
        for br in (1, 2, 3, 7, 30):
            assert block_keys(p, br) == tile_keys(keep, br, 1).sum(), (p.describe(), br)
            for bc in (1, 2, 5, 40):
                assert (row_hits(p, bc) == tile_rows(keep, 1, bc).sum(axis=1)).all()
                assert tiles_kept(p, br, bc) == (tile_keys(keep, br, bc) > 0).sum()


def test_block_level_counts_meet_the_causal_closed_forms():
    # a lower-triangular block mask is the causal pattern: same counts by both routes
    n, b = 1000, 64
    tri = np.tri(-(-n // b), dtype=bool)
    for algorithm in BLOCK_ALGORITHMS:
        for m in (40, 300, 5000):
            assert count_io(algorithm, n, 8, m, causal=True, block_mask=tri, block_size=b).io \
                == count_io(algorithm, n, 8, m, causal=True).io, (algorithm, m)


def test_block_mask_counts_at_long_sequences():
    # N = 65536, causal with a random block mask: counted block by block (no 2^32 pairs)
    n, b = 65536, 256
    rng = np.random.default_rng(2)
    mask = (rng.random((n // b, n // b)) < 0.3) | np.eye(n // b, dtype=bool)
    for algorithm in BLOCK_ALGORITHMS:
        causal = count_io(algorithm, n, 64, 16384, causal=True).io
        sparse = count_io(algorithm, n, 64, 16384, causal=True, block_mask=mask, block_size=b)
        assert sparse.io < causal
    # flash2 with query blocks inside the mask's blocks: Nd + Nd + 2d x kept keys per row
    # block, the kept keys of a query block those of its last row
    br = count_io("flash2", n, 64, 16384).blocks["B_r"]
    p = key_pattern(n, causal=True, block_mask=mask, block_size=b)
    assert b % br == 0
    keys = int(p.row_counts()[br - 1::br].sum())
    assert count_io("flash2", n, 64, 16384, causal=True, block_mask=mask,
                    block_size=b).io == 2 * n * 64 + 2 * 64 * keys  # fmt: skip


# --- schedules: counter == replay -----------------------------------------------------


def memories(algorithm: str, n: int, d: int, shape: str, kw: dict) -> list[int]:
    low = next(m for m in range(1, 8 * d + 12)
               if _accepts(algorithm, n, d, m, shape, kw))  # fmt: skip
    return sorted({low, low + 3, 2 * low + 5, d * d + 9, 6 * n * d + 40})


def _accepts(algorithm, n, d, memory, shape, kw) -> bool:
    try:
        count_io(algorithm, n, d, memory, sum=shape, **kw)
    except InvalidInputError:
        return False
    return True


@pytest.mark.parametrize("shape", ["chain", "fma"])
@pytest.mark.parametrize("algorithm", BLOCK_ALGORITHMS)
def test_variant_schedules_replay_and_count_exactly(algorithm, shape):
    for n, d in ((1, 1), (2, 3), (5, 2), (7, 1), (9, 2)):
        for kw in variants(n):
            for memory in memories(algorithm, n, d, shape, kw):
                check(algorithm, n, d, memory, shape, kw)


@pytest.mark.parametrize("algorithm", ["flash1", "flash2"])
def test_online_softmax_variants_replay_and_count_exactly(algorithm):
    for n, d in ((1, 2), (5, 2), (8, 1)):
        for kw in variants(n):
            for memory in (4 * d + 6, 9 * d + 8, 40 * d):
                check(algorithm, n, d, memory, "chain", kw, stable=True)


def test_unmasked_variant_is_the_plain_schedule():
    """A block mask of ones gives the paper's graph and the same counts."""
    ones = {"block_mask": np.ones((3, 3), bool), "block_size": 3}
    for algorithm in BLOCK_ALGORITHMS:
        assert count_io(algorithm, 9, 2, 40, **ones) == count_io(algorithm, 9, 2, 40)
        assert check(algorithm, 9, 2, 40, "chain", ones) == check(algorithm, 9, 2, 40,
                                                                   "chain", {})  # fmt: skip


# --- causal counts in closed form -----------------------------------------------------


def _ends(n: int, b: int) -> list[int]:
    """``e_I + 1``: one past the last row of each block of ``b`` rows."""
    return [min(a + b, n) for a in range(0, n, b)]


def causal_closed_form(algorithm: str, n: int, d: int, memory: int, shape: str) -> tuple:
    """(loads, stores) of the causal schedules, derived from the block sizes alone."""
    c = n * (n + 1) // 2
    if algorithm == "flash2":
        br, _ = flash_block_sizes(n, d, memory, sum=shape, version=2)
        return n * d + 2 * d * sum(_ends(n, br)), n * d
    if algorithm == "flash1":
        _, bc = flash_block_sizes(n, d, memory, sum=shape)
        hits = sum(i // bc + 1 for i in range(n))  # key blocks row i reaches
        run = (hits - n) * (d + 1)
        return 2 * n * d + hits * d + run, run + n * d
    if algorithm == "standard":
        br = standard_block_rows(n, d, memory, sum=shape)
        softmax = sum((i + 1) * (1 if i + 3 <= memory else 2) for i in range(n))
        return n * d + 2 * d * sum(_ends(n, br)) + c + softmax, 2 * c + n * d
    b = tiling_block_size(memory, sum=shape)
    sizes = [e - a for a, e in zip(range(0, n, b), _ends(n, b), strict=True)]
    rows = sum(s * (t + 1) for t, s in enumerate(sizes))  # tile (I, J <= I) uses all of I
    loads = d * (rows + 2 * sum(_ends(n, b))) + n + -(-d // b) * c
    return loads, c + (n - 1) + n * d


@pytest.mark.parametrize("algorithm", BLOCK_ALGORITHMS)
def test_causal_counts_match_closed_forms(algorithm):
    for n in (1, 2, 5, 8, 13, 64, 200, 65536):  # 65536: closed form, no pattern
        for d in (1, 3, 8):
            for memory in (8 * d + 12, 40 * d + 7, d * d + 30, 300):
                if not _accepts(algorithm, n, d, memory, "chain", {}):
                    continue
                c = count_io(algorithm, n, d, memory, causal=True)
                assert (c.loads, c.stores) == causal_closed_form(algorithm, n, d, memory,
                                                                 "chain"), (n, d, memory)


def test_causal_flash2_is_exactly_half_plus_a_block_when_blocks_divide():
    """``io(causal) = Nd (T + 3)`` against ``2 Nd (T + 1)`` unmasked, ``T = N / B_r``."""
    n, d, memory = 1024, 64, 16384
    t = count_io("flash2", n, d, memory).blocks["T_r"]
    assert n % (n // t) == 0
    assert count_io("flash2", n, d, memory, causal=True).io == n * d * (t + 3)
    assert count_io("flash2", n, d, memory).io == 2 * n * d * (t + 1)


def test_decode_loads_the_cache_once_per_query_block():
    for nq, nk, d in ((1, 64, 8), (3, 100, 4), (2, 7, 2)):
        c = count_io("flash2", nq, d, 256, n_keys=nk)
        assert c.blocks["T_r"] == 1 and c.io == 2 * nq * d + 2 * nk * d
        check("flash2", nq, d, 256, "chain", {"n_keys": nk})


def test_block_sparse_flash2_counts_kept_blocks():
    """With query blocks equal to the mask's blocks, K and V move once per kept block
    (Dao et al. 2022, Prop. 4: Theta(Nd + N^2 d^2 s / M))."""
    n, d, memory = 25, 2, 40
    br, bc = flash_block_sizes(n, d, memory, version=2)
    assert n % br == 0
    mask = _mask(n, n, br, 5)
    c = count_io("flash2", n, d, memory, block_mask=mask, block_size=br)
    assert c.loads == n * d + 2 * d * br * int(mask.sum())
    check("flash2", n, d, memory, "chain", {"block_mask": mask, "block_size": br})


# --- CLI ------------------------------------------------------------------------------


@pytest.fixture
def cli(capsys):
    """Run the command line in-process: ``(exit code, stdout, stderr)``."""
    def run(*args: str) -> SimpleNamespace:
        code = main(list(args))
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)
    return run


def test_cli_causal_and_bad_combinations(cli, tmp_path):
    r = cli("simulate", "flash2", "--n", "16", "--d", "2", "--memory", "40", "--causal",
             "--count-only", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f'"io": {count_io("flash2", 16, 2, 40, causal=True).io}' in r.stdout
    mask = tmp_path / "mask.json"
    mask.write_text("[[1, 0], [1, 1]]")
    r = cli("simulate", "flash1", "--n", "8", "--d", "2", "--memory", "40", "--block-mask",
             str(mask), "--block-size", "4")  # fmt: skip
    assert r.returncode == 0 and "valid: yes" in r.stdout, r.stderr
    r = cli("dag", "attention", "--n", "5", "--d", "1", "--decode-rows", "2")
    assert r.returncode == 0 and "n_keys=5" in r.stdout
    for bad in (["--block-size", "2"], ["--block-mask", "1,1;0,0", "--block-size", "4"],
                ["--causal", "--decode-rows", "2"], ["--block-mask", "1,1", "--block-size",
                                                     "4"]):  # fmt: skip
        r = cli("simulate", "flash2", "--n", "8", "--d", "2", "--memory", "40", *bad)
        assert r.returncode == 2, (bad, r.stdout)
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


# --- split-K decoding -----------------------------------------------------------------


@pytest.mark.parametrize("shape", ["tree", "chain", "fma"])
def test_split_decode_dag_evaluates_to_numpy(shape):
    rng = np.random.default_rng(11)
    for n, nk, chunks in ((1, 1, 1), (1, 9, 4), (2, 10, 6), (3, 7, 7), (2, 6, 1)):
        Q, K, V = rng.normal(size=(n, 3)), rng.normal(size=(nk, 3)), rng.normal(size=(nk, 3))
        G = split_decode_dag(n, 3, n_keys=nk, chunks=chunks, sum=shape, scale=0.7)
        out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))["O"]
        np.testing.assert_allclose(out, reference(Q, K, V, scale=0.7), rtol=1e-10)
        per_row = 6 * nk + 2 * 3 * nk + 3
        dots = n * nk * (3 if shape == "fma" else 5)
        assert G.number_of_nodes() == (n + 2 * nk) * 3 + dots + n * per_row
        assert G.number_of_nodes() == split_decode_node_count(n, 3, n_keys=nk, chunks=chunks,
                                                              sum=shape)  # fmt: skip


def test_split_decode_chunks():
    assert decode_chunks(10, 4) == [range(0, 3), range(3, 6), range(6, 9), range(9, 10)]
    assert len(decode_chunks(10, 6)) == 5  # sizes of 2 run out after 5 chunks
    with pytest.raises(InvalidInputError, match="more than the N_k = 3 keys"):
        split_decode_dag(1, 1, n_keys=3, chunks=4)


@pytest.mark.parametrize("shape", ["chain", "fma"])
def test_split_decode_replays_and_counts_exactly(shape):
    for n, nk, chunks, d in ((1, 1, 1, 1), (1, 8, 4, 2), (2, 10, 6, 3), (3, 7, 2, 1),
                             (2, 13, 3, 2)):  # fmt: skip
        graph = compile_graph(split_decode_dag(n, d, n_keys=nk, chunks=chunks, sum=shape))
        low = next(m for m in range(1, 200) if _split_accepts(n, d, m, nk, chunks))
        for memory in (low, low + 1, 2 * low + 7, 300):
            moves = split_decode_moves(graph, n, d, memory, n_keys=nk, chunks=chunks, sum=shape)
            result = replay(graph, moves, memory, "classic")
            count = split_decode_io(n, d, memory, n_keys=nk, chunks=chunks, sum=shape)
            assert (result.loads, result.stores) == (count.loads, count.stores)
            assert result.recomputations == 0 and result.peak_red <= memory
            assert result.computes == int((~graph.is_input).sum())
        with pytest.raises(InvalidInputError, match=rf"M >= {low}\b"):
            split_decode_io(n, d, low - 1, n_keys=nk, chunks=chunks)


def _split_accepts(n, d, memory, nk, chunks) -> bool:
    try:
        split_decode_io(n, d, memory, n_keys=nk, chunks=chunks)
    except InvalidInputError:
        return False
    return True


def test_split_decode_costs_the_partials_over_flash2():
    """Splitting the cache into c chunks adds (c - 1) N_q d + 2c N_q (d + 2) I/O."""
    for nq, nk, d, chunks in ((1, 4096, 64, 8), (4, 1000, 16, 7), (2, 64, 8, 1)):
        memory = 8 * nq * d + 64 * d
        plain = count_io("flash2", nq, d, memory, n_keys=nk)
        split = split_decode_io(nq, d, memory, n_keys=nk, chunks=chunks)
        c = split.blocks["chunks"]
        assert plain.blocks["T_r"] == 1
        assert split.io - plain.io == (c - 1) * nq * d + 2 * c * nq * (d + 2)
    s = simulate_split_decode(2, 4, 80, n_keys=20, chunks=3)
    assert s.result.io == split_decode_io(2, 4, 80, n_keys=20, chunks=3).io


def test_cli_split_decode(cli):
    r = cli("simulate", "flash2", "--n", "32", "--d", "2", "--memory", "64", "--decode-rows",
             "2", "--split", "4", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f'"io": {split_decode_io(2, 2, 64, n_keys=32, chunks=4).io}' in r.stdout
    for bad in (["--split", "4"], ["--decode-rows", "1", "--split", "40"],
                ["--decode-rows", "1", "--split", "2", "--stable"]):  # fmt: skip
        r = cli("simulate", "flash2", "--n", "8", "--d", "2", "--memory", "64", *bad)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (bad, r.stderr)


# --- grouped-query heads --------------------------------------------------------------

HEADS = ((1, 1), (2, 1), (4, 2), (3, 3))


def test_multihead_dag_evaluates_each_head_with_its_group():
    rng = np.random.default_rng(5)
    for heads, kv in HEADS:
        for n, kw in ((3, {}), (4, {"causal": True, "sum": "chain"}),
                      (2, {"n_keys": 5, "sum": "fma", "scale": 0.5})):  # fmt: skip
            nk, d = kw.get("n_keys", n), 2
            G = multihead_attention_dag(n, d, heads=heads, kv_heads=kv, **kw)
            Q = rng.normal(size=(heads, n, d))
            K, V = rng.normal(size=(kv, nk, d)), rng.normal(size=(kv, nk, d))
            out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))["O"]
            for h in range(heads):
                g = h // (heads // kv)
                np.testing.assert_allclose(out[h], reference(
                    Q[h], K[g], V[g], causal=kw.get("causal", False), scale=kw.get("scale")),
                    rtol=1e-10)  # fmt: skip
            single = attention_node_count(n, d, **{k: v for k, v in kw.items() if k != "scale"})
            assert G.number_of_nodes() == heads * (single - 2 * nk * d) + kv * 2 * nk * d


@pytest.mark.parametrize("grouped", [True, False])
def test_gqa_schedules_replay_and_count_exactly(grouped):
    for heads, kv in HEADS:
        for n, d, kw in ((1, 2, {}), (5, 2, {"causal": True}), (2, 3, {"n_keys": 9}),
                         (6, 1, {"block_mask": np.tril(np.ones((3, 3), bool)),
                                 "block_size": 2})):  # fmt: skip
            graph = compile_graph(multihead_attention_dag(n, d, heads=heads, kv_heads=kv,
                                                          sum="chain", **kw))  # fmt: skip
            pattern = key_pattern(n, **kw)
            for memory in ((heads // kv) * (2 * d + 1) + 2 * d + 3, 40, 200):
                moves = gqa_moves(graph, n, d, memory, heads=heads, kv_heads=kv,
                                  grouped=grouped, pattern=pattern)  # fmt: skip
                result = replay(graph, moves, memory, "classic")
                count = gqa_io(n, d, memory, heads=heads, kv_heads=kv, grouped=grouped,
                               pattern=pattern)  # fmt: skip
                where = (heads, kv, n, d, kw, memory)
                assert (result.loads, result.stores) == (count.loads, count.stores), where
                assert result.recomputations == 0 and result.peak_red <= memory
                assert result.computes == int((~graph.is_input).sum())


# --- the numerically stable graph (running row maximum) under GQA and split-K -------


def _large_scores(rng, *shape):
    """Inputs whose scores reach about +-1000: exp overflows unless the maximum is taken
    out first, so only a stable graph evaluates to numpy's (stable) softmax."""
    return rng.normal(size=shape) * 25


def test_stable_multihead_dag_evaluates_to_numpy_at_large_scores():
    rng = np.random.default_rng(8)
    for heads, kv in ((2, 1), (4, 2)):
        for n, kw in ((3, {}), (5, {"causal": True}), (2, {"n_keys": 6}),
                      (6, {"block_mask": "1,0,0;1,1,0;0,1,1", "block_size": 2})):
            nk, d = kw.get("n_keys", n), 3
            Q = _large_scores(rng, heads, n, d)
            K, V = _large_scores(rng, kv, nk, d), rng.normal(size=(kv, nk, d))
            mask = key_pattern(n, **kw).dense()
            for shape in ("chain", "fma"):
                G = multihead_attention_dag(n, d, heads=heads, kv_heads=kv, sum=shape,
                                            stable=True, online=True, **kw)  # fmt: skip
                out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))["O"]
                for h in range(heads):
                    g = h // (heads // kv)
                    np.testing.assert_allclose(out[h], reference(Q[h], K[g], V[g], mask=mask),
                                               rtol=1e-9, atol=1e-12)  # fmt: skip
    # the plain graph at the same scores overflows: the inputs do test stability
    G = multihead_attention_dag(3, 3, heads=2, kv_heads=1)
    Q, K = _large_scores(rng, 2, 3, 3) * 4, _large_scores(rng, 1, 3, 3) * 4
    with np.errstate(over="ignore", invalid="ignore"):
        out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": K}))["O"]
    assert not np.isfinite(out).all()


@pytest.mark.parametrize("grouped", [True, False])
def test_stable_gqa_schedules_replay_and_count_exactly(grouped):
    for heads, kv in ((2, 1), (4, 2), (3, 3)):
        for n, d, kw in ((1, 2, {}), (5, 2, {"causal": True}), (2, 3, {"n_keys": 9}),
                         (7, 1, {"block_mask": np.tril(np.ones((3, 3), bool)),
                                 "block_size": 3})):  # fmt: skip
            for shape in ("chain", "fma"):
                graph = compile_graph(multihead_attention_dag(
                    n, d, heads=heads, kv_heads=kv, sum=shape, stable=True, online=True, **kw))
                pattern = key_pattern(n, **kw)
                group = heads // kv if grouped else 1
                low = group * (2 * d + 2) + 2 * d + 3  # one row of each head, one key
                for memory in (low, low + 5, 4 * low + 7):
                    moves = gqa_moves(graph, n, d, memory, heads=heads, kv_heads=kv,
                                      grouped=grouped, sum=shape, pattern=pattern, stable=True)
                    result = replay(graph, moves, memory, "classic")
                    count = gqa_io(n, d, memory, heads=heads, kv_heads=kv, grouped=grouped,
                                   sum=shape, pattern=pattern, stable=True)  # fmt: skip
                    where = (heads, kv, n, d, kw, shape, memory)
                    assert (result.loads, result.stores) == (count.loads, count.stores), where
                    assert result.recomputations == 0 and result.peak_red <= memory
                    assert result.computes == int((~graph.is_input).sum())
                with pytest.raises(InvalidInputError, match="too small"):
                    gqa_io(n, d, low - 1, heads=heads, kv_heads=kv, grouped=grouped,
                           sum=shape, pattern=pattern, stable=True)  # fmt: skip
    s = simulate_gqa(5, 2, 60, heads=4, kv_heads=2, causal=True, stable=True)
    assert s.stable and s.result.io == count_gqa(5, 2, 60, heads=4, kv_heads=2, causal=True,
                                                 stable=True).io  # fmt: skip


def test_split_decode_graph_is_the_stable_one():
    # split-K has only the stable form: each chunk's running maximum, rescaled at the end
    rng = np.random.default_rng(9)
    for nq, nk, chunks in ((1, 9, 3), (2, 7, 7), (3, 16, 4)):
        Q, K = _large_scores(rng, nq, 3), _large_scores(rng, nk, 3)
        V = rng.normal(size=(nk, 3))
        assert np.abs(Q @ K.T).max() > 710  # exp would overflow
        G = split_decode_dag(nq, 3, n_keys=nk, chunks=chunks)
        out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))["O"]
        np.testing.assert_allclose(out, reference(Q, K, V), rtol=1e-9, atol=1e-12)


def test_gqa_decode_loads_the_cache_once_per_group():
    """Decoding (one query block): K/V traffic is divided by the group size exactly."""
    for heads, kv, nk, d in ((32, 8, 8192, 128), (8, 1, 1000, 64), (4, 4, 64, 8)):
        grouped = count_gqa(1, d, 65536, heads=heads, kv_heads=kv, n_keys=nk)
        alone = count_gqa(1, d, 65536, heads=heads, kv_heads=kv, n_keys=nk, grouped=False)
        assert grouped.io == 2 * heads * d + kv * 2 * nk * d
        assert alone.io == 2 * heads * d + heads * 2 * nk * d
    # prefill limited by the cache: the group's smaller query blocks give the saving back
    assert count_gqa(4096, 128, 65536, heads=32, kv_heads=8).io == count_gqa(
        4096, 128, 65536, heads=32, kv_heads=8, grouped=False).io


def test_gqa_bad_parameters():
    with pytest.raises(InvalidInputError, match="not a multiple of kv_heads"):
        multihead_attention_dag(2, 1, heads=4, kv_heads=3)
    with pytest.raises(InvalidInputError, match="kv_heads must be an int >= 1"):
        count_gqa(2, 1, 40, heads=4, kv_heads=0)
    with pytest.raises(InvalidInputError, match=r"M >= 27\b"):  # 4 (2d + 1) + 2d + 3
        count_gqa(2, 2, 26, heads=8, kv_heads=2)
    assert simulate_gqa(2, 2, 27, heads=8, kv_heads=2).result.peak_red <= 27
    with pytest.raises(InvalidInputError, match="nodes"):
        multihead_attention_dag(1000, 64, heads=64, kv_heads=8)


def test_cli_heads(cli):
    r = cli("simulate", "flash2", "--n", "16", "--d", "2", "--memory", "64", "--decode-rows",
             "1", "--heads", "4", "--kv-heads", "2", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f'"io": {count_gqa(1, 2, 64, heads=4, kv_heads=2, n_keys=16).io}' in r.stdout
    r = cli("simulate", "flash2", "--n", "6", "--d", "2", "--memory", "64", "--causal",
            "--heads", "4", "--kv-heads", "2", "--stable", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    stable = count_gqa(6, 2, 64, heads=4, kv_heads=2, causal=True, stable=True).io
    assert f'"io": {stable}' in r.stdout
    for bad in (["--heads", "4"], ["--heads", "4", "--kv-heads", "3"],
                ["--heads", "4", "--kv-heads", "2", "--split", "2"]):  # fmt: skip
        r = cli("simulate", "flash2", "--n", "8", "--d", "2", "--memory", "64", *bad)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (bad, r.stderr)
