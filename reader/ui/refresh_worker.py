"""Refreshing a web article from the app: fetch its page again, re-anchor its highlights.

:func:`refresh_web_article` runs in a thread worker; the work is the domain's
(:mod:`reader.refresh`, like ``postil refresh``). A failure is raised as
:class:`~reader.ui.messages.WorkerFailure`, which the app shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotations.storage import StoreError
from reader.loading import ArticleError
from reader.ui.messages import WorkerFailure
from reader.ui.session import ReaderSession


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What refreshing did, for the user."""

    changed: bool
    """True when the page had changed and the article's file was rewritten."""
    message: str


def refresh_web_article(
    session: ReaderSession, path: str, cancelled: Callable[[], bool]
) -> RefreshOutcome:
    """(In a worker.) Fetch the page of the web article at ``path`` again and update it.

    Raises:
        WorkerFailure: the page could not be fetched, or the file not rewritten.
    """
    from reader.refresh import apply_update, fetch_update
    from reader.web.fetch import Fetcher

    session.flush()  # highlights just made are in the database before re-anchoring
    try:
        store = session.store()
    except StoreError:
        store = None
    try:
        with Fetcher() as fetcher:
            update = fetch_update(Path(path), fetcher, cancelled=cancelled)
        result = apply_update(update, store)
    except ArticleError as error:
        raise WorkerFailure(f"Cannot refresh: {error}", title="Refresh", timeout=10) from None
    if not result.changed:
        return RefreshOutcome(False, "The page has not changed since it was fetched.")
    message = (f"Refreshed: {result.exact} highlights exact, {result.moved} moved, "
               f"{result.orphaned} orphaned")
    if result.problem:
        message += f" ({result.problem})"
    return RefreshOutcome(True, message)
