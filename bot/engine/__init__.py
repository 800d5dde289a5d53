"""The pure answer engine: safety triage, matching and reply composition."""

from bot.engine.engine import Engine, decide, decide_ranking, plain_text
from bot.engine.matcher import Candidate, Matcher
from bot.engine.replies import Rendered, Reply, ReplyKind
from bot.engine.safety import Alarm, SafetyCheck

__all__ = [
    "Alarm",
    "Candidate",
    "Engine",
    "Matcher",
    "Rendered",
    "Reply",
    "ReplyKind",
    "SafetyCheck",
    "decide",
    "decide_ranking",
    "plain_text",
]
