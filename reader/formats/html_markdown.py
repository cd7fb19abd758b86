"""trafilatura's article tree (``head``, ``p``, ``hi``, ``ref``, ``list``, ...) as Markdown.

The HTML reader (:mod:`reader.formats.html`) extracts an article into this tree and converts it
here: headings, paragraphs, emphasis, links, lists, quotes, code, tables and images become their
Markdown, and all text is escaped (:mod:`annotations.markdown_escape`), so nothing in the page is
ever interpreted as markup. Only links and images with safe schemes are kept as links.
Elements nested deeper than :data:`MAX_DEPTH` are flattened to their text.
"""

from __future__ import annotations

import re
from typing import Any

from annotations.markdown_escape import escape_line_starts, escape_text
from reader.sanitize import clean_line

__all__ = ["article_markdown", "paragraph_markdown", "BLOCK_TAGS", "MAX_DEPTH"]

#: Elements nested deeper than this are flattened to their text (hostile pages).
MAX_DEPTH = 60
#: Tags of the article tree that are blocks (the rest reads as inline text).
BLOCK_TAGS = frozenset({"head", "p", "list", "quote", "code", "table", "div", "section"})
_SPACE = re.compile(r"\s+")
_SAFE_SCHEME = re.compile(r"^(?:https?|ftp|mailto):|^[^:]*$", re.IGNORECASE)
_HEADING = re.compile(r"h([1-6])")
_EMPHASIS = {"#b": "**", "#i": "*", "#u": "", "#sub": "", "#sup": ""}
# A pipe in a table cell's Markdown that the escaper left (in a code span or a link target).
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def article_markdown(body: Any) -> str:
    """Convert trafilatura's article tree (``head``, ``p``, ``hi``, ``ref``, ...) to Markdown."""
    return "\n\n".join(block for block in _blocks(body, 0) if block.strip())


def _blocks(element: Any, depth: int) -> list[str]:
    """Markdown blocks for the children of a container element (mixed text and blocks)."""
    blocks: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        text = _finish_inline("".join(pending))
        pending.clear()
        if text:
            blocks.append(escape_line_starts(text))

    if element.text:
        pending.append(escape_text(element.text))
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in BLOCK_TAGS or tag == "graphic" and not pending:
            flush()
            blocks.extend(_block(child, depth + 1))
        elif tag:
            pending.append(_inline(child, depth + 1))
        if child.tail:
            pending.append(escape_text(child.tail))
    flush()
    return blocks


def _block(element: Any, depth: int) -> list[str]:
    tag = element.tag
    if depth > MAX_DEPTH:
        text = escape_text(" ".join(element.itertext()))
        return [escape_line_starts(_finish_inline(text))]
    if tag == "head":
        level = _HEADING.fullmatch(element.get("rend") or "")
        hashes = "#" * (int(level.group(1)) if level else 2)
        text = _finish_inline(_inline_content(element, depth)).replace("\n", " ")
        text = text.replace("\\ ", " ").strip("\\ ")
        return [f"{hashes} {text}"] if text else []
    if tag == "quote":
        inner = "\n\n".join(_blocks(element, depth))
        if not inner:
            return []
        return ["\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))]
    if tag == "list":
        return [_list(element, depth)]
    if tag == "code":
        return [_code(element)]
    if tag == "table":
        return [_table(element, depth)]
    if tag == "graphic":
        image = _image(element)
        return [image] if image else []
    return _blocks(element, depth)


def _list(element: Any, depth: int) -> str:
    ordered = (element.get("rend") or "").lower() in {"ol", "decimal", "1"}
    rendered: list[str] = []
    loose = False
    number = 1
    for item in element:
        if item.tag != "item":
            continue
        marker = f"{number}." if ordered else "-"
        number += 1
        inner = _blocks(item, depth + 1)
        loose = loose or len(inner) > 1
        text = "\n\n".join(inner)
        indent = " " * (len(marker) + 1)
        lines = text.split("\n") if text else [""]
        first = f"{marker} {lines[0]}".rstrip()
        rest = [f"{indent}{line}" if line else "" for line in lines[1:]]
        rendered.append("\n".join([first, *rest]))
    return ("\n\n" if loose else "\n").join(rendered)


def _code(element: Any) -> str:
    parts: list[str] = [element.text or ""]
    for child in element.iterdescendants():
        if child.tag == "lb":
            parts.append("\n")
        elif child.text:
            parts.append(child.text)
        if child.tail:
            parts.append(child.tail)
    content = "".join(parts).strip("\n")
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{content}\n{fence}"


def _table(element: Any, depth: int) -> str:
    rows: list[list[str]] = []
    for row in element.iter("row"):
        cells = [
            _UNESCAPED_PIPE.sub(
                r"\\|", _finish_inline(_inline_content(cell, depth)).replace("\n", " ")
            )
            for cell in row
            if cell.tag == "cell"
        ]
        if cells:
            rows.append(cells)
    if not rows:
        return ""
    columns = max(len(row) for row in rows)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * columns]
    lines.extend("| " + " | ".join(row) + " |" for row in rows[1:])
    return "\n".join(lines)


def _image(element: Any) -> str:
    alt = escape_text(clean_line(element.get("alt") or element.get("title") or ""))
    src = (element.get("src") or "").strip()
    if not src or not _SAFE_SCHEME.match(src):
        return f"![{alt}]()" if alt else ""
    return f"![{alt}]({_link_target(src)})"


def _inline_content(element: Any, depth: int) -> str:
    parts = [escape_text(element.text)] if element.text else []
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_inline(child, depth + 1))
        if child.tail:
            parts.append(escape_text(child.tail))
    return "".join(parts)


def _inline(element: Any, depth: int) -> str:
    tag = element.tag
    if tag == "lb":
        return "\\\n"
    if tag == "graphic":
        return _image(element)
    if depth > MAX_DEPTH:
        return escape_text(" ".join(element.itertext()))
    inner = _inline_content(element, depth)
    if tag == "hi":
        rend = element.get("rend") or ""
        if rend == "#t":
            return _code_span(" ".join(element.itertext()))
        return _wrap(inner, _EMPHASIS.get(rend, ""))
    if tag == "del":
        return _wrap(inner, "~~")
    if tag == "code":
        return _code_span(" ".join(element.itertext()))
    if tag == "ref":
        target = (element.get("target") or "").strip()
        text = inner.strip()
        if not target or not _SAFE_SCHEME.match(target) or not text:
            return inner
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        return f"{lead}[{text}]({_link_target(target)}){trail}"
    return inner


def _wrap(inner: str, marker: str) -> str:
    core = inner.strip()
    if not marker or not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{marker}{core}{marker}{trail}"


def _code_span(text: str) -> str:
    text = _SPACE.sub(" ", text)
    if not text.strip():
        return text
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _link_target(url: str) -> str:
    url = clean_line(url)
    if re.search(r"[\s()<>]", url):
        return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"
    return url


def _finish_inline(text: str) -> str:
    """Inline Markdown with each line stripped, trailing empty lines and hard breaks dropped."""
    if "\n" not in text:  # one line (the usual case)
        text = text.strip()
        return "" if text == "\\" else text
    lines = [line.strip() for line in text.split("\n")]
    while lines and lines[-1] in {"", "\\"}:
        lines.pop()
    return "\n".join(lines).strip()


def paragraph_markdown(text: str) -> str:
    """A paragraph of plain text (lines joined by ``"\\n"``) as Markdown that reads back as it:
    escaped, each line break a hard break."""
    lines = [escape_text(line).strip() for line in text.split("\n")]
    return escape_line_starts("\\\n".join(line for line in lines if line))
