"""Every lesson parses, every experiment trains, and every check can be answered right and wrong.

The scripted runs below (not the lessons) prove that each measure and challenge is reachable on a real
run of the step's experiment, and that a deliberately poor run or answer fails it. A lesson added with a
measure or a challenge needs its script here; the test says which is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from dl_core import from_query, make_run, validate
from dl_core.analyses.metrics import METRICS, NAME, measure
from dl_core.lessons import (
    LESSONS_DIR, Challenge, ChoiceCheck, LessonError, MeasureCheck, NumberCheck, Tolerance, discover, judge,
    parse_lesson, read_number,
)
from dl_core.observe.gradients import GradientFlow

CATALOGUE = discover(LESSONS_DIR)
LESSONS = {lesson.slug: lesson for lesson in CATALOGUE.lessons}
CHECKS = [(lesson.slug, number) for lesson in CATALOGUE.lessons for number, _ in lesson.checks]
TICK = 25  # steps per redraw while a lab plays: the history is recorded as often as a learner's would be


@dataclass(frozen=True)
class Script:
    """A run of a step's experiment: settings changed from its preset (as a link writes them), then steps."""

    steps: int
    changes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scripts:
    good: Script  # reaches the answer or the goal
    poor: Script | None = None  # a challenge's deliberately poor run, which must fail it


SMALL_CNN = "conv2d:8:3,activation:relu,maxpool,conv2d:16:3,activation:relu,maxpool,flatten"
DEEP_RELU = ",".join(["8:relu"] * 8)
GRU = {"task": "first_symbol_long", "layers": "gru:16,last_step", "optimizer": "adam", "lr": "0.03", "batch": "32"}

SCRIPTS: dict[tuple[str, int], Scripts] = {
    ("what-a-neuron-computes", 3): Scripts(Script(100), Script(100, {"lr": "0.001"})),
    ("the-perceptron-and-xor", 1): Scripts(Script(200)),
    ("the-perceptron-and-xor", 3): Scripts(Script(300, {"layers": "4:relu"}), Script(300, {"layers": ""})),
    ("activation-functions", 2): Scripts(Script(300, {"layers": "8:relu,8:relu"}), Script(300)),
    ("forward-propagation", 3): Scripts(Script(0)),
    ("loss-functions", 3): Scripts(Script(200)),
    ("gradient-descent-and-the-learning-rate", 1): Scripts(Script(200)),
    ("gradient-descent-and-the-learning-rate", 3): Scripts(Script(200, {"lr": "0.3"}), Script(200, {"lr": "0.03"})),
    ("backpropagation", 3): Scripts(Script(50)),
    ("optimisers", 2): Scripts(Script(100, {"optimizer": "rmsprop"}), Script(100)),
    ("features-engineered-or-learned", 1): Scripts(Script(500, {"features": "x1,x2,sinx1,sinx2"}), Script(500)),
    ("features-engineered-or-learned", 2): Scripts(Script(500, {"layers": "16:relu,16:relu,16:relu"}), Script(500)),
    ("overfitting", 1): Scripts(Script(600), Script(600, {"layers": "2:relu"})),
    ("regularisation", 1): Scripts(Script(600, {"reg": "l2", "rate": "0.03"}), Script(600)),
    ("regularisation", 2): Scripts(Script(600, {"reg": "l1", "rate": "0.003"}),
                                   Script(600, {"reg": "l2", "rate": "0.03"})),
    ("regularisation", 4): Scripts(Script(75), Script(600)),
    ("initialisation-and-vanishing-gradients", 1): Scripts(Script(100)),
    ("initialisation-and-vanishing-gradients", 3): Scripts(Script(300, {"layers": DEEP_RELU, "init": "he"}),
                                                           Script(300)),
    ("normalisation-and-residual-connections", 2): Scripts(Script(300, {"skip": "1"}), Script(300, {"norm": "1"})),
    ("normalisation-and-residual-connections", 3): Scripts(Script(300, {"skip": "1"})),
    ("batch-size", 2): Scripts(Script(500)),
    ("batch-size", 3): Scripts(Script(500, {"batch": "1"}), Script(500)),
    ("convolutional-networks", 3): Scripts(Script(300, {"layers": SMALL_CNN}), Script(300)),
    ("recurrent-networks", 1): Scripts(Script(400), Script(400, {"task": "first_symbol_long"})),
    ("recurrent-networks", 3): Scripts(Script(300, GRU), Script(300, {"task": "first_symbol_long"})),
    ("attention-and-transformers", 2): Scripts(Script(150), Script(50, {"lr": "0.0001"})),
    ("attention-and-transformers", 3): Scripts(Script(0)),
    ("limited-data", 1): Scripts(Script(600, {"task": "digits_few_augmented"}), Script(600)),
    ("limited-data", 2): Scripts(Script(200, {"start": "digits_0_4"}), Script(200)),
    ("interpretability", 1): Scripts(Script(200)),
    ("adversarial-examples", 1): Scripts(Script(300)),
    ("bias-in-data", 1): Scripts(Script(300)),
    ("bias-in-data", 2): Scripts(Script(300)),
    ("bias-in-data", 3): Scripts(Script(300, {"task": "groups_balanced"}), Script(300)),
    ("what-training-costs", 1): Scripts(Script(0)),
    ("what-training-costs", 3): Scripts(Script(300, {"layers": "flatten,linear:32,activation:relu"}), Script(300)),
}


