"""Translate pydantic validation errors into sentences a clinic employee can act on."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails
from rapidfuzz import process

_TYPE_NAMES = {
    bool: "yes/no",
    int: "a number",
    float: "a number",
    str: "text",
    list: "a list",
    dict: "a block of 'key: value' lines",
    type(None): "empty",
}


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            models = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
            others = [a for a in get_args(tp) if a is not type(None)]
            if models:
                tp = models[0]
            elif len(others) == 1:
                tp = others[0]
            else:
                return tp
        else:
            return tp


def model_at(root: type[BaseModel], location: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model whose keys are valid at ``location`` (to suggest the nearest one)."""
    current: Any = root
    for part in location:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) is list:
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _known_keys(root: type[BaseModel], parent: tuple[str | int, ...]) -> list[str]:
    model = model_at(root, parent)
    return list(model.model_fields) if model else []


def _what(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _field_name(location: tuple[str | int, ...]) -> str:
    for part in reversed(location):
        if isinstance(part, str):
            return part
    return "this item"


def describe(error: ErrorDetails, root: type[BaseModel]) -> tuple[tuple[str | int, ...], str]:
    """``(location, message)`` for one pydantic error; the location finds the line."""
    is_key = "[key]" in error["loc"]
    location = tuple(p for p in error["loc"] if p != "[key]")
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    name = "name" if is_key else _field_name(location)

    if kind == "extra_forbidden":
        known = _known_keys(root, location[:-1])
        match = process.extractOne(str(location[-1]), known, score_cutoff=60) if known else None
        hint = f"did you mean '{match[0]}'?" if match else "remove it or fix its spelling;"
        return location, (
            f"unknown key '{location[-1]}': {hint} allowed keys here are {', '.join(known)}"
        )
    if kind == "missing":
        return location[:-1], f"missing required key '{name}': add '{name}:' to this block"
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return location, (
            f"'{name}' is {len(str(value))} characters long; the limit is {limit}: shorten it"
        )
    if kind in ("string_too_short", "too_short"):
        if isinstance(value, list):
            return location, (
                f"'{name}' needs at least {ctx.get('min_length')} item(s); it has {len(value)}"
            )
        return location, f"'{name}' is empty: write a value after the colon"
    if kind == "string_pattern_mismatch":
        suggestion = "-".join(
            p for p in "".join(c if c.isalnum() else " " for c in str(value).lower()).split()
        )
        return location, (
            f"'{value}' is not a valid {name}: use lowercase letters, digits and single "
            f"hyphens, at most 40 characters, e.g. '{suggestion[:40]}'"
        )
    if kind == "string_type" and isinstance(value, bool):
        return location, (
            f"'{name}' must be text, but YAML reads a bare yes, no, on, off, true or false "
            "as a yes/no value: put it in double quotes"
        )
    if kind == "string_type":
        return location, (
            f"'{name}' must be text, but it is {_what(value)}; put the value in double quotes"
        )
    if kind == "list_type":
        return location, (
            f"'{name}' must be a list: one item per line, each starting with '- ', "
            f"but it is {_what(value)}"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if not location:
            return location, "the file must be a block of 'key: value' lines at the top level"
        return location, (
            f"'{name}' must be a block of 'key: value' lines, but it is {_what(value)}"
        )
    if kind in ("int_type", "float_type", "int_parsing", "float_parsing"):
        return location, f"'{name}' must be a number, but it is {_what(value)}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return location, f"'{name}' is out of range: {error['msg'].lower()}"
    if kind == "literal_error":
        return location, f"'{name}' must be one of {ctx.get('expected')}, not '{value}'"
    return location, f"'{name}': {error['msg']}"
