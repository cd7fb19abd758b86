"""Quote-only sources in the reader: the library lists them with a mark and says what they
are; the review card names where they came from."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from annotations.storage import AnnotationStore
from reader.ui.app import PostilApp
from reader.ui.screens.library import LibraryScreen
from reader.ui.widgets.article_table import ArticleTable
from tests.cli.test_cli_import_sources import library  # noqa: F401  (a fixture)
from tests.cli.test_cli_quote_only import _quote_only, imported  # noqa: F401  (a fixture)
from tests.support.pilot import make_app, open_search, opened_library, wait_for


@asynccontextmanager
async def quote_only_library(app: PostilApp
                             ) -> AsyncIterator[tuple[Pilot[object], LibraryScreen, ArticleTable]]:
    """Run ``app`` (on the ``imported`` library: one article, one quote-only book) until its
    table lists both rows and counts the quote-only one."""
    async with opened_library(app, 2, size=(110, 30)) as (pilot, screen):
        table = screen.query_one(ArticleTable)
        await wait_for(pilot, lambda: table.quote_only_count == 1)
        yield pilot, screen, table


async def test_the_library_lists_quote_only_sources_and_says_what_they_are(
    imported: Path, isolated_paths: Path,  # noqa: F811
) -> None:
    app = make_app(isolated_paths, imported)
    async with quote_only_library(app) as (pilot, screen, table):
        rows = [table.get_row_at(index) for index in range(table.row_count)]
        cells = {str(row[0]): [str(cell) for cell in row] for row in rows}
        assert cells["Meditations"][1:3] == ["Marcus Aurelius", "❝ quote-only"]
        assert cells["Meditations"][4] == "1"
        message = str(screen.query_one("#library-message", Static).render())
        assert "1 article  ·  1 quote-only" in message
        # The filter finds it by title; Enter says what it is (nothing to open).
        await pilot.press("m", "e", "d", "i")
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app._notifications))
        [notice] = list(app._notifications)
        assert "Meditations" in notice.message and "not in the library" in notice.message
        assert isinstance(app.screen, LibraryScreen)


async def test_the_list_opens_at_the_top_with_quote_only_rows_first(
    imported: Path, isolated_paths: Path,  # noqa: F811
) -> None:
    """"Meditations" sorts before "The Quiet Garden": the cursor starts on it."""
    app = make_app(isolated_paths, imported)
    async with quote_only_library(app) as (pilot, screen, table):
        assert table.cursor_row == 0
        row = table.row_for(table.selected_path or "")
        assert row is not None and row.quote_only is not None


async def test_the_library_search_finds_quote_only_highlights(
    imported: Path, isolated_paths: Path,  # noqa: F811
) -> None:
    app = make_app(isolated_paths, imported)
    async with opened_library(app, 2, size=(110, 30)) as (pilot, _):
        search = await open_search(pilot, "power over your mind")
        await wait_for(pilot, lambda: bool(search.hits) and search.hits[0].quote_only)
        assert search.hits[0].title == "Meditations — Marcus Aurelius"
        await pilot.press("enter")  # nothing to open: it says what the highlight is
        await wait_for(pilot, lambda: bool(app._notifications))
        assert "quote-only" in next(iter(app._notifications)).message
        assert app.screen is search


def test_the_review_card_of_a_quote_only_highlight_says_where_it_came_from() -> None:
    from annotations.review import BatchItem
    from reader.review_context import stored_context
    from reader.ui.screens.review import card_text

    annotation = _quote_only(1, "Meditations")
    context = stored_context(annotation)
    assert (context.title, context.author, context.orphaned) == ("Meditations", "A", False)
    text = card_text(BatchItem(annotation, None, date(2026, 1, 1)), context).plain
    assert "Imported from Kindle; the book is not in the library (quote-only)." in text
    assert "no longer in the article" not in text


async def test_a_book_found_by_the_library_scan_attaches_and_leaves_the_quote_only_rows(
    imported: Path, isolated_paths: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    # The attachment is written by the background writer: hold it until the list is shown,
    # so the list cannot rely on the write having landed.
    gate = threading.Event()
    real = AnnotationStore.apply_changes

    def held(store: AnnotationStore, changes: Any, timeout: float | None = None) -> None:
        gate.wait(10)
        real(store, changes, timeout)

    monkeypatch.setattr(AnnotationStore, "apply_changes", held)
    (imported / "meditations.md").write_text(
        "---\ntitle: Meditations\nauthor: Marcus Aurelius\n---\n\n"
        "You have power over your mind, not outside events. Realize this.\n",
        encoding="utf-8",
    )
    app = make_app(isolated_paths, imported)
    async with opened_library(app, 2, size=(110, 30)) as (pilot, screen):
        await wait_for(pilot, lambda: bool(app._notifications))
        assert "1 quote-only highlight of “Meditations” attached" in next(
            iter(app._notifications)
        ).message
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one(ArticleTable)
        try:
            assert table.quote_only_count == 0
            assert table.row_count == 2
        finally:
            gate.set()
