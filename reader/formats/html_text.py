"""HTML to text: the one place postil turns markup into the text a reader sees.

:func:`visible_text` reads a page with lxml (scripts, styles, forms and comments dropped; block
elements become paragraphs, ``<br>`` a line break, table cells ``" | "``); when the page cannot be
parsed, or libxml2 gave up on its nesting, :func:`visible_text_by_patterns` finds the text
without a parser. That one is also what reads a very large page, an HTML block inside Markdown
and the fallback of a broken EPUB chapter, and what measures how much text a page holds.

:func:`limit_nesting` flattens a page nested deeper than libxml2 parses (see
:mod:`reader.formats.html_nesting`); its last resort is the page's text as plain paragraphs.
"""

from __future__ import annotations

import html as html_entities
import re
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from reader.formats.html_nesting import MAX_NESTING, flatten, parser_loses_depth
from reader.sanitize import clean_text

__all__ = [
    "visible_text", "visible_text_by_patterns", "limit_nesting", "remove_keep_tail", "DROP_TAGS",
]  # fmt: skip

#: Elements whose content is never shown (code, forms, embedded objects, the page's head).
DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed",
    "canvas", "head", "button", "select", "input", "textarea", "form",
)  # fmt: skip
_BLOCK_HTML = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav",
        "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote",
        "pre", "table", "tr", "figure", "figcaption", "hr", "address", "details", "summary",
    }
)  # fmt: skip
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
#: Marks a paragraph break while whitespace is collapsed (a control character: not whitespace,
#: and removed from article text by :func:`~reader.sanitize.clean_text`).
_BREAK_MARK = "\x00"


def _collapse(text: str) -> str:
    """``text`` with each run of whitespace one space, and none at its ends (``str.split``
    knows the same whitespace as ``\\s``; much faster than a substitution per run)."""
    return " ".join(text.split())


def limit_nesting(text: str, max_depth: int = MAX_NESTING) -> str:
    """``text`` with no element nested deeper than ``max_depth`` (unchanged when libxml2 parses
    it whole): :func:`~reader.formats.html_nesting.flatten`, else the text as paragraphs."""
    if not parser_loses_depth(text):
        return text
    flat = flatten(text, max_depth)
    if parser_loses_depth(flat):  # markup this tokenizer reads otherwise than libxml2 does
        return _paragraphs_only(flat)
    return flat


def _paragraphs_only(text: str) -> str:
    """The page's text as plain paragraphs (the last resort: all text, no structure)."""
    found = visible_text_by_patterns(text)
    paragraphs = "".join(f"<p>{html_entities.escape(p)}</p>" for p in found)
    return f"<html><body>{paragraphs}</body></html>"


def visible_text(text: str) -> list[str]:
    """All visible text of an HTML page as paragraphs (scripts, styles, forms dropped)."""
    try:
        # huge_tree and limit_nesting: a deeply nested page still shows all its text (the walk
        # below is iterative).
        parser = lxml_html.HTMLParser(huge_tree=True)
        root = lxml_html.document_fromstring(limit_nesting(clean_text(text)), parser=parser)
    except (etree.LxmlError, ValueError):
        return visible_text_by_patterns(text)
    if not root.text_content().strip():
        # libxml2 gives up on pages nested thousands of levels deep.
        return visible_text_by_patterns(text)
    for element in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        remove_keep_tail(element)
    for element in list(root.iter(*DROP_TAGS)):
        if element.getparent() is not None:
            remove_keep_tail(element)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif tag in _BLOCK_HTML:
            element.text = "\n\n" + (element.text or "")
            element.tail = "\n\n" + (element.tail or "")
        elif tag in {"td", "th"}:
            element.tail = " | " + (element.tail or "")
    content = root.text_content()
    paragraphs = []
    for chunk in _PARAGRAPH_BREAK.split(content):
        lines = [_collapse(line).strip(" |") for line in chunk.split("\n")]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return paragraphs


_RAW_ELEMENT = re.compile(
    r"<(script|style|noscript|template|svg|head|textarea)\b.*?(?:</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|section|article|aside|h[1-6]|li|ul|ol|blockquote|pre|table|tr|br|hr)\b[^>]*>",
    re.I,
)
_BR_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


def visible_text_by_patterns(
    text: str, *, table_cells: bool = False, lines: bool = False
) -> list[str]:
    """Visible text without a parser (last resort): drop raw elements, comments and tags.

    Args:
        text: HTML (a page, a fragment, or an HTML block in Markdown).
        table_cells: Separate the cells of a table row by ``" | "``.
        lines: Return the text's lines instead of paragraphs: only ``<br>`` breaks a line,
            other tags are spaces (a raw HTML block in Markdown, read line by line).
    """
    text = re.sub(r"<!--.*?(?:-->|\Z)", " ", text, flags=re.DOTALL)
    text = _RAW_ELEMENT.sub(" ", text)
    if lines:
        text = html_entities.unescape(re.sub(r"<[^>]*>", " ", _BR_TAG.sub("\n", text)))
        found = (_collapse(line) for line in text.split("\n"))
        return [line for line in found if line]
    if table_cells:
        text = _CELL_END.sub(" | ", text)
    text = _BLOCK_TAG.sub("\n\n", text)
    text = html_entities.unescape(re.sub(r"<[^>]*>", " ", text))
    edges = " |" if table_cells else None
    if _BREAK_MARK in text:  # (never in cleaned text)
        paragraphs = (_collapse(chunk).strip(edges) for chunk in _PARAGRAPH_BREAK.split(text))
        return [paragraph for paragraph in paragraphs if paragraph]
    # Whitespace collapsed in one pass over the whole text, paragraph breaks marked: a page of
    # a million paragraphs is not a million calls.
    marked = _collapse(_PARAGRAPH_BREAK.sub(_BREAK_MARK, text))
    return [paragraph for piece in marked.split(_BREAK_MARK) if (paragraph := piece.strip(edges))]


def remove_keep_tail(element: Any) -> None:
    """Remove ``element`` from its tree, keeping the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
