"""Storage: what is kept, what never is, /forget, retention, and failures that stay quiet."""

from __future__ import annotations

import logging
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.engine import Alarm, Engine, Reply, ReplyKind
from bot.runtime import build_engine
from bot.storage import SCHEMA_VERSION, SqliteSink, connect
from bot.storage.db import SchemaError
from bot.storage.keys import SECRET_FILE, user_key
from bot.storage.retention import DAY_SECONDS
from bot.storage.writer import StorageError
from tests.conftest import KNOWLEDGE

PATIENT = 5_839_104_277  # a realistic Telegram id: ten digits, more than 32 bits
OTHER = 7_200_311_958
TOKEN = "6123456789:AAH-not-a-real-token-but-shaped-like-one"
URGENT = [
    "i cant control my bowels and my lower back hurts",
    "numbness around my privates and my back is sore",
    "got the stem cell injection 2 days ago and now i have a fever",
]
CRISIS = ["thinking about ending it all", "ive been thinking about killing myself"]
UNANSWERED = "what is the capital of mongolia"
ANSWERED = "how much does the treatment cost"


class Clock:
    """A settable clock, so retention is tested without waiting 90 days."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sink(tmp_path: Path, clock: Clock) -> Iterator[SqliteSink]:
    sink = SqliteSink(tmp_path / "data", clock=clock)
    yield sink
    sink.close()


def rows(sink: SqliteSink, sql: str, *params: object) -> list[tuple[object, ...]]:
    assert sink.flush()
    with sqlite3.connect(sink.path) as conn:
        return conn.execute(sql, params).fetchall()


def raw_bytes(directory: Path) -> bytes:
    """Every byte the bot left in DATA_DIR: database, journal, secret."""
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def clarify_reply(engine: Engine, question: str) -> Reply:
    """A did-you-mean reply (built by hand: which messages clarify depends on tuning)."""
    first, second = engine.knowledge.entries[:2]
    return Reply(ReplyKind.CLARIFY, question, "Did you mean ...", "", None, (first, second), 48.0)


def test_session_stores_no_raw_id_no_token_and_no_safety_text(
    tmp_path: Path, engine: Engine
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        telegram_bot_token=SecretStr(TOKEN),
    )
    sink = SqliteSink.from_settings(settings)
    kinds = []
    for message in [*URGENT, *CRISIS, UNANSWERED, ANSWERED, "hello"]:
        reply = engine.reply(message)
        kinds.append(reply.kind)
        ref = sink.record_reply(PATIENT, reply)
        if reply.entry is not None:
            sink.record_feedback(PATIENT, reply.entry.id, helpful=False)
        if ref is not None:
            sink.record_choice(PATIENT, ref, engine.knowledge.entries[0].id)
    ref = sink.record_reply(PATIENT, clarify_reply(engine, "is the jab sore"))
    assert ref is not None
    sink.record_choice(PATIENT, ref, None)
    assert kinds[: len(URGENT)] == [ReplyKind.URGENT] * len(URGENT)
    assert kinds[len(URGENT) : len(URGENT) + len(CRISIS)] == [ReplyKind.CRISIS] * len(CRISIS)
    assert sink.flush()
    sink.close()

    data = raw_bytes(tmp_path / "data")
    # The scan is meaningful: what should be stored is there, in plain bytes.
    assert UNANSWERED.encode() in data
    assert b"is the jab sore" in data
    secret = (tmp_path / "data" / SECRET_FILE).read_bytes().strip()
    assert user_key(secret, PATIENT).encode() in data
    # What must never be stored is not, as text or as SQLite's big-endian integer.
    assert str(PATIENT).encode() not in data
    assert PATIENT.to_bytes(6, "big") not in data
    assert PATIENT.to_bytes(8, "big") not in data
    assert TOKEN.encode() not in data
    assert TOKEN.split(":")[1].encode() not in data
    for message in [*URGENT, *CRISIS]:
        assert message.encode() not in data, message
    # Answered questions are counted, never stored as text.
    assert ANSWERED.encode() not in data


def test_only_unanswered_and_unsure_questions_are_stored(sink: SqliteSink, engine: Engine) -> None:
    entry = engine.knowledge.entries[0]
    replies = {
        kind: Reply(kind, f"a {kind.value} message", "text", "", entry, (entry,), 60.0)
        for kind in ReplyKind
    }
    refs = {kind: sink.record_reply(PATIENT, reply) for kind, reply in replies.items()}
    assert {k for k, ref in refs.items() if ref is not None} == {
        ReplyKind.NO_MATCH,
        ReplyKind.CLARIFY,
    }
    assert all(len(ref) <= 16 for ref in refs.values() if ref)
    stored = rows(sink, "SELECT kind, text, suggestions FROM questions ORDER BY kind")
    assert stored == [
        ("clarify", "a clarify message", entry.id),
        ("no_match", "a no_match message", entry.id),
    ]
    counts = {kind: n for kind, n in rows(sink, "SELECT kind, count FROM daily_counts")}
    assert counts == {kind.value: 1 for kind in ReplyKind}


def test_an_urgent_reply_is_never_stored_even_when_unanswered(sink: SqliteSink) -> None:
    alarm = Alarm(kind="urgent", rule_id="test", note=None)
    reply = Reply(ReplyKind.NO_MATCH, "numb legs and what else", "text", "", alarms=(alarm,))
    assert sink.record_reply(PATIENT, reply) is None
    assert rows(sink, "SELECT COUNT(*) FROM questions") == [(0,)]


def test_forget_removes_every_row_of_that_user_and_only_theirs(
    sink: SqliteSink, engine: Engine
) -> None:
    for user, text in [(PATIENT, "first patient asks about parking"), (OTHER, "other asks")]:
        ref = sink.record_reply(user, clarify_reply(engine, text))
        assert ref is not None
        sink.record_choice(user, ref, None)
        sink.record_choice(user, ref, engine.knowledge.entries[1].id)
        sink.record_feedback(user, engine.knowledge.entries[0].id, helpful=True)
    # No flush: /forget must also catch writes still queued.
    assert sink.forget(PATIENT) == 4

    key, other = sink._key(PATIENT), sink._key(OTHER)
    for table in ("questions", "choices", "feedback"):
        assert rows(sink, f"SELECT COUNT(*) FROM {table} WHERE user_key = ?", key) == [(0,)]
        assert rows(sink, f"SELECT COUNT(*) FROM {table} WHERE user_key = ?", other) != [(0,)]
    assert sink.forget(PATIENT) == 0
    sink.close()
    data = raw_bytes(sink.data_dir)
    assert b"first patient asks about parking" not in data  # secure_delete zeroed it
    assert key.encode() not in data
    assert b"other asks" in data


def test_a_choice_only_counts_for_the_users_own_question(sink: SqliteSink, engine: Engine) -> None:
    ref = sink.record_reply(PATIENT, clarify_reply(engine, "mine"))
    assert ref is not None
    sink.record_choice(OTHER, ref, "costs")  # someone else replaying the button
    sink.record_choice(PATIENT, "no-such-ref", "costs")
    assert rows(sink, "SELECT COUNT(*) FROM choices") == [(0,)]
    sink.record_choice(PATIENT, ref, "costs")
    assert rows(sink, "SELECT entry_id FROM choices") == [("costs",)]


def test_retention_deletes_old_rows(tmp_path: Path, clock: Clock, engine: Engine) -> None:
    sink = SqliteSink(tmp_path / "data", clock=clock, retention_days=90)
    start = clock.now
    old = sink.record_reply(PATIENT, clarify_reply(engine, "old question"))
    assert old is not None
    sink.record_choice(PATIENT, old, None)
    sink.record_feedback(PATIENT, "costs", helpful=False)
    clock.now = start + 80 * DAY_SECONDS
    sink.record_reply(PATIENT, clarify_reply(engine, "newer question"))
    sink.record_feedback(PATIENT, "costs", helpful=True)

    clock.now = start + 91 * DAY_SECONDS
    assert sink.purge() == 4  # question, choice, feedback, one day of counts
    assert rows(sink, "SELECT text FROM questions") == [("newer question",)]
    assert rows(sink, "SELECT helpful FROM feedback") == [(1,)]
    assert rows(sink, "SELECT COUNT(*) FROM choices") == [(0,)]
    assert len(rows(sink, "SELECT day FROM daily_counts")) == 1
    sink.close()

    # The purge also runs when the bot starts.
    later = Clock(start + 200 * DAY_SECONDS)
    restarted = SqliteSink(tmp_path / "data", clock=later)
    assert rows(restarted, "SELECT COUNT(*) FROM questions") == [(0,)]
    assert rows(restarted, "SELECT COUNT(*) FROM daily_counts") == [(0,)]
    restarted.close()


def test_retention_is_configurable(tmp_path: Path, clock: Clock, engine: Engine) -> None:
    sink = SqliteSink(tmp_path / "data", clock=clock, retention_days=7)
    sink.record_reply(PATIENT, clarify_reply(engine, "a week old"))
    clock.now += 8 * DAY_SECONDS
    assert sink.purge() >= 1
    assert rows(sink, "SELECT COUNT(*) FROM questions") == [(0,)]
    sink.close()


def test_rows_dated_in_the_future_do_not_outlive_retention(
    tmp_path: Path, clock: Clock, engine: Engine
) -> None:
    sink = SqliteSink(tmp_path / "data", clock=clock, retention_days=90)
    clock.now += 400 * DAY_SECONDS  # the clock jumped a year ahead for a while
    sink.record_reply(PATIENT, clarify_reply(engine, "written with a wrong clock"))
    clock.now -= 400 * DAY_SECONDS
    sink.record_reply(PATIENT, clarify_reply(engine, "written today"))
    sink.purge()
    assert rows(sink, "SELECT text FROM questions") == [("written today",)]
    sink.close()


def test_hash_secret_is_generated_once_private_and_stable(tmp_path: Path) -> None:
    first = SqliteSink(tmp_path / "data")
    secret_file = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    key = first._key(PATIENT)
    first.close()
    second = SqliteSink(tmp_path / "data")
    assert second._key(PATIENT) == key  # keys survive a restart
    assert second._key(OTHER) != key
    second.close()
    configured = SqliteSink(tmp_path / "other", secret="from-the-environment")
    assert configured._key(PATIENT) == user_key(b"from-the-environment", PATIENT) != key
    assert not (tmp_path / "other" / SECRET_FILE).exists()
    configured.close()


def test_schema_is_versioned_and_refuses_a_newer_database(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    conn = connect(path)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer"):
        connect(path)


def test_an_unusable_data_dir_never_breaks_a_reply(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    sink = SqliteSink(blocker / "data")
    reply = engine.reply(UNANSWERED)
    assert sink.record_reply(PATIENT, reply) is None
    sink.record_choice(PATIENT, "abc", None)
    sink.record_feedback(PATIENT, "costs", helpful=True)
    assert sink.forget(PATIENT) == 0
    assert "unavailable" in sink.stats()
    assert any("nothing will be recorded" in r.getMessage() for r in caplog.records)
    sink.close()


def test_a_database_that_breaks_later_is_logged_without_message_text(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    sink = SqliteSink(tmp_path / "data")
    assert sink.flush()
    sink._writer._drop_connection()  # type: ignore[union-attr]
    sink.path.unlink()
    sink.path.mkdir()  # the database file is now a directory: every open fails
    caplog.set_level(logging.DEBUG)
    secret = "my neighbour Jane Roe has a question"
    ref = sink.record_reply(PATIENT, clarify_reply(engine, secret))
    assert ref is not None  # queued: the patient is not kept waiting
    assert not sink.flush()
    with pytest.raises(StorageError):  # never reported as done
        sink.forget(PATIENT)
    assert "Storage" in sink.stats()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "cannot open" in logged
    assert secret not in logged
    sink.close()


def test_nothing_patients_type_is_logged(
    sink: SqliteSink, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for message in [*URGENT, *CRISIS, UNANSWERED]:
        sink.record_reply(PATIENT, engine.reply(message))
    sink.forget(PATIENT)
    sink.stats()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for message in [*URGENT, *CRISIS, UNANSWERED]:
        assert message not in logged
    assert str(PATIENT) not in logged


def test_stats_summarise_the_week(sink: SqliteSink, engine: Engine) -> None:
    for message in [UNANSWERED, ANSWERED, URGENT[0]]:
        sink.record_reply(PATIENT, engine.reply(message))
    ref = sink.record_reply(OTHER, clarify_reply(engine, "unsure"))
    assert ref is not None
    sink.record_choice(OTHER, ref, None)
    sink.record_feedback(PATIENT, "costs", helpful=True)
    sink.record_feedback(OTHER, "costs", helpful=False)
    text = sink.stats()
    assert "4 replies" in text
    assert "urgent 1" in text
    assert '"none of these": 1' in text
    assert "1 helpful, 1 not helpful" in text
    assert "2 unanswered or unsure question(s) from 2 person(s)" in text
    assert "90 days" in text
    assert str(PATIENT) not in text


def test_privacy_text_states_the_configured_retention(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        knowledge_dir=KNOWLEDGE,
        data_dir=tmp_path / "data",
        retention_days=30,
    )
    engine = build_engine(settings)
    text = engine.composer.message(engine.knowledge.messages.privacy).text
    assert "after 30 days" in text
    assert "/forget" in text
    assert "{" not in text


def test_a_corrupt_secret_file_turns_storage_off_instead_of_failing(
    tmp_path: Path, engine: Engine
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "hash-secret").write_bytes(b"\xff\xfe not text")
    sink = SqliteSink(data)
    assert sink.unavailable is not None
    assert sink.record_reply(PATIENT, engine.reply(UNANSWERED)) is None
    sink.close()
