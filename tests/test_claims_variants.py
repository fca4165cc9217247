"""``check_claim`` / ``redblue check`` on the attention variants: causal, block mask,
decode rows, grouped-query heads, backward pass. Each verdict is tied to a number computed
independently (a counter, a replay on a DAG built here, a node count)."""

from __future__ import annotations

import json
import re

import pytest

from redblue.claims import check_claim
from redblue.claims.evidence import attention_instance, lower_facts, upper_facts
from redblue.claims.variants import attention_variant
from redblue.cli import main
from redblue.dags import attention, attention_backward, attention_node_count, multihead
from redblue.dags.multihead import multihead_node_count
from redblue.errors import InvalidInputError
from redblue.game import compile_graph, replay
from redblue.readwrite import read_json, read_strategy
from redblue.strategies import algorithm_dag, count_gqa, count_io, upper_bounds
from redblue.strategies.backward import count_backward_io


def test_causal_schedule_claim_is_on_the_causal_schedule():
    # causal flash2 at N = 16, d = 4, M = 64 is 448 (unmasked: 640), replayed
    assert count_io("flash2", 16, 4, 64, causal=True).io == 448
    r = check_claim("io(flash2) == 448", n=[16], d=[4], memory=[64], causal=True)
    assert r.counts == {"confirmed": 1} and "replayed" in r.verdicts[0].evidence
    assert r.verdicts[0].instance["causal"] is True
    assert check_claim("io(flash2) == 448", n=[16], d=[4], memory=[64]).refuted


@pytest.mark.parametrize("algorithm", ["flash1", "flash2", "standard", "tiling"])
def test_counted_and_replayed_agree_on_a_block_mask(algorithm):
    kw = {"block_mask": "1,0,0;1,1,0;0,1,1", "block_size": 3}
    want = count_io(algorithm, 7, 2, 60, **kw).io
    replayed = check_claim(f"io({algorithm}) == {want}", n=[7], d=[2], memory=[60], **kw)
    counted = check_claim(f"io({algorithm}) == {want}", n=[7], d=[2], memory=[60],
                          max_moves=1, **kw)
    assert replayed.counts == counted.counts == {"confirmed": 1}
    assert "replayed" in replayed.verdicts[0].evidence
    assert "block counter" in counted.verdicts[0].evidence


def test_decode_and_heads_claims_use_nq_h_hkv():
    # grouped decode: Q and O once per head, the cache once per K/V head
    claim = "io(flash2) == 2*H*Nq*d + 2*Hkv*N*d"
    r = check_claim(claim, n=[8, 40], d=[2], memory=[60], decode_rows=1, heads=4, kv_heads=2)
    assert r.counts == {"confirmed": 2}
    assert [v.upper.value for v in r.verdicts] == [
        count_gqa(1, 2, 60, heads=4, kv_heads=2, n_keys=n).io for n in (8, 40)]
    assert r.verdicts[0].instance | {"Nq": 1, "H": 4, "Hkv": 2} == r.verdicts[0].instance
    # one head at a time would load the cache per query head: the claim is about grouping
    alone = count_gqa(1, 2, 60, heads=4, kv_heads=2, n_keys=40, grouped=False).io
    assert alone > r.verdicts[1].upper.value
    with pytest.raises(InvalidInputError, match="uses Nq"):
        check_claim("io(flash2) <= Nq", n=[8], d=[2], memory=[60])


def test_backward_claims_count_the_backward_schedules():
    for algorithm in ("flash2", "tiling"):
        want = count_backward_io(algorithm, 6, 2, 40).io
        r = check_claim(f"io({algorithm}) == {want}", n=[6], d=[2], memory=[40],
                        backward=True)
        assert r.counts == {"confirmed": 1}, r.verdicts[0].evidence
        assert "replayed" in r.verdicts[0].evidence


def test_optimum_claims_are_on_the_variant_dag(tmp_path):
    # a refuting strategy runs on the causal DAG, not the unmasked one
    r = check_claim("Q >= 10*N*d", n=[3], d=[1], memory=[40], causal=True,
                    certificates=tmp_path, search_time=None)
    v = r.verdicts[0]
    assert v.verdict == "refuted"
    G = read_json(v.graph_file)
    assert G.number_of_nodes() == attention_node_count(3, 1, causal=True) < \
        attention_node_count(3, 1)
    assert replay(G, read_strategy(v.certificate)).io < v.bound_value
    # the search settles Q on a small multi-query DAG: its trivial bound is met
    r = check_claim("Q == (2*H*Nq + 2*Hkv*N)*d", n=[2], d=[1], memory=[12], decode_rows=1,
                    heads=2, kv_heads=1, search_time=10)
    assert r.counts == {"confirmed": 1}, r.verdicts[0].evidence


