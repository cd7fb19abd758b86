"""A footnote read in place: the note's text in a popup over the page.

Dismissed with True when the reader wants to go to the note itself (Enter), False otherwise.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from reader.sanitize import clean_line, clean_text


class FootnoteDialog(ModalScreen[bool]):
    """Shows a note's text; Enter goes to it, Escape (or o, q) closes."""

    BINDINGS = [
        Binding("escape,q,o", "close", "Close", priority=True),
        Binding("enter,g", "go", "Go to note", priority=True),
    ]

    def __init__(self, label: str, text: str) -> None:
        super().__init__()
        self.label = label
        self.text = text

    def compose(self) -> ComposeResult:
        """Heading, the note, hint."""
        with Vertical(id="footnote-dialog", classes="dialog"):
            heading = Text("Note ", style="bold")
            heading.append(clean_line(self.label), style="bold")
            yield Label(heading)
            with VerticalScroll(id="footnote-scroll"):
                yield Static(Text(clean_text(self.text)), id="footnote-text")
            yield Label(Text("esc closes  ·  enter goes to the note (ctrl+o comes back)",
                             style="dim"))

    def action_close(self) -> None:
        """Back to the page."""
        self.dismiss(False)

    def action_go(self) -> None:
        """Go to the note in the text."""
        self.dismiss(True)
