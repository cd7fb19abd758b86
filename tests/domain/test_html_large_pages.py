"""Very large HTML pages cost work in proportion to their text (issue 11 item 12).

A 5 MB page of small elements took 34 s (every element converted to Markdown, then parsed), a
page of 100,000 nested ``<div>`` over 100 s (trafilatura). A page of more than
``MAX_FORMATTED_PAGE_TAGS`` tags is now read as its visible text by patterns, and a page over
``LARGE_PAGE_CHARS`` never goes to trafilatura. These tests check which path ran and that no
text is lost, never the clock.
"""

from __future__ import annotations

import pytest

from reader.formats import html
from reader.formats.html import (
    LARGE_PAGE_CHARS,
    MAX_FORMATTED_PAGE_TAGS,
    TEXT_ONLY_NOTICE,
    parse,
)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the expensive steps that ran."""
    seen: list[str] = []
    for name in ("_extract_large_page", "limit_nesting", "visible_text", "_parse_html",
                 "parse_markdown_body"):
        original = getattr(html, name)

        def counting(*args: object, _name: str = name, _original: object = original,
                     **kwargs: object) -> object:
            seen.append(_name)
            return _original(*args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(html, name, counting)
    import trafilatura

    def no_trafilatura(*args: object, **kwargs: object) -> object:
        seen.append("trafilatura")
        raise AssertionError("trafilatura must not run on this page")

    monkeypatch.setattr(trafilatura, "bare_extraction", no_trafilatura)
    return seen


def page(body: str, title: str = "Huge page") -> str:
    return (f"<html><head><title>{title}</title><meta name='author' content='Ann Author'>"
            f"</head><body>{body}</body></html>")


def test_a_page_of_very_many_elements_is_read_as_text(calls: list[str]) -> None:
    rows = MAX_FORMATTED_PAGE_TAGS // 6 + 10
    table = "".join(f"<tr><td>r{i}</td><td>v{i} &amp; w</td></tr>" for i in range(rows))
    nested = "<div>" * 3000 + "deep words" + "</div>" * 3000
    parsed = parse(page(f"<h1>Huge page</h1><table>{table}</table>{nested}<p>The end.</p>"))
    assert "trafilatura" not in calls and "_extract_large_page" not in calls
    assert "limit_nesting" not in calls
    assert calls.count("_parse_html") <= 1  # the <head> only
    assert "parse_markdown_body" not in calls  # its paragraphs are the document
    assert parsed.notice == TEXT_ONLY_NOTICE
    assert parsed.title == "Huge page" and parsed.author == "Ann Author"
    text = parsed.document.text
    assert "r0 | v0 & w" in text and f"r{rows - 1} | v{rows - 1} & w" in text
    assert "deep words" in text and text.endswith("The end.")


def test_a_large_page_of_few_elements_skips_trafilatura(calls: list[str]) -> None:
    words = " ".join(f"word{i}" for i in range(LARGE_PAGE_CHARS // 8))
    parsed = parse(page(f"<article><h1>Long</h1><p>{words}</p></article>"))
    assert "trafilatura" not in calls and "_extract_large_page" in calls
    assert "visible_text" not in calls  # main text found: the page is not read a second time
    assert parsed.notice is None or "formatting" in parsed.notice
    assert f"word{LARGE_PAGE_CHARS // 8 - 1}" in parsed.document.text


def test_a_text_only_page_reads_as_its_stored_markdown_would() -> None:
    rows = MAX_FORMATTED_PAGE_TAGS // 2 + 10
    body = "".join(f"<p>Row {i}: a *b* [c] 1. - # $d | e_f &amp;amp; \\g</p>" for i in range(rows))
    extracted = html.extract_page(page(body))
    direct = parse(page(body))
    stored = html.parse_markdown_body(extracted.markdown, extracted.front,
                                      notice=extracted.notice)
    assert extracted.paragraphs is not None and direct.notice == TEXT_ONLY_NOTICE
    assert direct.document.text == stored.document.text
    assert direct.title == stored.title == "Huge page"


def test_reading_a_text_only_page_does_not_convert_it_to_markdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The document is made from the page's paragraphs; their Markdown (what ``postil add``
    stores) is only made when asked for, once."""
    converted: list[str] = []
    original = html.paragraph_markdown

    def counting(text: str) -> str:
        converted.append(text)
        return original(text)

    monkeypatch.setattr(html, "paragraph_markdown", counting)
    rows = MAX_FORMATTED_PAGE_TAGS // 2 + 10
    body = "".join(f"<p>Row {i} *b*</p>" for i in range(rows))
    parsed = parse(page(body))
    assert parsed.notice == TEXT_ONLY_NOTICE and "Row 7 *b*" in parsed.document.text
    assert converted == []
    extracted = html.extract_page(page(body))
    assert extracted.markdown.startswith("Row 0 \\*b\\*") and len(converted) == rows
    assert extracted.markdown and len(converted) == rows  # made once
    extracted.markdown = ""
    assert extracted.markdown == ""


def test_a_page_of_very_many_tiny_paragraphs_costs_a_bounded_number_of_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """650,000 one-letter paragraphs took seconds, a block each: as for a text file, past the
    bulk limit the rest of the page's text is shown in blocks of several paragraphs. The text
    is the same as one block per paragraph would give."""
    import reader.document
    from reader.formats.bulk_text import BULK_BLOCK_CHARS, HEAD_PARAGRAPHS, MAX_PARAGRAPHS
    from reader.formats.markdown import plain_paragraphs

    added: list[int] = []
    original = reader.document.DocumentBuilder.add

    def counting(self: reader.document.DocumentBuilder, *args: object,
                 **kwargs: object) -> reader.document.Block | None:
        added.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    count = MAX_PARAGRAPHS + 1000
    source = page("".join(f"<p>w{i}</p>" for i in range(count)))
    monkeypatch.setattr(reader.document.DocumentBuilder, "add", counting)
    parsed = parse(source)
    monkeypatch.undo()
    document = parsed.document
    tail_blocks = len(document.blocks) - HEAD_PARAGRAPHS
    assert len(added) <= HEAD_PARAGRAPHS + 2
    assert tail_blocks <= 2 * count * len("w123456\n\n") // BULK_BLOCK_CHARS
    assert parsed.notice == TEXT_ONLY_NOTICE
    extracted = html.extract_page(source)
    assert extracted.paragraphs is not None
    whole = plain_paragraphs(extracted.paragraphs, extracted.front).document
    assert document.text == whole.text and document.text.endswith(f"w{count - 1}")
