"""The fast ways of loading knowledge report exactly what the slow ones did.

A 5,000-entry knowledge base used to take over ten seconds to check. YAML is now parsed
by libyaml, with PyYAML's pure-Python parser kept for whatever libyaml reads differently,
and near-identical phrasings are scored in bulk instead of one candidate at a time.
These tests pin that no reported problem, line or wording changed on the way.
"""

from __future__ import annotations

import gc
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rapidfuzz import fuzz

from bot.knowledge import DEFAULT_DIR, checks, load_knowledge, yaml_source
from bot.knowledge.problems import Problem, Severity
from bot.text import words
from tests.conftest import FAQ, KNOWLEDGE, write_kb

needs_libyaml = pytest.mark.skipif(
    yaml_source._FAST_LOADER is None, reason="PyYAML is installed without libyaml"
)

# Texts where libyaml and the pure parser disagree, then ordinary and broken ones.
DISAGREEING = {
    "tab after a colon": "title: a\nanswer:\tsome text\n",
    "tab inside a value": "questions:\n  - is it s\turgery\n  - price\n",
    "tab before a comment": "title: a\t# note\n",
    "question mark in a flow list": "related: [how much?, price]\n",
    "hash right after a block header": "answer: |#\n  text\n",
    "empty tag": "a: ! x\n",
    "byte-order mark inside": "a: b\n\ufeffc: d\n",
}
ORDINARY = {
    "faq": FAQ,
    "flow lists": "related: [costs, quick-treatment]\nempty: []\nblock: {a: 1, b: [x, y]}\n",
    "block scalars": "a: >\n  folded\n  text\nb: |-\n  kept\nc: >+2\n    more\n",
    "numbers, dates, yes/no": "a: 40\nb: 0.5\nc: yes\nd: ~\ne: 2020-01-02\nf: 0x1F\ng:\n",
    "non-text keys": "1: one\n1.5: x\ntrue: t\nnull: n\n= : equals\n",
    "anchors and merge keys": "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
    "inline merge": "a:\n  <<: {p: 1}\n  q: 2\n",
    "explicit tags": "a: !!str 12\nb: !!binary aGVsbG8=\nc: !!set {x, y}\n",
    "complex key": "? a\n: b\n? [c]\n: d\n",
    "repeated keys": "a: 1\nb:\n  c: 2\n  c: 3\na: 4\n",
    "list at the top": "- a\n- b: c\n  d: [e]\n",
    "plain text": "just some text\n",
    "comment only": "# nothing here\n",
    "empty": "",
    "colon in a value": "title: How quick: it is\n",
    "unclosed quote": 'quote: "costs vary between\n',
    "bad indentation": "a:\n  - x\n  - y\n b: z\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "unknown escape": 'a: "back\\slash"\n',
    "undefined alias": "a: *nothing\n",
    "unknown tag": "a: !thing x\n",
    "bad date": "a: 2020-13-45\n",
    "tab indentation": "a:\n\tb: c\n",
}


def read(path: Path, text: str) -> tuple[Any, ...]:
    """What :func:`read_yaml` gives for ``text``: data, lines and problems, or the error."""
    path.write_text(text, encoding="utf-8")
    try:
        doc, problems = yaml_source.read_yaml(path, "f.yaml")
    except Exception as error:  # the loader lets some malformed values raise; keep that
        return ("raised", type(error).__name__, str(error))
    found = [str(p) for p in problems]
    if doc is None:
        return (None, found)
    return (repr(doc.data), sorted(doc.lines.items(), key=repr), found)


