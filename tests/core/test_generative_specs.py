import json
from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dl_core import InvalidSpec, make_run
from dl_core.specs import fields_of, from_json, from_query, to_json, to_query, validate, with_value
from dl_core.specs.generative import (
    GAN_REMEDIES, MAX_GAN_WIDTH, AutoencoderSpec, AutoencoderTrain, GanSpec, GanTrain, gan_remedies,
)
from dl_core.specs.playground import LayerSpec
from dl_core.specs.remedies import apply_remedy

DRAWN = ((-1.25, 0.5), (0.0, 1.5), (1.0, -0.33), (0.07, 0.0))
EXAMPLES = [
    AutoencoderSpec(),
    AutoencoderSpec(variant="denoising", encoder="conv", decoder="dense", latent=16,
                    train=AutoencoderTrain(loss="mse", optimizer="rmsprop", learning_rate=0.01, batch_size=500,
                                           grad_clip=1.0, noise=0.45), seed=7),
    GanSpec(),
    GanSpec(target="drawn", drawn=DRAWN, noise_dim=1, noise="uniform", generator=(LayerSpec(16, "tanh"),),
            discriminator=(), train=GanTrain("wgan_gp", 5, 64, "sgd", 0.0001, "momentum", 0.03, 10.0), seed=3),
]


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda s: s.kind)
def test_a_spec_survives_the_url_and_json(spec):
    assert validate(spec) == []
    query = to_query(spec)
    assert query["kind"] == spec.kind and all(isinstance(v, str) for v in query.values())
    assert from_query(query) == (spec, [])
    assert from_json(to_json(spec)) == (spec, [])


def test_drawn_points_travel_compactly_in_the_url_and_as_pairs_in_json():
    spec = EXAMPLES[-1]
    assert to_query(spec)["drawn"] == "-1.25:0.5,0:1.5,1:-0.33,0.07:0"
    assert json.loads(to_json(spec))["drawn"] == [list(p) for p in DRAWN]
    rounded, warnings = from_query({"kind": "gan", "target": "drawn", "drawn": "0.123:-0.456, 1:1 ,2:-2,"})
    assert warnings == [] and rounded.drawn == ((0.12, -0.46), (1.0, 1.0), (2.0, -2.0))
    longest = ",".join(["-1.99:-1.99"] * 256)
    assert len(from_query({"kind": "gan", "drawn": longest})[0].drawn) == 256 and len(longest) < 3_100


@pytest.mark.parametrize("kind, field, value, message", [
    ("autoencoder", "latent", 40, "Code size must be between 2 and 16, not 40"),
    ("autoencoder", "latent", 2.5, "expected a whole number"),
    ("autoencoder", "beta", -1, "KL weight β must be between 0 and 5"),
    ("autoencoder", "noise", 1.5, "Input noise must be between 0 and 1"),
    ("autoencoder", "variant", "gan", "unknown kind of autoencoder 'gan'"),
    ("autoencoder", "encoder", "resnet", "unknown encoder 'resnet'"),
    ("autoencoder", "loss", "cross_entropy", "unknown reconstruction loss"),
    ("autoencoder", "batch", 0, "Batch size must be between 1 and"),
    ("gan", "target", "spiral", "unknown target 'spiral'"),
    ("gan", "drawn", [[3, 0], [0, 0], [1, 1]], "Drawn points has the point (3, 0) off the plane"),
    ("gan", "drawn", [[0, 0]] * 300, "at most 256 points, not 300"),
    ("gan", "drawn", "1:2:3", "expected points written x:y"),
    ("gan", "drawn", [[0, "nan"]], "expected a finite number"),
    ("gan", "g_layers", "500:relu", f"layer 1 has 500 neurons; the limit is 1 to {MAX_GAN_WIDTH}"),
    ("gan", "d_layers", "8:swish", "unknown activation 'swish'"),
    ("gan", "d_layers", "8,8,8,8,8", "at most 4 hidden layers"),
    ("gan", "noise_dim", 9, "Noise dimensions must be between 1 and 8"),
    ("gan", "loss", "hinge", "unknown loss 'hinge'"),
    ("gan", "k", 0, "Discriminator steps per generator step must be between 1 and 10"),
    ("gan", "g_lr", 2.0, "Generator's learning rate must be between 1e-05 and 1"),
    ("gan", "gp", 1000, "Gradient penalty weight λ must be between 0 and 100"),
    ("gan", "heatmap", "maybe", "expected on or off"),
])
def test_a_bad_value_is_refused_naming_the_field_and_its_limit(kind, field, value, message):
    data = json.loads(to_json(GanSpec() if kind == "gan" else AutoencoderSpec()))
    data[field] = value
    spec, problems = from_json(json.dumps(data))
    assert spec is None and message in " ".join(problems), problems
    fallback, warnings = from_query({"kind": kind, field: value if isinstance(value, str) else json.dumps(value)})
    assert validate(fallback) == [] and len(warnings) == 1


