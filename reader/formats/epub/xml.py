"""XML parsing with a hardened configuration, and small helpers over lxml elements.

Every XML document of a book is parsed with the same hardened settings: no external entities, no DTD
loading, no network, no huge trees (libxml2's depth and size limits stay on), comments and
processing instructions dropped. Entity references that are not predefined are left
unexpanded, so "billion laughs" documents cannot blow up. Content documents that are not
well-formed XML are read again with lxml's forgiving HTML parser (same restrictions).
"""

from __future__ import annotations

import threading
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from reader.formats.html_text import visible_text_by_patterns

#: Namespace of the ``epub:type`` attribute.
OPS_NS = "http://www.idpf.org/2007/ops"

_PARSERS = threading.local()


def _xml_parser() -> Any:
    """This thread's hardened XML parser (lxml parsers must not be shared between threads)."""
    parser = getattr(_PARSERS, "xml", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
            recover=False,
        )
        _PARSERS.xml = parser
    return parser


def _html_parser() -> Any:
    parser = getattr(_PARSERS, "html", None)
    if parser is None:
        parser = lxml_html.HTMLParser(
            no_network=True, huge_tree=False, remove_comments=True, remove_pis=True
        )
        _PARSERS.html = parser
    return parser


class XmlError(Exception):
    """A document could not be parsed at all."""


def parse_xml(data: bytes) -> Any:
    """Parse ``data`` as XML (strict, hardened) and return the root element.

    Raises:
        XmlError: when it is not well-formed.
    """
    try:
        root = etree.fromstring(data, parser=_xml_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise XmlError(str(error).splitlines()[0] if str(error) else "not well-formed") from None
    if root is None:
        raise XmlError("empty document")
    return root


def parse_content(data: bytes) -> tuple[Any, bool]:
    """Parse a content document: strict XML, else forgiving HTML.

    Returns the root element and whether the forgiving parser had to be used.

    Raises:
        XmlError: when not even the HTML parser finds anything.
    """
    try:
        return parse_xml(data), False
    except XmlError:
        pass
    try:
        root = lxml_html.document_fromstring(data, parser=_html_parser())
    except (etree.LxmlError, ValueError):
        root = None
    body = root.find(".//body") if root is not None else None
    empty = body is None or (
        not "".join(body.itertext()).strip() and body.find(".//img") is None
    )
    if empty:
        # libxml2 gives up on documents nested hundreds of levels deep: keep their text.
        root = _text_only(data)
        if root is None:
            raise XmlError("unreadable markup")
    return root, True


def _text_only(data: bytes) -> Any:
    """A document of plain paragraphs made from the text between the tags (last resort)."""
    paragraphs = visible_text_by_patterns(data.decode("utf-8", "replace"))
    if not paragraphs:
        return None
    root = etree.Element("html")
    body = etree.SubElement(root, "body")
    for paragraph in paragraphs:
        etree.SubElement(body, "p").text = paragraph
    return root


def local(element: Any) -> str:
    """The element's tag without namespace, lower case ("" for comments and the like)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def attribute(element: Any, name: str) -> str:
    """An attribute by local name, whatever its namespace prefix (``epub:type``, ``opf:role``)."""
    value = element.get(name)
    if value is not None:
        return str(value)
    for key, found in element.attrib.items():
        if key.rsplit("}", 1)[-1] == name or key.rsplit(":", 1)[-1] == name:
            return str(found)
    return ""


def epub_types(element: Any) -> set[str]:
    """The words of the element's ``epub:type`` and ``role`` (``doc-`` prefix dropped)."""
    value = element.get(f"{{{OPS_NS}}}type") or element.get("epub:type") or ""
    role = element.get("role") or ""
    words = set(value.lower().split())
    words.update(word.removeprefix("doc-") for word in role.lower().split())
    return words


def children(element: Any, name: str) -> list[Any]:
    """Direct children with local name ``name``."""
    return [child for child in element if local(child) == name]


def descendants(element: Any, name: str) -> list[Any]:
    """All descendants with local name ``name``, in document order."""
    return [node for node in element.iter() if local(node) == name]


def text_of(element: Any) -> str:
    """All text inside ``element``, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())
