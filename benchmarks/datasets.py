"""The public data sets, read from where they were downloaded, turned into FAQ entries.

Nothing here is copied into the project: every function reads the files under the
directory given on the command line (``--data``) and explains where to get them when
they are missing.

- StackFAQ (Karan & Snajder 2018): 125 Stack Exchange threads, each with its original
  question and 11 human rephrasings. One thread becomes one entry.
- CLINC150 (Larson et al. 2019): 150 intents; each intent becomes an entry with its
  training utterances as phrasings; ``oos_*`` utterances must get no answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

STACKFAQ_FILE = Path("stackfaq") / "stackExchange-FAQ.json"
CLINC_FILE = Path("clinc150") / "data_full.json"

DOWNLOADS = {
    STACKFAQ_FILE: (
        "https://raw.githubusercontent.com/ML-Recipes/BERT-FAQ/master/data/StackFAQ/"
        "stackExchange-FAQ.json",
        "StackFAQ (Karan & Snajder, Expert Systems with Applications 91, 2018); the JSON "
        "version packaged in the ML-Recipes/BERT-FAQ repository (MIT)",
    ),
    CLINC_FILE: (
        "https://raw.githubusercontent.com/clinc/oos-eval/master/data/data_full.json",
        "CLINC150 (Larson et al., EMNLP 2019; CC BY 3.0)",
    ),
}

# StackFAQ's "curated" setting: the original question plus this many rephrasings.
CURATED_REPHRASINGS = 4
# Published answers per thread are kept; one thread's single answer was split into
# characters when the XML was converted (681 one-letter "answers"); it counts as one.
_CHARACTER_SPLIT = 1


class DatasetMissing(Exception):
    """A data set file is not where ``--data`` says; the message tells how to get it."""


@dataclass(frozen=True)
class FaqItem:
    """One entry of a data set knowledge base: its phrasings and (optional) answer."""

    id: str
    phrasings: tuple[str, ...]
    answer: str = ""  # empty for both data sets: see load_stackfaq
    pairs: int = 1  # FAQ question-answer pairs it stands for (StackFAQ answers)


@dataclass(frozen=True)
class Query:
    text: str
    expect: str | None  # the entry id, or None when the right reply is "no answer"


@dataclass
class RetrievalSet:
    """A knowledge base built from a data set and the queries it is scored on."""

    name: str
    items: list[FaqItem]
    queries: list[Query]
    notes: dict[str, int] = field(default_factory=dict)


def _require(data_dir: Path, relative: Path) -> Path:
    path = Path(data_dir) / relative
    if path.is_file():
        return path
    url, what = DOWNLOADS[relative]
    raise DatasetMissing(
        f"missing {path}: {what}.\n"
        f"  Download it with:\n"
        f"    mkdir -p {path.parent} && curl -L -o {path} {url}\n"
        f"  then run the benchmark again with --data {data_dir}"
    )


def missing(data_dir: Path) -> list[str]:
    """The download instructions for every data set file that is not there."""
    problems = []
    for relative in DOWNLOADS:
        try:
            _require(data_dir, relative)
        except DatasetMissing as error:
            problems.append(str(error))
    return problems


def _usable(text: str | None) -> bool:
    """A rephrasing with at least one letter; StackFAQ marks dropped ones with '*'."""
    return text is not None and any(ch.isalpha() for ch in text)


def load_stackfaq(data_dir: Path, setting: str) -> RetrievalSet:
    """StackFAQ as a knowledge base: ``cold`` (the question only) or ``curated``.

    In ``curated``, the question and the first :data:`CURATED_REPHRASINGS` rephrasings are
    the entry's phrasings and the remaining rephrasings are the queries; in ``cold`` every
    rephrasing is a query. Junk rephrasings ('*', empty) are skipped and counted.
    """
    if setting not in ("cold", "curated"):
        raise ValueError(f"unknown StackFAQ setting {setting!r}")
    path = _require(data_dir, STACKFAQ_FILE)
    threads = json.loads(path.read_text(encoding="utf-8"))["root"]["qapair"]
    items: list[FaqItem] = []
    queries: list[Query] = []
    skipped = 0
    for number, thread in enumerate(threads):
        entry_id = f"thread-{number:03d}"
        rephrasings: Sequence[str | None] = thread.get("rephr") or []
        kept = [r.strip() for r in rephrasings if _usable(r)]  # type: ignore[union-attr]
        skipped += len(rephrasings) - len(kept)
        curated = CURATED_REPHRASINGS if setting == "curated" else 0
        phrasings = (thread["question"].strip(), *kept[:curated])
        answers = [a for a in thread.get("answer") or [] if isinstance(a, str)]
        pairs = len(answers)
        if answers and all(len(a) <= 1 for a in answers):
            pairs = _CHARACTER_SPLIT
        # No method reads the answers (the engine would: it indexes answers as weak
        # documents), so every method matches on the same text: the questions.
        items.append(FaqItem(entry_id, phrasings, "", max(pairs, 1)))
        queries.extend(Query(text, entry_id) for text in kept[curated:])
    return RetrievalSet(
        f"StackFAQ {setting}",
        items,
        queries,
        {"threads": len(threads), "skipped_rephrasings": skipped, "queries": len(queries)},
    )


@dataclass
class Clinc:
    """CLINC150: the intents as a knowledge base and its validation and test queries."""

    items: list[FaqItem]
    val: list[Query]
    test: list[Query]
    notes: dict[str, int] = field(default_factory=dict)


def _queries(rows: Sequence[Sequence[str]], out_of_scope: bool) -> list[Query]:
    return [Query(text, None if out_of_scope else intent) for text, intent in rows]


def load_clinc(data_dir: Path) -> Clinc:
    """CLINC150 "full": 150 intents x 100 training utterances as phrasings.

    ``val``/``oos_val`` are for choosing thresholds, ``test``/``oos_test`` for reporting;
    ``oos_train`` is not used (no method is trained on out-of-scope examples).
    """
    path = _require(data_dir, CLINC_FILE)
    data = json.loads(path.read_text(encoding="utf-8"))
    by_intent: dict[str, list[str]] = {}
    for text, intent in data["train"]:
        by_intent.setdefault(intent, []).append(text)
    items = [FaqItem(intent, tuple(texts)) for intent, texts in sorted(by_intent.items())]
    val = _queries(data["val"], False) + _queries(data["oos_val"], True)
    test = _queries(data["test"], False) + _queries(data["oos_test"], True)
    return Clinc(
        items,
        val,
        test,
        {
            "intents": len(items),
            "phrasings": sum(len(i.phrasings) for i in items),
            "val": len(data["val"]),
            "oos_val": len(data["oos_val"]),
            "test": len(data["test"]),
            "oos_test": len(data["oos_test"]),
        },
    )
