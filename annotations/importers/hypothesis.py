"""Hypothesis annotations: the client's export file and the API's search results.

The export is ``{"export_date": …, "annotations": [...]}``, a search result ``{"total": …,
"rows": [...]}``; each annotation has ``text`` (the note), ``tags``, ``created``/``updated``,
``uri`` and ``target[].selector`` (TextQuoteSelector with prefix/suffix, TextPositionSelector).
Page notes (no quote) and replies are reported, not imported.
"""

from __future__ import annotations

from typing import Any

from annotations.importers.dates import parse_iso
from annotations.importers.record import (
    ImportedHighlight,
    ImportFormatError,
    ParseResult,
    Rejected,
    clean_text,
    clip_tags,
)

FORMAT = "hypothesis"


def _rows(document: Any) -> list[Any]:
    if isinstance(document, dict):
        for key in ("annotations", "rows"):
            if isinstance(document.get(key), list):
                return list(document[key])
    if isinstance(document, list):
        return document
    raise ImportFormatError("not a Hypothesis export (no 'annotations' or 'rows' list)")


def looks_like(document: Any) -> bool:
    """True for a Hypothesis export or search result."""
    if not isinstance(document, dict):
        return False
    if "export_date" in document and isinstance(document.get("annotations"), list):
        return True
    rows = document.get("rows")
    return isinstance(rows, list) and (not rows or (isinstance(rows[0], dict) and "uri" in rows[0]))


def _title(item: dict[str, Any]) -> str:
    document = item.get("document")
    if isinstance(document, dict):
        title = document.get("title")
        if isinstance(title, list) and title and isinstance(title[0], str):
            return " ".join(title[0].split())[:500]
        if isinstance(title, str):
            return " ".join(title.split())[:500]
    return ""


def _one(item: Any, where: str) -> ImportedHighlight | Rejected:
    if not isinstance(item, dict):
        return Rejected(where, "not a JSON object")
    if item.get("references"):
        return Rejected(where, "a reply to another annotation (not imported)")
    targets = item.get("target")
    targets = targets if isinstance(targets, list) else [targets]
    quote_sel: dict[str, Any] | None = None
    position: tuple[int, int] | None = None
    source = ""
    for target in targets:
        if not isinstance(target, dict):
            continue
        selectors = target.get("selector")
        for selector in selectors if isinstance(selectors, list) else []:
            if not isinstance(selector, dict):
                continue
            kind = selector.get("type")
            if kind == "TextQuoteSelector" and quote_sel is None:
                quote_sel = selector
            elif kind == "TextPositionSelector" and position is None:
                start, end = selector.get("start"), selector.get("end")
                if (
                    type(start) is int and type(end) is int and 0 <= start <= end < 2**40
                ):
                    position = (start, end)
        if quote_sel is not None and isinstance(target.get("source"), str):
            source = target["source"]
            break
    if quote_sel is None:
        return Rejected(where, "a page note without a quote (not imported)")
    try:
        quote = clean_text(quote_sel.get("exact"), "quote", required=True)
        prefix = _context(quote_sel.get("prefix"), "prefix")[-64:]
        suffix = _context(quote_sel.get("suffix"), "suffix")[:64]
        note = clean_text(item.get("text"), "note")
        uri = clean_text(item.get("uri") or source, "uri")[:4000]
    except ValueError as error:
        return Rejected(where, str(error))
    tags = item.get("tags")
    tag_list = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    ident = item.get("id")
    created = parse_iso(item.get("created"))
    return ImportedHighlight(
        format=FORMAT,
        quote=quote,
        note=note,
        tags=clip_tags(tag_list),
        created=created,
        updated=parse_iso(item.get("updated")) or created,
        title=_title(item),
        url=uri,
        position=position,
        prefix=prefix,
        suffix=suffix,
        key=ident[:200] if isinstance(ident, str) else "",
    )


def _context(value: Any, name: str) -> str:
    """A quote's prefix or suffix: text, kept with its spaces (they matter for anchoring)."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 100_000:
        raise ValueError(f"{name} is not text")
    return value.replace("\x00", "")


def parse_document(document: Any) -> ParseResult:
    """Read the annotations of a parsed Hypothesis JSON document.

    Raises:
        ImportFormatError: when it has no list of annotations.
    """
    result = ParseResult()
    for index, item in enumerate(_rows(document), start=1):
        ident = item.get("id") if isinstance(item, dict) else None
        where = f"annotation {index}" + (f" ({ident[:40]})" if isinstance(ident, str) else "")
        found = _one(item, where)
        if isinstance(found, Rejected):
            result.rejected.append(found)
        else:
            result.highlights.append(found)
    return result
