"""Run the FAQ bot: on Telegram when TELEGRAM_BOT_TOKEN is set, else as a console chat.

python run_bot.py             # Telegram long polling, or the console with no token
python run_bot.py --console   # the console chat, token or not
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import Settings
from bot.console import ConsoleChat
from bot.engine import Engine
from bot.knowledge import load_knowledge

NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set and there is no terminal for the console chat. "
    "Set the token (see .env.example) or run `python run_bot.py --console` in a terminal."
)


def build_engine(settings: Settings) -> Engine:
    result = load_knowledge(settings.knowledge_dir)
    if result.knowledge is None:
        problems = "\n".join(f"  {p}" for p in result.errors)
        sys.exit(
            f"The knowledge in {settings.knowledge_dir} has errors:\n{problems}\n"
            "Fix them (python -m bot check) and start again."
        )
    return Engine(
        result.knowledge, settings.placeholders(), max_message_chars=settings.max_message_chars
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--console", action="store_true", help="chat in this terminal")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()

    if args.console or settings.telegram_bot_token is None:
        if not args.console and not sys.stdin.isatty():
            print(NO_TOKEN, file=sys.stderr)
            return 2
        ConsoleChat(build_engine(settings)).run()
        return 0
    print("The Telegram adapter is not built yet; use --console.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
