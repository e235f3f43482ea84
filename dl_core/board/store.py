"""The class board's data access: the only module that reads or writes the board's database.

A teacher creates a class and gets a short code for the class and a secret for their board.
Learners join with the code and a nickname and get a token; with it they post the result of each
lesson check or challenge and read their own results back. What each can read:

- a learner's token opens that learner's own results, and nobody else's;
- a class code opens the class's anonymous summary (per check: how many tried and passed, and the
  spread of figures), which every learner in the class may see;
- the teacher's secret opens the board: nicknames, who passed what, and each learner's best run.

Secrets and tokens come from ``secrets`` and are stored only as SHA-256 hashes, compared in
constant time. The board keeps a nickname and results; no name, address, IP or browser detail.

The database is SQLite in a file under ``DL_LAB_DATA_DIR`` (default ``.dl-lab/``), created on
first use, or PostgreSQL when ``DL_LAB_DATABASE_URL`` names one (replicas then share it). Either
way the schema is created and migrated when the board is opened (see ``schema``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import rules
from .rules import Refused
from .schema import classes, learners, migrate, results

POSTS_PER_WINDOW, POST_WINDOW_S = 20, 60.0  # a learner posts at most 20 results in any 60 seconds
MAX_RESULTS_PER_LEARNER = 2000  # bounds one learner's rows whatever they do
MAX_LEARNERS_PER_CLASS = 200
BEST_RUNS_SHOWN = 3
_CODE_TRIES = 8  # 31⁶ ≈ 887 million codes: a collision is rare, eight in a row never happens


class WrongSecret(Refused):
    """A teacher secret that does not open this class's board (or a class that does not exist)."""


class BadToken(Refused):
    """A learner token that opens nothing: made up, mistyped, or from a class that is gone."""


class NicknameTaken(Refused):
    """Another learner in the class already has this nickname (ignoring case)."""


class TooManyPosts(Refused):
    """The post rate limit; ``retry_after`` says in how many seconds the next post is accepted."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


# ---------------------------------------------------------------- what the board hands back


@dataclass(frozen=True)
class ClassKeys:
    """What a teacher gets on creating a class: the code to give learners, the secret to keep."""

    code: str
    teacher_secret: str

    def __iter__(self):  # code, secret = board.create_class(...)
        return iter((self.code, self.teacher_secret))

    def __repr__(self) -> str:  # a log line or a traceback must not carry the secret
        return f"ClassKeys(code={self.code!r}, teacher_secret=…)"


@dataclass(frozen=True)
class Learner:
    """Who a token belongs to, as that learner may see it."""

    nickname: str
    class_name: str
    code: str


@dataclass(frozen=True)
class Result:
    """One posted result, as its learner sees it."""

    check: str
    figure: float
    passed: bool
    run_link: str | None  # relative to the app; show it as a link into the app, never as markup
    posted_at: datetime
    lower_is_better: bool = False


@dataclass(frozen=True)
class BestResult:
    """A learner's best result on one check (passed first, then the best figure, then the earliest), for the teacher."""

    nickname: str
    check: str
    figure: float
    passed: bool
    run_link: str | None
    posted_at: datetime
    attempts: int  # how many results the learner posted for this check


@dataclass(frozen=True)
class CheckSummary:
    """One check across the class, anonymously: each learner counts once, with their best figure."""

    check: str
    tried: int
    passed: int
    figures: tuple[float, ...]  # every learner's best figure, smallest first: the distribution to draw
    lower_is_better: bool


@dataclass(frozen=True)
class ClassSummary:
    """What any learner of the class may see: no nicknames, no links."""

    name: str
    learners: int
    checks: tuple[CheckSummary, ...]


