"""``python -m bot gaps``: what staff should add to the knowledge base next.

Four lists, from the questions and feedback the bot stored (:mod:`bot.storage`):

1. unanswered questions, grouped by similarity, most asked first, each with the entry
   that comes closest today (and a note if the knowledge now answers it);
2. questions the bot was unsure about where the patient then picked an entry: each is
   a phrasing to add to that entry;
3. entries most often rated "not helpful";
4. did-you-mean suggestions most often rejected with "none of these".

Similar questions are grouped by the specific words they share (:class:`Similarity`),
so "neck pain?", "do you treat neck pain" and "can stem cells fix my neck pain" land in
one group, and "do you treat knee pain" in another.
"""

from __future__ import annotations

import csv
import sqlite3
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rapidfuzz import fuzz, process

from bot.engine import Engine, ReplyKind
from bot.engine.english import zipf
from bot.normalize import Normalizer
from bot.storage.db import DB_FILENAME, open_read_only
from bot.storage.retention import DAY_SECONDS, day_of
from bot.text import stem, words

# Two questions share a group when their shared words carry at least this share (0-100)
# of the lighter question's weight (see Similarity).
DEFAULT_SIMILARITY = 60.0
EXAMPLE_CHARS = 70
SIMILAR_SHOWN = 3
# Words in the phrasings of at least this share of entries are too common to group on.
COMMON_WORD_SHARE = 1 / 3
# A word's weight is its rarity in English (7 minus its Zipf frequency), within these
# bounds; words the knowledge base already uses count this much less.
MIN_RARITY, MAX_RARITY, DEFAULT_RARITY = 0.5, 5.0, 2.5
# Words not in the English list are mostly typos ("nek") and names: rare, not extreme.
UNKNOWN_RARITY = 3.5
KNOWN_WORD_FACTOR = 0.5
# Two words this alike (rapidfuzz ratio, 0-100), neither shorter than MIN_TYPO_CHARS,
# count as the same word: "nek" and "neck", "alcohl" and "alcohol".
TYPO_RATIO = 85.0
MIN_TYPO_CHARS = 3

__all__ = [
    "DB_FILENAME",
    "DEFAULT_SIMILARITY",
    "GapsReport",
    "build_report",
    "format_text",
    "write_csv",
]


@dataclass(frozen=True)
class QuestionGroup:
    """Similar unanswered questions: how often, by how many people, and the nearest entry."""

    count: int
    people: int
    example: str
    similar: tuple[str, ...]
    closest: str | None = None
    closest_score: float = 0.0
    now_answered: str | None = None  # the knowledge answers the example by now


@dataclass(frozen=True)
class PickedPhrasing:
    """Questions the bot was unsure about, and the entry patients chose for them."""

    entry_id: str
    count: int
    questions: tuple[str, ...]


@dataclass(frozen=True)
class EntryRating:
    entry_id: str
    not_helpful: int
    helpful: int


@dataclass(frozen=True)
class Rejection:
    """An entry offered in did-you-mean lists that patients turned down."""

    entry_id: str
    rejected: int
    offered: int
    example: str


@dataclass
class GapsReport:
    since: float | None
    questions: int = 0
    unanswered: list[QuestionGroup] = field(default_factory=list)
    picked: list[PickedPhrasing] = field(default_factory=list)
    ratings: list[EntryRating] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Question:
    kind: str
    text: str
    user_key: str
    suggestions: tuple[str, ...]
    picked: str | None
    rejected: bool


# --- grouping ------------------------------------------------------------------------


