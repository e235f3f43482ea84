// The code plane: each test digit's code as a dot coloured by its class, drawn as SVG and redrawn in place on
// every tick (no remount, so a click is never lost to a redraw). Both axes share one scale. A click anywhere
// inside the axes sends that point, in plane coordinates, to Python, which decodes it. The drawing is laid out
// in screen pixels at the width it is given, so its text keeps its size on a narrow screen.
const M = { l: 46, r: 10, t: 10, b: 40 };
const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function ticks(low, high) {  // about six round numbers between low and high
  const raw = (high - low) / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(low / step) * step; t <= high + 1e-9; t += step) out.push(Math.abs(t) < 1e-9 ? 0 : t);
  return out;
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

function view(d, W, H) {  // the visible plane: the codes' bounds widened so that both axes have the same scale
  const pw = W - M.l - M.r, ph = H - M.t - M.b;
  const [x0, x1, y0, y1] = d.bounds;
  const s = Math.min(pw / Math.max(x1 - x0, 1e-9), ph / Math.max(y1 - y0, 1e-9));
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return { s, W, H, x0: cx - pw / s / 2, x1: cx + pw / s / 2, y0: cy - ph / s / 2, y1: cy + ph / s / 2 };
}

function render(root, d) {
  const W = Math.max(260, Math.min(640, Math.round(root.clientWidth || 560))), H = Math.round(W * 0.8);
  root.querySelector("svg").setAttribute("viewBox", `0 0 ${W} ${H}`);
  const v = view(d, W, H);
  root.view = v;
  const X = (x) => (M.l + (x - v.x0) * v.s).toFixed(1);
  const Y = (y) => (M.t + (v.y1 - y) * v.s).toFixed(1);
  const parts = [`<rect class="area" x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}"/>`];
  for (const t of ticks(v.x0, v.x1)) {
    parts.push(`<line class="${t === 0 ? "zero" : "grid"}" x1="${X(t)}" x2="${X(t)}" y1="${M.t}" y2="${H - M.b}"/>`,
      `<text class="tick" x="${X(t)}" y="${H - M.b + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(v.y0, v.y1)) {
    parts.push(`<line class="${t === 0 ? "zero" : "grid"}" y1="${Y(t)}" y2="${Y(t)}" x1="${M.l}" x2="${W - M.r}"/>`,
      `<text class="tick" x="${M.l - 5}" y="${Number(Y(t)) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<text class="title" x="${M.l + (W - M.l - M.r) / 2}" y="${H - 6}" text-anchor="middle">${escape(d.titles[0])}</text>`,
    `<text class="title" transform="translate(12 ${M.t + (H - M.t - M.b) / 2}) rotate(-90)" text-anchor="middle">${escape(d.titles[1])}</text>`);
  for (let k = 0; k < d.labels.length; k++) {
    const x = d.points[2 * k], y = d.points[2 * k + 1], c = d.labels[k];
    parts.push(`<circle class="code" cx="${X(x)}" cy="${Y(y)}" r="3.4" fill="${d.colors[c % d.colors.length]}">` +
      `<title>digit ${escape(d.names[c])} (${x}, ${y})</title></circle>`);
  }
  if (d.walk) {
    parts.push(`<polyline class="walk" points="${d.walk.map(([x, y]) => `${X(x)},${Y(y)}`).join(" ")}"/>`);
    d.walk.forEach(([x, y], k) => parts.push(`<circle class="walk-step" cx="${X(x)}" cy="${Y(y)}" r="3"><title>walk step ${k + 1}</title></circle>`));
  }
  if (d.drawn) {
    const [x, y] = [Number(X(d.drawn[0])), Number(Y(d.drawn[1]))];
    parts.push(`<path class="drawn" d="M${x},${y - 9} L${x + 8},${y} L${x},${y + 9} L${x - 8},${y} Z"><title>your drawing</title></path>`);
  }
  if (d.marked) {
    const [x, y] = [Number(X(d.marked[0])), Number(Y(d.marked[1]))];
    parts.push(`<path class="marked" d="M${x - 7},${y - 7} L${x + 7},${y + 7} M${x - 7},${y + 7} L${x + 7},${y - 7}"><title>your point, decoded on the right</title></path>`);
  }
  parts.push(`<text class="readout" x="${W - M.r - 6}" y="${M.t + 16}" text-anchor="end"></text>`);
  const svg = root.querySelector("svg");
  svg.innerHTML = parts.join("");
  root.querySelector(".heading").textContent = d.title;
  const legend = d.names.map((name, c) => `<span><i style="background:${d.colors[c % d.colors.length]}"></i>${escape(name)}</span>`);
  if (d.walk) legend.push(`<span><i class="walk-key"></i>walk</span>`);
  if (d.marked) legend.push(`<span><b class="marked-key">×</b>your point</span>`);
  if (d.drawn) legend.push(`<span><b class="drawn-key">◆</b>your drawing</span>`);
  const html = legend.join("");
  if (root.legendHtml !== html) {
    root.querySelector(".legend").innerHTML = html;
    root.legendHtml = html;
  }
}

function planeAt(root, event) {  // the plane's coordinates under the pointer, or null outside the axes
  const svg = root.querySelector("svg");
  const box = svg.getBoundingClientRect();
  const v = root.view;
  const px = ((event.clientX - box.left) / box.width) * v.W, py = ((event.clientY - box.top) / box.height) * v.H;
  if (px < M.l || px > v.W - M.r || py < M.t || py > v.H - M.b) return null;
  return [v.x0 + (px - M.l) / v.s, v.y1 - (py - M.t) / v.s];
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".code-plane");
  if (!root) {
    root = document.createElement("div");
    root.className = "code-plane";
    root.innerHTML = `<div class="heading"></div>
      <svg role="img" aria-label="code plane"></svg><div class="legend"></div>`;
    parentElement.appendChild(root);
    const svg = root.querySelector("svg");
    svg.addEventListener("pointerdown", (event) => {  // not "click": the dot under the pointer may be redrawn
      if (event.button !== 0) return;                      // between the press and the release
      const p = planeAt(root, event);
      if (p) setStateValue("clicked", p.map((v) => Math.round(v * 1000) / 1000));
    });
    svg.addEventListener("mousemove", (event) => {
      const p = planeAt(root, event);
      const readout = svg.querySelector(".readout");
      if (readout) readout.textContent = p ? `decode (${p[0].toFixed(2)}, ${p[1].toFixed(2)})` : "";
      svg.style.cursor = p ? "crosshair" : "default";
    });
  }
  root.latest = data;
  if (!root.observer) {
    root.observer = new ResizeObserver(() => root.latest && render(root, root.latest));
    root.observer.observe(root);
  }
  render(root, data);
}
