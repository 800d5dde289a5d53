"""Load a knowledge directory: parse every file, validate it, cross-check it, report all.

Nothing here raises at the user: every failure becomes a :class:`Problem`, and the
result carries a :class:`Knowledge` only when there are no errors (warnings are fine).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.knowledge import checks
from bot.knowledge.model import Knowledge
from bot.knowledge.problems import Problem, Severity, has_errors
from bot.knowledge.schema import (
    Category,
    CrisisExamplesFile,
    FaqFile,
    MatchingFile,
    MessagesFile,
    SafetyFile,
    SourcesFile,
    SynonymsFile,
    TopicsFile,
    UrgentExamplesFile,
)
from bot.knowledge.schema_errors import describe
from bot.knowledge.source_text import SourceText
from bot.knowledge.yaml_source import YamlDocument, read_yaml

# The shipped knowledge directory: where a knowledge base without its own safety,
# synonym, matching or message files borrows them from.
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "knowledge"

M = TypeVar("M", bound=BaseModel)

_SHAPES = {
    FaqFile: "it must start with 'entries:' followed by a list of entries (lines starting '- id:')",
    SourcesFile: "it must start with 'sources:' followed by a list of sources",
    TopicsFile: "it must start with 'categories:' followed by a list of categories",
}


@dataclass
class Parsed(Generic[M]):
    display: str
    doc: YamlDocument
    model: M


@dataclass
class LoadResult:
    knowledge: Knowledge | None
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


def _display(directory: Path, path: Path) -> str:
    try:
        return str(directory / path.relative_to(directory))
    except ValueError:
        return str(path)


def parse_file(path: Path, display: str, model: type[M]) -> tuple[Parsed[M] | None, list[Problem]]:
    """Read and validate one file; the model is ``None`` when it could not be built."""
    doc, problems = read_yaml(path, display)
    if doc is None:
        return None, problems
    shape = _SHAPES.get(model, "")
    if doc.data is None:
        problems.append(Problem(display, 1, f"the file is empty; {shape or 'fill it in'}"))
        return None, problems
    if not isinstance(doc.data, dict) and shape:
        problems.append(Problem(display, 1, f"the file has the wrong shape: {shape}"))
        return None, problems
    try:
        built = model.model_validate(doc.data)
    except ValidationError as error:
        for detail in error.errors():
            location, message = describe(detail, model)
            if not location and shape:
                message = f"{message}; {shape}"
            problems.append(Problem(display, doc.line_of(location), message))
        return None, problems
    return Parsed(display, doc, built), problems


def _optional(
    directory: Path, defaults: Path | None, name: str, model: type[M], problems: list[Problem]
) -> Parsed[M] | None:
    path = directory / name
    if not path.exists() and defaults is not None and (defaults / name).exists():
        path = defaults / name
    if not path.exists():
        problems.append(Problem(str(directory / name), 1, f"missing file {name}"))
        return None
    parsed, found = parse_file(path, _display(directory, path), model)
    problems.extend(found)
    return parsed


def faq_files(directory: Path) -> list[Path]:
    faq = directory / "faq"
    return sorted(p for p in faq.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a load.

    A load allocates about a million small objects (YAML nodes, dicts, models, phrasings)
    and makes no reference cycles, yet the allocations trigger full collections that
    rescan the whole heap, the running bot's engine included: a quarter of the load time
    at 5,000 entries. Reference counting still frees everything as usual. The pause is
    process-wide: during a live reload in a worker thread, the serving thread's cycles
    wait too, for the second or two the load takes at most.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_knowledge(directory: Path, *, defaults: Path | None = DEFAULT_DIR) -> LoadResult:
    """Everything wrong with ``directory`` at once, and the knowledge if nothing is."""
    with _collector_paused():
        return _load(Path(directory), defaults)


def _load(directory: Path, defaults: Path | None) -> LoadResult:
    problems: list[Problem] = []
    if not directory.is_dir():
        return LoadResult(None, [Problem(str(directory), 1, "no such knowledge directory")])

    sources_path = directory / "sources.yaml"
    sources: Parsed[SourcesFile] | None = None
    if sources_path.exists():
        sources, found = parse_file(sources_path, _display(directory, sources_path), SourcesFile)
        problems.extend(found)
    else:
        problems.append(Problem(str(sources_path), 1, "missing file sources.yaml (SPEC section 3)"))

    faqs: list[Parsed[FaqFile]] = []
    paths = faq_files(directory)
    if not paths:
        problems.append(
            Problem(str(directory / "faq"), 1, "no entry files: add faq/<name>.yaml files")
        )
    for path in paths:
        parsed, found = parse_file(path, _display(directory, path), FaqFile)
        problems.extend(found)
        if parsed is not None:
            faqs.append(parsed)

    topics_path = directory / "topics.yaml"
    topics: Parsed[TopicsFile] | None = None
    if topics_path.exists():
        topics, found = parse_file(topics_path, _display(directory, topics_path), TopicsFile)
        problems.extend(found)

    safety = _optional(directory, defaults, "safety.yaml", SafetyFile, problems)
    synonyms = _optional(directory, defaults, "synonyms.yaml", SynonymsFile, problems)
    matching = _optional(directory, defaults, "matching.yaml", MatchingFile, problems)
    messages = _optional(directory, defaults, "messages.yaml", MessagesFile, problems)
    examples = _optional(directory, defaults, "crisis-examples.yaml", CrisisExamplesFile, problems)
    urgent = _optional(directory, defaults, "urgent-examples.yaml", UrgentExamplesFile, problems)

    source_texts: dict[str, SourceText] = {}
    if sources is not None:
        for index, source in enumerate(sources.model.sources):
            if source.file is None:
                continue
            path = directory / source.file
            line = sources.doc.line_of(("sources", index, "file"))
            try:
                source_texts[source.id] = SourceText.read(path)
            except (OSError, UnicodeDecodeError):
                problems.append(
                    Problem(
                        sources.display,
                        line,
                        f"source file '{source.file}' cannot be read: put the verbatim copy "
                        f"at {path} (UTF-8 text) or remove the 'file' key",
                    )
                )

    context = checks.Context(
        sources=sources,
        faqs=faqs,
        topics=topics,
        safety=safety,
        synonyms=synonyms,
        matching=matching,
        messages=messages,
        source_texts=source_texts,
    )
    problems.extend(checks.run_all(context))
    problems = sorted(set(problems), key=lambda p: (p.path, p.line, p.message))
    optional = (sources, topics, safety, synonyms, matching, messages, examples, urgent)
    files = [p.display for p in optional if p]
    files += [f.display for f in faqs]

    if has_errors(problems) or not (
        sources and safety and synonyms and matching and messages and examples and urgent
    ):
        return LoadResult(None, problems, files)

    entries = tuple(entry for f in faqs for entry in f.model.entries)
    if topics is not None:
        categories = tuple(topics.model.categories)
    else:
        seen = dict.fromkeys(e.category for e in entries)
        categories = tuple(Category(id=c, title=c.replace("-", " ").capitalize()) for c in seen)
    knowledge = Knowledge(
        directory=directory,
        sources={s.id: s for s in sources.model.sources},
        source_texts=source_texts,
        entries=entries,
        categories=categories,
        safety=safety.model,
        synonyms=synonyms.model,
        matching=matching.model,
        messages=messages.model,
        crisis_examples=examples.model,
        urgent_examples=urgent.model,
    )
    return LoadResult(knowledge, problems, files)
