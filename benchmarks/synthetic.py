"""Synthetic knowledge bases of any size, written as YAML so the real loader is measured.

The words come from the shipped knowledge (its questions, answers and article) plus
made-up terms ("kalomirine") standing for the long tail of a big FAQ's vocabulary, drawn
with a Zipf law so that common words are shared by thousands of phrasings, as in a real
knowledge base. Every entry cites a verbatim sentence of the shipped article under its
real heading, so loading runs every check a clinic's knowledge base gets: schema, ids,
related ids, quotes and sections, duplicate and near-identical phrasings.

Queries for the speed benchmark mix the project's real dev messages with rephrased,
misspelt and off-topic questions generated from the same vocabulary.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge import Knowledge
from bot.knowledge.source_text import SourceText
from bot.text import words

ENTRIES_PER_FILE = 500
PHRASINGS_PER_ENTRY = 5
PSEUDO_WORDS = 40_000
# The most common words are never an entry's own subject.
TOPIC_SKIP = 100

# Made-up words are two to four of these syllables and an ending.
_SYLLABLES = "ba be bi bo ka ke ki ko la le li lo ma me mi mo na ne ni no pa pe pi po ra re ri ro"
_SYLLABLES += " sa se si so ta te ti to va ve vi vo za ze zi zo dra kri plo ste tru gla"
SYLLABLES = _SYLLABLES.split()
_ENDINGS = ("", "n", "ne", "l", "ra", "sis", "tin", "x", "mide", "ol")

FRAMES = (
    "what is {a} {b}",
    "how does {a} affect {b}",
    "can {a} help with {b}",
    "{a} {b} {c}",
    "is {a} safe for {b}",
    "tell me about {a} and {b}",
    "why do i get {a} with {b}",
    "how long does {a} {b} take",
    "does {c} {a} {b} work",
    "what should i know about {a} {b} {c}",
    "{a} {b}?",
    "who can have {a} {b}",
    "how much does {a} {b} cost",
    "is {a} {b} covered by {c}",
    "what are the risks of {a} {b}",
    "where can i get {a} for {b}",
)
STORY = (
    "I have had problems for a few years now and my doctor was not sure.",
    "My sister told me about this last week.",
    "Sorry for the long message, I am a bit worried.",
)


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]  # most common first
    quotes: tuple[tuple[str | None, str], ...]  # (heading, verbatim sentence)
    known: frozenset[str]


def pseudo_words(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    made: dict[str, None] = {}
    while len(made) < count:
        parts = rng.randint(2, 4)
        made["".join(rng.choice(SYLLABLES) for _ in range(parts)) + rng.choice(_ENDINGS)] = None
    return list(made)


def vocabulary(knowledge: Knowledge, *, pseudo: int = PSEUDO_WORDS) -> Vocabulary:
    """Real words of the shipped knowledge (by frequency), then made-up rare terms."""
    counts: dict[str, int] = {}
    stop = {w for phrase in knowledge.matching.stop_words for w in words(phrase)}
    texts = [q for e in knowledge.entries for q in (*e.questions, e.title, e.answer)]
    texts += [body for text in knowledge.source_texts.values() for _, body in text.sections]
    for text in texts:
        for word in words(text):
            if word.isalpha() and len(word) > 2 and word not in stop:
                counts[word] = counts.get(word, 0) + 1
    real = sorted(counts, key=lambda w: (-counts[w], w))
    quotes: list[tuple[str | None, str]] = []
    for source in knowledge.source_texts.values():
        quotes.extend(_sentences(source))
    made = [w for w in pseudo_words(pseudo) if w not in counts]
    return Vocabulary(tuple(real + made), tuple(quotes), frozenset(real))


def _sentences(source: SourceText) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for heading, body in source.sections:
        for sentence in re.split(r"(?<=[.!?])\s+", body):
            sentence = sentence.strip()
            if 40 <= len(sentence) <= 300 and '"' not in sentence:
                out.append((heading, sentence))
    return out


class _Zipf:
    def __init__(self, items: Sequence[str], rng: random.Random, exponent: float = 1.05) -> None:
        self._items = items
        self._rng = rng
        weights = [1 / (rank + 1) ** exponent for rank in range(len(items))]
        total = 0.0
        self._cumulative = []
        for w in weights:
            total += w
            self._cumulative.append(total)

    def draw(self) -> str:
        return self._rng.choices(self._items, cum_weights=self._cumulative, k=1)[0]


def _entry(
    number: int, subject: str, vocab: Vocabulary, zipf: _Zipf, rng: random.Random
) -> dict[str, object]:
    a, b = subject, zipf.draw()
    while b == a:
        b = zipf.draw()
    frames = rng.sample(FRAMES, PHRASINGS_PER_ENTRY)
    questions = [f.format(a=a, b=b, c=zipf.draw()) for f in frames]
    heading, quote = vocab.quotes[number % len(vocab.quotes)]
    filler = " ".join(zipf.draw() for _ in range(40))
    entry: dict[str, object] = {
        "id": f"topic-{number:05d}",
        "category": f"group-{number % 12}",
        "title": f"{a} {b}"[:34].strip() + f" {number % 1000}",
        "questions": questions,
        "answer": f"According to the source, {a} and {b}: {filler}."[:1100],
        "source": {"id": "article", "quote": quote},
    }
    if heading is not None:
        entry["source"] = {"id": "article", "section": heading, "quote": quote}
    if number % 3 == 0 and number > 0:
        entry["related"] = [f"topic-{number - 1:05d}"]
    return entry


def generate(n_entries: int, vocab: Vocabulary, seed: int = 1) -> list[dict[str, object]]:
    """``n_entries`` entries; no phrasing is repeated in two entries (that is an error)."""
    rng = random.Random(seed)
    zipf = _Zipf(vocab.words, rng)
    # Each entry has its own subject, a less common word (as "fluoroscopy" or "insurance"
    # are in the shipped entries); the other words follow the Zipf law of the whole text.
    subjects = list(vocab.words[TOPIC_SKIP:])
    rng.shuffle(subjects)
    seen: set[str] = set()
    entries: list[dict[str, object]] = []
    while len(entries) < n_entries:
        subject = subjects[len(entries) % len(subjects)]
        entry = _entry(len(entries), subject, vocab, zipf, rng)
        keys = {" ".join(words(q)) for q in entry["questions"]}  # type: ignore[attr-defined]
        if keys & seen or len(keys) < PHRASINGS_PER_ENTRY:
            continue
        seen |= keys
        entries.append(entry)
    return entries


def write_knowledge(directory: Path, entries: Sequence[dict[str, object]], article: Path) -> Path:
    """A knowledge directory: sources.yaml, the article, faq/part-NNN.yaml files."""
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "faq").mkdir(parents=True)
    (directory / "sources").mkdir()
    shutil.copyfile(article, directory / "sources" / "article.txt")
    sources = {"sources": [{"id": "article", "title": "Article", "file": "sources/article.txt"}]}
    (directory / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    for part, start in enumerate(range(0, len(entries), ENTRIES_PER_FILE)):
        chunk = {"entries": list(entries[start : start + ENTRIES_PER_FILE])}
        text = yaml.safe_dump(chunk, sort_keys=False, allow_unicode=True, width=100)
        (directory / "faq" / f"part-{part:03d}.yaml").write_text(text, encoding="utf-8")
    return directory


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def queries(
    entries: Sequence[dict[str, object]], vocab: Vocabulary, count: int, seed: int
) -> list[tuple[str, str | None]]:
    """``count`` messages and the entry each asks about (``None``: off-topic).

    70% ask about an entry (one of its phrasings, its longest word misspelt a third of
    the time, after a short story a fifth of the time); 30% are off-topic, with words the
    knowledge base has never seen.
    """
    rng = random.Random(seed)
    zipf = _Zipf(vocab.words, rng)
    unknown = pseudo_words(2_000, seed=seed + 1000)
    out: list[tuple[str, str | None]] = []
    for _ in range(count):
        if rng.random() < 0.7:
            entry = rng.choice(entries)
            questions: list[str] = entry["questions"]  # type: ignore[assignment]
            text = rng.choice(questions)
            if rng.random() < 1 / 3:
                tokens = text.split()
                longest = max(range(len(tokens)), key=lambda i: len(tokens[i]))
                tokens[longest] = _typo(tokens[longest], rng)
                text = " ".join(tokens)
            if rng.random() < 0.2:
                text = f"{rng.choice(STORY)} {text}?"
            out.append((text, str(entry["id"])))
        else:
            frame = rng.choice(FRAMES)
            text = frame.format(a=rng.choice(unknown), b=zipf.draw(), c=rng.choice(unknown))
            out.append((text, None))
    return out
