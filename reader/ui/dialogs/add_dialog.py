"""A modal that adds an article: a file path (copied) or a web address (fetched).

The work runs in a thread worker (:func:`reader.adding.add_source`), so the UI never waits for
the network or the disk; the dialog shows the download's progress, and errors stay in the
dialog (one line, never a traceback) so the address can be corrected. It is dismissed with the
:class:`~reader.adding.AddResult` once the article is in the library (or None on Escape, which
also cancels a download in progress — nothing is stored then).
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static
from textual.worker import Worker, get_current_worker

from reader.adding import AddResult, add_source
from reader.loading import ArticleError
from reader.sanitize import clean_line
from reader.ui.worker_calls import call_from_worker
from reader.web.fetch import FetchCancelled, Fetcher, FetchOptions, display_url, looks_like_url

#: Least time between two progress updates posted to the UI.
_PROGRESS_INTERVAL = 0.1


class AddDialog(ModalScreen[AddResult | None]):
    """Enter adds what was typed; Escape cancels (and stops a download)."""

    AUTO_FOCUS = "#add-path"
    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True)]

    def __init__(self, library: Path, options: FetchOptions | None = None) -> None:
        super().__init__()
        self.library = library
        self.options = options or FetchOptions()
        self._worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        """Prompt, path box, status line, hint."""
        with Vertical(id="add-dialog", classes="dialog"):
            yield Label(Text("Add an article to your library", style="bold"))
            yield Input(
                placeholder="https://… or ~/Downloads/article.html (.txt, .md, .html, .epub)",
                id="add-path",
            )
            yield Static("", id="add-status")
            # The folder may be long: the hint wraps (width 100%), it is never cut.
            hint = Text("enter adds it to ", style="dim")
            hint.append(clean_line(str(self.library)), style="dim bold")
            hint.append("\npages and HTML are stored as Markdown  ·  esc cancels", style="dim")
            yield Label(hint, id="add-hint")

    @property
    def busy(self) -> bool:
        """True while an article is being added."""
        return self._worker is not None and not self._worker.is_finished

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        given = event.value.strip()
        if not given or self.busy:
            return
        if looks_like_url(given):
            self._status(f"Fetching {clean_line(display_url(given))} …")
        else:
            self._status("Adding …")
        self._worker = self._add(given)

    @work(thread=True, exclusive=True, group="add-article")
    def _add(self, given: str) -> None:
        worker = get_current_worker()
        last = 0.0

        def progress(received: int, total: int | None) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= _PROGRESS_INTERVAL:
                last = now
                call_from_worker(self, self._progress, given, received, total)

        try:
            with Fetcher(self.options) as fetcher:
                result = add_source(given, self.library, fetcher=fetcher, progress=progress,
                                    cancelled=lambda: worker.is_cancelled)
        except FetchCancelled:
            return
        except ArticleError as error:
            call_from_worker(self, self._failed, str(error))
            return
        except Exception as error:  # noqa: BLE001 - a bug must not become a traceback here
            call_from_worker(self, self._failed,
                             f"could not be added ({type(error).__name__}: {error})")
            return
        call_from_worker(self, self.dismiss, result)

    def _progress(self, given: str, received: int, total: int | None) -> None:
        size = f"{received / 1024:,.0f} KB"
        if total:
            size += f" of {total / 1024:,.0f} KB"
        self._status(f"Fetching {clean_line(display_url(given))} … {size}")

    def _failed(self, reason: str) -> None:
        self._status(f"Cannot add: {clean_line(reason)}", error=True)
        self.query_one(Input).focus()

    def _status(self, message: str, *, error: bool = False) -> None:
        self.query_one("#add-status", Static).update(
            Text(message, style="bold red" if error else "italic"))

    def action_cancel(self) -> None:
        """Close without adding (a download in progress is stopped; nothing is stored)."""
        if self._worker is not None:
            self._worker.cancel()
        self.dismiss(None)