def read_both_ways(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    fast = read(tmp_path / "f.yaml", text)
    with monkeypatch.context() as patch:
        patch.setattr(yaml_source, "_FAST_LOADER", None)
        pure = read(tmp_path / "f.yaml", text)
    return [fast, pure]


@pytest.mark.parametrize(
    "text", [*DISAGREEING.values(), *ORDINARY.values()], ids=[*DISAGREEING, *ORDINARY]
)
def test_libyaml_and_the_pure_parser_report_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    fast, pure = read_both_ways(tmp_path, text, monkeypatch)
    assert fast == pure


@needs_libyaml
@pytest.mark.parametrize("text", DISAGREEING.values(), ids=DISAGREEING)
def test_what_libyaml_reads_differently_goes_to_the_pure_parser(text: str) -> None:
    assert yaml_source._read_with_libyaml(text, "f.yaml") is None


@needs_libyaml
def test_a_tab_after_a_colon_is_still_a_syntax_error(tmp_path: Path) -> None:
    # libyaml alone would accept this file; staff have always been told about the tab.
    assert read(tmp_path / "f.yaml", DISAGREEING["tab after a colon"]) == (
        None,
        [
            "f.yaml:2: YAML syntax error: a tab character is used; YAML needs spaces (found "
            "character '\\t' that cannot start any token)"
        ],
    )


@needs_libyaml
def test_knowledge_files_take_the_fast_path() -> None:
    paths = sorted((KNOWLEDGE / "faq").glob("*.yaml"))
    paths += [KNOWLEDGE / name for name in ("sources.yaml", "synonyms.yaml", "topics.yaml")]
    for path in paths:
        text = path.read_text(encoding="utf-8-sig")
        assert yaml_source._read_with_libyaml(text, path.name) is not None, path


def test_every_shipped_file_reads_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in sorted(KNOWLEDGE.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8-sig")
        fast, pure = read_both_ways(tmp_path, text, monkeypatch)
        assert fast == pure, path


def test_load_leaves_the_garbage_collector_as_it_found_it() -> None:
    assert gc.isenabled()
    load_knowledge(KNOWLEDGE)
    assert gc.isenabled()
    gc.disable()
    try:
        load_knowledge(KNOWLEDGE)
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- near-identical phrasings in a larger knowledge base -------------------------------


def reference_phrasing_check(ctx: checks.Context) -> Iterator[Problem]:
    """The phrasing rule as first written, one candidate at a time (slow, obviously right)."""
    normalizer = checks._normalizer(ctx)
    phrasings = [
        checks._Phrasing(faq, index, pos, entry.id, " ".join(words(q)), normalizer.signature(q))
        for faq, index, entry in ctx.entries()
        for pos, q in enumerate(entry.questions)
    ]
    by_exact: dict[str, checks._Phrasing] = {}
    by_signature: dict[tuple[str, ...], checks._Phrasing] = {}
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
            yield checks._near_identical(p, twin)
            continue
        by_signature.setdefault(p.signature, p)
        for s in p.signature:
            postings[s].append(number)
    for number, p in enumerate(phrasings):
        if number in flagged or not p.signature:
            continue
        shared = sorted(
            (s for s in p.signature if len(postings[s]) > 1), key=lambda s: len(postings[s])
        )
        candidates = sorted({o for s in shared[:2] for o in postings[s] if o < number})
        for other_number in candidates:
            other = phrasings[other_number]
            if other.entry_id != p.entry_id and fuzz.ratio(
                p.exact, other.exact, score_cutoff=checks.NEAR_IDENTICAL_RATIO
            ):
                yield checks._near_identical(p, other)
                break


COMMON = [
    "pain",
    "back",
    "stem",
    "cell",
    "treatment",
    "cost",
    "safe",
    "work",
    "long",
    "help",
    "risk",
    "doctor",
]
FRAMES = (
    "what is {a} {b}",
    "how does {a} affect {b}",
    "can {a} help with {b} {c}",
    "is {a} safe for {b}",
    "how long does {a} {b} take",
    "what should i know about {a} {b} {c}",
    "why do i get {a} with {b}",
)


def misspell(text: str, rng: random.Random) -> str:
    tokens = text.split()
    i = max(range(len(tokens)), key=lambda k: len(tokens[k]))
    word = tokens[i]
    j = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    tokens[i] = word[:j] + word[j + 1 :]
    return " ".join(tokens)


def big_faq(n_entries: int, seed: int) -> str:
    """Entries built from a few common words, with repeated and near-identical phrasings."""
    rng = random.Random(seed)
    rare = [f"{a}{b}ine" for a in ("kal", "mor", "ves", "tra") for b in ("ox", "ir", "um", "el")]
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(entries) < n_entries:
        subject = rare[len(entries) % len(rare)] + str(len(entries) // len(rare))
        questions: list[str] = []
        while len(questions) < 5:
            frame = rng.choice(FRAMES)
            q = frame.format(a=subject, b=rng.choice(COMMON), c=rng.choice(COMMON))
            if q not in seen:
                seen.add(q)
                questions.append(q)
        entries.append({"id": f"topic-{len(entries):04d}", "questions": questions})
    for k in range(n_entries // 4):
        source, target = rng.sample(entries, 2)
        q = rng.choice(source["questions"])
        variant = (
            q,
            misspell(q, rng),
            " ".join(reversed(q.split())),
            q + " please",
            misspell(misspell(q, rng), rng),
        )[k % 5]
        (source if k % 11 == 0 else target)["questions"].append(variant)
    blocks = []
    for entry in entries:
        entry.update(
            category="treatment",
            title=entry["id"],
            answer="The article states the treatment is quick.",
            source={
                "id": "article",
                "section": "First Heading",
                "quote": "The first section says the treatment is quick.",
            },
        )
        blocks.append(entry)
    return yaml.safe_dump({"entries": blocks}, sort_keys=False, width=200)


def captured_context(kb: Path, monkeypatch: pytest.MonkeyPatch) -> checks.Context:
    seen: list[checks.Context] = []
    with monkeypatch.context() as patch:
        patch.setattr(checks, "run_all", lambda ctx: seen.append(ctx) or [])
        load_knowledge(kb, defaults=DEFAULT_DIR)
    return seen[0]


@pytest.mark.parametrize("seed", [1, 2])
def test_phrasing_check_matches_the_reference_on_a_larger_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    kb = write_kb(tmp_path, {"faq/main.yaml": big_faq(240, seed)})
    ctx = captured_context(kb, monkeypatch)

    in_bulk: list[int] = []
    bulk: Callable[..., Iterator[tuple[int, int]]] = checks._twins_by_matrix

    def counted(*args: Any) -> Iterator[tuple[int, int]]:
        for pair in bulk(*args):
            in_bulk.append(pair[0])
            yield pair

    monkeypatch.setattr(checks, "_twins_by_matrix", counted)
    found = list(checks.check_phrasings(ctx))
    assert found == list(reference_phrasing_check(ctx))
    near = [p for p in found if p.message.startswith("near-identical")]
    assert len(near) >= 20, "the base should have typo-level twins"
    assert in_bulk, "some twins should be found by the bulk comparison"


def test_bulk_and_loop_comparisons_find_the_same_first_twin() -> None:
    rng = random.Random(5)
    base = [" ".join(rng.choice(COMMON) for _ in range(rng.randint(2, 9))) for _ in range(150)]
    texts = [
        misspell(t, rng) if rng.random() < 0.5 else t + rng.choice(("", " s", " it", "x"))
        for t in base
        for _ in range(3)
    ]

    class Phrasing:
        def __init__(self, exact: str) -> None:
            self.exact = exact

    phrasings: Any = [Phrasing(t) for t in texts]
    entry_of = [number // 2 for number in range(len(texts))]
    numbers = list(range(len(texts)))

    def first(pairs: Iterator[tuple[int, int]]) -> dict[int, int]:
        twins: dict[int, int] = {}
        for number, other in pairs:
            twins[number] = min(other, twins.get(number, other))
        return twins

    by_loop = first(checks._twins_by_loop(phrasings, entry_of, numbers, numbers))
    by_matrix = first(checks._twins_by_matrix(phrasings, entry_of, numbers, numbers))
    assert by_loop == by_matrix
    assert len(by_loop) > 50
