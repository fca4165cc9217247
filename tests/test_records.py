"""The record table: every certificate replays at its recorded cost, the docs page is the
generator's output, one optimum re-proved independently, tampering is caught."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from redblue.cli import main
from redblue.errors import InvalidInputError
from redblue.game import compile_graph
from redblue.records import build_instance, load_records, records_markdown, verify_records
from redblue.records.table import RECORDS_DIR, RECORDS_FILE, instance_call, save_records
from redblue.search import solve

ROOT = Path(__file__).resolve().parent.parent


def by_id(id):
    return next(r for r in load_records() if r.id == id)


def test_table_is_well_formed():
    records = load_records()
    assert len(records) >= 40
    assert len({r.id for r in records}) == len(records)
    for r in records:
        assert 0 < r.lower <= r.upper
        assert (RECORDS_DIR / r.certificate).is_file(), r.certificate
        assert r.memory >= compile_graph(build_instance(r.family, r.params)).min_memory()
    # optima never rise with M (a check on the table as a whole)
    for r in records:
        for s in records:
            same = (r.family, r.params, r.variant) == (s.family, s.params, s.variant)
            if same and r.optimal and s.optimal and r.memory < s.memory:
                assert r.upper >= s.upper, (r.id, s.id)


def test_every_certificate_replays_at_its_recorded_cost():
    checks = verify_records()
    assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_docs_page_is_the_generators_output():
    assert (ROOT / "docs" / "records.md").read_text() == records_markdown(load_records())


@pytest.mark.parametrize("id, method", [("attention-1-1-nr-m3", "ilp"),
                                        ("pyramid-3-nr-m3", "naive"),
                                        ("fft-4-nr-m3", "sat")])  # fmt: skip
def test_an_optimum_reproved_by_an_independent_method(id, method):
    r = by_id(id)
    assert r.optimal
    out = solve(build_instance(r.family, r.params), r.memory, r.variant, method=method)
    assert out.optimal and out.io == r.upper


def test_small_optima_reproved_by_their_own_method():
    small = [r for r in load_records() if r.optimal and r.seconds <= 0.5
             and r.family in ("fft", "pyramid") and r.params.get("size", 0) <= 4]  # fmt: skip
    checks = verify_records(small, recompute_seconds=1.0)
    assert small and all(c.ok and "re-proved" in c.message for c in checks)


def copy_table(tmp_path, records):
    shutil.copytree(RECORDS_DIR / "certificates", tmp_path / "certificates")
    save_records(records, tmp_path / "records.json")
    return tmp_path / "records.json"


def test_a_wrong_upper_or_a_broken_certificate_is_caught(tmp_path, capsys):
    r = by_id("fft-4-cl-m3")
    lowered = replace(r, upper=r.upper - 1, lower=r.upper - 1)
    [check] = verify_records([lowered])
    assert not check.ok and "replays to 14" in check.message
    table = copy_table(tmp_path, [r])
    cert = tmp_path / r.certificate
    lines = cert.read_text().splitlines()
    cert.write_text("\n".join(line for line in lines if not line.startswith("store")) + "\n")
    assert main(["records", "--verify", "--table", str(table)]) == 1
    assert "FAIL fft-4-cl-m3" in capsys.readouterr().out


def test_cli_prints_and_verifies(capsys):
    assert main(["records"]) == 0
    out = capsys.readouterr().out
    assert "fft_dag(8)" in out and "attention_dag(2, 1)" in out
    assert main(["records", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(load_records())
    assert main(["records", "--markdown"]) == 0
    assert capsys.readouterr().out == records_markdown(load_records())


def test_bad_table_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "t.json"
    bad.write_text(json.dumps({"records": [{"id": "x"}]}))
    assert main(["records", "--table", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "needs exactly the fields" in err and "Traceback" not in err


def test_builders_take_only_known_parameters():
    assert instance_call("attention", {"n": 2, "d": 1, "sum": "fma"}) == \
        'attention_dag(2, 1, sum="fma")'  # fmt: skip
    with pytest.raises(InvalidInputError, match="unknown family"):
        build_instance("os.system", {})
    with pytest.raises(InvalidInputError, match="takes"):
        build_instance("fft", {"size": 4, "max_nodes": None})
    with pytest.raises(InvalidInputError, match="whole number"):
        build_instance("fft", {"size": "4"})


def test_table_ships_as_package_data():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"redblue.records" = ["records.json", "certificates/*.txt"]' in text
    assert RECORDS_FILE.name == "records.json"
