"""The package document (OPF): metadata, manifest and spine; and the DRM check.

EPUB 2 and 3 metadata are both read: ``dc:creator`` with ``opf:file-as`` / ``opf:role``
attributes (EPUB 2) or ``<meta refines="#id" property="file-as|role">`` (EPUB 3); series from
``belongs-to-collection`` (EPUB 3) or calibre's ``calibre:series`` / ``calibre:series_index``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from reader.book import Creator
from reader.formats.epub.archive import BookError, EntryError, EpubArchive
from reader.formats.epub.xml import XmlError, attribute, children, local, parse_xml, text_of
from reader.sanitize import clean_line

#: Font obfuscation "encryption" (IDPF and Adobe): not DRM, the text is readable.
FONT_OBFUSCATION = frozenset(
    {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#rc"}
)
DRM_PROTECTED = "DRM-protected — cannot be read"
_CONTENT_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/xml", "text/xml"})
_CONTENT_SUFFIXES = (".xhtml", ".html", ".htm", ".xml")
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?")


@dataclass(frozen=True, slots=True)
class ManifestItem:
    """One manifest entry: ``href`` is the resolved archive entry name."""

    id: str
    href: str
    media_type: str
    properties: frozenset[str] = frozenset()

    @property
    def is_content(self) -> bool:
        """True for an (X)HTML content document."""
        return self.media_type.lower() in _CONTENT_TYPES or (
            not self.media_type and self.href.lower().endswith(_CONTENT_SUFFIXES)
        )


@dataclass(frozen=True, slots=True)
class SpineItem:
    """One spine entry."""

    item: ManifestItem
    linear: bool = True


@dataclass(slots=True)
class Package:
    """What the package document says."""

    path: str
    version: str = ""
    title: str = ""
    creators: list[Creator] = field(default_factory=list)
    language: str = ""
    publisher: str = ""
    date: str = ""
    identifier: str = ""
    description: str = ""
    subjects: list[str] = field(default_factory=list)
    series: str = ""
    series_index: str = ""
    manifest: dict[str, ManifestItem] = field(default_factory=dict)
    spine: list[SpineItem] = field(default_factory=list)
    nav: str | None = None
    ncx: str | None = None
    skipped: list[str] = field(default_factory=list)


def check_drm(archive: EpubArchive) -> None:
    """Raise :class:`BookError` when ``META-INF/encryption.xml`` encrypts more than fonts."""
    name = archive.find("META-INF/encryption.xml")
    if name is None:
        return
    try:
        root = parse_xml(archive.read(name))
    except (EntryError, XmlError):
        raise BookError(DRM_PROTECTED) from None
    for data in root.iter():
        if local(data) != "encrypteddata":
            continue
        methods = [m for m in data.iter() if local(m) == "encryptionmethod"]
        algorithm = (methods[0].get("Algorithm") or "").strip().lower() if methods else ""
        if algorithm not in FONT_OBFUSCATION:
            raise BookError(DRM_PROTECTED)


def find_package(archive: EpubArchive) -> str:
    """The archive name of the package document (``container.xml``, else any ``.opf``).

    Raises:
        BookError: when the book has none.
    """
    container = archive.find("META-INF/container.xml")
    if container is not None:
        try:
            root = parse_xml(archive.read(container))
        except (EntryError, XmlError):
            root = None
        if root is not None:
            for rootfile in root.iter():
                if local(rootfile) != "rootfile":
                    continue
                full_path = rootfile.get("full-path") or ""
                found = archive.find(archive.resolve("", full_path)) if full_path else None
                if found is not None:
                    return found
    candidates = [name for name in archive.names if name.lower().endswith(".opf")]
    if candidates:
        return sorted(candidates, key=lambda n: (n.count("/"), n))[0]
    raise BookError("not an EPUB: no package document (OPF) in the archive")


def read_package(archive: EpubArchive, name: str) -> Package:
    """Parse the package document ``name``.

    Raises:
        BookError: when it cannot be read or parsed.
    """
    try:
        root = parse_xml(archive.read(name))
    except EntryError as error:
        raise BookError(f"package document unreadable: {error}") from None
    except XmlError as error:
        raise BookError(f"package document is not valid XML: {clean_line(str(error))}") from None
    package = Package(path=name, version=(root.get("version") or "").strip())
    metadata = next((c for c in root if local(c) == "metadata"), None)
    if metadata is not None:
        _read_metadata(package, metadata)
    manifest = next((c for c in root if local(c) == "manifest"), None)
    if manifest is not None:
        for entry in children(manifest, "item"):
            ident, href = entry.get("id") or "", entry.get("href") or ""
            if not ident or not href or ident in package.manifest:
                continue
            item = ManifestItem(
                id=ident,
                href=archive.resolve(name, href),
                media_type=(entry.get("media-type") or "").strip(),
                properties=frozenset((entry.get("properties") or "").lower().split()),
            )
            package.manifest[ident] = item
            if "nav" in item.properties and package.nav is None:
                package.nav = item.href
            if item.media_type.lower() == "application/x-dtbncx+xml" and package.ncx is None:
                package.ncx = item.href
    spine = next((c for c in root if local(c) == "spine"), None)
    if spine is not None:
        toc_id = spine.get("toc") or ""
        if toc_id in package.manifest:
            package.ncx = package.manifest[toc_id].href
        seen: set[str] = set()
        for itemref in children(spine, "itemref"):
            idref = itemref.get("idref") or ""
            listed = package.manifest.get(idref)
            if listed is None:
                package.skipped.append(f"spine item {clean_line(idref)!r} is not in the manifest")
                continue
            item = listed
            if item.href in seen:
                continue
            seen.add(item.href)
            if not item.is_content:
                continue
            linear = (itemref.get("linear") or "yes").strip().lower() != "no"
            package.spine.append(SpineItem(item, linear))
    if not package.spine:
        # No usable spine: read the content documents in manifest order.
        package.spine = [
            SpineItem(item)
            for item in package.manifest.values()
            if item.is_content and "nav" not in item.properties
        ]
    if not package.title:
        package.title = posixpath.splitext(posixpath.basename(name))[0]
    return package


def _read_metadata(package: Package, metadata: Any) -> None:
    refinements: dict[str, dict[str, str]] = {}
    for meta in children(metadata, "meta"):
        refines = (meta.get("refines") or "").lstrip("#")
        prop = (meta.get("property") or "").strip()
        if refines and prop:
            refinements.setdefault(refines, {}).setdefault(prop, clean_line(text_of(meta)))
    titles: list[tuple[int, str]] = []
    for position, element in enumerate(metadata):
        name = local(element)
        value = clean_line(text_of(element))
        ident = element.get("id") or ""
        refined = refinements.get(ident, {})
        if name == "title" and value:
            kind = refined.get("title-type", "main")
            order = {"main": 0, "": 1}.get(kind, 2)
            titles.append((order * 1000 + position, value))
        elif name in {"creator", "contributor"} and value:
            role = attribute(element, "role") or refined.get("role", "")
            if name == "contributor" and not role:
                role = "ctb"
            file_as = attribute(element, "file-as") or refined.get("file-as", "")
            package.creators.append(
                Creator(value, clean_line(file_as), clean_line(role).lower()[:20])
            )
        elif name == "language" and value:
            if value not in package.language.split(", "):
                package.language = f"{package.language}, {value}" if package.language else value
        elif name == "publisher" and value and not package.publisher:
            package.publisher = value
        elif name == "date" and value:
            event = attribute(element, "event").lower()
            if not package.date or event == "publication":
                match = _DATE.match(value)
                package.date = match.group(0) if match else value
        elif name == "identifier" and value and not package.identifier:
            package.identifier = value
        elif name == "description" and value and not package.description:
            package.description = value
        elif name == "subject" and value:
            package.subjects.append(value)
        elif name == "meta":
            _read_meta(package, element, refinements)
    titles.sort()
    if titles:
        package.title = titles[0][1]
    _prefer_unique_identifier(package, metadata)


def _read_meta(package: Package, element: Any, refinements: dict[str, dict[str, str]]) -> None:
    prop = (element.get("property") or "").strip()
    if prop == "belongs-to-collection" and not package.series:
        refined = refinements.get(element.get("id") or "", {})
        if refined.get("collection-type", "series") in {"series", "set"}:
            package.series = clean_line(text_of(element))
            package.series_index = refined.get("group-position", "")
        return
    name = (element.get("name") or "").strip().lower()
    content = clean_line(element.get("content") or "")
    if name == "calibre:series" and content and not package.series:
        package.series = content
    elif name == "calibre:series_index" and content and not package.series_index:
        try:
            number = float(content)
        except ValueError:
            return
        if number == number and abs(number) < 1e9:  # not NaN, not absurd
            package.series_index = str(int(number)) if number.is_integer() else str(number)


def _prefer_unique_identifier(package: Package, metadata: Any) -> None:
    root = metadata.getparent()
    unique = (root.get("unique-identifier") or "") if root is not None else ""
    isbn = ""
    for element in children(metadata, "identifier"):
        value = clean_line(text_of(element))
        if unique and element.get("id") == unique and value:
            package.identifier = value
        scheme = attribute(element, "scheme").lower()
        if not isbn and (scheme == "isbn" or value.lower().startswith(("urn:isbn:", "isbn:"))):
            isbn = value
    if isbn and not package.identifier.lower().startswith(("urn:isbn", "isbn")):
        package.identifier = isbn or package.identifier
