"""Term lists that name other term lists, so staff write a shared list once.

In ``safety.yaml`` a word ``<name>`` inside a phrase stands for every phrase of the term
list ``name``: the phrase ``<relative> isnt responding`` is ``mum isnt responding``,
``dad isnt responding`` and so on, and a phrase that is only ``<numbness>`` brings in the
whole list. Lists are expanded once, when the knowledge loads, so the safety check reads
the same plain phrases it would if they were written out. (``<count>`` is not a list: it
matches a count, see the safety check.) ``never_alarm`` and ``unless`` phrases may name lists
too: "try not to wake up <sleeper>", "<long-past>".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product

from bot.knowledge.schema import COUNT_PLACEHOLDER

REFERENCE = re.compile(r"^<([a-z0-9]+(?:-[a-z0-9]+)*)>$")
# A phrase with several references multiplies them out; past this it is a typo, not a plan.
MAX_EXPANSION = 5000


@dataclass(frozen=True)
class ListProblem:
    """What is wrong with one phrase: the list it is in and its position there."""

    name: str
    position: int
    message: str
    unknown: str | None = None  # a list name that is not defined


def _reference(word: str) -> str | None:
    if word.lower() == COUNT_PLACEHOLDER:
        return None
    match = REFERENCE.match(word.lower())
    return match.group(1) if match else None


def references(phrase: str) -> list[str]:
    """The list names a phrase refers to, in order."""
    return [name for word in phrase.split() if (name := _reference(word))]


class _Expander:
    def __init__(self, terms: Mapping[str, list[str]]) -> None:
        self.terms = terms
        self.done: dict[str, list[str]] = {}
        self.problems: list[ListProblem] = []
        self._open: list[str] = []

    def expand(self, name: str) -> list[str]:
        if name in self.done:
            return self.done[name]
        self._open.append(name)
        out = self.phrases(name, self.terms[name])
        self._open.pop()
        self.done[name] = out
        return out

    def phrases(self, name: str, phrases: Sequence[str]) -> list[str]:
        """``phrases`` expanded, in order and without repeats; problems are reported
        under ``name``."""
        out: list[str] = []
        seen: set[str] = set()
        for position, phrase in enumerate(phrases):
            for expanded in self._phrase(name, position, phrase):
                if expanded not in seen:
                    seen.add(expanded)
                    out.append(expanded)
        return out

    def _phrase(self, name: str, position: int, phrase: str) -> list[str]:
        slots: list[list[str]] = []
        size = 1
        for word in phrase.split():
            other = _reference(word)
            if other is None:  # a word, or a misspelt placeholder the checks report
                slots.append([word])
                continue
            if other not in self.terms:
                self._problem(name, position, f"unknown term list '<{other}>'", other)
                return []
            if other in self._open:
                chain = " -> ".join([*self._open[self._open.index(other) :], other])
                self._problem(name, position, f"term lists include each other: {chain}")
                return []
            included = self.expand(other)
            if not included:
                return []
            slots.append(included)
            size *= len(included)
        if size > MAX_EXPANSION:
            self._problem(
                name,
                position,
                f"this phrase stands for {size:,} phrases (more than {MAX_EXPANSION:,}): "
                "split it, or use the lists in a rule's 'all' instead",
            )
            return []
        return [" ".join(parts) for parts in product(*slots)]

    def _problem(self, name: str, position: int, message: str, unknown: str | None = None) -> None:
        problem = ListProblem(name, position, message, unknown)
        if problem not in self.problems:
            self.problems.append(problem)


# Where a problem is in safety.yaml: the keys of the list or phrases it is in; the
# problem's ``position`` is the last key.
Where = tuple[str | int, ...]


@dataclass(frozen=True)
class Expansion:
    """safety.yaml's lists and phrases with their ``<name>`` words replaced."""

    terms: dict[str, list[str]]
    never_alarm: list[str]
    unless: list[list[str]]  # one per rule, in the rules' order
    problems: list[tuple[Where, ListProblem]]


def expand_all(
    terms: Mapping[str, list[str]],
    never_alarm: Sequence[str] = (),
    unless: Sequence[Sequence[str]] = (),
) -> Expansion:
    """Every list, then ``never_alarm`` and each rule's ``unless``, with one expander: a
    list that several rules name (``<long-past>``) is expanded once. Lists come first, so
    a problem inside a list is reported there, not again where a phrase names it."""
    expander = _Expander(terms)
    expanded = {name: expander.expand(name) for name in terms}
    problems: list[tuple[Where, ListProblem]] = [(("terms", p.name), p) for p in expander.problems]

    def phrases(where: Where, group: Sequence[str]) -> list[str]:
        expander.problems = []  # a phrase's problem is its group's, not deduplicated across
        out = expander.phrases("", group)
        problems.extend((where, p) for p in expander.problems)
        return out

    return Expansion(
        expanded,
        phrases(("never_alarm",), never_alarm),
        [phrases(("rules", index, "unless"), group) for index, group in enumerate(unless)],
        problems,
    )


def included_lists(terms: Mapping[str, list[str]], elsewhere: Iterable[str] = ()) -> set[str]:
    """Lists that some other list, or a phrase ``elsewhere``, refers to (they count as used)."""
    phrases = [*(p for phrases in terms.values() for p in phrases), *elsewhere]
    return {other for p in phrases for other in references(p)}


def building_blocks(
    terms: Mapping[str, list[str]], in_rules: set[str], elsewhere: Iterable[str] = ()
) -> set[str]:
    """Lists only ever named inside other lists or phrases ``elsewhere``: they are not looked
    for on their own, or "dont have" from a block of denial words would count as a symptom
    found."""
    return included_lists(terms, elsewhere) - in_rules
