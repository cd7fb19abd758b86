"""A modal input for a highlight's tags, completing from tags already in use."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label

from annotations.model import normalize_tags
from reader.sanitize import clean_line
from reader.ui.status_line import ellipsize


class TagSuggester(Suggester):
    """Completes the last tag being typed from the known tags."""

    def __init__(self, known: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.known = known

    async def get_suggestion(self, value: str) -> str | None:
        """Suggest the whole value with its last word completed."""
        head, _, last = value.rpartition(" ")
        word = last.lstrip("#").lower()
        if not word:
            return None
        for tag in self.known:
            if tag.startswith(word) and tag != word:
                prefix = f"{head} " if head else ""
                hashes = "#" if last.startswith("#") else ""
                return f"{prefix}{hashes}{tag}"
        return None


def parse_tags(value: str) -> list[str]:
    """Split what was typed into normalised tags (spaces or commas separate tags)."""
    return list(normalize_tags(clean_line(value).replace(",", " ").split()))


class TagDialog(ModalScreen[list[str] | None]):
    """Edit tags; dismissed with the tag list, or None when cancelled."""

    AUTO_FOCUS = "#tag-input"
    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True)]

    def __init__(self, tags: list[str], known: list[str], *, quote: str = "") -> None:
        super().__init__()
        self.tags = tags
        self.known = known
        self.quote = quote
        """The highlighted text the tags are for (shown, so it is clear which highlight)."""

    def compose(self) -> ComposeResult:
        """Input with completion and a hint."""
        with Vertical(id="tag-dialog", classes="dialog"):
            title = Text("Tags", style="bold")
            if self.quote:
                title.append(" for ", style="bold")
                title.append(f"“{ellipsize(clean_line(self.quote), 110)}”", style="italic")
            yield Label(title, id="tag-title")
            yield Input(
                " ".join(self.tags),
                placeholder="e.g. policy china 5g",
                suggester=TagSuggester(self.known),
                id="tag-input",
                select_on_focus=False,  # typing adds to the tags, never replaces them
            )
            hint = "space or comma between tags  ·  → accepts a suggestion  ·  enter saves"
            yield Label(Text(hint, style="dim"), classes="dialog-hint")
            if self.known:
                yield Label(Text("in use: " + " ".join(f"#{t}" for t in self.known[:20]),
                                 style="dim italic"))

    def on_mount(self) -> None:
        """Focus the input with the cursor at the end."""
        box = self.query_one(Input)
        box.focus()
        if box.value:
            box.value += " "
        box.cursor_position = len(box.value)

    @on(Input.Submitted)
    def _save(self, event: Input.Submitted) -> None:
        self.dismiss(parse_tags(event.value))

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
