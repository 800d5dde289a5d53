"""The patient commands: /start, /help, /topics, /sources, /disclaimer, /contact,
/privacy, /forget, and the help reply for any other command."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.telegram import texts
from bot.telegram.sending import Outgoing, send
from bot.telegram.state import BotState, get_state

log = logging.getLogger(__name__)

# Shown in Telegram's command menu, in this order; descriptions come from messages.yaml.
PUBLIC_COMMANDS = (
    "start",
    "topics",
    "help",
    "sources",
    "disclaimer",
    "contact",
    "privacy",
    "forget",
)


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE, out: Outgoing) -> None:
    """Send ``out`` to the chat the command came from (as a reply in groups)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return
    state = get_state(context)
    reply_to = message.message_id if message and chat.type != ChatType.PRIVATE else None
    await send(context.bot, chat.id, out, state.options.retry, reply_to=reply_to)


def _text(state: BotState, template: str) -> Outgoing:
    engine = state.runtime.engine
    return texts.join(texts.message(engine, template, state.runtime.settings.retention_days))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome, what the bot is and is not, the urgent-care reminder, the disclaimer,
    then the topic menu as its own message so browsing never edits the welcome away."""
    state = get_state(context)
    days = state.runtime.settings.retention_days
    await _reply(update, context, texts.welcome(state.runtime.engine, days))
    await _reply(update, context, texts.topics_menu(state.runtime.engine, days))
    log.info("update %d: /start", update.update_id)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to ask, and the commands."""
    state = get_state(context)
    await _reply(update, context, _text(state, state.messages.help))


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The topic menu: categories, then their entries, all as buttons."""
    state = get_state(context)
    days = state.runtime.settings.retention_days
    await _reply(update, context, texts.topics_menu(state.runtime.engine, days))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Where the answers come from."""
    state = get_state(context)
    days = state.runtime.settings.retention_days
    await _reply(update, context, texts.sources(state.runtime.engine, days))


async def disclaimer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The full disclaimer."""
    state = get_state(context)
    await _reply(update, context, _text(state, state.messages.disclaimer_full))


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to reach a person (CLINIC_CONTACT) and the emergency number."""
    state = get_state(context)
    await _reply(update, context, _text(state, state.messages.contact))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What is stored and for how long (RETENTION_DAYS)."""
    state = get_state(context)
    await _reply(update, context, _text(state, state.messages.privacy))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete everything stored about this user, then confirm."""
    state = get_state(context)
    user = update.effective_user
    if user is not None:
        try:
            removed = await asyncio.to_thread(state.runtime.sink.forget, user.id)
        except Exception:
            # Never claim a deletion that did not happen.
            log.exception("update %d: /forget failed in the event sink", update.update_id)
            await _reply(update, context, _text(state, state.messages.error))
            return
        log.info("update %d: /forget removed %d row(s)", update.update_id, removed)
    await _reply(update, context, _text(state, state.messages.forget_done))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other command (including admin commands from non-admins): the help text."""
    await help_command(update, context)
