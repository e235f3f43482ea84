// A lab's live charts. Each frame (dl_core/analyses/chart_frames.py) arrives as bytes: a JSON header (the
// status line, the panels' layout when it changed, each changed panel's fields) and small typed arrays. Every
// panel keeps its own canvas and its data here and is repainted in place, so nothing is rebuilt and no chart
// JSON travels while training plays. Play/Pause, Step and Reset go back as trigger values, each with an id.
// Text from the server (layer and class names, notes) is only ever set as textContent or drawn on a canvas.
//
// Playback: while training plays the server sends a frame a tick (about ten a second: each server rerun costs
// CPU that a classroom shares). A frame's new records (points of the curves, snapshots of the path) are shown one
// after another over the time until the next frame is due, and the step counter counts up through the steps
// that tick trained, a repaint every animation frame that has something new (up to 60 a second), each showing
// only records the server measured. The view thus runs one tick behind the server; Pause shows everything
// received at once, and the paused state.

const FONT_FAMILY = "'Source Sans Pro', sans-serif";
const TICK_FONT = `12px ${FONT_FAMILY}`;
const LABEL_FONT = `13px ${FONT_FAMILY}`;
const TEXT = "#31333f", MUTED = "#6b6d75", GRID = "#ececf0", AXIS = "#c9c9cf";
const HISTORY_CAP = 4000; // points kept per line chart; beyond it every other one is dropped
const PAINT_MS = 14; // at most one repaint per this long while a tick plays out (every frame of a 60 Hz display)

// ---------------------------------------------------------------- numbers a learner can read

// 0.001 … 1000 as plain decimals, beyond that 1e-5 / 1e5: never SI prefixes such as "100µ" or "10n"
function decadeLabel(k) {
  if (k >= -3 && k <= 3) return String(Number(`1e${k}`));
  return `1e${k}`;
}

function niceStep(span, count) {
  // 1, 2 or 5 times a power of ten, the nearest (by ratio) to the span shared among `count` ticks
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  let best = power;
  for (const unit of [1, 2, 5, 10]) {
    if (Math.abs(Math.log(unit * power / raw)) < Math.abs(Math.log(best / raw))) best = unit * power;
  }
  return best;
}

