"""The admins' /stats: a few lines on the last week, from the stored counts."""

from __future__ import annotations

import sqlite3

from bot.storage.retention import DAY_SECONDS, day_of

STATS_DAYS = 7
# Reply kinds in the order and wording admins read them.
KIND_LABELS = (
    ("answer", "answered"),
    ("clarify", "did-you-mean"),
    ("no_match", "not answered"),
    ("smalltalk", "small talk"),
    ("urgent", "urgent"),
    ("crisis", "crisis"),
)


def summary(conn: sqlite3.Connection, now: float, retention_days: int) -> str:
    # Whole UTC days: today and the six before it, the same days as daily_counts.
    since = (int(now) // DAY_SECONDS - (STATS_DAYS - 1)) * DAY_SECONDS
    first_day = day_of(since)
    counts = dict(
        conn.execute(
            "SELECT kind, SUM(count) FROM daily_counts WHERE day >= ? GROUP BY kind",
            (first_day,),
        ).fetchall()
    )
    total = sum(counts.values())
    kinds = ", ".join(f"{label} {counts.get(kind, 0)}" for kind, label in KIND_LABELS)
    picked, rejected = conn.execute(
        "SELECT COUNT(entry_id), COUNT(*) - COUNT(entry_id) FROM choices WHERE created_at >= ?",
        (since,),
    ).fetchone()
    helpful, not_helpful = conn.execute(
        "SELECT COALESCE(SUM(helpful), 0), COUNT(*) - COALESCE(SUM(helpful), 0) "
        "FROM feedback WHERE created_at >= ?",
        (since,),
    ).fetchone()
    stored, people = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT user_key) FROM questions"
    ).fetchone()
    return "\n".join(
        [
            f"Last {STATS_DAYS} days (since {first_day}): {total} replies: {kinds}.",
            f'Picked from a suggestion list: {picked}; "none of these": {rejected}.',
            f"Feedback: {helpful} helpful, {not_helpful} not helpful.",
            f"Stored now: {stored} unanswered or unsure question(s) from {people} "
            f"person(s); rows are deleted after {retention_days} days.",
            "What to add next: python -m bot gaps",
        ]
    )
