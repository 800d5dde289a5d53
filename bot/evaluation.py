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

from bot.engine import Engine
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
        ranked = tuple(c.entry.id for c in engine.rank(message, limit=3))
        return Prediction(reply.kind.value, reply.entry.id if reply.entry else None, ranked)

    return answer


def evaluate(answerer: Answerer, cases: Sequence[Case]) -> Report:
    return Report([Outcome(case, answerer(case.ask)) for case in cases])


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
