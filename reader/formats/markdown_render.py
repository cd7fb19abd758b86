"""Markdown block tokens rendered into blocks of *display text* with inline spans.

The canonical text has no Markdown syntax (no ``#``, ``*`` or ``>``), so highlights, search and
export line up with what the reader sees:

- headings → ``HEADING`` (level 1-6);
- paragraphs → ``PARAGRAPH``; soft line breaks become spaces, hard breaks ``"\\n"``;
- block quotes → ``QUOTE`` (level = depth);
- list items → ``LIST_ITEM`` (level = nesting depth, ``marker`` = ``"•"`` or ``"3."``; the text
  of a loose item's further paragraphs is joined with ``"\\n"``; text that continues an item after
  a nested list gets the blank marker ``" "``);
- code blocks → ``CODE`` (newlines kept, tabs expanded); thematic breaks → ``RULE``;
- tables → one ``PARAGRAPH`` with a row per line and cells joined by ``" | "`` (padded into
  columns when the table is narrow; header cells ``strong``);
- inline: ``em``, ``strong``, ``strike``, ``code`` spans, and ``link`` spans whose ``url`` holds
  the target (the link text stays in the text); images become ``"[image: alt]"`` (an ``image``
  span: shown, never searched); footnote references ``"[1]"`` with the notes listed at the end;
- raw HTML is never interpreted: inline tags are dropped (their text stays), HTML blocks are
  reduced to their visible text.

Inline parsing is skipped for text without inline syntax, and has a budget per file
(:data:`MAX_INLINE_WORK`). The title, dek, byline and site chrome are marked afterwards
(:mod:`reader.formats.article_header`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from reader.document import BlockKind, Span
from reader.formats.html_text import visible_text_by_patterns
from reader.formats.markdown_simple import SimpleKind, simple_blocks
from reader.formats.markdown_tokens import MD, BlockToken, HeadingLine
from reader.sanitize import clean_line

__all__ = [
    "Renderer", "RenderedBlock", "BULLET", "CONTINUATION", "TASK_OPEN", "TASK_DONE", "RULE_TEXT",
    "MAX_FORMATTED_PARAGRAPH", "MAX_INLINE_WORK", "SIMPLE_NOTICE", "PLAIN_INLINE_NOTICE",
]  # fmt: skip

#: Marker of an unordered list item.
BULLET = "•"
#: Marker for text that continues a list item after a nested list (drawn as blank space).
CONTINUATION = " "
#: Markers of task-list items ("- [ ] todo", "- [x] done").
TASK_OPEN = "☐"
TASK_DONE = "☑"
#: Text of a thematic break (``RULE`` block).
RULE_TEXT = "* * *"
#: Paragraphs longer than this (characters) are shown without inline formatting: parsing
#: emphasis in a multi-megabyte single line is slow and never what the author meant.
MAX_FORMATTED_PARAGRAPH = 100_000
#: Tables at most this wide (in cells) are padded into aligned columns.
ALIGNED_TABLE_WIDTH = 100
#: Work (characters + :data:`_MARK_WORK` per syntax character + :data:`_LINK_WORK` per link)
#: that markdown-it's inline parser may do per file: a token per delimiter made 5 MB of links
#: and emphasis take a minute. Later paragraphs are shown as written, without their formatting
#: (backslash escapes removed).
MAX_INLINE_WORK = 3_000_000
_MARK_WORK = 100
_LINK_WORK = 1_000
#: Notices for text shown with less formatting than usual.
SIMPLE_NOTICE = ("This file has a lot of block structure: its later lists are shown as plain text "
                 "lines (as written), quotes and code with simplified formatting.")
PLAIN_INLINE_NOTICE = ("This file has a lot of inline formatting: its later paragraphs are shown "
                       "without it.")
# Characters that make markdown-it's inline parser do more than copy text.
_INLINE_SYNTAX = re.compile(r"[\\`*_~\[\]<&]")
# A backslash escape (CommonMark: any ASCII punctuation).
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_RAW_OPEN = re.compile(r"<(script|style|template)\b[^>]*(?<!/)>$", re.IGNORECASE)
_TASK = re.compile(r"\[([ xX])\] ")
_BR_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass(slots=True)
class RenderedBlock:
    """A block being rendered: kind, display text, inline spans relative to the text."""

    kind: BlockKind
    text: str
    level: int = 0
    marker: str = ""
    spans: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class _Item:
    """An open list item collecting its paragraphs."""

    marker: str
    level: int
    texts: list[tuple[str, list[Span]]] = field(default_factory=list)
    flushed: bool = False


@dataclass(slots=True)
class _Table:
    rows: list[list[tuple[str, list[Span]]]] = field(default_factory=list)
    header_rows: int = 0
    in_head: bool = False


class Renderer:
    """Turns markdown-it block tokens into :class:`RenderedBlock` records."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.blocks: list[RenderedBlock] = []
        self.footnotes: list[RenderedBlock] = []
        self._containers: list[str] = []
        self._lists: list[list[int | None]] = []  # [next number or None for bullets]
        self._items: list[_Item] = []
        self._table: _Table | None = None
        self._heading_level = 0
        self._footnote_label: str | None = None
        self._inline_work = MAX_INLINE_WORK
        self.notice: str | None = None

    # The target list: footnote definitions are collected apart and listed at the end.
    def _emit(self, block: RenderedBlock) -> None:
        if not block.text:
            return
        (self.footnotes if self._footnote_label is not None else self.blocks).append(block)

    def render(self, tokens: list[BlockToken]) -> list[RenderedBlock]:
        """Render all tokens; footnotes follow the body after a rule."""
        handlers = {
            "heading_open": self._heading_open,
            "heading_close": self._heading_close,
            "blockquote_open": self._quote_open,
            "blockquote_close": self._quote_close,
            "bullet_list_open": self._list_open,
            "ordered_list_open": self._list_open,
            "bullet_list_close": self._list_close,
            "ordered_list_close": self._list_close,
            "list_item_open": self._item_open,
            "list_item_close": self._item_close,
            "fence": self._code,
            "code_block": self._code,
            "hr": self._rule,
            "html_block": self._html_block,
            "table_open": self._table_open,
            "postil_large_table": self._large_table,
            "postil_simple": self._simple,
            "table_close": self._table_close,
            "thead_open": self._thead_open,
            "thead_close": self._thead_close,
            "tr_open": self._row_open,
            "footnote_reference_open": self._footnote_open,
            "footnote_reference_close": self._footnote_close,
        }
        for token in tokens:
            if isinstance(token, str):
                self._plain_paragraph(token)
                continue
            if isinstance(token, HeadingLine):
                if self._items:
                    self._flush_item()
                text, spans = _strip(*self._inline_text(token.content))
                self._emit(RenderedBlock(BlockKind.HEADING, text, token.level, "", spans))
                continue
            if token.type == "inline":
                self._inline(token)
                continue
            handler = handlers.get(token.type)
            if handler is not None:
                handler(token)
        while self._items:
            self._item_close(None)
        if self.footnotes:
            self.blocks.append(RenderedBlock(BlockKind.RULE, RULE_TEXT))
            self.blocks.extend(self.footnotes)
        return self.blocks

    # Containers -----------------------------------------------------------------------------

    def _quote_open(self, _token: Token) -> None:
        self._flush_item()
        self._containers.append("quote")

    def _quote_close(self, _token: Token) -> None:
        self._flush_item()
        if self._containers:
            self._containers.pop()

    def _quote_depth(self) -> int:
        return self._containers.count("quote")

    def _list_open(self, token: Token) -> None:
        self._flush_item()
        if token.type == "ordered_list_open":
            start = token.attrs.get("start", 1)
            self._lists.append([int(start) if isinstance(start, int | float | str) else 1])
        else:
            self._lists.append([None])

    def _list_close(self, _token: Token) -> None:
        if self._lists:
            self._lists.pop()

    def _item_open(self, token: Token) -> None:
        self._flush_item()
        state: list[int | None] = self._lists[-1] if self._lists else [None]
        number = state[0]
        if number is None:
            marker = BULLET
        else:
            info = token.info if token.info.isdigit() else str(number)
            delimiter = token.markup if token.markup in {".", ")"} else "."
            marker = f"{int(info)}{delimiter}"
            state[0] = int(info) + 1
        self._items.append(_Item(marker, len(self._lists)))
        self._containers.append("item")

    def _item_close(self, _token: Token | None) -> None:
        self._flush_item()
        if self._items:
            self._items.pop()
        if self._containers:
            self._containers.pop()

    def _flush_item(self) -> None:
        """Emit the paragraphs collected so far for the innermost list item."""
        if not self._items or not self._items[-1].texts:
            return
        item = self._items[-1]
        text, spans = _join_parts(item.texts, "\n")
        item.texts = []
        marker = CONTINUATION if item.flushed else item.marker
        if not item.flushed:
            task = _TASK.match(text)
            if task:
                marker = TASK_DONE if task.group(1) in "xX" else TASK_OPEN
                cut = task.end()
                text = text[cut:]
                spans = [
                    Span(max(0, s.start - cut), s.end - cut, s.style, s.url)
                    for s in spans
                    if s.end > cut
                ]
        item.flushed = True
        self._emit(RenderedBlock(BlockKind.LIST_ITEM, text, min(item.level, 12), marker, spans))

    def _simple(self, token: Token) -> None:
        """A run of block structure past :data:`MAX_BLOCK_LINES`, read by :func:`simple_blocks`.

        Lists (and whatever else is not a paragraph, quote or code) are shown as their text
        lines, the way a large table is: a block and an inline parse per item cost far more
        than the text itself.
        """
        self._flush_item()
        self.notice = SIMPLE_NOTICE
        emit, inline_text = self._emit, self._inline_text
        for kind, content, level in simple_blocks(token.content):
            if kind is SimpleKind.QUOTE:
                text, spans = _strip(*inline_text(content))
                emit(RenderedBlock(BlockKind.QUOTE, text, min(level, 12), "", spans))
            elif kind is SimpleKind.CODE:
                emit(RenderedBlock(BlockKind.CODE, content.expandtabs(4)))
            elif kind is SimpleKind.TEXT:
                emit(RenderedBlock(BlockKind.PARAGRAPH, content))
            else:
                text, spans = _strip(*inline_text(content))
                emit(RenderedBlock(BlockKind.PARAGRAPH, text, 0, "", spans))

    def _footnote_open(self, token: Token) -> None:
        self._flush_item()
        label = str(token.meta.get("label", "")) if token.meta else ""
        self._footnote_label = label
        self._items.append(_Item(self._footnote_marker(label), 1))
        self._containers.append("item")

    def _footnote_close(self, token: Token) -> None:
        self._item_close(token)
        self._footnote_label = None

    def _footnote_marker(self, label: str) -> str:
        refs = self.env.get("footnotes", {}).get("refs", {})
        number = refs.get(f":{label}", -1)
        return f"[{number + 1}]" if isinstance(number, int) and number >= 0 else f"[{label}]"

    # Leaf blocks ----------------------------------------------------------------------------

    def _heading_open(self, token: Token) -> None:
        self._flush_item()
        self._heading_level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1

    def _heading_close(self, _token: Token) -> None:
        self._heading_level = 0

    def _code(self, token: Token) -> None:
        self._flush_item()
        text = token.content.rstrip("\n").expandtabs(4)
        self._emit(RenderedBlock(BlockKind.CODE, text))

    def _rule(self, _token: Token) -> None:
        self._flush_item()
        self._emit(RenderedBlock(BlockKind.RULE, RULE_TEXT))

    def _html_block(self, token: Token) -> None:
        text = "\n".join(visible_text_by_patterns(token.content, lines=True))
        if text:
            self._paragraph(text, [])

    def _plain_paragraph(self, content: str) -> None:
        """A top-level paragraph found by the shortcut (``content`` is already stripped)."""
        if _INLINE_SYNTAX.search(content):
            text, spans = _strip(*self._formatted(content))
            self._emit(RenderedBlock(BlockKind.PARAGRAPH, text, 0, "", spans))
            return
        if "\n" in content:
            content = _line_breaks(content)
        if "\t" in content:
            content = content.replace("\t", " ")
        self._emit(RenderedBlock(BlockKind.PARAGRAPH, content))

    def _inline(self, token: Token) -> None:
        if token.meta.get("literal"):
            text, spans = _literal(token.content), list[Span]()
        else:
            text, spans = self._inline_text(token.content)
        text, spans = _strip(text, spans)
        if self._table is not None:
            if self._table.rows:
                self._table.rows[-1].append((text, spans))
            return
        if self._heading_level:
            self._heading(text, spans)
            return
        self._paragraph(text, spans)

    def _heading(self, text: str, spans: list[Span]) -> None:
        if self._containers and self._containers[-1] == "quote":
            spans = [*spans, Span(0, len(text), "strong")] if text else spans
            depth = min(self._quote_depth(), 12)
            self._emit(RenderedBlock(BlockKind.QUOTE, text, depth, "", spans))
            return
        self._emit(RenderedBlock(BlockKind.HEADING, text, self._heading_level, "", spans))

    def _paragraph(self, text: str, spans: list[Span]) -> None:
        if not text:
            return
        innermost = self._containers[-1] if self._containers else ""
        if innermost == "item" and self._items:
            self._items[-1].texts.append((text, spans))
        elif innermost == "quote":
            depth = min(self._quote_depth(), 12)
            self._emit(RenderedBlock(BlockKind.QUOTE, text, depth, "", spans))
        else:
            self._emit(RenderedBlock(BlockKind.PARAGRAPH, text, 0, "", spans))

    # Tables ---------------------------------------------------------------------------------

    def _table_open(self, _token: Token) -> None:
        self._flush_item()
        self._table = _Table()

    def _thead_open(self, _token: Token) -> None:
        if self._table is not None:
            self._table.in_head = True

    def _thead_close(self, _token: Token) -> None:
        if self._table is not None:
            self._table.in_head = False

    def _row_open(self, _token: Token) -> None:
        if self._table is not None:
            self._table.rows.append([])
            if self._table.in_head:
                self._table.header_rows += 1

    def _table_close(self, _token: Token) -> None:
        table, self._table = self._table, None
        if table is None or not table.rows:
            return
        text, spans = _render_table(table)
        self._paragraph(text, spans)

    def _large_table(self, token: Token) -> None:
        """A table of many cells: its rows as plain text lines, the header row strong."""
        self._flush_item()
        rows: list[str] = token.meta["rows"]
        header_rows: int = token.meta["header_rows"]
        text = "\n".join(rows)
        spans = []
        header = len("\n".join(rows[:header_rows]))
        if header:
            spans.append(Span(0, header, "strong"))
        self.notice = "A very large table is shown as plain text rows (without formatting)."
        self._paragraph(text, spans)

    # Inline ---------------------------------------------------------------------------------

    def _inline_text(self, content: str) -> tuple[str, list[Span]]:
        if len(content) <= MAX_FORMATTED_PARAGRAPH and not _INLINE_SYNTAX.search(content):
            if "\n" in content:
                content = _line_breaks(content)
            return (content.replace("\t", " ") if "\t" in content else content), []
        return self._formatted(content)

    def _formatted(self, content: str) -> tuple[str, list[Span]]:
        """Inline text that has inline syntax (or is too long to parse it)."""
        if len(content) > MAX_FORMATTED_PARAGRAPH:
            self.notice = "A very long paragraph is shown without its Markdown formatting."
            return _literal(content), []
        if self._inline_work <= 0:
            self.notice = self.notice or PLAIN_INLINE_NOTICE
            return _as_written(content), []
        self._inline_work -= (len(content) + _MARK_WORK * len(_INLINE_SYNTAX.findall(content))
                              + _LINK_WORK * content.count("]("))
        children: list[Token] = []
        MD.inline.parse(content, MD, self.env, children)
        return self._render_children(children)

    def _render_children(self, children: list[Token]) -> tuple[str, list[Span]]:
        parts: list[str] = []
        length = 0
        spans: list[Span] = []
        open_styles: list[tuple[str, int, str | None]] = []

        def add(piece: str) -> None:
            nonlocal length
            if piece:
                parts.append(piece)
                length += len(piece)

        skipping = ""  # inside an inline <script> / <style>: nothing is shown until it closes
        for child in children:
            kind = child.type
            if skipping:
                if kind == "html_inline" and child.content.strip().lower() == f"</{skipping}>":
                    skipping = ""
                continue
            if kind in {"text", "text_special"}:
                add(child.content.replace("\t", " "))
            elif kind == "softbreak":
                add(" ")
            elif kind == "hardbreak":
                add("\n")
            elif kind == "code_inline":
                start = length
                add(child.content)
                if length > start:
                    spans.append(Span(start, length, "code"))
            elif kind in {"em_open", "strong_open", "s_open"}:
                open_styles.append((kind[:-5], length, None))
            elif kind == "link_open":
                href = child.attrs.get("href", "")
                open_styles.append(("link", length, clean_line(str(href))))
            elif kind in {"em_close", "strong_close", "s_close", "link_close"}:
                style = {"em": "em", "strong": "strong", "s": "strike", "link": "link"}[kind[:-6]]
                wanted = "s" if style == "strike" else style
                for index in range(len(open_styles) - 1, -1, -1):
                    if open_styles[index][0] == wanted:
                        _, start, url = open_styles.pop(index)
                        if style == "link" and length == start and url:
                            add(url)
                        if length > start:
                            spans.append(Span(start, length, style, url))
                        break
            elif kind == "image":
                alt = clean_line(child.content)
                start = length
                add(f"[image: {alt}]" if alt else "[image]")
                spans.append(Span(start, length, "image"))
            elif kind == "html_inline":
                tag = child.content.strip()
                if _BR_TAG.fullmatch(tag):
                    add("\n")
                raw = _RAW_OPEN.match(tag)
                if raw:
                    skipping = raw.group(1).lower()
                continue
            elif kind == "footnote_ref":
                meta = child.meta or {}
                number = meta.get("id")
                label = meta.get("label", "")
                add(f"[{number + 1}]" if isinstance(number, int) else f"[{label}]")
            elif child.content:
                add(child.content)
        return "".join(parts), spans


