"""The Telegram adapter: a python-telegram-bot v22 application over the answer engine.

app.py builds and runs it; commands.py, chat.py, callbacks.py and admin.py handle
updates; keyboards.py encodes buttons; sending.py delivers replies whatever the Bot
API does; errors.py keeps the bot alive; logs.py keeps the token out of the logs.
"""

from bot.telegram.app import (
    ConfigurationError,
    build_application,
    check_webhook_settings,
    run_polling,
    run_webhook,
)
from bot.telegram.options import TelegramOptions

__all__ = [
    "ConfigurationError",
    "TelegramOptions",
    "build_application",
    "check_webhook_settings",
    "run_polling",
    "run_webhook",
]
