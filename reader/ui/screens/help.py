"""The help screen: every key of the screen it was opened from, generated from the bindings."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

HOW_TO = """\
Highlighting: move the sentence cursor with ] and [, or start a selection with v and extend it
with ] [ → ← ↓ ↑ (or drag with the mouse), then press h. Keys 1-5 recolour the highlight under
the cursor, x deletes it, u undoes.

Notes and tags: c opens the note editor for the highlight under the cursor (ctrl+s saves), t edits
its tags. a shows every highlight of the article; type to filter, enter jumps.

Search: / searches the article (tab: the whole library); typos are fine. Enter jumps to the
passage and selects it, so h right after highlights exactly what was found; n / N step through
the hits.

Export: e writes this article's annotations as Markdown to the export folder; the command palette
(ctrl+p) exports everything. From a shell: postil export --dir ~/notes, postil export --format json.
"""


SECTION_NAMES = {
    "PostilApp": "Everywhere",
    "ReadingScreen": "Reading",
    "ArticleView": "Moving, the sentence cursor and selecting",
    "LibraryScreen": "Library",
    "ReviewScreen": "Review",
    "ArticleTable": "Library list",
    "AnnotationsPanel": "Annotations panel",
}


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One line of the help: the key(s) and what they do."""

    keys: str
    description: str
    section: str


def collect_keys(screen: Screen[object]) -> list[KeyHelp]:
    """The active bindings of ``screen`` (focused widget, screen, app), one entry per action."""
    app = screen.app
    by_action: dict[tuple[str, str], KeyHelp] = {}
    for _key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not binding.description and not binding.action:
            continue
        section = type(active.node).__name__
        section = SECTION_NAMES.get(section, section)
        description = binding.description or binding.action.replace("_", " ")
        key_display = app.get_key_display(binding)
        existing = by_action.get((section, binding.action))
        keys = key_display if existing is None else f"{existing.keys}  {key_display}"
        by_action[(section, binding.action)] = KeyHelp(keys, description, section)
    own = SECTION_NAMES.get(type(screen).__name__, type(screen).__name__)
    order = [own, SECTION_NAMES["ArticleView"]]
    return sorted(
        by_action.values(),
        key=lambda k: (order.index(k.section) if k.section in order else len(order),
                       k.section, k.description.lower()),
    )


def render_keys(keys: list[KeyHelp]) -> Text:
    """Format the key list as plain text (never markup)."""
    text = Text()
    width = max((len(k.keys) for k in keys), default=8) + 2
    section = None
    for entry in keys:
        if entry.section != section:
            section = entry.section
            if text:
                text.append("\n")
            text.append(f"{section}\n", style="bold underline")
        text.append(entry.keys.ljust(width), style="bold")
        text.append(f"{entry.description}\n")
    return text


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen underneath, plus a short how-to."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", priority=True)]

    def __init__(self, keys: list[KeyHelp], title: str) -> None:
        super().__init__()
        self.keys = keys
        self.title_text = title

    def compose(self) -> ComposeResult:
        """Keys, then the how-to."""
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(Text(f"postil — keys for the {self.title_text}", style="bold"))
            yield Static(render_keys(self.keys), id="help-keys")
            yield Static(Text("How to", style="bold underline"))
            yield Static(Text(HOW_TO), id="help-howto")
            yield Static(Text("esc closes · ctrl+p opens the command palette", style="dim"))

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
