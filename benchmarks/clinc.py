"""CLINC150: 150 intents as entries, their 15,000 training utterances as phrasings.

Thresholds are chosen on ``val`` + ``oos_val`` only (the same procedure for every
method: maximise in-scope accuracy + out-of-scope recall) and applied unchanged to
``test`` + ``oos_test``. In-scope accuracy is the share of in-scope test queries answered
with their intent; out-of-scope recall the share of ``oos_test`` given no answer; both are
computed by ``bot.evaluation`` (its top-1 and no-answer accuracy). This is also the
scale test: every query is compared with 15,000 phrasings.

WRatio costs about 40 ms a query here, so it is scored on a fixed random sample
(:data:`WRATIO_SAMPLE`, seed 0); every other method on every query.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import datasets, peers, scoring
from benchmarks.datasets import Query
from benchmarks.peers import EngineRetriever, Retriever
from bot.knowledge import Knowledge

# (in-scope, out-of-scope) queries per split for WRatio.
WRATIO_SAMPLE = {"val": (500, 100), "test": (1000, 500)}


def sample(queries: Sequence[Query], in_scope: int, out_of_scope: int, seed: int) -> list[Query]:
    """A fixed random sample, in the original order."""
    rng = random.Random(seed)
    inside = [i for i, q in enumerate(queries) if q.expect is not None]
    outside = [i for i, q in enumerate(queries) if q.expect is None]
    keep = set(rng.sample(inside, min(in_scope, len(inside))))
    keep |= set(rng.sample(outside, min(out_of_scope, len(outside))))
    return [q for i, q in enumerate(queries) if i in keep]


def run(
    shipped: Knowledge,
    data_dir: Path,
    *,
    with_minilm: bool,
    quick: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    clinc = datasets.load_clinc(data_dir)
    val, test = clinc.val, clinc.test
    if quick:
        val, test = sample(val, 600, 100, seed=1), sample(test, 600, 200, seed=2)
    entries = peers.build_entries(clinc.items)
    builders: list[tuple[str, Callable[[], Retriever]]] = [
        ("engine", lambda: EngineRetriever.for_entries(shipped, entries)),
        ("wratio", lambda: peers.WRatioRetriever(entries)),
        ("bm25", lambda: peers.BM25Retriever(entries, shipped.matching.stop_words)),
    ]
    if with_minilm:
        builders.append(("minilm", lambda: peers.MiniLMRetriever(entries)))

    methods: dict[str, Any] = {}
    for name, build in builders:
        started = time.perf_counter()
        try:
            retriever = build()
        except ImportError:
            continue
        # MiniLM's index is its phrasing embeddings: the time encoding them took, even
        # when they now come from the on-disk cache
        build_s = getattr(retriever, "index_seconds", time.perf_counter() - started)
        splits = {"val": val, "test": test}
        if name == "wratio":
            splits = {
                split: sample(queries, *WRATIO_SAMPLE[split], seed=0)
                for split, queries in splits.items()
            }
        log(f"  CLINC150: {name} ({len(splits['val'])} val, {len(splits['test'])} test)")
        batch = name == "minilm"
        val_cases = scoring.cases_from(splits["val"])
        test_cases = scoring.cases_from(splits["test"])
        val_rank, _ = scoring.rank_timed(retriever, [c.ask for c in val_cases], 1, batch=batch)
        test_rank, timing = scoring.rank_timed(
            retriever, [c.ask for c in test_cases], 1, batch=batch
        )
        decider = retriever.decide if isinstance(retriever, EngineRetriever) else None
        threshold = scoring.choose_threshold(val_cases, val_rank)
        outcome = {}
        for split, cases, rankings in (
            ("val", val_cases, val_rank),
            ("test", test_cases, test_rank),
        ):
            preds = scoring.predictions(
                rankings, threshold, None, decider or scoring.threshold_rule
            )
            metrics = scoring.report(cases, preds).metrics
            inside = [(c, r) for c, r in zip(cases, rankings, strict=True) if c.group == "in_scope"]
            outcome[split] = {
                # the ranking alone: every in-scope query answered with its best entry
                "always_answer_accuracy": sum(bool(r) and r[0][0] in c.expect for c, r in inside)
                / max(1, len(inside)),
                "in_scope_accuracy": metrics["top1"],
                "oos_recall": metrics["no_answer"],
                "in_scope": metrics["in_scope"],
                "out_of_scope": metrics["cases"] - metrics["in_scope"],  # type: ignore[operator]
            }
        methods[name] = {
            **outcome,
            "threshold": threshold,
            "build_s": build_s,
            "time_ms": timing.as_dict(),
            "sampled": name == "wratio",
        }
    return {"methods": methods, "quick": quick, **clinc.notes}
