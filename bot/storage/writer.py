"""A background thread that owns the database connection and runs every write.

Patients must never wait for the disk: ``submit`` queues a write and returns at once,
and a full queue or a broken database drops the write with a log line instead of
raising. ``call`` is for the rare reads and deletes whose result someone waits for
(/forget, /stats); the queue is first-in first-out, so such a call also waits for
that user's earlier writes.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.storage.db import connect

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[sqlite3.Connection], Any]

MAX_PENDING = 10_000
# A broken database is reported at most this often, not once per message.
ERROR_LOG_INTERVAL = 60.0


class StorageError(Exception):
    """A read or delete someone waited for did not happen."""


@dataclass
class _Job:
    operation: Operation
    what: str
    future: Future[Any] | None = None


_STOP = _Job(lambda conn: None, "stop")


class Writer:
    def __init__(
        self,
        path: Path,
        *,
        maintenance: Operation | None = None,
        maintenance_every: float = 3600.0,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.path = path
        self._maintenance = maintenance
        self._maintenance_every = maintenance_every
        self._queue: queue.Queue[_Job] = queue.Queue(maxsize=max_pending)
        self._conn: sqlite3.Connection | None = None
        self._last_error_log = -ERROR_LOG_INTERVAL
        self.failures = 0  # writes dropped or failed since start, for /stats
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="storage-writer", daemon=True)
        self._thread.start()

    # --- called from any thread ---------------------------------------------------

    def submit(self, operation: Operation, what: str) -> bool:
        """Queue a write; ``False`` (and a log line) if it had to be dropped."""
        if self._closed:
            log.warning("storage: closed, dropped %s", what)
            return False
        try:
            self._queue.put_nowait(_Job(operation, what))
        except queue.Full:
            self._log_error("storage: %d writes pending, dropped %s", self._queue.qsize(), what)
            return False
        return True

    def call(self, operation: Callable[[sqlite3.Connection], T], what: str, timeout: float) -> T:
        """Run ``operation`` after everything queued before it and return its result."""
        future: Future[T] = Future()
        job = _Job(operation, what, future)
        try:
            if self._closed:
                raise StorageError("storage is closed")
            self._queue.put(job, timeout=timeout)
            return future.result(timeout=timeout)
        except queue.Full:
            raise StorageError(f"{what}: the storage queue is full") from None
        except FutureTimeout:
            raise StorageError(f"{what}: storage did not answer within {timeout:g} s") from None

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written (tests, shutdown)."""
        try:
            self.call(lambda conn: None, "flush", timeout)
        except StorageError:
            return False
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, stop the thread and close the database."""
        if self._closed:
            return
        self._closed = True
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            log.error("storage: could not stop the writer (queue full)")
            return
        self._thread.join(timeout)

    # --- the writer thread ------------------------------------------------------------

    def _log_error(self, message: str, *args: object) -> None:
        """Count every failure; log the first of each minute at ERROR, the rest at DEBUG."""
        self.failures += 1
        now = time.monotonic()
        if now - self._last_error_log >= ERROR_LOG_INTERVAL:
            self._last_error_log = now
            log.error(message, *args)
        else:
            log.debug(message, *args)

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None:
            try:
                self._conn = connect(self.path)
            except (sqlite3.Error, OSError) as error:
                self._log_error("storage: cannot open %s: %s", self.path, error)
                return None
            log.info("storage: writing to %s", self.path)
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def _execute(self, job: _Job) -> None:
        conn = self._connection()
        if conn is None:
            if job.future is not None:
                job.future.set_exception(StorageError(f"{job.what}: the database is unavailable"))
            return
        try:
            result = job.operation(conn)
        except Exception as error:
            # Never the message text: sqlite3 errors name tables and constraints only.
            self._log_error("storage: %s failed: %s: %s", job.what, type(error).__name__, error)
            if isinstance(error, sqlite3.DatabaseError):
                self._drop_connection()
            if job.future is not None:
                job.future.set_exception(StorageError(f"{job.what}: {error}"))
            return
        if job.future is not None:
            job.future.set_result(result)

    def _maintain(self) -> None:
        if self._maintenance is not None:
            self._execute(_Job(self._maintenance, "retention purge"))

    def _run(self) -> None:
        self._maintain()
        next_maintenance = time.monotonic() + self._maintenance_every
        while True:
            wait = max(0.0, next_maintenance - time.monotonic())
            try:
                job = self._queue.get(timeout=wait)
            except queue.Empty:
                job = None
            if time.monotonic() >= next_maintenance:
                self._maintain()
                next_maintenance = time.monotonic() + self._maintenance_every
            if job is None:
                continue
            if job is _STOP:
                self._drop_connection()
                return
            self._execute(job)