function linearTicks(low, high, count) {
  const step = niceStep(high - low || 1, count);
  const ticks = [];
  for (let v = Math.ceil(low / step - 1e-9) * step; v <= high + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { ticks, step };
}

function tickLabel(v, step) {
  if (v === 0) return "0";
  const size = Math.max(Math.abs(v), step);
  if (size >= 1e5 || step < 1e-4) {
    const text = v.toExponential(Math.max(0, Math.min(3, Math.round(Math.log10(Math.abs(v) / step))))); // 1.5e-5
    return text.replace(/\.?0+e/, "e").replace("e+", "e");
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toLocaleString("en", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function valueLabel(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const size = Math.abs(v);
  if (size !== 0 && (size < 1e-3 || size >= 1e5)) return v.toExponential(2).replace("e+", "e");
  return Number(v.toPrecision(3)).toLocaleString("en", { maximumFractionDigits: 6 });
}

// ---------------------------------------------------------------- colours

function parseRgb(text) {
  const match = /rgba?\(([^)]+)\)/.exec(text);
  return match ? match[1].split(",").slice(0, 3).map(Number) : [128, 128, 128];
}

function colorTable(stops) {
  // 256 colours interpolated between evenly spaced stops: a colour scale looked up by uint8 level
  const colors = stops.map(parseRgb), table = new Uint8ClampedArray(256 * 3);
  for (let v = 0; v < 256; v++) {
    const t = (v / 255) * (colors.length - 1), k = Math.min(colors.length - 2, Math.floor(t)), f = t - k;
    for (let c = 0; c < 3; c++) table[v * 3 + c] = colors[k][c] + (colors[k + 1][c] - colors[k][c]) * f;
  }
  return table;
}

const tableColor = (table, level) => {
  const k = Math.max(0, Math.min(255, Math.round(level))) * 3;
  return `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
};

// ---------------------------------------------------------------- canvas helpers

function sizeCanvas(canvas, height) {
  // the canvas is as wide as its panel; its pixels follow the screen's density. Resizing clears it, and the
  // caller repaints at once in the same task, so the browser never shows it blank.
  const width = Math.max(120, Math.floor(canvas.clientWidth || canvas.parentElement.clientWidth || 300));
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = TICK_FONT;
  ctx.textBaseline = "alphabetic";
  return { ctx, width, height };
}

function fitText(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function placeholder(ctx, width, height, text) {
  ctx.fillStyle = MUTED;
  ctx.font = LABEL_FONT;
  ctx.textAlign = "center";
  ctx.fillText(text, width / 2, height / 2);
  ctx.textAlign = "left";
}

// ---------------------------------------------------------------- panels

class Panel {
  constructor(root, spec) {
    this.spec = spec;
    this.card = element("section", `panel ${spec.kind}${spec.wide ? " wide" : ""}`);
    this.card.append(element("h4", "title", spec.title));
    this.canvas = element("canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", spec.title);
    this.card.append(this.canvas);
    this.legend = element("div", "legend");
    this.note = element("div", "note");
    this.card.append(this.legend, this.note);
    root.append(this.card);
  }

  apply(entry, blobs) {
    this.note.textContent = entry.note || "";
    this.note.hidden = !entry.note;
    this.take(entry, (name) => blobs[`${this.spec.key}.${name}`]);
  }

  take() {}

  draw() {}

  // incremental panels hold a tick's new records back and show them over the tick (see Playback above)
  reveal() { return false; }
}

class Queue {
  // rows received but not shown yet: `rows` arrays of equal length, moved to the shown ones by `reveal`
  constructor() { this.rows = []; this.total = 0; }

  push(row) { this.rows.push(row); this.total += 1; }

  // moves rows until `fraction` of this tick's rows are out; returns those moved
  take(fraction) {
    const keep = Math.max(0, this.total - Math.ceil(fraction * this.total));
    const moved = this.rows.splice(0, Math.max(0, this.rows.length - keep));
    if (!this.rows.length) this.total = 0;
    return moved;
  }
}

class LinesPanel extends Panel {
  constructor(root, spec) {
    super(root, spec);
    this.x = [];
    this.y = spec.names.map(() => []);
    if (spec.legend) {
      spec.names.forEach((name, k) => {
        const item = element("span", "item");
        const swatch = element("span", spec.dashes[k] ? "swatch dashed" : "swatch");
        swatch.style.borderColor = spec.colors[k];
        item.append(swatch, element("span", "", name));
        this.legend.append(item);
      });
    }
    this.tip = element("div", "tip");
    this.tip.hidden = true;
    this.card.append(this.tip);
    this.canvas.addEventListener("mousemove", (event) => this.hover(event));
    this.canvas.addEventListener("mouseleave", () => { this.tip.hidden = true; });
  }

  take(entry, blob) {
    if (!this.queue) this.queue = new Queue();
    if (entry.reset) { this.x = []; this.y = this.spec.names.map(() => []); this.queue = new Queue(); }
    const x = blob("x"), y = blob("y"), series = this.y.length;
    if (!x) return;
    const n = x.data.length, width = y.shape[1] || series;
    for (let k = 0; k < n; k++) {
      const row = [x.data[k]];
      for (let s = 0; s < series; s++) row.push(s < width ? y.data[k * width + s] : NaN);
      this.queue.push(row);
    }
  }

  reveal(fraction) {
    const moved = this.queue ? this.queue.take(fraction) : [];
    for (const [x, ...values] of moved) {
      this.x.push(x);
      values.forEach((v, s) => this.y[s].push(v));
    }
    if (this.x.length > HISTORY_CAP) { // every other point, the newest kept
      const keep = (_, i, all) => i % 2 === (all.length - 1) % 2;
      this.x = this.x.filter(keep);
      this.y = this.y.map((values) => values.filter(keep));
    }
    return moved.length > 0;
  }

  shown(v) {
    if (!Number.isFinite(v)) return NaN;
    if (this.spec.log) return v > 0 ? Math.log10(v) : NaN;
    return this.spec.percent ? v * 100 : v;
  }

  draw() {
    const { ctx, width, height } = sizeCanvas(this.canvas, 230);
    const s = this.spec;
    let low = Infinity, high = -Infinity;
    for (const values of this.y) for (const v of values) {
      const t = this.shown(v);
      if (Number.isFinite(t)) { low = Math.min(low, t); high = Math.max(high, t); }
    }
    if (this.x.length < 1 || !Number.isFinite(low)) {
      this.geometry = null;
      return placeholder(ctx, width, height, "appears as training runs");
    }
    let ticks, label;
    if (s.log) {
      low = Math.floor(low); high = Math.max(Math.ceil(high), low + 1);
      const every = Math.ceil((high - low + 1) / 6);
      ticks = [];
      for (let k = high; k >= low; k -= every) ticks.push(k);
      label = (k) => decadeLabel(k);
    } else {
      if (s.percent) { low = Math.min(low, 0); high = Math.max(high, 100); }
      const pad = (high - low) * 0.06 || Math.abs(high) * 0.1 || 1;
      if (!s.percent) { low -= pad; high += pad; }
      const found = linearTicks(low, high, 5);
      ticks = found.ticks;
      label = (v) => tickLabel(v, found.step) + (s.percent ? "%" : "");
    }
    const labels = ticks.map(label);
    const left = 10 + (s.y_title ? 16 : 0) + Math.max(...labels.map((t) => ctx.measureText(t).width));
    const plot = { left, right: width - 12, top: 8, bottom: height - 38 };
    const x0 = this.x[0], x1 = Math.max(this.x[this.x.length - 1], x0 + 1);
    const px = (x) => plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left);
    const py = (v) => plot.bottom - ((v - low) / (high - low)) * (plot.bottom - plot.top);
    this.geometry = { plot, px, x0, x1 };
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.fillStyle = TEXT;
    ctx.textAlign = "right";
    ticks.forEach((t, k) => {
      const y = py(t);
      ctx.beginPath(); ctx.moveTo(plot.left, y); ctx.lineTo(plot.right, y); ctx.stroke();
      ctx.fillText(labels[k], plot.left - 6, y + 4);
    });
    const xs = linearTicks(x0, x1, Math.max(3, Math.floor((plot.right - plot.left) / 65)));
    ctx.textAlign = "center";
    for (const t of xs.ticks) {
      if (t < x0 || t > x1) continue;
      ctx.fillText(Math.round(t).toLocaleString("en"), px(t), plot.bottom + 15);
    }
    ctx.strokeStyle = AXIS;
    ctx.strokeRect(plot.left, plot.top, plot.right - plot.left, plot.bottom - plot.top);
    ctx.fillStyle = MUTED;
    ctx.fillText(s.x_title, (plot.left + plot.right) / 2, height - 4);
    if (s.y_title) {
      ctx.save();
      ctx.translate(12, (plot.top + plot.bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(s.y_title, 0, 0);
      ctx.restore();
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.left, plot.top - 2, plot.right - plot.left, plot.bottom - plot.top + 4);
    ctx.clip();
    this.y.forEach((values, k) => {
      ctx.strokeStyle = s.colors[k];
      ctx.setLineDash(s.dashes[k] ? [5, 4] : []);
      ctx.lineWidth = 2;
      ctx.beginPath();
      let drawing = false;
      for (let i = 0; i < values.length; i++) {
        const t = this.shown(values[i]);
        if (!Number.isFinite(t)) { drawing = false; continue; }
        if (drawing) ctx.lineTo(px(this.x[i]), py(t));
        else { ctx.moveTo(px(this.x[i]), py(t)); drawing = true; }
      }
      if (values.length === 1 && Number.isFinite(this.shown(values[0]))) {
        ctx.arc(px(this.x[0]), py(this.shown(values[0])), 2, 0, 2 * Math.PI);
      }
      ctx.stroke();
    });
    ctx.restore();
    ctx.setLineDash([]);
  }

  hover(event) {
    const g = this.geometry;
    if (!g) { this.tip.hidden = true; return; }
    const box = this.canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    if (x < g.plot.left || x > g.plot.right) { this.tip.hidden = true; return; }
    const step = g.x0 + ((x - g.plot.left) / (g.plot.right - g.plot.left)) * (g.x1 - g.x0);
    let best = 0;
    for (let i = 1; i < this.x.length; i++) if (Math.abs(this.x[i] - step) < Math.abs(this.x[best] - step)) best = i;
    this.tip.replaceChildren(element("div", "tip-title", `step ${Math.round(this.x[best]).toLocaleString("en")}`));
    this.spec.names.forEach((name, k) => {
      const v = this.y[k][best];
      const text = this.spec.percent && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : valueLabel(v);
      const row = element("div", "", `${name}: ${text}`);
      row.style.borderLeft = `3px solid ${this.spec.colors[k]}`;
      this.tip.append(row);
    });
    this.tip.hidden = false;
    const cardBox = this.card.getBoundingClientRect();
    const left = event.clientX - cardBox.left + 12;
    this.tip.style.left = `${Math.min(left, cardBox.width - this.tip.offsetWidth - 4)}px`;
    this.tip.style.top = `${event.clientY - cardBox.top + 12}px`;
  }
}

class HeatmapPanel extends Panel {
  constructor(root, spec) {
    super(root, spec);
    this.table = colorTable(spec.scale);
  }

  take(entry, blob) {
    this.values = blob("values");
  }

  draw() {
    const s = this.spec, blob = this.values;
    if (!blob) return sizeCanvas(this.canvas, 60);
    const [rows, columns] = blob.shape, values = blob.data;
    const probe = this.canvas.getContext("2d");
    probe.font = TICK_FONT;
    const labelWidth = Math.min(130, 8 + Math.max(...s.rows.slice(0, rows).map((r) => probe.measureText(r).width)));
    const left = labelWidth + (s.y_title ? 18 : 0);
    const available = Math.max(120, Math.floor(this.canvas.clientWidth || this.card.clientWidth || 300));
    const cell = Math.max(12, Math.min(44, Math.floor((available - left - 8) / columns)));
    const height = 6 + rows * cell + 36;
    const { ctx, width } = sizeCanvas(this.canvas, height);
    const top = 6;
    let largest = 0;
    for (const v of values) largest = Math.max(largest, v);
    ctx.font = cell >= 26 ? LABEL_FONT : TICK_FONT;
    for (let i = 0; i < rows; i++) {
      let total = 0;
      for (let j = 0; j < columns; j++) total += values[i * columns + j];
      for (let j = 0; j < columns; j++) {
        const v = values[i * columns + j];
        const share = s.shade === "row" ? (total ? v / total : 0) : (largest ? v / largest : 0);
        ctx.fillStyle = tableColor(this.table, share * 255);
        ctx.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
        if (s.counts && cell >= 20) {
          ctx.fillStyle = share > 0.55 ? "#fff" : TEXT;
          ctx.textAlign = "center";
          ctx.fillText(String(Math.round(v)), left + j * cell + cell / 2, top + i * cell + cell / 2 + 4);
        }
      }
    }
    ctx.font = TICK_FONT;
    ctx.fillStyle = TEXT;
    ctx.textAlign = "right";
    for (let i = 0; i < rows; i++) {
      ctx.fillText(fitText(ctx, s.rows[i] ?? String(i), labelWidth - 8), left - 6, top + i * cell + cell / 2 + 4);
    }
    ctx.textAlign = "center";
    for (let j = 0; j < columns; j++) {
      ctx.fillText(fitText(ctx, s.columns[j] ?? String(j), cell - 2), left + j * cell + cell / 2, top + rows * cell + 14);
    }
    ctx.fillStyle = MUTED;
    ctx.fillText(s.x_title, left + (columns * cell) / 2, height - 4);
    if (s.y_title) {
      ctx.save();
      ctx.translate(12, top + (rows * cell) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(s.y_title, 0, 0);
      ctx.restore();
    }
    void width;
  }
}

class ImagesPanel extends Panel {
  take(entry, blob) {
    this.pixels = blob("pixels");
    this.captions = entry.captions || [];
    const [n, h, w] = this.pixels ? this.pixels.shape : [0, 1, 1];
    this.tiles = [];
    for (let k = 0; k < n; k++) { // ink on paper: 0 white, 255 black
      const image = new ImageData(w, h);
      for (let p = 0; p < h * w; p++) {
        const v = 255 - this.pixels.data[k * h * w + p];
        image.data[p * 4] = image.data[p * 4 + 1] = image.data[p * 4 + 2] = v;
        image.data[p * 4 + 3] = 255;
      }
      const tile = document.createElement("canvas");
      tile.width = w; tile.height = h;
      tile.getContext("2d").putImageData(image, 0, 0);
      this.tiles.push(tile);
    }
  }

  draw() {
    const n = this.tiles ? this.tiles.length : 0;
    const available = Math.max(120, Math.floor(this.canvas.clientWidth || this.card.clientWidth || 300));
    const size = 56, gap = 14, caption = 18;
    const columns = Math.max(1, Math.floor((available + gap) / (size + gap)));
    const rows = Math.max(1, Math.ceil(n / columns));
    const { ctx, width, height } = sizeCanvas(this.canvas, n ? rows * (size + caption + 8) : 40);
    if (!n) return placeholder(ctx, width, height, "none");
    ctx.imageSmoothingEnabled = false; // the digits' own 8×8 pixels, crisp
    ctx.font = LABEL_FONT;
    ctx.textAlign = "center";
    ctx.fillStyle = TEXT;
    this.tiles.forEach((tile, k) => {
      const x = (k % columns) * (size + gap), y = Math.floor(k / columns) * (size + caption + 8);
      ctx.drawImage(tile, x, y, size, size);
      ctx.strokeStyle = AXIS;
      ctx.strokeRect(x + 0.5, y + 0.5, size - 1, size - 1);
      ctx.fillText(fitText(ctx, this.captions[k] || "", size + gap - 2), x + size / 2, y + size + 15);
    });
  }
}

class BarsPanel extends Panel {
  constructor(root, spec) {
    super(root, spec);
    if (spec.threshold !== null && spec.threshold !== undefined && spec.threshold_label) {
      const item = element("span", "item");
      item.append(element("span", "swatch threshold"), element("span", "", spec.threshold_label));
      this.legend.append(item);
    }
  }

  take(entry, blob) {
    this.values = blob("values");
  }

  draw() {
    const s = this.spec, values = this.values ? this.values.data : [];
    const row = 26, top = 4, n = s.labels.length;
    const { ctx, width } = sizeCanvas(this.canvas, top + n * row + 24);
    const labelWidth = Math.min(170, 10 + Math.max(0, ...s.labels.map((t) => ctx.measureText(t).width)));
    const left = labelWidth, right = width - 48;
    const high = s.percent ? 1 : Math.max(1e-12, ...values);
    const px = (v) => left + (Math.max(0, v) / high) * (right - left);
    const { ticks, step } = linearTicks(0, s.percent ? 100 : high, Math.max(2, Math.floor((right - left) / 80)));
    ctx.strokeStyle = GRID;
    ctx.fillStyle = TEXT;
    ctx.textAlign = "center";
    for (const t of ticks) {
      const x = px(s.percent ? t / 100 : t);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + n * row); ctx.stroke();
      ctx.fillText(tickLabel(t, step) + (s.percent ? "%" : ""), x, top + n * row + 16);
    }
    if (s.threshold !== null && s.threshold !== undefined) { // where the verdict changes, so bars and words agree
      const x = px(s.threshold);
      ctx.strokeStyle = "#c0392b";
      ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + n * row); ctx.stroke();
      ctx.setLineDash([]);
    }
    s.labels.forEach((label, k) => {
      const y = top + k * row, v = values[k];
      ctx.textAlign = "right";
      ctx.fillStyle = TEXT;
      ctx.fillText(fitText(ctx, label, labelWidth - 10), left - 8, y + row / 2 + 4);
      ctx.fillStyle = s.colors[k];
      ctx.fillRect(left, y + 4, Math.max(1, px(v) - left), row - 8);
      ctx.textAlign = "left";
      ctx.fillStyle = TEXT;
      const text = v === undefined || !Number.isFinite(v) ? "–" : s.percent ? `${Math.round(v * 100)}%` : valueLabel(v);
      ctx.fillText(text, px(v) + 5, y + row / 2 + 4);
    });
  }
}

class DistributionsPanel extends Panel {
  take(entry, blob) {
    this.low = entry.low; this.high = entry.high;
    this.density = blob("density");
    this.quartiles = blob("quartiles");
  }

  draw() {
    const s = this.spec, n = s.labels.length, row = 30, top = 4;
    const { ctx, width } = sizeCanvas(this.canvas, top + n * row + 40);
    if (!this.density) return placeholder(ctx, width, top + n * row + 40, "appears after the first step");
    const labelWidth = Math.min(170, 10 + Math.max(0, ...s.labels.map((t) => ctx.measureText(t).width)));
    const left = labelWidth, right = width - 14;
    const { low, high } = this;
    const px = (v) => left + ((v - low) / (high - low)) * (right - left);
    const { ticks, step } = linearTicks(low, high, Math.max(3, Math.floor((right - left) / 65)));
    ctx.strokeStyle = GRID;
    ctx.fillStyle = TEXT;
    ctx.textAlign = "center";
    for (const t of ticks) {
      ctx.beginPath(); ctx.moveTo(px(t), top); ctx.lineTo(px(t), top + n * row); ctx.stroke();
      ctx.fillText(tickLabel(t, step), px(t), top + n * row + 16);
    }
    ctx.fillStyle = MUTED;
    ctx.fillText(s.y_title, (left + right) / 2, top + n * row + 34);
    const bins = this.density.shape[1];
    for (let k = 0; k < n; k++) {
      const middle = top + k * row + row / 2, half = row / 2 - 3;
      ctx.textAlign = "right";
      ctx.fillStyle = TEXT;
      ctx.fillText(fitText(ctx, s.labels[k], labelWidth - 10), left - 8, middle + 4);
      ctx.beginPath();
      for (let b = 0; b < bins; b++) { // the upper half left to right, then the lower half back
        const x = px(low + ((b + 0.5) / bins) * (high - low));
        const d = (this.density.data[k * bins + b] / 255) * half;
        if (b === 0) ctx.moveTo(x, middle - d); else ctx.lineTo(x, middle - d);
      }
      for (let b = bins - 1; b >= 0; b--) {
        const x = px(low + ((b + 0.5) / bins) * (high - low));
        ctx.lineTo(x, middle + (this.density.data[k * bins + b] / 255) * half);
      }
      ctx.closePath();
      ctx.globalAlpha = 0.55;
      ctx.fillStyle = s.colors[k];
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = s.colors[k];
      ctx.stroke();
      const [q1, median, q3] = [0, 1, 2].map((i) => this.quartiles.data[k * 3 + i]);
      if (Number.isFinite(median)) {
        ctx.fillStyle = TEXT;
        ctx.fillRect(px(q1), middle - 2, Math.max(1, px(q3) - px(q1)), 4);
        ctx.fillStyle = "#fff";
        ctx.beginPath(); ctx.arc(px(median), middle, 3, 0, 2 * Math.PI); ctx.fill();
        ctx.strokeStyle = TEXT; ctx.stroke();
      }
    }
  }
}

function logValueTicks(low, high) {
  // colour-scale ticks for values shown as log10: 1, 2 and 5 of each decade inside the range, fewer if crowded
  for (const multiples of [[1, 2, 5], [1]]) {
    const ticks = [];
    for (let k = Math.floor(low) - 1; k <= Math.ceil(high); k++) {
      for (const m of multiples) {
        const t = k + Math.log10(m);
        if (t >= low - 1e-9 && t <= high + 1e-9) ticks.push(t);
      }
    }
    if (ticks.length <= 7 && ticks.length >= 2) return ticks;
    if (multiples.length === 1 && ticks.length > 7) {
      const every = Math.ceil(ticks.length / 6);
      return ticks.filter((_, i) => i % every === 0);
    }
  }
  return linearTicks(low, high, 4).ticks;
}

class LossPathPanel extends Panel {
  constructor(root, spec) {
    super(root, spec);
    this.table = colorTable(spec.scale);
    this.path = [];
    this.steps = [];
    const path = element("span", "item");
    path.append(element("span", "swatch path"), element("span", "", "the optimiser's path (darker: later)"));
    const now = element("span", "item");
    now.append(element("span", "star", "★"), element("span", "", "now"));
    this.legend.append(path, now);
  }

  take(entry, blob) {
    if (entry.grid) {
      this.grid = entry.grid.extent ? { ...entry.grid, levels: blob("grid") } : null;
      this.waiting = entry.grid.waiting || "";
      this.image = this.grid ? this.gridImage() : null;
    }
    if (!this.queue || entry.reset) this.queue = new Queue();
    if (entry.reset) { this.path = []; this.steps = []; }
    const points = blob("path"), steps = blob("steps");
    if (points) {
      for (let k = 0; k < steps.data.length; k++) this.queue.push([points.data[2 * k], points.data[2 * k + 1], steps.data[k]]);
    }
  }

  reveal(fraction) {
    const moved = this.queue ? this.queue.take(fraction) : [];
    for (const [a, b, step] of moved) { this.path.push([a, b]); this.steps.push(step); }
    if (this.path.length > HISTORY_CAP) {
      const keep = (_, i, all) => i % 2 === (all.length - 1) % 2;
      this.path = this.path.filter(keep);
      this.steps = this.steps.filter(keep);
    }
    return moved.length > 0;
  }

  gridImage() {
    const [rows, columns] = this.grid.levels.shape, levels = this.grid.levels.data;
    const image = new ImageData(columns, rows);
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < columns; i++) {
        const k = ((rows - 1 - j) * columns + i) * 4, t = levels[j * columns + i] * 3; // row 0 is the bottom
        image.data[k] = this.table[t]; image.data[k + 1] = this.table[t + 1]; image.data[k + 2] = this.table[t + 2];
        image.data[k + 3] = 255;
      }
    }
    const canvas = document.createElement("canvas");
    canvas.width = columns; canvas.height = rows;
    canvas.getContext("2d").putImageData(image, 0, 0);
    return canvas;
  }

  draw() {
    const s = this.spec;
    const available = Math.max(160, Math.floor(this.canvas.clientWidth || this.card.clientWidth || 400));
    const left = 48 + (s.y_title ? 16 : 0), bar = 74, bottom = 40;
    const size = Math.max(140, Math.min(460, available - left - bar));
    if (!this.grid) { // a line, not an empty square, until there is something to draw
      const empty = sizeCanvas(this.canvas, 60);
      return placeholder(empty.ctx, empty.width, empty.height, this.waiting || "");
    }
    const { ctx, width, height } = sizeCanvas(this.canvas, size + 8 + bottom);
    const top = 8, g = this.grid, [a0, a1, b0, b1] = g.extent;
    const px = (a) => left + ((a - a0) / (a1 - a0)) * size;
    const py = (b) => top + size - ((b - b0) / (b1 - b0)) * size;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.image, left, top, size, size);
    ctx.strokeStyle = AXIS;
    ctx.strokeRect(left, top, size, size);
    ctx.fillStyle = TEXT;
    const xt = linearTicks(a0, a1, Math.max(2, Math.floor(size / 80)));
    ctx.textAlign = "center";
    for (const t of xt.ticks) ctx.fillText(tickLabel(t, xt.step), px(t), top + size + 15);
    const yt = linearTicks(b0, b1, Math.max(2, Math.floor(size / 60)));
    ctx.textAlign = "right";
    for (const t of yt.ticks) ctx.fillText(tickLabel(t, yt.step), left - 6, py(t) + 4);
    ctx.fillStyle = MUTED;
    ctx.textAlign = "center";
    ctx.fillText(fitText(ctx, s.x_title, size + 40), left + size / 2, top + size + 33);
    if (s.y_title) {
      ctx.save();
      ctx.translate(12, top + size / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(fitText(ctx, s.y_title, size), 0, 0);
      ctx.restore();
    }
    this.drawPath(ctx, px, py, { left, top, size });
    this.drawScale(ctx, left + size + 14, top, size);
  }

  drawPath(ctx, px, py, box) {
    const n = this.path.length;
    if (!n) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.size, box.size);
    ctx.clip();
    for (const [color, width] of [["rgba(0,0,0,0.55)", 4], ["#fff", 2]]) {
      ctx.strokeStyle = color; ctx.lineWidth = width;
      ctx.beginPath();
      this.path.forEach(([a, b], k) => (k ? ctx.lineTo(px(a), py(b)) : ctx.moveTo(px(a), py(b))));
      ctx.stroke();
    }
    const first = this.steps[0], last = this.steps[n - 1] || 1;
    this.path.forEach(([a, b], k) => { // light red early, dark red late
      const t = (this.steps[k] - first) / Math.max(1, last - first);
      ctx.fillStyle = `rgb(${Math.round(254 - 150 * t)},${Math.round(224 - 210 * t)},${Math.round(210 - 190 * t)})`;
      ctx.beginPath(); ctx.arc(px(a), py(b), 3, 0, 2 * Math.PI); ctx.fill();
      ctx.lineWidth = 0.6; ctx.strokeStyle = "#000"; ctx.stroke();
    });
    const [a, b] = this.path[n - 1];
    ctx.font = `20px ${FONT_FAMILY}`;
    ctx.textAlign = "center";
    ctx.lineWidth = 3; ctx.strokeStyle = "#fff";
    ctx.strokeText("★", px(a), py(b) + 7);
    ctx.fillStyle = "#e00";
    ctx.fillText("★", px(a), py(b) + 7);
    ctx.restore();
  }

  drawScale(ctx, x, top, size) {
    const s = this.spec, { low, high } = this.grid;
    for (let k = 0; k < size; k++) {
      ctx.fillStyle = tableColor(this.table, 255 * (1 - k / size));
      ctx.fillRect(x, top + k, 12, 1.5);
    }
    ctx.strokeStyle = AXIS;
    ctx.strokeRect(x, top, 12, size);
    const ticks = s.log ? logValueTicks(low, high) : linearTicks(low, high, 5).ticks;
    const step = s.log ? 0 : linearTicks(low, high, 5).step;
    ctx.fillStyle = TEXT;
    ctx.font = TICK_FONT;
    ctx.textAlign = "left";
    for (const t of ticks) {
      if (t < low - 1e-9 || t > high + 1e-9) continue;
      const y = top + size - ((t - low) / (high - low || 1)) * size;
      ctx.fillText(s.log ? valueLabel(10 ** t) : tickLabel(t, step), x + 16, y + 4);
    }
    ctx.save();
    ctx.fillStyle = MUTED;
    ctx.translate(x + 66, top + size / 2);
    ctx.rotate(Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText(s.log ? "loss (log scale)" : "loss", 0, 0);
    ctx.restore();
  }
}

const PANELS = { lines: LinesPanel, heatmap: HeatmapPanel, images: ImagesPanel, bars: BarsPanel,
  distributions: DistributionsPanel, loss_path: LossPathPanel };

// ---------------------------------------------------------------- the view

class LiveCharts {
  constructor(root, send) {
    this.root = root;
    this.send = send;
    this.panels = new Map();
    this.frames = 0; // repaints (a tick plays out over several)
    this.data = 0; // frames received from the server
    this.interval = 100; // ms between frames, as received lately
    root.append(this.toolbar(), element("div", "divergence"), element("div", "panels"));
    this.q = (selector) => root.querySelector(selector);
    this.q(".divergence").hidden = true;
  }

  toolbar() {
    const bar = element("div", "bar");
    const button = (className, text, title) => {
      const b = element("button", className, text);
      b.type = "button";
      b.title = title;
      return b;
    };
    const play = button("play", "▶ Play", "Train continuously; the charts redraw as it learns");
    const step = button("step", "Step", "Train a tenth of a second's worth of steps, then stop");
    const reset = button("reset", "Reset", "Back to the initial weights of this seed; the step count goes back to 0");
    this.play = new PlayButton(play, this.send, () => this.finish()); // paused: everything received, at once
    step.addEventListener("click", () => this.send("command", "step"));
    reset.addEventListener("click", () => this.send("command", "reset"));
    const status = element("span", "status");
    status.setAttribute("aria-live", "off");
    bar.append(play, step, reset, status);
    return bar;
  }

  update(bytes) {
    const { header, blobs } = decode(bytes);
    // A busy server can lose a frame (Streamlit drops a fragment's unsent messages when its next run starts):
    // its records or a changed panel never arrive. The view then asks for everything again.
    const lost = !header.layout && this.seq !== undefined && header.seq !== this.seq + 1;
    this.seq = header.seq;
    if (lost && !(performance.now() - this.askedAgain < 1000)) {
      this.askedAgain = performance.now();
      this.send("command", "resync");
    }
    this.finish(); // whatever the last tick still held back is shown now
    if (header.layout) this.build(header.layout);
    const status = header.status;
    this.play.follow(status.playing);
    for (const [key, entry] of Object.entries(header.panels)) {
      const panel = this.panels.get(key);
      if (!panel) continue;
      panel.apply(entry, blobs);
      const held = panel instanceof LinesPanel || panel instanceof LossPathPanel;
      if (!held || entry.reset || entry.grid) { panel.reveal(1); panel.draw(); } // a new history or plane: at once
    }
    if (header.layout) for (const panel of this.panels.values()) { panel.reveal(1); panel.draw(); }
    const now = performance.now();
    if (this.received) this.interval = Math.max(40, Math.min(400, 0.7 * this.interval + 0.3 * (now - this.received)));
    this.received = now;
    this.data += 1;
    this.root.dataset.dataFrames = String(this.data);
    this.target = status;
    if (this.play.playing && status.playing && this.shownStep !== undefined && status.step > this.shownStep) {
      const playback = { start: now, duration: this.interval, from: this.shownStep };
      this.playback = playback;
      this.paint(now, playback);
    } else {
      this.finish();
    }
  }

  // one repaint of a tick playing out: the share of its records due by now, and the step counter with them
  paint(now, playback) {
    if (playback !== this.playback) return; // a newer frame took over (or Pause showed everything)
    if (now - (this.painted || 0) >= PAINT_MS) {
      const fraction = Math.min(1, (now - playback.start) / playback.duration);
      this.show(fraction, Math.round(playback.from + fraction * (this.target.step - playback.from)), false);
      this.painted = now;
      if (fraction >= 1) { this.playback = null; return; }
    }
    requestAnimationFrame((t) => this.paint(t, playback));
  }

  finish() {
    if (!this.target) return;
    this.playback = null;
    this.show(1, this.target.step, true);
  }

  show(fraction, step, always) {
    let changed = step !== this.shownStep;
    for (const panel of this.panels.values()) if (panel.reveal(fraction)) { panel.draw(); changed = true; }
    if (changed || always) {
      this.shownStep = step;
      this.drawStatus({ ...this.target, step });
    }
    if (changed) {
      this.frames += 1;
      this.root.dataset.frames = String(this.frames);
      this.root.dataset.step = String(step);
    }
  }

  build(layout) {
    const holder = this.q(".panels");
    holder.replaceChildren();
    this.panels = new Map();
    this.shownStep = undefined;
    for (const spec of layout) {
      const Kind = PANELS[spec.kind];
      if (Kind) this.panels.set(spec.key, new Kind(holder, spec));
    }
  }

  drawStatus(status) {
    let text = `Step ${status.step.toLocaleString("en")} · epoch ${status.epoch.toFixed(1)} · ` +
      `train loss ${valueLabel(status.train_loss)} · test loss ${valueLabel(status.test_loss)}`;
    if (status.test_accuracy !== null) text += ` · test accuracy ${(status.test_accuracy * 100).toFixed(1)}%`;
    this.q(".status").textContent = text;
    const diverged = this.q(".divergence");
    diverged.hidden = !status.diverged;
    diverged.textContent = status.diverged;
    this.q(".play").disabled = Boolean(status.diverged);
    this.q(".step").disabled = Boolean(status.diverged);
  }

  redraw() {
    for (const panel of this.panels.values()) panel.draw();
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".live-charts");
  if (!root) {
    root = element("div", "live-charts");
    parentElement.appendChild(root);
    root.view = new LiveCharts(root, (name, value) => {
      setTriggerValue(name, { id: Math.random().toString(36).slice(2), value }); // each click its own id
    });
    let width = 0;
    new ResizeObserver(() => { // a new width (the sidebar opened, the window resized): repaint at the new size
      if (root.clientWidth !== width) { width = root.clientWidth; root.view.redraw(); }
    }).observe(root);
  }
  if (data && data.byteLength) root.view.update(data);
}
