"""Messages about another part of the body or another condition get no answer.

"Stem cells for Parkinson's?" shares its best words ("stem cells") with the bot's own
entries, so a word score, or closeness in meaning, can rank one of them first and the
patient gets an answer about the back. The not-covered topics in ``matching.yaml``
catch most such questions by outscoring the entries, but not when the rest of the
message matches an entry well ("can stem cell infusions slow the progression of
Parkinson's"). So a message that names one of ``other_conditions`` (Parkinson's, a
knee, a dog) and none of ``about_the_back`` (back, spine, disc, "the injection") is
answered as not covered, whatever its other words match. "Back" in another sense
("will my hair grow back", "call me back") is not about the back: ``back_in_passing``
lists those phrases. All three lists are staff data.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.text import phrase_pattern, words


class OffTopic:
    def __init__(
        self,
        other_conditions: Sequence[str],
        about_the_back: Sequence[str],
        back_in_passing: Sequence[str] = (),
    ) -> None:
        self._other = phrase_pattern(other_conditions)
        self._back = phrase_pattern(about_the_back)
        self._in_passing = phrase_pattern(back_in_passing)

    def named(self, text: str) -> str | None:
        """The other condition the message is about, or ``None``."""
        if self._other is None:
            return None
        folded = " ".join(words(text))
        found = self._other.search(folded)
        if found is None:
            return None
        if self._in_passing is not None:
            folded = self._in_passing.sub(" ", folded)
        if self._back is not None and self._back.search(folded):
            return None
        return found.group(0)