def _chain_rule(wrt: str) -> float:
    """∂L/∂w or ∂L/∂b for L = (ReLU(w·x + b) − y)², w = 2, x = 1.5, b = −1, y = 1, by autograd."""
    w, b = torch.tensor(2.0, requires_grad=True), torch.tensor(-1.0, requires_grad=True)
    loss = (torch.relu(w * 1.5 + b) - 1.0) ** 2
    loss.backward()
    return float(w.grad if wrt == "w" else b.grad)


def _layer_outputs() -> tuple[torch.Tensor, torch.Tensor]:
    """The two-layer example of the forward-propagation lesson: (hidden outputs, network output)."""
    hidden, out = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
    with torch.no_grad():
        hidden.weight.copy_(torch.tensor([[1.0, 2.0], [-1.0, 0.5]]))
        hidden.bias.copy_(torch.tensor([0.0, 1.0]))
        out.weight.copy_(torch.tensor([[0.5, 3.0]]))
        out.bias.copy_(torch.tensor([-1.0]))
        a = torch.relu(hidden(torch.tensor([2.0, 1.0])))
        return a, out(a)


def _conv_multiply_adds() -> float:
    with FlopCounterMode(display=False) as counter:
        torch.nn.Conv2d(6, 16, 3, padding=1, bias=False)(torch.zeros(1, 6, 8, 8))
    return counter.get_total_flops() / 2  # a multiply-add is two floating-point operations


def _flattened_after_two_pools() -> float:
    pool = torch.nn.MaxPool2d(2)
    return float(pool(pool(torch.zeros(1, 16, 8, 8))).flatten(1).shape[1])


# Number checks: the lesson's answer, computed here by PyTorch as an oracle.
ORACLES = {
    ("what-a-neuron-computes", 1): lambda: float(torch.tensor([2.0, -1.0]) @ torch.tensor([1.0, 3.0]) + 0.5),
    ("what-a-neuron-computes", 2): lambda: float(torch.relu(torch.tensor(-0.5))),
    ("forward-propagation", 1): lambda: float(_layer_outputs()[0][1]),
    ("forward-propagation", 2): lambda: float(_layer_outputs()[1][0]),
    ("loss-functions", 1): lambda: float(F.mse_loss(torch.tensor([0.01]), torch.tensor([1.0]))),
    ("loss-functions", 2): lambda: float(F.binary_cross_entropy(torch.tensor([0.01]), torch.tensor([1.0]))),
    ("backpropagation", 1): lambda: _chain_rule("w"),
    ("backpropagation", 2): lambda: _chain_rule("b"),
    ("convolutional-networks", 1): lambda: float(sum(p.numel() for p in torch.nn.Conv2d(1, 8, 3).parameters())),
    ("convolutional-networks", 2): _flattened_after_two_pools,
    ("what-training-costs", 2): _conv_multiply_adds,
}


def scripted_run(slug: str, number: int, script: Script):
    experiment = LESSONS[slug].step(number).experiment
    spec, warnings = from_query({**dict(experiment.settings), **script.changes})
    assert warnings == [] and validate(spec) == [], warnings
    run = make_run(spec)
    if experiment.lab == "gradient_flow":  # the lab's probe, whose numbers the gradient metrics read
        run.probe("gradflow", GradientFlow)
    for done in range(0, script.steps, TICK):
        run.trainer.step(min(TICK, script.steps - done))
    return run, experiment


