"""Annotations: a highlight of a passage, with colour, note and tags, anchored by selectors.

Selectors follow the W3C Web Annotation model: a :class:`TextQuoteSelector` (the exact quote
with some context either side) and a :class:`TextPositionSelector` (character offsets into the
article's canonical text). Anchoring (:mod:`annotations.anchoring`) uses both to find the quote
again after the article changed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

#: Characters of context kept either side of a quote.
CONTEXT_CHARS = 32


class Color(StrEnum):
    """The five highlight colours (keys 1-5 in the reader)."""

    YELLOW = "yellow"
    GREEN = "green"
    BLUE = "blue"
    PINK = "pink"
    PURPLE = "purple"


class AnchorStatus(StrEnum):
    """How an annotation was found in the current text of its article."""

    ANCHORED = "anchored"
    """The quote is still at its stored position."""
    MOVED = "moved"
    """The exact quote was found elsewhere."""
    FUZZY = "fuzzy"
    """A close (edited) version of the quote was found."""
    ORPHANED = "orphaned"
    """The quote could not be found; the annotation is kept and listed, never deleted."""


@dataclass(frozen=True, slots=True)
class TextQuoteSelector:
    """The quoted text with up to :data:`CONTEXT_CHARS` characters of context either side."""

    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class TextPositionSelector:
    """Character offsets ``[start, end)`` into the article's canonical text."""

    start: int
    end: int


