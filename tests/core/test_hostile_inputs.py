"""Nothing a learner sends can crash a lab or hog the shared server.

Builder and Playground settings arrive as uploaded JSON files (``from_json``: strict) and as links
(``from_query``: forgiving). Each fuzz below starts from networks that work (the presets, the Playground's
default) and mutates them: every field of the field table gets valid, borderline and hostile values
(wrong types, lists, objects, huge and negative numbers, NaN and infinity as text, empty and very long
strings, markup), layer lists get hostile members, and raw files are cut, nested deeply or blown up.
Every input must end in one of two ways:

- refused, with problems that are short sentences, each naming a setting or a layer, repeating what the
  learner sent only truncated; or
- a spec that validates, whose run trains one step within its budgets: the multiply-adds torch counts and the
  bytes autograd keeps stay under what the budgets charge, and the process's peak memory stays bounded.

Each fuzz reports how many of its cases ended each way (run with ``-s`` to see the counts) and fails if
either way was hardly exercised. The cases are derandomised, the same every run; to explore further, raise
``max_examples`` or drop ``derandomize`` locally.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any, Callable

import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from dl_core import (
    ACTIVATIONS, DATASETS, KINDS, LAYERS, LOSSES, PRESETS, TASKS, BuilderSpec, LayerDef, PlaygroundSpec,
    default_train, fields_of, from_json, from_query, make_run, to_json, to_query, validate,
)
from dl_core.analyses import landscape
from dl_core.nets.layers import KERNELS, MAX_LAYERS, MAX_SIZE
from dl_core.observe.gradients import unit_stats
from dl_core.specs import MAX_JSON_BYTES
from dl_core.specs.budget import (
    BYTES_PER_FLOAT, EVALUATION_MEMORY, EVALUATION_WORK, MAX_PARAMETERS, STEP_COST, STEP_MEMORY, STEP_WORK,
)
from dl_core.specs.fields import MAX_SHOWN, Choice, Count, Custom, Range, Several, Steps, Toggle

MAX_MESSAGE = 500  # characters: a sentence a learner reads, not a dump
REFUSED, TRAINED = "refused with problems", "accepted and trained one step"
HEADROOM = 256 * 2**20  # bytes a process needs beyond the budgets' charges: torch's and Python's own working space

# ---------------------------------------------------------------- hostile values

LONG = st.builds(lambda char, n: char * n, st.sampled_from(["9", "a", "[", "€", " ", "<b>"]), st.integers(41, 5_000))
NASTY_TEXT = st.sampled_from([
    "", " ", "NaN", "nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "-0", "0x10", "1_000", "１２", "64.5", "0.01",
    "64", "true", "null", "None", "[]", "{}", "<script>alert(1)</script>", "[Session expired](https://evil.example)",
    "\x00", "\u202e", "🙂", "../../etc/passwd", "__import__('os')", "9" * 400,
])
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 1, 2, 2**31, 2**63, 2**64, 10**30, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.5, -0.5, 1e-300, 1e300, 0.1 + 0.2]),
    NASTY_TEXT, st.text(max_size=12), LONG,
)
HOSTILE = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=4), SCALARS, max_size=2),
                    st.lists(st.lists(st.lists(SCALARS, max_size=1), max_size=1), max_size=1))


def valid_values(field) -> st.SearchStrategy:
    """Values a control for this field could send, and its limits' neighbours just outside."""
    control = field.control
    if isinstance(control, Choice):
        return st.sampled_from(sorted(control.options))
    if isinstance(control, Steps):
        return st.sampled_from(list(control.values) + [min(control.values) - 1, max(control.values) * 2])
    if isinstance(control, Range):
        n = round((control.high - control.low) / control.step)
        return st.integers(-1, n + 1).map(lambda k: round(control.low + k * control.step, 6))
    if isinstance(control, Count):
        return st.integers(control.low - 1, control.high + 1)
    if isinstance(control, Toggle):
        return st.sampled_from([True, False, 0, 1, "1", "0"])
    if isinstance(control, Several):
        return st.lists(st.sampled_from(sorted(control.options)), min_size=1, max_size=4)
    if isinstance(control, Custom) and control.name == "task":
        return st.sampled_from(sorted(TASKS) + ["upload:0123456789abcdef"])
    if isinstance(control, Custom) and control.name == "dataset":
        return st.sampled_from(sorted(DATASETS))
    if isinstance(control, Custom) and control.name == "seed":
        return st.one_of(st.integers(0, 2**31 - 1), st.sampled_from([-1, 2**31]))
    if isinstance(control, Custom) and control.name == "hidden_layers":
        return st.lists(st.fixed_dictionaries({"width": st.integers(0, 40),
                                               "activation": st.sampled_from(sorted(ACTIVATIONS))}), max_size=12)
    raise AssertionError(f"no strategy for the field {field.key}: add one")