def _line_breaks(text: str) -> str:
    """Paragraph text with its line breaks read: a newline after two or more spaces is a hard
    break (``"\\n"``), any other a space; the spaces before it and the spaces and tabs after
    it are dropped. (Line by line: a regular expression tried at every character of a long
    line cost more than the rest of the paragraph.)"""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    last = len(lines) - 1
    pieces: list[str] = []
    for index, line in enumerate(lines):
        if index:
            line = line.lstrip(" \t")
        if index == last:
            pieces.append(line)
            break
        core = line.rstrip(" ")
        pieces.append(core)
        pieces.append("\n" if len(line) - len(core) >= 2 else " ")
    return "".join(pieces)


def _as_written(content: str) -> str:
    """Paragraph text without its inline formatting: soft breaks joined, escapes removed."""
    lines = content.split("\\\n")  # backslash hard breaks
    text = "\n".join(_line_breaks(line) for line in lines).replace("\t", " ")
    return _ESCAPED.sub(r"\1", text) if "\\" in text else text


def _literal(content: str) -> str:
    return "\n".join(line.strip() for line in content.split("\n")).replace("\t", " ")


def _strip(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Trim surrounding whitespace, moving the spans with the text."""
    stripped = text.strip()
    if stripped == text:
        return text, [span for span in spans if span.end > span.start] if spans else spans
    shift = len(text) - len(text.lstrip())
    size = len(stripped)
    moved = []
    for span in spans:
        start = min(max(span.start - shift, 0), size)
        end = min(max(span.end - shift, 0), size)
        if end > start:
            moved.append(Span(start, end, span.style, span.url))
    return stripped, moved


def _join_parts(parts: list[tuple[str, list[Span]]], separator: str) -> tuple[str, list[Span]]:
    texts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for text, own in parts:
        if texts:
            texts.append(separator)
            offset += len(separator)
        texts.append(text)
        spans.extend(Span(s.start + offset, s.end + offset, s.style, s.url) for s in own)
        offset += len(text)
    return "".join(texts), spans


def _cell_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _render_table(table: _Table) -> tuple[str, list[Span]]:
    """Lay out table rows as lines, cells joined by " | " (padded into columns if narrow)."""
    rows = [[(" ".join(text.split("\n")), spans) for text, spans in row] for row in table.rows]
    columns = max(len(row) for row in rows)
    widths = [0] * columns
    for row in rows:
        for index, (text, _spans) in enumerate(row):
            widths[index] = max(widths[index], _cell_width(text))
    aligned = sum(widths) + 3 * (columns - 1) <= ALIGNED_TABLE_WIDTH
    lines: list[tuple[str, list[Span]]] = []
    for row_index, row in enumerate(rows):
        cells: list[tuple[str, list[Span]]] = []
        for index, (text, spans) in enumerate(row):
            if row_index < table.header_rows and text:
                spans = [*spans, Span(0, len(text), "strong")]
            last = index == len(row) - 1
            if aligned and not last:
                text = text + " " * (widths[index] - _cell_width(text))
            cells.append((text, spans))
        line, line_spans = _join_parts(cells, " | ")
        lines.append((line.rstrip(), [s for s in line_spans if s.start < len(line.rstrip())]))
    return _join_parts(lines, "\n")
