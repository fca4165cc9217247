/* redblue viewer: steps through a verified red-blue pebbling of a DAG.
 *
 * The page holds one JSON object (script#rb-data) written by redblue/view/page.py. Arrays
 * in it are {"$a": dtype, "z": base64 of gzip of the little-endian bytes}; big lists are
 * {"$j": base64 of gzip of JSON}. Nothing is fetched: the page works from file://.
 *
 * State: pos = number of moves played (0..T). node state bits: 1 red, 2 blue. A move is
 * applied or undone exactly (the strategy was verified by replay, so a load or compute
 * always finds no red pebble, a store no blue one, a delete the pebble it removes).
 * Counters (red in use, loads, stores, I/O, peak) are running sums over the move kinds,
 * checked at load against the replay's totals written by Python.
 */
"use strict";
(function () {
  const LOAD = 0, STORE = 1, COMPUTE = 2, DELETE = 3, DELETE_BLUE = 4;
  const CLASSES = ["none", "red", "blue", "both"];
  const $ = (id) => document.getElementById(id);
  const fmt = (x) => Number(x).toLocaleString("en-US");

  async function gunzip(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  const TYPES = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i32: Int32Array,
                  f32: Float32Array };
  async function decode(v) {
    if (Array.isArray(v)) return Promise.all(v.map(decode));
    if (v === null || typeof v !== "object") return v;
    if ("$a" in v) { const b = await gunzip(v.z); return new TYPES[v.$a](b.buffer); }
    if ("$j" in v) return JSON.parse(new TextDecoder().decode(await gunzip(v.z)));
    const out = {};
    for (const k of Object.keys(v)) out[k] = await decode(v[k]);
    return out;
  }

  class Viewer {
    constructor(D) {
      this.D = D; this.n = D.n; this.pos = 0; this.playing = null; this.selected = -1;
      this.S = D.strategy; this.A = D.aggregate;
      if (this.S) {  // node ids travel as differences from the move before
        const d = this.S.node_steps, nodes = new Int32Array(d.length);
        for (let t = 0, v = 0; t < d.length; t++) { v += d[t]; nodes[t] = v; }
        this.S.nodes = nodes;
      }
      this.T = this.S ? this.S.kinds.length : (this.A ? this.A.ends.length : 0);
      this.state = new Uint8Array(this.n);
      if (D.inputs) for (let v = 0; v < this.n; v++) if (D.inputs[v]) this.state[v] = 2;
      this.dirty = new Set(); this.all = true;
      if (D.indegree) {  // CSR predecessors from in-degrees and backward distances
        const ptr = new Uint32Array(this.n + 1), idx = new Uint32Array(D.pred_back.length);
        for (let v = 0; v < this.n; v++) {
          ptr[v + 1] = ptr[v] + D.indegree[v];
          for (let e = ptr[v]; e < ptr[v + 1]; e++) idx[e] = v - D.pred_back[e];
        }
        D.pred_ptr = ptr; D.pred_idx = idx;
      }
      if (this.S) this.counters();
      this.build();
      this.goto(0);
    }
    /* running sums over the moves: red in use, loads, stores, peak so far */
    counters() {
      const k = this.S.kinds, T = k.length;
      const red = new Int32Array(T), loads = new Int32Array(T), stores = new Int32Array(T);
      const peak = new Int32Array(T);
      let r = 0, l = 0, s = 0, p = 0;
      for (let t = 0; t < T; t++) {
        const c = k[t];
        if (c === LOAD) { r++; l++; } else if (c === STORE) s++;
        else if (c === COMPUTE) r++; else if (c === DELETE) r--;
        red[t] = r; loads[t] = l; stores[t] = s; if (r > p) p = r; peak[t] = p;
      }
      Object.assign(this, { red, loads, stores, peak });
      const want = this.S.totals;
      if (want && (want.loads !== l || want.stores !== s || want.peak !== p)) {
        this.warn(`the page's counters disagree with the replay (loads ${l} vs ${want.loads}, ` +
                  `stores ${s} vs ${want.stores}, peak ${p} vs ${want.peak})`);
      }
    }
    warn(text) { const w = $("rb-warning"); w.textContent = text; w.hidden = false; }
    name(v) { return this.D.names ? String(this.D.names[v]) : "#" + v; }

    build() {
      const D = this.D;
      $("rb-title").textContent = D.title;
      $("rb-notes").textContent = (D.notes || []).join(" ");
      if (D.memory !== null && D.memory !== undefined) $("rb-memory").textContent = D.memory;
      if (!this.S && !this.A) { $("rb-controls").hidden = true; $("rb-panel").hidden = true; }
      if (this.A) this.buildGroups(); else if (D.mode === "svg") this.buildSvg();
      else this.buildCanvas();
      if (this.S || this.A) this.buildControls();
      if (this.S) this.buildChart();
      $("rb-ov-tile").parentNode.hidden = !(this.S && this.S.node_tile);
      $("rb-ov-seg").parentNode.hidden = !this.S;
    }
    px(v) { return this.pad + this.D.x[v] * (this.W - this.pad - this.padRight); }
    py(v) { return this.pad + this.D.y[v] * (this.H - 2 * this.pad); }

    buildSvg() {  // markup, parsed once: the HTML parser puts <svg> in its namespace
      const D = this.D, esc = (t) => String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;");
      const panels = D.layout === "tensors";  // one panel a tensor, laid out by Python
      this.W = panels ? 1200 : Math.max(500, D.columns * 90);
      this.H = panels ? Math.max(240, D.rows * 36) : Math.max(260, D.rows * 30);
      this.pad = 30; this.padRight = this.n <= 400 && !panels ? 90 : 30;  // room for labels
      const r = panels ? Math.max(2, Math.min(8, D.cell * Math.min(this.W, this.H) / 2.4)) : 8;
      let d = "";
      for (let v = 0; v < this.n; v++)
        for (let e = D.pred_ptr[v]; e < D.pred_ptr[v + 1]; e++) {
          const u = D.pred_idx[e];
          d += `M${this.px(u).toFixed(1)},${this.py(u).toFixed(1)}L${this.px(v).toFixed(1)},${this.py(v).toFixed(1)}`;
        }
      const parts = [`<svg id="rb-svg" viewBox="0 0 ${this.W} ${this.H}"><path class="edges" d="${d}"/>`];
      const labels = this.n <= 400 && !panels, seen = new Set();
      let last = null;
      for (let v = 0; v < this.n; v++) {
        parts.push(`<g transform="translate(${this.px(v).toFixed(1)},${this.py(v).toFixed(1)})">` +
          `<circle r="${r.toFixed(1)}" class="node none" data-i="${v}"><title>${esc(D.attrs ? D.attrs[v] : this.name(v))}</title></circle>`);
        if (labels) parts.push(`<text x="10" y="4">${esc(this.name(v))}</text>`);
        const grp = D.groups[D.group_of[v]], col = D.x[v];
        if (panels ? !seen.has(grp) : !labels && (!last || last[0] !== grp || last[1] !== col)) {
          parts.push(`<text x="-10" y="-10" class="group">${esc(grp)}</text>`);  // a tensor's name
          seen.add(grp);
        }
        last = [grp, col];
        parts.push("</g>");
      }
      parts.push("</svg>");
      const box = $("rb-graph"); box.innerHTML = parts.join("");
      this.els = new Array(this.n);
      for (const c of box.querySelectorAll("circle.node")) this.els[+c.dataset.i] = c;
      box.firstChild.addEventListener("click", (e) => {
        const i = e.target.dataset && e.target.dataset.i; if (i !== undefined) this.select(+i);
      });
    }

    buildCanvas() {
      const D = this.D, box = $("rb-graph");
      this.W = Math.max(600, Math.min(1600, box.clientWidth - 4)); this.H = 640;  // fit the box
      this.pad = this.padRight = 16;
      const ratio = window.devicePixelRatio || 1;
      const mk = () => { const c = document.createElement("canvas"); c.width = this.W * ratio;
        c.height = this.H * ratio; c.style.width = this.W + "px"; c.style.height = this.H + "px";
        return c; };
      this.canvas = mk(); this.canvas.id = "rb-canvas"; this.ratio = ratio;
      this.r = Math.max(1, Math.min(4, D.cell * Math.min(this.W, this.H) / 2));
      // edges once, on a canvas of their own under the nodes (beyond 20,000 they would
      // only grey the picture out)
      this.edgeCanvas = mk(); this.edgeCanvas.className = "under";
      const e = this.edgeCanvas.getContext("2d"); e.scale(ratio, ratio);
      e.strokeStyle = "rgba(120,120,120,0.12)"; e.beginPath();
      if (D.pred_idx && D.pred_idx.length <= 20000)
        for (let v = 0; v < this.n; v++)
          for (let k = D.pred_ptr[v]; k < D.pred_ptr[v + 1]; k++) {
            const u = D.pred_idx[k]; e.moveTo(this.px(u), this.py(u)); e.lineTo(this.px(v), this.py(v));
          }
      e.stroke();
      if (D.layout === "tensors") {  // each panel's tensor name above it
        const left = new Map();
        for (let v = 0; v < this.n; v++) {
          const g = D.group_of[v], x = this.px(v);
          if (!left.has(g) || x < left.get(g)) left.set(g, x);
        }
        e.fillStyle = "#555"; e.font = "bold 11px sans-serif";
        for (const [g, x] of left) e.fillText(D.groups[g], x, 11);
      }
      const wrap = document.createElement("div"); wrap.className = "stack";
      wrap.append(this.edgeCanvas, this.canvas); box.appendChild(wrap);
      this.canvas.addEventListener("mousemove", (ev) => {
        const v = this.nearest(ev); $("rb-hover").textContent = v < 0 ? "" :
          (D.attrs ? D.attrs[v] : this.name(v));
      });
      this.canvas.addEventListener("click", (ev) => { const v = this.nearest(ev); if (v >= 0) this.select(v); });
    }
    nearest(ev) {
      const b = this.canvas.getBoundingClientRect(), x = ev.clientX - b.left, y = ev.clientY - b.top;
      let best = -1, dist = 64;
      for (let v = 0; v < this.n; v++) {
        const dx = this.px(v) - x, dy = this.py(v) - y, dd = dx * dx + dy * dy;
        if (dd < dist) { dist = dd; best = v; }
      }
      return best;
    }

    buildGroups() {  // aggregated: one box a tensor, with its red and blue counts
      const D = this.D, box = $("rb-graph");
      const wrap = document.createElement("div"); wrap.id = "rb-groups";
      this.groupEls = D.groups.map((g, i) => {
        const el = document.createElement("div"); el.className = "group-box";
        el.innerHTML = `<b>${g}</b> <span class="size">${fmt(D.group_size[i])} nodes</span>` +
          `<div class="bar"><i class="r"></i></div><div class="bar"><i class="b"></i></div>` +
          `<span class="counts"></span>`;
        wrap.appendChild(el); return el;
      });
      box.appendChild(wrap);
    }

    buildControls() {
      const s = $("rb-slider"); s.max = this.T; s.value = 0;
      s.addEventListener("input", () => this.goto(+s.value));
      $("rb-total").textContent = fmt(this.T);
      $("rb-next").onclick = () => this.goto(this.pos + 1);
      $("rb-prev").onclick = () => this.goto(this.pos - 1);
      $("rb-first").onclick = () => this.goto(0);
      $("rb-last").onclick = () => this.goto(this.T);
      $("rb-play").onclick = () => this.play();
      $("rb-go").onclick = () => this.goto(parseInt($("rb-jump").value || "0", 10));
      $("rb-jump").addEventListener("keydown", (e) => { if (e.key === "Enter") $("rb-go").click(); });
      $("rb-next-io").onclick = () => this.goto(this.findIO(+1));
      $("rb-prev-io").onclick = () => this.goto(this.findIO(-1));
      $("rb-next-io").hidden = $("rb-prev-io").hidden = !this.S;
      for (const id of ["rb-ov-seg", "rb-ov-tile"]) $(id).onchange = () => { this.all = true; this.render(); };
      document.addEventListener("keydown", (e) => {
        if (e.target.tagName === "INPUT" && e.target.type !== "range") return;
        if (e.key === "ArrowRight") this.goto(this.pos + 1);
        else if (e.key === "ArrowLeft") this.goto(this.pos - 1);
      });
    }
    findIO(dir) {  // position just after the next (previous) load or store
      const k = this.S.kinds;
      if (dir > 0) { for (let t = this.pos; t < this.T; t++) if (k[t] <= STORE) return t + 1; return this.T; }
      for (let t = this.pos - 2; t >= 0; t--) if (k[t] <= STORE) return t + 1;
      return 0;
    }
    play() {
      if (this.playing) { clearInterval(this.playing); this.playing = null; $("rb-play").textContent = "play"; return; }
      $("rb-play").textContent = "pause";
      let acc = 0, before = performance.now();
      this.playing = setInterval(() => {
        const now = performance.now(); acc += (now - before) / 1000 * +$("rb-speed").value; before = now;
        const step = Math.floor(acc); acc -= step;
        if (step) this.goto(Math.min(this.T, this.pos + step));
        if (this.pos >= this.T) this.play();
      }, 40);
    }

    apply(t) {
      const v = this.S.nodes[t], c = this.S.kinds[t];
      if (c === LOAD || c === COMPUTE) this.state[v] |= 1; else if (c === STORE) this.state[v] |= 2;
      else if (c === DELETE) this.state[v] &= ~1; else this.state[v] &= ~2;
      this.dirty.add(v);
    }
    undo(t) {
      const v = this.S.nodes[t], c = this.S.kinds[t];
      if (c === LOAD || c === COMPUTE) this.state[v] &= ~1; else if (c === STORE) this.state[v] &= ~2;
      else if (c === DELETE) this.state[v] |= 1; else this.state[v] |= 2;
      this.dirty.add(v);
    }
    goto(k) {
      k = Math.max(0, Math.min(this.T, Math.floor(+k) || 0));
      if (this.S) {
        if (Math.abs(k - this.pos) > this.n) this.all = true;
        while (this.pos < k) this.apply(this.pos++);
        while (this.pos > k) this.undo(--this.pos);
      } else this.pos = k;
      this.render();
    }
    nodeClass(v) { return CLASSES[this.state[v]]; }

    segmentAt(t) {  // the Hong-Kung segment move t (0-based) falls in
      const s = this.S.segment_starts; let lo = 0, hi = s.length - 1;
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (s[mid] <= t) lo = mid; else hi = mid - 1; }
      return lo;
    }
    tileAt(t) {
      const s = this.S.tile_starts; if (!s || !s.length) return -1;
      let lo = 0, hi = s.length - 1;
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (s[mid] <= t) lo = mid; else hi = mid - 1; }
      return this.S.tiles[lo];
    }

    render() {
      const k = this.pos, S = this.S;
      if (S || this.A) { $("rb-slider").value = k; $("rb-pos").textContent = k; }
      if (S) this.renderPanel(k); else if (this.A) this.renderAggregate(k);
      if (this.A) return;
      if (this.D.mode === "svg") this.renderSvg(); else this.renderCanvas();
      this.dirty.clear(); this.all = false;
      if (this.chart) this.drawChart();
    }
    renderPanel(k) {
      const S = this.S, t = k - 1;
      const kinds = this.D.kinds;
      $("rb-move").textContent = k === 0 ? "start: inputs hold blue pebbles" :
        `move ${fmt(k)} of ${fmt(this.T)}: ${kinds[S.kinds[t]]} ${this.name(S.nodes[t])}`;
      $("rb-io").textContent = k ? this.loads[t] + this.stores[t] : 0;
      $("rb-loads").textContent = k ? this.loads[t] : 0;
      $("rb-stores").textContent = k ? this.stores[t] : 0;
      $("rb-red").textContent = k ? this.red[t] : 0;
      $("rb-peak").textContent = k ? this.peak[t] : 0;
      $("rb-rule").textContent = k ? this.rule(t) : "";
      const seg = k ? this.segmentAt(t) : 0;
      $("rb-segment").textContent = `${seg + 1} of ${S.segment_starts.length}`;
      this.segment = seg;
      if (S.node_tile) {
        const tile = k ? this.tileAt(t) : this.tileAt(0), tc = S.blocks.T_c || 1;
        this.tile = tile;
        $("rb-tile").textContent = tile < 0 ? "-" :
          `(${Math.floor(tile / tc)}, ${tile % tc}) of B_r=${S.blocks.B_r}, B_c=${S.blocks.B_c}`;
      } else this.tile = -1;
      $("rb-tile-row").hidden = !S.node_tile;
    }
    rule(t) {
      const S = this.S, c = S.kinds[t], v = S.nodes[t];
      let text = this.D.rules[c].split("{node}").join(this.name(v));
      if (c === COMPUTE && this.D.pred_ptr) {
        const p = this.D.pred_ptr[v + 1] - this.D.pred_ptr[v];
        text += ` (${p} predecessor${p === 1 ? "" : "s"})`;
      }
      if (c === LOAD || c === COMPUTE) text += `; red in use ${this.red[t]} <= M = ${S.memory}`;
      return text;
    }
    renderAggregate(k) {
      const A = this.A, b = k - 1;
      $("rb-move").textContent = k === 0 ? "start" :
        `block ${fmt(k)} of ${fmt(this.T)}: moves ${fmt(b * A.block + 1)}..${fmt(A.ends[b])}`;
      for (const [id, arr] of [["rb-io", A.io], ["rb-loads", A.loads], ["rb-stores", A.stores],
                               ["rb-red", A.red], ["rb-peak", A.peak]])
        $(id).textContent = k ? arr[b] : 0;
      $("rb-rule").textContent = "";
      const G = this.D.groups.length;
      this.groupEls.forEach((el, i) => {
        const size = this.D.group_size[i];
        const r = k ? A.group_red[b * G + i] : 0, bl = k ? A.group_blue[b * G + i] : this.D.group_blue0[i];
        el.querySelector(".r").style.width = (100 * r / size) + "%";
        el.querySelector(".b").style.width = (100 * bl / size) + "%";
        el.querySelector(".counts").textContent = `red ${fmt(r)}, blue ${fmt(bl)}`;
      });
    }
    overlayOf(v) {
      let cls = "";
      if (this.S && $("rb-ov-tile").checked && this.S.node_tile && this.tile >= 0 &&
          this.S.node_tile[v] === this.tile) cls += " tile";
      if (this.segNodes && this.segNodes[v]) cls += " seg";
      if (v === this.selected) cls += " selected";
      return cls;
    }
    segmentNodes() {  // nodes computed in the current segment (its part, Lemma 2.7)
      if (!this.S || !$("rb-ov-seg").checked || !this.pos) { this.segNodes = null; return; }
      const s = this.S.segment_starts, i = this.segment;
      const stop = i + 1 < s.length ? s[i + 1] : this.T;
      const mark = new Uint8Array(this.n);
      for (let t = s[i]; t < stop; t++) if (this.S.kinds[t] === COMPUTE) mark[this.S.nodes[t]] = 1;
      this.segNodes = mark;
    }
    renderSvg() {
      const overlays = this.S && ($("rb-ov-seg").checked || $("rb-ov-tile").checked);
      this.segmentNodes();
      const all = this.all || overlays || this.selected >= 0;
      const each = all ? this.els.keys() : this.dirty;
      for (const v of each) this.els[v].setAttribute("class", "node " + this.nodeClass(v) + this.overlayOf(v));
    }
    renderCanvas() {
      if (this.pending) return;
      this.pending = requestAnimationFrame(() => {
        this.pending = 0; this.segmentNodes();
        const c = this.canvas.getContext("2d"), r = this.r, D = 2 * r;
        // the dots as pixels of one image (tens of thousands of path rectangles are slow)
        const cw = this.canvas.width, ch = this.canvas.height, q = this.ratio;
        if (!this.image) {
          this.image = c.createImageData(cw, ch); this.pix = new Uint32Array(this.image.data.buffer);
          this.cx = new Int32Array(this.n); this.cy = new Int32Array(this.n);
          for (let v = 0; v < this.n; v++) { this.cx[v] = Math.round((this.px(v) - r) * q); this.cy[v] = Math.round((this.py(v) - r) * q); }
        }
        const pix = this.pix, side = Math.max(1, Math.round(D * q)), abgr = [0xffdddddd, 0xff3c46e4, 0xffd87d3b, 0xff3c46e4];
        pix.fill(0);
        for (let v = 0; v < this.n; v++) {
          const col = abgr[this.state[v]], x0 = this.cx[v], y0 = this.cy[v];
          for (let y = Math.max(0, y0); y < Math.min(ch, y0 + side); y++) {
            const row = y * cw;
            for (let x = Math.max(0, x0); x < Math.min(cw, x0 + side); x++) pix[row + x] = col;
          }
        }
        c.setTransform(1, 0, 0, 1, 0, 0);
        c.putImageData(this.image, 0, 0);
        c.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
        c.strokeStyle = "#3b7dd8"; c.lineWidth = 1; c.beginPath();  // both: a blue rim
        for (let v = 0; v < this.n; v++) if (this.state[v] === 3) c.rect(this.px(v) - r - 1, this.py(v) - r - 1, D + 2, D + 2);
        c.stroke();
        const tile = this.S && $("rb-ov-tile").checked && this.S.node_tile && this.tile >= 0;
        const ring = (color, on) => {  // an outline around the nodes of an overlay
          c.strokeStyle = color; c.lineWidth = 1.5; c.beginPath();
          for (let v = 0; v < this.n; v++) if (on(v)) c.rect(this.px(v) - r - 2, this.py(v) - r - 2, D + 4, D + 4);
          c.stroke();
        };
        if (tile) ring("#9467bd", (v) => this.S.node_tile[v] === this.tile);
        if (this.segNodes) ring("#2ca02c", (v) => this.segNodes[v]);
        if (this.selected >= 0) {
          c.strokeStyle = "#000"; c.lineWidth = 2; c.beginPath();
          c.arc(this.px(this.selected), this.py(this.selected), r + 5, 0, 7); c.stroke();
        }
      });
    }

    select(v) {  // a node's history: every move on it, by index (1-based, as the panel)
      this.selected = v; this.all = true;
      const out = [], S = this.S;
      let count = 0;
      if (S) for (let t = 0; t < this.T; t++) if (S.nodes[t] === v) {
        count++; if (out.length < 300) out.push(`${t + 1}: ${this.D.kinds[S.kinds[t]]}`);
      }
      const head = this.D.attrs ? this.D.attrs[v] : this.name(v);
      $("rb-history").textContent = `${head}\n` + (S ? `${count} move${count === 1 ? "" : "s"} on it` +
        (count ? ` (move: kind)\n${out.join("\n")}${count > out.length ? "\n..." : ""}` : "") : "");
      this.render();
    }

    buildChart() {
      const c = $("rb-chart"), ratio = window.devicePixelRatio || 1;
      this.chart = c; c.width = c.clientWidth * ratio; c.height = c.clientHeight * ratio;
      this.cw = c.clientWidth; this.ch = c.clientHeight; this.cratio = ratio;
      // per column (a pixel, or a move when there are fewer moves than pixels), the most
      // I/O and red pebbles in the moves it spans
      const T = this.T, W = Math.max(1, Math.min(T, Math.floor(this.cw)));
      this.colIO = new Float64Array(W); this.colRed = new Float64Array(W);
      this.colRedMin = new Float64Array(W).fill(Infinity);  // the least, for a band
      for (let t = 0; t < T; t++) {
        const x = Math.min(W - 1, Math.floor(t * W / T));
        const io = this.loads[t] + this.stores[t];
        if (io > this.colIO[x]) this.colIO[x] = io;
        if (this.red[t] > this.colRed[x]) this.colRed[x] = this.red[t];
        if (this.red[t] < this.colRedMin[x]) this.colRedMin[x] = this.red[t];
      }
      this.maxIO = Math.max(1, T ? this.loads[T - 1] + this.stores[T - 1] : 1);
      this.maxRed = Math.max(1, this.S.memory);
      c.addEventListener("click", (e) => {
        const b = c.getBoundingClientRect(); this.goto(Math.round((e.clientX - b.left) / b.width * T));
      });
    }
    drawChart() {
      const c = this.chart.getContext("2d"), W = this.cw, H = this.ch, T = this.T, S = this.S;
      c.setTransform(this.cratio, 0, 0, this.cratio, 0, 0); c.clearRect(0, 0, W, H);
      const bands = S.segment_starts;
      if ($("rb-ov-seg").checked) for (let i = 0; i < bands.length; i += 2) {  // alternate segments
        const a = bands[i] / T * W, b = (i + 1 < bands.length ? bands[i + 1] : T) / T * W;
        c.fillStyle = "rgba(44,160,44,0.10)"; c.fillRect(a, 0, b - a, H);
      }
      if ($("rb-ov-tile").checked && S.tile_starts) {
        c.strokeStyle = "rgba(148,103,189,0.5)"; c.beginPath();
        for (const s of S.tile_starts) { const x = s / T * W + 0.5; c.moveTo(x, 0); c.lineTo(x, 6); }
        c.stroke();
      }
      const line = (col, max, color) => {
        c.strokeStyle = color; c.lineWidth = 1.5; c.beginPath();
        const step = W / col.length;
        for (let i = 0; i < col.length; i++) {
          const y = H - 2 - col[i] / max * (H - 14);
          if (i) c.lineTo(i * step, y); else c.moveTo(0, y);
          c.lineTo((i + 1) * step, y);
        }
        c.stroke();
      };
      const n = this.colRed.length, step = W / n, y = (v) => H - 2 - v / this.maxRed * (H - 14);
      if (n < this.T) {  // many moves a column: shade from the least to the most red pebbles
        c.fillStyle = "rgba(228,70,60,0.25)"; c.beginPath();
        for (let i = 0; i < n; i++) c.lineTo(i * step, y(this.colRed[i]));
        for (let i = n - 1; i >= 0; i--) c.lineTo(i * step, y(this.colRedMin[i]));
        c.fill();
      }
      line(this.colIO, this.maxIO, "#333"); line(this.colRed, this.maxRed, "#e4463c");
      c.strokeStyle = "rgba(228,70,60,0.4)"; c.setLineDash([3, 3]); c.beginPath();
      c.moveTo(0, 12); c.lineTo(W, 12); c.stroke(); c.setLineDash([]);
      const x = this.pos / Math.max(1, T) * W;
      c.strokeStyle = "#1f77b4"; c.lineWidth = 2; c.beginPath(); c.moveTo(x, 0); c.lineTo(x, H); c.stroke();
      c.fillStyle = "#333"; c.font = "11px sans-serif";
      c.fillText(`I/O (black, up to ${fmt(this.maxIO)}); red pebbles (red, dashed: M = ${S.memory})`, 4, 10);
    }
  }

  async function main() {
    try {
      const D = await decode(JSON.parse($("rb-data").textContent));
      window.redblueView = new Viewer(D);
      document.body.dataset.ready = "1";
    } catch (err) {
      const w = $("rb-warning"); w.hidden = false; w.textContent = "viewer failed: " + err;
      document.body.dataset.ready = "error";
      throw err;
    }
  }
  main();
})();
