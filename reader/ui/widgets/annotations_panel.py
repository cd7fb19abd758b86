"""The annotations panel beside the text: the article's highlights in reading order."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from annotations.anchoring import needs_review
from annotations.model import AnchorStatus, Annotation
from reader.highlight_colors import highlight_color
from reader.sanitize import clean_line
from reader.search import search_annotations
from reader.ui.type_filter import TypeToFilter
from reader.ui.widgets.moving_option_list import MovingOptionList


def annotation_label(
    annotation: Annotation, width: int = 60, color_system: str | None = "truecolor"
) -> Text:
    """The panel entry for one annotation: colour, quote, note, tags, status."""
    label = Text(no_wrap=False)
    color = highlight_color(annotation.color.value)
    swatch = color.swatch if color.shade(color_system) is color.full else color.sixteen.background
    label.append("█ ", style=swatch)
    quote = clean_line(annotation.quote.exact)
    if len(quote) > width * 2:
        quote = quote[: width * 2 - 1] + "…"
    label.append(f"“{quote}”", style="italic")
    note = clean_line(annotation.note)
    if note:
        label.append("\n  ✎ ", style="bold")
        label.append(note if len(note) <= width * 2 else note[: width * 2 - 1] + "…")
    if annotation.tags:
        label.append("\n  " + " ".join(f"#{clean_line(tag)}" for tag in annotation.tags),
                     style="dim")
    if annotation.chapter:
        label.append(f"\n  § {clean_line(annotation.chapter)[:width]}", style="dim")
    if annotation.status is AnchorStatus.FUZZY and needs_review(annotation):
        label.append(f"\n  [needs review · fuzzy {annotation.score:g}%]", style="bold yellow")
    elif annotation.status is not AnchorStatus.ANCHORED:
        style = "bold red" if annotation.status is AnchorStatus.ORPHANED else "dim"
        label.append(f"\n  [{annotation.status.value}]", style=style)
    return label


#: Filter words that select by placement instead of searching the text.
STATUS_FILTERS = {
    "is:review": lambda a: needs_review(a),
    "is:orphan": lambda a: a.status is AnchorStatus.ORPHANED,
    "is:fuzzy": lambda a: a.status is AnchorStatus.FUZZY,
    "is:moved": lambda a: a.status is AnchorStatus.MOVED,
}


#: Filter hits must contain every typed word (typos allowed): search scores 60 and up.
MIN_FILTER_SCORE = 60


class AnnotationsPanel(Vertical):
    """Lists highlights (orphans last); typing filters; Enter jumps to one."""

    DEFAULT_CSS = """
    AnnotationsPanel { width: 42; border-left: vkey $panel; padding: 0 1; }
    AnnotationsPanel > Input { margin: 0 0 1 0; }
    AnnotationsPanel > Input.-typing { border: tall $accent; }
    AnnotationsPanel > OptionList { height: 1fr; }
    """

    class Jump(Message):
        """The reader chose an annotation to jump to."""

        def __init__(self, annotation_id: str) -> None:
            super().__init__()
            self.annotation_id = annotation_id

    class Closed(Message):
        """The reader closed the panel with Escape."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._annotations: list[Annotation] = []
        self._typing: TypeToFilter

    def on_mount(self) -> None:
        """Letters typed in the list filter it (``g``/``G`` move to the first/last entry)."""
        self._typing = TypeToFilter(
            self.query_one("#annotations-filter", Input),
            starts=lambda character: (character.isalnum() or character == "#")
            and character not in "gG",
        )

    def compose(self) -> ComposeResult:
        """Title, filter, list."""
        yield Label(Text("Annotations", style="bold"), id="annotations-title")
        yield Input(placeholder="Filter quotes, notes, #tags…", id="annotations-filter",
                    select_on_focus=False)
        yield MovingOptionList(id="annotations-list")

    def show(self, annotations: list[Annotation], text: str = "") -> None:
        """Show ``annotations`` in reading order, orphans last."""
        self._annotations = sorted(
            annotations,
            key=lambda a: (a.status is AnchorStatus.ORPHANED, a.start, a.end),
        )
        self._rebuild()

    def _rebuild(self) -> None:
        query = self.query_one("#annotations-filter", Input).value
        options = self.query_one(OptionList)
        highlighted = options.highlighted_option.id if options.highlighted_option else None
        options.clear_options()
        words = query.split()
        checks = [STATUS_FILTERS[w.lower()] for w in words if w.lower() in STATUS_FILTERS]
        query = " ".join(w for w in words if w.lower() not in STATUS_FILTERS)
        candidates = [a for a in self._annotations if all(check(a) for check in checks)]
        if query.strip():
            # Typo-tolerant ranking over quote, note and tags, best first.
            ranked = search_annotations(candidates, query, limit=len(candidates))
            shown = [hit.annotation for hit in ranked if hit.score >= MIN_FILTER_SCORE]
        else:
            shown = candidates
        system = self.app.console.color_system
        options.add_options(
            [Option(annotation_label(a, color_system=system), id=a.id) for a in shown]
        )
        anchored = sum(1 for a in self._annotations if a.status is not AnchorStatus.ORPHANED)
        orphans = len(self._annotations) - anchored
        title = f"Annotations ({len(self._annotations)})"
        if orphans:
            title += f" · {orphans} orphaned"
        review = sum(1 for a in self._annotations if a.status is AnchorStatus.FUZZY
                     and needs_review(a))
        if review:
            title += f" · {review} need review"
        self.query_one("#annotations-title", Label).update(Text(title, style="bold"))
        if highlighted is not None:
            try:
                options.highlighted = options.get_option_index(highlighted)
            except Exception:
                pass

    @property
    def chosen_id(self) -> str | None:
        """The id of the entry highlighted in the list (when the panel is shown), or None."""
        options = self.query_one(OptionList)
        if not self.display or options.highlighted_option is None:
            return None
        return options.highlighted_option.id

    def focus_list(self) -> None:
        """Focus the list (typing then filters)."""
        self.query_one(OptionList).focus()

    def point_at(self, offset: int) -> None:
        """Highlight the entry nearest the reader's position (without moving focus)."""
        options = self.query_one(OptionList)
        if not self.display or options.has_focus or not self._annotations:
            return
        for index, option in enumerate(options.options):
            annotation = next((a for a in self._annotations if a.id == option.id), None)
            if annotation is not None and annotation.end > offset:
                options.highlighted = index
                return

    @on(Input.Changed, "#annotations-filter")
    def _filter(self) -> None:
        self._rebuild()

    @on(Input.Submitted, "#annotations-filter")
    def _filter_done(self) -> None:
        self.query_one(OptionList).focus()
        self._first()

    @on(OptionList.OptionSelected, "#annotations-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Jump(event.option.id))

    def on_key(self, event: events.Key) -> None:
        """Typing in the list edits the filter (every key, in order); ↓ from the filter lands
        on the first entry; Escape clears the filter, then closes the panel."""
        box = self.query_one("#annotations-filter", Input)
        options = self.query_one(OptionList)
        if options.has_focus and self._typing.handle(event):
            event.stop()
            event.prevent_default()
        elif options.has_focus and self._typing.active and event.key in {"down", "up"}:
            self._typing.stop()
            self._first()
            event.stop()
            event.prevent_default()
        elif options.has_focus and self._typing.active and event.key == "enter":
            self._typing.stop()
            self._filter_done()
            event.stop()
            event.prevent_default()
        elif event.key == "escape" and (box.has_focus or self._typing.active or box.value):
            self._typing.stop()
            box.value = ""
            options.focus()
            event.stop()
            event.prevent_default()
        elif options.has_focus and event.key == "escape":
            self.post_message(self.Closed())
            event.stop()
            event.prevent_default()
        elif box.has_focus and event.key == "down":
            self._first()
            options.focus()
            event.stop()
            event.prevent_default()

    def _first(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = 0
