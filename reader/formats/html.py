"""HTML articles: the main text and metadata of a saved web page, shown like Markdown.

trafilatura finds the article in the page (navigation, ads, sidebars and comments are dropped)
and reads its metadata (title, author, canonical URL, description, tags); the date is the
publication date the page declares (:mod:`reader.formats.dates`), never a guess. The article's
structure — headings, paragraphs, emphasis, links, lists, quotes, code, tables, images — is
converted to Markdown by :func:`article_markdown` (text escaped, so nothing in the page is ever
interpreted as markup), and that Markdown is read by :mod:`reader.formats.markdown`. ``postil
add page.html`` stores exactly this Markdown, with front matter, so the library copy reads the
same as the page did.

When trafilatura finds no main text the whole visible text of the page is used instead and
:attr:`ParsedArticle.notice` says so. Scripts, styles and comments are never shown.

Very large pages (an HTML book: more than :data:`LARGE_PAGE_BLOCKS` paragraphs) skip
trafilatura, whose main-text search grows quadratically, for a structural extraction: the
``<article>`` / ``<main>`` element without navigation, asides, forms, share bars and comments,
with metadata from the page's ``<meta>`` tags.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from reader.formats.bulk_text import bulk_blocks, split_bulk_paragraphs, with_bulk_text
from reader.formats.dates import published_date
from reader.formats.frontmatter import FrontMatter, parse_tags, render_front_matter
from reader.formats.html_markdown import BLOCK_TAGS, article_markdown, paragraph_markdown
from reader.formats.html_text import (
    DROP_TAGS,
    limit_nesting,
    remove_keep_tail,
    visible_text,
    visible_text_by_patterns,
)
from reader.formats.markdown import parse_markdown_body, plain_paragraphs
from reader.formats.parsed import ParsedArticle
from reader.sanitize import clean_line, clean_text

__all__ = [
    "parse", "ExtractedPage", "ExtractionCheck", "extract_page", "check_extraction",
    "NO_MAIN_TEXT",
]  # fmt: skip

# trafilatura logs warnings about odd markup; without a handler Python would print them.
logging.getLogger("trafilatura").addHandler(logging.NullHandler())
logging.getLogger("htmldate").addHandler(logging.NullHandler())
logging.getLogger("courlan").addHandler(logging.NullHandler())

#: The notice shown when no main text could be found.
NO_MAIN_TEXT = "No main article text found in this page: showing all of its text."
#: Below this many words, an extraction from a much longer page counts as not found.
_MIN_WORDS = 12
#: Pages with more block elements than this use the structural extraction (see
#: :func:`is_large_page`).
LARGE_PAGE_BLOCKS = 1500
#: Pages larger than this (characters) also use the structural extraction, whatever their
#: elements: trafilatura took 20 s on a page of 20,000 nested ``<div>``.
LARGE_PAGE_CHARS = 1_000_000
#: Pages with more tags than this are read as their visible text only (paragraphs, table rows as
#: lines), with :data:`TEXT_ONLY_NOTICE`: converting half a million elements to Markdown and
#: parsing that took tens of seconds.
MAX_FORMATTED_PAGE_TAGS = 100_000
TEXT_ONLY_NOTICE = "This page is very large: it is shown as its text, without formatting."
_BLOCK_START_TAG = re.compile(r"<(?:p|li|h[1-6]|tr|blockquote|pre|dd)[\s>]", re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"\b(?:comments?|sidebar|advert\w*|ads?|share|sharing|social|related|promo\w*|newsletter"
    r"|cookie\w*|banner|breadcrumbs?|menu|navbar|nav|site-footer|subscribe|paywall)\b",
    re.IGNORECASE,
)
# HTML tag → (article tag, rend); tags not listed keep their name and read as inline text.
_HTML_TO_ARTICLE: dict[str, tuple[str, str]] = {
    **{f"h{level}": ("head", f"h{level}") for level in range(1, 7)},
    "p": ("p", ""), "dt": ("p", ""), "dd": ("p", ""), "figcaption": ("p", ""),
    "blockquote": ("quote", ""), "ul": ("list", "ul"), "ol": ("list", "ol"),
    "li": ("item", ""), "pre": ("code", ""), "code": ("code", ""), "kbd": ("code", ""),
    "em": ("hi", "#i"), "i": ("hi", "#i"), "cite": ("hi", "#i"), "dfn": ("hi", "#i"),
    "strong": ("hi", "#b"), "b": ("hi", "#b"), "del": ("del", ""), "s": ("del", ""),
    "strike": ("del", ""), "a": ("ref", ""), "img": ("graphic", ""), "br": ("lb", ""),
    "table": ("table", ""), "tr": ("row", ""), "td": ("cell", ""), "th": ("cell", ""),
    **{name: ("div", "") for name in (
        "div", "section", "article", "main", "header", "figure", "center", "dl",
        "details", "summary", "address", "hgroup", "body",
    )},
}  # fmt: skip
class ExtractedPage:
    """What was read from an HTML page.

    Attributes:
        markdown: The article body as Markdown (no front matter). For a page read as text only
            it is made from :attr:`paragraphs` when first asked for (``postil add`` stores it;
            reading the page does not need it).
        front: The page's metadata.
        notice: :data:`NO_MAIN_TEXT` when the full page text was used, else ``None``.
        site: The site's name (``og:site_name`` and the like), or "".
        paragraphs: For a page read as text only (:data:`TEXT_ONLY_NOTICE`), its paragraphs:
            the document is made from them directly, without parsing ``markdown`` again.
    """

    __slots__ = ("_markdown", "front", "notice", "site", "paragraphs")

    def __init__(
        self,
        markdown: str | None,
        front: FrontMatter,
        notice: str | None = None,
        site: str = "",
        paragraphs: list[str] | None = None,
    ) -> None:
        self._markdown = markdown
        self.front = front
        self.notice = notice
        self.site = site
        self.paragraphs = paragraphs

    @property
    def markdown(self) -> str:
        """The body as Markdown (made from :attr:`paragraphs` the first time, if need be)."""
        if self._markdown is None:
            paragraphs = self.paragraphs or []
            self._markdown = "\n\n".join(paragraph_markdown(p) for p in paragraphs)
        return self._markdown

    @markdown.setter
    def markdown(self, value: str) -> None:
        self._markdown = value

    def to_markdown_file(self) -> str:
        """The Markdown file ``postil add`` stores: front matter, blank line, body."""
        header = render_front_matter(
            {
                "title": self.front.title,
                "author": self.front.author,
                "date": self.front.date,
                "url": self.front.url,
                "description": self.front.dek,
                "tags": self.front.tags,
            }
        )
        body = self.markdown.strip()
        if header:
            return f"{header}\n{body}\n" if body else header
        return f"{body}\n" if body else ""


#: An extraction keeping less than this share of the page's words counts as incomplete
#: (trafilatura drops navigation and comments, rarely more than half of a page).
INCOMPLETE_SHARE = 0.2
#: Pages with fewer words than this are never called incomplete (too little to judge).
_JUDGE_WORDS = 50


@dataclass(frozen=True, slots=True)
class ExtractionCheck:
    """How much of a page's text an extraction kept, measured without any HTML parser.

    Attributes:
        kept_words: Words in the extracted article.
        page_words: Words in all the page's visible text (tags, scripts and styles removed by
            patterns, so a parser's limits cannot hide text from this count).
    """

    kept_words: int
    page_words: int

    @property
    def empty(self) -> bool:
        """Nothing was extracted."""
        return self.kept_words == 0

    @property
    def incomplete(self) -> bool:
        """Much less was extracted than the page holds (see :data:`INCOMPLETE_SHARE`)."""
        return (
            self.page_words >= _JUDGE_WORDS
            and self.kept_words < INCOMPLETE_SHARE * self.page_words
        )

    def describe(self) -> str:
        """One line for the user: what was kept of what the page holds."""
        if self.empty and not self.page_words:
            return "the page holds no text"
        if self.empty:
            return f"no text could be extracted (the page holds about {self.page_words:,} words)"
        return (
            f"only {self.kept_words:,} of about {self.page_words:,} words of the page were "
            "extracted"
        )


def check_extraction(page_html: str, page: ExtractedPage) -> ExtractionCheck:
    """Compare what :func:`extract_page` kept of ``page_html`` with all the text it holds."""
    page_words = sum(len(p.split()) for p in visible_text_by_patterns(clean_text(page_html)))
    return ExtractionCheck(len(page.markdown.split()), page_words)


def parse(text: str) -> ParsedArticle:
    """Parse a cleaned HTML page into a document with the page's metadata."""
    page = extract_page(text)
    if page.paragraphs is not None:
        # Very many paragraphs (650,000 one-letter ones): past the first, blocks of several.
        head, tail = split_bulk_paragraphs(page.paragraphs)
        parsed = plain_paragraphs(head, page.front, notice=page.notice)
        if tail:
            parsed.document = with_bulk_text(parsed.document, bulk_blocks("\n\n".join(tail)))
        return parsed
    return parse_markdown_body(page.markdown, page.front, notice=page.notice)


