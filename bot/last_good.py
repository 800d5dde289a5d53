"""A copy of the last knowledge directory that loaded without errors, kept in ``DATA_DIR``.

Live reload keeps the last good version serving while the bot runs. This copy keeps it
across a restart too: if staff leave ``KNOWLEDGE_DIR`` broken and the server reboots,
the bot starts from the copy instead of not starting at all, and says so.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from bot.reload import not_knowledge

log = logging.getLogger(__name__)

DIRECTORY = "last-good-knowledge"


def _ignored(_: str, names: list[str]) -> set[str]:
    """What live reload does not watch is not copied either."""
    return {n for n in names if not_knowledge(n)}


def location(data_dir: Path) -> Path:
    return Path(data_dir) / DIRECTORY


def save(knowledge_dir: Path, data_dir: Path) -> bool:
    """Replace the copy with ``knowledge_dir`` (just loaded without errors).

    Written beside the old copy, then swapped in by renames, so a crash midway leaves
    the previous copy whole. Failures are logged, never raised: the copy is a safety net,
    not part of answering.
    """
    target = location(data_dir)
    fresh = target.with_name(DIRECTORY + ".new")
    old = target.with_name(DIRECTORY + ".old")
    try:
        for leftover in (fresh, old):
            if leftover.exists():
                shutil.rmtree(leftover)
        shutil.copytree(knowledge_dir, fresh, ignore=_ignored)
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        if old.exists():
            shutil.rmtree(old)
        return True
    except OSError as error:
        log.warning("could not keep a copy of the knowledge in %s: %s", target, error)
        return False


def available(data_dir: Path) -> Path | None:
    """The copy, if there is one."""
    target = location(data_dir)
    return target if target.is_dir() else None
