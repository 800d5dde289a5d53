"""The answer engine: message -> safety triage -> matcher -> reply. No Telegram here.

One :class:`Engine` serves the console, the CLI and Telegram. Its knowledge lives in an
immutable :class:`_State`; a reload builds a new one and swaps the reference in a single
assignment, so a question is always answered from one complete knowledge version.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.engine.embedding import Encoder, default_encoder
from bot.engine.matcher import Candidate, Matcher
from bot.engine.off_topic import OffTopic
from bot.engine.replies import Composer, Rendered, Reply, ReplyKind
from bot.engine.rerank import MeaningReranker, texts_of
from bot.engine.rerank import segments as answer_segments
from bot.engine.safety import Alarm, SafetyCheck
from bot.engine.similarity import SimilarityCheck
from bot.engine.similarity import segments as safety_segments
from bot.knowledge import Entry, Knowledge
from bot.knowledge.schema import MatchingFile, SmalltalkIntent, SourceRef, WithModel
from bot.normalize import Normalizer
from bot.text import words

log = logging.getLogger(__name__)
_TAG = re.compile(r"<[^<>]{0,300}>")
DEFAULT_MAX_CHARS = 2000
# Topics offered after "I don't have information on that" must at least share a real
# word with the message: half the clarify threshold keeps pure noise out.
_CLOSEST_TOPIC_SHARE = 0.5
# The id of the pseudo-entry that holds matching.yaml's ``not_covered`` topics; it
# cannot clash with a real id (ids have no spaces).
NOT_COVERED_ID = "not covered"
# Candidates ranked for a reply: the clarify buttons and the closest topics need three.
_CANDIDATES = 6


def plain_text(message: str) -> str:
    """What the patient typed, without HTML tags or entities (pasted from web pages)."""
    return html.unescape(_TAG.sub(" ", message)).strip()


@dataclass(frozen=True)
class Decision:
    kind: ReplyKind
    entry: Entry | None
    suggestions: tuple[Entry, ...]
    score: float


def decide(candidates: list[Candidate], config: MatchingFile) -> Decision:
    """Answer, ask, or admit ignorance, from the ranked candidates.

    Answer when the best entry clears ``answer_threshold`` and no unrelated runner-up is
    within ``clarify_margin``; ask "did you mean" between the two thresholds or on a
    near tie; otherwise no match.
    """
    if not candidates:
        return Decision(ReplyKind.NO_MATCH, None, (), 0.0)
    top = candidates[0]
    if top.score >= config.answer_threshold:
        rivals = [
            c
            for c in candidates[1:]
            if top.score - c.score < config.clarify_margin
            and c.entry.id not in top.entry.related
            and top.entry.id not in c.entry.related
        ]
        if not rivals:
            return Decision(ReplyKind.ANSWER, top.entry, (), top.score)
        choices = (top, *rivals)[: config.max_suggestions]
        return Decision(ReplyKind.CLARIFY, None, tuple(c.entry for c in choices), top.score)
    if top.score >= config.clarify_threshold:
        choices = tuple(c for c in candidates if c.score >= config.clarify_threshold)
        return Decision(
            ReplyKind.CLARIFY,
            None,
            tuple(c.entry for c in choices[: config.max_suggestions]),
            top.score,
        )
    return Decision(ReplyKind.NO_MATCH, None, closest_topics(candidates, config), top.score)


def closest_topics(candidates: list[Candidate], config: MatchingFile) -> tuple[Entry, ...]:
    """Entries to offer after "I don't have information on that"."""
    floor = config.clarify_threshold * _CLOSEST_TOPIC_SHARE
    closest = tuple(c.entry for c in candidates if c.score >= floor)
    return closest[: config.no_match_topics]


def _not_covered_entry(matching: MatchingFile) -> Entry:
    """The ``not_covered`` topics as one pseudo-entry: the matcher ranks it like the
    others, and it ranks first when a message is about another condition."""
    source = SourceRef.model_construct(id=NOT_COVERED_ID, section=None, quote=None)
    return Entry.model_construct(
        id=NOT_COVERED_ID,
        category=NOT_COVERED_ID,
        title=matching.not_covered[0] if matching.not_covered else NOT_COVERED_ID,
        questions=list(matching.not_covered),
        answer="",
        source=source,
        related=[],
    )


def _covered(candidates: list[Candidate]) -> list[Candidate]:
    return [c for c in candidates if c.entry.id != NOT_COVERED_ID]


def decide_ranking(candidates: list[Candidate], config: MatchingFile) -> Decision:
    """:func:`decide` on the entries, unless a topic staff listed as not covered ranks
    first: then the honest "I don't have information on that", with the closest entries."""
    covered = _covered(candidates)
    if candidates and candidates[0].entry.id == NOT_COVERED_ID:
        best = covered[0].score if covered else 0.0
        return Decision(ReplyKind.NO_MATCH, None, closest_topics(covered, config), best)
    return decide(covered, config)


def _long_message(matching: MatchingFile, with_model: WithModel) -> tuple[int, MatchingFile] | None:
    """The word count from which a message is long, and the thresholds it is answered
    from (the clarify band as wide as a short message's); ``None`` when not configured."""
    words_from, threshold = with_model.long_message_words, with_model.long_message_threshold
    if words_from is None or threshold is None:
        return None
    band = with_model.answer_threshold - with_model.clarify_threshold
    update = {"answer_threshold": threshold, "clarify_threshold": max(0.0, threshold - band)}
    return words_from, matching.model_copy(update=update)


def _config(state: _State, text: str) -> MatchingFile:
    """The thresholds for this message: a long one's own when configured."""
    if state.long_message is not None and len(words(text)) >= state.long_message[0]:
        return state.long_message[1]
    return state.matching


class _Smalltalk:
    """Greetings, thanks, goodbyes: only when the message holds nothing else."""

    def __init__(self, intents: Mapping[str, SmalltalkIntent], normalizer: Normalizer) -> None:
        self._normalizer = normalizer
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name, intent in intents.items():
            for phrase in intent.phrases:
                tokens = tuple(normalizer.surface(phrase))
                if tokens:
                    self._by_first.setdefault(tokens[0], []).append((tokens, name))
        for phrases in self._by_first.values():
            phrases.sort(key=lambda item: -len(item[0]))

    def intent(self, message: str) -> str | None:
        tokens = self._normalizer.surface(message)
        found: str | None = None
        leftovers: list[str] = []
        i = 0
        while i < len(tokens):
            for phrase, name in self._by_first.get(tokens[i], ()):
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    found = found or name
                    i += len(phrase)
                    break
            else:
                leftovers.append(tokens[i])
                i += 1
        if found is None:
            return None
        rest = self._normalizer.content(self._normalizer.stems(leftovers))
        return found if not rest else None


def _encode_groups(state: _State, groups: Sequence[list[str]]) -> list[np.ndarray] | None:
    """Each group's sentence vectors, every distinct text encoded once in one call;
    ``None`` when the model fails, which must not cost the reply (the word rules run)."""
    unique = list(dict.fromkeys(text for group in groups for text in group))
    try:
        vectors = state.similarity[0].encoder.encode(unique)
    except Exception as error:
        log.error("sentence model failed (%s); words only", type(error).__name__)
        return None
    row = {text: i for i, text in enumerate(unique)}
    return [vectors[[row[text] for text in group]] for group in groups]


def _alarm_kind(alarms: Sequence[Alarm]) -> ReplyKind | None:
    """The reply an alarm leads to: the crisis reply when the first one is a crisis."""
    if not alarms:
        return None
    return ReplyKind.CRISIS if alarms[0].kind == "crisis" else ReplyKind.URGENT


@dataclass(frozen=True)
class _Vectors:
    """One message's sentence vectors: for the safety check by meaning, and for the
    reranker."""

    safety: np.ndarray
    answer: np.ndarray


@dataclass(frozen=True)
class _State:
    knowledge: Knowledge
    composer: Composer
    safety: SafetyCheck
    # The safety check by meaning, crisis first; empty without the sentence model.
    similarity: tuple[SimilarityCheck, ...]
    matcher: Matcher
    reranker: MeaningReranker | None
    # matching.yaml's thresholds, or its with_model ones when the reranker runs
    matching: MatchingFile
    # the same, for the question asked beside a red flag
    beside_alarm: MatchingFile
    # the same, for a message of at least this many words (with_model's long_message_*)
    long_message: tuple[int, MatchingFile] | None
    smalltalk: _Smalltalk
    off_topic: OffTopic
    not_covered: Entry


class Engine:
    def __init__(
        self,
        knowledge: Knowledge,
        values: Mapping[str, object] | None = None,
        *,
        max_message_chars: int = DEFAULT_MAX_CHARS,
        similarity: bool = True,
        vector_cache: Path | None = None,
    ) -> None:
        """``similarity``: also compare messages with the crisis and red-flag examples
        by meaning, when the sentence model is installed (see ``bot/engine/embedding.py``);
        ``vector_cache``: a file that keeps the examples' vectors between runs."""
        self._values = dict(values or {})
        self.max_message_chars = max_message_chars
        self._encoder: Encoder | None = default_encoder() if similarity else None
        self._vector_cache = vector_cache
        self._state = self._build(knowledge)

    def _build(self, knowledge: Knowledge) -> _State:
        normalizer = Normalizer(
            knowledge.synonyms.synonyms,
            knowledge.synonyms.spelling,
            knowledge.matching.stop_words,
        )
        not_covered = _not_covered_entry(knowledge.matching)
        # The entries and, when staff listed any, the not-covered topics, ranked alike.
        covered = (*knowledge.entries, *((not_covered,) if knowledge.matching.not_covered else ()))
        matcher = Matcher(
            covered,
            normalizer,
            min_typo_length=knowledge.matching.min_typo_length,
            whole_message_only=[NOT_COVERED_ID],
            extra_vocabulary=[
                *knowledge.matching.stop_words,
                *knowledge.synonyms.synonyms,
                *(f for forms in knowledge.synonyms.synonyms.values() for f in forms),
            ],
        )
        values = {"max_message_chars": self.max_message_chars, **self._values}
        similarity: tuple[SimilarityCheck, ...] = ()
        reranker, matching = None, knowledge.matching
        beside_alarm = matching
        long_message: tuple[int, MatchingFile] | None = None
        if self._encoder is not None:
            crisis, urgent = knowledge.crisis_examples, knowledge.urgent_examples
            # The entries to rerank (the not-covered topics first) and every text the bot
            # is there to answer, which both safety checks count as ordinary: one
            # matrix, shared, since at 5,000 entries it is the biggest thing in memory.
            own = [*crisis.crisis, *urgent.urgent, *urgent.ordinary, *crisis.ordinary]
            topic_entries = covered[len(knowledge.entries) :]
            topics = [t for entry in topic_entries for t in texts_of(entry)]
            answers = [t for entry in knowledge.entries for t in texts_of(entry)]
            smalltalk = [
                p for intent in knowledge.messages.smalltalk.values() for p in intent.phrases
            ]
            # One call for every text the model compares with, so the vector file in
            # DATA_DIR holds all of them; the checks find their own examples in memory.
            vectors = self._encoder.encode_examples(
                [*own, *topics, *answers, *smalltalk], self._vector_cache
            )
            entries_at = len(own) + len(topics)
            reranked = vectors[len(own) : entries_at + len(answers)]  # topics, then entries
            shared = vectors[entries_at:]  # the entries' texts, then small talk
            similarity = (
                SimilarityCheck(
                    "crisis",
                    crisis.crisis,
                    crisis.ordinary,
                    self._encoder,
                    threshold=crisis.threshold,
                    margin=crisis.margin,
                    shared=shared,
                ),
                # The red-flag check also counts the crisis file's ordinary examples
                # (pain idioms, fear of surgery); the crisis check keeps its own, as
                # calibrated.
                SimilarityCheck(
                    "urgent",
                    urgent.urgent,
                    [*urgent.ordinary, *crisis.ordinary],
                    self._encoder,
                    threshold=urgent.threshold,
                    margin=urgent.margin,
                    not_now=urgent.not_now,
                    shared=shared,
                ),
            )
            with_model = knowledge.matching.with_model
            if with_model is not None:
                reranker = MeaningReranker(
                    (*topic_entries, *knowledge.entries),
                    with_model.meaning_weight,
                    self._encoder,
                    with_model.whole_message_weight,
                    reranked,
                )
                matching = knowledge.matching.model_copy(
                    update={
                        "answer_threshold": with_model.answer_threshold,
                        "clarify_threshold": with_model.clarify_threshold,
                        "clarify_margin": with_model.clarify_margin,
                    }
                )
                beside_alarm = matching
                if with_model.answer_beside_alarm is not None:
                    beside_alarm = matching.model_copy(
                        update={"answer_threshold": with_model.answer_beside_alarm}
                    )
                long_message = _long_message(matching, with_model)
        return _State(
            knowledge=knowledge,
            composer=Composer(knowledge, values),
            safety=SafetyCheck(knowledge.safety, known_words=matcher.vocabulary),
            similarity=similarity,
            matcher=matcher,
            reranker=reranker,
            matching=matching,
            beside_alarm=beside_alarm,
            long_message=long_message,
            smalltalk=_Smalltalk(knowledge.messages.smalltalk, normalizer),
            off_topic=OffTopic(
                knowledge.matching.other_conditions,
                knowledge.matching.about_the_back,
                knowledge.matching.back_in_passing,
            ),
            not_covered=not_covered,
        )

    # --- knowledge versions ------------------------------------------------------

    @property
    def knowledge(self) -> Knowledge:
        return self._state.knowledge

    @property
    def composer(self) -> Composer:
        return self._state.composer

    @property
    def matching(self) -> MatchingFile:
        """The thresholds in force: ``with_model``'s when the sentence model runs."""
        return self._state.matching

    def thresholds(self, message: str) -> MatchingFile:
        """The thresholds this message is answered from: a long one's own, if configured."""
        return _config(self._state, plain_text(message)[: self.max_message_chars])

    @property
    def uses_model(self) -> bool:
        """Whether replies run the sentence model (tens of milliseconds, not one)."""
        return bool(self._state.similarity)

    def swap(self, knowledge: Knowledge) -> None:
        """Serve ``knowledge`` from now on; built fully before the one-step swap."""
        self._state = self._build(knowledge)

    # --- replies -------------------------------------------------------------------

    def reply(self, message: str) -> Reply:
        """The reply to one patient message, whatever it contains."""
        state = self._state
        text = plain_text(message)
        truncated = len(text) > self.max_message_chars
        head = text[: self.max_message_chars]

        vectors = self._vectors(state, head)
        alarms = self._alarms(state, text, head, vectors)
        # Beside a red flag, the question's subject is not the rest of the message.
        candidates = self._candidates(state, head, vectors, whole_message=not alarms)
        decision = decide_ranking(
            candidates, state.beside_alarm if alarms else _config(state, head)
        )

        kind = _alarm_kind(alarms)
        if kind is not None:
            answer = decision.entry if kind is ReplyKind.URGENT else None
            rendered = state.composer.alarm(alarms, answer)
            return self._reply(kind, message, rendered, answer, (), decision.score, alarms)

        if not any(ch.isalnum() for ch in head):
            rendered = state.composer.message(state.knowledge.messages.empty_message)
            return self._reply(ReplyKind.SMALLTALK, message, rendered)

        intent = state.smalltalk.intent(head)
        if intent is not None:
            reply_text = state.knowledge.messages.smalltalk[intent].reply
            return self._reply(ReplyKind.SMALLTALK, message, state.composer.message(reply_text))

        composer = state.composer
        if decision.kind is ReplyKind.ANSWER and decision.entry is not None:
            rendered = composer.answer(decision.entry)
            suggestions = composer.related(decision.entry)
        elif decision.kind is ReplyKind.CLARIFY:
            rendered, suggestions = composer.clarify(decision.suggestions), decision.suggestions
        else:
            rendered, suggestions = composer.no_match(decision.suggestions), decision.suggestions
        if truncated:
            note = composer.message(state.knowledge.messages.too_long, limit=self.max_message_chars)
            rendered = Rendered(
                f"{note.text}\n\n{rendered.text}", f"{note.html}\n\n{rendered.html}"
            )
        return self._reply(
            decision.kind,
            message,
            rendered,
            decision.entry,
            suggestions,
            decision.score,
            truncated=truncated,
        )

    def triage(self, messages: Sequence[str]) -> list[ReplyKind | None]:
        """The safety check alone, as :meth:`reply` runs it: the kind of alarm each
        message gets (crisis, urgent), or ``None``. For validating the safety rules on
        case files: the sentence model encodes all the messages' sentences in batches,
        which is several times quicker than one reply at a time."""
        state = self._state
        texts = [plain_text(message) for message in messages]
        heads = [text[: self.max_message_chars] for text in texts]
        vectors = self._safety_vectors(state, heads)
        return [
            _alarm_kind(self._alarms(state, text, head, v))
            for text, head, v in zip(texts, heads, vectors, strict=True)
        ]

    @classmethod
    def _alarms(
        cls, state: _State, text: str, head: str, vectors: _Vectors | None
    ) -> tuple[Alarm, ...]:
        """The rules read the whole message; the checks by meaning, its first
        ``max_message_chars``."""
        alarms = tuple(state.safety.check(text))
        if vectors is not None:  # a net for what the rules miss
            alarms = cls._similar_alarms(state, head, vectors, alarms)
        return alarms

    @staticmethod
    def _safety_vectors(state: _State, heads: Sequence[str]) -> list[_Vectors | None]:
        """What :meth:`_vectors` gives the safety check, for many messages in one call."""
        parts = [safety_segments(head) if head.strip() else [] for head in heads]
        if not state.similarity or not any(parts):
            return [None] * len(heads)
        encoded = _encode_groups(state, parts)
        if encoded is None:
            return [None] * len(heads)
        return [
            _Vectors(vectors, vectors[:0]) if group else None
            for group, vectors in zip(parts, encoded, strict=True)
        ]

    @staticmethod
    def _similar_alarms(
        state: _State, text: str, vectors: _Vectors, alarms: tuple[Alarm, ...]
    ) -> tuple[Alarm, ...]:
        """The rules' alarms, with what the meaning checks add. The crisis check runs
        beside a red-flag rule too: "I can't control my bladder and I don't want to be
        here any more" needs the crisis line as well as the emergency advice. The red-flag
        check only runs when nothing has fired: it could add nothing a rule's reply lacks."""
        if any(alarm.kind == "crisis" for alarm in alarms):
            return alarms
        shared = state.similarity[0].shared_best(vectors.safety)  # the same for both
        for check in state.similarity:  # crisis first
            if check.kind == "urgent" and alarms:
                break
            similar = check.check(text, vectors.safety, shared)
            if similar is not None:
                return (similar, *alarms)
        return alarms

    @staticmethod
    def _vectors(state: _State, text: str, *, safety: bool = True) -> _Vectors | None:
        """The message's sentence vectors, or ``None`` without the model. Both checks
        share the whole message and most sentences: each text is encoded once, in one
        batch. ``safety=False``: only what the reranker needs (a ranking alone)."""
        if not state.similarity or not text.strip():
            return None
        for_safety = safety_segments(text) if safety else []
        for_answer = answer_segments(text) if state.reranker is not None else []
        encoded = _encode_groups(state, [for_safety, for_answer])
        return None if encoded is None else _Vectors(*encoded)

    @staticmethod
    def _candidates(
        state: _State,
        text: str,
        vectors: _Vectors | None,
        limit: int = _CANDIDATES,
        *,
        whole_message: bool = True,
    ) -> list[Candidate]:
        """The first ``limit`` candidates. The reranker re-orders the matcher's list, so
        the matcher always gives at least the reply's share and the list is cut after."""
        reranker = state.reranker if vectors is not None and len(vectors.answer) else None
        # The whole message's own word score only when the reranker will read it.
        whole = reranker is not None and whole_message and reranker.reads_whole
        candidates = state.matcher.rank(text, max(limit, _CANDIDATES), whole=whole) if text else []
        if reranker is not None and vectors is not None:
            candidates = reranker.rescore(candidates, vectors.answer, whole_message=whole_message)
        other = state.off_topic.named(text) if text else None
        if other is not None:  # about another condition: not covered, whatever matched
            best = candidates[0].score if candidates else 0.0
            candidates = [Candidate(state.not_covered, best, other), *_covered(candidates)]
        return candidates[:limit]

    def answer(self, entry_id: str, question: str = "") -> Reply | None:
        """The answer to a chosen entry (a button press); ``None`` if it no longer exists."""
        state = self._state
        entry = state.knowledge.entry(entry_id)
        if entry is None:
            return None
        rendered = state.composer.answer(entry)
        related = state.composer.related(entry)
        return self._reply(
            ReplyKind.ANSWER, question or entry.title, rendered, entry, related, 100.0
        )

    def quote(self, entry_id: str) -> Rendered | None:
        state = self._state
        entry = state.knowledge.entry(entry_id)
        return state.composer.quote(entry) if entry else None

    def rank(self, message: str, limit: int = 5) -> list[Candidate]:
        """The ranking :meth:`reply` decides on, entries only, for evaluation (top-3) and
        diagnostics."""
        return _covered(self.ranking(message, limit + 1))[:limit]

    def ranking(self, message: str, limit: int = _CANDIDATES) -> list[Candidate]:
        """The ranking :meth:`reply` decides on, the not-covered topics included: replayed
        with other thresholds by ``eval --sweep`` (see :func:`decide_ranking`)."""
        state = self._state
        text = plain_text(message)[: self.max_message_chars]
        return self._candidates(state, text, self._vectors(state, text, safety=False), limit)

    def no_match(self, question: str = "") -> Reply:
        """The "none of these" reply: honest, with the way to a person."""
        rendered = self._state.composer.no_match(())
        return self._reply(ReplyKind.NO_MATCH, question, rendered)

    @staticmethod
    def _reply(
        kind: ReplyKind,
        question: str,
        rendered: Rendered,
        entry: Entry | None = None,
        suggestions: tuple[Entry, ...] = (),
        score: float = 0.0,
        alarms: tuple[Alarm, ...] = (),
        *,
        truncated: bool = False,
    ) -> Reply:
        return Reply(
            kind=kind,
            question=question,
            text=rendered.text,
            html=rendered.html,
            entry=entry,
            suggestions=suggestions,
            score=round(score, 1),
            alarms=alarms,
            truncated=truncated,
        )
