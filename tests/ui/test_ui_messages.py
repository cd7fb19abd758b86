"""How screens talk to the app: messages it handles, the session's signals, worker failures.

Screens never import the app; they post messages (export, open an article …) and follow the
session's signals. A worker's failure reaches the user through the app's one
``Worker.StateChanged`` handler.
"""

from __future__ import annotations

from pathlib import Path

from reader.ui.palette import ArticleProvider
from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from tests.support.pilot import make_app, opened_article, wait_for, wait_library, wait_reading


async def test_a_closed_reading_screen_is_not_kept_by_the_session(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with opened_article(app, size=(100, 30), library_rows=1) as (pilot, reading):
        signal = app.session.article_replaced
        assert reading in signal._subscriptions  # it reloads when its page is refreshed
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        await wait_for(pilot, lambda: not reading.is_attached)
        assert reading not in signal._subscriptions  # closed: nothing holds it (or its text)
        library = app.screen
        assert library in app.session.article_updated._subscriptions  # still listening


async def test_export_with_nothing_annotated_says_so_as_a_warning(
    isolated_paths: Path, seed_library: Path
) -> None:
    export_dir = isolated_paths / "exports"
    (isolated_paths / "config.toml").write_text(f'export_dir = "{export_dir}"\n')
    app = make_app(isolated_paths, seed_library)
    async with opened_article(app, size=(100, 30), library_rows=1) as (pilot, _reading):
        await pilot.press("e")  # ReadingScreen.ExportRequested → the app's export worker
        await wait_for(pilot, lambda: any("No annotations to export yet." in str(n.message)
                                          for n in app._notifications))
        (shown,) = [n for n in app._notifications if "No annotations" in str(n.message)]
        assert shown.severity == "warning"
        assert not export_dir.exists() or not any(export_dir.iterdir())


async def test_a_palette_article_opens_through_a_message(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 1)
        (row,) = app.session.library_rows.values()  # the library table keeps its rows there
        app.post_message(ArticleProvider.OpenArticle(row.meta.path))
        screen = await wait_reading(pilot)
        assert isinstance(screen, ReadingScreen) and screen.path == row.meta.path
