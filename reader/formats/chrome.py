"""Recognise site chrome in scraped text: widget labels that sit between paragraphs.

Text copied from a web page keeps the page's furniture: "Most Popular", "Related Articles:",
"Share this article", "Advertisement", comment counters glued to icon names ("message
circleSHOW COMMENT (1)chevron"). Such lines are kept in the text (nothing is removed from the
file) but shown dimmed and collapsed, and left out of word counts and search results.

A line is chrome only when it is short, reads as no sentence (no closing punctuation, no
quotation marks) and is either a known widget label, a row of such labels ("Share | Tweet |
Email"), a counter ("12 comments", "5 min read") or words glued to icon names. Headings ("The
Road Ahead", "Related Work in Robotics") and one-line quotes are therefore never chrome: an
unknown short line is always left as prose.

In a very long document (a book, a huge page read as text) only the first
:data:`CHROME_SCAN_HEAD` and the last :data:`CHROME_SCAN_TAIL` candidate blocks are looked at
(:func:`chrome_candidates`): an article's chrome sits around its text (above the headline, at the
end: comments, "Related Articles"), and checking every line of a 100,000-paragraph page took half a
second. Ordinary articles, with fewer candidates than both together, are checked whole.
"""

from __future__ import annotations

import re

__all__ = ["is_chrome_line", "chrome_candidates", "MAX_CHROME_LENGTH", "CHROME_SCAN_HEAD",
           "CHROME_SCAN_TAIL"]

#: Lines longer than this (characters) are never chrome.
MAX_CHROME_LENGTH = 80
#: Candidate blocks looked at from the start of a document, and from its end.
CHROME_SCAN_HEAD = 5_000
CHROME_SCAN_TAIL = 500

# Labels that are chrome even alone on a line.
_STRONG = r"""(?:
    most\ (?:popular|read|viewed|shared|commented|emailed)(?:\ (?:articles|stories|now|today))?
  | related(?:\ (?:articles?|stories|story|posts?|content|coverage|reading|links|topics|news))?
  | (?:read|see)\ (?:more|also|next)(?:\ (?:articles|stories|news))?
  | more\ (?:stories|articles|news|from\ (?:us|this\ author))
  | you\ (?:may|might)\ also\ (?:like|enjoy)
  | recommended(?:\ (?:for\ you|stories|articles|reading))?
  | trending(?:\ (?:now|today|stories|articles|posts))? | popular\ (?:now|today|stories|posts)
  | (?:top|latest)\ (?:stories|news|articles) | editor'?s?'?\ picks
  | advertisement | sponsored(?:\ (?:content|links|stories))?
  | story\ continues\ below(?:\ advertisement)? | (?:article\ )?continues\ below
  | (?:advertisement\ -\ )?continue\ reading(?:\ below|\ the\ main\ story)?
  | skip\ (?:advertisement|ad|to\ (?:main\ )?content|navigation)
  | share(?:\ (?:this|it|now|via|on\ \w+))?(?:\ (?:article|story|post|page))?
  | subscribe(?:\ (?:now|today|here))? | sign\ (?:up|in)(?:\ (?:now|today|here|free))?
  | log\ ?(?:in|out) | join\ now
  | (?:our\ )?newsletters? | get\ (?:our|the)\ newsletter | follow\ us(?:\ on\ \w+)?
  | (?:show|hide|view|load|read|see|add|post)\ (?:all\ |more\ |\d+\ )?comments?
  | comments?(?:\ \(\d+\))? | \d+\ (?:comments?|replies|shares|likes|responses)
  | leave\ a\ (?:comment|reply) | join\ the\ (?:conversation|discussion)
  | back\ to\ top | scroll\ to\ top | \d+\ min(?:ute)?s?\ read
  | listen\ to\ (?:this\ )?(?:article|story) | copy\ link | link\ copied
  | loading(?:\.\.\.|…)? | click\ to\ (?:expand|enlarge|share)
  | (?:opens|open)\ in\ (?:a\ )?new\ (?:window|tab)
)"""
# Labels that are chrome only in a row with other labels ("Facebook Twitter Email").
_WEAK = r"""(?:
    tweet(?:\ this)? | pin(?:\ it)? | email(?:\ this)? | print(?:\ this)?
  | facebook | twitter | x | linkedin | whatsapp | reddit | pinterest | telegram | flipboard
  | mastodon | threads | bluesky | messenger | sms
  | save(?:\ (?:article|for\ later|story))? | bookmark | donate | register
  | home | search | menu | close | next | previous | prev | listen | ad | promoted
)"""
_LABEL = rf"(?:{_STRONG}|{_WEAK})"
_SEPARATOR = r"(?:\s*[|·•/,]\s*|\s+)"
_STRONG_LINE = re.compile(rf"^{_STRONG}\W*$", re.IGNORECASE | re.VERBOSE)
_LABEL_ROW = re.compile(
    rf"^{_LABEL}(?:{_SEPARATOR}{_LABEL})+\W*$", re.IGNORECASE | re.VERBOSE
)
# "Tags: politics, China", "Filed under: World" — a label then a short list.
_LABEL_LIST = re.compile(r"^(?:tags|topics|filed under|categories)\s*:\s*[^.!?]{0,60}$", re.I)
# Words glued to icon names or shouting labels: "message circleSHOW COMMENT (1)chevron" (three
# lower-case letters before three capitals, or after a counter, are enough to tell: searched
# without open-ended repeats, which made this the slowest test of a line).
_GLUED_ICON = re.compile(r"[a-z]{3}[A-Z]{3}")
_GLUED_COUNTER = re.compile(
    r"\b(?:COMMENTS?|SHARES?|REPLIES|LIKES|VIEWS)\b\s*\(\d+\)|\(\d+\)[a-z]{3}"
)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_QUOTE_MARKS = "\"'“‘«„”"


def is_chrome_line(text: str) -> bool:
    """Tell whether a short block is site chrome rather than prose, a heading or a quote."""
    line = text.strip()
    if not line or "\n" in line or len(line) > MAX_CHROME_LENGTH:
        return False
    if _SENTENCE_END.search(line) and not line.endswith(("...", "…")):
        return False
    if line[0] in _QUOTE_MARKS or line[-1] in _QUOTE_MARKS:
        return False
    if _STRONG_LINE.match(line) or _LABEL_ROW.match(line) or _LABEL_LIST.match(line):
        return True
    if line.lower() != line and _GLUED_ICON.search(line):  # capitals needed
        return True
    return "(" in line and _GLUED_COUNTER.search(line) is not None


def chrome_candidates(indices: list[int]) -> list[int]:
    """The candidate blocks (their indices, in order) that chrome is looked for in: all of them,
    or in a very long document its first :data:`CHROME_SCAN_HEAD` and last
    :data:`CHROME_SCAN_TAIL`."""
    if len(indices) <= CHROME_SCAN_HEAD + CHROME_SCAN_TAIL:
        return indices
    return indices[:CHROME_SCAN_HEAD] + indices[-CHROME_SCAN_TAIL:]