def extract_page(text: str, base_url: str | None = None) -> ExtractedPage:
    """Find the main text and metadata of the HTML page ``text``.

    ``base_url`` is where the page came from: relative links and images are made absolute
    against it (or against the page's ``<base href>``).
    """
    text = clean_text(text)
    if text.count("<") > MAX_FORMATTED_PAGE_TAGS:
        return _extract_text_only(text)  # by patterns: nesting does not matter
    # A page nested deeper than libxml2 parses would lose all its text: flatten it first.
    text = limit_nesting(text)
    if not text.strip():
        return ExtractedPage("", FrontMatter())
    base = _base_url(text, base_url) if base_url else None
    if is_large_page(text):
        return _extract_large_page(text, base)
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            text,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=True,
            include_formatting=True,
            include_links=True,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError):
        document = None
    front = _front_matter(document)
    # The date the page declares, never trafilatura's guess from the URL or the headline.
    root = _parse_html(text)
    front.date = published_date(root) if root is not None else ""
    body = getattr(document, "body", None) if document is not None else None
    if body is not None and base:
        absolute_links(body, base)
    markdown = article_markdown(body) if body is not None else ""
    if not front.title:
        front.title = _page_title(text)
    site = getattr(document, "sitename", None) if document is not None else None
    return _with_fallback(markdown, front, text, clean_line(site) if isinstance(site, str) else "")


