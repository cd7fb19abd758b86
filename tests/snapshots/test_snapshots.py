"""Snapshot tests of the key screens (pytest-textual-snapshot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import constants
from textual.pilot import Pilot
from textual.widgets import OptionList

from reader.ui.widgets.annotations_panel import AnnotationsPanel
from reader.ui.widgets.article_view import ArticleView
from tests.support.paths import SEED
from tests.support.pilot import make_app, palette_settled, wait_for, wait_library, wait_reading
from tests.ui.test_highlight_colors import five_highlights

SIZE = (100, 32)


async def reading_ready(pilot: Pilot[object]) -> None:
    """Wait until the reading view has laid out and painted its article."""
    screen = await wait_reading(pilot)
    await wait_for(pilot, lambda: screen.view.is_ready)
    await pilot.pause()


def test_library_screen(snap_compare: Any, isolated_paths: Path, seed_library: Path) -> None:
    async def ready(pilot: Pilot[object]) -> None:
        await wait_library(pilot, 1)
        await pilot.pause()

    assert snap_compare(make_app(isolated_paths, seed_library), terminal_size=SIZE,
                        run_before=ready)


def test_reading_screen(snap_compare: Any, isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    assert snap_compare(app, terminal_size=SIZE, run_before=reading_ready)


def test_help_screen(snap_compare: Any, isolated_paths: Path, seed_library: Path) -> None:
    async def ready(pilot: Pilot[object]) -> None:
        await wait_reading(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    app = make_app(isolated_paths, seed_library / SEED.name)
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_reading_screen_in_another_theme(
    snap_compare: Any, isolated_paths: Path, seed_library: Path
) -> None:
    (isolated_paths / "config.toml").write_text('theme = "nord"\n')

    app = make_app(isolated_paths, seed_library / SEED.name)
    assert snap_compare(app, terminal_size=SIZE, run_before=reading_ready)


def test_command_palette(snap_compare: Any, isolated_paths: Path, seed_library: Path) -> None:
    async def ready(pilot: Pilot[object]) -> None:
        await wait_reading(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"export")
        await palette_settled(pilot, "export")

    app = make_app(isolated_paths, seed_library / SEED.name)
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


MARKDOWN_ARTICLE = """\
---
title: Field Notes on Slow Reading
author: Ada Reader
---

# Field Notes on Slow Reading

