"""What the Lessons page draws: the list of lessons with the learner's progress, and one step of a lesson
with its text, its experiment (a lab's own view on the step's slot, with only the controls the step
leaves the learner), its check and the way on.

A lesson's text is its author's Markdown (a teacher's folder), drawn as Markdown and never as HTML; a
learner's answers, figures from their browser's storage, what a URL asked for and the messages about a
malformed lesson are shown as plain text.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from dl_core import Run, fields_of, to_query
from dl_core.analyses.metrics import METRICS, NAME, NotMeasurable, measure
from dl_core.lessons import Catalogue, Challenge, Check, ChoiceCheck, Lesson, MeasureCheck, NumberCheck, Step, judge
from dl_core.specs.fields import Field, Several
from ui import lessons, state
from ui.controls import draw_field, plain, show_problems
from ui.live import live_panel
from ui.page import guarded
from ui.registry import Lab, lab, lab_view

CHECK_LABELS = {"choice": "Question", "number": "Question", "measure": "About your run", "challenge": "Challenge"}
CONTROL_COLUMNS = 2  # wide enough for a row of hidden layers at 1024 px
OPEN_CONTROLS = 6  # a step that leaves more settings than this shows them folded


def key(lesson: Lesson, number: int, *parts: object) -> str:
    """The key of a widget of a lesson's step (its check, its navigation)."""
    return state.widget_key(lessons.PAGE, lesson.slug, number, *parts)


def _titles(catalogue: Catalogue, slugs: tuple[str, ...]) -> str:
    named = [catalogue.named(slug) for slug in slugs]
    return ", ".join(plain(f"{found.order}. {found.title}") for found in named if found)


# ---------------------------------------------------------------- the list


def lesson_list(catalogue: Catalogue, missing: str = "") -> None:
    """Every lesson in order with its concepts, minutes, prerequisites and the learner's progress."""
    if missing:
        st.warning(f"There is no lesson named “{plain(missing)}”. Choose one below.", icon=":material/search_off:")
    kept = lessons.progress()
    total = sum(len(lesson.checks) for lesson in catalogue.lessons)
    passed = sum(kept[lesson.slug].checks_passed(lesson) for lesson in catalogue.lessons if lesson.slug in kept)
    st.caption("Each lesson ties one idea to an experiment you run yourself, step by step, and ends its steps with "
               "a question or a challenge judged on your own network. Your progress is kept in this browser.")
    st.progress(passed / total if total else 0.0,
                text=f"{passed} of {total} checks passed across {len(catalogue.lessons)} lessons")
    for lesson in catalogue.lessons:
        lesson_card(catalogue, lesson, kept.get(lesson.slug))
    if catalogue.errors:
        st.warning("These lesson folders could not be read, so they are left out (the others load):\n\n"
                   + "\n".join(f"- {plain(str(error))}" for error in catalogue.errors),
                   icon=":material/report:")


def lesson_card(catalogue: Catalogue, lesson: Lesson, kept: lessons.LessonProgress | None) -> None:
    steps, checks = len(lesson.steps), len(lesson.checks)
    done = kept.done(lesson) if kept else []
    passed = kept.checks_passed(lesson) if kept else 0
    with st.container(border=True):
        about, status = st.columns([3, 1.1], vertical_alignment="center")
        about.markdown(f"#### {lesson.order}. {plain(lesson.title)}")
        about.markdown(plain(lesson.summary))
        facts = [f"**{lesson.minutes} minutes**", f"{steps} steps", f"concepts: {plain(', '.join(lesson.concepts))}"]
        if lesson.prerequisites:
            facts.append(f"after: {_titles(catalogue, lesson.prerequisites)}")
        about.caption(" · ".join(facts))
        if not kept or not kept.visited:
            label, icon, number = "Start", ":material/play_arrow:", 1
            status.caption("Not started")
        else:
            complete = len(done) == steps
            label, icon = ("Review", ":material/replay:") if complete else ("Continue", ":material/arrow_forward:")
            number = kept.next_step(lesson)
            status.caption(f"{len(done)} of {steps} steps done · {passed} of {checks} checks passed")
            status.progress(len(done) / steps)
        status.page_link(lab(lessons.PAGE).script, label=label, icon=icon, width="stretch",
                         query_params={lessons.LESSON: lesson.slug, lessons.STEP: str(number)},
                         help=f"Open lesson {lesson.order} at step {number}")


