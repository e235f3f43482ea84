"""Figures of the Generative lab: plain arrays in, ``go.Figure`` out.

Autoencoder: the latent plane coloured by class, originals beside reconstructions, digits decoded along a
walk or over a grid, the loss split into reconstruction and KL. GAN: the scene (the discriminator behind the
real and generated points, with the generator's pushes as arrows and the modes marked), the noise grid
folded by the generator, and the losses over time.

Views redrawn several times a second are cheap to build: each figure is made by one constructor from plain
dicts (plotly validates every ``add_trace``, ``update_*`` and ``make_subplots`` call on its own: ten traces
took 10 ms one by one and 2 ms at once, and ``make_subplots`` alone 19 ms), a grid of digits is one heatmap
of a mosaic, all arrows are one trace, and the discriminator is a small PNG behind the axes.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from .colors import CLASS_COLORS, diverging, png_data_uri, rgb
from .curves import MAX_CURVE_POINTS, _thin

DIGIT_COLORS = qualitative.T10  # ten classes, ten distinct colours
REAL, FAKE = rgb(CLASS_COLORS[2]), rgb(CLASS_COLORS[3])  # green real points, purple generated ones (as GAN Lab)
COVERED, MISSED = "#2c7a2c", "#d62728"
INK = [[0.0, "white"], [1.0, "black"]]  # digits dark on light, like ink on paper
MARGIN = dict(l=10, r=10, t=40, b=10)
CURVE_MARGIN = dict(l=10, r=10, t=30, b=10)
SPLIT_STYLES = {"train": dict(color="#555"), "test": dict(color="#0877bd", dash="dot")}


def _figure(data: list[dict], layout: dict) -> go.Figure:
    return go.Figure(dict(data=data, layout=layout))


def _panels(titles: list[str], gap: float = 0.12) -> dict:
    """Layout entries for panels side by side (what ``make_subplots`` makes, without its cost): axes
    x/y, x2/y2, …, each pair on its share of the width, with the titles above."""
    n = len(titles)
    width = (1 - gap * (n - 1)) / n
    layout: dict = {"annotations": []}
    for i, title in enumerate(titles):
        low = i * (width + gap)
        suffix = "" if i == 0 else str(i + 1)
        layout[f"xaxis{suffix}"] = dict(domain=[low, low + width], anchor=f"y{suffix}")
        layout[f"yaxis{suffix}"] = dict(anchor=f"x{suffix}")
        layout["annotations"].append(dict(text=title, x=low + width / 2, y=1.0, xref="paper", yref="paper",
                                          xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=14)))
    return layout


def _axes(panel: int) -> dict:
    """The trace keys that put a trace on panel ``panel`` (1, 2, …)."""
    return {} if panel == 1 else dict(xaxis=f"x{panel}", yaxis=f"y{panel}")


def mosaic(images: np.ndarray, gap: int = 1) -> np.ndarray:
    """Tiles (R, C, H, W) laid out as one image (R·(H+gap)−gap, C·(W+gap)−gap), NaN between tiles (drawn
    blank). Row 0 of the result is the top row of tiles, as images are read."""
    rows, columns, height, width = images.shape
    padded = np.full((rows, columns, height + gap, width + gap), np.nan, dtype=np.float32)
    padded[:, :, :height, :width] = images
    laid = padded.transpose(0, 2, 1, 3).reshape(rows * (height + gap), columns * (width + gap))
    return laid[:laid.shape[0] - gap, :laid.shape[1] - gap]


def _mosaic_figure(images: np.ndarray, title: str, height: int, x_labels: list[str] | None = None,
                   y_labels: list[str] | None = None, hover: str = "%{z:.2f}") -> go.Figure:
    """(R, C, 8, 8) digits as one heatmap; labels (if given) sit under the columns and beside the rows."""
    rows, columns, tile_h, tile_w = images.shape
    x_ticks = [c * (tile_w + 1) + (tile_w - 1) / 2 for c in range(columns)]
    y_ticks = [r * (tile_h + 1) + (tile_h - 1) / 2 for r in range(rows)]
    heatmap = dict(type="heatmap", z=mosaic(images), colorscale=INK, zmin=0, zmax=1, showscale=False,
                   hovertemplate=hover + "<extra></extra>", hoverongaps=False)
    return _figure([heatmap], dict(
        title=title, height=height, margin=MARGIN, plot_bgcolor="white",
        xaxis=dict(showgrid=False, zeroline=False, tickvals=x_ticks if x_labels else [], ticktext=x_labels,
                   constrain="domain"),
        yaxis=dict(showgrid=False, zeroline=False, tickvals=y_ticks if y_labels else [], ticktext=y_labels,
                   autorange="reversed", scaleanchor="x", constrain="domain"),
    ))


# ---------------------------------------------------------------- autoencoder


def latent_scatter(points: np.ndarray, labels: np.ndarray, class_names: list[str],
                   axis_titles: tuple[str, str] = ("z₁", "z₂"), walk: np.ndarray | None = None,
                   marked: np.ndarray | None = None, click_grid: tuple[np.ndarray, np.ndarray] | None = None,
                   title: str = "The test digits' codes", height: int = 460) -> go.Figure:
    """Codes on the latent plane (N, 2) coloured by class (N,); ``walk`` (S, 2) is drawn as a path and
    ``marked`` (2,) as a cross (a clicked or drawn point). ``click_grid`` (xs, ys) lays invisible points over
    the plane so that a click anywhere selects one (a page decodes it)."""
    data = []
    if click_grid is not None:
        gx, gy = np.meshgrid(*click_grid)
        data.append(dict(type="scatter", x=np.round(gx.ravel(), 3), y=np.round(gy.ravel(), 3), mode="markers",
                         marker=dict(size=14, opacity=0), name="decode here", showlegend=False,
                         hovertemplate="decode (%{x:.3f}, %{y:.3f})<extra></extra>"))
    for c, name in enumerate(class_names):
        chosen = labels == c
        data.append(dict(type="scatter", x=np.round(points[chosen, 0], 3), y=np.round(points[chosen, 1], 3),
                         mode="markers", name=name,
                         marker=dict(size=6, color=DIGIT_COLORS[c % len(DIGIT_COLORS)], opacity=0.8),
                         hovertemplate=f"digit {name}<br>(%{{x}}, %{{y}})<extra></extra>"))
    if walk is not None:
        data.append(dict(type="scatter", x=walk[:, 0], y=walk[:, 1], mode="lines+markers", name="walk",
                         line=dict(color="black", width=2), marker=dict(size=5, color="black"),
                         hovertemplate="step %{pointNumber}<extra>walk</extra>"))
    if marked is not None:
        data.append(dict(type="scatter", x=[marked[0]], y=[marked[1]], mode="markers", name="your point",
                         marker=dict(size=16, symbol="x", color="black", line=dict(color="white", width=1))))
    return _figure(data, dict(
        title=title, height=height, margin=MARGIN, plot_bgcolor="white", uirevision="latent",
        legend=dict(orientation="h", y=-0.15), clickmode="event+select",
        xaxis=dict(title=axis_titles[0], zeroline=True, zerolinecolor="#ddd", showgrid=False),
        yaxis=dict(title=axis_titles[1], zeroline=True, zerolinecolor="#ddd", showgrid=False, scaleanchor="x"),
    ))


def reconstruction_pairs(originals: np.ndarray, reconstructions: np.ndarray, titles: list[str] | None = None,
                         height: int = 200) -> go.Figure:
    """Originals (S, 8, 8) above their reconstructions (S, 8, 8)."""
    return _mosaic_figure(np.stack([originals, reconstructions]), "Originals and their reconstructions", height,
                          titles, ["original", "rebuilt"])


def decoded_walk(images: np.ndarray, height: int = 160) -> go.Figure:
    """A walk's decoded digits (S, 8, 8), first to last, left to right."""
    labels = ["start"] + [""] * (len(images) - 2) + ["end"]
    return _mosaic_figure(images[None], f"A straight walk in code space, {len(images)} steps", height, labels)


