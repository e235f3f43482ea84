"""The Class page: a teacher creates a class and watches its board; learners join with the class code and a
nickname, and see their own results and the class's anonymous summary. Who may read what is the board's rule
(``dl_core.board.store``); this page only asks, with the keys the session holds.

The page's URL (its own keys, next to no spec):

- ``?class=CODE``: the join form with the code filled in (the link a teacher hands out);
- ``?class=CODE&teacher=SECRET``: the teacher's board;
- ``?learner=TOKEN``: a learner's own page.

Why a learner's token may sit in the URL: it is that learner's own key and opens nothing but their own
results and the class's anonymous summary (never the board, never another learner's results), and it holds
no personal data. In the URL it survives a reload, a bookmark and the next lesson day; the cost is that
anyone who sees the address can post as that nickname. The teacher's secret is in the URL for the same
reason (a reload keeps the board), and it opens the board: the page says to keep it private, and both are
stored by the board only as hashes. Neither is ever sent to another site: the page links only to its own app.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timezone
from urllib.parse import parse_qsl

import streamlit as st

from dl_core.board import BadToken, CheckSummary, Refused, Result, TeacherBoard, WrongSecret
from dl_core.board import rules
from dl_core.viz.board import check_spread
from ui import state, url
from ui.class_membership import board
from ui.controls import plain
from ui.page import guarded
from ui.registry import HOME, LABS, lab

PAGE = "class"  # the registry's key of the page
CLASS, TEACHER, LEARNER = "class", "teacher", "learner"  # the page's URL keys
BOARD_EVERY, SUMMARY_EVERY = 3.0, 10.0  # seconds between refreshes of the teacher's board and a learner's page
PAGE_PATH = lab(PAGE).url_path
APP_PAGES = frozenset(entry.url_path for entry in (HOME, *LABS))  # where a run link may lead
REFUSED = ":material/block:"


def show() -> None:
    """The page: whoever the session (or a link) says this is, their view; else the join and create forms."""
    query = st.query_params.to_dict()
    refused = arrive(query)
    if refused:
        st.error(plain(refused), icon=REFUSED)
    keys, token = state.teacher_keys(), state.class_token()
    if keys is not None:
        teacher_view(*keys)
    elif token is not None:
        learner_view(token, _code_in(query))
    else:
        start_view(_code_in(query))
    mirror(_code_in(query))


# ---------------------------------------------------------------- links in, links out


def arrive(query: dict[str, str]) -> str | None:
    """Adopts the keys a link brings that this session does not hold yet, once the board has accepted them;
    returns the board's refusal (a wrong secret, a bad code, a dead token) as a sentence. A refused link changes
    nothing: a learner who tries a teacher link stays the learner they were."""
    secret, token = query.get(TEACHER), query.get(LEARNER)
    try:
        if secret is not None:
            code = rules.class_code(query.get(CLASS, ""))
            if (code, secret) != state.teacher_keys():
                board().board(code, secret)  # raises WrongSecret unless this secret opens this class's board
                state.set_teacher_keys((code, secret))
        if token is not None and token != state.class_token():
            board().learner(token)
            state.set_class_token(token)
    except Refused as refused:
        return str(refused)
    return None


def _code_in(query: dict[str, str]) -> str | None:
    """The class code a link carries, if it is one (to fill in the join form)."""
    try:
        return rules.class_code(query.get(CLASS, ""))
    except Refused:
        return None


def mirror(code: str | None) -> None:
    """Writes the session's keys into the URL, so a reload opens the same view (see the module's docstring)."""
    keys, token = state.teacher_keys(), state.class_token()
    if keys is not None:
        query = {CLASS: keys[0], TEACHER: keys[1]}
    elif token is not None:
        query = {LEARNER: token}
    else:
        query = {CLASS: code} if code else {}
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def app_link(link: str | None) -> str | None:
    """A stored run link as an absolute link to one of this app's own pages, or None. The link is checked again
    (``rules.run_link``) and its page must be in the registry: a board never shows a link out of the app."""
    try:
        link = rules.run_link(link)
    except Refused:
        return None
    if link is None:
        return None
    path, _, query = link.partition("#")[0].partition("?")
    page = path.removeprefix("/")
    if page not in APP_PAGES:
        return None
    return url.link_to(page, dict(parse_qsl(query, keep_blank_values=True)))


# ---------------------------------------------------------------- no class yet: join or create


def start_view(code_from_link: str | None) -> None:
    """Two forms side by side: learners join, teachers start a class."""
    join, create = st.columns(2, gap="large")
    with join.container(border=True):
        st.subheader(":material/login: Join your class")
        st.caption("Type the code your teacher shows and a nickname. The board keeps your nickname and the "
                   "results of the checks you pass, nothing else: don't use your full name.")
        code_key = state.widget_key(PAGE, "code")
        if code_from_link and state.widget_value(code_key) is None:
            state.set_widget(code_key, code_from_link)
        with st.form(state.widget_key(PAGE, "join")):
            code = st.text_input("Class code", key=code_key, max_chars=2 * rules.CODE_LENGTH,
                                 placeholder="e.g. K7M 2QX")
            nickname = st.text_input("Nickname", key=state.widget_key(PAGE, "nickname"), max_chars=rules.NICKNAME_MAX,
                                     help=f"{rules.NICKNAME_MIN} to {rules.NICKNAME_MAX} letters, digits, spaces or "
                                          "- _ . ' ; your teacher sees it next to your results")
            if st.form_submit_button("Join", icon=":material/login:", type="primary"):
                _act(lambda: state.set_class_token(board().join(code, nickname)))
    with create.container(border=True):
        st.subheader(":material/school: Start a class")
        st.caption("For teachers: you get a short code for your learners and a private link to your class's "
                   "board, where you see who passed which check, how the figures spread and everyone's best runs.")
        with st.form(state.widget_key(PAGE, "create")):
            name = st.text_input("Class name", key=state.widget_key(PAGE, "name"), max_chars=rules.CLASS_NAME_MAX,
                                 placeholder="e.g. Physics 10B")
            if st.form_submit_button("Create the class", icon=":material/add:", type="primary"):
                _act(lambda: state.set_teacher_keys(tuple(board().create_class(name))))


def _act(action) -> None:
    """Runs a join or a create: on success the page reruns as the learner's or teacher's view; a refusal is
    shown under the form, whose fields keep what was typed."""
    try:
        action()
    except Refused as refused:
        st.error(plain(str(refused)), icon=REFUSED)
        return
    st.rerun()


# ---------------------------------------------------------------- the teacher's board


def teacher_view(code: str, secret: str) -> None:
    """The class at a glance, refreshed every few seconds while the page is open."""
    top, leave = st.columns([5, 1], vertical_alignment="center")
    top.caption("Your class's board. Every few seconds it shows the newest results.")
    if leave.button("Close this board", icon=":material/logout:", key=state.widget_key(PAGE, "close"),
                    help="Forget the board in this browser tab; your teacher link opens it again"):
        state.set_teacher_keys(None)
        st.rerun()
    with st.expander("Links: one for your learners, one for you (keep it private)", icon=":material/link:"):
        st.caption("Learners open this link, or this page, and type the code:")
        st.code(url.link_to(PAGE_PATH, {CLASS: code}), language=None, wrap_lines=True)
        st.caption("Your teacher link opens this board from any browser. Anyone who has it sees the board, and it "
                   "is in your address bar: project the page, not the address bar.")
        st.code(url.link_to(PAGE_PATH, {CLASS: code, TEACHER: secret}), language=None, wrap_lines=True)

    @st.fragment(run_every=BOARD_EVERY)
    @guarded
    def live_board() -> None:
        try:
            shown = board().board(code, secret)
        except WrongSecret as refused:  # the class is gone from the database
            st.error(plain(str(refused)), icon=REFUSED)
            return
        draw_board(shown, datetime.now(timezone.utc))

    live_board()


def code_banner(code: str) -> None:
    """The class code large enough to read from the back of a classroom. Drawn as HTML, which nothing typed ever
    is: the code is checked here against the 31 letters and digits codes are made of."""
    code = rules.class_code(code)
    half = '<span style="margin: 0 .12em">{}</span>'
    st.html(f'<div style="font: 700 7rem/1.05 ui-monospace, Menlo, Consolas, monospace; letter-spacing: .06em; '
            f'color: #0877bd; text-align: center; white-space: nowrap">'
            f'{half.format(code[:3])}{half.format(code[3:])}</div>')


def draw_board(shown: TeacherBoard, now: datetime) -> None:
    """The board's sections: the class and its code, who passed what, how the figures spread, the best runs."""
    head, counts = st.columns([3, 2], vertical_alignment="center")
    with head:
        st.subheader(plain(shown.name), anchor=False)
        st.markdown("Learners join on the **Class** page with the code")
        code_banner(shown.code)
    passes = sum(b.passed for b in shown.best)
    counts.metric("Learners", len(shown.nicknames))
    counts.metric("Checks tried", len(shown.checks))
    counts.metric("Checks passed", f"{passes} of {len(shown.best)}" if shown.best else "0",
                   help="Learner × check pairs with a pass, of those tried")
    if not shown.nicknames:
        st.info("Nobody has joined yet. Learners open the Class page, choose Join your class and type the code.",
                icon=":material/hourglass_empty:")
        return
    st.subheader("Who passed what", anchor=False)
    st.table(passed_grid(shown), hide_index=True)
    if not shown.checks:
        st.info("No results yet: they appear here as learners pass the checks of the lessons.",
                icon=":material/hourglass_empty:")
        return
    spread, best = st.columns([3, 2], gap="large")
    with spread:
        st.subheader("How the figures spread", anchor=False)
        st.caption("Each learner's best figure on each check; hover a dot for the nickname.")
        st.plotly_chart(teacher_spread(shown), key=state.widget_key(PAGE, "spread"), config={"displaylogo": False})
    with best:
        st.subheader("Best runs", anchor=False)
        st.caption("The best three on each check; open a run to see it trained from the same seed.")
        st.table(best_runs(shown), hide_index=True)
    with st.expander(f"Every learner's best run on each check ({len(shown.best)})", icon=":material/list:"):
        st.dataframe(every_best(shown, now), hide_index=True, key=state.widget_key(PAGE, "every"),
                     column_config={"run": st.column_config.LinkColumn("run", display_text="open run")})


