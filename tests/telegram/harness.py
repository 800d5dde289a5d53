"""Run the real bot against the fake Bot API: one thread for each, the test in a third.

:class:`RunningBot` starts ``run_polling`` (or ``run_webhook``) exactly as
``run_bot.py`` does, except for the signal handlers only a main thread may install.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.engine import Engine, Reply
from bot.knowledge import Problem
from bot.runtime import Runtime
from bot.services import ReloadOutcome
from bot.telegram import TelegramOptions, build_application, run_polling, run_webhook
from bot.telegram.sending import Retry
from tests.telegram.fake_api import FakeBotApi

TOKEN = "7000000001:AAH-fake-token-for-tests_0123456789abc"
ADMIN_ID = 4242

# Fast and unthrottled: the same code paths, without production's waiting.
FAST = TelegramOptions(
    overall_max_rate=0,
    group_max_rate=0,
    rate_limit_retries=3,
    retry=Retry(attempts=3, backoff=0.05),
    connect_timeout=2.0,
    read_timeout=2.0,
    write_timeout=2.0,
    pool_timeout=2.0,
    poll_timeout=2.0,
)


@dataclass
class RecordingSink:
    """An event sink that remembers every call (thread-safe enough for list appends)."""

    replies: list[tuple[int, Reply]] = field(default_factory=list)
    choices: list[tuple[int, str, str | None]] = field(default_factory=list)
    feedback: list[tuple[int, str, bool]] = field(default_factory=list)
    forgotten: list[int] = field(default_factory=list)
    fail: bool = False
    forget_seconds: float = 0.0  # a slow database
    stats_text: str = "Replies recorded: {count} <all kinds>"

    def record_reply(self, user_id: int, reply: Reply) -> str | None:
        if self.fail:
            raise RuntimeError("disk full")
        self.replies.append((user_id, reply))
        return f"r{len(self.replies)}"

    def record_choice(self, user_id: int, ref: str, entry_id: str | None) -> None:
        self.choices.append((user_id, ref, entry_id))

    def record_feedback(self, user_id: int, entry_id: str, helpful: bool) -> None:
        self.feedback.append((user_id, entry_id, helpful))

    def forget(self, user_id: int) -> int:
        if self.fail:
            raise RuntimeError("database is locked")
        time.sleep(self.forget_seconds)
        self.forgotten.append(user_id)
        return 3

    def stats(self) -> str:
        return self.stats_text.format(count=len(self.replies))


@dataclass
class ScriptedReloader:
    """A reloader whose outcomes the test decides."""

    polls: deque[ReloadOutcome] = field(default_factory=deque)
    now: ReloadOutcome = field(default_factory=lambda: ReloadOutcome(swapped=True))
    poll_count: int = 0

    def poll(self) -> ReloadOutcome | None:
        self.poll_count += 1
        return self.polls.popleft() if self.polls else None

    def reload_now(self) -> ReloadOutcome:
        return self.now


def eventually(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait for something the bot does on its own (no request to wait on)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def settings_for(api: FakeBotApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": api.base_url,
        "admin_user_ids": frozenset({ADMIN_ID}),
        "emergency_number": "999",
        "clinic_contact": "the front desk on 0123",
        "retention_days": 30,
        "reload_interval_seconds": 0.05,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class RunningBot:
    """The application in a background thread with its own event loop."""

    def __init__(
        self,
        api: FakeBotApi,
        engine: Engine,
        *,
        options: TelegramOptions = FAST,
        webhook: bool = False,
        startup_problems: tuple[Problem, ...] = (),
        **settings: Any,
    ) -> None:
        self.api = api
        self.sink = RecordingSink()
        self.reloader = ScriptedReloader()
        self.settings = settings_for(api, **settings)
        self.runtime = Runtime(self.settings, engine, self.sink, self.reloader, startup_problems)
        self.options = options
        self.webhook = webhook
        self.application = build_application(self.runtime, options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)
        self.crashed: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            if self.webhook:
                run_webhook(self.application, main_thread=False)
            else:
                run_polling(self.application, main_thread=False)
        except BaseException as error:  # reported by stop()
            self.crashed = error
            logging.getLogger(__name__).exception("bot thread crashed")

    def start(self) -> RunningBot:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self.application.running and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not start")
            time.sleep(0.01)
        if self.crashed:
            raise self.crashed
        return self

    def stop(self) -> None:
        deadline = time.monotonic() + 15
        while self._thread.is_alive() and time.monotonic() < deadline:
            if self._serving():
                # stop_running stops the event loop; a request that lands while start-up
                # is finishing only ends that step, and the bot runs on: ask again.
                self._loop.call_soon_threadsafe(self.application.stop_running)
            self._thread.join(1)
        assert not self._thread.is_alive(), "the bot did not stop"
        if self.crashed:
            raise self.crashed

    def _serving(self) -> bool:
        """Running and not yet shutting down (shutting down stops the updater first)."""
        updater = self.application.updater
        return self.application.running and (updater is None or updater.running)

    def __enter__(self) -> RunningBot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
