"""Pilot tests: what the reader sees at 80×24 and in dialogs (issue 13: 14, 15, 17-20)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Static

from reader.ui.dialogs.add_dialog import AddDialog
from reader.ui.dialogs.help_dialog import HelpDialog
from reader.ui.dialogs.link_dialog import LinkDialog
from reader.ui.dialogs.tag_dialog import TagDialog
from reader.ui.screens.search import SearchScreen
from reader.ui.status_line import StatusPart, fit_status
from reader.ui.widgets.annotations_panel import AnnotationsPanel
from tests.support.paths import SEED
from tests.support.pilot import (
    make_app,
    opened_article,
    palette_settled,
    screen_text,
    wait_for,
    wait_library,
)

LONG_TITLE = ("A Remarkably Long Title About Rivers, Mills and the Roads That Run Beside Them "
              "in the Valley")
LONG_URL = "https://example.com/" + "very-long-path-segment/" * 6 + "end"


def long_article(tmp_path: Path) -> Path:
    article = tmp_path / "long-title.md"
    article.write_text(
        f"---\ntitle: {LONG_TITLE}\nauthor: Ada Reader\n---\n\n"
        "The first sentence has no link at all. The second neither.\n\n"
        f"Here is [a link to the river]({LONG_URL}) in the second paragraph.\n\n"
        + "\n\n".join(f"Filler paragraph {n} about the valley." for n in range(30)),
        encoding="utf-8",
    )
    return article


def test_status_line_fits_and_cuts_only_with_an_ellipsis() -> None:
    from rich.text import Text

    parts = [
        StatusPart(Text(LONG_TITLE), shrink=12, prefer=28),
        StatusPart(Text("12%")),
        StatusPart(Text("612 words"), drop=1),
        StatusPart(Text("3 min left"), drop=3),
        StatusPart(Text("1,234 chars selected, h highlights")),
    ]
    for width in (76, 60, 40):
        line = fit_status(parts, width).plain
        assert len(line) <= width
        assert "…" in line  # the title was cut, visibly
        if width >= 60:
            assert line.endswith("1,234 chars selected, h highlights")


def test_length_column_never_needs_cutting() -> None:
    from reader.ui.widgets.article_table import _WIDTHS, compact_length

    for words, minutes in ((612, 3), (9_999, 59), (12_345, 52), (99_999, 420),
                           (562_474, 2363), (3_400_000, 14_000)):
        assert len(compact_length(words, minutes)) <= _WIDTHS["length"]
    assert compact_length(562_474, 2363) == "562k w · 39 h"
    assert compact_length(612, 3) == "612 w · 3 min"


async def test_status_line_at_80_columns_keeps_the_selection_hint(
    isolated_paths: Path, tmp_path: Path
) -> None:
    app = make_app(isolated_paths, long_article(tmp_path))
    async with opened_article(app, size=(80, 24)) as (pilot, screen):
        screen.view.set_selection((0, 40))
        await pilot.pause()
        status = str(screen.query_one("#reading-status", Static).render())
        assert "40 chars selected, h highlights" in status
        assert "…" in status and len(status) <= 76


async def test_link_url_in_the_status_line_is_ellipsised_and_o_uses_links_on_screen(
    isolated_paths: Path, tmp_path: Path
) -> None:
    app = make_app(isolated_paths, long_article(tmp_path))
    async with opened_article(app, size=(80, 24)) as (pilot, screen):
        text = screen.view.document.text
        first = text.index("The first sentence")
        screen.view.set_cursor(screen.view.document.sentence_at(first))
        await pilot.press("o")  # the cursor sentence has no link, but one is on screen
        await wait_for(pilot, lambda: isinstance(app.screen, LinkDialog))
        assert any(url == LONG_URL for _label, url in app.screen.links)  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        screen.view.set_cursor(screen.view.document.sentence_at(text.index("Here is")))
        await pilot.pause()
        status = str(screen.query_one("#reading-status", Static).render())
        assert "link: https://example.c" in status and "…" in status
        assert status.endswith("o opens")


async def test_footer_and_dialogs_fit_80_by_24(isolated_paths: Path, tmp_path: Path) -> None:
    app = make_app(isolated_paths, long_article(tmp_path))
    async with opened_article(app, size=(80, 24)) as (pilot, screen):
        await pilot.pause()
        await wait_for(pilot, lambda: "Back" in screen_text(app)[-1])
        footer = screen_text(app)[-1]
        for hint in ("Back", "Highlight", "Note", "Tags", "Annotations", "Search", "Export",
                     "Help"):
            assert hint in footer
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.pause()
        lines = screen_text(app)
        scope = next(line for line in lines if "Search in" in line)
        assert "…" in scope and "tab: the library" in scope
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        text = screen.view.document.text
        screen.view.set_cursor(screen.view.document.sentence_at(text.index("The first")))
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagDialog))
        await pilot.pause()
        shown = " ".join(line.strip(" │") for line in screen_text(app))
        assert "Tags for “The first sentence has no link at all.”" in shown
        assert "enter saves" in shown


async def test_add_dialog_shows_the_whole_folder(isolated_paths: Path, tmp_path: Path) -> None:
    folder = tmp_path / ("a-very-long-folder-name-for-the-library-" * 2) / "inner-folder"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("An Article\n\nText.")
    app = make_app(isolated_paths, folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_library(pilot, 1)
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, AddDialog))
        await pilot.pause()
        shown = "".join(line.strip().strip("│").strip() for line in screen_text(app))
        assert str(folder) in shown
        assert "esc cancels" in shown


async def test_note_marker_at_80_columns_and_the_panel_overlays(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(80, 24)) as (pilot, screen):
        await pilot.press("right_square_bracket", "right_square_bracket", "c")
        await pilot.press(*"why", "ctrl+s")
        await wait_for(pilot, lambda: any(a.note for a in screen.annotations.values()))
        await pilot.pause()
        assert any("✎" in line for line in screen_text(app)[:-2])
        width = screen.view.column_width
        await pilot.press("a")
        panel = screen.query_one(AnnotationsPanel)
        await wait_for(pilot, lambda: panel.display)
        await pilot.pause()
        assert screen.view.column_width == width  # the text is not squeezed
        assert panel.region.overlaps(screen.view.region)
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(140, 30)) as (pilot, screen):
        await pilot.press("a")
        panel = screen.query_one(AnnotationsPanel)
        await wait_for(pilot, lambda: panel.display)
        await pilot.pause()
        assert not panel.region.overlaps(screen.view.region)  # wide: side by side


async def test_no_empty_horizontal_scrollbar_row(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(80, 24)) as (pilot, screen):
        assert not screen.view.show_horizontal_scrollbar
        body = screen.query_one("#reading-body")
        assert screen.view.scrollable_content_region.height == body.region.height


async def test_help_is_in_order_without_generic_entries_and_wraps_by_paragraph(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(120, 40)) as (pilot, _):
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpDialog))
        help_screen = app.screen
        assert isinstance(help_screen, HelpDialog)
        described = [entry.description for entry in help_screen.keys]
        colours = [d for d in described if d.startswith("Colour")]
        assert colours == ["Colour yellow", "Colour green", "Colour blue", "Colour pink",
                           "Colour purple"]
        for generic in ("Focus Next", "Focus Previous", "Page Left", "Page Right",
                        "Scroll Home", "Scroll End"):
            assert generic not in described
        await pilot.press("end")
        await pilot.pause()
        inside = [line.split("│")[1].strip() for line in screen_text(app) if line.count("│") >= 2]
        start = inside.index("How to")
        paragraph = inside[start + 1:]
        # No word alone on a line in the middle of a paragraph (hard line breaks did that).
        assert not any(re.fullmatch(r"\S+", line) and following[:1].islower()
                       for line, following in zip(paragraph, paragraph[1:], strict=False))


async def test_undo_says_what_was_undone(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        await pilot.press("right_square_bracket", "h", "2", "u")
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any(m.startswith("Undone: colour on “") for m in messages)
        await pilot.press("u")
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any(m.startswith("Undone: highlighting “") for m in messages)
        assert not screen.annotations


async def test_theme_picker_marks_the_theme_in_use(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 1)
        app.theme = "nord"
        app.action_change_theme()
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await palette_settled(pilot, "")
        await wait_for(pilot, lambda: any("✓ in use" in line for line in screen_text(app)))
        shown = screen_text(app)
        marked = [line for line in shown if "✓ in use" in line]
        assert len(marked) == 1 and "nord" in marked[0]
