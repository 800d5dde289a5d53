"""Messages about another condition get no answer, however well their other words match."""

from __future__ import annotations

from bot.engine import Engine, ReplyKind
from bot.engine.off_topic import OffTopic


def test_a_named_condition_without_a_back_word_is_off_topic() -> None:
    off_topic = OffTopic(["parkinson*", "tennis elbow", "knee"], ["back", "the injection"])
    assert off_topic.named("Stem cells for Parkinson's?") == "parkinsons"
    assert off_topic.named("PRP for tennis elbow, worth it?") == "tennis elbow"
    # a back word, or the patient's own injection, keeps the message ours
    assert off_topic.named("my knee and my back both ache, can it help?") is None
    assert off_topic.named("my knee has ached since the injection, who do I tell?") is None
    # whole words only: "kneel" is not "knee", "elbow" alone is not "tennis elbow"
    assert off_topic.named("it hurts when I kneel down") is None
    assert off_topic.named("my elbow hurts") is None


def test_no_lists_means_nothing_is_off_topic() -> None:
    assert OffTopic([], []).named("stem cells for my knee") is None


def test_the_engine_gives_no_answer_about_another_condition(engine: Engine) -> None:
    # Its words match the entry on slowing progression well; without the off-topic
    # check it was answered from that entry.
    reply = engine.reply("Can stem cell infusions slow the progression of Parkinson's disease?")
    assert reply.kind is ReplyKind.NO_MATCH
    assert reply.entry is None
    # the same question about the spine is answered
    ours = engine.reply("Can stem cells slow the progression of my spine disease?")
    assert ours.kind is ReplyKind.ANSWER
    assert ours.entry is not None and ours.entry.id == "slowing-progression"


def test_back_in_another_sense_is_not_about_the_back() -> None:
    off_topic = OffTopic(["hair", "knee"], ["back"], ["grow back", "come back"])
    assert off_topic.named("can stem cells make my hair grow back") == "hair"
    assert off_topic.named("will my knee pain come back after the injection") == "knee"
    # a back word elsewhere still counts
    assert off_topic.named("my back hurts and will my hair grow back") is None
    assert OffTopic(["hair"], ["back"]).named("can stem cells make my hair grow back") is None