def _figure(value: float) -> str:
    return f"{value:.4g}"


def mark(passed: bool, figure: float) -> str:
    """A cell of the board's tables (Markdown: made of a number and our own signs, nothing typed)."""
    return f":green[✓ {_figure(figure)}]" if passed else f":orange[✗ {_figure(figure)}]"


def passed_grid(shown: TeacherBoard) -> dict[str, list[str]]:
    """Learners down, checks across: ✓ and the best figure where passed, ✗ and it where tried, blank where not.
    For ``st.table``, which reads Markdown in every cell and header: nicknames and check names go through
    ``plain``."""
    checks = [c.check for c in shown.checks]

    def cell(nickname: str, check: str) -> str:
        best = shown.best_of(nickname, check)
        if best is None:
            return ""
        tries = f" ({best.attempts} tries)" if best.attempts > 1 else ""
        return mark(best.passed, best.figure) + tries

    grid = {"Learner": [plain(n) for n in shown.nicknames],  # capitalised: no check name (lower case) can collide
            "Passed": [f"{len(shown.passed_checks(n))} of {len(checks)}" for n in shown.nicknames]}
    grid |= {plain(check): [cell(n, check) for n in shown.nicknames] for check in checks}
    return grid


def teacher_spread(shown: TeacherBoard):
    per_check = [[b for b in shown.best if b.check == c.check] for c in shown.checks]
    return check_spread([c.check for c in shown.checks], [[b.figure for b in bs] for bs in per_check],
                        [c.lower_is_better for c in shown.checks], names=[[b.nickname for b in bs] for bs in per_check])


