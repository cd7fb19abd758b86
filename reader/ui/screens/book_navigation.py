"""Moving around a book in the reading screen: contents, chapters, internal links, jump list.

:class:`BookNavigation` is the base of the reading screen and holds only navigation: ``T``
opens the contents (:class:`~reader.ui.dialogs.contents_dialog.ContentsDialog`), ``}`` / ``{`` go to
the next / previous chapter, an internal link (a footnote reference, a cross reference) is
followed inside the book — a footnote opens in a popup first
(:class:`~reader.ui.dialogs.footnote_dialog.FootnoteDialog`) — and every such jump is recorded
in a :class:`~reader.jumps.JumpList` that ``ctrl+o`` / ``ctrl+i`` (Tab) travel, as in vim.

Articles get the same keys over their headings. Nothing here imports the app.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen

from reader.article import WORDS_PER_MINUTE, Article
from reader.book import (
    INTERNAL_LINK,
    TocEntry,
    book_status,
    contents_of,
    current_entry,
    note_text,
    step_entry,
)
from reader.jumps import JumpList
from reader.loading import is_book
from reader.ui.dialogs.contents_dialog import ContentsDialog
from reader.ui.dialogs.footnote_dialog import FootnoteDialog
from reader.ui.widgets.article_view import ArticleView

#: The navigation keys (added to the reading screen's bindings).
NAVIGATION_BINDINGS = [
    # Shown in the footer for books; articles get the same screen over their headings.
    Binding("T", "contents", "Contents", id="contents"),
    Binding("T", "headings", "Headings", show=False, id="headings"),
    Binding("right_curly_bracket", "next_chapter", "Next chapter", show=False,
            id="next_chapter"),
    Binding("left_curly_bracket", "previous_chapter", "Prev chapter", show=False,
            id="previous_chapter"),
    Binding("ctrl+o", "jump_back", "Jump back", show=False, id="jump_back"),
    Binding("ctrl+i", "jump_forward", "Jump forward", show=False, id="jump_forward"),
]


class BookNavigation(Screen[None]):
    """Contents, chapter keys, internal links and the jump list for the reading screen."""

    article: Article | None
    path: str
    _jumps: JumpList

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``contents`` is a book's key (in the footer); ``headings`` the same for articles."""
        if action in {"contents", "headings"}:
            book = is_book(Path(self.path))
            return book if action == "contents" else not book
        if action == "jump_forward":
            # ctrl+i is Tab: outside the text (the annotations panel) Tab moves the focus.
            return isinstance(self.focused, ArticleView)
        return True

    @property
    def view(self) -> ArticleView:
        """The reading view."""
        return self.query_one(ArticleView)

    @property
    def jumps(self) -> JumpList:
        """Where the reader jumped from (ctrl+o / ctrl+i)."""
        if not hasattr(self, "_jumps"):
            self._jumps = JumpList()
        return self._jumps

    def contents_entries(self) -> list[TocEntry]:
        """The book's contents (or the headings) of what is shown now (preview or whole)."""
        book = self.article.book if self.article is not None else None
        return contents_of(self.view.document, book)

    def jump_to(self, offset: int, *, flash_to: int | None = None) -> None:
        """Go to ``offset`` (remembering where the reader was), flashing up to ``flash_to``."""
        view = self.view
        self.jumps.record(view.top_offset)
        self._go(offset)
        if flash_to is not None and flash_to > offset:
            view.flash(offset, flash_to)

    def _go(self, offset: int) -> None:
        view = self.view
        view.set_cursor(None, scroll=False)
        view.scroll_to_offset(max(0, min(offset, len(view.document.text))))

    # ---------------------------------------------------------------- contents and chapters
    def action_contents(self) -> None:
        """Show the table of contents; Enter jumps to the chosen entry."""
        entries = self.contents_entries()
        if not entries:
            self.notify("No table of contents (this text has no headings).")
            return
        current = current_entry(entries, self.view.point)
        title = self.article.meta.title if self.article is not None else ""

        def chosen(start: int | None) -> None:
            if start is not None:
                self.jump_to(start)

        self.app.push_screen(ContentsDialog(entries, current, title), chosen)

    def action_headings(self) -> None:
        """An article's headings as contents (T)."""
        self.action_contents()

    def _step_chapter(self, forward: bool) -> None:
        entries = self.contents_entries()
        if not entries:
            self.notify("No chapters (this text has no headings).")
            return
        target = step_entry(entries, self.view.point, forward)
        if target is None:
            self.notify("This is the last chapter." if forward else "This is the first chapter.",
                        timeout=2)
            return
        self.jump_to(target)

    def action_next_chapter(self) -> None:
        """Go to the start of the next chapter."""
        self._step_chapter(True)

    def action_previous_chapter(self) -> None:
        """Go to the start of this chapter, or of the previous one when already there."""
        self._step_chapter(False)

    # ---------------------------------------------------------------- jump list
    def action_jump_back(self) -> None:
        """Go back to where the last jump left from (ctrl+o)."""
        target = self.jumps.back(self.view.top_offset)
        if target is None:
            self.notify("No earlier place to go back to.", timeout=2)
            return
        self._go(target)

    def action_jump_forward(self) -> None:
        """Go forward again along the jump list (ctrl+i / Tab)."""
        target = self.jumps.forward()
        if target is None:
            self.notify("No later place to go forward to.", timeout=2)
            return
        self._go(target)

    # ---------------------------------------------------------------- internal links
    def follow_internal_link(self, label: str, url: str) -> bool:
        """Follow a link inside the book: a footnote opens in a popup, anything else jumps.

        Returns False when ``url`` is not an internal link this book can resolve.
        """
        article = self.article
        book = article.book if article is not None else None
        if book is None or not url.startswith(INTERNAL_LINK):
            return False
        target = book.target_of(url)
        if target is None:
            self.notify("That link points to a part of the book that could not be read.")
            return True
        document = self.view.document
        if target >= len(document.text):
            self.notify("The rest of the book is still being read; try again in a moment.")
            return True
        is_footnote = book.is_note(target) or (label.startswith("[") and label.endswith("]"))
        if not is_footnote:
            self.jump_to(target, flash_to=document.blocks[document.block_at(target)].end)
            return True
        text = note_text(document, book, target)

        def closed(go: bool | None) -> None:
            if go:
                self.jump_to(target, flash_to=target + len(text.split("\n\n", 1)[0]))

        self.app.push_screen(FootnoteDialog(label, text), closed)
        return True

    # ---------------------------------------------------------------- status
    def book_status(self) -> Text | None:
        """``Ch. 12 The Mat-Maker · 34 % of book · 8 min left in chapter`` (None: no book)."""
        article = self.article
        if article is None or article.book is None:
            return None
        text = article.text
        words_per_char = article.meta.words / max(1, len(text))
        return Text(
            book_status(
                article.book, self.view.top_offset, self.view.progress, len(text),
                words_per_char, WORDS_PER_MINUTE,
            )
        )
