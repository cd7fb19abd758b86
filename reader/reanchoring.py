"""Re-anchoring an article's annotations against the article as it is now: the one routine.

The reader (opening an article), ``postil notes``, ``postil export`` and refreshing a web
article all call :func:`reanchor`: the one rule for "the article changed". It anchors every
annotation again (quote and position selectors, :func:`annotations.anchoring.anchor_all`),
gives them the article's current id and path, and, in a book, the chapter each quote is in
now. Orphans are kept, never dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from annotations.anchoring import Reanchored, anchor_all
from annotations.model import AnchorStatus, Annotation

if TYPE_CHECKING:
    from reader.loading import Article

__all__ = ["Reanchored", "reanchor"]


def reanchor(annotations: Iterable[Annotation], article: Article) -> Reanchored:
    """Re-anchor ``annotations`` (all of one article) against ``article``'s current text.

    Returns every annotation as it is now (:attr:`Reanchored.annotations`) and those whose
    stored position, status, article id or path must be saved (:attr:`Reanchored.changed`;
    save them with ``AnnotationStore.update_anchors`` or ``Change.anchors``). In a book, each
    placed annotation names the chapter its quote is in now (kept as it was when the quote
    lies before the first chapter); the chapter is shown, not saved.
    """
    found = list(annotations)
    article_id, path = article.id, article.meta.path
    current = [
        annotation.edited(article_id=article_id, path=path)
        if (annotation.article_id, annotation.path) != (article_id, path)
        else annotation
        for annotation in anchor_all(found, article.text)
    ]
    before = {a.id: (a.position, a.status, a.article_id, a.path, a.score) for a in found}
    changed = [
        a for a in current
        if before.get(a.id) != (a.position, a.status, a.article_id, a.path, a.score)
    ]
    book = article.book
    if book is None:
        return Reanchored(current, changed)

    def placed(annotation: Annotation) -> Annotation:
        if annotation.status is AnchorStatus.ORPHANED:
            return annotation
        chapter = book.chapter_title(annotation.start) or annotation.chapter
        return dataclasses.replace(annotation, chapter=chapter)

    return Reanchored([placed(a) for a in current], changed)
