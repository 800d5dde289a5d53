"""Read one YAML file and remember the line of every key and list item.

Pydantic reports errors by location (``entries -> 3 -> answer``); staff need a line
number. Composing the YAML node tree once gives both the data and that mapping, and
lets us catch what PyYAML accepts silently (a key written twice) or explains badly
(tabs, a colon inside a value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.problems import Problem

Location = tuple[str | int, ...]

# PyYAML's wording -> what a person editing the file should do about it.
_YAML_HINTS: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed here",
        "a value contains ': ' (colon and space); put the whole value in double quotes",
    ),
    (
        "could not find expected ':'",
        "a line is missing the colon after its key, or is indented differently from its "
        "neighbours; check the line above too",
    ),
    (
        "did not find expected key",
        "this line is indented differently from the lines around it; line items up with "
        "two spaces per level",
    ),
    (
        "did not find expected '-' indicator",
        "a list item is indented differently from the items before it",
    ),
    (
        "found character '\\t' that cannot start any token",
        "a tab character is used; YAML needs spaces",
    ),
    ("found undefined alias", "a word starting with '*' is read as a YAML alias; quote the value"),
    (
        "found unexpected end of stream",
        'a quote is opened but never closed; check that every " has its partner',
    ),
    (
        "found unknown escape character",
        "a backslash inside double quotes; use single quotes or remove the backslash",
    ),
    (
        "expected <block end>, but found",
        "this line is indented differently from the lines around it, or a quoted value "
        "has text after its closing quote",
    ),
)


@dataclass
class YamlDocument:
    """Parsed data of one file plus where each piece of it was written."""

    display: str
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Sequence[str | int]) -> int:
        """The line of the deepest part of ``location`` that exists in the file."""
        loc = tuple(location)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


def _friendly_yaml_error(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or str(error)
    for needle, hint in _YAML_HINTS:
        if needle in problem or (error.context and needle in error.context):
            return f"YAML syntax error: {hint} ({problem})"
    return f"YAML syntax error: {problem}; check indentation and quotes on this line"


def _tab_problems(display: str, text: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "\t" in line[: len(line) - len(line.lstrip())]:
            problems.append(
                Problem(
                    display,
                    number,
                    "a tab is used for indentation; YAML needs spaces: replace the tab "
                    "with spaces (two per level)",
                )
            )
    return problems


def _walk(node: yaml.Node, location: Location, doc: YamlDocument, problems: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        doc.display,
                        line,
                        f"the key '{key}' is written twice in the same block (first on line "
                        f"{seen[key]}); keep one of them",
                    )
                )
            seen.setdefault(key, line)
            doc.lines[(*location, key)] = line
            _walk(value_node, (*location, key), doc, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.lines[(*location, index)] = item.start_mark.line + 1
            _walk(item, (*location, index), doc, problems)


def read_yaml(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse ``path``; on any failure return ``None`` and problems that say how to fix it."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, [Problem(display, 1, f"cannot read the file: {error.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(display, line, "the file is not UTF-8 text; save it again as UTF-8")]

    problems = _tab_problems(display, text)
    tab_lines = {p.line for p in problems}
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        if line not in tab_lines:
            problems.append(Problem(display, line, _friendly_yaml_error(error)))
        return None, problems
    except yaml.YAMLError as error:
        problems.append(Problem(display, 1, f"YAML syntax error: {error}"))
        return None, problems
    finally:
        loader.dispose()

    doc = YamlDocument(display=display, data=data, lines={(): 1})
    if node is not None:
        _walk(node, (), doc, problems)
    return doc, problems
