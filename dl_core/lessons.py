"""Lessons as data: discover the folders under ``lessons/``, read each ``lesson.md``, check its experiments
and checks, and judge a learner's answers and runs. Pure Python: nothing in a lesson folder is executed.

A lesson is a markdown file with front matter (``key: value`` lines between two ``---`` lines) and numbered
steps (``## 1. Title``). A step may hold one fenced ``experiment`` block (a lab, a preset as URL settings,
which controls to hide or lock) and may end in one fenced ``check`` block. Both blocks are ``key: value``
lines, read by the small parser below; a check is data (a metric's name, a comparison, a threshold), never
code. ``lessons/README.md`` describes the format with a minimal lesson.

Every problem is a ``LessonError`` naming the lesson's folder and the line, and ``discover`` collects them
per lesson, so one malformed lesson never stops the others from loading.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from .errors import Refusal
from .analyses.metrics import METRICS, NAME, Metric, NotMeasurable, measure
from .runs import Run
from .specs import CLASSROOM_KEYS, KINDS, Spec, field_named, fields_of, from_query, validate
from .specs.fields import Field, shown

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
LESSON_FILE = "lesson.md"
MAX_LESSON_BYTES = 64 * 1024
MAX_STEPS = 30
MAX_MINUTES = 240
FOLDER = re.compile(r"^(\d{2,3})-([a-z0-9]+(?:-[a-z0-9]+)*)$")  # "03-activation-functions"
STEP_HEADING = re.compile(r"^##\s+(\d+)\.\s+(\S.*)$")  # "## 2. A hidden layer"
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([A-Za-z0-9_-]*)\s*$")
COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")  # longest first, so "<=" is not read as "<"
MEMBERSHIP = ("has", "lacks")  # for settings that are lists: input features, layers
ONE_OF = "in"  # for a setting that is one name or number: "task in digits_few,digits_few_augmented"
FRONT_MATTER = {"title", "summary", "concepts", "prerequisites", "minutes"}

# Which labs a step may open, and which kinds of network each takes. A lab whose view cannot be embedded in a
# step yet may be named: its preset is checked all the same, and the Lessons page trains it in the kind's own lab.
LABS: dict[str, tuple[str, ...]] = {
    "playground": ("playground",),
    "builder": ("builder",),
    "loss_landscape": ("playground", "builder"),
    "gradient_flow": ("playground", "builder"),
    "forward_backward": ("playground", "builder"),
    "compare": ("playground", "builder"),
    "attribution": ("builder",),
}


class LessonError(Refusal):
    """A problem in one lesson, with its folder's name and the line (1-based; 0 when it is about the folder)."""

    def __init__(self, lesson: str, line: int, message: str):
        super().__init__(f"{lesson}, line {line}: {message}" if line else f"{lesson}: {message}")
        self.lesson, self.line, self.message = lesson, line, message


# ---------------------------------------------------------------- what a lesson is made of


@dataclass(frozen=True)
class Experiment:
    """A live network inside a step: which lab shows it, the settings it starts from, and which controls the
    learner may not see (``hide``) or may see but not change (``lock``)."""

    lab: str
    settings: tuple[tuple[str, str], ...]  # the preset as the lesson writes it, kind first: (("kind", "playground"), …)
    spec: Spec
    hide: tuple[str, ...]
    lock: tuple[str, ...]
    line: int

    @property
    def kind(self) -> str:
        return self.spec.kind

    def query(self) -> dict[str, str]:
        """The experiment as URL parameters: its settings, and classroom mode's hide and lock lists."""
        query = dict(self.settings)
        if self.hide:
            query["hide"] = ",".join(self.hide)
        if self.lock:
            query["lock"] = ",".join(self.lock)
        return query

    def changed_locks(self, spec: Spec) -> list[Field]:
        """The locked settings that ``spec`` no longer has at the experiment's values."""
        if spec.kind != self.kind:
            return []
        locked = [field_named(self.kind, key) for key in self.lock]
        return [f for f in locked if f.get(spec) != f.get(self.spec)]


@dataclass(frozen=True)
class Verdict:
    """What judging an answer or a run says: passed or not, and a message for the learner."""

    passed: bool
    message: str
    reached: str = ""  # what the learner reached or answered, as written in the message
    asked: str = ""  # what was asked ("≤ 0.177")


@dataclass(frozen=True)
class Tolerance:
    """How far an answer may be from the right one: an amount, or a share of the right answer (``5%``)."""

    amount: float
    relative: bool = False

    def allows(self, given: float, right: float) -> bool:
        slack = self.amount * abs(right) if self.relative else self.amount
        return abs(given - right) <= slack + 1e-12 * max(1.0, abs(right))

    def __str__(self) -> str:
        return f"{self.amount * 100:g} %" if self.relative else f"{self.amount:g}"


