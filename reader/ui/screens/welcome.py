"""The first-run welcome shown over the bundled sample: five keys and how to add articles."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

KEYS = (
    ("enter", "open the article under the cursor"),
    ("] [", "move the sentence cursor; v starts a selection"),
    ("h", "highlight the sentence or selection; c adds a note, t tags"),
    ("/", "search this article or, with tab, the whole library"),
    ("e", "export your highlights as Markdown (? lists every key)"),
)

ADDING = (
    "This is the bundled sample. To read your own articles:\n"
    "  postil add article.md page.html      copy them into your library\n"
    "  postil --library ~/Articles          read a folder where it is\n"
    "  library = [\"~/Articles\"]             the same, in the settings file (postil config)"
)


def welcome_text() -> Text:
    """The welcome message as plain styled text."""
    text = Text()
    text.append("Welcome to postil\n\n", style="bold")
    for key, what in KEYS:
        text.append(f"  {key:<7}", style="bold")
        text.append(f"{what}\n")
    text.append("\n")
    text.append(ADDING)
    return text


class WelcomeScreen(ModalScreen[bool]):
    """Dismissed with True (don't show again) by Enter, Escape or the button."""

    BINDINGS = [
        Binding("escape,enter,q", "dismiss_welcome", "Got it", priority=True),
    ]

    def compose(self) -> ComposeResult:
        """Message and button."""
        with Vertical(id="welcome-dialog", classes="dialog"):
            yield Static(welcome_text())
            yield Button("Got it", id="welcome-ok", variant="primary")

    def on_button_pressed(self) -> None:
        """Close."""
        self.dismiss(True)

    def action_dismiss_welcome(self) -> None:
        """Close."""
        self.dismiss(True)
