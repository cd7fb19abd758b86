"""An option list that moves like less/vim: Home/End and g/G to the first/last entry."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList


class MovingOptionList(OptionList):
    """:class:`OptionList` with ``g``/``G`` beside Home/End, PgUp/PgDn (as in less and vim)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g,home", "first", "First", show=False, id="list_first"),
        Binding("G,end", "last", "Last", show=False, id="list_last"),
        Binding("pageup", "page_up", "Page up", show=False, id="list_page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list_page_down"),
    ]
