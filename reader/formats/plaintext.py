"""Plain-text articles: paragraphs separated by blank lines, as saved or scraped from a page.

Hard-wrapped paragraphs (e-texts wrapped at ~70 columns) are reflowed into one line of prose;
other multi-line paragraphs keep their line breaks (verse, addresses, lists). The first blocks
are checked for an article header — title, dek (standfirst) and byline — and short non-prose
lines between body paragraphs are marked as site chrome (see :mod:`reader.formats.chrome`).

A plain-text file may start with a YAML front-matter block (``postil add`` writes one for a
``text/plain`` page from the web: its source URL and when it was fetched); a block that parses
into fields gives the metadata and is not part of the text. Anything else stays text.
"""

from __future__ import annotations

import re

from reader.document import BlockKind, DocumentBuilder
from reader.formats.chrome import chrome_candidates, is_chrome_line
from reader.formats.entities import decode_entities
from reader.formats.parsed import ParsedArticle

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_NAME_PARTICLES = frozenset(
    {"and", "de", "da", "del", "della", "der", "di", "du", "la", "le", "van", "von", "bin", "ibn"}
)
_BY_PREFIX = re.compile(r"^(?:by|written by|words by)\s+", re.IGNORECASE)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty"
    r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final"
)
_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_HEADING_TAIL = r"(?:\s*[:.\-—–]\s*\S.{0,80})?"
#: "CHAPTER I", "Chapter 1.", "BOOK ONE: 1805", "Part the Second", "[ 1 ]", "XIV.", "Prologue".
_SECTION_HEADING = re.compile(
    rf"""^(?:
        (?:chapter|book|part|volume|vol\.|section|act|scene|canto|letter|stave|fit)
            \s+(?:the\s+)?(?:{_ROMAN}|\d+|{_NUMBER_WORDS})(?:[-\s]+(?:{_NUMBER_WORDS}))?\b
            \.?{_HEADING_TAIL}
      | [\[(]\s*(?:\d+|{_ROMAN})\s*[\])]
      | \d{{1,3}}\.?
      | (?:prologue|epilogue|preface|foreword|introduction|afterword|appendix|contents)
            {_HEADING_TAIL}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
#: A roman numeral alone on a line ("XIV."), in capitals ("Mix" is a word).
_BARE_ROMAN = re.compile(rf"^{_ROMAN.upper()}\.?$")
#: Words that make a short line a place or venue ("Old Trafford Stadium"), not a person.
_PLACE_WORDS = frozenset(
    {
        "stadium", "stadion", "stadio", "estadio", "arena", "ground", "grounds", "oval",
        "velodrome", "racecourse", "racetrack", "speedway", "circuit", "road", "street",
        "avenue", "square", "centre", "center", "gardens", "city", "county", "island",
        "islands", "valley", "airport", "station", "cathedral", "university", "college",
        "hospital", "castle", "palace", "theatre", "theater", "museum", "harbour", "harbor",
        "province", "district", "republic", "kingdom",
    }
)  # fmt: skip
#: Well-known venues whose names have no place word.
_VENUES = frozenset(
    {
        "anfield", "old trafford", "wembley", "twickenham", "murrayfield", "hampden",
        "stamford bridge", "goodison", "ibrox", "celtic park", "white hart lane", "lord's",
        "the oval", "headingley", "edgbaston", "old trafford cricket ground", "wimbledon",
        "camp nou", "bernabeu", "bernabéu", "san siro", "emirates", "etihad", "st james' park",
        "craven cottage", "elland road", "villa park", "molineux", "selhurst park",
        "the hawthorns", "turf moor", "carrow road", "portman road", "the valley",
    }
)  # fmt: skip
_HEADER_SCAN = 4
#: At most this many chrome lines before the title are recognised as such.
_LEADING_CHROME = 5


def parse(text: str) -> ParsedArticle:
    """Parse cleaned, newline-normalised plain text into a document with header blocks."""
    from reader.formats.frontmatter import split_front_matter

    front, body = split_front_matter(text)
    if front is None or front.error or not front.raw:
        return _parse_text(text)
    parsed = _parse_text(body)
    parsed.title = front.title or parsed.title
    parsed.author = front.author or parsed.author
    parsed.dek = front.dek or parsed.dek
    parsed.date = front.date or None
    parsed.url = front.url or None
    parsed.tags = front.tags
    return parsed


def _parse_text(text: str) -> ParsedArticle:
    """Parse plain text (without front matter)."""
    paragraphs = [p for p in (_tidy(p) for p in _BLANK_LINE.split(text)) if p]
    # Page furniture above the headline ("Skip to content", "Advertisement") is chrome, so
    # that the header scan starts at the real title.
    leading = 0
    while (
        leading < min(len(paragraphs) - 1, _LEADING_CHROME)
        and "\n" not in paragraphs[leading]
        and is_chrome_line(paragraphs[leading])
    ):
        leading += 1
    chrome_head, paragraphs = paragraphs[:leading], paragraphs[leading:]
    header_lines: list[str] = []
    body: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if index == 0 and is_section_heading(paragraph):
            body = paragraphs  # a book that opens with "BOOK ONE: 1805" has no header
            break
        if index < 2 and not _is_hard_wrapped(paragraph):
            header_lines.extend(paragraph.split("\n"))
        else:
            body = paragraphs[index:]
            break
    kinds = _classify_header(header_lines)
    if kinds and kinds[-1] is BlockKind.PARAGRAPH and len(header_lines) > 1:
        # The header scan stopped at prose: everything from there on is body.
        first_body = kinds.index(BlockKind.PARAGRAPH)
        body = ["\n".join(header_lines[first_body:])] + body if first_body else body
        header_lines, kinds = header_lines[:first_body], kinds[:first_body]
    elif kinds and BlockKind.PARAGRAPH in kinds:
        first_body = kinds.index(BlockKind.PARAGRAPH)
        body = header_lines[first_body:] + body
        header_lines, kinds = header_lines[:first_body], kinds[:first_body]

    builder = DocumentBuilder()
    for line in chrome_head:
        builder.add(BlockKind.CHROME, line)
    title = author = dek = None
    for line, kind in zip(header_lines, kinds, strict=True):
        line = decode_entities(line)  # scraped headlines keep "&#163;"
        if kind is BlockKind.BYLINE:
            author = _BY_PREFIX.sub("", line).strip()
        elif kind is BlockKind.TITLE:
            title = line
        elif kind is BlockKind.DEK:
            dek = line if dek is None else f"{dek} {line}"
        builder.add(kind, line)
    # A lone paragraph is the article, never chrome.
    scanned = set(chrome_candidates(list(range(len(body))))) if len(body) > 1 else set()
    for index, paragraph in enumerate(body):
        joined = _reflow(paragraph)
        if is_section_heading(joined):
            builder.add(BlockKind.HEADING, joined, level=2)
            continue
        kind = BlockKind.PARAGRAPH
        if index in scanned and is_chrome_line(joined):
            kind = BlockKind.CHROME
        builder.add(kind, joined)
    return ParsedArticle(builder.build(), title=title, author=author, dek=dek)


def _tidy(paragraph: str) -> str:
    if "\n" not in paragraph.strip("\n") and "\t" not in paragraph:
        return paragraph.strip().strip("\u00a0")
    lines = [line.rstrip().replace("\t", "    ") for line in paragraph.strip("\n").split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines).strip(" \u00a0") if lines else ""


def _is_hard_wrapped(paragraph: str) -> bool:
    lines = paragraph.split("\n")
    if len(lines) < 2:
        return False
    widest = max(len(line) for line in lines)
    return widest <= 100 and all(len(line) >= widest * 0.5 for line in lines[:-1])


def _reflow(paragraph: str) -> str:
    if "\n" not in paragraph:
        return paragraph.strip()
    if _is_hard_wrapped(paragraph):
        return " ".join(line.strip() for line in paragraph.split("\n"))
    return "\n".join(line.rstrip() for line in paragraph.split("\n"))


def _classify_header(lines: list[str]) -> list[BlockKind]:
    """Give each header line a kind: title first, then dek lines up to a byline."""
    kinds: list[BlockKind] = []
    byline_at = None
    for index, line in enumerate(lines[:_HEADER_SCAN]):
        if index > 0 and looks_like_byline(line):
            byline_at = index
            break
    for index, line in enumerate(lines):
        if index == 0 and _looks_like_title(line):
            kinds.append(BlockKind.TITLE)
        elif byline_at is not None and index < byline_at and kinds:
            kinds.append(BlockKind.DEK)
        elif index == byline_at:
            kinds.append(BlockKind.BYLINE)
        else:
            kinds.append(BlockKind.PARAGRAPH)
    return kinds


def _looks_like_title(line: str) -> bool:
    return 0 < len(line) <= 200 and line.count(". ") < 2 and not is_section_heading(line)


def is_section_heading(line: str) -> bool:
    """Tell whether ``line`` is a book's section heading ("CHAPTER I", "BOOK ONE: 1805", "[ 1 ]").

    Such a line opens a chapter; it is never the title or the author of the work.
    """
    line = line.strip()
    if not 0 < len(line) <= 100 or "\n" in line:
        return False
    return bool(_SECTION_HEADING.match(line) or _BARE_ROMAN.match(line))


def looks_like_place(line: str) -> bool:
    """Tell whether a short line names a place or venue ("Wembley Stadium", "Anfield")."""
    name = line.strip().rstrip(".,;:").lower()
    if name in _VENUES:
        return True
    words = re.findall(r"[^\W\d_]+", name)
    return any(word in _PLACE_WORDS for word in words)


def looks_like_byline(line: str) -> bool:
    """Tell whether ``line`` reads like an author credit ("By Jane Doe", "Susan Fourtané")."""
    name = _BY_PREFIX.sub("", line.strip())
    if not name or len(name) > 60 or any(ch.isdigit() for ch in name):
        return False
    if is_section_heading(name):
        return False
    if looks_like_place(name) and not _BY_PREFIX.match(line.strip()):
        return False  # "Wembley Stadium"; but "By Sarah Hall" is a credit
    if name[-1] in ".!?:;":
        return False
    words = [w for w in re.split(r"[\s,&]+", name) if w]
    if not 2 <= len(words) <= 8:
        return False
    capitalised = 0
    for word in words:
        if word.lower() in _NAME_PARTICLES:
            continue
        if not (word[0].isupper() and any(ch.isalpha() for ch in word)):
            return False
        capitalised += 1
    return capitalised >= 2