@dataclass(frozen=True)
class TeacherBoard:
    """The class at a glance, for the teacher only."""

    name: str
    code: str
    nicknames: tuple[str, ...]  # everyone who joined, A to Z
    checks: tuple[CheckSummary, ...]  # the same anonymous summary the class sees
    best: tuple[BestResult, ...]  # each learner's best result on each check they tried

    @cached_property
    def _cells(self) -> dict[tuple[str, str], BestResult]:
        return {(b.nickname, b.check): b for b in self.best}

    def best_of(self, nickname: str, check: str) -> BestResult | None:
        """One cell of the who-passed-what grid: this learner's best on this check, or None if not tried."""
        return self._cells.get((nickname, check))

    def passed_checks(self, nickname: str) -> frozenset[str]:
        return frozenset(check for (name, check), b in self._cells.items() if name == nickname and b.passed)

    def best_runs(self, check: str, top: int = BEST_RUNS_SHOWN) -> tuple[BestResult, ...]:
        """The class's best runs on a check, one per learner, best first (passed, best figure, earliest)."""
        summary = next((c for c in self.checks if c.check == check), None)
        sign = -1.0 if summary is not None and summary.lower_is_better else 1.0
        ranked = sorted((b for b in self.best if b.check == check),
                        key=lambda b: (not b.passed, -sign * b.figure, b.posted_at))
        return tuple(ranked[:top])


# ---------------------------------------------------------------- where the database is


def database_url() -> str:
    """``DL_LAB_DATABASE_URL`` if set (``postgresql://user:password@host/db``), else the SQLite file
    ``board.sqlite3`` under ``DL_LAB_DATA_DIR`` (default ``.dl-lab/`` in the working directory)."""
    url = os.environ.get("DL_LAB_DATABASE_URL", "").strip()
    if not url:
        folder = Path(os.environ.get("DL_LAB_DATA_DIR", "").strip() or ".dl-lab")
        return f"sqlite:///{(folder / 'board.sqlite3').resolve()}"
    for plain in ("postgres://", "postgresql://"):  # the forms hosting services print; psycopg 3 is our driver
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def _sqlite_engine(url: sa.URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = sa.create_engine(url, connect_args={"timeout": 30})  # seconds a writer waits for another's lock

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling skips DDL and cannot BEGIN IMMEDIATE; SQLAlchemy's docs' recipe.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # readers (the board page) never wait for a writer
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A write takes the lock up front, so two writers queue instead of one failing on upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("writes") else "BEGIN")

    return engine


def make_engine(url: str | None = None) -> Engine:
    """An engine for the board's database (see ``database_url``)."""
    try:
        parsed = sa.make_url(url or database_url())
    except sa.exc.ArgumentError:  # never repeat the URL: it may hold a password
        raise ValueError("DL_LAB_DATABASE_URL is not a database URL (e.g. postgresql://user:password@host/db).") \
            from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    try:
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except ModuleNotFoundError as missing:
        raise RuntimeError(f"The board's database needs the {missing.name} package: "
                           "pip install 'dl-lab[postgres]'.") from None


def open_board(url: str | None = None, clock: Callable[[], float] = time.time) -> Board:
    """The board over the configured database, migrated to the current schema. Open it once per process
    (a page can keep it with ``st.cache_resource``: the database is shared by design) and close it at exit."""
    return Board(make_engine(url), clock=clock)


def _digest(secret: str) -> str:
    # Tokens are 192 random bits, so a fast hash is safe; slow hashes are for passwords people choose.
    return hashlib.sha256(secret.encode()).hexdigest()


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


_NO_CLASS_HASH = _digest("no class has this code")  # compared against when the code is unknown: same work, same answer


# ---------------------------------------------------------------- the board


class Board:
    """The class board over one database. Thread-safe: every call takes its own connection from the pool."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.clock = clock
        with self._writing() as conn:
            self.schema_version = migrate(conn)

    def __repr__(self) -> str:
        return f"Board({self.engine.url.render_as_string(hide_password=True)}, schema {self.schema_version})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Board:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            with conn.execution_options(writes=True).begin():
                yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            with conn.begin():  # one snapshot: a summary's counts and figures agree with each other
                yield conn

    # ------------------------------------------------------------ teacher

    def create_class(self, name: str) -> ClassKeys:
        """A new class: its code (6 letters and digits, for learners) and the teacher's secret (for the board)."""
        name = rules.class_name(name)
        teacher_secret = secrets.token_urlsafe(24)
        for _ in range(_CODE_TRIES):
            code = "".join(secrets.choice(rules.CODE_ALPHABET) for _ in range(rules.CODE_LENGTH))
            try:
                with self._writing() as conn:
                    conn.execute(classes.insert().values(code=code, name=name, created_at=self.clock(),
                                                         teacher_secret_hash=_digest(teacher_secret)))
                return ClassKeys(code, teacher_secret)
            except sa.exc.IntegrityError:  # the code is taken: draw another
                continue
        raise RuntimeError(f"No free class code after {_CODE_TRIES} tries.")

    def board(self, code: str, teacher_secret: str) -> TeacherBoard:
        """The teacher's board for a class; refused (``WrongSecret``) unless the secret is this class's."""
        code = rules.class_code(code)
        teacher_secret = rules.secret(teacher_secret, "Teacher secret")
        with self._reading() as conn:
            klass = conn.execute(sa.select(classes).where(classes.c.code == code)).first()
            stored = klass.teacher_secret_hash if klass is not None else _NO_CLASS_HASH
            if not hmac.compare_digest(stored, _digest(teacher_secret)) or klass is None:
                raise WrongSecret(f"This teacher link does not open the board of class {code}: "
                                  "use the link you were given when you created the class.")
            nicknames = conn.scalars(sa.select(learners.c.nickname).where(learners.c.class_id == klass.id)
                                     .order_by(learners.c.nickname_key)).all()
            best = self._best_per_learner(conn, klass.id)
        return TeacherBoard(name=klass.name, code=klass.code, nicknames=tuple(nicknames),
                            checks=_summarise(best), best=tuple(b for b, _ in best))

    # ------------------------------------------------------------ learner

    def join(self, code: str, nickname: str) -> str:
        """Joins a class; returns the learner's token, their key to post and read their own results. Refused if the
        code opens no class, the nickname is taken (ignoring case), or the class is full."""
        code = rules.class_code(code)
        nickname = rules.nickname(nickname)
        verifier = secrets.token_urlsafe(24)
        try:
            with self._writing() as conn:
                # FOR UPDATE (PostgreSQL) makes joins to one class take turns, so the size cap holds exactly.
                klass = conn.execute(sa.select(classes.c.id).where(classes.c.code == code).with_for_update()).first()
                if klass is None:
                    raise Refused(f"No class has the code {code}: check it with your teacher.")
                size = conn.scalar(sa.select(sa.func.count()).where(learners.c.class_id == klass.id))
                if size >= MAX_LEARNERS_PER_CLASS:
                    raise Refused(f"Class {code} is full ({MAX_LEARNERS_PER_CLASS} learners): ask your teacher.")
                inserted = conn.execute(learners.insert().values(
                    class_id=klass.id, nickname=nickname, nickname_key=rules.nickname_key(nickname),
                    token_hash=_digest(verifier), joined_at=self.clock()))
        except sa.exc.IntegrityError:
            raise NicknameTaken("Someone in this class already has that nickname: choose another.") from None
        return f"{inserted.inserted_primary_key[0]}.{verifier}"

    def learner(self, token: str) -> Learner:
        """Who this token belongs to: nickname, class name and code."""
        with self._reading() as conn:
            row = self._learner_row(conn, token)
            klass = conn.execute(sa.select(classes.c.name, classes.c.code).where(classes.c.id == row.class_id)).one()
        return Learner(nickname=row.nickname, class_name=klass.name, code=klass.code)

    def post_result(self, token: str, check: str, figure: float, passed: bool, run_link: str | None = None,
                    *, lower_is_better: bool = False) -> Result:
        """Records a finished check or challenge for the learner whose token this is. ``lower_is_better`` is the
        check's (a loss: True); send the same for every result of one check. Refused past the rate limit:
        ``POSTS_PER_WINDOW`` posts in any ``POST_WINDOW_S`` seconds, ``MAX_RESULTS_PER_LEARNER`` in all."""
        check, figure = rules.check_name(check), rules.figure(figure)
        passed, run_link = rules.flag(passed, "Passed"), rules.run_link(run_link)
        lower_is_better = rules.flag(lower_is_better, "Lower is better")
        with self._writing() as conn:
            learner = self._learner_row(conn, token, lock=True)  # locked: one learner's posts take turns
            now = self.clock()
            mine = results.c.learner_id == learner.id
            recent, oldest = conn.execute(sa.select(sa.func.count(), sa.func.min(results.c.posted_at))
                                          .where(mine, results.c.posted_at > now - POST_WINDOW_S)).one()
            if recent >= POSTS_PER_WINDOW:
                wait = max(1, math.ceil(oldest + POST_WINDOW_S - now))
                raise TooManyPosts(f"At most {POSTS_PER_WINDOW} results a learner in {POST_WINDOW_S:.0f} seconds: "
                                   f"this one was not recorded; try again in {wait} s.", retry_after=wait)
            if conn.scalar(sa.select(sa.func.count()).where(mine)) >= MAX_RESULTS_PER_LEARNER:
                raise Refused(f"A learner can post at most {MAX_RESULTS_PER_LEARNER} results; this one was not "
                              "recorded.")
            conn.execute(results.insert().values(learner_id=learner.id, check_name=check, figure=figure,
                                                 passed=passed, run_link=run_link, posted_at=now,
                                                 lower_is_better=lower_is_better))
        return Result(check, figure, passed, run_link, _when(now), lower_is_better)

    def my_results(self, token: str) -> list[Result]:
        """Every result this learner posted, newest first; nobody else's."""
        with self._reading() as conn:
            learner = self._learner_row(conn, token)
            rows = conn.execute(sa.select(results).where(results.c.learner_id == learner.id)
                                .order_by(results.c.posted_at.desc(), results.c.id.desc())).all()
        return [Result(r.check_name, r.figure, r.passed, r.run_link, _when(r.posted_at), r.lower_is_better)
                for r in rows]

    def class_summary(self, code: str) -> ClassSummary:
        """The class's anonymous summary (per check: how many tried, how many passed, the spread of best figures)."""
        code = rules.class_code(code)
        with self._reading() as conn:
            klass = conn.execute(sa.select(classes.c.id, classes.c.name).where(classes.c.code == code)).first()
            if klass is None:
                raise Refused(f"No class has the code {code}: check it with your teacher.")
            size = conn.scalar(sa.select(sa.func.count()).where(learners.c.class_id == klass.id))
            best = self._best_per_learner(conn, klass.id)
        return ClassSummary(name=klass.name, learners=size, checks=_summarise(best))

    # ------------------------------------------------------------ shared queries

    def _learner_row(self, conn: Connection, token: str, lock: bool = False) -> sa.Row:
        """The learner a token opens, or ``BadToken``. A token is ``<learner id>.<verifier>``: the id finds the
        row, the verifier's hash must match it (compared in constant time)."""
        token = rules.secret(token, "Learner token")
        learner_id, _, verifier = token.partition(".")
        refused = BadToken("This learner link opens nothing: join your class again with its code.")
        if not (learner_id.isascii() and learner_id.isdigit() and len(learner_id) <= 12 and verifier):
            raise refused
        query = sa.select(learners).where(learners.c.id == int(learner_id))
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None or not hmac.compare_digest(row.token_hash, _digest(verifier)):
            raise refused
        return row

    @staticmethod
    def _best_per_learner(conn: Connection, class_id: int) -> list[tuple[BestResult, bool]]:
        """Each learner's best result on each check they tried, with the check's lower_is_better, checks A to Z."""
        per_cell = (results.c.learner_id, results.c.check_name)
        better_first = sa.case((results.c.lower_is_better, -results.c.figure), else_=results.c.figure).desc()
        best_first = (results.c.passed.desc(), better_first, results.c.posted_at, results.c.id)
        ranked = (sa.select(learners.c.nickname, learners.c.nickname_key, results,
                            sa.func.row_number().over(partition_by=per_cell, order_by=best_first).label("rank"),
                            sa.func.count().over(partition_by=per_cell).label("attempts"))
                  .join(learners, learners.c.id == results.c.learner_id)
                  .where(learners.c.class_id == class_id)).subquery()
        rows = conn.execute(sa.select(ranked).where(ranked.c.rank == 1)
                            .order_by(ranked.c.check_name, ranked.c.nickname_key)).all()
        return [(BestResult(r.nickname, r.check_name, r.figure, r.passed, r.run_link, _when(r.posted_at), r.attempts),
                 r.lower_is_better) for r in rows]


def _summarise(best: list[tuple[BestResult, bool]]) -> tuple[CheckSummary, ...]:
    """Per check (A to Z): learners who tried, learners who passed, and their best figures smallest first."""
    checks: dict[str, list[tuple[BestResult, bool]]] = {}
    for item in best:
        checks.setdefault(item[0].check, []).append(item)
    return tuple(CheckSummary(check=check, tried=len(items), passed=sum(b.passed for b, _ in items),
                              figures=tuple(sorted(b.figure for b, _ in items)),
                              lower_is_better=any(lower for _, lower in items))
                 for check, items in checks.items())
