"""``eval --sweep`` replays the bot's own decision, or its table misleads calibration."""

from __future__ import annotations

from bot.engine import Engine
from bot.evaluation import Case, engine_answerer, evaluate, sweep

CASES = [
    Case("how much does the treatment cost", ("cost-and-insurance",), 1),
    Case("is it approved by the fda", ("regulatory-status",), 2),
    Case("what are the risks of the injections", ("recovery-and-risks",), 3),
    # closest to topics staff listed as not covered: the bot says it has no answer
    # (and an entry also scores above the answer threshold on the last two)
    Case("can stem cells fix my knee arthritis", ("no-answer",), 4),
    Case("are stem cell injections for hip arthritis safe", ("no-answer",), 5),
    Case("does stem cell therapy work for multiple sclerosis", ("no-answer",), 6),
    # 16 words: answered from the long-message threshold, which the sweep moves too
    Case(
        "Is it one shot or a course of several? And is it IV or injected locally?",
        ("how-treatment-is-given",),
        7,
    ),
]


def test_the_sweep_row_at_the_shipped_thresholds_matches_the_replies(engine: Engine) -> None:
    config = engine.matching
    [row] = sweep(
        engine,
        CASES,
        [config.answer_threshold],
        clarify_gaps=[config.answer_threshold - config.clarify_threshold],
        margins=[config.clarify_margin],
    )
    metrics = evaluate(engine_answerer(engine), CASES).metrics
    assert (row.top1, row.no_answer) == (metrics["top1"], metrics["no_answer"])
    assert row.no_answer == 1.0
    if engine.uses_model:
        assert row.top1 == 1.0
