"""End to end: what Telegram and the bot's own parts can throw at it, and survival."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.engine import Engine, Reply
from tests.telegram.fake_api import (
    ApiError,
    FakeBotApi,
    blocked,
    cant_parse,
    parse_html,
    too_many_requests,
)
from tests.telegram.harness import ADMIN_ID, FAST, RunningBot

USER, OTHER = 1001, 1002
QUESTION = "how much does the stem cell treatment cost?"


# PTB itself reads RetryAfter.retry_after in its deprecated int form; not our code.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_429_is_retried_after_retry_after_and_delivered_once(
    api: FakeBotApi, bot: RunningBot
) -> None:
    api.fail("sendMessage", too_many_requests(retry_after=1), chat_id=USER)
    api.send_text(USER, QUESTION)
    api.wait_sent(USER)
    api.send_text(OTHER, QUESTION)  # a later update: by then any duplicate would show
    api.wait_sent(OTHER)
    attempts = api.calls("sendMessage", USER)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0  # waited out retry_after


def test_403_blocked_user_is_dropped_and_others_are_still_served(
    api: FakeBotApi, bot: RunningBot
) -> None:
    api.fail("sendMessage", blocked(), chat_id=USER, times=100)
    api.send_text(USER, QUESTION)
    api.send_text(USER, "/help")
    api.send_text(OTHER, QUESTION)
    api.wait_sent(OTHER)
    api.wait_for(lambda a: len(a.calls("sendMessage", USER)) == 2)
    # One attempt each (no retry, no apology): the chat cannot receive anything.
    assert [c.status for c in api.calls("sendMessage", USER)] == [403, 403]
    api.send_text(OTHER, "/help")
    api.wait_sent(OTHER, 2)


def test_400_cant_parse_entities_falls_back_to_plain_text(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.fail(
        "sendMessage", cant_parse(), chat_id=USER, when=lambda p: p.get("parse_mode") == "HTML"
    )
    api.send_text(USER, QUESTION)
    (reply,) = api.wait_sent(USER)
    assert "parse_mode" not in reply.params
    assert reply.text == tg_engine.reply(QUESTION).text
    assert reply.buttons  # the buttons survive the fallback


def test_a_timed_out_send_is_retried(api: FakeBotApi, make_bot: Callable[..., RunningBot]) -> None:
    make_bot(options=replace(FAST, read_timeout=0.5))
    # The first sendMessage stalls past the client's timeout (and then fails anyway).
    api.fail("sendMessage", ApiError(502, "Bad Gateway"), delay=1.5, chat_id=USER)
    api.send_text(USER, QUESTION)
    api.wait_sent(USER)
    api.wait_for(lambda a: len(a.calls("sendMessage", USER)) == 2)
    assert sorted(c.status for c in api.calls("sendMessage", USER)) == [200, 502]


def test_polling_survives_a_failing_get_updates(api: FakeBotApi, bot: RunningBot) -> None:
    api.fail("getUpdates", ApiError(502, "Bad Gateway"))
    api.wait_for(lambda a: any(c.status == 502 for c in a.calls("getUpdates")))
    api.send_text(USER, QUESTION)
    api.wait_sent(USER)


def test_a_handler_error_apologises_alerts_admins_and_the_bot_keeps_going(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = tg_engine.reply

    def flaky(message: str) -> Reply:
        if "boom" in message:
            raise RuntimeError("engine exploded")
        return original(message)

    monkeypatch.setattr(tg_engine, "reply", flaky)
    api.send_text(ADMIN_ID, "/help")  # the admin's chat exists once they wrote to the bot
    api.wait_sent(ADMIN_ID)
    api.send_text(USER, "boom")
    (sorry,) = api.wait_sent(USER)
    assert parse_html(sorry.text) == tg_engine.knowledge.messages.error.strip()
    _, alert = api.wait_sent(ADMIN_ID, 2)
    assert "RuntimeError" in alert.text and "boom" not in alert.text
    api.send_text(USER, QUESTION)
    api.wait_sent(USER, 2)


def test_an_event_sink_failure_never_costs_the_reply(api: FakeBotApi, bot: RunningBot) -> None:
    bot.sink.fail = True
    api.send_text(USER, QUESTION)
    (reply,) = api.wait_sent(USER)
    assert reply.buttons


def test_replies_over_4096_characters_are_split(api: FakeBotApi, bot: RunningBot) -> None:
    paragraphs = [f"Line {i}: " + "x" * 90 for i in range(100)]
    bot.sink.stats_text = "\n\n".join(paragraphs)  # about 10,000 characters
    api.send_text(ADMIN_ID, "/stats")
    api.wait_for(lambda a: sum(len(c.text) for c in a.sent(ADMIN_ID)) > 9_000)
    parts = api.sent(ADMIN_ID)
    assert len(parts) == 3
    assert all(len(parse_html(p.text)) <= 4096 for p in parts)
    assert "\n\n".join(parse_html(p.text) for p in parts) == bot.sink.stats_text


def test_stale_or_tampered_buttons_are_answered_and_explained(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.send_text(USER, QUESTION)
    (answer,) = api.wait_sent(USER)
    queries = [
        api.press(USER, answer, data, check=False)
        for data in ("a:entry-removed-since", "q:entry-removed-since", "zz:<b>", "c::")
    ]
    replies = api.wait_sent(USER, 5)[1:]
    assert {parse_html(r.text) for r in replies} == {tg_engine.no_match().text}
    api.wait_for(lambda a: all(a.answered(q) for q in queries))
