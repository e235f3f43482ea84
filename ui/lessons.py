"""The Lessons page's state: the catalogue of lesson folders, where the learner is (the URL), the slot each
experiment trains in, the verdicts given, and the learner's progress, which is kept in their own browser so
that it survives a reload (``ui.components.progress_store``).

Why the browser and not the embedded database: a learner is anonymous unless they join a class, and a
Streamlit session ends with the page, so the server has nothing to file an anonymous learner's progress
under; the browser does. localStorage also needs no table, no clean-up and nothing shared between the
replicas behind the load balancer. The class board (issue 12) will post results to its database from
``on_check_passed``, the one place a passed check goes through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dl_core import Run
from dl_core.analyses.metrics import NotMeasurable, measure
from dl_core.lessons import (
    LESSON_FILE, LESSONS_DIR, MAX_STEPS, Catalogue, Challenge, Lesson, Step, Verdict, discover, read_number,
)
from ui import state
from ui.components import progress_store

PAGE = "lessons"  # the registry's key of the page, and the name of its results in the session
LESSON, STEP = "lesson", "step"  # the page's URL: ?lesson=<slug>&step=<n>
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_STORED_LESSONS = 500  # what is read back from a browser's storage, at most
MAX_REACHED = 60  # characters of a stored figure ("0.052", "≤ 0.06")
PROGRESS_VERSION = 1

# the page's own entries in ``state.results(PAGE)``, named once (PROGRESS is read by tests)
PROGRESS, _LOADED, _VERDICTS, _REVEALED, _POSTED = "progress", "loaded", "verdicts", "revealed", "posted"


# ---------------------------------------------------------------- the catalogue


def _fingerprint() -> tuple[tuple[str, int, int], ...]:
    """Every lesson file's name, time and size: a new, changed or removed folder makes a new catalogue."""
    entries = []
    for folder in sorted(LESSONS_DIR.iterdir()) if LESSONS_DIR.is_dir() else []:
        try:
            stat = (folder / LESSON_FILE).stat()
            entries.append((folder.name, stat.st_mtime_ns, stat.st_size))
        except OSError:
            entries.append((folder.name, 0, 0))
    return tuple(entries)


@st.cache_resource(show_spinner=False, max_entries=2)
def _discovered(fingerprint: tuple) -> Catalogue:
    return discover(LESSONS_DIR)  # immutable lessons, the same for every learner: safe to share


def catalogue() -> Catalogue:
    """Every lesson folder, read again whenever a teacher adds or edits one (no restart, no Python)."""
    return _discovered(_fingerprint())


def position(lessons: Catalogue) -> tuple[str, Lesson | None, int]:
    """Where the URL says the learner is: (the slug asked for, its lesson or None, the step number, clamped)."""
    slug = str(st.query_params.get(LESSON, "")).strip()[:100]
    lesson = lessons.named(slug) if slug else None
    try:
        number = int(str(st.query_params.get(STEP, "1")).strip()[:4])
    except ValueError:
        number = 1
    if lesson is not None:
        number = min(max(number, 1), len(lesson.steps))
    return slug, lesson, number


def go(slug: str | None = None, number: int = 1) -> None:
    """Moves the learner (a button's callback): to a lesson's step, or back to the list when ``slug`` is None."""
    if slug is None:
        st.query_params.clear()
    else:
        st.query_params.from_dict({LESSON: slug, STEP: str(number)})


def mirror(lesson: Lesson | None, number: int = 1) -> None:
    """The URL shows where the learner is, so the address bar is a link to this step. Written on every run:
    a page link's query reaches the script but not the address bar (streamlit 1.67), so an unchanged
    ``st.query_params`` does not mean the browser shows it."""
    st.query_params.from_dict({LESSON: lesson.slug, STEP: str(number)} if lesson is not None else {})


# ---------------------------------------------------------------- the experiment a step trains


def experiment_slot(lesson: Lesson, number: int) -> str | None:
    """The slot of the network step ``number`` shows: one for each experiment a lesson opens, carried on by
    the steps after it that continue it (the learner keeps the same run)."""
    step = lesson.step(number)
    if step.experiment is None:
        return None
    while step.continued and step.number > 1:
        step = lesson.step(step.number - 1)
    return f"{PAGE}.{lesson.slug}.{step.number}"


def open_experiment(lesson: Lesson, number: int) -> str | None:
    """The step's slot, filled with its experiment's preset the first time, with its own hidden and locked
    settings (a teacher's link on another page does not reach it)."""
    name = experiment_slot(lesson, number)
    if name is not None and not state.has_slot(name):
        restore(lesson, number)
    return name


def restore(lesson: Lesson, number: int) -> None:
    """The step's network back at the lesson's preset (its run follows on the next draw)."""
    experiment = lesson.step(number).experiment
    spec = experiment.spec
    state.put(experiment_slot(lesson, number), spec,
              room=state.locked_room(spec, frozenset(experiment.hide), frozenset(experiment.lock)))


# ---------------------------------------------------------------- progress


@dataclass
class LessonProgress:
    """One lesson's progress: the steps seen, and each passed check with what the learner reached."""

    visited: set[int] = field(default_factory=set)
    passed: dict[int, str] = field(default_factory=dict)  # step → the figure reached, or the answer given

    def done(self, lesson: Lesson) -> list[int]:
        """The steps seen whose check, if they have one, is passed."""
        return [s.number for s in lesson.steps
                if s.number in self.visited and (s.check is None or s.number in self.passed)]

    def checks_passed(self, lesson: Lesson) -> int:
        return sum(1 for number, _ in lesson.checks if number in self.passed)

    def next_step(self, lesson: Lesson) -> int:
        """Where "continue" leads: the first step not done yet (the first step when all are done)."""
        done = set(self.done(lesson))
        return next((s.number for s in lesson.steps if s.number not in done), 1)