# ---------------------------------------------------------------- a lesson's step


def lesson_page(catalogue: Catalogue, lesson: Lesson, number: int) -> None:
    """One step of a lesson: where it is, its text, its experiment and check, and the way on."""
    step = lesson.step(number)
    lessons.visit(lesson, number)
    st.subheader(f"Lesson {lesson.order}: {plain(lesson.title)}")
    st.caption(f"Step {number} of {len(lesson.steps)} · {lesson.minutes} minutes in all · "
               f"concepts: {plain(', '.join(lesson.concepts))}"
               + (f" · after: {_titles(catalogue, lesson.prerequisites)}" if lesson.prerequisites else ""))
    st.progress(number / len(lesson.steps))
    if number == 1 and lesson.intro:
        st.markdown(lesson.intro)
    st.markdown(f"### {number}. {step.title}")  # the author's Markdown, as the text below
    if step.text:
        st.markdown(step.text)
    slot = lessons.open_experiment(lesson, number)
    if slot is not None:
        experiment_view(lesson, number, slot)
    if step.after:
        st.markdown(step.after)
    if step.check is not None:
        check_view(lesson, step, slot)
    st.divider()
    step_navigation(catalogue, lesson, number)
    steps_sidebar(lesson, number, lessons.progress_of(lesson.slug))  # last: it marks a check passed in this run


def steps_sidebar(lesson: Lesson, number: int, kept: lessons.LessonProgress) -> None:
    """Every step of the lesson, marked when done; the current one highlighted."""
    st.sidebar.button("All lessons", icon=":material/list:", key=key(lesson, 0, "list"), width="stretch",
                      on_click=lessons.go, help="Back to the list of lessons and your progress")
    st.sidebar.subheader(f"{lesson.order}. {plain(lesson.title)}", divider="gray")
    done = set(kept.done(lesson))
    for step in lesson.steps:
        icon = ":material/check_circle:" if step.number in done else ":material/radio_button_unchecked:"
        what = CHECK_LABELS[step.check.kind].lower() if step.check else "reading"
        st.sidebar.button(f"{step.number}. {plain(step.title)}", icon=icon, key=key(lesson, step.number, "jump"),
                          type="primary" if step.number == number else "secondary", width="stretch",
                          on_click=lessons.go, args=(lesson.slug, step.number),
                          help=f"Go to step {step.number} ({what}; {'done' if step.number in done else 'not done'})")


def step_navigation(catalogue: Catalogue, lesson: Lesson, number: int) -> None:
    back, middle, forward = st.columns(3)
    if number > 1:
        back.button(f"Previous: {plain(lesson.step(number - 1).title)}", icon=":material/arrow_back:",
                    key=key(lesson, number, "previous"), width="stretch", wrap=True, on_click=lessons.go,
                    args=(lesson.slug, number - 1), help=f"Step {number - 1} of this lesson")
    middle.button("All lessons", icon=":material/list:", key=key(lesson, number, "list"), width="stretch",
                  on_click=lessons.go, help="The list of lessons, with your progress")
    if number < len(lesson.steps):
        forward.button(f"Next: {plain(lesson.step(number + 1).title)}", icon=":material/arrow_forward:",
                       key=key(lesson, number, "next"), type="primary", width="stretch", wrap=True, on_click=lessons.go,
                       args=(lesson.slug, number + 1), help=f"Step {number + 1} of this lesson")
        return
    later = [other for other in catalogue.lessons if other.order > lesson.order]
    if later:
        forward.button(f"Next lesson: {plain(later[0].title)}", icon=":material/arrow_forward:",
                       key=key(lesson, number, "next_lesson"), type="primary", width="stretch", wrap=True,
                       on_click=lessons.go,
                       args=(later[0].slug, 1), help=f"Lesson {later[0].order}, from its first step")


# ---------------------------------------------------------------- the experiment


def embedded(lab_key: str, kind: str) -> tuple[str, Callable[[str], None] | None, Lab | None]:
    """(the lab whose view the step draws, its ``show``, the step's own lab when that one cannot be embedded yet
    and its kind's lab trains the network instead)."""
    try:
        wanted: Lab | None = lab(lab_key)
    except KeyError:
        wanted = None
    if wanted is not None and wanted.view:
        return wanted.key, lab_view(wanted.key), None
    try:
        own = lab(kind)
    except KeyError:
        return "", None, wanted
    return own.key, (lab_view(own.key) if own.view else None), wanted


