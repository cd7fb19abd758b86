"""W3C Web Annotation Data Model (JSON-LD) export and import.

Export shape (https://www.w3.org/TR/annotation-model/): one ``AnnotationCollection`` whose
``first`` is an embedded ``AnnotationPage`` holding every annotation in ``items``::

    {"@context": ["http://www.w3.org/ns/anno.jsonld", {"postil": "urn:postil:"}],
     "id": "urn:uuid:…", "type": "AnnotationCollection", "label": "postil export",
     "total": 2, "generated": "2024-05-01T10:00:00Z",
     "generator": {"type": "Software", "name": "postil"},
     "first": {"id": "urn:uuid:…", "type": "AnnotationPage", "startIndex": 0, "items": [
        {"id": "urn:uuid:<annotation id>", "type": "Annotation", "motivation": "highlighting",
         "created": "…", "modified": "…",
         "body": [{"type": "TextualBody", "value": "<note>", "format": "text/markdown",
                   "purpose": "commenting"},
                  {"type": "TextualBody", "value": "<tag>", "purpose": "tagging"}],
         "target": {"source": "file:///…/article.txt", "selector": [
             {"type": "TextQuoteSelector", "exact": "…", "prefix": "…", "suffix": "…"},
             {"type": "TextPositionSelector", "start": 10, "end": 42}]},
         "postil:color": "yellow", "postil:articleId": "…", "postil:status": "anchored",
         "postil:path": "/…/article.txt"}]}}

``postil:`` fields are extensions that make the round trip lossless; other tools ignore them.
The ``@context`` declares their namespace (``postil`` = :data:`NAMESPACE`), so a JSON-LD
processor reads ``postil:color`` as ``urn:postil:color``. Items are sorted by article path and
position, so the same annotations always give the same JSON. Both ids (collection and page) are
derived from the annotation ids, so they are stable too.

Import (:func:`parse_document`) accepts that shape, a collection with ``items`` directly, an
``AnnotationPage``, a list of annotations or one annotation; exports from before the namespace
(``@context`` a plain string) and expanded extension keys (``urn:postil:color``) read the
same. Each bad record is reported as an
:class:`ImportProblem` (one line) and skipped; the good ones are returned.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from annotations import jsonread
from annotations.model import (
    AnchorStatus,
    Annotation,
    Color,
    ImportSource,
    TextPositionSelector,
    TextQuoteSelector,
    normalize_id,
    normalize_tags,
    now_iso,
)

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
#: The namespace of postil's extension fields (``postil:color`` -> ``urn:postil:color``).
NAMESPACE = "urn:postil:"
CONTEXT: list[Any] = [ANNO_CONTEXT, {"postil": NAMESPACE}]
COLOR_KEY = "postil:color"
ARTICLE_ID_KEY = "postil:articleId"
STATUS_KEY = "postil:status"
PATH_KEY = "postil:path"
SOURCE_KEY = "postil:source"
_QUOTE_ONLY_PREFIX = "urn:postil:quote-only:"
CHAPTER_KEY = "postil:chapter"
#: ``conformsTo`` of an EPUB CFI ``FragmentSelector``.
EPUB_CFI = "http://www.idpf.org/epub/linking/cfi/epub-cfi.html"
_UUID_PREFIX = "urn:uuid:"
_ID_PREFIX = "urn:postil:annotation:"
_COLLECTION_NAMESPACE = uuid.UUID("6f1d2c3e-8a45-4b0e-9c71-2f5e9d0a7b13")


def annotation_iri(ident: str) -> str:
    """The JSON-LD ``id`` of an annotation: ``urn:uuid:<id>`` for uuids."""
    try:
        return _UUID_PREFIX + str(uuid.UUID(ident))
    except ValueError:
        pass
    if ":" in ident:
        return ident  # already an IRI (imported from another tool)
    return _ID_PREFIX + ident


def annotation_id_from_iri(iri: str) -> str:
    """The inverse of :func:`annotation_iri`, normalised (:func:`normalize_id`): any spelling of
    a UUID gives the same id."""
    text = iri.strip()
    if text.startswith(_ID_PREFIX):
        return normalize_id(text[len(_ID_PREFIX) :])
    return normalize_id(text)


#: ``target.source`` of a relative path: ``urn:postil:path:`` and the percent-encoded path.
RELATIVE_PATH_URN = "urn:postil:path:"


def source_iri(path: str) -> str:
    """``target.source`` for an article path: a ``file://`` URI for absolute paths."""
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate.as_uri()
    if not path or urlparse(path).scheme:
        return path  # already an IRI (an imported web page), or no source at all
    # A relative path (only an import can store one) is not a URI: carry it in a URN.
    return RELATIVE_PATH_URN + url_quote(path, safe="/")