def run_cell(link: str | None) -> str:
    """A run link as a Markdown link into this app, or a dash (``app_link`` leaves only characters urlencode
    writes, so the link cannot close the Markdown around it)."""
    target = app_link(link)
    return f"[open run]({target})" if target else "–"


def best_runs(shown: TeacherBoard) -> dict[str, list[str]]:
    """The best three on each check, for ``st.table`` (Markdown: typed text through ``plain``)."""
    rows = [(c.check, rank, b) for c in shown.checks for rank, b in enumerate(shown.best_runs(c.check), start=1)]
    return {"check": [plain(c) if r == 1 else "" for c, r, _ in rows], "rank": [str(r) for _, r, _ in rows],
            "learner": [plain(b.nickname) for *_, b in rows], "figure": [mark(b.passed, b.figure) for *_, b in rows],
            "run": [run_cell(b.run_link) for *_, b in rows]}


def every_best(shown: TeacherBoard, now: datetime) -> dict[str, list]:
    rows = sorted(shown.best, key=lambda b: (b.nickname.casefold(), b.check))
    return {"learner": [b.nickname for b in rows], "check": [b.check for b in rows],
            "best figure": [_figure(b.figure) for b in rows], "passed": [b.passed for b in rows],
            "tries": [b.attempts for b in rows], "when": [ago(b.posted_at, now) for b in rows],
            "run": [app_link(b.run_link) for b in rows]}


