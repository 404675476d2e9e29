"""Text from other people's files, made harmless wherever advisor shows it: one policy.

Profiles, rubrics, answers, progress files, templates and predictions files come from
other people, and their text reaches four kinds of output:

- **Input** (:data:`REFUSED`, :data:`REFUSED_IN_TEXT`): the document reader refuses C0
  controls (bar tab, line feed and carriage return), DEL, the C1 controls and the Unicode
  line and paragraph separators, naming line and column; in a value, where a YAML escape
  put it, a carriage return is refused too (it sends the cursor back over the line).
- **Terminal** (:func:`for_terminal`): every character that is not printable is shown as
  its escape (``\\x1b``, ``\\u202e``), so no text can drive the terminal (ESC, CSI, BEL)
  or reorder what it displays.
- **Markdown and SVG** (:func:`for_document`): the same characters, and those XML 1.0
  forbids, become a space: an escape written into a report would read as part of a name.
- **JSON** (:func:`dump_json`): ``json.dumps`` escapes the C0 controls only; DEL, the C1
  controls, the line separators and the bidirectional controls are written as ``\\uXXXX``
  too. The parsed string is unchanged: JSON output stays faithful data.

Bidirectional controls (the embeddings and overrides U+202A..U+202E and the isolates
U+2066..U+2069) are accepted on input, because right-to-left names may use isolates, and
are never shown raw: escaped on the terminal, blanked in reports, escaped in JSON. An
override such as U+202E can make ``txt.exe`` display as ``exe.txt``.

``advisor/calibration`` imports nothing from the rest of advisor (it is usable on its own),
so it keeps its own rule: its messages quote a file's text through ``repr``, which escapes
exactly the characters that are not printable, as :func:`for_terminal` does, and the CLI
passes everything it prints through :func:`for_terminal` again.

Standard library only: the CLI imports this module at start-up.
"""

from __future__ import annotations

import json
import re
from typing import Any

BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Refused in files: C0 controls except tab, line feed and carriage return; DEL; C1 controls
# (ESC and CSI start ANSI sequences); the Unicode line and paragraph separators, which YAML
# counts as line breaks where an editor does not (every later line number would be off).
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# In a value a carriage return is refused too; tabs and line feeds stay allowed.
REFUSED_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Blanked in reports: controls (bar tab, LF, CR), what XML 1.0 forbids (surrogates, U+FFFE,
# U+FFFF) and the bidirectional controls.
BLANKED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff{BIDI_CONTROLS}]")
# What json.dumps(ensure_ascii=False) leaves raw and a terminal or an editor would act on.
UNESCAPED_BY_JSON = re.compile(f"[\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")
HIDDEN = re.compile(f"[{BIDI_CONTROLS}]")


def for_terminal(text: Any) -> str:
    """``text`` with every unprintable character (controls, bidirectional controls) shown as
    an escape such as ``\\x1b``; tab and line feed kept."""
    return "".join(ch if ch in "\n\t" or ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def for_document(text: str) -> str:
    """``text`` for a Markdown or SVG file: controls, XML-forbidden and bidirectional control
    characters made a space (tab, line feed and carriage return kept)."""
    return BLANKED.sub(" ", text)


def dump_json(data: Any) -> str:
    """``data`` as indented JSON, with no character a terminal or an editor would act on."""
    text = json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    return UNESCAPED_BY_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def refused_character(text: str, in_value: bool = False) -> re.Match | None:
    """The first character advisor refuses in a file (``in_value``: in a text value), if any."""
    return (REFUSED_IN_TEXT if in_value else REFUSED).search(text)


def has_hidden(text: str) -> bool:
    """Whether ``text`` holds a character that changes how the text around it is displayed."""
    return HIDDEN.search(text) is not None
