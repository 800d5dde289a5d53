"""StackFAQ: each thread an entry, its human rephrasings the queries; ranking quality.

Two settings: "cold" (each entry has only the thread's original question) and "curated"
(the question plus the first four rephrasings; the remaining ones are the queries).
There is no out-of-scope query, so no threshold is involved: P@1, hit@5 and MRR of the
ranking, plus the pair-level P@5 / MAP / MRR that the published figures use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import datasets, peers, scoring
from benchmarks.peers import EngineRetriever, Retriever
from bot.knowledge import Knowledge

DEPTH = 20


def make_retrievers(
    shipped: Knowledge, items: list[datasets.FaqItem], with_minilm: bool
) -> list[Retriever]:
    entries = peers.build_entries(items)
    methods: list[Retriever] = [
        EngineRetriever.for_entries(shipped, entries),
        peers.WRatioRetriever(entries),
    ]
    with contextlib.suppress(ImportError):  # bm25s is in the bench extra
        methods.append(peers.BM25Retriever(entries, shipped.matching.stop_words))
    if with_minilm:
        methods.append(peers.MiniLMRetriever(entries))
    return methods


def run(
    shipped: Knowledge,
    data_dir: Path,
    *,
    with_minilm: bool,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for setting in ("cold", "curated"):
        dataset = datasets.load_stackfaq(data_dir, setting)
        pairs = {item.id: item.pairs for item in dataset.items}
        texts = [q.text for q in dataset.queries]
        expected = [q.expect or "" for q in dataset.queries]
        methods: dict[str, Any] = {}
        for retriever in make_retrievers(shipped, dataset.items, with_minilm):
            log(f"  StackFAQ {setting}: {retriever.name}")
            batch = retriever.name == "minilm"
            rankings, timing = scoring.rank_timed(retriever, texts, DEPTH, batch=batch)
            methods[retriever.name] = {
                **scoring.ranking_metrics(expected, rankings, pairs, DEPTH),
                "time_ms": timing.as_dict(),
            }
        results[setting] = {
            "methods": methods,
            "entries": len(dataset.items),
            "phrasings": sum(len(i.phrasings) for i in dataset.items),
            "qa_pairs": sum(pairs.values()),
            **dataset.notes,
        }
    return results
