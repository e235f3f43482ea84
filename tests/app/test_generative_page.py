"""The Generative lab: both kinds open and train, every control of both field tables (and the custom ones)
edits the spec and the URL, a click on the code plane decodes, a drawn digit is read and scored, a drawn
target becomes the spec's and trains, a remedy for collapse is one click, and a bad link is refused."""

import numpy as np
from conftest import assert_fine, click, open_page, run_of, spec_of, step, steps, wkey

from dl_core import LayerSpec, to_query
from dl_core.specs.fields import Choice, Range, Steps, Toggle
from dl_core.specs.generative import AutoencoderSpec, GanSpec

PAGE, AE, GAN = "generative", "autoencoder", "gan"
NEW_VALUES = {  # for every field drawn by a plain widget, in an order where each applies: a non-default value
    AE: {"beta": 2.5, "variant": "denoising", "noise": 0.5, "encoder": "conv", "decoder": "conv", "latent": 8,
         "loss": "mse", "optimizer": "rmsprop", "lr": 0.01, "batch": 128, "clip": 1.0, "speed": 500},
    GAN: {"target": "grid", "noise_dim": 4, "noise": "uniform", "loss": "wgan_gp", "gp": 1.0, "k": 3, "batch": 64,
          "g_optimizer": "sgd", "g_lr": 0.003, "d_optimizer": "rmsprop", "d_lr": 0.01, "speed": 250,
          "heatmap": False, "arrows": False, "folding": False},
}
SEVEN = np.zeros((32, 32), int)
SEVEN[4:8, 6:26] = 1  # the bar
for _row in range(8, 30):
    SEVEN[_row, 24 - (_row - 8) // 2: 27 - (_row - 8) // 2] = 1  # the stroke down
CROSS = np.zeros((32, 32), int)  # a scribble that is no digit: both diagonals, two cells wide
CROSS[np.arange(32), np.arange(32)] = CROSS[np.arange(32), 31 - np.arange(32)] = 1
CROSS = np.maximum(CROSS, np.roll(CROSS, 1, axis=1))


def widget(at, slot, f):
    finders = {Choice: at.selectbox, Steps: at.select_slider, Range: at.slider, Toggle: at.checkbox}
    return finders[type(f.control)](key=wkey(slot, f.key))


def texts(at) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success])


def test_every_plain_field_has_a_test_value():
    for cls in (AutoencoderSpec, GanSpec):
        plain = {f.key for f in cls.FIELDS if type(f.control) in (Choice, Steps, Range, Toggle)}
        assert plain == set(NEW_VALUES[cls.kind]), cls.kind


def test_the_autoencoder_opens_by_default_and_trains_live():
    at = open_page(PAGE)
    assert at.radio(key=wkey(PAGE, "network")).value == AE
    assert spec_of(at, AE) == AutoencoderSpec() and steps(at, AE) == 0
    step(at, AE)
    assert steps(at, AE) == 10  # a tenth of a second at 100 steps a second
    click(at, wkey(AE, "run", "play"))
    before = steps(at, AE)
    at.run()
    assert steps(at, AE) > before, "each tick trains while playing"
    click(at, wkey(AE, "run", "pause"))
    assert "reconstruction + β·KL" in texts(at)
    assert at.query_params["kind"] == AE


def test_the_gan_opens_from_a_link_and_trains_live():
    at = open_page(PAGE, {"kind": GAN, "target": "moons"})
    assert at.radio(key=wkey(PAGE, "network")).value == GAN
    assert spec_of(at, GAN).target == "moons"
    step(at, GAN)
    assert steps(at, GAN) == 10 and run_of(at, GAN).trainer.history.modes_covered
    assert "Generator loss" in texts(at)
    at.radio(key=wkey(PAGE, "network")).set_value(AE).run()  # the learner switches: the autoencoder, then back
    assert_fine(at)
    assert at.query_params["kind"] == AE
    at.radio(key=wkey(PAGE, "network")).set_value(GAN).run()
    assert at.query_params["target"] == "moons" and steps(at, GAN) == 10, "each kind keeps its own run"


