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


def long_paragraph_article(tmp_path: Path, paragraph: str) -> object:
    path = tmp_path / "long.txt"
    path.write_text(f"A Long Report\n\n{paragraph}\n")
    return load_article(path)


def test_a_phrase_across_two_long_sentences_is_found_whole(tmp_path: Path) -> None:
    first = ("The committee spent the better part of three long winters reading every "
             "submission, weighing the testimony of farmers, engineers and teachers alike, "
             "and arguing late into the night about what the evidence could and could not "
             "support before it finally agreed that the river had to be left to find its own "
             "course through the valley floor")
    second = ("Nobody in the village expected the decision to hold for long, yet it outlasted "
              "every member of that committee and most of their critics, who had predicted "
              "floods, famine and ruin within a decade of the vote being taken in the old hall")
    paragraph = f"{first}. {second}. " + " ".join([second + "."] * 3)
    article = long_paragraph_article(tmp_path, paragraph)
    query = "its own course through the valley floor. Nobody in the village expected"
    hits = search_article(article, query)
    assert hits and hits[0].score == 100
    start = article.text.index("its own course")  # type: ignore[attr-defined]
    assert hits[0].match_start == start


def test_any_twelve_word_span_of_a_long_paragraph_is_an_exact_hit(tmp_path: Path) -> None:
    import random

    rng = random.Random(5)
    words = ("river valley committee winter farmer engineer teacher evidence village decision "
             "member critic flood famine ruin decade vote hall harvest bridge mill road").split()
    sentences = []
    for _ in range(40):
        count = rng.choice([3, 8, 20, 45, 70])
        sentences.append(" ".join(rng.choice(words) for _ in range(count)).capitalize() + ".")
    paragraph = " ".join(sentences)
    article = long_paragraph_article(tmp_path, paragraph)
    tokens = paragraph.split()
    for _ in range(60):
        first = rng.randrange(len(tokens) - 12)
        query = " ".join(tokens[first : first + 12])
        hits = search_article(article, query, limit=5)
        assert hits and hits[0].score == 100, query


def test_numbers_are_not_typos(tmp_path: Path) -> None:
    path = tmp_path / "years.md"
    path.write_text(
        "# Elections\n\n"
        "The turnout in the 2005 general election surprised every pollster.\n\n"
        "Filler paragraph about something else entirely, to separate the two.\n\n"
        "Turnout figures for the 2004 general election were published late.\n"
    )
    hits = search_article(load_article(path), "2004 general election")
    assert hits[0].text.startswith("Turnout figures for the 2004")
    assert all("2005" not in hit.text or hit.score < hits[0].score for hit in hits)
    assert all(not ("2005" in hit.text and hit.score >= 60) for hit in hits)


def test_long_paragraph_windows_overlap_by_a_phrase_and_stay_passage_sized() -> None:
    import random

    from reader.document import BlockKind, DocumentBuilder
    from reader.loading import Article, ArticleMeta
    from reader.search.passages import MAX_PASSAGE_CHARS, PHRASE_CHARS, article_passages

    rng = random.Random(3)
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda omicron".split()
    for _ in range(150):
        sentences = [
            " ".join(rng.choice(words) for _ in range(rng.choice([1, 2, 5, 15, 40, 70, 120])))
            .capitalize() + "."
            for _ in range(rng.randint(2, 30))
        ]
        paragraph = " ".join(sentences)
        builder = DocumentBuilder()
        builder.add(BlockKind.PARAGRAPH, paragraph)
        article = Article(ArticleMeta(id="x", path="/x.txt", title="x"), builder.build())
        passages = article_passages(article)
        assert passages[0].start == 0 and passages[-1].end == len(paragraph)
        assert all(p.end - p.start <= MAX_PASSAGE_CHARS for p in passages)
        for before, after in zip(passages, passages[1:], strict=False):
            assert before.start < after.start and before.end < after.end
            # At least PHRASE_CHARS less the length of one word (windows start at a word).
            assert before.end - after.start >= PHRASE_CHARS - 10
