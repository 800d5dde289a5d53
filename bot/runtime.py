"""Assemble what a running bot needs: the engine and its optional services.

Both adapters (``run_bot.py``'s Telegram and console modes) start from here, so they
serve the same knowledge, record the same events and reload the same way.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from bot.config import Settings
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.services import EventSink, NullReloader, NullSink, Reloader


class KnowledgeError(SystemExit):
    """The knowledge directory cannot be served at start-up (nothing older to fall back on)."""


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sink: EventSink
    reloader: Reloader


def build_engine(settings: Settings) -> Engine:
    result = load_knowledge(settings.knowledge_dir)
    if result.knowledge is None:
        problems = "\n".join(f"  {p}" for p in result.errors)
        raise KnowledgeError(
            f"The knowledge in {settings.knowledge_dir} has errors:\n{problems}\n"
            "Fix them (python -m bot check) and start again."
        )
    return Engine(
        result.knowledge, settings.placeholders(), max_message_chars=settings.max_message_chars
    )


def build_runtime(settings: Settings | None = None) -> Runtime:
    """The engine plus storage and live reload (null services until they are built)."""
    settings = settings or Settings()
    engine = build_engine(settings)
    print(
        f"Loaded {len(engine.knowledge.entries)} entries from {settings.knowledge_dir}",
        file=sys.stderr,
    )
    return Runtime(settings, engine, NullSink(), NullReloader())
