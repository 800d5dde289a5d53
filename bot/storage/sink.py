"""The clinic's event log: the :class:`~bot.services.EventSink` over SQLite.

What is stored is the least the gaps report needs (SPEC and issue 5 privacy rules):

- the text of questions the bot could not answer (``no_match``) or was unsure about
  (``clarify``), with the entries it offered;
- which offered entry the patient then picked, or "none of these";
- "was this helpful?" per entry;
- how many replies of each kind were sent per day, linked to nobody (for /stats).

Answered questions, small talk, and urgent or crisis messages are never stored as
text. Patients are keyed by an HMAC of their Telegram id (:mod:`bot.storage.keys`).
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.engine import Reply, ReplyKind
from bot.storage import retention
from bot.storage.db import DB_FILENAME, transaction
from bot.storage.keys import load_secret, user_key
from bot.storage.stats import summary
from bot.storage.writer import StorageError, Writer

log = logging.getLogger(__name__)

STORED_KINDS = frozenset({ReplyKind.NO_MATCH, ReplyKind.CLARIFY})
SAFETY_KINDS = frozenset({ReplyKind.URGENT, ReplyKind.CRISIS})
MAX_ENTRY_ID_CHARS = 100
# How long /forget and /stats wait for the writer before giving up.
CALL_TIMEOUT = 10.0


def new_ref() -> str:
    """A random 12-character reference for a stored question (fits Telegram callbacks)."""
    return secrets.token_urlsafe(9)


class SqliteSink:
    """Records events in ``DATA_DIR/bot.sqlite3`` from a background thread.

    If the data directory or the hash secret is unusable at start, the sink logs why
    and records nothing; the bot keeps answering either way.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        secret: str | None = None,
        retention_days: int = 90,
        max_text_chars: int = 2000,
        clock: Callable[[], float] = time.time,
        purge_every: float = 3600.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_FILENAME
        self.retention_days = retention_days
        self._max_text_chars = max_text_chars
        self._clock = clock
        self._writer: Writer | None = None
        self._secret = b""
        self.unavailable: str | None = None
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._secret = load_secret(self.data_dir, secret)
        except (OSError, ValueError) as error:  # ValueError: a hash-secret file not text
            self.unavailable = f"cannot use {self.data_dir}: {error}"
            log.error("storage: %s; nothing will be recorded", self.unavailable)
            return
        self._writer = Writer(
            self.path,
            maintenance=lambda conn: self._purge(conn),
            maintenance_every=purge_every,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SqliteSink:
        secret = settings.user_hash_secret
        return cls(
            settings.data_dir,
            secret=secret.get_secret_value() if secret is not None else None,
            retention_days=settings.retention_days,
            max_text_chars=settings.max_message_chars,
        )

    # --- EventSink -------------------------------------------------------------------

    def record_reply(self, user_id: int, reply: Reply) -> str | None:
        """Count the reply; store the question only if it was unanswered or unsure."""
        try:
            now = int(self._clock())
            day, kind = retention.day_of(now), reply.kind.value
            if reply.kind not in STORED_KINDS or reply.alarms:
                self._submit(lambda conn: _count(conn, day, kind), "count reply")
                return None
            ref = new_ref()
            row = (
                ref,
                self._key(user_id),
                now,
                kind,
                reply.question[: self._max_text_chars],
                float(reply.score),
                " ".join(e.id for e in reply.suggestions),
            )
            stored = self._submit(lambda conn: _store_question(conn, day, row), "store question")
        except Exception:
            log.exception("storage: could not record a reply")
            return None
        return ref if stored else None

    def record_choice(self, user_id: int, ref: str, entry_id: str | None) -> None:
        try:
            row = (
                int(self._clock()),
                entry_id[:MAX_ENTRY_ID_CHARS] if entry_id is not None else None,
                ref,
                self._key(user_id),
            )
            self._submit(lambda conn: _store_choice(conn, row), "store choice")
        except Exception:
            log.exception("storage: could not record a choice")

    def record_feedback(self, user_id: int, entry_id: str, helpful: bool) -> None:
        try:
            key, now = self._key(user_id), int(self._clock())
            row = (key, now, entry_id[:MAX_ENTRY_ID_CHARS], int(helpful))
            self._submit(
                lambda conn: conn.execute(
                    "INSERT INTO feedback (user_key, created_at, entry_id, helpful) "
                    "VALUES (?, ?, ?, ?)",
                    row,
                ),
                "store feedback",
            )
        except Exception:
            log.exception("storage: could not record feedback")

    def forget(self, user_id: int) -> int:
        """Delete every row of the user, after their writes still in the queue.

        Raises :class:`StorageError` when the deletion did not happen (a locked or
        broken database), so the patient is never told it did.
        """
        if self._writer is None:
            return 0  # this process could store nothing
        try:
            key = self._key(user_id)
            return self._writer.call(lambda conn: _forget(conn, key), "forget", CALL_TIMEOUT)
        except Exception as error:
            log.error("storage: /forget failed: %s", error)
            raise StorageError(f"/forget failed: {error}") from error

    def stats(self) -> str:
        if self._writer is None:
            return f"Storage is unavailable ({self.unavailable}): nothing is recorded."
        try:
            now = self._clock()
            text = self._writer.call(
                lambda conn: summary(conn, now, self.retention_days), "stats", CALL_TIMEOUT
            )
        except StorageError as error:
            return f"Storage is not answering: {error}"
        if self._writer.failures:
            text += f"\n{self._writer.failures} storage write(s) failed since start: see the log."
        return text

    # --- lifecycle ----------------------------------------------------------------

    def flush(self, timeout: float = CALL_TIMEOUT) -> bool:
        """Wait until every queued write is done (tests and shutdown)."""
        return self._writer.flush(timeout) if self._writer is not None else True

    def purge(self) -> int:
        """Run the retention purge now (it also runs at start and every hour)."""
        if self._writer is None:
            return 0
        return self._writer.call(self._purge, "retention purge", CALL_TIMEOUT)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    # --- helpers ----------------------------------------------------------------------

    def _key(self, user_id: int) -> str:
        return user_key(self._secret, int(user_id))

    def _submit(self, operation: Callable[[sqlite3.Connection], object], what: str) -> bool:
        return self._writer.submit(operation, what) if self._writer is not None else False

    def _purge(self, conn: sqlite3.Connection) -> int:
        removed = retention.purge(conn, self._clock(), self.retention_days)
        if removed:
            log.info("storage: deleted %d row(s) older than %d days", removed, self.retention_days)
        return removed


def _count(conn: sqlite3.Connection, day: str, kind: str) -> None:
    conn.execute(
        "INSERT INTO daily_counts (day, kind, count) VALUES (?, ?, 1) "
        "ON CONFLICT (day, kind) DO UPDATE SET count = count + 1",
        (day, kind),
    )


def _store_question(conn: sqlite3.Connection, day: str, row: tuple[object, ...]) -> None:
    with transaction(conn):
        _count(conn, day, str(row[3]))
        conn.execute(
            "INSERT INTO questions (ref, user_key, created_at, kind, text, score, suggestions) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            row,
        )


def _store_choice(conn: sqlite3.Connection, row: tuple[object, ...]) -> None:
    """Only a question of the same user can be chosen from (a forged ref does nothing)."""
    conn.execute(
        "INSERT INTO choices (question_id, user_key, created_at, entry_id) "
        "SELECT id, user_key, ?, ? FROM questions WHERE ref = ? AND user_key = ?",
        row,
    )


def _forget(conn: sqlite3.Connection, key: str) -> int:
    removed = 0
    with transaction(conn):
        for table in ("choices", "feedback", "questions"):
            removed += conn.execute(f"DELETE FROM {table} WHERE user_key = ?", (key,)).rowcount
    return removed
