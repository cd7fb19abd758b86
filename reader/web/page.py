"""A fetched page as the article file postil stores, and the web origin of stored articles.

Every web article is a UTF-8 file with YAML front matter:

| key | what |
| --- | --- |
| ``title``, ``author``, ``date``, ``site``, ``description``, ``tags`` | the page's metadata |
| ``source`` | the final URL after redirects (credentials stripped) |
| ``canonical`` | the page's canonical URL, when it differs from ``source`` |
| ``fetched`` | when postil fetched it (UTC, ISO 8601) — marks the file as postil's web copy |
| ``etag``, ``last_modified`` | the server's validators, for conditional refreshes |
| ``text_id`` | fingerprint of the text as fetched: a refresh never overwrites local edits |

HTML and XHTML pages are stored as the Markdown of their main text (the trafilatura path of
:mod:`reader.formats.html`, links made absolute); ``text/markdown`` as it is (its own front
matter kept and merged); ``text/plain`` as it is, in a ``.txt`` file whose front matter the
plain-text reader understands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from reader.formats.frontmatter import split_front_matter
from reader.loading import fingerprint
from reader.sanitize import clean_line, normalize_newlines
from reader.web.fetch import HTML_TYPES, MARKDOWN_TYPES, FetchedPage, Validators, display_url

#: Front-matter keys postil sets on every fetch (a refresh replaces them; others are kept).
OWNED_KEYS = ("title", "author", "date", "site", "description", "tags", "source", "canonical",
              "fetched", "etag", "last_modified", "text_id")


@dataclass(slots=True)
class WebArticle:
    """What will be stored for a fetched page.

    Attributes:
        source: The final URL (credentials and fragment stripped).
        suffix: ``.md`` or ``.txt``.
        body: The article text without front matter.
        fields: The front matter, in order (values are strings or lists of strings, except
            keys a Markdown page brought in its own front matter).
        notice: Something the user should know (no main text found), or None.
    """

    source: str
    suffix: str
    body: str
    fields: dict[str, Any] = field(default_factory=dict)
    notice: str | None = None

    @property
    def body_id(self) -> str:
        """Fingerprint of the body alone (the same page fetched twice has the same one)."""
        return body_fingerprint(self.body)

    @property
    def title(self) -> str:
        """The page's title, or ""."""
        value = self.fields.get("title")
        return clean_line(value) if isinstance(value, str) else ""

    def file_text(self, keep: Mapping[str, Any] | None = None) -> str:
        """The whole file: front matter then body.

        Args:
            keep: The front matter of the copy being refreshed: keys postil does not own are
                kept as they are, and its tags are kept before the page's.
        """
        fields = dict(self.fields)
        if keep:
            merged: dict[str, Any] = {}
            for key, value in keep.items():
                if key not in OWNED_KEYS:
                    merged[key] = value
            old_tags = keep.get("tags")
            if isinstance(old_tags, list) and old_tags:
                new_tags = fields.get("tags") if isinstance(fields.get("tags"), list) else []
                seen = {str(tag).casefold() for tag in old_tags}
                fields["tags"] = [*old_tags, *(t for t in new_tags or []
                                              if str(t).casefold() not in seen)]
            fields = {**_ordered(fields), **merged}
        fields["text_id"] = self.body_id
        header = _dump(fields)
        body = self.body.strip("\n")
        return f"{header}\n{body}\n" if body else header


@dataclass(frozen=True, slots=True)
class WebOrigin:
    """Where a stored web article came from (read from its front matter).

    Attributes:
        source: The URL to fetch it again from.
        fetched: When it was fetched, or None when the file does not say (or says nonsense).
        validators: The ETag / Last-Modified stored with it.
        raw: The whole front matter.
        body: The stored text after the front matter.
    """

    source: str
    fetched: dt.datetime | None
    validators: Validators
    raw: dict[str, Any]
    body: str

    @property
    def body_id(self) -> str:
        """Fingerprint of the stored body."""
        return body_fingerprint(self.body)

    @property
    def edited(self) -> bool:
        """True when the text was changed here after postil fetched it."""
        stored = self.raw.get("text_id")
        return isinstance(stored, str) and stored != self.body_id


