"""Generative lab speed: training steps per second of the default GAN and VAE (one thread), the GAN's
trainer against a bare PyTorch loop, and what one live frame of each view costs (arrays computed, figures
built and serialised to JSON, as a page sends them).

Run: .venv/bin/python benchmarks/generative.py   (or `make bench`)
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_interleaved, best_seconds, one_thread, row  # noqa: E402

from dl_core import make_run  # noqa: E402
from dl_core.generative.autoencoder import autoencoder_frame, decoded_grid, latent_walk, read_digit  # noqa: E402
from dl_core.generative.gan import discriminator_loss, gan_frame, generator_loss  # noqa: E402
from dl_core.specs.generative import AutoencoderSpec, GanSpec, GanTrain  # noqa: E402
from dl_core.viz.generative import (  # noqa: E402
    decoded_grid_figure, decoded_walk, folded_grid_figure, gan_loss_curves, gan_scene, latent_scatter,
    loss_split_curves, reconstruction_pairs,
)

STEPS = 200
WARM_STEPS = 300  # trained before a frame is timed, so that the pictures are not those of random weights


def bare_gan_loop(trainer, steps: int):
    """The same game written plainly: one D step and one G step on fresh batches, nothing else."""
    g, d = trainer.generator, trainer.discriminator
    g_opt = torch.optim.Adam(g.parameters(), lr=trainer.hyper.g_learning_rate)
    d_opt = torch.optim.Adam(d.parameters(), lr=trainer.hyper.d_learning_rate)
    x, size, kind = trainer.x_train, trainer.hyper.batch_size, trainer.hyper.loss

    def run():
        for _ in range(steps):
            real = x[torch.randint(len(x), (size,))]
            with torch.no_grad():
                fake = g(torch.randn(size, trainer.noise_dim))
            d_opt.zero_grad(set_to_none=True)
            discriminator_loss(kind, d(real), d(fake)).backward()
            d_opt.step()
            g_opt.zero_grad(set_to_none=True)
            generator_loss(kind, d(g(torch.randn(size, trainer.noise_dim)))).backward()
            g_opt.step()

    return run


def training() -> None:
    print(f"\nTraining, one thread: best of several calls of step({STEPS}) (one history record per call)")
    gan = make_run(GanSpec()).trainer
    best = best_interleaved({"trainer": lambda: gan.step(STEPS), "bare": bare_gan_loop(gan, STEPS)}, rounds=5)
    row("default GAN (32-32 ReLU each, batch 128, k = 1)", STEPS / best["trainer"], "steps/s",
        f"{best['trainer'] / best['bare']:.2f}× a bare loop's time")
    critic = make_run(replace(GanSpec(), train=replace(GanTrain(), loss="wgan_gp", d_steps=5))).trainer
    seconds = best_seconds(lambda: critic.step(STEPS // 4), repeats=3)
    row("the same with WGAN-GP, k = 5 (its remedy)", STEPS // 4 / seconds, "steps/s")
    for label, spec in (("default VAE (dense, 2-number code, batch 64)", AutoencoderSpec()),
                        ("convolutional VAE (16-number code, batch 64)",
                         AutoencoderSpec(encoder="conv", decoder="conv", latent=16))):
        trainer = make_run(spec).trainer
        seconds = best_seconds(lambda t=trainer: t.step(STEPS), repeats=3)
        row(label, STEPS / seconds, "steps/s")


def gan_frames() -> None:
    print("\nOne live frame of the GAN (default spec, after 300 steps): arrays, then figures as JSON")
    run = make_run(GanSpec())
    trainer = run.trainer
    trainer.step(WARM_STEPS)
    frame = gan_frame(trainer)

    def scene():
        gan_scene(frame.extent, frame.real, frame.fake, frame.pushes, frame.heatmap, frame.heat_is_probability,
                  frame.modes, frame.covered).to_json()

    def folded():
        folded_grid_figure(frame.folded.noise, frame.folded.image, frame.folded.half_width, frame.extent,
                           frame.real).to_json()

    def curves():
        h = trainer.history
        gan_loss_curves(h.step, h.discriminator_loss, h.generator_loss, h.modes_covered, trainer.target.n_modes,
                        h.test_loss).to_json()

    def whole():
        nonlocal frame
        frame = gan_frame(trainer)
        scene()
        folded()
        curves()

    row("arrays: 48×48 map, 256 points and pushes, 15×15 grid", best_seconds(lambda: gan_frame(trainer), 20) * 1e3,
        "ms")
    row("scene figure (map, points, arrows, modes)", best_seconds(scene, 20) * 1e3, "ms")
    row("folded noise grid figure", best_seconds(folded, 20) * 1e3, "ms")
    row("losses and modes covered figure", best_seconds(curves, 20) * 1e3, "ms")
    tick = best_seconds(lambda: trainer.step(10), 20)
    frame_cost = best_seconds(whole, 20)
    row("whole frame: arrays and all three figures", frame_cost * 1e3, "ms",
        f"+ 10 steps {tick * 1e3:.1f} ms → {1 / (frame_cost + tick):,.0f} ticks/s possible")


def autoencoder_frames() -> None:
    print("\nOne live frame of the VAE (default spec, after 300 steps): arrays, then figures as JSON")
    trainer = make_run(AutoencoderSpec()).trainer
    trainer.step(WARM_STEPS)
    frame = autoencoder_frame(trainer)
    names = [str(c) for c in range(10)]
    xs, ys = np.linspace(frame.plane.low[0], frame.plane.high[0], 30), np.linspace(frame.plane.low[1],
                                                                                   frame.plane.high[1], 30)

    def live():
        f = autoencoder_frame(trainer)
        latent_scatter(f.points, f.labels, names, f.plane.titles, click_grid=(xs, ys)).to_json()
        reconstruction_pairs(f.originals, f.reconstructions).to_json()
        h = trainer.history
        loss_split_curves(h.step, {"train": h.train_reconstruction, "test": h.test_reconstruction},
                          {"train": h.train_kl, "test": h.test_kl}, trainer.hyper.beta).to_json()

    def grid():
        g = decoded_grid(trainer.model, frame.plane)
        decoded_grid_figure(g.images, g.xs, g.ys, frame.plane.titles).to_json()

    def walk():
        w = latent_walk(trainer.model, trainer.x_test[0, 0].cpu().numpy(), trainer.x_test[1, 0].cpu().numpy(), 10)
        decoded_walk(w.images).to_json()

    scribble = np.eye(8, dtype=np.float32)
    row("arrays: 540 test codes, 10 reconstructions", best_seconds(lambda: autoencoder_frame(trainer), 20) * 1e3,
        "ms")
    row("live frame: arrays + latent plane, pairs, loss split", best_seconds(live, 20) * 1e3, "ms")
    row("decoded 12×12 grid with its figure", best_seconds(grid, 20) * 1e3, "ms")
    row("latent walk of 10 steps with its figure", best_seconds(walk, 20) * 1e3, "ms")
    row("a drawn digit read: code, reconstruction, anomaly score", best_seconds(lambda: read_digit(trainer, scribble),
                                                                                20) * 1e3, "ms")


def main() -> None:
    one_thread()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
    training()
    gan_frames()
    autoencoder_frames()


if __name__ == "__main__":
    main()
