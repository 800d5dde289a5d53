"""Text normalisation shared by the checker, the safety triage and the matcher.

Everything that compares words goes through :func:`fold` and :func:`words` so that a
curly apostrophe, an en dash or upper case never decide whether two texts match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")
_APOSTROPHE_IN_WORD = re.compile(r"(?<=\w)'(?=\w)")
_NON_WORD = re.compile(r"[^\w]+")
_NUMBER_THEN_LETTERS = re.compile(r"(?<=\d)(?=[^\W\d_])")
# An emoji followed by a space ends a sentence too: in chat it does the work of a full
# stop ("back went weeding 😩 how long do these take").
_SENTENCE_END = re.compile(r"(?<=[.!?\n\u2600-\u27bf\ufe0f\U0001f300-\U0001faff])\s+|\n+")

_stemmer = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Unicode-normalise and fold typographic quotes and dashes to their plain forms."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_FOLD)).strip()


def words(text: str) -> list[str]:
    """Lower-case word tokens; ``can't`` becomes ``cant`` and ``10kg`` becomes ``10 kg``."""
    folded = _APOSTROPHE_IN_WORD.sub("", fold(text).casefold())
    spaced = _NUMBER_THEN_LETTERS.sub(" ", _NON_WORD.sub(" ", folded).replace("_", " "))
    return spaced.split()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem, cached: the same few thousand words recur in every message."""
    return str(_stemmer.stemWord(word))


_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+-\s+")


def clauses(sentence: str) -> list[str]:
    """Split a sentence at commas and semicolons: "I can't pee, what does it cost?"."""
    return [c for c in (part.strip() for part in _CLAUSE_BREAK.split(sentence)) if c]


def sentences(text: str) -> list[str]:
    """Split a message into sentences, so a question at the end of a story can stand alone."""
    return [s for s in (part.strip() for part in _SENTENCE_END.split(text)) if s]


_ANY = "zzanyzz"  # stands for ``*`` while a phrase is split into words


def phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for whole words and phrases, to search ``" ".join(words(text))``;
    ``*`` ends a word with any letters. A plain list, for staff lists that need none
    of the safety check's fillers and typo correction."""
    parts = []
    for phrase in phrases:
        tokens = words(phrase.replace("*", f" {_ANY} "))
        parts.append(" ".join(tokens).replace(f" {_ANY}", r"\w*"))
    if not parts:
        return None
    return re.compile(r"(?<!\S)(?:" + "|".join(parts) + r")(?!\S)")
