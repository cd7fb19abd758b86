"""The one Markdown escaper: text that renders as exactly itself.

Every character with a Markdown meaning (CommonMark, plus the Obsidian/GFM extras ``==``, ``~~``,
``%%``, ``$``, ``#tag``, ``^block-id``, ``|``) is backslash-escaped; ``&`` only where it would
start an entity, ``<`` only where it would open a tag; at the start of a line also what would
start a block (``-``, ``+``, ``>``, ``=``, an ordered-list number's delimiter).

Used by the exports (:mod:`annotations.export.escape`: quotes, titles, paths) and by the HTML
reader (:mod:`reader.formats.html_markdown`: the text of a web page converted to Markdown).
It is a leaf module: it imports nothing of postil's.
"""

from __future__ import annotations

import re

__all__ = ["escape_run", "escape_inline", "escape_line", "escape_text", "escape_line_starts",
           "char_ref"]

# Characters escaped wherever they appear (inline syntax in CommonMark, GFM or Obsidian); "="
# and "%" when doubled (Obsidian ``==highlight==`` and ``%%comment%%``); "&" that would start an
# entity; "<" that could open an HTML tag, comment, processing instruction or autolink; and a
# carriage return (as a character reference).
# (The lookahead on the first characters lets the regex engine skip ordinary text quickly.)
_FIRST = r"[\\`*_\[\]#|~$^\r=%&<]"
_SPECIAL = re.compile(
    rf"(?={_FIRST})(?:[\\`*_\[\]#|~$^\r]|={{2,}}|%{{2,}}|&(?=#?[A-Za-z0-9]+;)|<(?=[A-Za-z/!?]))"
)
#: A character that may start something :data:`_SPECIAL` escapes (none: nothing to escape).
_MAYBE_SPECIAL = re.compile(_FIRST)
#: Characters escaped at the start of a line (block syntax: lists, quotes, setext lines).
_LINE_START = frozenset("-+>=")
_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")
_LINE_STARTS = re.compile(r"^([ \t]*)(?:([-+>=])|(\d{1,9})([.)])(?=[ \t]|$))", re.MULTILINE)


def char_ref(char: str) -> str:
    """``char`` as a numeric character reference (``&#32;``)."""
    return f"&#{ord(char)};"


def _escaped(match: re.Match[str]) -> str:
    found = match.group()
    if found == "\r":
        return char_ref(found)
    return "".join("\\" + char for char in found)


def _escape_special(text: str) -> str:
    """``text`` with every :data:`_SPECIAL` match escaped (text without any left as it is)."""
    first = _MAYBE_SPECIAL.search(text)
    if first is None:
        return text
    start = first.start()
    return text[:start] + _SPECIAL.sub(_escaped, text[start:]) if start else _SPECIAL.sub(
        _escaped, text
    )


def escape_run(text: str, *, line_start: bool) -> str:
    """Escape one line's text (no newlines) so it renders literally inside a paragraph.

    With ``line_start`` the text begins a line, so block syntax at its start is escaped too.
    """
    escaped = _escape_special(text)
    if line_start:
        if text[:1] in _LINE_START and not escaped.startswith("\\"):
            escaped = "\\" + escaped
        escaped = _ORDERED_MARKER.sub(r"\1\\\2", escaped, count=1)
    return escaped


def escape_inline(text: str) -> str:
    """Escape single-line text (a title, an author, a path) for use inside Markdown prose.

    Newlines and runs of whitespace become single spaces; the result renders as ``text``.
    """
    return escape_line(" ".join(text.split()))


def escape_line(line: str) -> str:
    """Escape one line of a quote: syntax escaped, edge whitespace as character references."""
    stripped = line.lstrip()
    lead = line[: len(line) - len(stripped)]
    core = stripped.rstrip()
    trail = stripped[len(core) :]
    if not core:
        return "".join(char_ref(char) for char in line)
    return (
        "".join(char_ref(char) for char in lead)
        + escape_run(core, line_start=not lead)
        + "".join(char_ref(char) for char in trail)
    )


def escape_text(text: str) -> str:
    """Escape a piece of running text (an HTML text node): runs of whitespace become one space,
    kept at the edges so neighbouring pieces stay apart; block syntax is not escaped (the piece
    need not start a line: see :func:`escape_line_starts`)."""
    return _escape_special(_collapse_whitespace(text))


def _collapse_whitespace(text: str) -> str:
    """Each run of whitespace one space, also at the edges (as ``re.sub(r"\\s+", " ")``: the
    same whitespace, without a substitution between every two words)."""
    core = " ".join(text.split())
    if not core:
        return " " if text else ""
    lead = " " if text[0].isspace() else ""
    return lead + core + " " if text[-1].isspace() else lead + core


def escape_line_starts(text: str) -> str:
    """Escape the block syntax at the start of each line of already escaped ``text``."""
    return _LINE_STARTS.sub(_escaped_line_start, text)


def _escaped_line_start(match: re.Match[str]) -> str:
    indent, marker, number, delimiter = match.groups()
    if marker is not None:
        return f"{indent}\\{marker}"
    return f"{indent}{number}\\{delimiter}"
