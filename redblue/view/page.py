"""The viewer as one self-contained HTML file: data, script and style inline, no network.

:func:`view` lays out a DAG (:mod:`redblue.view.layout`), replays the strategy into
per-move arrays (:mod:`redblue.view.frames`), aggregates big inputs
(:mod:`redblue.view.aggregate`) and writes them into a page with the script
``viewer.js`` (shipped with the package) inlined. Arrays travel as base64 of gzipped
little-endian typed arrays (the browser unpacks them with ``DecompressionStream``), so
a FlashAttention-2 run of 100,000 moves is a page of a few hundred kilobytes. The
returned :class:`View` shows itself inline in Jupyter (``_repr_html_``) and ``save``\\ s
to a file that opens in any browser from ``file://``.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from redblue.game.compiled import compile_graph
from redblue.game.strategy import MOVE_KINDS, EncodedMoves, Strategy
from redblue.view.aggregate import (
    MOVE_LIMIT,
    NODE_LIMIT,
    SVG_NODE_LIMIT,
    aggregate_frames,
    needs_aggregation,
)
from redblue.view.frames import RULES, Frames, strategy_frames
from redblue.view.layout import layout, node_groups

__all__ = ["View", "view"]

#: The most node attributes (hover text) a page carries, in characters a node.
_ATTR_CHARS = 300


def _pack(a: np.ndarray) -> dict[str, str]:
    """A numpy array as the page's ``{"$a": dtype, "z": base64(gzip(bytes))}``."""
    kind = {np.dtype(np.uint8): "u8", np.dtype(np.uint16): "u16", np.dtype(np.uint32): "u32",
            np.dtype(np.int32): "i32", np.dtype(np.float32): "f32"}[a.dtype]  # fmt: skip
    raw = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
    return {"$a": kind, "z": base64.b64encode(gzip.compress(raw, 6, mtime=0)).decode("ascii")}


def _pack_json(value: Any) -> dict[str, str]:
    raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return {"$j": "", "z": base64.b64encode(gzip.compress(raw, 6, mtime=0)).decode("ascii")}


def _uint(a: np.ndarray) -> np.ndarray:
    """Non-negative integers in the smallest unsigned type that holds them."""
    top = int(a.max(initial=0))
    return a.astype(np.uint8 if top < 256 else np.uint16 if top < 65536 else np.uint32)


def _attrs(G: nx.DiGraph, v: Any) -> str:
    items = ", ".join(f"{k}={v2}" for k, v2 in G.nodes[v].items())
    text = f"{v}" + (f" ({items})" if items else "")
    return text if len(text) <= _ATTR_CHARS else text[: _ATTR_CHARS - 3] + "..."