def test_every_lesson_folder_parses_in_order():
    assert CATALOGUE.errors == (), "\n".join(map(str, CATALOGUE.errors))
    assert len(CATALOGUE.lessons) >= 22
    assert [lesson.order for lesson in CATALOGUE.lessons] == list(range(1, len(CATALOGUE.lessons) + 1))
    for lesson in CATALOGUE.lessons:
        assert lesson.title and lesson.summary and lesson.concepts and lesson.steps, lesson.folder
        assert any(step.experiment for step in lesson.steps), f"{lesson.folder} has no experiment"
        assert any(step.check for step in lesson.steps), f"{lesson.folder} has no check"


@pytest.mark.parametrize("slug", list(LESSONS))
def test_every_experiment_validates_and_trains_a_few_steps(slug):
    for step in LESSONS[slug].steps:
        if step.experiment is None or step.continued:
            continue
        spec = step.experiment.spec
        assert validate(spec) == [] and from_query(step.experiment.query())[1] == []
        run = make_run(spec)
        assert run.trainer.step(3) == 3 and math.isfinite(run.trainer.history.last("train_loss"))


@pytest.mark.parametrize("slug, number", CHECKS)
def test_every_check_has_a_reachable_right_answer_and_fails_a_wrong_one(slug, number):
    check = LESSONS[slug].step(number).check
    if isinstance(check, ChoiceCheck):
        right = [o for o in check.options if o.right]
        assert len(right) == 1 and judge(check, right[0].text).passed
        for option in check.options:
            if not option.right:
                verdict = judge(check, option.text)
                assert not verdict.passed and option.feedback in verdict.message
        return
    if isinstance(check, NumberCheck):
        assert (slug, number) in ORACLES, f"add an oracle for the number check of {slug}, step {number}"
        slack = check.tolerance.amount * (abs(check.answer) if check.tolerance.relative else 1)
        assert ORACLES[(slug, number)]() == pytest.approx(check.answer, abs=slack + 1e-9)
        miss = 2 * slack + 1
        assert judge(check, str(check.answer)).passed
        assert check.too_high in judge(check, check.answer + miss).message
        assert check.too_low in judge(check, check.answer - miss).message
        return
    assert (slug, number) in SCRIPTS, f"add a scripted run for the {check.kind} check of {slug}, step {number}"
    scripts = SCRIPTS[(slug, number)]
    run, experiment = scripted_run(slug, number, scripts.good)
    if isinstance(check, MeasureCheck):
        value = measure(check.metric, run)
        if METRICS[check.metric].kind == NAME:
            others = [name for name in check.choices(run) if name != value]
            assert others, "a question whose answer is the only choice"
            assert judge(check, value, run, experiment).passed
            assert not judge(check, others[0], run, experiment).passed
        else:
            assert math.isfinite(value)
            assert judge(check, value, run, experiment).passed
            off = 3 * check.tolerance.amount * max(1, abs(value)) + 0.5  # well outside the tolerance
            assert not judge(check, value + off, run, experiment).passed
        return
    assert isinstance(check, Challenge)
    verdict = judge(check, run=run, experiment=experiment)
    assert verdict.passed, verdict.message
    assert scripts.poor is not None, "a challenge needs a poor run that fails it"
    poor, _ = scripted_run(slug, number, scripts.poor)
    verdict = judge(check, run=poor, experiment=experiment)
    assert not verdict.passed, verdict.message


def test_every_measure_and_challenge_has_a_script_and_no_script_is_stale():
    needed = {(slug, n) for slug, n in CHECKS if LESSONS[slug].step(n).check.needs_run}
    assert needed == set(SCRIPTS)
    numbers = {(slug, n) for slug, n in CHECKS if isinstance(LESSONS[slug].step(n).check, NumberCheck)}
    assert numbers == set(ORACLES)


def test_read_number_reads_what_learners_type():
    assert read_number("0.25") == 0.25 and read_number(" 1,898 ") == 1898 and read_number("95%") == 0.95
    assert read_number("−0.5") == -0.5 and read_number(3) == 3.0
    assert read_number("abc") is None and read_number("nan") is None and read_number(True) is None


def test_lesson_error_names_the_folder_and_line():
    with pytest.raises(LessonError) as error:
        parse_lesson("---\ntitle: x\n", "05-broken")
    assert str(error.value).startswith("05-broken, line 1:")