def test_a_drawn_target_without_enough_points_opens_the_ring_with_a_warning():
    spec, warnings = from_query({"kind": "gan", "target": "drawn", "drawn": "0:0,1:1"})
    assert spec.target == "ring" and "needs at least 3 points, not 2" in warnings[0]
    assert from_json(json.dumps({"kind": "gan", "target": "drawn"}))[0] is None
    with pytest.raises(InvalidSpec, match="draw on the plane"):
        make_run(GanSpec(target="drawn", drawn=((0.0, 0.0),)))


def test_a_gan_over_the_step_budget_is_refused_naming_it_and_a_link_falls_back():
    wide = (LayerSpec(MAX_GAN_WIDTH, "relu"),) * 4
    hog = GanSpec(generator=wide, discriminator=wide, train=GanTrain(loss="wgan_gp", d_steps=10, batch_size=1024))
    step, memory = validate(hog)  # too slow to train, and too big to evaluate all at once
    assert "the training-step budget is" in step and "smaller batch" in step
    assert "the evaluation memory budget is" in memory and "in the generator" in memory
    spec, warnings = from_query(to_query(hog))
    assert validate(spec) == [] and spec.generator != wide and "training-step budget" in warnings[0]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["autoencoder", "gan"]).flatmap(
    lambda kind: st.fixed_dictionaries({"kind": st.just(kind)}, optional={
        f.key: st.one_of(st.text(max_size=30), st.sampled_from(["-1", "1e9", "nan", "3:relu", "0:0,9:9", "drawn"]))
        for f in fields_of(kind)})))
@example({"kind": "gan", "target": "drawn", "drawn": ",,,", "k": "10", "batch": "1024", "g_layers": "128,128"})
@example({"kind": "autoencoder", "latent": "1e400", "beta": "-0"})
def test_any_link_gives_a_valid_spec_and_never_raises(query):
    spec, warnings = from_query(query)
    assert spec.kind == query["kind"] and validate(spec) == []
    assert all(isinstance(w, str) and w for w in warnings)


def test_training_settings_change_live_and_the_rest_rebuilds():
    gan = GanSpec()
    assert replace(gan, train=replace(gan.train, d_learning_rate=0.01, d_steps=3, gp_weight=1.0)).rebuild_key() \
        == gan.rebuild_key()
    assert replace(gan, view=replace(gan.view, arrows=False)).rebuild_key() == gan.rebuild_key()
    for changed in (replace(gan, drawn=DRAWN), replace(gan, noise="uniform"), replace(gan, seed=1),
                    replace(gan, train=replace(gan.train, loss="minimax"))):
        assert changed.rebuild_key() != gan.rebuild_key()
    ae = AutoencoderSpec()
    assert replace(ae, train=replace(ae.train, beta=3.0, noise=0.1, learning_rate=0.1)).rebuild_key() \
        == ae.rebuild_key()
    assert replace(ae, latent=8).rebuild_key() != ae.rebuild_key()


def test_only_the_settings_that_mean_something_are_drawn():
    def shown_keys(spec):
        return {f.key for f in fields_of(spec) if f.applies(spec)}

    assert "beta" in shown_keys(AutoencoderSpec()) and "noise" not in shown_keys(AutoencoderSpec())
    assert "noise" in shown_keys(AutoencoderSpec(variant="denoising"))
    assert {"drawn", "gp"}.isdisjoint(shown_keys(GanSpec()))
    assert {"drawn", "gp"} <= shown_keys(EXAMPLES[-1])


def test_the_remedies_for_mode_collapse_change_the_spec_where_they_apply():
    minimax = GanSpec(train=GanTrain(loss="minimax"))
    assert {r.name for r in gan_remedies(minimax)} == set(GAN_REMEDIES)
    assert {r.name for r in gan_remedies(GanSpec())} == set(GAN_REMEDIES) - {"non_saturating"}
    critic = minimax.remedy("wgan_gp")
    assert critic.train.loss == "wgan_gp" and critic.train.d_steps == 5 and validate(critic) == []
    assert minimax.remedy("non_saturating").train.loss == "non_saturating"
    assert GanSpec().remedy("slower_generator").train.g_learning_rate == pytest.approx(0.00025)
    assert {layer.width for layer in GanSpec().remedy("wider_networks").generator} == {64}
    widest = GanSpec(generator=(LayerSpec(MAX_GAN_WIDTH),), discriminator=(LayerSpec(MAX_GAN_WIDTH),))
    assert widest.remedy("wider_networks") is None and critic.remedy("wgan_gp") is None
    assert GanSpec().remedy("relu") is None and AutoencoderSpec().remedy("he_init") is None
    assert apply_remedy(AutoencoderSpec(), "smaller_lr").train.learning_rate == pytest.approx(0.0003)


def test_with_value_sets_one_generative_setting_from_a_raw_value():
    spec, problem = with_value(GanSpec(), "k", "3")
    assert problem is None and spec.train.d_steps == 3
    assert "Noise dimensions" in with_value(GanSpec(), "noise_dim", "0")[1]
