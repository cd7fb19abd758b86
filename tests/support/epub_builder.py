"""Build small EPUB files at test time (no book is ever committed).

``write_epub(path, Book(...))`` writes an EPUB 2 (NCX) or EPUB 3 (nav) file with the given
chapters and metadata; every knob needed for the broken cases (wrong mimetype, missing manifest
items, duplicate entries, odd paths, DRM) is a field.
"""

from __future__ import annotations

import html
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Chapter:
    """One spine item: ``body`` is the XHTML inside ``<body>`` (trusted test markup)."""

    name: str
    body: str
    title: str = ""
    linear: bool = True
    raw: str | None = None
    """The whole file, as is (for malformed documents); ``body`` is ignored then."""


@dataclass
class BookSpec:
    """What to put in the EPUB."""

    title: str = "A Test Book"
    creators: list[tuple[str, str, str]] = field(
        default_factory=lambda: [("Jane Doe", "Doe, Jane", "aut")]
    )
    language: str = "en"
    publisher: str = "Test Press"
    date: str = "2021-05-04"
    identifier: str = "urn:isbn:9780000000001"
    subjects: list[str] = field(default_factory=lambda: ["Fiction", "Sea stories"])
    series: tuple[str, str] | None = None
    calibre_series: tuple[str, str] | None = None
    chapters: list[Chapter] = field(default_factory=list)
    version: int = 3
    toc: str = "default"
    """"default" (nav for 3, NCX for 2), "both", "none", "broken" (points nowhere)."""
    toc_entries: list[tuple[str, str, int]] | None = None
    """(title, href relative to the OPF folder, level); default: one per chapter."""
    mimetype: str | None = "application/epub+zip"
    container: bool = True
    opf_dir: str = "OEBPS"
    extra_manifest: str = ""
    extra_spine: str = ""
    extra_files: dict[str, bytes] = field(default_factory=dict)
    skip_files: set[str] = field(default_factory=set)
    compression: int = zipfile.ZIP_DEFLATED