def experiment_view(lesson: Lesson, number: int, slot: str) -> None:
    experiment = lesson.step(number).experiment
    shown_lab, show, linked = embedded(experiment.lab, experiment.kind)
    experiment_controls(lesson, number, slot, shown_lab)
    show_problems(slot)
    if linked is not None:
        st.info(f"The {linked.title} lab cannot be shown inside a lesson yet, so this step trains your network "
                f"here. To look inside it, open the same network in the {linked.title} lab: it trains its own copy "
                "from the same seed.", icon=":material/open_in_new:")
        st.page_link(linked.script, label=f"Open this network in the {linked.title} lab", icon=linked.icon,
                     query_params=to_query(state.current(slot).valid),
                     help="Opens the lab with this step's settings; your run here stays as it is")
    if show is not None:
        guarded(show)(slot)
    else:
        live_panel(slot, lambda run: None)


def wide(f: Field) -> bool:
    """A control that needs the step's whole width: a row of pills, or a list a lab draws in its main area."""
    return isinstance(f.control, Several) or bool(getattr(f.control, "edited_on", ""))


def experiment_controls(lesson: Lesson, number: int, slot: str, shown_lab: str) -> None:
    """The settings the step leaves the learner, in the main area: hidden ones are not drawn, locked ones are
    drawn but cannot change, and a setting the lab's view draws itself (the Builder's layers) is left to it."""
    experiment = lesson.step(number).experiment
    draft = state.current(slot).draft
    fields = [f for f in fields_of(draft) if f.key not in experiment.hide and f.applies(draft)
              and getattr(f.control, "edited_on", "") != shown_lab]
    if not fields:  # the lesson hides every setting: the network is only trained
        return
    locked = sum(1 for f in fields if f.key in experiment.lock)
    title = (f"This step's network: {len(fields) - locked} setting{'s' if len(fields) - locked != 1 else ''} to "
             f"try" + (f", {locked} fixed" if locked else ""))
    with st.expander(title, expanded=len(fields) <= OPEN_CONTROLS, icon=":material/tune:"):
        note, restart = st.columns([3, 1], vertical_alignment="center")
        note.caption("Greyed-out settings are fixed by this lesson; the checks judge your run with them."
                     if locked else "Change what the step asks for; the checks judge your run as it is.")
        restart.button("Restore", icon=":material/settings_backup_restore:",
                       key=key(lesson, number, "restore"), width="stretch",
                       on_click=lessons.restore, args=(lesson, number),
                       help="Puts every setting of this step back to the lesson's values; the network starts again "
                            "if its shape changed")
        narrow: list = []
        for f in fields + [None]:
            if f is not None and not wide(f):
                narrow.append(f)
                continue
            columns = st.columns(CONTROL_COLUMNS) if narrow else []
            for k, each in enumerate(narrow):  # side by side, in the field table's order
                draw_field(slot, each, columns[k % CONTROL_COLUMNS])
            narrow = []
            if f is not None:
                draw_field(slot, f, st.container())


# ---------------------------------------------------------------- the check


def check_view(lesson: Lesson, step: Step, slot: str | None) -> None:
    check = step.check
    kept = lessons.progress_of(lesson.slug)
    with st.container(border=True):
        st.markdown(f"**{CHECK_LABELS[check.kind]}.** {check.question}")
        run = state.live(slot).run if check.needs_run and slot is not None else None
        guarded(ANSWER[type(check)])(lesson, step, run)
        given = lessons.verdict(lesson, step.number)
        if given is not None:
            show_verdict(given)
            board = lessons.posted(lesson, step.number)
            if given.passed and board:
                st.caption(plain(board))
            if isinstance(check, MeasureCheck) and not given.passed and given.reached and run is not None:
                reveal(lesson, step, run)
        elif step.number in kept.passed:
            st.success(f"You passed this check earlier ({plain(kept.passed[step.number])}).",
                       icon=":material/check_circle:")


def show_verdict(given) -> None:
    if given.passed:
        st.success(plain(given.message), icon=":material/check_circle:")
    else:
        st.warning(plain(given.message), icon=":material/lightbulb:")


