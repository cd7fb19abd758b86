"""The first-run welcome above the bundled sample: five keys and how to add articles."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
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


class WelcomeBanner(Vertical):
    """A dismissible welcome above the sample library (Got it, or opening an article, hides it
    for good)."""

    DEFAULT_CSS = """
    WelcomeBanner {
        height: auto;
        margin: 0 1 1 1;
        padding: 0 2;
        border: round $accent;
        background: $surface;
    }
    WelcomeBanner > Button { margin: 0; min-width: 12; }
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
