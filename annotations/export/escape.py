"""Markdown for exports: quotes that render literally, and notes that cannot break the layout.

The characters themselves are escaped by :mod:`annotations.markdown_escape` (the one Markdown
escaper, which the HTML reader uses too).

Quotes (:func:`quote_block`)
    A quote is article text and must render as exactly that text. Every character with a
    Markdown meaning (CommonMark, plus the Obsidian/GFM extras ``==``, ``~~``, ``%%``, ``$``,
    ``#tag``, ``^block-id``, ``|``) is backslash-escaped; whitespace that CommonMark would strip
    (at the start or end of a line) becomes a numeric character reference (``&#32;``, ``&#9;``).

    The quote becomes one blockquote. Its line structure is kept exactly:

    * each line break inside a paragraph is a hard break (two trailing spaces);
    * one empty line is a paragraph break (a line holding only ``>``);
    * further empty lines, and empty lines at the start, are lines holding only ``\\``
      (a hard break on an empty line);
    * newlines at the very end are ``&#10;``.

    So, for the token stream of ``markdown-it-py`` (CommonMark): joining the text of the
    blockquote's paragraphs with ``"\\n\\n"`` — text tokens as they are, soft and hard breaks as
    ``"\\n"`` — gives back the quote exactly (see :func:`blockquote_text`).

Notes (:func:`neutralise_note`)
    A note is the user's own Markdown and is kept as written, except what could break the
    export around it: postil's region markers and block ids are defused, headings are demoted
    below the export's own headings, and an unclosed code fence or HTML comment is closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markdown_it import MarkdownIt
from markdown_it.token import Token

from annotations.markdown_escape import escape_line


def quote_lines(quote: str) -> list[str]:
    """Return the Markdown lines (without the ``> `` prefix) of the blockquote for ``quote``."""
    body = quote.rstrip("\n")
    trailing_newlines = len(quote) - len(body)
    if not body:
        return ["&#10;" * trailing_newlines]
    source = body.split("\n")
    out: list[str] = []
    pending_empty = 0
    seen_content = False
    for line in source:
        if line == "":
            pending_empty += 1
            continue
        if pending_empty:
            if seen_content:
                out[-1] = out[-1].removesuffix("  ")
                out.append("")  # a paragraph break: one empty line
                out.extend(["\\"] * (pending_empty - 1))
            else:
                out.extend(["\\"] * pending_empty)
            pending_empty = 0
        out.append(escape_line(line) + "  ")
        seen_content = True
    out[-1] = out[-1].removesuffix("  ") + "&#10;" * trailing_newlines
    return out


def quote_block(quote: str) -> str:
    """Return ``quote`` as a Markdown blockquote (no trailing newline) that renders literally."""
    return "\n".join(f"> {line}" if line else ">" for line in quote_lines(quote))


def blockquote_text(tokens: Iterable[Token]) -> list[str]:
    """Return the text of each top-level blockquote in a ``markdown-it`` token stream.

    Paragraphs are joined with ``"\\n\\n"``; soft and hard breaks count as ``"\\n"``. Any
    other block or inline construct inside a blockquote is rendered as ``"\\x00<type>"`` so that
    a comparison with the plain quote fails.
    """
    texts: list[str] = []
    depth = 0
    paragraphs: list[str] = []
    current: list[str] = []
    for token in tokens:
        if token.type == "blockquote_open":
            depth += 1
            if depth == 1:
                paragraphs = []
            else:
                paragraphs.append("\x00blockquote")
            continue
        if token.type == "blockquote_close":
            depth -= 1
            if depth == 0:
                texts.append("\n\n".join(paragraphs))
            continue
        if depth == 0:
            continue
        if token.type == "paragraph_open":
            current = []
        elif token.type == "paragraph_close":
            paragraphs.append("".join(current))
        elif token.type == "inline":
            for child in token.children or ():
                if child.type == "text":
                    current.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    current.append("\n")
                else:
                    current.append(f"\x00{child.type}")
        else:
            paragraphs.append(f"\x00{token.type}")
    return texts


# --- notes -------------------------------------------------------------------------------------

_MARKER_IN_NOTE = re.compile(r"<!--(\s*)postil(\s*):", re.IGNORECASE)
_BLOCK_ID_IN_NOTE = re.compile(r"\^postil-", re.IGNORECASE)
_CONTAINER_PREFIX = re.compile(r"^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+[ \t>]*)*$")
_SENTINEL = "postil-sentinel-3b9c1f"
#: Note headings are demoted by this many levels, so they nest below the export's ``##``.
HEADING_DEMOTION = 2

_PARSER = MarkdownIt("commonmark")


def neutralise_note(note: str) -> str:
    """Return the user's Markdown ``note`` made safe to embed in an export.

    Kept as written except: ``<!-- postil:`` markers become ``<!-- postil-note:`` (so a note
    cannot end postil's region), ``^postil-`` block ids are escaped, headings are demoted by
    :data:`HEADING_DEMOTION` levels (``# A`` becomes ``### A``; setext headings become ATX),
    and a code fence or HTML block left open at the end is closed.
    """
    text = note.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not text.strip():
        return ""
    text = _MARKER_IN_NOTE.sub(r"<!--\1postil-note\2:", text)
    text = _BLOCK_ID_IN_NOTE.sub(r"\\^postil-", text)
    text = _demote_headings(text)
    return _close_open_blocks(text)


def _demote_headings(text: str) -> str:
    lines = text.split("\n")
    drop: set[int] = set()
    for token in _PARSER.parse(text):
        if token.type != "heading_open" or token.map is None:
            continue
        level = int(token.tag[1])
        new_level = min(6, level + HEADING_DEMOTION)
        first, end = token.map
        if token.markup.startswith("#"):
            line = lines[first]
            at = _heading_start(line, "#")
            if at is not None:
                lines[first] = line[:at] + "#" * (new_level - level) + line[at:]
        else:  # setext: put an ATX marker on the first line, drop the underline
            line = lines[first]
            at = _content_start(line)
            lines[first] = line[:at] + "#" * new_level + " " + line[at:].lstrip()
            drop.add(end - 1)
    return "\n".join(line for index, line in enumerate(lines) if index not in drop)


def _heading_start(line: str, mark: str) -> int | None:
    at = line.find(mark)
    while at != -1:
        if _CONTAINER_PREFIX.match(line[:at]):
            return at
        at = line.find(mark, at + 1)
    return None


def _content_start(line: str) -> int:
    match = re.match(r"^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+[ \t>]*)*", line)
    return match.end() if match else 0


def _isolated(text: str) -> bool:
    tokens = _PARSER.parse(f"{text}\n\n{_SENTINEL}\n")
    tail = tokens[-3:]
    return (
        len(tail) == 3
        and tail[0].type == "paragraph_open"
        and tail[0].level == 0
        and tail[1].content == _SENTINEL
    )


_HTML_BLOCK_ENDS = (
    (re.compile(r"^ {0,3}<!--"), "-->"),
    (re.compile(r"^ {0,3}<\?"), "?>"),
    (re.compile(r"^ {0,3}<!\[CDATA\["), "]]>"),
    (re.compile(r"^ {0,3}<![A-Za-z]"), ">"),
    (re.compile(r"^ {0,3}<pre", re.IGNORECASE), "</pre>"),
    (re.compile(r"^ {0,3}<script", re.IGNORECASE), "</script>"),
    (re.compile(r"^ {0,3}<style", re.IGNORECASE), "</style>"),
    (re.compile(r"^ {0,3}<textarea", re.IGNORECASE), "</textarea>"),
)


def _close_open_blocks(text: str) -> str:
    if _isolated(text):
        return text
    tokens = _PARSER.parse(f"{text}\n\n{_SENTINEL}\n")
    last = next(
        (t for t in reversed(tokens) if t.level == 0 and t.type in ("fence", "html_block")), None
    )
    repaired = text
    if last is not None and last.type == "fence":
        fence = last.markup[0] * max(3, len(last.markup))
        repaired = f"{text}\n{fence}"
    elif last is not None:
        for pattern, end in _HTML_BLOCK_ENDS:
            if pattern.match(last.content):
                repaired = f"{text}\n{end}"
                break
    if _isolated(repaired):
        return repaired
    # Last resort: show the note's source literally in a fence longer than any inside it.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}markdown\n{text}\n{fence}"