def test_every_plain_control_of_both_tables_edits_the_spec_and_the_url():
    for kind, values in NEW_VALUES.items():
        at = open_page(PAGE, {"kind": kind})
        fields = {f.key: f for f in (AutoencoderSpec if kind == AE else GanSpec).FIELDS}
        for key, value in values.items():
            f = fields[key]
            assert f.get(spec_of(at, kind)) != value, key
            widget(at, kind, f).set_value(value).run()
            assert_fine(at)
            assert f.get(spec_of(at, kind)) == value, key
            assert at.query_params[key] == f.fmt(value)
        assert at.query_params == to_query(spec_of(at, kind))
        step(at, kind)
        assert steps(at, kind) > 0, f"the {kind} trains with every setting changed"


def test_the_seed_button_and_the_gan_layers():
    at = open_page(PAGE, {"kind": GAN})
    click(at, wkey(GAN, "regenerate"))
    assert spec_of(at, GAN).seed == 1 and at.query_params["seed"] == "1"
    at.number_input(key=wkey(GAN, "g_layers", "count")).set_value(3).run()
    at.number_input(key=wkey(GAN, "g_layers", 2, "width")).set_value(64).run()
    at.selectbox(key=wkey(GAN, "g_layers", 0, "activation")).set_value("tanh").run()
    at.number_input(key=wkey(GAN, "d_layers", "count")).set_value(1).run()
    at.number_input(key=wkey(GAN, "d_layers", 0, "width")).set_value(16).run()
    assert_fine(at)
    spec = spec_of(at, GAN)
    assert spec.generator == (LayerSpec(32, "tanh"), LayerSpec(32, "relu"), LayerSpec(64, "relu"))
    assert spec.discriminator == (LayerSpec(16, "relu"),)
    assert at.query_params["g_layers"] == "32:tanh,32:relu,64:relu" and at.query_params["d_layers"] == "16:relu"
    assert run_of(at, GAN).trainer.generator.layer_sizes == [2, 32, 32, 64, 2]
    step(at, GAN)
    assert steps(at, GAN) == 10


def test_a_click_on_the_code_plane_decodes_that_point():
    at = open_page(PAGE)
    assert any("Click anywhere on the code plane" in i.value for i in at.info)
    shown = len(at.image)  # the test digits and their reconstructions
    at.session_state[wkey(AE, "view", "code_plane")] = {"clicked": [0.5, -0.25]}
    at.run()
    assert_fine(at)
    assert "**Decoded at (0.50, -0.25)**" in texts(at)
    assert len(at.image) == shown + 1, "the decoded digit is shown"
    at.session_state[wkey(AE, "view", "code_plane")] = {"clicked": ["<b>", None]}  # a hostile browser
    at.run()
    assert_fine(at)
    assert "Decoded at" not in texts(at)


def test_a_drawn_digit_gets_a_code_and_an_anomaly_score_and_a_scribble_is_unusual():
    at = open_page(PAGE, {"speed": "5000"})  # Step trains 500 steps
    for _ in range(3):
        step(at, AE)
    at.session_state[wkey(AE, "view", "tab")] = "Draw a digit"
    at.session_state[wkey(AE, "view", "pad")] = {"pixels": SEVEN.reshape(-1).tolist()}
    at.run()
    assert_fine(at)
    shown = texts(at)
    assert "Anomaly score (reconstruction error) **" in shown and "Its code: (" in shown
    at.session_state[wkey(AE, "view", "pad")] = {"pixels": CROSS.reshape(-1).tolist()}
    at.run()
    assert_fine(at)
    assert "**Unusual**" in texts(at)
    at.session_state[wkey(AE, "view", "pad")] = {"pixels": ["<b>x</b>"] * 1024}  # a hostile drawing is ignored
    at.run()
    assert_fine(at)
    assert "Anomaly score" not in texts(at)


def test_the_walk_and_the_decoded_grid():
    at = open_page(PAGE)
    step(at, AE)
    at.selectbox(key=wkey(AE, "view", "walk", "from")).set_value(3).run()
    at.slider(key=wkey(AE, "view", "walk", "steps")).set_value(6).run()
    assert_fine(at)
    assert "The black path on the code plane above is this walk" in texts(at)
    at.session_state[wkey(AE, "view", "tab")] = "Decode a grid"
    at.run()
    at.slider(key=wkey(AE, "view", "grid", "size")).set_value(8).run()
    assert_fine(at)
    assert "where the prior N(0, 1) puts almost every code" in texts(at)


