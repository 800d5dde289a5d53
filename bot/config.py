"""Runtime configuration, read from the environment and a ``.env`` file.

Names follow SPEC section 7; everything a clinic tunes about wording lives in
``knowledge/`` instead, so this file only holds deployment facts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Deployment settings; every field maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    knowledge_dir: Path = Path("knowledge")
    emergency_number: str = "112"
    crisis_line: str = (
        "a local crisis line (in the US call or text 988; in the UK and Ireland call "
        "Samaritans on 116 123)"
    )
    clinic_contact: str = "the clinic's reception desk"
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    data_dir: Path = Path("data")
    retention_days: int = Field(default=90, ge=1)
    max_message_chars: int = Field(default=2000, ge=50)
    user_hash_secret: SecretStr | None = None
    webhook_url: str | None = None
    webhook_port: int = 8443
    webhook_listen: str = "0.0.0.0"
    webhook_secret_token: SecretStr | None = None
    reload_interval_seconds: float = Field(default=1.0, gt=0)
    crisis_similarity: bool = True

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept ``"1, 2,3"`` as well as a list, so the variable stays easy to write."""
        if isinstance(value, str):
            return frozenset(
                int(part) for part in value.replace(";", ",").split(",") if part.strip()
            )
        return value

    @field_validator(
        "telegram_bot_token", "user_hash_secret", "webhook_secret_token", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """An empty ``TELEGRAM_BOT_TOKEN=`` line in ``.env`` means "no token", not an empty one."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def vector_cache(self) -> Path:
        """Where the crisis examples' sentence vectors are kept between runs (knowledge
        text only: patients' messages are never written there)."""
        return self.data_dir / "example-vectors.npz"

    def placeholders(self) -> dict[str, str]:
        """Values that knowledge texts may name as ``{emergency_number}`` and so on."""
        return {
            "emergency_number": self.emergency_number,
            "crisis_line": self.crisis_line,
            "clinic_contact": self.clinic_contact,
        }
