import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dl_core import ACTIVATIONS, DATASETS, FEATURES, INITS, OPTIMIZERS
from dl_core.objective import losses_for
from dl_core.spec import (
    MAX_HIDDEN_LAYERS, MAX_PARAMETERS, MAX_WIDTH, REGULARIZATIONS, DataSpec, LayerSpec, ModelSpec, Spec,
    TrainSpec, ViewSpec, from_json, from_query, validate,
)


@st.composite
def valid_specs(draw):
    dataset = draw(st.sampled_from(sorted(DATASETS)))
    n_classes = DATASETS[dataset].n_classes
    features = draw(st.lists(st.sampled_from(sorted(FEATURES)), min_size=1, max_size=7, unique=True))
    hidden = draw(st.lists(
        st.builds(LayerSpec, st.integers(1, 8), st.sampled_from(sorted(ACTIVATIONS))), max_size=MAX_HIDDEN_LAYERS))
    return Spec(
        DataSpec(dataset, draw(st.integers(0, 50)), draw(st.integers(10, 90)), draw(st.integers(20, 2000)),
                 draw(st.integers(0, 2**31 - 1))),
        ModelSpec(tuple(features), tuple(hidden), draw(st.sampled_from([0.0, 0.1, 0.25, 0.5])),
                  draw(st.sampled_from(sorted(INITS))), draw(st.booleans()), draw(st.booleans())),
        TrainSpec(draw(st.sampled_from(losses_for(n_classes))), draw(st.sampled_from(sorted(OPTIMIZERS))),
                  draw(st.sampled_from([1e-5, 0.003, 0.03, 0.1, 1.0, 3.0, 10.0])), draw(st.integers(1, 2000)),
                  draw(st.sampled_from(sorted(REGULARIZATIONS))), draw(st.sampled_from([0.0, 0.001, 0.3, 10.0]))),
        ViewSpec(draw(st.booleans()), draw(st.booleans())),
    )


@settings(max_examples=150, deadline=None)
@given(valid_specs())
def test_url_round_trip_gives_the_same_spec(spec):
    assert validate(spec) == []
    # A URL carries strings only; simulate that explicitly.
    query = {key: str(value) for key, value in spec.to_query().items()}
    assert from_query(query) == (spec, [])


@settings(max_examples=100, deadline=None)
@given(valid_specs())
def test_json_round_trip_gives_the_same_spec(spec):
    assert from_json(spec.to_json()) == (spec, [])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(list(Spec().to_query()) + ["junk", ""]),
                       st.one_of(st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3))))
@example({"noise": "INF"})
@example({"lr": "nan", "points": "1e400", "seed": "-0", "layers": "4:relu,"})
def test_any_query_gives_a_valid_spec_and_never_raises(query):
    spec, warnings = from_query(query)
    assert validate(spec) == []
    assert all(isinstance(w, str) and w for w in warnings)


def test_unknown_keys_are_ignored_and_bad_values_fall_back_with_a_warning():
    spec, warnings = from_query({"utm_source": "mail", "lr": "fast", "noise": "20", "layers": "3:relu"})
    assert spec.train.learning_rate == TrainSpec().learning_rate
    assert spec.data.noise == 20 and spec.model.hidden == (LayerSpec(3, "relu"),)
    assert len(warnings) == 1 and "lr='fast'" in warnings[0] and "0.03" in warnings[0]


def test_a_loss_that_does_not_fit_the_dataset_is_replaced_with_a_warning():
    spec, warnings = from_query({"dataset": "blobs3", "loss": "bce"})
    assert spec.train.loss == "cross_entropy"
    assert "Binary cross-entropy does not fit" in warnings[0]


def test_empty_layers_means_a_linear_model():
    spec, warnings = from_query({"layers": ""})
    assert spec.model.hidden == () and warnings == []


def test_validation_messages_name_the_problem_and_the_limit():
    too_deep = Spec(model=ModelSpec(hidden=(LayerSpec(2),) * (MAX_HIDDEN_LAYERS + 1)))
    assert validate(too_deep) == [f"At most {MAX_HIDDEN_LAYERS} hidden layers, not {MAX_HIDDEN_LAYERS + 1}"]
    too_wide = Spec(model=ModelSpec(hidden=(LayerSpec(MAX_WIDTH + 1),)))
    assert validate(too_wide) == [f"Hidden layer 1 has {MAX_WIDTH + 1} neurons; the limit is 1 to {MAX_WIDTH}"]
    no_features = Spec(model=ModelSpec(features=()))
    assert validate(no_features) == ["Choose at least one input feature"]
    bad_lr = Spec(train=TrainSpec(learning_rate=50.0))
    assert validate(bad_lr) == ["Learning rate must be between 1e-06 and 10, not 50"]


def test_too_many_parameters_is_refused_with_the_count_and_the_limit():
    big = Spec(model=ModelSpec(features=tuple(FEATURES), hidden=(LayerSpec(MAX_WIDTH),) * 5))
    assert big.parameter_count > MAX_PARAMETERS
    (message,) = validate(big)
    assert f"{big.parameter_count:,} parameters" in message and f"{MAX_PARAMETERS:,}" in message


def test_json_that_is_not_settings_gives_defaults_and_a_message():
    assert from_json("not json")[0] == Spec()
    assert "Could not read" in from_json("not json")[1][0]
    assert from_json(json.dumps([1, 2]))[1] == ["The JSON is not an object of settings; using the default network."]
