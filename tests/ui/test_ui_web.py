"""The app with web pages: `+` with a URL (progress, errors in the dialog, the article opens),
and `o` offering the article's source URL."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from reader import paths
from reader.library import LibrarySource
from reader.ui.app import PostilApp
from reader.ui.dialogs.add_dialog import AddDialog
from reader.ui.dialogs.link_dialog import LinkDialog
from tests.support.pilot import opened_article, type_text, wait_for, wait_library, wait_reading
from tests.support.web_server import LocalServer, article_html, page

PARAGRAPHS = [
    "The tide comes in twice a day, and the tables tell you when, to the minute, for a year.",
    "Fishermen trust them more than the forecast, and with reason: the moon keeps its word.",
    "A harbour master reads them aloud each morning at six, before the boats go out to sea.",
]


def sample_app(home: Path) -> PostilApp:
    return PostilApp(
        db_path=home / "db.json",
        library=LibrarySource([paths.seeds_dir()], is_sample=True),
        config_path=home / "config.toml",
    )


def status_text(dialog: AddDialog) -> str:
    return str(dialog.query_one("#add-status", Static).render())


async def test_add_a_url_from_the_library(isolated_paths: Path, web: LocalServer) -> None:
    web.routes["/tides"] = page(article_html("Tide Tables", PARAGRAPHS), delay=0.3)
    web.routes["/missing"] = page("<h1>nope</h1>", status=404)
    app = sample_app(isolated_paths)
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_library(pilot, 1)
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, AddDialog))
        dialog = app.screen
        assert isinstance(dialog, AddDialog)
        # An error stays in the dialog, as one line, and the address can be corrected.
        await type_text(pilot, web.url("/missing"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Cannot add" in status_text(dialog))
        assert status_text(dialog) == (
            f"Cannot add: {web.url('/missing')}: HTTP 404 Not Found (no such page)")
        assert app.screen is dialog
        box = dialog.query_one(Input)
        box.value = ""
        await type_text(pilot, web.url("/tides"))
        await pilot.press("enter")
        await pilot.pause()
        assert "Fetching" in status_text(dialog)  # progress while the server thinks
        reading = await wait_reading(pilot)
        assert reading.article is not None and reading.article.meta.title == "Tide Tables"
        stored = list(paths.default_library_dir().glob("*.md"))
        assert [p.name for p in stored] == ["tide-tables.md"]
        assert reading.path == str(stored[0])
        assert any("Added “Tide Tables”" in str(n.message) for n in app._notifications)
        # `o` offers the source URL, after confirming.
        opened: list[str] = []
        app.open_url = lambda url, **_kw: opened.append(url)  # type: ignore[method-assign]
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkDialog))
        links = app.screen
        assert isinstance(links, LinkDialog)
        assert links.links[-1] == ("This article's source (the page it came from)",
                                   web.url("/tides"))
        await pilot.press("end", "enter")
        await wait_for(pilot, lambda: opened == [web.url("/tides")])


async def test_escape_cancels_a_slow_download(isolated_paths: Path, web: LocalServer) -> None:
    web.routes["/slow"] = page(article_html("Slow Tides", PARAGRAPHS), delay=1.0)
    app = sample_app(isolated_paths)
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_library(pilot, 1)
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, AddDialog))
        await type_text(pilot, web.url("/slow"))
        await pilot.press("enter")
        await pilot.press("escape")
        assert not isinstance(app.screen, AddDialog)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not paths.default_library_dir().exists() or not list(
            paths.default_library_dir().iterdir())


async def test_refresh_a_web_article_from_the_palette(
    isolated_paths: Path, web: LocalServer, tmp_path: Path
) -> None:
    from textual.command import CommandPalette

    from reader.cli import main
    from reader.ui.screens.reading import ReadingScreen
    from tests.support.pilot import make_app, palette_settled

    library = tmp_path / "library"
    web.routes["/tides"] = page(article_html("Tide Tables", PARAGRAPHS))
    assert main(["--library", str(library), "add", web.url("/tides")]) == 0
    path = library / "tide-tables.md"
    assert main(["--library", str(library), "highlight", str(path), "--quote",
                 "the moon keeps its word"]) == 0
    web.routes["/tides"] = page(article_html("Tide Tables", [
        "Correction: the harbour master now reads them at seven.", *PARAGRAPHS]))
    app = make_app(isolated_paths, library)
    async with opened_article(app, size=(110, 32), library_rows=1) as (pilot, reading):
        assert "Correction" not in reading.view.document.text
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"refresh from the web")
        await palette_settled(pilot, "refresh from the web")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("Refreshed: 0 highlights exact, 1 moved"
                                          in str(n.message) for n in app._notifications))
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen)
                       and "Correction" in app.screen.view.document.text
                       and len(app.screen.annotations) == 1)
        screen = app.screen
        assert isinstance(screen, ReadingScreen)
        [highlight] = screen.annotations.values()
        assert screen.view.document.text[highlight.start:highlight.end] == (
            "the moon keeps its word")
    assert "Correction" in path.read_text(encoding="utf-8")