def decoded_grid_figure(images: np.ndarray, xs: np.ndarray, ys: np.ndarray,
                        axis_titles: tuple[str, str] = ("z₁", "z₂"), height: int = 520) -> go.Figure:
    """Digits decoded over the plane (S, S, 8, 8), row 0 at the top; ``xs``/``ys`` are the plane's coordinates
    of the columns and rows (top to bottom)."""
    fig = _mosaic_figure(images, "Decoded from a grid over the plane", height, [f"{x:.1f}" for x in xs],
                         [f"{y:.1f}" for y in ys])
    fig.layout.xaxis.title.text, fig.layout.yaxis.title.text = axis_titles
    return fig


def loss_split_curves(steps: list[int], reconstruction: dict[str, list[float]], kl: dict[str, list[float]],
                      beta: float | None = None, height: int = 260) -> go.Figure:
    """The loss's two parts over steps, one panel each, a line per split ("train", "test"); a plain
    autoencoder has no KL panel (pass ``kl={}``)."""
    panels = [("Reconstruction (per digit)", reconstruction)]
    if kl:
        panels.append((f"KL to N(0, I) (weighted by β = {beta:g})" if beta is not None else "KL to N(0, I)", kl))
    x = _thin(steps, MAX_CURVE_POINTS)
    data = [dict(type="scatter", x=x, y=_thin(values, MAX_CURVE_POINTS), mode="lines", name=name,
                 showlegend=panel == 1, line=dict(width=2, **SPLIT_STYLES.get(name, {})),
                 hovertemplate="step %{x}: %{y:.3f}<extra>" + name + "</extra>", **_axes(panel))
            for panel, (_, series) in enumerate(panels, start=1) for name, values in series.items()]
    layout = _panels([title for title, _ in panels])
    for i in range(len(panels)):
        layout["xaxis" + ("" if i == 0 else str(i + 1))]["title"] = "step"
    return _figure(data, dict(layout, height=height, margin=CURVE_MARGIN, legend=dict(orientation="h", y=-0.3),
                              uirevision="loss_split"))


