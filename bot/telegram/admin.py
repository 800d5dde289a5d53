"""Clinic operations in Telegram: /reload and /stats for admins, live reload, alerts.

Admins are ``ADMIN_USER_IDS``. Their commands work in private chats only (stats do not
belong in a patient group); anyone else sending them gets the ordinary help reply.
Staff-facing wording lives here, not in messages.yaml: patients never see it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from telegram import Bot, Update
from telegram.ext import ContextTypes

from bot.knowledge import Problem
from bot.services import ReloadOutcome
from bot.telegram import texts
from bot.telegram.sending import send
from bot.telegram.state import AnyApplication, BotState, get_state, state_of

log = logging.getLogger(__name__)

ADMIN_COMMANDS = ("reload", "stats")
_MAX_PROBLEMS = 30


def describe(outcome: ReloadOutcome, entries: int) -> str:
    """A reload outcome in words an admin can act on (``file:line: message`` lines)."""
    problems = [str(p) for p in outcome.problems]
    shown = "\n".join(problems[:_MAX_PROBLEMS])
    more = (
        f"\n... and {len(problems) - _MAX_PROBLEMS} more" if len(problems) > _MAX_PROBLEMS else ""
    )
    if outcome.swapped:
        head = f"Knowledge reloaded: now serving {entries} entries."
        return head + (f"\nWarnings:\n{shown}{more}" if problems else "")
    if outcome.failed:
        return (
            "Knowledge NOT reloaded: the bot keeps serving the previous version until "
            f"these are fixed (python -m bot check):\n{shown}{more}"
        )
    if problems:
        return f"Nothing reloaded. Notes:\n{shown}{more}"
    return "Nothing reloaded: no changes (or live reload is off)."


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload: load KNOWLEDGE_DIR now and say what happened."""
    state = get_state(context)
    chat = update.effective_chat
    if chat is None:
        return
    try:
        outcome = await asyncio.to_thread(state.runtime.reloader.reload_now)
        report = describe(outcome, len(state.runtime.engine.knowledge.entries))
    except Exception as error:
        log.exception("/reload failed")
        report = f"Reload failed unexpectedly: {type(error).__name__}. See the bot's log."
    log.info("update %d: /reload by an admin", update.update_id)
    await send(context.bot, chat.id, texts.plain(report), state.options.retry)


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: the event sink's summary."""
    state = get_state(context)
    chat = update.effective_chat
    if chat is None:
        return
    try:
        summary = await asyncio.to_thread(state.runtime.sink.stats)
    except Exception as error:
        log.exception("/stats failed")
        summary = f"Statistics are unavailable: {type(error).__name__}. See the bot's log."
    await send(context.bot, chat.id, texts.plain(summary), state.options.retry)


async def tell_admins(bot: Bot, state: BotState, report: str) -> None:
    """Send ``report`` to every admin; one unreachable admin does not stop the others."""
    for admin_id in sorted(state.runtime.settings.admin_user_ids):
        try:
            await send(bot, admin_id, texts.plain(report), state.options.retry)
        except Exception as error:
            log.warning("could not alert admin: %s", type(error).__name__)


async def alert_admins(bot: Bot, state: BotState, report: str) -> None:
    """Like :func:`tell_admins`, at most once per ``admin_alert_interval`` (error storms)."""
    now = time.monotonic()
    if now - state.last_admin_alert < state.options.admin_alert_interval:
        return
    state.last_admin_alert = now
    await tell_admins(bot, state, report)


def _log_problems(problems: Iterable[Problem], level: int) -> None:
    for problem in problems:
        log.log(level, "  %s", problem)


async def poll_once(application: AnyApplication) -> ReloadOutcome | None:
    """One look for knowledge changes; swaps are logged, failures go to the admins."""
    state = state_of(application)
    outcome = await asyncio.to_thread(state.runtime.reloader.poll)
    if outcome is None:
        return None
    entries = len(state.runtime.engine.knowledge.entries)
    if outcome.swapped:
        log.info("knowledge reloaded: %d entries", entries)
        _log_problems(outcome.problems, logging.WARNING)
    elif outcome.failed:
        log.error("knowledge change rejected; still serving the previous version:")
        _log_problems(outcome.problems, logging.ERROR)
        await tell_admins(application.bot, state, describe(outcome, entries))
    return outcome


async def reload_loop(application: AnyApplication) -> None:
    """Poll for knowledge changes every ``RELOAD_INTERVAL_SECONDS`` until cancelled."""
    state = state_of(application)
    interval = state.runtime.settings.reload_interval_seconds
    while True:
        await asyncio.sleep(interval)
        try:
            await poll_once(application)
        except Exception:
            log.exception("live reload check failed; will try again")
