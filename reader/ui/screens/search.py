"""The search box: fuzzy passage search in this article or the whole library, as you type.

A modal dismissed with the chosen hit (:class:`SearchOutcome`); whoever opened it decides what
to open. The library's index and its build progress are the session's; the box asks the app
to build the index with :class:`SearchScreen.IndexWanted` and follows the session's
``index_updated`` signal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from reader.article import Article
from reader.sanitize import clean_line
from reader.search import SearchHit, article_search, quote_only_hits, search_article
from reader.search.chapters import with_chapters
from reader.ui import messages
from reader.ui.session import IndexProgress, ReaderSession
from reader.ui.widgets.moving_option_list import MovingOptionList
from reader.ui.worker_calls import call_from_worker

SNIPPET_CONTEXT = 90


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """The reader chose ``hits[index]``."""

    hits: list[SearchHit]
    index: int

    @property
    def hit(self) -> SearchHit:
        """The chosen hit."""
        return self.hits[self.index]


def snippet(hit: SearchHit, width: int = SNIPPET_CONTEXT) -> Text:
    """The passage around the match, with the matched words emphasised.

    The excerpt comes from the canonical text, which is already free of control characters;
    it is styled by ranges, never parsed as markup.
    """
    excerpt, spans = hit.snippet(width)
    text = Text("  " + excerpt)
    for start, end in spans:
        text.stylize("bold reverse", start + 2, end + 2)
    return text


class SearchScreen(ModalScreen[SearchOutcome | None]):
    """Type to search; Tab switches between this article and the library; Enter jumps."""

    BINDINGS = [
        Binding("escape", "cancel", "Close", priority=True),
        Binding("tab", "toggle_scope", "Article/Library", priority=True),
    ]

    class IndexWanted(messages.IndexWanted):
        """A library search is about to run: the index should be built."""

    def __init__(self, session: ReaderSession, scope_path: str | None,
                 article: Article | None = None, *, article_pending: bool = False) -> None:
        super().__init__()
        self.session = session
        self.article = article
        self.scope_path = scope_path
        self.article_pending = article_pending and article is None and scope_path is not None
        """True while the article to search is still loading (see :meth:`article_ready`)."""
        self._article_path = article.meta.path if article is not None else (
            scope_path if self.article_pending else None)
        self.hits: list[SearchHit] = []

    @property
    def library_scope(self) -> bool:
        """True when searching the whole library."""
        return self.scope_path is None or (self.article is None and not self.article_pending)

    def article_ready(self, article: Article) -> None:
        """The article this box was opened for has loaded: search it now."""
        self.article = article
        self.article_pending = False
        self._article_path = article.meta.path
        self._show_scope()
        self._prepare_article_index()
        self.run_search(self.query_one(Input).value)

    def compose(self) -> ComposeResult:
        """Scope, query box, results, status."""
        with Vertical(id="search-dialog", classes="dialog"):
            with Horizontal(id="search-scope-row"):
                yield Label("", id="search-scope")
                yield Label("", id="search-scope-hint")
            yield Input(placeholder="Find a passage (typos are fine)…", id="search-input")
            yield MovingOptionList(id="search-results")
            yield Label("", id="search-status")

    def on_mount(self) -> None:
        """Focus the box; start building the library index if needed."""
        self._show_scope()
        self.query_one(Input).focus()
        self.session.index_updated.subscribe(self, self.show_progress)
        if self.library_scope:
            self.post_message(self.IndexWanted())
        if self.article is not None:
            self._prepare_article_index()

    def on_unmount(self) -> None:
        """Closed: the session's signals let go of this screen."""
        self.session.unsubscribe(self)

    @work(thread=True, group="search-prepare")
    def _prepare_article_index(self) -> None:
        """Build this article's passage index while the reader types the first letters."""
        if self.article is not None:
            article_search(self.article)

    def _show_scope(self) -> None:
        # The title may be long: it is cut with an ellipsis (CSS), the tab hint always shows.
        if self.library_scope:
            scope = Text("Search the whole library", style="bold")
        elif self.article is None:
            scope = Text("Search in this article (loading…)", style="bold")
        else:
            scope = Text("Search in “", style="bold")
            scope.append(clean_line(self.article.meta.title))
            scope.append("”")
        hint = Text()
        if self._article_path is not None:
            hint = Text("  tab: " + ("this article" if self.library_scope else "the library"),
                        style="dim")
        self.query_one("#search-scope", Label).update(scope)
        self.query_one("#search-scope-hint", Label).update(hint)

    def action_toggle_scope(self) -> None:
        """Switch between this article and the whole library."""
        if self._article_path is None:
            return
        self.scope_path = self._article_path if self.library_scope else None
        self._show_scope()
        if self.library_scope:
            self.post_message(self.IndexWanted())
        self.run_search(self.query_one(Input).value)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        """Search in a worker; a newer keystroke cancels this one."""
        worker = get_current_worker()
        if not query.strip():
            call_from_worker(self, self._show, query, [], "")
            return
        note = ""
        if self.library_scope:
            index = self.session.search_index
            hits = index.search(query, limit=50) if index is not None else []
            hits = with_chapters(hits)  # results in books name their chapter
            hits = self._with_quote_only(query, hits)
            done, total = self.session.index_progress
            if total and done < total:
                note = f"  (index {done}/{total} articles ready)"
        elif self.article is None:
            call_from_worker(self, self._show, query, [], "loading the article…")
            return
        else:
            hits = search_article(self.article, query, limit=50)
            book = self.article.book
            if book is not None:
                hits = [replace(hit, chapter=book.chapter_title(hit.match_start)) for hit in hits]
        if not worker.is_cancelled:
            call_from_worker(self, self._show, query, hits, note)

    def _with_quote_only(self, query: str, hits: list[SearchHit]) -> list[SearchHit]:
        """(In the search worker.) The library search finds the quote-only highlights too
        (imported books not in the library), ranked with the passages."""
        store = self.session.ready_store
        if store is None:
            return hits
        try:
            imported = [a for a in store.all_annotations() if a.quote_only]
        except Exception:  # a damaged database is reported by the library, not here
            return hits
        if not imported:
            return hits
        extra = quote_only_hits(imported, query, limit=50)
        return sorted([*hits, *extra], key=lambda hit: -hit.score)[:50]

    def _show(self, query: str, hits: list[SearchHit], note: str) -> None:
        if query != self.query_one(Input).value:
            return  # stale: a newer search is on its way
        self.hits = hits
        options = self.query_one(OptionList)
        options.clear_options()
        for number, hit in enumerate(hits):
            label = Text()
            label.append(clean_line(hit.title) or "(untitled)", style="bold")
            if hit.quote_only:
                label.append("  ❝ quote-only", style="italic")
            if hit.chapter:
                label.append(f"  · {clean_line(hit.chapter)}", style="italic")
            label.append(f"  {round(hit.score)}", style="dim")
            label.append("\n")
            label.append_text(snippet(hit))
            options.add_option(Option(label, id=str(number)))
        if hits:
            options.highlighted = 0
        status = f"{len(hits)} result{'s' if len(hits) != 1 else ''}" if query.strip() else ""
        if self.article_pending:
            status, note = note, ""  # no results yet: the article is still loading
        self.query_one("#search-status", Label).update(
            Text(status + note + ("  ·  enter jumps, ↓ to choose" if hits else ""))
        )

    def show_progress(self, progress: IndexProgress) -> None:
        """Index-building progress (the session's ``index_updated`` signal)."""
        done, total = progress
        if self.library_scope and done < total:
            self.query_one("#search-status", Label).update(
                Text(f"indexing library {done}/{total}…")
            )
        elif self.library_scope:
            self.run_search(self.query_one(Input).value)

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        self._choose(options.highlighted if options.highlighted is not None else 0)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def on_key(self, event: events.Key) -> None:
        """Down from the box moves into the results (onto the first); typing in the results
        goes back to the box."""
        box = self.query_one(Input)
        options = self.query_one(OptionList)
        if box.has_focus and event.key == "down" and options.option_count:
            # Handled here: the key must not also move the list once it has the focus.
            event.stop()
            event.prevent_default()
            options.highlighted = 0
            options.focus()
        elif (options.has_focus and event.is_printable and event.character
              and event.character not in "gG"):
            event.stop()
            event.prevent_default()
            box.focus()
            box.insert_text_at_cursor(event.character)

    def _choose(self, index: int) -> None:
        if 0 <= index < len(self.hits):
            if self.hits[index].quote_only:
                self.notify("An imported highlight whose book is not in the library "
                            "(quote-only): there is no text to open. Add the book and it "
                            "attaches to it.", timeout=5)
                return
            self.dismiss(SearchOutcome(self.hits, index))

    def action_cancel(self) -> None:
        """Close without jumping."""
        self.dismiss(None)
