"""Build and run the python-telegram-bot ``Application`` over the shared runtime.

``build_application`` wires the handlers, the rate limiter, HTML defaults and the
per-chat update processor; ``run_polling`` / ``run_webhook`` start it. Start-up
registers the command menu and starts the live-reload loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import signal
from collections.abc import Sequence
from urllib.parse import urlparse

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.runtime import Runtime
from bot.services import ReloadOutcome
from bot.telegram import admin, callbacks, chat, commands
from bot.telegram.concurrency import PerChatUpdateProcessor, ReplyRateLimiter
from bot.telegram.errors import on_error
from bot.telegram.logs import protect_secrets
from bot.telegram.options import TelegramOptions
from bot.telegram.state import AnyApplication, BotState, attach, state_of

log = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
ALLOWED_UPDATES: Sequence[str] = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
)


class ConfigurationError(ValueError):
    """The settings cannot run this mode (no token, webhook without URL or secret)."""


def _file_url(base_url: str) -> str | None:
    """``http://host/bot`` serves files at ``http://host/file/bot`` (Bot API convention)."""
    head, sep, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep and tail.startswith("bot") else None


def build_application(runtime: Runtime, options: TelegramOptions | None = None) -> AnyApplication:
    """The bot, ready for :func:`run_polling` or :func:`run_webhook` (or manual start)."""
    options = options or TelegramOptions()
    settings = runtime.settings
    if settings.telegram_bot_token is None:
        raise ConfigurationError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    secret = settings.webhook_secret_token
    protect_secrets(token, *([secret.get_secret_value()] if secret else []))

    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            ReplyRateLimiter(
                overall_max_rate=options.overall_max_rate,
                group_max_rate=options.group_max_rate,
                max_retries=options.rate_limit_retries,
            )
        )
        .concurrent_updates(PerChatUpdateProcessor(options.max_concurrent_updates))
        .connection_pool_size(options.connection_pool_size)
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.read_timeout)
        .write_timeout(options.write_timeout)
        .pool_timeout(options.pool_timeout)
        .get_updates_connect_timeout(options.connect_timeout)
        .get_updates_read_timeout(options.read_timeout)
        .post_init(_on_start)
        .post_shutdown(_on_shutdown)
    )
    file_url = _file_url(settings.telegram_api_base_url)
    if file_url:
        builder = builder.base_file_url(file_url)
    application: AnyApplication = builder.build()
    attach(application, BotState(runtime, options))
    _add_handlers(application, runtime)
    return application


def _add_handlers(application: AnyApplication, runtime: Runtime) -> None:
    """Admin commands first (private chats, admins only), then patients, then the rest."""
    new_messages = filters.UpdateType.MESSAGE
    admins = filters.User(user_id=runtime.settings.admin_user_ids)
    private = filters.ChatType.PRIVATE
    application.add_handler(
        CommandHandler("reload", admin.reload_command, filters=new_messages & private & admins)
    )
    application.add_handler(
        CommandHandler("stats", admin.stats_command, filters=new_messages & private & admins)
    )
    patient_commands = {
        "start": commands.start,
        "help": commands.help_command,
        "topics": commands.topics,
        "sources": commands.sources,
        "disclaimer": commands.disclaimer,
        "contact": commands.contact,
        "privacy": commands.privacy,
        "forget": commands.forget,
    }
    for name, callback in patient_commands.items():
        application.add_handler(CommandHandler(name, callback, filters=new_messages))
    addressed = new_messages & chat.ADDRESSED
    application.add_handler(MessageHandler(filters.COMMAND & addressed, commands.unknown_command))
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & addressed, chat.answer_text)
    )
    application.add_handler(MessageHandler(filters.ATTACHMENT & addressed, chat.answer_non_text))
    edited = filters.UpdateType.EDITED_MESSAGE & chat.ADDRESSED & ~filters.COMMAND
    application.add_handler(
        MessageHandler(edited & (filters.TEXT | filters.CAPTION), chat.answer_edited)
    )
    application.add_handler(CallbackQueryHandler(callbacks.on_button))
    application.add_error_handler(on_error)


