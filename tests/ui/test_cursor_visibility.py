"""The reading cursor's tint is clearly visible, and calm, in every built-in light theme."""

from __future__ import annotations

from pathlib import Path

from textual.theme import BUILTIN_THEMES

from reader.ui.widgets.article_view import ArticleView
from tests.support.paths import SEED
from tests.support.pilot import make_app, opened_article

#: Light themes whose colours are the terminal's own (no RGB to measure).
_TERMINAL_PALETTE = {"ansi-light"}

#: Cursor tint against the page: at least this contrast ratio to be seen at a glance ...
VISIBLE = 1.35
#: ... and at most this, so that the sentence stands out without shouting.
CALM = 2.0


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    """WCAG contrast ratio (1 = the same, 21 = black on white)."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_helper() -> None:
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert contrast((90, 90, 90), (90, 90, 90)) == 1.0


async def test_the_cursor_sentence_stands_out_in_every_light_theme(
    isolated_paths: Path, seed_library: Path
) -> None:
    """The cursor's tint was 15% of the primary colour: 1.17:1 on rose-pine-dawn's page."""
    light = sorted(
        name for name, theme in BUILTIN_THEMES.items()
        if not theme.dark and name not in _TERMINAL_PALETTE
    )
    assert len(light) >= 5
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        view = screen.query_one(ArticleView)
        measured: dict[str, tuple[float, float, float]] = {}
        for name in light:
            app.theme = name
            await pilot.pause()
            page = view.background_colors[1].rgb
            text = view.styles.color.rgb
            tint = view._style("cursor").bgcolor
            assert tint is not None, name
            cursor = tint.get_truecolor()
            measured[name] = (
                contrast(cursor, page), contrast(text, cursor), contrast(text, page)
            )
        for name, (seen, text_on_cursor, text_on_page) in measured.items():
            assert VISIBLE <= seen <= CALM, (name, seen)
            # The text stays readable: AA contrast, or most of what the theme gives it anyway.
            assert text_on_cursor >= min(4.5, 0.7 * text_on_page), (name, text_on_cursor)