def path_from_source(source: str) -> str:
    """The local path of a ``file://`` source (other IRIs are returned as they are)."""
    if source.startswith(RELATIVE_PATH_URN):
        return unquote(source[len(RELATIVE_PATH_URN):])
    parsed = urlparse(source)
    if parsed.scheme == "file":
        return url2pathname(unquote(parsed.path)) if parsed.path else source
    return source


def annotation_to_w3c(annotation: Annotation, cfi: str = "") -> dict[str, Any]:
    """One annotation as a W3C ``Annotation`` object.

    ``cfi``, for a highlight in an EPUB, is the EPUB CFI of its chapter (``epubcfi(/6/4)``),
    added as a ``FragmentSelector`` so other EPUB tools can place the annotation.
    """
    quote: dict[str, Any] = {"type": "TextQuoteSelector", "exact": annotation.quote.exact}
    if annotation.quote.prefix:
        quote["prefix"] = annotation.quote.prefix
    if annotation.quote.suffix:
        quote["suffix"] = annotation.quote.suffix
    bodies: list[dict[str, Any]] = []
    if annotation.note:
        bodies.append(
            {
                "type": "TextualBody",
                "value": annotation.note,
                "format": "text/markdown",
                "purpose": "commenting",
            }
        )
    bodies.extend(
        {"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in annotation.tags
    )
    item: dict[str, Any] = {
        "id": annotation_iri(annotation.id),
        "type": "Annotation",
        "motivation": "highlighting",
        "created": annotation.created,
        "modified": annotation.updated,
    }
    if bodies:
        item["body"] = bodies
    target_source = source_iri(annotation.path)
    if annotation.quote_only and annotation.source is not None:
        target_source = annotation.source.url or _QUOTE_ONLY_PREFIX + url_quote(
            f"{annotation.source.title} / {annotation.source.author}", safe=" /"
        ).replace(" ", "%20")
    item["target"] = {
        "source": target_source,
        "selector": [
            quote,
            {
                "type": "TextPositionSelector",
                "start": annotation.position.start,
                "end": annotation.position.end,
            },
        ],
    }
    if cfi:
        item["target"]["selector"].append(
            {"type": "FragmentSelector", "conformsTo": EPUB_CFI, "value": cfi}
        )
    item[COLOR_KEY] = annotation.color.value
    if annotation.article_id:
        item[ARTICLE_ID_KEY] = annotation.article_id
    item[STATUS_KEY] = annotation.status.value
    if annotation.path:
        item[PATH_KEY] = annotation.path
    if annotation.source is not None:
        item[SOURCE_KEY] = annotation.source.to_record()
    if annotation.status is AnchorStatus.FUZZY:
        item["postil:score"] = annotation.score
    if annotation.chapter:
        item[CHAPTER_KEY] = annotation.chapter
    return item


def _sort_key(annotation: Annotation) -> tuple[str, int, int, str, str]:
    return (annotation.path, annotation.start, annotation.end, annotation.created, annotation.id)


def collection_to_w3c(
    annotations: Iterable[Annotation],
    *,
    exported_at: str,
    cfis: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every annotation as one ``AnnotationCollection`` with an embedded first page.

    ``cfis`` maps annotation ids to the EPUB CFI of their chapter (books only).
    """
    ordered = sorted(annotations, key=_sort_key)
    name = "\n".join(sorted(a.id for a in ordered))
    collection_id = _UUID_PREFIX + str(uuid.uuid5(_COLLECTION_NAMESPACE, name))
    page_id = _UUID_PREFIX + str(uuid.uuid5(_COLLECTION_NAMESPACE, name + "\npage 1"))
    return {
        "@context": [ANNO_CONTEXT, {"postil": NAMESPACE}],
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": "postil export",
        "total": len(ordered),
        "generated": exported_at,
        "generator": {"type": "Software", "name": "postil"},
        "first": {
            "id": page_id,
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": [annotation_to_w3c(a, (cfis or {}).get(a.id, "")) for a in ordered],
        },
    }


def dumps(
    annotations: Iterable[Annotation],
    *,
    exported_at: str,
    cfis: Mapping[str, str] | None = None,
) -> str:
    """The JSON-LD text of :func:`collection_to_w3c` (UTF-8 friendly, indented, final newline)."""
    document = collection_to_w3c(annotations, exported_at=exported_at, cfis=cfis)
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# --- import ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A record that could not be imported."""

    index: int
    """Position of the record in the file's list of annotations (1-based)."""
    ident: str
    """The record's ``id``, or "" when it has none."""
    message: str

    def __str__(self) -> str:
        ident = self.ident if len(self.ident) <= 80 else self.ident[:77] + "..."
        name = f" ({ident})" if ident else ""
        return f"record {self.index}{name}: {self.message}"


@dataclass(slots=True)
class ParsedImport:
    """The annotations read from a W3C document, and the records that were rejected."""

    annotations: list[Annotation] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


class FormatError(ValueError):
    """The document as a whole is not W3C annotation JSON (one-line message)."""


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _items_of(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise FormatError("expected a JSON object or list of W3C annotations")
    kinds = _types(document.get("type"))
    if "Annotation" in kinds:
        return [document]
    if "AnnotationPage" in kinds:
        items = document.get("items")
        if not isinstance(items, list):
            raise FormatError("the AnnotationPage has no 'items' list")
        return items
    if "AnnotationCollection" in kinds:
        if isinstance(document.get("items"), list):
            return list(document["items"])
        first = document.get("first")
        if first is None and document.get("total") == 0:
            return []
        if not isinstance(first, dict):
            raise FormatError(
                "the AnnotationCollection has no embedded 'first' page "
                "(pages given only as links are not supported)"
            )
        items = []
        page: Any = first
        while isinstance(page, dict):
            page_items = page.get("items")
            if not isinstance(page_items, list):
                raise FormatError("an AnnotationPage of the collection has no 'items' list")
            items.extend(page_items)
            page = page.get("next")
        if isinstance(page, str):
            raise FormatError(f"the collection continues in a linked page ({page}): not supported")
        return items
    raise FormatError(
        "not W3C annotation JSON: expected type Annotation, AnnotationPage or AnnotationCollection"
    )


#: Limits on the fields of an imported record (larger values reject the record, never the file).
MAX_ID_CHARS = 2048
MAX_PATH_CHARS = 4096
MAX_QUOTE_CHARS = 100_000
MAX_CONTEXT_CHARS = 10_000
MAX_NOTE_CHARS = 1_000_000
MAX_TAGS = 1000
MAX_TAG_CHARS = 200
MAX_TIME_CHARS = 64
#: Largest character offset accepted (JSON numbers above 2**53 are not exact everywhere).
MAX_OFFSET = 2**53
#: Integers longer than this (digits) are not read as numbers at all (Python refuses 4,300+).
_MAX_INT_DIGITS = 20


class _Unusable:
    """A JSON value postil will not use: NaN, an infinity, or an integer of thousands of digits.

    JSON parsing puts this in place of the value, so only the record holding it is rejected.
    """

    __slots__ = ("shown",)

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def __repr__(self) -> str:
        return self.shown


def _parse_int(text: str) -> int | _Unusable:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return _Unusable(f"an integer of {len(text.lstrip('-'))} digits")
    return int(text)


def _parse_float(text: str) -> float | _Unusable:
    value = float(text)
    return value if value == value and abs(value) != float("inf") else _Unusable(text)


def _parse_constant(name: str) -> _Unusable:
    return _Unusable(name)  # NaN, Infinity, -Infinity: not JSON, never a usable value


def _shown(value: Any) -> str:
    """A value for a one-line message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _string(value: Any, name: str, limit: int, *, empty: bool = True) -> str:
    """``value`` checked to be a string of at most ``limit`` characters (non-empty if asked)."""
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string, not {_shown(value)}")
    if len(value) > limit:
        raise ValueError(f"'{name}' is too long ({len(value):,} characters; limit {limit:,})")
    if not empty and not value.strip():
        raise ValueError(f"'{name}' must be a non-empty string")
    return value


def _choice(value: Any, name: str, allowed: dict[str, Any]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"'{name}' {_shown(value)} is not one of {', '.join(allowed)}")
    return value


def _offset(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_OFFSET:
        raise ValueError("TextPositionSelector needs integers 0 <= start <= end")
    return value


def _check_time(value: Any, name: str) -> str:
    if value is None:
        return ""
    _string(value, name, MAX_TIME_CHARS)
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()  # in range, too
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"'{name}' is not an ISO 8601 date-time: {_shown(value)}") from None
    return value


def _target_parts(item: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """Return (source, quote selector, position selector or None) of an annotation's target."""
    targets = _as_list(item.get("target"))
    if not targets:
        raise ValueError("no 'target'")
    for target in targets:
        if not isinstance(target, dict):
            continue
        source = target.get("source")
        selectors = [s for s in _as_list(target.get("selector")) if isinstance(s, dict)]
        quote = next((s for s in selectors if "TextQuoteSelector" in _types(s.get("type"))), None)
        position = next(
            (s for s in selectors if "TextPositionSelector" in _types(s.get("type"))), None
        )
        if quote is None:
            continue
        if not isinstance(source, str) or not source:
            raise ValueError("'target.source' must be a non-empty string")
        return _string(source, "target.source", MAX_PATH_CHARS), quote, position
    raise ValueError("no target with a TextQuoteSelector")


def _extension(item: dict[str, Any], key: str, default: Any = None) -> Any:
    """An extension field by its compact key (``postil:color``) or its expanded IRI."""
    if key in item:
        return item[key]
    return item.get(NAMESPACE + key.removeprefix("postil:"), default)


def annotation_from_w3c(item: Any) -> Annotation:
    """Read one W3C ``Annotation`` object, checking every field postil uses.

    Types, lengths (see the ``MAX_*`` limits), NaN and infinities, huge integers, colours and
    statuses are checked; unknown fields are ignored.

    Raises:
        ValueError: with a short one-line reason when the record is not a usable annotation.
    """
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    if "Annotation" not in _types(item.get("type")):
        raise ValueError("'type' is not Annotation")
    iri = item.get("id")
    if not isinstance(iri, str) or not iri.strip():
        raise ValueError("missing 'id'")
    _string(iri, "id", MAX_ID_CHARS)
    source, quote, position = _target_parts(item)
    exact = quote.get("exact")
    if not isinstance(exact, str) or not exact:
        raise ValueError("TextQuoteSelector 'exact' must be a non-empty string")
    _string(exact, "exact", MAX_QUOTE_CHARS)
    for key in ("prefix", "suffix"):
        if key in quote and not isinstance(quote[key], str):
            raise ValueError(f"TextQuoteSelector '{key}' must be a string")
        if key in quote:
            _string(quote[key], key, MAX_CONTEXT_CHARS)
    status = _extension(item, STATUS_KEY, AnchorStatus.ANCHORED.value)
    if position is not None:
        start, end = _offset(position.get("start")), _offset(position.get("end"))
        if end < start:
            raise ValueError("TextPositionSelector needs integers 0 <= start <= end")
    else:
        start = end = 0
        if STATUS_KEY in item:
            _choice(status, STATUS_KEY, AnchorStatus._value2member_map_)
        status = AnchorStatus.ORPHANED.value  # not located until the reader anchors it
    color = _choice(_extension(item, COLOR_KEY, Color.YELLOW.value), COLOR_KEY,
                    Color._value2member_map_)
    status = _choice(status, STATUS_KEY, AnchorStatus._value2member_map_)
    notes: list[str] = []
    tags: list[str] = []
    for body in _as_list(item.get("body")):
        if not isinstance(body, dict) or "TextualBody" not in _types(body.get("type")):
            continue  # bodies that are links or other resources are not postil data
        value = body.get("value")
        if not isinstance(value, str):
            raise ValueError("a TextualBody 'value' must be a string")
        if "tagging" in _types(body.get("purpose")):
            tags.append(_string(value, "tag", MAX_TAG_CHARS))
        else:
            notes.append(_string(value, "note", MAX_NOTE_CHARS))
    if len(tags) > MAX_TAGS:
        raise ValueError(f"too many tags ({len(tags):,}; limit {MAX_TAGS:,})")
    note = "\n\n".join(notes)
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"the note is too long ({len(note):,} characters)")
    path = _extension(item, PATH_KEY)
    if path is not None and (not isinstance(path, str) or not path):
        raise ValueError(f"'{PATH_KEY}' must be a non-empty string")
    if path is not None:
        _string(path, PATH_KEY, MAX_PATH_CHARS)
    article_id = _extension(item, ARTICLE_ID_KEY, "")
    if not isinstance(article_id, str):
        raise ValueError(f"'{ARTICLE_ID_KEY}' must be a string")
    _string(article_id, ARTICLE_ID_KEY, MAX_ID_CHARS)
    created = _check_time(item.get("created"), "created")
    modified = _check_time(item.get("modified"), "modified") or created
    origin = ImportSource.from_record(item.get(SOURCE_KEY))
    if not path and origin is not None and (
        source.startswith(_QUOTE_ONLY_PREFIX) or source == origin.url
    ):
        path = ""  # a quote-only highlight: its book is not in any library yet
    else:
        path = path or path_from_source(source)
    # Built in one pass: every field was checked above, as Annotation.from_record would.
    score = item.get("postil:score")
    chapter = item.get(CHAPTER_KEY)
    return Annotation(
        id=annotation_id_from_iri(iri.strip()),
        article_id=article_id,
        path=path,
        quote=TextQuoteSelector(exact, quote.get("prefix", ""), quote.get("suffix", "")),
        position=TextPositionSelector(start, end),
        color=Color(color),
        note=note,
        tags=normalize_tags(tags),
        created=created or now_iso(),
        updated=modified or now_iso(),
        status=AnchorStatus(status),
        score=float(score) if (isinstance(score, int | float) and not isinstance(score, bool)
                               and 0 <= score <= 100) else 100.0,
        source=origin,
        chapter=chapter[:1000] if isinstance(chapter, str) else "",
    )


def parse_document(document: Any) -> ParsedImport:
    """Read every annotation of a parsed JSON document; bad records become problems.

    Raises:
        FormatError: when the document as a whole is not W3C annotation JSON.
    """
    result = ParsedImport()
    seen: set[str] = set()
    for index, item in enumerate(_items_of(document), start=1):
        ident = item.get("id", "") if isinstance(item, dict) else ""
        ident = ident if isinstance(ident, str) else ""
        try:
            annotation = annotation_from_w3c(item)
        except ValueError as error:
            result.problems.append(ImportProblem(index, ident, str(error)))
            continue
        if annotation.id in seen:
            problem = ImportProblem(index, ident, "duplicate id in the file (skipped)")
            result.problems.append(problem)
            continue
        seen.add(annotation.id)
        result.annotations.append(annotation)
    return result


def parse_text(text: str) -> ParsedImport:
    """Parse JSON text and read its annotations (see :func:`parse_document`).

    Raises:
        FormatError: for invalid JSON or a document that is not W3C annotation JSON.
    """
    try:
        # Numbers postil cannot use (NaN, infinities, integers of thousands of digits, which
        # Python refuses to convert) become markers that reject their record, not the file.
        # (Not orjson: it reads integers beyond 64 bits as floats.) The collector is paused
        # while the big document is built (see annotations/jsonread.py).
        # orjson (several times faster) when it reads the text exactly as the standard library
        # does: no integer beyond 64 bits, nothing it refuses.
        document = jsonread.loads_as_standard(text)
        if document is None:
            with jsonread.paused_gc():
                document = json.loads(
                    text, parse_int=_parse_int, parse_float=_parse_float,
                    parse_constant=_parse_constant,
                )
    except json.JSONDecodeError as error:
        raise FormatError(
            f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:
        raise FormatError("JSON nested too deeply") from None
    with jsonread.paused_gc():  # an Annotation per record: bulk work
        return parse_document(document)


def merge_plan(
    incoming: Sequence[Annotation], existing: dict[str, Annotation]
) -> tuple[list[Annotation], list[Annotation], int, int]:
    """Decide what an import writes: ``(new, updated, unchanged, kept_newer)``.

    An incoming annotation replaces a stored one with the same id unless the stored one was
    changed later (its ``updated`` time is newer): then the local edit is kept.
    """
    new: list[Annotation] = []
    updated: list[Annotation] = []
    unchanged = kept = 0
    for annotation in incoming:
        current = existing.get(annotation.id)
        if current is None:
            new.append(annotation)
        elif current == annotation or current.to_record() == annotation.to_record():
            unchanged += 1
        elif _instant(current.updated) > _instant(annotation.updated):
            kept += 1
        else:
            updated.append(annotation)
    return new, updated, unchanged, kept


def _instant(stamp: str) -> float:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except (ValueError, OverflowError, OSError):
        return 0.0
