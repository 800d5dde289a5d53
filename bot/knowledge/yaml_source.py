"""Read one YAML file and remember the line of every key and list item.

Pydantic reports errors by location (``entries -> 3 -> answer``); staff need a line
number. Composing the YAML node tree once gives both the data and that mapping, and
lets us catch what PyYAML accepts silently (a key written twice) or explains badly
(tabs, a colon inside a value).

Parsing is done by libyaml (``CSafeLoader``, about ten times faster) when PyYAML has it,
but PyYAML's pure-Python parser stays the judge: libyaml accepts a few things the pure
parser rejects or reads differently, so a file that uses any of them, and any file
libyaml cannot parse, is parsed again by the pure parser. What is reported, and its
wording and line, is the same either way.
"""

from __future__ import annotations

import re
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


def _written_twice(display: str, key: str, line: int, first: int) -> Problem:
    return Problem(
        display,
        line,
        f"the key '{key}' is written twice in the same block (first on line {first}); keep "
        "one of them",
    )


def _walk(node: yaml.Node, location: Location, doc: YamlDocument, problems: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(_written_twice(doc.display, key, line, seen[key]))
            seen.setdefault(key, line)
            doc.lines[(*location, key)] = line
            _walk(value_node, (*location, key), doc, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.lines[(*location, index)] = item.start_mark.line + 1
            _walk(item, (*location, index), doc, problems)


# Where libyaml and the pure parser disagree (found by parsing thousands of mutated
# knowledge files with both): libyaml allows a tab after a token or inside a plain
# value, a byte-order mark inside the text, '?' in a plain value inside [...] or {...},
# '#' right after a block scalar's '|' or '>', and reads a lone '!' tag differently.
_PURE_ONLY_CHARACTERS = ("\t", "\ufeff")
# Node properties (tags, anchors and so aliases) are left to the pure parser altogether.
_PROPERTY_STARTS = frozenset("!&*")
# A block scalar header as the pure parser accepts it: indicators, then a space or break.
_BLOCK_HEADER = re.compile(r"[|>](?:[-+][1-9]?|[1-9][-+]?)?(?:[ \r\n\x85\u2028\u2029]|\Z)")
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# Keys PyYAML's constructor treats specially ('<<' merges, '=' is retagged as text).
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class _LibyamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader, with PyYAML's tag resolution made cheap for common nodes."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        """The tag PyYAML's ``resolve`` gives, without its regex walk where none can match.

        It runs for every node; most are collections or plain words whose first letter
        starts no implicit type (numbers, yes/no, null...), which are always strings.
        """
        if not self.yaml_path_resolvers:
            if kind is yaml.ScalarNode:
                resolvers = self.yaml_implicit_resolvers
                if not implicit[0] or (
                    value and value[0] not in resolvers and None not in resolvers
                ):
                    return str(self.DEFAULT_SCALAR_TAG)
            elif kind is yaml.SequenceNode:
                return str(self.DEFAULT_SEQUENCE_TAG)
            elif kind is yaml.MappingNode:
                return str(self.DEFAULT_MAPPING_TAG)
        return str(super().resolve(kind, value, implicit))


_FAST_LOADER: type[_LibyamlLoader] | None = (
    _LibyamlLoader if getattr(yaml, "__with_libyaml__", False) else None
)


class _PureParserNeeded(Exception):
    """libyaml's tree uses something it may read differently from the pure parser."""


class _TreeReader:
    """Data, lines and repeated keys from libyaml's tree in one pass.

    Does what ``construct_document`` and :func:`_walk` do for the pure parser's tree, for
    plain text, lists and blocks; any other value is built by PyYAML's own constructor.
    On the way it checks each node against the text and raises :class:`_PureParserNeeded`
    where the pure parser might disagree (a position that does not point where it
    should counts too, so any doubt goes to the pure parser).
    """

    def __init__(self, loader: _LibyamlLoader, text: str, doc: YamlDocument) -> None:
        self.loader, self.text, self.doc = loader, text, doc
        self.problems: list[Problem] = []

    def value(self, node: yaml.Node, location: Location) -> Any:
        text, start = self.text, node.start_mark.index
        if text[start : start + 1] in _PROPERTY_STARTS:
            raise _PureParserNeeded
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">") and not _BLOCK_HEADER.match(text, start):
                raise _PureParserNeeded
            return node.value if node.tag == _STR else self.loader.construct_object(node, True)
        if isinstance(node, yaml.CollectionNode) and node.flow_style:
            end = node.end_mark.index
            if "?" in text[start:end] or text[end - 1 : end] not in ("]", "}"):
                raise _PureParserNeeded
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return self.sequence(node, location)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            return self.mapping(node, location)
        raise _PureParserNeeded

    def sequence(self, node: yaml.SequenceNode, location: Location) -> list[Any]:
        lines, items = self.doc.lines, []
        for index, item in enumerate(node.value):
            lines[(*location, index)] = item.start_mark.line + 1
            items.append(self.value(item, (*location, index)))
        return items

    def mapping(self, node: yaml.MappingNode, location: Location) -> dict[Any, Any]:
        lines, data = self.doc.lines, {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag in _SPECIAL_KEYS:
                raise _PureParserNeeded
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                self.problems.append(_written_twice(self.doc.display, key, line, seen[key]))
            seen.setdefault(key, line)
            lines[(*location, key)] = line
            data[self.value(key_node, ())] = self.value(value_node, (*location, key))
        return data


def _read_with_libyaml(text: str, display: str) -> tuple[YamlDocument, list[Problem]] | None:
    """The document and its repeated keys by libyaml; ``None``: the pure parser decides."""
    if _FAST_LOADER is None or any(c in text for c in _PURE_ONLY_CHARACTERS):
        return None
    loader = _FAST_LOADER(text)
    try:
        node = loader.get_single_node()
        doc = YamlDocument(display=display, data=None, lines={(): 1})
        if node is None:
            return doc, []
        reader = _TreeReader(loader, text, doc)
        doc.data = reader.value(node, ())
        return doc, reader.problems
    except Exception:  # any failure or doubt: the pure parser reports it in its own words
        return None
    finally:
        loader.dispose()


def _unreadable_value_line(root: yaml.Node) -> int:
    """The line of the first scalar that cannot be constructed (an impossible date)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(node, deep=True)
            except ValueError:
                return node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
    return 1


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
    fast = _read_with_libyaml(text, display)
    if fast is not None:
        return fast[0], problems + fast[1]

    tab_lines = {p.line for p in problems}
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        character = f"#x{error.character:04x}" if isinstance(error.character, int) else "?"
        message = (
            f"the file holds an invisible control character ({character}) on this line, "
            "often pasted from another program: delete it, or retype the line"
        )
        return None, [*problems, Problem(display, line, message)]
    node = None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except ValueError as error:  # a value YAML reads as a date or number, but impossible
        line = _unreadable_value_line(node) if node is not None else 1
        message = (
            f"a value here cannot be read ({error}); if it is meant as text, "
            'put it in double quotes, e.g. "2020-13-45"'
        )
        problems.append(Problem(display, line, message))
        return None, problems
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