@dataclass(frozen=True)
class Requirement:
    """A condition on the learner's run: a setting (a field's key) or a metric, compared with a value."""

    subject: str
    op: str  # one of COMPARISONS, MEMBERSHIP or ONE_OF
    value: Any  # a number for metrics and number fields, a parsed field value, or a name for has/lacks
    written: str  # the value as the lesson writes it
    line: int
    label: str  # how a message names the subject: "number of hidden neurons", "Input features"

    def __str__(self) -> str:
        return f"{self.label} {_OP_WORDS[self.op]} {self.written}"


_OP_WORDS = {"<=": "≤", ">=": "≥", "==": "=", "!=": "≠", "<": "<", ">": ">", "has": "has", "lacks": "has no",
             "in": "is one of"}


@dataclass(frozen=True)
class Option:
    text: str
    right: bool
    feedback: str = ""  # why a wrong option is wrong


@dataclass(frozen=True)
class Check:
    """Something the learner answers or achieves at the end of a step. ``judge`` is its one verb."""

    kind: ClassVar[str] = ""
    question: str
    line: int
    explain: str  # shown with a right answer: why it is right

    @property
    def needs_run(self) -> bool:
        """Whether judging reads the learner's run of the step's experiment."""
        return False

    def judge(self, answer: Any = None, run: Run | None = None, experiment: Experiment | None = None) -> Verdict:
        raise NotImplementedError

    def _right(self, message: str, reached: str = "", asked: str = "") -> Verdict:
        return Verdict(True, " ".join(part for part in (message, self.explain) if part), reached, asked)


@dataclass(frozen=True)
class ChoiceCheck(Check):
    """Pick one of several options; each wrong option says why it is wrong."""

    kind: ClassVar[str] = "choice"
    options: tuple[Option, ...] = ()

    def judge(self, answer: Any = None, run: Run | None = None, experiment: Experiment | None = None) -> Verdict:
        """``answer``: an option's text, or its index in ``options``."""
        chosen = None
        if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(self.options):
            chosen = self.options[answer]
        elif isinstance(answer, str):
            chosen = next((o for o in self.options if o.text.strip().lower() == answer.strip().lower()), None)
        if chosen is None:
            return Verdict(False, "Choose one of the options.")
        if chosen.right:
            return self._right("Right.", chosen.text)
        return Verdict(False, f"Not quite. {chosen.feedback}", chosen.text)


@dataclass(frozen=True)
class NumberCheck(Check):
    """Type a number; right within a tolerance, with feedback for an answer too high and one too low."""

    kind: ClassVar[str] = "number"
    answer: float = 0.0
    tolerance: Tolerance = Tolerance(0.0)
    too_high: str = ""
    too_low: str = ""

    def judge(self, answer: Any = None, run: Run | None = None, experiment: Experiment | None = None) -> Verdict:
        given = read_number(answer)
        if given is None:
            return Verdict(False, "Type a number, such as 0.25.")
        if self.tolerance.allows(given, self.answer):
            return self._right("Right.", f"{given:g}")
        return Verdict(False, "Too high. " + self.too_high if given > self.answer else "Too low. " + self.too_low,
                       f"{given:g}")


@dataclass(frozen=True)
class MeasureCheck(Check):
    """A question about the learner's own run ("what is the test loss now?"), whose answer the engine measures
    with a metric from ``analyses.metrics.METRICS``."""

    kind: ClassVar[str] = "measure"
    metric: str = ""
    tolerance: Tolerance = Tolerance(0.0)
    too_high: str = ""
    too_low: str = ""
    wrong: str = ""  # for a name metric: feedback for any wrong name
    min_steps: int = 0

    @property
    def needs_run(self) -> bool:
        return True

    def choices(self, run: Run) -> list[str]:
        """For a question answered with a name (a layer, a class, a group): every name the answer could be."""
        info = METRICS[self.metric]
        return info.choices(run) if info.choices else []

    def judge(self, answer: Any = None, run: Run | None = None, experiment: Experiment | None = None) -> Verdict:
        problem = _run_problem(run, experiment, self.min_steps)
        if problem:
            return Verdict(False, problem)
        info = METRICS[self.metric]
        try:
            right = measure(self.metric, run)
        except NotMeasurable as why:
            return Verdict(False, f"This run has no {info.label.removeprefix('the ')}: {why}.")
        if info.kind == NAME:
            given = str(answer or "").strip()
            if not given:
                return Verdict(False, "Choose or type a name.")
            if given.lower() == str(right).lower():
                return self._right(f"Right: on your run it is {right}.", given)
            return Verdict(False, f"Not quite. {self.wrong}", given)
        given = read_number(answer)
        if given is None:
            return Verdict(False, "Type a number, such as 0.25.")
        if not math.isfinite(right):
            return Verdict(False, f"On your run {info.label} is not a finite number (did training diverge?). "
                                  "Reset it and train again.")
        if self.tolerance.allows(given, right):
            return self._right(f"Right: on your run it is {info.written(right)}.", f"{given:g}")
        return Verdict(False, "Too high. " + self.too_high if given > right else "Too low. " + self.too_low,
                       f"{given:g}")


