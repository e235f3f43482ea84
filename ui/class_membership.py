"""This session's place in a class, for any page: the board (one per process), whether the learner joined a
class, and ``post_result``, which the Lessons page calls when a check passes.

The board is opened the first time a page needs it, not when the Class page is drawn: a visitor who never
creates or joins a class never creates the database file. It is one ``Board`` per process and database URL
(``st.cache_resource``): the database is shared by design, and every call takes its own connection. Keying it
by URL lets tests point ``DL_LAB_DATA_DIR`` at a temporary folder.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import streamlit as st

from dl_core import Spec, to_query
from dl_core.board import BadInput, BadToken, Board, Refused, database_url, open_board
from dl_core.board import rules
from ui import state
from ui.registry import lab

LOG = logging.getLogger("dl_lab")
UNREACHABLE = "The class board could not be reached, so this result was not posted; your progress here is kept."


@st.cache_resource(show_spinner=False)
def _board_at(url: str) -> Board:
    return open_board(url)


def board() -> Board:
    """The class board of the configured database (``DL_LAB_DATABASE_URL``, else SQLite under
    ``DL_LAB_DATA_DIR``), opened and migrated on first use in this process."""
    return _board_at(database_url())


def joined() -> bool:
    """Whether this session has joined a class (it keeps a learner token). Says nothing about whether the token
    still opens anything: ``post_result`` finds that out and forgets a dead token."""
    return state.class_token() is not None


def post_result(check: str, figure: float, lower_is_better: bool, link: str | None, *,
                passed: bool = True) -> str | None:
    """Posts a finished check's result to the class board when this session has joined a class.

    ``check`` names the check (``lesson-slug/step``: lower-case letters, digits and - _ . /, at most 80),
    ``figure`` is what the learner reached (an accuracy, a loss), ``lower_is_better`` says which way is better
    for this check (send the same for every result of one check), ``link`` reopens the run (``run_link``) or
    None. Returns None when the session has joined no class, else one plain-text sentence for the learner:
    a confirmation, or why the result was not posted (a bad field, the rate limit, a token that opens no
    class any more, the database out of reach or misconfigured: logged). Never raises; show the sentence as text
    (``ui.controls.plain``). A link the board would refuse is dropped and the result posted without it."""
    token = state.class_token()
    if token is None:
        return None
    try:
        link = rules.run_link(link)
    except BadInput:
        LOG.warning("a run link the class board refuses was dropped from the result of %s", check)
        link = None
    try:
        board().post_result(token, check, figure, passed, link, lower_is_better=lower_is_better)
    except BadToken as refused:
        state.set_class_token(None)  # the class is gone, or the token was made up: stop trying with it
        return str(refused)
    except Refused as refused:
        return str(refused)
    except Exception:  # noqa: BLE001 - a lesson goes on whatever befalls the board (down, misconfigured): say so, log it
        LOG.exception("posting a result to the class board failed")
        return UNREACHABLE
    return f"Posted to your class board: {check}, {figure:.4g}."


def run_link(lab_key: str, spec: Spec) -> str | None:
    """The link the board keeps to reopen a run: the lab's page with the spec's query (``/Playground?…``), or
    None when it is longer than the board accepts."""
    link = f"/{lab(lab_key).url_path}?{urlencode(to_query(spec))}"
    try:
        return rules.run_link(link)
    except BadInput:
        return None
