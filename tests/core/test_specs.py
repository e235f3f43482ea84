import json
from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dl_core import (
    ACTIVATIONS, DATASETS, FEATURES, INITS, KINDS, OPTIMIZERS, PRESETS, TASKS, BuilderSpec, LayerDef, LayerSpec,
    ModelSpec, PlaygroundSpec, TrainSpec, fields_of, from_json, from_query, to_json, to_query, validate, with_value,
)
from dl_core.data.tasks import POINT_SETS
from dl_core.generative.autoencoder import DECODERS, ENCODERS, RECONSTRUCTION_LOSSES, VARIANTS
from dl_core.generative.gan import GAN_LOSSES, NOISES
from dl_core.generative.targets import TARGETS
from dl_core.nets.layers import LAYERS
from dl_core.objective import losses_for
from dl_core.specs.builder import BUILDER_INITS
from dl_core.specs.playground import MAX_HIDDEN_LAYERS, MAX_PARAMETERS, MAX_WIDTH
from dl_core.specs.remedies import REMEDIES, apply_remedy
from dl_core.specs.training import REGULARIZATIONS
from dl_core.transfer import STARTS

# One strategy per field of each kind's table: a field added without one fails the first test.
TRAIN = {
    "optimizer": st.sampled_from(sorted(OPTIMIZERS)),
    "lr": st.sampled_from([1e-5, 0.003, 0.03, 0.1, 1.0, 3.0, 10.0]),
    "batch": st.integers(1, 2000),
    "reg": st.sampled_from(sorted(REGULARIZATIONS)),
    "rate": st.sampled_from([0.0, 0.001, 0.3, 10.0]),
    "clip": st.sampled_from([0.0, 0.1, 1.0, 2.5, 100.0]),
    "speed": st.integers(1, 5000),
}
PLAYGROUND = {
    **TRAIN,
    "dataset": st.sampled_from(sorted(DATASETS)),
    "noise": st.integers(0, 50),
    "train": st.integers(10, 90),
    "points": st.integers(20, 2000),
    "seed": st.integers(0, 2**31 - 1),
    "features": st.lists(st.sampled_from(sorted(FEATURES)), min_size=1, max_size=7, unique=True).map(tuple),
    "layers": st.lists(st.builds(LayerSpec, st.integers(1, 8), st.sampled_from(sorted(ACTIVATIONS))),
                       max_size=MAX_HIDDEN_LAYERS).map(tuple),
    "dropout": st.sampled_from([0.0, 0.1, 0.25, 0.5]),
    "init": st.sampled_from(sorted(INITS)),
    "norm": st.booleans(),
    "skip": st.booleans(),
    "loss": st.just("depends on the dataset"),
    "test": st.booleans(),
    "discretize": st.booleans(),
}
BUILDER = {
    **TRAIN,
    "task": st.sampled_from(sorted(TASKS)),
    "points": st.sampled_from(POINT_SETS),
    "layers": st.just("a preset of the task"),
    "init": st.sampled_from(sorted(BUILDER_INITS)),
    "loss": st.just("depends on the task"),
    "seed": st.integers(0, 2**31 - 1),
    "batch": st.integers(2, 2000),
    "start": st.sampled_from(sorted(STARTS)),
}
AUTOENCODER = {
    **{key: TRAIN[key] for key in ("optimizer", "lr", "batch", "clip", "speed")},
    "variant": st.sampled_from(sorted(VARIANTS)),
    "encoder": st.sampled_from(sorted(ENCODERS)),
    "decoder": st.sampled_from(sorted(DECODERS)),
    "latent": st.integers(2, 16),
    "beta": st.integers(0, 50).map(lambda v: v / 10),
    "noise": st.integers(0, 20).map(lambda v: v / 20),
    "loss": st.sampled_from(sorted(RECONSTRUCTION_LOSSES)),
    "seed": st.integers(0, 2**31 - 1),
}
GAN_LAYERS = st.lists(st.builds(LayerSpec, st.integers(1, 32), st.sampled_from(sorted(ACTIVATIONS))),
                      max_size=3).map(tuple)  # within every budget whatever the batch and k
