"""Checks that need more than one file: ids, references, quotes, phrasings, placeholders.

Each check returns problems pointing at the exact line to change, and where a typo is
the likely cause, the nearest valid value.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz, process

from bot.knowledge.problems import Problem, Severity
from bot.knowledge.schema import (
    COUNT_PLACEHOLDER,
    Entry,
    FaqFile,
    MatchingFile,
    MessagesFile,
    SafetyFile,
    SourcesFile,
    SynonymsFile,
    TopicsFile,
)
from bot.knowledge.source_text import SourceText
from bot.knowledge.term_lists import (
    Where,
    expand_all,
    included_lists,
    references,
)
from bot.normalize import Normalizer
from bot.text import fold, phrase_pattern, words

if TYPE_CHECKING:
    from bot.knowledge.loader import Parsed
    from bot.knowledge.yaml_source import YamlDocument

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
ANSWER_PLACEHOLDERS = frozenset({"clinic_contact", "emergency_number", "crisis_line"})
MESSAGE_PLACEHOLDERS = ANSWER_PLACEHOLDERS | {
    "retention_days",
    "max_message_chars",
    "title",
    "section",
    "limit",
}
RECOMMENDED_PHRASINGS = 4
NEAR_IDENTICAL_RATIO = 92.0
_BLOCKING_WORDS = 2
# Blocks with fewer phrasing pairs than this are compared in a loop; bigger ones in bulk.
_SMALL_BLOCK = 256
_MATRIX_ROWS = 256
# A word of at least 3 letters ("numb*"), or digits ("1*" in "when i was 1*": 10 to 19).
_WILDCARD = re.compile(r"^(?:[a-z0-9]{3,}|[0-9]+)\*$")


@dataclass
class Context:
    sources: Parsed[SourcesFile] | None
    faqs: list[Parsed[FaqFile]]
    topics: Parsed[TopicsFile] | None
    safety: Parsed[SafetyFile] | None
    synonyms: Parsed[SynonymsFile] | None
    matching: Parsed[MatchingFile] | None
    messages: Parsed[MessagesFile] | None
    source_texts: dict[str, SourceText]

    def entries(self) -> Iterator[tuple[Parsed[FaqFile], int, Entry]]:
        for faq in self.faqs:
            for index, entry in enumerate(faq.model.entries):
                yield faq, index, entry


def _nearest(value: str, choices: Iterable[str]) -> str:
    options = list(choices)
    match = process.extractOne(value, options, score_cutoff=60) if options else None
    return f" (did you mean '{match[0]}'?)" if match else ""


def _where(parsed: Parsed[FaqFile], index: int, *keys: str | int) -> int:
    return parsed.doc.line_of(("entries", index, *keys))


def check_ids(ctx: Context) -> Iterator[Problem]:
    first: dict[str, str] = {}
    for faq, index, entry in ctx.entries():
        here = f"{faq.display}:{_where(faq, index, 'id')}"
        if entry.id in first:
            yield Problem(
                faq.display,
                _where(faq, index, "id"),
                f"duplicate id '{entry.id}': already used at {first[entry.id]}; give this "
                "entry a different id (ids must be unique across all files)",
            )
        else:
            first[entry.id] = here
    if ctx.sources:
        seen: set[str] = set()
        for index, source in enumerate(ctx.sources.model.sources):
            if source.id in seen:
                yield Problem(
                    ctx.sources.display,
                    ctx.sources.doc.line_of(("sources", index, "id")),
                    f"duplicate source id '{source.id}': give each source its own id",
                )
            seen.add(source.id)


def check_categories(ctx: Context) -> Iterator[Problem]:
    if ctx.topics is None:
        return
    known = [c.id for c in ctx.topics.model.categories]
    used = {entry.category for _, _, entry in ctx.entries()}
    for index, category in enumerate(ctx.topics.model.categories):
        line = ctx.topics.doc.line_of(("categories", index, "id"))
        if known.index(category.id) != index:
            yield Problem(ctx.topics.display, line, f"duplicate category id '{category.id}'")
        elif category.id not in used:
            yield Problem(
                ctx.topics.display,
                line,
                f"category '{category.id}' has no entries; it will not show in the topic menu",
                Severity.WARNING,
            )
    for faq, index, entry in ctx.entries():
        if entry.category not in known:
            yield Problem(
                faq.display,
                _where(faq, index, "category"),
                f"unknown category '{entry.category}'{_nearest(entry.category, known)}: use "
                f"one of {', '.join(known)}, or add it to {ctx.topics.display}",
            )


def _check_quote(
    faq: Parsed[FaqFile], index: int, entry: Entry, source_file: str, text: SourceText
) -> Iterator[Problem]:
    ref = entry.source
    if ref.section is not None and ref.section not in text.headings:
        yield Problem(
            faq.display,
            _where(faq, index, "source", "section"),
            f"section '{ref.section}' is not a heading of {source_file}"
            f"{_nearest(ref.section, text.headings)}; copy the heading exactly",
        )
        return
    if ref.quote is None:
        yield Problem(
            faq.display,
            _where(faq, index, "source"),
            f"missing 'quote': copy the sentence from {source_file} that supports this answer",
        )
        return
    found, section = text.section_of(ref.quote)
    line = _where(faq, index, "source", "quote")
    if not found:
        closest = text.closest_passage(ref.quote)
        yield Problem(
            faq.display,
            line,
            f"quote not found in {source_file}: it must be copied word for word. "
            f'The closest text there is: "{closest}"',
        )
    elif section != ref.section:
        if section is None:
            yield Problem(
                faq.display,
                _where(faq, index, "source", "section"),
                "the quote is from the introduction (before the first heading): remove the "
                "'section' line",
            )
        else:
            yield Problem(
                faq.display,
                _where(faq, index, "source", "section") if ref.section else line,
                f"the quote is under the heading '{section}': set 'section: {section}'",
            )


def check_sources(ctx: Context) -> Iterator[Problem]:
    sources = {s.id: s for s in ctx.sources.model.sources} if ctx.sources else {}
    for faq, index, entry in ctx.entries():
        source = sources.get(entry.source.id)
        if source is None:
            if ctx.sources is not None:
                yield Problem(
                    faq.display,
                    _where(faq, index, "source", "id"),
                    f"unknown source id '{entry.source.id}'{_nearest(entry.source.id, sources)}:"
                    f" use an id listed in {ctx.sources.display}",
                )
            continue
        text = ctx.source_texts.get(source.id)
        if text is not None and source.file is not None:
            yield from _check_quote(faq, index, entry, source.file, text)


def check_related(ctx: Context) -> Iterator[Problem]:
    ids = {entry.id for _, _, entry in ctx.entries()}
    for faq, index, entry in ctx.entries():
        for position, related in enumerate(entry.related):
            line = _where(faq, index, "related", position)
            if related == entry.id:
                yield Problem(faq.display, line, f"entry '{entry.id}' lists itself in 'related'")
            elif related not in ids:
                yield Problem(
                    faq.display,
                    line,
                    f"unknown related id '{related}'{_nearest(related, ids)}: use the id of an "
                    "existing entry",
                )


def _placeholders(text: str, allowed: frozenset[str]) -> list[str]:
    return [name for name in PLACEHOLDER.findall(text) if name not in allowed]


def _placeholder_message(name: str, allowed: frozenset[str]) -> str:
    return (
        f"unknown placeholder '{{{name}}}'{_nearest(name, allowed)}: the ones filled in "
        f"are {', '.join('{' + a + '}' for a in sorted(allowed))}"
    )


def check_answers(ctx: Context) -> Iterator[Problem]:
    for faq, index, entry in ctx.entries():
        for name in _placeholders(entry.answer, ANSWER_PLACEHOLDERS):
            yield Problem(
                faq.display,
                _where(faq, index, "answer"),
                _placeholder_message(name, ANSWER_PLACEHOLDERS),
            )
        if len(entry.questions) < RECOMMENDED_PHRASINGS:
            yield Problem(
                faq.display,
                _where(faq, index, "questions"),
                f"entry '{entry.id}' has only {len(entry.questions)} ways of asking; add a few "
                f"more as patients would type them ({RECOMMENDED_PHRASINGS} or more match "
                "better)",
                Severity.WARNING,
            )


def _normalizer(ctx: Context) -> Normalizer:
    synonyms = ctx.synonyms.model if ctx.synonyms else SynonymsFile()
    stop = ctx.matching.model.stop_words if ctx.matching else []
    return Normalizer(synonyms.synonyms, synonyms.spelling, stop)


@dataclass(frozen=True)
class _Phrasing:
    faq: Parsed[FaqFile]
    index: int
    position: int
    entry_id: str
    exact: str
    signature: tuple[str, ...]

    @property
    def line(self) -> int:
        return _where(self.faq, self.index, "questions", self.position)

    @property
    def where(self) -> str:
        return f"{self.faq.display}:{self.line}"


def check_phrasings(ctx: Context) -> Iterator[Problem]:
    """Same phrasing twice is an error; near-identical phrasings in two entries a warning."""
    normalizer = _normalizer(ctx)
    phrasings = [
        _Phrasing(
            faq, index, pos, entry.id, " ".join(tokens), normalizer.signature_of_words(tokens)
        )
        for faq, index, entry in ctx.entries()
        for pos, tokens in enumerate(map(words, entry.questions))
    ]
    by_exact: dict[str, _Phrasing] = {}
    by_signature: dict[tuple[str, ...], _Phrasing] = {}
    postings: dict[str, list[int]] = defaultdict(list)
    flagged: set[int] = set()
    for number, p in enumerate(phrasings):
        twin = by_exact.get(p.exact)
        if twin is not None:
            flagged.add(number)
            if twin.entry_id == p.entry_id:
                yield Problem(
                    p.faq.display,
                    p.line,
                    f"this phrasing repeats {twin.where} in the same entry; remove one",
                    Severity.WARNING,
                )
            else:
                yield Problem(
                    p.faq.display,
                    p.line,
                    f"the same phrasing is already in entry '{twin.entry_id}' ({twin.where}); "
                    "a question can lead to one entry only: remove or reword one of them",
                )
            continue
        by_exact[p.exact] = p
        twin = by_signature.get(p.signature) if p.signature else None
        if twin is not None and twin.entry_id != p.entry_id:
            flagged.add(number)
            yield _near_identical(p, twin)
            continue
        by_signature.setdefault(p.signature, p)
        for s in p.signature:
            postings[s].append(number)

    # Typo-level twins: compare only phrasings that share one of their rarer words
    # (a typo makes the misspelt word unique, so look at the next rarest too).
    twins = _typo_twins(phrasings, flagged, postings)
    for number in sorted(twins):
        yield _near_identical(phrasings[number], phrasings[twins[number]])


def _typo_twins(
    phrasings: list[_Phrasing], flagged: set[int], postings: dict[str, list[int]]
) -> dict[int, int]:
    """Phrasing number -> the first earlier phrasing of another entry that it nearly repeats.

    The rule: compare each phrasing with every earlier one that shares one of its two
    rarest shared words, and report the first with ``fuzz.ratio >= 92``. Looping over
    those candidates in Python was quadratic (the second-rarest word is often common), so
    the comparisons are grouped by blocking word instead: all phrasings that block on a
    word against that word's postings, in ``process.cdist`` calls over the lengths that can
    reach the ratio. Same pairs, same first twin, a fraction of the time.
    """
    count = {s: len(numbers) for s, numbers in postings.items()}
    blocked_on: dict[str, list[int]] = defaultdict(list)
    for number, p in enumerate(phrasings):
        if number in flagged or not p.signature:
            continue
        shared = sorted((s for s in p.signature if count[s] > 1), key=count.__getitem__)
        for s in shared[:_BLOCKING_WORDS]:
            blocked_on[s].append(number)
    entry_of = _entry_numbers(phrasings)
    twins: dict[int, int] = {}
    for s, numbers in blocked_on.items():
        candidates = postings[s]
        if len(numbers) * len(candidates) <= _SMALL_BLOCK:
            found = _twins_by_loop(phrasings, entry_of, numbers, candidates)
        else:
            found = _twins_by_matrix(phrasings, entry_of, numbers, candidates)
        for number, other in found:
            if other < twins.get(number, number):
                twins[number] = other
    return twins


def _entry_numbers(phrasings: list[_Phrasing]) -> list[int]:
    """One number per entry id (phrasings of entries that share an id count as one entry)."""
    ids: dict[str, int] = {}
    return [ids.setdefault(p.entry_id, len(ids)) for p in phrasings]


def _twins_by_loop(
    phrasings: list[_Phrasing], entry_of: list[int], numbers: list[int], candidates: list[int]
) -> Iterator[tuple[int, int]]:
    """The first twin of each phrasing among ``candidates`` (both ascending), one by one."""
    for number in numbers:
        exact, entry = phrasings[number].exact, entry_of[number]
        for other in candidates:
            if other >= number:
                break
            if entry_of[other] != entry and fuzz.ratio(
                exact, phrasings[other].exact, score_cutoff=NEAR_IDENTICAL_RATIO
            ):
                yield number, other
                break


def _twins_by_matrix(
    phrasings: list[_Phrasing], entry_of: list[int], numbers: list[int], candidates: list[int]
) -> Iterator[tuple[int, int]]:
    """Every twin pair among ``numbers`` x earlier ``candidates``, scored in bulk.

    Rows are taken in order of length, a few hundred at a time, against the candidates
    whose length is in reach: ``ratio >= 92`` needs an edit distance of at most 8% of
    the two lengths together, and the lengths differ by at least that distance. The
    window is wider than that by a margin, so no pair that reaches the ratio is left out.
    """
    by_length = sorted(candidates, key=lambda o: len(phrasings[o].exact))
    lengths = [len(phrasings[o].exact) for o in by_length]
    texts = [phrasings[o].exact for o in by_length]
    rows = sorted(numbers, key=lambda n: len(phrasings[n].exact))
    slack = (100 - NEAR_IDENTICAL_RATIO) / 100
    for start in range(0, len(rows), _MATRIX_ROWS):
        chunk = rows[start : start + _MATRIX_ROWS]
        shortest = len(phrasings[chunk[0]].exact)
        longest = len(phrasings[chunk[-1]].exact)
        low = bisect_left(lengths, math.floor(shortest * (1 - slack) / (1 + slack)) - 1)
        high = bisect_right(lengths, math.ceil(longest * (1 + slack) / (1 - slack)) + 1)
        if low >= high:
            continue
        scores = process.cdist(
            [phrasings[n].exact for n in chunk],
            texts[low:high],
            scorer=fuzz.ratio,
            score_cutoff=NEAR_IDENTICAL_RATIO,
            dtype=np.uint8,  # 0 below the cutoff; a score at or above it rounds to >= 92
        )
        for row, column in zip(*np.nonzero(scores), strict=True):
            number, other = chunk[row], by_length[low + column]
            if other < number and entry_of[other] != entry_of[number]:
                yield number, other


def _near_identical(p: _Phrasing, twin: _Phrasing) -> Problem:
    return Problem(
        p.faq.display,
        p.line,
        f"near-identical to a phrasing of entry '{twin.entry_id}' ({twin.where}): they would "
        "steal each other's matches; reword one so it says what is different",
        Severity.WARNING,
    )


def _placeholder_problem(phrase: str) -> str | None:
    """What is wrong with a phrase's ``<placeholder>``, if anything: ``<name>`` may name a
    term list (the expansion reports unknown names) or be the count."""
    parts = phrase.lower().split()
    count = COUNT_PLACEHOLDER
    for word in parts:
        if ("<" in word or ">" in word) and word != count and not references(word):
            return (
                f"'{word}': write '{count}' (a count from 10 to 999 written in digits, "
                f"as in 'took {count}') or a term list's name in lower case, as in "
                "'<relative>'"
            )
    if parts == [count]:
        return (
            f"'{count}' alone would match every count: write it with a word, as in 'took {count}'"
        )
    return None


def _year_stub(phrase: str) -> str | None:
    """A phrase ending in "19" or "20" was meant for a year ("in 2019"); a word there
    matches a longer one only with a '*'."""
    parts = phrase.split()
    year = {"19": "1998", "20": "2019"}.get(parts[-1]) if parts else None
    if year is None:
        return None
    return (
        f"'{phrase}' matches only the number {parts[-1]} written alone: to match years "
        f"such as {year} write '{phrase}*'"
    )


def _unknown_term_list(name: str, shown: str, terms: Iterable[str]) -> str:
    """The message for a list name that is not defined; ``shown`` as the file has it."""
    return f"unknown term list {shown}{_nearest(name, terms)}: name a list defined under 'terms'"


# Fields of safety.yaml read as plain words: a "<name>" there is the bare word "name" and
# a "*" is dropped, so either would silently never match what staff meant. The negation
# triggers are read like terms: a "*" works there, a list does not.
_PLAIN_WORDS: tuple[tuple[str, ...], ...] = (
    ("fillers",),
    ("negation", "pass_over"),
    ("negation", "not_before"),
    ("negation", "stop_at"),
    ("negation", "not_after"),
    ("negation", "negated_by"),
    ("negation", "negated_gap"),
    ("negation", "negated_by_except"),
    ("unless_cancelled", "before"),
    ("unless_cancelled", "after"),
    ("unless_cancelled", "breaks"),
    ("unless_cancelled", "own_part"),
)
_NO_LISTS: tuple[tuple[str, ...], ...] = (
    ("negation", "triggers"),
    ("negation", "compared_triggers"),
)


def _plain_word_problems(safety: SafetyFile, doc: YamlDocument, display: str) -> Iterator[Problem]:
    for keys in (*_PLAIN_WORDS, *_NO_LISTS):
        field: object = safety
        for key in keys:
            field = getattr(field, key)
        assert isinstance(field, list)
        name = ".".join(keys)
        for position, phrase in enumerate(field):
            for word in str(phrase).split():
                if word.lower() == COUNT_PLACEHOLDER and keys in _PLAIN_WORDS:
                    message = (
                        f"'{word}' works only in term lists, 'never_alarm', 'unless' and "
                        f"the negation triggers; '{name}' reads it as the word 'count'"
                    )
                elif ("<" in word or ">" in word) and word.lower() != COUNT_PLACEHOLDER:
                    message = (
                        f"'{word}': term lists work only in 'terms', 'never_alarm' and "
                        f"'unless'; write the words out in '{name}'"
                    )
                elif "*" in word and keys in _PLAIN_WORDS:
                    message = (
                        f"'{word}': a '*' works only in term lists, 'never_alarm', "
                        f"'unless' and the negation triggers; write the words out in '{name}'"
                    )
                else:
                    continue
                yield Problem(display, doc.line_of((*keys, position)), message)
                break


def check_safety(ctx: Context) -> Iterator[Problem]:
    if ctx.safety is None:
        return
    safety, doc, display = ctx.safety.model, ctx.safety.doc, ctx.safety.display
    used: set[str] = set()
    rule_ids: set[str] = set()
    for index, rule in enumerate(safety.rules):
        if rule.id in rule_ids:
            yield Problem(
                display, doc.line_of(("rules", index, "id")), f"duplicate rule id '{rule.id}'"
            )
        rule_ids.add(rule.id)
        for position, term in enumerate(rule.all):
            used.add(term)
            if term not in safety.terms:
                yield Problem(
                    display,
                    doc.line_of(("rules", index, "all", position)),
                    _unknown_term_list(term, f"'{term}'", safety.terms),
                )
    count_name = COUNT_PLACEHOLDER.strip("<>")
    # A ``<name>`` may be a misspelt "<count>" as well as a misspelt list.
    named = [*safety.terms, count_name]
    unless = [rule.unless for rule in safety.rules]
    expansion = expand_all(safety.terms, safety.never_alarm, unless)
    for keys, found in expansion.problems:
        message = found.message
        if found.unknown is not None:
            message = _unknown_term_list(found.unknown, f"'<{found.unknown}>'", named)
        yield Problem(display, doc.line_of((*keys, found.position)), message)
    # Placeholders in the phrases that silence: a misspelt one is read as a plain word.
    # Both may name term lists ("try not to wake up <sleeper>", "<long-past>"), which
    # count as used.
    silencing: list[tuple[Where, list[str]]] = [(("never_alarm",), safety.never_alarm)]
    silencing += [(("rules", index, "unless"), phrases) for index, phrases in enumerate(unless)]
    for keys, phrases in silencing:
        for position, phrase in enumerate(phrases):
            used.update(references(phrase))
            problem = _placeholder_problem(phrase)
            if problem:
                yield Problem(display, doc.line_of((*keys, position)), problem)
            stub = _year_stub(phrase)
            if stub:
                yield Problem(display, doc.line_of((*keys, position)), stub, Severity.WARNING)
    used |= included_lists(safety.terms)
    if count_name in safety.terms:
        yield Problem(
            display,
            doc.line_of(("terms", count_name)),
            f"a term list cannot be named 'count': '{COUNT_PLACEHOLDER}' matches a count; "
            "choose another name",
        )
    for name, phrases in safety.terms.items():
        if name not in used:
            yield Problem(
                display,
                doc.line_of(("terms", name)),
                f"term list '{name}' is not used by any rule",
                Severity.WARNING,
            )
        for position, phrase in enumerate(phrases):
            problem = _placeholder_problem(phrase)
            if problem:
                yield Problem(display, doc.line_of(("terms", name, position)), problem)
            for word in phrase.split():
                if "*" in word and not _WILDCARD.match(word.lower()):
                    yield Problem(
                        display,
                        doc.line_of(("terms", name, position)),
                        f"'{word}': a '*' may only end a word of at least 3 letters, as in "
                        "'numb*' (matches numb, numbness, numbed), or a number, as in '19*'",
                    )
    yield from _plain_word_problems(safety, doc, display)
    for position, term in enumerate(safety.negation.never_denied):
        if term not in safety.terms:
            yield Problem(
                display,
                doc.line_of(("negation", "never_denied", position)),
                _unknown_term_list(term, f"'{term}'", safety.terms),
            )
    for short, full in safety.shorthand.items():
        if not words(short) or len(words(full)) != 1:
            yield Problem(
                display,
                doc.line_of(("shorthand", short)),
                f"shorthand '{short}: {full}' must stand for one word ('cnt: cant', "
                "'can not: cant'); write a longer phrase as a term instead",
            )
    for index, rule in enumerate(safety.rules):
        for name in _placeholders(rule.note or "", ANSWER_PLACEHOLDERS):
            yield Problem(
                display,
                doc.line_of(("rules", index, "note")),
                _placeholder_message(name, ANSWER_PLACEHOLDERS),
            )
    for key in ("urgent", "crisis"):
        text = getattr(safety.replies, key)
        for name in _placeholders(text, ANSWER_PLACEHOLDERS):
            yield Problem(
                display,
                doc.line_of(("replies", key)),
                _placeholder_message(name, ANSWER_PLACEHOLDERS),
            )


def check_synonyms(ctx: Context) -> Iterator[Problem]:
    if ctx.synonyms is None:
        return
    owner: dict[str, str] = {}
    for canonical, forms in ctx.synonyms.model.synonyms.items():
        if not words(canonical):
            yield Problem(
                ctx.synonyms.display,
                ctx.synonyms.doc.line_of(("synonyms", canonical)),
                f"'{canonical}' has no letters or digits, so no word can be replaced by it; "
                "write the word the entries use",
            )
            continue
        for position, form in enumerate(forms):
            key = " ".join(words(form))
            line = ctx.synonyms.doc.line_of(("synonyms", canonical, position))
            if key in owner and owner[key] != canonical:
                yield Problem(
                    ctx.synonyms.display,
                    line,
                    f"'{form}' is listed under both '{owner[key]}' and '{canonical}'; "
                    "keep it under one",
                )
            owner.setdefault(key, canonical)


def check_matching(ctx: Context) -> Iterator[Problem]:
    if ctx.matching is None:
        return
    m = ctx.matching.model
    if m.clarify_threshold > m.answer_threshold:
        yield Problem(
            ctx.matching.display,
            ctx.matching.doc.line_of(("clarify_threshold",)),
            f"clarify_threshold ({m.clarify_threshold}) must not be above answer_threshold "
            f"({m.answer_threshold})",
        )


def check_not_covered(ctx: Context) -> Iterator[Problem]:
    """A topic listed as not covered must not swallow a question an entry answers."""
    if ctx.matching is None or not ctx.matching.model.not_covered:
        return
    normalizer = _normalizer(ctx)
    owners: dict[frozenset[str], tuple[str, str]] = {}
    for _, _, entry in ctx.entries():
        for question in entry.questions:
            owners.setdefault(frozenset(normalizer.signature(question)), (entry.id, question))
    for index, topic in enumerate(ctx.matching.model.not_covered):
        words_ = normalizer.signature(topic)
        line = ctx.matching.doc.line_of(("not_covered", index))
        # Every part of the topic of two words or more (a topic has a handful of words).
        parts = (
            frozenset(c)
            for size in range(len(words_), min(2, len(words_)) - 1, -1)
            for c in combinations(words_, size)
        )
        for part in parts:
            owner = owners.get(part)
            if owner is None:
                continue
            entry_id, question = owner
            if len(part) == len(words_):
                yield Problem(
                    ctx.matching.display,
                    line,
                    f"'{topic}' is listed as not covered, but entry '{entry_id}' has the "
                    "same phrasing: remove it from not_covered if the entry now covers it",
                )
            else:
                yield Problem(
                    ctx.matching.display,
                    line,
                    f"'{topic}' contains '{question}', a phrasing of entry '{entry_id}': "
                    "patients asking that may get no answer; make the topic narrower",
                    Severity.WARNING,
                )
            break


def check_other_conditions(ctx: Context) -> Iterator[Problem]:
    """A phrasing that names one of ``other_conditions`` with no back word would never be
    answered: the engine treats such a message as about another condition."""
    if ctx.matching is None or not ctx.matching.model.other_conditions:
        return
    from bot.engine.off_topic import OffTopic  # the engine imports this package

    model = ctx.matching.model
    off_topic = OffTopic(model.other_conditions, model.about_the_back, model.back_in_passing)
    line = ctx.matching.doc.line_of(("other_conditions",))
    for _, _, entry in ctx.entries():
        for question in entry.questions:
            named = off_topic.named(question)
            if named is not None:
                yield Problem(
                    ctx.matching.display,
                    line,
                    f"'{named}' is in other_conditions, so entry '{entry.id}' phrasing "
                    f"'{question}' would get no answer: add one of its words to "
                    "about_the_back, or remove the condition",
                    Severity.WARNING,
                )


def check_back_in_passing(ctx: Context) -> Iterator[Problem]:
    """A ``back_in_passing`` phrase with no word of ``about_the_back`` never takes a back
    word out of a message, so it does nothing: most likely a typo in the phrase."""
    if ctx.matching is None:
        return
    model = ctx.matching.model
    back = phrase_pattern(model.about_the_back)
    for position, phrase in enumerate(model.back_in_passing):
        if back is None or back.search(" ".join(words(phrase))) is None:
            yield Problem(
                ctx.matching.display,
                ctx.matching.doc.line_of(("back_in_passing", position)),
                f"'{phrase}' holds no word of about_the_back, so it changes nothing: "
                "back_in_passing lists phrases where a back word means something else",
                Severity.WARNING,
            )


def check_messages(ctx: Context) -> Iterator[Problem]:
    if ctx.messages is None:
        return
    if "{retention_days}" not in ctx.messages.model.privacy:
        yield Problem(
            ctx.messages.display,
            ctx.messages.doc.line_of(("privacy",)),
            "the privacy text must say how long data is kept: include {retention_days}, "
            "which is filled in from the RETENTION_DAYS setting",
        )
    data = ctx.messages.model.model_dump()
    texts: list[tuple[tuple[str, ...], str]] = [
        ((key,), value) for key, value in data.items() if isinstance(value, str)
    ]
    texts += [
        (("smalltalk", name, "reply"), intent["reply"])
        for name, intent in data.get("smalltalk", {}).items()
    ]
    for location, text in texts:
        for name in _placeholders(text, MESSAGE_PLACEHOLDERS):
            yield Problem(
                ctx.messages.display,
                ctx.messages.doc.line_of(location),
                _placeholder_message(name, MESSAGE_PLACEHOLDERS),
            )


def check_quote_folding(ctx: Context) -> Iterator[Problem]:
    """A quote's whitespace is folded, so one that is only spaces would match anywhere."""
    for faq, index, entry in ctx.entries():
        if entry.source.quote is not None and len(fold(entry.source.quote)) < 8:
            yield Problem(
                faq.display,
                _where(faq, index, "source", "quote"),
                "the quote is too short to show where the answer comes from; quote the "
                "whole sentence or list item",
            )


CHECKS = (
    check_ids,
    check_categories,
    check_sources,
    check_related,
    check_answers,
    check_phrasings,
    check_safety,
    check_synonyms,
    check_matching,
    check_not_covered,
    check_other_conditions,
    check_back_in_passing,
    check_messages,
    check_quote_folding,
)


def run_all(ctx: Context) -> list[Problem]:
    return [problem for check in CHECKS for problem in check(ctx)]
