"""Pilot tests: right after opening (no cursor yet), the keys act on the top sentence's highlight.

Issue 11 item 7: with the top sentence already highlighted, ``h`` or ``c`` straight after opening
made a second highlight over it, and ``x`` then deleted the original (the one with the note).
"""

from __future__ import annotations

from pathlib import Path

from annotations.model import Annotation
from annotations.storage import AnnotationStore
from reader.loading import load_article
from reader.ui.screens.reading import ReadingScreen
from reader.ui.widgets.note_dialog import NoteDialog
from tests.support.paths import SEED
from tests.support.pilot import make_app, opened_article, wait_for


def _highlight_top_sentence(home: Path, article_path: Path) -> Annotation:
    """Store a noted highlight over the sentence a freshly opened article shows at the top."""
    article = load_article(article_path)
    start, end = article.document.sentence_at(0)
    annotation = Annotation.create(
        article_id=article.id, path=article.meta.path, text=article.text,
        start=start, end=end, color="green", note="my precious note",
    )
    store = AnnotationStore(home / "db.json")
    store.add(annotation)
    return annotation


async def test_h_right_after_opening_does_not_duplicate_top_highlight(
    isolated_paths: Path, seed_library: Path
) -> None:
    article_path = seed_library / SEED.name
    original = _highlight_top_sentence(isolated_paths, article_path)
    app = make_app(isolated_paths, article_path)
    async with opened_article(app, size=(100, 32)) as (pilot, screen):
        assert screen.view.cursor is None
        await pilot.press("h")
        assert list(screen.annotations) == [original.id]
        # x deletes that highlight (the one with the note), and u brings it back.
        await pilot.press("x")
        assert screen.annotations == {}
        await pilot.press("u")
        assert list(screen.annotations) == [original.id]
        assert app.session.flush()
    store = AnnotationStore(isolated_paths / "db.json")
    assert [a.id for a in store.all_annotations()] == [original.id]


async def test_c_right_after_opening_edits_the_existing_note(
    isolated_paths: Path, seed_library: Path
) -> None:
    article_path = seed_library / SEED.name
    original = _highlight_top_sentence(isolated_paths, article_path)
    app = make_app(isolated_paths, article_path)
    async with opened_article(app, size=(100, 32)) as (pilot, screen):
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog))
        dialog = app.screen
        assert isinstance(dialog, NoteDialog)
        await pilot.press("end", *" more", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
        assert list(screen.annotations) == [original.id]
        assert screen.annotations[original.id].note.startswith("my precious note")
        assert app.session.flush()
    store = AnnotationStore(isolated_paths / "db.json")
    assert [a.id for a in store.all_annotations()] == [original.id]
