// The Playground's live view. Each frame (dl_core/analyses/live_frames.py) arrives as bytes: a JSON header
// and int8 / float32 arrays. The drawing objects live here and are repainted in place from each frame, so
// the server sends no chart JSON while training plays. Buttons and edits go back as trigger values.

const ORANGE = [245, 147, 34], GREY = [232, 234, 235], BLUE = [8, 119, 189];
const CLASS_COLORS = [ORANGE, BLUE, [44, 160, 44], [148, 103, 189], [214, 39, 40], [140, 86, 75], [227, 119, 194],
  [127, 127, 127], [188, 189, 34], [23, 190, 207]];
const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

// value −127…127 → diverging orange–grey–blue, as dl_core/viz/colors.py; the output's background is paler,
// so that points of the class the network predicts there still stand out against it
function divergingTable(strength) {
  const table = new Uint8ClampedArray(256 * 3);
  for (let v = -128; v < 128; v++) {
    const t = Math.max(-1, Math.min(1, v / 127));
    const to = t < 0 ? ORANGE : BLUE;
    const k = (v + 128) * 3;
    for (let c = 0; c < 3; c++) table[k + c] = GREY[c] + (to[c] - GREY[c]) * Math.abs(t) * strength;
  }
  return table;
}
const DIVERGING = divergingTable(1), PALE = divergingTable(0.6);

// ---------------------------------------------------------------- heatmaps into images

function scalarImage(values, offset, size, discretize, table = DIVERGING) {
  const image = new ImageData(size, size);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      let v = values[offset + row * size + col];
      if (discretize) v = v >= 0 ? 127 : -127;
      const k = ((size - 1 - row) * size + col) * 4; // row 0 is the bottom of the plane
      const t = (v + 128) * 3;
      image.data[k] = table[t]; image.data[k + 1] = table[t + 1]; image.data[k + 2] = table[t + 2];
      image.data[k + 3] = 255;
    }
  }
  return image;
}

function classImage(probabilities, classes, size, discretize, strength = 1) {
  // probabilities: (C, R, R) of 0…255; each class's colour, paler where unsure
  const image = new ImageData(size, size);
  const area = size * size;
  for (let p = 0; p < area; p++) {
    let best = 0, top = -1, mixed = [0, 0, 0];
    for (let c = 0; c < classes; c++) {
      const q = probabilities[c * area + p] / 255;
      if (q > top) { top = q; best = c; }
      for (let k = 0; k < 3; k++) mixed[k] += q * CLASS_COLORS[c][k];
    }
    if (discretize) mixed = CLASS_COLORS[best];
    const sure = strength * (discretize ? 1 : Math.max(0, (top - 1 / classes) / (1 - 1 / classes)));
    const row = Math.floor(p / size), col = p % size;
    const k = ((size - 1 - row) * size + col) * 4;
    for (let c = 0; c < 3; c++) image.data[k + c] = GREY[c] + (mixed[c] - GREY[c]) * sure;
    image.data[k + 3] = 255;
  }
  return image;
}

function paint(image, canvas) {
  // an image into a canvas kept for it (drawImage scales a canvas, not an ImageData)
  if (canvas.width !== image.width) canvas.width = image.width;
  if (canvas.height !== image.height) canvas.height = image.height;
  canvas.getContext("2d").putImageData(image, 0, 0);
  return canvas;
}

// ---------------------------------------------------------------- the view