class Similarity:
    """Decides whether two questions are about the same missing topic.

    Each question becomes its content words (the matcher's stems and synonyms, without
    stop words), weighted by how specific they are: words in the phrasings of a third or
    more of the entries ("stem", "cell", "back", "pain") count nothing, everyday English
    words little ("treat", "where"), rare words and words the knowledge base has never
    seen most ("neck", "parking", "mongolia"). Two questions score the weight of their
    shared words as a share of the lighter question's weight, 0-100: "neck pain?" and
    "can stem cells fix my neck pain" score 100, "do you treat neck pain" and "do you
    treat knee pain" under 50.
    """

    def __init__(self, engine: Engine | None) -> None:
        self._normalizer: Normalizer | None = None
        self._entry_share: dict[str, float] = {}
        if engine is None:
            return
        k = engine.knowledge
        self._normalizer = Normalizer(
            k.synonyms.synonyms, k.synonyms.spelling, k.matching.stop_words
        )
        per_entry: Counter[str] = Counter()
        for entry in k.entries:
            per_entry.update({s for q in entry.questions for s in self._content(q)})
        self._entry_share = {s: n / len(k.entries) for s, n in per_entry.items()}

    def _content(self, text: str) -> list[str]:
        if self._normalizer is None:
            return [stem(w) for w in words(text)]
        return self._normalizer.content(self._normalizer.analyze(text))

    def weights(self, text: str) -> dict[str, float]:
        """The question's words and how much each says about its topic."""
        surface = self._normalizer.surface(text) if self._normalizer else words(text)
        rarity = {stem(w): _rarity(w) for w in surface}
        found: dict[str, float] = {}
        for s in self._content(text):
            share = self._entry_share.get(s, 0.0)
            if share >= COMMON_WORD_SHARE:
                continue
            weight = rarity.get(s, DEFAULT_RARITY)
            found[s] = weight * (KNOWN_WORD_FACTOR if share > 0 else 1.0)
        return found

    @staticmethod
    def score(a: dict[str, float], b: dict[str, float]) -> float:
        """The weight of the shared words (typos forgiven), as a share of the lighter side."""
        shared = 0.0
        for word, weight in a.items():
            if word in b:
                shared += min(weight, b[word])
                continue
            close = process.extractOne(word, list(b), scorer=fuzz.ratio, score_cutoff=TYPO_RATIO)
            if close is not None and min(len(word), len(close[0])) >= MIN_TYPO_CHARS:
                shared += min(weight, b[close[0]])
        lighter = min(sum(a.values()), sum(b.values()))
        return min(100.0, 100.0 * shared / lighter) if lighter > 0 else 0.0


def _rarity(word: str) -> float:
    """How rare ``word`` is in everyday English: 0.5 ("the") up to 5 ("mongolia")."""
    frequency = zipf(word)
    if frequency is None:
        return UNKNOWN_RARITY
    return min(MAX_RARITY, max(MIN_RARITY, 7.0 - frequency))


def group_similar(
    texts: Sequence[str], similarity: Similarity, threshold: float = DEFAULT_SIMILARITY
) -> list[list[int]]:
    """Indices of ``texts`` in groups of similar questions, biggest group first.

    The most frequent wordings found groups; every other question joins the founder it
    scores highest with, if at least ``threshold``. Comparing with founders only (not
    with every member) keeps one vague question from chaining unrelated groups together.
    """
    by_text: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        by_text.setdefault(" ".join(words(text)) or text, []).append(i)
    founders: list[dict[str, float]] = []
    groups: list[list[int]] = []
    founders_with: dict[str, list[int]] = {}  # word -> founders that have it
    for folded in sorted(by_text, key=lambda t: (-len(by_text[t]), by_text[t][0])):
        weights = similarity.weights(texts[by_text[folded][0]])
        vocabulary = list(founders_with)
        candidates = {
            f
            for word in weights
            for near, _, _ in process.extract(
                word, vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_RATIO, limit=None
            )
            for f in founders_with[near]
        }
        scored = [(similarity.score(weights, founders[f]), -f) for f in candidates]
        best, founder = max(scored, default=(0.0, 0))
        if weights and best >= threshold:
            groups[-founder].extend(by_text[folded])
            continue
        for word in weights:
            founders_with.setdefault(word, []).append(len(founders))
        founders.append(weights)
        groups.append(list(by_text[folded]))
    return sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))


