"""Titles and bylines of articles: chapter headings, places, entities, file-name fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.document import BlockKind
from reader.loading import load_article, readable_file_name

PROSE = (
    "Well, Prince, so Genoa and Lucca are now just family estates of the Buonapartes. But I "
    "warn you, if you don't tell me that this means war, I really believe you are an "
    "Antichrist. And how do you do? I see I have frightened you."
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "opening",
    ["BOOK ONE: 1805\n\nCHAPTER I", "Chapter 1", "[ 1 ]", "CHAPTER I.", "PART THE FIRST",
     "STAVE I", "XIV.", "Prologue"],
)
def test_a_book_opening_with_a_chapter_heading_takes_its_title_from_the_file_name(
    tmp_path: Path, opening: str
) -> None:
    article = load_article(write(tmp_path, "war_and_peace.txt", f"{opening}\n\n{PROSE}\n"))
    assert article.meta.title == "War And Peace"
    assert article.meta.author == ""
    kinds = [block.kind for block in article.document.blocks]
    assert BlockKind.TITLE not in kinds and BlockKind.BYLINE not in kinds
    assert kinds[0] is BlockKind.HEADING  # shown as the chapter heading it is


def test_chapter_headings_inside_a_book_are_headings(tmp_path: Path) -> None:
    text = f"War and Peace\n\nBy Leo Tolstoy\n\nCHAPTER I\n\n{PROSE}\n\nCHAPTER II\n\n{PROSE}\n"
    article = load_article(write(tmp_path, "book.txt", text))
    assert (article.meta.title, article.meta.author) == ("War and Peace", "Leo Tolstoy")
    headings = [article.document.block_text(i) for i, b in enumerate(article.document.blocks)
                if b.kind is BlockKind.HEADING]
    assert headings == ["CHAPTER I", "CHAPTER II"]


def test_ordinary_titles_stay_titles(tmp_path: Path) -> None:
    for title in ("Part of the Problem", "Chapter and Verse on Housing Policy", "Mix", "1805"):
        article = load_article(write(tmp_path, "a.txt", f"{title}\n\n{PROSE}\n"))
        assert article.meta.title == title


@pytest.mark.parametrize("venue", ["Old Trafford", "Wembley Stadium", "Anfield", "Villa Park",
                                   "Madison Square Garden Arena"])
def test_a_stadium_is_not_a_byline(tmp_path: Path, venue: str) -> None:
    text = f"United beat City in a thriller\n\n{venue}\n\n{PROSE}\n"
    article = load_article(write(tmp_path, "match.txt", text))
    assert article.meta.title == "United beat City in a thriller"
    assert article.meta.author == ""


def test_real_bylines_are_still_found(tmp_path: Path) -> None:
    for byline, author in (("By Sarah Hall", "Sarah Hall"), ("Susan Fourtané", "Susan Fourtané"),
                           ("Jane Park", "Jane Park")):
        article = load_article(write(tmp_path, "a.txt", f"A Headline Here\n\n{byline}\n\n{PROSE}"))
        assert article.meta.author == author


def test_readable_file_name() -> None:
    assert readable_file_name(Path("war_and_peace.txt")) == "War And Peace"
    assert readable_file_name(Path("the-road-ahead.md")) == "The Road Ahead"
    assert readable_file_name(Path("don't panic.txt")) == "Don't Panic"
    assert readable_file_name(Path("___.txt")) == "___.txt"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a.txt", "&#163;1.8m indecency fine\n\n" + PROSE),
        ("b.txt", "&amp;#163;1.8m indecency fine\n\n" + PROSE),
        ("c.md", "---\ntitle: '&#163;1.8m indecency fine'\n---\n\n" + PROSE),
        ("d.md", "# &#163;1.8m indecency fine\n\n" + PROSE),
        ("e.html", "<html><head><title>&amp;#163;1.8m indecency fine</title></head><body>"
                   f"<article><p>{PROSE} {PROSE}</p></article></body></html>"),
    ],
)
def test_entities_in_titles_are_decoded_in_every_format(
    tmp_path: Path, name: str, text: str
) -> None:
    article = load_article(write(tmp_path, name, text))
    assert article.meta.title == "£1.8m indecency fine"
    if name.endswith(".txt"):
        assert article.text.startswith("£1.8m indecency fine")  # the title block too


def test_entities_in_author_and_dek_are_decoded(tmp_path: Path) -> None:
    text = "---\ntitle: T\nauthor: 'Ana &amp; Bo'\ndescription: 'Caf&eacute; life'\n---\n\nBody."
    meta = load_article(write(tmp_path, "a.md", text)).meta
    assert (meta.author, meta.dek) == ("Ana & Bo", "Café life")
