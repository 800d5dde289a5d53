"""Score an answerer on a case file in the format of ``shared/eval/sample-cases.yaml``.

The answerer is anything that maps a message to ``(kind, entry_id, ranked ids)``, so
the engine and the baselines it is compared with are scored by the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.engine import Candidate, Engine, ReplyKind, decide_ranking
from bot.knowledge.schema_errors import describe
from bot.knowledge.yaml_source import read_yaml

Group = Literal["in_scope", "no_answer", "urgent", "crisis", "any"]
SAFETY_KINDS = ("urgent", "crisis")
NO_ENTRY_KINDS = ("no_match", "smalltalk")


class _CaseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    ask: str
    expect: str | list[str]


class _CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    cases: list[_CaseModel]


class CaseFileError(Exception):
    """A case file that cannot be read; the message lists ``path:line: problem`` lines."""


@dataclass(frozen=True)
class Case:
    ask: str
    expect: tuple[str, ...]
    line: int

    @property
    def group(self) -> Group:
        first = self.expect[0]
        if first == "no-answer":
            return "no_answer"
        if first in ("urgent", "crisis", "any"):
            return first  # type: ignore[return-value]
        return "in_scope"


@dataclass(frozen=True)
class Prediction:
    kind: str
    entry_id: str | None
    ranked: tuple[str, ...]


Answerer = Callable[[str], Prediction]


@dataclass(frozen=True)
class Outcome:
    case: Case
    prediction: Prediction

    @property
    def alarm(self) -> bool:
        return self.prediction.kind in SAFETY_KINDS

    @property
    def correct(self) -> bool:
        p, group = self.prediction, self.case.group
        if group == "in_scope":
            return p.kind == "answer" and p.entry_id in self.case.expect
        if group == "no_answer":
            return p.kind in NO_ENTRY_KINDS
        if group == "any":
            return not self.alarm
        return p.kind == group

    @property
    def in_top3(self) -> bool:
        if self.case.group != "in_scope":
            return self.correct
        return self.correct or any(i in self.case.expect for i in self.prediction.ranked[:3])


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _group(self, group: Group) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.group == group]

    @staticmethod
    def _rate(outcomes: Sequence[Outcome], top3: bool = False) -> float | None:
        if not outcomes:
            return None
        hits = sum(o.in_top3 if top3 else o.correct for o in outcomes)
        return hits / len(outcomes)

    @property
    def metrics(self) -> dict[str, float | int | None]:
        ordinary = [o for o in self.outcomes if o.case.group not in SAFETY_KINDS]
        return {
            "cases": len(self.outcomes),
            "in_scope": len(self._group("in_scope")),
            "top1": self._rate(self._group("in_scope")),
            "top3": self._rate(self._group("in_scope"), top3=True),
            "no_answer": self._rate(self._group("no_answer")),
            "urgent_recall": self._rate(self._group("urgent")),
            "crisis_recall": self._rate(self._group("crisis")),
            "false_alarms": sum(o.alarm for o in ordinary),
            "ordinary": len(ordinary),
        }

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]


def load_cases(path: Path) -> list[Case]:
    doc, problems = read_yaml(path, str(path))
    if doc is None:
        raise CaseFileError("\n".join(str(p) for p in problems))
    try:
        parsed = _CaseFile.model_validate(doc.data)
    except ValidationError as error:
        lines = []
        for detail in error.errors():
            location, message = describe(detail, _CaseFile)
            lines.append(f"{path}:{doc.line_of(location)}: {message}")
        raise CaseFileError("\n".join(lines)) from None
    cases = []
    for index, raw in enumerate(parsed.cases):
        expect = (raw.expect,) if isinstance(raw.expect, str) else tuple(raw.expect)
        if not expect:
            raise CaseFileError(f"{path}:{doc.line_of(('cases', index))}: 'expect' is empty")
        cases.append(Case(raw.ask, expect, doc.line_of(("cases", index))))
    return cases


def engine_answerer(engine: Engine) -> Answerer:
    def answer(message: str) -> Prediction:
        reply = engine.reply(message)
        top3 = tuple(c.entry.id for c in engine.rank(message, limit=3))
        return Prediction(reply.kind.value, reply.entry.id if reply.entry else None, top3)

    return answer


def evaluate(answerer: Answerer, cases: Sequence[Case]) -> Report:
    return Report([Outcome(case, answerer(case.ask)) for case in cases])


@dataclass(frozen=True)
class SweepRow:
    answer_threshold: float
    clarify_threshold: float
    clarify_margin: float
    top1: float
    clarified_right: float
    no_answer: float
    wrong_answers: int
    clarified_out_of_scope: int


def sweep(
    engine: Engine,
    cases: Sequence[Case],
    answer_thresholds: Sequence[float],
    clarify_gaps: Sequence[float] = (0, 4, 8),
    margins: Sequence[float] = (0, 2, 4),
) -> list[SweepRow]:
    """Replay the decision with other thresholds, to calibrate ``matching.yaml``.

    Rankings are computed once; safety and small-talk replies do not depend on the
    thresholds, so those cases are left out. A long message's own threshold
    (``with_model.long_message_threshold``) moves with the others, by the same offset.
    """
    scored: list[tuple[Case, list[Candidate] | None]] = []
    for case in cases:
        if case.group not in ("in_scope", "no_answer"):
            continue
        if engine.reply(case.ask).kind in (ReplyKind.SMALLTALK, ReplyKind.URGENT, ReplyKind.CRISIS):
            if case.group == "no_answer":
                scored.append((case, None))
            continue
        scored.append((case, engine.ranking(case.ask)))
    in_scope = sum(c.group == "in_scope" for c, _ in scored) or 1
    out_of_scope = sum(c.group == "no_answer" for c, _ in scored) or 1
    base = engine.matching
    offsets = {
        case.ask: engine.thresholds(case.ask).answer_threshold - base.answer_threshold
        for case, _ in scored
    }
    rows = []
    for answer in answer_thresholds:
        for gap in clarify_gaps:
            for margin in margins:
                config = base.model_copy(
                    update={
                        "answer_threshold": answer,
                        "clarify_threshold": max(0.0, answer - gap),
                        "clarify_margin": margin,
                    }
                )
                # the long-message thresholds, moved by the same offset
                shifted = {
                    offset: config.model_copy(
                        update={
                            "answer_threshold": config.answer_threshold + offset,
                            "clarify_threshold": max(0.0, config.clarify_threshold + offset),
                        }
                    )
                    for offset in set(offsets.values())
                }
                right = half = no_answer = wrong = clarified_oos = 0
                for case, ranking in scored:
                    if ranking is None:
                        no_answer += 1
                        continue
                    decision = decide_ranking(ranking, shifted[offsets[case.ask]])
                    kind, entry = decision.kind, decision.entry
                    if case.group == "no_answer":
                        no_answer += kind is ReplyKind.NO_MATCH
                        clarified_oos += kind is ReplyKind.CLARIFY
                    elif kind is ReplyKind.ANSWER and entry is not None:
                        right += entry.id in case.expect
                        wrong += entry.id not in case.expect
                    elif kind is ReplyKind.CLARIFY:
                        half += any(e.id in case.expect for e in decision.suggestions)
                rows.append(
                    SweepRow(
                        answer,
                        config.clarify_threshold,
                        margin,
                        right / in_scope,
                        half / in_scope,
                        no_answer / out_of_scope,
                        wrong,
                        clarified_oos,
                    )
                )
    return rows


def format_sweep(rows: Sequence[SweepRow]) -> str:
    lines = [
        "answer  clarify  margin   top-1  clarified-right  no-answer  wrong  clarified-oos",
    ]
    for r in rows:
        lines.append(
            f"{r.answer_threshold:6.0f}  {r.clarify_threshold:7.0f}  {r.clarify_margin:6.0f}  "
            f"{_percent(r.top1):>6}  {_percent(r.clarified_right):>15}  "
            f"{_percent(r.no_answer):>9}  {r.wrong_answers:5d}  {r.clarified_out_of_scope:13d}"
        )
    return "\n".join(lines)


def _percent(value: float | int | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def format_report(report: Report, title: str) -> str:
    m = report.metrics
    lines = [
        f"{title}: {m['cases']} cases",
        f"  in-scope top-1      {_percent(m['top1'])}  ({m['in_scope']} cases)",
        f"  in-scope top-3      {_percent(m['top3'])}",
        f"  no-answer accuracy  {_percent(m['no_answer'])}",
        f"  urgent recall       {_percent(m['urgent_recall'])}",
        f"  crisis recall       {_percent(m['crisis_recall'])}",
        f"  false alarms        {m['false_alarms']} of {m['ordinary']} ordinary messages",
    ]
    failures = report.failures
    if failures:
        lines.append(f"  failing cases ({len(failures)}):")
        for o in failures:
            expect = "|".join(o.case.expect)
            got = o.prediction.entry_id or "-"
            ranked = ",".join(o.prediction.ranked[:3])
            lines.append(
                f"    line {o.case.line}: expected {expect}; got {o.prediction.kind} {got} "
                f"[top3: {ranked}] :: {o.case.ask[:120]}"
            )
    return "\n".join(lines)
