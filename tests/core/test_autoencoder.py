import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from dl_core import follow, make_run
from dl_core.generative.autoencoder import (
    DECODERS, ENCODERS, LossParts, Reconstruction, autoencoder_frame, autoencoder_loss, autoencoder_work,
    build_autoencoder, codes_of, decode_codes, decode_points, decoded_grid, latent_plane, latent_walk, read_digit,
)
from dl_core.specs.generative import AutoencoderSpec, AutoencoderTrain
from dl_core.viz.generative import (
    decoded_grid_figure, decoded_walk, latent_scatter, loss_split_curves, mosaic, reconstruction_pairs,
)

TRAINED_STEPS = 400
PIXEL_ERROR = 0.03  # the plain autoencoder's test error after TRAINED_STEPS; the mean digit's is about 0.074


def spec(variant: str = "plain", latent: int = 8, **train) -> AutoencoderSpec:
    return AutoencoderSpec(variant=variant, latent=latent, train=replace(AutoencoderTrain(), **train))


@pytest.fixture(scope="module")
def trained():
    """A plain dense autoencoder with an 8-number code, trained 400 steps (batch 64, Adam 0.003): about 1 s."""
    run = make_run(spec())
    run.trainer.step(TRAINED_STEPS)
    return run


def bernoulli_nll(logit: float, x: float) -> float:
    p = 1 / (1 + math.exp(-logit))
    return -(x * math.log(p) + (1 - x) * math.log(1 - p))


def test_the_vae_loss_is_reconstruction_plus_beta_times_kl_as_written():
    """Two examples, four pixels, a 2-number code: the formula term by term in plain Python."""
    logits = torch.tensor([[0.5, -1.0, 2.0, 0.0], [-0.3, 0.8, -2.0, 1.5]]).reshape(2, 1, 2, 2)
    x = torch.tensor([[1.0, 0.0, 0.7, 0.2], [0.0, 1.0, 0.5, 1.0]]).reshape(2, 1, 2, 2)
    mean = torch.tensor([[0.4, -1.2], [0.0, 0.9]])
    log_var = torch.tensor([[-0.5, 0.3], [0.2, -1.0]])
    beta = 2.5
    parts = autoencoder_loss(Reconstruction(logits, mean, log_var, mean), x, beta, "bce")

    rec = [sum(bernoulli_nll(l_, x_) for l_, x_ in zip(logits[i].flatten().tolist(), x[i].flatten().tolist()))
           for i in range(2)]
    kl = [0.5 * sum(m * m + math.exp(v) - 1 - v for m, v in zip(mean[i].tolist(), log_var[i].tolist()))
          for i in range(2)]
    assert parts.reconstruction.item() == pytest.approx(sum(rec) / 2, rel=1e-5)
    assert parts.kl.item() == pytest.approx(sum(kl) / 2, rel=1e-5)
    assert parts.total.item() == pytest.approx(sum(rec) / 2 + beta * sum(kl) / 2, rel=1e-5)
    prior = torch.distributions.Normal(0.0, 1.0)
    posterior = torch.distributions.Normal(mean, torch.exp(0.5 * log_var))
    assert parts.kl.item() == pytest.approx(torch.distributions.kl_divergence(posterior, prior).sum(1).mean().item(),
                                            rel=1e-5)


def test_squared_error_and_a_plain_autoencoder_have_no_kl_term():
    logits = torch.tensor([[0.0, 2.0]]).reshape(1, 1, 1, 2)
    x = torch.tensor([[0.5, 0.0]]).reshape(1, 1, 1, 2)
    parts = autoencoder_loss(Reconstruction(logits, torch.ones(1, 2), None, torch.ones(1, 2)), x, 3.0, "mse")
    squared = (0.5 - 0.5) ** 2 + (1 / (1 + math.exp(-2.0))) ** 2
    assert isinstance(parts, LossParts) and parts.kl.item() == 0
    assert parts.total.item() == pytest.approx(squared) and parts.reconstruction.item() == pytest.approx(squared)


