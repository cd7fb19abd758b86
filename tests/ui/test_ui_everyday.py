"""Pilot tests: help, command palette, theme persistence, settings errors, welcome."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from reader import paths
from reader.config import DEFAULT_READING_WIDTH
from reader.library import LibrarySource
from reader.ui.app import PostilApp
from reader.ui.dialogs.help_dialog import HelpDialog
from reader.ui.screens.library import LibraryScreen
from reader.ui.widgets.welcome_banner import WelcomeBanner
from tests.support.paths import SEED
from tests.support.pilot import (
    make_app,
    opened_article,
    palette_settled,
    type_text,
    wait_for,
    wait_library,
    wait_reading,
)


async def test_help_lists_the_keys_of_the_current_screen(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with opened_article(app, size=(100, 40), library_rows=1) as (pilot, _):
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpDialog))
        help_screen = app.screen
        assert isinstance(help_screen, HelpDialog)
        described = {entry.description for entry in help_screen.keys}
        for expected in ("Highlight", "Note", "Tags", "Annotations", "Search", "Export",
                         "Next sentence", "Select"):
            assert expected in described
        keys = {entry.description: entry.keys for entry in help_screen.keys}
        assert "h" in keys["Highlight"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpDialog))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpDialog))
        library_keys = {entry.description for entry in app.screen.keys}  # type: ignore[attr-defined]
        assert "Sort" in library_keys and "Highlight" not in library_keys


async def test_palette_runs_screen_actions(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 40)) as (pilot, screen):
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"annotations")
        await palette_settled(pilot, "annotations")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        from reader.ui.widgets.annotations_panel import AnnotationsPanel

        await wait_for(pilot, lambda: screen.query_one(AnnotationsPanel).display)


async def test_theme_choice_persists_across_restarts(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with app.run_test() as pilot:
        await wait_library(pilot, 1)
        app.theme = "nord"
        await app.workers.wait_for_complete()
    assert 'theme = "nord"' in (isolated_paths / "config.toml").read_text()
    app = make_app(isolated_paths, seed_library)
    async with app.run_test() as pilot:
        await wait_library(pilot, 1)
        assert app.theme == "nord"


async def test_bad_settings_are_reported_and_defaults_used(
    isolated_paths: Path, seed_library: Path
) -> None:
    (isolated_paths / "config.toml").write_text('reading_width = "wide"\ntheme = [\n')
    app = make_app(isolated_paths, seed_library)
    async with app.run_test() as pilot:
        await wait_library(pilot, 1)
        messages = [str(n.message) for n in app._notifications]
        assert any("not valid TOML" in m for m in messages)
        assert app.session.settings.reading_width == DEFAULT_READING_WIDTH
    (isolated_paths / "config.toml").write_text('reading_width = 5\nhighlight_color = "red"\n')
    app = make_app(isolated_paths, seed_library)
    async with app.run_test() as pilot:
        await wait_library(pilot, 1)
        messages = " ".join(str(n.message) for n in app._notifications)
        assert "reading_width" in messages and "highlight_color" in messages


async def test_welcome_on_the_sample_library_is_dismissed_for_good(isolated_paths: Path) -> None:
    def sample_app() -> PostilApp:
        return PostilApp(
            db_path=isolated_paths / "db.json",
            library=LibrarySource([paths.seeds_dir()], is_sample=True),
            config_path=isolated_paths / "config.toml",
        )

    app = sample_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_library(pilot, 1)
        banner = app.screen.query_one(WelcomeBanner)
        await wait_for(pilot, lambda: banner.display)
        # Enter opens the sample straight away (the welcome never blocks the keys) ...
        await pilot.press("enter")
        await wait_reading(pilot)
        assert not banner.display  # ... and opening an article dismisses the welcome
        assert app.session.flush()
    app = sample_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_library(pilot, 1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.screen.query_one(WelcomeBanner).display


async def test_notifications_never_parse_markup(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library)
    async with app.run_test() as pilot:
        await wait_library(pilot, 1)
        app.notify("Cannot open [/]x[@click=app.quit] \x1b]0;title\x07.txt", title="[bold]t")
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert "Cannot open [/]x[@click=app.quit] .txt" in shown
        assert app.is_running


async def test_add_an_article_from_the_library(isolated_paths: Path, tmp_path: Path) -> None:
    from reader.ui.dialogs.add_dialog import AddDialog

    article = tmp_path / "download.html"
    article.write_text(
        "<html><head><title>Tide Tables</title></head><body><article><h1>Tide Tables</h1>"
        + "<p>The tide comes in twice a day, and the tables tell you when.</p>" * 5
        + "</article></body></html>",
        encoding="utf-8",
    )
    app = PostilApp(
        db_path=isolated_paths / "db.json",
        library=LibrarySource([paths.seeds_dir()], is_sample=True),
        config_path=isolated_paths / "config.toml",
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 1)
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, AddDialog))
        await type_text(pilot, str(article))
        await pilot.press("enter")
        reading = await wait_reading(pilot)  # the added article opens
        assert reading.article is not None and reading.article.meta.title == "Tide Tables"
        stored = list(paths.default_library_dir().glob("*.md"))
        assert len(stored) == 1 and "Tide Tables" in stored[0].read_text(encoding="utf-8")
        assert reading.path == str(stored[0])
        assert not app.session.library.is_sample
        assert any("Added" in str(n.message) for n in app._notifications)
        await pilot.press("q")
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await wait_for(pilot, lambda: any(
            row.meta.title == "Tide Tables" for row in library.table.article_rows))
        # The same content again is a duplicate, not a second copy.
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, AddDialog))
        await type_text(pilot, str(article))
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("Already in your library" in str(n.message)
                                          for n in app._notifications))
        assert len(list(paths.default_library_dir().glob("*.md"))) == 1
