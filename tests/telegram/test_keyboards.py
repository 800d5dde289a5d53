"""callback_data: every button fits in 64 bytes, and only our own shapes decode."""

from __future__ import annotations

import pytest

from bot.engine import Engine, ReplyKind
from bot.telegram import keyboards
from bot.telegram.keyboards import Choose, Feedback, ShowAnswer, ShowQuote, ShowTopics

LONGEST_ID = "a" * 19 + "-" + "b" * 20  # 40 characters, the schema's maximum
LONGEST_REF = "R" * 16  # the event sink promises at most 16 characters

ACTIONS = [
    ShowAnswer(LONGEST_ID),
    ShowQuote(LONGEST_ID),
    Choose(LONGEST_REF, LONGEST_ID),
    Choose("", LONGEST_ID),
    Choose(LONGEST_REF, None),
    Choose("", None),
    Feedback(LONGEST_ID, True),
    Feedback(LONGEST_ID, False),
    ShowTopics(),
    ShowTopics(LONGEST_ID),
]


@pytest.mark.parametrize("action", ACTIONS, ids=repr)
def test_round_trip_within_64_bytes(action: keyboards.Action) -> None:
    data = keyboards.encode(action)
    assert len(data.encode()) <= 64
    assert keyboards.decode(data) == action


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "x",
        "a:",
        "a:Not_Kebab",
        "q:<b>",
        "f:2:costs",
        "f:1:",
        "c:ref:",
        "c:bad ref:costs",
        "n:has:colon",
        "t:UPPER",
        "a:" + "x" * 70,
    ],
)
def test_anything_else_decodes_to_none(data: str | None) -> None:
    assert keyboards.decode(data) is None


def test_a_strange_sink_reference_is_dropped_not_truncated() -> None:
    assert keyboards.encode(Choose("way-too-long-reference-x", "costs")) == "c::costs"
    assert keyboards.encode(Choose("a:b", None)) == "n:"


def test_every_shipped_button_fits(tg_engine: Engine) -> None:
    knowledge = tg_engine.knowledge
    markups = [keyboards.topics_keyboard(knowledge)]
    for category in knowledge.categories:
        entries = knowledge.entries_in(category.id)
        markups.append(keyboards.category_keyboard(entries, knowledge.messages))
    for entry in knowledge.entries:
        reply = tg_engine.answer(entry.id)
        assert reply is not None
        markups.append(keyboards.reply_keyboard(reply, knowledge.messages, LONGEST_REF))
    for markup in markups:
        assert markup is not None
        for row in markup.inline_keyboard:
            for button in row:
                assert isinstance(button.callback_data, str)
                assert keyboards.decode(button.callback_data) is not None
                assert 1 <= len(button.text) <= 64


def test_keyboards_per_reply_kind(tg_engine: Engine) -> None:
    messages = tg_engine.knowledge.messages
    crisis = tg_engine.reply("I want to kill myself")
    assert crisis.kind is ReplyKind.CRISIS
    assert keyboards.reply_keyboard(crisis, messages, "r1") is None
    hello = tg_engine.reply("hello")
    assert hello.kind is ReplyKind.SMALLTALK
    assert keyboards.reply_keyboard(hello, messages, "r1") is None


def test_without_feedback_keeps_the_other_buttons(tg_engine: Engine) -> None:
    entry = tg_engine.knowledge.entries[0]
    reply = tg_engine.answer(entry.id)
    assert reply is not None
    markup = keyboards.reply_keyboard(reply, tg_engine.knowledge.messages, None)
    stripped = keyboards.without_feedback(markup)
    assert stripped is not None
    kept = [b.callback_data for row in stripped.inline_keyboard for b in row]
    assert kept[0] == f"q:{entry.id}"
    assert not any(str(d).startswith("f:") for d in kept)
