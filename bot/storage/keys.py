"""Keyed hashes that stand in for Telegram user ids, so no raw id is ever stored.

A plain hash of a Telegram id could be reversed by hashing every possible id; an HMAC
with a secret the database never holds cannot. The secret comes from
``USER_HASH_SECRET`` or is generated once into ``DATA_DIR/hash-secret`` (mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "hash-secret"


class SecretError(OSError):
    """The hash secret cannot be read or created."""


def load_secret(data_dir: Path, configured: str | None = None) -> bytes:
    """The configured secret, else the one in ``data_dir``, created on first use."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / SECRET_FILE
    try:
        # O_EXCL: two processes starting at once cannot both write a different secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = path.read_text(encoding="ascii").strip()
        if not text:
            raise SecretError(f"{path} is empty: delete it to generate a new secret") from None
        return text.encode("ascii")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="ascii").strip().encode("ascii")


def user_key(secret: bytes, user_id: int) -> str:
    """HMAC-SHA256 of the id, as hex: stable per user, meaningless without the secret."""
    return hmac.new(secret, str(user_id).encode("ascii"), hashlib.sha256).hexdigest()
