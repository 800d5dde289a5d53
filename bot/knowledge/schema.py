"""The shape of every YAML file under ``knowledge/``, as pydantic models.

``extra="forbid"`` everywhere: a misspelt key must fail loudly instead of silently
dropping a patient-facing answer. Length limits exist for the phone screen and for
Telegram (button labels, 64-byte callback data that carries entry ids).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, pattern=KEBAB, max_length=40)]

MAX_TITLE = 40
MAX_ANSWER = 1200
MAX_QUESTION = 300
MAX_QUOTE = 1000
MAX_MESSAGE = 3000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- sources.yaml -----------------------------------------------------------------


class Source(Strict):
    id: Id
    title: Annotated[Text, Field(max_length=150)]
    file: Text | None = None
    publisher: Text | None = None
    url: Text | None = None
    date: Text | dt.date | None = None


class SourcesFile(Strict):
    sources: Annotated[list[Source], Field(min_length=1)]


# --- faq/*.yaml -------------------------------------------------------------------


class SourceRef(Strict):
    id: Id
    section: Annotated[Text, Field(max_length=200)] | None = None
    quote: Annotated[Text, Field(max_length=MAX_QUOTE)] | None = None


class Entry(Strict):
    id: Id
    category: Id
    title: Annotated[Text, Field(max_length=MAX_TITLE)]
    questions: Annotated[list[Annotated[Text, Field(max_length=MAX_QUESTION)]], Field(min_length=2)]
    answer: Annotated[Text, Field(max_length=MAX_ANSWER)]
    source: SourceRef
    related: list[Id] = []

    @property
    def canonical_question(self) -> str:
        return self.questions[0]


class FaqFile(Strict):
    entries: list[Entry]


# --- topics.yaml ------------------------------------------------------------------


class Category(Strict):
    id: Id
    title: Annotated[Text, Field(max_length=30)]


class TopicsFile(Strict):
    categories: Annotated[list[Category], Field(min_length=1)]


# --- safety.yaml ------------------------------------------------------------------


# In a safety phrase, this word stands for a count written in digits, from 10 to 999:
# "took <count> paracetamol" hears "took 30 paracetamol".
COUNT_PLACEHOLDER = "<count>"


class SafetyRule(Strict):
    """A red flag: every term group in ``all`` must appear, close together."""

    id: Id
    kind: Literal["urgent", "crisis"]
    all: Annotated[list[Id], Field(min_length=1)]
    within: Annotated[int, Field(ge=1, le=200)] | None = None
    unless: list[Text] = []
    note: Annotated[Text, Field(max_length=400)] | None = None


class SafetyReplies(Strict):
    urgent: Annotated[Text, Field(max_length=MAX_MESSAGE)]
    crisis: Annotated[Text, Field(max_length=MAX_MESSAGE)]


class Negation(Strict):
    """Words that deny what follows ("no fever", "I don't have cancer")."""

    triggers: list[Text] = []
    scope: Annotated[int, Field(ge=1, le=10)] = 2
    pass_over: list[Text] = []
    not_before: list[Text] = []
    stop_at: list[Text] = []
    compared_triggers: list[Text] = []
    not_after: list[Text] = []
    never_denied: list[Id] = []
    # A trigger right after one of these is itself negated and denies nothing: "they
    # haven't ruled out cauda equina".
    negated_by: list[Text] = []
    # Words that may stand between the two ("they've not *yet* ruled out", "nobody
    # *has* ruled out"), at most two.
    negated_gap: list[Text] = []
    # Endings of a reply that negate nothing after them ("believe it or not no numbness").
    negated_by_except: list[Text] = []


class UnlessCancelled(Strict):
    """When an ``unless`` phrase does not switch its rule off ("it never went away")."""

    before: list[Text] = []
    after: list[Text] = []
    window: Annotated[int, Field(ge=1, le=10)] = 4
    breaks: list[Text] = []
    own_part: list[Text] = []


class SafetyFile(Strict):
    within: Annotated[int, Field(ge=1, le=200)] = 12
    fillers: list[Text] = []
    never_alarm: list[Text] = []
    shorthand: dict[Text, Text] = {}
    negation: Negation = Negation()
    unless_cancelled: UnlessCancelled = UnlessCancelled()
    terms: dict[Id, Annotated[list[Text], Field(min_length=1)]]
    rules: Annotated[list[SafetyRule], Field(min_length=1)]
    replies: SafetyReplies


# --- crisis-examples.yaml, urgent-examples.yaml -----------------------------------


class ExamplesFile(Strict):
    """How close to an example a message must be for the safety check by meaning, and
    the ordinary messages that keep it from alarming on everyday talk."""

    threshold: Annotated[float, Field(ge=0.3, le=1.0)] = 0.7
    margin: Annotated[float, Field(ge=0.0, le=1.0)] = 0.05
    ordinary: list[Text] = []


class CrisisExamplesFile(ExamplesFile):
    crisis: Annotated[list[Text], Field(min_length=1)]


class UrgentExamplesFile(ExamplesFile):
    urgent: Annotated[list[Text], Field(min_length=1)]
    not_now: list[Text] = []


# --- synonyms.yaml ----------------------------------------------------------------


class SynonymsFile(Strict):
    """``canonical: [lay form, ...]``; ``spelling`` fixes texting shorthand word by word."""

    synonyms: dict[Text, Annotated[list[Text], Field(min_length=1)]] = {}
    spelling: dict[Text, Text] = {}


# --- matching.yaml ----------------------------------------------------------------


class WithModel(Strict):
    """How candidates are scored when the sentence model also judges meaning."""

    meaning_weight: Annotated[float, Field(ge=0, le=1)] = 0.5
    # bot/engine/rerank.py: the whole message's share against its best sentence or clause
    whole_message_weight: Annotated[float, Field(ge=0, le=1)] = 0.0
    answer_threshold: Annotated[float, Field(ge=0, le=100)]
    clarify_threshold: Annotated[float, Field(ge=0, le=100)]
    clarify_margin: Annotated[float, Field(ge=0, le=100)]
    # The answer attached to an urgent reply: scored on the best part alone
    answer_beside_alarm: Annotated[float | None, Field(ge=0, le=100)] = None
    # Messages of at least ``long_message_words`` words are answered (and asked about)
    # from ``long_message_threshold``: a long story shares its score across more words.
    long_message_words: Annotated[int | None, Field(ge=1)] = None
    long_message_threshold: Annotated[float | None, Field(ge=0, le=100)] = None


class MatchingFile(Strict):
    answer_threshold: Annotated[float, Field(ge=0, le=100)]
    clarify_threshold: Annotated[float, Field(ge=0, le=100)]
    clarify_margin: Annotated[float, Field(ge=0, le=100)]
    max_suggestions: Annotated[int, Field(ge=1, le=5)] = 3
    no_match_topics: Annotated[int, Field(ge=0, le=5)] = 3
    min_typo_length: Annotated[int, Field(ge=3, le=10)] = 4
    stop_words: list[Text] = []
    not_covered: list[Annotated[Text, Field(max_length=MAX_QUESTION)]] = []
    # bot/engine/off_topic.py: words and phrases, ``*`` ending a word
    other_conditions: list[Annotated[Text, Field(max_length=MAX_QUESTION)]] = []
    about_the_back: list[Annotated[Text, Field(max_length=MAX_QUESTION)]] = []
    back_in_passing: list[Annotated[Text, Field(max_length=MAX_QUESTION)]] = []
    with_model: WithModel | None = None


# --- messages.yaml ----------------------------------------------------------------

Message = Annotated[Text, Field(max_length=MAX_MESSAGE)]
CommandName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]


class SmalltalkIntent(Strict):
    phrases: Annotated[list[Text], Field(min_length=1)]
    reply: Message


class MessagesFile(Strict):
    disclaimer_short: Message
    disclaimer_full: Message
    source_line: Message
    source_line_no_section: Message
    introduction_section: Annotated[Text, Field(max_length=60)]
    related_heading: Message
    clarify_intro: Message
    clarify_none: Annotated[Text, Field(max_length=40)]
    no_match: Message
    no_match_topics: Message
    contact_line: Message
    quote_intro: Message
    show_quote_button: Annotated[Text, Field(max_length=40)]
    welcome: Message
    help: Message
    topics_intro: Message
    back_button: Annotated[Text, Field(max_length=40)]
    sources_intro: Message
    contact: Message
    privacy: Message
    forget_done: Message
    feedback_prompt: Message
    feedback_helpful_button: Annotated[Text, Field(max_length=40)]
    feedback_not_helpful_button: Annotated[Text, Field(max_length=40)]
    feedback_thanks: Message
    empty_message: Message
    non_text: Message
    too_long: Message
    error: Message
    # Telegram's command menu: command name -> description (Telegram allows 1-256 chars).
    commands: dict[CommandName, Annotated[Text, Field(max_length=256)]] = {}
    smalltalk: dict[Id, SmalltalkIntent] = {}