GAN_RATES = st.sampled_from([1e-5, 0.001, 0.003, 0.1, 1.0])
GAN = {
    "target": st.sampled_from(sorted(TARGETS)),
    "drawn": st.lists(st.tuples(*[st.integers(-200, 200).map(lambda v: v / 100)] * 2), min_size=3,
                      max_size=40).map(tuple),
    "noise_dim": st.integers(1, 8),
    "noise": st.sampled_from(sorted(NOISES)),
    "g_layers": GAN_LAYERS,
    "d_layers": GAN_LAYERS,
    "loss": st.sampled_from(sorted(GAN_LOSSES)),
    "k": st.integers(1, 10),
    "batch": st.integers(1, 256),
    "g_optimizer": st.sampled_from(sorted(OPTIMIZERS)),
    "g_lr": GAN_RATES,
    "d_optimizer": st.sampled_from(sorted(OPTIMIZERS)),
    "d_lr": GAN_RATES,
    "gp": st.sampled_from([0.0, 0.1, 10.0, 100.0]),
    "seed": st.integers(0, 2**31 - 1),
    "speed": TRAIN["speed"],
    "heatmap": st.booleans(),
    "arrows": st.booleans(),
    "folding": st.booleans(),
}
STRATEGIES = {"playground": PLAYGROUND, "builder": BUILDER, "autoencoder": AUTOENCODER, "gan": GAN}


def test_every_field_of_every_kind_is_varied_by_the_round_trip_properties():
    for kind, strategies in STRATEGIES.items():
        assert {f.key for f in fields_of(kind)} == set(strategies), kind
    assert set(STRATEGIES) == set(KINDS)


@st.composite
def specs(draw, kind):
    spec = KINDS[kind]()
    strategies = STRATEGIES[kind]
    for f in fields_of(kind):
        if f.key in ("loss", "layers") and kind == "builder" or f.key == "loss" and kind == "playground":
            continue
        spec = f.set(spec, draw(strategies[f.key]))
    if kind == "playground":
        spec = with_value(spec, "loss", draw(st.sampled_from(losses_for(spec.n_classes()))))[0]
    elif kind == "builder":
        preset = draw(st.sampled_from([p for p in PRESETS.values() if p.task == spec.task]))
        spec = spec.for_task(spec.task, preset.layers)
        if spec.shape().input_shape != (1, 8, 8):
            spec = replace(spec, start="scratch")  # only networks on 8×8 digits start from the digits 0–4
        spec = with_value(spec, "loss", draw(st.sampled_from(losses_for(spec.shape().n_classes)
                                                             if spec.shape().n_classes != 2
                                                             else ["cross_entropy", "bce", "mse"])))[0]
    return spec


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(sorted(KINDS)).flatmap(specs))
def test_url_and_json_round_trips_give_the_same_spec(spec):
    assert validate(spec) == []
    query = {key: str(value) for key, value in to_query(spec).items()}  # a URL carries strings only
    assert from_query(query) == (spec, [])
    assert from_json(to_json(spec)) == (spec, [])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(list(to_query(PlaygroundSpec())) + list(to_query(BuilderSpec())) + ["junk"]),
                       st.one_of(st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3))))
@example({"noise": "INF"})
@example({"lr": "nan", "points": "1e400", "seed": "-0", "layers": "4:relu,"})
@example({"kind": "builder", "layers": "conv2d:4:2,residual:relu:4,flatten", "seed": "-1"})
def test_any_query_gives_a_valid_spec_and_never_raises(query):
    spec, warnings = from_query(query)
    assert validate(spec) == []
    assert all(isinstance(w, str) and w for w in warnings)


def test_unknown_keys_are_ignored_and_bad_values_fall_back_with_a_warning():
    spec, warnings = from_query({"utm_source": "mail", "lr": "fast", "noise": "20", "layers": "3:relu"})
    assert spec.train.learning_rate == TrainSpec().learning_rate
    assert spec.data.noise == 20 and spec.model.hidden == (LayerSpec(3, "relu"),)
    assert len(warnings) == 1 and "lr='fast'" in warnings[0] and "0.03" in warnings[0]