class LiveView {
  constructor(root, send) {
    this.root = root;
    this.send = send;
    this.static = null;
    this.outputCanvas = document.createElement("canvas");
    this.history = { step: [], train: [], test: [], accuracy: [] };
    root.innerHTML = `
      <div class="bar">
        <button class="play" type="button" title="Train continuously; the picture redraws as it learns"></button>
        <button class="step" type="button" title="Train a tenth of a second's worth of steps, then stop">Step</button>
        <button class="reset" type="button" title="Back to the initial weights of this seed">Reset</button>
        <span class="status" aria-live="polite"></span>
      </div>
      <div class="body">
        <div class="network-panel">
          <div class="layer-edit">
            <button class="layers-minus" type="button" title="Remove the last hidden layer">−</button>
            <span class="layer-count"></span>
            <button class="layers-plus" type="button" title="Add a hidden layer">+</button>
          </div>
          <canvas class="network" aria-label="the network: inputs, hidden layers and output, each neuron drawn as its map"></canvas>
          <div class="neuron-edits"></div>
        </div>
        <div class="output-panel">
          <div class="output-title"></div>
          <canvas class="boundary" aria-label="the output over the plane, with the data points"></canvas>
          <div class="legend"></div>
          <canvas class="curves" aria-label="training and test loss over the steps"></canvas>
          <div class="curves-legend"><span class="train">train loss</span><span class="test">test loss</span></div>
          <div class="confusion-title">Confusion matrix on the test data</div>
          <table class="confusion" aria-label="confusion matrix on the test data"></table>
        </div>
      </div>
      <div class="zoom" hidden><canvas></canvas><div class="caption"></div></div>
      <div class="divergence" hidden></div>`;
    this.q = (selector) => root.querySelector(selector);
    // Pause: the last state received, at once, and nothing moves after it
    this.play = new PlayButton(this.q(".play"), send, () => this.flush(true));
    this.q(".step").addEventListener("click", () => this.send("command", "step"));
    this.q(".reset").addEventListener("click", () => this.send("command", "reset"));
    this.q(".layers-plus").addEventListener("click", () => this.send("edit", { op: "add_layer" }));
    this.q(".layers-minus").addEventListener("click", () => this.send("edit", { op: "remove_layer" }));
    const net = this.q(".network");
    net.addEventListener("mousemove", (event) => this.hover(event));
    net.addEventListener("mouseleave", () => this.hideZoom());
    net.addEventListener("click", (event) => this.click(event));
  }

  // A message is one frame, or a tick's frames (header.parts): the first is shown at once, the others spread
  // evenly over the time the last tick took, so the view moves between the server's reruns. A new message
  // ends the last one's: its frames not yet shown give their curve points and are skipped.
  update(bytes) {
    const message = decode(bytes);
    const frames = message.header.parts
      ? Array.from({ length: message.header.parts }, (_, k) => decode(message.blobs[`part${k}`].data))
      : [message];
    const now = performance.now(), every = (message.header.every || 0.1) * 1000;
    const gap = this.arrived === undefined ? every : Math.min(2 * every, Math.max(every / 2, now - this.arrived));
    this.arrived = now;
    this.gap = this.gap === undefined ? gap : 0.8 * this.gap + 0.2 * gap; // ticks come about this far apart
    this.flush(false);
    this.checkContinuity(frames); // after the last message's frames have given their curve points
    this.queue = frames;
    this.spacing = (0.9 * this.gap) / frames.length; // done a little before the next tick's frames are due
    // Pause clicked and the server has not seen it yet: what it trained meanwhile shows at once, not played out
    if (this.play.pausing) this.flush(true);
    else this.next();
  }

  // A busy server can lose a message (Streamlit drops a fragment's unsent messages when its next run starts):
  // the network's layout, or curve points, never arrive. The view then asks for everything again.
  checkContinuity(frames) {
    let have = this.static ? this.historyCount : null;
    let missing = false;
    for (const { header, blobs } of frames) {
      if (header.static) have = 0;
      else if (have === null || (header.history_from !== 0 && header.history_from !== have)) missing = true;
      if (have !== null) have = (header.history_from === 0 ? 0 : have) + blobs.history.shape[1];
    }
    const now = performance.now();
    if (missing && !(now - this.askedAgain < 1000)) {
      this.askedAgain = now;
      this.send("command", "resync");
    }
  }

  next() {
    this.show(this.queue.shift());
    clearTimeout(this.timer);
    if (this.queue.length) this.timer = setTimeout(() => this.next(), this.spacing);
  }

  // The frames still waiting, at once: their curve points, a new network's layout, and the last one drawn when
  // ``showLast`` (Pause).
  flush(showLast) {
    clearTimeout(this.timer);
    const waiting = this.queue || [];
    this.queue = [];
    waiting.forEach((frame, k) => {
      if (frame.header.static || (showLast && k === waiting.length - 1)) this.show(frame);
      else if (this.static) this.appendHistory(frame.header, frame.blobs.history);
    });
  }

