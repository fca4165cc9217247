"""Hong-Kung partitions and Pagh-Silvestri epochs read off a concrete strategy.

A complete calculation with at most ``M`` red pebbles is cut into *segments* of ``M``
I/O moves (the last one may be shorter). For segment ``i``:

* its *part* ``V_i`` is the set of non-input vertices computed for the first time in it
  (first computations, so that every vertex lies in exactly one part and every edge goes
  from an earlier part to the same or a later one);
* its *dominator candidate* ``D_i`` is the set of vertices red at the start of the
  segment together with those loaded during it (at most ``M + M = 2M``): every path from
  an input to a vertex computed in the segment meets ``D_i``;
* its *minimum set* is the set of vertices of ``V_i`` with no successor in ``V_i``.

Hong & Kung's Lemma 2.7 says the parts form a 2M-partition (P1 acyclic dependence, P2
dominator sets of size <= 2M, P3 minimum sets of size <= 2M, P4 the parts cover the
computed vertices) and ``M h >= Q >= M (h - 1)``. :func:`check_partition` checks each
property on the actual sets. The minimum-set bound holds only for calculations without
useless computations (a value computed and dropped unused is a minimum vertex that is
neither red at the end of its segment nor stored): :func:`redblue.analysis.normalize`
removes them, and for a normalised strategy ``Min(V_i)`` lies in the vertices red at the
end of the segment or stored in it (``PartCheck.minimum_explained``), hence
``|Min(V_i)| <= 2M``.

The same segments are Pagh & Silvestri's *epochs* (Lemma 4.1): :func:`epochs` reports
the words each one sees and the entries of ``QK^T`` it computes.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981.
.. [2] R. Pagh and F. Silvestri, "The input/output complexity of triangle enumeration",
   PODS 2014.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from redblue.game.strategy import Strategy

__all__ = [
    "Segment",
    "segments",
    "PartCheck",
    "PartitionCheck",
    "check_partition",
    "min_dominator_size",
    "RootCount",
    "count_roots",
    "Epoch",
    "epochs",
    "qk_tree",
    "ProductCount",
    "count_products",
]


@dataclass
class Segment:
    """One segment of ``memory`` I/O moves of a strategy (see the module docstring)."""

    index: int
    start: int  # first move index
    stop: int  # one past the last move index
    io: int
    red_at_start: set[Hashable] = field(default_factory=set)
    loaded: set[Hashable] = field(default_factory=set)
    stored: set[Hashable] = field(default_factory=set)
    red_at_end: set[Hashable] = field(default_factory=set)
    computed: set[Hashable] = field(default_factory=set)  # every R3 in the segment
    part: set[Hashable] = field(default_factory=set)  # first computations only

    @property
    def dominator(self) -> set[Hashable]:
        """Red at the start or loaded during the segment: a dominator of ``computed``."""
        return self.red_at_start | self.loaded


def _moves(strategy: Any) -> list[tuple[str, Hashable]]:
    if isinstance(strategy, Strategy):
        return list(strategy.moves)
    if hasattr(strategy, "decode"):
        return strategy.decode()
    return [tuple(m) for m in strategy]


def segments(strategy: Strategy | Any, memory: int) -> list[Segment]:
    """Cut a (valid) strategy into segments of ``memory`` I/O moves (Lemma 2.7)."""
    moves = _moves(strategy)
    red: set[Hashable] = set()
    seen: set[Hashable] = set()
    out: list[Segment] = []
    cur = Segment(0, 0, 0, 0, red_at_start=set())
    for t, (kind, v) in enumerate(moves):
        if kind in ("load", "store") and cur.io == memory:
            cur.stop, cur.red_at_end = t, set(red)
            out.append(cur)
            cur = Segment(len(out), t, t, 0, red_at_start=set(red))
        if kind == "load":
            cur.io += 1
            cur.loaded.add(v)
            red.add(v)
        elif kind == "store":
            cur.io += 1
            cur.stored.add(v)
        elif kind == "compute":
            red.add(v)
            cur.computed.add(v)
            if v not in seen:
                seen.add(v)
                cur.part.add(v)
        elif kind == "delete":
            red.discard(v)
    cur.stop, cur.red_at_end = len(moves), set(red)
    out.append(cur)
    return out


def _reaches(G: nx.DiGraph, blocked: set[Hashable], targets: set[Hashable]) -> Hashable | None:
    """A vertex of ``targets`` reachable from an input by a path avoiding ``blocked``."""
    stack = [v for v in G if G.in_degree(v) == 0 and v not in blocked]
    seen = set(stack)
    while stack:
        v = stack.pop()
        if v in targets:
            return v
        for w in G.successors(v):
            if w not in seen and w not in blocked:
                seen.add(w)
                stack.append(w)
    return None


def min_dominator_size(G: nx.DiGraph, part: set[Hashable]) -> int:
    """Size of a smallest dominator set of ``part``: a minimum vertex cut (networkx).

    Inputs and vertices of ``part`` may belong to the dominator; an auxiliary source
    feeds every input and every vertex of ``part`` feeds an auxiliary sink. The cut is
    taken over split copies of the vertices so that the endpoints themselves are
    cuttable.
    """
    if not part:
        return 0
    H = nx.DiGraph()
    src, sink = ("__source__",), ("__sink__",)
    for v in G:
        H.add_edge((v, "in"), (v, "out"), capacity=1)
    for u, v in G.edges:
        H.add_edge((u, "out"), (v, "in"))
    for v in G:
        if G.in_degree(v) == 0:
            H.add_edge(src, (v, "in"))
    for v in part:
        H.add_edge((v, "out"), sink)
    value, _ = nx.minimum_cut(H, src, sink)
    return int(value)


@dataclass
class PartCheck:
    """P1-P3 of one part: sizes and whether each holds."""

    index: int
    size: int
    dominator: int  # |D_i| (red at start + loaded)
    dominates: bool  # D_i meets every input-to-part path
    min_dominator: int | None  # exact minimum, when asked for
    minimum: int  # |minimum set|
    minimum_explained: bool  # minimum set within red-at-end + stored
    ok: bool


@dataclass
class PartitionCheck:
    """The 2M-partition of Lemma 2.7 read off a strategy, and the verdicts."""

    memory: int
    io: int
    h: int
    parts: list[PartCheck]
    covers: bool  # P4: every non-input vertex computed lies in exactly one part
    acyclic: bool  # P1
    io_bounds: bool  # M h >= Q >= M (h - 1)

    @property
    def ok(self) -> bool:
        return self.covers and self.acyclic and self.io_bounds and all(p.ok for p in self.parts)

    @property
    def minimum_explained(self) -> bool:
        """Every minimum vertex is red at its segment's end or stored in it (the step of
        Lemma 2.7 that needs a normalised strategy)."""
        return all(p.minimum_explained for p in self.parts)

    def summary(self) -> dict[str, Any]:
        return {
            "memory": self.memory,
            "io": self.io,
            "h": self.h,
            "max_dominator": max((p.dominator for p in self.parts), default=0),
            "max_min_dominator": max((p.min_dominator or 0 for p in self.parts), default=0),
            "max_minimum": max((p.minimum for p in self.parts), default=0),
            "minimum_explained": self.minimum_explained,
            "covers": self.covers,
            "acyclic": self.acyclic,
            "io_bounds": self.io_bounds,
            "ok": self.ok,
        }


def check_partition(
    G: nx.DiGraph,
    strategy: Strategy | Any,
    memory: int,
    *,
    exact_dominators: bool = False,
    segs: list[Segment] | None = None,
) -> PartitionCheck:
    """Build the Lemma 2.7 partition of a valid strategy and check P1-P4 and the I/O bounds.

    Parameters
    ----------
    G : networkx.DiGraph
    strategy : Strategy or moves
        A valid complete calculation (replay it first).
    memory : int
        The red-pebble limit M; parts are checked against 2M.
    exact_dominators : bool
        Also compute each part's smallest dominator by a minimum vertex cut.
    """
    segs = segs if segs is not None else segments(strategy, memory)
    io = sum(s.io for s in segs)
    where: dict[Hashable, int] = {}
    covers = True
    for s in segs:
        for v in s.part:
            if v in where:
                covers = False
            where[v] = s.index
    non_inputs = {v for v in G if G.in_degree(v) > 0}
    needed = set().union(*(nx.ancestors(G, o) | {o} for o in _outputs(G))) & non_inputs
    covers = covers and needed <= set(where)
    checks = []
    for s in segs:
        dom = s.dominator
        dominates = _reaches(G, dom, s.computed) is None
        minimum = {v for v in s.part if not any(w in s.part for w in G.successors(v))}
        explained = minimum <= (s.red_at_end | s.stored)
        exact = min_dominator_size(G, s.part) if exact_dominators else None
        ok = dominates and len(dom) <= 2 * memory and len(minimum) <= 2 * memory
        ok = ok and (exact is None or exact <= len(dom))
        checks.append(
            PartCheck(s.index, len(s.part), len(dom), dominates, exact, len(minimum), explained, ok)
        )
    quotient = nx.DiGraph()
    quotient.add_nodes_from(range(len(segs)))
    for u, v in G.edges:
        if u in where and v in where and where[u] != where[v]:
            quotient.add_edge(where[u], where[v])
    acyclic = nx.is_directed_acyclic_graph(quotient)
    h = len(segs)
    io_bounds = memory * h >= io >= memory * (h - 1)
    return PartitionCheck(memory, io, h, checks, covers, acyclic, io_bounds)


def _outputs(G: nx.DiGraph) -> list[Hashable]:
    marked = [v for v, a in G.nodes(data=True) if a.get("output")]
    return marked or [v for v in G if G.out_degree(v) == 0]


# --------------------------------------------------------------- Lemma 3.3 counting
_TREE = re.compile(r"^(?:QK\[(\d+),(\d+),\d+\]|S\[(\d+),(\d+)\](?:\(\d+:\d+\))?)$")
_ROOT = re.compile(r"^S\[(\d+),(\d+)\]$")


def qk_tree(v: Hashable) -> tuple[int, int] | None:
    """``(i, j)`` if ``v`` is a vertex of the summation tree of entry ``S[i,j]`` of QK^T."""
    m = _TREE.match(str(v))
    if not m:
        return None
    a = m.group(1) or m.group(3)
    b = m.group(2) or m.group(4)
    return int(a), int(b)


@dataclass
class RootCount:
    """Lemma 3.3 on one part: the QK^T roots it computes, by the reason they are allowed."""

    index: int
    roots: int  # S[i,j] in the part
    level1: int  # QK^T tree vertices in the part (products, partial sums, roots)
    by_dominator: int  # roots whose tree holds a dominator vertex
    by_minimum: int  # ... else whose tree holds a minimum vertex of the part
    by_rows: int  # ... else: row i of Q and row j of K lie wholly in the dominator
    unexplained: int  # roots in none of the three classes (must be 0)
    dom_tree: int  # |D ∩ QK^T-tree vertices|
    dom_inputs: int  # |D ∩ (Q ∪ K)|
    full_rows: tuple[int, int]  # (I, J): rows of Q, rows of K wholly in D
    bound: float  # explicit.roots_per_part: floor(2M + max(2M, M^2/d^2)) for 2M-partitions
    d: int = 1

    @property
    def ok(self) -> bool:
        """Every root classified, each class within its step of the proof, the total within
        the bound: (c) roots lie in full-row pairs (at most I J) and the full rows are
        dominator inputs ((I + J) d <= |D_in|)."""
        i, j = self.full_rows
        return (
            self.unexplained == 0
            and self.by_rows <= i * j
            and (i + j) * self.d <= self.dom_inputs
            and self.roots <= self.bound
        )


def count_roots(G: nx.DiGraph, segs: list[Segment], d: int, memory: int) -> list[RootCount]:
    """Lemma 3.3's counting on each part of an attention strategy's Lemma 2.7 partition.

    The per-part bound is :func:`redblue.bounds.explicit.roots_per_part` (one source for the
    bound the proofs use and the one checked here).
    """
    from redblue.bounds.explicit import roots_per_part  # lazy: sympy-free import of analysis

    n_rows = 1 + max(int(a["index"][0]) for _, a in G.nodes(data=True) if a.get("tensor") == "Q")
    n_cols = 1 + max(int(a["index"][0]) for _, a in G.nodes(data=True) if a.get("tensor") == "K")
    bound = roots_per_part(d, memory)
    out = []
    for s in segs:
        dom = s.dominator
        minimum = {v for v in s.part if not any(w in s.part for w in G.successors(v))}
        dom_trees = {qk_tree(v) for v in dom} - {None}
        min_trees = {qk_tree(v) for v in minimum} - {None}
        rows_i = {i for i in range(n_rows) if all(f"Q[{i},{c}]" in dom for c in range(d))}
        rows_j = {j for j in range(n_cols) if all(f"K[{j},{c}]" in dom for c in range(d))}
        roots = [tuple(map(int, m.groups())) for v in s.part if (m := _ROOT.match(str(v)))]
        a = b = c = bad = 0
        for ij in roots:
            if ij in dom_trees:
                a += 1
            elif ij in min_trees:
                b += 1
            elif ij[0] in rows_i and ij[1] in rows_j:
                c += 1
            else:
                bad += 1
        level1 = sum(1 for v in s.part if qk_tree(v) is not None)
        dom_inputs = sum(1 for v in dom if str(v)[:2] in ("Q[", "K["))
        dom_tree = sum(1 for v in dom if qk_tree(v) is not None)
        out.append(
            RootCount(
                s.index, len(roots), level1, a, b, c, bad, dom_tree, dom_inputs,
                (len(rows_i), len(rows_j)), bound, d,
            )
        )  # fmt: skip
    return out


# ------------------------------------------------------------------ Lemma 4.1 epochs
@dataclass
class Epoch:
    """Lemma 4.1 / Theorem 4.4 on one epoch of ``M`` I/Os."""

    index: int
    io: int
    words_seen: int  # red at start + loaded: at most 2M
    entries: int  # distinct S[i,j] computed in the epoch
    new_entries: int  # S[i,j] computed for the first time
    row_rank: int  # sum over rows i of min(d, entries in row i): log_q outputs, K Vandermonde
    col_rank: int  # the same over columns (Q Vandermonde)

    def ok(self, memory: int) -> bool:
        return self.words_seen <= 2 * memory and max(self.row_rank, self.col_rank) <= 2 * memory


def epochs(
    strategy: Strategy | Any, memory: int, d: int, segs: list[Segment] | None = None
) -> list[Epoch]:
    """Pagh-Silvestri epochs of an attention strategy with the entries of QK^T each computes.

    ``row_rank`` is ``log_q`` of the number of distinct values the epoch's entries take
    when K is a fixed Vandermonde matrix and Q ranges over F_q^(N x d) (Lemma 4.6): each
    row i contributes the rank of its ``min(d, |I_i|)`` Vandermonde rows. Since Bob
    computes them from the 2M words the epoch sees, ``row_rank <= 2M`` (Theorem 4.4), and
    likewise ``col_rank``.
    """
    segs = segs if segs is not None else segments(strategy, memory)
    out = []
    for s in segs:
        entries = [tuple(map(int, m.groups())) for v in s.computed if (m := _ROOT.match(str(v)))]
        new = sum(1 for v in s.part if _ROOT.match(str(v)))
        rows: dict[int, int] = {}
        cols: dict[int, int] = {}
        for i, j in entries:
            rows[i] = rows.get(i, 0) + 1
            cols[j] = cols.get(j, 0) + 1
        out.append(
            Epoch(
                s.index, s.io, len(s.dominator), len(entries), new,
                sum(min(d, c) for c in rows.values()), sum(min(d, c) for c in cols.values()),
            )
        )  # fmt: skip
    return out


# ------------------------------------------------------- Lemma 3.6 (matmul) counting
_MM_TREE = re.compile(r"^(?:AB\[(\d+),(\d+),\d+\]|C\[(\d+),(\d+)\](?:\(\d+:\d+\))?)$")


@dataclass
class ProductCount:
    """The Loomis-Whitney count of the explicit matmul bound, on one part."""

    index: int
    products: int  # AB[i,j,l] in the part
    in_dominator: int  # ... that lie in D
    operands_in_d: bool  # every other product has A[i,l] and B[l,j] in D
    trees: int  # distinct (i, j) with a product in the part
    trees_with_minimum: bool  # each such tree holds a minimum vertex of the part
    lw_bound: float  # |D_T| + sqrt(|D_A| |D_B| * #trees)
    bound: int  # max(2M, isqrt(2 M^3))

    @property
    def ok(self) -> bool:
        return (
            self.operands_in_d
            and self.trees_with_minimum
            and self.products <= self.lw_bound + 1e-9
            and self.products <= self.bound
        )


def _mm_tree(v: Hashable) -> tuple[int, int] | None:
    m = _MM_TREE.match(str(v))
    if not m:
        return None
    return int(m.group(1) or m.group(3)), int(m.group(2) or m.group(4))


def _mm_product(G: nx.DiGraph, v: Hashable) -> tuple[int, int, int]:
    """``(i, j, l)`` of a product vertex ``A[i,l] * B[l,j]`` (``C[i,j]`` itself when k = 1)."""
    a, b = G.nodes[v]["args"]
    i, l_ = G.nodes[a]["index"]
    _, j = G.nodes[b]["index"]
    return int(i), int(j), int(l_)


def count_products(G: nx.DiGraph, segs: list[Segment], memory: int) -> list[ProductCount]:
    """The steps of the explicit matmul bound checked on each part of a matmul strategy."""
    import math

    from redblue.bounds.explicit import matmul_products_per_part

    bound = matmul_products_per_part(memory)
    out = []
    for s in segs:
        dom = s.dominator
        minimum = {v for v in s.part if not any(w in s.part for w in G.successors(v))}
        min_trees = {t for v in minimum if (t := _mm_tree(v)) is not None}
        prods = [(v, _mm_product(G, v)) for v in s.part if G.nodes[v].get("op") == "mul"]
        in_d = sum(1 for v, _ in prods if v in dom)
        operands = all(
            f"A[{i},{c}]" in dom and f"B[{c},{j}]" in dom for v, (i, j, c) in prods if v not in dom
        )
        trees = {(i, j) for _, (i, j, _l) in prods}
        d_a = sum(1 for v in dom if str(v).startswith("A["))
        d_b = sum(1 for v in dom if str(v).startswith("B["))
        d_t = sum(1 for v in dom if _MM_TREE.match(str(v)))
        lw = d_t + math.sqrt(d_a * d_b * len(trees))
        out.append(
            ProductCount(
                s.index, len(prods), in_d, operands, len(trees), trees <= min_trees, lw, bound
            )
        )
    return out
