"""Mixing the matcher's word score with closeness in meaning."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.engine.matcher import Candidate
from bot.engine.rerank import MeaningReranker, segments
from bot.knowledge import Knowledge

_AXES = {"cost": 0, "safe": 1, "knee": 2}


class _Axes:
    """Each text is a unit vector along the axis its first word names."""

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(3, dtype=np.float32)
        vector[_AXES.get(text.split()[0].lower(), 2)] = 1.0
        return vector

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])

    def encode_examples(self, texts: Sequence[str], cache: Path | None = None) -> np.ndarray:
        return self.encode(texts)


def test_meaning_can_overturn_a_narrow_word_lead(knowledge: Knowledge) -> None:
    cost = knowledge.entry("cost-and-insurance")
    safe = knowledge.entry("safety-and-effectiveness")
    assert cost is not None and safe is not None
    cost = cost.model_copy(update={"questions": ["cost of it"], "title": "cost"})
    safe = safe.model_copy(update={"questions": ["safe or not"], "title": "safe"})
    reranker = MeaningReranker([cost, safe], 0.5, _Axes())
    by_words = [Candidate(cost, 60.0, ""), Candidate(safe, 55.0, "")]
    mixed = reranker.rescore(by_words, _Axes().encode(["safe enough for me"]))
    assert [c.entry.id for c in mixed] == ["safety-and-effectiveness", "cost-and-insurance"]
    assert [c.score for c in mixed] == [77.5, 30.0]  # 0.5 * 55 + 0.5 * 100; 0.5 * 60 + 0


def test_the_closest_segment_counts() -> None:
    message = "I can't control my bladder since yesterday, how much is the treatment?"
    parts = segments(message)
    assert parts[0] == message
    assert "how much is the treatment?" in parts


def test_the_whole_message_tempers_a_generic_last_question(knowledge: Knowledge) -> None:
    """In "knee surgery, is it safe?" the clause is about safety, the message about a knee.
    With ``whole_message_weight`` the whole message's own scores count too."""
    safe = knowledge.entry("safety-and-effectiveness")
    assert safe is not None
    safe = safe.model_copy(update={"questions": ["safe or not"], "title": "safe"})
    by_words = [Candidate(safe, 80.0, "", whole=20.0)]  # the clause scores 80, all of it 20
    vectors = _Axes().encode(["knee surgery, is it safe?", "safe enough?"])  # whole first
    best_part = MeaningReranker([safe], 0.5, _Axes()).rescore(by_words, vectors)
    tempered = MeaningReranker([safe], 0.5, _Axes(), 0.4).rescore(by_words, vectors)
    assert best_part[0].score == 90.0  # 0.5 * 80 + 0.5 * 100
    # words 0.6 * 80 + 0.4 * 20 = 56; meaning 0.6 * 1 + 0.4 * 0 = 0.6
    assert tempered[0].score == 58.0
