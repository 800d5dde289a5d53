"""What the adapters (Telegram, console) need besides the engine, as small protocols.

Storage and live reload are optional services: the adapters call them through these
interfaces, and the null versions keep the bot fully working without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.engine import Reply
from bot.knowledge import Problem


class EventSink(Protocol):
    """Where patient interactions are recorded for the clinic (privacy rules apply).

    Calls must return at once and never raise: a storage failure is the sink's to log,
    never the patient's to notice. ``user_id`` is the raw Telegram id; the sink keys
    it with a keyed hash before anything is stored.
    """

    def record_reply(self, user_id: int, reply: Reply) -> str | None:
        """Note a reply; returns a short reference (<= 16 chars) for later choices."""
        ...

    def record_choice(self, user_id: int, ref: str, entry_id: str | None) -> None:
        """The entry picked from a did-you-mean list (``None``: "none of these")."""
        ...

    def record_feedback(self, user_id: int, entry_id: str, helpful: bool) -> None: ...

    def forget(self, user_id: int) -> int:
        """Delete everything stored about the user; returns the number of rows removed.

        Raises an exception when the deletion did not happen.
        """
        ...

    def stats(self) -> str:
        """A short plain-text summary for the admins' /stats."""
        ...


class NullSink:
    """Stores nothing: the bot without a database."""

    def record_reply(self, user_id: int, reply: Reply) -> str | None:
        return None

    def record_choice(self, user_id: int, ref: str, entry_id: str | None) -> None:
        return None

    def record_feedback(self, user_id: int, entry_id: str, helpful: bool) -> None:
        return None

    def forget(self, user_id: int) -> int:
        return 0

    def stats(self) -> str:
        return "Storage is off: nothing is recorded."


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload attempt did: ``swapped`` new knowledge in, or kept the old one."""

    swapped: bool
    problems: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return not self.swapped and any(p.severity == "error" for p in self.problems)


class Reloader(Protocol):
    """Keeps the engine's knowledge in step with ``KNOWLEDGE_DIR``."""

    def poll(self) -> ReloadOutcome | None:
        """Reload if any knowledge file changed since the last look; ``None`` if none did."""
        ...

    def reload_now(self) -> ReloadOutcome:
        """Reload unconditionally (the admins' /reload)."""
        ...


class NullReloader:
    def poll(self) -> ReloadOutcome | None:
        return None

    def reload_now(self) -> ReloadOutcome:
        return ReloadOutcome(swapped=False)
