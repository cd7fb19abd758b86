"""Article tags from saved pages and front matter: keyword lists split, tags normalised."""

from __future__ import annotations

from pathlib import Path

from reader.formats.frontmatter import parse_tags
from reader.loading import load_article

WORDS = "Some words of the article that make a paragraph long enough to be its main text. " * 6


def test_a_saved_pages_keyword_list_becomes_separate_tags(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Pride Month</title>"
        '<meta name="keywords" content="culture, news, LGBTQ, Human Rights">'
        '<meta property="article:tag" content="News"></head>'
        f"<body><article><p>{WORDS}</p></article></body></html>"
    )
    assert load_article(page).meta.tags == ["culture", "news", "lgbtq", "human-rights"]


def test_keyword_strings_inside_lists_are_split_and_normalised() -> None:
    assert parse_tags(["culture, news; #Long Reads", "Culture"]) == [
        "culture", "news", "long-reads",
    ]
    assert parse_tags("#Tech #AI") == ["tech", "ai"]


def test_front_matter_keywords_are_split(tmp_path: Path) -> None:
    note = tmp_path / "a.md"
    note.write_text("---\ntitle: T\nkeywords: ['culture, news', lgbtq]\n---\n\nBody.\n")
    assert load_article(note).meta.tags == ["culture", "news", "lgbtq"]
