"""Small helpers for the report's sentences (plain text: escaping is the templates' job)."""

from __future__ import annotations


def lower_first(text: str) -> str:
    """'Fine-tune a model' -> 'fine-tune a model' inside a sentence (an acronym such as 'ECE' stays)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def sentence(text: str) -> str:
    """``text`` on one line, starting with a capital and ending with a full stop."""
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
