"""Text normalisation shared by indexing and scoring.

Two forms of text are used:

* **tokens**: lowercase word tokens (``\\w+`` runs), what the inverted index stores;
* **folded text**: the text lowercased with every non-word character turned into a space,
  *of exactly the same length* as the original, so offsets found in it are offsets in the
  original text (rapidfuzz alignments, phrase matches).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[^\W_]+")
_NON_WORD = re.compile(r"[\W_]")
_SPACES = re.compile(r"\s+")

#: Tokens longer than this are not indexed (base64 blobs, minified code): they cannot be typed.
MAX_TOKEN_CHARS = 40


def tokens(text: str) -> list[str]:
    """Return the lowercase word tokens of ``text`` (overlong tokens dropped)."""
    return [token for token in _TOKEN.findall(text.lower()) if len(token) <= MAX_TOKEN_CHARS]


def token_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` offsets of the word tokens of ``text[start:end]``."""
    stop = len(text) if end is None else end
    return [match.span() for match in _TOKEN.finditer(text, start, stop)]


_ASCII_BLANKS = str.maketrans(
    {chr(code): " " for code in range(128) if not chr(code).isalnum()}
)


def fold(text: str) -> str:
    """Lowercase ``text`` and blank out non-word characters, keeping its length exactly."""
    if text.isascii():
        return text.lower().translate(_ASCII_BLANKS)
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few characters lowercase to two ("İ" -> "i̇"); keep the first to keep offsets.
        lowered = "".join(char.lower()[0] for char in text)
    return _NON_WORD.sub(" ", lowered)


def fold_query(text: str) -> str:
    """Fold a query and collapse its whitespace (its offsets are not needed)."""
    return _SPACES.sub(" ", fold(text)).strip()
