"""The second safety check: is a message close in meaning to a known crisis or red-flag
message?

The word rules in ``safety.yaml`` catch what someone has written down; a patient in
crisis, or with a red flag, uses words nobody listed. This check compares the message
(and each of its sentences, so one line inside a long story is not drowned out) with
the examples in ``knowledge/crisis-examples.yaml`` and ``knowledge/urgent-examples.yaml``,
and fires only when the best match is close (``threshold``) and clearly closer than the
nearest ordinary example (``margin``): the ordinary examples ("this pain is killing me",
"my leg went numb sitting cross-legged, fine now") are what keeps it from alarming on
everyday talk about pain and fear. Every phrasing of every entry, and every greeting,
thanks and goodbye the bot knows, counts as an ordinary example too: they are, by
definition, what the bot is there to answer ("is UC-MSC approved for back pain?",
"what are the warning signs?").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.engine.embedding import Encoder
from bot.engine.safety import Alarm, AlarmKind
from bot.text import clauses, phrase_pattern, sentences, words

# Sentences of one message compared on their own, at most (the whole message always is).
MAX_SENTENCES = 8
# A sentence shorter than this is not compared on its own: "pills?" alone means little.
MIN_SENTENCE_WORDS = 4
# Nor is a message this short ("cancel", "goodbye"): the word rules cover one-word
# alarms ("suicide", "kms"), and a short text's vector is close to too many things.
MIN_MESSAGE_WORDS = 3


def rule_id(kind: str) -> str:
    """How an alarm from this check is named in replies, logs and statistics."""
    return f"similar-to-{kind}-example"


class SimilarityCheck:
    """One kind of alarm (crisis or urgent) raised by closeness to its examples."""

    def __init__(
        self,
        kind: AlarmKind,
        examples: Sequence[str],
        ordinary: Sequence[str],
        encoder: Encoder,
        *,
        threshold: float,
        margin: float,
        not_now: Sequence[str] = (),
        shared: np.ndarray | None = None,
    ) -> None:
        """``not_now``: phrases that put a clause in the past or in a maybe ("years
        ago", "as a kid", "if I ever"); a clause holding one is left out of the
        comparison, since a sentence vector cannot tell an old fall, or a feared one,
        from today's. The word rules still read it. ``shared``: the vectors of more
        ordinary texts, held once for every check (every phrasing of every entry: at
        5,000 entries a copy per check would cost tens of megabytes); the message's
        closeness to them comes from :meth:`shared_best`, computed once per message."""
        self.kind = kind
        self.encoder = encoder
        self._threshold = threshold
        self._margin = margin
        self._not_now = phrase_pattern(not_now)
        vectors = encoder.encode_examples([*examples, *ordinary])
        self._examples = vectors[: len(examples)]
        self._ordinary = vectors[len(examples) :] if ordinary else None
        self._shared = shared if shared is not None and len(shared) else None

    def encode(self, text: str) -> np.ndarray:
        """The vectors of the whole message (row 0) and of its longer sentences."""
        return self.encoder.encode(segments(text))

    def shared_best(self, vectors: np.ndarray) -> np.ndarray:
        """Each segment's closeness to the nearest of the ``shared`` ordinary texts."""
        if self._shared is None or not len(vectors):
            return np.zeros(len(vectors), dtype=np.float32)
        return np.asarray((vectors @ self._shared.T).max(axis=1))

    def scores(
        self, text: str, vectors: np.ndarray | None = None, shared: np.ndarray | None = None
    ) -> tuple[float, float]:
        """The best similarity to an example, and that segment's lead over the nearest
        ordinary example; ``vectors`` from :meth:`encode` and ``shared`` from
        :meth:`shared_best`, if already at hand."""
        if vectors is None:
            vectors = self.encode(text)
        if shared is None:
            shared = self.shared_best(vectors)
        if self._not_now is not None:
            vectors, shared = self._without_not_now(text, vectors, shared)
            if not len(vectors):
                return 0.0, 0.0
        close = (vectors @ self._examples.T).max(axis=1)
        ordinary = shared
        if self._ordinary is not None:
            ordinary = np.maximum(ordinary, (vectors @ self._ordinary.T).max(axis=1))
        lead = close - ordinary
        eligible = lead >= self._margin
        if not eligible.any():
            best = int(np.argmax(close))
        else:
            best = int(np.flatnonzero(eligible)[np.argmax(close[eligible])])
        return float(close[best]), float(lead[best])

    def _without_not_now(
        self, text: str, vectors: np.ndarray, shared: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The segments' vectors, where a segment with a ``not_now`` phrase is replaced
        by itself without that clause ("..., what if I need an EpiPen" is left out),
        or without the whole sentence when the clause is just a date ("I had night
        sweats, years ago."); encoded here, since such messages are rare."""
        assert self._not_now is not None
        not_now = self._not_now
        keep, rest = [], []
        for i, part in enumerate(segments(text)):
            if not not_now.search(folded(part)):
                keep.append(i)
                continue
            kept = []
            for sentence in sentences(part):
                parts = clauses(sentence)
                marked = [bool(not_now.search(folded(c))) for c in parts]
                # A short marked clause ("..., years ago.") dates its whole sentence.
                if any(
                    m and len(words(c)) < MIN_SENTENCE_WORDS
                    for c, m in zip(parts, marked, strict=True)
                ):
                    continue
                kept += [c for c, m in zip(parts, marked, strict=True) if not m]
            if len(words(" ".join(kept))) >= MIN_SENTENCE_WORDS:
                rest.append(", ".join(kept))
        vectors, shared = vectors[keep], shared[keep]
        rest = list(dict.fromkeys(rest))
        if not rest:
            return vectors, shared
        added = self.encoder.encode(rest)
        return np.vstack([vectors, added]), np.concatenate([shared, self.shared_best(added)])

    def check(
        self, text: str, vectors: np.ndarray | None = None, shared: np.ndarray | None = None
    ) -> Alarm | None:
        if len(words(text)) < MIN_MESSAGE_WORDS:
            return None
        similarity, lead = self.scores(text, vectors, shared)
        if similarity >= self._threshold and lead >= self._margin:
            return Alarm(self.kind, rule_id(self.kind), None)
        return None


def segments(text: str) -> list[str]:
    """The whole message, then each sentence long enough to mean something alone."""
    parts = sentences(text)
    own = [p for p in parts if len(words(p)) >= MIN_SENTENCE_WORDS] if len(parts) > 1 else []
    return [text, *own[:MAX_SENTENCES]]


def folded(text: str) -> str:
    return " ".join(words(text))
