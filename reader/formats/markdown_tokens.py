"""Markdown into block tokens: markdown-it-py, set up for postil, and the fast path around it.

The parser is CommonMark plus tables, strikethrough, footnotes and wiki links; text nested past
:data:`MAX_NESTING` is kept as literal text, and a table of more than
:data:`MAX_FORMATTED_TABLE_CELLS` cells becomes one ``postil_large_table`` token of text rows.

Speed: parsing a long book with markdown-it alone takes about a second per 3 MB, mostly spent on
plain paragraphs. Blank-line separated chunks that cannot start or continue any block construct
are therefore turned into paragraph tokens directly (a ``str``), and headings on a line of their
own into :class:`HeadingLine`; everything else still goes through markdown-it (with link
references and footnotes shared), so the result is the same as a full parse — until
:data:`MAX_BLOCK_LINES` lines of block structure are used up (or a line is indented past
:data:`MAX_INDENT`), after which the rest is one
``postil_simple`` token, read by :mod:`reader.formats.markdown_simple` when rendered.
:mod:`reader.formats.markdown_render` turns the tokens into blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table as _markdown_it_table
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

__all__ = [
    "MD", "BlockToken", "HeadingLine", "block_tokens", "block_tokens_slow", "MAX_NESTING",
    "MAX_FORMATTED_TABLE_CELLS", "MAX_BLOCK_LINES", "MAX_INDENT",
]  # fmt: skip

#: Deepest nesting markdown-it builds (quote = 1 level, list = 2); deeper text is kept as text.
MAX_NESTING = 40
#: Tables with more cells than this are shown as plain text rows (cells joined by " | ", no
#: inline formatting): markdown-it makes three tokens and an inline parse per cell, which for a
#: 5 MB table meant a gigabyte of memory and tens of seconds.
MAX_FORMATTED_TABLE_CELLS = 5_000
#: Lines of block structure (lists, quotes, code, HTML: everything but plain paragraphs, single
#: headings and large tables) that markdown-it reads per file. It makes several tokens and runs
#: every block rule per line (a 5 MB bullet list took 40 s); lines past this budget are read by
#: :mod:`reader.formats.markdown_simple`, a chunk at a time.
MAX_BLOCK_LINES = 5_000
#: A line indented deeper than this (spaces and tabs) sends its run of block structure, and the
#: rest of the file's, to :mod:`reader.formats.markdown_simple` too: markdown-it looks at each
#: character of a line's indentation in Python (a line indented by 5 MB of spaces: a second).
MAX_INDENT = 1_000


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
    state = StateBlock(segment[:head_end], MD, env, [])
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


MD = _make_parser()

_DEEP_INDENT = re.compile(rf"^[ \t]{{{MAX_INDENT + 1}}}", re.MULTILINE)
_WIKI_LINK = re.compile(r"!?\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]+))?\]\]")
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


def block_tokens_slow(body: str, env: dict[str, Any]) -> list[BlockToken]:
    tokens: list[Token] = []
    MD.block.parse(body, MD, env, tokens)
    return list(tokens)


def block_tokens(body: str, env: dict[str, Any]) -> list[BlockToken]:
    """Block tokens of ``body``; a plain top-level paragraph is just its text (a ``str``).

    Headings on a line of their own are read directly (:class:`HeadingLine`); runs of other block
    structure go through markdown-it until :data:`MAX_BLOCK_LINES` are used up, and after that
    become one ``postil_simple`` token (read by :func:`simple_blocks` when rendered).
    """
    tokens: list[BlockToken] = []
    budget = MAX_BLOCK_LINES
    for kind, segment in _segments(body):
        if isinstance(segment, HeadingLine):
            tokens.append(segment)
            continue
        if kind == "plain":
            tokens.append(segment.strip())
            continue
        table = _large_top_level_table(segment, env)
        if table is not None:
            tokens.append(table)
            continue
        lines = segment.count("\n") + 1
        if lines > budget or _DEEP_INDENT.search(segment) is not None:
            budget = 0
            simple = Token("postil_simple", "", 0)
            simple.content = segment
            tokens.append(simple)
            continue
        budget -= lines
        parsed: list[Token] = []
        MD.block.parse(segment, MD, env, parsed)
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


class HeadingLine(NamedTuple):
    """A heading on a line of its own, found without markdown-it (its three tokens' content).

    A named tuple: made for every heading of a file, it is cheaper than a frozen dataclass.
    """

    level: int
    content: str

    @property
    def type(self) -> str:
        """The token type, as markdown-it tokens have one."""
        return "postil_heading"


#: What :func:`block_tokens` gives: markdown-it tokens, plain paragraphs' text, headings.
BlockToken = Token | str | HeadingLine


def _segments(body: str) -> Iterator[tuple[str, str | HeadingLine]]:
    """Split ``body`` into plain paragraphs (``"plain"``), one-line headings (``"heading"``, as a
    :class:`HeadingLine`) and runs of everything else (``"blocks"``, kept together)."""
    state = _OpenBlock()
    is_open = False  # state.is_open, which only scan() changes
    complex_start = -1
    complex_end = -1
    for match in _CHUNK.finditer(body):
        chunk = match.group()
        if not is_open:
            if chunk[0] not in " \t" and not _starts_a_block(chunk):
                if complex_start >= 0:
                    yield "blocks", body[complex_start:complex_end]
                    complex_start = -1
                yield "plain", chunk
                continue
            if chunk[0] == "#" and chunk.find("\n", 0, len(chunk) - 1) < 0:
                heading = _atx_heading(chunk.rstrip("\n"))
                if heading is not None:
                    if complex_start >= 0:
                        yield "blocks", body[complex_start:complex_end]
                        complex_start = -1
                    yield "heading", HeadingLine(*heading)
                    continue
            if _may_be_large_table(chunk):
                if complex_start >= 0:
                    yield "blocks", body[complex_start:complex_end]
                    complex_start = -1
                yield "blocks", chunk  # a table on its own: block_tokens checks it exactly
                continue
        if is_open or _OPENER.search(chunk) is not None:  # (scan() would find nothing else)
            state.scan(chunk)
            is_open = state.is_open
        if complex_start < 0:
            complex_start = match.start()
        complex_end = match.end()
    if complex_start >= 0:
        yield "blocks", body[complex_start:complex_end]


def _starts_a_block(chunk: str) -> bool:
    """Whether a line of ``chunk`` could start (or interrupt a paragraph with) a block."""
    if chunk.find("\n", 0, len(chunk) - 1) < 0:  # one line: only its start can
        return _BLOCK_START.match(chunk) is not None
    return _BLOCK_START.search(chunk) is not None


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


