"""Reading a book in the app: contents, chapter keys, footnote popup, jump list, status line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static

from reader.ui.screens.contents import ContentsScreen
from reader.ui.widgets.footnote_dialog import FootnoteDialog
from tests.support.epub_builder import BookSpec, Chapter, write_epub
from tests.support.pilot import make_app, opened_article, wait_for


def _book(folder: Path) -> Path:
    chapters = [
        Chapter(
            f"c{number}.xhtml",
            f"<h1>{title}</h1>"
            + "".join(
                f"<p>Paragraph {index} of {title.lower()} with some words to read.</p>"
                for index in range(40)
            )
            + (
                '<p>See the note.<a epub:type="noteref" href="c3.xhtml#n1">1</a></p><p>And more '
                'text, see <a href="c2.xhtml#far">the far place</a>.</p>'
                if number == 1
                else ""
            )
            + ('<p id="far">The far place is here.</p>' if number == 2 else "")
            + (
                '<aside epub:type="footnote" id="n1"><p>A note read in place.</p></aside>'
                + "<p>Text after the note.</p>" * 40
                if number == 3
                else ""
            ),
            title,
        )
        for number, title in enumerate(("Loomings", "The Carpet-Bag", "The Mat-Maker"), start=1)
    ]
    return write_epub(folder / "book.epub", BookSpec(chapters=chapters))


async def test_contents_screen_filters_and_jumps(tmp_path: Path, isolated_paths: Path) -> None:
    book = _book(tmp_path)
    app = make_app(isolated_paths, book)
    async with opened_article(app, size=(100, 30)) as (pilot, reading):
        text = reading.article.text if reading.article else ""
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, ContentsScreen))
        contents = app.screen
        assert isinstance(contents, ContentsScreen)
        options = contents.query_one(OptionList)
        assert options.option_count == 3
        assert "▶" in str(options.get_option_at_index(0).prompt)  # the current chapter
        await pilot.press("m", "t", "m", "k")  # fuzzy: "mtmk" → The Mat-Maker
        await wait_for(pilot, lambda: options.option_count == 1)
        assert contents.query_one(Input).value == "mtmk"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is reading)
        target = text.index("The Mat-Maker")
        await wait_for(pilot, lambda: reading.view.top_offset == target)
        status = str(reading.query_one("#reading-status", Static).render())
        assert "Ch. 3 The Mat-Maker" in status and "% of book" in status
        assert "left in chapter" in status


async def test_chapter_keys_and_jump_list(tmp_path: Path, isolated_paths: Path) -> None:
    book = _book(tmp_path)
    app = make_app(isolated_paths, book)
    async with opened_article(app, size=(100, 30)) as (pilot, reading):
        text = reading.article.text if reading.article else ""
        second, third = text.index("The Carpet-Bag"), text.index("The Mat-Maker")
        await pilot.press("right_curly_bracket")
        await wait_for(pilot, lambda: reading.view.top_offset == second)
        await pilot.press("right_curly_bracket")
        await wait_for(pilot, lambda: reading.view.top_offset == third)
        await pilot.press("left_curly_bracket")
        await wait_for(pilot, lambda: reading.view.top_offset == second)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: reading.view.top_offset == third)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: reading.view.top_offset == second)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: reading.view.top_offset == 0)
        await pilot.press("ctrl+i")
        await wait_for(pilot, lambda: reading.view.top_offset == second)


async def test_footnote_popup_and_cross_reference(tmp_path: Path, isolated_paths: Path) -> None:
    book = _book(tmp_path)
    app = make_app(isolated_paths, book)
    async with opened_article(app, size=(100, 30)) as (pilot, reading):
        article = reading.article
        assert article is not None
        text = article.text
        sentence = text.index("See the note.")
        reading.view.scroll_to_offset(sentence)
        reading.view.set_cursor(article.document.sentence_at(sentence + 4))
        await pilot.pause()
        place = reading.view.top_offset
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, FootnoteDialog))
        shown = str(app.screen.query_one("#footnote-text", Static).render())
        assert "A note read in place." in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is reading)
        assert reading.view.top_offset == place  # the place is not lost
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, FootnoteDialog))
        await pilot.press("enter")  # go to the note itself
        await wait_for(pilot, lambda: app.screen is reading)
        note = text.index("A note read in place.")
        await wait_for(pilot, lambda: reading.view.top_offset == note)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: reading.view.top_offset == place)
        # A cross reference jumps straight there.
        cross = text.index("And more text")
        reading.view.set_cursor(article.document.sentence_at(cross + 2))
        await pilot.pause()
        await pilot.press("o")
        far = text.index("The far place is here.")
        await wait_for(pilot, lambda: reading.view.top_offset == far)


async def test_article_headings_serve_as_contents(tmp_path: Path, isolated_paths: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text("# Title\n\nIntro.\n\n## One\n\nText one.\n\n## Two\n\nText two.\n")
    app = make_app(isolated_paths, article)
    async with opened_article(app, size=(100, 30)) as (pilot, reading):
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, ContentsScreen))
        options = app.screen.query_one(OptionList)
        assert options.option_count == 2
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is reading)


async def test_titles_are_text_not_markup(tmp_path: Path, isolated_paths: Path) -> None:
    chapters = [
        Chapter("a.xhtml", "<h1>[bold]Not bold[/bold] \u009b31m</h1><p>Body text.</p>",
                "[bold]Not bold[/bold] \u009b31m"),
        Chapter("b.xhtml", "<h1>Second</h1><p>More.</p>", "Second"),
    ]
    book = write_epub(tmp_path / "m.epub", BookSpec(title="[red]Title[/red]", chapters=chapters))
    app = make_app(isolated_paths, book)
    async with opened_article(app, size=(100, 30)) as (pilot, reading):
        status = str(reading.query_one("#reading-status", Static).render())
        assert "[red]Title[/red]" in status and "[bold]Not bold[/bold]" in status
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, ContentsScreen))
        prompt = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "[bold]Not bold[/bold]" in prompt and "\u009b" not in prompt


async def test_chapter_keys_work_while_the_rest_is_read(
    tmp_path: Path, isolated_paths: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big book shows its first chapters at once; T and } work before the rest is read."""
    import threading

    from reader.ui.screens import reading as reading_module
    from reader.ui.screens.reading import ReadingScreen

    chapters = [
        Chapter(f"c{i}.xhtml", f"<h1>Part {i}</h1>" + "<p>Words of prose in a paragraph.</p>" * 60
                + f"<h2>Section {i}b</h2>" + "<p>More prose here.</p>" * 60, f"Part {i}")
        for i in range(60)
    ]
    book = write_epub(tmp_path / "big.epub", BookSpec(chapters=chapters,
                                                      compression=zipfile.ZIP_STORED))
    assert book.stat().st_size > 128 * 1024
    release = threading.Event()
    real = reading_module.load_article

    def slow_load(path: object) -> object:
        release.wait(20)
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(reading_module, "load_article", slow_load)
    app = make_app(isolated_paths, book)
    async with app.run_test(size=(100, 30)) as pilot:
        # The preview is laid out (is_ready waits for the whole book, which is held back here).
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen)
                       and bool(app.screen.view.document.text)
                       and app.screen.view.layout_rows is not None)
        reading = app.screen
        assert isinstance(reading, ReadingScreen) and reading.article is None  # preview only
        preview = reading.view.document.text
        await pilot.press("right_curly_bracket")
        await wait_for(pilot, lambda: reading.view.top_offset == preview.index("Section 0b"))
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, ContentsScreen))
        assert app.screen.query_one(OptionList).option_count >= 2
        await pilot.press("escape")
        release.set()
        await wait_for(pilot, lambda: reading.article is not None)
        assert reading.view.top_offset == preview.index("Section 0b")  # the place is kept
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, ContentsScreen))
        assert app.screen.query_one(OptionList).option_count == 60


async def test_highlight_in_a_book_shows_its_chapter(tmp_path: Path, isolated_paths: Path) -> None:
    from reader.ui.widgets.annotations_panel import AnnotationsPanel

    book = _book(tmp_path)
    app = make_app(isolated_paths, book)
    async with opened_article(app, size=(100, 30)) as (pilot, reading):
        await pilot.press("right_curly_bracket", "right_square_bracket", "h")
        await wait_for(pilot, lambda: len(reading.annotations) == 1)
        annotation = next(iter(reading.annotations.values()))
        assert annotation.chapter == "The Carpet-Bag"
        await pilot.press("a")
        panel = reading.query_one(AnnotationsPanel)
        await wait_for(pilot, lambda: panel.display)
        options = panel.query_one(OptionList)
        assert "§ The Carpet-Bag" in str(options.get_option_at_index(0).prompt)
        app.session.flush()
        stored = app.session.store().all_annotations()
        assert stored[0].chapter == "The Carpet-Bag"
