"""The validated knowledge base: immutable, so a reload can swap it in one assignment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.schema import (
    Category,
    CrisisExamplesFile,
    Entry,
    MatchingFile,
    MessagesFile,
    SafetyFile,
    Source,
    SynonymsFile,
    UrgentExamplesFile,
)
from bot.knowledge.source_text import SourceText


@dataclass(frozen=True)
class Knowledge:
    directory: Path
    sources: Mapping[str, Source]
    source_texts: Mapping[str, SourceText]
    entries: tuple[Entry, ...]
    categories: tuple[Category, ...]
    safety: SafetyFile
    synonyms: SynonymsFile
    matching: MatchingFile
    messages: MessagesFile
    crisis_examples: CrisisExamplesFile
    urgent_examples: UrgentExamplesFile
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def entries_in(self, category_id: str) -> list[Entry]:
        return [e for e in self.entries if e.category == category_id]

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def section_label(self, entry: Entry) -> str | None:
        """The section to show in the source line; quotes before any heading are the intro."""
        if entry.source.section:
            return entry.source.section
        if entry.source.id in self.source_texts:
            return self.messages.introduction_section
        return None
