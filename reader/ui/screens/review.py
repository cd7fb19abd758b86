"""The review screen: today's highlights one at a time, answered with a key.

It receives the session in its constructor and posts :class:`ReviewScreen.OpenArticle` for the
app to open the article at the passage (back returns here). Every answer is saved (durably,
through the session's writer) before the next highlight is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from annotations.changelog import Change
from annotations.model import Annotation
from annotations.review import (
    RATING_WORDS,
    Answer,
    BatchItem,
    ReviewFilter,
    ReviewPolicy,
    Reviews,
    ReviewStats,
)
from annotations.storage import AnnotationStore, StoreError
from reader.article_access import ArticleScope
from reader.review_context import ReviewContext, review_context, stored_context
from reader.sanitize import clean_line, clean_text
from reader.ui import messages
from reader.ui.dialogs.note_dialog import NoteDialog
from reader.ui.dialogs.tag_dialog import TagDialog
from reader.ui.session import ReaderSession
from reader.ui.worker_calls import call_from_worker

#: Days shown in the summary's chart of reviews per day.
CHART_DAYS = 28
#: The order ``f`` cycles an article's review frequency through.
NEXT_FREQUENCY = {"normal": "less", "less": "more", "more": "normal"}
FREQUENCY_WORDS = {"normal": "as usual", "less": "less often", "more": "more often"}


@dataclass(slots=True)
class ReviewProgress:
    """Where the review is: today's batch, the answers given, the day's counts."""

    items: list[BatchItem] = field(default_factory=list)
    index: int = 0
    answered: list[tuple[int, Answer]] = field(default_factory=list)
    reviewed: int = 0
    mastered: int = 0
    stats: ReviewStats | None = None

    @property
    def current(self) -> BatchItem | None:
        """The highlight on screen (None when the batch is done)."""
        return self.items[self.index] if self.index < len(self.items) else None


def card_text(item: BatchItem, context: ReviewContext | None) -> Text:
    """The card: source, the quote emphasised in its paragraph, note and tags."""
    annotation = item.annotation
    context = context or stored_context(annotation)
    text = Text()
    text.append(clean_line(context.title), style="bold")
    if context.author:
        text.append("\n" + clean_line(context.author), style="italic")
    text.append("\n\n")
    if context.imported_from:
        text.append(f"Imported from {clean_line(context.imported_from)}; the book is not in "
                    "the library (quote-only).\n\n", style="italic")
    elif context.orphaned or item.orphaned:
        text.append("The text of this highlight is no longer in the article; "
                    "reviewing its stored quote.\n\n", style="italic yellow")
    text.append(clean_text(context.before), style="dim")
    text.append(clean_text(context.quote), style="bold reverse")
    text.append(clean_text(context.after), style="dim")
    if annotation.note:
        text.append("\n\nNote: ", style="bold")
        text.append(clean_text(annotation.note))
    if annotation.tags:
        text.append("\n\n" + "  ".join(f"#{clean_line(tag)}" for tag in annotation.tags),
                    style="italic")
    if item.is_new:
        text.append("\n\nnew", style="dim")
    return text


class ReviewScreen(Screen[None]):
    """Today's review: one highlight at a time."""

    DEFAULT_CSS = """
    ReviewScreen #review-progress { height: 1; padding: 0 2; background: $panel; }
    ReviewScreen #review-scroll { height: 1fr; }
    ReviewScreen #review-card { width: 80; max-width: 100%; padding: 1 2; }
    ReviewScreen #review-summary { width: 80; max-width: 100%; padding: 1 2; height: auto; }
    ReviewScreen #review-chart { height: 3; margin-top: 1; }
    ReviewScreen #review-answers { height: 1; padding: 0 2; color: $text-muted; }
    """

    BINDINGS = [
        Binding("1", "answer('again')", "again", id="review-again"),
        Binding("2", "answer('hard')", "soon", id="review-hard"),
        Binding("3", "answer('good')", "later", id="review-good"),
        Binding("4", "answer('easy')", "much later", id="review-easy"),
        Binding("m", "answer('master')", "master", id="review-master"),
        Binding("d", "answer('discard')", "discard", id="review-discard"),
        Binding("u", "undo", "undo", id="review-undo"),
        Binding("e", "note", "note", id="review-note"),
        Binding("t", "tags", "tags", id="review-tags"),
        Binding("o", "open", "open", id="review-open"),
        Binding("f", "frequency", "freq", id="review-frequency"),
        Binding("q,escape", "back", "back", id="review-back"),
    ]

    class OpenArticle(messages.OpenArticle):
        """Open ``path`` at the highlight (``select``: its offsets now, if known)."""

    def __init__(self, session: ReaderSession, theme: ReviewFilter | None = None, *,
                 today: date | None = None) -> None:
        super().__init__()
        self.session = session
        self.theme = theme or ReviewFilter()
        self.today = today
        self.progress = ReviewProgress()
        self.context: ReviewContext | None = None
        self.loaded = False
        self.saving = False
        self.scope: ArticleScope | None = None
        """Where articles may be opened from (stored paths are data); set by the loader."""
        settings = session.settings
        self.policy = ReviewPolicy(per_day=settings.review_per_day,
                                   new_per_day=settings.review_new_per_day)

    def compose(self) -> ComposeResult:
        """Progress line, the card (or the summary), the answer words, the footer."""
        yield Static("Loading today's review…", id="review-progress")
        with VerticalScroll(id="review-scroll"):
            with Center():
                yield Static(id="review-card")
            with Center():
                with Vertical(id="review-summary"):
                    yield Static(id="review-summary-text")
                    yield Sparkline([], id="review-chart")
        yield Static(self._answer_line(), id="review-answers")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Size the card like the reading column, then load today's batch in a worker."""
        width = self.session.settings.reading_width
        self.query_one("#review-card").styles.width = width
        self.query_one("#review-summary").styles.width = width
        self.query_one("#review-summary").display = False
        self._load_batch()

    @staticmethod
    def _answer_line() -> Text:
        words = "  ·  ".join(f"{number} {RATING_WORDS[name]}" for number, name in
                             enumerate(("again", "hard", "good", "easy"), 1))
        return Text(f"{words}  ·  m master  ·  d discard  ·  u undo")

    # ------------------------------------------------------------------ loading
    def _reviews(self, store: AnnotationStore) -> Reviews:
        return Reviews(store, self.policy)

    @work(thread=True, exclusive=True, group="review-load")
    def _load_batch(self) -> None:
        try:
            self.scope = ArticleScope.with_configured(self.session.library,
                                                      self.session.config_path)
            reviews = self._reviews(self.session.store())
            items = reviews.batch(today=self.today, theme=self.theme)
            stats = reviews.stats(today=self.today, days=CHART_DAYS)
        except StoreError as error:
            call_from_worker(self, self._failed, str(error))
            return
        call_from_worker(self, self._batch_loaded, items, stats)

    def _failed(self, message: str) -> None:
        self.query_one("#review-progress", Static).update(
            Text(f"The review is not available: {clean_line(message)}"))
        self.loaded = True

    def _batch_loaded(self, items: list[BatchItem], stats: ReviewStats) -> None:
        self.progress = ReviewProgress(items=items, stats=stats)
        self.loaded = True
        self._show()

    @work(thread=True, exclusive=True, group="review-context")
    def _load_context(self, item: BatchItem) -> None:
        context = review_context(item.annotation, self.scope or ArticleScope(()))
        call_from_worker(self, self._context_loaded, item, context)

    def _context_loaded(self, item: BatchItem, context: ReviewContext) -> None:
        if self.progress.current is not item:
            return
        self.context = context
        self._show_card()

    # ------------------------------------------------------------------ showing
    def _show(self) -> None:
        item = self.progress.current
        if item is None:
            self._show_summary()
            return
        self.query_one("#review-summary").display = False
        self.query_one("#review-answers").display = True
        self.refresh_bindings()
        card = self.query_one("#review-card", Static)
        card.display = True
        self.context = None
        self._show_card()
        self._load_context(item)

    def streak(self) -> int:
        """Days in a row with a review, counting the answers given on this screen."""
        stats = self.progress.stats
        streak = stats.streak if stats else 0
        if self.progress.reviewed and stats is not None and not stats.reviewed_today:
            streak += 1  # today's first answer extends (or starts) the streak
        return streak

    def _progress_line(self) -> Text:
        streak = self.streak()
        total = len(self.progress.items)
        number = min(self.progress.index + 1, total)
        theme = ""
        if self.theme.tag:
            theme = f" · #{clean_line(self.theme.tag)}"
        elif self.theme.path:
            theme = " · one article"
        days = "day" if streak == 1 else "days"
        return Text(f"{number} / {total} · streak {streak} {days}{theme}")

    def _show_card(self) -> None:
        item = self.progress.current
        if item is None:
            return
        self.query_one("#review-progress", Static).update(self._progress_line())
        context = self.context
        if context is None:
            text = card_text(item, stored_context(item.annotation))
            if not item.orphaned and not item.quote_only:
                text = Text.assemble(text, ("\n\n(loading the article…)", "dim"))
        else:
            text = card_text(item, context)
        self.query_one("#review-card", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys for the highlight on screen are off (hidden) once the batch is done."""
        if action in {"answer", "note", "tags", "open", "frequency"}:
            return self.progress.current is not None
        if action == "undo":
            return bool(self.progress.answered)
        return True

    def _show_summary(self) -> None:
        self.query_one("#review-answers").display = False
        self.refresh_bindings()
        self.query_one("#review-card").display = False
        summary = self.query_one("#review-summary")
        summary.display = True
        stats = self.progress.stats
        streak = self.streak()
        lines = Text()
        if not self.progress.items:
            lines.append("Nothing to review today.\n\n", style="bold")
        else:
            lines.append("Today's review is done.\n\n", style="bold")
        lines.append(f"Reviewed: {self.progress.reviewed}\n")
        lines.append(f"Mastered: {self.progress.mastered}\n")
        lines.append(f"Streak: {streak} {'day' if streak == 1 else 'days'}\n\n")
        lines.append(f"Reviews per day over the last {CHART_DAYS} days (today at the right):",
                     style="dim")
        self.query_one("#review-summary-text", Static).update(lines)
        per_day = list(stats.per_day) if stats else [0] * CHART_DAYS
        if per_day:
            per_day[-1] = (stats.reviewed_today if stats else 0) + self.progress.reviewed
        self.query_one("#review-chart", Sparkline).data = [float(n) for n in per_day]
        self.query_one("#review-progress", Static).update(
            Text(f"{len(self.progress.items)} / {len(self.progress.items)} · done"))

    # ------------------------------------------------------------------ answers
    def action_answer(self, answer: str) -> None:
        """Record an answer; the next highlight shows once it is saved."""
        item = self.progress.current
        if item is None or self.saving:
            return
        chosen = Answer(answer)
        ident, index, today, policy = item.annotation.id, self.progress.index, self.today, \
            self.policy

        def save(store: AnnotationStore) -> None:
            try:
                Reviews(store, policy).answer(ident, chosen, today=today)
            except StoreError as error:
                call_from_worker(self, self._save_failed, str(error))
                return
            call_from_worker(self, self._answered, index, chosen)

        self._write(save)

    def _write(self, operation: object) -> None:
        self.saving = True
        if not self.session.write(operation):  # type: ignore[arg-type]
            self.saving = False
            self.notify("The database is not available; nothing was saved.", severity="error")

    def _save_failed(self, message: str) -> None:
        self.saving = False
        self.notify(f"Could not save the answer: {clean_line(message)}", severity="error")

    def _answered(self, index: int, answer: Answer) -> None:
        self.saving = False
        self.progress.answered.append((index, answer))
        self.progress.reviewed += 1
        if answer is Answer.MASTER:
            self.progress.mastered += 1
            self.notify("Mastered: no more reviews for this highlight.", timeout=3)
        elif answer is Answer.DISCARD:
            self.notify("Discarded from reviews (the highlight is kept).", timeout=3)
        self.progress.index = index + 1
        self._show()

    def action_undo(self) -> None:
        """Take back the last answer and show that highlight again."""
        if self.saving or not self.progress.answered:
            if not self.saving:
                self.notify("Nothing to undo.", timeout=2)
            return
        index, answer = self.progress.answered[-1]
        ident = self.progress.items[index].annotation.id

        def undo(store: AnnotationStore) -> None:
            try:
                Reviews(store, self.policy).undo(ident)
            except StoreError as error:
                call_from_worker(self, self._save_failed, str(error))
                return
            call_from_worker(self, self._undone, index, answer)

        self._write(undo)

    def _undone(self, index: int, answer: Answer) -> None:
        self.saving = False
        self.progress.answered.pop()
        self.progress.reviewed -= 1
        if answer is Answer.MASTER:
            self.progress.mastered -= 1
        self.progress.index = index
        self.notify(f"Undone: {answer.value}.", timeout=2)
        self._show()

    # ------------------------------------------------------------------ other keys
    def _replace_annotation(self, updated: Annotation) -> None:
        item = self.progress.current
        if item is None:
            return
        change = Change.between(item.annotation, updated)  # only the fields edited here
        self.progress.items[self.progress.index] = replace(item, annotation=updated)
        if change is not None and not self.session.apply([change]):
            self.notify("The database is not available; nothing was saved.", severity="error")
        self._show_card()

    def action_note(self) -> None:
        """Edit the highlight's note."""
        item = self.progress.current
        if item is None:
            return
        ident = item.annotation.id

        def save(note: str | None) -> None:
            current = self.progress.current
            if note is None or current is None or current.annotation.id != ident:
                return
            if note != current.annotation.note:
                self._replace_annotation(current.annotation.edited(note=note))
                self.notify("Note saved.", timeout=2)

        self.app.push_screen(NoteDialog(item.annotation.quote.exact, item.annotation.note), save)

    def action_tags(self) -> None:
        """Edit the highlight's tags."""
        item = self.progress.current
        if item is None:
            return
        ident = item.annotation.id
        known = sorted({tag for batch in self.progress.items for tag in batch.annotation.tags})

        def save(tags: list[str] | None) -> None:
            current = self.progress.current
            if tags is None or current is None or current.annotation.id != ident:
                return
            updated = current.annotation.edited(tags=tags)
            if updated.tags != current.annotation.tags:
                self._replace_annotation(updated)
                self.notify("Tags saved.", timeout=2)

        self.app.push_screen(TagDialog(list(item.annotation.tags), known), save)

    def action_open(self) -> None:
        """Open the article at this passage (back returns to the review)."""
        item = self.progress.current
        if item is None:
            return
        if item.quote_only:
            self.notify("This highlight was imported and its book is not in the library "
                        "(quote-only): add the book and it attaches to it.", timeout=4)
            return
        if self.scope is None or not self.scope.exists(item.annotation.path):
            self.notify("This highlight's article is not in the library (moved, deleted or "
                        "imported from elsewhere): it cannot be opened.", timeout=4)
            return
        context = self.context
        span = None
        if context is not None and context.start is not None and context.end is not None:
            span = (context.start, context.end)
        if context is not None and context.orphaned:
            self.notify("The passage is no longer in the article; opening the article.",
                        timeout=3)
        self.post_message(self.OpenArticle(item.annotation.path, span))

    def action_frequency(self) -> None:
        """See this article's highlights less often, more often, or as usual (cycles)."""
        item = self.progress.current
        if item is None:
            return
        annotation = item.annotation
        policy = self.policy

        def change(store: AnnotationStore) -> None:
            reviews = Reviews(store, policy)
            frequency = NEXT_FREQUENCY[reviews.frequency(annotation)]
            reviews.set_frequency(annotation, frequency)
            call_from_worker(self, self.notify,
                             f"This article's highlights come back {FREQUENCY_WORDS[frequency]}.",
                             timeout=3)

        if not self.session.write(change):
            self.notify("The database is not available; nothing was saved.", severity="error")

    def action_back(self) -> None:
        """Leave the review."""
        self.dismiss(None)