  show({ header, blobs }) {
    if (header.static) {
      this.static = header.static;
      this.history = { step: [], train: [], test: [], accuracy: [] };
      this.layout();
    }
    if (!this.static) return;
    this.play.follow(header.playing);
    this.header = header;
    this.blobs = blobs;
    this.maps = this.nodeMaps();
    this.appendHistory(header, blobs.history);
    this.drawStatus(header);
    this.drawNetwork();
    this.drawOutput();
    this.drawCurves();
    this.drawConfusion();
  }

  appendHistory(header, blob) {
    const n = blob.shape[1];
    const h = this.history;
    if (header.history_from === 0) { h.step = []; h.train = []; h.test = []; h.accuracy = []; this.historyCount = 0; }
    this.historyCount = (this.historyCount || 0) + n;
    for (let k = 0; k < n; k++) {
      h.step.push(blob.data[k]); h.train.push(blob.data[n + k]);
      h.test.push(blob.data[2 * n + k]); h.accuracy.push(blob.data[3 * n + k]);
    }
    if (h.step.length > 4000) for (const key of Object.keys(h)) h[key] = h[key].filter((_, i) => i % 2 === 0);
  }

  drawStatus(header) {
    const f = (v, digits = 4) => (v === null || v === undefined ? "–" : v.toFixed(digits));
    let text = `Step ${header.step.toLocaleString("en")} · epoch ${header.epoch.toFixed(1)} · ` +
      `train loss ${f(header.train_loss)} · test loss ${f(header.test_loss)}`;
    if (header.test_accuracy !== null) text += ` · test accuracy ${(header.test_accuracy * 100).toFixed(1)}%`;
    this.q(".status").textContent = text;
    const diverged = this.q(".divergence");
    diverged.hidden = !header.diverged;
    diverged.textContent = header.diverged;
    this.q(".play").disabled = Boolean(header.diverged);
  }

  // ---------------------------------------------------------------- the network diagram

  layout() {
    const s = this.static;
    const panel = this.q(".network-panel");
    const width = Math.max(320, panel.clientWidth || 560);
    const features = s.features;
    const columns = [features.length, ...s.sizes.slice(1)]; // every feature is drawn; unused ones fade
    const tallest = Math.max(...columns);
    const left = 74, right = 30; // room for the input features' names on the left
    const gapX = (width - left - right) / Math.max(1, columns.length - 1);
    const node = Math.max(14, Math.min(40, Math.floor(520 / (tallest * 1.35)), Math.floor(gapX * 0.4)));
    const rowGap = node * 1.35;
    const top = 26, height = top + tallest * rowGap + 10;
    const canvas = this.q(".network");
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio; canvas.height = height * ratio;
    canvas.style.width = `${width}px`; canvas.style.height = `${height}px`;
    this.geometry = { width, height, node, columns, positions: [] };
    columns.forEach((size, l) => {
      const x = left + l * gapX;
      const column = [];
      for (let i = 0; i < size; i++) column.push([x, top + node / 2 + ((tallest - size) / 2 + i) * rowGap]);
      this.geometry.positions.push(column);
    });
    this.q(".layer-count").textContent = `${s.sizes.length - 2} hidden layer${s.sizes.length === 3 ? "" : "s"}`;
    this.q(".layers-plus").disabled = s.sizes.length - 2 >= s.max_layers;
    this.q(".layers-minus").disabled = s.sizes.length <= 2;
    const edits = this.q(".neuron-edits");
    edits.innerHTML = "";
    edits.style.width = `${width}px`;
    for (let l = 1; l < s.sizes.length - 1; l++) {
      const [x] = this.geometry.positions[l][0];
      const group = document.createElement("div");
      group.className = "neuron-edit";
      group.style.left = `${x - 34}px`;
      group.innerHTML = `<button type="button" title="One neuron fewer in layer ${l}">−</button>` +
        `<span>${s.sizes[l]}</span><button type="button" title="One more neuron in layer ${l}">+</button>`;
      const [minus, , plus] = group.children;
      minus.disabled = s.sizes[l] <= 1;
      plus.disabled = s.sizes[l] >= s.max_width;
      minus.addEventListener("click", () => this.send("edit", { op: "remove_neuron", layer: l }));
      plus.addEventListener("click", () => this.send("edit", { op: "add_neuron", layer: l }));
      edits.appendChild(group);
    }
  }

