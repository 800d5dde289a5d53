"""Many chats at once, each chat in order; and a rate limiter for replies, not chrome.

Patients send two quick messages and expect two answers in that order, while fifty
other patients must not wait behind them. :class:`PerChatUpdateProcessor` runs
updates of different chats concurrently and messages of one chat one after another
(button presses are answered at once).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

JSONDict = dict[str, Any]
_UNLIMITED_ENDPOINTS = frozenset({"sendChatAction"})


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within a chat.

    PTB's own semaphore is taken before :meth:`do_process_update` runs, so an update
    waiting for its chat would hold a slot: one patient pasting 100 messages could
    fill every slot and stall everyone else. Here PTB's bound is only a queue limit;
    the real bound (``max_concurrent_updates``) is taken once the chat's turn has come.
    """

    QUEUE_LIMIT = 10_000

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max(self.QUEUE_LIMIT, max_concurrent_updates))
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        # A button press does not wait for its chat: Telegram shows a spinner until the
        # press is answered, and gives up after a few seconds, so it must not queue
        # behind a slow reply (a /forget waiting for the database, a 429 back-off).
        pressed = isinstance(update, Update) and update.callback_query is not None
        if chat is None or pressed:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] = self._users.get(chat.id, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:
                del self._users[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up: locks are made per chat on demand."""

    async def shutdown(self) -> None:
        """Nothing to free."""


class ReplyRateLimiter(AIORateLimiter):
    """PTB's :class:`AIORateLimiter`, except that "typing..." skips the queue.

    Telegram's ~30 per second ceiling is documented for messages. A typing indicator is
    cosmetic; counting it would halve the replies a busy bot can send, and queueing it
    behind replies would show "typing" after the answer. It goes out at once and any
    failure of it is ignored (see ``sending.typing``).
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if endpoint in _UNLIMITED_ENDPOINTS:
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