# ---------------------------------------------------------------- the format, on lessons written here

GOOD = """---
title: One neuron
summary: A single neuron draws one straight line.
concepts: neuron, boundary
prerequisites:
minutes: 5
---

An introduction.

## 1. Train it

Text before.

```experiment
lab: playground
# a comment, and a preset over two lines
preset: kind=playground&dataset=gauss&layers=
preset: lr=0.03
show: lr
lock: dataset,
  layers
```

Text after.

```check
kind: challenge
question: Bring the test loss down
  to 0.1 or less.
metric: test_loss
target: <= 0.1
require: features == x2,x1
require: dataset in gauss,circle
min_steps: 50
fail: Train longer.
```

## 2. Why

```python
print("an ordinary code block, shown and never run")
```

```check
kind: choice
question: What does one neuron draw?
right: A line
wrong: A circle | Only lines: z = w·x + b.
```
"""


def write(root, folder: str, text: str | bytes) -> None:
    (root / folder).mkdir()
    path = root / folder / "lesson.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


def test_a_lesson_is_read_into_steps_blocks_and_checks(tmp_path):
    write(tmp_path, "01-one-neuron", GOOD)
    (lesson,) = discover(tmp_path).lessons
    assert (lesson.slug, lesson.order, lesson.minutes, lesson.concepts) == ("one-neuron", 1, 5, ("neuron", "boundary"))
    first, second = lesson.steps
    assert first.text == "Text before." and first.after == "Text after." and lesson.intro == "An introduction."
    experiment = first.experiment
    assert experiment.lock == ("dataset", "layers") and "lr" not in experiment.hide and "noise" in experiment.hide
    assert experiment.query()["layers"] == "" and experiment.query()["kind"] == "playground"
    assert experiment.spec.model.hidden == () and experiment.spec.train.learning_rate == 0.03
    assert first.check.question == "Bring the test loss down to 0.1 or less."
    assert "print(" in second.text and second.experiment is experiment and second.continued


def test_a_challenge_is_judged_on_the_run_its_settings_and_its_locks(tmp_path):
    write(tmp_path, "01-one-neuron", GOOD)
    step = discover(tmp_path).lessons[0].step(1)
    check, experiment = step.check, step.experiment
    assert "Train the experiment first" in judge(check, run=None, experiment=experiment).message
    run = make_run(experiment.spec)
    assert "at least 50 steps" in judge(check, run=run, experiment=experiment).message
    run.trainer.step(100)
    assert judge(check, run=run, experiment=experiment).passed
    moved = make_run(from_query({**dict(experiment.settings), "dataset": "circle"})[0])
    moved.trainer.step(60)
    verdict = judge(check, run=moved, experiment=experiment)
    assert not verdict.passed and "Dataset back to gauss" in verdict.message
    other_kind = make_run(from_query({"kind": "builder", "task": "wine", "layers": "linear:4"})[0])
    assert "open the step's experiment again" in judge(check, run=other_kind, experiment=experiment).message
    one_feature = make_run(from_query({**dict(experiment.settings), "features": "x1"})[0])
    one_feature.trainer.step(60)
    verdict = judge(check, run=one_feature, experiment=experiment)
    assert not verdict.passed and "Input features = x2,x1 (yours: x1)" in verdict.message


def test_a_number_is_judged_within_its_tolerance_with_feedback_either_side():
    check = NumberCheck("What is 2 + 2?", 1, "Four.", answer=4.0, tolerance=Tolerance(0.05, relative=True),
                        too_high="Less.", too_low="More.")
    assert judge(check, "4.1").passed and judge(check, 3.9).passed and "Four." in judge(check, "4").message
    assert judge(check, "5").message == "Too high. Less." and judge(check, "3").message == "Too low. More."
    assert not judge(check, "four").passed and not judge(check, None).passed