def progress() -> dict[str, LessonProgress]:
    """This learner's progress by lesson slug (this session's, merged with what their browser kept)."""
    return state.results(PAGE).setdefault(PROGRESS, {})


def progress_of(slug: str) -> LessonProgress:
    return progress().setdefault(slug, LessonProgress())


def visit(lesson: Lesson, number: int) -> None:
    progress_of(lesson.slug).visited.add(number)


def to_stored(kept: dict[str, LessonProgress]) -> dict[str, Any]:
    """Progress as the JSON the browser keeps."""
    return {"version": PROGRESS_VERSION, "lessons": {
        slug: {"visited": sorted(p.visited), "passed": {str(n): reached for n, reached in sorted(p.passed.items())}}
        for slug, p in sorted(kept.items()) if p.visited or p.passed}}


def from_stored(raw: Any) -> dict[str, LessonProgress]:
    """Progress read back from the browser: untrusted JSON, so anything unexpected is left out."""
    lessons = raw.get("lessons") if isinstance(raw, dict) else None
    if not isinstance(lessons, dict):
        return {}
    read: dict[str, LessonProgress] = {}
    for slug, entry in list(lessons.items())[:MAX_STORED_LESSONS]:
        if not (isinstance(slug, str) and len(slug) <= 100 and SLUG.match(slug) and isinstance(entry, dict)):
            continue
        visited, passed = entry.get("visited"), entry.get("passed")
        kept = LessonProgress()
        if isinstance(visited, list):
            kept.visited = {n for n in visited[:MAX_STEPS] if type(n) is int and 1 <= n <= MAX_STEPS}
        if isinstance(passed, dict):
            kept.passed = {int(n): reached[:MAX_REACHED] for n, reached in list(passed.items())[:MAX_STEPS]
                           if isinstance(n, str) and n.isdigit() and 1 <= int(n) <= MAX_STEPS
                           and isinstance(reached, str)}
        if kept.visited or kept.passed:
            read[slug] = kept
    return read


def merge(into: dict[str, LessonProgress], other: dict[str, LessonProgress]) -> None:
    """Adds ``other`` to ``into``: steps seen in either, checks passed in either (this session's figure wins)."""
    for slug, theirs in other.items():
        mine = into.setdefault(slug, LessonProgress())
        mine.visited |= theirs.visited
        mine.passed = {**theirs.passed, **mine.passed}


def load_progress() -> None:
    """Takes in what the browser kept, once a session, as soon as its copy arrives (a rerun after the first)."""
    results = state.results(PAGE)
    if results.get(_LOADED):
        return
    stored = progress_store.stored(state.widget_key(PAGE, "progress_store"))
    if stored is not None:
        merge(progress(), from_stored(stored))
        results[_LOADED] = True


def save_progress() -> None:
    """Mounts the browser's store; it writes this session's progress only once the browser's own copy has
    been merged in, so a reload never overwrites a learner's progress with an empty session's."""
    results = state.results(PAGE)
    progress_store.mount(state.widget_key(PAGE, "progress_store"),
                         to_stored(progress()) if results.get(_LOADED) else None)


# ---------------------------------------------------------------- verdicts and the class board's hook


def verdict(lesson: Lesson, number: int) -> Verdict | None:
    """The last verdict on this step's check in this session."""
    return state.results(PAGE).setdefault(_VERDICTS, {}).get((lesson.slug, number))


def give_verdict(lesson: Lesson, step: Step, given: Verdict, run: Run | None = None) -> None:
    state.results(PAGE).setdefault(_VERDICTS, {})[(lesson.slug, step.number)] = given
    state.results(PAGE).setdefault(_REVEALED, {}).pop((lesson.slug, step.number), None)
    if given.passed:
        on_check_passed(lesson, step, given, run)


def revealed(lesson: Lesson, number: int) -> str | None:
    """The measured answer shown after a wrong one, if the learner asked for it."""
    return state.results(PAGE).setdefault(_REVEALED, {}).get((lesson.slug, number))


def reveal(lesson: Lesson, number: int, text: str) -> None:
    state.results(PAGE).setdefault(_REVEALED, {})[(lesson.slug, number)] = text


def on_check_passed(lesson: Lesson, step: Step, passed: Verdict, run: Run | None) -> None:
    """Called each time a learner passes a check: ``passed`` is the engine's verdict (``reached`` is the figure
    or the answer), ``run`` the learner's run for a measure or a challenge (None for a question). Records the
    learner's progress (their browser keeps it) and, when they have joined a class, posts the result to the class
    board (``posted`` then says what became of it)."""
    from ui.class_membership import post_result, run_link

    progress_of(lesson.slug).passed[step.number] = (passed.reached or "passed")[:MAX_REACHED]
    challenge = step.check if isinstance(step.check, Challenge) else None
    figure = read_number(passed.reached)  # as written in the verdict; a challenge's own metric at full precision
    if challenge is not None and run is not None:
        try:
            figure = measure(challenge.metric, run)
        except NotMeasurable:
            pass
    lower_is_better = challenge is not None and challenge.target is not None and challenge.target.op in ("<", "<=")
    link = run_link(step.experiment.lab, run.spec) if run is not None and step.experiment is not None else None
    sent = post_result(f"{lesson.slug}/{step.number}", 1.0 if figure is None else figure, lower_is_better, link)
    state.results(PAGE).setdefault(_POSTED, {})[(lesson.slug, step.number)] = sent


def posted(lesson: Lesson, number: int) -> str | None:
    """What became of this step's result on the class board in this session (None: not in a class)."""
    return state.results(PAGE).setdefault(_POSTED, {}).get((lesson.slug, number))