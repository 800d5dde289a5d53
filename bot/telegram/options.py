"""How the Telegram adapter talks to the Bot API: rates, retries, timeouts.

Production uses the defaults; tests and the benchmark tighten timeouts or lift the
rate limit so they stay fast, while running exactly the same code paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.constants import FloodLimit

from bot.telegram.sending import Retry


@dataclass(frozen=True)
class TelegramOptions:
    """Tuning for one running bot. Rates of 0 switch that limit off (tests, benchmark)."""

    # Telegram's flood limits: ~30 messages a second overall, 20 a minute per group.
    overall_max_rate: float = FloodLimit.MESSAGES_PER_SECOND
    group_max_rate: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP
    # How often the rate limiter retries a 429 after waiting its ``retry_after``.
    rate_limit_retries: int = 3
    # Timeouts, network errors: attempts per Bot API call and the back-off between them.
    retry: Retry = field(default_factory=Retry)
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    write_timeout: float = 10.0
    pool_timeout: float = 3.0
    # Connections to the Bot API kept open at once (two requests per update in flight:
    # "typing..." and the reply; extra ones wait their turn within ``pool_timeout``).
    connection_pool_size: int = 64
    # Long polling: how long one getUpdates may wait for news.
    poll_timeout: float = 10.0
    # Updates handled at once (different chats; one chat's updates run in order). With
    # Telegram ~0.1 s away, 32 at once is well over 100 updates a second; more only
    # queues requests inside httpx, whose pool gets slower the more it holds.
    max_concurrent_updates: int = 32
    # Show "typing..." while a reply is composed.
    typing_action: bool = True
    # At most one error report to the admins per this many seconds.
    admin_alert_interval: float = 300.0
