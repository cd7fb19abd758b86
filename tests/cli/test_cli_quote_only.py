"""Quote-only sources (imported books not in the library): listed with a mark, searchable,
reviewable and exportable from the shell (the reader's side: tests/ui/test_ui_quote_only.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from annotations.model import (
    AnchorStatus,
    Annotation,
    ImportSource,
    TextPositionSelector,
    TextQuoteSelector,
)
from annotations.quote_only import article_key, quote_only_sources
from annotations.review import ReviewPolicy, daily_batch
from tests.cli.test_cli_import_sources import library, run  # noqa: F401  (a fixture)
from tests.domain.test_importers import HEADERS, clip

MEDITATIONS = (
    clip("Meditations (Marcus Aurelius)", HEADERS["en"],
         "You have power over your mind, not outside events.")
    + clip("Meditations (Marcus Aurelius)", "Your Note on page 12 | Location 181 | Added on "
           "Monday, 3 March 2025 10:16:00", "realise this")
)


@pytest.fixture
def imported(tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]) -> Path:  # noqa: F811
    """The library with one Kindle book imported that it does not hold."""
    clippings = tmp_path / "My Clippings.txt"
    clippings.write_text(MEDITATIONS, encoding="utf-8")
    code, out, _err = run(capsys, library, "import", str(clippings))
    assert code == 0 and "quote-only (not in the library yet): 1" in out
    return library


def test_list_shows_quote_only_sources_with_a_mark(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out, _ = run(capsys, imported, "list")
    line = out.splitlines()[-1]
    assert line.startswith("Meditations — Marcus Aurelius  [quote-only: 1 highlight imported "
                           "from Kindle")
    _code, out, _ = run(capsys, imported, "list", "--json")
    records = json.loads(out)
    assert [r["quote_only"] for r in records] == [False, True]
    assert records[1]["path"] is None
    assert records[1]["source"]["imported_from"] == "Kindle"
    # Listing given folders lists their articles only.
    _code, out, _ = run(capsys, imported, "list", str(imported))
    assert "quote-only" not in out


def test_library_search_finds_quote_only_highlights(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out, _ = run(capsys, imported, "search", "power over your mind")
    assert "Meditations — Marcus Aurelius  (quote-only, id " in out
    _code, out, _ = run(capsys, imported, "search", "realise", "--json")
    [hit] = json.loads(out)
    assert hit["quote_only"] is True and hit["path"] is None and hit["text"] == "realise this"


def test_review_names_the_book_and_does_not_call_it_orphaned(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out, _ = run(capsys, imported, "review")
    assert "— Meditations by Marcus Aurelius (new, quote-only: not in the library)" in out
    assert "orphaned" not in out
    _code, out, _ = run(capsys, imported, "review", "--json")
    [item] = json.loads(out)
    assert item["quote_only"] is True and item["orphaned"] is False


def test_markdown_export_says_where_a_quote_only_book_came_from(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out, _ = run(capsys, imported, "export", "-o", "-")
    assert "- Source: imported from Kindle (quote-only: the book is not in the library)" in out
    assert "- Source: \n" not in out
    assert "realise this" in out


def _quote_only(number: int, title: str) -> Annotation:
    return Annotation(
        id=f"00000000-0000-4000-8000-{number:012}", article_id="", path="",
        quote=TextQuoteSelector(f"quote {number}"), position=TextPositionSelector(0, 0),
        status=AnchorStatus.ORPHANED,
        created="2025-01-01T00:00:00Z", updated="2025-01-01T00:00:00Z",
        source=ImportSource(format="kindle", title=title, author="A"),
    )


def test_two_imported_books_are_two_articles_for_the_review() -> None:
    """The per-article cap counts each quote-only book apart (they all have no path)."""
    annotations = [_quote_only(n, "One") for n in range(3)] + [
        _quote_only(n, "Two") for n in range(3, 6)
    ]
    assert len({article_key(a) for a in annotations}) == 2
    policy = ReviewPolicy(per_day=4, new_per_day=10, per_article=2)
    batch = daily_batch(annotations, {}, today=date(2026, 1, 1), policy=policy)
    titles = [item.annotation.source.title for item in batch if item.annotation.source]
    assert sorted(titles) == ["One", "One", "Two", "Two"]
    assert [s.display_title for s in quote_only_sources(annotations)] == ["One", "Two"]
