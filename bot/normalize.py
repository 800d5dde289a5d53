"""Turn a text into the stems the matcher compares, applying the clinic's synonyms.

Patients and the knowledge base are normalised the same way, so "slipped disc",
"slipped discs" and "herniated disc" all become the same stems on both sides.

Stop words (and numbers) are decided on the word as written, before stemming, and come
out marked with a leading ``~``: "usually" is a stop word but "usual treatments" is not, even
though both stem to "usual".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.text import stem, words


class Normalizer:
    """Spelling fixes, stemming and synonym replacement (typo correction is the matcher's)."""

    def __init__(
        self,
        synonyms: Mapping[str, Sequence[str]],
        spelling: Mapping[str, str],
        stop_words: Iterable[str],
    ) -> None:
        self._spelling = {" ".join(words(k)): words(v) for k, v in spelling.items()}
        self._phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for canonical, lay_forms in synonyms.items():
            target = tuple(stem(w) for w in words(canonical))
            if not target:  # no word to replace with (the check reports it)
                continue
            # The canonical form maps to itself so that "herniated disc" is consumed
            # whole instead of "herniated" expanding to "herniated disc disc".
            self._phrases[target] = target
            for form in lay_forms:
                key = tuple(stem(w) for w in words(form))
                if key:
                    self._phrases.setdefault(key, target)
        # Phrase lengths by first stem, longest first: most words start no phrase at all.
        sizes: dict[str, set[int]] = {}
        for key in self._phrases:
            sizes.setdefault(key[0], set()).add(len(key))
        self._sizes = {first: sorted(n, reverse=True) for first, n in sizes.items()}
        self.stop_words = frozenset(w for phrase in stop_words for w in words(phrase))

    def surface(self, text: str) -> list[str]:
        """Word tokens with texting shorthand expanded ("hw" -> "how")."""
        return self.expand(words(text))

    def expand(self, tokens: Iterable[str]) -> list[str]:
        """Texting shorthand expanded in tokens already split by :func:`words`."""
        out: list[str] = []
        for word in tokens:
            out.extend(self._spelling.get(word, (word,)))
        return out

    def stems(self, tokens: Sequence[str]) -> list[str]:
        """Stems after synonym replacement (longest phrase first); stop words as ``~stem``."""
        stemmed = [stem(t) for t in tokens]
        out: list[str] = []
        i = 0
        while i < len(stemmed):
            for size in self._sizes.get(stemmed[i], ()):
                if i + size > len(stemmed):
                    continue
                replacement = self._phrases.get(tuple(stemmed[i : i + size]))
                if replacement is not None:
                    out.extend(replacement)
                    i += size
                    break
            else:
                stop = tokens[i] in self.stop_words or tokens[i].isdigit()
                out.append(f"~{stemmed[i]}" if stop else stemmed[i])
                i += 1
        return out

    def analyze(self, text: str) -> list[str]:
        return self.stems(self.surface(text))

    @staticmethod
    def is_stop(stem_: str) -> bool:
        return stem_.startswith("~")

    def content(self, stems: Iterable[str]) -> list[str]:
        return [s for s in stems if not s.startswith("~")]

    def signature(self, text: str) -> tuple[str, ...]:
        """Order-free content of a phrasing: equal signatures mean "asks the same thing"."""
        return self.signature_of_words(words(text))

    def signature_of_words(self, tokens: Sequence[str]) -> tuple[str, ...]:
        """:meth:`signature` of a text already split by :func:`words` (saves splitting twice)."""
        return tuple(sorted({s for s in self.stems(self.expand(tokens)) if not s.startswith("~")}))
