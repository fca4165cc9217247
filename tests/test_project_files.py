"""The project's own files: the licence matches pyproject.toml, CITATION.cff valid and current."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import redblue

ROOT = Path(__file__).resolve().parent.parent
#: CITATION.cff's required keys (Citation File Format 1.2.0)
CFF_REQUIRED = ("cff-version", "message", "title", "authors")


def _citation() -> dict:
    """CITATION.cff as data: parsed by PyYAML when installed, else its top-level
    ``key: value`` lines (a key whose value is a block below it reads ``"(block)"``)."""
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        return {m[1]: m[2].strip().strip("\"'") or "(block)"
                for m in re.finditer(r"^([a-z-]+):[ \t]*(.*)$", text, re.M)}  # fmt: skip
    data = yaml.safe_load(text)
    assert isinstance(data, dict), "CITATION.cff is not a YAML mapping"
    return data


def test_license_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = project["license"]
    licence = licence.get("text") if isinstance(licence, dict) else licence
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence == "MIT"  # the text below is the MIT licence's
    assert text.startswith("MIT License\n") and "Copyright (c) 2026 the redblue developers" in text
    assert "Permission is hereby granted, free of charge" in text


def test_citation_is_cff_1_2_0_with_the_package_version():
    data = _citation()
    for key in CFF_REQUIRED:
        assert data.get(key), f"CITATION.cff lacks {key!r}"
    assert str(data["cff-version"]) == "1.2.0"
    assert str(data["version"]) == redblue.__version__
    assert str(data["license"]) == "MIT"


def test_citation_references_the_paper():
    data = _citation()
    if not isinstance(data.get("references"), list):
        pytest.skip("the references need PyYAML to be read")
    paper = data["references"][0]
    assert paper["title"] == "The I/O Complexity of Attention, or How Optimal is FlashAttention?"
    assert [(a["given-names"], a["family-names"]) for a in paper["authors"]] == [
        ("Barna", "Saha"), ("Christopher", "Ye")]  # fmt: skip
    assert paper["year"] == 2024 and "ICML" in paper["conference"]["name"]
