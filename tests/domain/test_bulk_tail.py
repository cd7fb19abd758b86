"""A file of very many paragraphs or lines costs a bounded number of blocks (issue 11, item 12).

A 5 MB file of one-letter paragraphs (1.7 million blocks) took 10-15 s to open: every block
costs the parsers and the reading view a few microseconds. Past :data:`MAX_PARAGRAPHS`
paragraph breaks or :data:`MAX_LINES` lines, only the first part is read in the file's format;
the rest is shown as text, as written, in blocks of a few kilobytes. Nothing is dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import reader.document
from reader.document import BlockKind
from reader.formats.bulk_text import (
    BULK_BLOCK_CHARS,
    BULK_NOTICE,
    HEAD_PARAGRAPHS,
    MAX_LINES,
    MAX_PARAGRAPHS,
    bulk_blocks,
    split_bulk_tail,
)
from reader.loading import load_article
from reader.ui.layout import TextLayout


@pytest.fixture
def added_blocks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many blocks the parsers add (one entry per call of DocumentBuilder.add)."""
    calls: list[int] = []
    original = reader.document.DocumentBuilder.add

    def counting(self: reader.document.DocumentBuilder, *args: object,
                 **kwargs: object) -> reader.document.Block | None:
        calls.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader.document.DocumentBuilder, "add", counting)
    return calls


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_a_file_of_tiny_paragraphs_costs_a_bounded_number_of_blocks(
        tmp_path: Path, suffix: str, added_blocks: list[int]) -> None:
    count = MAX_PARAGRAPHS + 10_000
    path = tmp_path / f"tiny{suffix}"
    path.write_text("".join(f"p{n}\n\n" for n in range(count)))
    article = load_article(path)
    assert len(added_blocks) <= HEAD_PARAGRAPHS + 10  # the parser read only the start
    blocks = article.document.blocks
    assert len(blocks) < HEAD_PARAGRAPHS + 3 * len(article.text) // BULK_BLOCK_CHARS
    words = article.text.split()
    assert len(words) == count and words[-1] == f"p{count - 1}"  # nothing lost
    assert article.notice == BULK_NOTICE
    assert article.meta.words == count - 1  # the first paragraph is its title


def test_a_markdown_file_of_many_lines_keeps_every_line(tmp_path: Path,
                                                        added_blocks: list[int]) -> None:
    path = tmp_path / "lines.md"
    path.write_text("# Lines\n\n" + "".join(f"- line {n}\n" for n in range(MAX_LINES + 1000)))
    article = load_article(path)
    assert article.meta.title == "Lines"
    assert f"line {MAX_LINES + 999}" in article.text
    assert article.text.count("line ") == MAX_LINES + 1000
    assert len(article.document.blocks) < 50_000


def test_an_ordinary_long_book_is_read_in_its_format(tmp_path: Path) -> None:
    """20,000 paragraphs (a 5 MB novel): far below the limits, read as before."""
    text = "# A Novel\n\n" + "\n\n".join(f"Paragraph {n} *says* something." for n in range(20_000))
    assert split_bulk_tail(text) == (text, "")
    path = tmp_path / "novel.md"
    path.write_text(text)
    article = load_article(path)
    assert article.notice != BULK_NOTICE
    assert len(article.document.blocks) == 20_001


def test_the_bulk_text_is_cut_at_paragraph_breaks_and_keeps_the_words() -> None:
    tail = "".join(f"para {n}   \n\n\n\n" for n in range(3000))
    blocks = bulk_blocks(tail)
    assert all(len(block) <= BULK_BLOCK_CHARS for block in blocks)
    assert all(not block.startswith("\n") and not block.endswith("\n") for block in blocks)
    assert "\n\n\n" not in "".join(blocks) and "   \n" not in "".join(blocks)
    assert " ".join(blocks).split() == tail.split()


def test_one_long_line_in_the_bulk_text_is_cut_at_spaces() -> None:
    tail = "word " * 5000
    blocks = bulk_blocks(tail)
    assert len(blocks) > 1
    assert " ".join(blocks).split() == tail.split()


def test_rows_of_a_block_of_short_lines_are_counted_without_wrapping(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("".join(f"p{n}\n\n" for n in range(MAX_PARAGRAPHS + 10_000)))
    document = load_article(path).document
    bulk = [index for index, block in enumerate(document.blocks)
            if "\n" in document.block_text(index) and block.kind is BlockKind.PARAGRAPH]
    assert bulk
    import reader.ui.layout as layout_module

    wrapped: list[int] = []
    original = layout_module.wrap

    def counting(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
        wrapped.append(start)
        return original(text, start, end, width)

    monkeypatch.setattr(layout_module, "wrap", counting)
    layout = TextLayout(document, 60)
    starts = {document.blocks[index].start for index in bulk}
    assert not starts & set(wrapped)  # counted, not wrapped
    index = bulk[0]
    assert len(layout.lines(index)) == layout.block_top(index + 1) - layout.block_top(index) - 1