def _most_common(texts: Iterable[str]) -> list[str]:
    """Distinct texts, most frequent first (case, spacing and punctuation folded)."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for text in texts:
        folded = " ".join(words(text)) or text
        counts[folded] += 1
        shown.setdefault(folded, " ".join(text.split()))
    return [shown[folded] for folded, _ in counts.most_common()]


# --- reading the database ---------------------------------------------------------


def _questions(conn: sqlite3.Connection, since: float | None) -> list[_Question]:
    rows = conn.execute(
        """
        SELECT q.kind, q.text, q.user_key, q.suggestions,
               (SELECT c.entry_id FROM choices c
                 WHERE c.question_id = q.id AND c.entry_id IS NOT NULL
                 ORDER BY c.created_at DESC, c.id DESC LIMIT 1),
               EXISTS (SELECT 1 FROM choices c WHERE c.question_id = q.id AND c.entry_id IS NULL)
          FROM questions q
         WHERE q.created_at >= ?
         ORDER BY q.created_at, q.id
        """,
        (int(since or 0),),
    ).fetchall()
    return [
        _Question(kind, text, user, tuple(suggestions.split()), picked, bool(rejected))
        for kind, text, user, suggestions, picked, rejected in rows
    ]


def _ratings(conn: sqlite3.Connection, since: float | None) -> list[EntryRating]:
    """Ratings per entry, each person counted once (their latest rating of it)."""
    rows = conn.execute(
        """
        SELECT entry_id, SUM(1 - helpful), SUM(helpful) FROM feedback AS f
         WHERE created_at >= :since
           AND id = (SELECT MAX(id) FROM feedback AS g
                      WHERE g.user_key = f.user_key AND g.entry_id = f.entry_id
                        AND g.created_at >= :since)
         GROUP BY entry_id HAVING SUM(1 - helpful) > 0
        """,
        {"since": int(since or 0)},
    ).fetchall()
    ratings = [EntryRating(entry, bad, good) for entry, bad, good in rows]
    return sorted(ratings, key=lambda r: (-r.not_helpful, r.helpful, r.entry_id))


def _rejections(questions: Sequence[_Question]) -> list[Rejection]:
    offered: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for q in questions:
        if q.kind != ReplyKind.CLARIFY.value:
            continue
        offered.update(q.suggestions)
        if q.rejected and q.picked is None:
            rejected.update(q.suggestions)
            for entry in q.suggestions:
                examples.setdefault(entry, []).append(q.text)
    found = [
        Rejection(entry, count, offered[entry], _most_common(examples[entry])[0])
        for entry, count in rejected.items()
    ]
    return sorted(found, key=lambda r: (-r.rejected, -r.rejected / r.offered, r.entry_id))


def _picked(questions: Sequence[_Question]) -> list[PickedPhrasing]:
    by_entry: dict[str, list[str]] = {}
    for q in questions:
        if q.picked is not None:
            by_entry.setdefault(q.picked, []).append(q.text)
    found = [
        PickedPhrasing(entry, len(texts), tuple(_most_common(texts)))
        for entry, texts in by_entry.items()
    ]
    return sorted(found, key=lambda p: (-p.count, p.entry_id))


def _unanswered(
    questions: Sequence[_Question], engine: Engine | None, threshold: float
) -> list[QuestionGroup]:
    open_ = [q for q in questions if q.picked is None]
    groups = []
    for members in group_similar([q.text for q in open_], Similarity(engine), threshold):
        texts = _most_common(open_[i].text for i in members)
        closest, score, answered = None, 0.0, None
        if engine is not None:
            ranked = engine.rank(texts[0], limit=1)
            if ranked:
                closest, score = ranked[0].entry.id, ranked[0].score
            reply = engine.reply(texts[0])
            if reply.kind is ReplyKind.ANSWER and reply.entry is not None:
                answered = reply.entry.id
        groups.append(
            QuestionGroup(
                count=len(members),
                people=len({open_[i].user_key for i in members}),
                example=texts[0],
                similar=tuple(texts[1:]),
                closest=closest,
                closest_score=round(score, 1),
                now_answered=answered,
            )
        )
    # Groups today's knowledge already answers go last: they need no work.
    return sorted(groups, key=lambda g: g.now_answered is not None)


def build_report(
    conn: sqlite3.Connection,
    *,
    engine: Engine | None = None,
    since: float | None = None,
    similarity: float = DEFAULT_SIMILARITY,
) -> GapsReport:
    """Everything the report shows; ``engine`` (today's knowledge) adds closest entries."""
    questions = _questions(conn, since)
    titles = {e.id: e.title for e in engine.knowledge.entries} if engine else {}
    return GapsReport(
        since=since,
        questions=len(questions),
        unanswered=_unanswered(questions, engine, similarity),
        picked=_picked(questions),
        ratings=_ratings(conn, since),
        rejections=_rejections(questions),
        titles=titles,
    )


def since_days(now: float, days: int | None) -> float | None:
    return None if days is None else now - days * DAY_SECONDS


# --- output ----------------------------------------------------------------------


def _short(text: str, width: int = EXAMPLE_CHARS) -> str:
    return f'"{textwrap.shorten(text, width, placeholder=" …")}"'


def _entry(report: GapsReport, entry_id: str | None) -> str:
    if entry_id is None:
        return "-"
    if report.titles and entry_id not in report.titles:
        return f"{entry_id} (no longer in the knowledge)"
    return entry_id


Row = list[str] | str


def _table(header: list[str], rows: Sequence[Row], right: int) -> list[str]:
    """Columns padded to fit; the first ``right`` columns (numbers) right-aligned.

    A row given as a plain string is a note under the row above, outside the columns.
    """
    cells = [header, *(r for r in rows if not isinstance(r, str))]
    widths = [max(len(r[c]) for r in cells) for c in range(len(header))]
    note_indent = " " * (3 + sum(w + 2 for w in widths[:right]))

    def line(row: Row) -> str:
        if isinstance(row, str):
            return note_indent + row
        parts = [
            cell.rjust(widths[c]) if c < right else cell.ljust(widths[c])
            for c, cell in enumerate(row)
        ]
        return ("   " + "  ".join(parts)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def format_text(report: GapsReport, source: str) -> str:
    """The report for a terminal: four short sections, most important rows first."""
    period = f"since {day_of(report.since)}" if report.since is not None else "all stored"
    out = [f"Gaps report from {source} ({period}): {report.questions} stored question(s)", ""]

    out.append(
        f"1. Unanswered questions, grouped by similarity "
        f"({sum(g.count for g in report.unanswered)} in {len(report.unanswered)} group(s))"
    )
    out.append("   Add an entry for them, or a phrasing to the closest entry if it is right.")
    if report.unanswered:
        rows: list[Row] = []
        for g in report.unanswered:
            closest = (
                f"{g.closest} ({g.closest_score:g})"
                if g.closest is not None
                else _entry(report, None)
            )
            if g.now_answered:
                closest = f"now answered: {g.now_answered}"
            rows.append([str(g.count), str(g.people), _short(g.example), closest])
            if g.similar:
                shown = "; ".join(_short(t, 40) for t in g.similar[:SIMILAR_SHOWN])
                more = len(g.similar) - SIMILAR_SHOWN
                rows.append(f"  also: {shown}" + (f" (+{more} more)" if more > 0 else ""))
        out += _table(["asked", "people", "question", "closest entry (score)"], rows, right=2)
    else:
        out.append("   none")
    out.append("")

    out.append("2. Unsure questions where patients picked an entry (add them as its phrasings)")
    if report.picked:
        rows = [
            [
                str(p.count),
                _entry(report, p.entry_id),
                "; ".join(_short(q, 40) for q in p.questions[:SIMILAR_SHOWN]),
            ]
            for p in report.picked
        ]
        out += _table(["picked", "entry", "questions"], rows, right=1)
    else:
        out.append("   none")
    out.append("")

    out.append('3. Entries most often rated "not helpful"')
    if report.ratings:
        rows = [
            [str(r.not_helpful), str(r.helpful), _entry(report, r.entry_id)] for r in report.ratings
        ]
        out += _table(["not helpful", "helpful", "entry"], rows, right=2)
    else:
        out.append("   none")
    out.append("")

    out.append('4. Did-you-mean suggestions most often rejected ("none of these")')
    if report.rejections:
        rows = [
            [str(r.rejected), str(r.offered), _entry(report, r.entry_id), _short(r.example, 50)]
            for r in report.rejections
        ]
        out += _table(["rejected", "offered", "entry", "example question"], rows, right=2)
    else:
        out.append("   none")
    return "\n".join(out)


CSV_COLUMNS = (
    "section",
    "count",
    "people",
    "entry_id",
    "closest_score",
    "now_answered",
    "helpful",
    "not_helpful",
    "offered",
    "rejected",
    "question",
    "similar_questions",
)


# A spreadsheet reads a cell starting with one of these as a formula; patients' text
# must never become one ("=HYPERLINK(...)").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _SafeWriter(csv.DictWriter):  # type: ignore[type-arg]
    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: _cell(v) for k, v in rowdict.items()})


