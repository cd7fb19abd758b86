"""Pages nested deeper than libxml2 will parse, flattened so that no text is lost.

libxml2 (under lxml and trafilatura) stops building the tree at a fixed depth — 256 elements, or
2,048 with ``huge_tree`` — and, in recovery mode, silently drops everything below: a page of
2,500 nested ``<div>`` comes back as an empty body. :func:`limit_nesting` rewrites such a page so
that no element is deeper than :data:`MAX_NESTING`: below that depth, an element that opens
closes the one open at the deepest level first, so deep elements become siblings there. Every
character of text stays, in order, and paragraphs stay paragraphs; only the nesting is lost.

Pages libxml2 parses whole (nearly all) are returned unchanged, so their extraction is exactly
what it was.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

#: Deepest element nesting kept (libxml2 parses 256 levels without ``huge_tree``; some room is
#: left for the ``html``/``body`` elements the parser adds and for trafilatura's own recursion).
MAX_NESTING = 128

_VOID = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "keygen", "command", "basefont", "bgsound", "frame", "isindex",
    }
)  # fmt: skip
# A start tag of one of these closes an open element of the same name at the top (``<li>a<li>b``).
_SELF_CLOSING_SIBLINGS = frozenset(
    {"p", "li", "dt", "dd", "option", "tr", "td", "th", "thead", "tbody", "tfoot"}
)
# Tokens: comments, raw-text elements (whole), doctype/PIs, tags; text is what lies between.
# Unquoted tag text stops at "<", so a page of "<a <a <a" without ">" stays linear.
_TOKEN = re.compile(
    r"""
    (?P<comment><!--.*?(?:-->|\Z))
    | (?P<raw><(?P<rawname>script|style|textarea|title|xmp|noscript|iframe|noembed|noframes)
        \b(?:"[^"]*"|'[^']*'|[^'"<>])*>.*?(?:</(?P=rawname)\s*>|\Z))
    | (?P<decl><[!?][^>]*>?)
    | (?P<tag></?(?P<name>[A-Za-z][A-Za-z0-9:_-]*)(?:"[^"]*"|'[^']*'|[^'"<>])*>)
    """,
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)


def parser_loses_depth(text: str) -> bool:
    """Tell whether libxml2 (as trafilatura runs it) stops at its depth limit on ``text``."""
    if text.count("<") < 256:
        return False
    parser = lxml_html.HTMLParser(collect_ids=False)
    try:
        lxml_html.document_fromstring(text, parser=parser)
    except (etree.LxmlError, ValueError):
        pass
    return any(entry.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for entry in parser.error_log)


def limit_nesting(text: str, max_depth: int = MAX_NESTING) -> str:
    """``text`` with no element nested deeper than ``max_depth`` (unchanged when libxml2 parses
    it whole); see the module docstring."""
    if not parser_loses_depth(text):
        return text
    flat = flatten(text, max_depth)
    if parser_loses_depth(flat):  # markup this tokenizer reads otherwise than libxml2 does
        return _paragraphs_only(flat)
    return flat


def _paragraphs_only(text: str) -> str:
    """The page's text as plain paragraphs (the last resort: all text, no structure)."""
    import html

    from reader.formats.html_patterns import visible_text_by_patterns

    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in visible_text_by_patterns(text))
    return f"<html><body>{paragraphs}</body></html>"


def flatten(text: str, max_depth: int) -> str:
    """Rewrite the tags of ``text`` so that at most ``max_depth`` elements are open at once.

    Text, comments, scripts and attributes are copied as they are. At ``max_depth`` a start
    tag first closes the element open at the deepest level, and is written only once content
    follows (so 100,000 empty nested ``<div>`` do not become 100,000 empty siblings); end tags of
    elements closed or never written that way are dropped, as are end tags that match nothing.
    """
    out: list[str] = []
    stack: list[_Open] = []  # the elements open as the page means them
    names: dict[str, int] = {}  # how many of each name the stack holds (skips hopeless searches)
    depth = 0  # elements open in the output
    pending: _Open | None = None  # at max_depth: waiting for content before it is written

    def write_pending() -> None:
        nonlocal pending, depth
        if pending is not None:
            out.append(pending.token)
            pending.written = True
            depth += 1
            pending = None

    def pop() -> _Open:
        nonlocal pending
        entry = stack.pop()
        names[entry.name] -= 1
        if entry is pending:
            pending = None
        return entry

    position = 0
    for match in _TOKEN.finditer(text):
        gap = text[position : match.start()]
        position = match.end()
        if gap:
            if pending is not None and not gap.isspace():
                write_pending()
            out.append(gap)
        token = match.group()
        if match.lastgroup != "tag":
            write_pending()
            out.append(token)  # comment, raw-text element, doctype: a leaf
            continue
        name = match.group("name").lower()
        if token[1] == "/":
            if not names.get(name):
                continue  # matches nothing open
            index = len(stack) - 1
            while stack[index].name != name:
                index -= 1
            while len(stack) > index:
                entry = pop()
                if entry.written:
                    out.append(token if len(stack) == index else f"</{entry.name}>")
                    entry.written = False
                    depth -= 1
            continue
        if name in _VOID or token.endswith("/>"):
            write_pending()
            out.append(token)
            continue
        if name in _SELF_CLOSING_SIBLINGS and stack and stack[-1].name == name:
            entry = pop()
            if entry.written:
                out.append(f"</{name}>")
                depth -= 1
        entry = _Open(name, token)
        stack.append(entry)
        names[name] = names.get(name, 0) + 1
        if pending is None and depth < max_depth:
            out.append(token)
            entry.written = True
            depth += 1
            continue
        if pending is None:
            # Close the element open at the deepest level: the new one becomes its sibling.
            for deepest in reversed(stack):
                if deepest.written:
                    out.append(f"</{deepest.name}>")
                    deepest.written = False
                    depth -= 1
                    break
        pending = entry  # an earlier pending element had no content: it is never written
    rest = text[position:]
    if rest and not rest.isspace():
        write_pending()
    out.append(rest)
    return "".join(out)


class _Open:
    """An element open in the page: its name, start tag, and whether the output has it open."""

    __slots__ = ("name", "token", "written")

    def __init__(self, name: str, token: str) -> None:
        self.name = name
        self.token = token
        self.written = False