def test_warnings_repeat_untrusted_text_truncated():
    spec, (warning,) = from_query({"optimizer": "[Session expired](https://evil.example/login)" + "x" * 5000})
    assert spec.train.optimizer == "sgd"
    assert len(warning) < 400 and "x" * 100 not in warning and "…" in warning


def test_a_loss_that_does_not_fit_the_dataset_is_replaced_with_a_warning():
    spec, warnings = from_query({"dataset": "blobs3", "loss": "bce"})
    assert spec.train.loss == "cross_entropy"
    assert "Binary cross-entropy does not fit" in warnings[0]


def test_empty_layers_means_a_linear_model():
    spec, warnings = from_query({"layers": ""})
    assert spec.model.hidden == () and warnings == []


def test_validation_messages_name_the_field_and_the_limit():
    too_deep = PlaygroundSpec(model=ModelSpec(hidden=(LayerSpec(2),) * (MAX_HIDDEN_LAYERS + 1)))
    assert validate(too_deep) == [f"Hidden layers may have at most {MAX_HIDDEN_LAYERS} hidden layers, "
                                  f"not {MAX_HIDDEN_LAYERS + 1}"]
    too_wide = PlaygroundSpec(model=ModelSpec(hidden=(LayerSpec(MAX_WIDTH + 1),)))
    assert validate(too_wide) == [f"Hidden layers layer 1 has {MAX_WIDTH + 1} neurons; the limit is 1 to {MAX_WIDTH}"]
    assert validate(PlaygroundSpec(model=ModelSpec(features=()))) == ["Input features needs at least one input feature"]
    bad_lr = PlaygroundSpec(train=TrainSpec(learning_rate=50.0))
    assert validate(bad_lr) == ["Learning rate must be between 1e-06 and 10, not 50"]


def test_too_many_parameters_is_refused_with_the_count_and_the_limit():
    big = PlaygroundSpec(model=ModelSpec(features=tuple(FEATURES), hidden=(LayerSpec(MAX_WIDTH),) * 5))
    assert big.parameter_count() > MAX_PARAMETERS
    (message,) = validate(big)
    assert f"{big.parameter_count():,} parameters" in message and f"{MAX_PARAMETERS:,}" in message


def test_json_that_is_not_settings_is_refused_with_a_message():
    assert from_json("not json")[0] is None and "not JSON" in from_json("not json")[1][0]
    assert from_json(json.dumps([1, 2])) == (None, ["The JSON is not an object of settings."])
    assert "nests more than" in from_json("[" * 60_000)[1][0]
    assert "bytes" in from_json("{" + " " * 70_000 + "}")[1][0]


@pytest.mark.parametrize("field, value, message", [
    ("lr", "0.01", None),  # a number written as text is still a number
    ("batch", "64", None),
    ("batch", 64.5, "expected a whole number"),
    ("seed", -1, "Seed must be between 0 and"),
    ("seed", 2**64, "Seed must be between 0 and"),
    ("seed", 1e30, "Seed must be between 0 and"),
    ("clip", "abc", "expected a number"),
    ("rate", [1], "expected a number"),
    ("kind", ["builder"], "not a name"),
])
def test_uploaded_json_checks_every_field_naming_it(field, value, message):
    data = json.loads(to_json(BuilderSpec()))
    data[field] = value
    spec, problems = from_json(json.dumps(data))
    if message is None:
        assert problems == [] and spec is not None
    else:
        assert spec is None and message in " ".join(problems), problems


@pytest.mark.parametrize("layer, message", [
    ({"kind": ["linear"]}, "unknown kind"),
    ({"kind": "dropout", "rate": 1.5}, "dropout rate must be between 0 and 0.9"),
    ({"kind": "lstm", "size": 0}, "hidden must be between 1 and"),
    ({"kind": "attention", "size": 0}, "heads must be between 1 and"),
    ({"kind": "conv2d", "size": 4, "kernel": -1}, "kernel must be one of"),
    ({"kind": "conv2d", "size": 4, "kernel": 0}, "kernel must be one of"),
    ({"kind": "linear", "size": 134217728}, "units must be between 1 and"),
    ({"kind": "conv2d", "size": 16000, "kernel": 1}, "filters must be between 1 and"),
])
def test_hostile_layers_are_refused_naming_the_layer(layer, message):
    spec, problems = from_json(json.dumps({"kind": "builder", "task": "digits", "layers": [layer]}))
    assert spec is None and message in " ".join(problems), problems


