"""Pilot tests: how the library opens, sorts, counts and prepares search (issue 13: 8, 20, 26,
27)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Static

from reader.library import LibrarySource, MetadataCache, scan
from reader.ui.screens.library import LibraryScreen
from reader.ui.session import ReaderSession
from tests.support.pilot import make_app, wait_for, wait_library


def many_articles(folder: Path, count: int = 60) -> Path:
    """Articles whose file order is the reverse of their title order."""
    folder.mkdir()
    for number in range(count):
        title = f"Title {count - number:03}"
        (folder / f"file-{number:03}.txt").write_text(f"{title}\n\nBy Someone\n\nBody {number}.")
    return folder


def message(screen: LibraryScreen) -> str:
    return str(screen.query_one("#library-message", Static).render())


@pytest.fixture
def held_store(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold the opening of the annotation database (a big database on a slow disk)."""
    release = threading.Event()
    original = ReaderSession.store

    def slow_store(self: ReaderSession):  # type: ignore[no-untyped-def]
        release.wait(20)
        return original(self)

    monkeypatch.setattr(ReaderSession, "store", slow_store)
    return release


async def test_library_opens_at_the_top_and_a_sort_goes_to_the_first_row(
    isolated_paths: Path, tmp_path: Path
) -> None:
    folder = many_articles(tmp_path / "lib")
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_library(pilot, 60)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await wait_for(pilot, lambda: not screen._scanning)
        await pilot.pause()
        table = screen.table
        assert table.cursor_row == 0 and table.scroll_y == 0
        assert table.article_rows and table.selected_path is not None
        assert table.row_for(table.selected_path).meta.title == "Title 001"  # type: ignore[union-attr]
        assert "sorted by title, A→Z" in message(screen)
        await pilot.press("pagedown", "pagedown")
        assert table.cursor_row > 10
        await pilot.press("s")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_y == 0
        assert "sorted by author, A→Z" in message(screen)


async def test_header_click_twice_reverses_and_the_direction_shows(
    isolated_paths: Path, tmp_path: Path
) -> None:
    folder = many_articles(tmp_path / "lib", 5)
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_library(pilot, 5)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await wait_for(pilot, lambda: not screen._scanning)
        screen.table.sort_by_column("title")
        screen._to_top()
        screen._set_message()
        assert "sorted by title, Z→A" in message(screen)
        assert screen.table.row_for(screen.table.selected_path or "").meta.title == "Title 005"  # type: ignore[union-attr]


async def test_filtering_shows_how_many_match(isolated_paths: Path, tmp_path: Path) -> None:
    folder = many_articles(tmp_path / "lib", 12)
    (folder / "war.txt").write_text("War and Peace\n\nLeo Tolstoy\n\nWell, Prince.")
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_library(pilot, 13)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await pilot.press(*"tolstoy")
        await wait_for(pilot, lambda: not screen.filter_pending and screen.table.row_count == 1)
        assert "1 of 13 articles match" in message(screen)


async def test_warm_start_fills_the_table_from_the_cache_before_the_database_opens(
    isolated_paths: Path, tmp_path: Path, held_store: threading.Event
) -> None:
    folder = many_articles(tmp_path / "lib", 120)
    scan(LibrarySource([folder]), MetadataCache())  # a warm metadata cache
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen)
                       and app.screen.table.row_count > 0)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert screen.table.row_count == 120  # in one go, not 50 at a time
        assert screen.table.cursor_row == 0
        assert "120 articles" in message(screen)
        held_store.set()
        await wait_for(pilot, lambda: not screen._scanning)


async def test_cold_start_says_it_is_loading_not_zero_articles(
    isolated_paths: Path, tmp_path: Path, held_store: threading.Event
) -> None:
    folder = many_articles(tmp_path / "lib", 3)
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await pilot.pause()
        assert "0 articles" not in message(screen)
        assert "Loading the library" in message(screen)
        held_store.set()
        await wait_library(pilot, 3)


async def test_search_index_is_built_in_the_background_once_the_library_is_listed(
    isolated_paths: Path, tmp_path: Path
) -> None:
    folder = many_articles(tmp_path / "lib", 4)
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_library(pilot, 4)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await wait_for(pilot, lambda: not screen._scanning)
        await app.workers.wait_for_complete()
        index = app.search_index
        assert index is not None
        assert app.index_progress == (4, 4)
        assert index.search("Body 3", limit=3)