def _with_fallback(markdown: str, front: FrontMatter, page: str, site: str = "") -> ExtractedPage:
    # At least _MIN_WORDS words (counted no further: the article may be megabytes long).
    if len(markdown.split(maxsplit=_MIN_WORDS - 1)) >= _MIN_WORDS:
        # Found, whatever the page holds: no need to read it all again.
        return ExtractedPage(markdown, front, site=site)
    full_text = visible_text(page)
    if _found_main_text(markdown, full_text):
        return ExtractedPage(markdown, front, site=site)
    fallback = "\n\n".join(paragraph_markdown(p) for p in full_text)
    return ExtractedPage(fallback, front, NO_MAIN_TEXT if full_text else None, site)


def _base_url(text: str, url: str) -> str:
    """The URL relative links in the page resolve against: ``<base href>``, else ``url``."""
    from urllib.parse import urljoin

    match = re.search(r"<base\s[^>]*href\s*=\s*[\"']?([^\"'\s>]+)", text[:65536], re.I)
    if match:
        candidate = urljoin(url, match.group(1).strip())
        if candidate.lower().startswith(("http://", "https://")):
            return candidate
    return url


def absolute_links(tree: Any, base: str) -> None:
    """Make the ``ref`` targets and ``graphic`` sources of an article tree absolute."""
    from urllib.parse import urljoin

    for element in tree.iter("ref", "graphic"):
        key = "target" if element.tag == "ref" else "src"
        value = (element.get(key) or "").strip()
        if not value or value.startswith("#") or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", value):
            continue
        try:
            element.set(key, urljoin(base, value))
        except ValueError:
            continue


def is_large_page(text: str) -> bool:
    """Tell whether a page has so many blocks that trafilatura would take too long.

    trafilatura's main-text search grows quadratically with the number of blocks (about 1 s for
    2,000 paragraphs, a minute for 20,000: an HTML book), and with the page's size; such pages
    (more than :data:`LARGE_PAGE_BLOCKS` blocks or :data:`LARGE_PAGE_CHARS` characters) use a
    structural extraction (the ``<article>`` / ``<main>`` element without navigation, asides,
    forms and comments).
    """
    if len(text) > LARGE_PAGE_CHARS:
        return True
    count = 0
    for _match in _BLOCK_START_TAG.finditer(text):
        count += 1
        if count > LARGE_PAGE_BLOCKS:
            return True
    return False


def _extract_large_page(text: str, base: str | None = None) -> ExtractedPage:
    root = _parse_html(text)
    if root is None:
        return _with_fallback("", FrontMatter(), text)
    front = _page_metadata(root)
    site = ""
    for element in root.iter("meta"):
        if (element.get("property") or element.get("name") or "").lower() == "og:site_name":
            site = clean_line(element.get("content") or "")
            break
    container = _main_container(root)
    _prune_boilerplate(container)
    _to_article_tags(container)
    if base:
        absolute_links(container, base)
    return _with_fallback(article_markdown(container), front, text, site)


def _extract_text_only(text: str) -> ExtractedPage:
    """A very large page: its metadata and visible text, without structure or formatting.

    The text is found by patterns (:func:`visible_text_by_patterns`, no element tree: building
    and walking half a million elements was most of the cost); the metadata from the page's
    ``<head>`` alone.
    """
    head_end = text.find("</head>", 0, LARGE_PAGE_CHARS)
    root = _parse_html(text[:head_end] + "</head><body></body></html>") if head_end > 0 else None
    front = _page_metadata(root) if root is not None else FrontMatter()
    front.title = front.title or _page_title(text[:LARGE_PAGE_CHARS])
    paragraphs = visible_text_by_patterns(text, table_cells=True)
    notice = TEXT_ONLY_NOTICE if paragraphs else None
    return ExtractedPage(None, front, notice, paragraphs=paragraphs)  # Markdown when asked


