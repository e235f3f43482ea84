"""The class board: classes, learners and the results they post, in a real database.

``open_board()`` gives the ``Board`` over SQLite (a file under ``DL_LAB_DATA_DIR``, default
``.dl-lab/``) or PostgreSQL (``DL_LAB_DATABASE_URL``); its methods are the whole API, in the words
of the teacher (``create_class``, ``board``) and the learner (``join``, ``post_result``,
``my_results``, ``class_summary``). Every refusal is a ``Refused`` whose message is a sentence to
show as it is. ``store`` is the only module that touches the database; ``rules`` checks what comes
in; ``schema`` holds the tables and their migrations.
"""

from .rules import BadInput, Refused
from .schema import NewerSchema
from .store import (
    MAX_LEARNERS_PER_CLASS, MAX_RESULTS_PER_LEARNER, POST_WINDOW_S, POSTS_PER_WINDOW, BadToken, BestResult, Board,
    CheckSummary, ClassKeys, ClassSummary, Learner, NicknameTaken, Result, TeacherBoard, TooManyPosts, WrongSecret,
    database_url, make_engine, open_board,
)

__all__ = [
    "MAX_LEARNERS_PER_CLASS", "MAX_RESULTS_PER_LEARNER", "POSTS_PER_WINDOW", "POST_WINDOW_S", "BadInput", "BadToken",
    "BestResult", "Board", "CheckSummary", "ClassKeys", "ClassSummary", "Learner", "NewerSchema", "NicknameTaken",
    "Refused", "Result", "TeacherBoard", "TooManyPosts", "WrongSecret", "database_url", "make_engine", "open_board",
]