def test_explicit_bounds_are_kept_to_the_papers_graph():
    plain = attention_instance(64, 1, 3, "chain")
    causal = attention_instance(64, 1, 3, "chain", attention_variant(causal=True))
    assert any("explicit" in f.source for f in lower_facts(plain))
    assert not any("explicit" in f.source for f in lower_facts(causal))
    assert causal.nodes() == attention_node_count(64, 1, causal=True)
    heads = attention_instance(4, 2, 12, "chain", attention_variant(heads=4, kv_heads=2))
    assert heads.nodes() == multihead_node_count(4, 2, heads=4, kv_heads=2)


@pytest.mark.parametrize(
    "kw, claim, fragment",
    [
        ({"backward": True, "causal": True}, "io(flash2) <= N", "backward pass is checked"),
        ({"heads": 4}, "io(flash2) <= N", "heads and kv_heads go together"),
        ({"heads": 4, "kv_heads": 3}, "io(flash2) <= N", "not a multiple"),
        ({"heads": 4, "kv_heads": 2}, "io(standard) <= N", "does not run on several heads"),
        ({"backward": True}, "io(flash1) <= N", "no backward schedule"),
        ({"decode_rows": 1, "causal": True}, "Q >= 1", "do not combine"),
        ({"block_mask": "1,0;1,1"}, "Q >= 1", "needs block_size"),
        ({"block_mask": "1,0;1,1", "block_size": 2}, "Q >= 1", "need 3 x 3"),
        ({"block_mask": "0,1;1,1", "block_size": 2, "causal": True}, "Q >= 1", "sees no key"),
    ],
)
def test_unsupported_combinations_are_refused(kw, claim, fragment):
    n = [4, 5] if "block_mask" in kw else [4]
    with pytest.raises(InvalidInputError, match=fragment):
        check_claim(claim, n=n, d=[2], memory=[60], **kw)


