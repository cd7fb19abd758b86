"""The postil Textual app: library and reading screens over one shared session.

The app makes the session, pushes screens, and handles what screens ask it to coordinate
(:mod:`reader.ui.messages`: open an article, export, a store problem, the search index). Screens
never import this module; they get the session in their constructor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState, get_current_worker

from annotations.changelog import ANNOTATIONS
from annotations.review import ReviewFilter
from annotations.storage import DatabaseLocked, StoreError
from annotations.sync import MergeReport
from reader import paths
from reader.adding import add_target
from reader.library import LibrarySource
from reader.sanitize import clean_line, clean_text
from reader.sync import POLL_SECONDS as SYNC_POLL_SECONDS
from reader.ui import messages, refresh_worker
from reader.ui.dialogs.help_dialog import HelpDialog, collect_keys
from reader.ui.executor import DaemonExecutor
from reader.ui.export_worker import export_annotations
from reader.ui.index_worker import IndexBuilds, build_index
from reader.ui.palette import ArticleProvider, ThemePicker, key_commands
from reader.ui.screens.library import LibraryScreen
from reader.ui.screens.reading import ReadingScreen
from reader.ui.screens.review import ReviewScreen
from reader.ui.screens.search import SearchOutcome, SearchScreen
from reader.ui.session import ReaderSession, describe_changes
from reader.ui.worker_calls import call_from_worker

if TYPE_CHECKING:
    from reader.search import SearchHit

#: Quitting waits this long without a word for queued writes...
QUICK_SAVE_SECONDS = 0.3
#: ...then says what it is saving and waits up to this long for a locked database.
QUIT_WAIT_SECONDS = 20.0


class PostilApp(App[int]):
    """A terminal reader that keeps your marginalia."""

    TITLE = "postil"
    CSS_PATH = str(paths.styles_dir() / "app.tcss")
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("question_mark,f1", "help", "Help"),
    ]
    COMMANDS = App.COMMANDS | {ArticleProvider}

    def __init__(
        self,
        db_path: Path,
        library: LibrarySource,
        config_path: Path | None = None,
        *,
        start_review: ReviewFilter | None = None,
        review_today: date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.session = ReaderSession(
            db_path, library, config_path or paths.default_config_path(), owner=self
        )
        self.session.on_write_error = self._write_failed
        self.session.on_notice = self._notice_from_worker
        self._saving_before_quit = False
        self._reported_store_error = False
        self._index_builds = IndexBuilds()
        self.start_review = start_review
        """Open the review screen at start (``postil review``), with this theme."""
        self.review_today = review_today
        """The date the review uses (``postil review --today``); None: today."""

    def on_load(self) -> None:
        """Run thread workers on daemon threads: a stuck worker never keeps postil open."""
        asyncio.get_running_loop().set_default_executor(DaemonExecutor())

    def on_mount(self) -> None:
        """Apply settings, show the library, and open the article given on the command line."""
        settings = self.session.settings
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        for problem in self.session.loaded_settings.problems:
            self.notify(clean_line(problem), severity="warning", timeout=10)
        if settings.keys:
            self.set_keymap(settings.keys)
        single = self.session.library.single_file
        # Started on one file, the library is listed only when the reader goes back to it.
        self.push_screen(LibraryScreen(self.session, scan_at_start=single is None))
        if single is not None:
            self.push_screen(ReadingScreen(self.session, str(single.absolute()),
                                           quit_on_back=True))
        elif self.start_review is not None:
            self.push_screen(ReviewScreen(self.session, self.start_review,
                                          today=self.review_today))
        if self.session.sync_configured:  # merge at start, then whenever the folder changes
            self.poll_sync()
            self.set_interval(SYNC_POLL_SECONDS, self.poll_sync)

    @work(thread=True, group="sync")
    def poll_sync(self) -> None:
        """Merge the sync folder if it changed (a cheap look at it; never on the UI thread).

        Not exclusive: a look while a merge runs returns at once, and the running merge must
        not be cancelled (its report would be dropped)."""
        report = self.session.sync_poll()
        if report is not None and (report.changes or report.clash):
            call_from_worker(self, self._synced, report)

    def _synced(self, report: MergeReport) -> None:
        if report.changes:
            self.notify(clean_line(f"Synced: {report.summary()}"), timeout=4)
            self.session.store_changed.publish(None)
        if report.clash:
            self.notify(clean_line(report.clash), severity="warning", timeout=15)

    # ----------------------------------------------------------------- what screens ask for
    @on(messages.OpenArticle)
    def _open_requested(self, message: messages.OpenArticle) -> None:
        self.open_article(message.path, message.select, message.hits, message.index)

    @on(messages.ExportRequested)
    def _export_requested(self, message: messages.ExportRequested) -> None:
        self.export_articles(message.paths)

    @on(messages.StoreProblem)
    def _store_problem(self, message: messages.StoreProblem) -> None:
        self.report_store_error(message.error)

    @on(messages.IndexWanted)
    def _index_wanted(self, message: messages.IndexWanted) -> None:
        """Build the library search index once (and again after the library changed)."""
        self._build_index_if(self._index_builds.wanted(refresh=message.refresh))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Every worker's failure is told here, once (the worker itself only raises)."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, messages.WorkerFailure):
            self.notify(str(error), title=error.title, severity=error.severity,
                        timeout=error.timeout)
        elif error is not None:
            self.notify(f"Something went wrong: {clean_line(str(error)) or type(error).__name__}",
                        severity="error", timeout=15)

    # ----------------------------------------------------------------- opening things
    def open_article(self, path: str, select: tuple[int, int] | None = None,
                     hits: list[SearchHit] | None = None, index: int = 0) -> None:
        """Open ``path`` in the reading screen (reusing it if it is already open).

        ``hits``: search results (``hits[index]`` was chosen; ``n``/``N`` step through those
        in this article).
        """
        screen = self.screen
        if isinstance(screen, ReadingScreen) and screen.path == path:
            if hits:
                screen.show_results(hits, index)
            elif select is not None:
                screen.select_span(*select)
            return
        self.push_screen(ReadingScreen(self.session, path, select=select, hits=hits,
                                       index=index))

    def open_search(self, scope_path: str | None = None) -> None:
        """Open the search box for the whole library (``scope_path`` None) or one article."""
        def chosen(outcome: SearchOutcome | None) -> None:
            if outcome is not None:
                hit = outcome.hit
                self.open_article(hit.path, (hit.match_start, hit.match_end), outcome.hits,
                                  outcome.index)

        self.push_screen(SearchScreen(self.session, scope_path=scope_path), chosen)

    def action_review(self, theme: ReviewFilter | None = None) -> None:
        """Start today's review of highlights (all, or a theme's)."""
        if isinstance(self.screen, ReviewScreen):
            self.pop_screen()
        self.push_screen(ReviewScreen(self.session, theme, today=self.review_today))

    @work(thread=True, exclusive=True, group="review-tags")
    def action_review_tag(self) -> None:
        """Choose a tag (from the palette) and review only its highlights."""
        try:
            annotations = self.session.store().all_annotations()
        except StoreError as error:
            self.post_message(messages.StoreProblem(str(error)))
            return
        counts: dict[str, int] = {}
        for annotation in annotations:
            for tag in annotation.tags:
                counts[tag] = counts.get(tag, 0) + 1
        call_from_worker(self, self._choose_review_tag, counts)

    def _choose_review_tag(self, counts: dict[str, int]) -> None:
        if not counts:
            self.notify("No tagged highlights yet: t tags a highlight in the reading view.")
            return
        self.search_commands(
            [(f"#{clean_line(tag)}", partial(self.action_review, ReviewFilter(tag=tag)),
              f"{count} highlight{'s' * (count != 1)}")
             for tag, count in sorted(counts.items())],
            placeholder="Review which tag…",
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a notification. Messages carry file names, titles and errors — user text — so
        they are never parsed as markup, whatever the caller asked for."""
        super().notify(
            clean_text(message), title=clean_line(title), severity=severity, timeout=timeout,
            markup=False,
        )

    # ----------------------------------------------------------------- the search index
    def _build_index_if(self, start: bool) -> None:
        if start:
            self._build_index()

    @work(thread=True, exclusive=True, group="search-index")
    def _build_index(self) -> None:
        worker = get_current_worker()
        try:
            build_index(self.session,
                        partial(call_from_worker, self, self.session.index_updated.publish),
                        cancelled=lambda: worker.is_cancelled)
        finally:
            call_from_worker(self, lambda: self._build_index_if(self._index_builds.finished()))

    # ----------------------------------------------------------------- export
    def export_articles(self, article_paths: list[str] | None) -> None:
        """Export annotations (of these articles, or all) as Markdown into the export dir."""
        self._export(article_paths)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, article_paths: list[str] | None) -> None:
        def tell(message: str) -> None:
            call_from_worker(self, self.notify, message, timeout=3)

        summary = export_annotations(self.session, article_paths, tell)
        for problem in summary.problems:
            call_from_worker(self, self.notify, problem, severity="error", timeout=15)
        call_from_worker(self, self.notify, summary.message, title="Export", timeout=8)

    def report_store_error(self, error: object) -> None:
        """Show (once) why the database could not be opened."""
        if self._reported_store_error:
            return
        self._reported_store_error = True
        self.notify(
            clean_line(str(error)) + " Annotations are off until this is fixed.",
            title="Database problem",
            severity="error",
            timeout=30,
        )

    def _write_failed(self, error: Exception) -> None:
        message = clean_line(str(error)) or type(error).__name__
        text = f"Could not save: {message}"
        severity: SeverityLevel = "error"
        if isinstance(error, DatabaseLocked):  # the writer keeps the change and retries
            text = ("Waiting to save: another postil is using the database. Your changes are "
                    "kept and saved as soon as it is free.")
            severity = "warning"
        self._notify_from_thread(text, severity=severity, timeout=15)

    class ThreadNotice(Message):
        """A notification from a thread that must not wait for the UI to show it."""

        def __init__(self, text: str, severity: SeverityLevel, timeout: float) -> None:
            super().__init__()
            self.text, self.severity, self.timeout = text, severity, timeout

    def _notify_from_thread(self, text: str, *, severity: SeverityLevel = "information",
                            timeout: float = 10) -> None:
        """(Any thread.) Notify without waiting: ``call_from_thread`` waits for the UI thread,
        which may itself be waiting for this thread (quitting joins the writer) — a quit
        while the database was locked hung until the join timed out."""
        self.post_message(self.ThreadNotice(text, severity, timeout))

    @on(ThreadNotice)
    def _thread_notice(self, notice: ThreadNotice) -> None:
        self.notify(notice.text, severity=notice.severity, timeout=notice.timeout)

    def watch_theme(self, theme: str) -> None:
        """Remember the chosen theme in the settings file."""
        settings = self.session.settings
        if theme == settings.theme:
            return
        settings.theme = theme
        self._save_theme(theme)

    @work(thread=True, exclusive=True, group="settings", exit_on_error=False)
    def _save_theme(self, theme: str) -> None:
        """Write the theme into the settings file (off the UI thread)."""
        from reader.config import save_setting

        try:
            save_setting(self.session.config_path, "theme", theme)
        except (OSError, ValueError) as error:
            raise messages.WorkerFailure(f"Could not save the theme: {clean_line(str(error))}",
                                         severity="warning") from None

    def search_themes(self) -> None:
        """The theme picker, with the theme in use marked."""
        from textual.command import CommandPalette

        self.push_screen(CommandPalette(providers=[ThemePicker],
                                        placeholder="Search for themes…"))

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if isinstance(self.screen, HelpDialog):
            return
        name = "reading screen" if isinstance(self.screen, ReadingScreen) else "library"
        if isinstance(self.screen, ReviewScreen):
            name = "review"
        self.push_screen(HelpDialog(collect_keys(self.screen), name))

    # ----------------------------------------------------------------- adding and refreshing
    def action_add_article(self) -> None:
        """Ask for a file or a web address, add it to the library (like `postil add`), and
        open the article."""
        from reader.adding import AddResult
        from reader.ui.dialogs.add_dialog import AddDialog

        target = add_target(self.session.library)

        def added(result: AddResult | None) -> None:
            if result is None:
                return
            title = clean_line(result.title)
            if result.duplicate:
                message = f"Already in your library: “{title}” ({result.path})"
            else:
                message = f"Added “{title}” to {result.path}"
            self.notify(message, title="Add", timeout=8)
            if result.notice:
                self.notify(result.notice, title="Add", severity="warning", timeout=8)
            if not result.duplicate:
                if self.session.library.is_sample:
                    self.session.library = LibrarySource([target])
                self.session.library_changed.publish(None)
            self.open_article(str(result.path))

        self.push_screen(AddDialog(target), added)

    def refresh_web_article(self, path: str) -> None:
        """Fetch a web article's page again (like `postil refresh`): highlights re-anchor, and
        the reading screen shows the new text."""
        self.notify("Fetching the page again …", title="Refresh", timeout=4)
        self._refresh_web_article(path)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _refresh_web_article(self, path: str) -> None:
        worker = get_current_worker()
        outcome = refresh_worker.refresh_web_article(self.session, path,
                                                     lambda: worker.is_cancelled)
        call_from_worker(self, self.notify, outcome.message, title="Refresh",
                         timeout=10 if outcome.changed else 6)
        if outcome.changed:
            call_from_worker(self, self.session.article_replaced.publish, path)
            call_from_worker(self, self.session.library_changed.publish, None)

    # ----------------------------------------------------------------- the command palette
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Palette: postil's commands, then every key action of the current screen."""
        yield SystemCommand("Search library…", "Fuzzy passage search in every article",
                            self.open_search)
        yield SystemCommand("Export all annotations", "Markdown files in the export folder",
                            partial(self.export_articles, None))
        if isinstance(screen, ReadingScreen) and screen.article is not None:
            yield SystemCommand("Export this article", "This article's annotations as Markdown",
                                partial(self.export_articles, [screen.path]))
            if screen.article.meta.url.lower().startswith(("http://", "https://")):
                yield SystemCommand("Refresh from the web",
                                    "Fetch this article's page again (highlights kept)",
                                    partial(self.refresh_web_article, screen.path))
        yield SystemCommand("Review highlights", "Today's spaced review of your highlights",
                            self.action_review)
        yield SystemCommand("Review a tag…", "Today's review of one tag's highlights",
                            self.action_review_tag)
        yield SystemCommand("Add article…", "A web page (URL) or a .txt, .md, .html or .epub file",
                            self.action_add_article)
        yield SystemCommand("Change theme…", "Pick a theme (saved in your settings)",
                            self.action_change_theme)
        yield SystemCommand("Help: keys", "Every key of this screen", self.action_help)
        yield from key_commands(screen)
        yield SystemCommand("Quit", "Quit postil", self.action_quit)

    async def action_quit(self) -> None:
        """Save the reading position and quit, once every change is on disk.

        If writes are still queued (another postil holds the database lock), the app says
        what it is saving and waits for it; a second quit leaves at once, and what is still
        unsaved then is kept in a pending file (reported on stderr by the session).
        """
        if isinstance(self.screen, ReadingScreen):
            self.screen.save_position()
        if self._saving_before_quit or not self.session.unsaved():
            self.exit()
            return
        self._saving_before_quit = True
        self._save_then_exit()

    @work(thread=True, group="quit")
    def _save_then_exit(self) -> None:
        if not self.session.flush(QUICK_SAVE_SECONDS):
            highlights = {c.key for c in self.session.unsaved() if c.table == ANNOTATIONS}
            what = describe_changes(len(highlights)) if highlights else "your changes"
            call_from_worker(self, self.notify,
                             f"Saving {what}… (another postil is using the database; "
                             "q again quits and keeps them for the next start)",
                             timeout=QUIT_WAIT_SECONDS)
            self.session.flush(QUIT_WAIT_SECONDS)
        call_from_worker(self, self.exit)

    def _notice_from_worker(self, message: str) -> None:
        self._notify_from_thread(clean_line(message), timeout=10)

    def action_help_quit(self) -> None:
        """ctrl+c with nothing selected to copy quits, as in any terminal program.

        Not from a dialog (a note being written): there it only says how to quit.
        """
        if isinstance(self.screen, ModalScreen):
            super().action_help_quit()
            return
        self.call_later(self.action_quit)

    def on_unmount(self) -> None:
        """Wait for pending writes before the process ends."""
        self.session.close()
