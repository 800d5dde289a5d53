"""What every handler needs, kept in ``application.bot_data`` under one typed key."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from telegram.ext import Application, CallbackContext

from bot.knowledge.schema import MessagesFile
from bot.runtime import Runtime
from bot.telegram.options import TelegramOptions

_KEY = "faq_bot_state"


@dataclass
class BotState:
    runtime: Runtime
    options: TelegramOptions
    background: set[asyncio.Task[None]] = field(default_factory=set)
    reload_task: asyncio.Task[None] | None = None
    last_admin_alert: float = float("-inf")

    @property
    def messages(self) -> MessagesFile:
        """The current knowledge version's bot texts (they change on reload)."""
        return self.runtime.engine.knowledge.messages

    def keep(self, task: asyncio.Task[None]) -> None:
        """Hold a fire-and-forget task until it finishes (asyncio keeps weak refs only)."""
        self.background.add(task)
        task.add_done_callback(self.background.discard)


AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyContext = CallbackContext[Any, Any, Any, Any]


def attach(application: AnyApplication, state: BotState) -> None:
    application.bot_data[_KEY] = state


def state_of(application: AnyApplication) -> BotState:
    return cast(BotState, application.bot_data[_KEY])


def get_state(context: AnyContext) -> BotState:
    return state_of(context.application)
