"""Front matter: the metadata block at the top of a saved article.

Markdown exports from Obsidian, Pandoc, Hugo/Jekyll and read-it-later tools start with a YAML
block between ``---`` lines (Hugo also writes TOML between ``+++`` lines). It is read with a real
parser (``yaml.safe_load`` / ``tomllib``) — never by pattern matching — and the fields postil
understands are normalised into :class:`FrontMatter`:

| field | keys read (first that is set wins) |
| --- | --- |
| title | ``title`` |
| author | ``author``, ``authors``, ``creator``, ``byline`` (lists are joined with ", ") |
| date | ``date``, ``published``, ``pubdate``, ``date_published``, ``publish_date``, |
| | ``published_at`` (publication dates only; ``created`` is when a page was clipped) |
| url | ``url``, ``source``, ``source_url``, ``link``, ``canonical_url``, ``original_url`` |
| dek | ``subtitle``, ``description``, ``summary``, ``dek``, ``excerpt`` |
| tags | ``tags``, ``keywords``, ``categories`` (a list, or a comma/space separated string) |

Obsidian wiki links (``"[[Jane Doe]]"``) are unwrapped. Front matter that does not parse is not
fatal: the article is read without it and :attr:`FrontMatter.error` says why.
:func:`render_front_matter` writes the block back (used by ``postil add``).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from annotations.model import normalize_tag
from reader.formats.dates import normalise_date
from reader.sanitize import clean_line

_YAML_BLOCK = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TOML_BLOCK = re.compile(r"\A\ufeff?\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
_WIKI_LINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_FIELD_LINE = re.compile(r"^[\w\"'][\w .\"'-]*\s*[:=]")
_COMMA_SPLIT = re.compile(r"\s*[,;]\s*")
_SPACE_SPLIT = re.compile(r"\s+")
#: Front matter larger than this is not parsed (a YAML bomb guard); the text is kept as body.
MAX_FRONT_MATTER_CHARS = 64 * 1024

_TITLE_KEYS = ("title",)
_AUTHOR_KEYS = ("author", "authors", "creator", "byline")
#: Publication dates only: ``created`` / ``date_saved`` (when a clipper saved the page) are
#: not when the article was published, and no date is better than a wrong one.
_DATE_KEYS = ("date", "published", "pubdate", "date_published", "publish_date", "published_at")
_URL_KEYS = ("url", "source", "source_url", "link", "canonical_url", "original_url")
_DEK_KEYS = ("subtitle", "description", "summary", "dek", "excerpt")
_TAG_KEYS = ("tags", "keywords", "categories")


@dataclass(slots=True)
class FrontMatter:
    """The metadata postil understands from a front-matter block (empty strings when absent).

    Attributes:
        title: Article title.
        author: Author(s), joined with ", ".
        date: Publication date as written, or ISO format for YAML dates.
        url: Where the article came from.
        dek: Subtitle / description.
        tags: Tags, de-duplicated, in order.
        raw: The whole parsed mapping (for fields postil does not interpret).
        error: Why the block could not be parsed, or ``None``.
    """

    title: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    dek: str = ""
    tags: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def split_front_matter(text: str) -> tuple[FrontMatter | None, str]:
    """Split ``text`` into its front matter and the body after it.

    Returns ``(None, text)`` when the text has no front-matter block — including text that only
    looks like one (an article opening with a ``---`` rule, a second rule later): a block counts
    only when it parses into ``key: value`` fields. A block that reads as fields but has a YAML
    error is removed from the body and the returned :class:`FrontMatter` carries ``error``.
    Nothing else is ever removed, so no article text can be lost to a misread block.
    """
    if not text.startswith(("---", "+++", "\ufeff")):
        return None, text
    match = _YAML_BLOCK.match(text)
    loader = _load_yaml
    if match is None:
        match = _TOML_BLOCK.match(text)
        loader = _load_toml
    if match is None:
        return None, text
    source = match.group(1) or ""
    body = text[match.end() :]
    if len(source) > MAX_FRONT_MATTER_CHARS:
        return None, text
    try:
        data = loader(source)
    except _NotFields:
        return None, text
    except ValueError as error:
        if not _looks_like_fields(source):
            return None, text
        return FrontMatter(error=str(error)), body
    return front_matter_from_mapping(data), body


class _NotFields(ValueError):
    """The block parsed, but into something other than ``key: value`` fields."""


def _looks_like_fields(source: str) -> bool:
    lines = [line for line in source.split("\n") if line.strip() and not line.startswith("#")]
    return bool(lines) and _FIELD_LINE.match(lines[0]) is not None


def _load_yaml(source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(source) if source.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise ValueError(f"front matter is not valid YAML{where}") from None
    except RecursionError:
        raise ValueError("front matter is nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _NotFields("front matter is not a set of key: value fields")
    return {str(key): value for key, value in data.items()}


def _load_toml(source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"front matter is not valid TOML ({error})") from None


def front_matter_from_mapping(data: Mapping[str, Any]) -> FrontMatter:
    """Normalise a parsed front-matter mapping into :class:`FrontMatter` (keys case-insensitive)."""
    lowered = {key.lower().strip(): value for key, value in data.items() if isinstance(key, str)}
    return FrontMatter(
        title=_first_text(lowered, _TITLE_KEYS),
        author=_first_text(lowered, _AUTHOR_KEYS),
        date=_first_date(lowered),
        url=_first_url(lowered),
        dek=_first_text(lowered, _DEK_KEYS),
        tags=parse_tags(*(lowered.get(key) for key in _TAG_KEYS)),
        raw=dict(data),
    )


def _first_text(data: Mapping[str, Any], keys: Iterable[str]) -> str:
    for key in keys:
        text = _as_text(data.get(key))
        if text:
            return text
    return ""


def _first_date(data: Mapping[str, Any]) -> str:
    """The first publication date key's value as ``YYYY-MM-DD`` (or as written, if not ISO)."""
    for key in _DATE_KEYS:
        value = data.get(key)
        date = normalise_date(value)
        if date:
            return date
        text = _as_text(value) if not isinstance(value, list | dict) else ""
        if text and not re.search(r"\d{4}-\d{1,2}-\d{1,2}", text):
            return text  # "March 5, 2024": shown as written
    return ""


