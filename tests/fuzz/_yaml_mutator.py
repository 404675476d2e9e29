"""A structure-aware libFuzzer mutator for YAML inputs (shared by fuzz_profile and fuzz_rubric).

libFuzzer's byte mutations rarely keep a 30 KB rubric parseable, so most executions
would stop at "invalid YAML". This mutator parses the current input, applies one to
three tree edits (replace a value with a hostile scalar or subtree, delete, rename a
key, insert a key, duplicate or splice a subtree, graft a random rule condition),
and dumps the tree back as YAML. About a third of the time, and whenever the input
does not parse, it falls back to libFuzzer's own byte mutator (``atheris.Mutate``),
so the parser itself is still fuzzed.

The corpus stays plain YAML: every saved input and crash file is the exact file the
loader read, replayable with ``advisor validate`` or the harness.
"""

from __future__ import annotations

import copy
import datetime
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris
import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
MAX_NODES = 4000  # a tree larger than this is byte-mutated instead (keeps mutation cheap)

HOSTILE_SCALARS: list[Any] = [
    None, True, False, 0, 1, -1, 5, 6, 100, 101, 2**31, 2**63, -(2**63) - 1, 10**30,
    0.0, -0.0, 0.5, 1.0, 1.0000001, -1e-9, 1e-320, 1e308, math.inf, -math.inf, math.nan,
    "", " ", "x", "0", "1", "true", "null", "~", "a" * 300, "\u202e\u00e9\u4e2d", "tab\there",
    "line\nbreak", "%", "{", "- item", "*alias", "!!python/object", "../../etc/passwd", "/",
    datetime.date(2024, 1, 1), b"\x00\xff",
]


# Raw YAML spellings a dump never produces (tags, YAML 1.1 forms, invalid dates, merge keys):
# spliced in as text after the dump, in place of one value.
RAW_TOKENS = [
    "2024-13-01", "2024-02-30", "2001-12-14t21:59:43.10-05:00", "1_000", "0x1F", "0o17", "0b101",
    "190:20:30", "1:30.5", "+.inf", "-.INF", ".NaN", "~", "!!int 1.5", "!!int 0x", "!!float abc",
    "!!float 1:x", "!!bool maybe", "!!null x", "!!str 3", "!!int 99:99:99", "!!binary aGk=",
    "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2024-01-01", "!custom x", "{<<: {a: 1}}", "=",
    "[[[[[[[[[[]]]]]]]]]]", "&a 1", "*a", "|\n  text", ">-\n  folded", "'quoted''s'", '"\\u0000"',
    '"\\x1b[31m"', "\u2028",
]


def harvest(node: Any, keys: set, scalars: list) -> None:
    """Every mapping key and scalar of a parsed document (the mutator's vocabulary)."""
    if isinstance(node, dict):
        for key, value in node.items():
            keys.add(key)
            harvest(value, keys, scalars)
    elif isinstance(node, list):
        for item in node:
            harvest(item, keys, scalars)
    else:
        scalars.append(node)


def paths(node: Any, prefix: tuple = (), out: list | None = None) -> list[tuple]:
    out = [] if out is None else out
    out.append(prefix)
    if len(out) > MAX_NODES:
        return out
    if isinstance(node, dict):
        for key, value in node.items():
            paths(value, prefix + (key,), out)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            paths(item, prefix + (index,), out)
    return out


def get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


