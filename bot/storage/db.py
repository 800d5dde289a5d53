"""The SQLite database: connection settings, the schema and its migrations.

The schema is deliberately small. Its version lives in ``PRAGMA user_version``; each
migration moves it up by one inside a transaction, so a database from any older
release is upgraded in place and a half-applied upgrade cannot happen.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DB_FILENAME = "bot.sqlite3"

# Migration N (index N - 1) upgrades a database from version N - 1 to N. Append only:
# never edit a migration that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    -- Questions the bot could not answer (no_match) or was unsure about (clarify).
    -- Answered, small-talk, urgent and crisis messages are never stored here.
    CREATE TABLE questions (
        id          INTEGER PRIMARY KEY,
        ref         TEXT    NOT NULL UNIQUE,   -- handed to the adapter for later choices
        user_key    TEXT    NOT NULL,          -- HMAC of the Telegram id, never the id
        created_at  INTEGER NOT NULL,          -- unix seconds
        kind        TEXT    NOT NULL,          -- 'no_match' or 'clarify'
        text        TEXT    NOT NULL,
        score       REAL    NOT NULL,
        suggestions TEXT    NOT NULL DEFAULT '' -- entry ids offered, space-separated
    );
    CREATE INDEX questions_user ON questions (user_key);
    CREATE INDEX questions_created ON questions (created_at);

    -- What the patient picked from a did-you-mean or closest-topics list.
    CREATE TABLE choices (
        id          INTEGER PRIMARY KEY,
        question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        user_key    TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        entry_id    TEXT                       -- NULL: "none of these"
    );
    CREATE INDEX choices_question ON choices (question_id);
    CREATE INDEX choices_user ON choices (user_key);

    -- "Was this helpful?" per entry.
    CREATE TABLE feedback (
        id          INTEGER PRIMARY KEY,
        user_key    TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        entry_id    TEXT    NOT NULL,
        helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1))
    );
    CREATE INDEX feedback_user ON feedback (user_key);
    CREATE INDEX feedback_created ON feedback (created_at);

    -- Replies per day and kind, for /stats: counts only, linked to nobody.
    CREATE TABLE daily_counts (
        day         TEXT    NOT NULL,          -- YYYY-MM-DD (UTC)
        kind        TEXT    NOT NULL,
        count       INTEGER NOT NULL,
        PRIMARY KEY (day, kind)
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaError(sqlite3.DatabaseError):
    """The database was written by a newer release than this one."""


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; returns the version it started from."""
    start = schema_version(conn)
    if start > SCHEMA_VERSION:
        raise SchemaError(
            f"the database has schema version {start}, newer than this release "
            f"understands ({SCHEMA_VERSION}); upgrade the bot"
        )
    for version in range(start, SCHEMA_VERSION):
        with transaction(conn):
            # Statements one by one: executescript() would commit our transaction.
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
    return start


def _statements(script: str) -> Iterator[str]:
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            yield statement.strip()


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open an existing database for reading only: no migration, no permission change.

    For staff reports run next to the live bot, possibly by another user account.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0)
    try:
        version = schema_version(conn)
        if version != SCHEMA_VERSION:
            raise SchemaError(
                f"the database has schema version {version}, this release reads "
                f"{SCHEMA_VERSION}; start the bot once (it upgrades the database) or "
                "upgrade this copy of the bot"
            )
    except BaseException:
        conn.close()
        raise
    return conn


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at ``path``.

    ``secure_delete`` overwrites deleted rows with zeros, so text removed by /forget or
    by retention does not linger in free pages of the file.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    path.chmod(0o600)
    return conn