# ---------------------------------------------------------------- layer stacks: working ones, mutated

SIZES = st.sampled_from([1, 2, 3, 4, 6, 8, 12, 16, 32, 64])
KERNEL_VALUES = st.sampled_from(list(KERNELS) + [0, -1, 8])


@st.composite
def some_layer(draw) -> dict:
    """One layer of any kind, as JSON, with settings inside (mostly) or just outside its limits."""
    kind = draw(st.sampled_from(sorted(LAYERS)))
    values = {"size": draw(SIZES), "kernel": draw(KERNEL_VALUES), "rate": draw(st.sampled_from([0, 0.2, 0.9, 1.5])),
              "activation": draw(st.sampled_from(sorted(ACTIVATIONS) + ["swish"]))}
    return {"kind": kind, **{name: values[name] for name in LAYERS[kind].reads}}


@st.composite
def mutated_layers(draw, layers: list[dict]) -> Any:
    """A working stack with up to three changes: a setting changed, a layer added or removed, a hostile member."""
    layers = [dict(layer) for layer in layers]
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        change = draw(st.sampled_from(["setting", "setting", "add", "add one that keeps the shape", "remove",
                                       "hostile member", "hostile kind", "unknown key", "many"]))
        at = draw(st.integers(0, len(layers)))
        objects = [layer for layer in layers if isinstance(layer, dict)]
        if change == "setting" and objects:
            layer = objects[min(at, len(objects) - 1)]
            name = draw(st.sampled_from(["size", "kernel", "rate", "activation"]))
            layer[name] = draw(st.one_of(SIZES, KERNEL_VALUES, st.sampled_from([MAX_SIZE, MAX_SIZE + 1, 16_000]),
                                         HOSTILE))
        elif change == "add":
            layers.insert(at, draw(some_layer()))
        elif change == "add one that keeps the shape":
            layers.insert(at, draw(st.sampled_from([{"kind": "activation", "activation": "tanh"},
                                                    {"kind": "dropout", "rate": 0.1}, {"kind": "layernorm"}])))
        elif change == "remove" and layers:
            layers.pop(min(at, len(layers) - 1))
        elif change == "hostile member":
            layers.insert(at, draw(HOSTILE))
        elif change == "hostile kind":
            layers.insert(at, {"kind": draw(HOSTILE), "size": 4})
        elif change == "unknown key" and objects:
            objects[min(at, len(objects) - 1)][draw(st.text(max_size=8))] = draw(SCALARS)
        elif change == "many":
            layers = layers + [draw(some_layer())] * draw(st.integers(1, 2 * MAX_LAYERS))
    return layers


