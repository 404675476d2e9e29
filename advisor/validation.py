"""Pydantic's validation errors as advisor :class:`~advisor.errors.Problem` records.

One translator for every model advisor validates (profiles, rubrics, the
questionnaire's progress file): each error becomes a problem at the field's path
in the data, on the line of that field (of its key, for an unknown or missing key),
in our words: "must be EXPECTED (got VALUE)" where the field declares what it
accepts (``json_schema_extra={"expect": ...}`` or ``{"const": ...}``), an unknown
key with the closest valid one, and the message of advisor's own validators as
they wrote it. Pydantic's own wording is used only for an error kind not listed in
:data:`WORDS`, so messages do not change with the pydantic version.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Sequence
from typing import Any, Literal

from advisor.document import Lines
from advisor.errors import Location, Problem

# What a value of each kind is, in the words a message uses.
KINDS = {list: "a list", str: "text", int: "a number", float: "a number", bool: "true or false"}
# Error kinds described in our words, from the error's context.
WORDS: dict[str, Callable[[dict], str]] = {
    "string_type": lambda ctx: "must be text",
    "int_type": lambda ctx: "must be a whole number",
    "int_from_float": lambda ctx: "must be a whole number",
    "float_type": lambda ctx: "must be a number",
    "bool_type": lambda ctx: "must be true or false",
    "list_type": lambda ctx: "must be a list",
    "dict_type": lambda ctx: "must be a mapping of keys to values",
    "model_type": lambda ctx: "must be a mapping of keys to values",
    "model_attributes_type": lambda ctx: "must be a mapping of keys to values",
    "finite_number": lambda ctx: "must be a finite number",
    "greater_than_equal": lambda ctx: f"must be {number(ctx['ge'])} or more",
    "less_than_equal": lambda ctx: f"must be {number(ctx['le'])} or less",
    "greater_than": lambda ctx: f"must be more than {number(ctx['gt'])}",
    "less_than": lambda ctx: f"must be less than {number(ctx['lt'])}",
    "string_too_short": lambda ctx: "must not be empty" if ctx["min_length"] == 1
    else f"must be at least {ctx['min_length']} characters long",
    "string_too_long": lambda ctx: f"must be at most {ctx['max_length']} characters long",
    "too_short": lambda ctx: f"must have at least {ctx['min_length']} items",
    "too_long": lambda ctx: f"must have at most {ctx['max_length']} items",
    "string_pattern_mismatch": lambda ctx: f"must match the pattern {ctx['pattern']}",
}
# Kinds whose message is the problem itself: the input's type does not matter.
NO_INPUT_SHOWN = ("too_short", "too_long")


def problems_of(errors: Sequence[Any], model: type, data: Any, source: str | None, lines: Lines | None = None,
                label: Callable[[Location], str | None] | None = None) -> list[Problem]:
    """Every error of ``model.model_validate(data)`` (``ValidationError.errors()``) as a problem.

    ``source`` None: the data has no file (a typed answer), so problems carry no file or line.
    ``label`` names a location when its dotted path is not the clearest name for it.
    """
    lines = lines if lines is not None else Lines()
    found = []
    for err in errors:
        loc = data_loc(err["loc"], data)
        kind = err["type"]
        if kind in ("extra_forbidden", "missing"):
            line = lines.key(loc) if kind == "extra_forbidden" else lines.key(loc[:-1])
            message = "unknown key" + suggestion(model, loc) if kind == "extra_forbidden" else required(model, loc)
        else:
            line = lines.near(loc)
            message = describe(err, kind, model, loc) + quote_hint(kind, err.get("input"), lines.plain.get(loc))
        found.append(Problem(source, line if source else None, loc, message, label(loc) if label else None))
    return found


def describe(err: dict, kind: str, model: type, loc: Location) -> str:
    if kind == "value_error":  # raised by advisor's own validators, in advisor's words
        return err["msg"].removeprefix("Value error, ")
    expect = expectation(model, loc)
    if expect is not None:
        return f"must be {expect} (got {show(err.get('input'))})"
    words = WORDS.get(kind)
    message = words(err.get("ctx") or {}) if words else err["msg"]
    if "input" in err and kind not in NO_INPUT_SHOWN:
        message += f" (got {show(err['input'])})"
    return message


def quote_hint(kind: str, value: Any, written: str | None) -> str:
    """For text that YAML read as something else (``NO`` is false, ``12`` a number): how to keep it text."""
    if kind != "string_type" or written is None or not isinstance(value, (bool, int, float)):
        return ""
    if written == show(value):
        return f"; write \"{written}\" in quotes to make it text"
    return f"; YAML reads an unquoted {written} as {show(value)}: write \"{written}\" in quotes to keep it as text"


def required(model: type, loc: Location) -> str:
    const = declared(model, loc, "const")
    return "is required" if const is None else f"is required (must be {const})"


def not_a_mapping(data: Any, source: str | None, lines: Lines | None, what: str) -> Problem:
    """The problem of a document that is not a mapping: ``what`` says what it must be instead."""
    got = "an empty file" if data is None else KINDS.get(type(data), f"a {type(data).__name__}")
    return Problem(source, (lines or Lines()).near(()) if source else None, (), f"{what} (got {got})")


def number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def show(value: Any) -> str:
    """A value as a message quotes it: text in quotes, YAML's spelling of true, false and null."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    return str(value)


