"""The knowledge base: YAML files clinic staff edit, loaded and validated as one unit."""

from bot.knowledge.loader import DEFAULT_DIR, LoadResult, load_knowledge
from bot.knowledge.model import Knowledge
from bot.knowledge.problems import Problem, Severity
from bot.knowledge.schema import Category, Entry, Source

__all__ = [
    "DEFAULT_DIR",
    "Category",
    "Entry",
    "Knowledge",
    "LoadResult",
    "Problem",
    "Severity",
    "Source",
    "load_knowledge",
]
