"""Markdown articles: rendered text, blocks, spans, front matter, header detection, speed."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.document import BlockKind, Document
from reader.formats import markdown
from reader.formats.frontmatter import (
    FrontMatter,
    parse_tags,
    render_front_matter,
    split_front_matter,
)


def blocks_of(document: Document) -> list[tuple[BlockKind, str]]:
    return [(block.kind, document.block_text(i)) for i, block in enumerate(document.blocks)]


def spans_of(document: Document) -> list[tuple[str, str, str | None]]:
    return [(s.style, document.text[s.start : s.end], s.url) for s in document.spans]


def block_with(document: Document, text: str) -> int:
    for index in range(len(document.blocks)):
        if document.block_text(index) == text:
            return index
    raise AssertionError(f"no block {text!r} in {blocks_of(document)}")


ARTICLE = """\
---
title: "The Quiet Harbour: A Town Without Boats"
author: "[[Maria Lindqvist]]"
date: 2024-03-05
source: https://coastal.example.com/quiet-harbour
tags: [fishing, "small towns", "#coast"]
---
# The Quiet Harbour: A Town Without Boats

For three hundred years the harbour was *loud*, **busy** and ~~clean~~ — see
[the report](https://example.com/report "Report") and `grep -r`.

## Fewer boats

> We used to know the weather
> by the sound of the engines.
>
> > Said twice.

- Cod quotas were cut.
- Fuel prices *doubled*.
  1. first nested
  2. second nested

  The item goes on.
- Last item.

7. seven
8. eight

```python
def catch(fleet):
\treturn sum(boat.catch for boat in fleet)
```

    indented code

***

| Boat | Catch |
| --- | ---: |
| *Maria* | 12 |
| Sven | 3 |

![A boat at dawn](boat.png) beside text.

Line one  
line two\\
line three
soft
break.
"""


@pytest.fixture(scope="module")
def article() -> markdown.ParsedArticle:
    return markdown.parse(ARTICLE)


def test_canonical_text_has_no_markdown_syntax(article: markdown.ParsedArticle) -> None:
    text = article.document.text
    for syntax in ("# ", "**", "~~", "](", "> ", "```", "- Cod", "***", "---"):
        assert syntax not in text
    assert "loud, busy and clean" in text


def test_front_matter_feeds_metadata(article: markdown.ParsedArticle) -> None:
    assert article.title == "The Quiet Harbour: A Town Without Boats"
    assert article.author == "Maria Lindqvist"
    assert article.date == "2024-03-05"
    assert article.url == "https://coastal.example.com/quiet-harbour"
    assert article.tags == ["fishing", "small-towns", "coast"]  # normalised like annotation tags
    assert article.notice is None


def test_header_blocks(article: markdown.ParsedArticle) -> None:
    kinds = blocks_of(article.document)
    # The H1 equal to the front-matter title becomes the title; the byline is added.
    assert kinds[0] == (BlockKind.TITLE, "The Quiet Harbour: A Town Without Boats")
    assert kinds[1] == (BlockKind.BYLINE, "Maria Lindqvist · 2024-03-05")
    assert sum(1 for kind, _ in kinds if kind is BlockKind.TITLE) == 1


def test_headings_keep_level(article: markdown.ParsedArticle) -> None:
    document = article.document
    index = block_with(document, "Fewer boats")
    assert document.blocks[index].kind is BlockKind.HEADING
    assert document.blocks[index].level == 2


def test_inline_spans(article: markdown.ParsedArticle) -> None:
    spans = spans_of(article.document)
    assert ("em", "loud", None) in spans
    assert ("strong", "busy", None) in spans
    assert ("strike", "clean", None) in spans
    assert ("code", "grep -r", None) in spans
    assert ("link", "the report", "https://example.com/report") in spans


def test_quotes_have_depth(article: markdown.ParsedArticle) -> None:
    document = article.document
    outer = block_with(document, "We used to know the weather by the sound of the engines.")
    inner = block_with(document, "Said twice.")
    assert (document.blocks[outer].kind, document.blocks[outer].level) == (BlockKind.QUOTE, 1)
    assert (document.blocks[inner].kind, document.blocks[inner].level) == (BlockKind.QUOTE, 2)


def test_lists_markers_and_nesting(article: markdown.ParsedArticle) -> None:
    document = article.document
    items = [
        (document.block_text(i), b.level, b.marker)
        for i, b in enumerate(document.blocks)
        if b.kind is BlockKind.LIST_ITEM
    ]
    assert items == [
        ("Cod quotas were cut.", 1, "•"),
        ("Fuel prices doubled.", 1, "•"),
        ("first nested", 2, "1."),
        ("second nested", 2, "2."),
        ("The item goes on.", 1, markdown.CONTINUATION),
        ("Last item.", 1, "•"),
        ("seven", 1, "7."),
        ("eight", 1, "8."),
    ]
    assert ("em", "doubled", None) in spans_of(document)


def test_code_blocks_keep_newlines_and_expand_tabs(article: markdown.ParsedArticle) -> None:
    document = article.document
    code = [
        document.block_text(i) for i, b in enumerate(document.blocks) if b.kind is BlockKind.CODE
    ]
    assert code == [
        "def catch(fleet):\n    return sum(boat.catch for boat in fleet)",
        "indented code",
    ]


def test_rule_table_image_and_breaks(article: markdown.ParsedArticle) -> None:
    document = article.document
    kinds = blocks_of(document)
    assert (BlockKind.RULE, markdown.RULE_TEXT) in kinds
    assert (BlockKind.PARAGRAPH, "Boat  | Catch\nMaria | 12\nSven  | 3") in kinds
    assert ("strong", "Boat", None) in spans_of(document)
    assert ("em", "Maria", None) in spans_of(document)
    assert (BlockKind.PARAGRAPH, "[image: A boat at dawn] beside text.") in kinds
    assert (BlockKind.PARAGRAPH, "Line one\nline two\nline three soft break.") in kinds


def test_spans_stay_inside_their_blocks(article: markdown.ParsedArticle) -> None:
    document = article.document
    for span in document.spans:
        block = document.blocks[document.block_at(span.start)]
        assert block.start <= span.start < span.end <= block.end


def test_markup_like_text_is_just_text() -> None:
    parsed = markdown.parse("Press [/] or [@click=app.quit] and [bold]x[/bold] <b>y</b>.\n")
    assert parsed.document.text == "Press [/] or [@click=app.quit] and [bold]x[/bold] y."
    assert parsed.document.spans == []


def test_raw_html_is_never_interpreted() -> None:
    text = (
        "Intro para.\n\n<div class='x'>Kept <b>words</b> &amp; more</div>\n\n"
        "<script>\nalert('x')\n\nstill script\n</script>\n\n<!-- hidden\n\nnote -->\n\n"
        "Text with <span style='color:red'>inline</span> tags<br>and a break.\n"
    )
    document = markdown.parse(text).document
    assert blocks_of(document)[1:] == [
        (BlockKind.PARAGRAPH, "Kept words & more"),
        (BlockKind.PARAGRAPH, "Text with inline tags\nand a break."),
    ]
    assert "alert" not in document.text and "hidden" not in document.text


def test_task_lists_wiki_links_and_inline_scripts() -> None:
    text = (
        "Intro.\n\n- [ ] open *task*\n- [x] done task\n- [link] not a task\n\n"
        "See [[Some Page]], [[Other#Part|the alias]] and ![[boat.png]].\n\n"
        "Text <script>steal()</script>more <b>bold</b>.\n"
    )
    document = markdown.parse(text).document
    items = [
        (b.marker, document.block_text(i))
        for i, b in enumerate(document.blocks)
        if b.kind is BlockKind.LIST_ITEM
    ]
    assert items == [
        (markdown.TASK_OPEN, "open task"),
        (markdown.TASK_DONE, "done task"),
        ("•", "[link] not a task"),
    ]
    assert ("em", "task", None) in spans_of(document)
    assert (BlockKind.PARAGRAPH, "See Some Page, the alias and [embed: boat.png].") in blocks_of(
        document
    )
    assert (BlockKind.PARAGRAPH, "Text more bold.") in blocks_of(document)


def test_footnotes_are_numbered_and_listed_at_the_end() -> None:
    text = "Intro.\n\nA claim[^src] and another[^2].\n\n[^src]: The source.\n[^2]: Second note.\n"
    document = markdown.parse(text).document
    assert blocks_of(document)[1] == (BlockKind.PARAGRAPH, "A claim[1] and another[2].")
    notes = [(b.marker, document.block_text(i)) for i, b in enumerate(document.blocks)][-2:]
    assert notes == [("[1]", "The source."), ("[2]", "Second note.")]
    assert document.blocks[-3].kind is BlockKind.RULE


def test_link_without_text_shows_its_url_and_unsafe_links_are_text() -> None:
    document = markdown.parse("Intro.\n\nSee <https://a.example/x> and [](https://b.example) "
                              "and [bad](javascript:alert(1)).\n").document
    spans = spans_of(document)
    assert ("link", "https://a.example/x", "https://a.example/x") in spans
    assert ("link", "https://b.example", "https://b.example") in spans
    assert all(url is None or not url.startswith("javascript") for _, _, url in spans)
    assert "[bad](javascript:alert(1))" in document.text


def test_relative_links_resolve_against_the_source_url() -> None:
    text = (
        "---\nurl: https://news.example/2024/story\n---\nSee [the report](/report), "
        "[next](part-2), [top](#top) and [mail](mailto:a@b.example).\n"
    )
    urls = [url for _, _, url in spans_of(markdown.parse(text).document)]
    assert urls == [
        "https://news.example/report",
        "https://news.example/2024/part-2",
        "https://news.example/2024/story#top",
        "mailto:a@b.example",
    ]


def test_title_from_first_heading_without_front_matter() -> None:
    parsed = markdown.parse("# Real Title\n\nBy Jane Doe\n\nBody text here.\n")
    assert parsed.title == "Real Title"
    assert parsed.author == "Jane Doe"
    assert blocks_of(parsed.document)[:2] == [
        (BlockKind.TITLE, "Real Title"),
        (BlockKind.BYLINE, "By Jane Doe"),
    ]


def test_dek_from_emphasised_line_and_byline_after_it() -> None:
    parsed = markdown.parse("# Title\n\n*A subtitle that explains.*\n\nJane Doe\n\nBody.\n")
    assert parsed.dek == "A subtitle that explains."
    assert [k for k, _ in blocks_of(parsed.document)] == [
        BlockKind.TITLE, BlockKind.DEK, BlockKind.BYLINE, BlockKind.PARAGRAPH,
    ]  # fmt: skip
    assert parsed.author == "Jane Doe"


def test_title_falls_back_to_first_line_when_no_heading() -> None:
    parsed = markdown.parse("This note starts with a sentence. And goes on.\n\nMore.\n")
    assert parsed.title == "This note starts with a sentence. And goes on."
    assert all(block.kind is not BlockKind.TITLE for block in parsed.document.blocks)


def test_front_matter_title_without_heading_adds_title_block() -> None:
    parsed = markdown.parse("---\ntitle: Only In Front Matter\ndescription: The dek.\n---\nBody.\n")
    assert blocks_of(parsed.document) == [
        (BlockKind.TITLE, "Only In Front Matter"),
        (BlockKind.DEK, "The dek."),
        (BlockKind.PARAGRAPH, "Body."),
    ]


def test_invalid_front_matter_is_a_notice_not_a_crash() -> None:
    parsed = markdown.parse("---\ntitle: [unclosed\n---\n# Heading\n\nBody.\n")
    assert parsed.notice is not None and "front matter" in parsed.notice.lower()
    assert parsed.title == "Heading"
    assert "unclosed" not in parsed.document.text


def test_site_chrome_in_markdown_is_marked() -> None:
    document = markdown.parse("# T\n\nFirst paragraph.\n\nShare this article\n\nSecond.\n").document
    assert (BlockKind.CHROME, "Share this article") in blocks_of(document)


def test_heading_level_of_first_block_decides_title() -> None:
    # A document that starts with a sub-heading followed by a bigger heading has no title block.
    parsed = markdown.parse("## Part A\n\nText.\n\n# Big\n\nMore.\n")
    assert parsed.document.blocks[0].kind is BlockKind.HEADING
    assert parsed.title == "Part A"


@pytest.mark.parametrize(
    "text",
    [
        ">" * 5000 + " deep text\n\nafter",
        "".join("  " * i + f"- item{i}\n" for i in range(200)) + "\nafter",
        "".join("> - " * i + f"x{i}\n" for i in range(100)),
        "[" * 20000 + "x" + "]" * 20000,
        "*a " * 50000,
    ],
    ids=["deep-quote", "deep-list", "quote-list-mix", "brackets", "stars"],
)
def test_hostile_nesting_keeps_text_and_does_not_crash(text: str) -> None:
    started = time.perf_counter()
    document = markdown.parse(text).document
    assert time.perf_counter() - started < 5
    for word in ("deep text", "item199", "x99", "after"):
        if word in text:
            assert word in document.text


def test_empty_and_whitespace() -> None:
    assert markdown.parse("").document.blocks == []
    assert markdown.parse("  \n\n\t\n").document.text == ""
    assert markdown.parse("---\n---\n").document.text == ""


def _book(size: int) -> str:
    words = "the quick brown fox jumps over a lazy dog while reading pages".split()
    paragraphs: list[str] = []
    total = 0
    index = 0
    while total < size:
        if index % 40 == 0:
            paragraph = f"## Chapter {index // 40 + 1}"
        else:
            line = " ".join(words[(index + k) % len(words)] for k in range(100))
            line = line.replace("fox", "*fox*", 1) if index % 3 == 0 else line
            paragraph = "\n".join(line[i : i + 72] for i in range(0, len(line), 72)) + "."
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
        index += 1
    return "\n\n".join(paragraphs)


def test_three_megabyte_book_parses_fast() -> None:
    """A 3 MB book costs about ten times a 300 KB one (linear), measured in this run."""
    tenth = _book(300_000)
    started = time.perf_counter()
    markdown.parse(tenth)
    small = time.perf_counter() - started
    book = _book(3_000_000)
    started = time.perf_counter()
    document = markdown.parse(book).document
    elapsed = time.perf_counter() - started
    assert len(document.blocks) > 3000
    assert elapsed < 30 * max(small, 0.01), f"3 MB book took {elapsed:.2f}s, 300 KB {small:.2f}s"


FRAGMENTS = [
    "Plain paragraph of words.",
    "Text with *em* and **strong** and `code` and [link](https://x.example).",
    "Wrapped line one\nwrapped line two  \nhard break",
    "# Heading",
    "Setext heading\n===",
    "> quoted\n> more",
    "- a\n- b\n\n  continued",
    "1. one\n2. two",
    "```\ncode\n\nwith blank\n```",
    "~~~\nfence\n~~~",
    "    indented code",
    "<!-- comment\n\nspanning -->",
    "<div>\nhtml block\n</div>",
    "[ref]: https://ref.example",
    "Uses [ref] link.",
    "| a | b |\n| - | - |\n| 1 | 2 |",
    "Footnote[^n].",
    "[^n]: The note.",
    "***",
    "Tab\tseparated\ttext.",
    "Trailing spaces   ",
    "Entity &amp; escape \\* star.",
    "- [x] done\n- [ ] open",
    "See [[Wiki Page|alias]] and ![[img.png]].",
    "Inline <script>hidden()</script> shown.",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12))
def test_fast_path_matches_full_markdown_it_parse(fragments: list[str]) -> None:
    body = "\n\n".join(fragments) + "\n"
    fast = markdown.parse_markdown_body(body, FrontMatter(), fast=True).document
    slow = markdown.parse_markdown_body(body, FrontMatter(), fast=False).document
    assert fast.text == slow.text
    assert fast.blocks == slow.blocks
    assert fast.spans == slow.spans


# --- Front matter -----------------------------------------------------------------------------


def test_split_front_matter_variants() -> None:
    front, body = split_front_matter("---\ntitle: A\nauthors:\n  - B\n  - name: C\n---\nBody")
    assert front is not None and (front.title, front.author, body) == ("A", "B, C", "Body")
    front, body = split_front_matter('+++\ntitle = "Toml"\ntags = ["x"]\n+++\nBody')
    assert front is not None and (front.title, front.tags, body) == ("Toml", ["x"], "Body")
    front, body = split_front_matter("---\ntitle: A\n...\nBody")
    assert front is not None and front.title == "A" and body == "Body"
    assert split_front_matter("--- not front matter\nText") == (None, "--- not front matter\nText")
    assert split_front_matter("Text\n---\ntitle: x\n---\n")[0] is None


@pytest.mark.parametrize(
    "text",
    [
        "---\n\nOpening words between two rules.\n\n---\nMore.\n",
        "---\n- a list\n- not fields\n---\nBody\n",
        "---\nProse here, not YAML [oops\n---\nBody\n",
        "---\n" + "Long opening paragraph. " * 4000 + "\n---\nBody\n",
    ],
)
def test_text_that_only_looks_like_front_matter_is_kept(text: str) -> None:
    front, body = split_front_matter(text)
    assert front is None and body == text
    rendered = markdown.parse(text).document.text
    for word in ("Opening words", "a list", "Prose here", "Long opening paragraph"):
        if word in text:
            assert word in rendered


def test_front_matter_url_needs_a_location() -> None:
    front, _ = split_front_matter("---\nsource: Pocket\nurl: https://a.example/x\n---\n")
    assert front is not None and front.url == "https://a.example/x"
    front, _ = split_front_matter("---\nsource: Pocket\n---\n")
    assert front is not None and front.url == ""


def test_front_matter_dates_and_odd_values() -> None:
    text = "---\ntitle: 1984\ndate: 2020-01-02 10:30:00\nauthor: null\n---\n"
    front, _ = split_front_matter(text)
    assert front is not None
    # A publication date is shown as YYYY-MM-DD (the time of day is not kept).
    assert (front.title, front.date, front.author) == ("1984", "2020-01-02", "")


def test_yaml_aliases_cannot_blow_up() -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for name, previous in zip("bcdefgh", "abcdefg", strict=True):
        bomb += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    bomb += "title: *h\ntags: *h\nauthor: *h\n---\nBody\n"
    started = time.perf_counter()
    front, body = split_front_matter(bomb)
    assert time.perf_counter() - started < 1
    assert body == "Body\n" and front is not None and front.title == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a, b c, #d", ["a", "b-c", "d"]),
        ("a b  c", ["a", "b", "c"]),
        (["x", "X", "[[y]]", 3, None, {"k": 1}], ["x", "y", "3"]),
        (None, []),
        (True, []),
    ],
)
def test_parse_tags(value: object, expected: list[str]) -> None:
    assert parse_tags(value) == expected


def test_render_front_matter_round_trips_awkward_titles() -> None:
    rendered = render_front_matter(
        {
            "title": "Yes: No # not a comment",
            "author": "",
            "tags": ["-a", "b"],
            "date": "2024-01-02",
        }
    )
    front, body = split_front_matter(rendered + "Body")
    assert front is not None
    assert (front.title, front.author, front.tags, front.date) == (
        "Yes: No # not a comment", "", ["-a", "b"], "2024-01-02",
    )  # fmt: skip
    assert body == "Body"
    assert render_front_matter({"title": ""}) == ""
