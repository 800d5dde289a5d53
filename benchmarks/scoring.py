"""Turn rankings into predictions and metrics, the same way for every method.

Answer / no-answer: every method answers with its best entry when the best score is at
or above its threshold, and gives no answer otherwise. The threshold is chosen by one
procedure for all of them (:func:`choose_threshold`) on validation data only, and the
predictions are scored by ``bot.evaluation`` (the code behind ``python -m bot eval``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from benchmarks.datasets import Query
from benchmarks.peers import Ranking, Retriever
from bot.evaluation import Case, Prediction, Report, evaluate

# (ranking, threshold) -> (kind, entry id): how a method turns its ranking into a reply.
Decider = Callable[[Ranking, float], tuple[str, str | None]]


def threshold_rule(ranking: Ranking, threshold: float) -> tuple[str, str | None]:
    if ranking and ranking[0][1] >= threshold:
        return "answer", ranking[0][0]
    return "no_match", None


def cases_from(queries: Sequence[Query]) -> list[Case]:
    """Data set queries as evaluation cases: an entry id, or ``no-answer``."""
    return [
        Case(q.text, (q.expect,) if q.expect is not None else ("no-answer",), number)
        for number, q in enumerate(queries, start=1)
    ]


@dataclass
class Timing:
    """Wall time of single-message calls, in milliseconds."""

    samples_ms: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.samples_ms) if self.samples_ms else None

    @property
    def p50(self) -> float | None:
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def p99(self) -> float | None:
        if not self.samples_ms:
            return None
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    def as_dict(self) -> dict[str, float | int | None]:
        return {"mean": self.mean, "p50": self.p50, "p99": self.p99, "n": len(self.samples_ms)}


def rank_timed(
    retriever: Retriever,
    texts: Sequence[str],
    limit: int,
    *,
    batch: bool = False,
    latency_sample: int | None = None,
) -> tuple[list[Ranking], Timing]:
    """Rank every text; time single calls (all of them, or a sample when ``batch``)."""
    timing = Timing()
    if batch:
        rankings = retriever.rank_many(texts, limit)
        sample = texts[: latency_sample or 200]
        for text in sample[:5]:
            retriever.rank(text, limit)  # warm-up
        for text in sample:
            start = time.perf_counter_ns()
            retriever.rank(text, limit)
            timing.samples_ms.append((time.perf_counter_ns() - start) / 1e6)
        return rankings, timing
    rankings = []
    for text in texts:
        start = time.perf_counter_ns()
        rankings.append(retriever.rank(text, limit))
        timing.samples_ms.append((time.perf_counter_ns() - start) / 1e6)
    return rankings, timing


def predictions(
    rankings: Sequence[Ranking],
    threshold: float,
    fixed: Sequence[str | None] | None = None,
    decider: Decider = threshold_rule,
) -> list[Prediction]:
    """One prediction per ranking; ``fixed`` kinds (safety, small talk) override it."""
    out = []
    for number, ranking in enumerate(rankings):
        ranked = tuple(entry for entry, _ in ranking)
        kind = fixed[number] if fixed is not None else None
        if kind is not None:
            out.append(Prediction(kind, None, ranked))
            continue
        kind, entry = decider(ranking, threshold)
        out.append(Prediction(kind, entry, ranked))
    return out


def report(cases: Sequence[Case], preds: Sequence[Prediction]) -> Report:
    """Score through ``bot.evaluation``: the answerer replays the predictions in order."""
    replay = iter(preds)

    def answerer(message: str) -> Prediction:
        return next(replay)

    return evaluate(answerer, cases)


def choose_threshold(
    cases: Sequence[Case],
    rankings: Sequence[Ranking],
    fixed: Sequence[str | None] | None = None,
) -> float:
    """The threshold that maximises top-1 accuracy + no-answer accuracy on these cases.

    Every threshold between two neighbouring best scores gives the same result on these
    cases; the midpoint of each such gap is the candidate (a threshold that sits right on
    a validation score would be fragile). Among equally good gaps the middle one is
    taken. With no no-answer cases, every message is answered.
    """
    free = np.array([fixed is None or fixed[i] is None for i in range(len(cases))])
    top = np.array([r[0][1] if r else -np.inf for r in rankings], dtype=np.float64)
    in_scope = np.array([c.group == "in_scope" for c in cases]) & free
    no_answer = np.array([c.group == "no_answer" for c in cases]) & free
    right = np.array(
        [bool(r) and r[0][0] in c.expect for r, c in zip(rankings, cases, strict=True)]
    )
    n_in = max(1, sum(c.group == "in_scope" for c in cases))
    n_out = sum(c.group == "no_answer" for c in cases)
    scores = np.unique(top[np.isfinite(top)])
    if n_out == 0 or not len(scores):
        return float("-inf")
    # candidate i answers every score >= scores[i]; the last one answers nothing
    candidates = np.append(scores, np.inf)
    answered = top[None, :] >= candidates[:, None]  # candidates x cases
    top1 = (answered & (in_scope & right)[None, :]).sum(axis=1) / n_in
    declined = (~answered & no_answer[None, :]).sum(axis=1) / n_out
    objective = top1 + declined
    best = np.flatnonzero(objective >= objective.max() - 1e-12)
    i = int(best[len(best) // 2])
    if i == 0:
        return float(scores[0])
    if i == len(scores):
        return float(scores[-1]) + 1e-6
    return float((scores[i - 1] + scores[i]) / 2)


# --- ranking metrics (StackFAQ) ---------------------------------------------------------


def ranking_metrics(
    expected: Sequence[str],
    rankings: Sequence[Ranking],
    pairs: dict[str, int],
    depth: int = 20,
) -> dict[str, float]:
    """Thread-level P@1, hit@5, MRR and pair-level P@5, MAP, MRR over the top ``depth``.

    The published StackFAQ figures rank question-answer *pairs*: a thread with k answers
    is k pairs, all relevant to its rephrasings. Every method here ranks threads (all
    pairs of a thread share its question), so the pair ranking is the thread ranking
    with each thread expanded into its answers.
    """
    p1 = hit5 = rr = p5_pairs = ap_pairs = rr_pairs = 0.0
    for want, ranking in zip(expected, rankings, strict=True):
        ids = [entry for entry, _ in ranking[:depth]]
        if ids[:1] == [want]:
            p1 += 1
        if want in ids[:5]:
            hit5 += 1
        if want in ids:
            rr += 1 / (ids.index(want) + 1)
        position = found = 0
        precision_sum = 0.0
        first = 0
        top5 = 0
        for entry in ids:
            relevant = entry == want
            for _ in range(pairs.get(entry, 1)):
                position += 1
                if relevant:
                    found += 1
                    precision_sum += found / position
                    first = first or position
                    top5 += position <= 5
        p5_pairs += top5 / 5
        ap_pairs += precision_sum / pairs.get(want, 1)
        rr_pairs += 1 / first if first else 0.0
    n = max(1, len(expected))
    return {
        "p1": p1 / n,
        "hit5": hit5 / n,
        "mrr": rr / n,
        "p5_pairs": p5_pairs / n,
        "map_pairs": ap_pairs / n,
        "mrr_pairs": rr_pairs / n,
        "queries": len(expected),
    }
