"""End to end in a group: answer commands and messages addressed to the bot only."""

from __future__ import annotations

from tests.telegram.fake_api import BOT_USERNAME, FakeBotApi
from tests.telegram.harness import ADMIN_ID, RunningBot

GROUP = -100_555
ALICE, BOB = 2001, 2002
QUESTION = "how much does the stem cell treatment cost?"


def test_group_messages_are_answered_only_when_addressed(api: FakeBotApi, bot: RunningBot) -> None:
    chat = api.group_chat(GROUP)
    api.send_text(ALICE, "my back is killing me today, anyone tried yoga?", chat=chat)
    api.send_sticker(BOB, chat=chat)
    api.send_text(BOB, f"@{BOT_USERNAME} {QUESTION}", chat=chat)
    (answer,) = api.wait_sent(GROUP)
    # One chat's updates are handled in order, so the two before were seen and ignored.
    assert answer.buttons
    assert "reply_parameters" in answer.params  # in a group, the answer quotes the question
    assert len(bot.sink.replies) == 1
    assert bot.sink.replies[0][1].question == QUESTION  # the @mention is not the question

    bot_message = dict(answer.response)
    api.send_text(ALICE, "and is it safe?", chat=chat, reply_to=bot_message)
    api.wait_sent(GROUP, 2)

    api.send_text(ALICE, "/help", chat=chat)
    api.send_text(ALICE, "/help@some_other_bot", chat=chat)
    api.send_text(ALICE, "/nonsense", chat=chat)
    api.send_text(ALICE, f"/nonsense@{BOT_USERNAME}", chat=chat)
    api.send_text(ALICE, f"@{BOT_USERNAME} thanks", chat=chat)
    sent = api.wait_sent(GROUP, 5)
    # /help, the help for a command addressed to us, the thanks; nothing for the others.
    assert len(sent) == 5
    api.send_text(ALICE, f"@{BOT_USERNAME} {QUESTION}", chat=chat)
    assert len(api.wait_sent(GROUP, 6)) == 6


def test_admin_commands_stay_out_of_groups(api: FakeBotApi, bot: RunningBot) -> None:
    chat = api.group_chat(GROUP)
    api.send_text(ADMIN_ID, f"/stats@{BOT_USERNAME}", chat=chat)
    (reply,) = api.wait_sent(GROUP)
    assert "Replies recorded" not in reply.text  # the help text, not the statistics


def test_a_button_answer_in_a_group_replies_to_its_message(
    api: FakeBotApi, bot: RunningBot
) -> None:
    chat = api.group_chat(GROUP)
    api.send_text(BOB, f"@{BOT_USERNAME} {QUESTION}", chat=chat)
    (answer,) = api.wait_sent(GROUP)
    follow_up = next(d for _, d in answer.buttons if d.startswith("a:"))
    api.press(BOB, answer, follow_up)
    _, shown = api.wait_sent(GROUP, 2)
    # Replying keeps it in the same forum topic as the answer it belongs to.
    assert shown.params["reply_parameters"]["message_id"] == answer.response["message_id"]
