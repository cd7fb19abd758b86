"""Pilot tests: selecting, highlighting, colours, notes, tags, delete, undo, panel, restart."""

from __future__ import annotations

from pathlib import Path

from annotations.storage import AnnotationStore
from reader.ui.screens.reading import ReadingScreen
from reader.ui.widgets.annotations_panel import AnnotationsPanel
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.note_dialog import NoteDialog
from reader.ui.widgets.tag_dialog import TagDialog
from tests.support.paths import SEED
from tests.support.pilot import make_app, opened_article, wait_for


def stored(home: Path) -> list:  # type: ignore[type-arg]
    return AnnotationStore(home / "db.json").all_annotations()


async def test_keyboard_selection_highlight_colour_note_tags_persist(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 32)) as (pilot, screen):
        view = screen.view
        # Cursor to the first body sentence (title, dek, byline come first).
        await pilot.press("right_square_bracket", "right_square_bracket",
                          "right_square_bracket", "right_square_bracket")
        assert view.cursor is not None
        sentence = view.document.text[view.cursor[0]:view.cursor[1]]
        assert sentence.startswith("According to the United States")
        await pilot.press("v", "right_square_bracket")  # select two sentences
        assert view.selection is not None
        selected = view.document.text[view.selection[0]:view.selection[1]]
        assert selected.startswith("According") and selected.endswith("edge.")
        await pilot.press("h")
        assert len(screen.annotations) == 1
        annotation = next(iter(screen.annotations.values()))
        assert annotation.quote.exact == selected
        assert view.highlights_at(annotation.start)
        await pilot.press("3")
        assert next(iter(screen.annotations.values())).color.value == "blue"
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog))
        await pilot.press(*"My note")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
        assert next(iter(screen.annotations.values())).note == "My note"
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagDialog))
        await pilot.press(*"#Policy china", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
        assert next(iter(screen.annotations.values())).tags == ("policy", "china")
        assert app.session.flush()
    saved = stored(isolated_paths)
    assert len(saved) == 1
    assert saved[0].note == "My note" and saved[0].tags == ("policy", "china")
    assert saved[0].color.value == "blue"
    # Restart: everything is still there, drawn in the view.
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 32)) as (pilot, screen):
        assert [a.note for a in screen.annotations.values()] == ["My note"]
        assert screen.view.highlights_at(saved[0].start)[0].color == "blue"


async def test_mouse_selection_highlight_delete_undo(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        view = screen.view
        pad = view.left_pad
        await pilot.mouse_down(ArticleView, offset=(pad + 12, 8))
        await pilot.hover(ArticleView, offset=(pad + 20, 9))
        await pilot.mouse_up(ArticleView, offset=(pad + 20, 9))
        await wait_for(pilot, lambda: view.selection is not None)
        await pilot.press("h")
        assert len(screen.annotations) == 1
        quote = next(iter(screen.annotations.values())).quote.exact
        assert quote == quote.strip() and len(quote) > 10
        # The new highlight is under the cursor: x deletes it, u brings it back.
        await pilot.press("x")
        assert not screen.annotations
        await pilot.press("u")
        assert [a.quote.exact for a in screen.annotations.values()] == [quote]
        await pilot.press("u")  # undo the highlight itself
        assert not screen.annotations
        assert app.session.flush()
    assert stored(isolated_paths) == []


async def test_panel_lists_filters_and_jumps(isolated_paths: Path, seed_library: Path) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(120, 30)) as (pilot, screen):
        view = screen.view
        text = view.document.text
        late = text.index("Experts in China say")
        early = text.index("The technology giant")
        for start in (late, early):
            sentence = view.document.sentence_at(start)
            assert sentence is not None
            screen.create_highlight(sentence)
        await pilot.press("g")
        await pilot.press("a")
        panel = screen.query_one(AnnotationsPanel)
        await wait_for(pilot, lambda: panel.display)
        options = panel.query_one("#annotations-list")
        assert options.option_count == 2  # type: ignore[attr-defined]
        await pilot.press(*"experts")
        await wait_for(pilot, lambda: options.option_count == 1)  # type: ignore[attr-defined]
        await pilot.press("enter")  # from the filter box into the list
        await pilot.press("enter")  # jump
        await wait_for(pilot, lambda: view.cursor is not None and view.cursor[0] == late)
        row = view.layout_rows.row_of_offset(late)  # type: ignore[union-attr]
        assert view.scroll_y <= row < view.scroll_y + view.size.height


async def test_export_key_writes_markdown_and_names_the_file(
    isolated_paths: Path, seed_library: Path
) -> None:
    export_dir = isolated_paths / "exports"
    (isolated_paths / "config.toml").write_text(f'export_dir = "{export_dir}"\n')
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        text = screen.view.document.text
        start = text.index("The technology giant")
        screen.create_highlight((start, start + len("The technology giant")))
        await pilot.press("e")
        await wait_for(pilot, lambda: any(export_dir.glob("*.md")))
        await app.workers.wait_for_complete()
        exported = next(export_dir.glob("*.md"))
        assert "The technology giant" in exported.read_text(encoding="utf-8")
        await wait_for(pilot, lambda: any(str(exported) in str(n.message)
                                          for n in app._notifications))


async def test_typing_in_the_tag_box_adds_to_existing_tags(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        text = screen.view.document.text
        start = text.index("The technology giant")
        screen.create_highlight((start, start + 20), tags=["first"])
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagDialog))
        await pilot.press(*"second", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert next(iter(screen.annotations.values())).tags == ("first", "second")
