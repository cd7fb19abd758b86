"""EPUB books: metadata, text structure, contents, and every broken case (books built here)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from reader.document import BlockKind
from reader.library import LibrarySource, MetadataCache, scan
from reader.loading import ArticleError, load_article, preview_article, read_metadata
from tests.support.epub_builder import BookSpec, Chapter, build_entries, simple_book, write_epub


def _blocks(path: Path) -> list[tuple[BlockKind, str]]:
    article = load_article(path)
    return [(b.kind, article.text[b.start : b.end]) for b in article.document.blocks]


def test_epub3_metadata_and_text(tmp_path: Path) -> None:
    path = simple_book(tmp_path / "book.epub", series=("The Sea", "2"))
    article = load_article(path)
    meta = article.meta
    assert meta.format == "epub"
    assert meta.title == "A Test Book"
    assert meta.author == "Jane Doe"
    assert meta.creators == [{"name": "Jane Doe", "file_as": "Doe, Jane", "role": "aut"}]
    assert (meta.language, meta.publisher, meta.date) == ("en", "Test Press", "2021-05-04")
    assert meta.identifier == "urn:isbn:9780000000001"
    assert meta.tags == ["Fiction", "Sea stories"]
    assert (meta.series, meta.series_index) == ("The Sea", "2")
    kinds = _blocks(path)
    assert (BlockKind.HEADING, "Loomings") in kinds
    assert (BlockKind.LIST_ITEM, "a harpoon") in kinds
    assert (BlockKind.QUOTE, "Wherefore, I say, let us sail.") in kinds
    assert (BlockKind.NOTE, "The narrator is a sailor of some experience.") in kinds
    styles = {(article.text[s.start : s.end], s.style) for s in article.document.spans}
    assert ("Ishmael", "em") in styles and ("harpoon", "strong") in styles
    assert article.notice is None


def test_epub2_ncx_calibre_series_and_opf_roles(tmp_path: Path) -> None:
    path = simple_book(
        tmp_path / "old.epub",
        version=2,
        creators=[("Herman Melville", "Melville, Herman", "aut"), ("A. Editor", "", "edt")],
        calibre_series=("Whalers", "3.0"),
    )
    article = load_article(path)
    assert article.meta.author == "Herman Melville"
    assert article.meta.creators[1] == {"name": "A. Editor", "file_as": "", "role": "edt"}
    assert (article.meta.series, article.meta.series_index) == ("Whalers", "3")
    assert article.book is not None
    assert [e.title for e in article.book.toc] == ["Loomings", "The Carpet-Bag", "The Mat-Maker"]
    assert all(article.text[e.start :].startswith(e.title) for e in article.book.toc)


def test_nested_nav_contents_not_landmarks(tmp_path: Path) -> None:
    chapters = [
        Chapter("part1.xhtml", "<h1>Part One</h1><p>Intro.</p>"),
        Chapter("c1.xhtml", '<h2>First</h2><p>One.</p><h3 id="s2">Second half</h3><p>Two.</p>'),
        Chapter("c2.xhtml", "<h2>Second</h2><p>Three.</p>"),
    ]
    entries = [
        ("Part One", "part1.xhtml", 1),
        ("First", "c1.xhtml", 2),
        ("Second half", "c1.xhtml#s2", 3),
        ("Second", "c2.xhtml", 2),
    ]
    path = write_epub(tmp_path / "n.epub", BookSpec(chapters=chapters, toc_entries=entries))
    article = load_article(path)
    assert article.book is not None
    toc = [(e.title, e.level) for e in article.book.toc]
    assert toc == [("Part One", 1), ("First", 2), ("Second half", 3), ("Second", 2)]
    assert article.text[article.book.toc[2].start :].startswith("Second half")
    assert "landmarks" not in " ".join(e.title for e in article.book.toc)
    assert article.book.chapter_title(article.text.index("Two.")) == "Second half"


def test_toc_fallback_when_missing_or_broken(tmp_path: Path) -> None:
    for toc in ("none", "broken"):
        path = simple_book(tmp_path / f"{toc}.epub", toc=toc)
        article = load_article(path)
        assert article.book is not None
        assert [e.title for e in article.book.toc] == [
            "Loomings", "The Carpet-Bag", "The Mat-Maker",
        ]
    assert "points nowhere" in (load_article(tmp_path / "broken.epub").notice or "")


def test_poetry_keeps_its_lines(tmp_path: Path) -> None:
    body = (
        '<div class="poem"><div class="stanza">'
        '<span class="line">Tyger Tyger, burning bright,</span>'
        '<span class="line">In the forests of the night;</span></div>'
        '<div class="stanza"><div class="line">What immortal hand or eye,</div>'
        '<div class="line">Could frame thy fearful symmetry?</div></div></div>'
        "<p>Roses are red,<br/>Violets are blue.</p>"
        '<p class="line">A loose line one</p><p class="line">A loose line two</p>'
    )
    path = write_epub(tmp_path / "p.epub", BookSpec(chapters=[Chapter("p.xhtml", body)]))
    texts = [text for _kind, text in _blocks(path)]
    assert "Tyger Tyger, burning bright,\nIn the forests of the night;" in texts
    assert "What immortal hand or eye,\nCould frame thy fearful symmetry?" in texts
    assert "Roses are red,\nViolets are blue." in texts
    assert "A loose line one\nA loose line two" in texts


def test_footnote_links_are_internal_targets(tmp_path: Path) -> None:
    article = load_article(simple_book(tmp_path / "f.epub"))
    assert article.book is not None
    link = next(s for s in article.document.spans if s.style == "link")
    assert article.text[link.start : link.end] == "[1]"
    target = article.book.target_of(link.url)
    assert target is not None and article.text[target:].startswith("The narrator")
    assert article.book.is_note(target)


def test_images_are_placeholders_not_counted_or_searched(tmp_path: Path) -> None:
    body = '<p>Words here.</p><p><img src="a.png" alt="A whale"/></p><div><img src="b.png"/></div>'
    path = write_epub(tmp_path / "i.epub", BookSpec(chapters=[Chapter("i.xhtml", body)]))
    article = load_article(path)
    assert (BlockKind.IMAGE, "[image: A whale]") in _blocks(path)
    assert (BlockKind.IMAGE, "[image]") in _blocks(path)
    assert article.meta.words == 2
    from reader.search.passages import SEARCHED_KINDS

    assert BlockKind.IMAGE not in SEARCHED_KINDS


def test_rtl_cjk_and_mixed_scripts_are_kept(tmp_path: Path) -> None:
    arabic = "هذا نص عربي للاختبار."
    hebrew = "זהו טקסט בעברית."
    chinese = "我们今天去公园散步，天气非常好，阳光明媚。" * 5
    body = f'<p dir="rtl">{arabic}</p><p>{hebrew}</p><p lang="zh">{chinese}</p><p>English.</p>'
    path = write_epub(tmp_path / "s.epub", BookSpec(chapters=[Chapter("s.xhtml", body)]))
    article = load_article(path)
    for text in (arabic, hebrew, chinese, "English."):
        assert text in article.text
    from reader.ui.layout import wrap

    start = article.text.index(chinese)
    lines = wrap(article.text, start, start + len(chinese), 30)
    from rich.cells import cell_len

    assert len(lines) > 1 and all(cell_len(article.text[a:b]) <= 30 for a, b in lines)


def test_tables_code_and_rules(tmp_path: Path) -> None:
    body = (
        "<table><tr><th>Ship</th><th>Tons</th></tr><tr><td>Pequod</td><td>300</td></tr></table>"
        "<pre>def f():\n    return 1</pre><hr/><p>After.</p>"
    )
    path = write_epub(tmp_path / "t.epub", BookSpec(chapters=[Chapter("t.xhtml", body)]))
    blocks = _blocks(path)
    assert (BlockKind.PARAGRAPH, "Ship   | Tons\nPequod | 300") in blocks
    assert (BlockKind.CODE, "def f():\n    return 1") in blocks
    assert any(kind is BlockKind.RULE for kind, _ in blocks)


def test_nonlinear_items_follow_the_linear_ones(tmp_path: Path) -> None:
    chapters = [
        Chapter("notes.xhtml", '<p id="n">A note far away.</p>', linear=False),
        Chapter("c.xhtml", '<p>Main text <a href="notes.xhtml#n">see</a>.</p>'),
    ]
    article = load_article(write_epub(tmp_path / "l.epub", BookSpec(chapters=chapters)))
    assert article.text.index("Main text") < article.text.index("A note far away")
    assert article.book is not None
    link = next(s for s in article.document.spans if s.style == "link")
    assert article.text[article.book.target_of(link.url) or 0 :].startswith("A note far")


def test_malformed_xhtml_is_read_leniently(tmp_path: Path) -> None:
    raw = "<html><body><p>Unclosed <b>bold<p>Second&nbsp;para &amp; more</body>"
    path = write_epub(tmp_path / "m.epub", BookSpec(chapters=[Chapter("m.xhtml", "", raw=raw)]))
    article = load_article(path)
    assert "Unclosed bold" in article.text and "Second\u00a0para & more" in article.text
    assert "leniently" in (article.notice or "")


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_lenient_paths_case_and_missing_items(tmp_path: Path) -> None:
    chapters = [
        Chapter("Text/One.xhtml", '<p>First. <a href="../Text/two%20b.xhtml">next</a></p>'),
        Chapter("Text/two b.xhtml", "<p>Second chapter.</p>"),
    ]
    spec = BookSpec(
        chapters=chapters,
        mimetype="application/zip",
        extra_manifest='<item id="gone" href="gone.xhtml" media-type="application/xhtml+xml"/>',
        extra_spine='<itemref idref="gone"/><itemref idref="nothere"/>',
    )
    entries = build_entries(spec)
    path = tmp_path / "lenient.epub"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            if name.endswith("One.xhtml"):
                name = name.replace("One.xhtml", "one.XHTML")  # wrong case in the zip
            archive.writestr(name, data)
        archive.writestr("OEBPS/Text/two b.xhtml", b"<p>a duplicate that must be ignored</p>")
    article = load_article(path)
    assert "First." in article.text and "Second chapter." in article.text
    assert "duplicate that must be ignored" not in article.text
    notice = article.notice or ""
    assert "mimetype" in notice and "gone.xhtml" in notice and "nothere" in notice
    assert "duplicate" in notice
    link = next(s for s in article.document.spans if s.style == "link")
    assert article.book is not None
    target = article.book.target_of(link.url)
    assert target is not None and article.text[target:].startswith("Second chapter")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"this is just text, not a zip", "not a zip"),
        (b"PK\x03\x04garbage-truncated", "truncated"),
    ],
)
def test_unreadable_files_have_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.epub"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=reason):
        load_article(path)
    meta = read_metadata(path)
    assert meta.error is not None and reason in meta.error


def test_truncated_real_book(tmp_path: Path) -> None:
    path = simple_book(tmp_path / "whole.epub")
    cut = tmp_path / "cut.epub"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert "zip" in (read_metadata(cut).error or "")


def test_no_package_document(tmp_path: Path) -> None:
    path = tmp_path / "noopf.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("chapter.xhtml", "<p>hi</p>")
    assert "no package document" in (read_metadata(path).error or "")


def test_drm_is_reported_but_font_obfuscation_is_fine(tmp_path: Path) -> None:
    def encryption(algorithm: str) -> bytes:
        return (
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
            f'<enc:EncryptionMethod Algorithm="{algorithm}"/><enc:CipherData>'
            '<enc:CipherReference URI="OEBPS/ch1.xhtml"/></enc:CipherData></enc:EncryptedData>'
            "</encryption>"
        ).encode()

    drm = simple_book(
        tmp_path / "drm.epub",
        extra_files={"META-INF/encryption.xml": encryption("http://www.w3.org/2001/04/xmlenc#aes128-cbc")},
    )
    assert read_metadata(drm).error == "DRM-protected — cannot be read"
    fonts = simple_book(
        tmp_path / "fonts.epub",
        extra_files={"META-INF/encryption.xml": encryption("http://www.idpf.org/2008/embedding")},
    )
    assert read_metadata(fonts).error is None


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_zip_bomb_entry_is_refused(tmp_path: Path) -> None:
    bomb = b"<p>" + b"a" * (20 * 1024 * 1024) + b"</p>"
    path = simple_book(tmp_path / "bomb.epub", extra_manifest="", extra_files={})
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OEBPS/ch2.xhtml", bomb)  # a duplicate: ignored, first one wins
    spec = BookSpec(
        chapters=[Chapter("big.xhtml", "", raw=bomb.decode()), Chapter("ok.xhtml", "<p>Fine.</p>")]
    )
    bombed = write_epub(tmp_path / "bomb2.epub", spec)
    article = load_article(bombed)
    assert "Fine." in article.text
    assert "zip bomb" in (article.notice or "")
    assert "aaaa" not in article.text


def test_external_entities_and_entity_expansion_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    raw = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Start &xxe; &c; end.</p></body></html>'
    )
    path = write_epub(tmp_path / "x.epub", BookSpec(chapters=[Chapter("x.xhtml", "", raw=raw)]))
    article = load_article(path)
    assert "TOP-SECRET-VALUE" not in article.text
    assert "lollol" not in article.text
    assert "Start" in article.text


def test_control_characters_are_cleaned(tmp_path: Path) -> None:
    body = "<p>Safe \x1b[31mred\x1b[0m text \u009b2J here.</p>"  # raw ESC: not XML, read as HTML
    spec = BookSpec(title="Evil\u009b31m \u202eBook", chapters=[Chapter("e.xhtml", body)])
    path = write_epub(tmp_path / "e.epub", spec)
    article = load_article(path)
    assert article.meta.title == "Evil Book"
    assert "Safe red text here." in article.text
    from reader.sanitize import is_clean

    assert is_clean(article.text) and is_clean(article.notice or "")


def test_preview_is_a_prefix_of_the_whole_book(tmp_path: Path) -> None:
    chapters = [
        Chapter(f"c{i}.xhtml", f"<h1>Chapter {i}</h1>" + "<p>Some words of prose here.</p>" * 400)
        for i in range(12)
    ]
    spec = BookSpec(chapters=chapters, compression=zipfile.ZIP_STORED)
    path = write_epub(tmp_path / "big.epub", spec)
    preview = preview_article(path)
    full = load_article(path)
    assert preview is not None
    assert len(preview.text) < len(full.text)
    assert full.text.startswith(preview.text)


def test_library_lists_epubs_with_their_reason(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    library.mkdir()
    simple_book(library / "good.epub")
    (library / "broken.epub").write_bytes(b"nope")
    found = scan(LibrarySource([library]), MetadataCache(tmp_path / "cache.json"))
    by_name = {Path(m.path).name: m for m in found}
    assert by_name["good.epub"].format == "epub" and by_name["good.epub"].error is None
    assert "not a zip" in (by_name["broken.epub"].error or "")


def test_cli_list_json_gives_book_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader.cli import main

    path = simple_book(tmp_path / "book.epub", series=("The Sea", "2"))
    assert main(["list", "--json", str(path)]) == 0
    record = json.loads(capsys.readouterr().out)[0]
    assert record["format"] == "epub"
    assert record["creators"][0]["file_as"] == "Doe, Jane"
    assert record["series"] == "The Sea" and record["series_index"] == "2"
    assert record["language"] == "en" and record["publisher"] == "Test Press"
    assert record["identifier"] == "urn:isbn:9780000000001"
    assert record["tags"] == ["Fiction", "Sea stories"]


def test_deeply_nested_markup_never_crashes(tmp_path: Path) -> None:
    depth = 5000
    body = "<div>" * depth + "<p>Deep text.</p>" + "</div>" * depth
    inline = "<p>" + "<span>" * depth + "Deep inline." + "</span>" * depth + "</p>"
    spec = BookSpec(chapters=[Chapter("d.xhtml", body), Chapter("i.xhtml", inline),
                              Chapter("ok.xhtml", "<p>Still here.</p>")])
    path = write_epub(tmp_path / "deep.epub", spec)
    article = load_article(path)
    assert "Deep text." in article.text and "Deep inline." in article.text
    assert "Still here." in article.text
    assert read_metadata(path).error is None


def test_summary_and_whole_book_agree(tmp_path: Path) -> None:
    path = simple_book(tmp_path / "book.epub")
    meta, whole = read_metadata(path), load_article(path)
    assert meta.id == whole.meta.id
    assert abs(meta.words - whole.meta.words) <= 2  # note markers are the only difference
    assert meta.title == whole.meta.title and meta.creators == whole.meta.creators


def test_missing_mimetype_and_container_still_read(tmp_path: Path) -> None:
    path = simple_book(tmp_path / "bare.epub", mimetype=None, container=False)
    article = load_article(path)
    assert "Call me Ishmael" in article.text and article.meta.title == "A Test Book"


def test_total_decompressed_size_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.formats.epub import archive

    chapters = [Chapter(f"c{i}.xhtml", "<p>" + "word " * 2000 + f"end {i}.</p>") for i in range(6)]
    path = write_epub(tmp_path / "cap.epub", BookSpec(chapters=chapters))
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 30_000)
    article = load_article(path)
    assert "end 0." in article.text and "end 5." not in article.text
    assert "too much data" in (article.notice or "")


def test_only_regular_files_are_opened(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.epub"
    os.mkfifo(fifo)
    assert read_metadata(fifo).error == "not a regular file"  # and it did not block
    device = tmp_path / "zero.epub"
    device.symlink_to("/dev/zero")
    assert read_metadata(device).error == "not a regular file"
    folder = tmp_path / "folder.epub"
    folder.mkdir()
    assert read_metadata(folder).error == "is a directory"


def test_declared_encodings_are_honoured(tmp_path: Path) -> None:
    latin = (
        '<?xml version="1.0" encoding="iso-8859-1"?><html xmlns="http://www.w3.org/1999/xhtml">'
        "<body><p>Café crème à la française</p></body></html>"
    ).encode("latin-1")
    windows = (
        '<html><head><meta charset="windows-1252"></head><body><p>Ça “quote” naïve</body></html>'
    ).encode("cp1252")
    spec = BookSpec(chapters=[Chapter("a.xhtml", "x"), Chapter("b.xhtml", "y")])
    path = tmp_path / "enc.epub"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in build_entries(spec):
            if name.endswith("a.xhtml"):
                data = latin
            elif name.endswith("b.xhtml"):
                data = windows
            archive.writestr(name, data)
    text = load_article(path).text
    assert "Café crème à la française" in text and "Ça “quote” naïve" in text


@pytest.mark.parametrize(
    ("field", "value"),
    [("creators", 5), ("creators", [{"name": 1}]), ("creators", [["a"]]), ("series", 3),
     ("format", None), ("language", ["en"])],
)
def test_damaged_book_metadata_in_the_cache_is_read_again(
    tmp_path: Path, field: str, value: object
) -> None:
    path = simple_book(tmp_path / "book.epub")
    cache_file = tmp_path / "cache.json"
    scan(LibrarySource([path]), MetadataCache(cache_file))
    data = json.loads(cache_file.read_text(encoding="utf-8"))
    entry = next(iter(data["entries"].values()))
    entry["meta"][field] = value
    cache_file.write_text(json.dumps(data), encoding="utf-8")
    (meta,) = scan(LibrarySource([path]), MetadataCache(cache_file))
    assert meta.creators == [{"name": "Jane Doe", "file_as": "Doe, Jane", "role": "aut"}]
    assert meta.format == "epub" and meta.language == "en"


def test_one_huge_chapter_previews_its_start_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A book of one very long chapter: the preview renders its first blocks only (rendering,
    not the XML parse, is what costs), and is a prefix of the whole book; plain paragraphs
    without attributes are never examined for verse classes."""
    from reader.formats.epub import content
    from reader.loading import BOOK_PREVIEW_CHARS

    examined: list[object] = []
    classes = content._classes

    def counting(element: object) -> str:
        examined.append(element)
        return classes(element)

    monkeypatch.setattr(content, "_classes", counting)
    paragraphs = 4000
    body = "<h1>One</h1>" + "".join(
        f"<p>Paragraph {i} of plain prose.</p>" for i in range(paragraphs)
    )
    spec = BookSpec(chapters=[Chapter("c1.xhtml", body)], compression=zipfile.ZIP_STORED)
    path = write_epub(tmp_path / "huge.epub", spec)
    preview = preview_article(path)
    assert preview is not None
    assert BOOK_PREVIEW_CHARS <= len(preview.text) < BOOK_PREVIEW_CHARS + 200
    assert len(preview.document.blocks) < paragraphs // 5
    full = load_article(path)
    assert full.text.startswith(preview.text) and len(full.document.blocks) == paragraphs + 1
    assert examined == []
