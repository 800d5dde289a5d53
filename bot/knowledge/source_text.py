"""A local copy of a source, split into its sections, for checking quotes.

SPEC: a heading is a short line that ends with no punctuation. Text before the first
heading is the introduction. Quotes are compared after folding whitespace, quote
styles and dashes, so a quote typed with a plain apostrophe still matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from bot.text import fold

_MAX_HEADING_CHARS = 100
_MAX_HEADING_WORDS = 15
_TRAILING_PUNCTUATION = tuple(".,;:!?\u2026\"')]")


def is_heading(line: str) -> bool:
    text = line.strip()
    return (
        bool(text)
        and len(text) <= _MAX_HEADING_CHARS
        and len(text.split()) <= _MAX_HEADING_WORDS
        and not text.startswith(("-", "*", "\u2022", "\u2013"))
        and not text.endswith(_TRAILING_PUNCTUATION)
    )


@dataclass(frozen=True)
class SourceText:
    """Sections in reading order; the introduction has the heading ``None``."""

    sections: tuple[tuple[str | None, str], ...]

    @classmethod
    def read(cls, path: Path) -> SourceText:
        return cls.parse(path.read_text(encoding="utf-8"))

    @classmethod
    def parse(cls, text: str) -> SourceText:
        sections: list[tuple[str | None, list[str]]] = [(None, [])]
        for line in text.splitlines():
            if is_heading(line):
                sections.append((line.strip(), []))
            else:
                sections[-1][1].append(line)
        return cls(tuple((name, fold("\n".join(body))) for name, body in sections))

    @property
    def headings(self) -> list[str]:
        return [name for name, _ in self.sections if name is not None]

    def section_of(self, quote: str) -> tuple[bool, str | None]:
        """``(found, heading)`` of the section that holds ``quote`` verbatim."""
        needle = fold(quote)
        for name, body in self.sections:
            if needle in body:
                return True, name
        return False, None

    def body(self, heading: str | None) -> str:
        for name, text in self.sections:
            if name == heading:
                return text
        return ""

    def closest_passage(self, quote: str) -> str:
        """The stretch of the source most like ``quote``, to show staff what to copy."""
        needle = fold(quote)
        best_score, best = -1.0, ""
        for _, body in self.sections:
            if not body:
                continue
            alignment = fuzz.partial_ratio_alignment(needle, body)
            if alignment is not None and alignment.score > best_score:
                best_score = alignment.score
                best = body[alignment.dest_start : alignment.dest_end]
        return best
