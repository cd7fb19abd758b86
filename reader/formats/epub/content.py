"""Content documents (XHTML chapters) rendered into postil's document model.

Each chapter is walked once and appended to a shared :class:`~reader.document.DocumentBuilder`:

- ``h1``-``h6`` → ``HEADING``; ``p`` and other text blocks → ``PARAGRAPH``; ``blockquote`` →
  ``QUOTE`` (level = depth); ``ul``/``ol``/``li`` → ``LIST_ITEM`` (marker ``•`` or ``3.``);
  ``pre`` → ``CODE``; ``hr`` → ``RULE``; tables → one block, a row per line, cells joined by
  ``" | "``; footnotes and endnotes (``epub:type="footnote"``, ``role="doc-endnote"``, ...) →
  ``NOTE``; images → ``IMAGE`` placeholders ``[image: alt]`` (not searched, not counted).
- Line structure is kept: ``<br/>`` breaks a line, and verse — a container whose class or
  ``epub:type`` says poem / verse / stanza, or lines marked with a ``line`` class — becomes one
  block per stanza with one line of text per line of the poem (a newline between them).
- Inline: ``em``/``i``/``cite`` → ``em``, ``strong``/``b`` → ``strong``, ``code``/``kbd`` →
  ``code``, ``s``/``del`` → ``strike``, ``a`` → ``link``. A link inside the book gets the URL
  ``#<entry>#<fragment>`` (see :data:`reader.book.INTERNAL_LINK`); a note reference
  (``epub:type="noteref"``, or a short link in ``<sup>``) is shown as ``[1]``.
- Every ``id`` is recorded as a link target at the offset where its element's text starts.

Whitespace is collapsed as a browser would; scripts, styles, forms and ``<head>`` are dropped;
text is cleaned of control characters (:func:`reader.sanitize.clean_text`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from reader.document import BlockKind, DocumentBuilder, Span
from reader.formats.epub.archive import EpubArchive
from reader.formats.epub.toc import target_key
from reader.formats.epub.xml import attribute, epub_types, local
from reader.sanitize import clean_line, clean_text

#: Deeper element nesting than this is read as plain text (hostile files).
MAX_DEPTH = 120
BULLET = "•"
CONTINUATION = " "
RULE_TEXT = "* * *"
#: Tables at most this wide (in cells) are padded into aligned columns.
ALIGNED_TABLE_WIDTH = 100

_SKIP = frozenset(
    {"head", "script", "style", "noscript", "template", "form", "input", "button", "select",
     "textarea", "iframe", "object", "embed", "canvas", "audio", "video", "math", "title"}
)  # fmt: skip
_BLOCK = frozenset(
    {"p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "body",
     "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
     "pre", "table", "hr", "figure", "figcaption", "address", "center", "details", "summary",
     "hgroup", "caption", "html"}
)  # fmt: skip
_HEADING = re.compile(r"h([1-6])")
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_ODD_SPACE = re.compile(r"[\t\n\r\f\v]")  # (or two spaces: whitespace to collapse)
_VERSE = re.compile(
    r"\b(?:poem|poetry|verse|stanza|lg|linegroup|line-group|song|lyrics?|psalm|hymn)\b", re.I
)
_LINE = re.compile(r"\b(?:line|verse-?line|poem-?line|l|i\d{1,2}|indent\d?|ln)\b", re.I)
_NOTE_TYPES = frozenset({"footnote", "endnote", "rearnote", "note"})
_NOTEREF_TYPES = frozenset({"noteref", "biblioref"})
_SAFE_SCHEME = re.compile(r"^(?:https?|ftp|mailto):", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\ufeff"), None)
_NO_TYPES: frozenset[str] = frozenset()


@dataclass(slots=True)
class ChapterResult:
    """What rendering one chapter produced."""

    start: int
    end: int
    heading: str = ""
    forgiving: bool = False


@dataclass(slots=True)
class _Item:
    marker: str
    level: int
    used: bool = False


@dataclass(slots=True)
class _Context:
    quote: int = 0
    note: bool = False
    item: _Item | None = None
    list_level: int = 0


class _Inline:
    """Collects the inline text of one block with browser-like whitespace collapsing."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[Span] = []
        self.ids: list[tuple[str, int]] = []
        self.last = "\n"  # at the start of a line
        self.images: list[str] = []
        self.other = False  # holds anything but images

    def text(self, value: str | None) -> None:
        if not value:
            return
        value = clean_text(value)
        if "\u00ad" in value or "\ufeff" in value:
            value = value.translate(_INVISIBLE)
        if "  " in value or _ODD_SPACE.search(value):
            value = _SPACE.sub(" ", value)
        if value.startswith(" ") and self.last in " \n":
            value = value[1:]
        if not value:
            return
        if value.strip():
            self.other = True
        self.parts.append(value)
        self.length += len(value)
        self.last = value[-1]

    def raw(self, value: str) -> None:
        """Append ``value`` as it is (decorations like the brackets of a note reference)."""
        if value:
            self.parts.append(value)
            self.length += len(value)
            self.last = value[-1]
            self.other = True

    def newline(self) -> None:
        if self.length == 0 or self.last == "\n":
            return
        if self.last == " ":
            self._drop_last()
        self.parts.append("\n")
        self.length += 1
        self.last = "\n"

    def _drop_last(self) -> None:
        self.parts[-1] = self.parts[-1][:-1]
        self.length -= 1
        self.spans = [
            Span(s.start, min(s.end, self.length), s.style, s.url)
            for s in self.spans
            if min(s.end, self.length) > s.start
        ]
        self.last = self.parts[-1][-1] if self.parts[-1] else "\n"
        if not self.parts[-1]:
            self.parts.pop()
            self.last = "".join(self.parts)[-1:] or "\n"

    def result(self) -> tuple[str, list[Span], list[tuple[str, int]]]:
        joined = "".join(self.parts)
        if "\n" not in joined and joined == joined.strip():
            return joined, self.spans, self.ids  # (one line, nothing to strip: the usual case)
        lines = joined.split("\n")
        if all(line == line.strip(" ") for line in lines) and joined == joined.strip():
            return joined, self.spans, self.ids
        # Strip spaces at line ends / starts and the whole text, moving offsets along.
        keep = [True] * len(joined)
        position = 0
        for line in lines:
            stripped_left = len(line) - len(line.lstrip(" "))
            stripped_right = len(line) - len(line.rstrip(" "))
            for index in range(position, position + stripped_left):
                keep[index] = False
            for index in range(position + len(line) - stripped_right, position + len(line)):
                keep[index] = False
            position += len(line) + 1
        new_index = [0] * (len(joined) + 1)
        count = 0
        for index, kept in enumerate(keep):
            new_index[index] = count
            if kept:
                count += 1
        new_index[len(joined)] = count
        text = "".join(ch for ch, kept in zip(joined, keep, strict=True) if kept)
        stripped = text.strip("\n")
        lead = len(text) - len(text.lstrip("\n"))
        size = len(stripped)

        def move(offset: int) -> int:
            return min(max(new_index[offset] - lead, 0), size)

        spans = [Span(move(s.start), move(s.end), s.style, s.url) for s in self.spans]
        ids = [(ident, move(offset)) for ident, offset in self.ids]
        return stripped, [s for s in spans if s.end > s.start], ids


