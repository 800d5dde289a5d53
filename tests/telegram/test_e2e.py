"""End to end: the real Application polls the fake Bot API over HTTP on 127.0.0.1.

Expectations come from the engine itself (what it answers a question with), so these
tests check the Telegram side (delivery, formatting, buttons, recording), not the
matcher's current scores.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.engine import Engine, ReplyKind
from tests.telegram.fake_api import Call, FakeBotApi, parse_html
from tests.telegram.harness import RunningBot, eventually

USER = 1001
COST_QUESTION = "how much does the stem cell treatment cost?"


def data_of(call: Call) -> list[str]:
    return [data for _, data in call.buttons]


def test_start_welcomes_with_disclaimer_red_flags_and_topic_menu(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.send_text(USER, "/start")
    welcome, menu = api.wait_sent(USER, 2)
    messages = tg_engine.knowledge.messages
    assert "not a doctor" in welcome.text
    assert "999" in welcome.text  # the urgent-care reminder names the emergency number
    assert "bladder" in welcome.text  # ... for the main red flags
    assert messages.disclaimer_full.split(".")[0] in parse_html(welcome.text)
    assert welcome.params["parse_mode"] == "HTML"
    assert menu.text.startswith(messages.topics_intro)
    categories = [c.id for c in tg_engine.knowledge.categories]
    assert data_of(menu) == [f"t:{c}" for c in categories if tg_engine.knowledge.entries_in(c)]


def test_question_gets_answer_with_source_disclaimer_and_buttons(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    expected = tg_engine.reply(COST_QUESTION)
    assert expected.kind is ReplyKind.ANSWER and expected.entry is not None
    api.send_text(USER, COST_QUESTION)
    (answer,) = api.wait_sent(USER)
    visible = parse_html(answer.text)
    assert "Source:" in visible
    assert tg_engine.knowledge.messages.disclaimer_short.strip() in visible
    entry = expected.entry.id
    assert data_of(answer) == [
        f"q:{entry}",
        *(f"a:{e.id}" for e in expected.suggestions),
        f"f:1:{entry}",
        f"f:0:{entry}",
    ]
    # "typing..." was shown in that chat (its request races the answer's over a second
    # connection, so it may land just after), and the reply was recorded for the clinic.
    eventually(lambda: bool(api.calls("sendChatAction", USER)), timeout=5)
    assert [c.params["action"] for c in api.calls("sendChatAction", USER)] == ["typing"]
    assert [(u, r.kind, r.entry.id if r.entry else None) for u, r in bot.sink.replies] == [
        (USER, ReplyKind.ANSWER, entry)
    ]


def test_source_quote_button_shows_the_verbatim_quote(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.send_text(USER, COST_QUESTION)
    (answer,) = api.wait_sent(USER)
    quote_data = data_of(answer)[0]
    entry = tg_engine.knowledge.entry(quote_data.removeprefix("q:"))
    assert entry is not None and entry.source.quote
    query = api.press(USER, answer, quote_data)
    _, quote = api.wait_sent(USER, 2)
    assert "<blockquote>" in quote.text
    assert " ".join(entry.source.quote.split()) in " ".join(parse_html(quote.text).split())
    assert quote.params["reply_parameters"]["message_id"] == answer.response["message_id"]
    assert api.answered(query)


def test_follow_up_button_answers_the_related_entry(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.send_text(USER, COST_QUESTION)
    (answer,) = api.wait_sent(USER)
    follow_up = next(d for d in data_of(answer) if d.startswith("a:"))
    query = api.press(USER, answer, follow_up)
    _, second = api.wait_sent(USER, 2)
    assert data_of(second)[0] == "q:" + follow_up.removeprefix("a:")
    assert api.answered(query)
    assert len(bot.sink.replies) == 1  # button answers are not new questions


def test_did_you_mean_then_a_choice_answers_and_is_recorded(
    api: FakeBotApi, make_bot: Callable[..., RunningBot], small_engine: Engine
) -> None:
    bot = make_bot(engine=small_engine)
    api.send_text(USER, "the injection")
    (clarify,) = api.wait_sent(USER)
    assert parse_html(clarify.text) == small_engine.knowledge.messages.clarify_intro
    choices = data_of(clarify)
    assert sorted(choices[:-1]) == ["c:r1:costs", "c:r1:quick-treatment"]
    assert choices[-1] == "n:r1"
    assert clarify.buttons[-1][0] == small_engine.knowledge.messages.clarify_none

    query = api.press(USER, clarify, "c:r1:costs")
    _, answer = api.wait_sent(USER, 2)
    assert data_of(answer)[0] == "q:costs"
    assert api.answered(query)
    assert bot.sink.choices == [(USER, "r1", "costs")]


def test_none_of_these_leads_to_the_no_match_help(
    api: FakeBotApi, make_bot: Callable[..., RunningBot], small_engine: Engine
) -> None:
    bot = make_bot(engine=small_engine)
    api.send_text(USER, "the injection")
    (clarify,) = api.wait_sent(USER)
    api.press(USER, clarify, "n:r1")
    _, help_reply = api.wait_sent(USER, 2)
    assert parse_html(help_reply.text) == small_engine.no_match().text
    assert bot.sink.choices == [(USER, "r1", None)]


def test_knowledge_text_with_html_characters_is_escaped(
    api: FakeBotApi, make_bot: Callable[..., RunningBot], small_engine: Engine
) -> None:
    make_bot(engine=small_engine)
    api.send_text(USER, "what does the injection cost")
    (answer,) = api.wait_sent(USER)  # the fake server rejects any unescaped <, > or &
    assert "&lt;script&gt;" in answer.text
    assert 'costs vary <between> clinics, "a & b" <script>x</script>.' in parse_html(answer.text)


def test_html_in_the_question_is_never_interpreted(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    question = "<b>how much</b> does it <i>cost</i>? <script>alert('x')</script> & &amp; <3"
    api.send_text(USER, question)
    (reply,) = api.wait_sent(USER)
    assert reply.params["parse_mode"] == "HTML"  # and the fake server parsed it strictly
    assert "<script" not in reply.text
    assert bot.sink.replies[0][1].kind is tg_engine.reply(question).kind


def test_red_flag_gets_the_urgent_reply_first(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    question = "I can't control my bladder and both legs are numb. How much does it cost?"
    assert tg_engine.reply(question).kind is ReplyKind.URGENT
    api.send_text(USER, question)
    (reply,) = api.wait_sent(USER)
    urgent_head = tg_engine.composer.message(tg_engine.knowledge.safety.replies.urgent).html
    assert reply.text.startswith(f"<b>{urgent_head}</b>")
    assert "999" in parse_html(reply.text)
    assert not any(d.startswith(("c:", "n:", "f:")) for d in data_of(reply))


def _assert_crisis_reply_without_buttons(api: FakeBotApi, engine: Engine, question: str) -> None:
    expected = engine.reply(question)
    assert expected.kind is ReplyKind.CRISIS
    api.send_text(USER, question)
    (reply,) = api.wait_sent(USER)
    assert parse_html(reply.text) == expected.text
    assert reply.buttons == []


def test_crisis_message_gets_the_crisis_reply_without_buttons(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    _assert_crisis_reply_without_buttons(api, tg_engine, "I want to kill myself")


def test_a_crisis_wording_no_phrase_lists_gets_the_crisis_reply_too(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    """Caught by the crisis-similarity layer, composed off the event loop."""
    if not tg_engine.uses_model:
        pytest.skip("the sentence model (semantic extra) is not installed")
    question = "I've made arrangements for my cat and written to my sister, I think this is the end"
    _assert_crisis_reply_without_buttons(api, tg_engine, question)


def test_a_10000_character_message_gets_the_note_and_an_answer_from_its_start(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    question = COST_QUESTION + " " + "and my back has been aching all week " * 280
    assert len(question) > 10_000
    expected = tg_engine.reply(question)
    assert expected.truncated and expected.entry is not None
    api.send_text(USER, question)
    (reply,) = api.wait_sent(USER)
    visible = parse_html(reply.text)
    assert "2000" in visible.split("\n\n")[0]  # the polite note comes first
    assert data_of(reply)[0] == f"q:{expected.entry.id}"


def test_sticker_photo_and_voice_get_the_text_only_reply(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.send_sticker(USER)
    api.send_photo(USER)
    api.send_voice(USER)
    replies = api.wait_sent(USER, 3)
    non_text = tg_engine.knowledge.messages.non_text.strip()
    assert [parse_html(r.text) for r in replies] == [non_text] * 3
    assert bot.sink.replies == []


def test_a_photo_caption_is_read_and_safety_checked(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    caption = "I want to kill myself, the pain never stops"
    assert tg_engine.reply(caption).kind is ReplyKind.CRISIS
    api.send_photo(USER, caption=caption)
    (reply,) = api.wait_sent(USER)
    assert parse_html(reply.text) == parse_html(tg_engine.reply(caption).html)


def test_an_edit_that_adds_a_red_flag_gets_the_urgent_reply(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    edited = "how much does it cost? and now both my legs are numb"
    assert tg_engine.reply(edited).kind is ReplyKind.URGENT
    api.send_text(USER, "how much does it cost")
    api.wait_sent(USER)
    api.edit_text(USER, 1, "how much does it cost?")  # a typo fix: no new reply
    api.edit_text(USER, 1, edited)
    replies = api.wait_sent(USER, 2)
    assert parse_html(replies[1].text) == parse_html(tg_engine.reply(edited).html)
    assert len(api.calls("sendMessage", USER)) == 2


def test_topic_menu_browses_in_place_and_answers_a_pick(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.send_text(USER, "/topics")
    (menu,) = api.wait_sent(USER)
    category = tg_engine.knowledge.categories[0]
    first = api.press(USER, menu, f"t:{category.id}")
    api.wait_for(lambda a: len(a.calls("editMessageText", USER)) == 1)
    (edit,) = api.calls("editMessageText", USER)
    assert edit.ok and parse_html(edit.text) == category.title
    entries = tg_engine.knowledge.entries_in(category.id)
    assert data_of(edit) == [*(f"a:{e.id}" for e in entries), "t"]

    pick = api.press(USER, menu, f"a:{entries[0].id}")
    _, answer = api.wait_sent(USER, 2)
    assert data_of(answer)[0] == f"q:{entries[0].id}"

    back = api.press(USER, menu, "t")
    api.wait_for(lambda a: len(a.calls("editMessageText", USER)) == 2)
    assert parse_html(api.calls("editMessageText", USER)[1].text).startswith(
        tg_engine.knowledge.messages.topics_intro
    )
    assert all(api.answered(q) for q in (first, pick, back))


def test_feedback_is_recorded_thanked_and_its_buttons_removed(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.send_text(USER, COST_QUESTION)
    (answer,) = api.wait_sent(USER)
    entry = data_of(answer)[0].removeprefix("q:")
    api.press(USER, answer, f"f:0:{entry}")
    api.wait_for(lambda a: bool(a.calls("editMessageReplyMarkup", USER)))
    (thanks,) = api.calls("answerCallbackQuery")
    assert thanks.params["text"] == tg_engine.knowledge.messages.feedback_thanks
    (edit,) = api.calls("editMessageReplyMarkup", USER)
    assert edit.ok
    assert not any(d.startswith("f:") for _, d in edit.buttons)
    assert f"q:{entry}" in [d for _, d in edit.buttons]
    assert bot.sink.feedback == [(USER, entry, False)]


def test_information_commands(api: FakeBotApi, bot: RunningBot, tg_engine: Engine) -> None:
    for command in ("/help", "/sources", "/disclaimer", "/contact", "/privacy", "/nonsense"):
        api.send_text(USER, command)
    help_, sources, disclaimer, contact, privacy, unknown = (
        parse_html(c.text) for c in api.wait_sent(USER, 6)
    )
    assert "/topics" in help_
    assert "clinic article" in sources and "FDA" in sources
    assert "not a doctor" in disclaimer
    assert "the front desk on 0123" in contact  # CLINIC_CONTACT from the settings
    assert "30 days" in privacy  # RETENTION_DAYS from the settings
    assert unknown == help_


def test_forget_deletes_what_is_stored_and_confirms(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    api.send_text(USER, "/forget")
    (done,) = api.wait_sent(USER)
    assert parse_html(done.text) == tg_engine.knowledge.messages.forget_done.strip()
    assert bot.sink.forgotten == [USER]


def test_a_button_press_is_answered_while_the_chat_waits_for_a_slow_reply(
    api: FakeBotApi, bot: RunningBot
) -> None:
    api.send_text(USER, COST_QUESTION)
    (answer,) = api.wait_sent(USER)
    entry = data_of(answer)[0].removeprefix("q:")
    bot.sink.forget_seconds = 3.0
    api.send_text(USER, "/forget")
    api.press(USER, answer, f"q:{entry}")  # "Show the source quote"
    api.wait_for(lambda a: bool(a.calls("answerCallbackQuery")))
    assert bot.sink.forgotten == []  # answered while /forget was still running
    api.wait_sent(USER, 3)  # the quote and the /forget confirmation both arrive


def test_forget_that_fails_is_never_reported_as_done(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    bot.sink.fail = True
    api.send_text(USER, "/forget")
    (reply,) = api.wait_sent(USER)
    assert parse_html(reply.text) != tg_engine.knowledge.messages.forget_done.strip()
    assert parse_html(reply.text) == tg_engine.knowledge.messages.error.strip()


def test_command_menu_is_registered_from_messages_yaml(
    api: FakeBotApi, bot: RunningBot, tg_engine: Engine
) -> None:
    described = tg_engine.knowledge.messages.commands
    names = [c["command"] for c in api.commands()]
    assert names == [
        "start",
        "topics",
        "help",
        "sources",
        "disclaimer",
        "contact",
        "privacy",
        "forget",
    ]
    assert all(c["description"] == described[c["command"]] for c in api.commands())
