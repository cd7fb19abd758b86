"""The table of contents: the EPUB 3 navigation document or the EPUB 2 NCX.

Both are read into flat :class:`NavPoint` lists (title, nesting level, target key), in document
order. Only the nav element with ``epub:type="toc"`` counts (not ``landmarks`` or
``page-list``); a nav document without one falls back to its first ``<nav>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from reader.formats.epub.archive import EntryError, EpubArchive
from reader.formats.epub.xml import XmlError, epub_types, local, parse_content, parse_xml, text_of
from reader.sanitize import clean_line

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
#: Deeper nesting than this is flattened (hostile files).
MAX_TOC_DEPTH = 12
#: At most this many entries are read.
MAX_TOC_ENTRIES = 20_000


@dataclass(frozen=True, slots=True)
class NavPoint:
    """One contents entry before it is placed in the text.

    Attributes:
        title: The label.
        level: Nesting depth (1 = top).
        target: The archive entry name, with ``#fragment`` when there is one.
    """

    title: str
    level: int
    target: str


def target_key(archive: EpubArchive, base: str, href: str) -> str | None:
    """The internal key (``entry-name`` or ``entry-name#fragment``) ``href`` points at.

    None for links that leave the book (``https:``, ``mailto:``) or name no entry.
    """
    href = href.strip()
    if not href or _SCHEME.match(href):
        return None
    fragment = href.split("#", 1)[1] if "#" in href else ""
    if href.startswith("#"):
        name: str | None = base
    else:
        name = archive.find(archive.resolve(base, href))
    if name is None:
        return None
    fragment = unquote(fragment)
    return f"{name}#{fragment}" if fragment else name


def read_nav(archive: EpubArchive, name: str) -> list[NavPoint]:
    """Contents entries of the EPUB 3 navigation document ``name`` ([] when unusable)."""
    try:
        root, _forgiving = parse_content(archive.read(name))
    except (EntryError, XmlError):
        return []
    navs = [node for node in root.iter() if local(node) == "nav"]
    chosen = next((nav for nav in navs if "toc" in epub_types(nav)), None)
    if chosen is None:
        chosen = next(
            (nav for nav in navs if not epub_types(nav) & {"landmarks", "page-list"}), None
        )
    if chosen is None:
        return []
    top = next((child for child in chosen.iter() if local(child) in {"ol", "ul"}), None)
    if top is None:
        return []
    points: list[NavPoint] = []
    _nav_list(archive, name, top, 1, points)
    return points


def _nav_list(
    archive: EpubArchive, base: str, element: Any, level: int, out: list[NavPoint]
) -> None:
    for item in element:
        if local(item) != "li" or len(out) >= MAX_TOC_ENTRIES:
            continue
        label = next((c for c in item if local(c) in {"a", "span"}), None)
        if label is not None:
            title = clean_line(text_of(label))
            href = label.get("href") or "" if local(label) == "a" else ""
            key = target_key(archive, base, href) if href else None
            if title and key is not None:
                out.append(NavPoint(title, min(level, MAX_TOC_DEPTH), key))
        for nested in item:
            if local(nested) in {"ol", "ul"}:
                _nav_list(archive, base, nested, level + 1, out)


def read_ncx(archive: EpubArchive, name: str) -> list[NavPoint]:
    """Contents entries of the EPUB 2 NCX ``name`` ([] when unusable)."""
    try:
        root = parse_xml(archive.read(name))
    except (EntryError, XmlError):
        return []
    nav_map = next((node for node in root.iter() if local(node) == "navmap"), None)
    if nav_map is None:
        return []
    points: list[NavPoint] = []
    _ncx_points(archive, name, nav_map, 1, points)
    return points


def _ncx_points(
    archive: EpubArchive, base: str, element: Any, level: int, out: list[NavPoint]
) -> None:
    for point in element:
        if local(point) != "navpoint" or len(out) >= MAX_TOC_ENTRIES:
            continue
        label = next((c for c in point if local(c) == "navlabel"), None)
        content = next((c for c in point if local(c) == "content"), None)
        title = clean_line(text_of(label)) if label is not None else ""
        href = (content.get("src") or "") if content is not None else ""
        key = target_key(archive, base, href) if href else None
        if title and key is not None:
            out.append(NavPoint(title, min(level, MAX_TOC_DEPTH), key))
        _ncx_points(archive, base, point, level + 1, out)
