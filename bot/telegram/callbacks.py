"""Button presses: follow-ups, source quotes, did-you-mean choices, feedback, topics.

Every press is answered (``query.answer()``), first thing, so the patient's button
stops spinning even if what follows fails; feedback is acknowledged in the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.engine import Reply
from bot.telegram import keyboards, texts
from bot.telegram.keyboards import Choose, Feedback, ShowAnswer, ShowQuote, ShowTopics
from bot.telegram.sending import Outgoing, edit, edit_keyboard, send
from bot.telegram.state import BotState, get_state

log = logging.getLogger(__name__)


async def _acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer the callback query; a stale one (older than Telegram keeps) is not an error."""
    try:
        await query.answer(text)
    except BadRequest as error:
        log.info("callback not answered: %s", error)
    except TelegramError as error:
        log.warning("callback not answered: %s", type(error).__name__)


def _sink_call(what: str, call: Callable[..., object], *args: object) -> None:
    """Event sink calls never raise by contract; if one does, the patient must not notice."""
    try:
        call(*args)
    except Exception:
        log.exception("event sink failed to record a %s", what)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Dispatch a button press to what its ``callback_data`` asks for."""
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return
    if chat is None:
        await _acknowledge(query)
        return
    state = get_state(context)
    action = keyboards.decode(query.data)
    user_id = query.from_user.id
    messages = state.messages

    if isinstance(action, Feedback):
        await _acknowledge(query, messages.feedback_thanks)
        if state.runtime.engine.knowledge.entry(action.entry_id) is not None:
            # An old keyboard may rate an entry a reload has removed: nothing to learn.
            _sink_call(
                "feedback",
                state.runtime.sink.record_feedback,
                user_id,
                action.entry_id,
                action.helpful,
            )
        if query.message is not None:
            markup = getattr(query.message, "reply_markup", None)
            await edit_keyboard(
                context.bot,
                chat.id,
                query.message.message_id,
                keyboards.without_feedback(markup),
                state.options.retry,
            )
        log.info(
            "update %d: feedback %s helpful=%s", update.update_id, action.entry_id, action.helpful
        )
        return

    await _acknowledge(query)
    engine = state.runtime.engine
    if isinstance(action, ShowTopics):
        await _show_topics(update, context, state, action)
    elif isinstance(action, ShowQuote):
        quote = engine.quote(action.entry_id)
        if quote is None:
            await _send_reply(update, context, state, engine.no_match())
        else:
            reply_to = query.message.message_id if query.message else None
            out = Outgoing(quote.html, quote.text)
            await send(context.bot, chat.id, out, state.options.retry, reply_to=reply_to)
    elif isinstance(action, Choose):
        if action.ref:
            _sink_call(
                "choice", state.runtime.sink.record_choice, user_id, action.ref, action.entry_id
            )
        chosen = engine.answer(action.entry_id) if action.entry_id else None
        await _send_reply(update, context, state, chosen or engine.no_match())
    elif isinstance(action, ShowAnswer):
        await _send_reply(
            update, context, state, engine.answer(action.entry_id) or engine.no_match()
        )
    else:
        # Not one of our buttons (an old bot version, or a tampered client).
        log.info("update %d: unknown button data ignored", update.update_id)
        await _send_reply(update, context, state, engine.no_match())
        return
    log.info("update %d: button %s", update.update_id, type(action).__name__)


def _in_thread(update: Update) -> int | None:
    """In a group, answer as a reply to the message the button was on, so the answer
    lands in the same forum topic and reads as part of that exchange."""
    chat, query = update.effective_chat, update.callback_query
    if chat is None or chat.type == ChatType.PRIVATE or query is None or query.message is None:
        return None
    return query.message.message_id


async def _send_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, state: BotState, reply: Reply
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    out = texts.for_reply(state.runtime.engine, reply, ref=None)
    await send(context.bot, chat.id, out, state.options.retry, reply_to=_in_thread(update))
    log.info(
        "update %d: %s entry=%s (button)",
        update.update_id,
        reply.kind.value,
        reply.entry.id if reply.entry else "-",
    )


async def _show_topics(
    update: Update, context: ContextTypes.DEFAULT_TYPE, state: BotState, action: ShowTopics
) -> None:
    """Browse in place: the menu message is edited, so the chat does not fill with menus."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    engine = state.runtime.engine
    days = state.runtime.settings.retention_days
    category = engine.knowledge.category(action.category_id) if action.category_id else None
    entries = engine.knowledge.entries_in(category.id) if category else []
    out = (
        texts.category_menu(engine, category, entries)
        if category and entries
        else texts.topics_menu(engine, days)
    )
    message = query.message
    if message is not None and await edit(
        context.bot, chat.id, message.message_id, out, state.options.retry
    ):
        return
    await send(context.bot, chat.id, out, state.options.retry, reply_to=_in_thread(update))
