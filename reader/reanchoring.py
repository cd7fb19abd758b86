"""Re-anchoring an article's annotations against the article as it is now: the one routine.

The reader (opening an article), ``postil notes`` and ``postil export`` all call
:func:`reanchor`. It anchors every annotation again (quote and position selectors, see
:func:`annotations.anchoring.reanchor_article`), gives them the article's current id and path,
and, in a book, the chapter each quote is in now. Orphans are kept, never dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from annotations.anchoring import Reanchored, reanchor_article
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
    result = reanchor_article(annotations, article.text, article.id, article.meta.path)
    book = article.book
    if book is None:
        return result

    def placed(annotation: Annotation) -> Annotation:
        if annotation.status is AnchorStatus.ORPHANED:
            return annotation
        chapter = book.chapter_title(annotation.start) or annotation.chapter
        return dataclasses.replace(annotation, chapter=chapter)

    return Reanchored([placed(a) for a in result.annotations], result.changed)