  nodeMaps() {
    // one small canvas per node, from this frame's int8 maps (inputs: only the active features have maps); the
    // canvases are kept and repainted, frame after frame, not made anew thirty times a second
    const s = this.static, b = this.blobs, r = s.neuron_resolution, area = r * r;
    const pool = (this.pool = this.pool || []);
    let used = 0;
    const toCanvas = (image) => {
      if (used === pool.length) pool.push(document.createElement("canvas"));
      return paint(image, pool[used++]);
    };
    const maps = [[]];
    const activeIndex = new Map(s.active.map((key, i) => [key, i]));
    for (const feature of s.features) {
      const i = activeIndex.get(feature.key);
      maps[0].push(i === undefined ? null : toCanvas(scalarImage(b.nodes_in.data, i * area, r, false)));
    }
    for (let l = 1; l < s.sizes.length - 1; l++) {
      const blob = b[`nodes_${l - 1}`];
      maps.push(Array.from({ length: s.sizes[l] }, (_, i) => toCanvas(scalarImage(blob.data, i * area, r, false))));
    }
    const out = b.nodes_out;
    if (s.classes > 2 && out.shape[0] > 1) {
      maps.push(Array.from({ length: out.shape[0] }, (_, c) => {
        const one = new Int8Array(area);
        for (let p = 0; p < area; p++) one[p] = Math.round((out.data[c * area + p] / 255) * 254 - 127);
        return toCanvas(scalarImage(one, 0, r, false));
      }));
    } else {
      maps.push([toCanvas(s.classes > 2 ? classImage(out.data, s.classes, r, false) : scalarImage(out.data, 0, r, false))]);
    }
    return maps;
  }

