"""Hostile files in the TUI: every one opens (or is listed as unreadable), nothing crashes, and
nothing the terminal would interpret reaches the screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.app import App

from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from reader.ui.screens.search import SearchScreen
from reader.ui.widgets.article_view import ArticleView
from tests.support.hostile import has_forbidden, make_big_files, make_hostile_library
from tests.support.paths import ROOT
from tests.support.pilot import make_app, opened_article, wait_for, wait_library, wait_reading

READABLE = ["markup.txt", "escapes.txt", "empty.txt", "whitespace.txt", "latin1.txt",
            "utf16.txt", "nested.md", "page.html", "crlf.txt"]


@pytest.fixture(scope="session")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 10 MB single line and the 50,000-paragraph file, made once per session."""
    return make_big_files(tmp_path_factory.mktemp("big"))


def screen_text(app: App[object]) -> str:
    """Everything the app would draw, as text (the SVG screenshot holds every glyph)."""
    return app.export_screenshot()


def view_text(view: ArticleView) -> str:
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


async def test_hostile_library_lists_opens_searches_highlights(
    isolated_paths: Path, tmp_path: Path
) -> None:
    library = tmp_path / "hostile"
    files = make_hostile_library(library)
    app = make_app(isolated_paths, library)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 10)
        await app.workers.wait_for_complete()
        table = app.screen.query_one("#library-table")
        rows = {Path(r.meta.path).name: r for r in table.article_rows}  # type: ignore[attr-defined]
        assert rows["binary.txt"].meta.error and "binary" in rows["binary.txt"].meta.error
        assert rows["broken-link.txt"].meta.error
        assert "x.txt" not in rows  # a directory is not an article
        if os.geteuid() != 0:
            assert rows["unreadable.txt"].meta.error
        assert not has_forbidden(screen_text(app))
        for name in READABLE:
            app.open_article(str(files[name].absolute()))
            screen = await wait_reading(pilot)
            view = screen.view
            shown = view_text(view)
            assert not has_forbidden(shown), (name, has_forbidden(shown))
            assert not has_forbidden(screen_text(app)), name
            if name == "markup.txt":
                assert "[bold]stay[/bold]" in shown and "[@click=app.quit]Quit[/]" in shown
            if name == "escapes.txt":
                assert "Escape Sequences" in shown and "PWNED" not in shown
            if view.document.text.strip():
                await pilot.press("right_square_bracket", "h")
                assert screen.annotations, name
            await pilot.press("slash")
            await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
            await pilot.press(*"text [/] \x1b")
            await app.workers.wait_for_complete()
            assert not has_forbidden(screen_text(app))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        # An unreadable file is refused with a notification, and the app keeps running.
        app.open_article(str(files["binary.txt"].absolute()))
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        assert any("binary" in str(n.message) for n in app._notifications)
        assert app.is_running
        assert app.session.flush()
    # Export of everything highlighted in hostile files: clean Markdown, one clean JSON.
    env = {**os.environ, "POSTIL_DB": str(isolated_paths / "db.json")}
    for fmt in ("markdown", "json"):
        result = subprocess.run([sys.executable, "-m", "reader", "export", "--format", fmt],
                                capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        assert not has_forbidden(result.stdout.replace("\n", "")), fmt
    exported = json.loads(result.stdout)
    assert exported  # every highlight made above is exported


async def test_article_that_changes_or_disappears_while_open(
    isolated_paths: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "live"
    folder.mkdir()
    article = folder / "live.txt"
    article.write_text("Live Article\n\nFirst version of the text, long enough to highlight.")
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 1)
        app.open_article(str(article.absolute()))
        screen = await wait_reading(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "h")
        article.write_text("Live Article\n\nAn inserted paragraph.\n\n"
                           "First version of the text, long enough to highlight.")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        app.open_article(str(article.absolute()))
        screen = await wait_reading(pilot)
        annotation = next(iter(screen.annotations.values()))
        assert annotation.status.value == "moved"
        text = screen.view.document.text
        assert text[annotation.start:annotation.end] == annotation.quote.exact
        article.unlink()
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        app.open_article(str(article.absolute()))
        await wait_for(pilot, lambda: any("not found" in str(n.message)
                                          for n in app._notifications))
        assert isinstance(app.screen, LibraryScreen) and app.is_running


@pytest.mark.parametrize(
    ("name", "query"),
    [("one-line.txt", "dull artcle"), ("many-paragraphs.txt", "paragraph number 49999")],
)
async def test_huge_files_open_scroll_and_search(
    isolated_paths: Path, big_files: dict[str, Path], name: str, query: str
) -> None:
    app = make_app(isolated_paths, big_files[name])
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        view = screen.view
        await pilot.press("G")
        await wait_for(pilot, lambda: view.scroll_y == view.max_scroll_y > 0)
        assert view_text(view).strip()
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        assert isinstance(search, SearchScreen)
        await pilot.press(*query)
        await wait_for(pilot, lambda: bool(search.hits), timeout=60)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert view.selection is not None


async def test_damaged_database_app_starts_and_says_so(isolated_paths: Path,
                                                       seed_library: Path) -> None:
    db = isolated_paths / "db.json"
    db.write_bytes(b'{"annotations": {"1": {"id": "x"')  # truncated
    app = make_app(isolated_paths, seed_library)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 1)
        await wait_for(pilot, lambda: any("damaged" in str(n.message)
                                          for n in app._notifications))
        await pilot.press("enter")
        screen = await wait_reading(pilot)
        await pilot.press("right_square_bracket", "h")
        assert not screen.annotations  # refused, with a message, instead of overwriting
        assert any("unavailable" in str(n.message) for n in app._notifications)
    assert db.read_bytes() == b'{"annotations": {"1": {"id": "x"'
    assert list(isolated_paths.glob("db.json.corrupt-*"))


async def test_long_queries_huge_notes_and_odd_tags(isolated_paths: Path,
                                                    seed_library: Path) -> None:
    from reader.ui.widgets.note_dialog import NoteDialog
    from reader.ui.widgets.tag_dialog import TagDialog

    app = make_app(isolated_paths, seed_library / "huawei-no-spy-deal.txt")
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        assert isinstance(search, SearchScreen)
        search.query_one("#search-input").value = "huawei " * 5000  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("right_square_bracket", "right_square_bracket",
                          "right_square_bracket", "right_square_bracket", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog))
        dialog = app.screen
        dialog.query_one("#note-text").text = "x" * 1_000_000  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagDialog))
        await pilot.press(*"#Deep Work, ünïcode [/]")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        annotation = next(iter(screen.annotations.values()))
        assert len(annotation.note) == 1_000_000
        assert annotation.tags == ("deep", "work", "ünïcode", "[/]")
        await pilot.press("a")
        assert not has_forbidden(screen_text(app))
        assert app.session.flush()
