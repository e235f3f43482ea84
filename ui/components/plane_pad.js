// A square of the plane [-extent, extent]² to draw points on with the mouse (or a finger). Each stroke
// adds a point every SPACING plane units; a tap adds one. When a stroke ends, every point drawn so far
// (in plane coordinates, y up) goes to Python, which thins and rounds them and sends back what it keeps.
const SPACING = 0.05;
const MAX_POINTS = 4000;

function draw(root) {
  const canvas = root.querySelector("canvas");
  const ratio = window.devicePixelRatio || 1;
  const side = canvas.clientWidth || 240;
  if (canvas.width !== Math.round(side * ratio)) {
    canvas.width = canvas.height = Math.round(side * ratio);
  }
  const ctx = canvas.getContext("2d");
  const extent = root.extent;
  const toPixel = (x, y) => [((x + extent) / (2 * extent)) * canvas.width, ((extent - y) / (2 * extent)) * canvas.height];
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = ratio;
  for (let t = -Math.floor(extent); t <= extent; t++) {  // a line at every whole number, the axes darker
    ctx.strokeStyle = t === 0 ? "#bbb" : "#eee";
    const [x] = toPixel(t, 0);
    const [, y] = toPixel(0, t);
    ctx.beginPath();
    ctx.moveTo(x, 0); ctx.lineTo(x, canvas.height);
    ctx.moveTo(0, y); ctx.lineTo(canvas.width, y);
    ctx.stroke();
  }
  ctx.fillStyle = "#999";
  ctx.font = `${11 * ratio}px sans-serif`;
  ctx.fillText(`${-extent}`, 3 * ratio, canvas.height / 2 - 4 * ratio);
  ctx.fillText(`${extent}`, canvas.width - 12 * ratio, canvas.height / 2 - 4 * ratio);
  ctx.fillText(`${extent}`, canvas.width / 2 + 4 * ratio, 12 * ratio);
  ctx.fillStyle = "rgba(40, 140, 60, 0.8)";  // the real points' green on the lab's scene
  for (const [px, py] of root.points.concat(root.stroke)) {
    const [x, y] = toPixel(px, py);
    ctx.beginPath();
    ctx.arc(x, y, 2.5 * ratio, 0, 2 * Math.PI);
    ctx.fill();
  }
  root.querySelector(".count").textContent =
    `${root.points.length + root.stroke.length} point${root.points.length + root.stroke.length === 1 ? "" : "s"}`;
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".plane-pad");
  if (!root) {
    root = document.createElement("div");
    root.className = "plane-pad";
    root.innerHTML = `<canvas aria-label="drawing plane" role="img"></canvas>
      <div class="row"><button type="button">Clear</button><span class="count"></span></div>`;
    parentElement.appendChild(root);
    root.stroke = [];
    root.drawing = false;
    const canvas = root.querySelector("canvas");
    const at = (event) => {
      const box = canvas.getBoundingClientRect();
      const e = root.extent;
      const x = ((event.clientX - box.left) / box.width) * 2 * e - e;
      const y = e - ((event.clientY - box.top) / box.height) * 2 * e;
      return [Math.max(-e, Math.min(e, x)), Math.max(-e, Math.min(e, y))];
    };
    const add = (event, always) => {
      const p = at(event);
      const last = root.stroke[root.stroke.length - 1];
      if (always || !last || Math.hypot(p[0] - last[0], p[1] - last[1]) >= SPACING) {
        if (root.points.length + root.stroke.length < MAX_POINTS) root.stroke.push(p);
        draw(root);
      }
    };
    canvas.addEventListener("pointerdown", (event) => {
      if (root.locked) return;
      canvas.setPointerCapture(event.pointerId);
      root.drawing = true;
      root.stroke = [];
      add(event, true);
    });
    canvas.addEventListener("pointermove", (event) => { if (root.drawing) add(event, false); });
    const finish = () => {
      if (!root.drawing) return;
      root.drawing = false;
      root.points = root.points.concat(root.stroke);
      root.stroke = [];
      const round = (v) => Math.round(v * 100) / 100;
      setStateValue("points", root.points.map(([x, y]) => [round(x), round(y)]));
    };
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    root.querySelector("button").addEventListener("click", () => {
      if (root.locked) return;
      root.points = [];
      root.stroke = [];
      draw(root);
      setStateValue("points", []);
    });
    new ResizeObserver(() => draw(root)).observe(canvas);
  }
  root.extent = data.extent;
  root.locked = Boolean(data.locked);
  root.points = data.points.map(([x, y]) => [x, y]);
  root.querySelector("button").disabled = root.locked;
  root.querySelector("canvas").style.cursor = root.locked ? "not-allowed" : "crosshair";
  draw(root);
}
