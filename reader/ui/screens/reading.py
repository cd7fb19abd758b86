"""The reading screen: one article, its highlights, notes and tags.

It gets the session in its constructor: annotations are saved through it, and the article's
counts and progress are told to it (:meth:`ReaderSession.article_changed`). What the app must
coordinate — opening another article, export, a store problem — is posted as a message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Footer, Static

from annotations.anchoring import needs_review, reattached
from annotations.changelog import Change as StoredChange
from annotations.model import AnchorStatus, Annotation, Color
from annotations.storage import AnnotationStore, ReadingPosition
from reader.article import Article
from reader.book import INTERNAL_LINK
from reader.loading import ArticleError, carried_offset, load_article, preview_article
from reader.reading_progress import format_percent, time_left
from reader.reanchoring import reanchor
from reader.sanitize import clean_line
from reader.ui import messages
from reader.ui.dialogs.link_dialog import LinkDialog
from reader.ui.dialogs.note_dialog import NoteDialog
from reader.ui.dialogs.tag_dialog import TagDialog
from reader.ui.layout import TextLayout
from reader.ui.screens.book_navigation import NAVIGATION_BINDINGS, BookNavigation
from reader.ui.screens.search import SearchOutcome, SearchScreen
from reader.ui.session import ReaderSession
from reader.ui.status_line import StatusPart, ellipsize, fit_status
from reader.ui.widgets.annotations_panel import AnnotationsPanel
from reader.ui.widgets.article_view import ArticleView, Highlight
from reader.ui.worker_calls import call_from_worker

if TYPE_CHECKING:
    from reader.search import SearchHit


#: Below this many columns the key hints are drawn compactly so that they fit.
COMPACT_FOOTER_BELOW = 100

#: Below this many columns the annotations panel lies over the text instead of narrowing it.
PANEL_OVERLAY_BELOW = 100


@dataclass(slots=True)
class LoadedArticle:
    """What the loading worker hands to the screen."""

    article: Article
    annotations: list[Annotation] = field(default_factory=list)
    position: ReadingPosition | None = None
    store_error: str | None = None
    library_tags: set[str] = field(default_factory=set)
    layout: TextLayout | None = None
    """The article laid out in the worker for the view's width (None: lay out on show)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One undoable annotation change: ``before`` -> ``after`` (None: absent)."""

    before: Annotation | None
    after: Annotation | None

    @property
    def description(self) -> str:
        """What the change did, for "Undone: …" ("note on “Huawei is…”")."""
        before, after = self.before, self.after
        subject = after or before
        if subject is None:
            return "nothing"
        quote = f"“{ellipsize(clean_line(subject.quote.exact), 40)}”"
        if before is None:
            return f"highlighting {quote}"
        if after is None:
            return f"deleting the highlight {quote}"
        what = [
            name for name, changed in (
                ("note", before.note != after.note),
                ("tags", before.tags != after.tags),
                ("colour", before.color != after.color),
            ) if changed
        ]
        return f"{' and '.join(what) or 'change'} on {quote}"


