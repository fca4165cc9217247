"""Run the walkthroughs in docs/ and the README: each page's ```python blocks, in order.

The blocks of one page share a namespace.

A page whose code fails fails here, so a doc that lies fails CI. Blocks fenced as
```text or ```bash are shown to readers but not run; a ```python block may assert.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PAGES = [ROOT / "README.md"] + sorted(
    p for p in DOCS.glob("*.md") if BLOCK.search(p.read_text(encoding="utf-8"))
)


def test_some_pages_have_code():
    assert len(PAGES) > 1, "docs/ has no page with a ```python block"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_walkthrough_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pages may write files; keep them out of the checkout
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    text = page.read_text(encoding="utf-8")
    for number, match in enumerate(BLOCK.finditer(text), start=1):
        line = text.count("\n", 0, match.start()) + 2
        code = compile(match.group(1), f"{page.name}:block{number}:line{line}", "exec")
        exec(code, namespace)
