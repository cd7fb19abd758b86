"""Site chrome in scraped plain text: detected between paragraphs, never mistaken for prose."""

from __future__ import annotations

import pytest

from reader.document import BlockKind
from reader.formats import plaintext
from reader.formats.chrome import (
    CHROME_SCAN_HEAD,
    CHROME_SCAN_TAIL,
    chrome_candidates,
    is_chrome_line,
)
from reader.loading import load_article
from tests.support.paths import SEED, SEED_AUTHOR, SEED_TITLE


@pytest.mark.parametrize(
    "line",
    [
        "Most Popular",
        "Related Articles:",
        "Related Articles: ",
        "message circleSHOW COMMENT (1)chevron",
        "Share this article",
        "SHARE THIS STORY",
        "Advertisement",
        "ADVERTISEMENT - CONTINUE READING BELOW",
        "Story continues below advertisement",
        "Facebook Twitter Email",
        "Share | Tweet | Email",
        "Facebook · LinkedIn · WhatsApp",
        "12 comments",
        "Comments (3)",
        "View 4 comments",
        "5 min read",
        "Tags: politics, China",
        "Sign up",
        "Subscribe now",
        "Read more",
        "Read Next",
        "You may also like",
        "Loading...",
        "Follow us on Twitter",
        "Skip to content",
        "Back to top",
    ],
)
def test_chrome_lines(line: str) -> None:
    assert is_chrome_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "The Road Ahead",
        "Related Work in Robotics",
        "The Most Popular Person in Town",
        '"Never again."',
        "“Share the load,” she said",
        "Huawei Chairman Considering Signing a No-Spy Deal with the United States",
        "Susan Fourtané",
        "iOS 17 Review",
        "macOS Sonoma",
        "Search",  # a one-word heading: a lone weak label is not chrome
        "Twitter",
        "Home",
        "Conclusion",
        "Why Email Still Matters",
        "Comments are closed for this reason.",
        "Subscribe to our newsletter for more.",
        "COVID (19) update",
        "",
        "Share this article\nand more",
        "Most Popular " + "word " * 20,
    ],
)
def test_not_chrome(line: str) -> None:
    assert not is_chrome_line(line)


def test_bundled_sample_has_exactly_three_chrome_lines() -> None:
    article = load_article(SEED)
    document = article.document
    chrome = [
        document.block_text(i)
        for i, block in enumerate(document.blocks)
        if block.kind is BlockKind.CHROME
    ]
    assert chrome == ["Most Popular", "Related Articles:", "message circleSHOW COMMENT (1)chevron"]


def test_bundled_sample_header_and_body() -> None:
    article = load_article(SEED)
    document = article.document
    kinds = [block.kind for block in document.blocks]
    assert kinds[:3] == [BlockKind.TITLE, BlockKind.DEK, BlockKind.BYLINE]
    assert document.block_text(0) == SEED_TITLE
    assert document.block_text(1).startswith("Huawei's willingness to sign a no-spy agreement")
    assert document.block_text(2) == SEED_AUTHOR
    assert article.meta.title == SEED_TITLE
    assert article.meta.author == SEED_AUTHOR
    # Every other block is a body paragraph: all the prose, none of it taken for chrome.
    body = [i for i, kind in enumerate(kinds) if kind is BlockKind.PARAGRAPH]
    assert len(body) == len(kinds) - 3 - 3
    assert document.block_text(body[0]).startswith("According to the United States")
    assert document.block_text(body[-1]).startswith("Experts in China say")


def test_chrome_is_kept_in_the_text_but_not_counted() -> None:
    text = (
        "A Title For The Piece\n\nFirst body paragraph with seven words here.\n\n"
        "Most Popular\n\nSecond body paragraph, also prose.\n\nShare | Tweet | Email\n\n"
        "Third paragraph ends it.\n"
    )
    document = plaintext.parse(text).document
    assert "Most Popular" in document.text and "Share | Tweet | Email" in document.text
    chrome = [b for b in document.blocks if b.kind is BlockKind.CHROME]
    assert len(chrome) == 2
    assert document.word_count() == 7 + 5 + 4


def test_heading_and_one_line_quote_between_paragraphs_stay_prose() -> None:
    text = (
        "A Title For The Piece\n\nFirst body paragraph of the article.\n\nThe Road Ahead\n\n"
        "Second body paragraph of the article.\n\n“We will be back.”\n\nThird paragraph.\n"
    )
    document = plaintext.parse(text).document
    assert all(block.kind is not BlockKind.CHROME for block in document.blocks)