def test_cli_variant_options(capsys, tmp_path):
    args = ["--causal", "--n", "16", "--d", "4", "--memory", "64", "-o", str(tmp_path)]
    assert main(["check", "io(flash2) <= 2*N*d + 8*N**2*d**2/M", *args]) == 0
    assert "io(flash2) = 448" in capsys.readouterr().out
    assert main(["check", "io(flash2) <= 2*N*d + 8*N**2*d/M", *args, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["verdicts"][0]["upper"] == 448 and out["verdicts"][0]["bound"] == "256"
    assert (tmp_path / "attention-causal-N16-d4-chain-M64.strategy.json").exists()
    mask = tmp_path / "mask.json"
    mask.write_text("[[1, 0], [1, 1]]")
    assert main(["check", "io(flash1) == 160", "--n", "8", "--d", "2", "--memory", "20",
                 "--block-mask", str(mask), "--block-size", "4"]) == 0
    assert count_io("flash1", 8, 2, 20, block_mask="1,0;1,1", block_size=4).io == 160
    assert main(["check", "io(flash2) <= N", "--n", "4", "--d", "2", "--memory", "60",
                 "--backward", "--causal"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "backward" in err and "Traceback" not in err
    assert main(["check", "Q >= 1", "--graph", str(mask), "--memory", "3",
                 "--causal"]) == 2


def test_check_instance_refuses_a_mask_of_the_wrong_shape_before_any_work():
    masked = attention_variant(block_mask="1,0;1,1", block_size=2)
    masked.check_instance(4)  # 2 x 2 blocks of 2: the right shape
    with pytest.raises(InvalidInputError, match="need 3 x 3"):
        masked.check_instance(5)
    attention_variant(backward=True).check_instance(5)  # no mask: nothing to refuse


@pytest.mark.parametrize("kw", [{"backward": True}, {"heads": 2, "kv_heads": 1}])
@pytest.mark.parametrize("sum", ["chain", "fma"])
def test_backward_and_heads_moves_run_on_the_dag_of_their_sum(kw, sum):
    # replayed on the variant's own DAG of that sum, at the counter's I/O
    v = attention_variant(**kw)
    graph = compile_graph(v.dag(3, 2, sum))
    moves = v.moves("flash2", graph, 3, 2, 40, sum)
    want = (count_backward_io("flash2", 3, 2, 40, sum=sum) if "backward" in kw else
            count_gqa(3, 2, 40, heads=2, kv_heads=1, sum=sum)).io
    assert replay(graph, moves, 40).io == want
    # the size guard: twice the nodes and twice the I/O, above the moves replayed
    estimate = v.estimated_moves("flash2", 3, 2, 40, sum)
    assert estimate == 2 * v.node_count(3, 2, sum) + 2 * want >= len(moves)


def test_estimated_moves_of_a_causal_schedule_are_its_moves():
    causal, plain = attention_variant(causal=True), attention_variant()
    moves = causal.moves("flash2", compile_graph(causal.dag(8, 2, "chain")), 8, 2, 24, "chain")
    assert causal.estimated_moves("flash2", 8, 2, 24, "chain") == len(moves) == 856
    assert plain.estimated_moves("flash2", 8, 2, 24, "chain") > len(moves)


def test_standard_attention_simulated_on_its_own_dag_of_the_sum(monkeypatch):
    v = attention_variant()
    fma = algorithm_dag("standard", 4, 2, sum="fma", max_nodes=None)
    assert fma.number_of_nodes() < algorithm_dag("standard", 4, 2, max_nodes=None).number_of_nodes()
    sim = v.simulate_elsewhere("standard", 4, 2, 30, "fma")
    assert sim.graph.number_of_nodes() == sim.compiled.n == fma.number_of_nodes()
    assert replay(sim.compiled, sim.moves, 30).io == count_io("standard", 4, 2, 30, sum="fma").io
    # the claim check's max_moves decided to replay it: no second limit here
    monkeypatch.setattr(upper_bounds, "estimated_moves", lambda *a, **k: 10**12)
    assert v.simulate_elsewhere("standard", 4, 2, 30, "chain").result.io == 96


@pytest.mark.parametrize(
    "kw, other, message",
    [
        ({"backward": True}, "flash1",
         r"io\(flash1\) has no backward schedule \(the backward pass has flash2, tiling and "
         r"greedy\)"),
        ({"heads": 2, "kv_heads": 1}, "tiling",
         r"io\(tiling\) does not run on several heads \(--heads has flash2, a group at a "
         r"time, and greedy\)"),
    ],
    ids=["backward", "heads"],
)
def test_backward_and_heads_run_greedy_and_name_the_schedules_they_run(kw, other, message):
    inst = attention_instance(2, 1, 40, "chain", attention_variant(**kw))
    sources = [f.source for f in upper_facts(inst)]
    assert "greedy (replayed)" in sources
    assert len(sources) == len(inst.attention.schedules("chain"))  # each one ran
    r = check_claim("io(greedy) >= 1", n=[2], d=[1], memory=[40], **kw)
    assert r.counts == {"confirmed": 1}, r.verdicts[0].evidence
    with pytest.raises(InvalidInputError, match=message):
        check_claim(f"io({other}) >= 1", n=[2], d=[1], memory=[40], **kw)


@pytest.mark.parametrize(
    "kw, sum",
    [
        ({"backward": True}, "fma"),
        ({"heads": 2, "kv_heads": 1}, "fma"),
        ({"heads": 2, "kv_heads": 1, "decode_rows": 1}, "chain"),
        ({"causal": True}, "chain"),
    ],
)
def test_node_count_and_counter_match_the_built_dag_and_its_replay(kw, sum):
    v = attention_variant(**kw)
    graph = compile_graph(v.dag(4, 2, sum))
    assert v.node_count(4, 2, sum) == graph.n
    replayed = replay(graph, v.moves("flash2", graph, 4, 2, 60, sum), 60).io
    assert v.count("flash2", 4, 2, 60, sum).io == replayed


@pytest.mark.parametrize("kw, fits", [({"backward": True}, 19), ({"heads": 2, "kv_heads": 1}, 16)],
                         ids=["backward", "heads"])  # fmt: skip
def test_counters_of_the_variants_fit_the_memory_of_their_sum(kw, fits):
    # an fma sum keeps one entry less than a chain: M = fits runs on fma only
    v = attention_variant(**kw)
    graph = compile_graph(v.dag(4, 2, "fma"))
    moves = v.moves("flash2", graph, 4, 2, fits, "fma")
    assert v.count("flash2", 4, 2, fits, "fma").io == replay(graph, moves, fits).io
    with pytest.raises(InvalidInputError, match="too small"):
        v.count("flash2", 4, 2, fits, "chain")
    with pytest.raises(InvalidInputError, match="'chain' or 'fma'"):
        v.count("flash2", 4, 2, 60, "tree")


@pytest.mark.parametrize(
    "kw, module, count",
    [
        ({"backward": True}, attention_backward, "attention_backward_node_count"),
        ({"heads": 2, "kv_heads": 1}, multihead, "multihead_node_count"),
        ({"causal": True}, attention, "attention_node_count"),
    ],
    ids=["backward", "heads", "causal"],
)
def test_variant_dags_are_built_without_a_node_limit_of_their_own(monkeypatch, kw, module,
                                                                  count):
    # check_claim weighs the build against its clock first: no second limit on nodes
    v = attention_variant(**kw)
    want = v.node_count(2, 1, "chain")
    monkeypatch.setattr(module, count, lambda *a, **k: 10**9)  # the builder sees a huge DAG
    assert v.dag(2, 1, "chain").number_of_nodes() == want


def test_an_instance_names_decode_rows_and_heads_once_as_nq_h_hkv():
    v = attention_variant(decode_rows=1, heads=4, kv_heads=2)
    described = attention_instance(8, 2, 60, "chain", v).describe()
    assert {"Nq": 1, "H": 4, "Hkv": 2}.items() <= described.items()
    assert not {"decode_rows", "heads", "kv_heads"} & set(described)


@pytest.mark.parametrize(
    "kw, label",
    [
        ({"block_mask": "1,0;1,1", "block_size": 2}, "-mask2"),
        ({"decode_rows": 1}, "-q1"),
        ({"heads": 4, "kv_heads": 2}, "-H4kv2"),
        ({"backward": True}, "-backward"),
        ({"causal": True, "block_mask": "1,0;1,1", "block_size": 2}, "-causal-mask2"),
    ],
)
def test_file_names_name_the_variant(kw, label):
    assert attention_variant(**kw).label() == label
    assert attention_instance(4, 2, 60, "chain", attention_variant(**kw)).label == \
        f"attention{label}-N4-d2-chain-M60"


def test_a_block_mask_without_its_block_size_is_refused_in_one_line():
    message = "block_mask needs block_size (--block-mask and --block-size go together)"
    with pytest.raises(InvalidInputError, match=f"^{re.escape(message)}$"):
        attention_variant(block_mask="1,0;1,1")


# Each refusal of attention_variant, word for word (its docstring promises one line): the
# message is the oracle, so a refusal that lost its text, or a test that let a bad value
# through (a 2-D mask holding a 2, a 1-D mask, decode rows 0 or True), fails here.
REFUSALS = [
    ({"block_mask": "1,x;1,1", "block_size": 2},
     "block_mask must be rows of 0/1: block mask entries must be 0 or 1, got 'x'"),
    ({"block_mask": [[1, 0], [1, 2]], "block_size": 2},
     "block_mask must be 2-D rows of 0/1, got shape (2, 2)"),
    ({"block_mask": [1, 0], "block_size": 2},
     "block_mask must be 2-D rows of 0/1, got shape (2,)"),
    ({"block_size": 2},
     "block_size needs a block_mask (--block-mask and --block-size go together)"),
    ({"kv_heads": 2}, "heads and kv_heads go together (--heads, --kv-heads)"),
    ({"decode_rows": 0}, "decode_rows must be a whole number >= 1, got 0"),
    ({"decode_rows": True}, "decode_rows must be a whole number >= 1, got True"),
    ({"decode_rows": "2"}, "decode_rows must be a whole number >= 1, got '2'"),
    ({"decode_rows": 1, "causal": True},
     "decode_rows and causal do not combine (decode rows see the whole KV cache)"),
    ({"backward": True, "heads": 2, "kv_heads": 1},
     "the backward pass is checked plain: no causal, block_mask, decode_rows or heads with "
     "backward"),
]  # fmt: skip


@pytest.mark.parametrize("kw, message", REFUSALS, ids=[m[:40] for _, m in REFUSALS])
def test_each_refusal_of_a_variant_is_its_own_line(kw, message):
    with pytest.raises(InvalidInputError, match=f"^{re.escape(message)}$"):
        attention_variant(**kw)


def test_a_ragged_block_mask_is_refused_as_rows_of_0_1():
    # numpy words the reason; the line says what a block mask must be
    with pytest.raises(InvalidInputError) as info:
        attention_variant(block_mask=[[1, 0], [1]], block_size=2)
    text = str(info.value)
    assert text.startswith("block_mask must be rows of 0/1: ") and "\n" not in text


DESCRIBED = [
    ({}, {}),
    ({"causal": True}, {"causal": True}),
    ({"block_mask": [[1, 0, 0], [1, 1, 0]], "block_size": 2, "causal": True},
     {"causal": True, "block_mask": "1,0,0;1,1,0", "block_size": 2}),
    ({"decode_rows": 2}, {"decode_rows": 2}),
    ({"heads": 4, "kv_heads": 2}, {"heads": 4, "kv_heads": 2}),
    ({"backward": True}, {"backward": True}),
]  # fmt: skip


@pytest.mark.parametrize("kw, described", DESCRIBED, ids=[str(d) for _, d in DESCRIBED])
def test_describe_names_the_options_as_they_are_read_back(kw, described):
    # the JSON of a check names each option by its keyword, the mask in the text form
    # --block-mask reads: reading it back gives the same variant
    v = attention_variant(**kw)
    assert v.describe() == described and v.plain == (described == {})
    again = attention_variant(**described)
    assert again.describe() == described
    if "block_mask" in kw:
        assert (again.block_mask == v.block_mask).all()
