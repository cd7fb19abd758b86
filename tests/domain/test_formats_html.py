"""HTML articles: main text extracted (chrome, ads, comments dropped), metadata, fallback."""

from __future__ import annotations

import time

import pytest

from reader.document import BlockKind, Document
from reader.formats import html
from reader.formats.frontmatter import split_front_matter
from reader.formats.markdown import parse as parse_markdown

ARTICLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>The Quiet Harbour | Coastal Times</title>
<meta property="og:title" content="The Quiet Harbour">
<meta name="author" content="Maria Lindqvist">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<link rel="canonical" href="https://coastal.example.com/2024/quiet-harbour">
<meta name="description" content="How a fishing town learned to live with fewer boats.">
<script>window.track = function(){ document.write("TRACKING-PIXEL"); };</script>
<style>body{font-family:serif} .x:before{content:"STYLE-TEXT"}</style>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News desk</a></li>
<li><a href="/subscribe">Subscribe now</a></li></ul></nav></header>
<div class="ad banner">Advertisement: BUY-CHEAP-BOATS today!</div>
<main><article>
<h1>The Quiet Harbour</h1>
<p>For three hundred years the harbour at Vik was the loudest place in the county. Boats came
in before dawn, the auction started at six, and by nine the quay was slick with scales.</p>
<h2>Fewer boats</h2>
<p>Today there are four boats left. <em>Four.</em> The fishermen who remain say the quiet is
the hardest part: <strong>nobody shouts anymore</strong>, and the gulls have gone inland.</p>
<blockquote><p>We used to know the weather by the sound of the engines.</p></blockquote>
<ul><li>Cod quotas were cut in 2009.</li><li>Fuel prices doubled in a decade.</li></ul>
<p>Read the <a href="https://coastal.example.com/report">full council report</a> for the
numbers behind the decline, which are grim but not hopeless. Some say *stars* and [brackets]
and 2 &lt; 3 &amp; snake_case_names matter.</p>
<pre><code>catch = sum(boat.catch for boat in fleet)
print(catch)</code></pre>
<p>The town council meets again in spring to decide whether the harbour can be turned into a
marina, a plan most of the remaining fishermen oppose for reasons of pride.</p>
</article></main>
<aside class="sidebar"><h3>Most Popular</h3><ul><li><a href="/a">SIDEBAR-LINK ten things</a></li>
<li><a href="/b">Weather warning</a></li></ul></aside>
<section id="comments" class="comments"><h3>Comments (2)</h3>
<div class="comment"><p>COMMENT-TEXT great article, I grew up there!</p></div>
<div class="comment"><p>COMMENT-TEXT first!!!</p></div></section>
<footer><p>© 2024 Coastal Times. FOOTER-TEXT All rights reserved.</p></footer>
</body></html>
"""

# Only reader comments: trafilatura finds no article in it.
NO_ARTICLE_PAGE = (
    "<html><head><title>Guest book</title><script>var SCRIPT_TEXT = 1;</script></head>"
    "<body><div id=comments class=comments>"
    + "".join(
        f"<div class=comment><p>Comment number {i}: I really liked this piece.</p></div>"
        for i in range(10)
    )
    + "</div></body></html>"
)


def blocks_of(document: Document) -> list[tuple[BlockKind, str]]:
    return [(block.kind, document.block_text(i)) for i, block in enumerate(document.blocks)]


@pytest.fixture(scope="module")
def page() -> html.ExtractedPage:
    return html.extract_page(ARTICLE_PAGE)


def test_main_text_extracted_and_chrome_dropped(page: html.ExtractedPage) -> None:
    document = parse_markdown(page.to_markdown_file()).document
    text = document.text
    assert "For three hundred years the harbour at Vik" in text
    assert "turned into a marina" in text
    for junk in (
        "TRACKING-PIXEL", "STYLE-TEXT", "BUY-CHEAP-BOATS", "SIDEBAR-LINK", "COMMENT-TEXT",
        "FOOTER-TEXT", "News desk",
    ):  # fmt: skip
        assert junk not in text, junk
    assert page.notice is None


def test_metadata_from_the_page(page: html.ExtractedPage) -> None:
    front = page.front
    assert front.title == "The Quiet Harbour"
    assert front.author == "Maria Lindqvist"
    assert front.date == "2024-03-05"
    assert front.url == "https://coastal.example.com/2024/quiet-harbour"
    assert front.dek == "How a fishing town learned to live with fewer boats."


def test_structure_is_kept() -> None:
    parsed = html.parse(ARTICLE_PAGE)
    document = parsed.document
    kinds = blocks_of(document)
    assert kinds[0] == (BlockKind.TITLE, "The Quiet Harbour")
    assert (BlockKind.HEADING, "Fewer boats") in kinds
    assert (BlockKind.QUOTE, "We used to know the weather by the sound of the engines.") in kinds
    assert (BlockKind.LIST_ITEM, "Cod quotas were cut in 2009.") in kinds
    assert (BlockKind.CODE, "catch = sum(boat.catch for boat in fleet)\nprint(catch)") in kinds
    spans = [(s.style, document.text[s.start : s.end], s.url) for s in document.spans]
    assert ("em", "Four.", None) in spans
    assert ("strong", "nobody shouts anymore", None) in spans
    assert ("link", "full council report", "https://coastal.example.com/report") in spans
    assert parsed.title == "The Quiet Harbour"
    assert parsed.author == "Maria Lindqvist"
    assert parsed.url == "https://coastal.example.com/2024/quiet-harbour"


def test_page_text_that_looks_like_markdown_stays_literal() -> None:
    text = html.parse(ARTICLE_PAGE).document.text
    assert "Some say *stars* and [brackets] and 2 < 3 & snake_case_names matter." in text


def test_stored_markdown_round_trips_to_the_same_document(page: html.ExtractedPage) -> None:
    stored = page.to_markdown_file()
    front, _body = split_front_matter(stored)
    assert front is not None
    assert (front.title, front.author, front.url) == (
        "The Quiet Harbour",
        "Maria Lindqvist",
        "https://coastal.example.com/2024/quiet-harbour",
    )
    from_page = html.parse(ARTICLE_PAGE)
    from_file = parse_markdown(stored)
    assert from_file.document.text == from_page.document.text
    assert from_file.document.blocks == from_page.document.blocks


def test_no_main_text_falls_back_to_full_text_with_notice() -> None:
    parsed = html.parse(NO_ARTICLE_PAGE)
    assert parsed.notice == html.NO_MAIN_TEXT
    text = parsed.document.text
    assert "Comment number 0: I really liked this piece." in text
    assert "Comment number 9" in text
    assert "SCRIPT_TEXT" not in text
    assert parsed.title == "Guest book"


def test_scripts_and_hostile_markup_never_show() -> None:
    page = (
        "<html><body><article><p>Safe words of an article that is long enough to be the main "
        "text, with several sentences. It goes on for a while so it counts.</p>"
        "<script>alert('SCRIPTED')</script><p onclick=\"x()\">[@click=app.quit] and [/] "
        "<a href=\"javascript:alert(1)\">bad link</a> stay text.</p>"
        "<p>\x1b[31mnot red</p></article></body></html>"
    )
    parsed = html.parse(page)
    text = parsed.document.text
    assert "SCRIPTED" not in text
    assert "[@click=app.quit] and [/]" in text
    assert "bad link" in text
    assert all(span.url is None or "javascript" not in span.url for span in parsed.document.spans)


def test_deeply_nested_page_does_not_crash() -> None:
    page = "<html><body>" + "<div>" * 3000 + "<p>Deep words here.</p>" + "</div>" * 3000
    parsed = html.parse(page + "</body></html>")
    assert "Deep words here." in parsed.document.text


@pytest.mark.parametrize("text", ["", "   ", "<html></html>", "plain words, no tags"])
def test_degenerate_pages(text: str) -> None:
    parsed = html.parse(text)
    assert isinstance(parsed.document.text, str)
    if "plain words" in text:
        assert "plain words, no tags" in parsed.document.text


def test_table_and_image_survive_conversion() -> None:
    page = (
        "<html><body><article><p>A long enough introduction paragraph for the extractor to "
        "treat this as an article with real content in it, so it keeps the table.</p>"
        "<table><tr><th>Boat</th><th>Catch</th></tr><tr><td>Maria</td><td>12</td></tr>"
        "<tr><td>Sven | Jr</td><td>3</td></tr></table>"
        "<p>Another paragraph of real text follows the table and ends the article here.</p>"
        "</article></body></html>"
    )
    document = html.parse(page).document
    # Columns are padded; a "|" inside a cell stays text.
    assert "Boat      | Catch\nMaria     | 12\nSven | Jr | 3" in document.text


def test_structural_extraction_matches_trafilatura_on_an_article() -> None:
    # Large pages skip trafilatura; both ways must read an ordinary article the same.
    structural = html._extract_large_page(ARTICLE_PAGE)
    assert structural.front.title == "The Quiet Harbour"
    assert structural.front.author == "Maria Lindqvist"
    assert structural.front.url == "https://coastal.example.com/2024/quiet-harbour"
    assert structural.front.date == "2024-03-05"
    expected = html.parse(ARTICLE_PAGE).document
    document = parse_markdown(structural.to_markdown_file()).document
    assert blocks_of(document) == blocks_of(expected)


def test_large_page_is_read_quickly_without_boilerplate() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i} of the book, with an <i>aside</i> now and then.</p>" for i in range(4000)
    )
    page = (
        "<html><head><title>A Long Book</title><meta name='author' content='Ann Lee'></head>"
        "<body><nav class='menu'><a href='/'>NAV-HOME</a></nav><main><h1>A Long Book</h1>"
        f"{paragraphs}<div class='share-tools'>SHARE-BAR</div></main>"
        "<footer>FOOTER-TEXT</footer><div id='comments'>COMMENT-TEXT</div></body></html>"
    )
    assert html.is_large_page(page)
    started = time.perf_counter()
    parsed = html.parse(page)
    elapsed = time.perf_counter() - started
    text = parsed.document.text
    assert "Paragraph 3999 of the book" in text
    for junk in ("NAV-HOME", "SHARE-BAR", "FOOTER-TEXT", "COMMENT-TEXT"):
        assert junk not in text
    assert (parsed.title, parsed.author) == ("A Long Book", "Ann Lee")
    assert elapsed < 4, f"{elapsed:.2f}s"
