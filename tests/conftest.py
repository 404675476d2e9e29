"""Fixtures shared by several test modules."""

from __future__ import annotations

import zipfile

import pytest


@pytest.fixture
def inflated(monkeypatch):
    """Bytes each zip member has handed out, by member name (every read goes through ``read``)."""
    counts: dict[str, int] = {}
    original = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        chunk = original(self, n)
        counts[self.name] = counts.get(self.name, 0) + len(chunk)
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return counts
