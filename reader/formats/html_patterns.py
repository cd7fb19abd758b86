"""The visible text of an HTML page without any parser: the last resort.

Used where a parser cannot be trusted with the page (libxml2 gives up on pages nested thousands
of levels deep, see :mod:`reader.formats.html_nesting`) and to count a page's words
independently of the extraction (:mod:`reader.formats.html`).
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
_RAW_ELEMENT = re.compile(
    r"<(script|style|noscript|template|svg|head|textarea)\b.*?(?:</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|section|article|h[1-6]|li|ul|ol|blockquote|pre|table|tr|br|hr)\b[^>]*>", re.I
)


def visible_text_by_patterns(text: str) -> list[str]:
    """Visible text without a parser (last resort): drop raw elements, comments and tags."""
    import html as html_entities

    text = re.sub(r"<!--.*?(?:-->|\Z)", " ", text, flags=re.DOTALL)
    text = _RAW_ELEMENT.sub(" ", text)
    text = _BLOCK_TAG.sub("\n\n", text)
    text = html_entities.unescape(re.sub(r"<[^>]*>", " ", text))
    paragraphs = (_SPACE.sub(" ", chunk).strip() for chunk in re.split(r"\n\s*\n", text))
    return [paragraph for paragraph in paragraphs if paragraph]
