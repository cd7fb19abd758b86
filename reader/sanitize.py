"""Make untrusted text safe to show in a terminal.

Article text, file names, notes, tags and database contents are data. Before any of it reaches
the screen, :func:`clean_text` removes everything a terminal could interpret: ESC-introduced
sequences (CSI, OSC, DCS, SOS, PM, APC and two-character escapes), C0 controls except newline and
tab, DEL, C1 controls, and bidi override/isolate characters (which can reorder what is shown).

Offsets: articles are cleaned *once, at load time*, and the cleaned text is the canonical text,
so every stored offset (highlights, search hits, reading positions) already refers to the text
as displayed. Nothing is cleaned again between the canonical text and the screen.
"""

from __future__ import annotations

import re

# ESC [ ... final byte (CSI), ESC ] ... BEL/ST (OSC), ESC P/X/^/_ ... ST (DCS, SOS, PM, APC),
# then any other two-character escape. An unterminated string sequence runs to the end of text.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?              # CSI
    | \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC, ended by BEL or ST
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?         # DCS / SOS / PM / APC
    | \x9b[0-?]*[ -/]*[@-~]?              # 8-bit CSI
    | [\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # 8-bit string controls
    | \x1b[ -/]*[0-~]?                    # other ESC sequences (ESC c, ESC ( B, ...)
    """,
    re.VERBOSE,
)
# C0 controls but \t and \n, DEL, C1 controls, bidi embedding/override/isolate marks.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANY_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Return ``text`` without escape sequences and control characters (newline/tab kept).

    Carriage returns should be normalised to newlines before calling this (see
    :func:`normalize_newlines`); a stray ``\\r`` left here is removed.
    """
    if not _ANY_UNSAFE.search(text):
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def clean_line(text: str) -> str:
    """Clean ``text`` for a single-line display (titles, file names, tags): no newlines or tabs."""
    return " ".join(clean_text(text).split())


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR line endings into ``\\n``."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_clean(text: str) -> bool:
    """Tell whether ``text`` holds nothing a terminal would interpret (newline and tab allowed)."""
    return _ANY_UNSAFE.search(text) is None
