"""Bot texts for Telegram: the engine's rendering plus buttons, and the command texts.

Every word comes from ``knowledge/messages.yaml`` (or the engine, which reads it);
this module only arranges them and escapes what it adds.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.engine import Engine, Rendered, Reply, ReplyKind
from bot.knowledge import Category, Entry, Source
from bot.telegram import keyboards
from bot.telegram.sending import Outgoing


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def message(engine: Engine, template: str, retention_days: int) -> Rendered:
    """A messages.yaml text with every placeholder filled, escaped for HTML."""
    return engine.composer.message(template, retention_days=retention_days)


def join(*parts: Rendered, keyboard: InlineKeyboardMarkup | None = None) -> Outgoing:
    kept = [p for p in parts if p.text]
    return Outgoing(
        html="\n\n".join(p.html for p in kept),
        text="\n\n".join(p.text for p in kept),
        keyboard=keyboard,
    )


def for_reply(engine: Engine, reply: Reply, ref: str | None) -> Outgoing:
    """The engine's reply with its follow-ups, choices and feedback as buttons.

    The engine's HTML leaves the follow-up list out (it becomes buttons); the heading
    "You could also ask:" stays, so the buttons under an answer read as what they are.
    """
    messages = engine.knowledge.messages
    body = reply.html
    if reply.kind is ReplyKind.ANSWER and reply.suggestions:
        body += f"\n\n<b>{_esc(messages.related_heading)}</b>"
    return Outgoing(body, reply.text, keyboards.reply_keyboard(reply, messages, ref))


def welcome(engine: Engine, retention_days: int) -> Outgoing:
    """/start: who the bot is, the urgent-care reminder (in the welcome), the disclaimer."""
    messages = engine.knowledge.messages
    disclaimer = message(engine, messages.disclaimer_full, retention_days)
    return join(
        message(engine, messages.welcome, retention_days),
        Rendered(disclaimer.text, f"<i>{disclaimer.html}</i>"),
    )


def topics_menu(engine: Engine, retention_days: int) -> Outgoing:
    knowledge = engine.knowledge
    intro = message(engine, knowledge.messages.topics_intro, retention_days)
    return join(intro, keyboard=keyboards.topics_keyboard(knowledge))


def category_menu(engine: Engine, category: Category, entries: Sequence[Entry]) -> Outgoing:
    return Outgoing(
        f"<b>{_esc(category.title)}</b>",
        category.title,
        keyboards.category_keyboard(entries, engine.knowledge.messages),
    )


def _source_lines(source: Source) -> tuple[str, str]:
    """One source: its title, then who published it and when, then its address."""
    details = ", ".join(str(v) for v in (source.publisher, source.date) if v)
    lines = [(f"• {source.title}", f"• <b>{_esc(source.title)}</b>")]
    lines += [(f"  {value}", f"  {_esc(value)}") for value in (details, source.url) if value]
    return "\n".join(t for t, _ in lines), "\n".join(h for _, h in lines)


def sources(engine: Engine, retention_days: int) -> Outgoing:
    """/sources: every source the answers cite, the clinic's own article included."""
    knowledge = engine.knowledge
    intro = message(engine, knowledge.messages.sources_intro, retention_days)
    cited = {e.source.id for e in knowledge.entries}
    lines = [_source_lines(s) for s in knowledge.sources.values() if s.id in cited]
    listed = Rendered("\n\n".join(t for t, _ in lines), "\n\n".join(h for _, h in lines))
    return join(intro, listed)


def plain(text: str) -> Outgoing:
    """Staff-facing text (admin replies, alerts) that is not from the knowledge base."""
    return Outgoing(_esc(text), text)
