"""Find the knowledge entry a message asks about, with a 0-100 confidence score.

Why not plain ``rapidfuzz.process.extractOne(query, phrasings, scorer=WRatio)``:
WRatio falls back to partial matching, so a short query scores ~90 against any long
phrasing that contains it, and ``token_set_ratio`` gives 100 whenever one word set is
a subset of the other ("stem cells" vs every stem-cell question). Neither knows that
"price" says more than "the", and both score "who is the president of Brazil" against
something. Instead:

1. Normalise both sides the same way (texting shorthand, stems, clinic synonyms).
2. Correct typos word by word against the knowledge base's own vocabulary with
   rapidfuzz's edit distance (same first letter; one edit, two for long words), and
   split run-together words ("backpain").
3. Weight every stem by how rare it is across entries (IDF); stop words count a
   little, words the knowledge base has never seen count as rare, because a message
   about something else should not look like a match.
4. Score each phrasing by the weighted share of the message it explains (coverage of
   the query) combined with the share of the phrasing the message covers, geometric
   mean, plus a small rapidfuzz character-level term for word-order and spelling
   near-misses on the best candidates.
5. Long messages: each sentence (and clause) is also scored alone against the
   phrasings, so a question at the end of a story is found; the best segment wins.

Scoring is vectorised with numpy over an inverted index and touches only the texts that
share a content word with the message, so the cost grows with those, not with the size
of the knowledge base.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.engine.english import zipf
from bot.knowledge.schema import Entry
from bot.normalize import Normalizer
from bot.text import clauses, sentences, stem, words

# Exponents of query coverage and phrasing coverage in the token score.
QUERY_COVERAGE_POWER = 0.8
PHRASING_COVERAGE_POWER = 0.6
# Answers are indexed too, as weak documents scored on query coverage alone: a word
# patients use that only the answer contains ("diagnose") still finds its entry.
ANSWER_FACTOR = 0.5
# Each entry is also indexed as one bag of all its phrasings, scored on query coverage:
# a message that mixes words from two phrasings of the same entry still finds it.
ENTRY_BAG_FACTOR = 0.6
# Stop words count this much of a content word of the same rarity.
STOP_WORD_FACTOR = 0.1
# A word unknown to the knowledge base weighs, as a share of the rarest known word's
# weight, from UNKNOWN_MIN (everyday words such as "friend", Zipf >= COMMON_ZIPF) up to
# 1 (rare words such as "diabetes", Zipf <= RARE_ZIPF); words in no English dictionary
# (unfixable typos, names) weigh NON_WORD_FACTOR.
UNKNOWN_MIN = 0.1
COMMON_ZIPF = 6.0
RARE_ZIPF = 3.0
UNKNOWN_SCALE = 2.0
UNKNOWN_DECAY = 1.0
NON_WORD_FACTOR = 0.6
# Known words that are common in everyday English ("best", "time") say less about the
# topic than their rarity inside a small knowledge base suggests: their weight is cut
# by up to this share, in proportion to how common they are (RARE_ZIPF..COMMON_ZIPF).
GENERAL_WORD_DISCOUNT = 0.75
# Words at least this common in English are never treated as typos.
REAL_WORD_ZIPF = 3.0
# Endings spelt as they sound, too far from the word for an edit distance of one or two
# ("injecshun" is four edits from "injection"): tried when no known word is near.
PHONETIC_ENDINGS = (("shuns", "tions"), ("shun", "tion"), ("shen", "tion"), ("shon", "tion"))
# A stem the index lacks matches an indexed stem that extends or shortens it by at most
# this many letters ("diagnos" -> "diagnosi", "younger" -> "young"), when the shorter
# has at least STEM_PREFIX_MIN letters: the stemmer does not always meet itself.
STEM_PREFIX_SLACK = 3
STEM_PREFIX_MIN = 6
# Share of the final score from character-level similarity of the content words.
CHAR_SIMILARITY_WEIGHT = 0.15
# Candidates re-scored with the character-level term.
RESCORE_CANDIDATES = 40
# Only messages with at most this many sentences are split into segments.
MAX_SEGMENTS = 12
# Also score each clause of a sentence on its own ("I can't pee, what does it cost?").
CLAUSE_SEGMENTS = True
# A clause may leave out the word that matters ("if somebody dies, what happens to
# their account?"): this share of what the rest of its sentence says counts as not
# covered when the clause is scored. 0.3 is the largest value that changes no scored
# outcome on the dev sets (top-1, no-answer, safety; some replies change their runner-ups
# or the answer attached to an urgent reply); it lifts StackFAQ P@1 by about 1.3 points
# (benchmarks/findings.md).
CLAUSE_CONTEXT = 0.3


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    phrasing: str
    # The score of the whole message alone, when a sentence or clause of it may have
    # scored higher: "..., is it worth it?" matches the generic phrasing word for word
    # whatever the rest is about, the whole message does not (see rerank.py). Set by
    # the matcher when asked (``rank(whole=True)``); ``None`` otherwise and after
    # reranking, whose mixed score already holds it.
    whole: float | None = None


@dataclass(frozen=True)
class _Analysis:
    stems: frozenset[str]
    content: str
    surface: dict[str, str]


def _union(parts: Sequence[_Analysis]) -> _Analysis:
    content = {word for a in parts for word in a.content.split()}
    surface = {k: v for a in parts for k, v in a.surface.items()}
    return _Analysis(
        frozenset().union(*(a.stems for a in parts)), " ".join(sorted(content)), surface
    )


class Matcher:
    """An index over every phrasing (and title) of every entry.

    The index is not changed once built; only a cache of typo corrections grows, one dict
    assignment at a time.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        normalizer: Normalizer,
        *,
        min_typo_length: int = 4,
        extra_vocabulary: Iterable[str] = (),
        whole_message_only: Iterable[str] = (),
    ) -> None:
        """``whole_message_only``: ids of entries matched by their phrasings against the
        whole message only: never by one sentence or clause of it, and with no answer or
        bag of phrasings indexed (the topics the knowledge does not cover: in "I have
        diabetes, is the injection for my back safe?" the clause about diabetes must
        not decide).
        """
        self._normalizer = normalizer
        self._min_typo = min_typo_length
        self.entries = tuple(entries)
        whole_only = set(whole_message_only)
        # Entries that also get an answer document and a bag of phrasings.
        full = [i for i, e in enumerate(self.entries) if e.id not in whole_only]

        texts: list[str] = []
        owners: list[int] = []
        # Each text split into words once; an entry's bag reuses its phrasings' words.
        surfaces: list[list[str]] = []
        bags: list[list[str]] = []
        for index, entry in enumerate(self.entries):
            bag: list[str] = []
            for text in (*entry.questions, entry.title):
                texts.append(text)
                owners.append(index)
                surfaces.append(normalizer.surface(text))
                bag += surfaces[-1]
            bags.append(bag)
        phrasings = len(texts)
        factors = [1.0] * phrasings
        for factor, documents, tokens in (
            (
                ANSWER_FACTOR,
                [self.entries[i].answer for i in full],
                [normalizer.surface(self.entries[i].answer) for i in full],
            ),
            (
                ENTRY_BAG_FACTOR,
                [" ".join((*self.entries[i].questions, self.entries[i].title)) for i in full],
                [bags[i] for i in full],
            ),
        ):
            if factor > 0:
                texts.extend(documents)
                surfaces.extend(tokens)
                owners.extend(full)
                factors.extend([factor] * len(documents))
        self._texts = texts
        self._owner = np.asarray(owners, dtype=np.int64)
        is_answer = np.arange(len(texts)) >= phrasings
        self._p_power = np.where(is_answer, 0.0, PHRASING_COVERAGE_POWER)
        self._factor = np.asarray(factors)
        whole = np.asarray([self.entries[o].id in whole_only for o in owners], dtype=bool)
        # Texts a sentence or clause of a message is scored against.
        self._segment_texts = ~is_answer & ~whole

        answers = len(full) if ANSWER_FACTOR > 0 else 0
        analysed = [self._analyse_tokens(t) for t in surfaces[: phrasings + answers]]
        if ENTRY_BAG_FACTOR > 0:  # a bag's analysis is the union of its phrasings'
            parts: list[list[_Analysis]] = [[] for _ in self.entries]
            for owner, a in zip(owners[:phrasings], analysed[:phrasings], strict=True):
                parts[owner].append(a)
            analysed += [_union(parts[i]) for i in full]
        self._phrasing_content = [a.content for a in analysed]

        entry_stems: list[set[str]] = [set() for _ in self.entries]
        for owner, a in zip(owners[:phrasings], analysed[:phrasings], strict=True):
            entry_stems[owner] |= a.stems
        df = Counter(s for stems in entry_stems for s in stems)
        n = max(len(self.entries), 1)
        self._weight: dict[str, float] = {}
        # Words only answers use weigh by how many answers use them.
        answer_df = Counter(s for a in analysed[phrasings:] for s in a.stems)
        df.update({s: c for s, c in answer_df.items() if s not in df})
        # A stem's commonness in English is judged on one written form of it: the last
        # one indexed. Choosing the most frequent or the rarest form instead was tried
        # and scored worse on the dev sets.
        stem_surface = {stem(w): w for tokens in surfaces for w in tokens}
        for s, count in df.items():
            idf = math.log(1 + (n - count + 0.5) / (count + 0.5))
            if normalizer.is_stop(s):
                self._weight[s] = idf * STOP_WORD_FACTOR
            else:
                self._weight[s] = idf * self._general_factor(stem_surface.get(s, s))
        self._max_idf = math.log(1 + (n - 0.5) / 1.5)
        self._stop_unknown_weight = self._max_idf * STOP_WORD_FACTOR

        postings: dict[str, list[int]] = {}
        totals = np.zeros(len(texts))
        for number, a in enumerate(analysed):
            for s in a.stems:
                postings.setdefault(s, []).append(number)
            totals[number] = sum(self._weight[s] for s in a.stems)
        self._postings = {s: np.asarray(p, dtype=np.int64) for s, p in postings.items()}
        self._sorted_stems = sorted(s for s in postings if not normalizer.is_stop(s))
        self._totals = np.where(totals > 0, totals, 1.0)

        vocabulary = Counter(w for tokens in surfaces for w in tokens)
        for entry in self.entries:
            vocabulary.update(words(entry.answer))
        vocabulary.update(words(" ".join(extra_vocabulary)))
        self._vocabulary = vocabulary
        self._by_letter: dict[str, list[str]] = {}
        for word, _ in vocabulary.most_common():
            if word.isalpha():
                self._by_letter.setdefault(word[0], []).append(word)
        self._corrections: dict[str, tuple[str, ...]] = {}

    @staticmethod
    def _general_factor(word: str) -> float:
        frequency = zipf(word)
        if frequency is None or not GENERAL_WORD_DISCOUNT:
            return 1.0
        commonness = (frequency - RARE_ZIPF) / (COMMON_ZIPF - RARE_ZIPF)
        return 1.0 - GENERAL_WORD_DISCOUNT * min(1.0, max(0.0, commonness))

    @property
    def vocabulary(self) -> frozenset[str]:
        """Words the knowledge base uses, so the safety check does not "correct" them."""
        return frozenset(self._vocabulary)

    # --- analysis --------------------------------------------------------------

    def _correct(self, token: str) -> tuple[str, ...]:
        """The token, its nearest known spelling, or the two known words it runs together."""
        if token in self._vocabulary or len(token) < self._min_typo or not token.isalpha():
            return (token,)
        frequency = zipf(token)
        if frequency is not None and frequency >= REAL_WORD_ZIPF:
            return (token,)
        cached = self._corrections.get(token)
        if cached is not None:
            return cached
        result: tuple[str, ...] = (token,)
        limit = 2 if len(token) >= 8 else 1
        found = self._nearest_known(token, limit) or self._phonetic(token, limit)
        if found is not None:
            result = (found,)
        else:
            for cut in range(3, len(token) - 2):
                left, right = token[:cut], token[cut:]
                if left in self._vocabulary and right in self._vocabulary:
                    result = (left, right)
                    break
        if len(self._corrections) < 100_000:
            self._corrections[token] = result
        return result

    def _nearest_known(self, word: str, limit: int) -> str | None:
        """The known word at most ``limit`` edits away; among equals the most frequent
        (buckets are in order)."""
        found = process.extractOne(
            word, self._by_letter.get(word[0], ()), scorer=OSA.distance, score_cutoff=limit
        )
        return found[0] if found is not None else None

    def _phonetic(self, token: str, limit: int) -> str | None:
        """The known word nearest ``token`` with its ending respelt ("operashun")."""
        for sound, spelling in PHONETIC_ENDINGS:
            if token.endswith(sound):
                return self._nearest_known(token[: -len(sound)] + spelling, limit)
        return None

    def _analyse_tokens(self, tokens: Sequence[str]) -> _Analysis:
        stems = self._normalizer.stems(tokens)
        content = self._normalizer.content(stems)
        surface = {stem(t): t for t in tokens if t not in self._normalizer.stop_words}
        return _Analysis(frozenset(stems), " ".join(sorted(set(content))), surface)

    def _analyse_query(self, text: str) -> _Analysis:
        tokens = [w for t in self._normalizer.surface(text) for w in self._correct(t)]
        analysis = self._analyse_tokens(tokens)
        unknown = [
            s
            for s in analysis.stems
            if s not in self._weight
            and not self._normalizer.is_stop(s)
            and len(s) >= STEM_PREFIX_MIN
        ]
        if not unknown:
            return analysis
        stems = set(analysis.stems)
        for s in unknown:
            near = self._stem_variant(s)
            if near is not None:
                stems.discard(s)
                stems.add(near)
        content = " ".join(sorted(x for x in stems if not self._normalizer.is_stop(x)))
        return _Analysis(frozenset(stems), content, analysis.surface)

    def _stem_variant(self, s: str) -> str | None:
        """An indexed stem that is ``s`` with a short ending added or removed."""
        for cut in range(len(s), max(STEM_PREFIX_MIN, len(s) - STEM_PREFIX_SLACK) - 1, -1):
            prefix = s[:cut]
            at = bisect.bisect_left(self._sorted_stems, prefix)
            while at < len(self._sorted_stems) and self._sorted_stems[at].startswith(prefix):
                candidate = self._sorted_stems[at]
                if abs(len(candidate) - len(s)) <= STEM_PREFIX_SLACK and (
                    candidate.startswith(s) or s.startswith(candidate)
                ):
                    return candidate
                at += 1
        return None

    # --- scoring ---------------------------------------------------------------

    def _query_weight(self, s: str, surface: str) -> float:
        known = self._weight.get(s)
        if known is not None:
            return known
        if self._normalizer.is_stop(s):
            return self._stop_unknown_weight
        frequency = zipf(surface)
        if frequency is None:
            return self._max_idf * NON_WORD_FACTOR
        share = (COMMON_ZIPF - frequency) / (COMMON_ZIPF - RARE_ZIPF)
        return self._max_idf * UNKNOWN_SCALE * min(1.0, max(UNKNOWN_MIN, share))

    def _segment_total(self, query: _Analysis) -> float:
        """The weight of everything a segment says, known words and unknown ones."""
        total = 0.0
        unknown: list[float] = []
        for s in query.stems:
            weight = self._weight.get(s)
            if weight is not None:
                total += weight
            else:
                unknown.append(self._query_weight(s, query.surface.get(s, s)))
        # The heaviest unknown word counts fully, each further one a little less: one
        # rare word ("diabetes") says "not covered"; ten story words do not say it ten times.
        for rank, weight in enumerate(sorted(unknown, reverse=True)):
            total += weight * UNKNOWN_DECAY**rank
        return total

    def _score(
        self, analyses: Sequence[_Analysis], parents: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Token scores of the texts that share a stem with the message.

        Returns the texts' numbers, each one's best score over the segments, the
        segment that gave it, and the whole message's own score. Only texts in some
        posting are touched, and each stem's posting is mapped to them once per message,
        however many segments repeat it.
        The first analysis is the whole message and is scored against every text; the
        others (sentences, clauses) only against phrasings and titles: answers and entry
        bags are scored on query coverage alone, so a short generic clause ("is this
        possible?") would cover them fully and outrank the message's real match.
        """
        stems = {s for a in analyses for s in a.stems if s in self._postings}
        if not stems:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros(0), empty, np.zeros(0)
        postings = {s: self._postings[s] for s in stems}
        # Texts that share only stop words with the message ("is", "the": thousands of
        # postings each) cannot score above a few points; they are left out unless
        # nothing shares more.
        content = [p for s, p in postings.items() if not self._normalizer.is_stop(s)]
        touched = np.zeros(len(self._texts), dtype=bool)
        for posting in content or postings.values():
            touched[posting] = True
        numbers = np.flatnonzero(touched)
        position = np.full(len(self._texts), -1, dtype=np.int64)
        position[numbers] = np.arange(len(numbers))
        local: dict[str, np.ndarray] = {}
        for s, posting in postings.items():
            at = position[posting]
            local[s] = at[at >= 0] if content else at
        factor = self._factor[numbers]
        p_power = self._p_power[numbers]
        totals = self._totals[numbers]
        phrasing = self._segment_texts[numbers]
        best = np.zeros(len(numbers))
        which = np.zeros(len(numbers), dtype=np.int64)
        whole = np.zeros(len(numbers))
        totals_of = [self._segment_total(query) for query in analyses]
        for segment, query in enumerate(analyses):
            total = totals_of[segment]
            parent = parents[segment]
            if parent >= 0 and CLAUSE_CONTEXT:
                total += CLAUSE_CONTEXT * max(0.0, totals_of[parent] - total)
            if total <= 0:
                continue
            matched = np.zeros(len(numbers))
            own = np.zeros(len(numbers), dtype=bool)
            for s in query.stems:
                positions = local.get(s)
                if positions is not None:
                    matched[positions] += self._weight[s]
                    if not self._normalizer.is_stop(s):
                        own[positions] = True
            # Each segment, like the message, is scored on the texts sharing a content
            # word with it; sentences and clauses only on phrasings and titles.
            if segment:
                own &= phrasing
            elif not own.any():
                own[:] = True
            at = np.flatnonzero(own)
            hit = matched[at]
            q_cov = np.minimum(hit / total, 1.0)
            p_cov = np.minimum(hit / totals[at], 1.0)
            score = np.power(q_cov, QUERY_COVERAGE_POWER) * np.power(p_cov, p_power[at])
            score *= factor[at]
            better = score > best[at]
            best[at[better]] = score[better]
            which[at[better]] = segment
            if not segment:
                whole = best.copy()
        return numbers, best, which, whole

    def _segments(self, text: str) -> list[tuple[str, int]]:
        """The whole message, its sentences, and (if enabled) the clauses of each; a
        clause comes with the number of its sentence's segment, the others with -1."""
        parts = sentences(text)
        if len(parts) > MAX_SEGMENTS:
            return [(text, -1)]
        segments = [(text, -1)]
        if len(parts) > 1:
            segments += [(part, -1) for part in parts]
        if CLAUSE_SEGMENTS:
            for number, part in enumerate(parts):
                pieces = clauses(part)
                if len(pieces) > 1:
                    parent = number + 1 if len(parts) > 1 else 0
                    segments += [(piece, parent) for piece in pieces]
        return segments

    def rank(self, text: str, limit: int = 5, *, whole: bool = False) -> list[Candidate]:
        """Best entries first; scores 0-100. Empty when no word of the message is known.
        ``whole``: also score the whole message alone against each ranked entry
        (:attr:`Candidate.whole`, which the meaning reranker needs)."""
        if not self._texts:
            return []
        segments = self._segments(text)
        analyses = [self._analyse_query(segment) for segment, _ in segments]
        if not analyses[0].content:  # only words such as "is it?" or "the and of": no topic
            return []
        numbers, best, which, alone = self._score(analyses, [parent for _, parent in segments])
        if not best.any():
            return []
        final = self._by_entry(numbers, best, which, analyses, RESCORE_CANDIDATES)
        ranked = sorted(final.items(), key=lambda item: -item[1][0])[:limit]
        wholes: dict[int, float | None] = {entry: None for entry, _ in ranked}
        if whole and len(segments) > 1:
            # Every text of the ranked entries, not the best few of all: a long story
            # fills those with other entries' answers and bags.
            own = np.flatnonzero(np.isin(self._owner[numbers], list(wholes)) & (alone > 0))
            scored = self._by_entry(
                numbers[own], alone[own], np.zeros(len(own), dtype=np.int64), analyses, None
            )
            wholes = {entry: round(scored.get(entry, (0.0, 0))[0], 1) for entry in wholes}
        elif whole:
            wholes = {entry: round(score, 1) for entry, (score, _) in ranked}
        return [
            Candidate(self.entries[entry], round(score, 1), self._texts[number], wholes[entry])
            for entry, (score, number) in ranked
        ]

    def _by_entry(
        self,
        numbers: np.ndarray,
        scores: np.ndarray,
        which: np.ndarray,
        analyses: Sequence[_Analysis],
        best: int | None,
    ) -> dict[int, tuple[float, int]]:
        """Each entry's best final score and text, from the texts' token scores: the
        ``best`` few (all: ``None``) get the character-level term against the segment
        that scored them (``which``)."""
        if best is not None and len(scores) > best:
            top = np.argpartition(-scores, best - 1)[:best]
        else:
            top = np.arange(len(scores))
        # Best first; among equal scores, the earlier text first (which of several texts
        # tied at the 40th place get in is arbitrary, as with any partial sort).
        top = top[np.lexsort((numbers[top], -scores[top]))]

        final: dict[int, tuple[float, int]] = {}
        for at in top:
            token_score = float(scores[at])
            if token_score <= 0:
                break
            number = int(numbers[at])
            content = analyses[int(which[at])].content
            chars = fuzz.ratio(content, self._phrasing_content[number]) / 100
            score = 100 * (
                (1 - CHAR_SIMILARITY_WEIGHT) * token_score + CHAR_SIMILARITY_WEIGHT * chars
            )
            entry = int(self._owner[number])
            if entry not in final or score > final[entry][0]:
                final[entry] = (score, int(number))
        return final
