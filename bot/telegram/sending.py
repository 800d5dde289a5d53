"""Getting a reply to the patient whatever the Bot API does on the way.

- replies over Telegram's 4,096-character limit are split at paragraph or line breaks,
  with HTML tags closed at the end of one part and reopened at the start of the next;
- a 400 "can't parse entities" falls back to the same reply as plain text;
- timeouts and network errors are retried with a short back-off (429s are retried by
  the rate limiter after ``retry_after``; one that still escapes is waited out here);
- a 403 (the user blocked the bot, or left the group) is logged and the reply dropped:
  nothing can be delivered there, and the bot must go on serving everyone else.

A timed-out ``sendMessage`` may have been delivered anyway (the Bot API has no
idempotency key); a rare duplicate is a better failure than a lost answer.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction, MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

log = logging.getLogger(__name__)

T = TypeVar("T")

LIMIT: int = MessageLimit.MAX_TEXT_LENGTH
_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\s+|[^\s<&]+|[<&]")
_TAG_NAME = re.compile(r"^</?\s*([a-zA-Z][\w-]*)")


@dataclass(frozen=True)
class Outgoing:
    """One reply: Telegram HTML, its plain-text twin (for the fallback) and buttons."""

    html: str
    text: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Retry:
    """How hard to try a Bot API call that failed for a passing reason."""

    attempts: int = 3
    backoff: float = 0.5


class Undeliverable(Exception):
    """The chat cannot receive messages (403); the caller drops the reply."""


def is_parse_error(error: BadRequest) -> bool:
    return "parse entities" in error.message.lower()


def is_not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


async def call(make: Callable[[], Awaitable[T]], retry: Retry, what: str) -> T:
    """Run a Bot API call, retrying timeouts, network errors and stray 429s.

    ``Forbidden`` becomes :class:`Undeliverable`; bad requests are the caller's to handle.
    """
    for attempt in range(1, retry.attempts + 1):
        try:
            return await make()
        except Forbidden as error:
            raise Undeliverable(error.message) from error
        except BadRequest:
            raise
        except RetryAfter as error:
            if attempt == retry.attempts:
                raise
            delay = error.retry_after
            seconds = delay if isinstance(delay, int) else delay.total_seconds()
            log.warning("%s: rate limited; retrying in %.1f s", what, seconds)
            await asyncio.sleep(seconds)
        except NetworkError as error:  # TimedOut is a NetworkError
            if attempt == retry.attempts:
                raise
            log.warning(
                "%s failed (%s); retry %d of %d",
                what,
                type(error).__name__,
                attempt,
                retry.attempts - 1,
            )
            await asyncio.sleep(retry.backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # the loop always returns or raises


def _utf16(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def _tag(token: str) -> tuple[str, bool] | None:
    """``(name, is_closing)`` for a tag token; ``None`` for text and entities."""
    if not token.startswith("<") or not token.endswith(">"):
        return None
    match = _TAG_NAME.match(token)
    return (match.group(1).lower(), token.startswith("</")) if match else None


def _visible(piece: str, markup: bool) -> str:
    if not markup:
        return piece
    return html.unescape(re.sub(r"<[^<>]*>", "", piece))


def split(text: str, limit: int = LIMIT, *, markup: bool = True) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` UTF-16 units.

    Cuts prefer a blank line, then a line break, then a space, in the second half of
    a part. With ``markup`` the text is Telegram HTML: cuts never fall inside a tag or
    an entity, and tags open at a cut are closed and reopened, so every part parses.
    """
    if _utf16(text) <= limit:
        return [text] if text.strip() else []
    tokens = _TOKEN.findall(text) if markup else re.findall(r"\s+|\S+", text)
    parts: list[str] = []
    current: list[str] = []
    opened: list[tuple[str, str]] = []  # (name, opening tag) still open at the end of current
    size = 0

    def closers(stack: list[tuple[str, str]]) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(stack))

    def flush(count: int) -> None:
        """Emit ``current[:count]`` as a part; the rest starts the next part."""
        nonlocal current, size, opened
        stack: list[tuple[str, str]] = []
        for token in current[:count]:
            _push(stack, token, markup)
        head = "".join(current[:count]).strip() + closers(stack)
        if _visible(head, markup).strip():
            parts.append(head)
        current = [tag for _, tag in stack] + current[count:]
        opened = []
        for token in current:
            _push(opened, token, markup)
        size = sum(_utf16(t) for t in current)

    pending = list(reversed(tokens))
    while pending:
        token = pending.pop()
        weight = _utf16(token)
        budget = limit - _utf16(closers(opened))
        if weight > limit // 2 and _tag(token) is None and not token.startswith("&"):
            # One enormous word: cut it into pieces that fit.
            step = max(1, limit // 4)
            pending.extend(reversed([token[i : i + step] for i in range(0, len(token), step)]))
            continue
        if size + weight > budget and _visible("".join(current), markup).strip():
            flush(_break_point(current, markup))
            pending.append(token)
            continue
        current.append(token)
        _push(opened, token, markup)
        size += weight
    if current:
        flush(len(current))
    return parts


def _push(stack: list[tuple[str, str]], token: str, markup: bool) -> None:
    if not markup:
        return
    tag = _tag(token)
    if tag is None:
        return
    name, closing = tag
    if closing:
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == name:
                del stack[i:]
                break
    elif not token.endswith("/>"):
        stack.append((name, token))


def _break_point(tokens: list[str], markup: bool) -> int:
    """How many tokens to keep in this part: up to the best break in its second half."""
    half = len(tokens) // 2
    for wanted in ("\n\n", "\n", " "):
        for i in range(len(tokens) - 1, half - 1, -1):
            if tokens[i].isspace() and wanted in tokens[i]:
                return i + 1
    return len(tokens)


def plain(html_text: str) -> str:
    """What the patient would read of a piece of our HTML, as plain text."""
    return html.unescape(re.sub(r"<[^<>]*>", "", html_text))


async def send(
    bot: Bot,
    chat_id: int,
    out: Outgoing,
    retry: Retry,
    *,
    reply_to: int | None = None,
) -> list[Message]:
    """Deliver ``out`` (split if needed, buttons on the last part); ``[]`` if undeliverable."""
    parts = split(out.html)
    sent: list[Message] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        make = partial(
            bot.send_message,
            chat_id,
            part,
            reply_markup=out.keyboard if last else None,
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and index == 0
                else None
            ),
        )
        try:
            sent.append(await call(make, retry, "sendMessage"))
        except Undeliverable as error:
            log.info("reply dropped: the chat cannot receive messages (%s)", error)
            return sent
        except BadRequest as error:
            if not is_parse_error(error):
                raise
            log.error("Telegram could not parse our HTML (%s); sending plain text", error)
            rest = out.text if index == 0 else "\n\n".join(plain(p) for p in parts[index:])
            return sent + await _send_plain(bot, chat_id, rest, out.keyboard, retry)
    return sent


