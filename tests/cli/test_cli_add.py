"""`postil add`: copying articles into the library, HTML as Markdown, duplicates, stdin."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from reader import paths
from reader.cli import main
from reader.commands.add import guess_format, slugify, write_new_file
from reader.formats.frontmatter import split_front_matter
from reader.loading import load_article
from tests.support.paths import SEED, SEED_AUTHOR, SEED_TITLE

PAGE = (
    "<!doctype html><html><head><title>Tide Tables | Sea News</title>"
    '<meta property="og:title" content="Tide Tables">'
    '<meta name="author" content="Ann Lee">'
    '<link rel="canonical" href="https://sea.example.com/tides">'
    "<script>document.write('SCRIPT-OUTPUT')</script></head><body>"
    "<nav><a href='/'>Home</a> <a href='/x'>NAV-LINK</a></nav><article><h1>Tide Tables</h1>"
    + "<p>The tide comes in twice a day, and the tables tell you when, to the minute. </p>" * 4
    + "<p>Fishermen trust them more than the forecast, and with reason.</p></article>"
    "<div id='comments' class='comments'><p>COMMENT-TEXT nice</p></div></body></html>"
)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return tmp_path / "library"


def add(library: Path, *args: str) -> int:
    return main(["--library", str(library), "add", *args])


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def set_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_add_text_file(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert add(library, str(SEED)) == 0
    slug = "huawei-chairman-considering-signing-a-no-spy-deal-with-the-united-states"
    stored = library / f"{slug}.txt"
    assert files_in(library) == [stored.name]
    assert stored.read_text(encoding="utf-8") == SEED.read_text(encoding="utf-8")
    out = capsys.readouterr().out
    assert SEED_TITLE in out and str(stored) in out
    meta = load_article(stored).meta
    assert (meta.title, meta.author, meta.id) == (SEED_TITLE, SEED_AUTHOR, load_article(SEED).id)
    assert SEED.exists()  # copied, not moved


def test_duplicate_is_not_copied_again(library: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert add(library, str(SEED)) == 0
    renamed = tmp_path / "same-text-other-name.txt"
    renamed.write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))  # same content, CRLF
    capsys.readouterr()
    assert add(library, str(SEED), str(renamed)) == 0
    assert len(files_in(library)) == 1
    out = capsys.readouterr().out
    assert out.count("already in the library") == 2


def test_html_is_stored_as_markdown_with_front_matter(library: Path, tmp_path: Path) -> None:
    page = tmp_path / "saved page.html"
    page.write_text(PAGE, encoding="utf-8")
    assert add(library, str(page)) == 0
    assert files_in(library) == ["tide-tables.md"]
    stored = (library / "tide-tables.md").read_text(encoding="utf-8")
    front, body = split_front_matter(stored)
    assert front is not None
    assert (front.title, front.author, front.url) == (
        "Tide Tables", "Ann Lee", "https://sea.example.com/tides",
    )  # fmt: skip
    assert "The tide comes in twice a day" in body
    for junk in ("SCRIPT-OUTPUT", "NAV-LINK", "COMMENT-TEXT", "<p>"):
        assert junk not in stored
    meta = load_article(library / "tide-tables.md").meta
    assert (meta.title, meta.author, meta.url) == (
        "Tide Tables", "Ann Lee", "https://sea.example.com/tides",
    )  # fmt: skip
    # The same page again is recognised by its extracted content.
    assert add(library, str(page)) == 0
    assert files_in(library) == ["tide-tables.md"]


def test_title_collisions_get_numbered(library: Path, tmp_path: Path) -> None:
    for index in range(3):
        source = tmp_path / f"n{index}.txt"
        source.write_text(f"Same Title\n\nDifferent body number {index}.\n", encoding="utf-8")
        assert add(library, str(source)) == 0
    assert files_in(library) == ["same-title-2.txt", "same-title-3.txt", "same-title.txt"]


def test_move_removes_source_but_not_for_duplicates(library: Path, tmp_path: Path) -> None:
    source = tmp_path / "move-me.md"
    source.write_text("# Moving Day\n\nBody text.\n", encoding="utf-8")
    twin = tmp_path / "twin.md"
    twin.write_text("# Moving Day\n\nBody text.\n", encoding="utf-8")
    assert add(library, "--move", str(source)) == 0
    assert not source.exists()
    assert files_in(library) == ["moving-day.md"]
    assert add(library, "--move", str(twin)) == 0
    assert twin.exists()  # nothing was copied, so nothing is removed


def test_stdin_with_title(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_stdin(monkeypatch, b"Some pasted words.\n\nA second paragraph.\n")
    assert add(library, "-", "--title", "Pasted Thoughts") == 0
    assert files_in(library) == ["pasted-thoughts.txt"]
    article = load_article(library / "pasted-thoughts.txt")
    assert article.meta.title == "Pasted Thoughts"
    assert "Some pasted words." in article.text


def test_stdin_html_is_detected(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_stdin(monkeypatch, PAGE.encode("utf-8"))
    assert add(library, "-") == 0
    assert files_in(library) == ["tide-tables.md"]


def test_markdown_title_option_keeps_other_front_matter(library: Path, tmp_path: Path) -> None:
    source = tmp_path / "note.md"
    source.write_text("---\ntitle: Old\ntags: [a, b]\n---\nBody.\n", encoding="utf-8")
    assert add(library, "--title", "New Name", str(source)) == 0
    front, body = split_front_matter((library / "new-name.md").read_text(encoding="utf-8"))
    assert front is not None
    assert (front.title, front.tags, body) == ("New Name", ["a", "b"], "Body.\n")


def test_errors_are_one_line_and_other_files_still_added(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02" * 50)
    empty = tmp_path / "empty.md"
    empty.write_text("  \n\n", encoding="utf-8")
    assert add(library, str(tmp_path / "missing.txt"), str(binary), str(empty), str(SEED)) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert "missing.txt: file not found" in lines[0]
    assert "binary" in lines[1]
    assert "empty" in lines[2]
    assert "Traceback" not in err
    assert len(files_in(library)) == 1


def test_empty_stdin_and_title_misuse(library: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    set_stdin(monkeypatch, b"")
    assert add(library, "-") == 1
    assert add(library, "--title", "X", str(SEED), str(SEED)) == 1
    err = capsys.readouterr().err
    assert "empty" in err and "--title" in err
    assert files_in(library) == []


def test_web_address_nobody_answers_is_one_line(library: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:  # a local port nothing listens on (no internet involved)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert add(library, f"http://127.0.0.1:{port}/story") == 1
    assert capsys.readouterr().err == (f"postil: cannot add http://127.0.0.1:{port}/story: "
                                       "connection refused (nothing answers at that address)\n")
    assert files_in(library) == []


def test_latin1_source_is_stored_as_utf8_with_the_same_id(library: Path, tmp_path: Path) -> None:
    source = tmp_path / "cafe.txt"
    source.write_bytes("Café Stories\n\nUn café crème, s’il vous plaît.\n".encode("cp1252"))
    assert add(library, str(source)) == 0
    stored = library / "cafe-stories.txt"
    assert stored.read_text(encoding="utf-8").startswith("Café Stories")
    assert load_article(stored).id == load_article(source).id


def test_default_library_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert main(["add", str(SEED)]) == 0
    assert len(files_in(paths.default_library_dir())) == 1
    env_library = tmp_path / "from-env"
    monkeypatch.setenv("POSTIL_LIBRARY", str(env_library))
    assert main(["add", str(SEED)]) == 0
    assert len(files_in(env_library)) == 1


def test_folder_argument_adds_its_articles(library: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "one.txt").write_text("One\n\nFirst.\n", encoding="utf-8")
    (folder / "two.md").write_text("# Two\n\nSecond.\n", encoding="utf-8")
    (folder / "skip.pdf").write_bytes(b"%PDF")
    assert add(library, str(folder)) == 0
    assert files_in(library) == ["one.txt", "two.md"]


def test_written_files_are_readable_and_no_temp_files_remain(library: Path) -> None:
    assert add(library, str(SEED)) == 0
    stored = next(library.iterdir())
    assert stored.stat().st_mode & 0o444 == 0o444 or sys.platform == "win32"
    assert not [p for p in library.iterdir() if p.name.startswith(".")]


def test_write_new_file_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("original", encoding="utf-8")
    path = write_new_file(tmp_path, "a", ".txt", "new")
    assert path.name == "a-2.txt"
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "original"
    assert path.read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("The Quiet Harbour!", "the-quiet-harbour"),
        ("Café crème: naïve façades", "cafe-creme-naive-facades"),
        ("  ../../etc/passwd  ", "etc-passwd"),
        ("中国的新闻", "中国的新闻"),
        ("!!!", "article"),
        ("", "article"),
        ("CON", "con-article"),
        ("A " + "word " * 40, "a" + "-word" * 15),
        ("Huawei Chairman Considering Signing a No-Spy Deal with the United States of the",
         "huawei-chairman-considering-signing-a-no-spy-deal-with-the-united-states"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert len(slugify(title)) <= 80


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("<!DOCTYPE html><html><body>x</body></html>", "html"),
        ("  <!-- saved --> <html lang=en>", "html"),
        ("---\ntitle: x\n---\nBody", "md"),
        ("# Heading\n\nText", "md"),
        ("See [this](https://x.example).", "md"),
        ("Just words.\n\nMore words < and > here.", "txt"),
    ],
)
def test_guess_format(text: str, fmt: str) -> None:
    assert guess_format(text) == fmt
