"""A modal editor for a highlight's note (Markdown); ctrl+s saves, Escape cancels."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from reader.sanitize import clean_line, clean_text


class NoteDialog(ModalScreen[str | None]):
    """Edit a note; dismissed with the new text, or None when cancelled."""

    AUTO_FOCUS = "#note-text"
    BINDINGS = [
        # Not a priority binding: the key then reaches the editor after the keys typed before it,
        # so a fast typist's last letters are saved too.
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, quote: str, note: str) -> None:
        super().__init__()
        self.quote = quote
        self.note = note

    def compose(self) -> ComposeResult:
        """Quote, editor, hint."""
        with Vertical(id="note-dialog", classes="dialog"):
            yield Label(Text("Note", style="bold"))
            quote = clean_line(self.quote)
            if len(quote) > 300:
                quote = quote[:299] + "…"
            yield Static(Text(f"“{quote}”", style="italic"), classes="dialog-quote")
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Label(Text("ctrl+s save  ·  esc cancel  ·  Markdown welcome", style="dim"))

    def on_mount(self) -> None:
        """Start typing at the end of the note."""
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        """Save the note."""
        # Control characters and escape sequences (from a paste) are not note text.
        self.dismiss(clean_text(self.query_one(TextArea).text))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