def mutated_layer_text(layers: list[dict]) -> st.SearchStrategy:
    """The URL's compact form of a mutated stack, sometimes with raw damage to the text itself."""
    def text(mutated: list) -> str:
        items = []
        for layer in mutated:
            if isinstance(layer, dict) and isinstance(layer.get("kind"), str) and layer["kind"] in LAYERS:
                values = [layer.get(name, "") for name in LAYERS[layer["kind"]].reads]
                items.append(":".join([layer["kind"]] + [str(v) for v in values]))
            else:
                items.append(str(layer))
        return ",".join(items)
    damage = st.sampled_from(["", ",,,", ":", ",lstm:0", ",conv2d:4096:7", ",unknown:3", ",linear:1e400",
                              ",linear:-5", ",dropout:nan", ",attention:3", ",conv2d:16:3:9:9"])
    return st.builds(lambda mutated, extra: text(mutated) + extra, mutated_layers(layers), damage)


# ---------------------------------------------------------------- whole inputs

BUILDER_FIELDS = {f.key: f for f in fields_of("builder")}
PLAYGROUND_FIELDS = {f.key: f for f in fields_of("playground")}
KIND_VALUES = st.one_of(st.sampled_from(sorted(KINDS)), HOSTILE)


def _preset_json(preset) -> dict:
    return json.loads(to_json(preset.spec))


@st.composite
def builder_settings(draw) -> dict:
    """A preset's settings as JSON, with a few fields changed to valid, borderline or hostile values."""
    data = _preset_json(draw(st.sampled_from(list(PRESETS.values()))))
    data["layers"] = draw(mutated_layers(data["layers"]))
    for key in draw(st.lists(st.sampled_from(sorted(BUILDER_FIELDS) + ["kind", "junk"]), max_size=3, unique=True)):
        how = draw(st.sampled_from(["valid", "valid", "hostile", "drop"]))
        if key == "layers":
            continue
        if key == "kind":
            data["kind"] = draw(KIND_VALUES)
        elif how == "drop":
            data.pop(key, None)
        elif how == "valid" and key in BUILDER_FIELDS:
            data[key] = draw(valid_values(BUILDER_FIELDS[key]))
        else:
            data[key] = draw(HOSTILE)
    return data


@st.composite
def playground_settings(draw) -> dict:
    data = json.loads(to_json(PlaygroundSpec()))
    for key in draw(st.lists(st.sampled_from(sorted(PLAYGROUND_FIELDS) + ["kind", "junk"]), max_size=4,
                             unique=True)):
        how = draw(st.sampled_from(["valid", "valid", "hostile", "drop"]))
        if key == "kind":
            data["kind"] = draw(KIND_VALUES)
        elif how == "drop":
            data.pop(key, None)
        elif how == "valid" and key in PLAYGROUND_FIELDS:
            data[key] = draw(valid_values(PLAYGROUND_FIELDS[key]))
        else:
            data[key] = draw(HOSTILE)
    return data


def _dumps(data: Any) -> str:
    return json.dumps(data, allow_nan=True, indent=1)


RAW_FILES = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200),
    st.integers(1, 200_000).map(lambda n: "[" * n),
    st.integers(1, 50).map(lambda n: '{"kind": "builder", "layers": ' + "[" * n + "]" * n + "}"),
    st.integers(1, 30).map(lambda n: '{"a": ' * n + "1" + "}" * n),
    st.integers(4_000, 6_000).map(lambda n: '{"lr": ' + "9" * n + "}"),
    st.sampled_from(["", "null", "1", '"builder"', "[]", "{}", '{"kind": "builder"', "{'kind': 'builder'}",
                     '{"kind": "builder", "kind": "playground"}', '{"train": {"learning_rate": "fast"}}',
                     '{"train": [1, 2]}', '{"task": "wine", "train": {"batch_size": 1e400}}']),
    builder_settings().map(lambda data: _dumps(data) + " " * MAX_JSON_BYTES),  # a working file blown up
)


def _query(data: dict, fields: dict) -> dict:
    """Settings as a link carries them: text, a repeated key as a list of texts."""
    query = {}
    for key, value in data.items():
        if isinstance(value, list) and key in fields and key != "layers" and value and all(
                isinstance(v, str) for v in value):
            query[key] = value  # a key repeated in the link
        elif isinstance(value, bool):
            query[key] = str(int(value))
        elif isinstance(value, str):
            query[key] = value
        else:
            query[key] = json.dumps(value, allow_nan=True) if isinstance(value, (list, dict)) else str(value)
    return query