class _Enough(Exception):
    """Raised inside a chapter once the preview has enough text."""


class ChapterRenderer:
    """Renders content documents of one book into a shared document builder.

    Attributes:
        builder: Where blocks go.
        targets: Link target key -> offset (filled as ids are met).
        notes: Start offsets of footnote / endnote blocks.
    """

    def __init__(
        self, archive: EpubArchive, builder: DocumentBuilder, limit: int | None = None
    ) -> None:
        self.archive = archive
        self.builder = builder
        self.limit = limit
        """Stop (at a block boundary) once the text is this long: a preview."""
        self.truncated = False
        self.targets: dict[str, int] = {}
        self.notes: list[int] = []
        self._name = ""
        self._pending_ids: list[str] = []
        self._note_pending = False
        self._heading = ""

    # ------------------------------------------------------------------ chapters
    def render(self, root: Any, name: str, forgiving: bool = False) -> ChapterResult:
        """Append the chapter ``name`` (its parsed ``root``); return where it went."""
        self._name = name
        self._heading = ""
        self._pending_ids = [""]  # "" stands for the chapter itself
        body = next((node for node in root.iter() if local(node) == "body"), root)
        before = len(self.builder.blocks)
        try:
            self._container(body, _Context(), 0, verse=False)
        except _Enough:
            self.truncated = True
        if len(self.builder.blocks) == before:
            self._resolve_pending(self._length())
        blocks = self.builder.blocks
        start = blocks[before].start if len(blocks) > before else self._length()
        return ChapterResult(start, self._length(), self._heading, forgiving)

    def _length(self) -> int:
        blocks = self.builder.blocks
        return blocks[-1].end if blocks else 0

    def _key(self, ident: str) -> str:
        return f"{self._name}#{ident}" if ident else self._name

    def _record_id(self, element: Any) -> None:
        ident = element.get("id")
        if ident:
            self._pending_ids.append(clean_line(ident)[:200])

    def _resolve_pending(self, offset: int) -> None:
        for ident in self._pending_ids:
            self.targets.setdefault(self._key(ident), offset)
        self._pending_ids = []

    # ------------------------------------------------------------------ emitting
    def _emit(
        self,
        kind: BlockKind,
        text: str,
        spans: list[Span],
        ids: list[tuple[str, int]],
        context: _Context,
        level: int = 0,
    ) -> None:
        if not text.strip():
            return
        marker = ""
        if context.item is not None and (kind is BlockKind.PARAGRAPH or kind is BlockKind.HEADING):
            item = context.item
            kind, level = BlockKind.LIST_ITEM, min(item.level, 12)
            marker = CONTINUATION if item.used else item.marker
            item.used = True
        elif kind is BlockKind.PARAGRAPH and context.note:
            kind = BlockKind.NOTE
        elif kind is BlockKind.PARAGRAPH and context.quote:
            kind, level = BlockKind.QUOTE, min(context.quote, 12)
        block = self.builder.add(kind, text, level=level, marker=marker, spans=spans)
        if block is None:
            return
        self._resolve_pending(block.start)
        for ident, offset in ids:
            self.targets.setdefault(self._key(ident), block.start + offset)
        if self._note_pending:
            self.notes.append(block.start)
            self._note_pending = False
        if kind is BlockKind.HEADING and not self._heading:
            self._heading = clean_line(text)

    def _flush(self, inline: _Inline, context: _Context) -> None:
        text, spans, ids = inline.result()
        if inline.images and not inline.other:
            for alt in inline.images:
                self._image(alt, ids)
                ids = []
            return
        if text:
            self._emit(BlockKind.PARAGRAPH, text, spans, ids, context)
        elif ids:
            self._pending_ids.extend(ident for ident, _ in ids)

    def _image(self, alt: str, ids: list[tuple[str, int]] | None = None) -> None:
        text = f"[image: {alt}]" if alt else "[image]"
        block = self.builder.add(BlockKind.IMAGE, text)
        if block is not None:
            self._resolve_pending(block.start)
            for ident, _ in ids or []:
                self.targets.setdefault(self._key(ident), block.start)

    # ------------------------------------------------------------------ blocks
    def _container(self, element: Any, context: _Context, depth: int, verse: bool) -> None:
        verse = verse or _is_verse(element)
        pending = _Inline()
        pending.text(element.text)
        for child in element:
            tag = local(child)
            if not tag or tag in _SKIP:
                pending.text(child.tail)
                continue
            if tag in _BLOCK:
                if self.limit is not None and self._length() >= self.limit:
                    raise _Enough
                leaf = not _has_block(child)
                is_line = verse and not _is_verse(child) or _is_line(child)
                if leaf and tag in {"p", "div"} and is_line:
                    pending.newline()
                    if child.get("id"):
                        pending.ids.append((clean_line(child.get("id"))[:200], pending.length))
                    self._inline_children(child, pending, depth + 1)
                    pending.newline()
                else:
                    self._flush(pending, context)
                    pending = _Inline()
                    self._block(child, context, depth + 1, verse)
            elif tag == "span" and verse and _is_line(child):
                pending.newline()
                self._inline(child, pending, depth + 1)
                pending.newline()
            else:
                self._inline(child, pending, depth + 1)
            pending.text(child.tail)
        self._flush(pending, context)

    def _block(self, element: Any, context: _Context, depth: int, verse: bool) -> None:
        tag = local(element)
        self._record_id(element)
        if depth > MAX_DEPTH:
            inline = _Inline()
            inline.text(" ".join(element.itertext()))
            self._flush(inline, context)
            return
        types = epub_types(element) if element.attrib else _NO_TYPES
        heading = _HEADING.fullmatch(tag)
        if heading:
            inline = _Inline()
            self._inline_children(element, inline, depth)
            text, spans, ids = inline.result()
            text = " ".join(text.split("\n"))
            level = int(heading.group(1))
            if context.item is not None or context.note:
                self._emit(BlockKind.PARAGRAPH, text, spans, ids, context)
            else:
                self._emit(BlockKind.HEADING, text, spans, ids, context, level)
        elif tag in {"ul", "ol"}:
            self._list(element, context, depth)
        elif tag == "li":
            item = _Item(BULLET, context.list_level + 1)
            self._container(element, _with(context, item=item), depth, verse)
        elif tag == "blockquote":
            self._container(element, _with(context, quote=context.quote + 1), depth, verse)
        elif tag == "pre":
            self._pre(element, context)
        elif tag == "table":
            self._table(element, context, depth)
        elif tag == "hr":
            block = self.builder.add(BlockKind.RULE, RULE_TEXT)
            if block is not None:
                self._resolve_pending(block.start)
        elif types & _NOTE_TYPES or (tag == "aside" and "annotation" in types):
            self._note_pending = True
            self._container(element, _with(context, note=True), depth, verse)
            self._note_pending = False
        else:
            self._container(element, context, depth, verse)

    def _list(self, element: Any, context: _Context, depth: int) -> None:
        ordered = local(element) == "ol"
        try:
            number = int(element.get("start") or 1)
        except ValueError:
            number = 1
        number = max(-10**6, min(number, 10**6))
        level = context.list_level + 1
        for child in element:
            tag = local(child)
            if tag == "li":
                if ordered:
                    value = child.get("value")
                    if value and value.strip().lstrip("-").isdigit() and len(value) < 8:
                        number = int(value)
                marker = f"{number}." if ordered else BULLET
                number += 1
                item = _Item(marker, level)
                self._record_id(child)
                self._container(child, _with(context, item=item, list_level=level), depth + 1,
                                False)
            elif tag in _BLOCK:
                self._block(child, context, depth + 1, False)

    def _pre(self, element: Any, context: _Context) -> None:
        parts: list[str] = []

        def walk(node: Any) -> None:
            if local(node) == "br":
                parts.append("\n")
            elif node.text:
                parts.append(node.text)
            for child in node:
                if local(child) not in _SKIP:
                    walk(child)
                if child.tail:
                    parts.append(child.tail)

        walk(element)
        text = clean_text("".join(parts).replace("\r\n", "\n")).expandtabs(4).strip("\n")
        if text.strip():
            kind = BlockKind.LIST_ITEM if context.item is not None else BlockKind.CODE
            if kind is BlockKind.CODE:
                block = self.builder.add(BlockKind.CODE, text.rstrip())
                if block is not None:
                    self._resolve_pending(block.start)
            else:
                self._emit(BlockKind.PARAGRAPH, text.rstrip(), [], [], context)

    def _table(self, element: Any, context: _Context, depth: int) -> None:
        rows: list[list[tuple[str, bool]]] = []
        for row in element.iter():
            if local(row) != "tr":
                continue
            in_head = any(local(a) == "thead" for a in row.iterancestors())
            cells: list[tuple[str, bool]] = []
            for cell in row:
                tag = local(cell)
                if tag not in {"td", "th"}:
                    continue
                inline = _Inline()
                self._inline_children(cell, inline, depth + 1)
                text, _spans, ids = inline.result()
                self._pending_ids.extend(ident for ident, _ in ids)
                cells.append((" ".join(text.split()), in_head or tag == "th"))
            if cells:
                rows.append(cells)
        if not rows:
            return
        columns = max(len(row) for row in rows)
        widths = [0] * columns
        for row in rows:
            for index, (text, _head) in enumerate(row):
                widths[index] = max(widths[index], _cell_width(text))
        aligned = sum(widths) + 3 * (columns - 1) <= ALIGNED_TABLE_WIDTH
        lines: list[str] = []
        spans: list[Span] = []
        offset = 0
        for row in rows:
            pieces: list[str] = []
            position = offset
            for index, (text, head) in enumerate(row):
                if pieces:
                    pieces.append(" | ")
                    position += 3
                if head and text:
                    spans.append(Span(position, position + len(text), "strong"))
                last = index == len(row) - 1
                padded = text if not aligned or last else text + " " * (
                    widths[index] - _cell_width(text)
                )
                pieces.append(padded)
                position += len(padded)
            line = "".join(pieces).rstrip()
            lines.append(line)
            offset += len(line) + 1
        text = "\n".join(lines)
        spans = [
            Span(s.start, min(s.end, len(text)), s.style) for s in spans if s.start < len(text)
        ]
        self._emit(BlockKind.PARAGRAPH, text, spans, [], context)

    # ------------------------------------------------------------------ inline
    def _inline_children(self, element: Any, inline: _Inline, depth: int) -> None:
        inline.text(element.text)
        for child in element:
            self._inline(child, inline, depth + 1)
            inline.text(child.tail)

    def _inline(self, element: Any, inline: _Inline, depth: int) -> None:
        tag = local(element)
        if not tag or tag in _SKIP:
            return
        ident = element.get("id")
        if ident:
            inline.ids.append((clean_line(ident)[:200], inline.length))
        if depth > MAX_DEPTH:
            inline.text(" ".join(element.itertext()))
            return
        if tag == "br":
            inline.newline()
            return
        if tag in {"img", "svg", "image"}:
            alt = _image_alt(element)
            if inline.other or inline.length:
                inline.raw(f"[image: {alt}]" if alt else "[image]")
            else:
                inline.images.append(alt)
            return
        if tag in _BLOCK or (tag == "span" and _is_line(element)):
            inline.newline()
            self._inline_children(element, inline, depth)
            inline.newline()
            return
        style = {
            "em": "em", "i": "em", "cite": "em", "dfn": "em", "var": "em",
            "strong": "strong", "b": "strong",
            "code": "code", "kbd": "code", "samp": "code", "tt": "code",
            "s": "strike", "strike": "strike", "del": "strike",
        }.get(tag)  # fmt: skip
        if tag == "a":
            self._link(element, inline, depth)
            return
        start = inline.length
        self._inline_children(element, inline, depth)
        if style and inline.length > start:
            inline.spans.append(Span(start, inline.length, style))

    def _link(self, element: Any, inline: _Inline, depth: int) -> None:
        href = (element.get("href") or attribute(element, "href")).strip()
        url: str | None = None
        if href:
            key = target_key(self.archive, self._name, href)
            if key is not None:
                url = "#" + key
            elif _SAFE_SCHEME.match(href):
                url = clean_line(href)
        is_ref = url is not None and url.startswith("#") and _is_noteref(element)
        shown = " ".join("".join(element.itertext()).split())
        bracket = is_ref and 0 < len(shown) <= 6 and not shown.startswith(("[", "("))
        if bracket:
            inline.raw("[")
        start = inline.length - (1 if bracket else 0)
        self._inline_children(element, inline, depth)
        if bracket:
            inline.raw("]")
        if url is not None and inline.length > start:
            inline.spans.append(Span(start, inline.length, "link", url))


def _with(context: _Context, **changes: Any) -> _Context:
    return replace(context, **changes)


def _has_block(element: Any) -> bool:
    return any(local(node) in _BLOCK for node in element.iterdescendants())


def _classes(element: Any) -> str:
    return f"{element.get('class') or ''} {' '.join(sorted(epub_types(element)))}"


def _is_verse(element: Any) -> bool:
    if not element.attrib:  # no class, epub:type or role (most elements): not verse
        return False
    return bool(_VERSE.search(_classes(element).replace("z3998:", "")))


def _is_line(element: Any) -> bool:
    class_name = element.get("class")
    return bool(class_name and _LINE.search(class_name))


def _is_noteref(element: Any) -> bool:
    if epub_types(element) & _NOTEREF_TYPES:
        return True
    parent = element.getparent()
    if parent is not None and local(parent) == "sup":
        return True
    return any(local(child) == "sup" for child in element)


def _image_alt(element: Any) -> str:
    alt = element.get("alt") or element.get("title") or ""
    if not alt and local(element) == "svg":
        title = next((c for c in element.iter() if local(c) == "title"), None)
        alt = "".join(title.itertext()) if title is not None else ""
    return clean_line(alt)[:200]


def _cell_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
