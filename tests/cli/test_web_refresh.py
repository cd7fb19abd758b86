"""`postil refresh` and `add --refresh`: pages fetched again, highlights kept, nothing lost."""

from __future__ import annotations

import os
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from annotations.model import AnchorStatus
from annotations.storage import AnnotationStore
from reader.cli import main
from tests.support.web_server import LocalServer, article_html, page

FIRST = [
    "The tide comes in twice a day, and the tables tell you when, to the minute, for a year.",
    "Fishermen trust them more than the forecast, and with reason: the moon keeps its word.",
    "A harbour master reads them aloud each morning at six, before the boats go out to sea.",
    "Nobody remembers a year when the printed times were wrong by more than a few minutes.",
]
SECOND = [
    "Editor's note: this story was updated with a correction on the harbour master.",
    *FIRST[:2],
    "A harbour mistress reads them aloud each morning at six, before the boats go out to sea.",
]


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return tmp_path / "library"


def cli(library: Path, *args: str) -> int:
    return main(["--library", str(library), *args])


def etag_page(body: str, etag: str) -> object:
    """Answers 304 to a matching If-None-Match, else the page with its ETag."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("If-None-Match") == etag:
            request.send_response(304)
            request.send_header("ETag", etag)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        page(body, headers={"ETag": etag})(request)

    return handle


def add_tides(web: LocalServer, library: Path) -> Path:
    web.routes["/tides"] = page(article_html("Tide Tables", FIRST))
    assert cli(library, "add", web.url("/tides")) == 0
    return library / "tide-tables.md"


def highlight(library: Path, path: Path, quote: str, note: str = "") -> None:
    args = ["highlight", str(path), "--quote", quote]
    if note:
        args += ["--note", note]
    assert cli(library, *args) == 0


def test_refresh_keeps_highlights_through_a_changed_page(
    web: LocalServer, library: Path, isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_tides(web, library)
    highlight(library, path, "the tables tell you when", note="kept in place")
    highlight(library, path, "the moon keeps its word")
    highlight(library, path, "A harbour master reads them aloud", note="wording changed")
    highlight(library, path, "wrong by more than a few minutes", note="paragraph removed")
    capsys.readouterr()
    web.routes["/tides"] = page(article_html("Tide Tables", SECOND))
    assert cli(library, "refresh") == 0
    out = capsys.readouterr().out
    assert out.startswith("refreshed “Tide Tables” → ")
    assert out.rstrip().endswith(": 0 exact, 3 moved, 1 orphaned")
    text = path.read_text(encoding="utf-8")
    assert "harbour mistress" in text and "Editor's note" in text
    store = AnnotationStore(isolated_paths / "db.json")
    annotations = {a.quote.exact: a for a in store.all_annotations()}
    assert len(annotations) == 4  # orphans are kept
    orphan = annotations["wrong by more than a few minutes"]
    assert orphan.status is AnchorStatus.ORPHANED and orphan.note == "paragraph removed"
    from reader.loading import load_article

    article = load_article(path)
    for quote in ("the tables tell you when", "the moon keeps its word"):
        found = annotations[quote]
        assert article.text[found.start:found.end] == quote
        assert found.article_id == article.id
    fuzzy = annotations["A harbour master reads them aloud"]
    assert fuzzy.status is AnchorStatus.FUZZY
    assert article.text[fuzzy.start:fuzzy.end].startswith("A harbour mistress")


def test_an_unchanged_page_rewrites_nothing(
    web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_tides(web, library)
    before = path.read_bytes()
    os.utime(path, (1_000_000, 1_000_000))
    capsys.readouterr()
    assert cli(library, "refresh", str(path)) == 0  # no ETag: the texts are compared
    assert capsys.readouterr().out == f"unchanged: {path}\n"
    assert path.read_bytes() == before and path.stat().st_mtime == 1_000_000


def test_etag_makes_a_conditional_request(
    web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web.routes["/tides"] = etag_page(article_html("Tide Tables", FIRST), '"v1"')
    assert cli(library, "add", web.url("/tides")) == 0
    path = library / "tide-tables.md"
    assert 'etag: \'"v1"\'' in path.read_text(encoding="utf-8")
    before = path.read_bytes()
    capsys.readouterr()
    assert cli(library, "refresh") == 0
    assert capsys.readouterr().out == f"unchanged: {path}\n"
    assert web.requests[-1][1]["if-none-match"] == '"v1"'
    assert path.read_bytes() == before
    # A new version: fetched, stored with its new ETag.
    web.routes["/tides"] = etag_page(article_html("Tide Tables", SECOND), '"v2"')
    assert cli(library, "refresh") == 0
    assert "refreshed" in capsys.readouterr().out
    assert 'etag: \'"v2"\'' in path.read_text(encoding="utf-8")


def test_an_error_keeps_the_stored_article(
    web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_tides(web, library)
    before = path.read_bytes()
    capsys.readouterr()
    web.routes["/tides"] = page("<h1>down</h1>", status=503)
    assert cli(library, "refresh", str(path)) == 1
    err = capsys.readouterr().err
    assert err == (f"postil: cannot refresh {path}: {web.url('/tides')}: HTTP 503 Service "
                   "Unavailable (a server error; try again later) (stored copy kept)\n")
    assert path.read_bytes() == before
    assert sorted(p.name for p in library.iterdir()) == ["tide-tables.md"]  # no temp files


def test_user_front_matter_is_kept_on_refresh(web: LocalServer, library: Path) -> None:
    path = add_tides(web, library)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", "---\nrating: 5\ntags:\n- sea\n", 1), encoding="utf-8")
    web.routes["/tides"] = page(article_html("Tide Tables", SECOND))
    assert cli(library, "refresh") == 0
    from reader.formats.frontmatter import split_front_matter

    front, _body = split_front_matter(path.read_text(encoding="utf-8"))
    assert front is not None and front.raw["rating"] == 5 and front.raw["tags"] == ["sea"]


def test_older_than_and_non_web_articles(
    web: LocalServer, library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_tides(web, library)
    web.routes["/tides"] = page(article_html("Tide Tables", SECOND))
    capsys.readouterr()
    assert cli(library, "refresh", "--older-than", "1") == 0  # fetched just now: skipped
    assert web.hits("/tides") == 1
    assert "no web articles to refresh" in capsys.readouterr().err
    assert cli(library, "refresh", "--older-than", "0") == 0
    assert web.hits("/tides") == 2
    local = library / "local.txt"
    local.write_text("A local note\n\nWith some text.\n", encoding="utf-8")
    capsys.readouterr()
    assert cli(library, "refresh", str(local)) == 1
    assert "not a web article postil fetched" in capsys.readouterr().err
    assert path.exists()


def test_add_refresh_updates_a_known_address(
    web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_tides(web, library)
    web.routes["/tides"] = page(article_html("Tide Tables", SECOND))
    capsys.readouterr()
    assert cli(library, "add", "--refresh", web.url("/tides")) == 0
    assert "refreshed “Tide Tables”" in capsys.readouterr().out
    assert "harbour mistress" in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in library.iterdir()) == ["tide-tables.md"]


def test_local_edits_are_never_overwritten_without_force(
    web: LocalServer, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_tides(web, library)
    edited = path.read_text(encoding="utf-8").replace("twice a day", "twice a day (my note)")
    path.write_text(edited, encoding="utf-8")
    web.routes["/tides"] = page(article_html("Tide Tables", SECOND))
    capsys.readouterr()
    assert cli(library, "refresh") == 1
    assert "edited here since it was fetched" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == edited
    assert web.hits("/tides") == 1  # not even fetched
    assert cli(library, "refresh", "--force") == 0
    assert "harbour mistress" in path.read_text(encoding="utf-8")
    assert cli(library, "refresh") == 0  # the refreshed copy is postil's again


def test_plain_text_pages_refresh_too(web: LocalServer, library: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    web.routes["/notes.txt"] = page("Tide Notes\n\n" + "\n\n".join(FIRST) + "\n",
                                    content_type="text/plain")
    assert cli(library, "add", web.url("/notes.txt")) == 0
    path = library / "tide-notes.txt"
    highlight(library, path, "the moon keeps its word")
    web.routes["/notes.txt"] = page("Tide Notes\n\n" + "\n\n".join(SECOND) + "\n",
                                    content_type="text/plain")
    capsys.readouterr()
    assert cli(library, "refresh", str(library)) == 0
    assert capsys.readouterr().out.rstrip().endswith(": 0 exact, 1 moved, 0 orphaned")
    assert path.read_text(encoding="utf-8").endswith("\n\n".join(SECOND) + "\n")
