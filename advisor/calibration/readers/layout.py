"""Which column is which in a table of predictions (a CSV header, Parquet column names).

Layouts (names are matched after trimming spaces, in any letter case):

- class predictions: ``label`` first, then ``p0,...,p{K-1}`` (probabilities),
  ``logit0,...,logit{K-1}`` (logits), ``prob`` or ``logit`` (binary, positive class);
- records (interface section 8): ``confidence`` and ``correct``, in either order;
- either may add a ``segment`` column anywhere;
- a first column with no name (or pandas' ``Unnamed: 0``) is the index pandas writes
  with ``to_csv()``: it is skipped.

Tables that are not comma-separated, or that use a decimal comma, are named as such
(:func:`delimiter_problem`, :func:`decimal_comma_hint`) instead of failing on the header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..problem import escaped, fail

_SCORE_PREFIXES = {"p": "probs", "logit": "logits"}
_BINARY = {"prob": "probs", "logit": "logits"}
_INDEX_NAMES = ("", "unnamed: 0")
_DECIMAL_COMMA = re.compile(r"\d,\d")


@dataclass(frozen=True)
class Layout:
    """Column positions of one table layout.

    ``kind`` is ``"probs"``, ``"logits"`` or ``"confidence"`` (records). For class
    predictions ``label`` and ``scores`` (in class order) are set, for records
    ``confidence`` and ``correct``; ``segment`` and ``index`` (the skipped pandas
    index) are optional.
    """

    kind: str
    binary: bool
    n_fields: int
    label: int | None = None
    scores: tuple[int, ...] = ()
    confidence: int | None = None
    correct: int | None = None
    segment: int | None = None
    index: int | None = None

    @property
    def score_names(self) -> list[str]:
        """Column names of the scores, for messages."""
        if self.binary:
            return ["prob" if self.kind == "probs" else "logit"]
        prefix = "p" if self.kind == "probs" else "logit"
        return [f"{prefix}{k}" for k in range(len(self.scores))]


def table_layout(names, source: str, where: str) -> Layout:
    """The :class:`Layout` of column ``names``, or an error naming what is wrong at ``where``."""
    names = [str(name).strip().lower() for name in names]
    index = 0 if len(names) > 1 and names[0] in _INDEX_NAMES else None
    # the first of a repeated name counts; the repeat then fails the layout's pattern below
    positions: dict[str, int] = {}
    for i, name in enumerate(names):
        if i != index:
            positions.setdefault(name, i)
    segment = positions.get("segment")
    rest = [name for i, name in enumerate(names) if i != index and i != segment]
    if "segment" in rest:
        raise fail(source, "the column 'segment' appears twice", where)
    n_fields = len(names)
    if sorted(rest) == ["confidence", "correct"]:
        return Layout("confidence", False, n_fields, confidence=positions["confidence"], correct=positions["correct"],
                      segment=segment, index=index)
    if not rest or rest[0] != "label":
        raise fail(source, "the header must start with 'label' (e.g. label,p0,p1,p2) or name the columns "
                           "confidence,correct (records of an evaluation), each with an optional segment column",
                   where)
    scores = [positions[name] for name in rest[1:]]
    if rest[1:] in (["prob"], ["logit"]):
        return Layout(_BINARY[rest[1]], True, n_fields, label=positions["label"], scores=tuple(scores),
                      segment=segment, index=index)
    for prefix, kind in _SCORE_PREFIXES.items():
        if rest[1:] and rest[1:] == [f"{prefix}{k}" for k in range(len(rest) - 1)]:
            return Layout(kind, False, n_fields, label=positions["label"], scores=tuple(scores),
                          segment=segment, index=index)
    raise fail(source, "after 'label' the columns must be p0,p1,...,p{K-1} or logit0,...,logit{K-1} "
                       f"(or 'prob' / 'logit' for a binary task); got {escaped(','.join(rest[1:])) or 'nothing'}",
               where)


def delimiter_problem(header_fields: list[str], next_line: str | None) -> str | None:
    """What is wrong with a header that csv read as one field holding semicolons or tabs, or None."""
    if len(header_fields) != 1:
        return None
    text = header_fields[0]
    for mark, name in ((";", "semicolons (;)"), ("\t", "tabs")):
        if mark in text:
            message = f"the columns are separated by {name}, not commas; advisor reads comma-separated values"
            if next_line is not None and _DECIMAL_COMMA.search(next_line):
                message += ", and the numbers use a decimal comma (0,5): write them with a decimal point (0.5)"
            return message
    return None


def decimal_comma_hint(text: str) -> str:
    """'; ...' advice when a field or line looks like it holds a decimal comma, else ''."""
    if _DECIMAL_COMMA.search(text):
        return "; the numbers seem to use a decimal comma (0,5): write them with a decimal point (0.5)"
    return ""
