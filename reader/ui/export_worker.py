"""Export from the app: Markdown files in the export folder, written off the UI thread."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from annotations.export import ExportError, export_all_markdown
from reader import paths
from reader.article_access import ArticleScope
from reader.commands.export import collect_exports
from reader.sanitize import clean_line
from reader.ui.worker_calls import call_from_worker

if TYPE_CHECKING:
    from reader.ui.app import PostilApp


def start_export(app: PostilApp, article_paths: list[str] | None) -> None:
    """Export the annotations of ``article_paths`` (all articles when None) in a worker."""
    app.run_worker(
        partial(_export, app, article_paths), thread=True, group="export", exit_on_error=False
    )


def _export(app: PostilApp, article_paths: list[str] | None) -> None:
    session = app.session
    try:
        store = session.store()
    except Exception as error:
        call_from_worker(app, app.notify, f"Cannot export: {clean_line(str(error))}",
                             severity="error")
        return
    session.flush()  # include changes made a moment ago
    annotations = store.all_annotations()
    if article_paths is not None:
        wanted = set(article_paths)
        annotations = [a for a in annotations if a.path in wanted]
    if not annotations:
        call_from_worker(app, app.notify, "No annotations to export yet.", severity="warning")
        return
    scope = ArticleScope.with_configured(session.library, session.config_path)
    exports = collect_exports(annotations, scope)
    if len(exports) > 3:
        call_from_worker(app, app.notify, f"Exporting {len(exports)} articles…", timeout=3)
    directory = session.settings.export_path() or paths.default_export_dir()
    guard = paths.export_guard(
        session.db_path, session.config_path, list(session.library.roots),
        [Path(export.article.path) for export in exports],
    )
    try:
        result = export_all_markdown(exports, directory, guard=guard)
    except ExportError as error:
        call_from_worker(app, app.notify, f"Export failed: {clean_line(str(error))}",
                             severity="error", timeout=15)
        return
    for problem in result.errors:
        call_from_worker(app, app.notify, clean_line(problem), severity="error", timeout=15)
    if len(result.written) == 1:
        message = f"Exported to {result.written[0]}"
    else:
        message = f"Exported {len(result.written)} articles to {directory}"
    call_from_worker(app, app.notify, clean_line(message), title="Export", timeout=8)