def test_old_builder_files_with_nested_training_settings_still_open():
    text = json.dumps({"task": "wine", "seed": 3, "layers": [{"kind": "linear", "size": 8}],
                       "train": {"loss": "cross_entropy", "optimizer": "sgd", "learning_rate": 0.1,
                                 "batch_size": 32}})
    spec, problems = from_json(text)
    assert problems == [] and spec.task == "wine" and spec.train.learning_rate == 0.1 and spec.seed == 3


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_validates_and_round_trips_through_the_url(name):
    spec = PRESETS[name].spec
    assert validate(spec) == []
    assert from_query(to_query(spec)) == (spec, [])


def test_builder_layers_travel_in_the_url_compactly():
    query = to_query(BuilderSpec())
    assert query["layers"].startswith("conv2d:6:3,activation:relu,maxpool,conv2d:16:3")
    spec, warnings = from_query({"kind": "builder", "task": "first_symbol", "layers": "lstm:32,last_step"})
    assert warnings == [] and spec.layers == (LayerDef("lstm", 32), LayerDef("last_step"))


def test_a_builder_link_with_an_impossible_stack_opens_the_tasks_preset_with_a_warning():
    spec, warnings = from_query({"kind": "builder", "task": "digits", "layers": "lstm:4"})
    assert "Layer 1 (LSTM) needs a sequence" in warnings[0]
    assert validate(spec) == [] and spec.task == "digits"


def test_a_broken_stack_is_refused_naming_the_layer():
    spec = BuilderSpec(layers=(LayerDef("flatten"), LayerDef("conv2d", 4)))
    (problem,) = validate(spec)
    assert problem.startswith("Layer 2 (Conv2d) needs an image")


def test_batchnorm_on_vectors_needs_batches_of_two():
    spec = BuilderSpec(task="wine", layers=(LayerDef("linear", 8), LayerDef("batchnorm")),
                       train=TrainSpec("cross_entropy", "adam", 0.01, 1))
    assert "batches of at least 2" in validate(spec)[0]


def test_every_layer_kind_has_a_url_form_that_reads_back():
    from dl_core.specs.builder import format_layer, parse_layers

    layers = tuple(LayerDef(kind, 5, 3, "gelu", 0.3) for kind in LAYERS)
    expected = tuple(LayerDef(kind, **{n: getattr(layer, n) for n in LAYERS[kind].reads})
                     for kind, layer in zip(LAYERS, layers))
    assert parse_layers(",".join(format_layer(layer) for layer in layers)) == expected


def test_remedies_change_the_spec_each_kind_supports():
    deep = PlaygroundSpec(model=ModelSpec(hidden=(LayerSpec(8, "sigmoid"), LayerSpec(4, "sigmoid"))))
    assert {layer.activation for layer in apply_remedy(deep, "relu").model.hidden} == {"relu"}
    assert apply_remedy(deep, "skips").model.skip and {w.width for w in apply_remedy(deep, "skips").model.hidden} == {8}
    assert apply_remedy(deep, "clip").train.grad_clip == 1.0
    assert apply_remedy(deep, "smaller_lr").train.learning_rate == pytest.approx(0.003)
    builder = PRESETS["deep_plain"].spec
    assert {layer.activation for layer in apply_remedy(builder, "leaky_relu").layers if layer.kind == "activation"} \
        == {"leaky_relu"}
    assert apply_remedy(builder, "he_init").init == "he"
    assert apply_remedy(builder, "layer_norm") is None, "12 more layers would pass the limit of 24"
    normed = apply_remedy(PRESETS["mlp"].spec, "layer_norm")
    assert validate(normed) == [] and [layer.kind for layer in normed.layers] == [
        "linear", "layernorm", "activation", "linear", "layernorm", "activation"]
    assert apply_remedy(builder, "skips") is None
    assert all(apply_remedy(deep, name) is not None for name in REMEDIES)