@st.composite
def builder_links(draw) -> dict:
    preset = draw(st.sampled_from(list(PRESETS.values())))
    data = draw(builder_settings())
    query = {**to_query(preset.spec), **_query(data, BUILDER_FIELDS)}
    query["layers"] = draw(st.one_of(mutated_layer_text(_preset_json(preset)["layers"]),
                                     st.just(query.get("layers", "")), st.lists(NASTY_TEXT, max_size=2), LONG))
    return query


@st.composite
def playground_links(draw) -> dict:
    query = {**to_query(PlaygroundSpec()), **_query(draw(playground_settings()), PLAYGROUND_FIELDS)}
    if draw(st.booleans()):
        query["layers"] = draw(st.sampled_from(["", "4:relu,2:tanh", "33:relu", "8:swish", "4:relu," * 11, "x:relu",
                                                 "1e400:tanh", "-4:relu", "4:" + "a" * 300]))
    return query


# ---------------------------------------------------------------- what each ending must look like

VOCABULARY = {word.lower() for word in (
    [f.label for kind in KINDS for f in fields_of(kind)] + [info.label for info in LOSSES.values()]
    + [task.label for task in TASKS.values()] + [layer.label for layer in LAYERS.values()]
    + ["layer", "budget", "JSON", "file", "kind", "parameters", "upload", "network", "points"])}


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings_in(k) + _strings_in(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings_in(v)]
    return []


def assert_clear_messages(messages: list[str], sent: Any) -> None:
    """Short sentences, each naming a setting, a layer or the file, untrusted text repeated only truncated."""
    long_texts = [s for s in _strings_in(sent) if len(s) > MAX_SHOWN]
    for message in messages:
        assert isinstance(message, str) and message == message.strip() and message, repr(message)
        assert message[0].isupper() and message.endswith("."), message
        assert len(message) <= MAX_MESSAGE, message
        assert any(word in message.lower() for word in VOCABULARY), f"names no setting or layer: {message}"
        for text in long_texts:
            assert text[:MAX_SHOWN + 1] not in message, f"repeats untrusted text in full: {message}"


_TRAINED: dict[Any, str] = {}  # spec → outcome: each distinct accepted spec trains once


def _examples(spec) -> int:
    return spec.n_examples() if isinstance(spec, PlaygroundSpec) else spec.shape().examples