def write_csv(report: GapsReport, out: TextIO) -> None:
    """One row per group or entry, a ``section`` column saying which list it is from."""
    writer = _SafeWriter(out, fieldnames=CSV_COLUMNS, extrasaction="raise", lineterminator="\n")
    writer.writeheader()
    for g in report.unanswered:
        writer.writerow(
            {
                "section": "unanswered",
                "count": g.count,
                "people": g.people,
                "entry_id": g.closest or "",
                "closest_score": g.closest_score if g.closest else "",
                "now_answered": g.now_answered or "",
                "question": g.example,
                "similar_questions": " | ".join(g.similar),
            }
        )
    for p in report.picked:
        writer.writerow(
            {
                "section": "picked",
                "count": p.count,
                "entry_id": p.entry_id,
                "question": p.questions[0],
                "similar_questions": " | ".join(p.questions[1:]),
            }
        )
    for r in report.ratings:
        writer.writerow(
            {
                "section": "not_helpful",
                "count": r.not_helpful,
                "entry_id": r.entry_id,
                "helpful": r.helpful,
                "not_helpful": r.not_helpful,
            }
        )
    for j in report.rejections:
        writer.writerow(
            {
                "section": "rejected",
                "count": j.rejected,
                "entry_id": j.entry_id,
                "offered": j.offered,
                "rejected": j.rejected,
                "question": j.example,
            }
        )


def open_database(path: Path) -> sqlite3.Connection | None:
    """The bot's database for reading, or ``None`` when the bot has stored nothing yet."""
    if not path.is_file():
        return None
    return open_read_only(path)