  drawNetwork() {
    const s = this.static, g = this.geometry, b = this.blobs;
    const canvas = this.q(".network"), ctx = canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, g.width, g.height);
    const half = g.node / 2;
    // weights between layers: the first layer's inputs are the active features only
    const activeRows = s.features.map((f, i) => (f.active ? i : -1)).filter((i) => i >= 0);
    let largest = 0;
    for (let l = 0; l < s.sizes.length - 1; l++) for (const w of b[`w${l}`].data) largest = Math.max(largest, Math.abs(w));
    this.edges = [];
    for (let l = 0; l < s.sizes.length - 1; l++) {
      const w = b[`w${l}`].data, fanIn = s.sizes[l];
      const sources = l === 0 ? activeRows : [...Array(fanIn).keys()];
      for (let j = 0; j < s.sizes[l + 1]; j++) {
        sources.forEach((row, i) => {
          const value = w[j * fanIn + i];
          const [x0, y0] = g.positions[l][row], [x1, y1] = g.positions[l + 1][j];
          const width = largest > 0 ? 0.5 + 6.5 * Math.min(Math.abs(value) / largest, 1) : 0.5;
          ctx.strokeStyle = value >= 0 ? rgb(BLUE) : rgb(ORANGE);
          ctx.globalAlpha = 0.75;
          ctx.lineWidth = width;
          ctx.beginPath();
          const mid = (x0 + x1) / 2;
          ctx.moveTo(x0 + half, y0);
          ctx.bezierCurveTo(mid, y0, mid, y1, x1 - half, y1);
          ctx.stroke();
          this.edges.push({ x0: x0 + half, y0, x1: x1 - half, y1, value, from: [l, row], to: [l + 1, j] });
        });
      }
    }
    ctx.globalAlpha = 1;
    const maps = this.maps;
    ctx.imageSmoothingEnabled = true;
    ctx.font = "12px 'Source Sans Pro', sans-serif";
    ctx.textAlign = "center";
    g.positions.forEach((column, l) => {
      const title = l === 0 ? "inputs" : l === g.positions.length - 1 ? "output" : s.titles[l];
      ctx.fillStyle = "#31333f";
      ctx.fillText(title, column[0][0], 14);
      column.forEach(([x, y], i) => {
        const map = maps[l][i];
        if (map) ctx.drawImage(map, x - half, y - half, g.node, g.node);
        else { ctx.fillStyle = "#f3f3f5"; ctx.fillRect(x - half, y - half, g.node, g.node); }
        const selected = this.selected && this.selected[0] === l && this.selected[1] === i;
        ctx.strokeStyle = selected ? "#111" : l === 0 && !s.features[i].active ? "#c9c9cf" : "#6b6d75";
        ctx.lineWidth = selected ? 3 : 1;
        ctx.strokeRect(x - half, y - half, g.node, g.node);
        if (l === 0) {
          ctx.fillStyle = s.features[i].active ? "#31333f" : "#9a9ca5";
          ctx.textAlign = "right";
          ctx.fillText(s.features[i].label, x - half - 4, y + 4);
          ctx.textAlign = "center";
        }
      });
    });
  }

  nodeAt(event) {
    if (!this.geometry) return null;
    const box = this.q(".network").getBoundingClientRect();
    const x = event.clientX - box.left, y = event.clientY - box.top, half = this.geometry.node / 2;
    for (let l = 0; l < this.geometry.positions.length; l++) {
      const column = this.geometry.positions[l];
      for (let i = 0; i < column.length; i++) {
        const [cx, cy] = column[i];
        if (Math.abs(x - cx) <= half && Math.abs(y - cy) <= half) return [l, i];
      }
    }
    return null;
  }

  edgeAt(event) {
    const box = this.q(".network").getBoundingClientRect();
    const x = event.clientX - box.left, y = event.clientY - box.top;
    let best = null, distance = 5;
    for (const e of this.edges || []) {
      for (let t = 0; t <= 1; t += 0.05) { // points along the curve drawn above
        const mid = (e.x0 + e.x1) / 2, u = 1 - t;
        const px = u * u * u * e.x0 + 3 * u * u * t * mid + 3 * u * t * t * mid + t * t * t * e.x1;
        const py = u * u * u * e.y0 + 3 * u * u * t * e.y0 + 3 * u * t * t * e.y1 + t * t * t * e.y1;
        const d = Math.hypot(px - x, py - y);
        if (d < distance) { distance = d; best = e; }
      }
    }
    return best;
  }

  nodeName(l, i) {
    const s = this.static;
    if (l === 0) return `${s.features[i].label}${s.features[i].active ? "" : " (not used: click to use it)"}`;
    return s.names[l][i];
  }

  hover(event) {
    const hit = this.nodeAt(event);
    const zoom = this.q(".zoom");
    if (!hit) {
      const edge = this.edgeAt(event);
      if (!edge) return this.hideZoom();
      zoom.querySelector("canvas").hidden = true;
      zoom.querySelector(".caption").textContent =
        `w = ${edge.value >= 0 ? "+" : ""}${edge.value.toFixed(3)}: ${this.nodeName(...edge.from)} → ${this.nodeName(...edge.to)}`;
      return this.placeZoom(event, zoom);
    }
    const [l, i] = hit;
    const map = this.maps[l][i];
    const canvas = zoom.querySelector("canvas");
    canvas.hidden = !map;
    if (map) {
      canvas.width = 160; canvas.height = 160;
      const ctx = canvas.getContext("2d");
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(map, 0, 0, 160, 160);
    }
    let caption = this.nodeName(l, i);
    if (l > 0) {
      const bias = this.blobs[`b${l - 1}`].data[i];
      caption += ` · bias ${bias >= 0 ? "+" : ""}${bias.toFixed(3)}`;
    }
    zoom.querySelector(".caption").textContent = caption + (l === 0 ? "" : " · click to show it large");
    this.placeZoom(event, zoom);
  }

  placeZoom(event, zoom) {
    const frame = this.root.getBoundingClientRect();
    const x = event.clientX - frame.left + 14, y = event.clientY - frame.top + 14;
    zoom.style.left = `${Math.min(x, frame.width - 190)}px`;
    zoom.style.top = `${y}px`;
    zoom.hidden = false;
  }

  hideZoom() {
    this.q(".zoom").hidden = true;
  }

  click(event) {
    const hit = this.nodeAt(event);
    if (!hit) return;
    const [l, i] = hit;
    if (l === 0) return this.send("edit", { op: "toggle_feature", feature: this.static.features[i].key });
    if (l === this.geometry.positions.length - 1) { this.selected = null; return this.send("selected", null); }
    const same = this.selected && this.selected[0] === l && this.selected[1] === i;
    this.selected = same ? null : [l, i];
    this.send("selected", this.selected);
  }

  // ---------------------------------------------------------------- the output over the plane

  drawOutput() {
    const s = this.static, b = this.blobs, h = this.header;
    const panel = this.q(".output-panel");
    const size = Math.max(220, Math.min(420, (panel.clientWidth || 400) - 50));
    const canvas = this.q(".boundary"), ratio = window.devicePixelRatio || 1;
    const margin = 34, top = 8, right = 12;
    const width = size + margin + right, height = size + margin + top;
    if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
      canvas.width = width * ratio; canvas.height = height * ratio;
      canvas.style.width = `${width}px`; canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const r = s.output_resolution;
    let image, title;
    if (h.selected && b.selected) {
      image = scalarImage(b.selected.data, 0, r, false, PALE);
      title = this.nodeName(h.selected[0], h.selected[1]);
    } else if (s.classes > 2) {
      image = classImage(b.output.data, s.classes, r, s.discretize, 0.6);
      title = "output";
    } else {
      image = scalarImage(b.output.data, 0, r, s.discretize, PALE);
      title = "output";
    }
    const loss = h.test_loss === null ? "" : ` · test loss ${h.test_loss.toFixed(3)}`;
    this.q(".output-title").textContent = `${title} · step ${h.step.toLocaleString("en")}${loss}`;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(paint(image, this.outputCanvas), margin, top, size, size);
    // the points and the axes change with the data and the size only: drawn once into a layer kept for them
    const layerKey = `${size}:${ratio}:${document.fonts.status}`; // redrawn once the page's font has come
    if (this.pointsFor !== s || this.pointsKey !== layerKey) {
      this.pointsFor = s;
      this.pointsKey = layerKey;
      const layer = (this.pointsLayer = this.pointsLayer || document.createElement("canvas"));
      layer.width = width * ratio; layer.height = height * ratio;
      const lctx = layer.getContext("2d");
      lctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      this.drawPointsAndAxes(lctx, size, margin, top);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.pointsLayer, 0, 0);
    this.drawLegend();
  }

  drawPointsAndAxes(ctx, size, margin, top) {
    const s = this.static;
    const extent = s.extent;
    const px = (x) => margin + ((x + extent) / (2 * extent)) * size;
    const py = (y) => top + ((extent - y) / (2 * extent)) * size;
    const splits = s.show_test ? [["train", "#fff"], ["test", "#111"]] : [["train", "#fff"]];
    for (const [split, outline] of splits) {
      const points = s.points[split];
      for (let k = 0; k < points.x.length; k++) {
        const label = points.label[k];
        let fill;
        if (s.classes === 0) {
          const v = Math.max(-127, Math.min(127, Math.round(label * 127)));
          const t = (v + 128) * 3;
          fill = `rgb(${DIVERGING[t]},${DIVERGING[t + 1]},${DIVERGING[t + 2]})`;
        } else fill = rgb(CLASS_COLORS[label]);
        ctx.beginPath();
        ctx.arc(px(points.x[k]), py(points.y[k]), 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = fill;
        ctx.fill();
        ctx.lineWidth = 1;
        ctx.strokeStyle = outline;
        ctx.stroke();
      }
    }
    ctx.fillStyle = "#31333f";
    ctx.font = "12px 'Source Sans Pro', sans-serif";
    ctx.textAlign = "center";
    for (const tick of [-extent, -extent / 2, 0, extent / 2, extent]) {
      ctx.fillText(String(tick), px(tick), top + size + 14);
      ctx.textAlign = "right";
      ctx.fillText(String(tick), margin - 4, py(tick) + 4);
      ctx.textAlign = "center";
    }
    ctx.fillText("x₁", margin + size / 2, top + size + 29);
    ctx.save();
    ctx.translate(10, top + size / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText("x₂", 0, 0);
    ctx.restore();
  }

  drawLegend() {
    const s = this.static, legend = this.q(".legend");
    if (this.legendFor === s) return;
    this.legendFor = s;
    legend.replaceChildren(); // class names may come from a learner's file: text only, never markup
    const add = (tag, className, text) => {
      const element = document.createElement(tag);
      if (className) element.className = className;
      if (text !== undefined) element.textContent = text;
      return element;
    };
    if (s.classes <= 2) {
      const scale = add("span", "scale");
      const [low, high] = s.classes === 0 ? ["−1", "+1"] : s.class_names;
      scale.append(add("span", "", low), add("span", "bar"), add("span", "", high));
      legend.append(scale, add("span", "", s.classes === 0
        ? "the colour is the network's answer; each point's colour is its target"
        : "paler where the network is unsure"));
      return;
    }
    s.class_names.forEach((name, c) => {
      const swatch = add("span", "swatch");
      swatch.style.background = rgb(CLASS_COLORS[c % CLASS_COLORS.length]);
      legend.append(swatch, add("span", "class-name", name));
    });
  }

  drawCurves() {
    const h = this.history, canvas = this.q(".curves"), panel = this.q(".output-panel");
    const width = Math.max(220, Math.min(460, (panel.clientWidth || 400))), height = 110;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio; canvas.height = height * ratio;
    canvas.style.width = `${width}px`; canvas.style.height = `${height}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const left = 44, bottom = height - 18, top = 6, right = width - 6;
    const values = [...h.train, ...h.test].filter((v) => Number.isFinite(v));
    ctx.strokeStyle = "#d6d6dc";
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, right - left, bottom - top);
    ctx.fillStyle = "#31333f";
    ctx.font = "12px 'Source Sans Pro', sans-serif";
    if (!values.length || h.step.length < 2) {
      ctx.fillText("the loss appears as training runs", left + 8, (top + bottom) / 2);
      return;
    }
    const low = Math.min(...values), high = Math.max(...values), span = high - low || 1;
    const first = h.step[0], last = h.step[h.step.length - 1] || 1;
    const x = (step) => left + ((step - first) / Math.max(1, last - first)) * (right - left);
    const y = (v) => bottom - ((v - low) / span) * (bottom - top);
    for (const [series, color, dash] of [[h.train, "#555", []], [h.test, rgb(BLUE), [4, 3]]]) {
      ctx.strokeStyle = color;
      ctx.setLineDash(dash);
      ctx.lineWidth = 2;
      ctx.beginPath();
      series.forEach((v, k) => (k ? ctx.lineTo(x(h.step[k]), y(v)) : ctx.moveTo(x(h.step[k]), y(v))));
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.textAlign = "right";
    ctx.fillText(high.toPrecision(3), left - 4, top + 9);
    ctx.fillText(low.toPrecision(3), left - 4, bottom);
    ctx.textAlign = "center";
    ctx.fillText(`step ${Math.round(last).toLocaleString("en")}`, (left + right) / 2, height - 4);
  }

  drawConfusion() {
    const table = this.q(".confusion"), blob = this.blobs.confusion, s = this.static;
    const title = this.q(".confusion-title");
    table.hidden = title.hidden = !blob;
    if (!blob) return;
    const c = blob.shape[0], counts = blob.data;
    let html = `<tr><th title="true class (rows) against the network's answer (columns), on the test data">true ╲ said</th>`;
    for (let j = 0; j < c; j++) html += `<th>${j}</th>`;
    html += "</tr>";
    for (let i = 0; i < c; i++) {
      let total = 0;
      for (let j = 0; j < c; j++) total += counts[i * c + j];
      html += `<tr><th>${i}</th>`;
      for (let j = 0; j < c; j++) {
        const share = total ? counts[i * c + j] / total : 0;
        html += `<td style="background:rgba(8,119,189,${(share * 0.85).toFixed(2)});color:${share > 0.55 ? "#fff" : "#31333f"}">` +
          `${counts[i * c + j]}</td>`;
      }
      html += "</tr>";
    }
    if (html === this.confusionHtml) return; // the same counts: the table stays as it is
    this.confusionHtml = html;
    table.innerHTML = html;
    table.title = s.class_names.map((name, k) => `${k}: ${name}`).join(", ");
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue, setStateValue } = component;
  let root = parentElement.querySelector(".live-view");
  if (!root) {
    root = document.createElement("div");
    root.className = "live-view";
    parentElement.appendChild(root);
    root.view = new LiveView(root, (name, value) => {
      if (name === "selected") setStateValue("selected", value);
      else setTriggerValue(name, { id: Math.random().toString(36).slice(2), value }); // each click its own id
    });
    new ResizeObserver(() => {
      if (root.view.static && root.view.blobs) { root.view.layout(); root.view.drawNetwork(); root.view.drawOutput(); }
    }).observe(root);
  }
  if (data && data.byteLength) root.view.update(data);
}