async def _send_plain(
    bot: Bot,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
    retry: Retry,
) -> list[Message]:
    pieces = split(text, markup=False)
    sent: list[Message] = []
    for index, piece in enumerate(pieces):
        markup = keyboard if index == len(pieces) - 1 else None
        make = partial(bot.send_message, chat_id, piece, parse_mode=None, reply_markup=markup)
        try:
            sent.append(await call(make, retry, "sendMessage (plain)"))
        except Undeliverable as error:
            log.info("reply dropped: the chat cannot receive messages (%s)", error)
            break
    return sent


async def typing(bot: Bot, chat_id: int) -> None:
    """Show "typing..." while the reply is composed; cosmetic, so one try and no fuss."""
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as error:
        log.debug("typing indicator not shown: %s", type(error).__name__)


async def edit(
    bot: Bot,
    chat_id: int,
    message_id: int,
    out: Outgoing,
    retry: Retry,
) -> bool:
    """Replace a message's text and buttons (the topic menu); ``False`` if that failed."""
    try:
        await call(
            lambda: bot.edit_message_text(
                out.html, chat_id=chat_id, message_id=message_id, reply_markup=out.keyboard
            ),
            retry,
            "editMessageText",
        )
    except Undeliverable as error:
        log.info("menu not updated: %s", error)
        return False
    except BadRequest as error:
        if is_not_modified(error):
            return True
        log.warning("menu not updated: %s", error)
        return False
    return True


async def edit_keyboard(
    bot: Bot,
    chat_id: int,
    message_id: int,
    keyboard: InlineKeyboardMarkup | None,
    retry: Retry,
) -> None:
    """Swap a message's buttons (feedback given); failures only cost a stale button."""
    try:
        await call(
            lambda: bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=keyboard
            ),
            retry,
            "editMessageReplyMarkup",
        )
    except (Undeliverable, BadRequest) as error:
        log.info("buttons not updated: %s", error)
