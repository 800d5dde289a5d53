"""The update processor: chats in parallel, one chat in order, no chat hogging slots."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Chat, Message, Update

from bot.telegram.concurrency import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, dt.datetime.now(dt.UTC), chat, text="hi"))


async def test_one_flooding_chat_cannot_starve_the_others() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    release = asyncio.Event()
    order: list[str] = []

    async def handle(name: str, wait: bool) -> None:
        order.append(f"start {name}")
        if wait:
            await release.wait()
        order.append(f"end {name}")

    flood = [
        asyncio.create_task(processor.process_update(update(i, 1), handle(f"a{i}", True)))
        for i in range(20)
    ]
    other = asyncio.create_task(processor.process_update(update(99, 2), handle("b", False)))
    await asyncio.wait_for(other, 5)  # served while chat 1's first update still blocks
    assert order == ["start a0", "start b", "end b"]
    release.set()
    await asyncio.gather(*flood)
    starts = [o for o in order if o.startswith("start a")]
    assert starts == [f"start a{i}" for i in range(20)]  # chat 1 strictly in order
