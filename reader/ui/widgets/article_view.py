"""The reading view: a Line-API widget that shows one article in a centred column.

Only visible rows are rendered (``render_line``); rendered strips are cached per row until
something they show changes, and dropped when the width does. The widget only renders and
handles keys; the jobs it draws on are plain Python modules without Textual:

- wrapping into rows: :class:`~reader.ui.layout.TextLayout`, rebuilt when the width changes;
- which highlights cover a row or an offset: :class:`~reader.ui.highlight_index.HighlightIndex`;
- the sentence cursor and the selection: :class:`~reader.ui.selection.SelectionModel`.

Every position is a canonical text offset, so highlights, the sentence cursor, search hits and
selections all line up with the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Offset, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from reader.config import DEFAULT_READING_WIDTH
from reader.document import Block, BlockKind, Document
from reader.highlight_colors import highlight_color, no_color_style
from reader.reading_progress import reading_progress
from reader.ui.highlight_index import Highlight, HighlightIndex
from reader.ui.layout import Row, TextLayout, block_indent, collapsed_blocks, decoration
from reader.ui.selection import SelectionModel, Step, TextRange

__all__ = ["ArticleView", "Highlight"]

#: The component class (``article-view--NAME``) that styles each kind of block.
_BLOCK_STYLES = {
    BlockKind.TITLE: "title",
    BlockKind.DEK: "dek",
    BlockKind.BYLINE: "byline",
    BlockKind.HEADING: "heading",
    BlockKind.QUOTE: "quote",
    BlockKind.CODE: "code",
    BlockKind.CHROME: "chrome",
    BlockKind.RULE: "decoration",
    BlockKind.IMAGE: "decoration",
    BlockKind.NOTE: "dek",
}

#: The component class that styles each inline span style (strike is drawn directly).
_SPAN_STYLES = {
    "em": "em", "strong": "strong", "link": "link", "code": "inline-code", "image": "decoration",
}


class ArticleView(ScrollView, can_focus=True):
    """Shows a :class:`~reader.document.Document` with highlights, cursor and selection."""

    ALLOW_SELECT: ClassVar[bool] = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "line_down", "Down", show=False, id="line_down"),
        Binding("k,up", "line_up", "Up", show=False, id="line_up"),
        Binding("space,pagedown", "page_down", "Page down", show=False, id="page_down"),
        Binding("b,pageup", "page_up", "Page up", show=False, id="page_up"),
        Binding("g,home", "top", "Top", show=False, id="top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="bottom"),
        Binding(
            "right_square_bracket", "next_sentence", "Next sentence", show=False,
            id="next_sentence",
        ),
        Binding(
            "left_square_bracket", "previous_sentence", "Prev sentence", show=False,
            id="previous_sentence",
        ),
        Binding("v", "toggle_select", "Select", show=False, id="toggle_select"),
        Binding("right", "extend_right", "Extend", show=False, id="extend_right"),
        Binding("left", "extend_left", "Shrink", show=False, id="extend_left"),
        Binding("z", "toggle_chrome", "Chrome", show=False, id="toggle_chrome"),
    ]

    COMPONENT_CLASSES = {
        "article-view--title",
        "article-view--dek",
        "article-view--byline",
        "article-view--heading",
        "article-view--quote",
        "article-view--code",
        "article-view--chrome",
        "article-view--decoration",
        "article-view--em",
        "article-view--strong",
        "article-view--link",
        "article-view--inline-code",
        "article-view--cursor",
        "article-view--selection",
        "article-view--flash",
        "article-view--note-marker",
    }

    DEFAULT_CSS = """
    ArticleView {
        background: $background;
        color: $foreground;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    ArticleView > .article-view--title { text-style: bold; color: $accent; }
    ArticleView > .article-view--dek { text-style: italic; color: $foreground 80%; }
    ArticleView > .article-view--byline { text-style: bold; color: $secondary; }
    ArticleView > .article-view--heading { text-style: bold; color: $primary; }
    ArticleView > .article-view--quote { text-style: italic; }
    ArticleView > .article-view--code { color: $text-success; }
    ArticleView > .article-view--chrome { color: $foreground 40%; text-style: italic; }
    ArticleView > .article-view--decoration { color: $foreground 40%; }
    ArticleView > .article-view--em { text-style: italic; }
    ArticleView > .article-view--strong { text-style: bold; }
    ArticleView > .article-view--link { text-style: underline; color: $text-primary; }
    ArticleView > .article-view--inline-code { color: $text-success; }
    ArticleView > .article-view--cursor { text-style: underline; background: $primary 15%; }
    /* On a light page a 15% tint is barely there: twice as much reads as clearly (a test
       checks its contrast in every built-in light theme). */
    ArticleView:light > .article-view--cursor { background: $primary 30%; }
    ArticleView > .article-view--selection { background: $primary 45%; }
    ArticleView > .article-view--flash { background: $warning 60%; }
    ArticleView > .article-view--note-marker { color: $warning; text-style: bold; }
    """

    reading_width: reactive[int] = reactive(DEFAULT_READING_WIDTH)
    show_chrome: reactive[bool] = reactive(False)

    class PositionChanged(Message):
        """The reader scrolled: ``offset`` is the first shown character, ``progress`` 0-1."""

        def __init__(self, view: ArticleView, offset: int, progress: float) -> None:
            super().__init__()
            self.view = view
            self.offset = offset
            self.progress = progress

        def can_replace(self, message: Message) -> bool:
            """A burst of scroll positions collapses into the newest."""
            return isinstance(message, ArticleView.PositionChanged)

    class CursorMoved(Message):
        """The sentence cursor or the selection changed."""

        def __init__(self, view: ArticleView) -> None:
            super().__init__()
            self.view = view

        def can_replace(self, message: Message) -> bool:
            """Only the latest cursor position matters."""
            return isinstance(message, ArticleView.CursorMoved)

    def __init__(
        self,
        document: Document | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.document = document or Document("", [])
        self._layout: TextLayout | None = None
        self._strip_cache: dict[int, Strip] = {}
        self._resolved_styles: dict[str, Style] = {}
        self.highlights = HighlightIndex()
        """The highlights drawn (replaced as a whole by :meth:`set_highlights`)."""
        self._marks = SelectionModel()
        self._flash: TextRange | None = None
        self._pending_offset: int | None = None
        self._pending_center = False
        self.complete = True
        """False while only part of the article (a preview, or nothing yet) is shown."""
        self._deferred: list[Callable[[], object]] = []
        self._pending_place: tuple[int, int] | None = None
        """(offset, screen row) to keep in place across the next relayout (``z``)."""

    # ----------------------------------------------------------------- loading
    def begin_loading(self) -> None:
        """The article is being loaded: keys that need all of it wait until it is shown."""
        self.complete = False

    def when_complete(self, action: Callable[[], object], *, now: bool = False) -> bool:
        """Run ``action`` once the whole article is shown; True if it was queued.

        ``now`` says the action can act on what is shown already (a scroll within the
        preview); it still waits if earlier keys are waiting, so keys keep their order.
        """
        if self.complete and self._pending_offset is None and not self._deferred:
            return False
        if now and self.complete is False and not self._deferred and self.shows_text:
            return False
        self._deferred.append(action)
        return True

    @property
    def shows_text(self) -> bool:
        """True once some text (a preview, or the whole article) is laid out and scrolled to
        its starting place: keys that only move act on it."""
        return self._layout is not None and self._pending_offset is None and bool(
            self.document.text
        )

    def _run_deferred(self) -> None:
        if not self.complete:
            return
        waiting, self._deferred = self._deferred, []
        for action in waiting:
            action()

    # ----------------------------------------------------------------- document and layout
    def set_document(self, document: Document, offset: int = 0, *,
                     complete: bool = True, layout: TextLayout | None = None) -> None:
        """Show ``document`` and scroll so that ``offset`` is at the top.

        ``complete=False`` marks a preview: keys that need the whole article wait for the
        complete document and then act on it, in the order they were pressed. ``layout``: the
        document laid out beforehand off this thread (:meth:`prepare_layout`), used if the
        width and the chrome setting are still the ones it was made for.
        """
        self.document = document
        self.complete = complete
        self._pending_center = False
        self._layout = None
        self._marks.reset()
        self._flash = None
        self._pending_offset = offset
        self._pending_place = None
        self._relayout(layout if layout is not None and layout.document is document else None)

    def prepare_layout(self, document: Document) -> TextLayout | None:
        """(Any thread.) ``document`` laid out for the view as it is now, or None before the
        view has a size: laying out a 5 MB article takes a few hundred milliseconds, which a
        loading worker can spend instead of the UI thread."""
        if self.size.width == 0:
            return None
        return TextLayout(document, self.column_width,
                          collapsed_blocks(document, show=self.show_chrome))

    @property
    def column_width(self) -> int:
        """Width of the text column in cells."""
        available = self.scrollable_content_region.width or self.size.width
        margin = 3 if available >= 40 else 1  # 3: room for the ✎ note marker
        return max(10, min(self.reading_width, available - 2 * margin))

    @property
    def left_pad(self) -> int:
        """Blank cells left of the text column."""
        available = self.scrollable_content_region.width or self.size.width
        return max(0, (available - self.column_width) // 2)

    def _relayout(self, prepared: TextLayout | None = None) -> None:
        if not self.is_mounted or self.size.width == 0:
            return
        keep = self._pending_offset
        if keep is None and self._layout is not None:
            keep = self.top_offset
        collapsed = collapsed_blocks(self.document, show=self.show_chrome)
        if (prepared is not None and prepared.width == self.column_width
                and prepared.collapsed == collapsed):
            self._layout = prepared
        else:
            self._layout = TextLayout(self.document, self.column_width, collapsed)
        self._strip_cache.clear()
        self.virtual_size = Size(
            self.scrollable_content_region.width or self.size.width, self._layout.height
        )
        self._pending_offset = keep
        # The new virtual size is applied on the next refresh; scroll once it is.
        self.call_after_refresh(self._restore_offset)
        self.refresh()

    def _restore_offset(self) -> None:
        if self._layout is None:
            return
        keep, self._pending_offset = self._pending_offset, None
        center, self._pending_center = self._pending_center, False
        place, self._pending_place = self._pending_place, None
        if place is not None and self._layout is not None:
            # Keep the reader's place (the cursor sentence) on the same screen row.
            offset, screen_row = place
            row = self._layout.row_of_offset(offset) - screen_row
            self.scroll_to(y=max(0, row), animate=False, force=True, immediate=True)
            self.post_message(self.PositionChanged(self, self.top_offset, self.progress))
        elif keep is not None:
            self.scroll_to_offset(keep, center=center, animate=False)
            self.post_message(self.PositionChanged(self, self.top_offset, self.progress))
        self._run_deferred()

    @property
    def is_ready(self) -> bool:
        """True once the whole document is laid out and scrolled to its starting position."""
        return (
            self._layout is not None and self._pending_offset is None and self.complete
            and not self._deferred
        )

    @property
    def layout_rows(self) -> TextLayout | None:
        """The current layout (None before the first paint)."""
        return self._layout

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap for the new width, keeping the same text at the top."""
        if self._layout is None or self._layout.width != self.column_width:
            self._relayout()

    def on_mount(self) -> None:
        """Lay out once the size is known."""
        self.call_after_refresh(self._relayout)

    def watch_reading_width(self) -> None:
        """Re-wrap when the column width setting changes."""
        self._relayout()

    def watch_show_chrome(self) -> None:
        """Expand or collapse site chrome."""
        self._relayout()

    def notify_style_update(self) -> None:
        """Theme change: drop cached strips and styles."""
        super().notify_style_update()
        self._strip_cache.clear()
        self._resolved_styles.clear()

    # ----------------------------------------------------------------- positions
    @property
    def top_offset(self) -> int:
        """Canonical offset of the first character shown at the top."""
        if self._layout is None or self._pending_offset is not None:
            return self._pending_offset or 0
        return self._layout.offset_of_row(round(self.scroll_y))

    @property
    def progress(self) -> float:
        """Reading progress 0-1: how far the top of the view is through the text.

        1.0 only once the end of the text is on screen (see :mod:`reader.progress`).
        """
        if self._layout is None or self._layout.height == 0:
            return 0.0
        if self._pending_offset is not None:  # laid out, not yet scrolled: where it will be
            last = max(0, self._layout.height - self.scrollable_content_region.height)
            return reading_progress(self._layout.row_of_offset(self._pending_offset), last)
        return reading_progress(round(self.scroll_y), round(self.max_scroll_y))

    def scroll_to_offset(self, offset: int, *, center: bool = False, animate: bool = False) -> None:
        """Scroll so that ``offset`` is at the top (or the centre) of the view.

        Before the document is laid out and scrolled to its start, this replaces where it will
        start (a search hit opened in an article that is still loading lands on screen).
        """
        if self._layout is None or self._pending_offset is not None:
            self._pending_offset = offset
            self._pending_center = center
            return
        row = self._layout.row_of_offset(offset)
        if center:
            row -= self.size.height // 3
        self.scroll_to(y=max(0, row), animate=animate, force=True, immediate=True)

    def ensure_visible(self, offset: int) -> None:
        """Scroll only if ``offset`` is not already on screen."""
        if self._layout is None or self._pending_offset is not None:
            self._pending_offset = offset
            self._pending_center = True
            return
        row = self._layout.row_of_offset(offset)
        top = round(self.scroll_y)
        if not top <= row < top + self.size.height:
            self.scroll_to_offset(offset, center=True)

    def offset_at(self, x: int, y: int) -> int | None:
        """Canonical offset under widget-relative cell ``(x, y)``."""
        if self._layout is None:
            return None
        row = self._layout.row(round(self.scroll_y) + y)
        if row is None:
            return None
        block = self.document.blocks[row.block]
        column = x - self.left_pad - block_indent(block)
        return row.start + max(0, min(column, row.end - row.start))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Report the new position."""
        super().watch_scroll_y(old_value, new_value)
        if self._layout is not None:
            self.post_message(self.PositionChanged(self, self.top_offset, self.progress))

    # ----------------------------------------------------------------- decorations
    def set_highlights(self, highlights: list[Highlight]) -> None:
        """Draw these highlights (replacing the previous set)."""
        self.highlights = HighlightIndex(highlights)
        self._repaint()

    def highlights_at(self, offset: int) -> list[Highlight]:
        """Highlights covering ``offset``, innermost (shortest) first."""
        return self.highlights.at(offset)

    def highlights_in(self, start: int, end: int) -> list[Highlight]:
        """Highlights overlapping ``[start, end)``."""
        return self.highlights.within(start, end)

    def flash(self, start: int, end: int) -> None:
        """Briefly emphasise ``[start, end)`` (a search hit)."""
        self._flash = (start, end)
        self._repaint()
        self.set_timer(1.2, self._end_flash)

    def _end_flash(self) -> None:
        self._flash = None
        self._repaint()

    def _repaint(self) -> None:
        self._strip_cache.clear()
        self.refresh()

    # ----------------------------------------------------------------- cursor and selection
    @property
    def cursor(self) -> TextRange | None:
        """The sentence under the reading cursor, if any."""
        return self._marks.cursor

    @property
    def selection(self) -> TextRange | None:
        """The selected span of the canonical text (keyboard or mouse), if any."""
        return self._marks.selection

    @property
    def selecting(self) -> bool:
        """True while a keyboard selection is being extended."""
        return self._marks.selecting

    @property
    def point(self) -> int:
        """Where the keyboard points: the cursor sentence start, else the top of the view."""
        cursor = self._marks.cursor
        return cursor[0] if cursor is not None else self.top_offset

    def _apply(self, step: Step | None, *, scroll: bool = True) -> None:
        """Show what a cursor or selection step changed (scroll, repaint, announce)."""
        if step is None:
            return
        if step.reveal is not None and scroll:
            self.ensure_visible(step.reveal)
        self._repaint()
        if step.moved:
            self.post_message(self.CursorMoved(self))

    def set_cursor(self, span: TextRange | None, *, scroll: bool = True) -> None:
        """Put the sentence cursor on ``span``."""
        self._apply(self._marks.set_cursor(span), scroll=scroll)

    def set_selection(self, span: TextRange | None, *, scroll: bool = True) -> None:
        """Select ``[start, end)`` of the canonical text (None clears)."""
        self._apply(self._marks.set_selection(span), scroll=scroll)

    def clear_selection(self) -> bool:
        """Clear keyboard and mouse selection; True if there was one."""
        had = self._marks.clear_selection()
        if self.text_selection is not None:
            self.screen.clear_selection()
            had = True
        self._repaint()
        self.post_message(self.CursorMoved(self))
        return had

    def action_next_sentence(self) -> None:
        """Move the cursor (or extend the selection) to the next sentence."""
        if self.when_complete(self.action_next_sentence):
            return
        self._apply(self._marks.next_sentence(self.document, self.top_offset))

    def action_previous_sentence(self) -> None:
        """Move the cursor (or shrink the selection) to the previous sentence."""
        if self.when_complete(self.action_previous_sentence):
            return
        self._apply(self._marks.previous_sentence(self.document, self.top_offset))

    def action_toggle_select(self) -> None:
        """Start a keyboard selection at the cursor sentence (or end it)."""
        if self.when_complete(self.action_toggle_select):
            return
        self._apply(self._marks.toggle_select(self.document, self.top_offset))

    def action_extend_right(self) -> None:
        """With a keyboard selection, extend it by a word; otherwise scroll right (no-op)."""
        if self.when_complete(self.action_extend_right):
            return
        self._apply(self._marks.extend_word(self.document.text, forward=True))

    def action_extend_left(self) -> None:
        """With a keyboard selection, shrink it by a word."""
        if self.when_complete(self.action_extend_left):
            return
        self._apply(self._marks.extend_word(self.document.text, forward=False))

    # ----------------------------------------------------------------- scrolling actions
    def action_line_down(self) -> None:
        """Scroll one line down, or extend the keyboard selection by a row."""
        if self.when_complete(self.action_line_down, now=self._fits(1)):
            return
        if self._marks.selecting and self.selection is not None and self._layout:
            self._apply(self._marks.extend_row(self._layout, down=True))
            return
        self.scroll_to(y=self.scroll_y + 1, animate=False, immediate=True)

    def action_line_up(self) -> None:
        """Scroll one line up, or shrink the keyboard selection by a row."""
        if self.when_complete(self.action_line_up, now=True):
            return
        if self._marks.selecting and self.selection is not None and self._layout:
            self._apply(self._marks.extend_row(self._layout, down=False))
            return
        self.scroll_to(y=self.scroll_y - 1, animate=False, immediate=True)

    def _page(self) -> int:
        return max(1, self.size.height - 2)

    def _fits(self, rows: int) -> bool:
        """True if scrolling ``rows`` down stays inside what is shown (a preview's end)."""
        return self.scroll_y + rows <= self.max_scroll_y

    def action_page_down(self) -> None:
        """Scroll one page down."""
        if self.when_complete(self.action_page_down, now=self._fits(self._page())):
            return
        page = max(1, self.size.height - 2)
        self.scroll_to(y=self.scroll_y + page, animate=False, immediate=True)

    def action_page_up(self) -> None:
        """Scroll one page up."""
        if self.when_complete(self.action_page_up, now=True):
            return
        page = max(1, self.size.height - 2)
        self.scroll_to(y=self.scroll_y - page, animate=False, immediate=True)

    def action_top(self) -> None:
        """Go to the start of the article."""
        if self.when_complete(self.action_top, now=True):
            return
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_bottom(self) -> None:
        """Go to the end of the article."""
        if self.when_complete(self.action_bottom):
            return
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def action_toggle_chrome(self) -> None:
        """Show or collapse site chrome, keeping the reader's place where it is on screen.

        The place is the sentence cursor when it is on screen, else the text at the top.
        """
        if self.when_complete(self.action_toggle_chrome):
            return
        if self._layout is not None and self._pending_offset is None:
            top = round(self.scroll_y)
            place = (self.top_offset, 0)
            if self.cursor is not None:
                row = self._layout.row_of_offset(self.cursor[0])
                if top <= row < top + self.size.height:
                    place = (self.cursor[0], row - top)
            self._pending_place = place
        self.show_chrome = not self.show_chrome

    # ----------------------------------------------------------------- mouse selection
    def _selection_range(self, selection: Selection) -> TextRange | None:
        """The canonical span of a mouse selection (its points are text-relative cells)."""
        layout = self._layout
        if layout is None:
            return None
        start = 0 if selection.start is None else layout.offset_in_row(*_cell(selection.start))
        end = (
            len(self.document.text) if selection.end is None
            else layout.offset_in_row(*_cell(selection.end))
        )
        return (start, end) if end > start else None

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text (for copy): straight from the canonical text."""
        span = self._selection_range(selection)
        if span is None:
            return None
        return self.document.text[span[0] : span[1]], "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        """Mirror Textual's mouse selection as a canonical-text selection."""
        span = None if selection is None else self._selection_range(selection)
        self._apply(self._marks.mouse_selection(span))

    # ----------------------------------------------------------------- rendering
    def render_line(self, y: int) -> Strip:
        """Render screen row ``y``."""
        virtual_y = round(self.scroll_y) + y
        width = self.scrollable_content_region.width or self.size.width
        cached = self._strip_cache.get(virtual_y)
        if cached is not None and cached.cell_length == width:
            return cached
        strip = self._render_row(virtual_y, width)
        if len(self._strip_cache) > 512:
            self._strip_cache.clear()
        self._strip_cache[virtual_y] = strip
        return strip

    def _render_row(self, virtual_y: int, width: int) -> Strip:
        base = self.rich_style
        if self._layout is None:
            return Strip.blank(width, base)
        row = self._layout.row(virtual_y)
        if row is None or row.is_separator:
            return Strip.blank(width, base)
        block = self.document.blocks[row.block]
        pad = self.left_pad
        text = Text(no_wrap=True, end="")
        margin = self._margin_marker(row, pad)
        text.append(margin, base)
        text.append(decoration(block, row.line), self._style("decoration"))
        prefix_length = len(text.plain)
        if row.block in self._layout.collapsed:
            hidden = self._layout.collapsed_run(row.block)
            label = "line" if hidden == 1 else "lines"
            placeholder = f"⋯ {hidden} {label} of site chrome hidden (z shows)"
            text.append(placeholder, self._style("chrome"))
        else:
            text.append(self.document.text[row.start : row.end], base + self._block_style(block))
        self._stylize(text, row, prefix_length)
        if margin.strip():
            text.stylize(self._style("note-marker"), 0, len(margin))
        text.truncate(width, overflow="crop", pad=True)
        segments = [
            Segment(seg.text, base + seg.style if seg.style else base)
            for seg in text.render(self.app.console)
        ]
        strip = Strip(segments).adjust_cell_length(width, base)
        return strip.apply_offsets(-prefix_length, virtual_y)

    def _margin_marker(self, row: Row, pad: int) -> str:
        if pad < 3 or row.line != 0:
            return " " * pad
        noted = any(h.has_note for h in self.highlights.overlapping(row.start, row.end))
        if not noted:
            return " " * pad
        return " " * (pad - 2) + "✎ "

    def _block_style(self, block: Block) -> Style:
        name = _BLOCK_STYLES.get(block.kind)
        return self._style(name) if name else Style()

    def _style(self, name: str) -> Style:
        """A component style with its translucent colours blended onto the view's background.

        Rich colours have no alpha, so ``color: $foreground 40%`` would otherwise be drawn in
        the full body colour (site chrome looked like body text).
        """
        cached = self._resolved_styles.get(name)
        if cached is not None:
            return cached
        styles = self.get_component_styles(f"article-view--{name}")
        style = styles.partial_rich_style
        base = self.background_colors[1]
        if styles.has_rule("color") and styles.color.a < 1:
            style += Style(color=(base + styles.color).rich_color)
        if styles.has_rule("background") and styles.background.a < 1:
            style += Style(bgcolor=(base + styles.background).rich_color)
        self._resolved_styles[name] = style
        return style

    def _highlight_style(self, highlight: Highlight) -> Style:
        """A highlight's colours for this terminal (one definition: reader.highlight_colors)."""
        if self.app.no_color:
            return Style.parse(no_color_style(self.highlights.order_of(highlight)))
        shade = highlight_color(highlight.color).shade(self.app.console.color_system)
        return Style(color=shade.foreground, bgcolor=shade.background)

    def _stylize(self, text: Text, row: Row, shift: int) -> None:
        start, end = row.start, row.end

        def paint(span_start: int, span_end: int, style: Style) -> None:
            left, right = max(span_start, start), min(span_end, end)
            if right > left:
                text.stylize(style, left - start + shift, right - start + shift)

        for span in self.document.spans_in(start, end):
            name = _SPAN_STYLES.get(span.style)
            if name:
                paint(span.start, span.end, self._style(name))
            elif span.style == "strike":
                paint(span.start, span.end, Style(strike=True))
        for highlight in self.highlights.overlapping(start, end):
            paint(highlight.start, highlight.end, self._highlight_style(highlight))
        marks = self._marks
        if marks.cursor is not None:
            paint(*marks.cursor, self._style("cursor"))
        if marks.selection is not None:
            paint(*marks.selection, self._style("selection"))
        if self._flash is not None:
            paint(*self._flash, self._style("flash"))


def _cell(point: Offset) -> tuple[int, int]:
    """A selection point as ``(row, column)`` for :meth:`TextLayout.offset_in_row`."""
    return point.y, point.x
