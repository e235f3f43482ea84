// The network diagram: draws dl_core.viz.network_layout's data as SVG and updates it in
// place on every tick. Hovering a neuron shows its heatmap large; clicking pins it.
const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function render(svg, data) {
  const half = data.node / 2;
  const edges = data.edges.map((e) => {
    const mid = (e.x1 + e.x2) / 2;
    return `<path class="edge" d="M${e.x1},${e.y1} C${mid},${e.y1} ${mid},${e.y2} ${e.x2},${e.y2}"
      stroke="${e.color}" stroke-width="${e.width}"><title>${escape(e.text)}</title></path>`;
  });
  const nodes = data.nodes.map((n, k) => {
    const bias = n.bias === null ? "" : `, bias ${n.bias >= 0 ? "+" : ""}${n.bias}`;
    return `<g class="node${n.selected ? " selected" : ""}" data-k="${k}">
      <image href="${n.image}" x="${n.x - half}" y="${n.y - half}" width="${data.node}" height="${data.node}"
        preserveAspectRatio="none"/>
      <rect x="${n.x - half}" y="${n.y - half}" width="${data.node}" height="${data.node}"/>
      <title>${escape(n.name + bias)}</title></g>`;
  });
  const titles = data.titles.map((t) => `<text x="${t.x}" y="${t.y}">${escape(t.text)}</text>`);
  svg.setAttribute("viewBox", `0 0 ${data.width} ${data.height}`);
  svg.style.maxWidth = `${data.width * 1.4}px`;
  svg.innerHTML = edges.join("") + nodes.join("") + titles.join("");
}

function showZoom(root, data, k) {
  const zoom = root.querySelector(".zoom");
  const node = data && data.nodes[k];
  if (!node) {
    zoom.hidden = true;
    return;
  }
  zoom.querySelector("img").src = node.image;
  const bias = node.bias === null ? "" : ` · bias ${node.bias}`;
  zoom.querySelector(".caption").textContent = node.name + bias;
  const box = root.querySelector(`g[data-k="${k}"]`).getBoundingClientRect();
  const frame = root.getBoundingClientRect();
  const right = box.right - frame.left + 8;
  zoom.style.left = `${right + 190 > frame.width ? box.left - frame.left - 198 : right}px`;
  zoom.style.top = `${Math.max(0, box.top - frame.top - 60)}px`;
  zoom.hidden = false;
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".network");
  if (!root) {
    root = document.createElement("div");
    root.className = "network";
    root.innerHTML = `<svg role="img" aria-label="network diagram"></svg>
      <div class="zoom" hidden><img alt="neuron heatmap"><div class="caption"></div></div>`;
    parentElement.appendChild(root);
    const svg = root.querySelector("svg");
    svg.addEventListener("mouseover", (event) => {
      const g = event.target.closest("g.node");
      if (!g) return;
      root.dataset.hovered = g.dataset.k;
      showZoom(root, root.latest, g.dataset.k);
    });
    svg.addEventListener("mouseout", (event) => {
      const g = event.target.closest("g.node");
      if (g && !g.contains(event.relatedTarget)) {
        delete root.dataset.hovered;
        showZoom(root, null, null);
      }
    });
    svg.addEventListener("click", (event) => {
      const g = event.target.closest("g.node");
      if (!g) return;
      const node = root.latest.nodes[g.dataset.k];
      setStateValue("selected", node.selected ? null : [node.layer, node.index]);
    });
  }
  root.latest = data;
  render(root.querySelector("svg"), data);
  if (root.dataset.hovered !== undefined) showZoom(root, data, root.dataset.hovered);
}