@pytest.mark.parametrize("encoder", list(ENCODERS))
@pytest.mark.parametrize("decoder", list(DECODERS))
@pytest.mark.parametrize("variational", [False, True])
def test_the_cost_known_from_shapes_matches_the_built_model(encoder, decoder, variational):
    model = build_autoencoder(encoder, decoder, 3, variational, seed=0)
    encoding, decoding = autoencoder_work(encoder, decoder, 3, variational)
    assert encoding.parameters == sum(p.numel() for p in model.encoder.parameters())
    assert decoding.parameters == sum(p.numel() for p in model.decoder.parameters())
    out = model(torch.rand(5, 1, 8, 8), torch.randn(5, 3))
    assert out.logits.shape == (5, 1, 8, 8) and out.code.shape == (5, 3)
    assert (out.log_var is not None) == variational
    assert ("VAE" if variational else "Autoencoder") in repr(model)


def test_the_same_spec_trains_to_the_same_numbers():
    first, second = make_run(spec("vae", 2)), make_run(spec("vae", 2))
    first.trainer.step(15)
    second.trainer.step(15)
    assert first.trainer.history == second.trainer.history


def test_the_plain_autoencoders_test_error_falls_below_the_stated_figure(trained):
    history = trained.trainer.history
    mean_digit = trained.trainer.x_train.mean(0, keepdim=True)
    baseline = float(((trained.trainer.x_test - mean_digit) ** 2).mean())
    assert history.test_pixel_error[0] > 0.1 > baseline
    assert history.last("test_pixel_error") < PIXEL_ERROR < 0.5 * baseline
    assert history.train_kl == [0.0, 0.0] and history.step == [0, TRAINED_STEPS]


def test_denoising_differs_from_plain_only_by_its_noise():
    plain, quiet = make_run(spec("plain")), make_run(spec("denoising", noise=0.0))
    noisy = make_run(spec("denoising", noise=0.5))
    for run in (plain, quiet, noisy):
        run.trainer.step(5)
    assert plain.trainer.history.train_loss == quiet.trainer.history.train_loss
    assert noisy.trainer.history.train_loss[-1] != plain.trainer.history.train_loss[-1]


def test_beta_changes_live_and_the_loss_follows_it():
    run = make_run(spec("vae", 2))
    run.trainer.step(10)
    history = run.trainer.history
    assert history.last("train_loss") == pytest.approx(history.last("train_reconstruction") + history.last("train_kl"))
    changed = replace(run.spec, train=replace(run.spec.train, beta=0.0, learning_rate=0.01))
    assert follow(run, changed) is run and run.trainer.optimizer.param_groups[0]["lr"] == 0.01
    run.trainer.step(1)
    assert history.last("train_loss") == pytest.approx(history.last("train_reconstruction"))
    assert history.last("train_kl") > 0
    assert follow(run, replace(changed, latent=3)) is not run


def test_events_fire_once_a_step_with_gradients_then_new_weights():
    run = make_run(spec("vae", 2))
    seen = []
    first = next(run.model.parameters())
    before = first.detach().clone()
    run.trainer.on("after_backward", lambda t: seen.append(("backward", first.grad is not None,
                                                            torch.equal(first, before))))
    run.trainer.on("after_step", lambda t: seen.append(("step", t.step_count, torch.equal(first, before))))
    run.trainer.step(1)
    assert seen == [("backward", True, True), ("step", 1, False)]


def test_a_walk_has_the_steps_asked_for_and_ends_on_the_two_digits_decoded(trained):
    model, x = trained.model, trained.trainer.x_test[:2, 0].numpy()
    walk = latent_walk(model, x[0], x[1], steps=7)
    assert walk.codes.shape == (7, 8) and walk.images.shape == (7, 8, 8)
    ends = decode_codes(model, codes_of(model, x))
    np.testing.assert_allclose(walk.images[[0, -1]], ends, atol=1e-6)
    np.testing.assert_allclose(walk.codes[3], (walk.codes[0] + walk.codes[-1]) / 2, atol=1e-6)
    with pytest.raises(ValueError, match="between 2 and"):
        latent_walk(model, x[0], x[1], steps=1)


