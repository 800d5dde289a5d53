"""Safety triage: red flags (urgent care) and self-harm (crisis) in any message.

Runs before matching on the whole message, however long. Rules come from
``knowledge/safety.yaml``: each is a set of term lists that must all appear within a
few words of each other, which is what separates "I can't control my bladder" from a
question that merely mentions a bladder. Idioms are removed first, and small typos in
long words are corrected towards the safety vocabulary, because a patient in trouble
does not spell carefully. A symptom that is denied ("no fever, no weakness", "I don't
have cancer") does not count; crisis phrases are never discounted this way, because a
missed crisis costs more than a needless crisis reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import OSA

from bot.engine.english import zipf
from bot.knowledge.schema import COUNT_PLACEHOLDER, SafetyFile, SafetyRule
from bot.knowledge.term_lists import building_blocks, expand_all
from bot.text import fold, words

AlarmKind = Literal["urgent", "crisis"]

# Typo correction: words this long may be one edit off, longer ones two.
_MIN_TYPO_LENGTH = 6
_TWO_EDITS_LENGTH = 9
_MIN_PREFIX = 3
# Words at least this common in English are real words, not typos ("weekend"). Rarer
# ones may be typos ("bladders" for "bladder's", "overdoes"), but only words missing
# from the English word list are read as a wildcard stem: "cancelling" is not "cancer*".
_REAL_WORD_ZIPF = 3.0
# Wildcard stems this long are also typo targets: "weekness" -> "weak*".
_MIN_FUZZY_PREFIX = 4
# At most this many filler words between two words of a phrase.
_MAX_FILLERS = 3
# What ends a clause for negation and for ``unless`` phrases.
# A comma or full stop between digits ("37.8", "1,000") is part of a number.
_CLAUSE_PUNCTUATION = re.compile(r"(?:(?<!\d)[,.]|[,.](?!\d)|[;:!?])+|\s-\s|\n")


@dataclass(frozen=True)
class Alarm:
    kind: AlarmKind
    rule_id: str
    note: str | None


# Years and ages under 10 are not counts of pills.
COUNT = COUNT_PLACEHOLDER
_COUNT_RANGE = range(10, 1000)


def _is_count(token: str) -> bool:
    # ASCII only: str.isdigit() is also true of digits int() cannot read ("፩").
    return token.isascii() and token.isdigit() and int(token) in _COUNT_RANGE


class _Shorthand:
    """Texting shorthand read as the word it stands for ("2" -> "to", "cnt" -> "cant"),
    and split spellings read as one word ("can not" -> "cant"), the same way in messages
    and in the phrases staff write."""

    def __init__(self, pairs: Mapping[str, str]) -> None:
        self._words: dict[str, str] = {}
        self._runs: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for short, full in pairs.items():
            short_words, full_words = words(short), words(full)
            if not short_words or len(full_words) != 1:
                continue  # `bot check` reports it
            if len(short_words) == 1:
                self._words[short_words[0]] = full_words[0]
            else:
                run = (tuple(short_words), full_words[0])
                self._runs.setdefault(short_words[0], []).append(run)
        for runs in self._runs.values():  # longest first, as synonyms are replaced
            runs.sort(key=lambda run: -len(run[0]))

    def rewrite(
        self, tokens: list[str], clause: list[int], *, join: bool = True
    ) -> tuple[list[str], list[int]]:
        """``tokens`` rewritten, with the clause number of each word kept alongside;
        ``join=False`` leaves split spellings as they are."""
        out: list[str] = []
        out_clause: list[int] = []
        at = 0
        while at < len(tokens):
            for run, full in self._runs.get(tokens[at], ()) if join else ():
                end = at + len(run)
                if tuple(tokens[at:end]) == run and clause[at] == clause[end - 1]:
                    out.append(full)
                    out_clause.append(clause[at])
                    at = end
                    break
            else:
                out.append(self._words.get(tokens[at], tokens[at]))
                out_clause.append(clause[at])
                at += 1
        return out, out_clause


@dataclass(frozen=True)
class _Pattern:
    """A phrase as tokens; a token ending in '*' matches any word starting with it, and
    :data:`COUNT` any count."""

    tokens: tuple[str, ...]

    @classmethod
    def parse(cls, phrase: str, shorthand: _Shorthand | None = None) -> _Pattern:
        """``shorthand`` rewrites whole words the way messages are rewritten, so that
        a phrase written "cannot feel" or "can not feel" still meets a message read as
        "cant feel"."""
        parts: list[str] = []
        for raw in phrase.lower().split():
            if raw == COUNT:
                parts.append(COUNT)
                continue
            core = words(raw.rstrip("*"))
            parts.extend(core)
            if core and raw.endswith("*"):
                parts[-1] += "*"  # a wildcard stem is not a word: shorthand leaves it
        if shorthand is not None:
            parts = shorthand.rewrite(parts, [0] * len(parts))[0]
        return cls(tuple(parts))

    def match_end(self, tokens: list[str], start: int, fillers: frozenset[str]) -> int | None:
        """Where the phrase ends if it starts at ``start``; ``None`` if it does not.

        Filler words may stand between the phrase's words ("can't *really* feel").
        """
        at = start
        for index, want in enumerate(self.tokens):
            if index:
                skipped = 0
                while (
                    at < len(tokens)
                    and tokens[at] in fillers
                    and skipped < _MAX_FILLERS
                    and not _token_matches(want, tokens[at])
                ):
                    at += 1
                    skipped += 1
            if at >= len(tokens) or not _token_matches(want, tokens[at]):
                return None
            at += 1
        return at


def _token_matches(want: str, have: str) -> bool:
    if want == COUNT:
        return _is_count(have)
    return have.startswith(want[:-1]) if want.endswith("*") else have == want


class _PhraseIndex:
    """Finds where any of many patterns occur, looking each token up once."""

    def __init__(
        self, patterns: Iterable[tuple[str, _Pattern]], fillers: frozenset[str] = frozenset()
    ) -> None:
        self._fillers = fillers
        self._exact: dict[str, list[tuple[str, _Pattern]]] = {}
        self._prefix: dict[str, list[tuple[str, _Pattern]]] = {}
        self._count: list[tuple[str, _Pattern]] = []
        for label, pattern in patterns:
            if not pattern.tokens:
                continue
            first = pattern.tokens[0]
            if first == COUNT:
                self._count.append((label, pattern))
            elif first.endswith("*"):
                self._prefix.setdefault(first[:-1], []).append((label, pattern))
            else:
                self._exact.setdefault(first, []).append((label, pattern))
        self._prefix_lengths = sorted({len(p) for p in self._prefix})

    def find(self, tokens: list[str]) -> list[tuple[int, int, str]]:
        """``(start, end, label)`` of every occurrence."""
        found = []
        for start, token in enumerate(tokens):
            candidates = list(self._exact.get(token, ()))
            if self._count and _is_count(token):
                candidates.extend(self._count)
            for length in self._prefix_lengths:
                if length > len(token):
                    break
                candidates.extend(self._prefix.get(token[:length], ()))
            for label, pattern in candidates:
                end = pattern.match_end(tokens, start, self._fillers)
                if end is not None:
                    found.append((start, end, label))
        return found


def _at(tokens: list[str], at: int, phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` (plain words, no wildcards) starts at ``tokens[at]``."""
    return tuple(tokens[at : at + len(phrase)]) == phrase


