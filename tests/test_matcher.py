"""The matcher on a tiny hand-made knowledge base, where each trap can be seen alone."""

from __future__ import annotations

import pytest

from bot.engine.matcher import Matcher
from bot.knowledge.schema import Entry, SourceRef
from bot.normalize import Normalizer
from bot.text import sentences

STOP_WORDS = ["i", "i'm", "i'd", "a", "an", "and", "the", "to", "in", "is", "it", "this", "of"]
STOP_WORDS += ["on", "to", "like", "get", "can", "how", "do", "my", "me", "someone", "else's"]


def _entry(id_: str, title: str, *questions: str, answer: str = "The article states x.") -> Entry:
    return Entry(
        id=id_,
        category="general",
        title=title,
        questions=list(questions),
        answer=answer,
        source=SourceRef(id="article"),
    )


ENTRIES = [
    _entry(
        "video-subtitles",
        "Subtitles on another user's video",
        "Add subtitles to a video of another user on YouTube",
        "Is it possible to put my own captions and translated subtitles on someone else's video",
    ),
    _entry(
        "docs-highlighting",
        "Syntax highlighting in Google Docs",
        "Syntax highlighting in Google Docs",
        "Code highlighting in a Google document",
    ),
    _entry(
        "delete-account",
        "Delete my account",
        "How do I delete my account",
        "Removing my profile account",
    ),
    _entry(
        "account-after-death",
        "An account after its owner dies",
        "Is my account closed when I die",
        "Does a profile stay online after the person has died",
    ),
    _entry(
        "backup-photos",
        "Back up phone photos",
        "How do I back up the photos on my phone",
        "Save my phone pictures to a computer",
    ),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(ENTRIES, Normalizer({}, {}, STOP_WORDS))


def test_a_generic_closing_clause_does_not_outrank_the_question(matcher: Matcher) -> None:
    # "is this possible?" alone covers the subtitles entry's bag of phrasings fully; the
    # sentence that carries the question must still win.
    message = (
        "My team keeps server and database notes in google docs and I want code "
        "highlighting there. Is this possible?"
    )
    assert matcher.rank(message)[0].entry.id == "docs-highlighting"


def test_a_clause_cannot_drop_the_word_that_matters(matcher: Matcher) -> None:
    # The clause "what happens to their profile account" fits "Removing my profile
    # account" well, but the sentence is about dying.
    message = "If somebody dies, what happens to their profile account?"
    assert matcher.rank(message)[0].entry.id == "account-after-death"


def test_a_question_after_a_story_is_still_found(matcher: Matcher) -> None:
    message = (
        "I dropped my old phone last week and nearly lost everything. How do I back up my photos?"
    )
    assert matcher.rank(message)[0].entry.id == "backup-photos"


def test_each_candidate_also_carries_the_whole_messages_own_score(matcher: Matcher) -> None:
    # The question after the story wins on its own; the whole message, mostly story,
    # fits the entry less well, and the reranker gets both (bot/engine/rerank.py).
    story = (
        "I dropped my old phone last week and nearly lost everything. How do I back up my photos?"
    )
    best = matcher.rank(story, whole=True)[0]
    assert best.entry.id == "backup-photos"
    assert best.whole is not None and 0 < best.whole < best.score
    short = matcher.rank("how do i back up my photos", whole=True)[0]
    assert short.whole == short.score  # one segment: the whole message is the best part
    assert matcher.rank(story)[0].whole is None  # not asked for: not computed


def test_an_emoji_ends_a_sentence_like_a_full_stop() -> None:
    # In chat an emoji often stands where the full stop would: the question after it
    # must be scored on its own, not drowned by the story before it.
    assert sentences("weeding the garden all day 😩 how do i back up my photos") == [
        "weeding the garden all day 😩",
        "how do i back up my photos",
    ]
    assert sentences("thumbs 👍🏽 ok") == ["thumbs 👍🏽", "ok"]
    assert sentences("no emoji here how do i") == ["no emoji here how do i"]


def test_only_stop_words_in_common_still_ranks(matcher: Matcher) -> None:
    # Texts sharing only stop words are skipped when some text shares a content word;
    # when none does, the ranking falls back to them rather than returning nothing.
    assert matcher.rank("how do i zorblax")


def test_a_message_of_stop_words_only_matches_nothing(matcher: Matcher) -> None:
    assert matcher.rank("how do i") == []
    assert matcher.rank("is it?") == []


def test_no_known_word_gives_no_candidates(matcher: Matcher) -> None:
    assert matcher.rank("zzzz qqqq") == []


def test_typo_is_corrected_against_the_knowledge_words(matcher: Matcher) -> None:
    assert matcher.rank("subtitels on youtube")[0].entry.id == "video-subtitles"


def test_an_ending_spelt_as_it_sounds_is_respelt(matcher: Matcher) -> None:
    # "captshuns" is more edits from "captions" than a typo may be
    assert matcher.rank("captshuns")[0].entry.id == "video-subtitles"
