"""pyproject.toml lists every subpackage of redblue/ (the list is explicit, see its comment)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])  # fmt: skip
    on_disk = {"redblue"} | {
        "redblue." + p.parent.name for p in (ROOT / "redblue").glob("*/__init__.py")
    }
    assert on_disk <= listed, f"missing from pyproject.toml: {sorted(on_disk - listed)}"
    assert "redblue.proofs" in listed
