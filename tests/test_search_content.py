"""Search content: image alt text is no passage; numbers are not typos; phrases across sentences."""

from __future__ import annotations

from pathlib import Path

from reader.document import BlockKind
from reader.loading import load_article
from reader.search import search_article

PROSE = "The quarterly report shows steady growth in every region we studied this year."


def test_image_alt_text_is_shown_but_not_searched(tmp_path: Path) -> None:
    note = tmp_path / "blog.md"
    note.write_text(
        "# Growing a Blog\n\n"
        f"{PROSE}\n\n"
        "![A chart of the growth in visitors](chart.png)\n\n"
        f"{PROSE} Inline ![New Call-to-action](cta.png) image here.\n\n"
        "[![New Call-to-action](https://x.example/cta.png)](https://x.example/offer)\n\n"
        f"{PROSE}\n"
    )
    article = load_article(note)
    assert "[image: A chart of the growth in visitors]" in article.text  # still shown
    images = [(s.start, s.end) for s in article.document.spans if s.style == "image"]
    assert len(images) == 3
    for query in ("New Call-to-action", "chart of the growth in visitors"):
        for hit in search_article(article, query):
            assert hit.score < 60, hit  # no passage holds the alt text's words
            assert not any(hit.match_start < end and start < hit.match_end
                           for start, end in images)
    assert search_article(article, "steady growth")[0].score == 100  # prose is still found


def test_a_call_to_action_image_is_boilerplate(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        f"# Title Here\n\n{PROSE}\n\n"
        "[![New Call-to-action](https://x.example/cta.png)](https://x.example/offer)\n\n"
        "![Subscribe button](b.png)\n\n"
        "![The harbour at dawn](h.png)\n\n"
        f"{PROSE}\n"
    )
    article = load_article(page)
    kinds = {article.document.block_text(i): b.kind for i, b in enumerate(article.document.blocks)}
    assert kinds["[image: New Call-to-action]"] is BlockKind.CHROME
    assert kinds["[image: Subscribe button]"] is BlockKind.CHROME
    assert kinds["[image: The harbour at dawn]"] is BlockKind.PARAGRAPH  # a real picture
    assert article.meta.words == load_article(page).meta.words


def test_a_saved_html_page_with_a_cta_image(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    body = " ".join([PROSE] * 4)
    page.write_text(
        "<html><head><title>Inbound Tips</title></head><body><article>"
        f"<p>{body}</p><p><a href='https://x.example/offer'>"
        "<img src='https://x.example/cta.png' alt='New Call-to-action'></a></p>"
        f"<p>{body}</p></article></body></html>"
    )
    article = load_article(page)
    hits = search_article(article, "New Call-to-action")
    assert all("Call-to-action" not in hit.text for hit in hits)
