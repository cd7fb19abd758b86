"""Fuzz tests (hypothesis): loader, anchoring and exporter take arbitrary unicode."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from annotations.anchoring import anchor, find_quote
from annotations.export import ArticleExport, ArticleInfo, dumps, render_markdown
from annotations.model import Annotation
from reader.formats import html, markdown, plaintext
from reader.loading import ArticleError, load_article
from reader.sanitize import clean_text, is_clean
from tests.support.hostile import has_forbidden

ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400
)
SPICY = st.sampled_from(["[/]", "[bold]", "\x1b]0;t\x07", "\u202e", "\r\n", "\n\n", "# ", "> ",
                         "- ", "```", "<b>", "&amp;", "---\n", "\t", "\x00", "*", "_", "|"])
HOSTILE_TEXT = st.lists(st.one_of(ANY_TEXT, SPICY), max_size=12).map("".join)
FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _check_document(document: object) -> None:
    text = document.text  # type: ignore[attr-defined]
    assert is_clean(text)
    previous_end = -1
    for block in document.blocks:  # type: ignore[attr-defined]
        assert 0 <= block.start <= block.end <= len(text)
        assert block.start >= previous_end
        previous_end = block.end
    for span in document.spans:  # type: ignore[attr-defined]
        assert 0 <= span.start <= span.end <= len(text)


@FUZZ
@given(HOSTILE_TEXT)
def test_every_parser_takes_any_text(raw: str) -> None:
    cleaned = clean_text(raw.replace("\r", "\n"))
    for parser in (plaintext.parse, markdown.parse, html.parse):
        _check_document(parser(cleaned).document)


@FUZZ
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_loader_takes_any_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        article = load_article(path)
    except ArticleError as error:
        assert str(error) and "\n" not in str(error)
        return
    _check_document(article.document)
    assert not has_forbidden(article.meta.title + article.meta.author)


@FUZZ
@given(text=HOSTILE_TEXT, edited=HOSTILE_TEXT, data=st.data())
def test_anchoring_never_fails_and_stays_in_bounds(text: str, edited: str,
                                                   data: st.DataObject) -> None:
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    annotation = Annotation.create(article_id="a", path="/a", text=text, start=start, end=end)
    for target in (text, edited, text[: len(text) // 2] + edited):
        result = anchor(annotation, target)
        assert 0 <= result.start <= result.end
        if result.status.value != "orphaned":
            assert result.end <= len(target)
    found = find_quote(edited, text[start:end])
    if found is not None:
        assert 0 <= found[0] <= found[1] <= len(edited)


@FUZZ
@given(quotes=st.lists(HOSTILE_TEXT.filter(lambda q: q.strip() != ""), min_size=1, max_size=4),
       note=HOSTILE_TEXT, tags=st.lists(HOSTILE_TEXT, max_size=3), title=HOSTILE_TEXT)
def test_exporter_takes_any_quote_note_tag_and_title(quotes: list[str], note: str,
                                                     tags: list[str], title: str) -> None:
    text = "\n\n".join(quotes)
    annotations = []
    offset = 0
    for quote in quotes:
        annotations.append(Annotation.create(article_id="a", path="/x/a.txt", text=text,
                                             start=offset, end=offset + len(quote), note=note,
                                             tags=tags))
        offset += len(quote) + 2
    info = ArticleInfo(id="a", path="/x/a.txt", title=title or "t")
    exported = render_markdown([ArticleExport(info, tuple(annotations))],
                               exported_at="2026-01-01T00:00:00Z")
    MarkdownIt("commonmark").parse(exported)
    assert "\x1b" not in exported or "\x1b" in text + note + title + "".join(tags)
    dumps(annotations, exported_at="2026-01-01T00:00:00Z")
