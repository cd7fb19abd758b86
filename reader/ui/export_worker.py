"""Export from the app: Markdown files in the export folder, written off the UI thread.

:func:`export_annotations` runs in a thread worker; the work itself is the domain's
(:func:`reader.exporting.export_to_folder`). Failures are raised as
:class:`~reader.ui.messages.WorkerFailure`, which the app shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from annotations.export import ExportError
from annotations.storage import StoreError
from reader import paths
from reader.exporting import export_to_folder
from reader.sanitize import clean_line
from reader.ui.messages import WorkerFailure
from reader.ui.session import ReaderSession


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What to tell the user when an export is done."""

    message: str
    """Where the files went."""
    problems: list[str] = field(default_factory=list)
    """One line per file that could not be written."""


def export_annotations(
    session: ReaderSession, article_paths: list[str] | None, tell: Callable[[str], object]
) -> ExportSummary:
    """Export the annotations of ``article_paths`` (all when None) into the export folder.

    ``tell`` is called (from this thread) with a notice before a larger export starts.

    Raises:
        WorkerFailure: the database is unavailable, nothing is annotated yet, or the export
            folder cannot be written.
    """
    try:
        store = session.store()
    except StoreError as error:
        raise WorkerFailure(f"Cannot export: {clean_line(str(error))}") from None
    session.flush()  # include changes made a moment ago
    directory = session.settings.export_path() or paths.default_export_dir()

    def starting(articles: int) -> None:
        if articles > 3:
            tell(f"Exporting {articles} articles…")

    try:
        done = export_to_folder(
            store.all_annotations(), directory, library=session.library,
            db_path=session.db_path, config_path=session.config_path,
            article_paths=article_paths, starting=starting,
        )
    except ExportError as error:
        raise WorkerFailure(f"Export failed: {clean_line(str(error))}", timeout=15) from None
    if not done.articles:
        raise WorkerFailure("No annotations to export yet.", severity="warning")
    written = done.result.written
    if len(written) == 1:
        message = f"Exported to {written[0]}"
    else:
        message = f"Exported {len(written)} articles to {directory}"
    return ExportSummary(clean_line(message), [clean_line(p) for p in done.result.errors])