@dataclass(frozen=True)
class Challenge(Check):
    """A goal judged on the learner's actual run: a metric compared with a threshold, under requirements on
    the settings and the run ("with only x1 and x2", "hidden_neurons <= 8"), after at least ``min_steps``."""

    kind: ClassVar[str] = "challenge"
    metric: str = ""
    target: Requirement | None = None  # its subject is ``metric``
    requires: tuple[Requirement, ...] = ()
    min_steps: int = 0
    fail: str = ""  # feedback when the goal is not reached
    score: str = ""  # a metric reported with a passed challenge ("you used 6 hidden neurons")

    @property
    def needs_run(self) -> bool:
        return True

    @property
    def goal(self) -> str:
        """The goal in words: "the test loss ≤ 0.177, with input features = x1,x2"."""
        conditions = ", ".join(map(str, self.requires))
        return f"{self.target}" + (f", with {conditions}" if conditions else "")

    def judge(self, answer: Any = None, run: Run | None = None, experiment: Experiment | None = None) -> Verdict:
        problem = _run_problem(run, experiment, self.min_steps)
        if problem:
            return Verdict(False, problem, asked=str(self.target))
        unmet = []
        for requirement in self.requires:
            ok, reached = _holds(requirement, run)
            if not ok:
                unmet.append(f"{requirement} (yours: {reached})")
        ok, reached = _holds(self.target, run)
        asked = f"{_OP_WORDS[self.target.op]} {self.target.written}"
        if unmet:
            return Verdict(False, f"Not yet: this challenge asks for {'; '.join(unmet)}.", reached, asked)
        label = METRICS[self.metric].label
        if not ok:
            return Verdict(False, f"Not yet: {label} is {reached}; the goal is {asked}. {self.fail}".strip(),
                           reached, asked)
        scored = ""
        if self.score:
            info = METRICS[self.score]
            try:
                scored = f" Your score: {info.label} is {info.written(measure(self.score, run))}."
            except NotMeasurable:
                pass  # a score is a bonus: without one the verdict still stands
        return self._right(f"Done: {label} is {reached} ({asked}).{scored}", reached, asked)


def _run_problem(run: Run | None, experiment: Experiment | None, min_steps: int) -> str | None:
    """Why a run cannot be judged for a step yet: none, another kind of network, a locked setting changed,
    or too few steps."""
    if run is None:
        return "Train the experiment first: this is judged on your own run."
    if experiment is not None:
        if run.spec.kind != experiment.kind:
            label = KINDS[experiment.kind].label
            return f"This is judged on {label[0].lower()}{label[1:]}: open the step's experiment again."
        changed = experiment.changed_locks(run.spec)
        if changed:
            settings = "; ".join(f"{f.label} back to {shown(f.fmt(f.get(experiment.spec)))}" for f in changed)
            return f"This step keeps some settings fixed: set {settings}."
    if run.trainer.step_count < min_steps:
        return f"Train for at least {min_steps:,} steps first (so far: {run.trainer.step_count:,})."
    return None


def _names_in(value: Any) -> set[str]:
    """The names a list setting holds, for has/lacks: feature names, layer kinds and activations."""
    names = set()
    for item in value:
        if isinstance(item, str):
            names.add(item)
        else:
            names.update(str(getattr(item, attr)) for attr in ("kind", "activation") if hasattr(item, attr))
    return names


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<=":
        return left <= right
    if op == ">=":
        return left >= right
    return left < right if op == "<" else left > right


def _holds(requirement: Requirement, run: Run) -> tuple[bool, str]:
    """(whether the run meets it, what the run has, as written in a message)."""
    subject, op, value = requirement.subject, requirement.op, requirement.value
    if subject in METRICS:
        info = METRICS[subject]
        try:
            reached = measure(subject, run)
        except NotMeasurable as why:
            return False, f"not measurable ({why})"
        if isinstance(reached, float) and math.isnan(reached):
            return False, "not a number"
        if info.kind == NAME:
            same = str(reached).lower() == str(value).lower()
            return (same if op == "==" else not same), str(reached)
        return _compare(info.rounded(reached), op, value), info.written(reached)
    f = field_named(run.spec, subject)
    have = f.get(run.spec)
    written = shown(f.fmt(have)) or "none"
    if op in MEMBERSHIP:
        inside = str(value) in _names_in(have)
        return (inside if op == "has" else not inside), written
    if op == ONE_OF:
        return have in value, written
    if isinstance(have, tuple) and all(isinstance(v, str) for v in have) and op in ("==", "!="):
        same = sorted(have) == sorted(value)  # the same features in any order
        return (same if op == "==" else not same), written
    try:
        return _compare(have, op, value), written
    except TypeError:
        return False, written


