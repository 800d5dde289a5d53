"""Run the FAQ bot: on Telegram when TELEGRAM_BOT_TOKEN is set, else as a console chat.

python run_bot.py             # Telegram long polling, or the console with no token
python run_bot.py --webhook   # Telegram webhook (WEBHOOK_URL, WEBHOOK_PORT, WEBHOOK_SECRET_TOKEN)
python run_bot.py --console   # the console chat, token or not
"""

from __future__ import annotations

import argparse
import logging
import sys

from pydantic import ValidationError

from bot.config import Settings
from bot.console import ConsoleChat
from bot.runtime import build_runtime

NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set and there is no terminal for the console chat. "
    "Set the token (see .env.example) or run `python run_bot.py --console` in a terminal."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--console", action="store_true", help="chat in this terminal")
    mode.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (WEBHOOK_URL, WEBHOOK_PORT, WEBHOOK_SECRET_TOKEN)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings()
    except ValidationError as error:
        # One line per setting, never the value (it may be the token).
        for problem in error.errors(include_url=False, include_input=False):
            name = "_".join(str(part) for part in problem["loc"]).upper()
            print(f"{name}: {problem['msg']} (see .env.example).", file=sys.stderr)
        return 2

    if args.console or settings.telegram_bot_token is None:
        if args.webhook:
            print("--webhook needs TELEGRAM_BOT_TOKEN (see .env.example).", file=sys.stderr)
            return 2
        if not args.console and not sys.stdin.isatty():
            print(NO_TOKEN, file=sys.stderr)
            return 2
        runtime = build_runtime(settings)
        ConsoleChat(runtime.engine, reload=runtime.reloader.poll).run()
        return 0

    # Imported here so the console works even where the Telegram extras are missing.
    from telegram.error import InvalidToken

    from bot.telegram import (
        ConfigurationError,
        build_application,
        check_webhook_settings,
        run_polling,
        run_webhook,
    )

    try:
        if args.webhook:
            check_webhook_settings(settings)  # before loading anything: fail fast
    except ConfigurationError as error:
        print(f"{error} (see .env.example).", file=sys.stderr)
        return 2
    runtime = build_runtime(settings)
    application = build_application(runtime)
    try:
        if args.webhook:
            run_webhook(application)
        else:
            run_polling(application)
    except ConfigurationError as error:
        print(f"{error} (see .env.example).", file=sys.stderr)
        return 2
    except InvalidToken:
        # PTB's message for this quotes the token; never let it reach a terminal or log.
        print(
            "Telegram rejected TELEGRAM_BOT_TOKEN (ask @BotFather for the current one) "
            f"at TELEGRAM_API_BASE_URL={settings.telegram_api_base_url}.",
            file=sys.stderr,
        )
        return 2
    except Exception:
        # Through logging, whose handlers redact the token, not the bare traceback hook.
        logging.getLogger("run_bot").exception("the bot stopped on an unexpected error")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
