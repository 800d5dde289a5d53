"""Live reload: watch ``KNOWLEDGE_DIR`` and swap in a new knowledge version when it changes.

Polling a fingerprint of the directory (path, size and modification time of every
file) is cheap, needs no extra dependency and works on every filesystem, including
network and container mounts where change notifications are unreliable. A file whose
modification time is too recent to trust (two saves within one timestamp tick look
identical) is also hashed, as git does for "racily clean" files.

A change is validated as a whole directory; only a knowledge base without errors is
swapped in, and :meth:`Engine.swap` builds the new state before replacing the old in
one assignment, so a question is never answered from half a knowledge base. An
invalid edit leaves the last good version serving and comes back as a failed
:class:`ReloadOutcome` whose problems read ``path:line: message``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.engine import Engine
from bot.knowledge import LoadResult, Problem, load_knowledge
from bot.services import ReloadOutcome

log = logging.getLogger(__name__)

# Files modified within this window are hashed too: filesystems store modification
# times with a granularity from nanoseconds down to two seconds.
RACY_NS = 3_000_000_000
# After a change is seen, wait this long for the editor to finish writing, up to
# SETTLE_ROUNDS times, so a save in progress is not reported as broken.
SETTLE_SECONDS = 0.2
SETTLE_ROUNDS = 5


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int
    digest: bytes | None  # only for files too recently modified to trust the stat


Snapshot = dict[str, FileState]


def not_knowledge(name: str) -> bool:
    """Editor swap and backup files, and hidden files: never part of the knowledge."""
    return name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp"))


def _digest(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").digest()
    except OSError:
        return None


def scan(directory: Path, previous: Snapshot | None = None) -> tuple[Snapshot, bool]:
    """The directory's fingerprint, and whether it differs from ``previous``."""
    now_ns = time.time_ns()
    previous = previous or {}
    snapshot: Snapshot = {}
    changed = False
    # Symlinked folders are followed, as the loader reads through them; a link back
    # to a folder already seen is not followed again.
    seen: set[str] = set()
    for root, dirs, files in os.walk(directory, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not not_knowledge(d))
        for name in files:
            if not_knowledge(name):
                continue
            path = os.path.join(root, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue  # deleted while we looked: the next scan sees it gone
            relative = os.path.relpath(path, directory)
            old = previous.get(relative)
            racy = stat.st_mtime_ns >= now_ns - RACY_NS
            same_stat = old is not None and (old.size, old.mtime_ns) == (
                stat.st_size,
                stat.st_mtime_ns,
            )
            digest = _digest(path) if racy or (same_stat and old and old.digest) else None
            if not same_stat or (old and old.digest and digest and old.digest != digest):
                changed = True
            snapshot[relative] = FileState(stat.st_size, stat.st_mtime_ns, digest if racy else None)
    if snapshot.keys() != previous.keys():
        changed = True
    return snapshot, changed


class KnowledgeReloader:
    """The :class:`~bot.services.Reloader` over one engine and one knowledge directory.

    ``poll`` and ``reload_now`` may be called from any thread; a lock makes reloads run
    one at a time, while replies keep being served from the current version.
    """

    def __init__(
        self,
        engine: Engine,
        directory: Path,
        *,
        snapshot: Snapshot | None = None,
        settle_seconds: float = SETTLE_SECONDS,
        loader: Callable[[Path], LoadResult] = load_knowledge,
        on_swapped: Callable[[], object] | None = None,
    ) -> None:
        """``on_swapped`` runs after each successful swap (it keeps the last good copy)."""
        self.engine = engine
        self._on_swapped = on_swapped
        self.directory = Path(directory)
        self._settle = settle_seconds
        self._load = loader
        self._lock = threading.Lock()
        # Taken before the engine's knowledge was loaded, ideally, so an edit made
        # while the bot started is still noticed.
        self._snapshot = snapshot if snapshot is not None else scan(self.directory)[0]
        self.last_outcome: ReloadOutcome | None = None

    def poll(self) -> ReloadOutcome | None:
        """Reload if any file under the directory changed since the last look."""
        with self._lock:
            snapshot, changed = scan(self.directory, self._snapshot)
            if not changed:
                return None
            for _ in range(SETTLE_ROUNDS if self._settle > 0 else 0):
                time.sleep(self._settle)
                snapshot, still_changing = scan(self.directory, snapshot)
                if not still_changing:
                    break
            return self._reload(snapshot)

    def reload_now(self) -> ReloadOutcome:
        """Reload whether or not anything changed (the admins' /reload)."""
        with self._lock:
            return self._reload(scan(self.directory, self._snapshot)[0])

    def _reload(self, snapshot: Snapshot) -> ReloadOutcome:
        # Remember the files as they were before loading: an edit made during the load
        # is seen by the next poll. A broken version is reported once, not every poll.
        self._snapshot = snapshot
        try:
            result = self._load(self.directory)
            if result.knowledge is not None:
                self.engine.swap(result.knowledge)
                if self._on_swapped is not None:
                    self._on_swapped()
        except Exception as error:
            log.exception("knowledge reload crashed; still serving the previous version")
            problem = Problem(
                str(self.directory),
                1,
                f"the knowledge could not be loaded ({type(error).__name__}: {error}); "
                "the previous version is still serving",
            )
            outcome = ReloadOutcome(swapped=False, problems=[problem])
        else:
            outcome = self._report(result)
        self.last_outcome = outcome
        return outcome

    def _report(self, result: LoadResult) -> ReloadOutcome:
        lines = "\n".join(f"  {p}" for p in result.problems)
        if result.knowledge is None:
            log.error(
                "knowledge in %s has %d error(s); still serving the previous version:\n%s",
                self.directory,
                len(result.errors),
                lines,
            )
            return ReloadOutcome(swapped=False, problems=list(result.problems))
        log.info(
            "knowledge reloaded from %s: %d entries", self.directory, len(result.knowledge.entries)
        )
        if result.warnings:
            log.warning("knowledge loaded with %d warning(s):\n%s", len(result.warnings), lines)
        return ReloadOutcome(swapped=True, problems=list(result.problems))
