"""Attention variants against the unmasked count: causal, block-sparse, decode.

Every count comes from :func:`redblue.strategies.count_io` (exact, equal to the replayed
I/O: tests/test_attention_variants.py); the first table replays small instances again.

1. Replayed small instances: counter == replay for each variant.
2. Causal / unmasked I/O for each schedule (about one half, exactly as in
   docs/attention-variants.md).
3. Block-sparse FlashAttention-2 against the dense count as the kept fraction s varies
   (Dao et al. 2022, Prop. 4: Theta(Nd + N^2 d^2 s / M)).
4. Decode: N_q query rows against N_k cached keys, FlashAttention-1 and -2, and split-K
   ("flash-decoding") with c chunks: the exact price of the chunks' partials.
5. Grouped-query heads: K/V loaded once per group against once per head (decode and
   prefill).

Run: ``python benchmarks/attention_variants.py``.
"""

from __future__ import annotations

import time

import numpy as np

from redblue.strategies import count_gqa, count_io, simulate, split_decode_io

ALGORITHMS = ("flash1", "flash2", "standard", "tiling")


def replayed() -> None:
    print("1. replayed small instances (N = 24, d = 4, M = 64)")
    print(f"   {'variant':<14}{'algorithm':<10}{'replay io':>11}{'counter io':>12}")
    mask = np.tril(np.ones((3, 3), bool)) | np.eye(3, k=1, dtype=bool)
    cases = {"causal": {"causal": True}, "block-sparse": {"block_mask": mask,
                                                         "block_size": 8},
             "decode 2x24": {"n_keys": 24}}  # fmt: skip
    for name, kw in cases.items():
        n = 2 if "n_keys" in kw else 24
        for algorithm in ALGORITHMS:
            sim = simulate(algorithm, n, 4, 64, **kw)
            counted = count_io(algorithm, n, 4, 64, **kw).io
            assert counted == sim.result.io
            print(f"   {name:<14}{algorithm:<10}{sim.result.io:>11,}{counted:>12,}")


def causal() -> None:
    print("\n2. causal against unmasked (exact counts)")
    print(f"   {'N':>6}{'d':>5}{'M':>7}  {'algorithm':<10}{'unmasked':>14}{'causal':>14}"
          f"{'ratio':>8}")  # fmt: skip
    for n, d, m in ((1024, 64, 16384), (2048, 64, 16384), (4096, 128, 65536),
                    (2048, 64, 1024)):  # fmt: skip
        for algorithm in ALGORITHMS:
            full = count_io(algorithm, n, d, m).io
            half = count_io(algorithm, n, d, m, causal=True).io
            print(f"   {n:>6}{d:>5}{m:>7}  {algorithm:<10}{full:>14,}{half:>14,}"
                  f"{half / full:>8.4f}")  # fmt: skip


def block_sparse() -> None:
    print("\n3. block-sparse FlashAttention-2 (N = 4096, d = 64, M = 16384, mask blocks "
          "= B_r)")  # fmt: skip
    n, d, m = 4096, 64, 16384
    dense = count_io("flash2", n, d, m)
    b = dense.blocks["B_r"]
    t = -(-n // b)
    print(f"   {'s':>6}{'io':>14}{'io / dense':>12}{'(io - 2Nd) / (s (dense - 2Nd))':>34}")
    rng = np.random.default_rng(0)
    for s in (1.0, 0.5, 0.25, 0.1):
        mask = rng.random((t, t)) < s
        mask[np.arange(t), np.arange(t)] = True
        c = count_io("flash2", n, d, m, block_mask=mask, block_size=b).io
        kept = mask.mean()
        scaled = (c - 2 * n * d) / (kept * (dense.io - 2 * n * d))
        print(f"   {kept:>6.3f}{c:>14,}{c / dense.io:>12.4f}{scaled:>34.4f}")


def decode() -> None:
    print("\n4. decode: N_q rows against N_k cached keys (d = 128, M = 65536)")
    print(f"   {'N_q':>4}{'N_k':>8}  {'flash1':>14}{'flash2':>14}{'2(N_q + N_k) d':>16}")
    d, m = 128, 65536
    for nq, nk in ((1, 4096), (4, 4096), (1, 65536), (8, 65536)):
        f1 = count_io("flash1", nq, d, m, n_keys=nk).io
        f2 = count_io("flash2", nq, d, m, n_keys=nk).io
        print(f"   {nq:>4}{nk:>8}  {f1:>14,}{f2:>14,}{2 * (nq + nk) * d:>16,}")
    print(f"\n   split-K: {'N_q':>4}{'N_k':>8}{'chunks':>8}{'io':>14}{'over flash2':>13}")
    for nq, nk in ((1, 65536), (8, 65536)):
        plain = count_io("flash2", nq, d, m, n_keys=nk).io
        for c in (1, 16, 128):
            io = split_decode_io(nq, d, m, n_keys=nk, chunks=c).io
            print(f"            {nq:>4}{nk:>8}{c:>8}{io:>14,}{io - plain:>13,}")


def grouped() -> None:
    print("\n5. grouped-query heads, FlashAttention-2 (d = 128, M = 65536)")
    print(f"   {'H':>4}{'H_kv':>6}{'N_q':>6}{'N_k':>7}  {'per head':>14}{'grouped':>14}"
          f"{'ratio':>8}")  # fmt: skip
    d, m = 128, 65536
    for heads, kv, nq, nk in ((32, 8, 1, 8192), (32, 1, 1, 8192), (32, 8, 4096, 4096),
                              (32, 8, 512, 512)):  # fmt: skip
        alone = count_gqa(nq, d, m, heads=heads, kv_heads=kv, n_keys=nk, grouped=False).io
        group = count_gqa(nq, d, m, heads=heads, kv_heads=kv, n_keys=nk).io
        print(f"   {heads:>4}{kv:>6}{nq:>6}{nk:>7}  {alone:>14,}{group:>14,}"
              f"{group / alone:>8.4f}")  # fmt: skip


if __name__ == "__main__":
    start = time.perf_counter()
    replayed()
    causal()
    block_sparse()
    decode()
    grouped()
    print(f"\n({time.perf_counter() - start:.1f} s)")
