"""Pilot tests: library screen, reading view, positions, filtering, `postil FILE`."""

from __future__ import annotations

import shutil
from pathlib import Path

from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from reader.ui.widgets.article_view import ArticleView
from tests.support.paths import SEED, SEED_AUTHOR, SEED_TITLE
from tests.support.pilot import make_app, opened_article, wait_for, wait_library, wait_reading


def _text_on_screen(app: object) -> str:
    from textual.app import App

    assert isinstance(app, App)
    view = app.screen.query_one(ArticleView)
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


async def test_open_article_from_library_shows_title_and_author(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with opened_article(app, size=(100, 40), library_rows=1) as (pilot, screen):
        assert screen.article is not None
        assert screen.article.meta.title == SEED_TITLE
        shown = _text_on_screen(app)
        assert SEED_TITLE in shown.replace("\n", " ") or "Huawei Chairman" in shown
        assert SEED_AUTHOR in shown


async def test_scroll_quit_reopen_restores_position(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with opened_article(app, size=(80, 24), library_rows=1) as (pilot, _):
        await pilot.press("space", "j", "j", "j")
        view = app.screen.query_one(ArticleView)
        await wait_for(pilot, lambda: view.scroll_y > 5)
        offset = view.top_offset
        assert offset > 0
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        assert app.session.flush()
        await pilot.press("enter")
        await wait_reading(pilot)
        view = app.screen.query_one(ArticleView)
        await wait_for(pilot, lambda: view.top_offset == offset)
        assert "%" in str(app.screen.query_one("#reading-status").render())
    # A new run of the app (same database) restores it too.
    app = make_app(isolated_paths, seed_library)
    async with opened_article(app, size=(80, 24), library_rows=1) as (pilot, _):
        view = app.screen.query_one(ArticleView)
        await wait_for(pilot, lambda: view.top_offset == offset)


async def test_typing_filters_the_library(isolated_paths: Path, tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    shutil.copy(SEED, folder / "huawei.txt")
    (folder / "garden.txt").write_text("Growing Tomatoes\n\nBy Ada Gardener\n\nSoil first.")
    (folder / "bread.txt").write_text("Sourdough Basics\n\nFlour, water, salt.")
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 3)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await pilot.press("t", "o", "m", "a", "t")
        await wait_for(pilot, lambda: not screen.filter_pending
                       and screen.table.filter_text == "tomat")
        assert screen.table.row_count == 1
        assert screen.table.selected_path is not None
        assert screen.table.selected_path.endswith("garden.txt")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        # Typos in the filter still match (fuzzy).
        await pilot.press("f", *"sourdugh")  # s sorts in the table: f focuses the filter first
        await wait_for(pilot, lambda: not screen.filter_pending
                       and screen.table.filter_text == "sourdugh")
        assert screen.table.selected_path is not None
        assert screen.table.selected_path.endswith("bread.txt")
        await pilot.press("enter")
        reading = await wait_reading(pilot)
        assert reading.article is not None and reading.article.meta.title == "Sourdough Basics"


async def test_postil_file_opens_reading_view(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        assert isinstance(screen, ReadingScreen)
        assert screen.article is not None and screen.article.meta.author == SEED_AUTHOR


async def test_keys_scroll_and_jump(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(80, 20)) as (pilot, _):
        view = app.screen.query_one(ArticleView)
        await pilot.press("G")
        await wait_for(pilot, lambda: view.scroll_y == view.max_scroll_y > 0)
        assert view.progress == 1.0
        await pilot.press("g")
        await wait_for(pilot, lambda: view.scroll_y == 0)
        await pilot.press("j")
        await wait_for(pilot, lambda: view.scroll_y == 1)
        await pilot.press("k")
        await wait_for(pilot, lambda: view.scroll_y == 0)


async def test_sentence_cursor_moves_by_sentence(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        view = screen.view
        await pilot.press("right_square_bracket")
        assert view.cursor is not None
        first = view.cursor
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert view.cursor is not None and view.cursor[0] > first[0]
        text = view.document.text[view.cursor[0]:view.cursor[1]]
        assert text.startswith("Susan") or text[0].isupper()
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert view.cursor == first


async def test_resize_keeps_the_same_text_at_the_top(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 24)) as (pilot, _):
        view = app.screen.query_one(ArticleView)
        view.scroll_to_offset(2000)
        await pilot.pause()
        block = view.document.block_at(view.top_offset)
        await pilot.resize_terminal(60, 24)
        await wait_for(pilot, lambda: view.layout_rows is not None
                       and view.layout_rows.width <= 56)
        assert view.document.block_at(view.top_offset) == block


async def test_q_quits_when_started_on_a_file(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, _):
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)