def anomaly_histogram(errors: np.ndarray, score: float, threshold: float, height: int = 230) -> go.Figure:
    """The test digits' reconstruction errors (N,) as a histogram, with one digit's ``score`` and the
    ``threshold`` above which a digit is called unusual as vertical lines."""
    top = 1.08 * max(float(np.max(errors)) if len(errors) else 0.0, score, threshold)
    lines = [("unusual beyond", threshold, "#888", "dash"), ("your drawing", score, "#d62728", "solid")]
    data = [dict(type="histogram", x=np.round(errors, 5), nbinsx=40, name="test digits", marker=dict(color="#9ab"),
                 hovertemplate="error %{x}: %{y} test digits<extra></extra>")]
    shapes = [dict(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line=dict(color=color, width=2, dash=dash))
              for _, x, color, dash in lines]
    notes = [dict(x=x, y=y, yref="paper", text=name, showarrow=False, xanchor=side, yanchor="top",
                  font=dict(color=color, size=12))
             for (name, x, color, _), y, side in zip(lines, (0.82, 1.0), ("right", "left"))]
    return _figure(data, dict(
        title="Reconstruction error: the test digits, and your drawing", height=height, margin=CURVE_MARGIN,
        plot_bgcolor="white", shapes=shapes, annotations=notes, showlegend=False, bargap=0.05,
        xaxis=dict(title="mean squared pixel error", range=[0, top], showgrid=False),
        yaxis=dict(title="test digits", showgrid=True, gridcolor="#eee"),
    ))


# ---------------------------------------------------------------- GAN


def _critic_colors(values: np.ndarray, is_probability: bool) -> np.ndarray:
    """D's map → [−1, 1] for the diverging colours: 2p − 1 for a probability; a critic's score (whose level
    is arbitrary) centred on its mean and scaled by its largest deviation."""
    if is_probability:
        return 2 * values - 1
    centred = values - values.mean()
    largest = float(np.abs(centred).max())
    return centred / largest if largest > 0 else centred


def critic_image(values: np.ndarray, is_probability: bool) -> str:
    """The discriminator's map (R, R) (row 0 at the bottom) as a PNG data URI: blue where it says real, orange
    where it says fake (see ``_critic_colors``)."""
    return png_data_uri(diverging(_critic_colors(values, is_probability)))


