"""Our knowledge base: the engine against the peers on the project's evaluation sets.

Every method sees the same knowledge (each entry's questions and title) and the same
front: the engine's safety triage and small talk run first for all of them, so a red
flag, a crisis or a "thanks" gets the same reply whichever method matches; only the
retrieval and the answer / no-answer decision differ. Thresholds are chosen on
``tests/eval/dev.yaml`` only and then applied unchanged to ``test.yaml`` and to the
shared sample cases. The engine is also scored exactly as shipped (its own
``matching.yaml`` thresholds and "did you mean" band).

No message of the held-out test set is printed or written anywhere: only its metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import peers, scoring
from benchmarks.peers import EngineRetriever, Retriever
from bot.engine import Engine
from bot.evaluation import Case, Prediction, engine_answerer, load_cases
from bot.knowledge import Knowledge

FRONT_KINDS = ("urgent", "crisis", "smalltalk")
LIMIT = 5


@dataclass
class CaseSet:
    name: str
    cases: list[Case]
    fixed: list[str | None]  # the front's reply kind, when it decides


def _front(engine: Engine, cases: Sequence[Case]) -> list[str | None]:
    kinds = [engine.reply(case.ask).kind.value for case in cases]
    return [kind if kind in FRONT_KINDS else None for kind in kinds]


def make_retrievers(
    knowledge: Knowledge, engine: Engine, with_minilm: bool, log: Callable[[str], None]
) -> list[Retriever]:
    entries = knowledge.entries
    methods: list[Retriever] = [EngineRetriever(engine), peers.WRatioRetriever(entries)]
    try:
        methods.append(peers.BM25Retriever(entries, knowledge.matching.stop_words))
    except ImportError:
        log("  (bm25s is not installed: BM25 skipped; pip install -e '.[bench]')")
    if with_minilm:
        methods.append(peers.MiniLMRetriever(entries))
    return methods


def run(
    knowledge: Knowledge,
    case_files: dict[str, Path],
    *,
    with_minilm: bool,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Metrics per method and case set; ``case_files`` must include ``dev``."""
    engine = Engine(knowledge)
    sets = []
    for name, path in case_files.items():
        cases = load_cases(path)
        sets.append(CaseSet(name, cases, _front(engine, cases)))
    dev = next(s for s in sets if s.name == "dev")

    results: dict[str, Any] = {"sets": {s.name: len(s.cases) for s in sets}, "methods": {}}
    shipped: dict[str, Any] = {}
    answerer = engine_answerer(engine)
    for case_set in sets:
        preds: list[Prediction] = [answerer(case.ask) for case in case_set.cases]
        timing = scoring.Timing()
        for case in case_set.cases:  # the time of the whole reply the patient gets
            start = time.perf_counter_ns()
            engine.reply(case.ask)
            timing.samples_ms.append((time.perf_counter_ns() - start) / 1e6)
        report = scoring.report(case_set.cases, preds)
        shipped[case_set.name] = {**report.metrics, "time_ms": timing.as_dict()}
        if case_set.name == "dev":
            shipped["dev_failures"] = [
                f"{o.case.ask[:90]} -> expected {'|'.join(o.case.expect)}, got "
                f"{o.prediction.kind} {o.prediction.entry_id or ''}".strip()
                for o in report.failures
                if o.case.group in ("in_scope", "no_answer")
            ]
    in_force = engine.matching  # with_model's thresholds when the sentence model runs
    shipped["threshold"] = {
        "answer": in_force.answer_threshold,
        "clarify": in_force.clarify_threshold,
        "margin": in_force.clarify_margin,
    }
    results["methods"]["engine (as shipped)"] = shipped

    for retriever in make_retrievers(knowledge, engine, with_minilm, log):
        label = _LABELS[retriever.name]
        log(f"  our knowledge: {label}")
        batch = retriever.name == "minilm"
        ranked = {
            s.name: scoring.rank_timed(retriever, [c.ask for c in s.cases], LIMIT, batch=batch)
            for s in sets
        }
        decider = retriever.decide if isinstance(retriever, EngineRetriever) else None
        threshold = scoring.choose_threshold(dev.cases, ranked["dev"][0], dev.fixed)
        method: dict[str, Any] = {"threshold": threshold}
        for case_set in sets:
            rankings, timing = ranked[case_set.name]
            preds = scoring.predictions(
                rankings, threshold, case_set.fixed, decider or scoring.threshold_rule
            )
            report = scoring.report(case_set.cases, preds)
            method[case_set.name] = {**report.metrics, "time_ms": timing.as_dict()}
        results["methods"][label] = method
    results["phrasings"] = sum(len(e.questions) for e in knowledge.entries)
    results["entries"] = len(knowledge.entries)
    return results


_LABELS = {
    "engine": "engine ranking, dev threshold",
    "wratio": "rapidfuzz WRatio",
    "bm25": "BM25 (bm25s)",
    "minilm": "MiniLM-L6-v2",
}