def _peak_reset() -> int | None:
    """The process's resident memory now, with its high-water mark reset (Linux); None where it cannot be."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return _status("VmRSS")
    except OSError:
        return None


def _status(name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(name)


def assert_trains_one_step_within_budget(spec) -> str:
    assert validate(spec) == []
    try:
        return _TRAINED[spec]
    except (KeyError, TypeError):
        pass
    budgeted = isinstance(spec, (BuilderSpec, PlaygroundSpec))
    if budgeted:
        work, batch, examples = spec.work(), spec.train.batch_size, _examples(spec)
        assert work.parameters <= MAX_PARAMETERS
        assert STEP_COST * batch * work.macs <= STEP_WORK.limit
        assert 2 * batch * work.stored * BYTES_PER_FLOAT <= STEP_MEMORY.limit
        assert examples * work.macs <= EVALUATION_WORK.limit
        assert examples * work.stored * BYTES_PER_FLOAT <= EVALUATION_MEMORY.limit
    before = _peak_reset()
    run = make_run(spec)
    kept: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        kept[t.untyped_storage().data_ptr()] = max(kept.get(t.untyped_storage().data_ptr(), 0),
                                                   t.numel() * t.element_size())
        return t

    with FlopCounterMode(display=False) as counter, torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        done = run.trainer.step(1)
    assert done == 1 and run.trainer.step_count == 1
    assert run.trainer.history.step[-1] == 1 or run.trainer.diverged
    if budgeted:
        step_and_evaluation = STEP_COST * min(batch, run.trainer.n_train) * work.macs + examples * work.macs
        assert counter.get_total_flops() / 2 <= step_and_evaluation
        assert sum(kept.values()) <= STEP_MEMORY.limit
        peak = STEP_MEMORY.limit + EVALUATION_MEMORY.limit + HEADROOM
        if before is not None:  # checked before Gradient Flow's statistics, which would need far more
            assert _status("VmHWM") - before <= peak, "the step and the evaluations took more memory than budgeted"
        unit_stats(run.trainer)  # what Gradient Flow shows on every redraw: every activation of the training set
        if before is not None:
            assert _status("VmHWM") - before <= peak, "Gradient Flow's statistics took more memory than budgeted"
    outcome = TRAINED if not run.trainer.diverged else TRAINED + " (and diverged, with a message)"
    try:
        _TRAINED[spec] = outcome
    except TypeError:
        pass
    return outcome


def _sent(text: str | bytes) -> Any:
    """What a file holds, for checking that messages do not repeat it: its text and what it parses to."""
    try:
        return [text, json.loads(text)] if isinstance(text, str) else text
    except (ValueError, RecursionError):
        return text


def json_ending(text: str | bytes) -> str:
    spec, problems = from_json(text)
    sent = _sent(text)
    if spec is None:
        assert_clear_messages(problems, sent)
        return REFUSED
    assert problems == []
    return assert_trains_one_step_within_budget(spec)


def link_ending(query: dict) -> str:
    spec, warnings = from_query(query)
    assert_clear_messages(warnings, query)
    outcome = assert_trains_one_step_within_budget(spec)
    return outcome if not warnings else outcome + ", with warnings"


def run_fuzz(strategy: st.SearchStrategy, ending: Callable[[Any], str], examples: list, max_examples: int) -> Counter:
    """``ending`` for every explicit example and ``max_examples`` generated ones; how many ended which way."""
    outcomes: Counter = Counter()

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,  # the same cases each run
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(strategy)
    def one(value):
        outcomes[ending(value)] += 1

    for value in examples:
        one = example(value)(one)
    one()
    print(f"\n{sum(outcomes.values())} cases: " + "; ".join(f"{n} {what}" for what, n in outcomes.most_common()))
    print(f"{len(_TRAINED)} different networks trained so far")
    return outcomes


def _share(outcomes: Counter, prefix: str) -> float:
    return sum(n for what, n in outcomes.items() if what.startswith(prefix)) / max(1, sum(outcomes.values()))


# ---------------------------------------------------------------- the examples that once crashed or hogged

DIGITS = {"kind": "builder", "task": "digits"}


def _layers(*items: tuple) -> list[dict]:
    return [{"kind": kind, **dict(zip(("size", "kernel"), values))} for kind, *values in items]


HOGS = {  # accepted once; each must now be refused by the budget that names it
    "batch 2000 of a 512-filter convolution and 19 BatchNorms":
        ({**DIGITS, "batch": 2000, "layers": _layers(("conv2d", 512, 1), *[("batchnorm",)] * 19,
                                                     *[("maxpool",)] * 3, ("flatten",))},
         "the training-step memory budget"),
    "two 88-filter 5×5 convolutions (~197k parameters)":
        ({**DIGITS, "layers": _layers(("conv2d", 88, 5), ("activation",), ("conv2d", 88, 5), ("activation",),
                                      *[("maxpool",)] * 3, ("flatten",))}, "the evaluation budget"),
    "4,096 filters, 19 activations: Gradient Flow would keep ~25 GB of activations":
        ({**DIGITS, "batch": 2, "layers": _layers(("conv2d", 4096, 1), *[("activation",)] * 19,
                                                  *[("maxpool",)] * 3, ("flatten",))},
         "the evaluation memory budget"),
    "an uploaded network with 16,000 filters": ({**DIGITS, "layers": _layers(("conv2d", 16_000, 1), ("flatten",))},
                                                "filters must be between 1 and 4,096"),
    "a Linear layer of 134,217,728 units": ({"task": "points", "layers": [{"kind": "linear", "size": 134217728}]},
                                            "units must be between 1 and 4,096"),
}


@pytest.mark.parametrize("name", list(HOGS))
def test_networks_that_once_hogged_the_server_are_refused_before_anything_is_built(name):
    data, naming = HOGS[name]
    start = time.process_time()
    spec, problems = from_json(json.dumps(data))
    assert time.process_time() - start < 1.0, "refused from shapes alone, without allocating"
    assert spec is None and any(naming in problem for problem in problems), problems
    assert_clear_messages(problems, data)


def _builder(task: str, *layers: tuple) -> BuilderSpec:
    return BuilderSpec(task=task, layers=tuple(LayerDef(kind, *values) for kind, *values in layers),
                       train=default_train(TASKS[task].n_classes))


SLOW_ANALYSES = {  # accepted before calls were counted (CPU seconds measured by benchmarks/limits.py, one thread)
    "a 61×61 landscape of two self-attention layers (44 s)":
        (_builder("first_symbol_long", ("linear", 8), ("attention", 4), ("attention", 4), ("last_step",)),
         lambda run: landscape.check_grid(run, 61), "the landscape budget"),
    "a 9×9 convexity map of two self-attention layers (154 s)":
        (_builder("first_symbol_long", ("linear", 4), ("attention", 4), ("attention", 4), ("last_step",)),
         lambda run: landscape.convexity_problem(run, 9), "the sharpness budget"),
    "a 9×9 convexity map of an LSTM over 30 steps (36 s)":
        (_builder("first_symbol_long", ("lstm", 10), ("last_step",)),
         lambda run: landscape.convexity_problem(run, 9), "the sharpness budget"),
    "a 9×9 convexity map of 19 BatchNorms on 7 channels (44 s)":
        (_builder("digits", ("conv2d", 7, 1), *[("batchnorm",)] * 19, *[("maxpool",)] * 3, ("flatten",)),
         lambda run: landscape.convexity_problem(run, 9), "the sharpness budget"),
}


@pytest.mark.parametrize("name", list(SLOW_ANALYSES))
def test_analyses_that_took_minutes_are_refused_before_they_start(name):
    """A grid point or a Hessian-vector product on a small network costs its layers' calls more than their sums."""
    spec, problem_of, naming = SLOW_ANALYSES[name]
    assert validate(spec) == []
    problem = problem_of(make_run(spec))
    assert problem and naming in problem, problem
    assert_clear_messages([problem], None)


