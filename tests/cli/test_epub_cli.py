"""Books from the shell: toc, highlight (with its chapter), notes, search and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.cli import main
from reader.loading import load_article
from tests.support.epub_builder import simple_book


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    folder.mkdir()
    return simple_book(folder / "moby.epub", series=("The Sea", "2"))


def test_toc_json_and_plain(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["toc", str(book), "--json"]) == 0
    entries = _json(capsys)
    text = load_article(book).text
    assert [e["title"] for e in entries] == ["Loomings", "The Carpet-Bag", "The Mat-Maker"]
    assert all(e["level"] == 1 and text[e["start"] :].startswith(e["title"]) for e in entries)
    assert main(["toc", str(book)]) == 0
    assert "The Mat-Maker  @" in capsys.readouterr().out


def test_toc_of_unreadable_book_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    bad = tmp_path / "bad.epub"
    bad.write_bytes(b"not a zip")
    assert main(["toc", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "not a zip" in err and len(err.strip().splitlines()) == 1


def test_highlight_records_chapter_and_export_groups_by_chapter(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["highlight", str(book), "--quote", "lazily lounging", "--json"]) == 0
    first = _json(capsys)
    assert isinstance(first, dict) and first["chapter"] == "The Mat-Maker"
    assert main(["highlight", str(book), "--quote", "Call me Ishmael", "--note", "famous"]) == 0
    capsys.readouterr()
    assert main(["notes", str(book), "--json"]) == 0
    notes = _json(capsys)
    assert isinstance(notes, list)
    assert [n["chapter"] for n in notes] == ["Loomings", "The Mat-Maker"]
    assert main(["notes", str(book)]) == 0
    assert "· The Mat-Maker" in capsys.readouterr().out

    stamp = ["--timestamp", "2024-01-01T00:00:00Z"]
    assert main(["--library", str(book.parent), "export", *stamp]) == 0
    markdown = capsys.readouterr().out
    assert "- Publisher: Test Press" in markdown and "- Series: The Sea \\#2" in markdown
    assert "- Author: Jane Doe" in markdown
    assert markdown.index("## Loomings") < markdown.index("Call me Ishmael")
    assert markdown.index("Call me Ishmael") < markdown.index("## The Mat-Maker")
    assert markdown.index("## The Mat-Maker") < markdown.index("lazily lounging")
    assert "## Highlights" not in markdown

    assert main(["--library", str(book.parent), "export", "--format", "json", "--timestamp",
                 "2024-01-01T00:00:00Z"]) == 0
    document = _json(capsys)
    assert isinstance(document, dict)
    items = document["first"]["items"]
    by_quote = {item["target"]["selector"][0]["exact"]: item for item in items}
    mat = by_quote["lazily lounging"]
    assert mat["postil:chapter"] == "The Mat-Maker"
    fragment = mat["target"]["selector"][-1]
    assert fragment["type"] == "FragmentSelector" and fragment["value"] == "epubcfi(/6/6)"


def test_export_dir_front_matter_has_book_metadata(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["highlight", str(book), "--quote", "Call me Ishmael"]) == 0
    out = tmp_path / "notes"
    assert main(["--library", str(book.parent), "export", "--dir", str(out)]) == 0
    written = next(out.glob("*.md")).read_text(encoding="utf-8")
    front = written.split("---")[1]
    assert 'publisher: "Test Press"' in front and 'series: "The Sea #2"' in front
    assert 'identifier: "urn:isbn:9780000000001"' in front


def test_search_json_names_the_chapter(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "cloudy sultry afternoon", str(book.parent), "--json"]) == 0
    hits = _json(capsys)
    assert isinstance(hits, list) and hits
    assert hits[0]["chapter"] == "The Mat-Maker"
    assert main(["search", "carpet bag shirt", str(book.parent)]) == 0
    assert "· The Carpet-Bag" in capsys.readouterr().out


def test_add_copies_a_book_once(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                ) -> None:
    library = tmp_path / "library"
    assert main(["--library", str(library), "add", str(book)]) == 0
    stored = list(library.glob("*.epub"))
    assert [p.name for p in stored] == ["a-test-book.epub"]
    assert stored[0].read_bytes() == book.read_bytes()
    assert main(["--library", str(library), "add", str(book)]) == 0  # already there
    assert len(list(library.glob("*.epub"))) == 1
    bad = tmp_path / "drm.epub"
    bad.write_bytes(b"not a zip at all")
    capsys.readouterr()
    assert main(["--library", str(library), "add", str(bad)]) != 0
    assert "not a zip" in capsys.readouterr().err


def test_json_round_trip_keeps_the_chapter(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["highlight", str(book), "--quote", "lazily lounging"]) == 0
    first = tmp_path / "one.json"
    stamp = ["--timestamp", "2024-01-01T00:00:00Z"]
    assert main(["--library", str(book.parent), "export", "--format", "json", "-o", str(first),
                 *stamp]) == 0
    other_db = tmp_path / "other.json"
    assert main(["--db", str(other_db), "import", str(first)]) == 0
    second = tmp_path / "two.json"
    assert main(["--db", str(other_db), "--library", str(book.parent), "export", "--format",
                 "json", "-o", str(second), *stamp]) == 0
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    assert '"postil:chapter": "The Mat-Maker"' in second.read_text(encoding="utf-8")


def test_search_chapters_come_from_the_contents_cache(
    book: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["search", "cloudy sultry", str(book.parent), "--json"]) == 0
    capsys.readouterr()
    # A new process: nothing in memory; the book must not be parsed again for its chapters.
    from reader.search import chapters

    monkeypatch.setattr(chapters, "_CACHE", chapters.ContentsCache())

    def no_load(path: object) -> object:
        raise AssertionError("the book was read again")

    monkeypatch.setattr(chapters, "load_article", no_load)
    assert main(["search", "carpet bag", str(book.parent), "--json"]) == 0
    hits = _json(capsys)
    assert isinstance(hits, list) and hits[0]["chapter"] == "The Carpet-Bag"


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"version": 1, "books": [1, {"path": 5}, {"path": "x", "size": 1e400}]}',
     '{"version": 1, "books": [{"path": "p", "size": 1, "mtime_ns": 2, "toc": [{"title": 3}]}]}'],
)
def test_a_damaged_contents_cache_is_ignored(tmp_path: Path, content: str, book: Path) -> None:
    from reader.search.chapters import ContentsCache

    cache_file = tmp_path / "contents.json"
    cache_file.write_text(content, encoding="utf-8")
    cache = ContentsCache(cache_file)
    assert cache.get(("p", 1, 2)) in (None, [])
    cache.put(("q", 1, 2), [])
    assert cache.get(("q", 1, 2)) == []