def judge(check: Check, answer: Any = None, run: Run | None = None, experiment: Experiment | None = None) -> Verdict:
    """A verdict on an answer (choice, number, measure) or a run (measure, challenge)."""
    return check.judge(answer, run, experiment)


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    text: str  # markdown before the experiment (all of it when there is none)
    after: str  # markdown after the experiment, before the check
    experiment: Experiment | None  # its own, or the one an earlier step opened (see ``continued``)
    check: Check | None
    line: int
    continued: bool = False  # the experiment is an earlier step's, and the learner's run of it goes on


@dataclass(frozen=True)
class Lesson:
    slug: str  # the folder's name without its number: what a link names ("what-a-neuron-computes")
    folder: str  # "01-what-a-neuron-computes"
    order: int
    title: str
    summary: str
    concepts: tuple[str, ...]
    prerequisites: tuple[str, ...]  # slugs of lessons to take first
    minutes: int
    intro: str
    steps: tuple[Step, ...]

    def step(self, number: int) -> Step:
        """Step ``number`` (1-based), or the first when there is no such step (a link with a stale number)."""
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else self.steps[0]

    @property
    def checks(self) -> tuple[tuple[int, Check], ...]:
        return tuple((s.number, s.check) for s in self.steps if s.check is not None)


@dataclass(frozen=True)
class Catalogue:
    """Every lesson that loaded, in order, and every problem found in those that did not."""

    lessons: tuple[Lesson, ...]
    errors: tuple[LessonError, ...]

    def named(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)


# ---------------------------------------------------------------- reading a lesson


def read_number(raw: Any) -> float | None:
    """A number a learner typed: ``0.25``, ``1,898``, `` 12 ``, ``95%`` (0.95); None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw) if math.isfinite(raw) else None
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    text = raw.strip().replace(" ", "").replace("_", "").replace("−", "-")
    percent = text.endswith("%")
    text = text.removesuffix("%")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        text = text.replace(",", "")  # thousands separators
    try:
        value = float(text) / 100 if percent else float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class _Block:
    """A fenced block's ``key: value`` lines, each with its line number."""

    name: str
    line: int
    entries: list[tuple[str, str, int]]

    def values(self, key: str) -> list[tuple[str, int]]:
        return [(value, line) for k, value, line in self.entries if k == key]

    def one(self, key: str, lesson: str, required: bool = True) -> tuple[str, int]:
        found = self.values(key)
        if len(found) > 1:
            raise LessonError(lesson, found[1][1], f"'{key}' appears twice in this {self.name} block")
        if not found:
            if required:
                raise LessonError(lesson, self.line, f"this {self.name} block needs a '{key}:' line")
            return "", self.line
        return found[0]


def _block(name: str, lines: list[tuple[int, str]], start: int, lesson: str) -> _Block:
    """Reads ``key: value`` lines; blank lines and ``#`` comments are skipped, and an indented line continues
    the value above it."""
    entries: list[tuple[str, str, int]] = []
    for number, text in lines:
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if text[:1] in (" ", "\t"):
            if not entries:
                raise LessonError(lesson, number, "an indented line continues a value, but there is none above it")
            key, value, line = entries[-1]
            entries[-1] = (key, f"{value} {text.strip()}".strip(), line)
            continue
        key, colon, value = text.partition(":")
        key = key.strip()
        if not colon or not re.fullmatch(r"[a-z_]+", key):
            raise LessonError(lesson, number, f"expected 'key: value' in the {name} block, not '{shown(text)}'")
        entries.append((key, value.strip(), number))
    return _Block(name, start, entries)


def _allowed(block: _Block, keys: set[str], lesson: str) -> None:
    for key, _, line in block.entries:
        if key not in keys:
            raise LessonError(lesson, line, f"unknown key '{key}' in this {block.name} block "
                                            f"(use {', '.join(sorted(keys))})")