def test_the_same_networks_still_get_a_coarser_landscape():
    run = make_run(SLOW_ANALYSES["a 61×61 landscape of two self-attention layers (44 s)"][0])
    assert landscape.check_grid(run, 31) is None


def _with(base: dict, **changes) -> str:
    return json.dumps({**base, **changes})


LENET = _preset_json(PRESETS["lenet"])
CRASHED_ONCE = [  # the issue's examples of uploaded JSON: each now refused with a message, or trained
    "[" * 100_000,
    "[" * 1_000,
    _with(LENET, lr="0.01"), _with(LENET, batch="64"),
    _with(LENET, layers=[{"kind": ["linear"]}]),
    _with(LENET, layers=[{"kind": "dropout", "rate": 1.5}, {"kind": "flatten"}]),
    _with(_preset_json(PRESETS["lstm"]), layers=[{"kind": "lstm", "size": 0}, {"kind": "last_step"}]),
    _with(_preset_json(PRESETS["transformer"]), layers=[{"kind": "attention", "size": 0}, {"kind": "flatten"}]),
    _with(LENET, layers=_layers(("conv2d", 4, -1), ("flatten",))),
    _with(LENET, layers=_layers(("conv2d", 4, 0), ("flatten",))),
    _with(LENET, layers=_layers(("conv2d", 4, 2), ("activation",), ("conv2d", 4, 4), ("flatten",))),  # even kernels
    _with(LENET, seed=-1), _with(LENET, seed=2**64), _with(LENET, batch=64.5),
    _with(LENET, clip="abc"), _with(LENET, rate="abc"), _with(LENET, clip="0.5", reg="l2", rate="0.01"),
    _with(_preset_json(PRESETS["tabular"]), layers=_layers(("linear", 8), ("batchnorm",)), batch=1),
    _with(_preset_json(PRESETS["tabular"]), layers=_layers(("linear", 8), ("batchnorm",)), batch=2),
    json.dumps(HOGS["4,096 filters, 19 activations: Gradient Flow would keep ~25 GB of activations"][0]),
    '{"kind": "builder", "layers": "linear:8,' + "activation," * 30 + '"}',
    json.dumps({"task": "points", "layers": [{"kind": "linear", "size": 134217728}]}),
    '{"kind": "builder", "seed": ' + "9" * 5_000 + "}",  # Python refuses to read integers of 4,300+ digits
]


