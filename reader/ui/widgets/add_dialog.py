"""A modal asking for an article file to copy into the library (like ``postil add``)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class AddDialog(ModalScreen[str | None]):
    """Dismissed with the path typed (Enter), or None (Escape)."""

    AUTO_FOCUS = "#add-path"
    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True)]

    def __init__(self, library: str) -> None:
        super().__init__()
        self.library = library

    def compose(self) -> ComposeResult:
        """Prompt, path box, hint."""
        with Vertical(id="add-dialog", classes="dialog"):
            yield Label(Text("Add an article to your library", style="bold"))
            yield Input(placeholder="~/Downloads/article.html (.txt, .md, .html or .epub)",
                        id="add-path")
            hint = Text("enter copies it into ", style="dim")
            hint.append(self.library, style="dim bold")
            hint.append("  ·  HTML is stored as Markdown  ·  esc cancels", style="dim")
            yield Label(hint)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        """Close without adding."""
        self.dismiss(None)