def arrow_segments(points: np.ndarray, pushes: np.ndarray, longest: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(xs, ys, scale): line segments from each point (N, 2) along its push (N, 2), laid out for one trace
    (start, end, gap per arrow), every push multiplied by ``scale`` so that the longest is ``longest``."""
    norms = np.linalg.norm(pushes, axis=1)
    top = float(norms.max()) if len(norms) else 0.0
    scale = longest / top if top > 0 else 0.0
    ends = points + scale * pushes
    xs = np.stack([points[:, 0], ends[:, 0], np.full(len(points), np.nan)], axis=1).ravel()
    ys = np.stack([points[:, 1], ends[:, 1], np.full(len(points), np.nan)], axis=1).ravel()
    return xs, ys, scale


def gan_scene(extent: float, real: np.ndarray, fake: np.ndarray, pushes: np.ndarray | None = None,
              heatmap: np.ndarray | None = None, heat_is_probability: bool = True, modes: np.ndarray | None = None,
              covered: np.ndarray | None = None, title: str = "Real and generated points",
              height: int = 480) -> go.Figure:
    """Real (N, 2) and generated (M, 2) points; behind them the discriminator's map (R, R) (row 0 at the
    bottom; blue where it says real, orange where fake), on each generated point its push (M, 2) as an arrow
    (the longest a tenth of the plane), and the target's modes (K, 2), ringed green when covered, red when
    missed (``covered`` (K,))."""
    images = []
    if heatmap is not None:
        images.append(dict(source=critic_image(heatmap, heat_is_probability),
                           xref="x", yref="y", x=-extent, y=extent, sizex=2 * extent, sizey=2 * extent,
                           sizing="stretch", layer="below", opacity=0.85))
    data = [
        dict(type="scatter", x=np.round(real[:, 0], 3), y=np.round(real[:, 1], 3), mode="markers", name="real",
             marker=dict(size=5, color=REAL, opacity=0.7), hoverinfo="skip"),
        dict(type="scatter", x=np.round(fake[:, 0], 3), y=np.round(fake[:, 1], 3), mode="markers", name="generated",
             marker=dict(size=6, color=FAKE, line=dict(color="white", width=0.5)),
             hovertemplate="(%{x:.3f}, %{y:.3f})<extra>generated</extra>"),
    ]
    if pushes is not None and len(fake):
        xs, ys, scale = arrow_segments(fake, pushes, extent / 10)
        sizes = np.tile([0, 7, 0], len(fake))  # an arrowhead at each end, nothing at starts or gaps
        data.append(dict(type="scatter", x=np.round(xs, 3), y=np.round(ys, 3), mode="lines+markers",
                         name=f"push −∂ℓ_G/∂x (×{scale:.2g})", hoverinfo="skip",
                         line=dict(color="rgba(60,60,60,0.7)", width=1),
                         marker=dict(symbol="arrow", angleref="previous", size=sizes, color="rgba(60,60,60,0.9)")))
    if modes is not None:
        ok = np.ones(len(modes), dtype=bool) if covered is None else np.asarray(covered, dtype=bool)
        data.append(dict(type="scatter", x=modes[:, 0], y=modes[:, 1], mode="markers", name="modes (green: covered)",
                         marker=dict(size=16, symbol="circle-open", line=dict(width=2),
                                     color=[COVERED if c else MISSED for c in ok]),
                         text=["covered" if c else "missed" for c in ok],
                         hovertemplate="mode (%{x:.2f}, %{y:.2f}): %{text}<extra></extra>"))
    return _figure(data, dict(
        title=title, height=height, margin=MARGIN, plot_bgcolor="white", uirevision="gan_scene", images=images,
        legend=dict(orientation="h", y=-0.15),
        xaxis=dict(range=[-extent, extent], constrain="domain", title="x₁", zeroline=False, showgrid=False),
        yaxis=dict(range=[-extent, extent], scaleanchor="x", title="x₂", zeroline=False, showgrid=False),
    ))


def grid_marks(noise: np.ndarray, half_width: float) -> tuple[np.ndarray, np.ndarray]:
    """(colour values, sizes) for each node of a noise grid (R, C, 2): the colour follows z₁ and the size z₂,
    so that a node looks the same on both sides of the generator. Numbers, not colour names: plotly checks a
    list of colour names one by one (3 ms for 225 nodes), numbers at once."""
    share = np.clip((noise.reshape(-1, 2) + half_width) / (2 * half_width), 0, 1)
    return share[:, 0], 4 + 6 * share[:, 1]


def _grid_lines(nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every row and column of a grid (R, C, 2) as one polyline with NaN gaps: (xs, ys)."""
    parts = []
    gap = np.full((1, 2), np.nan)
    for row in nodes:
        parts += [row, gap]
    for column in nodes.transpose(1, 0, 2):
        parts += [column, gap]
    line = np.concatenate(parts)
    return line[:, 0], line[:, 1]


