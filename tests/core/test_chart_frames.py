"""Live charts' frames: what the browser decodes is what was sent, a frame carries only what changed, no frame
grows with the run, and a learner's text travels as text."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from dl_core import make_run
from dl_core.analyses import live_frames
from dl_core.analyses.chart_frames import (
    LEVELS, MAX_CELLS, MAX_IMAGE_SIDE, MAX_IMAGES, MAX_POINTS, MAX_TEXT, Bars, Distributions, Heatmap, Images, Lines,
    LossPath, chart_frame,
)
from dl_core.analyses.frames import FrameLog, bundle, decode, parts, run_status
from dl_core.specs import PlaygroundSpec

ROOT = Path(__file__).resolve().parents[2]
STATUS = {"step": 0}


def lines(steps, note="") -> Lines:
    steps = list(steps)
    return Lines(key="loss", title="Loss", steps=steps, series=[[s * 0.5 for s in steps], [s * 2.0 for s in steps]],
                 names=["train", "test"], note=note)


def frame(panels, log, identity=1):
    return decode(chart_frame(panels, log, STATUS, identity))


def test_every_panel_decodes_to_the_arrays_sent():
    rng = np.random.default_rng(0)
    confusion = rng.integers(0, 50, (3, 3))
    digits = rng.random((5, 8, 8))
    shares = [0.0, 0.25, 1.0]
    losses = rng.random((6, 6)) + 0.1
    path = rng.random((4, 2))
    panels = [
        lines(range(0, 50, 10)),
        Heatmap(key="confusion", title="Confusion", values=confusion, rows=list("abc"), columns=list("abc")),
        Images(key="wrong", title="Wrong", images=digits, captions=[f"{k} → {k + 1}" for k in range(5)]),
        Bars(key="dead", title="Dead", labels=["l1", "l2", "l3"], values=shares, threshold=0.5),
        LossPath(key="path", title="Path", alphas=np.linspace(-1, 1, 6), betas=np.linspace(-2, 2, 6), losses=losses,
                 path=path, path_steps=[0, 10, 20, 30]),
    ]
    header, arrays = frame(panels, FrameLog())
    assert [p["kind"] for p in header["layout"]] == ["lines", "heatmap", "images", "bars", "loss_path"]
    assert list(arrays["loss.x"]) == [0, 10, 20, 30, 40]
    assert np.allclose(arrays["loss.y"], np.array([[s * 0.5, s * 2.0] for s in range(0, 50, 10)]))
    assert (arrays["confusion.values"] == confusion).all()
    assert (arrays["wrong.pixels"] == np.round(digits * 255)).all() and arrays["wrong.pixels"].dtype == np.uint8
    assert header["panels"]["wrong"]["captions"][4] == "4 → 5"
    assert np.allclose(arrays["dead.values"], shares) and header["layout"][3]["threshold"] == 0.5
    assert np.allclose(arrays["path.path"], path) and list(arrays["path.steps"]) == [0, 10, 20, 30]
    grid, shown = header["panels"]["path"]["grid"], np.log10(losses)
    assert grid["extent"] == [-1.0, 1.0, -2.0, 2.0]
    assert np.isclose(grid["low"], shown.min()) and np.isclose(grid["high"], shown.max())
    levels = arrays["path.grid"]
    assert levels[np.unravel_index(shown.argmin(), shown.shape)] == 0
    assert levels[np.unravel_index(shown.argmax(), shown.shape)] == LEVELS
    span = grid["high"] - grid["low"]
    assert np.allclose(grid["low"] + levels / LEVELS * span, shown, atol=span / LEVELS), "255 levels of log10 loss"


def test_distributions_are_histograms_with_their_quartiles():
    rng = np.random.default_rng(1)
    samples = [rng.normal(0, 1, 5000), rng.normal(3, 0.1, 5000)]
    header, arrays = frame([Distributions(key="d", title="D", samples=samples, labels=["a", "b"])], FrameLog())
    entry = header["panels"]["d"]
    pooled = np.concatenate(samples)
    assert np.isclose(entry["low"], np.percentile(pooled, 0.5))
    assert np.isclose(entry["high"], np.percentile(pooled, 99.5))
    assert arrays["d.density"].shape == (2, 40) and (arrays["d.density"].max(axis=1) == 255).all()
    assert np.allclose(arrays["d.quartiles"], [np.percentile(s, [25, 50, 75]) for s in samples], atol=1e-5)
    empty, arrays = frame([Distributions(key="d", title="D", samples=[np.zeros(0)], labels=["a"])], FrameLog())
    assert empty["panels"]["d"]["low"] is None and not arrays, "nothing measured yet: nothing drawn"


def test_a_second_frame_sends_only_the_new_records():
    log = FrameLog()
    first, _ = frame([lines(range(0, 30, 10))], log)
    assert "layout" in first and first["panels"]["loss"]["reset"]
    second, arrays = frame([lines(range(0, 60, 10))], log)
    assert "layout" not in second and not second["panels"]["loss"]["reset"]
    assert list(arrays["loss.x"]) == [30, 40, 50] and np.allclose(arrays["loss.y"][:, 1], [60, 80, 100])
    third, arrays = frame([lines(range(0, 60, 10))], log)
    assert third["panels"] == {} and not arrays, "nothing new, nothing sent"
    fourth, arrays = frame([lines(range(0, 60, 10), note="now")], log)
    assert fourth["panels"]["loss"]["note"] == "now" and len(arrays["loss.x"]) == 0, "a new note alone"


def test_frames_are_numbered_and_a_lost_one_is_made_good_by_a_frame_with_everything():
    """The browser notices a frame that never came by its number and sends "resync", which forgets what this
    browser was sent (ui.live.apply_command): the next frame carries the layout and every record again."""
    log = FrameLog()
    numbers = [frame([lines(range(0, 10 * k, 10))], log)[0]["seq"] for k in range(1, 5)]
    assert numbers == [1, 2, 3, 4]
    log.static_key = None  # what "resync" does
    again, arrays = frame([lines(range(0, 60, 10))], log)
    assert again["seq"] == 5 and "layout" in again and list(arrays["loss.x"]) == [0, 10, 20, 30, 40, 50]


def test_a_new_run_or_a_shorter_history_starts_the_lines_again():
    log = FrameLog()
    frame([lines(range(0, 100, 10))], log)
    again, arrays = frame([lines(range(0, 20, 10))], log, identity=2)
    assert "layout" in again and again["panels"]["loss"]["reset"] and list(arrays["loss.x"]) == [0, 10]
    shorter, arrays = frame([lines(range(0, 10, 10))], log, identity=2)
    assert shorter["panels"]["loss"]["reset"] and list(arrays["loss.x"]) == [0], "the history went back: resend"


def test_an_unchanged_panel_is_not_sent_again():
    log = FrameLog()
    heat = Heatmap(key="c", title="C", values=np.eye(3, dtype=int), rows=list("abc"), columns=list("abc"))
    frame([heat], log)
    header, arrays = frame([heat], log)
    assert header["panels"] == {} and not arrays
    changed = Heatmap(key="c", title="C", values=np.eye(3, dtype=int) * 2, rows=list("abc"), columns=list("abc"))
    header, arrays = frame([changed], log)
    assert (arrays["c.values"] == 2 * np.eye(3)).all()


def test_the_path_starts_again_when_its_grid_changes():
    log = FrameLog()
    axis = np.linspace(-1, 1, 5)

    def path_panel(losses, steps):
        return LossPath(key="p", title="P", alphas=axis, betas=axis, losses=losses,
                        path=np.column_stack([steps, steps]) / 100, path_steps=steps)

    flat = np.ones((5, 5))
    frame([path_panel(flat, [0, 10, 20])], log)
    header, arrays = frame([path_panel(flat, [0, 10, 20, 30])], log)
    assert "grid" not in header["panels"]["p"] and list(arrays["p.steps"]) == [30], "the same plane: new points"
    header, arrays = frame([path_panel(flat * 2, [0, 10, 20, 30])], log)
    entry = header["panels"]["p"]
    assert "grid" in entry and entry["reset"] and list(arrays["p.steps"]) == [0, 10, 20, 30], "a new plane: all"
    waiting, arrays = frame([LossPath(key="p", title="P", alphas=None, betas=None, losses=None, path=np.zeros((0, 2)),
                                      path_steps=[], waiting="Press Play")], FrameLog())
    assert waiting["panels"]["p"]["grid"] == {"extent": None, "waiting": "Press Play"}


def test_no_frame_grows_with_the_run():
    steps = np.arange(200_000)
    long = Lines(key="l", title="L", steps=steps, series=[steps * 1.0] * 3, names=["a", "b", "c"])
    log = FrameLog()
    header, arrays = frame([long], log)
    assert len(arrays["l.x"]) == MAX_POINTS and arrays["l.x"][-1] == steps[-1], "thinned, the newest kept"
    first = chart_frame([long], FrameLog(), STATUS)
    assert len(first) < MAX_POINTS * 4 * 4 + 2_000
    bigger = [
        Images(key="i", title="I", images=np.zeros((500, 200, 200)), captions=["x"] * 500),
        Heatmap(key="h", title="H", values=np.ones((300, 300)), rows=range(300), columns=range(300)),
        Distributions(key="d", title="D", samples=[np.random.default_rng(0).normal(size=2_000_000)], labels=["a"]),
    ]
    header, arrays = frame(bigger, FrameLog())
    assert arrays["i.pixels"].shape[0] == MAX_IMAGES and max(arrays["i.pixels"].shape[1:]) <= MAX_IMAGE_SIDE
    assert arrays["h.values"].shape == (MAX_CELLS, MAX_CELLS) and len(header["layout"][1]["rows"]) == MAX_CELLS
    assert len(chart_frame(bigger, FrameLog(), STATUS)) < 200_000


HOSTILE = '<img src=x onerror="alert(1)"></script>\u202e'


def test_a_learners_text_travels_as_json_text_never_as_markup():
    names = [HOSTILE, "x" * 500]
    panels = [Heatmap(key="c", title=HOSTILE, values=np.eye(2, dtype=int), rows=names, columns=names),
              Bars(key="b", title="B", labels=names, values=[0.1, 0.2], note=HOSTILE)]
    header, _ = frame(panels, FrameLog())
    heat, bars = header["layout"]
    assert heat["title"] == HOSTILE and heat["rows"][0] == HOSTILE and bars["labels"][0] == HOSTILE
    assert len(heat["rows"][1]) == MAX_TEXT and heat["rows"][1].endswith("…")
    assert header["panels"]["b"]["note"] == HOSTILE
    # the browser side writes server text as textContent or on a canvas, never as HTML
    script = "".join((ROOT / "ui/components" / name).read_text() for name in ("live_shared.js", "live_charts.js"))
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script)


def test_the_status_line_has_no_nan_for_json_and_the_playground_frames_share_the_format():
    run = make_run(PlaygroundSpec())
    status = run_status(run, playing=True, speed=1500)
    assert status["step"] == 0 and status["playing"] and json.loads(json.dumps(status, allow_nan=False)) == status
    assert all(v is None or math.isfinite(v) for k, v in status.items() if k.endswith(("loss", "accuracy")))
    header, arrays = live_frames.decode(live_frames.playground_frame(run, live_frames.FrameLog()))
    assert header["step"] == 0 and arrays["output"].shape == (60, 60) and "static" in header
    assert live_frames.decode is decode and live_frames.FrameLog is FrameLog, "one format, one reader"


def test_panel_keys_are_unique_in_a_view():
    with pytest.raises(ValueError, match="unique"):
        chart_frame([lines(range(3)), lines(range(3))], FrameLog(), STATUS)


def test_a_bundle_holds_its_frames_in_order_and_one_frame_travels_as_it_is():
    run = make_run(PlaygroundSpec())
    log = FrameLog()
    frames = []
    for _ in range(3):
        run.trainer.step(7)
        frames.append(live_frames.playground_frame(run, log, playing=True))
    message = bundle(frames, 0.2)
    assert parts(message) == frames
    assert bundle(frames[:1], 0.2) == frames[0] and parts(frames[0]) == [frames[0]]
    assert decode(message)[0]["every"] == 0.2
    steps = [decode(part)[0]["step"] for part in parts(message)]
    assert steps == [7, 14, 21]
    assert "static" in decode(frames[0])[0] and not any("static" in decode(f)[0] for f in frames[1:])
    history = np.concatenate([decode(f)[1]["history"][0] for f in frames])
    assert history.tolist() == [0, 7, 14, 21], "each part carries the records after the last one's, none twice"
