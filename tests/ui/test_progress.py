"""Reading progress (how far the reader has read) and reading times in hours and minutes."""

from __future__ import annotations

import math
from pathlib import Path

from reader.reading_progress import format_duration, format_percent, reading_progress, time_left
from reader.ui.screens.library import LibraryScreen
from reader.ui.widgets.article_view import ArticleView
from tests.support.paths import SEED
from tests.support.pilot import make_app, opened_article, wait_for, wait_library, wait_reading


def test_long_times_read_as_hours_and_minutes() -> None:
    assert format_duration(2362) == "39 h 22 min"
    assert format_duration(120) == "2 h"
    assert format_duration(61) == "1 h 1 min"
    assert format_duration(59) == "59 min"
    assert format_duration(0.3) == "<1 min"
    assert format_duration(0) == "0 min"
    assert time_left(2362, 0.0) == "39 h 22 min left"
    assert time_left(10, 1.0) == "finished"


def test_progress_reaches_100_only_at_the_end() -> None:
    assert reading_progress(0, 50) == 0.0
    assert reading_progress(25, 50) == 0.5
    assert reading_progress(50, 50) == 1.0
    assert reading_progress(0, 0) == 0.0  # fits on one screen: opening it is not reading it
    assert format_percent(0.996) == "99%"
    assert format_percent(1.0) == "100%"
    assert format_percent(0.0) == "—"
    assert format_percent(math.nan) == "—"


def status(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    return str(screen.query_one("#reading-status").render())


async def test_the_sample_opens_at_0_percent_and_ends_at_100(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(120, 40)) as (pilot, screen):
        view = screen.query_one(ArticleView)
        await pilot.pause()
        assert "  ·  0%  ·  " in status(app)
        assert "finished" not in status(app)
        await pilot.press("space")
        await wait_for(pilot, lambda: view.scroll_y > 0)
        assert 0 < view.progress < 1
        assert f"  ·  {format_percent(view.progress)}  ·  " in status(app)
        await pilot.press("G")
        await wait_for(pilot, lambda: view.progress == 1.0)
        await pilot.pause()
        assert "100%" in status(app) and "finished" in status(app)


async def test_a_short_article_is_not_finished_when_it_opens(
    isolated_paths: Path, tmp_path: Path
) -> None:
    article = tmp_path / "short.txt"
    article.write_text("A Short Note\n\nJust two sentences here. Nothing more to read.\n")
    app = make_app(isolated_paths, article)
    async with opened_article(app, size=(120, 40)) as (pilot, _):
        await pilot.pause()
        assert "finished" not in status(app)
        assert "  ·  0%  ·  " in status(app)


async def test_the_library_read_column_agrees_with_the_reader(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_library(pilot, 1)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        path = library.table.selected_path
        await pilot.press("enter")
        screen = await wait_reading(pilot)
        view = screen.query_one(ArticleView)
        await pilot.press("space")
        await wait_for(pilot, lambda: 0 < view.progress < 1)
        shown = format_percent(view.progress)
        assert f"  ·  {shown}  ·  " in status(app)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        assert path is not None
        assert str(library.table.get_cell(path, "read")) == shown
