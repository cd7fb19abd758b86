"""Highlights in a Markdown article are made on, and exported as, the rendered text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from reader.cli import main
from reader.loading import load_article

ARTICLE = """\
---
title: Rendered Text
author: Ada Reader
---

# Rendered Text

Reading *slowly* is a **skill**; see [the essay](https://example.com/essay) and `the code`.

- a list item with _emphasis_ inside
"""


def test_markdown_highlight_exports_the_rendered_quote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "rendered.md"
    article.write_text(ARTICLE, encoding="utf-8")
    text = load_article(article).text
    assert "Reading slowly is a skill; see the essay and the code." in text
    assert "*" not in text and "[" not in text and "`" not in text
    quote = "slowly is a skill; see the essay"
    assert main(["highlight", str(article), "--quote", quote, "--note", "**mine**",
                 "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["quote"] == quote
    assert text[record["start"]:record["end"]] == quote
    assert main(["export", str(article)]) == 0
    exported = capsys.readouterr().out
    tokens = MarkdownIt("commonmark").parse(exported)
    quotes = []
    inside = 0
    for token in tokens:
        if token.type == "blockquote_open":
            inside += 1
        elif token.type == "blockquote_close":
            inside -= 1
        elif inside and token.type == "inline":
            quotes.append(token.content)
    rendered = [MarkdownIt("commonmark").renderInline(q) for q in quotes]
    assert any(quote in r for r in rendered)
    assert "**mine**" in exported  # the note is the user's own Markdown, kept as written
    assert "# Rendered Text" in exported
