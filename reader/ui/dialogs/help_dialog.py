"""The help dialog: every key of the screen it was opened from, generated from the bindings."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

#: The how-to, one paragraph per entry: the help screen wraps them to its width.
HOW_TO_PARAGRAPHS = (
    "Highlighting: move the sentence cursor with ] and [, or start a selection with v and "
    "extend it with ] [ → ← ↓ ↑ (or drag with the mouse), then press h. Keys 1-5 recolour "
    "the highlight under the cursor, x deletes it, u undoes.",
    "Notes and tags: c opens the note editor for the highlight under the cursor (ctrl+s "
    "saves), t edits its tags. a shows every highlight of the article; type to filter, enter "
    "jumps, esc closes.",
    "Search: / searches the article (tab: the whole library); typos are fine. Enter jumps to "
    "the passage and selects it, so h right after highlights exactly what was found; n / N "
    "step through the hits.",
    "Lists (library, annotations, search results): ↑ ↓, PgUp PgDn, Home End and g G move; "
    "any other letter typed in the library or the annotations list filters it (press f first "
    "to filter by a word starting with g, q, s, f or r).",
    "Export: e writes this article's annotations as Markdown to the export folder; the "
    "command palette (ctrl+p) exports everything. From a shell: postil export --dir ~/notes, "
    "postil export --format json.",
)
HOW_TO = "\n\n".join(HOW_TO_PARAGRAPHS)


SECTION_NAMES = {
    "PostilApp": "Everywhere",
    "ReadingScreen": "Reading",
    "ArticleView": "Moving, the sentence cursor and selecting",
    "LibraryScreen": "Library",
    "ReviewScreen": "Review",
    "ArticleTable": "Library list",
    "AnnotationsPanel": "Annotations panel",
    "MovingOptionList": "List",
}

#: Bindings from Textual itself that are worth listing (the rest — focus next, page
#: left/right, cursor keys of generic widgets — only clutter the help).
_USEFUL_BUILTIN = {
    "command_palette": "Command palette",
    "screen.copy_text": "Copy the selected text",
}


def _declared_by_postil(node: object, action: str) -> int | None:
    """Where ``action`` is bound in the BINDINGS of one of postil's own classes (its index
    there, so that the help lists keys in the order they are declared), else None."""
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("reader."):
            continue
        for index, entry in enumerate(cls.__dict__.get("BINDINGS", ())):
            bound = entry.action if isinstance(entry, Binding) else entry[1]
            if bound == action:
                return index
    return None


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
    position: dict[tuple[str, str], int] = {}
    for _key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not binding.description and not binding.action:
            continue
        builtin = _USEFUL_BUILTIN.get(binding.action)
        declared = _declared_by_postil(active.node, binding.action)
        if builtin is None and declared is None:
            continue
        section = type(active.node).__name__
        section = SECTION_NAMES.get(section, section)
        description = builtin or binding.description or binding.action.replace("_", " ")
        key_display = app.get_key_display(binding)
        existing = by_action.get((section, binding.action))
        keys = key_display if existing is None else f"{existing.keys}  {key_display}"
        by_action[(section, binding.action)] = KeyHelp(keys, description, section)
        position.setdefault((section, binding.action), -1 if declared is None else declared)
    own = SECTION_NAMES.get(type(screen).__name__, type(screen).__name__)
    order = [own, SECTION_NAMES["ArticleView"]]
    # Within a section, entries keep the order they are declared in (colours 1-5 in order).
    ranked = sorted(
        by_action.items(),
        key=lambda item: (
            order.index(item[1].section) if item[1].section in order else len(order),
            item[1].section,
            position[item[0]],
        ),
    )
    return [entry for _key, entry in ranked]


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


class HelpDialog(ModalScreen[None]):
    """Lists the keys of the screen underneath, plus a short how-to."""

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close", priority=True),
        Binding("g", "scroll('home')", "Top", show=False),
        Binding("G", "scroll('end')", "Bottom", show=False),
    ]

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
            for paragraph in HOW_TO_PARAGRAPHS:
                yield Static(Text(paragraph), classes="help-howto")
            yield Static(Text("esc closes · ctrl+p opens the command palette", style="dim"))

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)

    def action_scroll(self, where: str) -> None:
        """g / G: to the top / bottom of the help (Home/End work as well)."""
        scroller = self.query_one("#help-dialog", VerticalScroll)
        if where == "home":
            scroller.scroll_home(animate=False)
        else:
            scroller.scroll_end(animate=False)