def _first_url(data: Mapping[str, Any]) -> str:
    for key in _URL_KEYS:
        text = _as_text(data.get(key))
        # "source: Pocket" is a tool name, not a location.
        if text and ("://" in text or text.startswith("www.")):
            return text
    return ""


def _as_text(value: Any, nested: bool = False) -> str:
    """Render a scalar, date or list of scalars as one clean line ("" for anything else).

    Lists are flattened one level only (YAML aliases can make huge nested structures).
    """
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return clean_line(_WIKI_LINK.sub(r"\1", str(value)))
    if isinstance(value, dict):
        # Pandoc / CSL style: author: {name: Jane Doe}
        name = value.get("name") or value.get("text")
        return _as_text(name, nested=True) if isinstance(name, str) else ""
    if isinstance(value, list | tuple) and not nested:
        parts = [_as_text(item, nested=True) for item in value[:100]]
        return ", ".join(part for part in parts if part)
    return ""


def parse_tags(*values: Any) -> list[str]:
    """Collect tags from lists or comma/space separated strings, normalised like every tag.

    A keyword list is split into its tags wherever it comes from — a string or an item of a
    list (``["culture, news, lgbtq"]`` from a page's ``keywords``) — and each tag is normalised
    by :func:`annotations.model.normalize_tag` (lowercase, no "#", spaces as "-"), so article
    tags and annotation tags are the same words. Duplicates are dropped, order kept.
    """
    tags: list[str] = []
    seen: set[str] = set()
    for value in values:
        if value is None or isinstance(value, bool):
            continue
        pieces: list[str] = []
        if isinstance(value, list | tuple | set):
            for item in list(value)[:1000]:
                if isinstance(item, str):
                    pieces.extend(_COMMA_SPLIT.split(item))
                elif _is_scalar(item):
                    pieces.append(str(item))
        elif isinstance(value, str):
            splitter = _COMMA_SPLIT if "," in value or ";" in value else _SPACE_SPLIT
            pieces = splitter.split(value)
        elif _is_scalar(value):
            pieces = [str(value)]
        for piece in pieces:
            tag = normalize_tag(clean_line(_WIKI_LINK.sub(r"\1", piece)))
            if tag and tag not in seen:
                seen.add(tag)
                tags.append(tag)
    return tags


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def render_front_matter(fields: Mapping[str, str | list[str] | None]) -> str:
    """Write a YAML front-matter block (with its ``---`` lines) for the non-empty ``fields``.

    Values are plain strings or lists of strings; YAML quoting is left to the YAML emitter, so a
    title like ``"Yes: No"`` or ``"- dash"`` round-trips exactly.
    """
    data: dict[str, str | list[str]] = {}
    for key, value in fields.items():
        if isinstance(value, str):
            value = clean_line(value)
            if value:
                data[key] = value
        elif value:
            cleaned = [clean_line(item) for item in value if clean_line(item)]
            if cleaned:
                data[key] = cleaned
    if not data:
        return ""
    dumped = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000
    )
    return f"---\n{dumped}---\n"
