"""Recognise site chrome in scraped plain text: widget labels that sit between paragraphs.

Chrome lines are kept in the text (nothing is removed from the file) but shown dimmed and
collapsed, and left out of word counts and search results.
"""

from __future__ import annotations

import re

_LABELS = re.compile(
    r"""^(?:
        most\ (?:popular|read|viewed|shared)
      | related(?:\ (?:articles|stories|posts|content|coverage))?
      | (?:read|see)\ (?:more|also|next)
      | recommended(?:\ for\ you)?
      | trending(?:\ now)?
      | advertisement | sponsored(?:\ content)?
      | share(?:\ this)?(?:\ (?:article|story))? | subscribe(?:\ now)? | sign\ up | log\ ?in
      | (?:show|hide|view|load)\ (?:\d+\ )?comments?
      | comments? | leave\ a\ (?:comment|reply)
      | follow\ us | newsletter | skip\ to\ content | back\ to\ top | continue\ reading
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Words glued to icon names or shouting labels: "message circleSHOW COMMENT (1)chevron".
_GLUED_ICON = re.compile(r"[a-z][A-Z]{2,}|\b[A-Z]{2,}\b.*\(\d+\)|\(\d+\)[a-z]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")


def is_chrome_line(text: str) -> bool:
    """Tell whether a short block is site chrome rather than prose, a heading or a quote."""
    line = text.strip()
    if not line or "\n" in line or len(line) > 60 or _SENTENCE_END.search(line):
        return False
    if line[0] in "\"'“‘":
        return False
    if _LABELS.match(line):
        return True
    return bool(_GLUED_ICON.search(line))
