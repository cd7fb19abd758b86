"""Listing annotations by article, re-anchored against the articles as they are now.

What ``postil notes`` lists: :func:`collect` groups stored annotations by article (following
moved articles), loads each wanted article inside the library and re-anchors its annotations
(:func:`reader.reanchoring.reanchor`), and says which placements must be saved back;
:func:`merge_anchoring` applies them to the database's current records without undoing edits
made meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from annotations.model import AnchorStatus, Annotation
from reader.article_access import ArticleScope, OutsideLibrary
from reader.loading import ArticleError
from reader.reanchoring import reanchor
from reader.sanitize import clean_line


@dataclass(frozen=True, slots=True)
class PathFilter:
    """Which article paths the user asked for: given files, and anything under given folders.

    Matching is by path text, so articles that were deleted (their annotations orphaned) are
    still selected by their old path or folder.
    """

    files: frozenset[str]
    folders: tuple[str, ...]

    @classmethod
    def from_arguments(cls, paths: Sequence[str]) -> PathFilter:
        """Build the filter from command-line paths (relative to the working directory)."""
        files: set[str] = set()
        folders: list[str] = []
        for given in paths:
            normal = _normal(given)
            if os.path.isdir(normal):
                folders.append(normal.rstrip(os.sep) + os.sep)
            else:
                files.add(normal)
        return cls(frozenset(files), tuple(folders))

    def matches(self, path: str) -> bool:
        """Tell whether an article at ``path`` was asked for."""
        normal = _normal(path)
        return normal in self.files or normal.startswith(self.folders)


def _normal(path: str) -> str:
    return os.path.normpath(os.path.abspath(os.path.expanduser(path)))


def title_from_path(path: str) -> str:
    """An article's title from its file name ("my-notes_2024.md" → "my notes 2024"): for an
    article that is not opened."""
    stem = Path(path).stem.replace("_", " ").replace("-", " ")
    return clean_line(" ".join(stem.split()) or Path(path).name)


def _anchoring(annotation: Annotation) -> tuple[object, ...]:
    return (annotation.position, annotation.status, annotation.path, annotation.article_id,
            annotation.score)


def collect(store_annotations: list[Annotation], wanted: PathFilter | None,
            moved: dict[str, str] | None = None, scope: ArticleScope | None = None
            ) -> tuple[list[tuple[str, Annotation]], list[Annotation]]:
    """Group by article, load and re-anchor each wanted article.

    Returns ``(title, annotation)`` rows — ordered by title, then position, orphans last
    within an article — and the annotations whose position, status, path or article id
    changed (to be saved back). ``moved`` maps old article paths to where the same article
    (same content id) is now; ``wanted`` None means every article. Only articles inside
    ``scope`` are opened (None: nothing is); the others are listed as last anchored.
    """
    groups: dict[str, list[Annotation]] = {}
    rows: list[tuple[str, Annotation]] = []
    for annotation in store_annotations:
        if annotation.quote_only:
            if wanted is None and annotation.source is not None:
                rows.append((annotation.source.title or annotation.source.url, annotation))
            continue
        path = (moved or {}).get(annotation.path, annotation.path)
        if path != annotation.path:
            annotation = replace(annotation, path=path)
        if wanted is None or wanted.matches(path):
            groups.setdefault(path, []).append(annotation)
    before = {a.id: _anchoring(a) for a in store_annotations}
    changed: list[Annotation] = []
    for path, members in groups.items():
        try:
            article = (scope or ArticleScope(())).load(path)
        except OutsideLibrary:
            title = title_from_path(path)  # not opened: shown as last anchored
            current = members
        except ArticleError:
            title = title_from_path(path)
            current = [replace(a, status=AnchorStatus.ORPHANED) for a in members]
        else:
            title = article.meta.title
            current = reanchor(members, article).annotations
        changed.extend(a for a in current if before[a.id] != _anchoring(a))
        current.sort(key=lambda a: (a.status is AnchorStatus.ORPHANED, a.start, a.end))
        rows.extend((title, annotation) for annotation in current)
    # Stable sort: each article's own order (position, orphans last) is kept.
    rows.sort(key=lambda row: (row[0].casefold(), row[0], row[1].path))
    return rows, changed


def merge_anchoring(changed: Iterable[Annotation], read: dict[str, Annotation],
                    fresh: Iterable[Annotation]) -> list[Annotation]:
    """The re-anchored annotations to save, applied to the database's current records.

    Another postil (the reader) may have edited a note or deleted a highlight since ``read``
    was taken: deleted ones are not brought back, edits are kept, and an annotation someone
    else re-anchored in the meantime is left as they saved it.
    """
    now = {a.id: a for a in fresh}
    result = []
    for annotation in changed:
        current, original = now.get(annotation.id), read.get(annotation.id)
        if current is None or original is None:
            continue
        if (current.position, current.quote) != (original.position, original.quote):
            continue
        result.append(replace(current, position=annotation.position, status=annotation.status,
                              path=annotation.path, article_id=annotation.article_id,
                              score=annotation.score))
    return result
