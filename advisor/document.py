"""Reading the text documents advisor is handed: profiles, rubrics, answers, templates.

These files come from other people, so reading them is bounded and suspicious:
at most :data:`MAX_BYTES` are read (``/dev/zero`` or a 2 GB file fail at once),
bytes must be UTF-8 and control characters are refused with their line and
column, and YAML is plain data only: no aliases (a few lines of them expand to
gigabytes), no tags but ``!!str``, ``!!seq`` and ``!!map`` (a ``!!python/...``
tag is code, and ``!!int 1.5`` fails deep in the constructor), no nesting deeper
than :data:`MAX_DEPTH` (composing nodes recurses and would overflow the stack),
no implicit dates and no base-60 or octal numbers (``1:30`` and ``010`` are text,
not 90 and 8), keys that are text and appear once (YAML would silently keep
the last one), and no control characters in values either (a YAML escape such as
``"\\e[2J"`` writes one). Every problem raises the caller's own
:class:`~advisor.errors.InputError` subclass as :class:`~advisor.errors.Problem`
records naming the file and the line; a tab, a number too long for Python and a
loop of symbolic links are named in our words. :attr:`Lines.plain` keeps the text of
every unquoted value YAML read as something else, so a message can say to quote it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import InputError, Location, Problem, sorted_problems
from advisor.text import refused_character

MAX_BYTES = 1 << 20  # 1 MiB: the default rubric is 40 KB, a profile about 2 KB
MAX_DEPTH = 32  # nested mappings and lists; the default rubric needs 9
MAX_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)()  # Python's limit on int("...")


INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
# YAML 1.1's numbers without its base 60 (``1:30`` is 90) and its octal (``010`` is 8): such a
# plain scalar is text, so a number field refuses it instead of silently taking another value.
NUMBERS = {
    INT_TAG: re.compile(r"""^(?:[-+]?0b[0-1_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"""),
    FLOAT_TAG: re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                              |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", re.X),
}


def plain_data_resolvers() -> dict:
    """The safe loader's implicit types without timestamps (``name: 2024-06-01`` is text, not a
    date, and ``2024-13-01`` is not an error deep inside the constructor), base-60 or octal numbers."""
    return {
        first: [(tag, NUMBERS.get(tag, regexp)) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


try:  # libyaml when present: rubrics are read often
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class Loader(_SafeLoader):
    """The safe loader reading plain data only (see :func:`plain_data_resolvers`)."""

    yaml_implicit_resolvers = plain_data_resolvers()


class EventLoader(yaml.SafeLoader):
    """Pure-Python loader for the event pre-check (see :func:`check_events`)."""

    yaml_implicit_resolvers = Loader.yaml_implicit_resolvers


# Tags a plain-data file may spell out: ones that cannot fail to construct. ``!!int 1.5``,
# ``!!python/...`` and ``!custom`` are refused.
PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map")}
STR_TAG = "tag:yaml.org,2002:str"
DUPLICATE = "duplicate key"


@dataclass(frozen=True)
class Document:
    text: str
    sha256: str  # of the bytes on disk, so it matches ``sha256sum FILE``


def read_document(path: str | Path, error: type[InputError], limit: int = MAX_BYTES) -> Document:
    """Read a UTF-8 text file of at most ``limit`` bytes, or raise ``error`` naming the file."""
    name = str(path)
    try:
        if os.path.exists(path) and not os.path.isdir(path) and not os.path.isfile(path):
            # a FIFO would block forever and a device may never end
            raise error("is not a regular file", file=name)
        with open(path, "rb") as handle:
            return read_stream(handle, name, error, limit)
    except IsADirectoryError:
        raise error("is a folder, not a file", file=name) from None
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) or exc.errno == errno.ELOOP:
            raise error(os_problem(exc, path), file=name) from None
        raise error(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    except ValueError:  # a NUL in the name
        raise error("cannot read the file: the name holds a NUL character", file=name) from None


def os_problem(exc: OSError, path: str | Path) -> str:
    """Why ``path`` cannot be opened, in our words: a missing file, a link to one, a loop of links."""
    if exc.errno == errno.ELOOP:
        return "is a loop of symbolic links, which never reaches a file"
    if isinstance(exc, FileNotFoundError):
        return "is a symbolic link to a file that does not exist" if os.path.islink(path) else "no such file"
    return f"cannot be read ({exc.strerror or exc})"


def read_stream(handle, name: str, error: type[InputError], limit: int = MAX_BYTES) -> Document:
    """Like :func:`read_document`, from an open binary stream (standard input, say)."""
    raw = handle.read(limit + 1)  # one byte more tells a file over the limit
    if len(raw) > limit:
        raise error(f"the file is larger than {size_text(limit)}; advisor reads documents up to that size",
                    file=name)
    return Document(text=decode(raw, name, error), sha256=hashlib.sha256(raw).hexdigest())


def size_text(count: int) -> str:
    return f"{count / (1 << 20):g} MiB" if count >= 1 << 20 else f"{count / 1024:g} KiB"


def decode(raw: bytes, name: str, error: type[InputError]) -> str:
    """UTF-8 text without a leading BOM; undecodable bytes and control characters named by line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = position(raw, exc.start)
        raise error.of(Problem(name, line, (), f"not UTF-8 text at column {column} (byte 0x{raw[exc.start]:02x}); "
                                                "save the file as UTF-8")) from None
    refuse_controls(text, name, error)
    return text


def refuse_controls(text: str, name: str, error: type[InputError]) -> None:
    found = refused_character(text)
    if found:
        line, column = position(text, found.start())
        raise error.of(Problem(name, line, (), f"control character U+{ord(found.group()):04X} at column {column} "
                                                "is not allowed in the file"))


def position(text: str | bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset``."""
    if isinstance(text, bytes):
        return position(text.decode("latin-1"), offset)  # one character per byte: same offsets
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class Lines(dict):
    """The 1-based line of every field path of a parsed document, such as ``("scores", "latency")``
    (the line of the value); :meth:`key` gives the line of the key itself."""

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[Location, int] = {}
        # Unquoted values YAML read as something other than text (true, 12, null): their source text.
        self.plain: dict[Location, str] = {}

    def near(self, loc: Location) -> int:
        """The line of ``loc``, or of its closest ancestor the document has (1 if none)."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self:
                return self[loc[:end]]
        return 1

    def key(self, loc: Location) -> int:
        """The line of the key naming ``loc`` (where a misspelt key is), else :meth:`near`."""
        return self.key_lines.get(loc) or self.near(loc)


def parse_yaml(text: str, source: str, error: type[InputError]) -> tuple[Any, Lines]:
    """Parse plain-data YAML; return the data and the line of every field path."""
    refuse_controls(text, source, error)
    try:
        check_events(text, source, error)
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            data = construct(loader, node, source, error)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise error.of(Problem(source, yaml_line(exc), (), yaml_message(exc, text))) from None
    lines = Lines()
    problems: list[Problem] = []
    if node is not None:
        map_lines(node, (), lines, problems, source)
    problems += control_problems(data, (), lines, source)
    if problems:
        what = "duplicate keys (a typo must not silently win)" if all(p.message == DUPLICATE for p in problems) \
            else f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise error(what, file=source, problems=sorted_problems(problems))
    return data, lines


def construct(loader, node, source: str, error: type[InputError]) -> Any:
    """The Python data of ``node``; a value Python cannot hold (an integer of 5,000 digits) named by line."""
    if node is None:
        return None
    try:
        return loader.construct_document(node)
    except (ValueError, OverflowError):
        line, unreadable = node.start_mark.line + 1, "a value cannot be read"
        probe = Loader("")  # the failed loader keeps half-built state
        for scalar in scalars(node):
            try:
                probe.construct_object(scalar)
            except (ValueError, OverflowError):
                line = scalar.start_mark.line + 1
                digits = sum(ch.isdigit() for ch in scalar.value)
                if MAX_DIGITS and digits > MAX_DIGITS:  # Python's own message names a sys function
                    unreadable = (f"a number of {digits:,} digits is too long (advisor reads numbers of up to "
                                  f"{MAX_DIGITS:,} digits); write it in quotes if it is text")
                break
        raise error.of(Problem(source, line, (), f"invalid YAML: {unreadable}")) from None


def scalars(node):
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from scalars(key)
            yield from scalars(value)


def check_events(text: str, source: str, error: type[InputError]) -> None:
    """Refuse aliases, foreign tags and deep nesting from the event stream, before any node exists.

    The event parser keeps its own stack rather than recursing, so this pass is safe on
    any input; composing nodes is not (it recurses once per nesting level). The pure-Python
    parser is used on purpose: it yields events lazily, so our depth limit fires before any
    limit of the library's own (libyaml 0.2.6 scans ahead and stops at 1,000 levels with its
    own message), and the message is ours whichever PyYAML is installed.
    """
    depth = 0
    for event in yaml.parse(text, Loader=EventLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            raise error.of(Problem(source, line, (), f"YAML aliases (*{event.anchor}) are not supported in "
                                                      "advisor files; write the value out"))
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in PLAIN_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise error.of(Problem(source, line, (), f"YAML tag {shown} is not allowed; advisor files hold plain "
                                                      "data (text, numbers, true/false, lists and mappings)"))
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise error.of(Problem(source, line, (), f"nested more than {MAX_DEPTH} levels deep"))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def yaml_mark(exc: yaml.YAMLError):
    return getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)


def yaml_line(exc: yaml.YAMLError) -> int | None:
    mark = yaml_mark(exc)
    return mark.line + 1 if mark is not None else None


def yaml_column(exc: yaml.YAMLError) -> str:
    mark = yaml_mark(exc)
    return f" at column {mark.column + 1}" if mark is not None else ""


def yaml_message(exc: yaml.YAMLError, text: str) -> str:
    """What is wrong, naming a tab, which YAML's own message calls a character that cannot start a token."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        lines = text.splitlines()  # YAML's line breaks: the others are refused before parsing
        line = lines[mark.line] if mark.line < len(lines) else ""
        if line[mark.column:mark.column + 1] == "\t":
            if not line[:mark.column].strip():
                return f"a tab character at column {mark.column + 1}: YAML does not allow tabs in indentation; " \
                       "indent with spaces"
            return f"a tab character at column {mark.column + 1}: YAML does not allow a tab here; use spaces"
    return f"invalid YAML{yaml_column(exc)}: {yaml_problem(exc)}"


def yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    return f"{problem} ({context})" if context and getattr(exc, "problem_mark", None) else problem


def control_problems(value: Any, path: Location, lines: Lines, source: str) -> list[Problem]:
    """Control characters written as YAML escapes (``"\\e[2J"``): refused like raw ones, so
    that no text from a file can drive a terminal or hide in a report."""
    if isinstance(value, str):
        found = refused_character(value, in_value=True)
        if found is None:
            return []
        return [Problem(source, lines.get(path, 1), path,
                        f"control character U+{ord(found.group()):04X} is not allowed in text")]
    if isinstance(value, dict):
        keys = [problem for key in value for problem in control_problems(key, path + (key,), lines, source)]
        return keys + [problem for key, item in value.items()
                       for problem in control_problems(item, path + (key,), lines, source)]
    if isinstance(value, list):
        return [problem for index, item in enumerate(value)
                for problem in control_problems(item, path + (index,), lines, source)]
    return []


def map_lines(node, path: Location, lines: Lines, problems: list[Problem], source: str) -> None:
    """Record the 1-based line of every field path; collect duplicate and non-text keys.

    Only for node trees that passed :func:`check_events`: without aliases the graph is a
    tree, and its depth is bounded.
    """
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        keys = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
            line = key_node.start_mark.line + 1
            if key_node.tag != STR_TAG:
                problems.append(Problem(source, line, path + (key,),
                                        "a key must be text; write it in quotes if you mean the text"))
            elif key in keys:
                problems.append(Problem(source, line, path + (key,), DUPLICATE))
            keys.add(key)
            map_lines(value_node, path + (key,), lines, problems, source)
            lines.key_lines[path + (key,)] = line
    elif isinstance(node, yaml.ScalarNode) and not node.style and node.tag != STR_TAG:  # libyaml: "", not None
        lines.plain[path] = node.value  # "NO" or "12" as written, for a hint to quote it
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            map_lines(item, path + (index,), lines, problems, source)
