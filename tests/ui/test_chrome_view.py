"""Site chrome in the reading view: clearly secondary in every theme; `z` keeps the place."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color as RichColor

from reader.document import BlockKind
from reader.ui.widgets.article_view import ArticleView
from tests.support.pilot import make_app, opened_article, wait_for


def story(tmp_path: Path) -> Path:
    paragraphs = []
    for index in range(40):
        paragraphs.append(
            f"Paragraph {index} of the story goes on for a while so that it wraps over more "
            "than one line of the reading column, which is what real prose does."
        )
        if index % 3 == 0:
            paragraphs += ["Most Popular", "Related Articles:", "SHOW COMMENT (1)"]
    path = tmp_path / "story.txt"
    path.write_text("A Story With Chrome\n\n" + "\n\n".join(paragraphs) + "\n")
    return path


def distance(first: RichColor, second: RichColor) -> float:
    a, b = first.get_truecolor(), second.get_truecolor()
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "nord", "gruvbox",
                                   "solarized-light", "dracula"])
async def test_chrome_is_dimmed_in_every_theme(
    isolated_paths: Path, tmp_path: Path, theme: str
) -> None:
    (isolated_paths / "config.toml").write_text(f'theme = "{theme}"\nshow_chrome = true\n')
    app = make_app(isolated_paths, story(tmp_path))
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        view = screen.query_one(ArticleView)
        assert app.theme == theme
        chrome = view._style("chrome").color
        body = view.rich_style.color
        background = view.rich_style.bgcolor
        assert chrome is not None and body is not None and background is not None
        # Halfway or more from the body colour towards the background: clearly secondary.
        assert distance(chrome, background) < 0.7 * distance(body, background), theme
        assert distance(chrome, body) > 0.3 * distance(body, background), theme


async def test_z_keeps_the_cursor_sentence_on_the_same_screen_row(
    isolated_paths: Path, tmp_path: Path
) -> None:
    app = make_app(isolated_paths, story(tmp_path))
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        view = screen.query_one(ArticleView)
        await pilot.press("space", "space")
        await wait_for(pilot, lambda: view.scroll_y > 0)
        for _ in range(8):  # the cursor walks down the screen, past collapsed chrome
            await pilot.press("right_square_bracket")
        await pilot.pause()
        layout = view.layout_rows
        assert view.cursor is not None and layout is not None
        top = round(view.scroll_y)
        row_on_screen = layout.row_of_offset(view.cursor[0]) - top
        chrome_between = any(
            view.document.blocks[layout.row(y).block].kind is BlockKind.CHROME  # type: ignore[union-attr]
            for y in range(top, top + row_on_screen)
            if layout.row(y) is not None
        )
        assert 0 < row_on_screen < view.size.height and chrome_between
        for expanded in (True, False):
            await pilot.press("z")
            await wait_for(pilot, lambda e=expanded: view.show_chrome is e and view.is_ready)
            await pilot.pause()
            layout = view.layout_rows
            assert layout is not None
            assert layout.row_of_offset(view.cursor[0]) - round(view.scroll_y) == row_on_screen
