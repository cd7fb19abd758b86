"""Helpers for Pilot tests: build the app on temporary paths and wait on conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NamedTuple

from textual.pilot import Pilot

from reader.library import LibrarySource
from reader.ui.app import PostilApp
from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from reader.ui.screens.search import SearchScreen
from reader.ui.widgets.annotations_panel import AnnotationsPanel
from reader.ui.widgets.article_view import ArticleView


def make_app(home: Path, *roots: Path) -> PostilApp:
    """The app on ``roots`` with the database and settings under ``home``."""
    return PostilApp(
        db_path=home / "db.json",
        library=LibrarySource(list(roots)),
        config_path=home / "config.toml",
    )


async def wait_for(pilot: Pilot[object], condition: Callable[[], object],
                   timeout: float = 15.0) -> None:
    """Let the app run until ``condition()`` is true (fails after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause()
        await asyncio.sleep(0.01)


async def wait_reading(pilot: Pilot[object]) -> ReadingScreen:
    """Wait until a reading screen has loaded and laid out its article."""
    app = pilot.app

    def ready() -> bool:
        screen = app.screen
        return (
            isinstance(screen, ReadingScreen)
            and screen.article is not None
            and screen.query_one(ArticleView).is_ready
        )

    await wait_for(pilot, ready)
    screen = app.screen
    assert isinstance(screen, ReadingScreen)
    return screen


async def wait_library(pilot: Pilot[object], rows: int) -> None:
    """Wait until the library table shows ``rows`` rows."""

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, LibraryScreen) and screen.table.row_count >= rows

    await wait_for(pilot, ready)


class OpenedArticle(NamedTuple):
    """What :func:`opened_article` yields: the Pilot driving the app and its reading screen."""

    pilot: Pilot[object]
    screen: ReadingScreen


@asynccontextmanager
async def opened_article(app: PostilApp, *, size: tuple[int, int] = (80, 24),
                         library_rows: int | None = None) -> AsyncIterator[OpenedArticle]:
    """Run ``app`` under Pilot until its reading screen has laid out an article.

    An app made on a file opens it by itself; with ``library_rows`` the app starts on its
    library instead: once the table shows that many rows, enter opens the selected row. The
    app keeps running (and quits at the end of the ``async with`` block)::

        async with opened_article(make_app(home, article), size=(100, 30)) as (pilot, screen):
            await pilot.press("v")
    """
    async with app.run_test(size=size) as pilot:
        if library_rows is not None:
            await wait_library(pilot, library_rows)
            await pilot.press("enter")
        screen = await wait_reading(pilot)
        yield OpenedArticle(pilot, screen)


class OpenedLibrary(NamedTuple):
    """What :func:`opened_library` yields: the Pilot driving the app and its library screen."""

    pilot: Pilot[object]
    screen: LibraryScreen


@asynccontextmanager
async def opened_library(app: PostilApp, rows: int, *, size: tuple[int, int] = (100, 30)
                         ) -> AsyncIterator[OpenedLibrary]:
    """Run ``app`` under Pilot until its library table lists ``rows`` rows::

        async with opened_library(make_app(home, folder), 2) as (pilot, library):
            await pilot.press("slash")
    """
    async with app.run_test(size=size) as pilot:
        await wait_library(pilot, rows)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        yield OpenedLibrary(pilot, screen)


async def open_search(pilot: Pilot[object], query: str = "") -> SearchScreen:
    """Press ``/``, wait for the search box and type ``query`` into it key by key."""
    await pilot.press("slash")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
    search = pilot.app.screen
    assert isinstance(search, SearchScreen)
    if query:
        await pilot.press(*query)
    return search


async def open_panel(pilot: Pilot[object], screen: ReadingScreen, highlights: int = 0
                     ) -> AnnotationsPanel:
    """Highlight the next ``highlights`` sentences (``]`` then ``h`` each), then open the
    annotations panel (``a``) and wait until it is shown."""
    for _ in range(highlights):
        await pilot.press("right_square_bracket", "h")
    await pilot.press("a")
    panel = screen.query_one(AnnotationsPanel)
    await wait_for(pilot, lambda: panel.display)
    return panel


async def palette_settled(pilot: Pilot[object], query: str) -> None:
    """Wait until the command palette has searched for ``query`` and shows what it found.

    The palette searches in a worker while the query is typed; enter pressed before that
    search has finished would run a command listed for an earlier, shorter query.
    """
    from textual.command import CommandList, CommandPalette
    from textual.widgets import Input

    def settled() -> bool:
        palette = pilot.app.screen
        if not isinstance(palette, CommandPalette):
            return False
        boxes, lists = palette.query(Input), palette.query(CommandList)
        if not (boxes and lists):  # not mounted yet
            return False
        searching = any(
            worker.node is palette and not worker.is_finished for worker in pilot.app.workers
        )
        return boxes.first().value == query and not searching and lists.first().option_count > 0

    await wait_for(pilot, settled)
    await pilot.pause()


#: The last paragraph of :func:`write_book`'s book (unique words, easy to search for).
BOOK_END = "Zephyrine quokkas juggle marmalade lanterns beneath the final harbour bridge."


def write_book(path: Path, paragraphs: int = 4000) -> Path:
    """Write a long plain-text book (well above the preview threshold) ending in BOOK_END."""
    lines = ["The Long Generated Book", "", "Bench Marker", ""]
    for number in range(paragraphs):
        lines.append(
            f"Paragraph {number} tells of the river, the mill and the road that runs beside "
            f"them; nothing in it is remarkable, and that is the point of paragraph {number}."
        )
        lines.append("")
    lines.append(BOOK_END)
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def press_fast(app: object, *keys: str) -> None:
    """Queue key presses all at once, as a terminal delivers fast typing (no wait between)."""
    from textual import events
    from textual.app import App

    assert isinstance(app, App)
    for key in keys:
        character = key if len(key) == 1 else (" " if key == "space" else None)
        app.post_message(events.Key(key, character))


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type ``text`` as a terminal delivers a paste: every character a key event, named as the
    terminal's parser names it, all queued at once; then let the app handle them.

    For text the test only needs typed (a path, a URL): ``pilot.press`` waits for the app to
    be idle after every key, which costs a noticeable moment per character.
    """
    from textual import events
    from textual.keys import _character_to_key

    for character in text:
        pilot.app.post_message(events.Key(_character_to_key(character), character))
    await pilot.pause()


def screen_text(app: object) -> list[str]:
    """The app's screen as plain text lines (what a terminal would show)."""
    from textual.app import App

    assert isinstance(app, App)
    return ["".join(segment.text for segment in strip)
            for strip in app.screen._compositor.render_strips()]