def test_a_drawn_target_becomes_the_spec_and_trains():
    at = open_page(PAGE, {"kind": GAN})
    at.selectbox(key=wkey(GAN, "target")).set_value("drawn").run()
    assert_fine(at)
    assert any("at least 3 points" in e.value for e in at.error), "an empty drawing cannot train yet"
    assert spec_of(at, GAN).target == "ring", "the last valid spec trains meanwhile"
    angle = np.linspace(0, 2 * np.pi, 400)
    stroke = np.stack([1.2345 * np.cos(angle), 0.8 * np.sin(angle)], axis=1)
    at.session_state[wkey(GAN, "drawn")] = {"points": stroke.tolist()}
    at.run()
    assert_fine(at)
    spec = spec_of(at, GAN)
    assert spec.target == "drawn" and len(spec.drawn) == 256, "thinned to the spec's limit"
    assert spec.drawn[0] == (1.23, 0.0), "rounded to 0.01"
    assert at.query_params["drawn"].startswith("1.23:0,")
    step(at, GAN)
    trainer = run_of(at, GAN).trainer
    assert steps(at, GAN) == 10 and trainer.target.name == "drawn"
    assert np.abs(trainer.x_train.numpy()).max() < 1.6, "the real points are the drawing's"
    at.session_state[wkey(GAN, "drawn")] = {"points": [[1, "x"]]}  # a hostile pad is ignored
    at.run()
    assert_fine(at)
    assert spec_of(at, GAN).drawn == spec.drawn


def test_a_remedy_for_collapse_is_one_click():
    at = open_page(PAGE, {"kind": GAN, "loss": "minimax"})
    step(at, GAN)
    click(at, wkey(GAN, "view", "remedy", "more_d_steps"))
    assert spec_of(at, GAN).train.d_steps == 5 and at.query_params["k"] == "5"
    assert steps(at, GAN) == 10, "k changes live: training goes on"
    click(at, wkey(GAN, "view", "remedy", "non_saturating"))
    assert spec_of(at, GAN).train.loss == "non_saturating" and steps(at, GAN) == 0, "a new loss starts again"
    assert at.selectbox(key=wkey(GAN, "loss")).value == "non_saturating", "the control shows the remedy"


def test_bad_values_in_a_link_are_refused_with_a_message():
    at = open_page(PAGE, {"kind": AE, "latent": "99", "beta": "-3", "encoder": "<script>x</script>"})
    warning = " ".join(w.value for w in at.warning)
    assert "This link had settings that could not be used" in warning
    assert "Code size" in warning and "KL weight β" in warning and "Encoder" in warning
    assert "\\<script\\>" in warning, "shown as text, never as markup"
    assert spec_of(at, AE) == AutoencoderSpec()
    step(at, AE)
    assert steps(at, AE) == 10
    at = open_page(PAGE, {"kind": GAN, "drawn": "9:9,0:0,1:1", "g_layers": "999:relu", "k": "0", "target": "drawn"})
    warning = " ".join(w.value for w in at.warning)
    assert "drawn" in warning and "g\\_layers" in warning and "k=" in warning.replace("\\", "")
    assert spec_of(at, GAN).target == "ring"
    step(at, GAN)
    assert steps(at, GAN) == 10


def test_a_run_that_diverges_says_so_and_the_page_stays_usable():
    at = open_page(PAGE, {"kind": AE, "optimizer": "sgd", "lr": "10", "speed": "5000"})
    for _ in range(5):
        if run_of(at, AE).trainer.diverged:
            break
        step(at, AE)
    assert any("Training diverged" in e.value for e in at.error)
    at.select_slider(key=wkey(AE, "lr")).set_value(0.003).run()
    click(at, wkey(AE, "run", "reset"))
    assert not run_of(at, AE).trainer.diverged and steps(at, AE) == 0
    step(at, AE)
    assert steps(at, AE) == 500