MALFORMED = {  # folder → (lesson text or a change to GOOD, the line reported, words of the message)
    "02-no-front-matter": (GOOD.split("---\n", 2)[2], 1, "front matter"),
    "03-no-title": (GOOD.replace("title: One neuron\n", ""), 1, "needs 'title:'"),
    "04-step-numbers": (GOOD.replace("## 2. Why", "## 3. Why"), 39, "numbered 3"),
    "05-unknown-lab": (GOOD.replace("lab: playground", "lab: kitchen"), 16, "unknown lab 'kitchen'"),
    "06-unknown-setting": (GOOD.replace("preset: lr=0.03", "preset: lr=0.03&colour=red"), 19, "no setting 'colour'"),
    "07-bad-value": (GOOD.replace("preset: lr=0.03", "preset: lr=fast"), 19, "lr='fast'"),
    "08-over-budget": (GOOD.replace("layers=\n", "layers=32:relu,32:relu,32:relu,32:relu,32:relu\n")
                       .replace("preset: lr=0.03", "preset: lr=0.03&features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2"), 18,
                       "parameters"),
    "09-hide-unknown": (GOOD.replace("show: lr", "hide: lr, wings"), 20, "'wings'"),
    "10-unknown-metric": (GOOD.replace("metric: test_loss", "metric: __import__('os')"), 31, "unknown metric"),
    "11-no-feedback": (GOOD.replace("wrong: A circle | Only lines: z = w·x + b.", "wrong: A circle"), 49, "feedback"),
    "12-unclosed": (GOOD.rsplit("```", 1)[0], 45, "never closed"),
    "13-text-after-check": (GOOD + "\nMore text.\n", 52, "a check ends its step"),
    "14-not-utf8": (GOOD.encode().replace(b"An introduction.", b"An intro\xff."), 9, "UTF-8"),
    "15-requirement": (GOOD.replace("require: features == x2,x1", "require: features ~ x2"), 33, "name op value"),
    "16-prerequisite": (GOOD.replace("prerequisites:", "prerequisites: nothing-before"), 5, "nothing-before"),
    "Broken Name": (GOOD, 0, "folder is named like"),
    "17-lock-value": (GOOD.replace("require: dataset in gauss,circle", "require: dataset in gauss,moon"), 34,
                      "no set named 'moon'"),
    "18-measure-unit": (GOOD.replace("kind: challenge", "kind: measure").replace("target: <= 0.1\n", ""), 32,
                        "'require'"),
}


def test_malformed_lessons_are_reported_by_name_and_line_and_the_others_load(tmp_path):
    write(tmp_path, "01-one-neuron", GOOD)
    for folder, (text, _, _) in MALFORMED.items():
        write(tmp_path, folder, text)
    (tmp_path / "19-empty").mkdir()
    write(tmp_path, "20-huge", GOOD + "x" * 70_000)
    catalogue = discover(tmp_path)
    assert [lesson.folder for lesson in catalogue.lessons] == ["01-one-neuron"]
    reported = {error.lesson: error for error in catalogue.errors}
    assert set(reported) == set(MALFORMED) | {"19-empty", "20-huge"}
    for folder, (_, line, words) in MALFORMED.items():
        error = reported[folder]
        assert (error.line, words in str(error)) == (line, True), str(error)
        assert str(error).startswith(f"{folder}, line {line}:" if line else f"{folder}:")
    assert "has no lesson.md" in str(reported["19-empty"]) and "bytes" in str(reported["20-huge"])


def test_two_lessons_with_the_same_number_or_name_keep_the_first(tmp_path):
    write(tmp_path, "01-one-neuron", GOOD)
    write(tmp_path, "01-other", GOOD)
    write(tmp_path, "02-one-neuron", GOOD)
    catalogue = discover(tmp_path)
    assert [lesson.folder for lesson in catalogue.lessons] == ["01-one-neuron"]
    assert sorted(error.lesson for error in catalogue.errors) == ["01-other", "02-one-neuron"]


def test_the_minimal_lesson_in_the_readme_loads_beside_the_real_ones(tmp_path):
    readme = (LESSONS_DIR / "README.md").read_text()
    example = readme.split("````markdown\n", 1)[1].split("````", 1)[0]
    folder = readme.split("Save this as `lessons/", 1)[1].split("/", 1)[0]
    write(tmp_path, "01-what-a-neuron-computes", (LESSONS_DIR / "01-what-a-neuron-computes" / "lesson.md").read_text())
    write(tmp_path, folder, example)
    catalogue = discover(tmp_path)
    assert catalogue.errors == () and [lesson.folder for lesson in catalogue.lessons][-1] == folder
    step = catalogue.lessons[-1].step(1)
    run = make_run(step.experiment.spec)
    run.trainer.step(100)
    assert judge(step.check, run=run, experiment=step.experiment).passed
