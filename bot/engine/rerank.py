"""Mix the matcher's word score with closeness in meaning, when the sentence model runs.

The matcher ranks entries by the words a message shares with their phrasings; it cannot
tell that "what's the catch with the cord cells" and "is it safe" mean much the same,
nor that "PRP for tennis elbow, worth it?" shares words with the treatment entries
without being about them. When the sentence model of the crisis-similarity layer is
loaded anyway, each of the matcher's candidates also gets the cosine similarity between
the message and its closest phrasing, and the two are mixed:
``(1 - weight) * word score + weight * 100 * similarity``. The mix has its own
thresholds in ``matching.yaml`` (``with_model``), chosen on the dev sets.

Both halves look at the message's best part (a sentence or clause: the question after a
story) and at the whole message, mixed by ``whole_message_weight``. The best part alone
would let a generic last question decide: "should we bank our baby's cord blood? is it
worth the fee" holds "is it worth" word for word and in meaning, while the whole message
is about something the bot does not cover.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.engine.embedding import Encoder
from bot.engine.matcher import Candidate
from bot.knowledge.schema import Entry
from bot.text import clauses, sentences, words


def texts_of(entry: Entry) -> list[str]:
    """What an entry is compared with: its phrasings and its title."""
    return [*entry.questions, entry.title]


class MeaningReranker:
    def __init__(
        self,
        entries: Sequence[Entry],
        weight: float,
        encoder: Encoder,
        whole_message_weight: float = 0.0,
        vectors: np.ndarray | None = None,
    ) -> None:
        """``vectors``: the entries' texts' vectors, in order, when already at hand
        (the engine shares one matrix with the safety checks)."""
        self._weight = weight
        self._whole = whole_message_weight
        if vectors is None:
            vectors = encoder.encode_examples([t for entry in entries for t in texts_of(entry)])
        self._vectors: dict[str, np.ndarray] = {}
        at = 0
        for entry in entries:
            count = len(texts_of(entry))
            self._vectors[entry.id] = vectors[at : at + count]
            at += count

    @property
    def reads_whole(self) -> bool:
        """Whether :meth:`rescore` reads the whole message's own scores at all."""
        return self._whole > 0

    def rescore(
        self, candidates: Sequence[Candidate], vectors: np.ndarray, *, whole_message: bool = True
    ) -> list[Candidate]:
        """The candidates with mixed scores, best first. ``vectors``: the message's
        segments (:func:`segments`, the whole message first); the closest of them to an
        entry counts, so a question after a story or a red flag is still heard, and so
        does the whole message. ``whole_message=False``: the best part alone, for the
        question asked beside a red flag, whose subject is not the rest of the message."""
        whole = self._whole if whole_message else 0.0
        mixed = []
        for candidate in candidates:
            phrasings = self._vectors.get(candidate.entry.id)
            if phrasings is None or not len(phrasings):
                mixed.append(candidate)
                continue
            closeness = np.clip(vectors @ phrasings.T, 0.0, 1.0)
            similarity = (1 - whole) * float(closeness.max()) + whole * float(closeness[0].max())
            alone = candidate.score if candidate.whole is None else candidate.whole
            words_score = (1 - whole) * candidate.score + whole * alone
            score = (1 - self._weight) * words_score + self._weight * 100 * similarity
            mixed.append(Candidate(candidate.entry, round(score, 1), candidate.phrasing))
        return sorted(mixed, key=lambda c: -c.score)


# Segments of a message compared with the phrasings, at most (the whole message first).
MAX_SEGMENTS = 8
# A clause shorter than this is not compared on its own.
MIN_SEGMENT_WORDS = 3


def segments(text: str) -> list[str]:
    """The whole message, then its sentences and clauses of a few words or more, as the
    matcher scores them ("I can't control my bladder, how much is the treatment?")."""
    parts = [text]
    for sentence in sentences(text):
        for piece in (sentence, *clauses(sentence)):
            if piece not in parts and len(words(piece)) >= MIN_SEGMENT_WORDS:
                parts.append(piece)
    return parts[:MAX_SEGMENTS]