class View:
    """A viewer page (built by :func:`view`): ``save`` it, or show it in Jupyter.

    Attributes
    ----------
    html : str
        The whole page.
    mode : str
        ``"svg"`` (a DOM element a node), ``"canvas"`` (dots on a canvas), or
        ``"aggregate"`` (a box a tensor, a block of moves a step).
    frames : Frames or None
        The verified strategy, when one was given.
    """

    def __init__(self, page: str, mode: str, frames: Frames | None) -> None:
        self.html, self.mode, self.frames = page, mode, frames

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path``; returns it as a Path."""
        out = Path(path)
        out.write_text(self.html, encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        # an iframe keeps the page's script and style apart from the notebook's
        return (f"<iframe srcdoc=\"{html.escape(self.html, quote=True)}\" "
                "style=\"width:100%;height:760px;border:1px solid #ccc\"></iframe>")

    def __repr__(self) -> str:
        what = "no strategy" if self.frames is None else repr(self.frames)
        return f"View({self.mode}, {len(self.html):,} bytes, {what})"


def view(
    G: nx.DiGraph,
    strategy: Strategy | EncodedMoves | Any | None = None,
    memory: int | None = None,
    variant: str | None = None,
    *,
    blocks: dict[str, int] | None = None,
    title: str | None = None,
    layout_method: str = "auto",
) -> View:
    """A self-contained HTML viewer of a DAG and, optionally, a strategy on it.

    The page steps through the strategy (slider, next and previous, play at a chosen
    speed, jump to a move or to the next load or store), colours each node by its
    pebbles (red, blue, both, none), shows the move, the I/O, loads and stores so far,
    the red pebbles in use against M, the peak so far and the rule that made the move
    legal, a chart of I/O and red pebbles over the moves, a node's history on click,
    and overlays of the Hong-Kung segments and, given ``blocks``, FlashAttention's
    tiles. Without a strategy it shows the DAG, node attributes on hover.

    Parameters
    ----------
    G : networkx.DiGraph
    strategy : Strategy, EncodedMoves or sequence of (kind, node), optional
        Replayed and verified first.
    memory : int, optional
        The red-pebble limit M (default: the strategy's own).
    variant : str, optional
        The game (default: the strategy's own, else ``"classic"``).
    blocks : dict, optional
        FlashAttention block sizes (``B_r``, ``B_c``, ``T_c``), as
        :func:`redblue.strategies.block_sizes` or ``Simulation.blocks`` give them.
    title : str, optional
        Default: the graph's ``name``.
    layout_method : {"auto", "layers", "dot"}, default "auto"

    Returns
    -------
    View

    Raises
    ------
    IllegalMoveError
        If the strategy breaks a rule (the move index and the rule, as replay says).
    InvalidInputError
        As replay (no or a bad memory, unknown nodes, an unknown variant); bad blocks.

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> from redblue.strategies import greedy_strategy
    >>> G = attention_dag(2, 1)
    >>> v = view(G, greedy_strategy(G, memory=4))
    >>> v.mode, "http://" in v.html, v.html.startswith("<!DOCTYPE html>")
    ('svg', False, True)
    """
    C = compile_graph(G)
    frames = None
    if strategy is not None:
        frames = strategy_frames(G, strategy, memory, variant, compiled=C, blocks=blocks)
    moves = 0 if frames is None else len(frames)
    aggregated = needs_aggregation(C.n, moves)
    mode = "aggregate" if aggregated else "svg" if C.n <= SVG_NODE_LIMIT else "canvas"
    names = node_groups(G, C.nodes)
    group_names = list(dict.fromkeys(names))
    rank = {g: i for i, g in enumerate(group_names)}
    group_of = np.array([rank[g] for g in names], np.int64)
    data: dict[str, Any] = {
        "title": title or str(G.graph.get("name") or f"a DAG of {C.n:,} nodes"),
        "mode": mode, "n": C.n, "kinds": list(MOVE_KINDS), "rules": list(RULES),
        "groups": group_names, "notes": [],
        "memory": None if frames is None else frames.memory,
    }  # fmt: skip
    if aggregated:
        sizes = np.bincount(group_of, minlength=len(group_names))
        blue0 = np.bincount(group_of[C.is_input.astype(bool)], minlength=len(group_names))
        data.update(group_size=sizes.tolist(), group_blue0=blue0.tolist())
        data["notes"].append(
            f"Aggregated: {C.n:,} nodes and {moves:,} moves exceed what is drawn one by one "
            f"(at most {NODE_LIMIT:,} nodes and {MOVE_LIMIT:,} moves), so each box is a "
            "tensor and each step a block of moves.")  # fmt: skip
        if frames is not None:
            agg = aggregate_frames(frames, group_of, len(group_names))
            data["aggregate"] = {
                "block": agg.block, "ends": _pack(_uint(agg.ends)),
                **{k: _pack(_uint(getattr(agg, k))) for k in
                   ("red", "loads", "stores", "io", "peak")},
                "group_red": _pack(_uint(agg.group_red.ravel())),
                "group_blue": _pack(_uint(agg.group_blue.ravel())),
            }  # fmt: skip
            data["notes"].append(f"Each step is a block of {agg.block:,} moves.")
    else:
        L = layout(G, C, layout_method)
        data.update(
            x=_pack(L.x), y=_pack(L.y), columns=L.columns, rows=L.rows, cell=L.cell,
            layout=L.method,
            names=_pack_json([str(v) for v in C.nodes]),
            group_of=_pack(_uint(group_of)),
            inputs=_pack(C.is_input.astype(np.uint8)),
            # predecessors as in-degrees and, per edge, how far back the predecessor is
            # (ids are a topological order): small numbers, which compress well
            indegree=_pack(_uint(np.diff(C.pred_ptr))),
            pred_back=_pack(_uint(np.repeat(np.arange(C.n), np.diff(C.pred_ptr))
                                  - C.pred_idx)),
        )  # fmt: skip
        if C.n <= SVG_NODE_LIMIT or strategy is None:
            data["attrs"] = _pack_json([_attrs(G, v) for v in C.nodes])
        if frames is not None:
            f = frames
            s: dict[str, Any] = {
                "memory": f.memory, "variant": f.variant,
                # node ids as differences from the move before: schedules walk the
                # graph in order, so these compress about six times better
                "kinds": _pack(f.kinds),
                "node_steps": _pack(np.diff(f.nodes, prepend=np.int32(0)).astype(np.int32)),
                "segment_starts": _pack(f.segment_starts.astype(np.uint32)),
                "totals": {"loads": int(f.loads[-1]) if len(f) else 0,
                           "stores": int(f.stores[-1]) if len(f) else 0, "peak": f.peak},
                "blocks": f.blocks, "node_tile": None,
            }  # fmt: skip
            if f.node_tile is not None:
                s.update(node_tile=_pack(f.node_tile), tile_starts=_pack(
                    f.tile_starts.astype(np.uint32)), tiles=_pack(f.tiles.astype(np.int32)))
            data["strategy"] = s
        if mode == "canvas":
            data["notes"].append(f"{C.n:,} nodes: drawn as dots (hover for a name, click "
                                 "for its history).")  # fmt: skip
    return View(_page(data), mode, frames)


def _page(data: dict[str, Any]) -> str:
    script = resources.files("redblue.view").joinpath("viewer.js").read_text(encoding="utf-8")
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    title = html.escape(data["title"])
    # the script holds no "</script" (it would end the element early): checked by a test
    return _TEMPLATE.format(title=title, css=_CSS, data=payload, script=script)


_CSS = """
body{font:14px sans-serif;margin:8px;color:#222}
h1{font-size:16px;margin:4px 0}
#rb-warning{background:#fdd;border:1px solid #c00;padding:4px}
#rb-notes{color:#555;margin:2px 0}
#rb-controls{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:6px 0}
#rb-slider{flex:1 1 300px}
#rb-main{display:flex;gap:10px;align-items:flex-start}
#rb-graph{flex:1 1 auto;overflow:auto;border:1px solid #ddd;min-width:300px;max-height:75vh}
#rb-side{flex:0 0 320px}
#rb-panel table{border-collapse:collapse}
#rb-panel td{padding:1px 6px;vertical-align:top}
#rb-panel td:first-child{color:#555}
#rb-rule{font-size:12px}
#rb-history{white-space:pre-wrap;font:12px monospace;max-height:30vh;overflow:auto;
  border-top:1px solid #ddd;margin-top:6px}
#rb-chart{width:100%;height:90px;border:1px solid #ddd;display:block;margin-top:6px}
#rb-svg{width:100%;height:auto;display:block}
#rb-svg .edges{stroke:#bbb;stroke-width:1;fill:none}
#rb-svg text{font-size:10px;fill:#444;pointer-events:none}
#rb-svg text.group{font-weight:bold;font-size:12px;fill:#777}
.node{stroke-width:1.5;cursor:pointer}
.node.none{fill:#fff;stroke:#999}
.node.red{fill:#e4463c;stroke:#a11}
.node.blue{fill:#3b7dd8;stroke:#1d4f9c}
.node.both{fill:#e4463c;stroke:#3b7dd8;stroke-width:4}
.node.tile{stroke:#9467bd;stroke-width:4}
.node.seg{stroke-dasharray:3 2;stroke:#2ca02c;stroke-width:3}
.node.selected{stroke:#000;stroke-width:4}
.stack{position:relative}.stack canvas{display:block}
.stack canvas.under{position:absolute;left:0;top:0;pointer-events:none}
#rb-hover{font-size:12px;color:#333;min-height:1.2em}
.legend span{display:inline-block;width:10px;height:10px;border:1px solid #999;margin:0 3px}
#rb-groups{display:flex;flex-wrap:wrap;gap:8px;padding:8px}
.group-box{border:1px solid #aaa;padding:4px;width:150px;font-size:12px}
.bar{height:8px;background:#eee;margin:2px 0}.bar i{display:block;height:100%}
.bar i.r{background:#e4463c}.bar i.b{background:#3b7dd8}
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style></head>
<body>
<h1 id="rb-title">{title}</h1>
<div id="rb-warning" hidden></div>
<div id="rb-notes"></div>
<div id="rb-controls">
<button id="rb-first" title="start">|&lt;</button>
<button id="rb-prev-io" title="previous load or store">&lt; I/O</button>
<button id="rb-prev" title="previous move (left arrow)">&lt;</button>
<button id="rb-play">play</button>
<button id="rb-next" title="next move (right arrow)">&gt;</button>
<button id="rb-next-io" title="next load or store">I/O &gt;</button>
<button id="rb-last" title="end">&gt;|</button>
<label>speed <select id="rb-speed"><option value="2">2/s</option>
<option value="8" selected>8/s</option><option value="32">32/s</option>
<option value="128">128/s</option><option value="1024">1,024/s</option>
<option value="16384">16,384/s</option></select></label>
<input id="rb-slider" type="range" min="0" max="0" value="0">
<span><span id="rb-pos">0</span> / <span id="rb-total">0</span></span>
<label>jump to <input id="rb-jump" type="number" min="0" style="width:7em"></label>
<button id="rb-go">go</button>
<label><input id="rb-ov-seg" type="checkbox"> segments</label>
<label><input id="rb-ov-tile" type="checkbox" checked> tiles</label>
</div>
<div id="rb-main">
<div id="rb-graph"></div>
<div id="rb-side">
<div class="legend"><span style="background:#fff"></span>none<span style="background:#e4463c">
</span>red<span style="background:#3b7dd8"></span>blue<span style="background:#e4463c;
border:3px solid #3b7dd8"></span>both</div>
<div id="rb-panel"><div id="rb-move"></div><table>
<tr><td>I/O so far</td><td id="rb-io">0</td></tr>
<tr><td>loads</td><td id="rb-loads">0</td></tr>
<tr><td>stores</td><td id="rb-stores">0</td></tr>
<tr><td>red in use</td><td><span id="rb-red">0</span> of M = <span id="rb-memory"></span></td></tr>
<tr><td>peak so far</td><td id="rb-peak">0</td></tr>
<tr><td>segment</td><td id="rb-segment"></td></tr>
<tr id="rb-tile-row" hidden><td>tile</td><td id="rb-tile"></td></tr>
<tr><td>rule</td><td id="rb-rule"></td></tr>
</table>
<canvas id="rb-chart"></canvas></div>
<div id="rb-hover"></div>
<div id="rb-history">click a node for its history</div>
</div></div>
<script type="application/json" id="rb-data">{data}</script>
<script>{script}</script>
</body></html>
"""
