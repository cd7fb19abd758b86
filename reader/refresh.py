"""Refreshing web articles: fetch again, replace the file atomically, re-anchor highlights.

:func:`fetch_update` (safe in worker threads) reads a stored web article, asks its server with a
conditional request (``If-None-Match`` / ``If-Modified-Since`` from the stored ``etag`` /
``last_modified``) and compares the new text with the stored one; :func:`apply_update` (one
thread) writes a changed article atomically and re-anchors its annotations with the fuzzy
anchoring every edit uses (:func:`reader.reanchoring.reanchor`), reporting how many
were found exactly, moved, or orphaned — orphans are kept, never dropped.

An unchanged page (304, or the same text) rewrites nothing. A failure anywhere leaves the stored
article as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotations.atomicfile import atomic_write_text
from annotations.storage import StoreError
from reader.loading import ArticleError, fingerprint, parse_article, read_text
from reader.reanchoring import reanchor
from reader.sanitize import normalize_newlines
from reader.web.page import WebArticle, WebOrigin, web_article, web_origin

if TYPE_CHECKING:
    from annotations.storage import AnnotationStore
    from reader.web.fetch import Fetcher


@dataclass(slots=True)
class Update:
    """What fetching a stored web article again brought.

    Attributes:
        path: The stored article.
        origin: Its web origin as stored.
        old_text: The stored file's text (newlines normalised), to detect a change meanwhile.
        article: The new article, or None when the page is unchanged.
    """

    path: Path
    origin: WebOrigin
    old_text: str
    article: WebArticle | None


@dataclass(slots=True)
class RefreshResult:
    """What a refresh did to one article.

    Attributes:
        path: The article file.
        source: Its URL.
        title: Its title.
        changed: True when the file was rewritten.
        exact: Highlights found at their old place.
        moved: Highlights found elsewhere (exactly or approximately).
        orphaned: Highlights whose text is gone (kept).
        problem: Something the user should know (the database could not be updated), or None.
    """

    path: Path
    source: str
    title: str
    changed: bool
    exact: int = 0
    moved: int = 0
    orphaned: int = 0
    problem: str | None = None


def read_origin(path: Path) -> tuple[WebOrigin, str]:
    """The web origin of the stored article at ``path`` and its text.

    Raises:
        ArticleError: when the file cannot be read or was not fetched from the web by postil.
    """
    text = normalize_newlines(read_text(path))
    origin = web_origin(text)
    if origin is None:
        raise ArticleError(
            "not a web article postil fetched (its front matter has no source URL and "
            "fetched time)"
        )
    return origin, text


def is_older_than(origin: WebOrigin, days: float, now: dt.datetime | None = None) -> bool:
    """Tell whether the article was fetched more than ``days`` ago (True if unknown)."""
    if origin.fetched is None:
        return True
    now = now or dt.datetime.now(dt.UTC)
    return now - origin.fetched > dt.timedelta(days=days)


def fetch_update(
    path: Path,
    fetcher: Fetcher,
    *,
    force: bool = False,
    cancelled: Callable[[], bool] | None = None,
) -> Update:
    """Fetch the stored web article at ``path`` again (conditionally); nothing is written.

    Args:
        path: The stored article.
        fetcher: The HTTP client.
        force: Refresh even when its text was edited here since it was fetched (the edits
            are then replaced by the page's text).

    Raises:
        ArticleError: (FetchError for network problems) when it cannot be refreshed, or was
            edited here (without ``force``).
    """
    origin, text = read_origin(path)
    if origin.edited and not force:
        raise ArticleError("its text was edited here since it was fetched; a refresh would "
                           "replace those edits (--force refreshes anyway)")
    page = fetcher.fetch(origin.source, validators=origin.validators, cancelled=cancelled)
    if page.not_modified:
        return Update(path, origin, text, None)
    article = web_article(page)
    if not article.body.strip():
        raise ArticleError(f"{article.source}: the page now has no text (stored copy kept)")
    if article.body_id == origin.body_id and not origin.edited:
        return Update(path, origin, text, None)
    return Update(path, origin, text, article)


def apply_update(update: Update, store: AnnotationStore | None) -> RefreshResult:
    """Write a changed article (atomically) and re-anchor its annotations in ``store``.

    Raises:
        ArticleError: when the file changed since it was read, or cannot be written (the stored
            article is then untouched).
    """
    path = update.path
    old_text = update.old_text
    title = _title(path, old_text)
    if update.article is None:
        return RefreshResult(path, update.origin.source, title, changed=False)
    content = update.article.file_text(keep=update.origin.raw)
    try:
        current = normalize_newlines(read_text(path))
    except ArticleError as error:
        raise ArticleError(f"cannot read it again: {error} (not refreshed)") from None
    if current != old_text:
        raise ArticleError("the file changed while its page was fetched (not refreshed)")
    new_article = parse_article(path, normalize_newlines(content))
    old_id = fingerprint(old_text)
    reanchored = None
    problem = None
    if store is not None:
        try:
            found = store.annotations_for(old_id, str(path))
            reanchored = reanchor(found, new_article)
        except StoreError as error:
            problem = f"highlights not re-anchored now ({error}); they will be when opened"
    try:
        atomic_write_text(path, content)
    except OSError as error:
        raise ArticleError(f"cannot write it: {error.strerror or error} (not refreshed)"
                           ) from None
    result = RefreshResult(path, update.article.source, new_article.meta.title, changed=True,
                           problem=problem)
    if reanchored is not None and store is not None:
        try:
            if reanchored.changed:
                store.update_anchors(reanchored.changed)
        except StoreError as error:
            result.problem = f"highlights not saved now ({error}); they re-anchor when opened"
        result.exact = reanchored.exact
        result.moved = reanchored.moved
        result.orphaned = reanchored.orphaned
    return result


def _title(path: Path, text: str) -> str:
    try:
        return parse_article(path, text).meta.title
    except (ArticleError, RecursionError):
        return path.stem


__all__ = [
    "RefreshResult",
    "Update",
    "apply_update",
    "fetch_update",
    "is_older_than",
    "read_origin",
]
