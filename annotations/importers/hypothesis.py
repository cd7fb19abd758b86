"""Hypothesis annotations: the client's export file and the API's search results.

The export is ``{"export_date": …, "annotations": [...]}``, a search result ``{"total": …,
"rows": [...]}``; each annotation has ``text`` (the note), ``tags``, ``created``/``updated``,
``uri`` and ``target[].selector`` (TextQuoteSelector with prefix/suffix, TextPositionSelector).

A *page note* (an annotation with text but no quote: a note on the whole page) is imported as a
note on the page's title: a highlight of the title (the article's title when the page is in the
library, the page's title or URL when it stays quote-only) carrying the note, its location
``page note``. A *reply* is added to the note of the annotation it answers (the thread's first
annotation, ``references[0]``), as a paragraph ``↳ reply (user, date): text``, when that
annotation is in the same file; a reply to an annotation the file does not hold is rejected
with that reason (a reply alone has no quote and no page of its own).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from annotations.importers.dates import parse_iso
from annotations.importers.record import (
    MAX_TEXT_CHARS,
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


#: Where a page note's location says what it is.
PAGE_NOTE = "page note"


def _one(item: Any, where: str) -> ImportedHighlight | Rejected:
    if not isinstance(item, dict):
        return Rejected(where, "not a JSON object")
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
    if not source:
        for target in targets:
            if isinstance(target, dict) and isinstance(target.get("source"), str):
                source = target["source"]
                break
    try:
        note = clean_text(item.get("text"), "note")
        uri = clean_text(item.get("uri") or source, "uri")[:4000]
        if quote_sel is None:
            # A page note: a note on the whole page, placed on its title.
            if not note:
                return Rejected(where, "a page note without text (nothing to import)")
            quote = _title(item) or uri
            if not quote:
                return Rejected(where, "a page note without a page (no title or URL)")
            prefix = suffix = ""
            position = None
        else:
            quote = clean_text(quote_sel.get("exact"), "quote", required=True)
            prefix = _context(quote_sel.get("prefix"), "prefix")[-64:]
            suffix = _context(quote_sel.get("suffix"), "suffix")[:64]
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
        location=PAGE_NOTE if quote_sel is None else "",
        page_note=quote_sel is None,
    )


def _context(value: Any, name: str) -> str:
    """A quote's prefix or suffix: text, kept with its spaces (they matter for anchoring)."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 100_000:
        raise ValueError(f"{name} is not text")
    return value.replace("\x00", "")


def _reply(item: dict[str, Any], where: str) -> tuple[str, str, str] | Rejected:
    """A reply's parent id, its paragraph for the parent's note, and its time."""
    references = item.get("references")
    parent = references[0] if isinstance(references, list) and references else None
    if not isinstance(parent, str):
        return Rejected(where, "a reply whose thread is unreadable")
    try:
        text = clean_text(item.get("text"), "reply")
    except ValueError as error:
        return Rejected(where, str(error))
    if not text:
        return Rejected(where, "an empty reply")
    user = item.get("user")
    name = user.removeprefix("acct:").split("@")[0][:100] if isinstance(user, str) else ""
    created = parse_iso(item.get("created"))
    by = ", ".join(part for part in (name, created[:10]) if part)
    return (parent, f"↳ reply{f' ({by})' if by else ''}: {text}", parse_iso(item.get("updated"))
            or created)


def parse_document(document: Any) -> ParseResult:
    """Read the annotations of a parsed Hypothesis JSON document.

    Raises:
        ImportFormatError: when it has no list of annotations.
    """
    result = ParseResult()
    by_key: dict[str, int] = {}
    replies: list[tuple[str, str, str, str]] = []
    for index, item in enumerate(_rows(document), start=1):
        ident = item.get("id") if isinstance(item, dict) else None
        where = f"annotation {index}" + (f" ({ident[:40]})" if isinstance(ident, str) else "")
        if isinstance(item, dict) and item.get("references"):
            reply = _reply(item, where)
            if isinstance(reply, Rejected):
                result.rejected.append(reply)
            else:
                replies.append((where, *reply))
            continue
        found = _one(item, where)
        if isinstance(found, Rejected):
            result.rejected.append(found)
        else:
            if found.key:
                by_key[found.key] = len(result.highlights)
            result.highlights.append(found)
    for where, parent, paragraph, stamp in sorted(replies, key=lambda r: (r[1], r[3], r[2])):
        position = by_key.get(parent[:200])
        if position is None:
            result.rejected.append(
                Rejected(where, "a reply to an annotation not in this file (not imported)")
            )
            continue
        target = result.highlights[position]
        note = f"{target.note}\n\n{paragraph}" if target.note else paragraph
        result.highlights[position] = replace(
            target, note=note[:MAX_TEXT_CHARS], updated=max(target.updated, stamp)
        )
    return result