def _judged(lesson: Lesson, step: Step, answer=None, run: Run | None = None) -> None:
    given = judge(step.check, answer, run, step.experiment)
    lessons.give_verdict(lesson, step, given, run)


def choice_answer(lesson: Lesson, step: Step, run: Run | None) -> None:
    check: ChoiceCheck = step.check
    with st.form(key(lesson, step.number, "form"), border=False):
        answer = st.radio("Your answer", [o.text for o in check.options], index=None,
                          key=key(lesson, step.number, "answer"),
                          help="Choose one answer, then check it")
        if st.form_submit_button("Check my answer", icon=":material/fact_check:", type="primary",
                                 key=key(lesson, step.number, "submit"), help="Tells you whether it is right, and why"):
            _judged(lesson, step, answer)


def number_answer(lesson: Lesson, step: Step, run: Run | None) -> None:
    with st.form(key(lesson, step.number, "form"), border=False):
        answer = st.text_input("Your answer", key=key(lesson, step.number, "answer"), max_chars=40,
                               placeholder="A number, such as 0.25 or 1,898",
                               help="A number: a decimal point, and commas for thousands if you like (95% is 0.95)")
        if st.form_submit_button("Check my answer", icon=":material/fact_check:", type="primary",
                                 key=key(lesson, step.number, "submit"), help="Tells you whether it is right, and why"):
            _judged(lesson, step, answer)


def measure_answer(lesson: Lesson, step: Step, run: Run | None) -> None:
    """A question about the learner's run: the engine measures the answer when they submit theirs."""
    check: MeasureCheck = step.check
    info = METRICS[check.metric]
    if check.min_steps:
        st.caption(f"Train for at least {check.min_steps:,} steps first (so far: {run.trainer.step_count:,}).")
    with st.form(key(lesson, step.number, "form"), border=False):
        if info.kind == NAME:
            try:
                options = check.choices(run)
            except NotMeasurable as why:  # the learner changed the data: say so, and the form stays usable
                st.info(plain(f"This run has no {info.label.removeprefix('the ')}: {why}."), icon=":material/info:")
                options = []
            answer = st.radio("Your answer", options, index=None, horizontal=len(options) <= 12,
                              key=key(lesson, step.number, "answer"),
                              help=f"Choose {info.label} as you read it on your run")
        else:
            answer = st.text_input("Your answer", key=key(lesson, step.number, "answer"), max_chars=40,
                                   placeholder="A number, such as 0.25 or 1,898",
                                   help=f"{info.label[0].upper()}{info.label[1:]} as you read it on your run")
        if st.form_submit_button("Check my answer", icon=":material/fact_check:", type="primary",
                                 key=key(lesson, step.number, "submit"),
                                 help="Measures your run now and compares it with your answer"):
            _judged(lesson, step, answer, run)


def challenge_answer(lesson: Lesson, step: Step, run: Run | None) -> None:
    check: Challenge = step.check
    st.caption(plain(f"Goal: {check.goal}" + (f", after at least {check.min_steps:,} steps" if check.min_steps
                                                else "") + f". Your run is at step {run.trainer.step_count:,}."))
    if st.button("Check my run", icon=":material/verified:", type="primary", key=key(lesson, step.number, "submit"),
                 help="Judges your network as it is now: its settings and what it reached"):
        _judged(lesson, step, run=run)


def reveal(lesson: Lesson, step: Step, run: Run) -> None:
    """After a wrong answer about their run, the learner may ask for the measured value."""
    shown = lessons.revealed(lesson, step.number)
    if shown is not None:
        st.info(plain(shown), icon=":material/visibility:")
        return
    if st.button("Show the answer", icon=":material/visibility:", key=key(lesson, step.number, "reveal"),
                 help="Measures your run and shows the value; then type it to pass"):
        info = METRICS[step.check.metric]
        try:
            value = info.written(measure(info.name, run))
            text = f"On your run at step {run.trainer.step_count:,}, {info.label} is {value}."
        except NotMeasurable as why:
            text = f"This run has no {info.label.removeprefix('the ')}: {why}."
        lessons.reveal(lesson, step.number, text)
        st.rerun()


ANSWER: dict[type[Check], Callable[[Lesson, Step, Run | None], None]] = {
    ChoiceCheck: choice_answer,
    NumberCheck: number_answer,
    MeasureCheck: measure_answer,
    Challenge: challenge_answer,
}
