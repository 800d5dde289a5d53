"""End to end under load: 200 messages from 50 users at once, each answered rightly."""

from __future__ import annotations

from bot.engine import Engine
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.harness import RunningBot

QUESTIONS = [
    "how much does the stem cell treatment cost?",
    "where do they inject the cells",
    "is it approved by the FDA",
    "what is a herniated disc",
    "hello",
    "tell me about quantum computers",
    "how long is the recovery",
    "what should I ask the clinic",
]


def expected_first_button(engine: Engine, question: str) -> str | None:
    reply = engine.reply(question)
    return f"q:{reply.entry.id}" if reply.entry else None


def test_200_messages_from_50_users_are_all_answered_in_the_right_chat_in_order(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    users = [3000 + i for i in range(50)]
    asked: dict[int, list[str]] = {u: [] for u in users}
    for round_ in range(4):
        for n, user in enumerate(users):
            question = QUESTIONS[(n + round_) % len(QUESTIONS)]
            asked[user].append(question)
            api.send_text(user, question)
    api.wait_for(lambda a: len(a.sent()) >= 200, timeout=60)
    assert len(api.sent()) == 200
    for user in users:
        replies = api.sent(user)
        assert len(replies) == 4
        got = [next((d for _, d in r.buttons if d.startswith("q:")), None) for r in replies]
        assert got == [expected_first_button(tg_engine, q) for q in asked[user]]
        assert [r.question for u, r in bot.sink.replies if u == user] == asked[user]
