"""How common a word is in everyday English, from pyspellchecker's frequency list.

The matcher uses it twice. A common English word is never "corrected" into a word of
the knowledge base ("fast" is not a typo of "fact"). And a word the knowledge base has
never seen weighs by its rarity: "diabetes" or "autism" in a stem-cell question is a
sign the topic is not covered, while "friend" or "said" in a long story is not.
"""

from __future__ import annotations

import gzip
import json
import math
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _counts() -> tuple[dict[str, int], int]:
    raw = resources.files("spellchecker").joinpath("resources/en.json.gz").read_bytes()
    counts: dict[str, int] = json.loads(gzip.decompress(raw))
    return counts, sum(counts.values())


def zipf(word: str) -> float | None:
    """Zipf frequency (log10 of occurrences per billion words); ``None`` if unknown.

    Roughly: 7 for "the", 5 for "friend", 3 for "diabetes", under 2 for rare words.
    """
    counts, total = _counts()
    count = counts.get(word)
    if not count:
        return None
    return math.log10(count / total * 1e9)
