"""The library screen: every article with its length, progress and highlight count.

It gets the session in its constructor; its table keeps the rows in the session
(:attr:`ReaderSession.library_rows`), and it follows the session's signals (an article read or
annotated, the library changed). Opening an article, a store problem and the search index are
asked of the app with messages.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, ProgressBar, Static
from textual.worker import get_current_worker

from annotations.quote_only import QuoteOnlySource, quote_only_sources
from reader.article import ArticleMeta
from reader.library import MetadataCache, cached_listing, scan
from reader.library_matching import attached_lines, attachment_changes, quote_only_attachments
from reader.reading_state import ReadingState
from reader.sanitize import clean_line
from reader.ui import messages
from reader.ui.screens.search import SearchOutcome, SearchScreen
from reader.ui.session import ArticleUpdate, ReaderSession
from reader.ui.type_filter import TypeToFilter
from reader.ui.widgets.article_table import FILTER_PLACEHOLDER, ArticleRow, ArticleTable
from reader.ui.widgets.welcome_banner import WelcomeBanner
from reader.ui.worker_calls import call_from_worker

#: Seconds of typing pause before the library filter is applied.
FILTER_DELAY = 0.12

#: Letters that act in the table instead of starting the filter (``f`` first to filter by them).
TABLE_KEYS = "qsfrgGR"


class LibraryScreen(Screen[None]):
    """Lists the library; Enter opens an article, typing filters, ``s`` sorts."""

    BINDINGS = [
        Binding("enter", "open_article", "Open", priority=False, id="open_article"),
        Binding("s", "cycle_sort", "Sort", id="cycle_sort"),
        Binding("slash", "search", "Search", id="search"),
        Binding("f", "filter", "Filter", id="filter"),
        Binding("r", "rescan", "Rescan", show=False, id="rescan"),
        Binding("plus", "app.add_article", "Add", id="add_article"),
        Binding("R", "app.review", "Review", id="review"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    class OpenArticle(messages.OpenArticle):
        """The reader chose an article (or a search hit) in the library."""

    class StoreProblem(messages.StoreProblem):
        """The database could not be read while listing the library."""

    class IndexWanted(messages.IndexWanted):
        """The library was listed: the search index should catch up."""

    class ScanFinished(events.Event):
        """The library scan completed (used by tests)."""

    def __init__(self, session: ReaderSession, *, scan_at_start: bool = True) -> None:
        """``scan_at_start`` False: list the library only once the screen is shown (started
        on one file, the reading screen comes first)."""
        super().__init__()
        self.session = session
        self._scan_at_start = scan_at_start
        self._filter_timer: Timer | None = None
        self._scanning = False
        self._auto_cursor: str | None = None
        self._unsorted = False
        """The row the cursor was put on by the listing (not by the reader)."""

    def compose(self) -> ComposeResult:
        """Filter box, table, status line."""
        yield WelcomeBanner(id="welcome")
        yield Input(placeholder=FILTER_PLACEHOLDER, id="library-filter",
                    select_on_focus=False)
        yield ArticleTable(self.session.library_rows, id="library-table")
        with Horizontal(id="library-status"):
            yield Static("", id="library-message")
            yield ProgressBar(id="library-progress", show_eta=False)
        yield Footer()

    @property
    def table(self) -> ArticleTable:
        """The article table."""
        return self.query_one(ArticleTable)

    def on_mount(self) -> None:
        """Start scanning the library in a worker."""
        self._typing = TypeToFilter(
            self.query_one("#library-filter", Input),
            starts=lambda character: character.isalnum() and character not in TABLE_KEYS,
        )
        self.table.focus()
        self.query_one(WelcomeBanner).display = False
        self.query_one(ProgressBar).display = False
        self._set_message()
        self._scanned = False
        self.session.article_updated.subscribe(self, self._article_updated, immediate=True)
        self.session.library_changed.subscribe(self, lambda _: self.library_changed())
        self.session.store_changed.subscribe(self, self._store_changed)
        if self._scan_at_start:
            self._scanned = True
            self.scan_library()

    def on_unmount(self) -> None:
        """Closed: the session's signals let go of this screen."""
        self.session.unsubscribe(self)

    def _store_changed(self, _: None = None) -> None:
        """Changes were merged from another device: counts and progress may have changed."""
        if getattr(self, "_scanned", True):
            self.scan_library()

    def on_screen_resume(self) -> None:
        """Started on one file: scan the library only when the reader comes back to it.

        The screen is resumed once at start too, under the article pushed on top of it: a scan
        then would parse every file while the article loads, so it waits to be shown.
        """
        if not getattr(self, "_scanned", True) and self.app.screen is self:
            self._scanned = True
            self.scan_library()

    def _set_message(self, extra: str = "") -> None:
        library = self.session.library
        table = self.table
        total = len(table.article_rows)
        if library.is_sample:
            text = Text(
                "Showing the bundled sample article. Add your own with "
                "`postil add FILE` or `postil --library DIR`.",
                style="italic",
            )
        elif self._scanning and not total:
            text = Text("Loading the library…", style="italic")
        else:
            noun = "article" if total == 1 else "articles"
            if table.filter_text.strip():
                text = Text(f"{table.row_count:,} of {total:,} {noun} match")
            else:
                text = Text(f"{total:,} {noun}")
            if table.quote_only_count:
                text.append(f"  ·  {table.quote_only_count:,} quote-only")
            text.append(f"  ·  sorted by {table.sort_description}")
        if extra:
            text.append(f"  ·  {extra}")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#library-message", Static).update(text)

    def scan_library(self) -> None:
        """(Re)list the library in a worker; the status line says it is loading meanwhile."""
        self._scanning = True
        self._set_message()
        self._scan_worker()

    @work(thread=True, exclusive=True, group="library-scan")
    def _scan_worker(self) -> None:
        """List the library: cached metadata in one go, then counts, then new or changed files.

        A warm start fills the whole table right after the first paint (one rebuild), before
        the database is even opened; highlights and progress follow in a second update.
        """
        worker = get_current_worker()
        session = self.session
        source = session.library
        cache = MetadataCache()
        listing = cached_listing(source, cache)
        if listing.known and not worker.is_cancelled:
            call_from_worker(self, self._fill, [ArticleRow(meta, folder=source.folder_of(meta.path))
                                              for meta in listing.known])
        state = ReadingState()
        try:
            store = session.store()
            state = ReadingState.of_store(store)
            if source.is_sample and not store.get_state("welcome_dismissed", False):
                call_from_worker(self, self._welcome)
        except Exception as error:  # a damaged database must not stop the library
            self.post_message(self.StoreProblem(str(error)))
            if source.is_sample:
                call_from_worker(self, self._welcome)

        def row(meta: ArticleMeta) -> ArticleRow:
            return state.row(meta, folder=source.folder_of(meta.path))

        if listing.known and not state.empty and not worker.is_cancelled:
            call_from_worker(self, self.table.update_states, [row(m) for m in listing.known])

        def batch(metas: list[ArticleMeta]) -> None:
            call_from_worker(self, self._add_rows, [row(meta) for meta in metas])

        def progress(done: int, total: int) -> None:
            call_from_worker(self, self._show_progress, done, total)

        scanned: list[ArticleMeta] = []
        if listing.missing:
            scanned = scan(
                source,
                cache,
                progress=progress,
                # An article being opened meanwhile comes first.
                cancelled=session.foreground.giving_way(lambda: worker.is_cancelled),
                batch=batch,
                files=listing.missing,
            )
        if not worker.is_cancelled:
            call_from_worker(self, self._scan_finished)
            attached: set[str] = set()
            if not source.is_sample:
                attached = self._attach_quote_only([*listing.known, *scanned])
            self._list_quote_only(attached)

    def _list_quote_only(self, attached: set[str]) -> None:
        """(In the scan worker.) List the imported books not in the library, with a mark;
        ``attached`` are the ids just attached (their write may still be queued)."""
        store = self.session.ready_store
        if store is None:
            return
        try:
            sources = quote_only_sources(
                a for a in store.all_annotations() if a.quote_only and a.id not in attached
            )
        except Exception as error:  # a damaged database must not stop the library
            self.post_message(self.StoreProblem(str(error)))
            return
        call_from_worker(self, self._show_quote_only, sources)

    def _show_quote_only(self, sources: list[QuoteOnlySource]) -> None:
        if self.is_attached:
            untouched = self.table.selected_path == self._auto_cursor
            self.table.set_quote_only(sources)
            if untouched:
                self._to_top()  # the reader did not move the cursor: the list opens at the top
            self._set_message()

    def _attach_quote_only(self, metas: list[ArticleMeta]) -> set[str]:
        """(In the scan worker.) Imported quote-only highlights whose book is now in the
        library attach to it; the user is told, one line per book. Returns their ids."""
        session = self.session
        store = session.ready_store
        if store is None:
            return set()
        try:
            attached, before = quote_only_attachments(store, metas)
        except Exception as error:  # a damaged database must not stop the library
            self.post_message(self.StoreProblem(str(error)))
            return set()
        changes = attachment_changes(attached, before)
        if changes and session.apply(changes):
            call_from_worker(self, partial(self.notify, markup=False),
                             "\n".join(attached_lines(attached)), timeout=8)
            return {annotation.id for annotation in attached.annotations}
        return set()

    def _fill(self, rows: list[ArticleRow]) -> None:
        """Show these rows (sorted and filtered) in one go."""
        if not self.is_attached:
            return
        first = not self.table.row_count
        self.table.set_articles([*rows, *(r for r in self.table.article_rows
                                          if r.meta.path not in {x.meta.path for x in rows})])
        if first:
            self._to_top()
        self._set_message()

    def _to_top(self) -> None:
        """Put the cursor on the first row, scrolled to the top."""
        if self.table.row_count:
            self.table.move_cursor(row=0, animate=False)
        self.table.scroll_to(y=0, animate=False, immediate=True)
        self._auto_cursor = self.table.selected_path

    def _add_rows(self, rows: list[ArticleRow]) -> None:
        if not self.is_attached:
            return
        self.table.add_articles(rows)
        self._unsorted = True
        if self._auto_cursor is None:
            self._auto_cursor = self.table.selected_path
        self._set_message()

    def _welcome(self) -> None:
        self.query_one(WelcomeBanner).display = True

    @on(WelcomeBanner.Dismissed)
    def _welcome_dismissed(self) -> None:
        self.session.write(lambda store: store.set_state("welcome_dismissed", True))
        self.table.focus()

    def _show_progress(self, done: int, total: int) -> None:
        if not self.is_attached:
            return
        bar = self.query_one(ProgressBar)
        if total > 50 and done < total:
            bar.display = True
            bar.update(total=total, progress=done)
            self._set_message(f"reading library {done}/{total}")

    def _scan_finished(self) -> None:
        if not self.is_attached:
            return
        if self._unsorted:
            self._unsorted = False
            self.table.rebuild()  # rows arrived in file order: sort and filter them now
        if self.table.selected_path == self._auto_cursor:
            self._to_top()  # the reader did not move the cursor: the list opens at the top
        self._scanning = False
        self.query_one(ProgressBar).display = False
        self._set_message()
        self.post_message(self.ScanFinished())
        self.post_message(self.IndexWanted(refresh=True))  # the first search needs no wait

    def action_open_article(self) -> None:
        """Open the article under the cursor."""
        path = self.table.selected_path
        if path is None:
            return
        row = self.table.row_for(path)
        if row is not None and row.quote_only is not None:
            source = row.quote_only
            by = f" by {source.author}" if source.author else ""
            self.notify(f"“{clean_line(source.display_title)}”{clean_line(by)}: "
                        f"{source.description}. They are in the review, the notes and the "
                        "export.", title="Quote-only", timeout=8, markup=False)
            return
        if row is not None and row.meta.error:
            self.notify(f"Cannot open: {row.meta.error}", severity="error")
            return
        self.query_one(WelcomeBanner).dismiss()
        self.post_message(self.OpenArticle(path))

    @on(DataTable.RowSelected, "#library-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_article()

    @on(DataTable.HeaderSelected, "#library-table")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.table.sort_by_column(str(event.column_key.value))
        self._to_top()
        self._set_message()

    def action_cycle_sort(self) -> None:
        """Sort by the next order; the cursor goes to the first row."""
        self.table.order = self.table.order.next()
        self.table.reverse = False
        self.table.rebuild()
        self._to_top()
        self._set_message()

    def action_filter(self) -> None:
        """Focus the filter box."""
        self._typing.stop()
        self.query_one("#library-filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Clear the filter and return to the table."""
        box = self.query_one("#library-filter", Input)
        self._typing.stop()
        box.value = ""
        self._apply_filter("")
        self.table.focus()

    def library_changed(self) -> None:
        """The library's folders or files changed (an article was added): list it anew."""
        if not self.session.library.is_sample:
            self.query_one(WelcomeBanner).display = False
        self.table.set_articles([])
        self._set_message()
        self.scan_library()

    def action_rescan(self) -> None:
        """Scan the library again."""
        self.scan_library()

    def action_search(self) -> None:
        """Search the whole library; the chosen hit opens (n/N step through its article's)."""
        def chosen(outcome: SearchOutcome | None) -> None:
            if outcome is not None:
                hit = outcome.hit
                self.post_message(self.OpenArticle(hit.path, (hit.match_start, hit.match_end),
                                                   outcome.hits, outcome.index))

        self.app.push_screen(SearchScreen(self.session, scope_path=None), chosen)

    @on(Input.Changed, "#library-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # Debounced: a burst of keystrokes redraws a large library once.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, partial(self._apply_filter, event.value))

    def _apply_filter(self, value: str) -> None:
        self._filter_timer = None
        self.table.filter_text = value
        self.table.rebuild()
        if self.table.row_count:
            self.table.move_cursor(row=0, animate=False)
        self._set_message()

    @property
    def filter_pending(self) -> bool:
        """True while a typed filter has not been applied yet."""
        return self._filter_timer is not None

    @on(Input.Submitted, "#library-filter")
    def _filter_submitted(self) -> None:
        self._flush_filter()
        self.table.focus()
        self.action_open_article()

    def on_key(self, event: events.Key) -> None:
        """Typing in the table edits the filter; ↓/enter/escape end typing.

        The table keeps the focus while typing (see :mod:`reader.ui.type_filter`), so every
        key typed fast lands in the filter in order. ``g``/``G`` (and the keys of the screen:
        ``q`` ``s`` ``f`` ``r``) move or act when typing has not started; once it has, every
        character is text.
        """
        box = self.query_one("#library-filter", Input)
        typing = self._typing
        if self.focused is self.table:
            if typing.handle(event):
                event.stop()
                event.prevent_default()
            elif typing.active and event.key in {"down", "up"}:
                typing.stop()
                self._flush_filter()
                self.table.move_cursor(row=0, animate=False)  # ↓ lands on the first match
                event.stop()
                event.prevent_default()
            elif typing.active and event.key == "enter":
                typing.stop()
                self._filter_submitted()
                event.stop()
                event.prevent_default()
            elif event.key == "escape" and (typing.active or box.value):
                self.action_clear_filter()
                event.stop()
                event.prevent_default()
        elif self.focused is box and event.key in {"down", "escape"}:
            if event.key == "escape":
                box.value = ""
                self._apply_filter("")
            else:
                self._flush_filter()
                self.table.move_cursor(row=0, animate=False)
            self.table.focus()
            event.stop()
            event.prevent_default()

    def _flush_filter(self) -> None:
        """Apply a typed filter now instead of after the typing pause."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._apply_filter(self.query_one("#library-filter", Input).value)

    def _article_updated(self, update: ArticleUpdate) -> None:
        """An article was read or annotated (the session says so): its row shows it."""
        self.table.update_state(update.path, highlights=update.highlights,
                                progress=update.progress, last_read=update.last_read)
