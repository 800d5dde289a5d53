"""The second crisis check: is a message close in meaning to a known crisis message?

The word rules in ``safety.yaml`` catch what someone has written down; a patient in
crisis uses words nobody listed. This layer compares the message (and each of its
sentences, so a crisis line inside a long story is not drowned out) with the crisis
examples in ``knowledge/crisis-examples.yaml``, and fires only when the best match is
close (``threshold``) and clearly closer than the nearest ordinary example (``margin``):
the ordinary examples ("this pain is killing me", "will I die under anaesthetic?") are
what keeps it from alarming on everyday talk about pain and fear. Every phrasing of
every entry, and every greeting, thanks and goodbye the bot knows, counts as an ordinary
example too: they are, by definition, what the bot is there to answer ("is UC-MSC
approved for back pain?", "thanks, goodbye").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.engine.embedding import Encoder
from bot.engine.safety import Alarm
from bot.knowledge.schema import CrisisExamplesFile
from bot.text import sentences, words

RULE_ID = "similar-to-crisis-example"
# Sentences of one message compared on their own, at most (the whole message always is).
MAX_SENTENCES = 8
# A sentence shorter than this is not compared on its own: "pills?" alone means little.
MIN_SENTENCE_WORDS = 4
# Nor is a message this short ("cancel", "goodbye"): the word rules cover one-word crises
# ("suicide", "kms"), and a short text's vector is close to too many things.
MIN_MESSAGE_WORDS = 3


class CrisisSimilarity:
    def __init__(
        self, examples: CrisisExamplesFile, encoder: Encoder, questions: Sequence[str] = ()
    ) -> None:
        """``questions``: the entries' phrasings and the small-talk phrases, used as
        ordinary examples."""
        self.encoder = encoder
        self._threshold = examples.threshold
        self._margin = examples.margin
        ordinary = [*examples.ordinary, *questions]
        vectors = encoder.encode_examples([*examples.crisis, *ordinary])
        self._crisis = vectors[: len(examples.crisis)]
        self._ordinary = vectors[len(examples.crisis) :] if ordinary else None

    def encode(self, text: str) -> np.ndarray:
        """The vectors of the whole message (row 0) and of its longer sentences."""
        return self.encoder.encode(segments(text))

    def scores(self, text: str, vectors: np.ndarray | None = None) -> tuple[float, float]:
        """The best similarity to a crisis example, and that segment's lead over the
        nearest ordinary example; ``vectors`` from :meth:`encode`, if already at hand."""
        if vectors is None:
            vectors = self.encode(text)
        crisis = (vectors @ self._crisis.T).max(axis=1)
        if self._ordinary is not None:
            ordinary = (vectors @ self._ordinary.T).max(axis=1)
        else:
            ordinary = np.zeros(len(vectors), dtype=crisis.dtype)
        lead = crisis - ordinary
        eligible = lead >= self._margin
        if not eligible.any():
            best = int(np.argmax(crisis))
        else:
            best = int(np.flatnonzero(eligible)[np.argmax(crisis[eligible])])
        return float(crisis[best]), float(lead[best])

    def check(self, text: str, vectors: np.ndarray | None = None) -> Alarm | None:
        if len(words(text)) < MIN_MESSAGE_WORDS:
            return None
        similarity, lead = self.scores(text, vectors)
        if similarity >= self._threshold and lead >= self._margin:
            return Alarm("crisis", RULE_ID, None)
        return None


def segments(text: str) -> list[str]:
    """The whole message, then each sentence long enough to mean something alone."""
    parts = sentences(text)
    own = [p for p in parts if len(words(p)) >= MIN_SENTENCE_WORDS] if len(parts) > 1 else []
    return [text, *own[:MAX_SENTENCES]]