def _parse_html(text: str) -> Any:
    try:
        # huge_tree: no depth limit, so a deeply nested page still shows its text.
        parser = lxml_html.HTMLParser(huge_tree=True)
        return lxml_html.document_fromstring(text, parser=parser)
    except (etree.LxmlError, ValueError):
        return None


def _page_metadata(root: Any) -> FrontMatter:
    """Title, author, date, canonical URL, description and tags from a page's ``<head>``."""
    meta: dict[str, str] = {}
    tags: list[str] = []
    for element in root.iter("meta"):
        key = (element.get("property") or element.get("name") or "").strip().lower()
        content = clean_line(element.get("content") or "")
        if not key or not content:
            continue
        if key in {"article:tag", "keywords", "news_keywords"}:
            tags.extend(content.split(","))
        meta.setdefault(key, content)
    url = ""
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical":
            url = clean_line(link.get("href") or "")
            break
    url = url or meta.get("og:url", "")
    if not url.lower().startswith(("http://", "https://")):
        url = ""
    title_element = root.find(".//title")
    title = meta.get("og:title") or meta.get("twitter:title") or ""
    if not title and title_element is not None:
        title = clean_line(title_element.text_content())
    author = meta.get("author") or meta.get("article:author") or meta.get("dc.creator") or ""
    if "://" in author:
        author = ""
    date = published_date(root)
    dek = meta.get("og:description") or meta.get("description") or ""
    return FrontMatter(
        title=title, author=author, date=date, url=url, dek=dek, tags=parse_tags(tags)
    )


def _main_container(root: Any) -> Any:
    """The element holding the article: the biggest ``<article>``, else ``<main>``, else body."""
    body = root.find(".//body")
    body = body if body is not None else root
    total = len(body.text_content())
    candidates = [*root.iter("article"), *root.iter("main")]
    candidates += root.xpath("//*[@role='main']")
    best = max(candidates, key=lambda e: len(e.text_content()), default=None)
    if best is not None and len(best.text_content()) >= 0.4 * total:
        return best
    return body


def _prune_boilerplate(container: Any) -> None:
    for element in list(container.iter(etree.Comment, etree.ProcessingInstruction)):
        remove_keep_tail(element)
    doomed = [
        element
        for element in container.iter()
        if isinstance(element.tag, str)
        and (
            element.tag.lower() in DROP_TAGS
            or element.tag.lower() in {"nav", "aside", "footer"}
            or _BOILERPLATE.search(f"{element.get('class') or ''} {element.get('id') or ''}")
        )
    ]
    for element in doomed:
        if element is not container and element.getparent() is not None:
            remove_keep_tail(element)


def _to_article_tags(container: Any) -> None:
    """Rename HTML elements to the article vocabulary :func:`article_markdown` reads."""
    for element in container.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        attributes = dict(element.attrib)
        element.attrib.clear()
        renamed = _HTML_TO_ARTICLE.get(tag)
        if renamed is None:
            continue
        name, rend = renamed
        element.tag = name
        if rend:
            element.set("rend", rend)
        if tag == "a" and attributes.get("href"):
            element.set("target", attributes["href"])
        elif tag == "img":
            for key in ("src", "alt", "title"):
                if attributes.get(key):
                    element.set(key, attributes[key])
    if container.tag not in BLOCK_TAGS:
        container.tag = "div"


def _found_main_text(markdown: str, full_text: list[str]) -> bool:
    words = len(markdown.split())
    if words == 0:
        return False
    return words >= _MIN_WORDS or sum(len(p.split()) for p in full_text) < 4 * _MIN_WORDS


def _front_matter(document: Any) -> FrontMatter:
    if document is None:
        return FrontMatter()

    def text(name: str) -> str:
        value = getattr(document, name, None)
        return clean_line(value) if isinstance(value, str) else ""

    url = text("url")
    if url and not url.lower().startswith(("http://", "https://")):
        url = ""
    return FrontMatter(
        title=text("title"),
        author=text("author").replace("; ", ", "),
        date=text("date"),
        url=url,
        dek=text("description"),
        tags=parse_tags(getattr(document, "tags", None) or None),
    )


def _page_title(text: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if not match:
        return ""
    return clean_line(" ".join(visible_text_by_patterns(match.group(1))))
