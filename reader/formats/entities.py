"""HTML character references in metadata: ``&#163;1.8m fine`` is shown as ``£1.8m fine``."""

from __future__ import annotations

import html
import re

_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_entities(text: str) -> str:
    """Decode HTML character references (``&#163;`` -> ``£``, ``&amp;`` -> ``&``).

    Scraped titles are often escaped twice (``&amp;#163;``), so decoding repeats while it still
    finds a reference (at most three rounds). Text without references is returned unchanged.
    """
    for _ in range(3):
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text
