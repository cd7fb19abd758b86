"""The five highlight colours: distinct and readable in 16, 256 and truecolor; NO_COLOR too."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.style import Style
from textual import constants

from annotations.model import Annotation, Color
from annotations.storage import AnnotationStore
from reader import config
from reader.highlight_colors import HIGHLIGHT_COLORS, HIGHLIGHT_NAMES, Shade, no_color_style
from reader.loading import load_article
from reader.ui.widgets.article_view import ArticleView
from tests.support.paths import SEED
from tests.support.pilot import make_app, opened_article

#: Rich's number of the standard palette's bright black: the status bar's colour.
BRIGHT_BLACK = 8


def luminance(hex_color: str) -> float:
    """WCAG relative luminance."""
    triplet = RichColor.parse(hex_color).get_truecolor()

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in triplet)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(shade: Shade) -> float:
    light, dark = sorted((luminance(shade.foreground), luminance(shade.background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_one_definition_for_every_colour() -> None:
    assert [entry.color for entry in HIGHLIGHT_COLORS] == list(Color)  # keys 1-5 in order
    assert config.HIGHLIGHT_COLORS == HIGHLIGHT_NAMES


@pytest.mark.parametrize(
    ("system", "rich_system"),
    [("standard", ColorSystem.STANDARD), ("256", ColorSystem.EIGHT_BIT),
     ("truecolor", ColorSystem.TRUECOLOR)],
)
def test_five_distinct_readable_colours_in_every_colour_system(
    system: str, rich_system: ColorSystem
) -> None:
    drawn = []
    for entry in HIGHLIGHT_COLORS:
        shade = entry.shade(system)
        background = RichColor.parse(shade.background).downgrade(rich_system)
        drawn.append(background.number if background.number is not None else background.triplet)
        assert contrast(shade) >= 4.5, (entry.name, system)  # WCAG AA for text
    assert len(set(drawn)) == 5, drawn
    if system == "standard":
        assert BRIGHT_BLACK not in drawn and 0 not in drawn  # not the status bar, not black
        expected = [RichColor.parse(entry.ansi).number for entry in HIGHLIGHT_COLORS]
        assert drawn == expected  # exactly the terminal's own palette entries


def test_no_color_alternates_so_neighbours_differ() -> None:
    assert no_color_style(0) != no_color_style(1)
    assert no_color_style(1) != no_color_style(2)
    assert all("reverse" in no_color_style(i) for i in range(4))


def five_highlights(home: Path, article_path: Path) -> None:
    """Highlight five touching stretches of the sample's first long paragraph, one colour each."""
    article = load_article(article_path)
    body = next(b for b in article.document.blocks
                if b.kind.value == "paragraph" and b.end - b.start > 200)
    words = [i for i in range(body.start + 1, body.end) if article.text[i - 1] == " "]
    cuts = [body.start] + [words[len(words) * k // 5] for k in range(1, 5)] + [body.end]
    store = AnnotationStore(home / "db.json")
    for color, start, end in zip(Color, cuts[:-1], cuts[1:], strict=True):
        store.add(Annotation.create(article_id=article.id, path=str(article_path),
                                    text=article.text, start=start, end=end, color=color))


def highlight_backgrounds(view: ArticleView) -> list[object]:
    """The background colours the view draws over each highlight, in text order."""
    found = []
    for highlight in view._highlights:
        style = view._highlight_style(highlight)
        found.append(style.bgcolor)
    return found


async def test_sixteen_colour_terminal_draws_five_distinct_colours(
    isolated_paths: Path, seed_library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(constants, "COLOR_SYSTEM", "standard")
    five_highlights(isolated_paths, seed_library / SEED.name)
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 32)) as (pilot, screen):
        view = screen.query_one(ArticleView)
        assert app.console.color_system == "standard"
        numbers = [RichColor.parse(str(c.name)).downgrade(ColorSystem.STANDARD).number
                   for c in highlight_backgrounds(view)]  # type: ignore[attr-defined]
        assert len(numbers) == 5 and len(set(numbers)) == 5
        assert BRIGHT_BLACK not in numbers


async def test_no_color_tells_adjacent_highlights_apart(
    isolated_paths: Path, seed_library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    five_highlights(isolated_paths, seed_library / SEED.name)
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 32)) as (pilot, screen):
        view = screen.query_one(ArticleView)
        assert app.no_color
        styles = [view._highlight_style(h) for h in view._highlights]
        assert len(styles) == 5
        for first, second in zip(styles, styles[1:], strict=False):
            assert first != second  # touching highlights: one reversed, one also underlined
            assert first.reverse and second.reverse
        assert all(style.bgcolor is None and style.color is None for style in styles)
        assert isinstance(styles[0], Style)