# --- the data's path and the model's fields ------------------------------------------------------------


def is_union_tag(part) -> bool:
    # pydantic inserts the chosen type of Optional/Literal unions into error locations.
    return isinstance(part, str) and (part in ("int", "float", "bool", "str", "none")
                                      or part.startswith(("literal[", "function-", "constrained-")))


def data_loc(loc: tuple, data: Any) -> Location:
    """A pydantic error location as a path in the data: union tags dropped, a user's key named ``int`` kept."""
    path, current = [], data
    for part in loc:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        elif is_union_tag(part):
            continue
        else:
            current = None
        path.append(part)
    return tuple(path)


def field_at(model: type, loc: Location) -> tuple[Any, Any] | None:
    """The field information and the type at ``loc`` in ``model`` (list items and mapping values
    followed), or None where the model has no such path."""
    info, current = None, model
    for part in loc:
        model_member = next((arg for arg in members(current) if hasattr(arg, "model_fields")), None)
        fields = getattr(model_member, "model_fields", None) if isinstance(part, str) else None
        if fields is not None:
            if part not in fields:
                return None
            info, current = fields[part], fields[part].annotation
            continue
        container = next((arg for arg in members(current) if typing.get_origin(arg) in (list, dict)), None)
        if container is None or (typing.get_origin(container) is list) != isinstance(part, int):
            return None
        current = typing.get_args(container)[-1]
    return info, current


def members(annotation: Any) -> list:
    """``annotation`` with ``Optional``, unions and ``Annotated`` opened up."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return members(typing.get_args(annotation)[0])
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        return [member for arg in typing.get_args(annotation) for member in members(arg)]
    return [annotation]


def declared(model: type, loc: Location, key: str) -> Any:
    """The ``json_schema_extra[key]`` declared on the field at ``loc`` or on its type."""
    found = field_at(model, loc)
    if found is None or found[0] is None:
        return None
    info, annotation = found  # a list item inherits what its list declares
    extras = [getattr(meta, "json_schema_extra", None) for meta in info.metadata]
    extras += [info.json_schema_extra] + metadata_extras(annotation)
    return next((extra[key] for extra in extras if isinstance(extra, dict) and key in extra), None)


def metadata_extras(annotation: Any) -> list:
    found = []
    for meta in getattr(annotation, "__metadata__", ()) or ():
        found.append(getattr(meta, "json_schema_extra", None))
    for arg in typing.get_args(annotation):
        if typing.get_origin(annotation) not in (list, dict):
            found += metadata_extras(arg)
    return found


def expectation(model: type, loc: Location) -> str | None:
    """What the field at ``loc`` accepts, as declared: ``expect``, ``const``, or a list item's choices."""
    found = field_at(model, loc)
    if found is not None and loc and isinstance(loc[-1], int):
        choices = [arg for arg in members(found[1]) if typing.get_origin(arg) is Literal]
        if choices:
            return "one of " + ", ".join(str(value) for arg in choices for value in typing.get_args(arg))
    const = declared(model, loc, "const")
    return str(const) if const is not None else declared(model, loc, "expect")


def suggestion(model: type, loc: Location) -> str:
    """' (did you mean `x`?)' for an unknown key close to a valid one, else the valid keys."""
    found = field_at(model, loc[:-1]) if loc[:-1] else (None, model)
    parent = next((arg for arg in members(found[1]) if hasattr(arg, "model_fields")), None) if found else None
    if parent is None:
        return ""
    valid = list(parent.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
    if close:
        return f" (did you mean `{close[0]}`?)"
    return f"; valid keys here: {', '.join(valid)}"
