"""The JSON shape of an annotation in ``postil notes --json`` and ``highlight --json``."""

from __future__ import annotations

from typing import Any

from annotations.model import Annotation


def annotation_record(annotation: Annotation, title: str) -> dict[str, Any]:
    """One annotation as the CLI prints it (a book's highlights also name their chapter)."""
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
    if annotation.chapter:
        record["chapter"] = annotation.chapter
    return record
