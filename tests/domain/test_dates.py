"""Article dates: the published date from metadata; no date rather than a wrong one."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.formats.dates import normalise_date
from reader.loading import load_article

BODY = "Real article words in a paragraph of decent length for the extractor to keep. " * 8


def page(head: str, url: str = "https://news.example.com/2019/03/01/story", title: str = "") -> str:
    return (
        f"<html><head><title>{title or 'Ten years after the 2009 crash'}</title>"
        f'<link rel="canonical" href="{url}">{head}</head><body><article>'
        f"<h1>{title or 'Ten years after the 2009 crash'}</h1><p>Updated 2020-01-05.</p>"
        f"<p>{BODY}</p></article></body></html>"
    )


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2021-06-15T08:00:00Z">',
        '<meta itemprop="datePublished" content="2021-06-15">',
        '<meta name="dc.date" content="2021-06-15">',
        '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
        '{"@type": "NewsArticle", "datePublished": "2021-06-15T10:00:00+01:00"}]}</script>',
    ],
)
def test_the_published_date_from_metadata_wins_over_url_and_headline(
    tmp_path: Path, head: str
) -> None:
    path = tmp_path / "story.html"
    path.write_text(page(head))
    assert load_article(path).meta.date == "2021-06-15"


def test_no_declared_date_shows_no_date(tmp_path: Path) -> None:
    path = tmp_path / "story.html"
    path.write_text(page(""))
    assert load_article(path).meta.date == ""  # not 2019-03-01 from the URL, nor 2009


def test_a_clipping_date_is_not_the_publication_date(tmp_path: Path) -> None:
    note = tmp_path / "clip.md"
    note.write_text("---\ntitle: T\ncreated: 2026-11-30\n---\n\nBody.\n")
    assert load_article(note).meta.date == ""
    note.write_text("---\ntitle: T\ncreated: 2026-11-30\npublished: 2024-02-03T10:00\n---\nB.\n")
    assert load_article(note).meta.date == "2024-02-03"


def test_impossible_dates_are_dropped(tmp_path: Path) -> None:
    note = tmp_path / "bad.md"
    note.write_text("---\ntitle: T\ndate: '2024-13-45'\n---\n\nBody.\n")
    assert load_article(note).meta.date == ""
    assert normalise_date("2024-02-30") == ""
    assert normalise_date("2024-2-3") == "2024-02-03"
    assert normalise_date("20240203") == "2024-02-03"
    assert normalise_date(None) == ""
