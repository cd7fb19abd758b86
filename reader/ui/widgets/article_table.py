"""The library's table of articles: sortable, fuzzy-filterable, filled in as the scan goes."""

from __future__ import annotations

import os
from collections.abc import Iterable
from enum import StrEnum
from typing import ClassVar

from rapidfuzz import fuzz
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from annotations.quote_only import MARK, QuoteOnlySource
from reader.reading_progress import format_percent
from reader.reading_state import ArticleRow
from reader.sanitize import clean_line

__all__ = ["ArticleRow", "ArticleTable", "SortOrder", "compact_length", "filter_score"]


class SortOrder(StrEnum):
    """Orders the library can be sorted in (``s`` cycles through them)."""

    TITLE = "title"
    AUTHOR = "author"
    RECENT = "recently read"
    LENGTH = "length"

    def next(self) -> SortOrder:
        """The order after this one."""
        members = list(SortOrder)
        return members[(members.index(self) + 1) % len(members)]

    def direction(self, reverse: bool = False) -> str:
        """How rows run in this order ("A→Z", "newest first", …), or reversed."""
        forward, backward = _DIRECTIONS[self]
        return backward if reverse else forward


_DIRECTIONS = {
    SortOrder.TITLE: ("A→Z", "Z→A"),
    SortOrder.AUTHOR: ("A→Z", "Z→A"),
    SortOrder.RECENT: ("newest first", "oldest first"),
    SortOrder.LENGTH: ("longest first", "shortest first"),
}


_COLUMNS = (
    ("title", "Title"),
    ("author", "Author"),
    ("length", "Length"),
    ("read", "Read"),
    ("highlights", "✎"),
)
_FOLDER_COLUMN = ("folder", "Folder")
_WIDTHS = {"author": 16, "length": 16, "read": 4, "highlights": 3, "folder": 14}
_COLUMN_SORT = {
    "title": SortOrder.TITLE,
    "author": SortOrder.AUTHOR,
    "length": SortOrder.LENGTH,
    "read": SortOrder.RECENT,
}


def filter_fields(row: ArticleRow) -> dict[str, str]:
    """What the library filter matches in a row, by the name the filter's placeholder uses."""
    return {
        "title": row.meta.title,
        "author": row.meta.author,
        "file name": os.path.basename(row.meta.path),
        "folder": row.folder,
    }


#: The library filter's placeholder: it names every field :func:`filter_fields` matches.
FILTER_PLACEHOLDER = "Type to filter by title, author, file name or folder…"


def filter_score(query: str, row: ArticleRow) -> float:
    """How well ``query`` matches a row's :func:`filter_fields` (0 = no match)."""
    haystack = " ".join(filter_fields(row).values()).lower()
    needle = query.lower().strip()
    if not needle:
        return 100.0
    if needle in haystack:
        return 200.0 - haystack.index(needle) / 1000
    if len(needle) < 3:
        return 0.0
    score = fuzz.partial_ratio(needle, haystack)
    return score if score >= 75 else 0.0


