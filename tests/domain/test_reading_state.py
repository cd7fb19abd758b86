"""ReadingState.of_store (the library and ``postil list``) reads the store through its index:
only the records of quote-only highlights are parsed, never the whole database."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import annotations.storage as storage_module
from annotations.jsonfile import SafeJSONStorage
from annotations.model import Annotation, ImportSource
from annotations.recordindex import index_path
from annotations.storage import AnnotationStore
from reader.reading_state import ReadingState

TEXT = "Readers keep their quotes for years, and some of them import a whole history. " * 6


def make(number: int, article: int) -> Annotation:
    """Annotation ``number`` of a library article."""
    start = number % 200
    return Annotation.create(
        article_id=f"article-{article}", path=f"/library/article-{article}.md", text=TEXT,
        start=start, end=start + 30, note=f"note {number} " + "x" * 200)


def imported(number: int, book: int) -> Annotation:
    """A quote-only highlight: imported from a Kindle, its book not in the library."""
    made = Annotation.create(article_id="", path="", text=TEXT, start=number, end=number + 25,
                             note=f"kindle {number}")
    return replace(made, source=ImportSource("kindle", title=f"Book {book}", author="A. Uthor"))


def test_the_reading_state_never_parses_the_whole_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    quote_only = [imported(n, n % 3) for n in range(7)]
    store.put_many([*(make(n, n % 30) for n in range(900)), *quote_only])
    store.compact()
    assert db.stat().st_size > storage_module.DIRECT_WRITE_BYTES and index_path(db).exists()
    expected = ReadingState.of_store(AnnotationStore(db))
    store = AnnotationStore(db)
    assert store._view is not None

    def whole_read(_self: object) -> None:
        raise AssertionError("the whole database was parsed")

    monkeypatch.setattr(SafeJSONStorage, "read", whole_read)
    state = ReadingState.of_store(store)
    monkeypatch.undo()
    assert len(store._view._read) == len(quote_only)  # those records, and no other
    assert [(s.title, len(s.highlights)) for s in state.quote_only] == [
        ("Book 0", 3), ("Book 1", 2), ("Book 2", 2)]
    assert state.quote_only == expected.quote_only
    assert state.by_path == expected.by_path and len(state.by_path) == 31  # 30 and ""
    assert state.by_id == expected.by_id