def folded_grid_figure(noise: np.ndarray, image: np.ndarray, half_width: float, extent: float,
                       real: np.ndarray | None = None, height: int = 380) -> go.Figure:
    """Left: the grid over the noise space (R, C, 2). Right: where the generator sends it (R, C, 2), over the
    real points (N, 2) when given. A node has the same colour (z₁) and size (z₂) on both sides."""
    colors, sizes = grid_marks(noise, half_width)
    data = []
    for panel, nodes in ((1, noise), (2, image)):
        xs, ys = _grid_lines(nodes)
        data.append(dict(type="scatter", x=np.round(xs, 3), y=np.round(ys, 3), mode="lines", hoverinfo="skip",
                         line=dict(color="rgba(120,120,120,0.6)", width=1), showlegend=False, **_axes(panel)))
        if panel == 2 and real is not None:
            data.append(dict(type="scatter", x=real[:, 0], y=real[:, 1], mode="markers", name="real",
                             hoverinfo="skip", marker=dict(size=4, color=REAL, opacity=0.35), showlegend=False,
                             **_axes(2)))
        flat = nodes.reshape(-1, 2)
        data.append(dict(type="scatter", x=np.round(flat[:, 0], 3), y=np.round(flat[:, 1], 3), mode="markers",
                         marker=dict(size=sizes, color=colors, colorscale="Viridis", cmin=0, cmax=1),
                         showlegend=False,
                         hovertemplate="(%{x:.3f}, %{y:.3f})<extra></extra>", **_axes(panel)))
    layout = _panels(["Noise space (z₁, z₂)", "The generator's output"], gap=0.08)
    reach = half_width * 1.05
    layout["xaxis"].update(range=[-reach, reach], showgrid=False, zeroline=False)
    layout["yaxis"].update(range=[-reach, reach], scaleanchor="x", showgrid=False, zeroline=False)
    layout["xaxis2"].update(range=[-extent, extent], showgrid=False, zeroline=False)
    layout["yaxis2"].update(range=[-extent, extent], scaleanchor="x2", showgrid=False, zeroline=False)
    return _figure(data, dict(layout, height=height, margin=MARGIN, plot_bgcolor="white", uirevision="folded"))


def gan_loss_curves(steps: list[int], discriminator: list[float], generator: list[float],
                    modes_covered: list[float], n_modes: int, held_out: list[float] | None = None,
                    height: int = 260) -> go.Figure:
    """The two networks' losses over steps (and the discriminator's on held-out real points, when given),
    and how many of the ``n_modes`` modes the generated points cover."""
    x = _thin(steps, MAX_CURVE_POINTS)
    lines = [("discriminator", discriminator, dict(color="#0877bd")), ("generator", generator, dict(color=FAKE))]
    if held_out is not None:
        lines.append(("discriminator, held-out real points", held_out, dict(color="#0877bd", dash="dot")))
    data = [dict(type="scatter", x=x, y=_thin(values, MAX_CURVE_POINTS), mode="lines", name=name,
                 line=dict(width=2, **style), hovertemplate="step %{x}: %{y:.3f}<extra>" + name + "</extra>")
            for name, values, style in lines]
    data.append(dict(type="scatter", x=x, y=_thin(modes_covered, MAX_CURVE_POINTS), mode="lines",
                     name="modes covered", line=dict(width=2, color=COVERED, shape="hv"), showlegend=False,
                     hovertemplate="step %{x}: %{y:.0f} modes<extra></extra>", **_axes(2)))
    layout = _panels(["Losses", "Modes covered"])
    layout["xaxis"]["title"] = layout["xaxis2"]["title"] = "step"
    layout["yaxis2"]["range"] = [0, n_modes + 0.5]
    return _figure(data, dict(layout, height=height, margin=CURVE_MARGIN, legend=dict(orientation="h", y=-0.3),
                              uirevision="gan_curves"))