def test_a_long_code_is_shown_on_its_two_principal_directions(trained):
    codes = codes_of(trained.model, trained.trainer.x_test)
    plane = latent_plane(codes)
    np.testing.assert_allclose(plane.axes @ plane.axes.T, np.eye(2), atol=1e-6)
    reference = PCA(2).fit(codes)
    np.testing.assert_allclose(np.abs(plane.axes), np.abs(reference.components_), atol=1e-4)
    points = plane.to_plane(codes)
    np.testing.assert_allclose(plane.to_plane(plane.to_codes(points)), points, atol=1e-6)
    assert np.all(plane.low <= points.min(0)) and np.all(points.max(0) <= plane.high)
    flat = latent_plane(codes[:, :2])
    np.testing.assert_allclose(flat.to_plane(codes[:, :2]), codes[:, :2])


def test_a_click_on_the_plane_and_a_grid_decode_those_points(trained):
    model = trained.model
    plane = latent_plane(codes_of(model, trained.trainer.x_test))
    grid = decoded_grid(model, plane, size=5)
    assert grid.images.shape == (5, 5, 8, 8) and grid.ys[0] > grid.ys[-1]
    corner = decode_points(model, plane, np.array([[grid.xs[0], grid.ys[0]]]))[0]
    np.testing.assert_allclose(grid.images[0, 0], corner, atol=1e-6)
    vae = build_autoencoder("dense", "dense", 2, True, 0)
    assert decoded_grid(vae, latent_plane(np.zeros((3, 2))), 4).xs[[0, -1]].tolist() == [-2.5, 2.5]


def test_a_scribble_scores_as_unusual_and_a_test_digit_does_not(trained):
    scribble = np.zeros((8, 8), dtype=np.float32)
    scribble[np.arange(8), np.arange(8)] = scribble[np.arange(8), 7 - np.arange(8)] = 1.0
    scribble[0, :] = scribble[:, 0] = 1.0
    trainer = trained.trainer
    odd, usual = read_digit(trainer, scribble), read_digit(trainer, trainer.x_test[3, 0].numpy())
    assert odd.unusual and odd.percentile > 99 and odd.score > odd.threshold
    assert not usual.unusual and usual.score < usual.threshold and usual.reconstruction.shape == (8, 8)
    assert odd.code.shape == (8,) and odd.point.shape == (2,)


def test_a_frame_gives_the_plane_and_the_pictures_and_the_figures_draw_it(trained):
    frame = autoencoder_frame(trained.trainer, shown=6)
    trainer = trained.trainer
    assert frame.points.shape == (len(trainer.x_test), 2) and frame.labels.shape == (len(trainer.x_test),)
    assert frame.originals.shape == frame.reconstructions.shape == (6, 8, 8)
    scatter = latent_scatter(frame.points, frame.labels, [str(c) for c in range(10)], frame.plane.titles,
                             walk=frame.points[:4], marked=frame.points[0], click_grid=(np.zeros(3), np.ones(2)))
    assert len(scatter.data) == 1 + 10 + 2 and len(scatter.data[0].x) == 6
    pairs = reconstruction_pairs(frame.originals, frame.reconstructions)
    assert len(pairs.data) == 1 and pairs.data[0].z.shape == (2 * 9 - 1, 6 * 9 - 1)
    assert len(decoded_walk(np.zeros((5, 8, 8))).data) == 1
    grid = decoded_grid(trainer.model, frame.plane, 3)
    assert len(decoded_grid_figure(grid.images, grid.xs, grid.ys).layout.xaxis.tickvals) == 3
    h = trainer.history
    curves = loss_split_curves(h.step, {"train": h.train_reconstruction, "test": h.test_reconstruction}, {})
    assert len(curves.data) == 2


def test_a_mosaic_lays_tiles_out_row_by_row_with_blank_gaps():
    tiles = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    laid = mosaic(tiles)
    assert laid.shape == (5, 8)
    np.testing.assert_array_equal(laid[3:5, 6:8], tiles[1, 2])
    assert np.isnan(laid[2]).all() and np.isnan(laid[:, 2]).all()
