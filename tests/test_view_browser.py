"""The viewer in a real browser: headless Chromium opens generated pages from file:// and
the DOM's counters and node classes are checked against the replay (redblue.game.trace).

Needs Python's playwright and the system's chromium (Debian's ``chromium`` package;
``.ci/run`` installs it); without either the tests skip, saying which is missing.
Screenshots of three steps of each strategy are written to ``tests/artifacts/view/``
(ignored by git).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from redblue.dags import attention_dag
from redblue.game.strategy import COMPUTE, DELETE, DELETE_BLUE, LOAD, STORE
from redblue.game.trace import move_table
from redblue.search import solve
from redblue.strategies import greedy_strategy, simulate
from redblue.view import view

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "view"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
CLASSES = ("none", "red", "blue", "both")

# every counter of the page, and the class of every node drawn as an SVG element
READ_DOM = """(click) => { if (click) document.getElementById(click).click(); return {
  pos: +document.getElementById('rb-pos').textContent,
  io: +document.getElementById('rb-io').textContent,
  loads: +document.getElementById('rb-loads').textContent,
  stores: +document.getElementById('rb-stores').textContent,
  red: +document.getElementById('rb-red').textContent,
  peak: +document.getElementById('rb-peak').textContent,
  classes: Array.from(document.querySelectorAll('#rb-svg circle.node'),
                      c => c.getAttribute('class').split(' ')[1]),
}; }"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (apt-get install chromium; .ci/run installs it)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, page_view, tmp_path, name):
    path = page_view.save(tmp_path / f"{name}.html")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(f"request {r.url}")
            if not r.url.startswith(("file:", "data:", "blob:")) else None)  # fmt: skip
    page.goto(path.as_uri())
    page.wait_for_function("document.body.dataset.ready", timeout=20_000)
    assert page.evaluate("document.body.dataset.ready") == "1", errors
    assert page.locator("#rb-warning").is_hidden(), page.inner_text("#rb-warning")
    return page, errors


