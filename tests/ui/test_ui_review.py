"""The review screen: every key, the summary, orphaned highlights, and snapshots."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Sparkline, Static

from annotations.model import Annotation
from annotations.review import ARTICLE_ID_KEY, CardStatus, ReviewFilter, ReviewStore
from annotations.storage import AnnotationStore
from reader.library import LibrarySource
from reader.loading import load_article
from reader.ui.app import PostilApp
from reader.ui.dialogs.help_dialog import HelpDialog
from reader.ui.dialogs.note_dialog import NoteDialog
from reader.ui.dialogs.tag_dialog import TagDialog
from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from reader.ui.screens.review import ReviewScreen
from tests.support.paths import SEED
from tests.support.pilot import wait_for, wait_library

TODAY = date(2026, 5, 1)
QUOTES = ["national security threat", "second largest seller of smartphones"]
SIZE = (100, 32)


@pytest.fixture
def reviewed(isolated_paths: Path, seed_library: Path) -> list[Annotation]:
    """Two highlights of the sample article and one orphaned (its text is gone)."""
    article = load_article(seed_library / SEED.name)
    store = AnnotationStore(isolated_paths / "db.json")
    result = []
    for number, quote in enumerate(QUOTES):
        start = article.text.index(quote)
        result.append(Annotation.create(article_id=article.id, path=article.meta.path,
                                        text=article.text, start=start, end=start + len(quote),
                                        note="Why *this* matters" if number == 0 else "",
                                        tags=["policy"] if number == 0 else []))
    text = "A sentence that was cut from the article later on. " * 2
    result.append(Annotation.create(article_id=article.id, path=article.meta.path, text=text,
                                    start=2, end=40))
    # Fixed ids and dates: the day's order (seeded by date and id) and the snapshots are stable.
    stamp = "2026-04-01T10:00:00Z"
    result = [replace(annotation, id=f"00000000-0000-4000-8000-00000000000{number}",
                      created=stamp, updated=stamp)
              for number, annotation in enumerate(result, 1)]
    store.put_many(result)
    return result


def review_app(home: Path, library: Path, *, start: bool = True) -> PostilApp:
    return PostilApp(db_path=home / "db.json", library=LibrarySource([library]),
                     config_path=home / "config.toml",
                     start_review=ReviewFilter() if start else None, review_today=TODAY)


async def ready(pilot: Pilot[Any]) -> ReviewScreen:
    """Wait until the review screen shows a card with its article loaded (or the summary)."""
    def loaded() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, ReviewScreen) and screen.loaded and not screen.saving and (
            screen.progress.current is None or screen.context is not None)

    await wait_for(pilot, loaded)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


def card_text(screen: ReviewScreen) -> str:
    return str(screen.query_one("#review-card", Static).render())


def cards(home: Path) -> dict[str, Any]:
    return ReviewStore(AnnotationStore(home / "db.json")).cards()


async def test_answers_advance_and_are_saved(isolated_paths: Path, seed_library: Path,
                                             reviewed: list[Annotation]) -> None:
    app = review_app(isolated_paths, seed_library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert len(screen.progress.items) == 3
        progress = str(screen.query_one("#review-progress", Static).render())
        assert progress.startswith("1 / 3 · streak 0 days")
        first = screen.progress.current
        assert first is not None
        for key, expected in (("3", "good"), ("1", "again"), ("4", "easy")):
            ident = screen.progress.current.annotation.id  # type: ignore[union-attr]
            await pilot.press(key)
            screen = await ready(pilot)
            assert cards(isolated_paths)[ident].history[-1].answer == expected
        assert screen.progress.current is None
        summary = str(screen.query_one("#review-summary-text", Static).render())
        assert "Reviewed: 3" in summary and "Mastered: 0" in summary and "Streak: 1" in summary
        assert screen.query_one(Sparkline).data[-1] == 3  # type: ignore[index]
        assert screen.query_one("#review-summary").display


async def test_hard_master_discard_and_undo(isolated_paths: Path, seed_library: Path,
                                            reviewed: list[Annotation]) -> None:
    app = review_app(isolated_paths, seed_library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        ids = [item.annotation.id for item in screen.progress.items]
        await pilot.press("2")
        screen = await ready(pilot)
        assert cards(isolated_paths)[ids[0]].history[-1].answer == "hard"
        await pilot.press("u")
        screen = await ready(pilot)
        assert screen.progress.index == 0 and ids[0] not in cards(isolated_paths)
        await pilot.press("m")
        screen = await ready(pilot)
        await pilot.press("d")
        screen = await ready(pilot)
        saved = cards(isolated_paths)
        assert saved[ids[0]].status is CardStatus.MASTERED
        assert saved[ids[1]].status is CardStatus.DISCARDED
        await pilot.press("u")
        screen = await ready(pilot)
        assert screen.progress.index == 1 and ids[1] not in cards(isolated_paths)
        assert screen.progress.mastered == 1


async def test_note_tags_and_frequency_keys(isolated_paths: Path, seed_library: Path,
                                            reviewed: list[Annotation]) -> None:
    app = review_app(isolated_paths, seed_library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        ident = screen.progress.current.annotation.id  # type: ignore[union-attr]
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog))
        await pilot.press("end", *" more", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagDialog))
        await pilot.press(*" reviewme", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("f")
        assert app.session.flush()
        store = AnnotationStore(isolated_paths / "db.json")
        saved = store.get(ident)
        assert saved is not None and "reviewme" in saved.tags
        assert saved.note.endswith(" more")
        assert "#reviewme" in card_text(screen)
        frequencies = ReviewStore(store).frequencies()
        assert frequencies.of(saved) == "less"  # kept by the article's id, with its path
        assert frequencies.paths == {ARTICLE_ID_KEY + saved.article_id: saved.path}


async def test_a_frequency_change_is_saved_while_the_ui_waits_for_writes(
        isolated_paths: Path, seed_library: Path, reviewed: list[Annotation]) -> None:
    """The write's notice is handed to the UI without waiting for it, so a UI that waits for
    the writes (a test, the exit) does not block the writer until its timeout."""
    app = review_app(isolated_paths, seed_library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        screen.action_frequency()
        assert app.session.flush(timeout=3.0)
        await wait_for(pilot, lambda: any("come back" in str(n.message)
                                          for n in app._notifications))


async def test_open_goes_to_the_passage_and_back_returns(
        isolated_paths: Path, seed_library: Path, reviewed: list[Annotation]) -> None:
    app = review_app(isolated_paths, seed_library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        while screen.context is not None and screen.context.orphaned:
            await pilot.press("3")
            screen = await ready(pilot)
        item = screen.progress.current
        assert item is not None and screen.context is not None and not screen.context.orphaned
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen)
                       and app.screen.article is not None)
        reading = app.screen
        assert isinstance(reading, ReadingScreen) and reading.path == item.annotation.path
        await pilot.press("q")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.progress.current is item


async def test_help_back_and_the_library_key(isolated_paths: Path, seed_library: Path,
                                             reviewed: list[Annotation]) -> None:
    app = review_app(isolated_paths, seed_library, start=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_library(pilot, 1)
        await pilot.press("R")
        screen = await ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpDialog))
        help_text = " ".join(str(widget.render()) for widget in app.screen.query(Static))
        for words in ("again", "soon", "later", "much later", "master", "discard", "undo"):
            assert words in help_text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        app.action_review()  # what the palette's "Review highlights" runs
        await ready(pilot)


async def test_every_key_is_in_the_footer(isolated_paths: Path, seed_library: Path,
                                          reviewed: list[Annotation]) -> None:
    from textual.widgets._footer import FooterKey

    app = review_app(isolated_paths, seed_library)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")  # u (undo) shows once there is an answer to take back
        screen = await ready(pilot)
        await pilot.pause()
        keys = {key.key for key in screen.query(FooterKey)}
        assert {"1", "2", "3", "4", "m", "d", "u", "e", "t", "o", "f", "q"} <= keys
        footer = screen.query_one("Footer")
        assert sum(key.outer_size.width for key in screen.query(FooterKey)) <= footer.size.width


async def test_an_orphaned_highlight_reviews_from_its_quote(
        isolated_paths: Path, seed_library: Path, reviewed: list[Annotation]) -> None:
    app = review_app(isolated_paths, seed_library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        orphan = reviewed[2].id
        while screen.progress.current is not None \
                and screen.progress.current.annotation.id != orphan:
            await pilot.press("3")
            screen = await ready(pilot)
        assert screen.context is not None and screen.context.orphaned
        text = card_text(screen)
        assert "no longer in the article" in text and reviewed[2].quote.exact in text


async def test_a_themed_review_from_the_command_line(isolated_paths: Path, seed_library: Path,
                                                     reviewed: list[Annotation]) -> None:
    app = PostilApp(db_path=isolated_paths / "db.json", library=LibrarySource([seed_library]),
                    config_path=isolated_paths / "config.toml",
                    start_review=ReviewFilter(tag="policy"), review_today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert [item.annotation.id for item in screen.progress.items] == [reviewed[0].id]
        assert "#policy" in str(screen.query_one("#review-progress", Static).render())


def test_snapshot_of_a_card(snap_compare: Any, isolated_paths: Path, seed_library: Path,
                            reviewed: list[Annotation]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)

    assert snap_compare(review_app(isolated_paths, seed_library), terminal_size=SIZE,
                        run_before=run_before)


def test_snapshot_of_the_summary(snap_compare: Any, isolated_paths: Path, seed_library: Path,
                                 reviewed: list[Annotation]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        for key in ("3", "1", "4"):
            await pilot.press(key)
            await ready(pilot)
        await pilot.pause()

    assert snap_compare(review_app(isolated_paths, seed_library), terminal_size=SIZE,
                        run_before=run_before)


async def test_choosing_a_tag_in_the_app(isolated_paths: Path, seed_library: Path,
                                         reviewed: list[Annotation]) -> None:
    from textual.command import CommandList, CommandPalette

    app = review_app(isolated_paths, seed_library, start=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_library(pilot, 1)
        app.action_review_tag()  # the palette's "Review a tag…"
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"policy")
        await wait_for(pilot, lambda: app.screen.query_one(CommandList).option_count == 1)
        await pilot.press("down", "enter")
        screen = await ready(pilot)
        assert screen.theme == ReviewFilter(tag="policy")
        assert [item.annotation.id for item in screen.progress.items] == [reviewed[0].id]
