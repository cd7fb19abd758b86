"""Choose which annotations to export: by tag, colour, date and article path."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from annotations.model import Annotation, Color, normalize_tag

_RELATIVE = re.compile(r"^(\d+)\s*([dwh])$")
#: The earliest moment (an age reaching back further means "everything").
EARLIEST = datetime.min.replace(tzinfo=UTC)


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """Parse a ``--since`` value into an aware UTC datetime.

    Accepts ``YYYY-MM-DD`` (midnight UTC), an ISO 8601 date-time (``Z`` or offset; naive means
    UTC), ``today``, ``yesterday``, or an age: ``36h``, ``7d``, ``2w``. An age reaching back
    before the year 1 means everything (:data:`EARLIEST`).

    Raises:
        ValueError: with a message listing the accepted forms.
    """
    text = value.strip().lower()
    current = now or datetime.now(UTC)
    today = datetime(current.year, current.month, current.day, tzinfo=UTC)
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    relative = _RELATIVE.match(text)
    if relative:
        digits, unit = relative.group(1).lstrip("0") or "0", relative.group(2)
        if len(digits) > 9:  # more than a million years: before the year 1 in any unit
            return EARLIEST
        hours = {"h": 1, "d": 24, "w": 24 * 7}[unit] * int(digits)
        try:
            return current - timedelta(hours=hours)
        except OverflowError:
            return EARLIEST
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"invalid date {value!r}: use YYYY-MM-DD, an ISO date-time, today, yesterday, "
            "or an age such as 7d, 2w, 36h"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


#: An export time as written into files: an ISO 8601 date or date-time, nothing else.
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?")


def is_timestamp(value: str) -> bool:
    """True when ``value`` is an ISO 8601 date or date-time that is safe to write into an
    export (digits, ``-``, ``:``, ``.``, ``T``, ``Z``, ``+`` only)."""
    if not _TIMESTAMP.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def parse_timestamp(value: str) -> str:
    """Check an export time given by the user (``--timestamp``) and return it as written.

    Only an ISO 8601 date or date-time is accepted: the value is written into export files
    (the region marker, the metadata list), so nothing else — no ``-->``, no line break — may
    reach them.

    Raises:
        ValueError: for anything else, with a message saying what is accepted.
    """
    text = value.strip()
    if not is_timestamp(text):
        raise ValueError(
            f"invalid time {value!r}: use an ISO 8601 date-time such as 2024-05-01T09:30:00Z"
        )
    return text


def _moment(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AnnotationFilter:
    """Export filters; an empty filter keeps everything.

    Attributes:
        tags: Keep annotations with at least one of these tags (normalised).
        colors: Keep annotations of one of these colours.
        since: Keep annotations created or changed at or after this time.
        paths: Keep annotations of these article files, or of files under these folders.
        article_ids: Keep annotations of these article ids (the given files' current ids, so
            annotations whose stored path is stale still match).
    """

    tags: frozenset[str] = frozenset()
    colors: frozenset[Color] = frozenset()
    since: datetime | None = None
    paths: tuple[Path, ...] = ()
    article_ids: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        tags: Iterable[str] = (),
        colors: Iterable[str | Color] = (),
        since: datetime | None = None,
        paths: Iterable[Path] = (),
        article_ids: Iterable[str] = (),
    ) -> AnnotationFilter:
        """Build a filter, normalising tags and colours (``ValueError`` for a bad colour)."""
        return cls(
            tags=frozenset(t for t in (normalize_tag(tag) for tag in tags) if t),
            colors=frozenset(Color(color) for color in colors),
            since=since,
            paths=tuple(Path(p).absolute() for p in paths),
            article_ids=frozenset(i for i in article_ids if i),
        )

    def matches(self, annotation: Annotation) -> bool:
        """Tell whether ``annotation`` passes every filter."""
        if self.tags and not self.tags.intersection(annotation.tags):
            return False
        if self.colors and annotation.color not in self.colors:
            return False
        if self.since is not None:
            changed = _moment(annotation.updated) or _moment(annotation.created)
            if changed is None or changed < self.since:
                return False
        if self.paths or self.article_ids:
            return self._matches_article(annotation)
        return True

    def _matches_article(self, annotation: Annotation) -> bool:
        if annotation.article_id and annotation.article_id in self.article_ids:
            return True
        return self.matches_path(annotation.path)

    @property
    def selects_articles(self) -> bool:
        """Whether only some articles are asked for (by path or article id)."""
        return bool(self.paths or self.article_ids)

    def matches_path(self, path: str) -> bool:
        """Whether an article at ``path`` is one of the files, or under one of the folders."""
        own = Path(path)
        return any(own == wanted or wanted in own.parents for wanted in self.paths)

    def apply(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        """The annotations that pass."""
        return [a for a in annotations if self.matches(a)]
