"""Patient messages: questions in, answers out; and which messages are ours to answer.

In a private chat every message is for the bot. In a group the bot answers only
messages that mention it or reply to it, so it never talks over people. A photo's
caption is read like a message; an edited message is checked for red flags again.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes, filters

from bot.engine import Engine, Reply
from bot.telegram import texts
from bot.telegram.sending import send, typing
from bot.telegram.state import BotState, get_state

log = logging.getLogger(__name__)


def _is_private(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def _entities(message: Message, types: list[str | None]) -> dict[MessageEntity, str]:
    """Entities of the text, or of the caption for a photo or a document."""
    if message.text is not None:
        return message.parse_entities(types)
    return message.parse_caption_entities(types)


def _mentions_bot(message: Message, username: str) -> bool:
    handle = f"@{username}".lower()
    for entity, text in _entities(
        message, [MessageEntity.MENTION, MessageEntity.BOT_COMMAND]
    ).items():
        if entity.type == MessageEntity.MENTION and text.lower() == handle:
            return True
        if entity.type == MessageEntity.BOT_COMMAND and text.lower().endswith(handle):
            return True
    return False


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    original = message.reply_to_message
    return bool(original and original.from_user and original.from_user.id == bot_id)


class AddressedToBot(filters.MessageFilter):
    """Private messages, and group messages that mention the bot or reply to it."""

    def filter(self, message: Message) -> bool:
        if _is_private(message):
            return True
        bot = message.get_bot()
        return _mentions_bot(message, bot.username) or _replies_to_bot(message, bot.id)


ADDRESSED = AddressedToBot(name="AddressedToBot")


def question_text(message: Message, username: str) -> str:
    """The message text (or caption) without the bot's @mention (not part of the question)."""
    text = message.text or message.caption or ""
    handle = f"@{username}".lower()
    mentions = [
        entity
        for entity, value in _entities(message, [MessageEntity.MENTION]).items()
        if value.lower() == handle
    ]
    if not mentions:
        return text
    # Offsets are in UTF-16 units; cut on the encoded text, right to left.
    encoded = text.encode("utf-16-le")
    for entity in sorted(mentions, key=lambda e: e.offset, reverse=True):
        start, end = entity.offset * 2, (entity.offset + entity.length) * 2
        encoded = encoded[:start] + b" " + b"\x00" + encoded[end:]
    return encoded.decode("utf-16-le").strip()


def record_reply(state: BotState, user_id: int | None, reply: Reply) -> str | None:
    """Note the reply in the event sink; a sink failure must never cost the reply."""
    if user_id is None:
        return None
    try:
        return state.runtime.sink.record_reply(user_id, reply)
    except Exception:
        log.exception("event sink failed to record a reply; answering anyway")
        return None


async def compose(engine: Engine, text: str) -> Reply:
    """The engine's reply, without holding up the other chats.

    The word rules and the matcher take about a millisecond (20 ms for a 10,000-character
    message): that runs on the event loop, where a worker thread would only add GIL
    hand-offs (measured: twice the time for 200 concurrent messages). The sentence model
    of the crisis-similarity layer takes 10-40 ms, mostly in PyTorch code that releases
    the GIL, so with it the reply is composed in a worker thread.
    """
    if engine.uses_model:
        return await asyncio.to_thread(engine.reply, text)
    return engine.reply(text)


async def answer_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a question: typing indicator, engine, buttons, delivery, record."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    state = get_state(context)
    if state.options.typing_action:
        state.keep(asyncio.create_task(typing(context.bot, chat.id)))
        await asyncio.sleep(0)  # let "typing..." start on its way before composing
    text = question_text(message, context.bot.username)
    reply = await compose(state.runtime.engine, text)
    user = update.effective_user
    # Recorded just before sending: the sink's reference goes into the did-you-mean
    # buttons, so a later choice can be tied to this question.
    ref = record_reply(state, user.id if user else None, reply)
    out = texts.for_reply(state.runtime.engine, reply, ref)
    reply_to = None if _is_private(message) else message.message_id
    sent = await send(context.bot, chat.id, out, state.options.retry, reply_to=reply_to)
    log.info(
        "update %d: %s entry=%s score=%.1f suggestions=%s%s%s",
        update.update_id,
        reply.kind.value,
        reply.entry.id if reply.entry else "-",
        reply.score,
        ",".join(e.id for e in reply.suggestions) or "-",
        " truncated" if reply.truncated else "",
        "" if sent else " (not delivered)",
    )


async def answer_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message gets a reply only if the edit raises an alarm.

    A patient may add "and now I can't feel my legs" to a message already answered;
    answering every edit again would repeat answers for typo fixes.
    """
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    state = get_state(context)
    reply = await compose(state.runtime.engine, question_text(message, context.bot.username))
    if not reply.alarms:
        return
    user = update.effective_user
    record_reply(state, user.id if user else None, reply)
    out = texts.for_reply(state.runtime.engine, reply, None)
    await send(context.bot, chat.id, out, state.options.retry, reply_to=message.message_id)
    log.info("update %d: edited message, %s", update.update_id, reply.kind.value)


async def answer_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes...: say politely that only text can be read.

    A caption is text the patient wrote, so it is answered (and safety-checked) as a
    message.
    """
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if message.caption and message.caption.strip():
        await answer_text(update, context)
        return
    state = get_state(context)
    out = texts.join(
        texts.message(
            state.runtime.engine, state.messages.non_text, state.runtime.settings.retention_days
        )
    )
    reply_to = None if _is_private(message) else message.message_id
    await send(context.bot, chat.id, out, state.options.retry, reply_to=reply_to)
    log.info("update %d: non-text message", update.update_id)