def _within(positions: dict[str, list[int]], needed: list[str], width: int) -> bool:
    """Is there a stretch of ``width`` words holding one occurrence of every needed list?"""
    events = sorted((pos, name) for name in needed for pos in positions.get(name, ()))
    counts: dict[str, int] = {}
    left = 0
    for pos, name in events:
        counts[name] = counts.get(name, 0) + 1
        while events[left][0] < pos - width:
            old = events[left][1]
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            left += 1
        if len(counts) == len(needed):
            return True
    return False


class SafetyCheck:
    """Compiled form of ``safety.yaml``; build once per knowledge version."""

    def __init__(self, safety: SafetyFile, known_words: Iterable[str] = ()) -> None:
        self._rules: list[SafetyRule] = list(safety.rules)
        self._default_within = safety.within
        fillers = frozenset(w for phrase in safety.fillers for w in words(phrase))
        self._shorthand = _Shorthand(safety.shorthand)

        def parse(phrase: str) -> _Pattern:
            return _Pattern.parse(phrase, self._shorthand)

        # The loader refused any problems.
        expansion = expand_all(
            safety.terms, safety.never_alarm, [rule.unless for rule in self._rules]
        )
        expanded, never_alarm = expansion.terms, expansion.never_alarm
        unless = {
            rule.id: phrases
            for rule, phrases in zip(self._rules, expansion.unless, strict=True)
            if rule.unless
        }
        in_rules = {name for r in safety.rules for name in r.all}
        named_elsewhere = [*safety.never_alarm, *(p for r in self._rules for p in r.unless)]
        blocks = building_blocks(safety.terms, in_rules, named_elsewhere)
        terms = {name: phrases for name, phrases in expanded.items() if name not in blocks}
        self._terms = _PhraseIndex(
            ((name, parse(phrase)) for name, phrases in terms.items() for phrase in phrases),
            fillers,
        )
        self._idioms = _PhraseIndex((("idiom", parse(p)) for p in never_alarm), fillers)
        negation = safety.negation
        self._negations = _PhraseIndex(
            [("negation", parse(p)) for p in negation.triggers]
            + [("compared", parse(p)) for p in negation.compared_triggers]
        )
        self._negation_scope = negation.scope
        self._negation_pass = frozenset(w for p in negation.pass_over for w in words(p))
        self._not_negated_before = frozenset(w for p in negation.not_before for w in words(p))
        self._negation_stops = frozenset(w for p in negation.stop_at for w in words(p))
        self._negation_not_after = tuple(tuple(words(p)) for p in negation.not_after)
        self._negated_by = tuple(tuple(words(p)) for p in negation.negated_by if words(p))
        self._negated_gap = frozenset(w for p in negation.negated_gap for w in words(p))
        self._negated_by_except = tuple(
            tuple(words(p)) for p in negation.negated_by_except if words(p)
        )
        self._never_denied = frozenset(negation.never_denied) | frozenset(
            name for rule in safety.rules if rule.kind == "crisis" for name in rule.all
        )
        cancel = safety.unless_cancelled
        self._unless_cancel_before = frozenset(w for p in cancel.before for w in words(p))
        self._unless_cancel_after = tuple(tuple(words(p)) for p in cancel.after)
        self._unless_window = cancel.window
        self._unless_breaks = tuple(tuple(words(p)) for p in cancel.breaks)
        own_part = tuple(f" {' '.join(words(p))}" for p in cancel.own_part)

        def reach(phrase: str) -> str:
            """How far an unless phrase reaches: "own" part (a time, an outcome, a
            question) or the whole "clause" (a cause such as "sat on a train")."""
            spaced = f" {' '.join(words(phrase))}"
            return "own" if any(marker in spaced for marker in own_part) else "clause"

        self._unless = {
            rule_id: _PhraseIndex(((reach(p), parse(p)) for p in phrases), fillers)
            for rule_id, phrases in unless.items()
        }

        def plain(tokens: Iterable[str]) -> set[str]:
            return {t for t in tokens if not t.endswith("*") and t != COUNT}

        term_tokens = [
            token
            for phrases in terms.values()
            for phrase in phrases
            for token in parse(phrase).tokens
        ]
        vocabulary = plain(term_tokens)
        self._prefixes = tuple(token[:-1] for token in term_tokens if token.endswith("*"))
        self._fuzzy_prefixes = tuple(
            sorted(
                {p for p in self._prefixes if len(p) >= _MIN_FUZZY_PREFIX}, key=len, reverse=True
            )
        )
        # Every word written anywhere in the file is a real word to the typo corrector, or
        # "theyre" (in the trigger "theyre not") would be read as "there" and deny nothing.
        written = plain(
            token
            for phrase in (
                *negation.triggers,
                *negation.compared_triggers,
                *negation.pass_over,
                *negation.not_before,
                *negation.stop_at,
                *never_alarm,
                *(p for phrases in unless.values() for p in phrases),
                *cancel.before,
                *cancel.after,
                *cancel.breaks,
            )
            for token in parse(phrase).tokens
        )
        self._known = frozenset(vocabulary) | written | frozenset(known_words)
        self._by_letter: dict[str, list[str]] = {}
        for word in sorted(vocabulary):
            if len(word) >= _MIN_TYPO_LENGTH - 1:
                self._by_letter.setdefault(word[0], []).append(word)
        self._corrections: dict[str, str] = {}

    def _correct(self, token: str) -> str:
        if len(token) < _MIN_TYPO_LENGTH or token in self._known or not token.isalpha():
            return token
        if token.startswith(self._prefixes):
            return token
        cached = self._corrections.get(token)
        if cached is not None:
            return cached
        frequency = zipf(token)
        if frequency is not None and frequency >= _REAL_WORD_ZIPF:
            self._corrections[token] = token
            return token
        limit = 2 if len(token) >= _TWO_EDITS_LENGTH else 1
        best, best_distance = token, limit + 1
        for candidate in self._by_letter.get(token[0], ()):
            distance = OSA.distance(token, candidate, score_cutoff=limit)
            if distance < best_distance:
                best, best_distance = candidate, distance
        if best_distance > limit and frequency is None:
            best = self._fuzzy_prefix(token) or best
        if len(self._corrections) < 50_000:
            self._corrections[token] = best
        return best

    def _fuzzy_prefix(self, token: str) -> str | None:
        """``token`` rewritten onto a wildcard stem one edit away ("dificulty" -> "difficult")."""
        for prefix in self._fuzzy_prefixes:
            if prefix[0] != token[0]:
                continue
            for cut in (len(prefix), len(prefix) - 1, len(prefix) + 1):
                if 0 < cut <= len(token) and OSA.distance(token[:cut], prefix, score_cutoff=1) <= 1:
                    return prefix + token[cut:]
        return None

    def _denied(
        self, tokens: list[str], clause: list[int], terms: list[tuple[int, int, str]]
    ) -> set[int]:
        """Positions of words a negation denies: up to ``scope`` words after "no",
        "don't have" ... ("or" and "any" do not count), within the clause, until a word
        such as "but" or "and"."""
        term_starts = {start for start, _, _ in terms}
        denied: set[int] = set()
        for start, end, kind in self._negations.find(tokens):
            # A symptom phrase that starts with the negation ("no feeling") or with the
            # "not" that ends it ("he's *not passing urine*") is the symptom, not a denial.
            if start in term_starts or (tokens[end - 1] == "not" and end - 1 in term_starts):
                continue
            if kind == "compared" and self._compares(tokens, clause, start, end):
                continue
            if self._negated(tokens, clause, start):
                continue  # "they haven't *ruled out* cauda equina"
            denied.update(range(start + 1, end))  # "I haven't *lost control*"
            if end < len(tokens) and tokens[end] in self._not_negated_before:
                continue
            counted = 0
            at = end
            while at < len(tokens) and counted < self._negation_scope:
                if clause[at] != clause[start] or tokens[at] in self._negation_stops:
                    break
                if tokens[at] not in self._negation_pass:
                    denied.add(at)
                    counted += 1
                at += 1
        return denied

    def _negated(self, tokens: list[str], clause: list[int], start: int) -> bool:
        """Whether the negation starting at ``start`` is itself negated: a ``negated_by``
        phrase ends just before it, or up to two ``negated_gap`` words before it ("they've
        not yet ruled out", "nobody has ruled out"), and is not the end of a reply
        ("believe it or not no numbness")."""
        end, gaps = start, 0
        while (
            end
            and gaps < 2
            and clause[end - 1] == clause[start]
            and tokens[end - 1] in self._negated_gap
        ):
            end, gaps = end - 1, gaps + 1
        if not end or clause[end - 1] != clause[start]:
            return False

        def ends_here(phrase: tuple[str, ...]) -> bool:
            begin = end - len(phrase)
            return begin >= 0 and clause[begin] == clause[start] and _at(tokens, begin, phrase)

        return any(map(ends_here, self._negated_by)) and not any(
            map(ends_here, self._negated_by_except)
        )

    def _compares(self, tokens: list[str], clause: list[int], start: int, end: int) -> bool:
        """Whether a ``compared_triggers`` negation is a comparison, not a denial: "I've
        never had numbness down there like this" reports a new symptom. (Plain triggers
        are never comparisons: "no fever my back is so bad".) A ``not_after`` phrase
        counts in the rest of the clause up to a ``stop_at`` word; one that starts with a
        ``stop_at`` word counts there too ("not had any numbness until today") and at the
        start of the next clause ("never had numbness down there, until this morning"),
        where "before" does not ("never had a fever. Before the injection I was fine")."""
        at = end
        while at < len(tokens):
            stopped = clause[at] != clause[start] or tokens[at] in self._negation_stops
            if any(
                _at(tokens, at, p) and (not stopped or p[0] in self._negation_stops)
                for p in self._negation_not_after
            ):
                return True
            if stopped:
                return False
            at += 1
        return False

    def _parts(self, tokens: list[str], clause: list[int]) -> list[int]:
        """The part of its clause each word is in. A break phrase ("and my") starts a
        new part. An ``unless`` phrase of time, outcome or question (``own_part``)
        reaches only its own part, so "I cant pee and my back op was 2 yrs ago" is not
        excused by "yrs ago", nor "x ray was fine and I was hit by a car" by "was fine";
        a cause reaches its whole clause: "sat on a train and my bum went numb"."""
        part, number, at = [0] * len(tokens), 0, 0
        while at < len(tokens):
            if at and clause[at] != clause[at - 1]:
                number += 1
            hit = next(
                (
                    len(b)
                    for b in self._unless_breaks
                    if _at(tokens, at, b) and clause[at + len(b) - 1] == clause[at]
                ),
                0,
            )
            if hit and at:
                number += 1
            for i in range(at, at + max(hit, 1)):
                part[i] = number
            at += max(hit, 1)
        return part

    def _unless_applies(self, tokens: list[str], clause: list[int], start: int, end: int) -> bool:
        """An ``unless`` phrase counts unless it is itself denied or overtaken ("it never
        went away", "went away but came back")."""
        before = [
            tokens[at] for at in range(max(0, start - 2), start) if clause[at] == clause[start]
        ]
        if any(w in self._unless_cancel_before for w in before):
            return False
        after = [
            tokens[at]
            for at in range(end, min(len(tokens), end + self._unless_window))
            if clause[at] == clause[start]
        ]
        return not any(
            _at(after, at, phrase)
            for at in range(len(after))
            for phrase in self._unless_cancel_after
        )

    def _fires(self, rule: SafetyRule, positions: dict[str, list[int]]) -> bool:
        """Whether ``rule``'s word lists all occur in ``positions``, close enough together."""
        names = list(dict.fromkeys(rule.all))
        if not all(positions.get(name) for name in names):
            return False
        return len(names) == 1 or _within(positions, names, rule.within or self._default_within)

    @staticmethod
    def _clauses(text: str) -> tuple[list[str], list[int]]:
        """The words of ``text`` and the number of the clause each one is in.

        Any comma, full stop, question mark, semicolon or colon ends a clause, typed
        with a space after it or not ("no fever,both legs numb"), and so do a dash and
        an ellipsis in their typographic forms ("—", "…"), read as "-" and "...".
        """
        pieces = [words(piece) for piece in _CLAUSE_PUNCTUATION.split(fold(text))]
        tokens = [t for piece in pieces for t in piece]
        if tokens != words(text):  # the split changed the words: one clause
            tokens = words(text)
            return tokens, [0] * len(tokens)
        return tokens, [number for number, piece in enumerate(pieces) for _ in piece]

    def check(self, text: str) -> list[Alarm]:
        """Every rule that fires, crisis first; an empty list means no alarm.

        A split spelling is read both as written and joined, and a rule fires if it
        fires on either reading: "can not pee" must meet "cant pee", and "I can not
        wake him up" must still meet "not wake up"."""
        raw, clause = self._clauses(text)
        as_written = self._shorthand.rewrite(raw, clause, join=False)
        alarms = self._alarms(*as_written)
        joined = self._shorthand.rewrite(raw, clause)
        if joined[0] != as_written[0]:
            fired = {alarm.rule_id for alarm in alarms}
            alarms += [a for a in self._alarms(*joined) if a.rule_id not in fired]
        return sorted(alarms, key=lambda a: a.kind != "crisis")

    def _alarms(self, raw: list[str], clause: list[int]) -> list[Alarm]:
        tokens = [self._correct(t) for t in raw]
        # ``unless`` phrases read the words as written: an everyday phrase removed so it
        # cannot alarm ("sitting on the toilet") is still context ("numb from sitting").
        context = list(tokens)
        for start, end, _ in self._idioms.find(tokens):
            if clause[start] == clause[end - 1]:
                tokens[start:end] = [""] * (end - start)
        terms = self._terms.find(tokens)
        denied = self._denied(tokens, clause, terms) if terms else set()
        positions: dict[str, list[int]] = {}
        for start, _, name in terms:
            if start in denied and name not in self._never_denied:
                continue
            positions.setdefault(name, []).append(start)

        alarms = []
        parts: list[int] | None = None
        for rule in self._rules:
            if not self._fires(rule, positions):
                continue
            unless = self._unless.get(rule.id)
            if unless is not None:
                part = parts if parts is not None else (parts := self._parts(context, clause))
                held = {part[p] for name in rule.all for p in positions[name]}
                silenced: set[int] = set()
                for start, end, reach_of in unless.find(context):
                    reach = (
                        {part[start]}
                        if reach_of == "own"
                        else {part[at] for at in range(len(part)) if clause[at] == clause[start]}
                    )
                    if reach & held and self._unless_applies(context, clause, start, end):
                        silenced |= reach
                # The rule is off in those parts, and still fires on its words elsewhere:
                # "had bladder problems in 2019, but now I can't control my bladder".
                if silenced:
                    elsewhere = {
                        name: [p for p in positions[name] if part[p] not in silenced]
                        for name in rule.all
                    }
                    if not self._fires(rule, elsewhere):
                        continue
            alarms.append(Alarm(rule.kind, rule.id, rule.note))
        return alarms
