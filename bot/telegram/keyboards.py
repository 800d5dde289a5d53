"""Inline keyboards and the ``callback_data`` they carry.

Telegram gives a button at most 64 bytes of data, and the data comes back from the
client, so it is untrusted: :func:`decode` accepts only the shapes :func:`encode`
makes and returns ``None`` for anything else (old buttons, tampered clients).
Entry and category ids are lowercase-kebab and at most 40 characters (the knowledge
schema guarantees it), so every shape below fits with room to spare.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine import Reply, ReplyKind
from bot.knowledge import Category, Entry, Knowledge
from bot.knowledge.schema import MessagesFile

MAX_CALLBACK_BYTES = 64
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_REF = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


@dataclass(frozen=True)
class ShowAnswer:
    """Answer this entry (a follow-up, a topic-menu pick). Data ``a:<entry>``."""

    entry_id: str


@dataclass(frozen=True)
class ShowQuote:
    """Show the verbatim source quote of this entry. Data ``q:<entry>``."""

    entry_id: str


@dataclass(frozen=True)
class Choose:
    """A did-you-mean pick; ``entry_id`` ``None`` is "none of these".

    ``ref`` is the event sink's reference for the reply that offered the choice (empty
    when storage is off). Data ``c:<ref>:<entry>`` or ``n:<ref>``.
    """

    ref: str
    entry_id: str | None


@dataclass(frozen=True)
class Feedback:
    """Helpful / not helpful on an answer. Data ``f:1:<entry>`` or ``f:0:<entry>``."""

    entry_id: str
    helpful: bool


@dataclass(frozen=True)
class ShowTopics:
    """The topic menu: all categories (``category_id`` ``None``) or one. Data ``t[:<cat>]``."""

    category_id: str | None = None


Action = ShowAnswer | ShowQuote | Choose | Feedback | ShowTopics


def _ref(ref: str | None) -> str:
    """A sink reference safe to embed; anything unexpected is dropped, never truncated."""
    return ref if ref and _REF.match(ref) else ""


def encode(action: Action) -> str:
    """The ``callback_data`` for ``action``; raises if it would not fit in 64 bytes."""
    match action:
        case ShowAnswer(entry_id):
            data = f"a:{entry_id}"
        case ShowQuote(entry_id):
            data = f"q:{entry_id}"
        case Choose(ref, None):
            data = f"n:{_ref(ref)}"
        case Choose(ref, entry_id):
            data = f"c:{_ref(ref)}:{entry_id}"
        case Feedback(entry_id, helpful):
            data = f"f:{int(helpful)}:{entry_id}"
        case ShowTopics(None):
            data = "t"
        case ShowTopics(category_id):
            data = f"t:{category_id}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Action | None:
    """The action behind ``callback_data``, or ``None`` when it is not one of ours."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    kind, _, rest = data.partition(":")
    if kind == "t":
        if not rest:
            return ShowTopics()
        return ShowTopics(rest) if _ID.match(rest) else None
    if kind == "n":
        return Choose(rest, None) if not rest or _REF.match(rest) else None
    if kind == "c":
        ref, _, entry_id = rest.rpartition(":")
        if _ID.match(entry_id) and (not ref or _REF.match(ref)):
            return Choose(ref, entry_id)
        return None
    if kind == "f":
        flag, _, entry_id = rest.partition(":")
        if flag in ("0", "1") and _ID.match(entry_id):
            return Feedback(entry_id, flag == "1")
        return None
    if not _ID.match(rest):
        return None
    if kind == "a":
        return ShowAnswer(rest)
    if kind == "q":
        return ShowQuote(rest)
    return None


def _button(label: str, action: Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(action))


def _markup(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    kept = [list(row) for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


def reply_keyboard(
    reply: Reply, messages: MessagesFile, ref: str | None
) -> InlineKeyboardMarkup | None:
    """The buttons under a reply: what a patient can do next with it.

    Answers: the source quote, the related follow-ups, feedback. Did-you-mean: the
    candidates and "none of these". No match: the closest topics. An urgent reply that
    also answered gets only the quote button: nothing should compete with "get help now".
    Crisis and small talk replies have no buttons.
    """
    entry = reply.entry
    if reply.kind is ReplyKind.ANSWER and entry is not None:
        return _markup(
            [
                [_button(messages.show_quote_button, ShowQuote(entry.id))],
                *([_button(e.title, ShowAnswer(e.id))] for e in reply.suggestions),
                feedback_row(entry.id, messages),
            ]
        )
    if reply.kind is ReplyKind.CLARIFY:
        return _markup(
            [
                *([_button(e.title, Choose(_ref(ref), e.id))] for e in reply.suggestions),
                [_button(messages.clarify_none, Choose(_ref(ref), None))],
            ]
        )
    if reply.kind is ReplyKind.NO_MATCH:
        return _markup([_button(e.title, Choose(_ref(ref), e.id))] for e in reply.suggestions)
    if reply.kind is ReplyKind.URGENT and entry is not None:
        return _markup([[_button(messages.show_quote_button, ShowQuote(entry.id))]])
    return None


def feedback_row(entry_id: str, messages: MessagesFile) -> list[InlineKeyboardButton]:
    return [
        _button(messages.feedback_helpful_button, Feedback(entry_id, True)),
        _button(messages.feedback_not_helpful_button, Feedback(entry_id, False)),
    ]


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus the feedback row, once the patient has given feedback."""
    if markup is None:
        return None
    rows = (
        [b for b in row if not isinstance(decode(_data(b)), Feedback)]
        for row in markup.inline_keyboard
    )
    return _markup(rows)


def _data(button: InlineKeyboardButton) -> str | None:
    data = button.callback_data
    return data if isinstance(data, str) else None


def menu_categories(knowledge: Knowledge) -> list[Category]:
    """Categories that have at least one entry, in the order of ``topics.yaml``."""
    return [c for c in knowledge.categories if knowledge.entries_in(c.id)]


def topics_keyboard(knowledge: Knowledge) -> InlineKeyboardMarkup | None:
    """One button per category."""
    return _markup([_button(c.title, ShowTopics(c.id))] for c in menu_categories(knowledge))


def category_keyboard(
    entries: Sequence[Entry], messages: MessagesFile
) -> InlineKeyboardMarkup | None:
    """One button per entry of a category, then the way back to the categories."""
    return _markup(
        [
            *([_button(e.title, ShowAnswer(e.id))] for e in entries),
            [_button(messages.back_button, ShowTopics())],
        ]
    )