def command_menu(application: AnyApplication, names: Sequence[str]) -> list[BotCommand]:
    """Menu entries for ``names`` that messages.yaml describes (others stay unlisted)."""
    described = state_of(application).messages.commands
    return [BotCommand(name, described[name]) for name in names if name in described]


async def _on_start(application: AnyApplication) -> None:
    """Register the command menu and start the live-reload loop."""
    state = state_of(application)
    public = command_menu(application, commands.PUBLIC_COMMANDS)
    try:
        await application.bot.set_my_commands(public)
    except TelegramError as error:
        log.warning("command menu not registered: %s", error)
    admin_menu = public + command_menu(application, admin.ADMIN_COMMANDS)
    for admin_id in sorted(state.runtime.settings.admin_user_ids):
        try:
            await application.bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(admin_id))
        except TelegramError as error:
            # Telegram knows the chat only once the admin has messaged the bot.
            log.info("admin command menu not registered for one admin: %s", error)
    if state.runtime.startup_problems:
        outcome = ReloadOutcome(swapped=False, problems=list(state.runtime.startup_problems))
        report = "Started from the last good copy of the knowledge. " + admin.describe(
            outcome, len(state.runtime.engine.knowledge.entries)
        )
        await admin.tell_admins(application.bot, state, report)
    state.reload_task = asyncio.create_task(admin.reload_loop(application), name="reload")
    log.info(
        "bot @%s serving %d entries",
        application.bot.username,
        len(state.runtime.engine.knowledge.entries),
    )


async def _on_shutdown(application: AnyApplication) -> None:
    """Stop the live-reload loop and let "typing..." tasks finish.

    A shutdown hook rather than a stop hook: PTB skips ``post_stop`` when the bot is
    told to stop while it is still starting, and the loop must end either way.
    """
    state = state_of(application)
    if state.reload_task is not None:
        state.reload_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await state.reload_task
        state.reload_task = None
    if state.background:
        await asyncio.gather(*state.background, return_exceptions=True)


def run_polling(application: AnyApplication, *, main_thread: bool = True) -> None:
    """Long polling (the default mode): blocks until stopped (Ctrl+C, SIGTERM).

    ``main_thread=False`` (tests, benchmark) skips the signal handlers, which only the
    main thread may install; stop it with ``application.stop_running()`` from its loop.
    """
    options = state_of(application).options
    application.run_polling(
        allowed_updates=list(ALLOWED_UPDATES),
        timeout=dt.timedelta(seconds=options.poll_timeout),
        drop_pending_updates=False,
        stop_signals=_STOP_SIGNALS if main_thread else None,
    )


def webhook_path(url: str) -> str:
    """The local path to serve: the path of the public URL (never the token)."""
    return urlparse(url).path.strip("/")


def check_webhook_settings(settings: Settings) -> tuple[str, str]:
    """The public URL and the secret token webhook mode needs, or a clear error."""
    if not settings.webhook_url:
        raise ConfigurationError("--webhook needs WEBHOOK_URL (the public HTTPS address)")
    if settings.webhook_secret_token is None:
        raise ConfigurationError(
            "--webhook needs WEBHOOK_SECRET_TOKEN (1-256 characters A-Z a-z 0-9 _ -)"
        )
    secret = settings.webhook_secret_token.get_secret_value()
    if not _SECRET.fullmatch(secret):
        raise ConfigurationError(
            "WEBHOOK_SECRET_TOKEN must be 1-256 characters of A-Z a-z 0-9 _ - only"
        )
    return settings.webhook_url, secret


def run_webhook(application: AnyApplication, *, main_thread: bool = True) -> None:
    """Webhook mode for deployments: Telegram posts updates to ``WEBHOOK_URL``.

    Every request must carry ``WEBHOOK_SECRET_TOKEN`` in the
    ``X-Telegram-Bot-Api-Secret-Token`` header; PTB answers 403 to any that does not.
    """
    settings = state_of(application).runtime.settings
    url, secret = check_webhook_settings(settings)
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=webhook_path(url),
        webhook_url=url,
        secret_token=secret,
        allowed_updates=list(ALLOWED_UPDATES),
        drop_pending_updates=False,
        stop_signals=_STOP_SIGNALS if main_thread else None,
    )
