"""Delete what is older than the retention period (``RETENTION_DAYS``, default 90)."""

from __future__ import annotations

import sqlite3
import time

from bot.storage.db import transaction

DAY_SECONDS = 86_400


def day_of(timestamp: float) -> str:
    """The UTC calendar day of a unix time, as stored in ``daily_counts``."""
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def purge(conn: sqlite3.Connection, now: float, retention_days: int) -> int:
    """Delete every row older than ``retention_days``; returns how many went.

    Rows dated more than a day ahead (written while the clock was wrong) go too: kept,
    they would outlive the retention period by however far the clock was off.
    """
    cutoff = int(now) - retention_days * DAY_SECONDS
    future = int(now) + DAY_SECONDS
    removed = 0
    with transaction(conn):
        # Choices first, by their own age; the rest go with their question (cascade).
        for table in ("choices", "feedback", "questions"):
            deleted = conn.execute(
                f"DELETE FROM {table} WHERE created_at < ? OR created_at > ?", (cutoff, future)
            )
            removed += deleted.rowcount
        deleted = conn.execute("DELETE FROM daily_counts WHERE day < ?", (day_of(cutoff),))
        removed += deleted.rowcount
    return removed
