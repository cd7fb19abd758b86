"""The first-run welcome above the bundled sample: five keys and how to add articles."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Static

KEYS = (
    ("enter", "open"),
    ("] [", "sentence cursor"),
    ("h", "highlight"),
    ("c", "note"),
    ("/", "search"),
)


def welcome_text() -> Text:
    """The welcome message as plain styled text (three lines)."""
    text = Text()
    text.append("Welcome to postil", style="bold")
    text.append(" — this is the bundled sample article.\n")
    for number, (key, what) in enumerate(KEYS):
        if number:
            text.append("  ·  ")
        text.append(key, style="bold")
        text.append(f" {what}")
    text.append("  ·  ")
    text.append("?", style="bold")
    text.append(" every key\n")
    text.append("Your own articles: ")
    text.append("postil add FILE", style="bold")
    text.append("  or  ")
    text.append("postil --library DIR", style="bold")
    text.append("  (or library = [...] in the settings file)")
    return text


class WelcomeBanner(Vertical):
    """A dismissible welcome above the sample library (Got it, or opening an article, hides it
    for good)."""

    DEFAULT_CSS = """
    WelcomeBanner {
        layout: horizontal;
        height: auto;
        margin: 0 1;
        padding: 0 1;
        border: round $accent;
        background: $surface;
    }
    WelcomeBanner > Static { width: 1fr; }
    WelcomeBanner > Button { margin: 0; min-width: 10; height: 3; }
    """

    class Dismissed(Message):
        """The reader dismissed the welcome."""

    def compose(self) -> ComposeResult:
        """Message and button."""
        yield Static(welcome_text())
        yield Button("Got it", id="welcome-ok", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Hide the banner."""
        event.stop()
        self.dismiss()

    def dismiss(self) -> None:
        """Hide the banner and tell the screen."""
        if self.display:
            self.display = False
            self.post_message(self.Dismissed())
