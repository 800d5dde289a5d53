"""Reply composition: what the patient reads, as plain text and as Telegram HTML.

Both renderings come from the same parts so the console, ``ask --json`` and Telegram
never drift apart. Every piece of knowledge text is escaped for HTML here, once.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.engine.safety import Alarm
from bot.knowledge import Entry, Knowledge

TELEGRAM_LIMIT = 4096
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class ReplyKind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    NO_MATCH = "no_match"
    SMALLTALK = "smalltalk"
    URGENT = "urgent"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Rendered:
    """One text in both forms: ``text`` for the console and JSON, ``html`` for Telegram."""

    text: str
    html: str


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    question: str
    text: str
    html: str
    entry: Entry | None = None
    suggestions: tuple[Entry, ...] = ()
    score: float = 0.0
    alarms: tuple[Alarm, ...] = field(default=())
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` object of SPEC section 7."""
        return {
            "question": self.question,
            "kind": self.kind.value,
            "entry_id": self.entry.id if self.entry else None,
            "suggestions": [e.id for e in self.suggestions],
            "score": self.score,
            "text": self.text,
        }


def fill(template: str, values: Mapping[str, object]) -> str:
    """Replace the known ``{placeholders}``; leave any other brace text alone."""
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template
    )


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _join(parts: Sequence[Rendered]) -> Rendered:
    kept = [p for p in parts if p.text]
    return Rendered("\n\n".join(p.text for p in kept), "\n\n".join(p.html for p in kept))


def _clip(rendered: Rendered) -> Rendered:
    """Knowledge limits keep replies far below Telegram's; this guards the sum anyway."""
    if len(rendered.html) <= TELEGRAM_LIMIT and len(rendered.text) <= TELEGRAM_LIMIT:
        return rendered
    return Rendered(rendered.text[: TELEGRAM_LIMIT - 1] + "…", _esc(rendered.text[:3000]) + "…")


class Composer:
    """Builds replies from one knowledge version and the deployment's placeholder values."""

    def __init__(self, knowledge: Knowledge, values: Mapping[str, object]) -> None:
        self.knowledge = knowledge
        self.values = dict(values)
        self.messages = knowledge.messages

    def message(self, template: str, **extra: object) -> Rendered:
        text = fill(template, {**self.values, **extra}).strip()
        return Rendered(text, _esc(text))

    def _plain(self, text: str) -> Rendered:
        return Rendered(text, _esc(text))

    def _italic(self, text: str) -> Rendered:
        return Rendered(text, f"<i>{_esc(text)}</i>")

    def _list(self, heading: str, entries: Sequence[Entry], numbered: bool) -> Rendered:
        lines = [
            f"{i}. {e.title}" if numbered else f"• {e.title}" for i, e in enumerate(entries, 1)
        ]
        return Rendered(
            "\n".join([heading, *lines]),
            "\n".join([f"<b>{_esc(heading)}</b>", *(_esc(line) for line in lines)]),
        )

    def source_line(self, entry: Entry) -> Rendered:
        source = self.knowledge.sources[entry.source.id]
        section = self.knowledge.section_label(entry)
        template = self.messages.source_line if section else self.messages.source_line_no_section
        text = fill(template, {"title": source.title, "section": section or ""})
        return self._italic(text)

    def related(self, entry: Entry) -> tuple[Entry, ...]:
        found = (self.knowledge.entry(i) for i in entry.related)
        return tuple(e for e in found if e is not None)

    def answer_parts(self, entry: Entry) -> list[Rendered]:
        return [
            self._plain(fill(entry.answer, self.values).strip()),
            self.source_line(entry),
            self._italic(self.messages.disclaimer_short.strip()),
        ]

    def answer(self, entry: Entry) -> Rendered:
        """The answer for the console and JSON: related follow-ups listed as text.

        In Telegram the follow-ups are buttons, so the HTML leaves the list out.
        """
        parts = self.answer_parts(entry)
        related = self.related(entry)
        body = _join(parts)
        if not related:
            return _clip(body)
        listed = self._list(self.messages.related_heading, related, numbered=True)
        return _clip(Rendered(f"{body.text}\n\n{listed.text}", body.html))

    def clarify(self, candidates: Sequence[Entry]) -> Rendered:
        listed = self._list(self.messages.clarify_intro, candidates, numbered=True)
        return _clip(Rendered(listed.text, _esc(self.messages.clarify_intro)))

    def no_match(self, closest: Sequence[Entry]) -> Rendered:
        parts = [self.message(self.messages.no_match)]
        if closest:
            parts.append(self._list(self.messages.no_match_topics, closest, numbered=True))
        parts.append(self.message(self.messages.contact_line))
        return _clip(_join(parts))

    def alarm(self, alarms: Sequence[Alarm], answer: Entry | None) -> Rendered:
        """Crisis text first, then the red flags' emergency advice, if any; an urgent
        message's question is answered after it (a crisis reply answers nothing)."""
        replies = self.knowledge.safety.replies
        parts = []
        if alarms[0].kind == "crisis":
            parts += [self._bold(replies.crisis), *self._notes(alarms, "crisis")]
        if any(a.kind == "urgent" for a in alarms):
            parts += [self._bold(replies.urgent), *self._notes(alarms, "urgent")]
        if alarms[0].kind == "urgent" and answer is not None:
            parts += self.answer_parts(answer)
        return _clip(_join(parts))

    def _notes(self, alarms: Sequence[Alarm], kind: str) -> list[Rendered]:
        """Why each fired rule of ``kind`` matters, once each, placeholders filled."""
        notes = dict.fromkeys(a.note.strip() for a in alarms if a.kind == kind and a.note)
        return [self.message(note) for note in notes]

    def _bold(self, template: str) -> Rendered:
        first = self.message(template)
        return Rendered(first.text, f"<b>{first.html}</b>")

    def quote(self, entry: Entry) -> Rendered:
        if not entry.source.quote:
            return _join([self.source_line(entry)])
        intro = self.messages.quote_intro.strip()
        quote = entry.source.quote.strip()
        source = self.source_line(entry)
        return Rendered(
            f"{intro}\n\n“{quote}”\n\n{source.text}",
            f"{_esc(intro)}\n\n<blockquote>{_esc(quote)}</blockquote>\n\n{source.html}",
        )
