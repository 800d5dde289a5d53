"""A real Telegram session (the fake Bot API) over the real SQLite sink: what it leaves.

The Telegram adapter is tested with a recording sink in tests/telegram; this puts the
two together, and then reads the database file byte by byte.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine, ReplyKind
from bot.knowledge import load_knowledge
from bot.storage import SqliteSink
from tests.conftest import KNOWLEDGE, PLACEHOLDERS

pytest.importorskip("telegram")
fake_api = pytest.importorskip("tests.telegram.fake_api")
harness = pytest.importorskip("tests.telegram.harness")

PATIENT = 5_839_104_277
OTHER = 7_200_311_958
URGENT = "i cant control my bowels and my lower back hurts"
CRISIS = "ive been thinking about killing myself"


@pytest.fixture(scope="module")
def unsure_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The shipped knowledge, made to ask "did you mean" instead of answering below 99."""
    kb = Path(shutil.copytree(KNOWLEDGE, tmp_path_factory.mktemp("kb") / "knowledge"))
    matching = kb / "matching.yaml"
    # Both sets of thresholds: the words-only ones and the ones used with the model.
    text = re.sub(
        r"(?m)^(\s*)answer_threshold: .*$", r"\1answer_threshold: 99", matching.read_text()
    )
    matching.write_text(
        re.sub(r"(?m)^(\s*)clarify_threshold: .*$", r"\1clarify_threshold: 20", text)
    )
    result = load_knowledge(kb)
    assert result.knowledge is not None, [str(p) for p in result.errors]
    return Engine(result.knowledge, PLACEHOLDERS)


@pytest.fixture
def api() -> Iterator[Any]:
    with fake_api.FakeBotApi(harness.TOKEN) as server:
        yield server


def buttons(call: Any) -> list[str]:
    return [data for _, data in call.buttons]


def test_a_telegram_session_stores_no_id_token_or_safety_text_and_forget_clears_it(
    api: Any, unsure_engine: Engine, tmp_path: Path
) -> None:
    engine = unsure_engine
    vague = next(
        q
        for q in ("stem cell injection", "the injection", "stem cells", "treatment options")
        if engine.reply(q).kind is ReplyKind.CLARIFY
    )
    answered = engine.knowledge.entries[0].questions[0]
    assert engine.reply(answered).kind is ReplyKind.ANSWER
    assert engine.reply(URGENT).kind is ReplyKind.URGENT
    assert engine.reply(CRISIS).kind is ReplyKind.CRISIS

    bot = harness.RunningBot(api, engine, data_dir=tmp_path / "data")
    sink = SqliteSink.from_settings(bot.settings)
    bot.runtime.sink = sink
    bot.start()
    try:
        sent = 0

        def say(text: str) -> Any:
            """The patient sends ``text``; the bot's reply (one message per reply)."""
            nonlocal sent
            api.send_text(PATIENT, text)
            sent += 1
            return api.wait_sent(PATIENT, sent)[-1]

        say(URGENT)
        say(CRISIS)
        clarify = say(vague)
        pick = next(d for d in buttons(clarify) if d.startswith("c:"))
        api.press(PATIENT, clarify, pick)
        sent += 1
        api.wait_sent(PATIENT, sent)
        answer = say(answered)
        feedback = next(d for d in buttons(answer) if d.startswith("f:0:"))
        api.press(PATIENT, answer, feedback)
        api.wait_for(lambda a: bool(a.calls("editMessageReplyMarkup", PATIENT)))
        api.send_text(OTHER, vague)
        api.wait_sent(OTHER)
        assert sink.flush()

        key = sink._key(PATIENT)
        with sqlite3.connect(sink.path) as conn:
            mine = conn.execute("SELECT kind, text FROM questions WHERE user_key = ?", (key,))
            assert mine.fetchall() == [("clarify", vague)]
            assert conn.execute("SELECT COUNT(*) FROM choices").fetchone() == (1,)
            assert conn.execute("SELECT helpful FROM feedback").fetchall() == [(0,)]
        data = b"".join(p.read_bytes() for p in sorted(sink.data_dir.rglob("*")) if p.is_file())
        assert vague.encode() in data  # the scan sees stored text
        assert str(PATIENT).encode() not in data
        assert PATIENT.to_bytes(6, "big") not in data
        assert harness.TOKEN.encode() not in data
        assert harness.TOKEN.split(":")[1].encode() not in data
        assert URGENT.encode() not in data
        assert CRISIS.encode() not in data
        assert answered.encode() not in data

        say("/forget")
        with sqlite3.connect(sink.path) as conn:
            for table in ("questions", "choices", "feedback"):
                rows = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE user_key = ?", (key,))
                assert rows.fetchone() == (0,), table
            others = conn.execute("SELECT COUNT(*) FROM questions WHERE user_key != ?", (key,))
            assert others.fetchone() == (1,)
    finally:
        bot.stop()
        sink.close()
