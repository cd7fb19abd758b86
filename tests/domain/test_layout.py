"""Wrapping and row/offset mapping of the reading view's layout."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.document import BlockKind, DocumentBuilder
from reader.ui.layout import TextLayout, wrap


def test_wrap_breaks_at_spaces_within_width() -> None:
    text = "the quick brown fox jumps over the lazy dog"
    lines = wrap(text, 0, len(text), 10)
    assert [text[s:e] for s, e in lines] == [
        "the quick", "brown fox", "jumps over", "the lazy", "dog"]


def test_wrap_breaks_long_words_hard_and_respects_newlines() -> None:
    text = "abcdefghijkl\nxy"
    assert [text[s:e] for s, e in wrap(text, 0, len(text), 5)] == ["abcde", "fghij", "kl", "xy"]


def test_wide_characters_use_cell_width() -> None:
    text = "漢字漢字 漢字"
    lines = wrap(text, 0, len(text), 6)
    assert [text[s:e] for s, e in lines] == ["漢字漢", "字", "漢字"] or all(
        len(text[s:e]) * 2 <= 6 for s, e in lines)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab cd\n", min_size=1, max_size=80), min_size=1, max_size=8),
       st.integers(min_value=3, max_value=30))
def test_rows_and_offsets_round_trip(paragraphs: list[str], width: int) -> None:
    builder = DocumentBuilder()
    for paragraph in paragraphs:
        builder.add(BlockKind.PARAGRAPH, paragraph.strip() or "x")
    document = builder.build()
    layout = TextLayout(document, width)
    previous_start = -1
    for y in range(layout.height):
        row = layout.row(y)
        assert row is not None
        if row.is_separator:
            continue
        assert row.end - row.start <= width
        assert row.start >= previous_start
        previous_start = row.start
        assert layout.row_of_offset(row.start) == y or row.start == row.end


def test_collapsed_block_takes_one_row() -> None:
    builder = DocumentBuilder()
    builder.add(BlockKind.PARAGRAPH, "word " * 40)
    builder.add(BlockKind.CHROME, "Most Popular " * 10)
    document = builder.build()
    full = TextLayout(document, 20)
    collapsed = TextLayout(document, 20, frozenset({1}))
    assert collapsed.height < full.height
    assert collapsed.row(collapsed.height - 1).block == 1


def test_a_run_of_collapsed_blocks_is_one_placeholder_row() -> None:
    builder = DocumentBuilder()
    builder.add(BlockKind.PARAGRAPH, "Body text before.")
    builder.add(BlockKind.CHROME, "Related Articles:")
    builder.add(BlockKind.CHROME, "SHOW COMMENT (1)")
    builder.add(BlockKind.PARAGRAPH, "Body text after.")
    document = builder.build()
    layout = TextLayout(document, 40, frozenset({1, 2}))
    # before, gap, placeholder, gap, after
    assert layout.height == 5
    assert layout.row(2).block == 1  # type: ignore[union-attr]
    assert layout.collapsed_run(1) == 2
    assert layout.row_of_offset(document.blocks[2].start) == 2
    assert layout.row(4).block == 3  # type: ignore[union-attr]
