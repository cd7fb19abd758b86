"""Markdown articles: rendered into a :class:`~reader.document.Document` with their structure.

The file is parsed with markdown-it-py (CommonMark plus tables, strikethrough and footnotes) and
the token stream is rendered into *display text*: the canonical text has no Markdown syntax (no
``#``, ``*`` or ``>``), so highlights, search and export line up with what the reader sees.

- headings → ``HEADING`` (level 1-6); the first heading, when it opens the article, → ``TITLE``;
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
  span: shown, never searched; a paragraph of call-to-action images is ``CHROME``); footnote
  references ``"[1]"`` with the notes listed at the end;
- raw HTML is never interpreted: inline tags are dropped (their text stays), HTML blocks are
  reduced to their visible text.

YAML front matter (see :mod:`reader.formats.frontmatter`) supplies title, author, date, URL and
tags; title, dek and byline are shown as header blocks. Short non-prose paragraphs that are site
chrome ("Share this article") are marked ``CHROME``.

Speed: parsing a long book with markdown-it alone takes about a second per 3 MB, mostly spent on
plain paragraphs. Blank-line separated chunks that cannot start or continue any block construct
are therefore turned into paragraph tokens directly, and inline parsing is skipped for text
without inline syntax; everything else still goes through markdown-it (with link references
and footnotes shared), so the result is the same as a full parse.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table as _markdown_it_table
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from reader.document import BlockKind, DocumentBuilder, Span
from reader.formats.chrome import is_chrome_line
from reader.formats.frontmatter import FrontMatter, split_front_matter
from reader.formats.markdown_simple import SimpleKind, simple_blocks
from reader.formats.parsed import ParsedArticle
from reader.formats.plaintext import looks_like_byline
from reader.sanitize import clean_line

__all__ = ["parse", "parse_markdown_body", "BULLET", "RULE_TEXT"]

#: Marker of an unordered list item.
BULLET = "•"
#: Marker for text that continues a list item after a nested list (drawn as blank space).
CONTINUATION = " "
#: Markers of task-list items ("- [ ] todo", "- [x] done").
TASK_OPEN = "☐"
TASK_DONE = "☑"
#: Text of a thematic break (``RULE`` block).
RULE_TEXT = "* * *"
#: Deepest nesting markdown-it builds (quote = 1 level, list = 2); deeper text is kept as text.
MAX_NESTING = 40
#: Paragraphs longer than this (characters) are shown without inline formatting: parsing
#: emphasis in a multi-megabyte single line is slow and never what the author meant.
MAX_FORMATTED_PARAGRAPH = 100_000
#: Tables at most this wide (in cells) are padded into aligned columns.
ALIGNED_TABLE_WIDTH = 100
#: Tables with more cells than this are shown as plain text rows (cells joined by " | ", no
#: inline formatting): markdown-it makes three tokens and an inline parse per cell, which for a
#: 5 MB table meant a gigabyte of memory and tens of seconds.
MAX_FORMATTED_TABLE_CELLS = 5_000
#: Lines of block structure (lists, quotes, code, HTML: everything but plain paragraphs, single
#: headings and large tables) that markdown-it reads per file. It makes several tokens and runs
#: every block rule per line (a 5 MB bullet list took 40 s); lines past this budget are read by
#: :mod:`reader.formats.markdown_simple`, one pattern per line.
MAX_BLOCK_LINES = 5_000
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


class _KeepTextBlockParser(ParserBlock):
    """markdown-it's block parser, except that text nested past ``maxNesting`` is not dropped.

    Upstream skips everything after the nesting limit ("not an ordinary situation"); here the
    remaining lines become a literal paragraph, so a hostile file loses no text and cannot
    recurse deeper.
    """

    def tokenize(self, state: StateBlock, startLine: int, endLine: int) -> None:  # noqa: N803
        """Tokenize ``[startLine, endLine)``; past the nesting limit, keep lines as text."""
        if state.level < state.md.options.maxNesting:
            super().tokenize(state, startLine, endLine)
            return
        line = state.skipEmptyLines(startLine)
        if line >= endLine:
            return
        stop = line
        while stop < endLine and state.sCount[stop] >= state.blkIndent:
            stop += 1
        content = state.getLines(line, stop, state.blkIndent, False).strip()
        state.line = stop
        if content:
            opening = state.push("paragraph_open", "p", 1)
            opening.map = [line, stop]
            inline = state.push("inline", "", 0)
            inline.content = content
            inline.meta = {"literal": True}
            state.push("paragraph_close", "p", -1)


def _wiki_link(state: StateInline, silent: bool) -> bool:
    """Obsidian-style ``[[Page]]`` / ``[[Page|shown text]]`` → the shown text; embeds named."""
    start = state.pos
    if not state.src.startswith("[[", start) and not state.src.startswith("![[", start):
        return False
    match = _WIKI_LINK.match(state.src, start)
    if match is None:
        return False
    if not silent:
        target, alias = match.group(1).strip(), (match.group(2) or "").strip()
        shown = alias or target.split("#", 1)[0].strip() or target
        token = state.push("text", "", 0)
        token.content = f"[embed: {shown}]" if match.group(0).startswith("!") else shown
    state.pos = match.end()
    return True


# A cell boundary in a row that has escaped pipes: a pipe not preceded by a backslash (as
# markdown-it's escapedSplit decides).
_CELL_BOUNDARY = re.compile(r"(?<!\\)\|")
_MAX_AUTOCOMPLETED_CELLS = 0x10000
# First characters of the constructs that end a table (fence, quote, rule, list, HTML, heading).
_TERMINATOR_START = frozenset("`~>*-_+<#0123456789")


def _table_or_large_table(state: StateBlock, startLine: int, endLine: int,  # noqa: N803
                          silent: bool) -> bool:
    """markdown-it's table rule, except that a table of many cells becomes one token.

    The rows are found exactly as markdown-it finds them (same header, delimiter and end
    rules); when the table has more than :data:`MAX_FORMATTED_TABLE_CELLS` cells, one
    ``postil_large_table`` token carries its rows as plain strings (``meta["rows"]``) instead
    of three tokens and an inline parse per cell. No cell is dropped, not even past the header's
    column count.
    """
    if not _markdown_it_table(state, startLine, endLine, True):
        return False
    if silent:
        return True
    header, columns = _row_text(state.getLines(startLine, startLine + 1, state.blkIndent, False))
    rows = [header]
    cells = columns
    autocompleted = 0
    terminators = state.md.block.ruler.getRules("blockquote")
    line = startLine + 2
    while line < endLine:
        if state.sCount[line] < state.blkIndent:
            break
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        if text[:1] in _TERMINATOR_START and any(
            rule(state, line, endLine, True) for rule in terminators
        ):
            break
        if not text.strip() or state.is_code_block(line):
            break
        row, count = _row_text(text)
        autocompleted += columns - count
        if autocompleted > _MAX_AUTOCOMPLETED_CELLS:
            break
        rows.append(row)
        cells += max(columns, count)
        line += 1
    if cells <= MAX_FORMATTED_TABLE_CELLS:
        return _markdown_it_table(state, startLine, endLine, False)
    token = state.push("postil_large_table", "table", 0)
    token.map = [startLine, line]
    token.meta = {"rows": rows, "header_rows": 1}
    state.line = line
    return True


# A line of a table body that markdown-it might end the table at (or read as code).
_TABLE_STOP = re.compile(r"^(?:[ \t]*[`~>*\-_+<#0-9]| {4}|\t)", re.MULTILINE)
_TABLE_DELIMITER = re.compile(r"[ \t]*[|:\-][|:\- \t]*")


def _may_be_large_table(chunk: str) -> bool:
    """Whether ``chunk`` (a run of non-blank lines) could be one large table and nothing else.

    True only when the first two lines look like a table header and delimiter row, no line
    could start another block (so markdown-it would take the whole chunk as the table), and
    the table has more than :data:`MAX_FORMATTED_TABLE_CELLS` cells.
    """
    if chunk[0] in _TERMINATOR_START or chunk[0] in " \t":
        return False
    first = chunk.find("\n")
    second = chunk.find("\n", first + 1)
    if first < 0 or second < 0 or chunk.find("|", 0, first) < 0:
        return False
    if not _TABLE_DELIMITER.fullmatch(chunk, first + 1, second):
        return False
    columns = chunk.count("|", 0, first) + 1
    if columns * chunk.count("\n") <= MAX_FORMATTED_TABLE_CELLS:
        return False
    return _TABLE_STOP.search(chunk, second + 1) is None


def _large_top_level_table(segment: str, env: dict[str, Any]) -> Token | None:
    """The ``postil_large_table`` token of a segment that is exactly one large table, or None.

    markdown-it's own rule decides whether the first two lines make a table; the rows are then
    every further line of the segment (none of them can end the table, see
    :func:`_may_be_large_table`), without building markdown-it's state for the whole text.
    """
    if not _may_be_large_table(segment):
        return None
    head_end = segment.find("\n", segment.find("\n") + 1) + 1
    state = StateBlock(segment[:head_end], _MD, env, [])
    if not _markdown_it_table(state, 0, 2, True):
        return None
    lines = segment.rstrip("\n").split("\n")
    header, columns = _row_text(lines[0])
    rows = [header]
    cells = columns
    autocompleted = 0
    used = 2
    for line in lines[2:]:
        row, count = _row_text(line)
        autocompleted += columns - count
        if autocompleted > _MAX_AUTOCOMPLETED_CELLS:
            return None  # markdown-it would end the table here: let it decide
        rows.append(row)
        cells += max(columns, count)
        used += 1
    if cells <= MAX_FORMATTED_TABLE_CELLS:
        return None
    token = Token("postil_large_table", "table", 0)
    token.map = [0, used]
    token.meta = {"rows": rows, "header_rows": 1}
    return token


def _row_text(line: str) -> tuple[str, int]:
    """One table row as a line of trimmed cells joined by " | ", and its number of cells.

    Split at unescaped pipes like markdown-it (an empty first or last cell, from the row's
    outer pipes, is dropped); ``\\|`` becomes ``|``.
    """
    line = line.strip()
    escaped = "\\|" in line
    parts = _CELL_BOUNDARY.split(line) if escaped else line.split("|")
    if len(parts) > 1 and not parts[0]:
        parts.pop(0)
    if len(parts) > 1 and not parts[-1]:
        parts.pop()
    text = " | ".join([part.strip() for part in parts])
    return (text.replace("\\|", "|") if escaped else text), len(parts)


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    md.block.ruler.at("table", _table_or_large_table)
    md.use(footnote_plugin, inline=False)
    md.inline.ruler.before("link", "wiki_link", _wiki_link)
    keep_text = _KeepTextBlockParser()
    keep_text.ruler = md.block.ruler
    md.block = keep_text
    return md


_MD = _make_parser()

# A chunk is a run of non-blank lines.
_CHUNK = re.compile(r"(?:^[ \t]*[^ \t\n][^\n]*(?:\n|\Z))+", re.MULTILINE)
# A line that could start (or, under a paragraph, interrupt into) a block construct.
_BLOCK_START = re.compile(r"^ {0,3}(?:[#>*+\-=_~`<|:\[]|\d{1,9}[.)])", re.MULTILINE)
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?!.*`)|~{3,})")
# A line that may open a fence or one of the HTML blocks of _HTML_BLOCK_ENDS.
_OPENER = re.compile(r"^ {0,3}(?:`{3}|~{3}|<)", re.MULTILINE)
_HTML_BLOCK_ENDS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"^ {0,3}<(?:script|pre|style|textarea)(?:\s|>|$)", re.IGNORECASE),
        re.compile(r"</(?:script|pre|style|textarea)>", re.IGNORECASE),
    ),
    (re.compile(r"^ {0,3}<!--"), re.compile(r"-->")),
    (re.compile(r"^ {0,3}<\?"), re.compile(r"\?>")),
    (re.compile(r"^ {0,3}<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"^ {0,3}<!\[CDATA\["), re.compile(r"\]\]>")),
)
# Characters that make markdown-it's inline parser do more than copy text.
_INLINE_SYNTAX = re.compile(r"[\\`*_~\[\]<&]")
# A backslash escape (CommonMark: any ASCII punctuation).
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINE_BREAK = re.compile(r"( *)\n[ \t]*")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HTML_RAW = re.compile(r"<(script|style|template)\b.*?(?:</\1\s*>|\Z)", re.DOTALL | re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>?")
_RAW_OPEN = re.compile(r"<(script|style|template)\b[^>]*(?<!/)>$", re.IGNORECASE)
_TASK = re.compile(r"\[([ xX])\] ")
_WIKI_LINK = re.compile(r"!?\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]+))?\]\]")
_BR_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_WHITESPACE = re.compile(r"[ \t\n]+")
_SENTENCE_END = re.compile(r"[.!?…:;,][\"'”’)\]]*$")
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_BY_PREFIX = re.compile(r"^(?:by|written by|words by)\s+", re.IGNORECASE)


def parse(text: str) -> ParsedArticle:
    """Parse a cleaned Markdown file (front matter optional) into a document with metadata."""
    front, body = split_front_matter(text)
    notice = None
    if front is not None and front.error:
        notice = f"Front matter ignored: {front.error}."
    return parse_markdown_body(body, front or FrontMatter(), notice=notice)


def parse_markdown_body(
    body: str, front: FrontMatter, *, notice: str | None = None, fast: bool = True
) -> ParsedArticle:
    """Render Markdown ``body`` with the metadata in ``front`` (used by the HTML reader too).

    Args:
        body: Markdown text without front matter.
        front: Metadata for the header (title, author, date, url, dek, tags); may be empty.
        notice: Passed through to :attr:`ParsedArticle.notice`.
        fast: Use the plain-paragraph shortcut (the result is the same; False is for tests).
    """
    env: dict[str, Any] = {}
    tokens = _block_tokens(body, env) if fast else _block_tokens_slow(body, env)
    renderer = _Renderer(env)
    blocks = renderer.render(tokens)
    notice = notice or renderer.notice
    title, author, dek = _mark_header(blocks, front)
    _mark_chrome(blocks)
    base = front.url if front.url.lower().startswith(("http://", "https://")) else ""
    builder = DocumentBuilder()
    for block in blocks:
        spans = _absolute_links(block.spans, base) if base else block.spans
        builder.add(block.kind, block.text, level=block.level, marker=block.marker, spans=spans)
    return ParsedArticle(
        builder.build(),
        title=title,
        author=author,
        dek=dek,
        date=front.date or None,
        url=front.url or None,
        tags=list(front.tags),
        notice=notice,
    )


# --- Block tokens ---------------------------------------------------------------------------


def _block_tokens_slow(body: str, env: dict[str, Any]) -> list[Token | str | _Heading]:
    tokens: list[Token] = []
    _MD.block.parse(body, _MD, env, tokens)
    return list(tokens)


def _block_tokens(body: str, env: dict[str, Any]) -> list[Token | str | _Heading]:
    """Block tokens of ``body``; a plain top-level paragraph is just its text (a ``str``).

    Headings on a line of their own are read directly (:class:`_Heading`); runs of other block
    structure go through markdown-it until :data:`MAX_BLOCK_LINES` are used up, and after that
    become one ``postil_simple`` token (read by :func:`simple_blocks` when rendered).
    """
    tokens: list[Token | str | _Heading] = []
    budget = MAX_BLOCK_LINES
    for kind, segment in _segments(body):
        if kind == "plain":
            tokens.append(segment.strip())
            continue
        if kind == "heading":
            tokens.append(_heading(segment))
            continue
        table = _large_top_level_table(segment, env)
        if table is not None:
            tokens.append(table)
            continue
        lines = segment.count("\n") + 1
        if lines > budget:
            budget = 0
            simple = Token("postil_simple", "", 0)
            simple.content = segment
            tokens.append(simple)
            continue
        budget -= lines
        parsed: list[Token] = []
        _MD.block.parse(segment, _MD, env, parsed)
        tokens.extend(parsed)
    return tokens


def _atx_heading(line: str) -> tuple[int, str] | None:
    """``(level, content)`` of an ATX heading line starting in column 0, as markdown-it reads it."""
    level = len(line) - len(line.lstrip("#"))
    if not 1 <= level <= 6 or (level < len(line) and line[level] not in " \t"):
        return None
    end = max(len(line.rstrip(" \t")), level)
    closing = end
    while closing > level and line[closing - 1] == "#":
        closing -= 1
    if closing > level and line[closing - 1] in " \t":
        end = closing
    return level, line[level:end].strip()


@dataclass(frozen=True, slots=True)
class _Heading:
    """A heading on a line of its own, found without markdown-it (its three tokens' content)."""

    level: int
    content: str

    @property
    def type(self) -> str:
        """The token type, as markdown-it tokens have one."""
        return "postil_heading"


def _heading(chunk: str) -> _Heading:
    """The heading of a one-line heading chunk (as markdown-it reads it)."""
    heading = _atx_heading(chunk.rstrip("\n"))
    assert heading is not None  # _segments only yields lines that are headings
    return _Heading(*heading)


def _segments(body: str) -> Iterator[tuple[str, str]]:
    """Split ``body`` into plain paragraphs (``"plain"``), one-line headings (``"heading"``) and
    runs of everything else (``"blocks"``, kept together)."""
    state = _OpenBlock()
    complex_start = -1
    complex_end = -1
    for match in _CHUNK.finditer(body):
        chunk = match.group()
        if not state.is_open and chunk[0] not in " \t" and not _BLOCK_START.search(chunk):
            if complex_start >= 0:
                yield "blocks", body[complex_start:complex_end]
                complex_start = -1
            yield "plain", chunk
            continue
        if not state.is_open and chunk[0] == "#" and chunk.find("\n", 0, len(chunk) - 1) < 0:
            if _atx_heading(chunk.rstrip("\n")) is not None:
                if complex_start >= 0:
                    yield "blocks", body[complex_start:complex_end]
                    complex_start = -1
                yield "heading", chunk
                continue
        if not state.is_open and _may_be_large_table(chunk):
            if complex_start >= 0:
                yield "blocks", body[complex_start:complex_end]
                complex_start = -1
            yield "blocks", chunk  # a table on its own: _block_tokens checks it exactly
            continue
        state.scan(chunk)
        if complex_start < 0:
            complex_start = match.start()
        complex_end = match.end()
    if complex_start >= 0:
        yield "blocks", body[complex_start:complex_end]


@dataclass(slots=True)
class _OpenBlock:
    """Tracks top-level constructs that run across blank lines: fenced code and raw HTML."""

    fence: str = ""
    html_end: re.Pattern[str] | None = None

    @property
    def is_open(self) -> bool:
        return bool(self.fence) or self.html_end is not None

    def scan(self, chunk: str) -> None:
        if not self.is_open and _OPENER.search(chunk) is None:
            return  # nothing in the chunk can open a fence or an HTML block
        for line in chunk.split("\n"):
            if self.fence:
                stripped = line.strip()
                if (
                    len(line) - len(line.lstrip(" ")) <= 3
                    and stripped.startswith(self.fence)
                    and stripped == stripped[0] * len(stripped)
                ):
                    self.fence = ""
                continue
            if self.html_end is not None:
                if self.html_end.search(line):
                    self.html_end = None
                continue
            fence = _FENCE_OPEN.match(line)
            if fence:
                self.fence = fence.group(1)
                continue
            for start, end in _HTML_BLOCK_ENDS:
                opened = start.match(line)
                if opened:
                    if not end.search(line, opened.end()):
                        self.html_end = end
                    break


# --- Rendering ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Block:
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


class _Renderer:
    """Turns markdown-it block tokens into :class:`_Block` records."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.blocks: list[_Block] = []
        self.footnotes: list[_Block] = []
        self._containers: list[str] = []
        self._lists: list[list[int | None]] = []  # [next number or None for bullets]
        self._items: list[_Item] = []
        self._table: _Table | None = None
        self._heading_level = 0
        self._footnote_label: str | None = None
        self._inline_work = MAX_INLINE_WORK
        self.notice: str | None = None

    # The target list: footnote definitions are collected apart and listed at the end.
    def _emit(self, block: _Block) -> None:
        if not block.text:
            return
        (self.footnotes if self._footnote_label is not None else self.blocks).append(block)

    def render(self, tokens: list[Token | str | _Heading]) -> list[_Block]:
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
            if isinstance(token, _Heading):
                self._flush_item()
                text, spans = _strip(*self._inline_text(token.content))
                self._emit(_Block(BlockKind.HEADING, text, token.level, "", spans))
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
            self.blocks.append(_Block(BlockKind.RULE, RULE_TEXT))
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
        self._emit(_Block(BlockKind.LIST_ITEM, text, min(item.level, 12), marker, spans))

    def _simple(self, token: Token) -> None:
        """A run of block structure past :data:`MAX_BLOCK_LINES`, read by :func:`simple_blocks`.

        Lists (and whatever else is not a paragraph, quote or code) are shown as their text
        lines, the way a large table is: a block and an inline parse per item cost far more
        than the text itself.
        """
        self._flush_item()
        self.notice = SIMPLE_NOTICE
        for block in simple_blocks(token.content):
            if block.kind is SimpleKind.CODE:
                self._emit(_Block(BlockKind.CODE, block.content.expandtabs(4)))
            elif block.kind is SimpleKind.TEXT:
                self._emit(_Block(BlockKind.PARAGRAPH, block.content))
            elif block.kind is SimpleKind.QUOTE:
                text, spans = _strip(*self._inline_text(block.content))
                self._emit(_Block(BlockKind.QUOTE, text, min(block.level, 12), "", spans))
            else:
                text, spans = _strip(*self._inline_text(block.content))
                self._emit(_Block(BlockKind.PARAGRAPH, text, 0, "", spans))

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
        self._emit(_Block(BlockKind.CODE, text))

    def _rule(self, _token: Token) -> None:
        self._flush_item()
        self._emit(_Block(BlockKind.RULE, RULE_TEXT))

    def _html_block(self, token: Token) -> None:
        text = _visible_html_text(token.content)
        if text:
            self._paragraph(text, [])

    def _plain_paragraph(self, content: str) -> None:
        """A top-level paragraph found by the shortcut (``content`` is already stripped)."""
        if _INLINE_SYNTAX.search(content):
            text, spans = _strip(*self._inline_text(content))
            self._emit(_Block(BlockKind.PARAGRAPH, text, 0, "", spans))
            return
        if "\n" in content:
            content = _LINE_BREAK.sub(_line_break, content)
        if "\t" in content:
            content = content.replace("\t", " ")
        self._emit(_Block(BlockKind.PARAGRAPH, content))

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
            self._emit(_Block(BlockKind.QUOTE, text, min(self._quote_depth(), 12), "", spans))
            return
        self._emit(_Block(BlockKind.HEADING, text, self._heading_level, "", spans))

    def _paragraph(self, text: str, spans: list[Span]) -> None:
        if not text:
            return
        innermost = self._containers[-1] if self._containers else ""
        if innermost == "item" and self._items:
            self._items[-1].texts.append((text, spans))
        elif innermost == "quote":
            self._emit(_Block(BlockKind.QUOTE, text, min(self._quote_depth(), 12), "", spans))
        else:
            self._emit(_Block(BlockKind.PARAGRAPH, text, 0, "", spans))

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
        if len(content) > MAX_FORMATTED_PARAGRAPH:
            self.notice = "A very long paragraph is shown without its Markdown formatting."
            return _literal(content), []
        if not _INLINE_SYNTAX.search(content):
            return _LINE_BREAK.sub(_line_break, content).replace("\t", " "), []
        if self._inline_work <= 0:
            self.notice = self.notice or PLAIN_INLINE_NOTICE
            return _as_written(content), []
        self._inline_work -= (len(content) + _MARK_WORK * len(_INLINE_SYNTAX.findall(content))
                              + _LINK_WORK * content.count("]("))
        children: list[Token] = []
        _MD.inline.parse(content, _MD, self.env, children)
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


def _absolute_links(spans: list[Span], base: str) -> list[Span]:
    """Resolve relative link targets against the article's source URL."""
    resolved = []
    for span in spans:
        if span.url and not _HAS_SCHEME.match(span.url):
            span = Span(span.start, span.end, span.style, urljoin(base, span.url))
        resolved.append(span)
    return resolved


def _line_break(match: re.Match[str]) -> str:
    return "\n" if len(match.group(1)) >= 2 else " "


def _as_written(content: str) -> str:
    """Paragraph text without its inline formatting: soft breaks joined, escapes removed."""
    lines = content.split("\\\n")  # backslash hard breaks
    text = "\n".join(_LINE_BREAK.sub(_line_break, line) for line in lines).replace("\t", " ")
    return _ESCAPED.sub(r"\1", text) if "\\" in text else text


def _literal(content: str) -> str:
    return "\n".join(line.strip() for line in content.split("\n")).replace("\t", " ")


def _strip(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Trim surrounding whitespace, moving the spans with the text."""
    stripped = text.strip()
    if stripped == text:
        return text, [span for span in spans if span.end > span.start]
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


def _visible_html_text(source: str) -> str:
    """The text a raw HTML block would show, without interpreting any of it."""
    text = _HTML_COMMENT.sub("", source)
    text = _HTML_RAW.sub("", text)
    text = _BR_TAG.sub("\n", text)
    text = _HTML_TAG.sub(" ", text)
    text = html.unescape(text)
    lines = [_WHITESPACE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


# --- Header and chrome ----------------------------------------------------------------------


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .:")


def _mark_header(
    blocks: list[_Block], front: FrontMatter
) -> tuple[str | None, str | None, str | None]:
    """Turn the opening blocks into title / dek / byline; return (title, author, dek)."""
    title = front.title or None
    author = front.author or None
    dek = front.dek or None
    index = _mark_title(blocks, front)
    if index is not None and title is None:
        title = blocks[index].text
    elif title is None:
        headings = (b.text for b in blocks if b.kind is BlockKind.HEADING and "\n" not in b.text)
        title = next(headings, None) or _first_line(blocks)
    after = 0 if index is None else index + 1

    if front.dek:
        if after < len(blocks) and _normalised(blocks[after].text) == _normalised(front.dek):
            blocks[after].kind = BlockKind.DEK
        else:
            blocks.insert(after, _Block(BlockKind.DEK, front.dek))
        after += 1
    elif index is not None and after < len(blocks) - 1 and _is_all_emphasis(blocks[after]):
        blocks[after].kind = BlockKind.DEK
        dek = blocks[after].text
        after += 1

    if front.author:
        existing = _find_byline(blocks, after, index is not None)
        if existing is not None and _normalised(front.author) in _normalised(
            blocks[existing].text
        ):
            blocks[existing].kind = BlockKind.BYLINE
        else:
            byline = front.author + (f" · {front.date}" if front.date else "")
            blocks.insert(after, _Block(BlockKind.BYLINE, byline))
    elif index is not None:
        found = _find_byline(blocks, after, True)
        if found is not None:
            if found == after + 1 and dek is None and _could_be_dek(blocks[after]):
                blocks[after].kind = BlockKind.DEK
                dek = blocks[after].text
            blocks[found].kind = BlockKind.BYLINE
            author = _BY_PREFIX.sub("", blocks[found].text)
    return title, author, dek


def _mark_title(blocks: list[_Block], front: FrontMatter) -> int | None:
    """Mark (or insert) the title block; return its index, or None when there is none."""
    first = blocks[0] if blocks else None
    if front.title:
        if first is not None and first.kind in {BlockKind.HEADING, BlockKind.PARAGRAPH}:
            if _normalised(first.text) == _normalised(front.title):
                first.kind, first.level = BlockKind.TITLE, 0
                return 0
        blocks.insert(0, _Block(BlockKind.TITLE, front.title))
        return 0
    if first is None:
        return None
    if first.kind is BlockKind.HEADING:
        top = min(b.level for b in blocks if b.kind is BlockKind.HEADING)
        if first.level <= top and "\n" not in first.text:
            first.kind, first.level = BlockKind.TITLE, 0
            return 0
        return None
    if (
        first.kind is BlockKind.PARAGRAPH
        and len(blocks) > 1
        and not any(b.kind is BlockKind.HEADING for b in blocks)
        and "\n" not in first.text
        and len(first.text) <= 150
        and not _SENTENCE_END.search(first.text)
        and not is_chrome_line(first.text)
    ):
        first.kind = BlockKind.TITLE
        return 0
    return None


def _first_line(blocks: list[_Block]) -> str | None:
    for block in blocks:
        if block.kind is BlockKind.CODE or block.kind is BlockKind.RULE:
            continue
        line = block.text.strip().split("\n", 1)[0].strip()
        if line:
            return line if len(line) <= 120 else line[:119].rsplit(" ", 1)[0] + "…"
    return None


def _find_byline(blocks: list[_Block], after: int, has_title: bool) -> int | None:
    for index in range(after, min(after + 2, len(blocks))):
        block = blocks[index]
        if block.kind is not BlockKind.PARAGRAPH or "\n" in block.text:
            continue
        explicit = _BY_PREFIX.match(block.text) is not None
        if looks_like_byline(block.text) and (explicit or (has_title and index == after)):
            return index
        if explicit and len(block.text) <= 80:
            return index
    return None


def _could_be_dek(block: _Block) -> bool:
    return block.kind is BlockKind.PARAGRAPH and "\n" not in block.text and len(block.text) <= 300


def _is_all_emphasis(block: _Block) -> bool:
    if not _could_be_dek(block):
        return False
    return any(
        span.style == "em" and span.start == 0 and span.end == len(block.text)
        for span in block.spans
    )


def _mark_chrome(blocks: list[_Block]) -> None:
    body = [i for i, b in enumerate(blocks) if b.kind is BlockKind.PARAGRAPH]
    if len(body) < 2:
        return
    for index in body:
        block = blocks[index]
        if "\n" not in block.text and is_chrome_line(block.text) or _is_button_image(block):
            block.kind = BlockKind.CHROME


#: Alt texts of images that are buttons or calls to action, not pictures of the article.
_BUTTON_ALT = re.compile(
    r"\b(?:call[\s-]*to[\s-]*action|cta|button|banner|subscribe|sign[\s-]*up|download(?:\s+now)?"
    r"|click\s+here|learn\s+more|read\s+more|get\s+started|free\s+trial|buy\s+now|shop\s+now"
    r"|register(?:\s+now)?|book\s+a\s+demo|request\s+a\s+demo|join\s+now|advert\w*|sponsored)\b",
    re.IGNORECASE,
)


def _is_button_image(block: _Block) -> bool:
    """A paragraph that is only images, each a button or call to action ("New Call-to-action")."""
    images = [span for span in block.spans if span.style == "image"]
    if not images or sum(span.end - span.start for span in images) < len(block.text.strip()) - 2:
        return False
    return all(_BUTTON_ALT.search(block.text[span.start : span.end]) for span in images)
