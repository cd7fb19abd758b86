"""The app with hostile or unusual settings files: it always starts, reports what is wrong,
and saving the theme keeps the file valid."""

from __future__ import annotations

import tomllib
from pathlib import Path

from reader.config import load_settings
from reader.ui.screens.library import LibraryScreen
from tests.support.pilot import make_app, wait_library


def messages(app: object) -> str:
    return " ".join(str(n.message) for n in app._notifications)  # type: ignore[attr-defined]


async def test_the_app_starts_with_a_deeply_nested_settings_file(
    isolated_paths: Path, seed_library: Path
) -> None:
    (isolated_paths / "config.toml").write_text("x = " + "[" * 50000 + "]" * 50000 + "\n")
    app = make_app(isolated_paths, seed_library)
    async with app.run_test() as pilot:
        await wait_library(pilot, 1)
        await app.workers.wait_for_complete()
        assert "nested" in messages(app)


async def test_bad_key_bindings_are_reported_and_good_ones_work(
    isolated_paths: Path, seed_library: Path
) -> None:
    (isolated_paths / "config.toml").write_text(
        '[keys]\nrescan = "not a key!!"\nfilter = ""\ncycle_sort = "%"\n', encoding="utf-8"
    )
    app = make_app(isolated_paths, seed_library)
    async with app.run_test() as pilot:
        await wait_library(pilot, 1)
        await app.workers.wait_for_complete()
        shown = messages(app)
        assert "keys.rescan" in shown and "keys.filter" in shown
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        before = screen.table.order
        await pilot.press("percent_sign")  # what a terminal sends for "%"
        await pilot.pause()
        assert screen.table.order != before


async def test_changing_the_theme_keeps_a_quoted_key_valid(
    isolated_paths: Path, seed_library: Path
) -> None:
    config = isolated_paths / "config.toml"
    config.write_text('# mine\n  "theme" = "nord"\nreading_width = 70\n', encoding="utf-8")
    app = make_app(isolated_paths, seed_library)
    async with app.run_test() as pilot:
        await wait_library(pilot, 1)
        await app.workers.wait_for_complete()
        assert app.theme == "nord"
        app.theme = "dracula"
        await app.workers.wait_for_complete()
    assert tomllib.loads(config.read_text(encoding="utf-8")) == {
        "theme": "dracula", "reading_width": 70}
    loaded = load_settings(config)
    assert loaded.problems == [] and loaded.settings.reading_width == 70