def _names(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _experiment(block: _Block, lesson: str) -> Experiment:
    _allowed(block, {"lab", "preset", "hide", "lock", "show"}, lesson)
    lab, lab_line = block.one("lab", lesson)
    if lab not in LABS:
        raise LessonError(lesson, lab_line, f"unknown lab '{shown(lab)}' (choose from {', '.join(LABS)})")
    presets = block.values("preset")
    if not presets:
        raise LessonError(lesson, block.line, "this experiment block needs a 'preset:' line")
    settings: list[tuple[str, str, int]] = []  # (key, value, line)
    for raw, line in presets:
        for key, value in parse_qsl(raw, keep_blank_values=True):
            key, value = key.strip(), value.strip()
            if key in {k for k, _, _ in settings}:
                raise LessonError(lesson, line, f"the preset sets '{shown(key)}' twice")
            if key in CLASSROOM_KEYS:
                raise LessonError(lesson, line, f"'{key}' is not a setting: write it as its own '{key}:' line"
                                  if key != "seal" else "a lesson's preset carries no seal")
            settings.append((key, value, line))
    kind = next((value for key, value, _ in settings if key == "kind"), None)
    preset_line = presets[0][1]
    if kind not in KINDS:
        raise LessonError(lesson, preset_line, f"the preset must start with kind= one of {', '.join(KINDS)}, "
                                               f"not '{shown(kind)}'" if kind else
                          f"the preset must name its kind (kind={' or kind='.join(KINDS)})")
    if kind not in LABS[lab]:
        raise LessonError(lesson, lab_line, f"the {lab} lab takes {' or '.join(LABS[lab])} networks, not {kind}")
    keys = {f.key for f in fields_of(kind)}
    for key, value, line in settings:
        if key == "kind":
            continue
        if key not in keys:
            raise LessonError(lesson, line, f"the {kind} network has no setting '{shown(key)}' "
                                            f"(settings: {', '.join(sorted(keys))})")
        problem = field_named(kind, key).read(value)[1]
        if problem:
            raise LessonError(lesson, line, f"the preset is refused: {problem}")
    spec, warnings = from_query({key: value for key, value, _ in settings})
    problems = warnings or validate(spec)
    if problems:
        raise LessonError(lesson, preset_line, "the preset is refused: " + " ".join(problems))
    lists = {}
    for key in ("hide", "lock", "show"):
        raw, line = block.one(key, lesson, required=False)
        lists[key] = _names(raw)
        unknown = [name for name in lists[key] if name not in keys]
        if unknown:
            raise LessonError(lesson, line, f"'{key}' names '{shown(unknown[0])}', which is not a setting of the "
                                            f"{kind} network (settings: {', '.join(sorted(keys))})")
    hide, lock = lists["hide"], lists["lock"]
    if lists["show"]:
        if hide:
            raise LessonError(lesson, block.values("hide")[0][1], "use either 'show' (hide the rest) or 'hide'")
        hide = tuple(f.key for f in fields_of(kind) if f.key not in lists["show"] and f.key not in lock)
    return Experiment(lab, (("kind", kind),) + tuple((k, v) for k, v, _ in settings if k != "kind"), spec, hide,
                      lock, block.line)


def _tolerance(raw: str, line: int, lesson: str) -> Tolerance:
    relative = raw.endswith("%")
    amount = read_number(raw[:-1] if relative else raw)
    if amount is None or amount < 0:
        raise LessonError(lesson, line, f"a tolerance is a number or a percentage such as 5%, not '{shown(raw)}'")
    return Tolerance(amount / 100 if relative else amount, relative)


def _requirement(raw: str, line: int, lesson: str, kind: str, metric_only: str = "") -> Requirement:
    """``subject op value``; the subject is a metric or (unless ``metric_only``) a setting of ``kind``."""
    ops = "|".join(re.escape(op) for op in COMPARISONS) + "|" + "|".join(rf"\b{op}\b" for op in MEMBERSHIP + (ONE_OF,))
    if metric_only:
        match = re.fullmatch(rf"\s*({ops})\s*(.*?)\s*", raw)
        if not match:
            raise LessonError(lesson, line, f"a target is a comparison and a value, such as '<= 0.2', not "
                                            f"'{shown(raw)}'")
        subject, (op, written) = metric_only, match.groups()
    else:
        match = re.fullmatch(rf"\s*([a-z_][a-z0-9_]*)\s*({ops})\s*(.*?)\s*", raw)
        if not match:
            raise LessonError(lesson, line, f"a requirement reads 'name op value' (op: {', '.join(COMPARISONS)}, "
                                            f"has, lacks, in), not '{shown(raw)}'")
        subject, op, written = match.groups()
    if not written:
        raise LessonError(lesson, line, "the comparison needs a value after it")
    if subject in METRICS:
        info: Metric = METRICS[subject]
        if info.kind == NAME:
            if op not in ("==", "!="):
                raise LessonError(lesson, line, f"{subject} is a name: compare it with == or !=")
            return Requirement(subject, op, written, written, line, info.label.removeprefix("the "))
        if op in MEMBERSHIP + (ONE_OF,):
            raise LessonError(lesson, line, f"{subject} is a number: compare it with {', '.join(COMPARISONS)}")
        value = read_number(written)
        if value is None:
            raise LessonError(lesson, line, f"{subject} is a number, and '{shown(written)}' is not")
        return Requirement(subject, op, value, written, line, info.label.removeprefix("the "))
    if metric_only:
        raise LessonError(lesson, line, f"unknown metric '{shown(subject)}'")
    try:
        f = field_named(kind, subject)
    except KeyError:
        raise LessonError(lesson, line, f"'{shown(subject)}' is neither a metric nor a setting of the {kind} "
                                        f"network") from None
    is_list = isinstance(f.to_json(f.get(KINDS[kind]())), list)
    if op in MEMBERSHIP:
        if not is_list:
            raise LessonError(lesson, line, f"'{op}' asks about a list: {subject} is not one")
        return Requirement(subject, op, written, written, line, f.label)
    if op == ONE_OF:
        if is_list:
            raise LessonError(lesson, line, f"'in' asks about one value: {subject} is a list (use has or lacks)")
        values = []
        for item in _names(written):
            value, problem = f.read(item)
            if problem:
                raise LessonError(lesson, line, f"the requirement's value is refused: {problem}")
            values.append(value)
        return Requirement(subject, op, tuple(values), written, line, f.label)
    value, problem = f.read(written)
    if problem:
        raise LessonError(lesson, line, f"the requirement's value is refused: {problem}")
    if op not in ("==", "!=") and not isinstance(value, (int, float)):
        raise LessonError(lesson, line, f"{subject} is not a number: compare it with == or !=")
    return Requirement(subject, op, value, written, line, f.label)


_CHECK_KEYS = {
    "choice": {"right", "wrong"},
    "number": {"answer", "tolerance", "too_high", "too_low"},
    "measure": {"metric", "tolerance", "too_high", "too_low", "wrong", "min_steps"},
    "challenge": {"metric", "target", "require", "min_steps", "fail", "score"},
}


def _whole(raw: str, line: int, lesson: str, what: str) -> int:
    value = read_number(raw)
    if value is None or value != int(value) or value < 0:
        raise LessonError(lesson, line, f"{what} is a whole number, not '{shown(raw)}'")
    return int(value)


def _check(block: _Block, lesson: str, experiment: Experiment | None) -> Check:
    kind, kind_line = block.one("kind", lesson)
    if kind not in _CHECK_KEYS:
        raise LessonError(lesson, kind_line, f"unknown kind of check '{shown(kind)}' (choose from "
                                             f"{', '.join(_CHECK_KEYS)})")
    _allowed(block, {"kind", "question", "explain"} | _CHECK_KEYS[kind], lesson)
    question, _ = block.one("question", lesson)
    explain, _ = block.one("explain", lesson, required=False)
    common = {"question": question, "line": block.line, "explain": explain}
    text = lambda key: block.one(key, lesson)[0]  # noqa: E731
    if kind == "choice":
        block.one("right", lesson)  # exactly one right option
        options = [(value, line, True) for value, line in block.values("right")]
        options += [(value, line, False) for value, line in block.values("wrong")]
        if len(options) < 2 or not block.values("wrong"):
            raise LessonError(lesson, block.line, "a choice needs one 'right:' option and at least one 'wrong:'")
        made = []
        for value, line, is_right in sorted(options, key=lambda o: o[1]):  # the options in the order written
            option, bar, feedback = value.partition("|")
            if not is_right and not feedback.strip():
                raise LessonError(lesson, line, "a wrong option needs feedback after '|': say why it is wrong")
            made.append(Option(option.strip(), is_right, feedback.strip()))
        if len({o.text.lower() for o in made}) != len(made):
            raise LessonError(lesson, block.line, "two options have the same text")
        return ChoiceCheck(**common, options=tuple(made))
    if kind in ("measure", "challenge") and experiment is None:
        raise LessonError(lesson, block.line, f"a {kind} check is judged on the learner's run of an experiment, "
                                              "and neither this step nor one before it opens one")
    if kind == "number":
        raw, line = block.one("answer", lesson)
        answer = read_number(raw)
        if answer is None:
            raise LessonError(lesson, line, f"the answer is a number, not '{shown(raw)}'")
        tolerance = _tolerance(*block.one("tolerance", lesson), lesson)
        return NumberCheck(**common, answer=answer, tolerance=tolerance, too_high=text("too_high"),
                           too_low=text("too_low"))
    metric, metric_line = block.one("metric", lesson)
    if metric not in METRICS:
        raise LessonError(lesson, metric_line, f"unknown metric '{shown(metric)}' (choose from {', '.join(METRICS)})")
    min_raw, min_line = block.one("min_steps", lesson, required=False)
    min_steps = _whole(min_raw, min_line, lesson, "min_steps") if min_raw else 0
    if kind == "measure":
        if METRICS[metric].kind == NAME:
            for key in ("tolerance", "too_high", "too_low"):
                if block.values(key):
                    raise LessonError(lesson, block.values(key)[0][1], f"{metric} is a name: use 'wrong:' feedback, "
                                                                       f"not '{key}'")
            return MeasureCheck(**common, metric=metric, wrong=text("wrong"), min_steps=min_steps)
        if block.values("wrong"):
            raise LessonError(lesson, block.values("wrong")[0][1], f"{metric} is a number: use 'too_high:' and "
                                                                   "'too_low:' feedback")
        return MeasureCheck(**common, metric=metric, tolerance=_tolerance(*block.one("tolerance", lesson), lesson),
                            too_high=text("too_high"), too_low=text("too_low"), min_steps=min_steps)
    target = _requirement(*block.one("target", lesson), lesson, experiment.kind, metric_only=metric)
    requires = tuple(_requirement(raw, line, lesson, experiment.kind) for raw, line in block.values("require"))
    score, score_line = block.one("score", lesson, required=False)
    if score and score not in METRICS:
        raise LessonError(lesson, score_line, f"unknown metric '{shown(score)}' to score with")
    return Challenge(**common, metric=metric, target=target, requires=requires, min_steps=min_steps,
                     fail=text("fail"), score=score)


def _front_matter(lines: list[str], lesson: str) -> tuple[dict[str, tuple[str, int]], int]:
    """The ``key: value`` lines between the opening and closing ``---``, and the index of the first line after."""
    if not lines or lines[0].strip() != "---":
        raise LessonError(lesson, 1, "a lesson starts with front matter: a '---' line, 'key: value' lines, '---'")
    values: dict[str, tuple[str, int]] = {}
    for index in range(1, len(lines)):
        text = lines[index]
        if text.strip() == "---":
            break
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        key, colon, value = text.partition(":")
        key = key.strip()
        if not colon or key not in FRONT_MATTER:
            raise LessonError(lesson, index + 1, f"expected one of {', '.join(sorted(FRONT_MATTER))} as "
                                                 f"'key: value', not '{shown(text)}'")
        if key in values:
            raise LessonError(lesson, index + 1, f"'{key}' appears twice")
        values[key] = (value.strip(), index + 1)
    else:
        raise LessonError(lesson, 1, "the front matter has no closing '---' line")
    for key in FRONT_MATTER - {"prerequisites"}:
        if not values.get(key, ("", 0))[0]:
            raise LessonError(lesson, values.get(key, ("", 1))[1], f"the front matter needs '{key}:'")
    return values, index + 1


def parse_lesson(text: str, folder: str) -> Lesson:
    """A lesson from its markdown; raises LessonError naming ``folder`` and the line of the first problem."""
    match = FOLDER.match(folder)
    if not match:
        raise LessonError(folder, 0, "a lesson's folder is named like '03-activation-functions': a number, a "
                                     "dash, then lowercase words joined by dashes")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front, body_start = _front_matter(lines, folder)
    minutes = _whole(*front["minutes"], folder, "minutes")
    if not 1 <= minutes <= MAX_MINUTES:
        raise LessonError(folder, front["minutes"][1], f"minutes must be between 1 and {MAX_MINUTES}")

    intro: list[str] = []
    steps: list[dict] = []
    fence: tuple[str, str, int, list[tuple[int, str]]] | None = None  # (marker, name, line, lines)
    for index in range(body_start, len(lines)):
        number, line = index + 1, lines[index]
        current = steps[-1] if steps else None
        if fence is not None:
            marker, name, start, inside = fence
            if line.strip() == marker:
                fence = None
                if name in ("experiment", "check"):
                    _place_block(name, _block(name, inside, start, folder), current, start, folder)
                elif current is not None:
                    current["parts"][-1].extend([f"{marker}{name}", *(t for _, t in inside), marker])
                else:
                    intro.extend([f"{marker}{name}", *(t for _, t in inside), marker])
            else:
                inside.append((number, line))
            continue
        opening = FENCE.match(line)
        if opening:
            fence = (opening.group(1), opening.group(2), number, [])
            continue
        if line.startswith("## "):
            heading = STEP_HEADING.match(line)
            if not heading:
                raise LessonError(folder, number, "a step's heading reads '## N. Title'")
            if int(heading.group(1)) != len(steps) + 1:
                raise LessonError(folder, number, f"this step is numbered {heading.group(1)}; the next is "
                                                  f"{len(steps) + 1}")
            steps.append({"title": heading.group(2).strip(), "line": number, "parts": [[]], "experiment": None,
                          "check": None, "check_line": 0})
            continue
        if current is None:
            intro.append(line)
        else:
            if current["check"] is not None and line.strip():
                raise LessonError(folder, number, "a check ends its step: put this text before the check")
            current["parts"][-1].append(line)
    if fence is not None:
        raise LessonError(folder, fence[2], f"this '{fence[0]}' block is never closed")
    if not steps:
        raise LessonError(folder, body_start + 1, "a lesson needs at least one step ('## 1. Title')")
    if len(steps) > MAX_STEPS:
        raise LessonError(folder, steps[MAX_STEPS]["line"], f"a lesson has at most {MAX_STEPS} steps")

    made: list[Step] = []
    for number, step in enumerate(steps, 1):
        own = step["experiment"] and _experiment(step["experiment"], folder)
        experiment = own or (made[-1].experiment if made else None)  # a step without one goes on with the last
        check = step["check"] and _check(step["check"], folder, experiment)
        before, *rest = step["parts"]
        made.append(Step(number, step["title"], _joined(before), _joined(rest[0]) if rest else "", experiment,
                         check, step["line"], continued=experiment is not None and own is None))
    slug = match.group(2)
    prerequisites = _names(front.get("prerequisites", ("", 0))[0])
    return Lesson(slug, folder, int(match.group(1)), front["title"][0], front["summary"][0],
                  _names(front["concepts"][0]), prerequisites, minutes, _joined(intro), tuple(made))


def _place_block(name: str, block: _Block, step: dict | None, line: int, lesson: str) -> None:
    if step is None:
        raise LessonError(lesson, line, f"an {name} block belongs inside a step ('## 1. Title' first)")
    if step[name] is not None:
        raise LessonError(lesson, line, f"a step has at most one {name} block")
    if name == "experiment":
        if step["check"] is not None:
            raise LessonError(lesson, line, "a check ends its step: put the experiment before the check")
        step["parts"].append([])
    step[name] = block


def _joined(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def read_lesson(folder: Path) -> Lesson:
    """The lesson in ``folder``; LessonError for a missing, oversized, non-text or malformed lesson file."""
    name = folder.name
    path = folder / LESSON_FILE
    if path.is_symlink() or folder.is_symlink():
        raise LessonError(name, 0, f"{LESSON_FILE} must be a plain file in a plain folder, not a link")
    if not path.is_file():
        raise LessonError(name, 0, f"has no {LESSON_FILE}")
    size = path.stat().st_size
    if size > MAX_LESSON_BYTES:
        raise LessonError(name, 0, f"{LESSON_FILE} has {size:,} bytes; a lesson has at most {MAX_LESSON_BYTES:,}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise LessonError(name, line, "is not UTF-8 text") from None
    return parse_lesson(text, name)


def discover(root: Path | str = LESSONS_DIR) -> Catalogue:
    """Every lesson folder under ``root``, in the order of their numbers; a malformed lesson is left out and
    its problem reported, and the others load."""
    root = Path(root)
    lessons: list[Lesson] = []
    errors: list[LessonError] = []
    folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))),
                     key=lambda p: p.name) if root.is_dir() else []
    for folder in folders:
        try:
            lesson = read_lesson(folder)
        except LessonError as error:
            errors.append(error)
            continue
        clash = next((other for other in lessons if other.slug == lesson.slug or other.order == lesson.order), None)
        if clash:
            same = "name" if clash.slug == lesson.slug else "number"
            errors.append(LessonError(lesson.folder, 0, f"has the same {same} as {clash.folder}"))
            continue
        lessons.append(lesson)
    lessons.sort(key=lambda lesson: lesson.order)
    known = {lesson.slug: lesson.order for lesson in lessons}
    known.update({m.group(2): int(m.group(1)) for e in errors if (m := FOLDER.match(e.lesson))})
    loaded = []
    for lesson in lessons:
        missing = [p for p in lesson.prerequisites if p not in known or known[p] >= lesson.order]
        if missing:
            errors.append(LessonError(lesson.folder, _prerequisites_line(root / lesson.folder),
                                      f"prerequisite '{shown(missing[0])}' is not an earlier lesson"))
        else:
            loaded.append(lesson)
    return Catalogue(tuple(loaded), tuple(errors))


def _prerequisites_line(folder: Path) -> int:
    lines = (folder / LESSON_FILE).read_text(encoding="utf-8-sig").split("\n")
    return next((i + 1 for i, line in enumerate(lines) if line.startswith("prerequisites:")), 1)


__all__ = [
    "LABS", "LESSONS_DIR", "Catalogue", "Challenge", "Check", "ChoiceCheck", "Experiment", "Lesson", "LessonError",
    "MeasureCheck", "NumberCheck", "Option", "Requirement", "Step", "Tolerance", "Verdict", "discover", "judge",
    "parse_lesson", "read_lesson", "read_number",
]
