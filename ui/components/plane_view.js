// Square panels of a plane drawn on canvases and repainted in place on every tick (no chart is rebuilt):
// an image behind (a heatmap), then layers of lines, points, arrows and rings, in the order given.
// Coordinates are plane units (y up); each panel says which square of the plane it shows.
const VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137],
  [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];  // viridis at ten even steps
const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function viridis(t) {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const k = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - k;
  const c = VIRIDIS[k].map((v, i) => Math.round(v + (VIRIDIS[k + 1][i] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function ticks(low, high) {
  const raw = (high - low) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(low / step - 1e-9) * step; t <= high + 1e-9; t += step) out.push(Math.abs(t) < 1e-9 ? 0 : t);
  return out;
}

const images = new Map();  // data URI → decoded image, so a repeated heatmap is not decoded twice
function imageOf(uri, redraw) {
  if (!images.has(uri)) {
    if (images.size > 8) images.clear();
    const image = new Image();
    image.onload = redraw;
    image.src = uri;
    images.set(uri, image);
  }
  const image = images.get(uri);
  return image.complete && image.naturalWidth ? image : null;
}

function paint(figure, panel) {
  const canvas = figure.querySelector("canvas");
  const ratio = window.devicePixelRatio || 1;
  const side = Math.max(120, Math.round(canvas.clientWidth));
  if (canvas.width !== side * ratio) {
    canvas.width = canvas.height = side * ratio;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, side, side);
  const pad = { l: 30, r: 6, t: 6, b: 22 };
  const area = side - Math.max(pad.l + pad.r, pad.t + pad.b);
  const [x0, x1, y0, y1] = panel.extent;
  const X = (x) => pad.l + ((x - x0) / (x1 - x0)) * area;
  const Y = (y) => pad.t + ((y1 - y) / (y1 - y0)) * area;
  ctx.fillStyle = "white";
  ctx.fillRect(pad.l, pad.t, area, area);
  if (panel.image) {
    const image = imageOf(panel.image, () => paint(figure, panel));
    if (image) {
      ctx.imageSmoothingEnabled = true;
      ctx.globalAlpha = 0.85;
      ctx.drawImage(image, pad.l, pad.t, area, area);
      ctx.globalAlpha = 1;
    }
  }
  ctx.font = "12px sans-serif";
  ctx.fillStyle = "#777";
  ctx.textAlign = "center";
  for (const t of ticks(x0, x1)) ctx.fillText(`${t}`, X(t), pad.t + area + 14);
  ctx.textAlign = "right";
  for (const t of ticks(y0, y1)) ctx.fillText(`${t}`, pad.l - 5, Y(t) + 4);
  ctx.strokeStyle = "#ccc";
  ctx.lineWidth = 1;
  ctx.strokeRect(pad.l, pad.t, area, area);
  ctx.save();
  ctx.beginPath();
  ctx.rect(pad.l, pad.t, area, area);
  ctx.clip();
  for (const layer of panel.layers) {
    const xy = layer.xy || [];
    ctx.globalAlpha = layer.alpha ?? 1;
    if (layer.kind === "lines") {
      ctx.strokeStyle = layer.color;
      ctx.lineWidth = layer.width || 1;
      ctx.beginPath();
      for (const line of layer.lines) {
        for (let k = 0; k < line.length; k += 2) {
          if (k === 0) ctx.moveTo(X(line[0]), Y(line[1]));
          else ctx.lineTo(X(line[k]), Y(line[k + 1]));
        }
      }
      ctx.stroke();
    } else if (layer.kind === "points") {
      for (let k = 0; 2 * k < xy.length; k++) {
        const size = layer.sizes ? layer.sizes[k] : layer.size || 3;
        ctx.fillStyle = layer.values ? viridis(layer.values[k]) : layer.color;
        ctx.beginPath();
        ctx.arc(X(xy[2 * k]), Y(xy[2 * k + 1]), size, 0, 2 * Math.PI);
        ctx.fill();
        if (layer.outline) {
          ctx.strokeStyle = layer.outline;
          ctx.lineWidth = 0.7;
          ctx.stroke();
        }
      }
    } else if (layer.kind === "arrows") {  // x0, y0, x1, y1 for each arrow
      ctx.strokeStyle = ctx.fillStyle = layer.color;
      ctx.lineWidth = 1;
      for (let k = 0; 4 * k < xy.length; k++) {
        const ax = X(xy[4 * k]), ay = Y(xy[4 * k + 1]), bx = X(xy[4 * k + 2]), by = Y(xy[4 * k + 3]);
        const length = Math.hypot(bx - ax, by - ay);
        if (length < 0.5) continue;
        const head = Math.min(5, length * 0.5), angle = Math.atan2(by - ay, bx - ax);
        ctx.beginPath();
        ctx.moveTo(ax, ay);
        ctx.lineTo(bx, by);
        ctx.stroke();
        ctx.beginPath();
        ctx.moveTo(bx, by);
        ctx.lineTo(bx - head * Math.cos(angle - 0.45), by - head * Math.sin(angle - 0.45));
        ctx.lineTo(bx - head * Math.cos(angle + 0.45), by - head * Math.sin(angle + 0.45));
        ctx.fill();
      }
    } else if (layer.kind === "rings") {
      ctx.lineWidth = 2.2;
      for (let k = 0; 2 * k < xy.length; k++) {
        ctx.strokeStyle = layer.colors[k];
        ctx.beginPath();
        ctx.arc(X(xy[2 * k]), Y(xy[2 * k + 1]), layer.radius || 9, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
  }
  ctx.restore();
  ctx.globalAlpha = 1;
}

function legendHtml(entries) {
  return (entries || []).map((e) => {
    const mark = {
      dot: `<i class="dot" style="background:${e.color}"></i>`,
      ring: `<i class="ring" style="border-color:${e.color}"></i>`,
      line: `<i class="line" style="background:${e.color}"></i>`,
      arrow: `<b style="color:${e.color}">→</b>`,
    }[e.shape] || "";
    return `<span>${mark}${escape(e.label)}</span>`;
  }).join("");
}

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".plane-view");
  if (!root) {
    root = document.createElement("div");
    root.className = "plane-view";
    parentElement.appendChild(root);
    new ResizeObserver(() => root.figures && root.latest &&
      root.latest.panels.forEach((panel, k) => paint(root.figures[k], panel))).observe(root);
  }
  const shape = data.panels.map((p) => p.title).join("|");
  if (root.shape !== shape) {  // the panels changed: build their frames once
    root.innerHTML = data.panels.map((p) => `<figure><figcaption>${escape(p.title)}</figcaption>
      <canvas role="img" aria-label="${escape(p.title)}"></canvas><div class="legend"></div></figure>`).join("");
    root.figures = Array.from(root.querySelectorAll("figure"));
    root.shape = shape;
  }
  root.latest = data;
  data.panels.forEach((panel, k) => {
    const figure = root.figures[k];
    figure.style.maxWidth = `${panel.max_width || 520}px`;
    const legend = legendHtml(panel.legend);
    const box = figure.querySelector(".legend");
    if (box.dataset.html !== legend) {
      box.innerHTML = legend;
      box.dataset.html = legend;
    }
    paint(figure, panel);
  });
}
