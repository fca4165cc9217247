"""redblue bounds and redblue prove from the command line."""

from __future__ import annotations

import json
import re

import pytest

from redblue.cli import main


def test_bounds_at_a_point_json(capsys):
    assert main(["bounds", "--n", "64", "--d", "8", "--memory", "128", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cache"] == "large"
    rows = {r["name"]: r for r in out["results"]}
    assert rows["lemma-3.4"]["in_regime"] and not rows["thm-3.7"]["in_regime"]
    assert rows["thm-3.1"]["value"] == 2048.0  # min(N^2 d / sqrt(M), N^2 d^2 / M) = 64^2*64/128
    assert out["explicit_lower"]["best"] == max(
        v for k, v in out["explicit_lower"].items() if k not in ("best", "best_from")
    )


def test_bounds_with_schedules(capsys):
    # what is checked here needs no certified lower bounds: the shortest time limit for them
    argv = ["bounds", "--n", "8", "--d", "2", "--memory", "24", "--simulate", "--json",
            "--time-limit", "0.1"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["schedules"]["flash2"] == 160
    assert out["explicit_lower"]["best"] <= min(out["schedules"].values())


def test_bounds_at_a_point_text(capsys):
    assert main(["bounds", "--n", "16", "--d", "8", "--memory", "16", "--time-limit", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "small cache" in out and "Theorem 3.7" in out


def test_bounds_compare(capsys):
    argv = ["bounds", "compare", "N^2*d^2/M", "N^2*d/sqrt(M)", "--assume", "M <= d^2", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["O"] is False and out["Omega"] is True and out["Theta"] is False
    assert out["witness"] == {"M": 0, "N": 0, "d": 1}
    assert main(["bounds", "compare", "N", "N+1"]) == 0
    assert "Theta(G): yes" in capsys.readouterr().out


def test_bounds_bad_input_exit_2(capsys):
    assert main(["bounds", "compare", "N - d", "N"]) == 2
    assert "not positive" in capsys.readouterr().err
    assert main(["bounds", "compare", "N"]) == 2
    assert main(["bounds", "compare", "N", "d", "--assume", "N + d <= M"]) == 2
    assert main(["bounds", "compare", "N", "((d"]) == 2
    assert main(["bounds", "--n", "4"]) == 2
    assert main(["bounds", "frobnicate"]) == 2


def test_prove_one_and_json(capsys):
    assert main(["prove", "4.7"]) == 0
    assert capsys.readouterr().out.startswith("PASS lemma_4_7")
    assert main(["prove", "lemma_4_7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["results"][0]["name"] == "lemma_4_7"
    assert main(["prove", "nonsense"]) == 2


def test_bounds_compare_empty_region(capsys):
    argv = ["bounds", "compare", "N", "d", "--assume", "N >= 2*M", "--assume", "M >= N"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "region is empty: every relation holds vacuously" in out
    assert "F = O(G): yes (vacuously)" in out and "grows along" not in out
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["empty_region"] and data["Theta"] and data["witness"] is None


def test_bounds_compare_witness_starts_inside_the_region(capsys):
    assert main(["bounds", "compare", "N", "M", "--assume", "N >= 2*M"]) == 0
    out = capsys.readouterr().out
    assert "F = O(G): no  (F/G grows along {'M': 0, 'N': 1} from M = 1, N = 2)" in out


def test_bounds_compare_min_of_sums_answers_in_seconds(capsys):
    import time

    start = time.perf_counter()
    argv = ["bounds", "compare", "Min(N+d+M, N**2+d**2+M, N**3+d**3+M)", "N", "--json"]
    assert main(argv) == 0
    assert time.perf_counter() - start < 3
    out = json.loads(capsys.readouterr().out)
    assert out["O"] is False and out["Omega"] is True


def test_bounds_compare_too_large_is_one_line_exit_2(capsys):
    import itertools
    import random

    # degree-3 monomials are incomparable term by term: 6 sums of 6 multiply out to 6**6
    degree3 = ["*".join(c) for c in itertools.combinations_with_replacement("NdMqk", 3)]
    rng = random.Random(0)
    sums = ["(" + "+".join(rng.sample(degree3, 6)) + ")" for _ in range(6)]
    assert main(["bounds", "compare", "Min(" + ",".join(sums) + ")", "N"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "too large" in err


def test_bounds_print_the_certified_lower_bounds_of_a_small_dag(capsys):
    argv = ["bounds", "--n", "2", "--d", "1", "--memory", "4", "--time-limit", "1", "--json"]
    assert main(argv) == 0
    cert = json.loads(capsys.readouterr().out)["certified_lower"]
    assert cert["reason"] is None and cert["nodes"] == 26
    for variant in ("classic", "no-recompute"):
        lb = cert[variant]
        names = [m["name"] for m in lb["methods"]]
        assert "trivial" in names and lb["lower"] >= lb["trivial"] == 8  # 4 N d
        assert lb["lower"] == max(m["value"] for m in lb["methods"])
    spectral = {m["name"]: m for m in cert["classic"]["methods"]}["spectral"]
    assert spectral["status"] == "not run"  # its proof covers the no-recompute game only
    assert main(["bounds", "--n", "2", "--d", "1", "--memory", "4", "--time-limit", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "certified lower bounds on the attention DAG (26 nodes" in out
    assert re.search(r"no-recompute +Q >= \d+", out)


def test_bounds_say_why_a_large_dag_is_not_bounded(capsys):
    assert main(["bounds", "--n", "64", "--d", "8", "--memory", "128"]) == 0
    assert "not computed: too large to build: 136,704 nodes" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:  # argparse refuses it: one line, status 2
        main(["bounds", "--n", "2", "--d", "1", "--memory", "4", "--time-limit", "-1"])
    assert exc.value.code == 2 and "--time-limit" in capsys.readouterr().err