def chapter_document(title: str, body: str) -> str:
    """A complete XHTML content document."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">\n'
        f"<head><title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _entries(spec: BookSpec) -> list[tuple[str, str, int]]:
    if spec.toc_entries is not None:
        return spec.toc_entries
    return [(c.title or c.name, c.name, 1) for c in spec.chapters if c.linear]


def _nav(spec: BookSpec) -> str:
    entries = _entries(spec)
    if spec.toc == "broken":
        entries = [(title, "missing-" + href, level) for title, href, level in entries]
    lines = ['<nav epub:type="toc" id="toc"><h1>Contents</h1>']
    depth = 0
    for index, (title, href, level) in enumerate(entries):
        if level > depth:
            lines.append("<ol>" * (level - depth))
        elif level < depth:
            lines.append("</li>" + "</ol></li>" * (depth - level))
        elif index:
            lines.append("</li>")
        depth = level
        lines.append(f'<li><a href="{html.escape(href)}">{html.escape(title)}</a>')
    if depth:
        lines.append("</li>" + "</ol></li>" * (depth - 1) + "</ol>")
    lines.append("</nav>")
    lines.append(
        '<nav epub:type="landmarks"><ol><li><a epub:type="bodymatter" href="'
        + html.escape(spec.chapters[0].name if spec.chapters else "x.xhtml")
        + '">Start of the landmarks (not the contents)</a></li></ol></nav>'
    )
    return chapter_document("Contents", "\n".join(lines))


def _ncx(spec: BookSpec) -> str:
    entries = _entries(spec)
    if spec.toc == "broken":
        entries = [(title, "missing-" + href, level) for title, href, level in entries]
    parts = []
    depth = 0
    for index, (title, href, level) in enumerate(entries, start=1):
        while depth >= level:
            parts.append("</navPoint>")
            depth -= 1
        parts.append(
            f'<navPoint id="np{index}" playOrder="{index}"><navLabel><text>'
            f'{html.escape(title)}</text></navLabel><content src="{html.escape(href)}"/>'
        )
        depth = level
    parts.append("</navPoint>" * depth)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
        f"<head/><docTitle><text>{html.escape(spec.title)}</text></docTitle>"
        f"<navMap>{''.join(parts)}</navMap></ncx>"
    )


def _opf(spec: BookSpec, nav: bool, ncx: bool) -> str:
    meta = [f"<dc:title>{html.escape(spec.title)}</dc:title>"]
    for index, (name, file_as, role) in enumerate(spec.creators):
        if spec.version == 2:
            meta.append(
                f'<dc:creator opf:file-as="{html.escape(file_as)}" opf:role="{role}">'
                f"{html.escape(name)}</dc:creator>"
            )
        else:
            meta.append(f'<dc:creator id="c{index}">{html.escape(name)}</dc:creator>')
            if file_as:
                meta.append(
                    f'<meta refines="#c{index}" property="file-as">{html.escape(file_as)}</meta>'
                )
            if role:
                meta.append(
                    f'<meta refines="#c{index}" property="role" scheme="marc:relators">'
                    f"{role}</meta>"
                )
    meta.append(f"<dc:language>{spec.language}</dc:language>")
    meta.append(f"<dc:publisher>{html.escape(spec.publisher)}</dc:publisher>")
    meta.append(f"<dc:date>{spec.date}</dc:date>")
    meta.append(f'<dc:identifier id="uid">{html.escape(spec.identifier)}</dc:identifier>')
    meta.extend(f"<dc:subject>{html.escape(s)}</dc:subject>" for s in spec.subjects)
    if spec.series:
        meta.append(
            f'<meta property="belongs-to-collection" id="s1">{html.escape(spec.series[0])}</meta>'
            '<meta refines="#s1" property="collection-type">series</meta>'
            f'<meta refines="#s1" property="group-position">{spec.series[1]}</meta>'
        )
    if spec.calibre_series:
        meta.append(
            f'<meta name="calibre:series" content="{html.escape(spec.calibre_series[0])}"/>'
            f'<meta name="calibre:series_index" content="{spec.calibre_series[1]}"/>'
        )
    manifest = []
    spine = []
    for index, chapter in enumerate(spec.chapters):
        manifest.append(
            f'<item id="ch{index}" href="{html.escape(chapter.name)}" '
            'media-type="application/xhtml+xml"/>'
        )
        linear = "" if chapter.linear else ' linear="no"'
        spine.append(f'<itemref idref="ch{index}"{linear}/>')
    if nav:
        manifest.append(
            '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        )
    if ncx:
        manifest.append('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
    toc_attr = ' toc="ncx"' if ncx else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<package xmlns="http://www.idpf.org/2007/opf" version="{spec.version}.0" '
        'unique-identifier="uid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:opf="http://www.idpf.org/2007/opf">' + "".join(meta) + "</metadata>"
        "<manifest>" + "".join(manifest) + spec.extra_manifest + "</manifest>"
        f"<spine{toc_attr}>" + "".join(spine) + spec.extra_spine + "</spine></package>"
    )


def build_entries(spec: BookSpec) -> list[tuple[str, bytes]]:
    """The zip entries of the book, in order."""
    nav = spec.version == 3 and spec.toc in {"default", "both", "broken"}
    ncx = (spec.version == 2 and spec.toc in {"default", "broken"}) or spec.toc == "both"
    base = f"{spec.opf_dir}/" if spec.opf_dir else ""
    entries: list[tuple[str, bytes]] = []
    if spec.mimetype is not None:
        entries.append(("mimetype", spec.mimetype.encode()))
    if spec.container:
        entries.append(
            (
                "META-INF/container.xml",
                (
                    '<?xml version="1.0"?><container version="1.0" '
                    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                    f'<rootfile full-path="{base}content.opf" '
                    'media-type="application/oebps-package+xml"/></rootfiles></container>'
                ).encode(),
            )
        )
    entries.append((f"{base}content.opf", _opf(spec, nav, ncx).encode()))
    if nav:
        entries.append((f"{base}nav.xhtml", _nav(spec).encode()))
    if ncx:
        entries.append((f"{base}toc.ncx", _ncx(spec).encode()))
    for chapter in spec.chapters:
        content = chapter.raw if chapter.raw is not None else chapter_document(
            chapter.title or chapter.name, chapter.body
        )
        entries.append((f"{base}{chapter.name}", content.encode("utf-8")))
    for name, data in spec.extra_files.items():
        entries.append((name, data))
    return [(name, data) for name, data in entries if name not in spec.skip_files]


def write_epub(path: Path, spec: BookSpec) -> Path:
    """Write the EPUB described by ``spec`` to ``path`` and return the path."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in build_entries(spec):
            compression = zipfile.ZIP_STORED if name == "mimetype" else spec.compression
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def simple_book(path: Path, version: int = 3, **changes: object) -> Path:
    """A three-chapter book with headings, emphasis, a list, a quote and a footnote."""
    chapters = [
        Chapter(
            "ch1.xhtml",
            '<h1 id="c1">Loomings</h1><p>Call me <em>Ishmael</em>. Some years ago, never '
            'mind how long precisely, I went to sea.<a epub:type="noteref" href="ch3.xhtml#n1">'
            "1</a></p><p>It is a way I have of driving off the spleen.</p>",
            "Loomings",
        ),
        Chapter(
            "ch2.xhtml",
            '<h1>The Carpet-Bag</h1><p>I stuffed a shirt or two into my old carpet-bag.</p>'
            "<ul><li>a shirt</li><li>a <strong>harpoon</strong></li></ul>"
            "<blockquote><p>Wherefore, I say, let us sail.</p></blockquote>",
            "The Carpet-Bag",
        ),
        Chapter(
            "ch3.xhtml",
            '<h1>The Mat-Maker</h1><p>It was a cloudy, sultry afternoon; the seamen were '
            'lazily lounging about the decks.</p><aside epub:type="footnote" id="n1">'
            "<p>The narrator is a sailor of some experience.</p></aside>",
            "The Mat-Maker",
        ),
    ]
    spec = BookSpec(chapters=chapters, version=version)
    for key, value in changes.items():
        setattr(spec, key, value)
    return write_epub(path, spec)