class ReadingScreen(BookNavigation):
    """Shows an article in the reading view and handles annotation keys."""

    BINDINGS = [
        Binding("q", "back", "Back", id="back"),
        Binding("escape", "clear_or_back", "Clear / back", show=False, id="clear_or_back"),
        Binding("h", "highlight", "Highlight", id="highlight"),
        Binding("c", "note", "Note", id="note"),
        Binding("t", "tags", "Tags", id="tags"),
        Binding("x", "delete", "Delete", show=False, id="delete"),
        Binding("u", "undo", "Undo", show=False, id="undo"),
        Binding("r", "reattach", "Re-attach", show=False, id="reattach"),
        Binding("a", "toggle_panel", "Annotations", id="toggle_panel"),
        Binding("slash", "search", "Search", id="search"),
        Binding("n", "next_result", "Next hit", show=False, id="next_result"),
        Binding("N", "previous_result", "Prev hit", show=False, id="previous_result"),
        Binding("e", "export", "Export", id="export"),
        Binding("o", "open_link", "Open link", show=False, id="open_link"),
        *(
            Binding(str(number), f"color('{color.value}')", f"Colour {color.value}", show=False,
                    id=f"color-{color.value}")
            for number, color in enumerate(Color, start=1)
        ),
        *NAVIGATION_BINDINGS,
    ]

    class OpenArticle(messages.OpenArticle):
        """A search hit in another article was chosen here."""

    class ExportRequested(messages.ExportRequested):
        """``e``: export this article's annotations."""

    class StoreProblem(messages.StoreProblem):
        """The database could not be opened for this article's annotations."""

    def __init__(
        self,
        session: ReaderSession,
        path: str,
        select: tuple[int, int] | None = None,
        *,
        quit_on_back: bool = False,
        hits: list[SearchHit] | None = None,
        index: int = 0,
    ) -> None:
        """Show the article at ``path`` (scrolled to and selecting ``select``); ``hits``:
        search results (``hits[index]`` chosen) that ``n``/``N`` step through."""
        super().__init__()
        self.session = session
        self.path = path
        self.quit_on_back = quit_on_back
        """True for the article given on the command line: q then quits, like a pager."""
        self.article: Article | None = None
        self.annotations: dict[str, Annotation] = {}
        self._undo: list[Change] = []
        self._pending_reattach: str | None = None
        self._initial_selection = select
        self._save_timer: Timer | None = None
        self._results: list[SearchHit] = []
        self._result_index = 0
        self.store_available = False
        self._library_tags: set[str] = set()
        self._waiting_search: SearchScreen | None = None
        if hits:
            self._remember_results(hits, index)

    @property
    def view(self) -> ArticleView:
        """The reading view."""
        return self.query_one(ArticleView)

    def compose(self) -> ComposeResult:
        """Reading view beside the (hidden) annotations panel, then the status line."""
        with Horizontal(id="reading-body"):
            yield ArticleView(id="article-view")
            yield AnnotationsPanel(id="annotations-panel")
        yield Static("Loading…", id="reading-status")
        yield Footer()

    def on_mount(self) -> None:
        """Load the article off the UI thread."""
        settings = self.session.settings
        self.view.reading_width = settings.reading_width
        self.view.show_chrome = settings.show_chrome
        self.query_one(AnnotationsPanel).display = False
        self.view.focus()
        self.view.begin_loading()
        self.session.article_replaced.subscribe(self, self._article_replaced)
        self.session.store_changed.subscribe(self, self._store_changed)
        self.load()

    def on_unmount(self) -> None:
        """Closed: the session's signals let go of this screen."""
        self.session.unsubscribe(self)

    def _article_replaced(self, path: str) -> None:
        """The file has new text (refreshed from the web): show it."""
        if path == self.path:
            self.load()

    # ----------------------------------------------------------------- loading
    @work(thread=True, exclusive=True, group="article-load")
    def load(self) -> None:
        """Read, parse and anchor the article; fetch its annotations and position.

        A large text or Markdown file is shown from a quickly parsed preview of its start while the
        rest is parsed, so opening a book costs about as much as opening an article. Background
        work (the search index) waits meanwhile.
        """
        with self.session.foreground.busy():
            self._load()

    def _load(self) -> None:
        path = Path(self.path).absolute()
        store: AnnotationStore | None = None
        store_error: str | None = None
        try:
            store = self.session.store()
        except Exception as error:
            store_error = str(error)
        preview = preview_article(path)
        if preview is not None:
            # Where the reader was, by path: the preview is not the whole article.
            position = store.get_position("", str(path)) if store else None
            if position is None or position.offset < len(preview.text):
                shown = threading.Event()
                call_from_worker(
                    self, self._show_preview, preview, position.offset if position else 0, shown
                )
                # Let the first page paint before parsing the rest: the parse holds the GIL,
                # and on a busy machine painting can take more than a second.
                shown.wait(5.0)
        try:
            article = load_article(path)
        except ArticleError as error:
            call_from_worker(self, self._load_failed, str(error))
            return
        loaded = LoadedArticle(article, store_error=store_error,
                               layout=self.view.prepare_layout(article.document))
        if store is not None:
            loaded.annotations = self._anchor(store, article)
            loaded.position = store.get_position(article.id, article.meta.path)
            loaded.library_tags = store.tags_in_use()
        call_from_worker(self, self._loaded, loaded, preview is not None)

    def _show_preview(self, preview: Article, offset: int, shown: threading.Event) -> None:
        self.view.set_document(preview.document, offset, complete=False)
        self.view.call_after_refresh(lambda: self.view.call_after_refresh(shown.set))

    def _anchor(self, store: AnnotationStore, article: Article) -> list[Annotation]:
        result = reanchor(store.annotations_for(article.id, article.meta.path), article)
        if result.changed:  # one batch, written off this thread (the text need not wait for it)
            self.session.apply([StoredChange.anchors(a) for a in result.changed])
        return result.annotations

    def _load_failed(self, reason: str) -> None:
        self.notify(f"Cannot open {clean_line(self.path)}: {reason}", severity="error")
        self.dismiss()

    def _loaded(self, loaded: LoadedArticle, previewed: bool = False) -> None:
        self.article = loaded.article
        self._library_tags = loaded.library_tags
        self.store_available = loaded.store_error is None
        if loaded.store_error:
            self.post_message(self.StoreProblem(loaded.store_error))
        if loaded.article.notice:
            self.notify(clean_line(loaded.article.notice), severity="warning", timeout=8)
        offset = loaded.position.offset if loaded.position else 0
        if previewed and self.view.document.text:
            # Keep whatever the reader scrolled to meanwhile.
            offset = carried_offset(self.view.document.text, loaded.article.text,
                                    self.view.top_offset)
        self.view.set_document(loaded.article.document, offset, layout=loaded.layout)
        self.annotations = {a.id: a for a in loaded.annotations}
        self._refresh_annotations()
        if self._initial_selection is not None:
            self.select_span(*self._initial_selection)
        self._update_status()
        waiting, self._waiting_search = self._waiting_search, None
        if waiting is not None and waiting.is_attached:
            waiting.article_ready(loaded.article)

    # ----------------------------------------------------------------- status and position
    def _update_status(self) -> None:
        article = self.article
        if article is None:
            return
        progress = self.view.progress
        meta = article.meta
        book = self.book_status()
        if book is not None:
            parts = [
                StatusPart(Text(clean_line(meta.title), style="bold"), shrink=12, prefer=28),
                StatusPart(book, shrink=16, prefer=48),
            ]
        else:
            parts = [
                StatusPart(Text(clean_line(meta.title), style="bold"), shrink=12, prefer=28),
                StatusPart(Text(format_percent(progress, none="0%"))),
                StatusPart(Text(f"{meta.words:,} words"), drop=1),
                StatusPart(Text(time_left(meta.reading_minutes, progress)), drop=3),
            ]
        count = len(self.annotations)
        if count:
            parts.append(StatusPart(Text(f"{count} highlight{'s' if count != 1 else ''}"),
                                    drop=2))
        review = sum(1 for a in self.annotations.values() if needs_review(a))
        if review:
            parts.append(StatusPart(Text(f"{review} need review (a, is:review; r re-attaches)",
                                         style="bold yellow"), drop=3, shrink=14))
        links = self._links_near_point() if self.view.cursor is not None else []
        if links:
            link = Text("link: ")
            link.append(clean_line(links[0][1]))
            parts.append(StatusPart(link, shrink=24, prefer=48))
            parts.append(StatusPart(Text("o opens")))
        selection = self.view.selection
        if selection is not None and not self.view.selecting:
            parts.append(StatusPart(
                Text(f"{selection[1] - selection[0]} chars selected, h highlights")))
        if self.view.selecting:
            parts.append(StatusPart(
                Text("SELECT: ][ ←→ ↑↓ extend, h highlights, esc clears", style="bold")))
        status = self.query_one("#reading-status", Static)
        width = status.content_region.width or max(20, self.size.width - 4)
        status.update(fit_status(parts, width))

    def on_resize(self) -> None:
        """Fit the status line to the new width; overlay the panel on narrow terminals."""
        self.set_class(self.size.width < PANEL_OVERLAY_BELOW, "-narrow")
        footer = self.query_one(Footer)
        footer.compact = self.size.width < COMPACT_FOOTER_BELOW
        footer.show_command_palette = self.size.width >= COMPACT_FOOTER_BELOW  # ? lists it
        self.call_after_refresh(self._update_status)

    @on(ArticleView.PositionChanged)
    def _position_changed(self) -> None:
        self._update_status()
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(0.8, self.save_position)

    @on(ArticleView.CursorMoved)
    def _cursor_moved(self) -> None:
        self._update_status()
        self.query_one(AnnotationsPanel).point_at(self.view.point)

    def save_position(self) -> None:
        """Queue the reading position for saving (never blocks)."""
        article = self.article
        if article is None or not self.store_available:
            return
        offset, progress = self.view.top_offset, self.view.progress
        article_id, path = article.id, article.meta.path
        self.session.apply([StoredChange.position(article_id, path, offset, progress)])
        self.session.article_changed(path, progress=progress)

    def action_clear_or_back(self) -> None:
        """Close the innermost thing: the annotations panel, else the selection, else this
        screen (back to the library — also when started as ``postil FILE``; q quits then)."""
        panel = self.query_one(AnnotationsPanel)
        if panel.display:
            self._panel_closed()
            return
        if self.view.selection is not None or self.view.selecting:
            self.view.clear_selection()
            return
        self.save_position()
        self.dismiss()

    def action_back(self) -> None:
        """Save the position and go back to the library."""
        self.save_position()
        if self.quit_on_back:
            self.app.call_later(self.app.run_action, "app.quit")
            return
        self.dismiss()

    # ----------------------------------------------------------------- annotations
    def _store_changed(self, _: None = None) -> None:
        """Changes were merged from another device: read this article's annotations again."""
        if self.article is not None:
            self._reload_annotations()

    @work(thread=True, exclusive=True, group="annotations-reload")
    def _reload_annotations(self) -> None:
        article = self.article
        session = self.session
        if article is None or session.ready_store is None:
            return
        session.flush(2.0)  # this app's own queued edits first
        annotations = self._anchor(session.ready_store, article)
        call_from_worker(self, self._annotations_reloaded, article, annotations)

    def _annotations_reloaded(self, article: Article, annotations: list[Annotation]) -> None:
        if article is self.article:
            self.annotations = {a.id: a for a in annotations}
            self._refresh_annotations()

    def _refresh_annotations(self) -> None:
        anchored = [a for a in self.annotations.values() if a.status is not AnchorStatus.ORPHANED]
        self.view.set_highlights(
            [Highlight(a.id, a.start, a.end, a.color.value, bool(a.note.strip())) for a in anchored]
        )
        self.query_one(AnnotationsPanel).show(
            list(self.annotations.values()), self.article.text if self.article else ""
        )
        self._update_status()
        if self.article is not None:
            self.session.article_changed(self.article.meta.path, highlights=len(self.annotations))

    def _require_store(self) -> bool:
        if self.article is None:
            return False
        if not self.store_available:
            self.notify(
                "Annotations are unavailable: the database could not be opened "
                "(see the earlier message).",
                severity="error",
            )
            return False
        return True

    def current_highlight(self) -> Annotation | None:
        """The highlight the keyboard points at (selection, cursor, or top of the view).

        With no cursor yet (just opened), that is the sentence at the top of the view: the
        same sentence ``h`` and ``c`` would highlight, so they find its highlight instead of
        making a second one over it.
        """
        view = self.view
        if view.selection is not None:
            span: tuple[int, int] | None = view.selection
        elif view.cursor is not None:
            span = view.cursor
        else:
            span = view.document.sentence_at(view.top_offset)
        found = view.highlights_in(*span) if span is not None else []
        if not found:
            return None
        best = min(found, key=lambda h: h.end - h.start)
        return self.annotations.get(best.id)

    def _target_span(self) -> tuple[int, int] | None:
        view = self.view
        if view.selection is not None:
            return _trim(self.article.text if self.article else "", view.selection)
        if view.cursor is not None:
            return view.cursor
        return view.document.sentence_at(view.top_offset)

    def _apply(self, change: Change, *, record: bool = True) -> None:
        """Apply a change in memory at once and queue only its changed fields for saving."""
        if change.after is None and change.before is not None:
            self.annotations.pop(change.before.id, None)
            self.session.apply([StoredChange.delete(change.before.id)])
        elif change.after is not None:
            after = change.after
            self.annotations[after.id] = after
            if change.before is None:
                self.session.apply([StoredChange.put(after)])
            elif (fields := StoredChange.between(change.before, after)) is not None:
                self.session.apply([fields])
        if record:
            self._undo.append(change)
            del self._undo[:-200]
        self._refresh_annotations()

    def create_highlight(self, span: tuple[int, int], **fields: object) -> Annotation | None:
        """Highlight ``span`` (with optional note/tags/colour) and return the annotation."""
        article = self.article
        if article is None or span[1] <= span[0]:
            return None
        annotation = Annotation.create(
            article_id=article.id,
            path=article.meta.path,
            text=article.text,
            start=span[0],
            end=span[1],
            color=str(fields.get("color") or self.session.settings.highlight_color),
            note=str(fields.get("note") or ""),
            tags=fields.get("tags") or (),
            chapter=article.book.chapter_title(span[0]) if article.book else "",
        )
        self._apply(Change(None, annotation))
        self.view.set_selection(None)
        self.view.set_cursor(span, scroll=False)
        return annotation

    def action_highlight(self) -> None:
        """Highlight the selection, or the sentence under the cursor."""
        if self.view.when_complete(self.action_highlight):
            return
        if not self._require_store():
            return
        span = self._target_span()
        if span is None:
            return
        existing = self.current_highlight()
        if existing is not None and (existing.start, existing.end) == span:
            self.notify("Already highlighted.")
            return
        if self.create_highlight(span) is not None:
            self.notify("Highlighted.", timeout=3)

    def action_color(self, color: str) -> None:
        """Set the colour of the highlight under the cursor."""
        if self.view.when_complete(partial(self.action_color, color)):
            return
        if not self._require_store():
            return
        current = self.current_highlight()
        if current is None:
            self.notify("No highlight under the cursor (press h to make one).")
            return
        if current.color.value != color:
            self._apply(Change(current, current.edited(color=color)))

    def _highlight_for_edit(self) -> Annotation | None:
        """The highlight under the cursor, created first if there is none."""
        if not self._require_store():
            return None
        current = self.current_highlight()
        if current is not None:
            return current
        span = self._target_span()
        return self.create_highlight(span) if span is not None else None

    def action_note(self) -> None:
        """Edit the note of the highlight under the cursor (creating the highlight if needed)."""
        if self.view.when_complete(self.action_note):
            return
        target = self._highlight_for_edit()
        if target is None:
            return
        ident = target.id

        def save(note: str | None) -> None:
            current = self.annotations.get(ident)
            if note is None or current is None or note == current.note:
                return
            self._apply(Change(current, current.edited(note=note)))
            self.notify("Note saved.", timeout=3)

        self.app.push_screen(NoteDialog(target.quote.exact, target.note), save)

    def action_tags(self) -> None:
        """Edit the tags of the highlight under the cursor (creating the highlight if needed)."""
        if self.view.when_complete(self.action_tags):
            return
        target = self._highlight_for_edit()
        if target is None:
            return
        ident = target.id
        known = sorted(self._library_tags | {t for a in self.annotations.values() for t in a.tags})

        def save(tags: list[str] | None) -> None:
            current = self.annotations.get(ident)
            if tags is None or current is None:
                return
            updated = current.edited(tags=tags)
            if updated.tags != current.tags:
                self._apply(Change(current, updated))
                self.notify("Tags saved.", timeout=3)

        self.app.push_screen(TagDialog(list(target.tags), known, quote=target.quote.exact), save)

    def action_delete(self) -> None:
        """Delete the highlight under the cursor (u undoes)."""
        if self.view.when_complete(self.action_delete):
            return
        if not self._require_store():
            return
        current = self.current_highlight()
        if current is None:
            self.notify("No highlight under the cursor.")
            return
        self._apply(Change(current, None))
        self.notify("Highlight deleted (u to undo).", timeout=2)

    def action_undo(self) -> None:
        """Undo the last annotation change."""
        if self.view.when_complete(self.action_undo):
            return
        if not self._undo:
            self.notify("Nothing to undo.")
            return
        change = self._undo.pop()
        self._apply(Change(change.after, change.before), record=False)
        self.notify(f"Undone: {change.description}", timeout=4)

    def reattach_target(self) -> Annotation | None:
        """The highlight ``r`` moves: the one chosen in the panel (an orphan, say), else the
        one needing review that the selection overlaps, else the only one needing review."""
        pending = self._pending_reattach
        if pending is not None and pending in self.annotations:
            return self.annotations[pending]
        chosen = self.query_one(AnnotationsPanel).chosen_id
        if chosen is not None and chosen in self.annotations:
            return self.annotations[chosen]
        view = self.view
        if view.selection is not None:
            for found in view.highlights_in(*view.selection):
                annotation = self.annotations.get(found.id)
                if annotation is not None:
                    return annotation
        review = [a for a in self.annotations.values() if needs_review(a)]
        return review[0] if len(review) == 1 else None

    def action_reattach(self) -> None:
        """Move the chosen highlight (or orphan) to the selected text: quote updated, note and
        tags kept (u undoes)."""
        if not self._require_store() or self.article is None:
            return
        if self.view.selection is None:
            self.notify("Select the right text first, then press r to move the highlight there.")
            return
        target = self.reattach_target()
        if target is None:
            self.notify("Choose the highlight to move in the annotations panel (a), then "
                        "select its text and press r.")
            return
        span = _trim(self.article.text, self.view.selection)
        if span[1] <= span[0]:
            return
        moved = reattached(target, self.article.text, span, self.article.id,
                           self.article.meta.path)
        self._apply(Change(target, moved))
        self._pending_reattach = None
        self.view.set_selection(None)
        self.view.set_cursor(span, scroll=False)
        self.notify("Highlight re-attached (u to undo).", timeout=3)

    def action_toggle_panel(self) -> None:
        """Show or hide the annotations panel."""
        if self.view.when_complete(self.action_toggle_panel):
            return
        panel = self.query_one(AnnotationsPanel)
        panel.display = not panel.display
        if panel.display:
            panel.focus_list()
        else:
            self.view.focus()

    @on(AnnotationsPanel.Closed)
    def _panel_closed(self) -> None:
        self.query_one(AnnotationsPanel).display = False
        self.view.focus()

    @on(AnnotationsPanel.Jump)
    def _jump(self, event: AnnotationsPanel.Jump) -> None:
        annotation = self.annotations.get(event.annotation_id)
        if annotation is None:
            return
        if annotation.status is AnchorStatus.ORPHANED:
            self._pending_reattach = annotation.id
            self.view.focus()
            self.notify("This highlight's text is no longer in the article (orphaned): select "
                        "where it belongs and press r to re-attach it.")
            return
        self.view.scroll_to_offset(annotation.start, center=True)
        self.view.set_cursor((annotation.start, annotation.end), scroll=False)
        self.view.flash(annotation.start, annotation.end)
        self.view.focus()

    # ----------------------------------------------------------------- search
    def select_span(self, start: int, end: int) -> None:
        """Scroll to ``[start, end)``, flash it and make it the selection."""
        self.view.scroll_to_offset(start, center=True)
        self.view.set_selection((start, end), scroll=False)
        self.view.set_cursor(None, scroll=False)
        self.view.flash(start, end)

    def action_search(self) -> None:
        """Search this article (Tab in the box switches to the whole library).

        Pressed while the article loads, the box opens at once (typing is never lost) and
        searches the whole article as soon as it is there.
        """
        if self.article is not None:
            screen = SearchScreen(self.session, scope_path=self.article.meta.path,
                                  article=self.article)
        else:
            screen = SearchScreen(self.session, scope_path=self.path, article_pending=True)
            self._waiting_search = screen
        self.app.push_screen(screen, self._search_chosen)

    def _search_chosen(self, outcome: SearchOutcome | None) -> None:
        """A hit here is shown here; one in another article opens that article."""
        if outcome is None:
            return
        hit = outcome.hit
        if hit.path == self.path:
            self.show_results(outcome.hits, outcome.index)
        else:
            self.post_message(self.OpenArticle(hit.path, (hit.match_start, hit.match_end),
                                               outcome.hits, outcome.index))

    def _remember_results(self, hits: list[SearchHit], index: int) -> SearchHit | None:
        """Keep the results in this article for n/N; the chosen one (None: none chosen)."""
        chosen = hits[index] if 0 <= index < len(hits) else None
        self._results = sorted(
            (hit for hit in hits if hit.path == self.path), key=lambda hit: hit.match_start
        )
        self._result_index = self._results.index(chosen) if chosen in self._results else 0
        return chosen

    def show_results(self, hits: list[SearchHit], index: int) -> None:
        """Remember search results in this article for n/N and jump to ``index``."""
        chosen = self._remember_results(hits, index)
        if chosen is not None and self.article is not None:
            self.select_span(chosen.match_start, chosen.match_end)

    def _step_result(self, step: int) -> None:
        if not self._results:
            self.notify("No search results (press / to search).")
            return
        self._result_index = (self._result_index + step) % len(self._results)
        hit = self._results[self._result_index]
        self.select_span(hit.match_start, hit.match_end)
        self.notify(f"Result {self._result_index + 1} of {len(self._results)}", timeout=1)

    def action_next_result(self) -> None:
        """Go to the next search result in this article."""
        if self.view.when_complete(self.action_next_result):
            return
        self._step_result(1)

    def action_previous_result(self) -> None:
        """Go to the previous search result in this article."""
        if self.view.when_complete(self.action_previous_result):
            return
        self._step_result(-1)

    # ----------------------------------------------------------------- links
    def _links_near_point(self) -> list[tuple[str, str]]:
        """Links in the selection or the cursor sentence (else on screen, with no cursor)."""
        view = self.view
        if view.selection is not None:
            return self._links_in(*view.selection)
        if view.cursor is not None:
            return self._links_in(*view.cursor)
        return self._links_on_screen()

    def _links_on_screen(self) -> list[tuple[str, str]]:
        view = self.view
        layout = view.layout_rows
        top = round(view.scroll_y)
        start = view.top_offset
        end = layout.offset_of_row(top + view.size.height) if layout else start
        if end <= start:
            end = len(view.document.text)
        return self._links_in(start, end)

    def _links_in(self, start: int, end: int) -> list[tuple[str, str]]:
        text = self.view.document.text
        seen: dict[str, tuple[str, str]] = {}
        for span in self.view.document.spans_in(start, end):
            if span.style == "link" and span.url:
                seen.setdefault(span.url, (text[span.start : span.end], span.url))
        return list(seen.values())

    def action_open_link(self) -> None:
        """Open a link in the cursor sentence (or, if it has none, on screen), or the
        article's source, after confirmation; a link inside a book is followed there."""
        if self.view.when_complete(self.action_open_link):
            return
        near = self._links_near_point()
        internal = [link for link in near if link[1].startswith(INTERNAL_LINK)]
        if internal and self.follow_internal_link(*internal[0]):
            return
        links = [link for link in near if not link[1].startswith(INTERNAL_LINK)] or [
            link for link in self._links_on_screen() if not link[1].startswith(INTERNAL_LINK)
        ]
        source = self.article.meta.url if self.article is not None else ""
        if source.lower().startswith(("http://", "https://")) and source not in {
            url for _label, url in links
        }:
            links.append(("This article's source (the page it came from)", source))
        if not links:
            self.notify("No link here or on screen (move the cursor with ] and [ onto one).")
            return

        def chosen(url: str | None) -> None:
            if url:
                self.app.open_url(url)
                self.notify(f"Opening {clean_line(url)}", timeout=3)

        self.app.push_screen(LinkDialog(links), chosen)

    # ----------------------------------------------------------------- export
    def action_export(self) -> None:
        """Export this article's annotations as Markdown to the export directory."""
        if self.view.when_complete(self.action_export):
            return
        if self.article is not None:
            self.post_message(self.ExportRequested([self.article.meta.path]))


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """Trim whitespace off a selection and snap its ends out to whole words."""
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
        while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
            end += 1
    return (start, end)
