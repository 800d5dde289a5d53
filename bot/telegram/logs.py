"""Keep the bot token out of every log line.

The token is part of every Bot API URL, and httpx logs request URLs at INFO; a leaked
token lets anyone impersonate the clinic's bot. So the HTTP client loggers are turned
down to WARNING, and a filter on every root handler rewrites any record that still
contains the token (message, arguments, formatted traceback) before it is written.
python-telegram-bot logs whole updates (patients' messages, names, ids) at DEBUG, so
its loggers never go below INFO, even when the bot runs with DEBUG logging.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "[REDACTED-TOKEN]"
_NOISY = ("httpx", "httpcore")
# Loggers that write patients' messages at DEBUG.
_CHATTY = ("telegram",)


class RedactSecrets(logging.Filter):
    """Replaces each secret in a record with ``[REDACTED-TOKEN]``; never drops a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def protect_secrets(*secrets: str) -> RedactSecrets:
    """Quiet the HTTP loggers and redact ``secrets`` in every handler of the root logger.

    Call it after logging is configured; handlers added later need the returned filter
    (``handler.addFilter``) too. Safe to call more than once.
    """
    for name in _NOISY:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    for name in _CHATTY:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    redactor = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            redactor.secrets = tuple(sorted({*redactor.secrets, *old.secrets}, key=len))[::-1]
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor
