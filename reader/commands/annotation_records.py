"""The JSON shape of an annotation in ``postil notes --json`` and ``highlight --json``."""

from __future__ import annotations

from typing import Any

from annotations.anchoring import needs_review
from annotations.model import AnchorStatus, Annotation


def annotation_record(annotation: Annotation, title: str) -> dict[str, Any]:
    """One annotation as the CLI prints it.

    An imported highlight has a ``source`` (title, author, url, identifier, format, location);
    a quote-only one (its book not in the library) has no ``path`` and ``quote_only`` true.
    A fuzzy placement carries its ``score`` and ``review`` (true when it is below the
    confidence threshold).
    """
    record: dict[str, Any] = {
        "id": annotation.id,
        "path": annotation.path,
        "title": title,
        "quote": annotation.quote.exact,
        "note": annotation.note,
        "tags": list(annotation.tags),
        "color": annotation.color.value,
        "status": annotation.status.value,
        "start": annotation.start,
        "end": annotation.end,
        "created": annotation.created,
        "updated": annotation.updated,
    }
    if annotation.quote_only:
        del record["path"]
        record["quote_only"] = True
    if annotation.status is AnchorStatus.FUZZY:
        record["score"] = annotation.score
        record["review"] = needs_review(annotation)
    if annotation.source is not None:
        record["source"] = annotation.source.to_record()
    if annotation.chapter:
        record["chapter"] = annotation.chapter
    return record