def test_chrome_above_the_headline_and_right_after_the_byline() -> None:
    text = (
        "Skip to content\n\nAdvertisement\n\nReal Title Here\n\nBy Jane Doe\n\n"
        "Share this article\n\nThe first body paragraph of the story.\n\nThe second one.\n"
    )
    parsed = plaintext.parse(text)
    document = parsed.document
    kinds = [(block.kind, document.block_text(i)) for i, block in enumerate(document.blocks)]
    assert kinds == [
        (BlockKind.CHROME, "Skip to content"),
        (BlockKind.CHROME, "Advertisement"),
        (BlockKind.TITLE, "Real Title Here"),
        (BlockKind.BYLINE, "By Jane Doe"),
        (BlockKind.CHROME, "Share this article"),
        (BlockKind.PARAGRAPH, "The first body paragraph of the story."),
        (BlockKind.PARAGRAPH, "The second one."),
    ]
    assert (parsed.title, parsed.author) == ("Real Title Here", "Jane Doe")


def test_a_lone_label_is_the_article_not_chrome() -> None:
    document = plaintext.parse("Advertisement\n").document
    assert [block.kind for block in document.blocks] == [BlockKind.TITLE]


@pytest.mark.parametrize(
    "line",
    ["iconSHARES (3)", "12 people (12)commented", "heartLIKE", "x (4)abc"],
)
def test_glued_icon_names_and_counters(line: str) -> None:
    assert is_chrome_line(line)


@pytest.mark.parametrize("line", ["NASA and ESA", "iPhone Pro Max", "report (2019) by us"])
def test_capitals_and_parentheses_alone_are_not_chrome(line: str) -> None:
    assert not is_chrome_line(line)


def _counting_chrome_test(monkeypatch: pytest.MonkeyPatch, module: object) -> list[str]:
    seen: list[str] = []

    def counting(text: str) -> bool:
        seen.append(text)
        return is_chrome_line(text)

    monkeypatch.setattr(module, "is_chrome_line", counting)
    return seen


def _long_article(paragraphs: int) -> list[str]:
    lines = ["Advertisement"] + [f"short line {i}" for i in range(paragraphs)] + ["Most Popular"]
    lines.insert(paragraphs // 2, "Share this article")
    return lines


@pytest.mark.parametrize("form", ["text", "markdown"])
def test_a_very_long_document_is_searched_for_chrome_at_its_ends_only(
    monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """Chrome sits around an article's text: a 20,000-paragraph document has only its first
    CHROME_SCAN_HEAD and last CHROME_SCAN_TAIL paragraphs checked, not every line."""
    from reader.formats import article_header, markdown

    count = 4 * (CHROME_SCAN_HEAD + CHROME_SCAN_TAIL)
    lines = _long_article(count)
    source = "# A Title\n\n" if form == "markdown" else "A Title\n\nBy Ann Author\n\n"
    source += "\n\n".join(lines) + "\n"
    module = article_header if form == "markdown" else plaintext
    seen = _counting_chrome_test(monkeypatch, module)
    parse = markdown.parse if form == "markdown" else plaintext.parse
    document = parse(source).document
    assert len(seen) <= CHROME_SCAN_HEAD + CHROME_SCAN_TAIL + 2
    chrome = [document.block_text(i) for i, block in enumerate(document.blocks)
              if block.kind is BlockKind.CHROME]
    assert chrome == ["Advertisement", "Most Popular"]  # the middle one is not looked for
    assert "Share this article" in document.text


def test_an_ordinary_article_is_searched_for_chrome_everywhere() -> None:
    lines = _long_article(CHROME_SCAN_HEAD)
    document = plaintext.parse("A Title\n\nBy Ann Author\n\n" + "\n\n".join(lines)).document
    chrome = [document.block_text(i) for i, block in enumerate(document.blocks)
              if block.kind is BlockKind.CHROME]
    assert chrome == ["Advertisement", "Share this article", "Most Popular"]


def test_chrome_candidates_are_all_or_the_two_ends() -> None:
    few = list(range(CHROME_SCAN_HEAD + CHROME_SCAN_TAIL))
    assert chrome_candidates(few) == few
    many = list(range(3 * CHROME_SCAN_HEAD))
    picked = chrome_candidates(many)
    assert picked[:CHROME_SCAN_HEAD] == many[:CHROME_SCAN_HEAD]
    assert picked[CHROME_SCAN_HEAD:] == many[-CHROME_SCAN_TAIL:]