class ArticleTable(DataTable[Text]):
    """A table of the library's articles, one row per file (keyed by path)."""

    DEFAULT_CSS = """
    ArticleTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="open_article"),
        # As in less and vim; every other letter typed in the table starts the filter.
        Binding("g,home", "scroll_top", "First article", show=False, id="list_first"),
        Binding("G,end", "scroll_bottom", "Last article", show=False, id="list_last"),
        Binding("pageup", "page_up", "Page up", show=False, id="list_page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list_page_down"),
    ]

    def __init__(self, rows: dict[str, ArticleRow] | None = None, *,
                 id: str | None = None) -> None:
        """``rows``: where the table keeps its rows, by path (the session's library rows, so
        that others read them there, never from this widget); a new dict when None."""
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._rows: dict[str, ArticleRow] = rows if rows is not None else {}
        self.order = SortOrder.TITLE
        self.reverse = False
        """True when the order runs backwards (a second click on the same column header)."""
        self.filter_text = ""
        self.show_folder = False
        """True when the articles lie in more than one folder: a Folder column is shown."""

    def _columns(self) -> tuple[tuple[str, str], ...]:
        return (*_COLUMNS, _FOLDER_COLUMN) if self.show_folder else _COLUMNS

    def on_mount(self) -> None:
        """Create the columns."""
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label in self._columns():
            self.add_column(Text(label), key=key, width=_WIDTHS.get(key))
        self._fit_columns()

    def _update_folder_column(self) -> bool:
        """Show the Folder column exactly when rows come from two folders; True if it changed."""
        wanted = len({row.folder for row in self._rows.values() if not row.quote_only}) > 1
        if wanted == self.show_folder:
            return False
        self.show_folder = wanted
        self.clear(columns=True)
        self._add_columns()
        return True

    def on_resize(self) -> None:
        """Give the title column whatever the fixed columns leave."""
        self._fit_columns()

    def _fit_columns(self) -> None:
        if not self.columns or self.size.width == 0:
            return
        columns = self._columns()
        padding = 2 * self.cell_padding * len(columns) + 2
        fixed = sum(_WIDTHS.get(key, 0) for key, _label in columns if key != "title")
        title = self.columns.get(ColumnKey("title"))
        width = max(12, self.size.width - fixed - padding)
        if title is not None and title.width != width:
            title.auto_width = False
            title.width = width
            self.rebuild()

    @property
    def article_rows(self) -> list[ArticleRow]:
        """All article rows (unfiltered; quote-only sources not included)."""
        return [row for row in self._rows.values() if row.quote_only is None]

    @property
    def quote_only_count(self) -> int:
        """How many quote-only sources are listed."""
        return sum(1 for row in self._rows.values() if row.quote_only is not None)

    def set_quote_only(self, sources: Iterable[QuoteOnlySource]) -> None:
        """List these quote-only sources (replacing those listed before)."""
        rows = {row.meta.path: row for row in map(ArticleRow.for_quote_only, sources)}
        kept = {path: row for path, row in self._rows.items() if row.quote_only is None}
        if rows.keys() == {p for p, r in self._rows.items() if r.quote_only is not None}:
            if all(self._rows[p].highlights == r.highlights for p, r in rows.items()):
                return
        self._rows.clear()  # the dict is shared (the session's library rows): changed in place
        self._rows.update(kept)
        self._rows.update(rows)
        self.rebuild()

    def add_articles(self, rows: Iterable[ArticleRow]) -> None:
        """Add rows as a scan finds them.

        New rows are appended at once (cheap, so a scan of thousands of files never stalls the
        UI); the sort order and filter are applied by :meth:`rebuild` when the scan finishes.
        """
        rows = list(rows)
        fresh = [row for row in rows if row.meta.path not in self._rows]
        for row in rows:
            self._rows[row.meta.path] = row
        if self._update_folder_column():
            self.rebuild()
            return
        if self.filter_text.strip():
            return
        appended = False
        for row in fresh:
            self.add_row(*self._cells(row), key=row.meta.path)
            appended = True
        if appended and self.row_count == len(self._rows) and self.cursor_row < 0:
            self.move_cursor(row=0, animate=False)

    def set_articles(self, rows: Iterable[ArticleRow]) -> None:
        """Replace all article rows (the quote-only sources listed stay)."""
        kept = {path: row for path, row in self._rows.items() if row.quote_only is not None}
        fresh = {row.meta.path: row for row in rows}
        self._rows.clear()
        self._rows.update(fresh)
        self._rows.update(kept)
        self._update_folder_column()
        self.rebuild()

    def update_state(self, path: str, *, highlights: int | None = None,
                     progress: float | None = None, last_read: str | None = None) -> None:
        """Update one row's counts after reading or annotating."""
        row = self._rows.get(path)
        if row is None:
            return
        if highlights is not None:
            row.highlights = highlights
        if progress is not None:
            row.progress = progress
        if last_read is not None:
            row.last_read = last_read
        self.rebuild()

    def update_states(self, rows: Iterable[ArticleRow]) -> None:
        """Take the highlight counts and progress of ``rows`` (known articles), redrawing only
        the cells that changed (a full rebuild only when the order depends on them)."""
        changed: list[ArticleRow] = []
        for row in rows:
            known = self._rows.get(row.meta.path)
            if known is None:
                continue
            state = (row.highlights, row.progress, row.last_read)
            if (known.highlights, known.progress, known.last_read) != state:
                known.highlights, known.progress, known.last_read = state
                changed.append(known)
        if not changed:
            return
        if self.order is SortOrder.RECENT:
            self.rebuild()
            return
        for row in changed:
            if row.meta.path in self.rows:
                cells = self._cells(row)
                self.update_cell(row.meta.path, "read", cells[3])
                self.update_cell(row.meta.path, "highlights", cells[4])

    def visible_rows(self) -> list[ArticleRow]:
        """Rows that pass the filter, in display order."""
        rows = list(self._rows.values())
        if self.filter_text.strip():
            scored = [(filter_score(self.filter_text, row), row) for row in rows]
            return [row for score, row in sorted(scored, key=lambda p: -p[0]) if score > 0]
        return sorted(rows, key=self._sort_key, reverse=self.reverse)

    @property
    def sort_description(self) -> str:
        """The order and its direction, as the status line shows it ("title, A→Z")."""
        return f"{self.order.value}, {self.order.direction(self.reverse)}"

    def _sort_key(self, row: ArticleRow) -> tuple[object, ...]:
        meta = row.meta
        if self.order is SortOrder.AUTHOR:
            return (meta.author == "", meta.author.lower(), meta.title.lower())
        if self.order is SortOrder.RECENT:
            return (row.last_read == "", _reverse(row.last_read), meta.title.lower())
        if self.order is SortOrder.LENGTH:
            return (-meta.words, meta.title.lower())
        return (meta.title.lower(), meta.path)

    def rebuild(self) -> None:
        """Redraw rows, keeping the cursor on the same article when possible."""
        current = self.selected_path
        self.clear()
        for row in self.visible_rows():
            self.add_row(*self._cells(row), key=row.meta.path)
        if current is not None and current in {r.meta.path for r in self.visible_rows()}:
            self.move_cursor(row=self.get_row_index(current), animate=False)

    @property
    def selected_path(self) -> str | None:
        """Path of the article under the cursor."""
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value

    def row_for(self, path: str) -> ArticleRow | None:
        """The row of ``path``."""
        return self._rows.get(path)

    def sort_by_column(self, column: str) -> None:
        """Sort by a column's order (header click; clicking the sorted column reverses it)."""
        if column in _COLUMN_SORT:
            order = _COLUMN_SORT[column]
            self.reverse = not self.reverse if order is self.order else False
            self.order = order
            self.rebuild()

    def _cells(self, row: ArticleRow) -> tuple[Text, ...]:
        cells = self._article_cells(row)
        if self.show_folder:
            cells += (Text(clean_line(row.folder), style="dim", overflow="ellipsis", no_wrap=True),)
        return cells

    @staticmethod
    def _article_cells(row: ArticleRow) -> tuple[Text, ...]:
        meta = row.meta
        if row.quote_only is not None:
            # No file behind it: the Length column says what it is.
            return (
                Text(clean_line(meta.title), overflow="ellipsis", no_wrap=True),
                Text(clean_line(meta.author), overflow="ellipsis", no_wrap=True),
                Text(f"❝ {MARK}", style="italic", overflow="ellipsis", no_wrap=True),
                Text("—", style="dim", justify="right"),
                Text(str(row.highlights), justify="right"),
            )
        if meta.error:
            title = Text(clean_line(meta.title))
            title.append(f"  (unreadable: {clean_line(meta.error)})", style="italic dim")
            return (title, Text(""), Text("—", style="dim"), Text(""), Text(""))
        length = Text(compact_length(meta.words, meta.reading_minutes), style="dim",
                      overflow="ellipsis", no_wrap=True)
        read = Text(format_percent(row.progress), justify="right")
        highlights = Text(str(row.highlights) if row.highlights else "·", justify="right")
        return (
            Text(clean_line(meta.title), overflow="ellipsis", no_wrap=True),
            Text(clean_line(meta.author), overflow="ellipsis", no_wrap=True),
            length,
            read,
            highlights,
        )


def compact_length(words: int, minutes: int) -> str:
    """An article's length that fits the Length column: "612 w · 3 min", "562k w · 39 h"."""
    if words < 10_000:
        count = f"{words:,}"
    elif words < 100_000:
        count = f"{words // 100 / 10:.1f}k"
    elif words < 1_000_000:
        count = f"{words // 1000}k"
    else:
        count = f"{words // 100_000 / 10:.1f}M"
    if minutes < 60:
        time = f"{minutes} min"
    elif minutes < 600:
        time = f"{minutes // 6 / 10:.1f} h"
    else:
        time = f"{minutes // 60} h"
    return f"{count} w · {time}"


def _reverse(stamp: str) -> str:
    """Invert a timestamp string so that newer sorts first."""
    return "".join(chr(0x10FFFF - ord(ch)) if ord(ch) < 0x10FFFF else ch for ch in stamp)