def ago(then: datetime, now: datetime) -> str:
    """How long ago, in the words a class uses (the server's clock and the teacher's may sit in other zones)."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return then.strftime("%d %b %Y")


# ---------------------------------------------------------------- a learner's page


def learner_view(token: str, code_from_link: str | None) -> None:
    """The learner's own results and the class's anonymous summary; nothing of anyone else's."""
    try:
        me = board().learner(token)
    except BadToken as refused:  # the class is gone, or the link was made up
        state.set_class_token(None)
        st.error(plain(str(refused)), icon=REFUSED)
        start_view(code_from_link)
        return
    if code_from_link and code_from_link != me.code:
        st.info(f"This link is for class {code_from_link}; you are in class {me.code}. To join the other class, "
                "leave this one first (your link below brings you back).", icon=":material/info:")
    top, leave = st.columns([5, 1], vertical_alignment="center")
    top.subheader(f"{plain(me.nickname)} · {plain(me.class_name)}", anchor=False)
    top.caption(f"Class code {me.code}. When you pass a check in a lesson, your result is posted here.")
    if leave.button("Leave this class", icon=":material/logout:", key=state.widget_key(PAGE, "leave"),
                    help="This browser tab forgets your class; your link below brings you back"):
        state.set_class_token(None)
        st.rerun()
    with st.expander("Your link, to come back to your class later", icon=":material/link:"):
        st.caption("This link is your key to your own results: keep it to yourself.")
        st.code(url.link_to(PAGE_PATH, {LEARNER: token}), language=None, wrap_lines=True)

    @st.fragment(run_every=SUMMARY_EVERY)
    @guarded
    def mine_and_class() -> None:
        mine = board().my_results(token)
        summary = board().class_summary(me.code)
        now = datetime.now(timezone.utc)
        st.subheader("Your results", anchor=False)
        with st.container():  # one slot, whatever it holds: what follows keeps its place as the results arrive
            _my_results(mine, now)
        st.subheader("Your class", anchor=False)
        st.caption(f"{_learners(summary.learners)}. Anonymous: how many tried and passed each check, and how the "
                   "best figures spread; no nicknames.")
        if summary.checks:
            st.table(class_table(summary.checks), hide_index=True)
            st.caption("Your own best on each check is the orange diamond.")
            st.plotly_chart(check_spread([c.check for c in summary.checks], [c.figures for c in summary.checks],
                                         [c.lower_is_better for c in summary.checks],
                                         own=[own_best(mine, c) for c in summary.checks]),
                            key=state.widget_key(PAGE, "class_spread"), config={"displaylogo": False})

    mine_and_class()


def _my_results(mine: list[Result], now: datetime) -> None:
    """The learner's own results, or how to get some."""
    if mine:
        st.dataframe({"check": [r.check for r in mine], "figure": [_figure(r.figure) for r in mine],
                      "passed": [r.passed for r in mine], "when": [ago(r.posted_at, now) for r in mine],
                      "run": [app_link(r.run_link) for r in mine]},
                     hide_index=True, key=state.widget_key(PAGE, "mine"),
                     column_config={"run": st.column_config.LinkColumn("run", display_text="open run")})
    else:
        st.info("No results yet: pass a check in a lesson and it appears here.", icon=":material/hourglass_empty:")
        st.page_link("pages/Lessons.py", label="Open the lessons", icon=":material/menu_book:")


def _learners(n: int) -> str:
    return "1 learner" if n == 1 else f"{n} learners"


def own_best(mine: list[Result], check: CheckSummary) -> float | None:
    """This learner's best figure on a check, ranked as the board ranks (a pass first, then the better figure)."""
    tried = [r for r in mine if r.check == check.check]
    if not tried:
        return None
    sign = -1.0 if check.lower_is_better else 1.0
    return max(tried, key=lambda r: (r.passed, sign * r.figure)).figure


def class_table(checks: tuple[CheckSummary, ...]) -> dict[str, list[str]]:
    """The class's anonymous summary for ``st.table`` (Markdown: check names through ``plain``)."""
    return {"check": [plain(c.check) for c in checks], "tried": [str(c.tried) for c in checks],
            "passed": [str(c.passed) for c in checks],
            "median best figure": [_figure(statistics.median(c.figures)) for c in checks]}
