"""Confirm before opening a link: lists the links near the cursor with their full URLs."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from reader.sanitize import clean_line
from reader.ui.widgets.moving_option_list import MovingOptionList


class LinkDialog(ModalScreen[str | None]):
    """Shows links as "text → URL"; Enter opens the chosen one, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True)]

    def __init__(self, links: list[tuple[str, str]]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        """Title, links, hint."""
        with Vertical(id="link-dialog", classes="dialog"):
            yield Label(Text("Open a link in your browser?", style="bold"))
            options = []
            for index, (label, url) in enumerate(self.links):
                line = Text(clean_line(label) or "(link)", style="bold")
                line.append("\n  → ")
                line.append(clean_line(url), style="underline")
                options.append(Option(line, id=str(index)))
            yield MovingOptionList(*options, id="link-list")
            yield Label(Text("enter opens  ·  esc cancels", style="dim"))

    def on_mount(self) -> None:
        """Focus the list."""
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.links[event.option_index][1])

    def action_cancel(self) -> None:
        """Close without opening anything."""
        self.dismiss(None)
