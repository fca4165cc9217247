"""See a pebbling: a self-contained HTML viewer of a DAG and a strategy.

``view(G, strategy)`` returns a :class:`View`: one HTML file (data, script and style
inline, no network access) that steps through the verified strategy move by move, and
displays inline in Jupyter. The modules, lowest first: :mod:`~redblue.view.layout`
(where nodes are drawn), :mod:`~redblue.view.frames` (the replay as per-move arrays,
segments and tiles), :mod:`~redblue.view.aggregate` (big inputs),
:mod:`~redblue.view.page` (the page; its script is ``viewer.js``).
"""

from redblue.view.aggregate import MOVE_LIMIT, NODE_LIMIT, SVG_NODE_LIMIT
from redblue.view.frames import Frames, strategy_frames
from redblue.view.layout import layout, node_groups
from redblue.view.page import View, view

__all__ = ["MOVE_LIMIT", "NODE_LIMIT", "SVG_NODE_LIMIT", "Frames", "View", "layout",
           "node_groups", "strategy_frames", "view"]
