"""The error handler: log, apologise to the patient, alert the admins, keep running.

PTB calls it for any exception a handler raises; the application itself carries on
with the next update whatever happens here, and this handler never raises either.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ContextTypes

from bot.telegram import texts
from bot.telegram.admin import alert_admins
from bot.telegram.sending import Outgoing, Retry, Undeliverable, send
from bot.telegram.state import get_state

log = logging.getLogger(__name__)


def _transient(error: BaseException | None) -> bool:
    """Errors of the network or of Telegram's load, not of our code."""
    if isinstance(error, BadRequest):
        return False
    return isinstance(error, NetworkError | RetryAfter)  # TimedOut is a NetworkError


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle an exception raised while processing ``update`` (or in a background task)."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Undeliverable | Forbidden):
        log.info("update %s: the chat cannot receive messages; dropped", update_id)
        return
    if _transient(error):
        log.warning("update %s: Telegram unreachable for now: %s", update_id, error)
    else:
        log.error("update %s: handler failed", update_id, exc_info=error)

    try:
        state = get_state(context)
    except KeyError:
        return
    if isinstance(update, Update):
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except Exception:
                log.debug("callback was already answered")
        chat = update.effective_chat
        if chat is not None:
            sorry = texts.message(
                state.runtime.engine, state.messages.error, state.runtime.settings.retention_days
            )
            message = update.effective_message
            # In a group, the apology replies to the message, in its forum topic.
            reply_to = message.message_id if message and chat.type != "private" else None
            try:
                await send(
                    context.bot,
                    chat.id,
                    Outgoing(sorry.html, sorry.text),
                    Retry(2, 0.5),
                    reply_to=reply_to,
                )
            except Exception as failure:
                log.warning("could not send the apology: %s", type(failure).__name__)
    if not _transient(error):
        where = f"update {update_id}" if update_id is not None else "a background task"
        await alert_admins(
            context.bot,
            state,
            f"The bot hit an error in {where}: {type(error).__name__}. "
            "It keeps running; details are in its log.",
        )
