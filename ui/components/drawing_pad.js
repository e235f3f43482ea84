// A 32×32 drawing pad, shown at 8 px a cell. When a stroke ends it sends the grid (1024 zeros and
// ones, row by row) to Python, which downsamples it to 8×8 as scikit-learn's digits were made.
const CELLS = 32;

export default function (component) {
  const { parentElement, setStateValue } = component;
  if (parentElement.querySelector(".pad")) return;
  const root = document.createElement("div");
  root.className = "pad";
  root.innerHTML = `<canvas width="256" height="256" aria-label="drawing pad"></canvas>
    <button type="button">Clear</button>`;
  parentElement.appendChild(root);
  const canvas = root.querySelector("canvas");
  const ctx = canvas.getContext("2d");
  const grid = new Uint8Array(CELLS * CELLS);
  const size = canvas.width / CELLS;
  let last = null;

  const cell = (event) => {
    const box = canvas.getBoundingClientRect();
    return [Math.floor(((event.clientX - box.left) / box.width) * CELLS),
            Math.floor(((event.clientY - box.top) / box.height) * CELLS)];
  };
  const ink = (cx, cy) => {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const x = cx + dx, y = cy + dy;
        if (x < 0 || y < 0 || x >= CELLS || y >= CELLS) continue;
        grid[y * CELLS + x] = 1;
        ctx.fillRect(x * size, y * size, size, size);
      }
    }
  };
  const stroke = (event) => {  // fill the cells between two pointer events so fast strokes have no gaps
    const [x, y] = cell(event);
    const [x0, y0] = last || [x, y];
    const steps = Math.max(Math.abs(x - x0), Math.abs(y - y0), 1);
    for (let i = 0; i <= steps; i++) ink(Math.round(x0 + ((x - x0) * i) / steps), Math.round(y0 + ((y - y0) * i) / steps));
    last = [x, y];
  };
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = null;
    stroke(event);
  });
  canvas.addEventListener("pointermove", (event) => { if (last) stroke(event); });
  const finish = () => {
    if (!last) return;
    last = null;
    setStateValue("pixels", Array.from(grid));
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointerleave", finish);
  root.querySelector("button").addEventListener("click", () => {
    grid.fill(0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    setStateValue("pixels", null);
  });
  ctx.fillStyle = "#111";
}
