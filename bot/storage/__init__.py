"""Storage of clinic events in SQLite under ``DATA_DIR``, with the privacy rules built in."""

from bot.storage.db import DB_FILENAME, SCHEMA_VERSION, connect, migrate
from bot.storage.sink import SqliteSink
from bot.storage.writer import StorageError

__all__ = ["DB_FILENAME", "SCHEMA_VERSION", "SqliteSink", "StorageError", "connect", "migrate"]
