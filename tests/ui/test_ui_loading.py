"""Opening an article does its work once, and nothing else competes with it at start."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import reader.loading
import reader.ui.screens.reading as reading_module
from reader.document import Document
from reader.library import LibrarySource
from reader.ui.index_worker import build_index
from reader.ui.layout import TextLayout
from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from reader.ui.session import IndexProgress, ReaderSession
from tests.support.pilot import make_app, opened_article, wait_for, wait_library, wait_reading


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every full parse of an article file from now on (its path)."""
    parsed: list[Path] = []
    original = reader.loading.parse_article

    def counting(path: Path, raw: str) -> reader.loading.Article:
        parsed.append(path)
        return original(path, raw)

    monkeypatch.setattr(reader.loading, "parse_article", counting)
    return parsed


def _held_parse(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold the reading screen's parse until the returned event is set."""
    release = threading.Event()
    original = reading_module.load_article

    def held(path: Path | str) -> reader.loading.Article:
        release.wait(20)
        return original(path)

    monkeypatch.setattr(reading_module, "load_article", held)
    return release


def _write_article(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "essay.md"
    path.write_text("# An essay\n\n" + "Some words to read, one sentence after another. " * 40
                    + "\n")
    return path


async def test_started_on_one_file_the_library_waits_until_it_is_shown(
        isolated_paths: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library screen under the article is resumed once at start; listing the library
    then would parse every file while the article loads (it did: three parses of a 5 MB file
    fought for the interpreter)."""
    article = _write_article(tmp_path / "library")
    parsed = _count_parses(monkeypatch)
    app = make_app(isolated_paths, article)
    async with opened_article(app) as (pilot, _screen):
        await app.workers.wait_for_complete()
        await pilot.pause()
        library = app.screen_stack[-2]
        assert isinstance(library, LibraryScreen)
        assert library.table.row_count == 0  # not listed while the article is read
        assert parsed == [article]  # and the article parsed once: by the reading screen


async def test_an_article_opened_from_a_cold_library_is_parsed_once(
        isolated_paths: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing, reading and indexing the one article share one parse."""
    article = _write_article(tmp_path / "library")
    parsed = _count_parses(monkeypatch)
    app = make_app(isolated_paths, article.parent)
    async with opened_article(app, library_rows=1) as (pilot, screen):
        assert screen.article is not None
        await wait_for(pilot, lambda: app.session.search_index is not None
                       and app.session.index_progress.done == 1)
        await app.workers.wait_for_complete()
        assert parsed == [article]


async def test_the_article_is_laid_out_off_the_ui_thread(
        isolated_paths: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrapping a 5 MB article takes a few hundred milliseconds: the loading worker does it,
    so the UI thread only swaps the finished layout in."""
    article = _write_article(tmp_path / "library")
    made: list[tuple[Document, bool]] = []
    original = TextLayout.__init__

    def recording(self: TextLayout, document: Document, *args: object, **kwargs: object) -> None:
        made.append((document, threading.current_thread() is threading.main_thread()))
        original(self, document, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TextLayout, "__init__", recording)
    release = _held_parse(monkeypatch)
    app = make_app(isolated_paths, article)
    async with app.run_test() as pilot:
        # Parsed once the view has its size (as a large file is; a small one may be parsed
        # before the screen is even laid out, and is then laid out when shown).
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen)
                       and app.screen.view.size.width > 0)
        release.set()
        screen = await wait_reading(pilot)
        assert screen.article is not None
        document = screen.article.document
        assert screen.view.layout_rows is not None
        assert screen.view.layout_rows.document is document
        assert [on_ui for made_for, on_ui in made if made_for is document] == [False]


def test_the_search_index_waits_while_an_article_loads(isolated_paths: Path,
                                                       tmp_path: Path) -> None:
    """Building the index parses the library: it gives way while the reader waits."""
    folder = tmp_path / "library"
    for number in range(3):
        _write_article(folder).rename(folder / f"essay-{number}.md")
    session = ReaderSession(isolated_paths / "db.json", LibrarySource([folder]),
                            isolated_paths / "config.toml")
    indexed_while_busy: list[bool] = []

    def publish(progress: IndexProgress) -> None:
        if progress.done:
            indexed_while_busy.append(session.foreground.is_busy)

    with session.foreground.busy():
        build = threading.Thread(target=build_index, args=(session, publish, lambda: False))
        build.start()
        build.join(0.5)  # the build would index all three files meanwhile, if it did not wait
        assert build.is_alive()
    build.join(30)
    assert indexed_while_busy and not any(indexed_while_busy)
    assert session.index_progress.done == 3


async def test_a_large_markdown_file_shows_its_first_page_while_the_rest_loads(
        isolated_paths: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 5 MB Markdown file took seconds to parse before anything was shown; its start is
    parsed on its own first (as plain text and books were), and the reader's place is kept
    when the whole article replaces it."""
    path = tmp_path / "long.md"
    path.write_text("# A Long Essay\n\n" + "\n\n".join(
        f"Paragraph {n} has *some* words in it." for n in range(12000)) + "\n")
    release = _held_parse(monkeypatch)
    app = make_app(isolated_paths, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen)
                       and "Paragraph 3 has" in app.screen.view.document.text
                       and app.screen.view.shows_text)
        screen = app.screen
        assert isinstance(screen, ReadingScreen)
        assert screen.article is None  # only the preview so far
        await pilot.press("pagedown")  # acts on the preview at once
        await wait_for(pilot, lambda: screen.view.scroll_y > 0)
        top = screen.view.document.text[screen.view.top_offset:][:20]
        release.set()
        ready = await wait_reading(pilot)
        assert ready.article is not None
        assert ready.view.document.text[ready.view.top_offset:].startswith(top)


async def test_the_library_listing_gives_way_while_an_article_loads(
        isolated_paths: Path, tmp_path: Path) -> None:
    """Listing a cold library parses every file: it waits between files while the reader
    waits for an article."""
    folder = tmp_path / "library"
    for number in range(3):
        _write_article(folder).rename(folder / f"essay-{number}.md")
    app = make_app(isolated_paths, folder)
    foreground = app.session.foreground
    loading = foreground.busy()
    loading.__enter__()  # as a reading screen's worker does while it loads
    try:
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: foreground.waiting == 1)
            library = app.screen
            assert isinstance(library, LibraryScreen)
            assert library.table.row_count == 0
            loading.__exit__(None, None, None)
            loading = None
            await wait_library(pilot, 3)
    finally:
        if loading is not None:
            loading.__exit__(None, None, None)
