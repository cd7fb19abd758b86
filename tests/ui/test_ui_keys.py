"""Pilot tests: keys pressed early, fast or in boxes land where the reader meant them.

(issue 13, items 1-6: keys during loading, library search hits, fast typing, Esc order,
↓ from a box, Home/End/g/G in every list.)
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, OptionList

from reader import loading
from reader.article import Article
from reader.ui.screens import reading as reading_module
from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from tests.support.paths import SEED
from tests.support.pilot import (
    BOOK_END,
    make_app,
    open_panel,
    open_search,
    opened_article,
    opened_library,
    press_fast,
    wait_for,
    wait_reading,
    write_book,
)


@pytest.fixture
def held_parse(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold the full parse of an article until the returned event is set (a slow big book)."""
    release = threading.Event()

    def slow_load(path: Path | str) -> Article:
        release.wait(20)
        return loading.load_article(path)

    monkeypatch.setattr(reading_module, "load_article", slow_load)
    return release


def visible(screen: ReadingScreen, offset: int) -> bool:
    """True if canonical ``offset`` is on screen."""
    view = screen.view
    assert view.layout_rows is not None
    row = view.layout_rows.row_of_offset(offset)
    return view.scroll_y <= row < view.scroll_y + view.size.height


async def preview_shown(pilot: Pilot[object]) -> ReadingScreen:
    """Wait until the reading screen shows the preview of a book whose full parse is held."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen)
                   and bool(pilot.app.screen.view.document.text))
    screen = pilot.app.screen
    assert isinstance(screen, ReadingScreen) and screen.article is None
    return screen


async def test_G_pressed_while_a_book_loads_goes_to_the_end_of_the_book(
    isolated_paths: Path, tmp_path: Path, held_parse: threading.Event
) -> None:
    book = write_book(tmp_path / "book.txt")
    app = make_app(isolated_paths, book)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await preview_shown(pilot)
        await pilot.press("G")
        held_parse.set()
        await wait_reading(pilot)
        view = screen.view
        await wait_for(pilot, lambda: view.max_scroll_y > 1000
                       and view.scroll_y == view.max_scroll_y)
        assert visible(screen, screen.view.document.text.index(BOOK_END))


async def test_end_pressed_before_anything_is_shown_still_goes_to_the_end(
    isolated_paths: Path, tmp_path: Path, held_parse: threading.Event
) -> None:
    article = tmp_path / "short.md"  # no preview for Markdown: nothing shown until parsed
    article.write_text("# Short\n\n" + "\n\n".join(f"Line {n} of text." for n in range(200))
                       + "\n\nThe very last line.\n", encoding="utf-8")
    app = make_app(isolated_paths, article)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
        await pilot.press("end")
        held_parse.set()
        screen = await wait_reading(pilot)
        view = screen.view
        await wait_for(pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y)


async def test_slash_pressed_while_a_book_loads_searches_the_whole_book(
    isolated_paths: Path, tmp_path: Path, held_parse: threading.Event
) -> None:
    book = write_book(tmp_path / "book.txt")
    app = make_app(isolated_paths, book)
    async with app.run_test(size=(100, 30)) as pilot:
        reading = await preview_shown(pilot)
        search = await open_search(pilot, "quokkas juggle marmalade")
        status = search.query_one("#search-status", Label)
        await wait_for(pilot, lambda: "loading the article" in str(status.render()))
        held_parse.set()
        await wait_for(pilot, lambda: bool(search.hits))
        assert not search.library_scope
        assert "quokkas juggle marmalade" in search.hits[0].text
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is reading)
        await wait_for(pilot, lambda: reading.view.selection is not None)
        assert reading.view.selection is not None
        assert visible(reading, reading.view.selection[0])


async def test_saved_position_beyond_the_preview_and_a_key_during_loading(
    isolated_paths: Path, tmp_path: Path, held_parse: threading.Event
) -> None:
    from annotations.storage import AnnotationStore

    book = write_book(tmp_path / "book.txt")
    article = loading.load_article(book)
    saved = article.text.index("Paragraph 3000 ")
    store = AnnotationStore(isolated_paths / "db.json")
    store.set_position(article.id, article.meta.path, saved, 0.75)
    del store
    app = make_app(isolated_paths, book)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
        screen = app.screen
        assert isinstance(screen, ReadingScreen)
        await pilot.press("j")
        held_parse.set()
        await wait_reading(pilot)
        view = screen.view
        assert view.layout_rows is not None
        row = view.layout_rows.row_of_offset(saved)
        await wait_for(pilot, lambda: view.scroll_y == row + 1)


async def test_library_search_hit_at_the_end_of_a_book_opens_on_screen_and_n_continues(
    isolated_paths: Path, seed_library: Path
) -> None:
    folder = seed_library
    book = write_book(folder / "book.txt")
    with book.open("a", encoding="utf-8") as stream:
        stream.write("\nA postscript on marmalade lanterns.\n\nMore marmalade lanterns here.\n")
    app = make_app(isolated_paths, folder)
    async with opened_library(app, 2) as (pilot, _):
        # The library index is built in the background once the library is listed.
        session = app.session
        await wait_for(pilot, lambda: session.index_progress[0] == session.index_progress[1] == 2,
                       timeout=90)
        search = await open_search(pilot, "quokkas juggle marmalade")
        await wait_for(pilot, lambda: bool(search.hits)
                       and "quokkas" in search.hits[0].text, timeout=60)
        await app.workers.wait_for_complete()
        await pilot.pause()
        hits = [hit for hit in search.hits if hit.path == str(book)]
        assert len(hits) >= 3
        chosen = search.hits[0]
        await pilot.press("enter")
        screen = await wait_reading(pilot)
        view = screen.view
        await wait_for(pilot, lambda: view.selection == (chosen.match_start, chosen.match_end)
                       and visible(screen, chosen.match_start))
        later = sorted(h.match_start for h in hits if h.match_start > chosen.match_start)
        await pilot.press("n")
        await wait_for(pilot, lambda: view.selection is not None
                       and view.selection[0] == later[0])
        assert visible(screen, later[0])


async def test_typing_fast_into_the_library_loses_nothing(
    isolated_paths: Path, seed_library: Path
) -> None:
    folder = seed_library
    (folder / "war.txt").write_text("War and Peace\n\nLeo Tolstoy\n\nWell, Prince, so Genoa.\n")
    app = make_app(isolated_paths, folder)
    async with opened_library(app, 2) as (pilot, screen):
        press_fast(app, *"war and peace")
        await wait_for(pilot, lambda: not screen.filter_pending
                       and screen.table.filter_text == "war and peace")
        assert screen.table.row_count == 1
        assert len(screen.table.article_rows) == 2  # r did not rescan, s did not sort
        press_fast(app, "backspace", "backspace", "backspace", "backspace", "backspace",
                   "enter")
        reading = await wait_reading(pilot)
        assert reading.path.endswith("war.txt")


async def test_typing_fast_into_the_annotations_panel_loses_nothing(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(120, 30)) as (pilot, screen):
        panel = await open_panel(pilot, screen)
        await pilot.pause()
        press_fast(app, *"national security")
        box = panel.query_one("#annotations-filter")
        await wait_for(pilot, lambda: box.value == "national security")  # type: ignore[attr-defined]


async def test_escape_closes_the_panel_then_the_selection_then_the_screen(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)  # started as `postil FILE`
    async with opened_article(app, size=(120, 30)) as (pilot, screen):
        await pilot.press("v")
        assert screen.view.selection is not None
        panel = await open_panel(pilot, screen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not panel.display)
        assert app.screen is screen and app.is_running
        assert screen.view.selection is not None
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.view.selection is None)
        assert app.screen is screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        assert app.is_running  # esc closes the screen; only q quits, like a pager


async def test_escape_from_the_panel_filter_box_keeps_the_panel(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(120, 30)) as (pilot, screen):
        panel = await open_panel(pilot, screen)
        await pilot.press("x", "y")
        await pilot.press("escape")
        await pilot.pause()
        assert panel.display and app.screen is screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: not panel.display)
        assert app.screen is screen


def three_article_library(folder: Path) -> Path:
    """``folder`` (the ``seed_library``: the sample article) with three short articles more."""
    (folder / "garden.txt").write_text("Growing Tomatoes\n\nBy Ada Gardener\n\nSoil first.")
    (folder / "bread.txt").write_text("Sourdough Basics\n\nFlour, water, salt.")
    (folder / "gravel.txt").write_text("Gravel Paths\n\nStones, raked.")
    return folder


async def test_down_from_the_library_filter_lands_on_the_first_match(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, three_article_library(seed_library))
    async with opened_library(app, 4) as (pilot, screen):
        await pilot.press("f", *"gr")
        await pilot.press("down")
        await wait_for(pilot, lambda: not screen.filter_pending)
        await pilot.pause()
        assert screen.focused is screen.table
        assert screen.table.cursor_row == 0
        assert screen.table.row_count >= 2


async def test_down_from_the_search_box_lands_on_the_first_result(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, _):
        search = await open_search(pilot, "huawei")
        await wait_for(pilot, lambda: len(search.hits) > 2)
        await pilot.press("down")
        await pilot.pause()
        results = search.query_one(OptionList)
        assert results.has_focus and results.highlighted == 0


async def test_down_from_the_panel_filter_lands_on_the_first_entry(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(120, 30)) as (pilot, screen):
        options = (await open_panel(pilot, screen, highlights=3)).query_one(OptionList)
        await pilot.press("f")  # a letter in the list starts the filter
        await pilot.press("backspace", "down")
        await pilot.pause()
        assert options.has_focus and options.highlighted == 0


async def test_home_end_g_G_pgup_pgdn_move_in_the_library(
    isolated_paths: Path, seed_library: Path
) -> None:
    folder = three_article_library(seed_library)
    for number in range(40):
        (folder / f"note-{number:02}.txt").write_text(f"Note {number:02}\n\nText.")
    app = make_app(isolated_paths, folder)
    async with opened_library(app, 44, size=(100, 24)) as (pilot, screen):
        await app.workers.wait_for_complete()  # the scan has finished: no row comes later
        table = screen.table
        last = table.row_count - 1
        await pilot.press("end")
        assert table.cursor_row == last
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("G")
        assert table.cursor_row == last and table.filter_text == ""
        assert screen.focused is table
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        assert table.cursor_row > 5
        await pilot.press("pageup")
        assert table.cursor_row == 0


async def test_home_end_g_G_move_in_the_panel_and_the_search_results(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(120, 30)) as (pilot, screen):
        options = (await open_panel(pilot, screen, highlights=4)).query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count == 4)
        await pilot.press("G")
        assert options.highlighted == 3
        await pilot.press("g")
        assert options.highlighted == 0
        await pilot.press("end")
        assert options.highlighted == 3
        await pilot.press("home")
        assert options.highlighted == 0
        await pilot.press("escape")
        search = await open_search(pilot, "huawei")
        await wait_for(pilot, lambda: len(search.hits) > 2)
        await pilot.press("down")
        results = search.query_one(OptionList)
        await pilot.press("G")
        assert results.highlighted == len(search.hits) - 1
        await pilot.press("g")
        assert results.highlighted == 0