def body_fingerprint(body: str) -> str:
    """Fingerprint of an article body, ignoring surrounding blank lines."""
    return fingerprint(normalize_newlines(body).strip("\n"))


def now_stamp() -> str:
    """The current UTC time as stored in ``fetched``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def web_article(page: FetchedPage, fetched: str | None = None) -> WebArticle:
    """Turn a fetched page into the article to store.

    Raises:
        FetchError: when the body cannot be decoded as text.
    """
    text = normalize_newlines(page.text())
    source = display_url(page.url)
    stamp = fetched or now_stamp()
    web_fields: dict[str, Any] = {
        "source": source,
        "fetched": stamp,
        "etag": page.validators.etag,
        "last_modified": page.validators.last_modified,
    }
    if page.media_type in HTML_TYPES:
        from reader.formats.html import extract_page

        extracted = extract_page(text, base_url=source)
        front = extracted.front
        canonical = front.url if front.url and display_url(front.url) != source else ""
        fields = {
            "title": front.title,
            "author": front.author,
            "date": front.date,
            "site": extracted.site,
            "description": front.dek,
            "tags": front.tags,
            **web_fields,
            "canonical": canonical,
        }
        return WebArticle(source, ".md", extracted.markdown, _ordered(fields), extracted.notice)
    is_markdown = page.media_type in MARKDOWN_TYPES or (
        page.media_type == "text/plain" and _path_suffix(source) in {".md", ".markdown"}
    )
    if is_markdown:
        own, body = split_front_matter(text)
        if own is None or own.error:
            own_fields: dict[str, Any] = {}
            body = text
        else:
            own_fields = {k: v for k, v in own.raw.items() if k not in web_fields}
        return WebArticle(source, ".md", body, {**own_fields, **_ordered(web_fields)})
    return WebArticle(source, ".txt", text, _ordered(web_fields))


def web_origin(text: str) -> WebOrigin | None:
    """The web origin of a stored article's text, or None when postil did not fetch it.

    A file counts as a web article when its front matter has an http(s) ``source`` and a
    ``fetched`` time (the mark of a copy postil fetched).
    """
    front, body = split_front_matter(normalize_newlines(text))
    if front is None or front.error:
        return None
    raw = front.raw
    source = raw.get("source")
    if not isinstance(source, str) or not source.lower().startswith(("http://", "https://")):
        return None
    if "fetched" not in raw:
        return None
    return WebOrigin(
        source=clean_line(source),
        fetched=_parse_time(raw.get("fetched")),
        validators=Validators(_text(raw.get("etag")), _text(raw.get("last_modified"))),
        raw=dict(raw),
        body=body,
    )


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _text(value: Any) -> str:
    return clean_line(value)[:512] if isinstance(value, str) else ""


def _path_suffix(url: str) -> str:
    from urllib.parse import urlsplit

    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    return path[dot:] if dot > path.rfind("/") else ""


def _ordered(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Known keys first in :data:`OWNED_KEYS` order, empty values dropped."""
    ordered: dict[str, Any] = {}
    for key in OWNED_KEYS:
        if key in fields:
            ordered[key] = fields[key]
    for key, value in fields.items():
        ordered.setdefault(key, value)
    cleaned: dict[str, Any] = {}
    for key, value in ordered.items():
        if isinstance(value, str):
            value = clean_line(value)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            value = [clean_line(item) for item in value if clean_line(item)]
        if value in ("", [], None):
            continue
        cleaned[key] = value
    return cleaned


def _dump(fields: Mapping[str, Any]) -> str:
    if not fields:
        return ""
    dumped = yaml.safe_dump(dict(fields), allow_unicode=True, sort_keys=False,
                            default_flow_style=False, width=10_000)
    return f"---\n{dumped}---\n"


__all__ = [
    "OWNED_KEYS",
    "WebArticle",
    "WebOrigin",
    "body_fingerprint",
    "now_stamp",
    "web_article",
    "web_origin",
]
