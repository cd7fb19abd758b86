"""An article's publication date, from its metadata only — never guessed.

A page's URL, headline or body may carry other dates (an anniversary, an update, a related
story); only what the page *declares* as its publication date is used: ``<meta>`` tags
(``article:published_time``, ``datePublished``, Dublin Core, ...), JSON-LD ``datePublished``
and ``<time pubdate>``. When none is found postil shows no date rather than a wrong one.
Dates are normalised to ``YYYY-MM-DD``; anything that does not read as a real calendar date is
dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

#: ``<meta>`` keys (name, property or itemprop, lowercase) that declare the publication date,
#: best first.
PUBLISHED_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publication_date",
    "publish-date",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "date",
)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T\s])")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:$|[T\s])")
_MAX_JSON_LD_CHARS = 256 * 1024


def normalise_date(value: object) -> str:
    """``YYYY-MM-DD`` for an ISO-like date or date-time (``""`` when it is no real date)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat() if 1000 <= value.year <= 9999 else ""
    if not isinstance(value, str):
        return ""
    match = _ISO_DATE.match(value) or _COMPACT_DATE.match(value)
    if match is None:
        return ""
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def published_date(root: Any) -> str:
    """The publication date an lxml HTML tree declares, normalised, or ``""``."""
    declared: dict[str, str] = {}
    for element in root.iter("meta"):
        key = (
            element.get("property") or element.get("name") or element.get("itemprop") or ""
        ).strip().lower()
        if key in PUBLISHED_META_KEYS and key not in declared:
            date = normalise_date(element.get("content") or "")
            if date:
                declared[key] = date
    for key in PUBLISHED_META_KEYS:
        if key in declared:
            return declared[key]
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        date = _json_ld_date(script.text or "")
        if date:
            return date
    for element in root.iter("time"):
        if element.get("itemprop", "").lower() == "datepublished" or element.get("pubdate") \
                is not None:
            date = normalise_date(element.get("datetime") or "")
            if date:
                return date
    return ""


def _json_ld_date(source: str) -> str:
    if len(source) > _MAX_JSON_LD_CHARS:
        return ""
    try:
        data = json.loads(source)
    except (ValueError, RecursionError):
        return ""
    pending: list[Any] = [data]
    seen = 0
    while pending and seen < 1000:
        item = pending.pop(0)
        seen += 1
        if isinstance(item, list):
            pending.extend(item[:100])
        elif isinstance(item, dict):
            date = normalise_date(item.get("datePublished"))
            if date:
                return date
            graph = item.get("@graph")
            if isinstance(graph, list):
                pending.extend(graph[:100])
    return ""
