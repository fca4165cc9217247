"""How long reading a graph file takes, per format and size.

For random DAGs of 10^4 to 10^6 nodes (every node but the first two has two random
earlier predecessors; integer ids, no attributes) this writes one file per format and
prints, per format and size: the file size, the seconds to read it (``read_graph``,
which parses and checks the DAG), to validate the graph alone (``validate_dag``: the
acyclicity check and the id and ``output`` checks) and to compile it for the game
(``compile_graph``). The DOT that ``write_graph`` writes has one statement a line and is
read by regular expressions; other DOT goes through pydot's pure-Python grammar, which
takes about a millisecond a statement (``--pydot`` times that too, up to 10^4 nodes).

    python benchmarks/read_graph.py                 # 10^4, 10^5, 10^6
    python benchmarks/read_graph.py --sizes 10000   # one size
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings

import networkx as nx
import numpy as np

from redblue.dags import validate_dag
from redblue.game import compile_graph
from redblue.readwrite import GRAPH_FORMATS, read_graph, write_graph
from redblue.readwrite.dot import _collect_pydot

warnings.simplefilter("ignore", DeprecationWarning)


def random_dag(n: int, seed: int = 0) -> nx.DiGraph:
    """Node k has two distinct predecessors among 0..k-1 (k >= 2): about 2n edges."""
    rng = np.random.default_rng(seed)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    firsts = (rng.random(n) * np.arange(n)).astype(np.int64)
    seconds = (rng.random(n) * np.arange(n)).astype(np.int64)
    G.add_edges_from((int(a), k) for k, a in enumerate(firsts) if k >= 1)
    G.add_edges_from((int(b), k) for k, b in enumerate(seconds) if k >= 2)
    return G


def seconds(call) -> tuple[float, object]:
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--formats", default=",".join(GRAPH_FORMATS))
    parser.add_argument("--pydot", action="store_true", help="also time pydot on DOT")
    parser.add_argument("--graphml-limit", type=int, default=100_000,
                        help="largest size for GraphML (its XML tree takes ~1 KB a node)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    print(f"{'format':<9} {'nodes':>9} {'edges':>9} {'MB':>7} {'read s':>8} "
          f"{'validate s':>10} {'compile s':>9}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            G = random_dag(n)
            for fmt in formats:
                if fmt == "graphml" and n > args.graphml_limit:
                    continue
                path = os.path.join(folder, f"g.{fmt}")
                write_graph(G, path, fmt)
                read_s, H = seconds(lambda: read_graph(path, fmt))  # noqa: B023
                validate_s, _ = seconds(lambda: validate_dag(H))  # noqa: B023
                compile_s, C = seconds(lambda: compile_graph(H))  # noqa: B023
                assert C.n == n and H.number_of_edges() == G.number_of_edges()
                size = os.path.getsize(path) / 1e6
                print(f"{fmt:<9} {n:>9,} {H.number_of_edges():>9,} {size:>7.1f} {read_s:>8.2f} "
                      f"{validate_s:>10.2f} {compile_s:>9.2f}", flush=True)  # fmt: skip
                if fmt == "dot" and args.pydot and n <= 10_000:
                    text = open(path).read()
                    pydot_s, _ = seconds(lambda: _collect_pydot(text, path))  # noqa: B023
                    print(f"{'(pydot)':<9} {n:>9,} {'':>9} {'':>7} {pydot_s:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
