"""The session's signals: screens hear about changes while open and are let go once closed."""

from __future__ import annotations

from pathlib import Path

from reader.ui.screens.library import LibraryScreen
from tests.pilot_helpers import make_app, wait_for, wait_library, wait_reading


async def test_a_closed_reading_screen_is_not_kept_by_the_session(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 1)
        await pilot.press("enter")
        reading = await wait_reading(pilot)
        signal = app.session.article_replaced
        assert reading in signal._subscriptions  # it reloads when its page is refreshed
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        await wait_for(pilot, lambda: not reading.is_attached)
        assert reading not in signal._subscriptions  # closed: nothing holds it (or its text)
        library = app.screen
        assert library in app.session.article_updated._subscriptions  # still listening
