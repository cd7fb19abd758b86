"""The five highlight colours, defined once: what every terminal and every view draws.

Each colour has a shade for truecolor and 256-colour terminals (the 256-colour cube keeps the
five apart) and one for 16-colour terminals, made of entries of the standard ANSI palette so
that a terminal's own palette draws them: yellow, green, blue, bright magenta (pink) and
magenta (purple) backgrounds, none of them the bright black of the status bar. With
``NO_COLOR`` no colour is drawn; highlights are reversed, and every second one is underlined
too, so two adjacent highlights stay apart (:func:`no_color_style`).

The reading view, the annotations panel, the settings and the keys 1-5 all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotations.model import Color


@dataclass(frozen=True, slots=True)
class Shade:
    """Background and text colour of a highlight (``#rrggbb``)."""

    background: str
    foreground: str


@dataclass(frozen=True, slots=True)
class HighlightColor:
    """One highlight colour.

    Attributes:
        color: The colour's name as stored with annotations.
        full: Shade for truecolor and 256-colour terminals.
        sixteen: Shade for 16-colour terminals: standard ANSI palette entries (as the RGB
            values Rich maps exactly onto them), so the terminal's own palette draws it.
        ansi: The ANSI name of ``sixteen.background`` (for people and tests).
        swatch: A brighter tone for small marks (the annotations panel's square).
    """

    color: Color
    full: Shade
    sixteen: Shade
    ansi: str
    swatch: str

    @property
    def name(self) -> str:
        """``"yellow"``, ``"green"``, ..."""
        return self.color.value

    def shade(self, color_system: str | None) -> Shade:
        """The shade for a terminal's colour system (Rich's names: "standard", "256", ...)."""
        return self.sixteen if color_system in {"standard", "windows"} else self.full


_BLACK, _WHITE = "#000000", "#ffffff"

#: The highlight colours in key order (1-5).
HIGHLIGHT_COLORS: tuple[HighlightColor, ...] = (
    HighlightColor(Color.YELLOW, Shade("#7a6a00", _WHITE), Shade("#808000", _BLACK),
                   "yellow", "#c9a800"),
    HighlightColor(Color.GREEN, Shade("#1e6b2a", _WHITE), Shade("#008000", _WHITE),
                   "green", "#2fa84f"),
    HighlightColor(Color.BLUE, Shade("#1f4e8c", _WHITE), Shade("#000080", _WHITE),
                   "blue", "#3a7bd5"),
    HighlightColor(Color.PINK, Shade("#8c2a5e", _WHITE), Shade("#ff00ff", _BLACK),
                   "bright_magenta", "#d6468f"),
    HighlightColor(Color.PURPLE, Shade("#5b2d8c", _WHITE), Shade("#800080", _WHITE),
                   "magenta", "#8a4fd6"),
)  # fmt: skip

#: The colour names in key order.
HIGHLIGHT_NAMES: tuple[str, ...] = tuple(entry.name for entry in HIGHLIGHT_COLORS)

_BY_NAME = {entry.name: entry for entry in HIGHLIGHT_COLORS}


def highlight_color(name: str) -> HighlightColor:
    """The colour called ``name`` (yellow for an unknown name)."""
    return _BY_NAME.get(name, HIGHLIGHT_COLORS[0])


def no_color_style(order: int) -> str:
    """The text attributes of the ``order``-th highlight (in text order) without colour."""
    return "reverse" if order % 2 == 0 else "reverse underline"