class YamlMutator:
    """``custom_mutator(data, max_size, seed) -> bytes`` for ``atheris.Setup``.

    seeds: YAML files whose keys, scalars and subtrees seed the vocabulary and splices.
    extra_words: further names worth trying as keys and values.
    subtree: optional ``rng -> object`` generator of domain subtrees (e.g. rule conditions).
    """

    def __init__(self, seeds: list[Path], extra_words: list[str] = (), subtree: Callable | None = None):
        self.docs = []
        keys: set = set()
        scalars: list = []
        for seed in seeds:
            try:
                doc = yaml.load(seed.read_text(encoding="utf-8"), Loader=LOADER)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            self.docs.append(doc)
            harvest(doc, keys, scalars)
        self.keys = sorted({k for k in keys if isinstance(k, str)} | set(extra_words))
        self.scalars = [s for s in scalars if not isinstance(s, str) or len(s) < 200] + list(extra_words)
        self.subtree = subtree

    # -- values -------------------------------------------------------------------------
    def value(self, rng: random.Random, depth: int = 0) -> Any:
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(HOSTILE_SCALARS)
        if roll < 0.6 and self.scalars:
            return rng.choice(self.scalars)
        if roll < 0.7 and self.subtree is not None:
            return self.subtree(rng)
        if roll < 0.8 and self.docs:
            donor = rng.choice(self.docs)
            return copy.deepcopy(get(donor, rng.choice(paths(donor))))
        if depth > 3:
            return rng.choice(HOSTILE_SCALARS)
        if roll < 0.9:
            return [self.value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return {self.key(rng): self.value(rng, depth + 1) for _ in range(rng.randint(0, 3))}

    def key(self, rng: random.Random) -> Any:
        roll = rng.random()
        if roll < 0.8 and self.keys:
            return rng.choice(self.keys)
        return rng.choice([0, 1, -1, True, None, 1.5, "", "x", "Version", "scores ", "__key__"])

    # -- edits --------------------------------------------------------------------------
    def edit(self, doc: Any, rng: random.Random) -> Any:
        all_paths = paths(doc)
        path = rng.choice(all_paths)
        op = rng.randrange(7)
        if not path:  # the root: replace it, or edit its children
            if op == 0:
                return self.value(rng)
            if isinstance(doc, dict):
                doc[self.key(rng)] = self.value(rng)
            return doc
        parent, last = get(doc, path[:-1]), path[-1]
        if op <= 1:  # replace the value
            parent[last] = self.value(rng)
        elif op == 2:  # delete
            del parent[last]
        elif op == 3 and isinstance(parent, dict):  # rename the key (keeps the value)
            value = parent.pop(last)
            parent[self.key(rng)] = value
        elif op == 4:  # duplicate or insert into a list, add a key to a mapping
            target = get(doc, path)
            if isinstance(target, list):
                item = copy.deepcopy(rng.choice(target)) if target and rng.random() < 0.6 else self.value(rng)
                target.insert(rng.randint(0, len(target)), item)
            elif isinstance(target, dict):
                target[self.key(rng)] = self.value(rng)
            else:
                parent[last] = [target, self.value(rng)] if rng.random() < 0.5 else {self.key(rng): target}
        elif op == 5:  # splice another subtree of the same document
            parent[last] = copy.deepcopy(get(doc, rng.choice(all_paths)))
        else:  # a domain subtree (a rule condition), or a hostile scalar
            parent[last] = self.subtree(rng) if self.subtree is not None else rng.choice(HOSTILE_SCALARS)
        return doc

    def __call__(self, data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if rng.random() < 0.33 or b"*" in data:  # bytes mode; aliases could explode a tree walk
            return atheris.Mutate(data, max_size)
        try:
            doc = yaml.load(data.decode("utf-8"), Loader=LOADER)
        except Exception:  # noqa: BLE001  (anything unparseable goes to the byte mutator)
            return atheris.Mutate(data, max_size)
        if not isinstance(doc, (dict, list)) and self.docs:
            doc = copy.deepcopy(rng.choice(self.docs))
        if len(paths(doc)) > MAX_NODES:
            return atheris.Mutate(data, max_size)
        try:
            for _ in range(rng.randint(1, 3)):
                doc = self.edit(doc, rng)
            text = yaml.dump(doc, Dumper=DUMPER, sort_keys=False, allow_unicode=rng.random() < 0.5,
                             default_flow_style=rng.choice([False, None]), width=rng.choice([80, 10**6]))
        except Exception:  # noqa: BLE001  (e.g. an unhashable key: fall back)
            return atheris.Mutate(data, max_size)
        if rng.random() < 0.15:  # splice a raw token in place of one value
            lines = text.split("\n")
            spots = [i for i, line in enumerate(lines) if ": " in line]
            if spots:
                i = rng.choice(spots)
                lines[i] = lines[i][: lines[i].index(": ") + 2] + rng.choice(RAW_TOKENS)
                text = "\n".join(lines)
        out = text.encode("utf-8")
        return out if len(out) <= max_size else atheris.Mutate(data, max_size)