def test_uploaded_builder_files_end_in_a_message_or_one_step_within_budget():
    files = st.integers(0, 3).flatmap(lambda k: RAW_FILES if k == 0 else builder_settings().map(_dumps))
    outcomes = run_fuzz(files, json_ending,
                        CRASHED_ONCE, max_examples=300)
    assert _share(outcomes, TRAINED) >= 0.15 and _share(outcomes, REFUSED) >= 0.3, outcomes


def test_uploaded_playground_files_end_in_a_message_or_one_step_within_budget():
    examples = [_dumps({"kind": "playground", "lr": "NaN"}), _dumps({"kind": "playground", "layers": "4:relu" * 200}),
                _dumps({"kind": "playground", "layers": [{"width": 1e400}]}),
                _dumps({"kind": "playground", "dataset": "blobs3", "loss": "bce"})]
    outcomes = run_fuzz(playground_settings().map(_dumps), json_ending, examples,
                        max_examples=60)
    assert _share(outcomes, TRAINED) >= 0.15 and _share(outcomes, REFUSED) >= 0.2, outcomes


def test_builder_links_always_open_a_network_that_trains_within_budget():
    examples = [
        {"kind": "builder", "layers": "conv2d:4:2,residual:relu:4,flatten", "seed": "-1"},
        {"kind": "builder", "task": "digits", "layers": "conv2d:4096:1," + "activation:relu," * 19 + "maxpool," * 3
         + "flatten", "batch": "2"},
        {"kind": "builder", "task": "points", "layers": "linear:134217728"},
        {"kind": "builder", "task": "first_symbol", "layers": "lstm:32,last_step", "batch": ["1", "64.5"]},
        {"task": "digits", "layers": "x" * 3000}, {"kind": ["gan", "builder"], "lr": ["fast"]},
    ]
    outcomes = run_fuzz(builder_links(), link_ending, examples, max_examples=100)
    assert _share(outcomes, TRAINED) == 1.0
    assert sum(n for what, n in outcomes.items() if what.endswith("warnings")) >= 0.3 * sum(outcomes.values())


def test_playground_links_always_open_a_network_that_trains_within_budget():
    examples = [{"noise": "INF"}, {"lr": "nan", "points": "1e400", "seed": "-0", "layers": "4:relu,"},
                {"layers": "32:relu," * 10, "features": "x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2"}]
    outcomes = run_fuzz(playground_links(), link_ending, examples, max_examples=60)
    assert _share(outcomes, TRAINED) == 1.0


def test_hostile_strategies_cover_every_field():
    """A field added to a table without a strategy here fails (``valid_values`` raises)."""
    for kind in ("builder", "playground"):
        for f in fields_of(kind):
            if f.key != "layers" or kind == "playground":
                assert valid_values(f) is not None
