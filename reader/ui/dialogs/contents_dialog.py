"""The table-of-contents dialog: nested entries, the current one marked, type to filter.

It receives the entries and the current entry's index when it is made, and is dismissed with
the chosen entry's ``start`` offset (None when cancelled); it knows nothing of the app.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from reader.book import TocEntry, filter_entries
from reader.sanitize import clean_line

#: Marker before the entry the reader is in.
CURRENT_MARK = "▶ "


class ContentsDialog(ModalScreen[int | None]):
    """Pick a contents entry: typing filters (fuzzy), ↑/↓ move, Enter jumps, Escape closes."""

    AUTO_FOCUS = "#contents-filter"
    BINDINGS = [
        Binding("escape", "cancel", "Close", priority=True),
        Binding("down", "move(1)", "Down", show=False, priority=True),
        Binding("up", "move(-1)", "Up", show=False, priority=True),
        Binding("pagedown", "move(10)", "Page down", show=False, priority=True),
        Binding("pageup", "move(-10)", "Page up", show=False, priority=True),
    ]

    def __init__(self, entries: list[TocEntry], current: int | None, title: str = "") -> None:
        super().__init__()
        self.entries = entries
        self.current = current
        self.book_title = title
        self.shown: list[int] = list(range(len(entries)))

    def compose(self) -> ComposeResult:
        """Heading, filter box, entries, hint."""
        with Vertical(id="contents-dialog", classes="dialog"):
            heading = Text("Contents", style="bold")
            if self.book_title:
                heading.append(f" — {clean_line(self.book_title)}", style="")
            yield Label(heading)
            yield Input(placeholder="type to filter", id="contents-filter")
            yield OptionList(id="contents-list")
            yield Label(Text("enter jumps  ·  ↑/↓ move  ·  esc closes", style="dim"))

    def on_mount(self) -> None:
        """Show every entry with the current one highlighted."""
        self._fill()

    def _label(self, index: int) -> Text:
        entry = self.entries[index]
        text = Text("  " * max(0, min(entry.level, 12) - 1))
        if index == self.current:
            text.append(CURRENT_MARK, style="bold")
            text.append(clean_line(entry.title) or "(untitled)", style="bold")
        else:
            text.append("  ")
            text.append(clean_line(entry.title) or "(untitled)")
        return text

    def _fill(self) -> None:
        options = self.query_one("#contents-list", OptionList)
        options.clear_options()
        options.add_options([Option(self._label(index), id=str(index)) for index in self.shown])
        if not self.shown:
            return
        if self.current in self.shown:
            options.highlighted = self.shown.index(self.current)
        else:
            options.highlighted = 0

    @on(Input.Changed, "#contents-filter")
    def _filter(self, event: Input.Changed) -> None:
        titles = [entry.title for entry in self.entries]
        self.shown = filter_entries(titles, event.value)
        self._fill()

    def action_move(self, step: int) -> None:
        """Move the highlighted entry."""
        options = self.query_one("#contents-list", OptionList)
        if not self.shown:
            return
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(len(self.shown) - 1, current + step))

    @on(Input.Submitted, "#contents-filter")
    def _submitted(self) -> None:
        options = self.query_one("#contents-list", OptionList)
        if options.highlighted is not None and self.shown:
            self.dismiss(self.entries[self.shown[options.highlighted]].start)

    @on(OptionList.OptionSelected, "#contents-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.entries[self.shown[event.option_index]].start)

    def action_cancel(self) -> None:
        """Close without jumping."""
        self.dismiss(None)