def now_iso() -> str:
    """Return the current UTC time as ISO 8601 with seconds precision and a ``Z`` suffix."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_UUID_IRI_PREFIX = "urn:uuid:"
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalize_id(ident: str) -> str:
    """The one form of an annotation id that ids are compared in (storage, import, export, UI).

    A UUID in any spelling (``BEDE…`` upper case, ``urn:uuid:`` prefix, braces, no hyphens) becomes
    its canonical lower-case hyphenated form; any other id (an IRI from another tool) is only
    stripped of surrounding whitespace, since IRIs are case-sensitive.
    """
    text = ident.strip()
    if _CANONICAL_UUID.fullmatch(text):
        return text
    candidate = text[len(_UUID_IRI_PREFIX):] if text[:9].lower() == _UUID_IRI_PREFIX else text
    if 32 <= len(candidate) <= 38:
        try:
            return str(uuid.UUID(candidate))
        except ValueError:
            pass
    return text


@lru_cache(maxsize=4096)
def normalize_tag(tag: str) -> str:
    """Normalise a tag: lowercase, no leading ``#``, whitespace turned into ``-``.

    Cached: a library has few distinct tags, and every stored annotation's tags are
    normalised each time it is read.
    """
    printable = tag if tag.isprintable() else "".join(ch for ch in tag if ch.isprintable())
    cleaned = printable.strip().lstrip("#").strip()
    return "-".join(cleaned.lower().split())


def normalize_tags(tags: Any) -> tuple[str, ...]:
    """Normalise and de-duplicate tags, keeping first-seen order."""
    if isinstance(tags, str):
        tags = (tags,)  # one tag, not one per character
    seen: dict[str, None] = {}
    for tag in tags or ():
        if isinstance(tag, str):
            normal = normalize_tag(tag)
            if normal:
                seen.setdefault(normal, None)
    return tuple(seen)


def quote_selector(text: str, start: int, end: int) -> TextQuoteSelector:
    """Build the quote selector for ``text[start:end]`` with context."""
    return TextQuoteSelector(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


@dataclass(frozen=True, slots=True)
class ImportSource:
    """Where an imported highlight came from (a Kindle, KOReader, Readwise, Hypothesis).

    An annotation with a source but no library ``path`` is *quote-only*: its article or book is
    not (yet) in the library; it attaches itself when a matching article is added.

    Attributes:
        format: The importer: ``kindle``, ``koreader``, ``readwise`` or ``hypothesis``.
        title: The book or page title as the source gave it.
        author: Its author(s), or "".
        url: The page URL (Hypothesis, Readwise), or "".
        identifier: An ISBN/ASIN/document file name, or "".
        location: Where the source said the highlight was (``location 180-182``, ``page 12``).
    """

    format: str
    title: str = ""
    author: str = ""
    url: str = ""
    identifier: str = ""
    location: str = ""

    def to_record(self) -> dict[str, str]:
        """Serialise (JSON-ready)."""
        return {
            "format": self.format,
            "title": self.title,
            "author": self.author,
            "url": self.url,
            "identifier": self.identifier,
            "location": self.location,
        }

    @classmethod
    def from_record(cls, record: Any) -> ImportSource | None:
        """Rebuild from :meth:`to_record` output; anything malformed gives None."""
        if not isinstance(record, dict) or not isinstance(record.get("format"), str):
            return None
        return cls(
            format=record["format"],
            title=_str_or_empty(record.get("title")),
            author=_str_or_empty(record.get("author")),
            url=_str_or_empty(record.get("url")),
            identifier=_str_or_empty(record.get("identifier")),
            location=_str_or_empty(record.get("location")),
        )


@dataclass(frozen=True, slots=True)
class Annotation:
    """One highlight with its note and tags.

    Attributes:
        id: A uuid4 string.
        article_id: Fingerprint id of the article when it was last anchored.
        path: Article path at creation (updated when the article is found elsewhere).
        quote: The quote selector.
        position: The position selector (current offsets after re-anchoring).
        color: Highlight colour.
        note: The user's note, Markdown, may be empty.
        tags: Normalised unique tags.
        created: ISO 8601 UTC creation time.
        updated: ISO 8601 UTC time of the last change.
        status: Anchoring status from the last anchoring (not a user field).
        score: Similarity 0-100 of a ``fuzzy`` placement (100 for the others).
        source: Where an imported highlight came from; with an empty ``path`` the
            annotation is quote-only (not in the library yet).
        chapter: For a book, the title of the chapter the quote is in ("" for articles).
    """

    id: str
    article_id: str
    path: str
    quote: TextQuoteSelector
    position: TextPositionSelector
    color: Color = Color.YELLOW
    note: str = ""
    tags: tuple[str, ...] = ()
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    status: AnchorStatus = AnchorStatus.ANCHORED
    score: float = 100.0
    source: ImportSource | None = None

    @property
    def quote_only(self) -> bool:
        """True for an imported highlight whose article is not in the library."""
        return not self.path and self.source is not None
    chapter: str = ""

    def __post_init__(self) -> None:
        # Every annotation holds its id in the one normalised form (see normalize_id), so
        # "BEDE…" and "urn:uuid:bede…" can never be two annotations.
        normal = normalize_id(self.id)
        if normal != self.id:
            object.__setattr__(self, "id", normal)

    @classmethod
    def create(
        cls,
        *,
        article_id: str,
        path: str,
        text: str,
        start: int,
        end: int,
        color: Color | str = Color.YELLOW,
        note: str = "",
        tags: Any = (),
        chapter: str = "",
    ) -> Annotation:
        """Create a new annotation over ``text[start:end]`` of an article."""
        stamp = now_iso()
        return cls(
            id=str(uuid.uuid4()),
            article_id=article_id,
            path=path,
            quote=quote_selector(text, start, end),
            position=TextPositionSelector(start, end),
            color=Color(color),
            note=note,
            tags=normalize_tags(tags),
            created=stamp,
            updated=stamp,
            chapter=chapter,
        )

    @property
    def start(self) -> int:
        """Start offset in the canonical text."""
        return self.position.start

    @property
    def end(self) -> int:
        """End offset in the canonical text."""
        return self.position.end

    def edited(self, **changes: Any) -> Annotation:
        """Return a copy with user-visible ``changes`` applied and ``updated`` refreshed."""
        if "tags" in changes:
            changes["tags"] = normalize_tags(changes["tags"])
        if "color" in changes:
            changes["color"] = Color(changes["color"])
        return replace(self, updated=now_iso(), **changes)

    def to_record(self) -> dict[str, Any]:
        """Serialise for storage (JSON-ready; ``status`` is stored too, as last seen).

        ``chapter`` is written only when there is one, so article records are unchanged.
        """
        record: dict[str, Any] = {
            "id": self.id,
            "article_id": self.article_id,
            "path": self.path,
            "quote": {
                "exact": self.quote.exact,
                "prefix": self.quote.prefix,
                "suffix": self.quote.suffix,
            },
            "position": {"start": self.position.start, "end": self.position.end},
            "color": self.color.value,
            "note": self.note,
            "tags": list(self.tags),
            "created": self.created,
            "updated": self.updated,
            "status": self.status.value,
        }
        if self.status is AnchorStatus.FUZZY:
            record["score"] = self.score
        if self.source is not None:
            record["source"] = self.source.to_record()
        if self.chapter:
            record["chapter"] = self.chapter
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Annotation:
        """Rebuild from :meth:`to_record` output.

        Raises:
            ValueError: when a required field is missing or of the wrong type.
        """
        try:
            quote = record["quote"]
            position = record["position"]
            exact = quote["exact"]
            start, end = position["start"], position["end"]
            if not isinstance(exact, str) or not exact:
                raise ValueError("quote.exact must be a non-empty string")
            if not (isinstance(start, int) and isinstance(end, int)) or start < 0 or end < start:
                raise ValueError("position must be two non-negative integers")
            ident, article_id, path = record["id"], record.get("article_id", ""), record["path"]
            if not all(isinstance(value, str) for value in (ident, article_id, path)):
                raise ValueError("id, article_id and path must be strings")
            color = record.get("color", Color.YELLOW.value)
            note = record.get("note", "")
            return cls(
                id=ident,
                article_id=article_id,
                path=path,
                quote=TextQuoteSelector(
                    exact,
                    _str_or_empty(quote.get("prefix")),
                    _str_or_empty(quote.get("suffix")),
                ),
                position=TextPositionSelector(start, end),
                color=Color(color) if _is_member(color, Color) else Color.YELLOW,
                note=note if isinstance(note, str) else "",
                tags=normalize_tags(record.get("tags")),
                created=_str_or_empty(record.get("created")) or now_iso(),
                updated=_str_or_empty(record.get("updated")) or now_iso(),
                status=AnchorStatus(record["status"])
                if _is_member(record.get("status"), AnchorStatus)
                else AnchorStatus.ANCHORED,
                score=_score(record.get("score")),
                source=ImportSource.from_record(record.get("source")),
                chapter=_str_or_empty(record.get("chapter"))[:1000],
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"malformed annotation record: {error!r}") from None


def _score(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 100:
        return float(value)
    return 100.0


def _is_member(value: Any, kind: type[StrEnum]) -> bool:
    """True when ``value`` is the string of a member of ``kind`` (a list or dict never is)."""
    return isinstance(value, str) and value in kind._value2member_map_


def _str_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""
