"""The token never reaches a log line; patient messages never reach INFO."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from bot.telegram.logs import REDACTED, RedactSecrets, protect_secrets
from tests.telegram.fake_api import FakeBotApi, blocked, cant_parse, too_many_requests
from tests.telegram.harness import TOKEN, RunningBot, eventually

USER, BLOCKED = 1001, 1002
QUESTION = "my private worry: how much does the stem cell treatment cost?"


class Capture(logging.Handler):
    """Formats every record like a production handler would, exceptions included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stream = io.StringIO()
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.stream.write(self.format(record) + "\n")


@pytest.fixture
def capture() -> Iterator[Capture]:
    root = logging.getLogger()
    handler, level = Capture(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_no_log_line_holds_the_token_even_with_httpx_at_debug(
    api: FakeBotApi, make_bot: Callable[..., RunningBot], capture: Capture
) -> None:
    make_bot()
    api.fail("sendMessage", too_many_requests(1), chat_id=USER)
    api.fail("sendMessage", cant_parse(), chat_id=USER, when=lambda p: "parse_mode" in p)
    api.fail("sendMessage", blocked(), chat_id=BLOCKED)
    api.send_text(BLOCKED, QUESTION)
    api.send_text(USER, QUESTION)
    api.wait_sent(USER)
    # A deployment that turns the HTTP client up to DEBUG still gets no token.
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    api.send_text(USER, "/help")
    api.wait_sent(USER, 2)

    output = capture.stream.getvalue()
    assert "HTTP Request: POST" in output  # httpx did log the URLs ...
    assert REDACTED in output  # ... redacted
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output  # not even the secret half


def test_patient_text_is_never_logged_at_info(
    api: FakeBotApi, make_bot: Callable[..., RunningBot], capture: Capture
) -> None:
    make_bot()
    api.send_text(USER, QUESTION)
    api.wait_sent(USER)

    def info() -> list[str]:
        return [r.getMessage() for r in list(capture.records) if r.levelno >= logging.INFO]

    eventually(lambda: any("answer entry=" in line for line in info()))  # kinds and ids
    assert not any("private worry" in line for line in info())


def test_redaction_covers_arguments_and_tracebacks() -> None:
    redactor = RedactSecrets([TOKEN])
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError as error:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "url %s",
            (f"/bot{TOKEN}/x",),
            (
                type(error),
                error,
                error.__traceback__,
            ),
        )
    assert redactor.filter(record)
    formatted = logging.Formatter().format(record)
    assert TOKEN not in formatted
    assert formatted.count(REDACTED) == 2  # in the message and in the exception text


def test_protect_secrets_quiets_httpx_and_filters_every_root_handler() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    try:
        logging.getLogger("httpx").setLevel(logging.NOTSET)
        protect_secrets("first-secret")
        protect_secrets("second-secret")
        assert logging.getLogger("httpx").level == logging.WARNING
        (redactor,) = [f for f in handler.filters if isinstance(f, RedactSecrets)]
        assert {"first-secret", "second-secret"} <= set(redactor.secrets)
    finally:
        root.removeHandler(handler)


def test_telegram_library_never_logs_updates_even_at_debug() -> None:
    # python-telegram-bot writes whole updates (patients' messages, names, ids) at DEBUG.
    library = logging.getLogger("telegram.ext.Application")
    saved = logging.getLogger("telegram").level
    try:
        logging.getLogger("telegram").setLevel(logging.DEBUG)
        protect_secrets("123456:SECRET")
        assert not library.isEnabledFor(logging.DEBUG)
        assert library.isEnabledFor(logging.INFO)
    finally:
        logging.getLogger("telegram").setLevel(saved)
