"""The board's tables, and the numbered steps that bring any older database up to them.

The app migrates its own database when it opens it (``migrate``): a version number in
``board_schema`` says how many steps of ``MIGRATIONS`` a database has had, and the missing ones
run in order, in one transaction, under a lock, so replicas starting together migrate once.

Why a list of steps and not alembic: the board has three tables and a handful of changes a year,
and the app must migrate itself at start-up on SQLite and PostgreSQL with no command for a
teacher to run. Alembic brings an environment folder, a CLI and batch mode for SQLite's limited
ALTER TABLE; a step here is a few lines of Core that both databases run as written. If the
schema grows beyond that, the steps port to alembic revisions one for one.

A step is append-only history: never edit a step that has shipped, add the next one. The tables
below are the schema after the last step (what the queries use); a test checks they agree.
"""

from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

metadata = sa.MetaData()

classes = sa.Table(
    "classes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(8), nullable=False, unique=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("teacher_secret_hash", sa.String(64), nullable=False),  # SHA-256 hex; the secret is never stored
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since 1970, UTC: one type on every database
)

learners = sa.Table(
    "learners", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    sa.Column("nickname", sa.String(40), nullable=False),
    sa.Column("nickname_key", sa.String(80), nullable=False),  # case-folded: "Ada" and "ada" collide
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("joined_at", sa.Float, nullable=False),
    sa.UniqueConstraint("class_id", "nickname_key", name="one_nickname_per_class"),
)

results = sa.Table(
    "results", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
    sa.Column("check_name", sa.String(80), nullable=False),
    sa.Column("figure", sa.Float, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("run_link", sa.String(2000), nullable=True),
    sa.Column("posted_at", sa.Float, nullable=False),
    # Added by step 2; which way is better is the check's, sent with each of its results.
    sa.Column("lower_is_better", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("results_by_learner_and_time", "learner_id", "posted_at"),
)

schema_version = sa.Table("board_schema", metadata, sa.Column("version", sa.Integer, nullable=False))


def _step1_classes_learners_results(conn: Connection) -> None:
    """The first schema: classes, their learners, and the results learners post. Written out in full
    (not taken from the tables above) so that it stays what it was when later steps change them."""
    first = sa.MetaData()
    sa.Table(
        "classes", first,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(8), nullable=False, unique=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("teacher_secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    sa.Table(
        "learners", first,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("nickname", sa.String(40), nullable=False),
        sa.Column("nickname_key", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("joined_at", sa.Float, nullable=False),
        sa.UniqueConstraint("class_id", "nickname_key", name="one_nickname_per_class"),
    )
    sa.Table(
        "results", first,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("check_name", sa.String(80), nullable=False),
        sa.Column("figure", sa.Float, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("run_link", sa.String(2000), nullable=True),
        sa.Column("posted_at", sa.Float, nullable=False),
    )
    first.create_all(conn)


def _step2_lower_is_better_and_post_index(conn: Connection) -> None:
    """Checks where a lower figure is better (a loss), and an index for the rate limit's count of recent posts."""
    boolean = sa.Boolean().compile(dialect=conn.dialect)
    false = sa.false().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE results ADD COLUMN lower_is_better {boolean} NOT NULL DEFAULT {false}"))
    conn.execute(sa.text("CREATE INDEX results_by_learner_and_time ON results (learner_id, posted_at)"))


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (
    _step1_classes_learners_results,
    _step2_lower_is_better_and_post_index,
)
LATEST = len(MIGRATIONS)
_POSTGRES_LOCK = 0x646C_6C61_62  # "dllab": one advisory lock id for every replica's migration


class NewerSchema(RuntimeError):
    """The database was migrated by a newer dl-lab than this one: refuse rather than guess."""


def version_of(conn: Connection) -> int:
    """How many steps this database has had (0 for an empty one)."""
    if not sa.inspect(conn).has_table(schema_version.name):
        return 0
    return conn.scalar(sa.select(schema_version.c.version)) or 0


def migrate(conn: Connection, upto: int = LATEST) -> int:
    """Runs the steps a database is missing, up to step ``upto``, inside the caller's transaction; returns
    the version it is at. On PostgreSQL an advisory lock makes replicas that start together take turns;
    on SQLite the caller's write transaction (BEGIN IMMEDIATE) does the same."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK})
    version = version_of(conn)
    if version > LATEST:
        raise NewerSchema(f"The board's database is at schema version {version}; this dl-lab knows up to {LATEST}. "
                          "Upgrade dl-lab, or point DL_LAB_DATABASE_URL at another database.")
    if version == 0:
        schema_version.create(conn, checkfirst=True)
        conn.execute(schema_version.insert().values(version=0))
    for number in range(version + 1, upto + 1):
        MIGRATIONS[number - 1](conn)
        conn.execute(schema_version.update().values(version=number))
    return max(version, upto)
