"""Saving a reading position costs the change, not the database (it re-read the whole file)."""

from __future__ import annotations

from pathlib import Path

import pytest

import annotations.storage as storage_module
from annotations.jsonfile import SafeJSONStorage
from annotations.model import Annotation
from annotations.recordindex import index_path
from annotations.storage import AnnotationStore

TEXT = "A position is saved every time the reader stops scrolling, all day long. " * 6


def test_saving_a_position_never_parses_the_whole_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    store.put_many([Annotation.create(article_id=f"a{n % 20}", path=f"/lib/a{n % 20}.md",
                                      text=TEXT, start=n % 100, end=n % 100 + 20,
                                      note="x" * 300) for n in range(900)])
    store.set_position("a1", "/lib/a1.md", 100, 0.2)
    store.compact()
    assert db.stat().st_size > storage_module.DIRECT_WRITE_BYTES and index_path(db).exists()
    store = AnnotationStore(db)

    def whole_read(_self: object) -> None:
        raise AssertionError("the whole database was parsed")

    monkeypatch.setattr(SafeJSONStorage, "read", whole_read)
    store.set_position("a1", "/lib/a1.md", 500, 0.6)
    store.set_position("a2", "/lib/a2.md", 50, 0.1)
    monkeypatch.undo()
    again = AnnotationStore(db)
    first = again.get_position("a1", "/lib/a1.md")
    assert first is not None and (first.offset, first.progress) == (500, 0.6)
    second = again.get_position("a2", "/lib/a2.md")
    assert second is not None and second.offset == 50