Reading *slowly* is a **skill**, and like any skill it [can be practised](https://example.com).

## Three habits

- Read the first paragraph twice.
- Keep a pencil, or a highlight key, close.
  1. Mark what surprises you.
  2. Write why.
- Stop at the end of each section.

> The art of reading is in great part the art of acquiring a better understanding
> of life from one's encounter with it in a book.

Code stays as it is: `postil export --dir notes`.
"""


def test_markdown_article(snap_compare: Any, isolated_paths: Path, tmp_path: Path) -> None:
    article = tmp_path / "field-notes.md"
    article.write_text(MARKDOWN_ARTICLE, encoding="utf-8")

    app = make_app(isolated_paths, article)
    assert snap_compare(app, terminal_size=SIZE, run_before=reading_ready)


SMALL = (80, 24)


def test_library_screen_80x24(snap_compare: Any, isolated_paths: Path, seed_library: Path,
                              tmp_path: Path) -> None:
    from tests.support.pilot import write_book

    write_book(seed_library / "the-long-generated-book.txt", paragraphs=3000)
    (seed_library / "notes.md").write_text("# Field Notes on Slow Reading\n\nRead slowly.\n")

    async def ready(pilot: Pilot[object]) -> None:
        await wait_library(pilot, 3)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(isolated_paths, seed_library), terminal_size=SMALL,
                        run_before=ready)


def test_reading_screen_80x24(snap_compare: Any, isolated_paths: Path, seed_library: Path) -> None:
    async def ready(pilot: Pilot[object]) -> None:
        await reading_ready(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "c", *"why", "ctrl+s")
        await pilot.press("right_square_bracket", "v", "right_square_bracket")
        view = pilot.app.screen.query_one(ArticleView)
        await wait_for(pilot, lambda: any(h.has_note for h in view.highlights)
                       and view.selecting and view.selection is not None)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = make_app(isolated_paths, seed_library / SEED.name)
    assert snap_compare(app, terminal_size=SMALL, run_before=ready)


def test_reading_screen_80x24_with_the_panel(
    snap_compare: Any, isolated_paths: Path, seed_library: Path
) -> None:
    async def ready(pilot: Pilot[object]) -> None:
        await reading_ready(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "h", "a")
        screen = pilot.app.screen
        entries = screen.query_one("#annotations-list", OptionList)
        await wait_for(pilot, lambda: len(screen.query_one(ArticleView).highlights) == 1
                       and screen.query_one(AnnotationsPanel).display
                       and entries.option_count == 1)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = make_app(isolated_paths, seed_library / SEED.name)
    assert snap_compare(app, terminal_size=SMALL, run_before=ready)


def test_reading_screen_in_sixteen_colours(
    snap_compare: Any, isolated_paths: Path, seed_library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 16-colour terminal (ANSI theme): five highlights in five distinct palette colours."""
    monkeypatch.setattr(constants, "COLOR_SYSTEM", "standard")
    (isolated_paths / "config.toml").write_text('theme = "textual-ansi"\n')
    five_highlights(isolated_paths, seed_library / SEED.name)
    app = make_app(isolated_paths, seed_library / SEED.name)
    assert snap_compare(app, terminal_size=SIZE, run_before=reading_ready)


def _snapshot_book(folder: Path) -> Path:
    from tests.support.epub_builder import BookSpec, Chapter, write_epub

    verse = (
        '<div class="poem"><div class="stanza"><div class="line">The sea is calm tonight.</div>'
        '<div class="line">The tide is full, the moon lies fair</div>'
        '<div class="line">Upon the straits.</div></div></div>'
    )
    chapters = [
        Chapter(
            "c1.xhtml",
            '<h1>Chapter One: Loomings</h1><p>Call me <em>Ishmael</em>. Some years ago, never '
            "mind how long precisely, having little or no money in my purse, I thought I would "
            'sail about a little.<a epub:type="noteref" href="c1.xhtml#n1">1</a></p>'
            + verse
            + '<blockquote><p>Whenever I find myself growing grim about the mouth.</p></blockquote>'
            '<p><img src="whale.png" alt="A sperm whale breaching"/></p>'
            '<aside epub:type="footnote" id="n1"><p>1. The narrator.</p></aside>',
            "Chapter One: Loomings",
        ),
        Chapter("c2.xhtml", "<h1>The Carpet-Bag</h1><p>I stuffed a shirt or two.</p>",
                "The Carpet-Bag"),
        Chapter("c3.xhtml", "<h2>The Spouter-Inn</h2><p>Entering that gable-ended inn.</p>",
                "The Spouter-Inn"),
    ]
    entries = [
        ("Chapter One: Loomings", "c1.xhtml", 1),
        ("The Carpet-Bag", "c2.xhtml", 1),
        ("The Spouter-Inn", "c3.xhtml", 2),
    ]
    return write_epub(folder / "moby.epub", BookSpec(title="Moby-Dick", chapters=chapters,
                                                     toc_entries=entries))


def test_book_chapter_opening(snap_compare: Any, isolated_paths: Path, tmp_path: Path) -> None:
    app = make_app(isolated_paths, _snapshot_book(tmp_path))
    assert snap_compare(app, terminal_size=SIZE, run_before=reading_ready)


def test_book_contents_screen(snap_compare: Any, isolated_paths: Path, tmp_path: Path) -> None:
    async def ready(pilot: Pilot[object]) -> None:
        from textual.widgets import Input

        from reader.ui.dialogs.contents_dialog import ContentsDialog

        await reading_ready(pilot)
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ContentsDialog))
        pilot.app.screen.query_one(Input).cursor_blink = False  # a steady picture
        await pilot.pause()

    app = make_app(isolated_paths, _snapshot_book(tmp_path))
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