def _states(C, kinds, nodes, k):
    """Oracle: each node's pebbles (bit 1 red, 2 blue) after the first k moves, set by the
    last move on it that places or lifts each colour (numpy, not the page's arithmetic)."""
    state = np.where(C.is_input, 2, 0).astype(np.int64)
    kinds, nodes = kinds[:k], nodes[:k]
    for bit, on, off in ((1, (LOAD, COMPUTE), (DELETE,)), (2, (STORE,), (DELETE_BLUE,))):
        t = np.flatnonzero(np.isin(kinds, on + off))[::-1]  # latest first
        v, first = np.unique(nodes[t], return_index=True)  # each node's latest such move
        placed = np.isin(kinds[t[first]], on)
        state[v[placed]] |= bit
        state[v[~placed]] &= ~bit
    return state


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _every_step(browser, tmp_path, G, strategy, memory, name):
    v = view(G, strategy, memory)
    assert v.mode == "svg"
    rows = move_table(G, strategy, memory)
    f = v.frames
    page, errors = _open(browser, v, tmp_path, name)
    shots = {0, len(rows) // 2, len(rows)}
    # the edges drawn are the DAG's: one path segment "Mx,yLx,y" an edge, from u to v
    drawn = page.evaluate("document.querySelector('#rb-svg path.edges').getAttribute('d')")
    assert drawn.count("M") == G.number_of_edges()
    for k in range(len(rows) + 1):
        # the page's own "next" button, clicked in the page (one round trip a step)
        dom = page.evaluate(READ_DOM, "rb-next" if k else None)
        want = rows[k - 1] if k else {"io": 0, "loads": 0, "stores": 0, "red": 0}
        peak = max((r["red"] for r in rows[:k]), default=0)
        assert (dom["pos"], dom["io"], dom["loads"], dom["stores"], dom["red"], dom["peak"]) == (
            k, want["io"], want["loads"], want["stores"], want["red"], peak), f"move {k}"
        state = _states(f.compiled, f.kinds, f.nodes, k)
        assert dom["classes"] == [CLASSES[s] for s in state.tolist()], f"move {k}"
        if k and want["move"] == "compute":  # the rule names the move's predecessors
            rule = page.inner_text("#rb-rule")
            preds = G.in_degree(want["node"])
            assert rule.startswith(f"R3 compute: every predecessor of {want['node']}")
            assert f"({preds} predecessor{'' if preds == 1 else 's'})" in rule
        if k in shots:
            _shot(page, f"{name}_step{k}")
    # back to the start by the slider's neighbours: previous undoes exactly
    page.fill("#rb-jump", "3")
    page.click("#rb-go")
    page.click("#rb-prev")
    dom = page.evaluate(READ_DOM, None)
    assert dom["pos"] == 2 and dom["io"] == rows[1]["io"]
    assert dom["classes"] == [CLASSES[s] for s in _states(f.compiled, f.kinds, f.nodes, 2)]
    # the next load or store: the move just played is an I/O move, the ones skipped are not
    page.click("#rb-next-io")
    k = page.evaluate(READ_DOM, None)["pos"]
    assert rows[k - 1]["move"] in ("load", "store")
    assert all(r["move"] not in ("load", "store") for r in rows[2 : k - 1])
    # play at 32 moves a second, pause: the counters are the replay's where it stopped
    page.click("#rb-first")
    page.select_option("#rb-speed", "32")
    page.click("#rb-play")
    page.wait_for_timeout(400)
    page.click("#rb-play")
    dom = page.evaluate(READ_DOM, None)
    assert 0 < dom["pos"] <= len(rows) and dom["io"] == rows[dom["pos"] - 1]["io"]
    # a node's history: every move on it, by index from 1
    node = next(r["node"] for r in rows if r["move"] == "compute")
    page.click(f"#rb-svg circle[data-i='{f.compiled.index[node]}']")
    history = page.inner_text("#rb-history").splitlines()
    want = [f"{r['index'] + 1}: {r['move']}" for r in rows if r["node"] == node]
    assert history[0].startswith(node) and history[2:] == want
    page.close()
    assert not errors


def test_certificate_of_solve_every_step(browser, tmp_path):
    G = attention_dag(2, 1)
    result = solve(G, 4)  # the optimum at M = 4 (15 I/O), with its certificate
    assert result.optimal and result.io == 15
    _every_step(browser, tmp_path, G, result.strategy, 4, "certificate_attention_2_1_m4")


def test_greedy_every_step(browser, tmp_path):
    G = attention_dag(2, 1)
    _every_step(browser, tmp_path, G, greedy_strategy(G, memory=4), 4, "greedy_attention_2_1_m4")


def test_flash2_100k_moves_opens_and_jumps(browser, tmp_path):
    sim = simulate("flash2", 32, 8, 64)  # 84,736 moves on 34,560 nodes
    moves = sim.result.moves
    assert 80_000 <= moves <= 120_000
    start = time.perf_counter()
    v = view(sim.graph, sim.moves, 64, blocks=sim.blocks)
    built = time.perf_counter() - start
    assert v.mode == "canvas"
    f = v.frames
    page, errors = _open(browser, v, tmp_path, "flash2")
    jumps = [1, 12_345, moves // 2, moves - 1, moves, 100, 0, 54_321]
    shots = {12_345: "flash2_step12345", moves // 2: "flash2_stephalf", moves: "flash2_stepend"}
    seconds = []
    for k in jumps:
        page.fill("#rb-jump", str(k))
        t0 = time.perf_counter()
        page.click("#rb-go")
        dom = page.evaluate(READ_DOM, None)
        seconds.append(time.perf_counter() - t0)
        want = (f.io[k - 1], f.loads[k - 1], f.stores[k - 1], f.red[k - 1],
                f.red[:k].max()) if k else (0, 0, 0, 0, 0)  # fmt: skip
        assert (dom["pos"], dom["io"], dom["loads"], dom["stores"], dom["red"],
                dom["peak"]) == (k, *map(int, want)), f"move {k}"  # fmt: skip
        state = page.evaluate("Array.from(window.redblueView.state)")
        assert state == _states(f.compiled, f.kinds, f.nodes, k).tolist(), f"move {k}"
        if k in shots:
            page.wait_for_timeout(100)  # the canvas is drawn on the next animation frame
            _shot(page, shots[k])
    # stepping: a hundred moves one at a time
    page.fill("#rb-jump", "40000")
    page.click("#rb-go")
    t0 = time.perf_counter()
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    step = (time.perf_counter() - t0) / 30
    dom = page.evaluate(READ_DOM, None)
    assert dom["pos"] == 40_030 and dom["io"] == int(f.io[40_029])
    # in the page: a thousand steps (state and panel), and one frame of the canvas drawn
    in_page = page.evaluate("""() => { const V = window.redblueView, t = performance.now();
        for (let i = 0; i < 1000; i++) V.goto(V.pos + 1);
        return performance.now() - t; }""")
    frame_ms = page.evaluate("""() => new Promise(done => { const t = performance.now();
        window.redblueView.render();
        requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t)));
    })""")
    assert page.evaluate(READ_DOM, None)["io"] == int(f.io[41_029])
    tile = page.inner_text("#rb-tile")
    assert "B_r=" in tile and "B_c=" in tile
    print(f"\nflash2 N=32 d=8 M=64: {moves:,} moves, page {len(v.html):,} bytes, built in "
          f"{built:.1f} s; jump + read {max(seconds) * 1000:.0f} ms at most; "
          f"a step by key press {step * 1000:.1f} ms; in the page a step "
          f"{in_page:.0f} us, a canvas frame {frame_ms:.0f} ms")
    page.close()
    assert not errors


def test_aggregated_page_steps_by_block(browser, tmp_path, monkeypatch):
    from redblue.dags import chain_dag
    from redblue.view import aggregate

    G = chain_dag(30)
    moves = [("load", "x[0]")] + [m for i in range(1, 30) for m in
             (("compute", f"x[{i}]"), ("delete", f"x[{i - 1}]"))] + [("store", "x[29]")]
    monkeypatch.setattr(aggregate, "NODE_LIMIT", 20)
    monkeypatch.setattr(aggregate, "MAX_BLOCKS", 8)
    v = view(G, moves, 2)
    assert v.mode == "aggregate"
    f = v.frames
    page, errors = _open(browser, v, tmp_path, "aggregate")
    assert "Aggregated" in page.inner_text("#rb-notes")
    block = -(-len(moves) // 8)
    for b in (1, 3, 8, 0):
        page.fill("#rb-jump", str(b))
        page.click("#rb-go")
        dom = page.evaluate(READ_DOM, None)
        end = min(b * block, len(moves))
        want = (int(f.io[end - 1]), int(f.red[end - 1])) if b else (0, 0)
        assert (dom["pos"], dom["io"], dom["red"]) == (b, *want)
        # boxes X (the input), x, Y (the output): every pebble in exactly one box
        counts = page.locator("#rb-groups .counts").all_inner_texts()
        red = [int(c.split(",")[0].split()[1]) for c in counts]
        blue = [int(c.split(",")[1].split()[1]) for c in counts]
        assert sum(red) == want[1] and blue == [1, 0, 1 if b == 8 else 0]
    page.close()
    assert not errors


def test_jupyter_inline_iframe_runs(browser):
    G = attention_dag(1, 1)
    v = view(G, greedy_strategy(G, memory=3))
    page = browser.new_page()
    page.set_content(v._repr_html_())
    frame = page.frame_locator("iframe")
    frame.locator("body[data-ready='1']").wait_for(timeout=20_000)
    frame.locator("#rb-next").click()
    assert frame.locator("#rb-io").inner_text() == "1"
    page.close()
