"""A report as a list of blocks (headings, paragraphs, tables, images), rendered to markdown
and to a standalone HTML page alike."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Report"]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


@dataclass
class Report:
    """A report as a list of blocks, rendered to markdown and HTML alike.

    Each block is ``("h", level, text)``, ``("p", text)``, ``("strong", text)`` (a
    paragraph in bold), ``("table", header, rows)``, ``("img", path, caption)`` or
    ``("frame", path, caption)`` (a page of its own: embedded in HTML, linked in markdown).

    Examples
    --------
    >>> rep = Report("T")
    >>> rep.table(["a", "b"], [[1, None]])
    >>> print(rep.markdown())
    # T
    <BLANKLINE>
    | a | b |
    |---|---|
    | 1 | - |
    <BLANKLINE>
    """

    title: str
    blocks: list[tuple[Any, ...]] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(("h", level, text))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def strong(self, text: str) -> None:
        self.blocks.append(("strong", text))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.blocks.append(("table", list(header), [list(map(_fmt, r)) for r in rows]))

    def image(self, path: str, caption: str) -> None:
        self.blocks.append(("img", path, caption))

    def frame(self, path: str, caption: str) -> None:
        self.blocks.append(("frame", path, caption))

    def markdown(self) -> str:
        """The report as markdown."""
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            if block[0] == "h":
                out += ["#" * block[1] + " " + block[2], ""]
            elif block[0] == "p":
                out += [block[1], ""]
            elif block[0] == "strong":
                out += [f"**{block[1]}**", ""]
            elif block[0] == "table":
                header, rows = block[1], block[2]
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "---|" * len(header))
                out += ["| " + " | ".join(r) + " |" for r in rows]
                out.append("")
            elif block[0] == "frame":
                out += [f"[{block[2]}]({block[1]})", ""]
            else:
                out += [f"![{block[2]}]({block[1]})", "", f"*{block[2]}*", ""]
        return "\n".join(out)

    def html(self) -> str:
        """The report as a standalone HTML page."""
        e = html.escape
        out = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'>",
               f"<title>{e(self.title)}</title>",
               "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:0 1em}"
               "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
               # figures span the text column, and shrink with a narrow window
               "figure{margin:1em 0}img{display:block;width:100%;max-width:100%;height:auto}"
               "</style></head><body>", f"<h1>{e(self.title)}</h1>"]  # fmt: skip
        for block in self.blocks:
            if block[0] == "h":
                out.append(f"<h{block[1]}>{e(block[2])}</h{block[1]}>")
            elif block[0] == "p":
                out.append(f"<p>{e(block[1])}</p>")
            elif block[0] == "strong":
                out.append(f"<p><strong>{e(block[1])}</strong></p>")
            elif block[0] == "table":
                out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in block[1]) + "</tr>")
                for r in block[2]:
                    out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>")
                out.append("</table>")
            elif block[0] == "frame":
                out.append(f"<figure><iframe src='{e(block[1])}' title='{e(block[2])}' "
                           "style='width:100%;height:600px;border:1px solid #999'></iframe>"
                           f"<figcaption><a href='{e(block[1])}'>{e(block[2])}</a>"
                           "</figcaption></figure>")  # fmt: skip
            else:
                out.append(f"<figure><img src='{e(block[1])}' alt='{e(block[2])}'>"
                           f"<figcaption>{e(block[2])}</figcaption></figure>")  # fmt: skip
        out.append("</body></html>")
        return "\n".join(out)
