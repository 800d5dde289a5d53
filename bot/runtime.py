"""Assemble what a running bot needs: the engine and its services (storage, live reload).

Both adapters (``run_bot.py``'s Telegram and console modes) start from here, so they
serve the same knowledge, record the same events and reload the same way.
"""

from __future__ import annotations

import atexit
import sys
from dataclasses import dataclass

from bot import last_good
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge import Knowledge, Problem, load_knowledge
from bot.reload import KnowledgeReloader, scan
from bot.services import EventSink, Reloader
from bot.storage import SqliteSink


class KnowledgeError(SystemExit):
    """The knowledge directory cannot be served at start-up (nothing older to fall back on)."""


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sink: EventSink
    reloader: Reloader
    # KNOWLEDGE_DIR's errors when the bot had to start from the last good copy.
    startup_problems: tuple[Problem, ...] = ()

    def close(self) -> None:
        """Write what is still queued and close the database (also done at exit)."""
        close = getattr(self.sink, "close", None)
        if callable(close):
            close()


def engine_values(settings: Settings) -> dict[str, object]:
    """Placeholders for knowledge texts, including ``{retention_days}`` for /privacy."""
    return {**settings.placeholders(), "retention_days": settings.retention_days}


def _errors(settings: Settings, errors: list[Problem]) -> str:
    problems = "\n".join(f"  {p}" for p in errors)
    return f"The knowledge in {settings.knowledge_dir} has errors:\n{problems}\n"


def _refuse(settings: Settings, errors: list[Problem]) -> KnowledgeError:
    return KnowledgeError(
        _errors(settings, errors) + "Fix them (python -m bot check) and start again."
    )


def _engine(knowledge: Knowledge, settings: Settings) -> Engine:
    return Engine(
        knowledge,
        engine_values(settings),
        max_message_chars=settings.max_message_chars,
        similarity=settings.crisis_similarity,
        vector_cache=settings.vector_cache,
    )


def build_engine(settings: Settings) -> Engine:
    """The engine over ``KNOWLEDGE_DIR`` as it is now, with no fallback."""
    result = load_knowledge(settings.knowledge_dir)
    if result.knowledge is None:
        raise _refuse(settings, result.errors)
    return _engine(result.knowledge, settings)


def _knowledge_at_start(settings: Settings) -> tuple[Knowledge, tuple[Problem, ...]]:
    """``KNOWLEDGE_DIR``, or the last good copy in ``DATA_DIR`` when it has errors."""
    result = load_knowledge(settings.knowledge_dir)
    if result.knowledge is not None:
        last_good.save(settings.knowledge_dir, settings.data_dir)
        return result.knowledge, ()
    copy = last_good.available(settings.data_dir)
    backup = load_knowledge(copy) if copy is not None else None
    if backup is None or backup.knowledge is None:
        raise _refuse(settings, result.errors)
    print(
        _errors(settings, result.errors)
        + f"Serving the last good copy ({copy}) until they are fixed; edits are picked up live.",
        file=sys.stderr,
    )
    return backup.knowledge, tuple(result.errors)


def build_runtime(settings: Settings | None = None) -> Runtime:
    """The engine, SQLite storage in ``DATA_DIR`` and live reload of ``KNOWLEDGE_DIR``."""
    settings = settings or Settings()
    # The fingerprint comes first, so an edit made while the engine loads is not missed.
    snapshot = scan(settings.knowledge_dir)[0]
    knowledge, problems = _knowledge_at_start(settings)
    engine = _engine(knowledge, settings)
    print(
        f"Loaded {len(engine.knowledge.entries)} entries from {knowledge.directory}",
        file=sys.stderr,
    )
    sink = SqliteSink.from_settings(settings)
    atexit.register(sink.close)
    reloader = KnowledgeReloader(
        engine,
        settings.knowledge_dir,
        snapshot=snapshot,
        on_swapped=lambda: last_good.save(settings.knowledge_dir, settings.data_dir),
    )
    return Runtime(settings, engine, sink, reloader, problems)
