"""Pilot tests: search in an article and in the library, jump, highlight the found span."""

from __future__ import annotations

from pathlib import Path

from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from tests.support.paths import SEED
from tests.support.pilot import (
    make_app,
    open_search,
    opened_article,
    opened_library,
    wait_for,
    wait_reading,
)


async def test_search_in_article_jump_and_highlight(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        search = await open_search(pilot, "in the long term this might strenghten")  # typo
        await wait_for(pilot, lambda: bool(search.hits))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        view = screen.view
        assert view.selection is not None
        found = view.document.text[view.selection[0]:view.selection[1]]
        assert "strengthen" in found
        row = view.layout_rows.row_of_offset(view.selection[0])  # type: ignore[union-attr]
        assert view.scroll_y <= row < view.scroll_y + view.size.height
        await pilot.press("h")
        annotation = next(iter(screen.annotations.values()))
        assert annotation.quote.exact == found


async def test_typing_fast_leaves_only_the_last_query(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, _):
        search = await open_search(pilot, "samsung")
        await pilot.press(*["backspace"] * 7)
        await pilot.press(*"Entity List")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: bool(search.hits))
        assert all("Entity List" in hit.text for hit in search.hits[:1])
        assert not any("Samsung" in hit.text and "Entity" not in hit.text
                       for hit in search.hits[:1])


async def test_library_search_opens_the_right_article(
    isolated_paths: Path, seed_library: Path
) -> None:
    folder = seed_library
    (folder / "bread.txt").write_text(
        "Sourdough Basics\n\nFlour, water and salt make bread.\n\n"
        "A starter needs feeding every day with equal weights of flour and water.\n"
    )
    app = make_app(isolated_paths, folder)
    async with opened_library(app, 2) as (pilot, _):
        search = await open_search(pilot, "starter needs feding")
        await wait_for(pilot, lambda: bool(search.hits) and search.hits[0].path.endswith(
            "bread.txt"))
        await pilot.press("enter")
        screen = await wait_reading(pilot)
        assert isinstance(screen, ReadingScreen) and screen.path.endswith("bread.txt")
        view = screen.view
        await wait_for(pilot, lambda: view.selection is not None)
        assert view.selection is not None
        assert "starter needs feeding" in view.document.text[view.selection[0]:view.selection[1]]
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
